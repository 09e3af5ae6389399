/** The sender's SACK scoreboard: RFC 6675 IsLost/NextSeg/SetPipe as FreeBSD's tcp_sack.c keeps it. */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { seqAdd, seqDiff } from '../../../../wire/inet/seq.js'
import { SACK_CHANGE, SACK_NEWLOSS, SACK_NOCHANGE, SackHoleBudget, SackScoreboard } from './tcp_sack.js'

const MSS = 1000
const sack = (...pairs: number[]) => Uint32Array.from(pairs.map((x) => x >>> 0))
const holes = (sb: SackScoreboard) => sb.holes.map((h) => [h.start, h.end, h.rxmit, h.lost])

describe('tcp_sack: the scoreboard', () => {
  test('a SACK opens a hole at snd_una; IsLost once more than 2 segments are SACKed above', () => {
    const sb = new SackScoreboard(new SackHoleBudget())
    assert.equal(sb.update(1000, 1000, 11000, sack(2000, 3000), 1, MSS), SACK_CHANGE)
    assert.deepEqual(holes(sb), [[1000, 2000, 1000, false]])
    assert.deepEqual([sb.sndFack, sb.sackedBytes], [3000, 1000])
    assert.equal(sb.update(1000, 1000, 11000, sack(2000, 4000), 1, MSS), SACK_CHANGE)
    assert.equal(sb.isLost(1500), false, 'exactly (DupThresh - 1) * SMSS is not enough')
    assert.equal(sb.update(1000, 1000, 11000, sack(2000, 5000), 1, MSS), SACK_NEWLOSS)
    assert.equal(sb.isLost(1500), true)
    assert.equal(sb.pipe(1000, 11000), 10000 - 3000 - 1000)
    assert.equal(sb.update(1000, 1000, 11000, sack(2000, 5000), 1, MSS), SACK_NOCHANGE)
  })

  test('DupThresh discontiguous SACKed ranges make the data below them lost', () => {
    const sb = new SackScoreboard(new SackHoleBudget())
    sb.update(0, 0, 10000, sack(4000, 4100, 2000, 2100, 3000, 3100), 3, MSS)
    assert.deepEqual(holes(sb), [
      [0, 2000, 0, true],
      [2100, 3000, 2100, false],
      [3100, 4000, 3100, false],
    ])
    assert.equal(sb.lostBytes, 2000)
    assert.equal(sb.sackedBytes, 300)
  })

  test('blocks outside snd_una..snd_max, below the ACK (D-SACK) or inverted are ignored', () => {
    const sb = new SackScoreboard(new SackHoleBudget())
    const bogus = sack(500, 900, 3000, 2000, 9000, 12000, 1000, 1500)
    assert.equal(sb.update(1000, 1500, 10000, bogus, 4, MSS), SACK_NOCHANGE)
    assert.equal(sb.holes.length, 0)
    assert.equal(sb.sndFack, 1500)
    assert.equal(sb.update(0xfffffc00, 0xfffffc00, 2000, sack(0xfffffe00, 500), 1, MSS), SACK_CHANGE)
    assert.deepEqual(holes(sb), [[0xfffffc00, 0xfffffe00, 0xfffffc00, false]], 'across the wrap')
  })

  test('the cumulative ACK trims and removes holes; SACKs inside a hole split it', () => {
    const sb = new SackScoreboard(new SackHoleBudget())
    sb.update(0, 0, 10000, sack(3000, 4000), 1, MSS)
    sb.update(0, 0, 10000, sack(1000, 1500, 3000, 4000), 2, MSS)
    assert.deepEqual(
      sb.holes.map((h) => [h.start, h.end]),
      [
        [0, 1000],
        [1500, 3000],
      ],
    )
    sb.update(0, 1200, 10000, sack(3000, 4000), 1, MSS)
    assert.deepEqual(
      sb.holes.map((h) => [h.start, h.end]),
      [[1500, 3000]],
    )
    assert.equal(sb.sackedBytes, 1300, '[1200, 1500) and [3000, 4000)')
    sb.update(1200, 4000, 10000, sack(), 0, MSS)
    assert.equal(sb.holes.length, 0)
    assert.equal(sb.sackedBytes, 0)
  })

  test('NextSeg: lost holes first, a segment at a time from HighRxt; rule 3 takes the rest', () => {
    const sb = new SackScoreboard(new SackHoleBudget())
    sb.update(0, 0, 20000, sack(2500, 3000, 5000, 9000), 2, MSS)
    // Holes [0,2500) (two ranges and 4500 bytes above: lost) and [3000,5000) (4000 above: lost).
    assert.ok(sb.nextSeg(MSS))
    assert.deepEqual([sb.segStart, sb.segLen], [0, 1000])
    sb.markRexmit(0, 1000)
    sb.markRexmit(1000, 1000)
    assert.ok(sb.nextSeg(MSS))
    assert.deepEqual([sb.segStart, sb.segLen], [2000, 500])
    sb.markRexmit(2000, 500)
    assert.ok(sb.nextSeg(MSS))
    assert.equal(sb.segStart, 3000)
    assert.equal(sb.rexmitBytes, 2500)
    assert.equal(sb.pipe(0, 20000), 20000 - 4500 - 4500 + 2500)
    sb.resend()
    assert.equal(sb.rexmitBytes, 0)
    assert.equal(sb.holes[0]!.rxmit, 0)
    const small = new SackScoreboard(new SackHoleBudget())
    small.update(0, 0, 20000, sack(1000, 2000), 1, MSS)
    assert.equal(small.nextSeg(MSS), false, 'nothing is lost yet')
    assert.ok(small.nextSeg(MSS, true))
    assert.deepEqual([small.segStart, small.segLen], [0, 1000])
  })

  test('tcp_sack_adjust moves snd_nxt out of SACKed data', () => {
    const sb = new SackScoreboard(new SackHoleBudget())
    sb.update(0, 0, 10000, sack(1000, 2000, 3000, 4000), 2, MSS)
    assert.deepEqual(
      [500, 1000, 1500, 2500, 3000, 3500, 5000].map((n) => sb.adjust(n)),
      [500, 2000, 2000, 2500, 4000, 4000, 5000],
    )
  })

  test('bounded: maxholes per connection and globalmaxholes per vnet, overflow counted', () => {
    const budget = new SackHoleBudget()
    budget.max = 3
    const a = new SackScoreboard(budget, 2)
    a.update(0, 0, 10000, sack(1000, 1100, 2000, 2100, 3000, 3100), 3, MSS)
    assert.equal(a.holes.length, 2)
    assert.equal(a.sndFack, 2100, 'the block that needs a third hole is ignored')
    assert.equal(budget.sboverflow, 1)
    const b = new SackScoreboard(budget, 2)
    b.update(0, 0, 10000, sack(1000, 1100, 2000, 2100), 2, MSS)
    assert.equal(b.holes.length, 1)
    assert.equal(budget.holes, 3)
    a.clear()
    assert.equal(budget.holes, 1)
  })
})

describe('tcp_sack: against RFC 6675 definitions', () => {
  test('any truthful ACK sequence: holes cover all unSACKed data, counts and pipe as SetPipe()', () => {
    const N = 400
    const mss = 10
    fc.assert(
      fc.property(
        fc.constantFrom(0, 0xffffff00, 0x7fffff80),
        fc.array(fc.tuple(fc.nat(N - 1), fc.integer({ min: 1, max: 40 })), { maxLength: 30 }),
        fc.array(fc.nat(3), { maxLength: 30 }),
        (iss, arrivals, picks) => {
          const sb = new SackScoreboard(new SackHoleBudget())
          const got = new Uint8Array(N)
          let una = 0
          const reported = new Uint8Array(N)
          for (const [k, [at, len]] of arrivals.entries()) {
            for (let i = at; i < Math.min(N, at + len); i++) got[i] = 1
            let ack = una
            while (ack < N && got[ack]) ack++
            // Runs received above the ACK, most recent (containing `at`) first, as a receiver sends.
            const runs: Array<[number, number]> = []
            for (let i = ack; i < N; ) {
              if (!got[i]) {
                i++
                continue
              }
              let j = i
              while (j < N && got[j]) j++
              runs.push([i, j])
              i = j
            }
            runs.sort((x, y) => (x[0] <= at && at < x[1] ? -1 : y[0] <= at && at < y[1] ? 1 : 0))
            const skip = picks[k] ?? 0
            const sent = runs.slice(0, 4).filter((_, i) => i === 0 || i !== skip)
            const blocks = sack(...sent.flatMap(([s, e]) => [iss + s, iss + e]))
            sb.update(seqAdd(iss, una), seqAdd(iss, ack), seqAdd(iss, N), blocks, sent.length, mss)
            for (const [s, e] of sent) for (let i = s; i < e; i++) reported[i] = 1
            una = ack
            // The model: SACKed = in [una, fack) and not in a hole; must have been reported.
            const fack = seqDiff(sb.sndFack, iss)
            const inHole = new Uint8Array(N)
            let prevEnd = una
            for (const h of sb.holes) {
              const s = seqDiff(h.start, iss)
              const e = seqDiff(h.end, iss)
              assert.ok(s >= prevEnd && s < e && e <= fack, 'holes ordered, disjoint, below snd_fack')
              for (let i = s; i < e; i++) inHole[i] = 1
              prevEnd = e
            }
            let sacked = 0
            for (let i = una; i < fack; i++)
              if (!inHole[i]) {
                assert.ok(reported[i] || i < una, `byte ${i} counted SACKed but never reported`)
                sacked++
              }
            assert.equal(sb.sackedBytes, sacked)
            // SetPipe() octet by octet with IsLost() from its definition.
            let pipe = 0
            for (let i = una; i < N; i++) {
              if (i < fack && !inHole[i]) continue
              let bytes = 0
              let ranges = 0
              for (let j = i + 1; j < fack; j++)
                if (!inHole[j]) {
                  bytes++
                  if (inHole[j - 1] || j === i + 1) ranges++
                }
              const lost = ranges >= 3 || bytes > 2 * mss
              assert.equal(sb.isLost(seqAdd(iss, i)), lost && i < fack, `IsLost(${i})`)
              if (!lost) pipe++
            }
            assert.equal(sb.pipe(seqAdd(iss, una), seqAdd(iss, N)), pipe)
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
