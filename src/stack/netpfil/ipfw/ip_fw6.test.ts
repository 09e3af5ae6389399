/**
 * ipfw over IPv6 in virtual time: a router r between a (2001:db8:1::2) and b (2001:db8:2::2)
 * filtering ping6 by icmp6types and addresses, TCP and UDP by port; keep-state letting replies
 * through a default deny; unreach6 and reset6 as the senders' tools report them; a table of IPv6
 * prefixes matched by longest prefix; `ipfw show` spelling; net.inet6.ip6.fw.enable taking ipfw off
 * the inet6 head; neighbor discovery meeting the chain as on FreeBSD; and random IPv6 packets
 * through a ruleset never throwing nor leaking buffers.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import { Rng } from '../../../util/rng.js'
import { PFIL, PFIL_IN, PFIL_OUT } from '../../net/pfil.js'
import { ipfwCheckPacket } from './ip_fw_pfil.js'

/** ROUTED with IPv6 on both links, r forwarding, DAD done, then ipfw (default allow) loaded. */
const ROUTED6 = `${ROUTED}
jexec a ifconfig epair0a inet6 2001:db8:1::2/64
jexec r ifconfig epair0b inet6 2001:db8:1::1/64
jexec r ifconfig epair1a inet6 2001:db8:2::1/64
jexec b ifconfig epair1b inet6 2001:db8:2::2/64
jexec a route -6 -q add default 2001:db8:1::1
jexec b route -6 -q add default 2001:db8:2::1
jexec r sysctl net.inet6.ip6.forwarding=1 > /dev/null
sleep 3
kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw
`

test('ping6 filtered by icmp6types and prefix; ip4/ip6 count their own family; show spells them', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED6}
jexec a ping6 -c 1 2001:db8:2::2 > /dev/null; echo before=$?
jexec r ipfw -q add 100 deny ipv6-icmp from 2001:db8:1::2 to 2001:db8:2::/64 icmp6types 128
jexec r ipfw -q add 200 count ip6 from any to any
jexec r ipfw -q add 300 count ip4 from any to any
jexec a ping6 -c 1 2001:db8:2::2 > /dev/null; echo denied=$?
jexec a ping -c 1 10.0.2.2 > /dev/null; echo v4=$?
jexec r ipfw show 100-300
jexec r ipfw -q add 400 count ip6 from me6 to any ext6hdr frag,rthdr0 flow-id 5,7
jexec r ipfw -q add 410 count icmp6 from { 2001:db8::1 or 10.0.0.1 } to not me6 icmp6types 1,2,135,136
jexec r ipfw -q add 420 count ip from any to any src-ip6 2001:db8::/32 dst-ip6 me6
jexec r ipfw list 400-420`,
  )
  assert.equal(r.status, 0, r.err)
  assert.equal(
    r.out,
    [
      'before=0',
      'denied=2',
      'v4=0',
      // The one echo request, seen on the way in; nothing of it went further.
      '00100 1  56 deny ipv6-icmp from 2001:db8:1::2 to 2001:db8:2::/64 icmp6types 128',
      // Neighbor discovery between a and r (solicitations and advertisements) meets the chain.
      '00200 4 288 count ip6 from any to any',
      // The IPv4 ping in and out of r, request and reply.
      '00300 4 336 count ip4 from any to any',
      '00400 count ip6 from me6 to any extension header: fragmentation,rthdr0 flow-id 5,7',
      '00410 count ipv6-icmp from { 2001:db8::1 or 10.0.0.1 } to not me6 icmp6types 1,2,135,136',
      // The first address instructions print in from/to, as show_static_rule does.
      '00420 count ip from 2001:db8::/32 to me6',
      '',
    ].join('\n'),
  )
})

test('TCP and UDP over IPv6 by port: unreach6 and reset6 reach the senders as FreeBSD reports them', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED6}
jexec b nc -6 -l 80 > /dev/null &
jexec b nc -6 -l 81 > /dev/null &
jexec b nc -6 -l 83 > /dev/null &
sleep 1
jexec r ipfw -q add 400 unreach6 admin-prohib tcp from any to any 80
jexec r ipfw -q add 410 reset6 tcp from any to any 81
jexec r ipfw -q add 420 unreach6 port udp from any to any 53
jexec r ipfw -q add 430 reset tcp from any to any 84
echo hi | jexec a nc -6 -w 2 2001:db8:2::2 80; echo nc80=$?
echo hi | jexec a nc -6 -w 2 2001:db8:2::2 81; echo nc81=$?
echo hi | jexec a nc -6 -w 2 2001:db8:2::2 83; echo nc83=$?
echo hi | jexec a nc -6 -u -w 1 2001:db8:2::2 53; echo nc53=$?
echo hi | jexec a nc -6 -w 2 2001:db8:2::2 84; echo nc84=$?
jexec r ipfw show 400-430
kill %1
kill %2`,
  )
  assert.equal(
    r.out,
    [
      'nc80=1',
      'nc81=1',
      'nc83=0',
      'nc53=1',
      'nc84=1',
      '00400 1 80 unreach6 admin-prohib tcp from any to any 80',
      '00410 1 80 reset6 tcp from any to any 81',
      '00420 1 51 unreach6 port udp from any to any 53',
      // `reset` answers IPv6 with admin-prohibited (map_icmp_unreach), not with a reset.
      '00430 1 80 reset tcp from any to any 84',
      '',
    ].join('\n'),
  )
  assert.match(r.err, /port 80 \(tcp\) failed: No route to host/)
  assert.match(r.err, /port 81 \(tcp\) failed: Connection refused/)
  assert.match(r.err, /read failed \(Connection refused\)/)
  assert.match(r.err, /port 84 \(tcp\) failed: No route to host/)
})

test('keep-state lets IPv6 replies through a default deny; ND must be allowed as rc.firewall does', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED}
jexec a ifconfig epair0a inet6 2001:db8:1::2/64
jexec r ifconfig epair0b inet6 2001:db8:1::1/64
jexec r ifconfig epair1a inet6 2001:db8:2::1/64
jexec b ifconfig epair1b inet6 2001:db8:2::2/64
jexec a route -6 -q add default 2001:db8:1::1
jexec b route -6 -q add default 2001:db8:2::1
jexec r sysctl net.inet6.ip6.forwarding=1 > /dev/null
sleep 3
kldload ipfw
jexec a sysctl net.inet6.ip6.fw.enable=0 > /dev/null
jexec b sysctl net.inet6.ip6.fw.enable=0 > /dev/null
jexec r ipfw -q add 100 check-state
jexec r ipfw -q add 200 allow ipv6-icmp from 2001:db8:1::/64 to any icmp6types 128 keep-state
jexec a ping6 -c 1 2001:db8:2::2 > /dev/null; echo nd_denied=$?
jexec r ipfw -q add 50 allow ipv6-icmp from any to any icmp6types 135,136
jexec a ping6 -c 1 2001:db8:2::2 > /dev/null; echo ab=$?
jexec b ping6 -c 1 2001:db8:1::2 > /dev/null; echo ba=$?
jexec r ipfw -d show
jexec r sysctl net.inet6.ip6.fw.enable=0
jexec b ping6 -c 1 2001:db8:1::2 > /dev/null; echo off=$?
jexec r sysctl net.inet.ip.fw.enable`,
  )
  const out = r.out.split('\n')
  // The default rule denies neighbor solicitations: r never answers a's, as on FreeBSD.
  assert.equal(out[0], 'nd_denied=2')
  assert.equal(out[1], 'ab=0')
  // b's request is no state's reverse (an echo request has no ports: the state is a's, both ways).
  assert.equal(out[2], 'ba=0')
  assert.ok(
    out.some((l) =>
      /^00200 .* allow ipv6-icmp from 2001:db8:1::\/64 to any icmp6types 128 keep-state/.test(l),
    ),
  )
  assert.ok(out.some((l) => /STATE ipv6-icmp 2001:db8:1::2 0 <-> 2001:db8:2::2 0 :default$/.test(l)))
  assert.ok(out.includes('net.inet6.ip6.fw.enable: 1 -> 0'))
  assert.ok(out.includes('off=0'))
  // IPv4 filtering stays on.
  assert.ok(out.includes('net.inet.ip.fw.enable: 1'))
  const rv = [...host.vnets].find((v) => v.name === 'r')!
  assert.ok(!rv.pfilInet6.has('ipfw') && rv.pfilInet.has('ipfw'))
})

test('a table of IPv6 prefixes: longest match and its value decide, beside IPv4 entries', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED6}
jexec r ipfw table T create type addr
jexec r ipfw -q table T add 2001:db8:1::/48 10
jexec r ipfw -q table T add 2001:db8:1::2/128 20
jexec r ipfw -q table T add 10.0.0.0/8 5
jexec r ipfw table T list
jexec r ipfw table T lookup 2001:db8:1::2
jexec r ipfw table T lookup 2001:db8:1::3
jexec r ipfw table T lookup 2001:db8:9::1; echo miss=$?
jexec r ipfw -q add 100 count ipv6-icmp from "table(T,10)" to any
jexec r ipfw -q add 110 deny ipv6-icmp from "table(T,20)" to any icmp6types 128
jexec a ping6 -c 1 2001:db8:2::2 > /dev/null; echo ping=$?
jexec r ipfw -q table T delete 2001:db8:1::2/128
jexec a ping6 -c 1 2001:db8:2::2 > /dev/null; echo ping=$?
jexec r ipfw show 100-110`,
  )
  const out = r.out.split('\n')
  assert.deepEqual(out.slice(0, 5), [
    '10.0.0.0/8 5',
    '2001:db8:1::/48 10',
    '2001:db8:1::2/128 20',
    '2001:db8:1::2/128 20',
    '2001:db8:1::/48 10',
  ])
  assert.equal(out[5], 'miss=69')
  assert.equal(out[6], 'ping=2')
  assert.equal(out[7], 'ping=0')
  // After the /128 went, a's request (and the neighbor discovery from its address) meets /48's value.
  assert.match(out[8]!, /^00100 +\d+ +\d+ count ipv6-icmp from table\(T,10\) to any$/)
  assert.match(out[9]!, /^00110 +[1-9]\d* +\d+ deny ipv6-icmp from table\(T,20\) to any icmp6types 128$/)
  assert.ok(Number(out[8]!.trim().split(/\s+/)[1]) >= 1)
})

test('random IPv6 packets through a ruleset never throw, and every buffer comes back', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED6}
jexec r ipfw table T create type addr
jexec r ipfw -q table T add 2001:db8::/32 1
jexec r ipfw -q add 100 check-state
jexec r ipfw -q add 110 count ip6 from "table(T)" to me6 ext6hdr frag,hopopt,route,dstopt,ah,esp
jexec r ipfw -q add 120 allow tcp from 2001:db8:1::/64 to any 80,443 keep-state
jexec r ipfw -q add 130 unreach6 port udp from any to any 53
jexec r ipfw -q add 140 reset6 tcp from any to any 22
jexec r ipfw -q add 150 deny ip6 from any to any flow-id 1,2,3
jexec r ipfw -q add 160 skipto 200 ipv6-icmp from any to any icmp6types 128,129
jexec r ipfw -q add 170 reject ip6 from any to any frag
jexec r ipfw -q add 200 count ip from me to any`,
  )
  assert.equal(r.status, 0, r.err)
  const v = [...host.vnets].find((x) => x.name === 'r')!
  const ifp = v.ifnets.find((i) => i.name === 'epair0b')!
  const pool = v.env.pool
  const before = pool.inUse
  const rng = new Rng(1234)
  const nxts = [0, 6, 17, 43, 44, 50, 51, 58, 59, 60, 41, 4, 132, 255]
  for (let n = 0; n < 5000; n++) {
    const m = pool.get()
    const len = 40 + rng.int(160)
    const b = m.data
    for (let i = 0; i < len; i++) b[m.off + i] = rng.int(256)
    b[m.off] = 0x60 | (b[m.off]! & 0xf)
    // Mostly plausible lengths and chains, sometimes lies.
    const plen = rng.int(4) === 0 ? rng.int(65536) : len - 40
    b[m.off + 4] = plen >>> 8
    b[m.off + 5] = plen & 0xff
    b[m.off + 6] = nxts[rng.int(nxts.length)]!
    for (let h = 40; h + 8 < len; h += 8) if (rng.int(3) === 0) b[m.off + h] = nxts[rng.int(nxts.length)]!
    if (rng.int(2) === 0) {
      // From a's prefix, to r: the table, me6 and the ports rules get their chance.
      const src = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]
      const dst = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
      for (let i = 0; i < 16; i++) {
        b[m.off + 8 + i] = src[i]!
        b[m.off + 24 + i] = dst[i]!
      }
    }
    m.len = len
    // A passed packet stays the caller's: here it goes back to the pool.
    if (ipfwCheckPacket(v, m, ifp, rng.int(2) === 0 ? PFIL_IN : PFIL_OUT) === PFIL.PASS) pool.put(m)
  }
  // What ipfw took (dropped, or answered with an ICMPv6 error or a reset) has all come back once
  // the answers have been delivered or have given up waiting for a neighbor.
  await sh(host, 'sleep 10')
  assert.equal(pool.inUse, before)
  assert.equal(host.env.netisr.errors, 0, String(host.env.netisr.lastError))
})

test('verbose log of IPv6 packets: bracketed addresses, ICMPv6 type.code, fragments, reset6', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED6}
jexec r sysctl net.inet.ip.fw.verbose=1 > /dev/null
jexec r ipfw -q add 100 count log ipv6-icmp from any to 2001:db8:2::2 icmp6types 128
jexec r ipfw -q add 110 count log ip6 from any to 2001:db8:2::2 ext6hdr frag
jexec r ipfw -q add 120 reset6 log tcp from any to any 81
jexec a ping6 -c 1 2001:db8:2::2 > /dev/null
jexec a ping6 -c 1 -s 2000 2001:db8:2::2 > /dev/null
jexec a nc -z -w 1 2001:db8:2::2 81
dmesg -a`,
  )
  const lines = r.out
    .split('\n')
    .filter((l) => l.startsWith('ipfw: '))
    .map((l) => l.replace(/\(frag [0-9a-f]{8}:/, '(frag ID:').replace(/]:\d+ \[/, ']:PORT ['))
  // r sees each packet twice, coming in from a and going out to b.
  const inOut = (l: string) => [l, l.replace('in via epair0b', 'out via epair1a')]
  assert.deepEqual(lines, [
    ...inOut('ipfw: 100 Count ICMPv6:128.0 [2001:db8:1::2] [2001:db8:2::2] in via epair0b'),
    // The 2,008-byte echo request leaves a in two fragments; only the first carries the ICMPv6
    // header. The length is ip6_plen less the headers' length counted from the IPv6 header, as
    // ipfw_log computes it; the second fragment's offset prints eight times over (1,448 bytes in).
    'ipfw: 100 Count ICMPv6:128.0 [2001:db8:1::2] [2001:db8:2::2] in via epair0b (frag ID:1408@0+)',
    'ipfw: 110 Count ICMPv6:128.0 [2001:db8:1::2] [2001:db8:2::2] in via epair0b (frag ID:1408@0+)',
    'ipfw: 100 Count ICMPv6:128.0 [2001:db8:1::2] [2001:db8:2::2] out via epair1a (frag ID:1408@0+)',
    'ipfw: 110 Count ICMPv6:128.0 [2001:db8:1::2] [2001:db8:2::2] out via epair1a (frag ID:1408@0+)',
    ...inOut('ipfw: 110 Count ICMPv6 [2001:db8:1::2] [2001:db8:2::2] in via epair0b (frag ID:520@11584)'),
    'ipfw: 120 Reset TCP [2001:db8:1::2]:PORT [2001:db8:2::2]:81 in via epair0b',
  ])
})
