/**
 * ip6_input in virtual time with frames injected from the wire: header checks counted in ip6stat
 * (ip6s_badvers, ip6s_tooshort, ip6s_badscope, ip6s_notmember), extension headers (unknown next
 * header and routing type 0 answered with Parameter Problem), fragments (source fragmentation and
 * reassembly of a large ping6, atomic fragments, RFC 5722 overlaps dropping the whole datagram),
 * the ICMPv6 error rate limit, and fuzzed IPv6 frames: nothing throws, every buffer comes back, the
 * drops are counted and the stack still answers.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { ether } from '../../../testing/frames.js'
import { Net } from '../../../testing/net.js'
import { ip6 as a6, addr6, ping6 } from '../../../testing/net6.js'
import { SEC } from '../../../util/clock.js'
import { Rng } from '../../../util/rng.js'
import { Icmp6Type, icmp6Finish, ParamProb6Code } from '../../../wire/inet6/icmpv6.js'
import { IPV6_HDR_LEN, Ip6Nxt, writeIp6Frag, writeIpv6Header } from '../../../wire/inet6/ipv6.js'
import { EtherType } from '../../../wire/link/ethernet.js'
import { ip6 } from './ip6.js'

let current: Net | null = null
afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

/** a (2001:db8::1, epair0a) <-> b (2001:db8::2, epair0b), DAD done. */
async function pair(seed = 5): Promise<Net> {
  const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
    jails: ['a', 'b'],
    links: [['a', '', 'b', '']],
  })
  current = n
  addr6(n.sys('a'), 'epair0a', '2001:db8::1/64')
  addr6(n.sys('b'), 'epair0b', '2001:db8::2/64')
  await n.sleep(3 * SEC)
  return n
}

const A = a6('2001:db8::1')
const B = a6('2001:db8::2')

/** An IPv6 packet from src to dst with `nxt` and payload (ICMPv6 checksums filled in). */
function pkt(src: Uint8Array, dst: Uint8Array, nxt: number, payload: Uint8Array, hlim = 64): Uint8Array {
  const b = new Uint8Array(IPV6_HDR_LEN + payload.length)
  writeIpv6Header(b, 0, src, 0, dst, 0, nxt, hlim, payload.length)
  b.set(payload, IPV6_HDR_LEN)
  if (nxt === Ip6Nxt.ICMPV6) icmp6Finish(b, IPV6_HDR_LEN, payload.length, b, 8, b, 24)
  return b
}

function echoMsg(seq: number, size = 8): Uint8Array {
  const m = new Uint8Array(8 + size)
  m[0] = Icmp6Type.ECHO_REQUEST
  m[5] = 0x77
  m[7] = seq
  return m
}

/** Inject an IPv6 packet into b's epair0b as if a sent it. */
function toB(n: Net, p: Uint8Array): void {
  const ifp = n.ifp('b', 'epair0b')
  n.inject(ifp, ether(ifp.mac, n.ifp('a', 'epair0a').mac, EtherType.IPV6, p))
}

const st = (n: Net, j: string) => ip6(n.vnet(j)).stats

describe('header checks', () => {
  test('bad version, short payload, bad scope and foreign groups are dropped and counted', async () => {
    const n = await pair()
    const b0 = { ...st(n, 'b') }
    const good = pkt(A, B, Ip6Nxt.ICMPV6, echoMsg(1))
    const v4 = good.slice()
    v4[0] = 0x45
    toB(n, v4)
    assert.equal(st(n, 'b').ip6s_badvers - b0.ip6s_badvers, 1)
    const long = good.slice()
    long[5] = 200
    toB(n, long)
    assert.equal(st(n, 'b').ip6s_tooshort - b0.ip6s_tooshort, 1)
    toB(n, pkt(a6('ff02::1'), B, Ip6Nxt.ICMPV6, echoMsg(1)))
    toB(n, pkt(A, a6('::1'), Ip6Nxt.ICMPV6, echoMsg(1)))
    toB(n, pkt(a6('::ffff:192.0.2.1'), B, Ip6Nxt.ICMPV6, echoMsg(1)))
    assert.equal(st(n, 'b').ip6s_badscope - b0.ip6s_badscope, 3)
    toB(n, pkt(A, a6('ff02::1:ff99:9999'), Ip6Nxt.ICMPV6, echoMsg(1)))
    assert.equal(st(n, 'b').ip6s_notmember - b0.ip6s_notmember, 1)
    assert.equal(n.host.env.pool.inUse, 0)
  })

  test('an unknown next header or a routing header with segments left earns a Parameter Problem', async () => {
    const n = await pair()
    const s = n.sys('a').inet6.rawSocket()
    toB(n, pkt(A, B, 253, new Uint8Array(8)))
    // Routing header type 0 (RFC 5095), segments left 1: the pointer names its type field (byte 42).
    toB(n, pkt(A, B, Ip6Nxt.ROUTING, new Uint8Array([Ip6Nxt.NONE, 0, 0, 1, 0, 0, 0, 0])))
    const e1 = await s.recv(SEC)
    const e2 = await s.recv(SEC)
    s.close()
    assert.ok(e1 !== null && e2 !== null)
    assert.deepEqual(
      [e1.data[0], e1.data[1], e1.data[7]],
      [Icmp6Type.PARAM_PROB, ParamProb6Code.NEXTHEADER, 6],
    )
    assert.deepEqual([e2.data[0], e2.data[1], e2.data[7]], [Icmp6Type.PARAM_PROB, ParamProb6Code.HEADER, 42])
  })

  test('net.inet6.icmp6.errppslimit bounds the errors sent per second', async () => {
    const n = await pair()
    n.sys('b').sysctlSet('net.inet6.icmp6.errppslimit', '3')
    for (let i = 0; i < 10; i++) toB(n, pkt(A, B, 253, new Uint8Array(8)))
    const stats = new Map(n.sys('b').inet6.protoStats('icmp6'))
    assert.equal(stats.get('icp6s_outhist[4]'), 3)
    assert.equal(stats.get('icp6s_toofreq'), 7)
    await n.sleep(SEC)
    toB(n, pkt(A, B, 253, new Uint8Array(8)))
    assert.equal(new Map(n.sys('b').inet6.protoStats('icmp6')).get('icp6s_outhist[4]'), 4)
  })
})

describe('fragments', () => {
  test('a 3000-byte ping6 is fragmented at the source and reassembled, both ways', async () => {
    const n = await pair()
    const r = await ping6(n.sys('a'), '2001:db8::2', { size: 3000 })
    assert.ok(r !== null)
    assert.equal(r.type, Icmp6Type.ECHO_REPLY)
    assert.equal(r.body.length, 3000)
    assert.equal(st(n, 'a').ip6s_fragmented, 1)
    assert.equal(st(n, 'a').ip6s_ofragments, 3)
    assert.equal(st(n, 'b').ip6s_reassembled, 1)
    assert.equal(st(n, 'a').ip6s_reassembled, 1)
    assert.equal(n.host.env.pool.inUse, 0)
  })

  const frag = (id: number, off: number, more: boolean, data: Uint8Array): Uint8Array => {
    const p = new Uint8Array(8 + data.length)
    writeIp6Frag(p, 0, Ip6Nxt.ICMPV6, off, more, id)
    p.set(data, 8)
    return pkt(A, B, Ip6Nxt.FRAGMENT, p)
  }

  test('an atomic fragment is processed on its own (RFC 6946)', async () => {
    const n = await pair()
    const s = n.sys('a').inet6.rawSocket()
    const msg = pkt(A, B, Ip6Nxt.ICMPV6, echoMsg(9)).subarray(IPV6_HDR_LEN)
    toB(n, frag(7, 0, false, msg))
    const r = await s.recv(SEC)
    s.close()
    assert.ok(r !== null)
    assert.equal(r.data[0], Icmp6Type.ECHO_REPLY)
    assert.equal(st(n, 'b').ip6s_atomicfrags, 1)
  })

  test('overlapping fragments discard the whole datagram (RFC 5722)', async () => {
    const n = await pair()
    const s = n.sys('a').inet6.rawSocket()
    const msg = pkt(A, B, Ip6Nxt.ICMPV6, echoMsg(3, 32)).subarray(IPV6_HDR_LEN)
    toB(n, frag(9, 0, true, msg.subarray(0, 24)))
    toB(n, frag(9, 16, true, msg.subarray(16, 32)))
    toB(n, frag(9, 32, false, msg.subarray(32)))
    assert.equal(await s.recv(2 * SEC), null)
    s.close()
    assert.equal(st(n, 'b').ip6s_reassembled, 0)
    assert.equal(st(n, 'b').ip6s_fragdropped, 2)
    // The same fragments without the overlap come together.
    toB(n, frag(10, 0, true, msg.subarray(0, 16)))
    toB(n, frag(10, 16, true, msg.subarray(16, 32)))
    toB(n, frag(10, 32, false, msg.subarray(32)))
    assert.equal(st(n, 'b').ip6s_reassembled, 1)
    await n.sleep(61 * SEC)
    assert.equal(n.host.env.pool.inUse, 0)
  })

  test('a fragment flood stays within maxfragpackets and times out', async () => {
    const n = await pair()
    n.sys('b').sysctlSet('net.inet6.ip6.maxfragpackets', '50')
    for (let id = 0; id < 2000; id++) toB(n, frag(id, 0, true, new Uint8Array(16)))
    assert.equal(st(n, 'b').ip6s_fragoverflow, 1950)
    await n.sleep(61 * SEC)
    assert.equal(st(n, 'b').ip6s_fragtimeout, 50)
  })
})

test('fuzz: 20000 mutated IPv6 frames into a host and its loopback never throw, leak or go uncounted', async () => {
  const n = await pair(9)
  const rng = new Rng(42, 'ip6fuzz')
  const templates = [
    pkt(A, B, Ip6Nxt.ICMPV6, echoMsg(1, 24)),
    pkt(a6('fe80::1'), a6('ff02::1'), Ip6Nxt.ICMPV6, echoMsg(2)),
    pkt(A, B, Ip6Nxt.HOPOPTS, new Uint8Array([Ip6Nxt.ICMPV6, 0, 1, 4, 0, 0, 0, 0, ...echoMsg(3)])),
    pkt(A, B, Ip6Nxt.DSTOPTS, new Uint8Array([Ip6Nxt.NONE, 0, 0xc2, 4, 0, 0, 0, 0])),
    pkt(A, B, Ip6Nxt.FRAGMENT, new Uint8Array([Ip6Nxt.ICMPV6, 0, 0, 1, 0, 0, 0, 5, ...echoMsg(4, 16)])),
    pkt(
      A,
      a6('ff02::1:ff00:2'),
      Ip6Nxt.ICMPV6,
      new Uint8Array([135, 0, 0, 0, 0, 0, 0, 0, ...B, 1, 1, 2, 0, 0, 0, 0, 1]),
      255,
    ),
    pkt(
      A,
      B,
      Ip6Nxt.ICMPV6,
      new Uint8Array([136, 0, 0, 0, 0x60, 0, 0, 0, ...A, 2, 1, 2, 0, 0, 0, 0, 1]),
      255,
    ),
  ]
  const lo = n.ifp('b', 'lo0')
  const before = st(n, 'b').ip6s_total
  for (let i = 0; i < 20000; i++) {
    const f = templates[rng.int(templates.length)]!.slice()
    const k = rng.int(4)
    for (let j = 0; j <= k; j++) f[rng.int(f.length)] = rng.int(256)
    const cut = rng.int(8) === 0 ? f.subarray(0, rng.int(f.length)) : f
    if (i % 5 === 0) n.inject(lo, cut)
    else toB(n, cut)
    if (n.host.env.netisr.errors !== 0) assert.fail(`frame ${i}: ${String(n.host.env.netisr.lastError)}`)
    if (i % 2000 === 1999) await n.sleep(SEC / 5)
  }
  const s = st(n, 'b')
  assert.ok(s.ip6s_total - before > 15000)
  const drops = s.ip6s_badvers + s.ip6s_tooshort + s.ip6s_toosmall + s.ip6s_badscope + s.ip6s_notmember
  assert.ok(drops > 1000, `drops ${drops}`)
  await n.sleep(61 * SEC)
  assert.equal(n.host.env.pool.inUse, 0)
  // Mutated solicitations may have taught b a wrong MAC for a, as spoofed ones would on a real
  // link: forget it, then b must still answer.
  for (const e of n.sys('b').inet6.ndpList()) n.sys('b').inet6.ndpDelete(e.addr, e.scopeId)
  const r = await ping6(n.sys('a'), '2001:db8::2', { seq: 99 })
  assert.equal(r?.type, Icmp6Type.ECHO_REPLY)
})
