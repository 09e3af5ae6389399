/**
 * gif(4) and gre(4) in virtual time: two jails joined by a router jail ping each other through a
 * tunnel over the routed underlay, with the outer protocol (4 or 47) and GRE header on the wire;
 * a gif in a bridge carries Ethernet as EtherIP; GRE keys tell tunnels apart; `udpencap` carries GRE in UDP (RFC 8086); malformed GRE is dropped and counted; a route that sends the tunnel's
 * own datagrams into the tunnel is caught, not looped; FreeBSD's output and messages.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { shellWorld, wiretap } from '../../../testing/shell.js'
import { parseIpv4 } from '../../../wire/addr.js'
import { writeIpv4Header } from '../../../wire/inet/ipv4.js'

const world = () => shellWorld(11)

/** one (192.0.2.1) — r — two (198.51.100.1), routed, as in FreeBSD's if_gif test but one hop apart. */
const ROUTED = `
jail -c name=one vnet persist
jail -c name=r vnet persist
jail -c name=two vnet persist
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet one
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair1b vnet two
jexec one ifconfig epair0a 192.0.2.1/24 up
jexec r ifconfig epair0b 192.0.2.254/24 up
jexec r ifconfig epair1a 198.51.100.254/24 up
jexec two ifconfig epair1b 198.51.100.1/24 up
jexec one route add default 192.0.2.254 >/dev/null
jexec two route add default 198.51.100.254 >/dev/null
jexec r sysctl net.inet.ip.forwarding=1 >/dev/null
`

describe('gif(4) and gre(4)', () => {
  test('gif: ping through the tunnel across a router, IPv4 in IPv4 on the wire, FreeBSD output', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
g=$(jexec one ifconfig gif create)
echo $g
jexec one ifconfig $g tunnel 192.0.2.1 198.51.100.1
jexec one ifconfig $g inet 10.1.0.1/24 10.1.0.2 up
jexec two ifconfig gif0 create
jexec two ifconfig gif0 tunnel 198.51.100.1 192.0.2.1
jexec two ifconfig gif0 inet 10.1.0.2/24 10.1.0.1 up`)
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /^gif0$/m)
    const wire = wiretap(w.ifp('one', 'epair0a'))
    r = await w.run('jexec one ping -c 2 10.1.0.2')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /2 packets received/)
    const outer = wire.filter((f) => f[12] === 0x08 && f[13] === 0 && f[14 + 9] === 4)
    assert.ok(outer.length >= 2, 'IPv4-in-IPv4 datagrams left one')
    // Outer TTL 30 (net.inet.gif.ttl), source and destination the tunnel's; the inner ICMP echo inside.
    assert.equal(outer[0]![14 + 8], 30)
    assert.deepEqual([...outer[0]!.subarray(26, 34)], [192, 0, 2, 1, 198, 51, 100, 1])
    assert.equal(outer[0]![34 + 9], 1)
    r = await w.run('jexec one ifconfig gif0')
    assert.match(
      r.out,
      /^gif0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1280\n\toptions=80000<LINKSTATE>\n\ttunnel inet 192.0.2.1 --> 198.51.100.1\n\tinet 10.1.0.1 --> 10.1.0.2 netmask 0xffffff00\n/,
    )
    assert.match(r.out, /\tgroups: gif\n/)
    // deletetunnel: not running, nothing sent.
    r = await w.run(
      'jexec one ifconfig gif0 deletetunnel; jexec one ifconfig gif0; jexec one ping -c 1 -t 2 10.1.0.2',
    )
    assert.match(r.out, /flags=8011<UP,POINTOPOINT,MULTICAST>/)
    assert.doesNotMatch(r.out, /tunnel inet/)
    assert.match(r.out, /0 packets received/)
  })

  test('gif carries IPv6 too (protocol 41), and a gre tunnel IPv6 with type 0x86dd', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
jexec one ifconfig gif0 create tunnel 192.0.2.1 198.51.100.1 up
jexec one ifconfig gif0 inet6 2001:db8:1::1 prefixlen 64
jexec two ifconfig gif0 create tunnel 198.51.100.1 192.0.2.1 up
jexec two ifconfig gif0 inet6 2001:db8:1::2 prefixlen 64
jexec one ifconfig gre0 create tunnel 192.0.2.1 198.51.100.1 up
jexec one ifconfig gre0 inet6 2001:db8:2::1 prefixlen 64
jexec two ifconfig gre0 create tunnel 198.51.100.1 192.0.2.1 up
jexec two ifconfig gre0 inet6 2001:db8:2::2 prefixlen 64
sleep 3`)
    assert.equal(r.status, 0, r.err)
    const wire = wiretap(w.ifp('one', 'epair0a'))
    r = await w.run('jexec one ping6 -c 1 2001:db8:1::2 && jexec one ping6 -c 1 2001:db8:2::2')
    assert.equal(r.status, 0, r.out + r.err)
    const gif = wire.find((f) => f[14 + 9] === 41)
    assert.ok(gif, 'IPv6-in-IPv4 on the wire')
    assert.equal(gif[34]! >>> 4, 6)
    const gre = wire.find((f) => f[14 + 9] === 47)
    assert.ok(gre, 'GRE on the wire')
    assert.deepEqual([...gre.subarray(34, 38)], [0, 0, 0x86, 0xdd])
  })

  test('gre: keyed tunnels, the RFC 2890 key on the wire, a wrong key is not ours', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
jexec one ifconfig gre0 create tunnel 192.0.2.1 198.51.100.1 grekey 77
jexec one ifconfig gre0 inet 10.2.0.1/32 10.2.0.2 up
jexec two ifconfig gre0 create tunnel 198.51.100.1 192.0.2.1 grekey 77
jexec two ifconfig gre0 inet 10.2.0.2/32 10.2.0.1 up
jexec one ifconfig gre1 create tunnel 192.0.2.1 198.51.100.1
jexec one ifconfig gre1 inet 10.3.0.1/32 10.3.0.2 up
jexec two ifconfig gre1 create tunnel 198.51.100.1 192.0.2.1
jexec two ifconfig gre1 inet 10.3.0.2/32 10.3.0.1 up`)
    assert.equal(r.status, 0, r.err)
    const wire = wiretap(w.ifp('one', 'epair0a'))
    r = await w.run('jexec one ping -c 1 10.2.0.2 && jexec one ping -c 1 10.3.0.2')
    assert.equal(r.status, 0, r.err)
    const gre = wire.filter((f) => f[14 + 9] === 47)
    assert.equal(gre.length, 2)
    // K bit, protocol 0x0800, key 77; then the unkeyed tunnel's 4-byte header.
    assert.deepEqual([...gre[0]!.subarray(34, 42)], [0x20, 0, 0x08, 0, 0, 0, 0, 77])
    assert.deepEqual([...gre[1]!.subarray(34, 38)], [0, 0, 0x08, 0])
    assert.equal(gre[0]![14 + 8], 64)
    r = await w.run('jexec one ifconfig gre0')
    assert.match(r.out, /mtu 1476\n/)
    assert.match(r.out, /\tgrekey: 0x4d \(77\)\n/)
    // The far end changes its key: its datagrams no longer match one's gre0.
    r = await w.run('jexec two ifconfig gre0 grekey 78; jexec one ping -c 1 -t 2 10.2.0.2')
    assert.match(r.out, /0 packets received/)
  })

  test('gif in a bridge: Ethernet frames as EtherIP (RFC 3378, protocol 97) join two LANs', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
jail -c name=h1 vnet persist
jail -c name=h2 vnet persist
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair2a vnet h1
ifconfig epair2b vnet one
ifconfig epair3a vnet h2
ifconfig epair3b vnet two
jexec h1 ifconfig epair2a 10.9.0.1/24 up
jexec h2 ifconfig epair3a 10.9.0.2/24 up
jexec one ifconfig gif0 create tunnel 192.0.2.1 198.51.100.1 up
jexec two ifconfig gif0 create tunnel 198.51.100.1 192.0.2.1 up
jexec one ifconfig bridge0 create addm epair2b addm gif0 up
jexec two ifconfig bridge0 create addm epair3b addm gif0 up
jexec one ifconfig epair2b up
jexec two ifconfig epair3b up`)
    assert.equal(r.status, 0, r.err)
    const wire = wiretap(w.ifp('one', 'epair0a'))
    r = await w.run('jexec h1 ping -c 1 10.9.0.2')
    assert.equal(r.status, 0, r.out + r.err)
    assert.match(r.out, /1 packets received/)
    const eip = wire.filter((f) => f[14 + 9] === 97)
    // The ARP request (broadcast) and the echo request crossed as EtherIP.
    assert.ok(eip.length >= 2, String(eip.length))
    for (const f of eip) assert.deepEqual([...f.subarray(34, 36)], [0x30, 0])
    assert.ok(
      eip.some((f) => f[36 + 12] === 0x08 && f[36 + 13] === 0x06),
      'an ARP frame inside',
    )
    // h2 learnt h1's own MAC: the frames crossed whole, Ethernet header and all.
    r = await w.run('jexec h2 arp -an; jexec h1 ifconfig epair2a ether')
    const mac = /ether ([0-9a-f:]+)/.exec(r.out)![1]!
    assert.match(r.out, new RegExp(`\\(10\\.9\\.0\\.1\\) at ${mac} on epair3a`))
    // A gif outside any bridge has nowhere to put an EtherIP frame.
    r = await w.run('jexec two ifconfig bridge0 deletem gif0; jexec h1 ping -c 1 -t 2 10.9.0.2')
    assert.match(r.out, /0 packets received/)
  })

  test('bridges with addresses over EtherIP: the first packet, held for ARP, goes when the reply comes at once', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
jexec one ifconfig gif0 create tunnel 192.0.2.1 198.51.100.1 up
jexec two ifconfig gif0 create tunnel 198.51.100.1 192.0.2.1 up
jexec one ifconfig bridge0 create 10.9.0.1/24 addm gif0 up
jexec two ifconfig bridge0 create 10.9.0.2/24 addm gif0 up`)
    assert.equal(r.status, 0, r.err)
    // The ARP reply arrives while one's gif is still sending the request (in-process links deliver
    // at once); the echo request it releases is a packet of its own and is encapsulated too.
    r = await w.run('jexec one ping -c 1 10.9.0.2')
    assert.match(r.out, /1 packets received/)
    // With member_ifaddrs=0 a gif member still takes addresses (they are the tunnel's), and a gif
    // holding one may join a bridge.
    r = await w.run(`jexec two sysctl net.link.bridge.member_ifaddrs=0 >/dev/null
jexec two ifconfig gif0 inet 10.8.0.2/32 10.8.0.1; echo addr=$?
jexec two ifconfig bridge0 deletem gif0
jexec two ifconfig bridge0 addm gif0; echo addm=$?
jexec two ifconfig bridge0 addm epair1b 2>/dev/null; echo epair=$?`)
    assert.equal(r.out, 'addr=0\naddm=0\nepair=1\n')
  })

  test('gre udpencap: GRE in UDP to port 4754 (RFC 8086), udpport, checksummed; a plain GRE peer is not heard', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
jexec one ifconfig gre0 create tunnel 192.0.2.1 198.51.100.1 udpencap udpport 50000
jexec one ifconfig gre0 inet 10.2.0.1/32 10.2.0.2 up
jexec two ifconfig gre0 create tunnel 198.51.100.1 192.0.2.1 udpencap
jexec two ifconfig gre0 inet 10.2.0.2/32 10.2.0.1 up`)
    assert.equal(r.status, 0, r.err)
    const wire = wiretap(w.ifp('one', 'epair0a'))
    r = await w.run('jexec one ping -c 1 10.2.0.2')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /1 packets received/)
    const udp = wire.filter((f) => f[14 + 9] === 17)
    assert.equal(udp.length, 1)
    const f = udp[0]!
    // Source port 50000, destination 4754, length over UDP + GRE + inner datagram, then the GRE header.
    assert.deepEqual([...f.subarray(34, 38)], [50000 >> 8, 50000 & 0xff, 4754 >> 8, 4754 & 0xff])
    assert.equal((f[38]! << 8) | f[39]!, f.length - 34)
    assert.deepEqual([...f.subarray(42, 46)], [0, 0, 0x08, 0])
    assert.equal(f[46]! >> 4, 4)
    // The checksum verifies over the pseudo header (sum of all words, with it, folds to 0xffff).
    let acc = 0xc000 + 0x0201 + 0xc633 + 0x6401 + 17 + (f.length - 34)
    for (let i = 34; i < f.length; i += 2) acc += (f[i]! << 8) | (f[i + 1] ?? 0)
    while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16)
    assert.equal(acc, 0xffff)
    r = await w.run('jexec one ifconfig gre0; jexec two ifconfig gre0')
    assert.match(r.out, /\tudpport: 50000\n\toptions=4<UDPENCAP>\n/)
    // two has no udpport: its source port comes from the flow, within the high range.
    const two = r.out.split('gre0: ')[2]!
    assert.match(two, /\toptions=4<UDPENCAP>\n/)
    assert.doesNotMatch(two, /udpport/)
    // A port outside net.inet.ip.portrange.hifirst..hilast is refused (a warning, status 0).
    r = await w.run('jexec one ifconfig gre0 udpport 1000')
    assert.equal(r.err, 'ifconfig: ioctl (set udpport): Invalid argument\n')
    // two drops udpencap: it sends plain GRE, which one's UDP-encapsulating tunnel does not hear.
    r = await w.run('jexec two ifconfig gre0 -udpencap; jexec two ping -c 1 -t 2 10.2.0.1')
    assert.match(r.out, /0 packets received/)
    r = await w.run('jexec two ifconfig gre0 udpencap; jexec two ping -c 1 10.2.0.1')
    assert.match(r.out, /1 packets received/)
  })

  test('malformed GRE is dropped and counted on the tunnel; the tunnel keeps working', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
jexec one ifconfig gre0 create tunnel 192.0.2.1 198.51.100.1
jexec one ifconfig gre0 inet 10.2.0.1/32 10.2.0.2 up
jexec two ifconfig gre0 create tunnel 198.51.100.1 192.0.2.1
jexec two ifconfig gre0 inet 10.2.0.2/32 10.2.0.1 up`)
    assert.equal(r.status, 0, r.err)
    const ep = w.ifp('two', 'epair1b')
    const gre = w.ifp('two', 'gre0')
    const frame = (payload: number[]): Uint8Array => {
      const f = new Uint8Array(14 + 20 + payload.length)
      for (let i = 0; i < 6; i++) f[i] = Math.floor(ep.mac / 256 ** (5 - i)) % 256
      f.set([2, 0, 0, 0, 0, 9], 6)
      f[12] = 0x08
      writeIpv4Header(
        f,
        14,
        parseIpv4('192.0.2.1')!,
        parseIpv4('198.51.100.1')!,
        47,
        60,
        0,
        1,
        payload.length,
        0,
      )
      f.set(payload, 34)
      return f
    }
    const before = gre.stats.ierrors
    const bad = [
      [0, 1, 0x08, 0, 0x45], // version 1
      [0x40, 0, 0x08, 0, 0x45], // routing present
      [0, 0], // too short
      [0, 0, 0x65, 0x58, 0x45, 0, 0, 0], // transparent Ethernet bridging: not carried here
      [0, 0, 0x08, 0, 0x60], // says IPv4, carries version 6
    ]
    for (const p of bad) ep.receive(w.host.env.pool.copyIn(frame(p)))
    await w.sys.nanosleep(1000)
    assert.equal(gre.stats.ierrors - before, bad.length)
    assert.equal(w.host.env.netisr.errors, 0)
    r = await w.run('jexec one ping -c 1 10.2.0.2')
    assert.equal(r.status, 0, r.err)
  })

  test('the inner header of a tunnelled datagram from outside is checked, forwarded on the way or not', async () => {
    const w = world()
    const r = await w.run(`${ROUTED}
jexec one ifconfig gre0 create tunnel 192.0.2.1 198.51.100.1
jexec one ifconfig gre0 inet 10.2.0.1/32 10.2.0.2 up
jexec two ifconfig gre0 create tunnel 198.51.100.1 192.0.2.1
jexec two ifconfig gre0 inet 10.2.0.2/32 10.2.0.1 up`)
    assert.equal(r.status, 0, r.err)
    /** A GRE datagram from one's tunnel address, as it enters at ifp from a NIC (nothing vouched). */
    const frame = (ifp: { mac: number }, innerSumOk: boolean): Uint8Array => {
      const f = new Uint8Array(14 + 20 + 4 + 20 + 8)
      for (let i = 0; i < 6; i++) f[i] = Math.floor(ifp.mac / 256 ** (5 - i)) % 256
      f.set([2, 0, 0, 0, 0, 9], 6)
      f[12] = 0x08
      const outer = parseIpv4('192.0.2.1')!
      writeIpv4Header(f, 14, outer, parseIpv4('198.51.100.1')!, 47, 60, 0, 1, 4 + 28, 0)
      f.set([0, 0, 0x08, 0], 34)
      writeIpv4Header(f, 38, parseIpv4('10.2.0.1')!, parseIpv4('10.2.0.2')!, 1, 64, 0, 2, 8, 0)
      if (!innerSumOk) f[48]! ^= 0x5a
      f.set([8, 0, 0xf7, 0xfe, 0, 1, 0, 0], 58) // echo request, id 1, seq 0
      return f
    }
    const badsum = async (): Promise<number> => {
      const out = (await w.run('jexec two netstat -s -p ip')).out
      return Number(/(\d+) bad header checksum/.exec(out)?.[1] ?? 'NaN')
    }
    /** Echo requests two's ICMP took in (the input histogram's "echo", not "echo reply"). */
    const echoes = async (): Promise<number> => {
      const out = (await w.run('jexec two netstat -s -p icmp')).out
      return Number(/Input histogram:\n(?:\t\t.*\n)*?\t\techo: (\d+)/.exec(out)?.[1] ?? '0')
    }
    const direct = w.ifp('two', 'epair1b')
    const viaRouter = w.ifp('r', 'epair0b')
    const before = await badsum()
    const echoed = await echoes()
    for (const ifp of [direct, viaRouter]) ifp.receive(w.host.env.pool.copyIn(frame(ifp, false)))
    await w.sys.nanosleep(1000)
    assert.equal((await badsum()) - before, 2, 'both inner headers refused at the tunnel end')
    assert.equal((await echoes()) - echoed, 0, 'nothing of them reached ICMP')
    for (const ifp of [direct, viaRouter]) ifp.receive(w.host.env.pool.copyIn(frame(ifp, true)))
    await w.sys.nanosleep(1000)
    assert.equal((await badsum()) - before, 2, 'good ones are not')
    assert.equal((await echoes()) - echoed, 2, 'both good echo requests were delivered through the tunnel')
    assert.equal(w.host.env.netisr.errors, 0)
  })

  test('a route that sends the tunnel into itself is caught, not looped', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
jexec one ifconfig gif0 create tunnel 192.0.2.1 198.51.100.1
jexec one ifconfig gif0 inet 10.1.0.1/24 10.1.0.2 up
jexec one route add 198.51.100.1/32 10.1.0.2 >/dev/null`)
    assert.equal(r.status, 0, r.err)
    const g = w.ifp('one', 'gif0')
    r = await w.run('jexec one ping -c 1 -t 2 10.1.0.2')
    assert.match(r.out, /0 packets received/)
    assert.ok(g.stats.oerrors >= 1)
    assert.equal(w.host.env.netisr.errors, 0)
  })

  test('gif in gif: dropped at net.link.gif.max_nesting=1, carried at 2; the knob is per vnet', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
jexec one ifconfig gif0 create tunnel 192.0.2.1 198.51.100.1
jexec one ifconfig gif0 inet 10.1.0.1/24 10.1.0.2 up
jexec two ifconfig gif0 create tunnel 198.51.100.1 192.0.2.1
jexec two ifconfig gif0 inet 10.1.0.2/24 10.1.0.1 up
jexec one ifconfig gif1 create tunnel 10.1.0.1 10.1.0.2
jexec one ifconfig gif1 inet 10.2.0.1/24 10.2.0.2 up
jexec two ifconfig gif1 create tunnel 10.1.0.2 10.1.0.1
jexec two ifconfig gif1 inet 10.2.0.2/24 10.2.0.1 up
jexec one sysctl net.link.gif.max_nesting net.link.gre.max_nesting`)
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /\nnet\.link\.gif\.max_nesting: 1\nnet\.link\.gre\.max_nesting: 1\n$/)
    const outer = w.ifp('one', 'gif0')
    r = await w.run('jexec one ping -c 1 -t 2 10.2.0.2')
    assert.match(r.out, /0 packets received/)
    assert.equal(outer.stats.oerrors, 1)
    // Raised on one only: its request goes out twice wrapped, two's reply is dropped there.
    r = await w.run('jexec one sysctl net.link.gif.max_nesting=2; jexec one ping -c 1 -t 2 10.2.0.2')
    assert.match(r.out, /^net\.link\.gif\.max_nesting: 1 -> 2\n/)
    assert.match(r.out, /0 packets received/)
    assert.equal(w.ifp('two', 'gif0').stats.oerrors, 1)
    r = await w.run('jexec two sysctl net.link.gif.max_nesting=2; jexec one ping -c 1 -t 2 10.2.0.2')
    assert.match(r.out, /1 packets received/)
    // Bounded: a value past 32 is refused and changes nothing.
    r = await w.run(
      'jexec one sysctl net.link.gif.max_nesting=33; jexec one sysctl -n net.link.gif.max_nesting',
    )
    assert.match(r.out, /^2\n$/m)
    assert.notEqual(r.err, '')
  })

  test('bad tunnel settings are refused and change nothing', async () => {
    const w = world()
    let r = await w.run(`${ROUTED}
jexec one ifconfig gif0 create tunnel 192.0.2.1 198.51.100.1`)
    assert.equal(r.status, 0, r.err)
    const cases: Array<[string, RegExp]> = [
      [
        'jexec one ifconfig gif1 create tunnel 192.0.2.1 198.51.100.1',
        /SIOCSIFPHYADDR: Can't assign requested address/,
      ],
      [
        'jexec one ifconfig gif0 tunnel 0.0.0.0 198.51.100.1',
        /SIOCSIFPHYADDR: Can't assign requested address/,
      ],
      [
        'jexec one ifconfig gif0 tunnel 192.0.2.1 224.0.0.1',
        /SIOCSIFPHYADDR: Can't assign requested address/,
      ],
      ['jexec one ifconfig gif0 tunnel 192.0.2.1 nosuchhost', /error in parsing address string: nosuchhost/],
      ['jexec one ifconfig epair0a tunnel 192.0.2.1 198.51.100.1', /SIOCSIFPHYADDR: Invalid argument/],
    ]
    for (const [cmd, msg] of cases) {
      r = await w.run(cmd)
      assert.equal(r.status, 1, cmd)
      assert.match(r.err, msg, cmd)
    }
    // grekey on a gif only warns, as ifgre.c does: exit status 0, the rest of the line applied.
    r = await w.run('jexec one ifconfig gif0 grekey 5 description x')
    assert.equal(r.status, 0)
    assert.equal(r.err, 'ifconfig: ioctl (set grekey): Invalid argument\n')
    r = await w.run('jexec one ifconfig -l; jexec one ifconfig gif0')
    assert.match(r.out, /description: x/)
    assert.match(r.out, /^lo0 epair0a gif0\n/)
    assert.match(r.out, /tunnel inet 192.0.2.1 --> 198.51.100.1/)
  })
})
