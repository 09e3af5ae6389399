/**
 * The CUBIC congestion-control module (RFC 9438), in the shape of FreeBSD 14's cc_cubic(4)
 * (sys/netinet/cc/cc_cubic.c): the same hooks, flags and life cycle (slow start with ABC until
 * ssthresh and until an RTT is known, an epoch per congestion-avoidance stage, fast convergence,
 * RTO with undo on a spurious timeout, the mean RTT of the last epoch as the curve's RTT), with the
 * window arithmetic taken from RFC 9438 itself:
 *
 *   W_cubic(t) = C * (t - K)^3 + W_max           (§4.2, C = 0.4, segments, t in seconds)
 *   K = cbrt((W_max - cwnd_epoch) / C)           (§4.2)
 *   target = clamp(W_cubic(t + RTT), cwnd, 1.5 * cwnd), cwnd += (target - cwnd) / cwnd per
 *   segment ACKed (§4.4); the Reno-friendly W_est += alpha * segments_acked / cwnd with
 *   alpha = 3 (1 - beta) / (1 + beta) until W_est reaches cwnd_prior, then 1 (§4.3)
 *   on congestion: ssthresh = cwnd * beta (0.7), W_max = cwnd or, below the previous W_max,
 *   cwnd * (1 + beta) / 2 (fast convergence, §4.7)
 *
 * Where FreeBSD's code departs from the RFC the RFC is followed: its cubic_ssthresh_update (the
 * same in FreeBSD 14 and in the 2024 tree with W_max/W_est/cwnd_prior) first scales cwnd by
 * CUBIC_FC_FACTOR 217/256 when below W_max and uses that for W_max and ssthresh alike, then on the
 * first congestion event sets ssthresh = cwnd / 2 and W_max = cwnd * 179/256, on later ones
 * ssthresh = cwnd * 179/256 (at least 2 segments). Floating point is used
 * for the curve; results are rounded down to whole bytes. HyStart++ is not implemented (FreeBSD's
 * base stack does not enable it). A read-only table entry; per-connection state lives in
 * CcVar.ccData.
 */

import {
  CC_ACK,
  CC_ECN,
  CC_NDUPACK,
  CC_RTO,
  CC_RTO_ERR,
  CCF_ABC_SENTAWND,
  CCF_CWND_LIMITED,
  type CcAckType,
  type CcAlgo,
  type CcSignal,
  type CcVar,
  inCongRecovery,
  inFastRecovery,
  inRecovery,
  maxCwnd,
  newrenoAfterIdle,
  newrenoCwndInSlowStart,
  TF_CONGRECOVERY,
  TF_FASTRECOVERY,
} from './cc.js'

/** RFC 9438 constants. */
export const CUBIC_C = 0.4
export const CUBIC_BETA = 0.7
/**
 * cc_cubic.h's fixed point: CUBIC_BETA is 179 (~0.7 << CUBIC_SHIFT, CUBIC_SHIFT = 8). FreeBSD
 * scales by it where it must match to the byte (the RTO's ssthresh).
 */
export const CUBIC_BETA_FP = 179
export const CUBIC_FP_ONE = 256
/** alpha_cubic (§4.3): Reno-friendly growth per RTT while below cwnd_prior. */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA)
/** CUBIC_MIN_RTT_SAMPLES: srtt is ignored until this many samples were taken. */
export const CUBIC_MIN_RTT_SAMPLES = 8

/** CUBICFLAG_* (cc_cubic.h). */
export const CUBICFLAG_CONG_EVENT = 0x0001
export const CUBICFLAG_IN_SLOWSTART = 0x0002
export const CUBICFLAG_IN_APPLIMIT = 0x0004
export const CUBICFLAG_RTO_EVENT = 0x0008

const HZ = 1000

/** struct cubic: one connection's CUBIC state. Windows in bytes, times in ticks, RTTs in µs. */
export class CubicData {
  flags = 0
  /** Start of the current congestion-avoidance epoch (ticks). */
  tEpoch = 0
  /** W_max: the window before the last reduction (adjusted by fast convergence). */
  wMax = 0
  /** K in seconds. */
  k = 0
  /** cwnd at the start of the epoch, the Reno-friendly estimate, cwnd before the last reduction. */
  cwndEpoch = 0
  wEst = 0
  cwndPrior = 0
  /** min_rtt_usecs (0 = none yet), mean_rtt_usecs, and the running sum over the epoch. */
  minRttUs = 0
  meanRttUs = 1
  sumRttUs = 0
  epochAckCount = 0
  numCongEvents = 0
  /** State saved on the first RTO, restored by CC_RTO_ERR. */
  undoTEpoch = 0
  undoWMax = 0
  undoK = 0
  undoCwndEpoch = 0
  undoWEst = 0
  undoCwndPrior = 0
}

const data = (ccv: CcVar): CubicData => ccv.ccData as CubicData

/** K (seconds) for a window falling from wMax to cwndEpoch bytes (§4.2). */
export function cubicK(wMax: number, cwndEpoch: number, mss: number): number {
  return Math.cbrt((wMax - cwndEpoch) / mss / CUBIC_C)
}

/** W_cubic(t) in bytes, t in seconds (§4.2). */
export function cubicWindow(t: number, k: number, wMax: number, mss: number): number {
  const d = t - k
  return (CUBIC_C * d * d * d + wMax / mss) * mss
}

function startEpoch(c: CubicData, ccv: CcVar): void {
  c.tEpoch = ccv.ticks
  c.cwndEpoch = ccv.cwnd
  c.wEst = ccv.cwnd
  c.k = cubicK(c.wMax, c.cwndEpoch, ccv.maxseg)
}

/** cubic_record_rtt(): track min and mean srtt once enough samples exist. */
function recordRtt(ccv: CcVar, c: CubicData): void {
  if (ccv.rttupdated < CUBIC_MIN_RTT_SAMPLES) return
  const srttUs = Math.trunc((ccv.srtt * (1e6 / HZ)) / 32)
  if (srttUs < c.minRttUs || c.minRttUs === 0) {
    c.minRttUs = Math.max(Math.trunc(1e6 / HZ / 32), srttUs)
    if (c.minRttUs > c.meanRttUs) c.meanRttUs = c.minRttUs
  }
  c.sumRttUs += srttUs
  c.epochAckCount++
}

function ackReceived(ccv: CcVar, type: CcAckType): void {
  const c = data(ccv)
  recordRtt(ccv, c)
  if (type !== CC_ACK || inRecovery(ccv)) return
  if (!(ccv.flags & CCF_CWND_LIMITED)) {
    c.flags |= CUBICFLAG_IN_APPLIMIT
    return
  }
  if (ccv.cwnd <= ccv.ssthresh || c.minRttUs === 0) {
    c.flags |= CUBICFLAG_IN_SLOWSTART
    ccv.cwnd = newrenoCwndInSlowStart(ccv)
    return
  }
  const mss = ccv.maxseg
  if (c.flags & CUBICFLAG_RTO_EVENT && c.flags & CUBICFLAG_IN_SLOWSTART) {
    // After an RTO's slow start, the curve restarts from here (§4.8).
    c.flags &= ~(CUBICFLAG_RTO_EVENT | CUBICFLAG_IN_SLOWSTART)
    c.wMax = ccv.cwnd
    startEpoch(c, ccv)
  } else if (c.flags & (CUBICFLAG_IN_SLOWSTART | CUBICFLAG_IN_APPLIMIT)) {
    c.flags &= ~(CUBICFLAG_IN_SLOWSTART | CUBICFLAG_IN_APPLIMIT)
    startEpoch(c, ccv)
  }
  ccv.flags &= ~CCF_ABC_SENTAWND
  const t = (ccv.ticks - c.tEpoch) / HZ
  const rtt = c.meanRttUs / 1e6
  const cwnd = ccv.cwnd
  const acked = ccv.bytesThisAck
  // Reno-friendly estimate (§4.3).
  const alpha = c.wEst >= c.cwndPrior ? 1 : CUBIC_ALPHA
  c.wEst += (alpha * acked * mss) / cwnd
  const wCubic = cubicWindow(t, c.k, c.wMax, mss)
  let next = cwnd
  if (wCubic < c.wEst) {
    if (cwnd < c.wEst) next = Math.floor(c.wEst)
  } else {
    // Concave and convex regions (§4.4, §4.5).
    let target = cubicWindow(t + rtt, c.k, c.wMax, mss)
    if (target < cwnd) target = cwnd
    else if (target > 1.5 * cwnd) target = 1.5 * cwnd
    next = Math.floor(cwnd + ((target - cwnd) * acked) / cwnd)
  }
  const cap = maxCwnd(ccv)
  ccv.cwnd = next > cap ? cap : next
  // Before the first congestion event (e.g. starting from a host-cache ssthresh), keep probing.
  if (!(c.flags & CUBICFLAG_CONG_EVENT) && c.wMax < ccv.cwnd) {
    c.wMax = ccv.cwnd
    c.k = cubicK(c.wMax, c.cwndEpoch, mss)
  }
}

/** Multiplicative decrease and fast convergence (§4.6, §4.7). */
function ssthreshUpdate(ccv: CcVar, c: CubicData): void {
  const cwnd = ccv.cwnd
  c.undoWMax = c.wMax
  c.cwndPrior = cwnd
  c.wMax = cwnd < c.wMax ? (cwnd * (1 + CUBIC_BETA)) / 2 : cwnd
  ccv.ssthresh = Math.max(Math.floor(cwnd * CUBIC_BETA), 2 * ccv.maxseg)
  c.flags |= CUBICFLAG_CONG_EVENT
  c.numCongEvents++
}

function congSignal(ccv: CcVar, type: CcSignal): void {
  const c = data(ccv)
  const mss = ccv.maxseg
  switch (type) {
    case CC_NDUPACK:
      if (!inFastRecovery(ccv)) {
        if (!inCongRecovery(ccv)) ssthreshUpdate(ccv, c)
        ccv.tFlags |= TF_FASTRECOVERY | TF_CONGRECOVERY
      }
      break
    case CC_ECN:
      if (!inCongRecovery(ccv)) {
        ssthreshUpdate(ccv, c)
        ccv.cwnd = ccv.ssthresh
        startEpoch(c, ccv)
        ccv.tFlags |= TF_CONGRECOVERY
      }
      break
    case CC_RTO:
      // As cc_cubic.c, to the byte: the first RTO of a series saves the curve for an undo and sets
      // ssthresh from what was in flight with beta in fixed point (CUBIC_BETA 179 >> CUBIC_SHIFT 8,
      // 0.699), in whole segments of tcp_fixed_maxseg (ccv.maxseg here); every RTO counts as a
      // congestion event and leaves one segment of cwnd.
      if (ccv.rxtshift === 1) {
        c.undoTEpoch = c.tEpoch
        c.undoCwndEpoch = c.cwndEpoch
        c.undoWEst = c.wEst
        c.undoCwndPrior = c.cwndPrior
        c.undoWMax = c.wMax
        c.undoK = c.k
        const flight = Math.min(ccv.sndWnd, ccv.pipe)
        ccv.ssthresh =
          Math.max(2, Math.trunc(Math.floor((flight * CUBIC_BETA_FP) / CUBIC_FP_ONE) / mss)) * mss
      }
      c.flags |= CUBICFLAG_CONG_EVENT | CUBICFLAG_RTO_EVENT
      c.undoWMax = c.wMax
      c.numCongEvents++
      ccv.cwnd = mss
      break
    case CC_RTO_ERR:
      c.flags &= ~(CUBICFLAG_CONG_EVENT | CUBICFLAG_RTO_EVENT)
      c.numCongEvents--
      c.k = c.undoK
      c.cwndPrior = c.undoCwndPrior
      c.wMax = c.undoWMax
      c.wEst = c.undoWEst
      c.cwndEpoch = c.undoCwndEpoch
      c.tEpoch = c.undoTEpoch
      break
  }
}

/**
 * Leaving recovery: cwnd = ssthresh (or pipe + 1 segment when less is in flight, RFC 6582), a new
 * epoch starts, and the epoch's mean RTT becomes the curve's RTT.
 */
function postRecovery(ccv: CcVar): void {
  const c = data(ccv)
  if (inFastRecovery(ccv)) {
    const mss = ccv.maxseg
    ccv.cwnd = ccv.pipe < ccv.ssthresh ? Math.max(ccv.pipe, mss) + mss : ccv.ssthresh
  }
  if (inRecovery(ccv)) startEpoch(c, ccv)
  if (c.epochAckCount > 0 && c.sumRttUs >= c.epochAckCount)
    c.meanRttUs = Math.trunc(c.sumRttUs / c.epochAckCount)
  c.epochAckCount = 0
  c.sumRttUs = 0
}

/** After idle: remember the window as W_max, restart like NewReno, and restart the epoch. */
function afterIdle(ccv: CcVar): void {
  const c = data(ccv)
  c.wMax = Math.max(c.wMax, ccv.cwnd)
  newrenoAfterIdle(ccv)
  startEpoch(c, ccv)
}

export const cubic: CcAlgo = Object.freeze({
  name: 'cubic',
  cbInit(ccv: CcVar): void {
    const c = new CubicData()
    c.tEpoch = ccv.ticks
    ccv.ccData = c
  },
  connInit(ccv: CcVar): void {
    data(ccv).wMax = ccv.cwnd
  },
  ackReceived,
  congSignal,
  postRecovery,
  afterIdle,
})
