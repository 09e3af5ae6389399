/**
 * gre(4) and gif(4) over an IPv6 underlay (`ifconfig IF inet6 tunnel A B`) in virtual time: IPv4
 * and IPv6 ping both ways inside, next header 47 / 4 / 41 on the wire with the tunnel's end points
 * and hop limit, `tunnel inet6 A --> B` in ifconfig's output; gre's enable_csum and enable_seq on
 * the wire (a checksum that verifies, a sequence number that counts) and in `options=`; GRE in UDP
 * (RFC 8086) over IPv6: next header 17 to port 4754 with a UDP checksum over the IPv6 pseudo-header,
 * `udpport` as the source port, both ends in step.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { shellWorld, wiretap } from '../../../testing/shell.js'
import { checksum } from '../../../wire/checksum.js'
import { ipv6PseudoSum } from '../../../wire/inet6/ipv6.js'

const world = () => shellWorld(12)

/** Two jails on one epair, IPv6 only underneath; DAD (1 s) is over before the tunnels are used. */
const UNDERLAY = `
jail -c name=a vnet persist
jail -c name=b vnet persist
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 3fff::1 up
jexec b ifconfig epair0b inet6 3fff::2 up
sleep 2
`

const tunnels = (kind: string, opts = '') => `${UNDERLAY}
jexec a ifconfig ${kind}1 create inet6 tunnel 3fff::1 3fff::2 ${opts} up
jexec b ifconfig ${kind}1 create inet6 tunnel 3fff::2 3fff::1 ${opts} up
jexec a ifconfig ${kind}1 inet 169.254.0.1 169.254.0.2
jexec a ifconfig ${kind}1 inet6 2001:db8::1
jexec b ifconfig ${kind}1 inet 169.254.0.2 169.254.0.1
jexec b ifconfig ${kind}1 inet6 2001:db8::2
sleep 2`

/** Outer IPv6 packets (EtherType 0x86dd) with next header `nh`. */
const outer6 = (frames: Uint8Array[], nh: number) =>
  frames.filter((f) => f[12] === 0x86 && f[13] === 0xdd && f[14 + 6] === nh)

describe('gre(4) and gif(4) over IPv6', () => {
  test('gre: IPv4 and IPv6 inside, both ways; next header 47 between the end points; ifconfig', async () => {
    const w = world()
    let r = await w.run(tunnels('gre'))
    assert.equal(r.status, 0, r.err)
    const wire = wiretap(w.ifp('a', 'epair0a'))
    r = await w.run(`jexec a ping -nc 1 -t 1 169.254.0.2 && jexec b ping -nc 1 -t 1 169.254.0.1 &&
jexec a ping -nc 1 -t 1 2001:db8::2 && jexec b ping -nc 1 -t 1 2001:db8::1`)
    assert.equal(r.status, 0, r.out + r.err)
    const gre = outer6(wire, 47)
    // What a sends: two echo requests and two replies.
    assert.equal(gre.length, 4)
    // Hop limit 64 (in6_gre_output uses the default), the tunnel's addresses, a 4-byte GRE header.
    const f = gre[0]!
    assert.equal(f[14 + 7], 64)
    assert.deepEqual([...f.subarray(22, 24)], [0x3f, 0xff])
    assert.equal(f[22 + 15], 1)
    assert.equal(f[38 + 15], 2)
    assert.deepEqual([...f.subarray(54, 58)], [0, 0, 0x08, 0x00])
    assert.ok(gre.some((g) => g[56] === 0x86 && g[57] === 0xdd && g[58]! >>> 4 === 6))
    r = await w.run('jexec a ifconfig gre1')
    assert.match(r.out, /^gre1: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1476\n/)
    assert.match(r.out, /\n\ttunnel inet6 3fff::1 --> 3fff::2\n\tinet 169\.254\.0\.1 --> 169\.254\.0\.2 /)
    assert.doesNotMatch(r.out, /options=\d+<ENABLE/)
    // deletetunnel: nothing goes out any more.
    r = await w.run('jexec a ifconfig gre1 deletetunnel; jexec a ping -nc 1 -t 1 169.254.0.2')
    assert.notEqual(r.status, 0)
    assert.doesNotMatch((await w.run('jexec a ifconfig gre1')).out, /tunnel inet6/)
  })

  test('gif: next header 4 for IPv4 and 41 for IPv6, hop limit 30', async () => {
    const w = world()
    let r = await w.run(tunnels('gif'))
    assert.equal(r.status, 0, r.err)
    const wire = wiretap(w.ifp('b', 'epair0b'))
    r = await w.run('jexec b ping -nc 1 -t 1 169.254.0.1 && jexec a ping -nc 1 -t 1 2001:db8::2')
    assert.equal(r.status, 0, r.out + r.err)
    const v4 = outer6(wire, 4)
    const v6 = outer6(wire, 41)
    // What b sends: its IPv4 echo request and its IPv6 echo reply.
    assert.equal(v4.length, 1)
    assert.equal(v6.length, 1)
    assert.equal(v4[0]![14 + 7], 30)
    assert.equal(v4[0]![54]! >>> 4, 4)
    assert.equal(v6[0]![54]! >>> 4, 6)
    assert.match((await w.run('jexec b ifconfig gif1')).out, /\n\ttunnel inet6 3fff::2 --> 3fff::1\n/)
  })

  test('gre enable_csum and enable_seq: C and S bits, a checksum that verifies, a counting sequence', async () => {
    const w = world()
    let r = await w.run(tunnels('gre', 'enable_csum enable_seq grekey 10'))
    assert.equal(r.status, 0, r.err)
    r = await w.run('jexec a ifconfig gre1')
    assert.match(r.out, /\tgrekey: 0xa \(10\)\n\toptions=3<ENABLE_CSUM,ENABLE_SEQ>\n/)
    const wire = wiretap(w.ifp('a', 'epair0a'))
    r = await w.run('jexec a ping -nc 2 169.254.0.2 && jexec b ping -nc 1 -t 1 2001:db8::1')
    assert.equal(r.status, 0, r.out + r.err)
    const sent = outer6(wire, 47).filter((f) => f[22 + 15] === 1)
    assert.equal(sent.length, 3)
    for (const f of sent) {
      // C, K and S: checksum+reserved, key, sequence number; the checksum covers GRE header and payload.
      assert.equal(f[54], 0xb0)
      const plen = (f[18]! << 8) | f[19]!
      assert.equal(checksum(f, 54, plen), 0)
      assert.deepEqual([...f.subarray(62, 66)], [0, 0, 0, 10])
    }
    const seqs = sent.map((f) => (f[66]! << 24) | (f[67]! << 16) | (f[68]! << 8) | f[69]!)
    assert.deepEqual(seqs, [seqs[0]!, seqs[0]! + 1, seqs[0]! + 2])
    r = await w.run('jexec a ifconfig gre1 -enable_csum; jexec a ifconfig gre1')
    assert.match(r.out, /\toptions=2<ENABLE_SEQ>\n/)
    r = await w.run('jexec a ifconfig gre1 -enable_seq; jexec a ifconfig gre1')
    assert.doesNotMatch(r.out, /options=\d+<ENABLE/)
  })

  test('gre udpencap over IPv6: UDP to 4754 from udpport, a checksum over the pseudo-header', async () => {
    const w = world()
    let r = await w.run(`${UNDERLAY}
jexec a ifconfig gre1 create inet6 tunnel 3fff::1 3fff::2 udpencap udpport 55555 up
jexec b ifconfig gre1 create inet6 tunnel 3fff::2 3fff::1 udpencap up
jexec a ifconfig gre1 inet 169.254.0.1 169.254.0.2
jexec a ifconfig gre1 inet6 2001:db8::1
jexec b ifconfig gre1 inet 169.254.0.2 169.254.0.1
jexec b ifconfig gre1 inet6 2001:db8::2
sleep 2`)
    assert.equal(r.status, 0, r.err)
    r = await w.run('jexec a ifconfig gre1')
    assert.match(r.out, /\tudpport: 55555\n\toptions=4<UDPENCAP>\n/)
    const wire = wiretap(w.ifp('a', 'epair0a'))
    r = await w.run('jexec a ping -nc 1 -t 1 169.254.0.2 && jexec b ping -nc 1 -t 1 2001:db8::1')
    assert.equal(r.status, 0, r.out + r.err)
    assert.equal(outer6(wire, 47).length, 0)
    const udp = outer6(wire, 17)
    // a's echo request and its reply to b's, each a UDP datagram from 55555 to 4754.
    assert.equal(udp.length, 2)
    for (const f of udp) {
      const plen = (f[18]! << 8) | f[19]!
      assert.equal((f[54]! << 8) | f[55]!, 55555)
      assert.equal((f[56]! << 8) | f[57]!, 4754)
      assert.equal((f[58]! << 8) | f[59]!, plen)
      assert.notEqual((f[60]! << 8) | f[61]!, 0)
      assert.equal(checksum(f, 54, plen, ipv6PseudoSum(f, 22, f, 38, plen, 17)), 0)
      // The GRE header follows the UDP one.
      assert.equal(f[62], 0)
    }
    // Without udpencap at one end the tunnel is broken: plain GRE is not heard as GRE-in-UDP.
    r = await w.run('jexec b ifconfig gre1 -udpencap; jexec a ping -nc 1 -t 1 169.254.0.2')
    assert.notEqual(r.status, 0)
  })

  test('ifconfig: mixed families, the wrong family for the line, and gif refuses gre options', async () => {
    const w = world()
    let r = await w.run('ifconfig gre0 create; ifconfig gre0 inet6 tunnel 3fff::1 192.0.2.1')
    assert.equal(r.status, 1)
    assert.equal(r.err, 'ifconfig: source and destination address families do not match\n')
    r = await w.run('ifconfig gre0 inet6 tunnel 192.0.2.1 192.0.2.2')
    assert.equal(r.status, 1)
    assert.match(r.err, /^ifconfig: SIOCSIFPHYADDR_IN6: Invalid argument\n/)
    r = await w.run('ifconfig gre0 inet6 tunnel ff02::1 3fff::2')
    assert.equal(r.status, 1)
    assert.match(r.err, /SIOCSIFPHYADDR_IN6: Can't assign requested address/)
    r = await w.run('ifconfig gre0 inet6 tunnel 3fff::1 3fff::2; ifconfig gre0')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /\ttunnel inet6 3fff::1 --> 3fff::2\n/)
    // A second gre with the same end points and key would share every packet.
    r = await w.run('ifconfig gre1 create inet6 tunnel 3fff::1 3fff::2')
    assert.equal(r.status, 1)
    r = await w.run('ifconfig gif0 create; ifconfig gif0 enable_csum; echo $?')
    assert.match(r.err, /ifconfig: ioctl\(GRESOPTS\): Invalid argument/)
    assert.equal(r.out, '0\n')
  })
})
