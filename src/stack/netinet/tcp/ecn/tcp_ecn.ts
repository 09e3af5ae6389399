/**
 * RFC 3168 Explicit Congestion Notification for TCP, as FreeBSD 14's tcp_ecn.c does it for
 * net.inet.tcp.ecn.enable 1 (request and accept) and 2 (accept only, the default): the ECN-setup
 * SYN (ECE|CWR, given up after net.inet.tcp.ecn.maxretries retransmissions), the ECN-setup SYN-ACK
 * (ECE) for a peer's ECN-setup SYN, TF2_ECN_PERMIT once negotiated, then ECT(0) on new data, ECE
 * echoed after a CE mark until the peer's CWR, and CWR after our own window reduction.
 * Accurate ECN (enable 3 and 4) is not implemented: those values behave like 0 here.
 *
 * Only flag arithmetic on the tcpcb: never allocates, never throws.
 */

import { seqGeq } from '../../../../wire/inet/seq.js'
import { TH } from '../../../../wire/inet/tcp.js'
import { type Tcpcb, type TcpVnet, TF, TF2 } from '../tcp_var.js'

/** IPTOS_ECN_* (the low two bits of the TOS byte). */
export const IPTOS_ECN = { NOTECT: 0, ECT1: 1, ECT0: 2, CE: 3, MASK: 3 } as const

/** RFC 3168 is on for this vnet: it answers ECN-setup segments (1 also asks). */
function rfc3168(tv: TcpVnet): boolean {
  return tv.ecnEnable === 1 || tv.ecnEnable === 2
}

/** tcp_ecn_output_syn_sent: ECE|CWR on our SYN, and on its first maxretries retransmissions. */
export function ecnOutputSynSent(tp: Tcpcb): number {
  const tv = tp.tv
  if (tv.ecnEnable !== 1) return 0
  return tp.rtt.rxtshift <= tv.ecnMaxretries ? TH.ECE | TH.CWR : 0
}

/** tcp_ecn_input_syn_sent: a SYN-ACK with ECE alone accepts ECN. */
export function ecnInputSynSent(tp: Tcpcb, thflags: number): void {
  if (!rfc3168(tp.tv)) return
  if ((thflags & (TH.ECE | TH.CWR)) === TH.ECE) {
    tp.flags2 |= TF2.ECN_PERMIT
    tp.tv.stats.tcps_ecn_shs++
  }
}

/**
 * tcp_ecn_input_parallel_syn: a crossing SYN (simultaneous open) with ECE|CWR is an ECN-setup SYN,
 * whatever ours was; our SYN-ACK answers it with ECE.
 */
export function ecnInputParallelSyn(tp: Tcpcb, thflags: number): void {
  if ((thflags & TH.ACK) !== 0 || !rfc3168(tp.tv)) return
  if ((thflags & (TH.ECE | TH.CWR)) === (TH.ECE | TH.CWR)) {
    tp.flags2 |= TF2.ECN_PERMIT | TF2.ECN_SND_ECE
    tp.tv.stats.tcps_ecn_shs++
  }
}

/**
 * tcp_ecn_syncache_add for a syncache entry: counts the SYN's codepoint; true (SCF_ECN) for an
 * ECN-setup SYN that this vnet answers.
 */
export function ecnSyncacheFlags(tv: TcpVnet, thflags: number, tos: number): boolean {
  countCodepoint(tv, tos)
  return rfc3168(tv) && (thflags & (TH.ECE | TH.CWR)) === (TH.ECE | TH.CWR)
}

/** tcp_ecn_syncache_socket: the connection made from an ECN syncache entry is ECN-capable. */
export function ecnSyncacheSocket(tp: Tcpcb, ecn: boolean): void {
  if (!ecn) return
  tp.flags2 |= TF2.ECN_PERMIT
  tp.tv.stats.tcps_ecn_shs++
}

function countCodepoint(tv: TcpVnet, tos: number): void {
  const ecn = tos & IPTOS_ECN.MASK
  if (ecn === IPTOS_ECN.CE) tv.stats.tcps_ecn_ce++
  else if (ecn === IPTOS_ECN.ECT0) tv.stats.tcps_ecn_ect0++
  else if (ecn === IPTOS_ECN.ECT1) tv.stats.tcps_ecn_ect1++
}

/**
 * tcp_ecn_input_segment (RFC 3168 part): a CE mark makes us echo ECE, the peer's CWR stops the
 * echo (and is acknowledged at once). True when the peer's ECE reports congestion, which the
 * caller signals to congestion control (CC_ECN).
 */
export function ecnInputSegment(tp: Tcpcb, thflags: number, tos: number): boolean {
  countCodepoint(tp.tv, tos)
  if ((tp.flags2 & TF2.ECN_PERMIT) === 0) return false
  const congested = (thflags & (TH.SYN | TH.ECE)) === TH.ECE
  if ((thflags & TH.CWR) !== 0) {
    tp.flags2 &= ~TF2.ECN_SND_ECE
    tp.flags |= TF.ACKNOW
  }
  if ((tos & IPTOS_ECN.MASK) === IPTOS_ECN.CE) tp.flags2 |= TF2.ECN_SND_ECE
  return congested
}

/**
 * tcp_ecn_output_established: the ECN flags of a segment on an ECN connection (flags returned) —
 * ECE while echoing, CWR on the first new data after a window reduction. ecnOutputCodepoint gives
 * its IP codepoint.
 */
export function ecnOutputFlags(tp: Tcpcb, flags: number, newdata: boolean): number {
  if (newdata && (tp.flags2 & TF2.ECN_SND_CWR) !== 0) {
    flags |= TH.CWR
    tp.flags2 &= ~TF2.ECN_SND_CWR
  }
  if ((tp.flags2 & TF2.ECN_SND_ECE) !== 0) flags |= TH.ECE
  return flags
}

/**
 * New data (not a retransmission, not a one-byte window probe) goes out ECT(0); control segments
 * and retransmissions are Not-ECT (RFC 3168 §6.1.5).
 */
export function ecnNewData(tp: Tcpcb, len: number, rxmit: boolean): boolean {
  return (
    len > 0 && seqGeq(tp.snd_nxt, tp.snd_max) && !rxmit && !((tp.flags & TF.FORCEDATA) !== 0 && len === 1)
  )
}

/**
 * cc_cong_signal's tcpcb side of a window reduction (CC_NDUPACK, CC_RTO): on an ECN connection
 * the next new data carries CWR (RFC 3168 §6.1.2).
 */
export function ecnWindowReduced(tp: Tcpcb): void {
  if ((tp.flags2 & TF2.ECN_PERMIT) !== 0) tp.flags2 |= TF2.ECN_SND_CWR
}

/**
 * cc_cong_signal's tcpcb side of CC_ECN for the ACK `ack`: a new reaction is due outside
 * congestion recovery, or once the ACK covers the window that was reduced last (snd_recover).
 * True when it is; the caller then leaves congestion recovery and signals the algorithm.
 */
export function ecnReactionDue(tp: Tcpcb, ack: number, inCongRecovery: boolean): boolean {
  if (inCongRecovery && !seqGeq(ack, tp.snd_recover)) return false
  tp.tv.stats.tcps_ecn_rcwnd++
  tp.snd_recover = (tp.snd_max + 1) >>> 0
  ecnWindowReduced(tp)
  return true
}
