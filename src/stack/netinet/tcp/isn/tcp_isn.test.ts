/** SipHash-2-4 against the paper's vectors, RFC 6528 ISNs and RFC 7323 §5.4 timestamp offsets. */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { Rng } from '../../../../util/rng.js'
import { seqDiff } from '../../../../wire/inet/seq.js'
import { SipHash24, TcpIsn } from './tcp_isn.js'

const hex = (h: SipHash24): string => h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0')
const iota = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i)

/** SipHash-2-4 straight from the paper with BigInt, as an independent reference. */
function reference(key: Uint8Array, msg: Uint8Array): bigint {
  const M = (1n << 64n) - 1n
  const rd = (b: Uint8Array, o: number, n: number): bigint => {
    let x = 0n
    for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[o + i] ?? 0)
    return x
  }
  const rotl = (x: bigint, n: bigint): bigint => ((x << n) | (x >> (64n - n))) & M
  const k0 = rd(key, 0, 8)
  const k1 = rd(key, 8, 8)
  let v0 = k0 ^ 0x736f6d6570736575n
  let v1 = k1 ^ 0x646f72616e646f6dn
  let v2 = k0 ^ 0x6c7967656e657261n
  let v3 = k1 ^ 0x7465646279746573n
  const round = () => {
    v0 = (v0 + v1) & M
    v1 = rotl(v1, 13n) ^ v0
    v0 = rotl(v0, 32n)
    v2 = (v2 + v3) & M
    v3 = rotl(v3, 16n) ^ v2
    v0 = (v0 + v3) & M
    v3 = rotl(v3, 21n) ^ v0
    v2 = (v2 + v1) & M
    v1 = rotl(v1, 17n) ^ v2
    v2 = rotl(v2, 32n)
  }
  const full = msg.length - (msg.length % 8)
  for (let p = 0; p <= full; p += 8) {
    const m = p < full ? rd(msg, p, 8) : rd(msg, p, msg.length - full) | (BigInt(msg.length & 0xff) << 56n)
    v3 ^= m
    round()
    round()
    v0 ^= m
  }
  v2 ^= 0xffn
  for (let i = 0; i < 4; i++) round()
  return v0 ^ v1 ^ v2 ^ v3
}

describe('tcp_isn: SipHash-2-4', () => {
  test('matches the paper: key 00..0f, message 00..0e gives a129ca6149be45e5', () => {
    const h = new SipHash24(iota(16))
    h.hash(iota(15))
    assert.equal(hex(h), 'a129ca6149be45e5')
  })

  test('matches the reference vectors for lengths 0..11', () => {
    const want = [
      '726fdb47dd0e0e31',
      '74f839c593dc67fd',
      '0d6c8009d9a94f5a',
      '85676696d7fb7e2d',
      'cf2794e0277187b7',
      '18765564cd99a68d',
      'cbc9466e58fee3ce',
      'ab0200f58b01d137',
      '93f5f5799a932462',
      '9e0082df0ba9e4b0',
      '7a5dbbc594ddb9f3',
      'f4b32f46226bada7',
    ]
    const h = new SipHash24(iota(16))
    const got = want.map((_, n) => {
      h.hash(iota(n))
      return hex(h)
    })
    assert.deepEqual(got, want)
  })

  test('agrees with a BigInt rendering of the paper on any key, message and offset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.nat(5),
        (key, msg, pad) => {
          const h = new SipHash24(key)
          const buf = new Uint8Array(pad + msg.length)
          buf.set(msg, pad)
          h.hash(buf, pad, msg.length)
          assert.equal(hex(h), reference(key, msg).toString(16).padStart(16, '0'))
        },
      ),
      { numRuns: 500 },
    )
  })
})

const A = 0x0a000001
const B = 0x0a000002

describe('tcp_isn: RFC 6528 initial sequence numbers', () => {
  test('deterministic given the seed; another seed gives other ISNs', () => {
    const run = (seed: number) => {
      const g = new TcpIsn(new Rng(seed, 'tcp_isn'))
      return [g.newIsn(B, 80, A, 40000, 0), g.newIsn(B, 80, A, 40001, 5), g.newIsn(B, 81, A, 40000, 9)]
    }
    assert.deepEqual(run(7), run(7))
    assert.notDeepEqual(run(7), run(8))
  })

  test('the same tuple later gets an ISN ahead by at least 4096 per ISN and 1 MiB/s', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 50 }), (gaps) => {
        const g = new TcpIsn(new Rng(1, 'tcp_isn'))
        let t = 0
        const first = g.newIsn(B, 80, A, 40000, t)
        let prev = first
        for (const gap of gaps) {
          t += gap
          const isn = g.newIsn(B, 80, A, 40000, t)
          const d = seqDiff(isn, prev)
          assert.ok(d >= 4096 && d < 8192 + 1048 * gap, `step ${d} over ${gap} ms`)
          prev = isn
        }
        // The clock component: M advanced by at least 1048 per tick overall (less the first step).
        assert.ok(seqDiff(prev, first) >= 1048 * t - 8192)
      }),
    )
  })

  test('different tuples at the same instant get unrelated ISNs (the keyed hash differs)', () => {
    const g = new TcpIsn(new Rng(3, 'tcp_isn'))
    const isns = new Set<number>()
    for (let p = 0; p < 1000; p++) isns.add(g.newIsn(B, 80, A, 10000 + p, 0))
    assert.equal(isns.size, 1000)
    // Consecutive ports do not give consecutive ISNs: the hash spreads them over the space.
    const xs = [...isns]
    const far = xs.slice(1).filter((x, i) => Math.abs(seqDiff(x, xs[i]!)) > 1 << 20).length
    assert.ok(far > 990, `${far}`)
  })

  test('reseeding (isn_reseed_interval) changes the hash part', () => {
    const a = new TcpIsn(new Rng(4, 'tcp_isn'))
    const b = new TcpIsn(new Rng(4, 'tcp_isn'))
    b.reseedInterval = 1
    a.newIsn(B, 80, A, 1, 0)
    b.newIsn(B, 80, A, 1, 0)
    // The offsets advance alike only while no reseed draws from b's Rng.
    assert.equal(a.newIsn(B, 80, A, 1, 500), b.newIsn(B, 80, A, 1, 500))
    assert.notEqual(a.newIsn(B, 80, A, 1, 1500), b.newIsn(B, 80, A, 1, 1500))
  })
})

describe('tcp_isn: RFC 7323 §5.4 timestamp offsets', () => {
  test('stable per tuple, different across tuples, independent of the ISN secret', () => {
    const g = new TcpIsn(new Rng(5, 'tcp_isn'))
    const o = g.tsOffset(B, 80, A, 40000)
    g.newIsn(B, 80, A, 40000, 100)
    assert.equal(g.tsOffset(B, 80, A, 40000), o)
    assert.notEqual(g.tsOffset(B, 80, A, 40001), o)
    // The ISN's hash part uses the other secret: strip the offset M (first ISN: 4096 + 0..4095).
    const isn0 = new TcpIsn(new Rng(5, 'tcp_isn')).newIsn(B, 80, A, 40000, 0)
    const d = seqDiff(isn0, o)
    assert.ok(d < 4096 || d >= 8192, `ts offset ${o} looks like the ISN hash ${isn0}`)
  })
})
