/** CUBIC (RFC 9438) in FreeBSD's cc_cubic shape: the window curve, Reno-friendly region, signals. */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  CC_ACK,
  CC_ECN,
  CC_NDUPACK,
  CC_RTO,
  CC_RTO_ERR,
  CcVar,
  ccAckReceived,
  ccAfterIdle,
  ccAttach,
  ccCongSignal,
  ccConnInit,
  ccPostRecovery,
  ccTunables,
  exitRecovery,
  inCongRecovery,
} from './cc.js'
import { CcVnet, ccAvailableText } from './cc_list.js'
import { CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, type CubicData, cubic, cubicK, cubicWindow } from './cubic.js'

const MSS = 1000

/** An established CUBIC connection whose RTT estimate is `rttMs` (enough samples taken). */
function conn(rttMs: number, mss = MSS): CcVar {
  const c = new CcVar(ccTunables(), mss)
  c.sndWnd = 2 ** 30
  c.sndScale = 14
  c.srtt = rttMs << 5
  c.rttupdated = 8
  ccAttach(cubic, c)
  ccConnInit(cubic, c, 0)
  return c
}
const state = (c: CcVar): CubicData => c.ccData as CubicData

/** A loss at cwnd = w segments at tick `now`, and the end of its fast recovery. */
function loss(c: CcVar, w: number, now: number): void {
  c.cwnd = w * c.maxseg
  ccCongSignal(cubic, c, CC_NDUPACK, 0, c.cwnd, now)
  ccPostRecovery(cubic, c, 0, c.cwnd, now)
  exitRecovery(c)
}

/**
 * An ACK clock from tick `from` for `ms`: each RTT, one ACK per segment of cwnd, spread evenly.
 * Returns cwnd (segments) at the end of every RTT with its time.
 */
function run(c: CcVar, rttMs: number, from: number, ms: number): Array<[number, number]> {
  const trace: Array<[number, number]> = []
  for (let t = from; t < from + ms; t += rttMs) {
    const n = Math.floor(c.cwnd / c.maxseg)
    for (let i = 0; i < n; i++) ccAckReceived(cubic, c, CC_ACK, 0, c.maxseg, t + Math.floor((i * rttMs) / n))
    trace.push([t + rttMs, c.cwnd / c.maxseg])
  }
  return trace
}

describe('cubic: the RFC 9438 curve', () => {
  test('K and W_cubic(t) at chosen times (§4.2)', () => {
    // W_max = 100 segments, cwnd_epoch = 70: K = cbrt(30 / 0.4) = cbrt(75).
    const k = cubicK(100 * MSS, 70 * MSS, MSS)
    assert.ok(Math.abs(k - 75 ** (1 / 3)) < 1e-12)
    assert.ok(Math.abs(cubicWindow(0, k, 100 * MSS, MSS) - 70 * MSS) < 1e-6)
    assert.equal(cubicWindow(k, k, 100 * MSS, MSS), 100 * MSS)
    assert.ok(Math.abs(cubicWindow(k + 2, k, 100 * MSS, MSS) - (100 + 0.4 * 8) * MSS) < 1e-6)
    assert.ok(Math.abs(cubicWindow(2 * k, k, 100 * MSS, MSS) - 130 * MSS) < 1e-6)
    assert.ok(Math.abs(CUBIC_ALPHA - 0.9 / 1.7) < 1e-12)
  })

  test('after a loss, cwnd follows W_cubic: concave up to W_max near t = K, convex beyond', () => {
    const rtt = 100
    const c = conn(rtt)
    loss(c, 1000, 0)
    assert.equal(c.ssthresh, 700 * MSS)
    assert.equal(c.cwnd, 700 * MSS)
    const k = cubicK(1000 * MSS, 700 * MSS, MSS)
    const trace = run(c, rtt, 0, 16000)
    for (const [t, w] of trace) {
      const want = cubicWindow(t / 1000, k, 1000 * MSS, MSS) / MSS
      assert.ok(Math.abs(w - want) <= Math.max(2, 0.01 * want), `t=${t} cwnd=${w} W_cubic=${want}`)
    }
    const at = (ms: number) => trace.find(([t]) => t >= ms)![1]
    const kMs = k * 1000
    assert.ok(Math.abs(at(kMs) - 1000) < 10, 'the plateau at W_max')
    assert.ok(at(kMs / 2) - 700 > 1000 - at(kMs / 2), 'concave: most of the way back in half of K')
    assert.ok(at(kMs + 4000) - at(kMs + 2000) > at(kMs + 2000) - at(kMs), 'convex beyond K')
  })

  test('never more than 1.5 * cwnd per RTT when the curve is far ahead (§4.4)', () => {
    // A long RTT and a small W_max: W_cubic(t + RTT) soon runs far ahead of cwnd.
    const c = conn(2000)
    loss(c, 10, 0)
    const trace = run(c, 2000, 0, 24000)
    const ratios = trace.slice(1).map(([, w], i) => w / trace[i]![1])
    for (const r of ratios) assert.ok(r <= 1.5 + 1e-9, `grew ${r}x in one RTT`)
    assert.ok(ratios.filter((r) => r > 1.45).length >= 8, 'the cap is what limits growth')
  })

  test('the Reno-friendly region: on a short RTT cwnd grows like W_est (§4.3)', () => {
    const rtt = 10
    const c = conn(rtt)
    loss(c, 20, 0)
    const trace = run(c, rtt, 0, 300)
    const k = cubicK(20 * MSS, 14 * MSS, MSS)
    for (let i = 1; i < trace.length; i++) {
      const [t, w] = trace[i]!
      const step = w - trace[i - 1]![1]
      assert.ok(w > cubicWindow(t / 1000, k, 20 * MSS, MSS) / MSS + 0.5, 'W_est is ahead of W_cubic')
      // alpha_cubic segments per RTT below cwnd_prior (20 segments), then one, as Reno.
      if (w < 19.5) assert.ok(Math.abs(step - CUBIC_ALPHA) < 0.05, `step ${step} at ${w}`)
      if (w > 21) assert.ok(Math.abs(step - 1) < 0.1, `step ${step} at ${w}`)
    }
    assert.ok(trace.at(-1)![1] > 30)
  })
})

describe('cubic: congestion signals', () => {
  test('fast convergence: a loss below the previous W_max lowers W_max to cwnd * (1 + beta) / 2', () => {
    const c = conn(100)
    loss(c, 100, 0)
    assert.equal(state(c).wMax, 100 * MSS)
    loss(c, 80, 1000)
    assert.ok(Math.abs(state(c).wMax - (80 * MSS * (1 + CUBIC_BETA)) / 2) < 1e-6)
    assert.equal(c.ssthresh, 56 * MSS)
  })

  test('ECN: cwnd and ssthresh to beta * cwnd at once, congestion recovery entered', () => {
    const c = conn(100)
    c.cwnd = 50 * MSS
    ccCongSignal(cubic, c, CC_ECN, 0, 0, 0)
    assert.deepEqual([c.cwnd, c.ssthresh], [35 * MSS, 35 * MSS])
    assert.ok(inCongRecovery(c))
  })

  test('RTO: ssthresh = beta * min(snd_wnd, pipe), cwnd one segment; a spurious RTO is undone', () => {
    const c = conn(100)
    loss(c, 100, 0)
    run(c, 100, 0, 1000)
    const before = { ...state(c) }
    c.rxtshift = 1
    ccCongSignal(cubic, c, CC_RTO, 0, 60 * MSS, 2000)
    // cc_cubic.c's fixed point: 60 segments * 179 / 256 = 41.95, so 41 (0.7 exactly would give 42).
    assert.deepEqual([c.ssthresh, c.cwnd], [41 * MSS, MSS])
    ccCongSignal(cubic, c, CC_RTO_ERR, 0, 0, 2000)
    assert.equal(state(c).wMax, before.wMax)
    assert.equal(state(c).k, before.k)
    assert.equal(state(c).tEpoch, before.tEpoch)
  })

  test('after an RTO, slow start to ssthresh, then the curve restarts there with K = 0', () => {
    const c = conn(100)
    loss(c, 100, 0)
    c.rxtshift = 1
    ccCongSignal(cubic, c, CC_RTO, 0, 60 * MSS, 1000)
    run(c, 100, 1000, 1000)
    assert.equal(state(c).k, 0)
    assert.ok(c.cwnd >= 41 * MSS)
  })

  test('slow start continues past ssthresh until 8 RTT samples give a min RTT (FreeBSD)', () => {
    const c = conn(100)
    c.rttupdated = 0
    c.ssthresh = 12 * MSS
    run(c, 100, 0, 300)
    assert.ok(c.cwnd >= 40 * MSS, `${c.cwnd / MSS}`)
  })

  test('after idle: restart window, W_max keeps the old cwnd', () => {
    const c = conn(100)
    c.cwnd = 200 * MSS
    c.ssthresh = 100 * MSS
    ccAfterIdle(cubic, c, 5000)
    assert.equal(c.cwnd, 10 * MSS)
    assert.equal(state(c).wMax, 200 * MSS)
    assert.equal(c.ssthresh, 150 * MSS)
  })

  test('ACKs outside recovery never shrink cwnd; any run stays within [mss, max]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ loss: fc.boolean(), w: fc.integer({ min: 2, max: 3000 }), gap: fc.nat(3000) }), {
          maxLength: 20,
        }),
        fc.integer({ min: 1, max: 300 }),
        (evs, rtt) => {
          const c = conn(rtt)
          let now = 0
          for (const e of evs) {
            now += e.gap
            if (e.loss) loss(c, Math.max(2, Math.min(e.w, c.cwnd / MSS)), now)
            const before = c.cwnd
            for (let i = 0; i < 20; i++) ccAckReceived(cubic, c, CC_ACK, 0, MSS, now + i)
            assert.ok(c.cwnd >= before && c.cwnd >= MSS && c.cwnd <= 65535 * 2 ** 14)
            assert.ok(c.ssthresh >= 2 * MSS)
          }
        },
      ),
    )
  })
})

describe('cubic: registration', () => {
  test('FreeBSD 14 default: a new vnet uses cubic; both modules are listed', () => {
    const v = new CcVnet()
    assert.equal(v.algorithm, cubic)
    const text = ccAvailableText(v.algorithm, () => 0)
    assert.equal(text, '\nCCmod           D PCB count\nnewreno           0\ncubic           * 0\n')
    assert.equal(CUBIC_C, 0.4)
  })
})
