/** The mod_cc framework wrappers and NewReno (RFC 5681, 3465, 6582, 6928) as FreeBSD 14 runs them. */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  CC_ACK,
  CC_DUPACK,
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
  inFastRecovery,
  initialWindow,
  TF_FASTRECOVERY,
  TF_WASFRECOVERY,
} from './cc.js'
import { CC_ALGOS, CcVnet, ccAvailableText, ccFind } from './cc_list.js'
import { newreno } from './newreno.js'

const MSS = 1460

/** An established connection with a large peer window, after conn_init. */
function conn(mss = MSS): CcVar {
  const c = new CcVar(ccTunables(), mss)
  c.sndWnd = 1 << 30
  c.sndScale = 14
  ccConnInit(newreno, c, 0)
  return c
}

/** An ACK of n new bytes, everything sent so far being new data (snd_nxt == snd_max). */
const ack = (c: CcVar, n: number, type: typeof CC_ACK | typeof CC_DUPACK = CC_ACK) =>
  ccAckReceived(newreno, c, type, 0, n, 0)

describe('cc: initial window (tcp_compute_initwnd)', () => {
  test('RFC 6928: ten segments, capped at max(2 * mss, 14600)', () => {
    const t = ccTunables()
    assert.equal(initialWindow(1460, t), 14600)
    assert.equal(initialWindow(536, t), 5360)
    assert.equal(initialWindow(8960, t), 17920)
  })

  test('RFC 3390 and RFC 5681 when initcwnd_segments is 0', () => {
    const t = { ...ccTunables(), initcwndSegments: 0 }
    assert.equal(initialWindow(1460, t), 4380)
    assert.equal(initialWindow(536, t), 2144)
    t.doRfc3390 = false
    assert.deepEqual(
      [3000, 1460, 536].map((m) => initialWindow(m, t)),
      [6000, 4380, 2144],
    )
  })

  test('conn_init uses it, or one segment after a SYN retransmission', () => {
    assert.equal(conn().cwnd, 14600)
    const c = new CcVar(ccTunables(), MSS)
    c.cwnd = 1
    ccConnInit(newreno, c, 0)
    assert.equal(c.cwnd, MSS)
  })
})

describe('newreno: growth', () => {
  test('slow start with ABC: the bytes ACKed, at most abc_l_var (2) segments per ACK', () => {
    const c = conn()
    ack(c, MSS)
    assert.equal(c.cwnd, 11 * MSS)
    ack(c, 2 * MSS)
    assert.equal(c.cwnd, 13 * MSS)
    ack(c, 5 * MSS)
    assert.equal(c.cwnd, 15 * MSS, 'a stretch ACK counts for 2 segments only')
    c.sndNxt = 100
    c.sndMax = 200
    ack(c, 5 * MSS)
    assert.equal(c.cwnd, 16 * MSS, 'one segment per ACK while retransmitting after an RTO')
  })

  test('congestion avoidance with ABC: one segment per cwnd of bytes ACKed', () => {
    const c = conn()
    c.ssthresh = 5 * MSS
    for (let i = 0; i < 9; i++) ack(c, MSS)
    assert.equal(c.cwnd, 10 * MSS)
    ack(c, MSS)
    assert.equal(c.cwnd, 11 * MSS)
    for (let i = 0; i < 10; i++) ack(c, MSS)
    assert.equal(c.cwnd, 11 * MSS)
    ack(c, MSS)
    assert.equal(c.cwnd, 12 * MSS)
  })

  test('without ABC (net.inet.tcp.rfc3465=0): mss^2 / cwnd per ACK', () => {
    const c = conn()
    c.t.doRfc3465 = false
    c.ssthresh = 5 * MSS
    ack(c, MSS)
    assert.equal(c.cwnd, 10 * MSS + 146)
    c.ssthresh = 1 << 30
    ack(c, 10 * MSS)
    assert.equal(c.cwnd, 11 * MSS + 146, 'slow start without ABC: one segment per ACK')
  })

  test('no growth when not cwnd-limited, in recovery, or on duplicate ACKs', () => {
    const c = conn()
    c.sndWnd = 5 * MSS
    ack(c, MSS)
    assert.equal(c.cwnd, 10 * MSS)
    c.sndWnd = 1 << 30
    c.tFlags |= TF_FASTRECOVERY
    ack(c, MSS)
    assert.equal(c.cwnd, 10 * MSS)
    exitRecovery(c)
    ack(c, 0, CC_DUPACK)
    assert.equal(c.cwnd, 10 * MSS)
  })

  test('cwnd never exceeds TCP_MAXWIN << snd_scale', () => {
    const c = conn()
    c.sndScale = 0
    c.sndWnd = 65535
    for (let i = 0; i < 100; i++) ack(c, 2 * MSS)
    assert.equal(c.cwnd, 65535)
  })
})

describe('newreno: congestion signals', () => {
  test('three duplicate ACKs: ssthresh = cwnd / 2 in whole segments, recovery entered once', () => {
    const c = conn()
    c.cwnd = 21 * MSS
    ccCongSignal(newreno, c, CC_NDUPACK, 0, 0, 0)
    assert.equal(c.ssthresh, 10 * MSS)
    assert.ok(inFastRecovery(c) && inCongRecovery(c))
    c.cwnd = 40 * MSS
    ccCongSignal(newreno, c, CC_NDUPACK, 0, 0, 0)
    assert.equal(c.ssthresh, 10 * MSS, 'no second reduction in the same recovery')
    const small = conn()
    small.cwnd = 3 * MSS
    ccCongSignal(newreno, small, CC_NDUPACK, 0, 0, 0)
    assert.equal(small.ssthresh, 2 * MSS)
  })

  test('leaving recovery: cwnd = ssthresh, or pipe + 1 segment when less is in flight (RFC 6582)', () => {
    const c = conn()
    c.cwnd = 20 * MSS
    ccCongSignal(newreno, c, CC_NDUPACK, 0, 0, 0)
    ccPostRecovery(newreno, c, 0, 15 * MSS, 0)
    assert.equal(c.cwnd, 10 * MSS)
    const d = conn()
    d.cwnd = 20 * MSS
    ccCongSignal(newreno, d, CC_NDUPACK, 0, 0, 0)
    ccPostRecovery(newreno, d, 0, 3 * MSS, 0)
    assert.equal(d.cwnd, 4 * MSS)
    const e = conn()
    e.cwnd = 20 * MSS
    ccCongSignal(newreno, e, CC_NDUPACK, 0, 0, 0)
    ccPostRecovery(newreno, e, 0, 0, 0)
    assert.equal(e.cwnd, 2 * MSS, 'cwnd does not collapse below 2 segments')
  })

  test('ECN: cwnd and ssthresh to beta (50%), or beta_ecn (80%) with net.inet.tcp.cc.abe', () => {
    const c = conn()
    c.cwnd = 20 * MSS
    ccCongSignal(newreno, c, CC_ECN, 0, 0, 0)
    assert.deepEqual([c.cwnd, c.ssthresh], [10 * MSS, 10 * MSS])
    assert.ok(inCongRecovery(c) && !inFastRecovery(c))
    const a = conn()
    a.t.abe = true
    a.cwnd = 20 * MSS
    ccCongSignal(newreno, a, CC_ECN, 0, 0, 0)
    assert.equal(a.cwnd, 16 * MSS)
  })

  test('RTO: ssthresh from min(snd_wnd, pipe) / 2 on the first expiry only, cwnd one segment', () => {
    const c = conn()
    c.cwnd = 30 * MSS
    c.tFlags |= TF_FASTRECOVERY
    c.rxtshift = 1
    ccCongSignal(newreno, c, CC_RTO, 0, 24 * MSS, 0)
    assert.deepEqual([c.ssthresh, c.cwnd], [12 * MSS, MSS])
    assert.equal(inFastRecovery(c), false, 'the RTO ends recovery')
    c.rxtshift = 2
    ccCongSignal(newreno, c, CC_RTO, 0, MSS, 0)
    assert.equal(c.ssthresh, 12 * MSS)
    c.sndWnd = 3 * MSS
    c.rxtshift = 1
    ccCongSignal(newreno, c, CC_RTO, 0, 24 * MSS, 0)
    assert.equal(c.ssthresh, 2 * MSS)
  })

  test("RTO: beta applies (cc_newreno.c), the connection's beta from when it was made", () => {
    const t = ccTunables()
    t.newrenoBeta = 80
    const c = new CcVar(t, MSS)
    ccAttach(newreno, c)
    c.sndWnd = 1 << 30
    ccConnInit(newreno, c, 0)
    // A later sysctl write does not reach a connection already made (nreno->beta).
    t.newrenoBeta = 50
    c.rxtshift = 1
    ccCongSignal(newreno, c, CC_RTO, 0, 10 * MSS, 0)
    assert.deepEqual([c.ssthresh, c.cwnd], [8 * MSS, MSS])
    // 80% of 7 segments is 5.6: whole segments, rounded down.
    c.rxtshift = 1
    ccCongSignal(newreno, c, CC_RTO, 0, 7 * MSS, 0)
    assert.equal(c.ssthresh, 5 * MSS)
    // Fast recovery uses the same beta.
    const d = new CcVar(t, MSS)
    t.newrenoBeta = 70
    ccAttach(newreno, d)
    d.sndWnd = 1 << 30
    ccConnInit(newreno, d, 0)
    d.cwnd = 20 * MSS
    ccCongSignal(newreno, d, CC_NDUPACK, 0, 0, 0)
    assert.equal(d.ssthresh, 14 * MSS)
  })

  test('a spurious RTO (CC_RTO_ERR) restores cwnd, ssthresh and the recovery state', () => {
    const c = conn()
    c.cwndPrev = 30 * MSS
    c.ssthreshPrev = 20 * MSS
    c.tFlags |= TF_WASFRECOVERY
    c.rxtshift = 1
    ccCongSignal(newreno, c, CC_RTO, 0, 30 * MSS, 0)
    ccCongSignal(newreno, c, CC_RTO_ERR, 0, 30 * MSS, 0)
    assert.deepEqual([c.cwnd, c.ssthresh], [30 * MSS, 20 * MSS])
    assert.ok(inFastRecovery(c))
  })

  test('after idle: back to the initial window, ssthresh kept at least 3/4 of the old cwnd', () => {
    const c = conn()
    c.cwnd = 100 * MSS
    c.ssthresh = 20 * MSS
    ccAfterIdle(newreno, c, 0)
    assert.deepEqual([c.cwnd, c.ssthresh], [10 * MSS, 75 * MSS])
  })

  test('any event sequence keeps maxseg <= cwnd <= max window and ssthresh >= 2 segments', () => {
    const ev = fc.oneof(
      fc.record({ k: fc.constant('ack' as const), n: fc.integer({ min: 0, max: 20 * MSS }) }),
      fc.record({
        k: fc.constantFrom('dup', 'ecn', 'rto', 'post', 'idle', 'exit' as const),
        n: fc.nat(60 * MSS),
      }),
    )
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 200 }), fc.integer({ min: 88, max: 9000 }), (evs, mss) => {
        const c = conn(mss)
        for (const e of evs) {
          if (e.k === 'ack') ack(c, e.n)
          else if (e.k === 'dup') ccCongSignal(newreno, c, CC_NDUPACK, 0, e.n, 0)
          else if (e.k === 'ecn') ccCongSignal(newreno, c, CC_ECN, 0, e.n, 0)
          else if (e.k === 'rto') {
            c.rxtshift = 1 + (e.n % 3)
            ccCongSignal(newreno, c, CC_RTO, 0, e.n, 0)
          } else if (e.k === 'post') {
            ccPostRecovery(newreno, c, 0, e.n, 0)
            exitRecovery(c)
          } else if (e.k === 'idle') ccAfterIdle(newreno, c, 0)
          else exitRecovery(c)
          assert.ok(c.cwnd >= mss && c.cwnd <= 65535 * 2 ** 14, `cwnd ${c.cwnd}`)
          assert.ok(c.ssthresh >= 2 * mss, `ssthresh ${c.ssthresh}`)
        }
      }),
    )
  })
})

describe('cc: the module list and the per-vnet choice', () => {
  test('net.inet.tcp.cc.algorithm is per vnet and refuses unknown modules', () => {
    const a = new CcVnet()
    const b = new CcVnet()
    assert.equal(a.setAlgorithm('newreno'), true)
    assert.equal(a.setAlgorithm('bbr'), false)
    assert.equal(a.algorithm, newreno)
    assert.notEqual(a.tunables, b.tunables)
    assert.equal(ccFind('newreno'), newreno)
    assert.ok(Object.isFrozen(CC_ALGOS) && Object.isFrozen(newreno))
  })

  test('net.inet.tcp.cc.available prints FreeBSD’s table', () => {
    const lines = ccAvailableText(newreno, () => 3).split('\n')
    assert.equal(lines[0], '')
    assert.equal(lines[1], 'CCmod           D PCB count')
    assert.ok(lines.includes('newreno         * 3'))
  })
})
