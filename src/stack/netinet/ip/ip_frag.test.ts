/**
 * IPv4 fragmentation and reassembly in virtual time: pings larger than the MTU (fragmented by the
 * sender and by a router in front of a smaller MTU) come back whole; DF with a too-small next hop
 * earns "fragmentation needed" carrying the next-hop MTU (RFC 1191); reassembly times out after
 * `net.inet.ip.fragttl` with ICMP time exceeded (reassembly) only when fragment zero was seen
 * (RFC 1122 §3.2.1.4); overlaps, bad lengths, oversize results and the per-vnet limits
 * (`maxfragpackets`, `maxfragsperpacket`) drop and count. Buffers all come back.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { chainNet, netisrGuard, pairNet } from '../../../testing/fixtures.js'
import {
  EtherType,
  ether,
  fragment,
  IpProto,
  icmpEcho,
  ipv4,
  parseIcmpDatagram,
  pattern,
} from '../../../testing/frames.js'
import { counter, counters, delta, ip, type Net, ping } from '../../../testing/net.js'
import { SEC } from '../../../util/clock.js'
import { IcmpType, TimeExceededCode, UnreachCode } from '../../../wire/inet/icmp.js'
import { reass, reassHeld } from './ip_reass.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const pair = (): Net => guard.track(pairNet(5))

/** a -- r -- b with a 1280-byte MTU on the r–b link. */
function chain(): Net {
  const n = guard.track(chainNet(6))
  n.sys('r').ifSetMtu('epair1a', 1280)
  n.sys('b').ifSetMtu('epair1b', 1280)
  return n
}

const A = ip('10.0.0.1')
const B = ip('10.0.0.2')

function fromB(net: Net, datagram: Uint8Array): Uint8Array {
  return ether(
    net.sys('a').ifGet('epair0a').mac!,
    net.sys('b').ifGet('epair0b').mac!,
    EtherType.IPV4,
    datagram,
  )
}

/** An echo request from b to a with `size` data bytes, as one datagram. */
const bigEcho = (size: number, id = 0x77) =>
  ipv4({ src: B, dst: A, proto: IpProto.ICMP, id, payload: icmpEcho(9, 1, pattern(size)) })

describe('fragmentation on output', () => {
  test('a ping above the MTU is fragmented both ways and arrives reassembled', async () => {
    const net = pair()
    const a = net.sys('a')
    const b = net.sys('b')
    const r = await ping(a, B, { size: 3000 })
    assert.ok(r !== null)
    assert.equal(r.type, IcmpType.ECHO_REPLY)
    assert.deepEqual(r.body, pattern(3000), 'the data made it back intact')
    // 3008 bytes of ICMP in 1480-byte pieces: 3 fragments each way.
    assert.equal(counter(a, 'ip', 'ips_fragmented'), 1)
    assert.equal(counter(a, 'ip', 'ips_ofragments'), 3)
    assert.equal(counter(b, 'ip', 'ips_fragments'), 3)
    assert.equal(counter(b, 'ip', 'ips_reassembled'), 1)
    assert.equal(counter(b, 'ip', 'ips_fragmented'), 1)
    assert.equal(counter(a, 'ip', 'ips_reassembled'), 1)
    assert.ok(net.ifp('a', 'epair0a').stats.obytes > 3028)
    assert.equal(reassHeld(net.vnet('a')) + reassHeld(net.vnet('b')), 0)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('a router fragments for a smaller next-hop MTU', async () => {
    const net = chain()
    const r = await ping(net.sys('a'), ip('10.0.2.1'), { size: 1400 })
    assert.ok(r !== null)
    assert.equal(r.type, IcmpType.ECHO_REPLY)
    assert.deepEqual(r.body, pattern(1400))
    const rs = net.sys('r')
    assert.equal(counter(rs, 'ip', 'ips_fragmented'), 1)
    assert.equal(counter(rs, 'ip', 'ips_ofragments'), 2)
    assert.equal(counter(net.sys('b'), 'ip', 'ips_reassembled'), 1)
    // b's reply is fragmented by b itself (its own MTU is 1280).
    assert.equal(counter(net.sys('b'), 'ip', 'ips_fragmented'), 1)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('DF and a too-small next hop at a router: needfrag with the next-hop MTU (RFC 1191)', async () => {
    const net = chain()
    const m = await ping(net.sys('a'), ip('10.0.2.1'), { size: 1400, df: true })
    assert.ok(m !== null)
    assert.equal(m.type, IcmpType.UNREACH)
    assert.equal(m.code, UnreachCode.NEEDFRAG)
    assert.equal(m.rest & 0xffff, 1280, 'next-hop MTU in the low 16 bits')
    assert.equal(m.rest >>> 16, 0)
    assert.equal(m.src, ip('10.0.1.254'))
    const rs = net.sys('r')
    assert.equal(counter(rs, 'ip', 'ips_cantfrag'), 1)
    assert.equal(counter(rs, 'ip', 'ips_fragmented'), 0)
    // A DF packet that fits goes through.
    assert.equal(
      (await ping(net.sys('a'), ip('10.0.2.1'), { size: 1200, df: true, seq: 2 }))?.type,
      IcmpType.ECHO_REPLY,
    )
  })

  test('DF and too big locally: EMSGSIZE and ips_cantfrag', () => {
    const net = pair()
    const a = net.sys('a')
    const s = a.rawSocket(1)
    assert.throws(() => s.send(B, icmpEcho(1, 1, pattern(1600)), { df: true }), { code: 'EMSGSIZE' })
    assert.equal(counter(a, 'ip', 'ips_cantfrag'), 1)
    assert.equal(net.host.env.pool.inUse, 0)
    s.close()
  })

  test('a route MTU smaller than the interface MTU limits fragment size', async () => {
    const net = pair()
    const a = net.sys('a')
    a.routeAdd({ dst: B, prefixLen: 32, gateway: A, mtu: 576 })
    const seen = net.sys('b').rawSocket(1)
    const r = await ping(a, B, { size: 1000 })
    assert.ok(r !== null)
    // 1008 bytes of ICMP at 552 per fragment (576 - 20, rounded down to 8): 2 fragments.
    assert.equal(counter(a, 'ip', 'ips_ofragments'), 2)
    seen.close()
  })

  test('MTU of an interface bounds fragments; the MTU can be changed', async () => {
    const net = pair()
    const a = net.sys('a')
    a.ifSetMtu('epair0a', 600)
    assert.equal(a.ifGet('epair0a').mtu, 600)
    assert.throws(() => a.ifSetMtu('epair0a', 10), { code: 'EINVAL' })
    assert.throws(() => a.ifSetMtu('epair0a', 100000), { code: 'EINVAL' })
    assert.ok((await ping(a, B, { size: 1000 })) !== null)
    assert.equal(counter(a, 'ip', 'ips_ofragments'), 2)
  })
})

describe('reassembly', () => {
  test('fragments in reverse order reassemble', async () => {
    const net = pair()
    const s = net.sys('b').rawSocket(1)
    const frags = fragment(bigEcho(2000), 512)
    for (const f of frags.reverse()) net.inject(net.ifp('a', 'epair0a'), fromB(net, f))
    const r = await s.recv(SEC)
    assert.ok(r !== null)
    const m = parseIcmpDatagram(r.data)
    assert.equal(m.type, IcmpType.ECHO_REPLY)
    assert.deepEqual(m.body, pattern(2000))
    assert.equal(counter(net.sys('a'), 'ip', 'ips_reassembled'), 1)
    s.close()
  })

  test('timeout after fragttl: counted, and time exceeded (reassembly) when fragment zero came', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.inet.ip.fragttl', '5')
    const s = net.sys('b').rawSocket(1)
    const [f0, f1] = fragment(bigEcho(2000), 512)
    net.inject(net.ifp('a', 'epair0a'), fromB(net, f0!))
    net.inject(net.ifp('a', 'epair0a'), fromB(net, f1!))
    assert.equal(reassHeld(net.vnet('a')), 2)
    assert.equal(net.host.env.pool.inUse, 2)
    await net.sleep(4 * SEC)
    assert.equal(reassHeld(net.vnet('a')), 2)
    const r = await s.recv(2 * SEC)
    assert.ok(r !== null)
    const m = parseIcmpDatagram(r.data)
    assert.equal(m.type, IcmpType.TIME_EXCEEDED)
    assert.equal(m.code, TimeExceededCode.REASSEMBLY)
    assert.equal(m.src, A)
    assert.ok(m.checksumOk)
    assert.equal(counter(a, 'ip', 'ips_fragtimeout'), 2)
    assert.equal(reassHeld(net.vnet('a')), 0)
    assert.equal(net.host.env.pool.inUse, 0)
    s.close()
  })

  test('timeout without fragment zero: counted, no ICMP', async () => {
    const net = pair()
    const a = net.sys('a')
    const s = net.sys('b').rawSocket(1)
    const frags = fragment(bigEcho(2000), 512)
    net.inject(net.ifp('a', 'epair0a'), fromB(net, frags[2]!))
    assert.equal(await s.recv(31 * SEC), null)
    assert.equal(counter(a, 'ip', 'ips_fragtimeout'), 1)
    assert.equal(counter(a, 'icmp', 'icps_error'), 0)
    assert.equal(net.host.env.pool.inUse, 0)
    s.close()
  })

  const cases: Array<[string, (f: Uint8Array[]) => Uint8Array[], Record<string, number>, number]> = [
    [
      'an overlapping fragment drops the whole datagram',
      (f) => {
        // Second fragment shifted back by 8 bytes: overlaps the first.
        const g = ipv4({
          src: B,
          dst: A,
          proto: IpProto.ICMP,
          id: 0x77,
          mf: true,
          fragOffset: 504,
          payload: pattern(512),
        })
        return [f[0]!, g]
      },
      { ips_total: 2, ips_fragments: 2, ips_fragdropped: 2 },
      0,
    ],
    [
      'an exact duplicate is dropped alone',
      (f) => [f[0]!, f[0]!],
      { ips_total: 2, ips_fragments: 2, ips_fragdropped: 1 },
      1,
    ],
    [
      'MF with a length not a multiple of 8 is dropped',
      () => [ipv4({ src: B, dst: A, proto: IpProto.ICMP, id: 0x77, mf: true, payload: pattern(100) })],
      { ips_total: 1, ips_fragments: 1, ips_fragdropped: 1 },
      0,
    ],
    [
      'a fragment past the end set by the last fragment drops the datagram',
      (f) => [
        f[3]!,
        ipv4({
          src: B,
          dst: A,
          proto: IpProto.ICMP,
          id: 0x77,
          mf: true,
          fragOffset: 4096,
          payload: pattern(8),
        }),
      ],
      { ips_total: 2, ips_fragments: 2, ips_fragdropped: 2 },
      0,
    ],
    [
      'two different last fragments drop the datagram',
      (f) => [
        f[3]!,
        ipv4({ src: B, dst: A, proto: IpProto.ICMP, id: 0x77, fragOffset: 512, payload: pattern(8) }),
      ],
      { ips_total: 2, ips_fragments: 2, ips_fragdropped: 2 },
      0,
    ],
    [
      'a fragment that would end beyond 65535 bytes is too long',
      () => [
        ipv4({ src: B, dst: A, proto: IpProto.ICMP, id: 0x77, fragOffset: 65528, payload: pattern(16) }),
      ],
      { ips_total: 1, ips_fragments: 1, ips_fragdropped: 1, ips_toolong: 1 },
      0,
    ],
  ]
  for (const [name, make, want, held] of cases)
    test(name, () => {
      const net = pair()
      const a = net.sys('a')
      const before = counters(a, 'ip')
      for (const f of make(fragment(bigEcho(2000), 512))) net.inject(net.ifp('a', 'epair0a'), fromB(net, f))
      assert.deepEqual(delta(before, counters(a, 'ip')), want)
      assert.equal(reassHeld(net.vnet('a')), held)
      assert.equal(net.host.env.pool.inUse, held)
    })

  test('a reassembled datagram longer than 65535 bytes (large first header) is dropped as too long', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.inet.ip.maxfragsperpacket', '64')
    // 65512 bytes of payload: every fragment fits on its own (offset + its 20-byte header <= 65535),
    // but fragment zero carries 40 bytes of options, so the whole would be 65572 bytes.
    const payload = icmpEcho(9, 1, pattern(65512 - 8))
    const chunk = 1480
    const frags: Uint8Array[] = []
    for (let off = 0; off < payload.length; off += chunk) {
      const n = Math.min(chunk, payload.length - off)
      frags.push(
        ipv4({
          src: B,
          dst: A,
          proto: IpProto.ICMP,
          id: 0x99,
          mf: off + n < payload.length,
          fragOffset: off,
          payload: payload.subarray(off, off + n),
          ...(off === 0 ? { options: new Uint8Array(40).fill(1) } : {}),
        }),
      )
    }
    for (const f of frags) net.inject(net.ifp('a', 'epair0a'), fromB(net, f))
    assert.equal(counter(a, 'ip', 'ips_toolong'), 1)
    assert.equal(counter(a, 'ip', 'ips_reassembled'), 0)
    assert.equal(counter(a, 'ip', 'ips_fragdropped'), frags.length)
    assert.equal(counter(a, 'icmp', 'icps_reflect'), 0)
    assert.equal(reassHeld(net.vnet('a')), 0)
    await net.sleep(SEC)
    assert.equal(net.host.env.pool.inUse, 0)
  })
})

describe('per-vnet reassembly limits', () => {
  test('maxfragpackets bounds the datagrams in progress', () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.inet.ip.maxfragpackets', '3')
    for (let id = 1; id <= 5; id++)
      net.inject(net.ifp('a', 'epair0a'), fromB(net, fragment(bigEcho(2000, id), 512)[0]!))
    assert.equal(reass(net.vnet('a')).queues.size, 3)
    // The oldest datagrams in progress gave way to the newest (FreeBSD's ipreass_drainstale).
    const ids = [...reass(net.vnet('a')).queues.keys()].map((k) => Number(k.split(':')[2]))
    assert.deepEqual(ids, [3, 4, 5])
    assert.equal(counter(a, 'ip', 'ips_fragdropped'), 2)
    assert.equal(net.host.env.pool.inUse, 3)
    // The limit is a's alone.
    assert.equal(net.sys('b').sysctlGet('net.inet.ip.maxfragpackets').value, 1024)
  })

  test('maxfragpackets=0 disables reassembly', () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.inet.ip.maxfragpackets', '0')
    net.inject(net.ifp('a', 'epair0a'), fromB(net, fragment(bigEcho(2000), 512)[0]!))
    assert.equal(counter(a, 'ip', 'ips_fragdropped'), 1)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('maxfragsperpacket: one fragment too many drops the whole datagram', () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.inet.ip.maxfragsperpacket', '4')
    const frags = fragment(bigEcho(2000), 256)
    assert.ok(frags.length >= 6)
    for (const f of frags.slice(0, 4)) net.inject(net.ifp('a', 'epair0a'), fromB(net, f))
    assert.equal(reassHeld(net.vnet('a')), 4)
    net.inject(net.ifp('a', 'epair0a'), fromB(net, frags[4]!))
    assert.equal(reassHeld(net.vnet('a')), 0)
    assert.equal(counter(a, 'ip', 'ips_fragdropped'), 5)
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('limits and fragttl are validated', () => {
    const net = pair()
    const a = net.sys('a')
    assert.throws(() => a.sysctlSet('net.inet.ip.fragttl', '0'), { code: 'EINVAL' })
    assert.throws(() => a.sysctlSet('net.inet.ip.maxfragsperpacket', '0'), { code: 'EINVAL' })
    assert.throws(() => a.sysctlSet('net.inet.ip.maxfragpackets', '-1'), { code: 'EINVAL' })
    assert.throws(() => a.sysctlSet('net.inet.ip.maxfragpackets', 'lots'), { code: 'EINVAL' })
    assert.equal(a.sysctlGet('net.inet.ip.fragttl').value, 30)
  })
})
