/** The reassembly queue (tcp_reass.c) and the receiver's SACK blocks (RFC 2018, RFC 2883). */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { seqAdd, seqDiff, seqLeq, seqLt } from '../../../../wire/inet/seq.js'
import { MAX_SACK_BLKS, RcvSackBlocks, Reass, ReassQueue } from './tcp_reass.js'

const bytes = (from: number, n: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff)

/** A receiver: the queue plus rcv_nxt and what reached the socket. */
class Rx {
  readonly q: ReassQueue
  nxt: number
  out: number[] = []
  fin = false
  constructor(irs: number, max?: number) {
    this.q = new ReassQueue(max)
    this.nxt = irs >>> 0
  }
  seg(seq: number, data: Uint8Array, fin = false): Reass {
    const r = this.q.insert(this.nxt, seq >>> 0, data, fin)
    const n = this.q.deliver(this.nxt, (d, off, len) => {
      for (let i = 0; i < len; i++) this.out.push(d[off + i]!)
    })
    this.nxt = seqAdd(this.nxt, n)
    if (this.q.finReached && !this.fin) {
      this.fin = true
      this.nxt = seqAdd(this.nxt, 1)
    }
    return r
  }
}

describe('tcp_reass: the queue', () => {
  test('in-order data passes straight through; a hole holds later data until it is filled', () => {
    const rx = new Rx(1000)
    assert.equal(rx.seg(1000, bytes(0, 10)), Reass.QUEUED)
    assert.equal(rx.nxt, 1010)
    assert.equal(rx.seg(1020, bytes(20, 10)), Reass.QUEUED)
    assert.equal(rx.seg(1040, bytes(40, 5)), Reass.QUEUED)
    assert.equal(rx.nxt, 1010)
    assert.deepEqual(rx.q.ranges(), [
      [1020, 1030],
      [1040, 1045],
    ])
    assert.equal(rx.q.bytes, 15)
    rx.seg(1010, bytes(10, 10))
    assert.equal(rx.nxt, 1030)
    rx.seg(1030, bytes(30, 10))
    assert.equal(rx.nxt, 1045)
    assert.deepEqual(rx.out, [...bytes(0, 45)])
    assert.equal(rx.q.length, 0)
    assert.equal(rx.q.bytes, 0)
  })

  test('data the engine delivered past the queue: deliver() drops or trims what it covered, noting it', () => {
    const q = new ReassQueue()
    q.insert(100, 110, bytes(10, 10))
    q.insert(100, 130, bytes(30, 10))
    // The segment 100..125 went to the socket directly; rcv_nxt is 125.
    q.clearDup()
    const out: number[] = []
    const n = q.deliver(125, (d, off, len) => {
      for (let i = 0; i < len; i++) out.push(d[off + i]!)
    })
    assert.equal(n, 0)
    assert.deepEqual(q.ranges(), [[130, 140]])
    assert.deepEqual([q.dupStart, q.dupEnd], [110, 120])
    assert.equal(q.bytes, 10)
    // 125..130 arrives the same way and brings the held 130..140 with it.
    q.clearDup()
    assert.equal(
      q.deliver(130, (d, off, len) => {
        for (let i = 0; i < len; i++) out.push(d[off + i]!)
      }),
      10,
    )
    assert.deepEqual(out, [...bytes(30, 10)])
    assert.equal(q.dupStart, q.dupEnd)
    assert.equal(q.length, 0)
  })

  test('held data before a new segment wins over its front; the new one wins over what follows', () => {
    const rx = new Rx(0)
    rx.seg(10, new Uint8Array(10).fill(1)) // 10..20 held
    rx.seg(30, new Uint8Array(10).fill(3)) // 30..40 held
    rx.seg(50, new Uint8Array(5).fill(5)) // 50..55, covered below
    rx.seg(60, new Uint8Array(10).fill(6)) // 60..70, trimmed below
    rx.seg(15, new Uint8Array(50).fill(9)) // 15..65
    assert.deepEqual(rx.q.ranges(), [
      [10, 20],
      [20, 65],
      [65, 70],
    ])
    assert.equal(rx.q.bytes, 60)
    assert.deepEqual([rx.q.dupStart, rx.q.dupEnd], [15, 20], 'the first duplicated range')
    rx.seg(0, new Uint8Array(10))
    assert.deepEqual(rx.out.slice(10), [...Array(10).fill(1), ...Array(45).fill(9), ...Array(5).fill(6)])
  })

  test('a segment wholly held or already delivered is a duplicate', () => {
    const rx = new Rx(100)
    rx.seg(100, bytes(0, 10))
    rx.seg(120, bytes(20, 10))
    assert.equal(rx.seg(95, bytes(0, 10)), Reass.DUPLICATE)
    assert.deepEqual([rx.q.dupStart, rx.q.dupEnd], [95, 105])
    assert.equal(rx.seg(122, bytes(22, 5)), Reass.DUPLICATE)
    assert.deepEqual([rx.q.dupStart, rx.q.dupEnd], [122, 127])
    assert.equal(rx.seg(105, bytes(5, 10)), Reass.QUEUED, 'a partial overlap below rcv_nxt is trimmed')
    assert.deepEqual([rx.q.dupStart, rx.q.dupEnd], [105, 110])
    assert.equal(rx.nxt, 115)
  })

  test('bounded by maxqueuelen: overflow is counted and dropped, the segment at rcv_nxt always accepted', () => {
    const rx = new Rx(0, 100)
    for (let i = 0; i < 100; i++) assert.equal(rx.seg(10 + 20 * i, bytes(0, 10)), Reass.QUEUED)
    assert.equal(rx.seg(5000, bytes(0, 10)), Reass.OVERFLOW)
    assert.equal(rx.q.overflows, 1)
    assert.equal(rx.q.length, 100)
    assert.equal(rx.seg(0, bytes(0, 10)), Reass.QUEUED)
    assert.equal(rx.nxt, 20)
    assert.equal(rx.q.length, 99)
  })

  test('an out-of-order FIN is delivered when the data before it is; data past it is ignored', () => {
    const rx = new Rx(0)
    rx.seg(10, bytes(10, 10), true)
    assert.equal(rx.q.finSeq, 20)
    rx.seg(15, bytes(15, 20))
    assert.deepEqual(rx.q.ranges(), [[10, 20]])
    rx.seg(0, bytes(0, 10))
    assert.equal(rx.fin, true)
    assert.equal(rx.nxt, 21)
    assert.deepEqual(rx.out, [...bytes(0, 20)])
    // A bare FIN at rcv_nxt.
    const b = new Rx(7)
    assert.equal(b.seg(7, new Uint8Array(0), true), Reass.QUEUED)
    assert.equal(b.fin, true)
  })

  test('a FIN arriving after later data trims the held data past it', () => {
    const rx = new Rx(0)
    rx.seg(30, bytes(30, 10))
    rx.seg(10, bytes(10, 10), true)
    assert.deepEqual(rx.q.ranges(), [[10, 20]])
    assert.equal(rx.q.bytes, 10)
  })

  test('any arrival order, overlaps and duplicates deliver the stream exactly once, in order', () => {
    const seg = fc.record({ at: fc.nat(599), len: fc.integer({ min: 0, max: 120 }) })
    fc.assert(
      fc.property(
        fc.array(seg, { maxLength: 60 }),
        fc.constantFrom(0, 0xffffff80, 0x7fffffc0),
        (segs, irs) => {
          const total = 600
          const rx = new Rx(irs, 1000)
          // The whole stream in 100-byte pieces, last, so it always completes.
          const all = [...segs, ...[0, 1, 2, 3, 4, 5].map((k) => ({ at: k * 100, len: 100 }))]
          for (const s of all) {
            const len = Math.min(s.len, total - s.at)
            rx.seg(irs + s.at, bytes(s.at, len), s.at + len === total && len > 0)
            const rs = rx.q.ranges()
            let held = 0
            for (const [i, [a, b]] of rs.entries()) {
              assert.ok(seqLt(rx.nxt, a), 'held data is beyond rcv_nxt')
              assert.ok(seqLt(a, b))
              if (i > 0) assert.ok(seqLeq(rs[i - 1]![1], a), 'held ranges do not overlap')
              held += seqDiff(b, a)
            }
            assert.equal(rx.q.bytes, held)
          }
          assert.deepEqual(rx.out, [...bytes(0, total)])
          assert.equal(rx.q.length, 0)
          assert.equal(rx.fin, true)
          assert.equal(rx.nxt, seqAdd(irs, total + 1))
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('tcp_reass: receiver SACK blocks', () => {
  const list = (s: RcvSackBlocks): Array<[number, number]> =>
    Array.from({ length: s.count }, (_, i) => [s.blocks[2 * i]!, s.blocks[2 * i + 1]!])

  test('the block holding the newest segment comes first, the others most recent first (RFC 2018 §4)', () => {
    const s = new RcvSackBlocks()
    s.update(1000, 2000, 2500)
    s.update(1000, 3000, 3500)
    s.update(1000, 4000, 4500)
    assert.deepEqual(list(s), [
      [4000, 4500],
      [3000, 3500],
      [2000, 2500],
    ])
    // Filling 2500..3000 joins the two older blocks into the new first one.
    s.update(1000, 2500, 3000)
    assert.deepEqual(list(s), [
      [2000, 3500],
      [4000, 4500],
    ])
  })

  test('at most MAX_SACK_BLKS remembered; the option carries 4, or 3 beside timestamps', () => {
    const s = new RcvSackBlocks()
    for (let i = 0; i < 8; i++) s.update(0, 100 * (i + 1), 100 * (i + 1) + 50)
    assert.equal(s.count, MAX_SACK_BLKS)
    assert.deepEqual(list(s)[0], [800, 850])
    const out = new Uint32Array(8)
    assert.equal(s.option(out, 4), 4)
    assert.deepEqual([...out], [800, 850, 700, 750, 600, 650, 500, 550])
    assert.equal(s.option(out, 3), 3)
  })

  test('rcv_nxt advancing drops the blocks it covers and trims one it reaches into', () => {
    const s = new RcvSackBlocks()
    s.update(0, 100, 200)
    s.update(0, 300, 400)
    s.advance(200)
    assert.deepEqual(list(s), [[300, 400]])
    s.advance(350)
    assert.deepEqual(list(s), [[350, 400]])
    s.update(400, 500, 600)
    assert.deepEqual(list(s), [[500, 600]], 'blocks below rcv_nxt are dropped on update too')
  })

  test('a D-SACK goes first, once (RFC 2883)', () => {
    const s = new RcvSackBlocks()
    s.update(1000, 2000, 2500)
    s.dsack(2100, 2200)
    const out = new Uint32Array(8)
    assert.equal(s.option(out, 3), 2)
    assert.deepEqual([...out.subarray(0, 4)], [2100, 2200, 2000, 2500])
    assert.equal(s.option(out, 3), 1)
    assert.deepEqual([...out.subarray(0, 2)], [2000, 2500])
  })

  test('with the queue: the blocks describe exactly the held data while it fits, newest first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 1, max: 400 }), len: fc.integer({ min: 1, max: 40 }) }), {
          maxLength: 40,
        }),
        (segs) => {
          const rx = new Rx(0xfffffff0)
          const s = new RcvSackBlocks()
          let mostRuns = 0
          for (const g of segs) {
            const seq = seqAdd(0xfffffff0, g.at)
            if (rx.seg(seq, bytes(g.at, g.len)) !== Reass.QUEUED) continue
            s.update(rx.nxt, seq, seqAdd(seq, g.len))
            s.advance(rx.nxt)
            // Held runs (adjacent entries merged).
            const runs: Array<[number, number]> = []
            for (const [a, b] of rx.q.ranges()) {
              const last = runs.at(-1)
              if (last && last[1] === a) last[1] = b
              else runs.push([a, b])
            }
            mostRuns = Math.max(mostRuns, runs.length)
            const blocks = list(s)
            for (const [a, b] of blocks)
              assert.ok(
                runs.some(([x, y]) => seqLeq(x, a) && seqLeq(b, y)),
                'every block lies within held data',
              )
            if (runs.length > 0) {
              const [a, b] = blocks[0]!
              assert.ok(seqLeq(a, seq) && seqLeq(seqAdd(seq, g.len), b), 'block 0 holds the newest segment')
            }
            if (mostRuns <= MAX_SACK_BLKS) {
              const sort = (xs: Array<[number, number]>) =>
                [...xs].sort((p, q) => seqDiff(p[0], q[0])).map(([a, b]) => `${a}-${b}`)
              assert.deepEqual(sort(blocks), sort(runs))
            }
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  /** A receiver with SACK as the engine drives it: D-SACK the duplicate, update if out of order. */
  function sackRx() {
    const rx = new Rx(1)
    const s = new RcvSackBlocks()
    const out = new Uint32Array(8)
    return (seq: number, len: number): string => {
      const before = rx.nxt
      rx.seg(seq, bytes(seq, len))
      if (rx.q.dupStart !== rx.q.dupEnd) s.dsack(rx.q.dupStart, rx.q.dupEnd)
      if (seq !== before && seqLt(rx.nxt, seq + len)) s.update(rx.nxt, seq, seq + len)
      s.advance(rx.nxt)
      const n = s.option(out, 4)
      const blocks = Array.from({ length: n }, (_, i) => `${out[2 * i]}:${out[2 * i + 1]}`)
      return `ack ${rx.nxt}${n > 0 ? ` sack ${blocks.join(' ')}` : ''}`
    }
  }

  test('FreeBSD test suite rcv-data-segments/overlapping-100-275: D-SACK of the overlap, then the rest', () => {
    const seg = sackRx()
    assert.equal(seg(1, 99), 'ack 100')
    assert.equal(seg(200, 100), 'ack 100 sack 200:300')
    assert.equal(seg(400, 100), 'ack 100 sack 400:500 200:300')
    assert.equal(seg(600, 100), 'ack 100 sack 600:700 400:500 200:300')
    assert.equal(seg(100, 175), 'ack 300 sack 200:275 600:700 400:500')
    assert.equal(seg(1, 799), 'ack 800 sack 1:300')
  })

  test('FreeBSD test suite rcv-data-segments/overlapping-200-32200 and -050-700', () => {
    const seg = sackRx()
    seg(1, 99)
    seg(200, 100)
    seg(400, 100)
    seg(600, 100)
    assert.equal(seg(200, 32000), 'ack 100 sack 200:300 200:32200')
    assert.equal(seg(1, 199), 'ack 32200 sack 1:100')
    const b = sackRx()
    b(1, 99)
    b(200, 100)
    b(400, 100)
    b(600, 100)
    assert.equal(b(50, 650), 'ack 700 sack 50:100')
    assert.equal(b(1, 799), 'ack 800 sack 1:700')
  })

  test('FreeBSD test suite rcv-data-segments/reordering: adjacent arrivals grow block 0', () => {
    const seg = sackRx()
    assert.equal(seg(4, 4), 'ack 1 sack 4:8')
    assert.equal(seg(1, 1), 'ack 2 sack 4:8')
    assert.equal(seg(8, 8), 'ack 2 sack 4:16')
    assert.equal(seg(16, 16), 'ack 2 sack 4:32')
    assert.equal(seg(2, 2), 'ack 32')
  })
})
