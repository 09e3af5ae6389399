/** RFC 6298 RTT estimation and RTO backoff with FreeBSD's tick arithmetic, slop and limits. */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  RTT_DEFAULTS,
  RttEstimator,
  rangeset,
  syncacheRexmtTicks,
  synRexmtTicks,
  TCP_BACKOFF,
  TCP_MAXRXTSHIFT,
  TCPTV_REXMTMAX,
  ticksFromNs,
} from './tcp_rtt.js'

describe('tcp_rtt: the estimator', () => {
  test('a new connection has no estimate and a 1 s RTO (rexmit_initial)', () => {
    const r = new RttEstimator()
    assert.equal(r.srtt, 0)
    assert.equal(r.rxtcur, 1000)
    assert.equal(r.rtoNs, 1e9)
    // srtt + 4 * rttvar ≈ rexmit_initial - TCPTV_MIN before any sample.
    assert.equal(r.rexmtval(), 970)
  })

  test('the first sample sets srtt = R, rttvar = R/2, so RTO = 3R + slop', () => {
    const r = new RttEstimator()
    r.sample(100)
    assert.equal(r.srtt, 100 << 5)
    assert.equal(r.rttvar, 50 << 4)
    assert.equal(r.rexmtval(), 300)
    assert.equal(r.rxtcur, 500)
    assert.equal(r.srttNs, 100e6)
    assert.equal(r.rttvarNs, 50e6)
  })

  test('on a fast path the RTO bottoms out at rexmit_min + rexmit_slop (230 ms)', () => {
    const r = new RttEstimator()
    for (let i = 0; i < 50; i++) r.sample(1)
    assert.equal(r.rxtcur, 230)
  })

  test('later samples smooth with gains 1/8 and 1/4 (RFC 6298 §2.3)', () => {
    const r = new RttEstimator()
    r.sample(100)
    r.sample(200)
    // delta = (199 << 2) - (3200 >> 3) = 396; srtt = 3596; |delta| - (800 >> 2) = 196; rttvar = 996.
    assert.equal(r.srtt, 3596)
    assert.equal(r.rttvar, 996)
    assert.equal(r.rexmtval(), (449 + 996) >> 2)
    assert.equal(r.rxtcur, ((449 + 996) >> 2) + 200)
  })

  test('constant samples converge to the sample (origin 0, as FreeBSD) and the RTO stays in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60000 }), (rtt) => {
        const r = new RttEstimator()
        for (let i = 0; i < 200; i++) r.sample(rtt)
        const srtt = r.srtt / 32
        assert.ok(srtt >= rtt - 1 && srtt <= rtt, `srtt ${srtt} for ${rtt}`)
        assert.ok(r.rxtcur >= 230 && r.rxtcur <= TCPTV_REXMTMAX)
      }),
      { numRuns: 200 },
    )
  })

  test('any sample sequence keeps srtt, rttvar positive and the RTO within [rexmit_min, 64 s]', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 1, maxLength: 60 }), (xs) => {
        const r = new RttEstimator()
        for (const x of xs) {
          r.sample(x)
          assert.ok(r.srtt > 0 || x === 0)
          assert.ok(r.rttvar >= 0)
          assert.ok(r.rxtcur >= r.rttmin && r.rxtcur <= TCPTV_REXMTMAX)
          assert.ok(r.rxtcur >= Math.min(x + 2, TCPTV_REXMTMAX))
          assert.equal(r.rxtshift, 0)
        }
      }),
    )
  })

  test('the RTO tracks RFC 6298 floating point within a few ticks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 20, max: 5000 }), { minLength: 1, maxLength: 40 }), (xs) => {
        const r = new RttEstimator()
        let srtt = 0
        let rttvar = 0
        for (const [i, x] of xs.entries()) {
          r.sample(x)
          if (i === 0) {
            srtt = x
            rttvar = x / 2
          } else {
            rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - (x - 1))
            srtt = 0.875 * srtt + 0.125 * (x - 1)
          }
        }
        const rfc = srtt + 4 * rttvar
        assert.ok(Math.abs(r.rexmtval() - Math.max(30, rfc)) <= 6, `${r.rexmtval()} vs ${rfc}`)
      }),
    )
  })
})

describe('tcp_rtt: backoff', () => {
  test('each expiry doubles the RTO (tcp_backoff[]) plus slop, up to 64 s', () => {
    const r = new RttEstimator()
    r.sample(100) // TCP_REXMTVAL = 300
    const seen: number[] = []
    for (let i = 1; i <= TCP_MAXRXTSHIFT; i++) {
      assert.equal(r.backoff(false), true)
      assert.equal(r.rxtshift, i)
      seen.push(r.rxtcur)
    }
    assert.deepEqual(
      seen,
      TCP_BACKOFF.slice(1).map((m) => Math.min(300 * m + 200, 64000)),
    )
    assert.equal(seen.at(-1), 64000)
  })

  test('the 13th expiry (net.inet.tcp.retries = 12) asks for the drop', () => {
    const r = new RttEstimator()
    for (let i = 0; i < 12; i++) assert.equal(r.backoff(false), true)
    assert.equal(r.backoff(false), false)
    assert.equal(r.rxtshift, 12)
    const few = new RttEstimator({ ...RTT_DEFAULTS, retries: 3 })
    for (let i = 0; i < 3; i++) assert.equal(few.backoff(false), true)
    assert.equal(few.backoff(false), false)
  })

  test('a SYN is retransmitted at 1 s, 3.2 s, 7.4 s, 15.6 s from the first (rexmit_initial backoff)', () => {
    const r = new RttEstimator()
    let at = r.rxtcur
    const sends = [0, at]
    for (let i = 0; i < 3; i++) {
      r.backoff(true)
      at += r.rxtcur
      sends.push(at)
    }
    assert.deepEqual(sends, [0, 1000, 3200, 7400, 15600])
    assert.equal(synRexmtTicks(1), 2200)
    assert.equal(synRexmtTicks(6), 64000)
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => syncacheRexmtTicks(n)),
      [1000, 2200, 4200, 8200],
    )
  })

  test('a sample after the retransmission resets the backoff; after 4 it restarts the estimate', () => {
    const r = new RttEstimator()
    r.sample(100)
    r.sample(100)
    r.backoff(false)
    r.sample(100)
    assert.equal(r.rxtshift, 0)
    for (let i = 0; i < 4; i++) r.backoff(false)
    r.sample(40)
    assert.equal(r.srtt, 40 << 5, 'srtt is invalidated after TCP_RTT_INVALIDATE backoffs')
    assert.equal(r.rttvar, 20 << 4)
  })

  test('rangeset clamps after adding slop', () => {
    assert.equal(rangeset(10, 30, 64000, 200), 210)
    assert.equal(rangeset(10, 300, 64000, 200), 300)
    assert.equal(rangeset(70000, 30, 64000, 200), 64000)
    assert.equal(ticksFromNs(1_999_999), 1)
  })
})

describe("tcp_rtt: Karn's rule and timestamps", () => {
  test('one segment is timed at a time and the ACK covering it gives the sample', () => {
    const r = new RttEstimator()
    r.startTiming(1000, 5)
    r.startTiming(2000, 7)
    assert.equal(r.rtseq, 1000)
    assert.equal(r.ackSample(1000, 50), false, 'an ACK not beyond rtseq does not cover it')
    assert.equal(r.ackSample(1001, 55), true)
    assert.equal(r.srtt, 50 << 5)
    assert.equal(r.timing, false)
  })

  test('a retransmission stops the timing, so no ambiguous sample is taken', () => {
    const r = new RttEstimator()
    r.startTiming(0xfffffff0, 0)
    r.stopTiming()
    assert.equal(r.ackSample(0x10, 2000), false)
    assert.equal(r.srtt, 0)
    r.startTiming(0xfffffff0, 0)
    assert.equal(r.ackSample(0x10, 20), true, 'sequence comparison wraps')
  })

  test('a timestamp echo samples its age + 1 tick', () => {
    const r = new RttEstimator()
    r.tsSample(0x00000005, 0xfffffffb)
    assert.equal(r.srtt, 11 << 5)
  })
})
