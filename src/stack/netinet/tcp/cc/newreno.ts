/**
 * The NewReno congestion-control module (FreeBSD's cc_newreno(4), sys/netinet/cc/cc_newreno.c):
 * RFC 5681 slow start and congestion avoidance with RFC 3465 byte counting (abc_l_var), RFC 6928
 * initial window (set by ccConnInit), RFC 6582 fast recovery exit, ssthresh = beta * cwnd on loss
 * (net.inet.tcp.cc.newreno.beta, 50) and beta_ecn with ABE. What every module shares lives in cc.ts,
 * where FreeBSD keeps it (cc.c's newreno_cc_*); the congestion signal is this module's own, as in
 * cc_newreno.c: the betas are the connection's (struct newreno, copied from the sysctls when the
 * connection is made), and on the first RTO ssthresh is min(snd_wnd, pipe) * beta, not the halving
 * of cc.c's newreno_cc_cong_signal. HyStart++ (used only by the RACK stack) is not here.
 * A read-only table entry; per-connection state lives in CcVar.ccData.
 */

import {
  CC_ECN,
  CC_NDUPACK,
  CC_RTO,
  type CcAlgo,
  type CcSignal,
  type CcVar,
  cwndOnDecrease,
  inCongRecovery,
  inFastRecovery,
  newrenoAckReceived,
  newrenoAfterIdle,
  newrenoPostRecovery,
  TF_CONGRECOVERY,
  TF_FASTRECOVERY,
} from './cc.js'

/** struct newreno: the betas this connection was made with (cb_init copies V_newreno_beta{,_ecn}). */
export class NewrenoData {
  constructor(
    readonly beta: number,
    readonly betaEcn: number,
  ) {}
}

/**
 * newreno_cong_signal(): ssthresh = beta * cwnd on entering fast recovery (RFC 5681 eq. 4,
 * RFC 6582) or ECN recovery (RFC 3168; beta_ecn with ABE); on the first RTO of a series
 * ssthresh = max(min(snd_wnd, pipe) * beta, 2 segments), and cwnd = one segment. `ccv.maxseg` is
 * tcp_fixed_maxseg() here. Without cc_data (never, once attached) the sysctls stand in, as there.
 */
export function newrenoModuleCongSignal(ccv: CcVar, type: CcSignal): void {
  const t = ccv.t
  const d = ccv.ccData as NewrenoData | null
  const beta = d === null ? t.newrenoBeta : d.beta
  const betaEcn = d === null ? t.newrenoBetaEcn : d.betaEcn
  const factor = type === CC_ECN && t.abe ? betaEcn : beta
  const mss = ccv.maxseg
  const cwin = cwndOnDecrease(ccv.cwnd, mss, factor)
  switch (type) {
    case CC_NDUPACK:
      if (!inFastRecovery(ccv)) {
        if (inCongRecovery(ccv) && t.abe && t.abeFrlossreduce)
          ccv.ssthresh = Math.trunc((ccv.ssthresh * beta) / betaEcn)
        if (!inCongRecovery(ccv)) ccv.ssthresh = cwin
        ccv.tFlags |= TF_FASTRECOVERY | TF_CONGRECOVERY
      }
      break
    case CC_ECN:
      if (!inCongRecovery(ccv)) {
        ccv.ssthresh = cwin
        ccv.cwnd = cwin
        ccv.tFlags |= TF_CONGRECOVERY
      }
      break
    case CC_RTO:
      // Integer arithmetic as the C: (u64)min(snd_wnd, pipe) * factor / (100 * mss), at least 2.
      if (ccv.rxtshift === 1)
        ccv.ssthresh = Math.max(2, Math.trunc((Math.min(ccv.sndWnd, ccv.pipe) * factor) / (100 * mss))) * mss
      ccv.cwnd = mss
      break
  }
}

export const newreno: CcAlgo = Object.freeze({
  name: 'newreno',
  cbInit(ccv: CcVar): void {
    ccv.ccData = new NewrenoData(ccv.t.newrenoBeta, ccv.t.newrenoBetaEcn)
  },
  ackReceived: newrenoAckReceived,
  congSignal: newrenoModuleCongSignal,
  postRecovery: newrenoPostRecovery,
  afterIdle: newrenoAfterIdle,
})
