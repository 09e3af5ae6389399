/**
 * The RFC 7915 translator on hand-built packets, with RFC 7915 Appendix A's hosts: H1
 * 2001:db8:1c0:2:21:: (192.0.2.33) on the IPv6 side and H4 198.51.100.2 (2001:db8:1c6:3364:2::)
 * on the IPv4 side, prefix 2001:db8:100::/40. Each output is checked field by field and its
 * checksums recomputed.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checksum } from '../checksum.js'
import { formatIpv6 } from '../inet6/in6_addr.js'
import { data, harness, icmp4, icmp6, ip4, ip6, l4ok6, l4v4, l4v6, ok4, v4, v6 } from './xlate_testkit.js'

const H1 = v6('2001:db8:1c0:2:21::')
const H1_4 = v4('192.0.2.33')
const H4 = v4('198.51.100.2')
const H4_6 = v6('2001:db8:1c6:3364:2::')
const R4 = v4('198.51.100.1')
const R4_6 = v6('2001:db8:1c6:3364:1::')

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!
const u32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
const addr6 = (b: Uint8Array, o: number): string => formatIpv6(b, o)

test('IPv6 echo request H1 -> H4 becomes IPv4 (RFC 7915 §5.1, §5.2) and the reply comes back (§4.1, §4.2)', () => {
  const { nat, sent } = harness()
  const req = ip6(H1, H4_6, 58, icmp6(H1, H4_6, 128, 0, 0x12340001, data(56)), 64, 0xb8)
  nat.input(req, 0, req.length)
  assert.equal(sent.length, 1)
  const p = sent[0]!
  assert.equal(p.length, 20 + 64)
  assert.equal(p[0], 0x45)
  assert.equal(p[1], 0xb8, 'Traffic Class -> TOS')
  assert.equal(u16(p, 2), 84)
  assert.equal(u16(p, 6), 0, 'no DF under 1260 bytes, not a fragment')
  assert.notEqual(u16(p, 4), 0, 'an Identification is generated when DF is clear')
  assert.equal(p[8], 63, 'TTL = hop limit - 1')
  assert.equal(p[9], 1)
  assert.equal(u32(p, 12), H1_4)
  assert.equal(u32(p, 16), H4)
  assert.equal(p[20], 8, 'Echo Request')
  assert.equal(u32(p, 24), 0x12340001, 'identifier and sequence kept')
  assert.deepEqual(p.subarray(28), data(56))
  assert.ok(ok4(p), 'IPv4 header and ICMP checksums')

  const rep = ip4(H4, H1_4, 1, icmp4(0, 0, 0x12340001, data(56)), { ttl: 60, tos: 0x20 })
  nat.input(rep, 0, rep.length)
  const q = sent[1]!
  assert.equal(q.length, 40 + 64)
  assert.equal(q[0]! >>> 4, 6)
  assert.equal(((q[0]! & 15) << 4) | (q[1]! >>> 4), 0x20, 'TOS -> Traffic Class')
  assert.equal(u16(q, 4), 64)
  assert.equal(q[6], 58)
  assert.equal(q[7], 59)
  assert.equal(addr6(q, 8), '2001:db8:1c6:3364:2::')
  assert.equal(addr6(q, 24), '2001:db8:1c0:2:21::')
  assert.equal(q[40], 129, 'Echo Reply')
  assert.ok(l4ok6(q), 'ICMPv6 checksum with the pseudo header')
  assert.equal(nat.stats.out4 + nat.stats.out6, 2)
})

test('UDP and TCP checksums follow the pseudo header both ways; IPv4 UDP without checksum gets one', () => {
  const { nat, sent } = harness()
  const u = ip4(H4, H1_4, 17, l4v4(H4, H1_4, 53, 40000, data(33)))
  nat.input(u, 0, u.length)
  assert.ok(l4ok6(sent[0]!), 'UDP 4->6')
  const z = ip4(H4, H1_4, 17, l4v4(H4, H1_4, 53, 40000, data(33), false, true))
  nat.input(z, 0, z.length)
  assert.notEqual(u16(sent[1]!, 46), 0, '§4.5: a checksum is computed')
  assert.ok(l4ok6(sent[1]!), 'UDP 4->6 computed')
  const t = ip4(H4, H1_4, 6, l4v4(H4, H1_4, 80, 40000, data(100), true))
  nat.input(t, 0, t.length)
  assert.ok(l4ok6(sent[2]!), 'TCP 4->6')
  const t6 = ip6(H1, H4_6, 6, l4v6(H1, H4_6, 40000, 80, data(77), true))
  nat.input(t6, 0, t6.length)
  assert.ok(ok4(sent[3]!), 'TCP 6->4')
  const u6 = ip6(H1, H4_6, 17, l4v6(H1, H4_6, 40000, 53, data(10)))
  nat.input(u6, 0, u6.length)
  assert.ok(ok4(sent[4]!), 'UDP 6->4')
  // RFC 8200 §8.1: an IPv6 UDP datagram without checksum is dropped, counted.
  const bad = ip6(H1, H4_6, 17, l4v6(H1, H4_6, 40000, 53, data(10)))
  bad[46] = 0
  bad[47] = 0
  nat.input(bad, 0, bad.length)
  assert.equal(sent.length, 5)
  assert.equal(nat.stats.malformed, 1)
})

test('ICMPv4 Port Unreachable with its inner UDP packet becomes ICMPv6 type 1 code 4 (§4.2, §4.3)', () => {
  const { nat, sent } = harness()
  // H1's datagram as it left the translator earlier: 192.0.2.33 -> 198.51.100.2.
  const inner = ip4(H1_4, H4, 17, l4v4(H1_4, H4, 40000, 9, data(20)), { ttl: 63 })
  const err = ip4(H4, H1_4, 1, icmp4(3, 3, 0, inner))
  nat.input(err, 0, err.length)
  const p = sent[0]!
  assert.equal(p[40], 1)
  assert.equal(p[41], 4)
  assert.ok(l4ok6(p), 'ICMPv6 checksum')
  const i = p.subarray(48)
  assert.equal(i[0]! >>> 4, 6, 'inner header is IPv6')
  assert.equal(addr6(i, 8), '2001:db8:1c0:2:21::')
  assert.equal(addr6(i, 24), '2001:db8:1c6:3364:2::')
  assert.equal(i[6], 17)
  assert.equal(i[7], 63, 'the inner hop limit is not decremented')
  assert.equal(u16(i, 4), 28)
  assert.ok(l4ok6(i), 'inner UDP checksum follows the inner addresses')
})

test('Fragmentation Needed -> Packet Too Big (MTU + 20, a plateau for MTU 0), Parameter Problem pointers', () => {
  const { nat, sent } = harness({ mtu6: 1500 })
  const inner = ip4(H1_4, H4, 17, l4v4(H1_4, H4, 40000, 9, data(1400)), { df: true })
  nat.input(...whole(ip4(R4, H1_4, 1, icmp4(3, 4, 1400, inner.subarray(0, 28)))))
  assert.equal(sent[0]![40], 2)
  assert.equal(u32(sent[0]!, 44), 1420)
  const inner1500 = ip4(H1_4, H4, 17, l4v4(H1_4, H4, 40000, 9, data(1472)), { df: true })
  nat.input(...whole(ip4(R4, H1_4, 1, icmp4(3, 4, 0, inner1500.subarray(0, 28)))))
  assert.equal(u32(sent[1]!, 44), 1492, 'RFC 1191 plateau below the inner Total Length 1500')
  // Protocol unreachable -> Parameter Problem code 1 pointing at Next Header (6).
  nat.input(...whole(ip4(H4, H1_4, 1, icmp4(3, 2, 0, inner.subarray(0, 28)))))
  assert.deepEqual([sent[2]![40], sent[2]![41], u32(sent[2]!, 44)], [4, 1, 6])
  // Parameter Problem pointing at the protocol field (9) -> pointer 6; at the ID (4) -> dropped.
  nat.input(...whole(ip4(H4, H1_4, 1, icmp4(12, 0, 9 << 24, inner.subarray(0, 28)))))
  assert.deepEqual([sent[3]![40], sent[3]![41], u32(sent[3]!, 44)], [4, 0, 6])
  nat.input(...whole(ip4(H4, H1_4, 1, icmp4(12, 0, 4 << 24, inner.subarray(0, 28)))))
  assert.equal(sent.length, 4)
  assert.equal(nat.stats.icmpDropped, 1)
  for (const p of sent) assert.ok(l4ok6(p))
})

test('ICMPv6 Time Exceeded and Packet Too Big become ICMPv4 with the inner packet translated (§5.2, §5.3)', () => {
  const { nat, sent } = harness({ mtu6: 1500 })
  // H4's ping as it left the translator toward H1: 2001:db8:1c6:3364:2:: -> H1.
  const echo = icmp6(H4_6, H1, 128, 0, 0x00070001, data(16))
  const inner = ip6(H4_6, H1, 58, echo, 1)
  nat.input(...whole(ip6(R4_6, H4_6, 58, icmp6(R4_6, H4_6, 3, 0, 0, inner))))
  const p = sent[0]!
  assert.ok(ok4(p))
  assert.deepEqual([p[20], p[21]], [11, 0])
  assert.equal(u32(p, 12), R4)
  assert.equal(u32(p, 16), H4)
  const i = p.subarray(28)
  assert.equal(i[0], 0x45)
  assert.equal(checksum(i, 0, 20), 0, 'inner IPv4 header checksum')
  assert.equal(u32(i, 12), H4)
  assert.equal(u32(i, 16), H1_4)
  assert.equal(i[9], 1)
  assert.equal(i[20], 8, 'inner Echo Request')
  assert.equal(checksum(i, 20, 24), 0, 'inner ICMP checksum without a pseudo header')

  nat.input(...whole(ip6(R4_6, H4_6, 58, icmp6(R4_6, H4_6, 2, 0, 1400, inner))))
  assert.deepEqual([sent[1]![20], sent[1]![21], u16(sent[1]!, 26)], [3, 4, 1380])
  // With the default offlink MTU (1280) the IPv4 side is told 1260, what fits through us.
  const d = harness()
  d.nat.input(...whole(ip6(R4_6, H4_6, 58, icmp6(R4_6, H4_6, 2, 0, 1400, inner))))
  assert.equal(u16(d.sent[0]!, 26), 1260)
  // Neighbor Solicitation is not translated (§5.2).
  nat.input(...whole(ip6(R4_6, H4_6, 58, icmp6(R4_6, H4_6, 135, 0, 0, data(16)))))
  assert.equal(sent.length, 2)
  assert.equal(nat.stats.icmpDropped, 1)
})

test("TTL and hop limit exhausted here: Time Exceeded from the translator's own addresses", () => {
  const { nat, sent, self4, self6 } = harness()
  nat.input(...whole(ip4(H4, H1_4, 17, l4v4(H4, H1_4, 1, 2, data(8)), { ttl: 1 })))
  const e4 = sent[0]!
  assert.ok(ok4(e4))
  assert.deepEqual([e4[20], e4[21], u32(e4, 12), u32(e4, 16)], [11, 0, self4, H4])
  nat.input(...whole(ip6(H1, H4_6, 17, l4v6(H1, H4_6, 1, 2, data(8)), 1)))
  const e6 = sent[1]!
  assert.ok(l4ok6(e6))
  assert.deepEqual([e6[40], e6[41]], [3, 0])
  assert.equal(addr6(e6, 8), formatIpv6(self6))
  assert.equal(addr6(e6, 24), '2001:db8:1c0:2:21::')
  assert.equal(nat.stats.ttlExceeded, 2)
  // No error about an error.
  const again = ip4(H4, H1_4, 1, icmp4(3, 3, 0, ip4(H1_4, H4, 17, l4v4(H1_4, H4, 1, 2, data(8)))), { ttl: 1 })
  nat.input(...whole(again))
  assert.equal(sent.length, 2)
})

test("pings of the translator's own addresses are answered", () => {
  const { nat, sent, self4, self6 } = harness()
  nat.input(...whole(ip4(H4, self4, 1, icmp4(8, 0, 0x00010001, data(8)))))
  assert.ok(ok4(sent[0]!))
  assert.deepEqual([sent[0]![20], u32(sent[0]!, 12), u32(sent[0]!, 16)], [0, self4, H4])
  nat.input(...whole(ip6(H1, self6, 58, icmp6(H1, self6, 128, 0, 0x00010001, data(8)))))
  assert.ok(l4ok6(sent[1]!))
  assert.equal(sent[1]![40], 129)
})

test('too big for IPv6: Fragmentation Needed with DF, fragments without (§4.1); fragments carried across', () => {
  const { nat, sent } = harness()
  const big = l4v4(H4, H1_4, 7, 7, data(1392))
  nat.input(...whole(ip4(H4, H1_4, 17, big, { df: true })))
  assert.deepEqual([sent[0]![20], sent[0]![21], u16(sent[0]!, 26)], [3, 4, 1260])
  assert.equal(nat.stats.tooBig, 1)
  sent.length = 0
  nat.input(...whole(ip4(H4, H1_4, 17, big, { id: 0x4242 })))
  assert.equal(sent.length, 2)
  const [a, b] = sent as [Uint8Array, Uint8Array]
  assert.ok(a.length <= 1280 && b.length <= 1280)
  assert.equal(a[6], 44)
  assert.equal(a[40], 17)
  assert.equal(u16(a, 42) & 1, 1, 'M set on the first')
  assert.equal(u16(b, 42) & 1, 0, 'clear on the last')
  assert.equal(u16(b, 42) & 0xfff8, u16(a, 4) - 8, 'the second starts where the first ended')
  const joined = new Uint8Array(1400)
  joined.set(a.subarray(48), 0)
  joined.set(b.subarray(48), a.length - 48)
  const whole6 = ip6(H4_6, H1, 17, joined)
  assert.ok(l4ok6(whole6), 'the reassembled datagram checks')
  // An IPv4 fragment gets a Fragment Header with its ID, offset and M flag.
  sent.length = 0
  nat.input(...whole(ip4(H4, H1_4, 17, data(64), { id: 0x1234, mf: true, foff: 1480 })))
  const f = sent[0]!
  assert.equal(f[6], 44)
  assert.equal(u16(f, 42), 1480 | 1)
  assert.equal(u32(f, 44), 0x1234)
  // And an IPv6 fragment becomes an IPv4 one.
  const fh = new Uint8Array(8 + 64)
  fh[0] = 17
  new DataView(fh.buffer).setUint16(2, 1232)
  new DataView(fh.buffer).setUint32(4, 0xabcd5678)
  fh.set(data(64), 8)
  nat.input(...whole(ip6(H1, H4_6, 44, fh)))
  const g = sent[1]!
  assert.equal(checksum(g, 0, 20), 0)
  assert.equal(u16(g, 4), 0x5678)
  assert.equal(u16(g, 6), 1232 >>> 3, 'offset, MF clear, DF clear')
  assert.equal(g[9], 17)
})

test('malformed and unmapped packets are dropped and counted, never thrown on', () => {
  const { nat, sent } = harness()
  const good = ip4(H4, H1_4, 17, l4v4(H4, H1_4, 1, 2, data(8)))
  const badSum = good.slice()
  badSum[10]! ^= 1
  nat.input(...whole(badSum))
  nat.input(good, 0, 10)
  const badLen = good.slice()
  badLen[3] = 200
  nat.input(...whole(badLen))
  const v6short = ip6(H1, H4_6, 17, l4v6(H1, H4_6, 1, 2, data(8)))
  nat.input(v6short, 0, 50)
  nat.input(new Uint8Array([0x50, 0, 0]), 0, 3)
  nat.input(new Uint8Array(0), 0, 0)
  assert.equal(nat.stats.malformed, 6)
  // No mapping for the destination: dropped, counted, and an unreachable goes back.
  nat.input(...whole(ip6(H1, v6('2001:db9::1'), 17, l4v6(H1, v6('2001:db9::1'), 1, 2, data(8)))))
  assert.equal(nat.stats.unmapped, 1)
  assert.deepEqual([sent[0]![40], sent[0]![41]], [1, 0])
  // A multicast destination is never answered.
  nat.input(...whole(ip6(H1, v6('ff02::16'), 58, icmp6(H1, v6('ff02::16'), 143, 0, 0, data(8)))))
  assert.equal(nat.stats.unmapped, 2)
  assert.equal(sent.length, 1)
})

function whole(b: Uint8Array): [Uint8Array, number, number] {
  return [b, 0, b.length]
}
