/**
 * The congestion-control call sites of tcp_input and tcp_timer (FreeBSD's cc_conn_init,
 * cc_ack_received, cc_cong_signal, cc_post_recovery wrappers): they bring the connection's cc_var
 * up to date (maxseg, windows, sequence numbers, RTT) and call the module chosen by
 * net.inet.tcp.cc.algorithm (cc/: NewReno, CUBIC). The engine calls only these.
 *
 * No allocation, never throws.
 */

import { ecnReactionDue, ecnWindowReduced } from '../ecn/tcp_ecn.js'
import { tcpFixedMaxseg } from '../tcp_subr.js'
import type { Tcpcb } from '../tcp_var.js'
import { ticksFromNs } from '../timer/tcp_rtt.js'
import {
  CC_ACK,
  CC_ECN,
  CC_NDUPACK,
  CC_RTO,
  ccAckReceived as ccAck,
  ccCongSignal,
  ccAfterIdle as ccIdle,
  ccConnInit as ccInit,
  ccPostRecovery as ccPost,
  exitRecovery,
  inCongRecovery,
  inFastRecovery,
  TF_CONGRECOVERY,
} from './cc.js'

/** The module's view of the connection; its segment is tcp_fixed_maxseg(), as FreeBSD's cc counts. */
function sync(tp: Tcpcb): number {
  const ccv = tp.ccv
  ccv.maxseg = tcpFixedMaxseg(tp)
  ccv.sndWnd = tp.snd_wnd
  ccv.sndScale = tp.snd_scale
  ccv.sndNxt = tp.snd_nxt | 0
  ccv.sndMax = tp.snd_max | 0
  ccv.rxtshift = tp.rtt.rxtshift
  ccv.srtt = tp.rtt.srtt
  ccv.rttupdated = tp.rtt.rttupdated
  return ticksFromNs(tp.inp.vnet.env.clock.runNow())
}

/** cc_conn_init: the handshake completed (one segment if the SYN had to be retransmitted). */
export function ccConnInit(tp: Tcpcb): void {
  ccInit(tp.cc, tp.ccv, sync(tp))
}

/** cc_ack_received for `acked` new bytes up to `ack` outside recovery. */
export function ccAckReceived(tp: Tcpcb, acked: number, ack: number): void {
  ccAck(tp.cc, tp.ccv, CC_ACK, ack, acked, sync(tp))
}

/** Bytes in flight (tcp_compute_pipe without SACK). */
function pipe(tp: Tcpcb): number {
  return (tp.snd_max - tp.snd_una) | 0
}

/** cc_cong_signal(CC_NDUPACK): three duplicate ACKs start fast recovery. */
export function ccEnterRecovery(tp: Tcpcb, ack: number): void {
  ecnWindowReduced(tp)
  ccCongSignal(tp.cc, tp.ccv, CC_NDUPACK, ack, pipe(tp), sync(tp))
}

/** cc_post_recovery: the ACK `ack` ends fast recovery. */
export function ccPostRecovery(tp: Tcpcb, ack: number): void {
  const flight = (tp.snd_max - ack) | 0
  ccPost(tp.cc, tp.ccv, ack, flight, sync(tp))
  exitRecovery(tp.ccv)
}

/**
 * cc_cong_signal(CC_RTO): a retransmission timeout (the first one saves cwnd for undo). The module
 * sets cwnd and ssthresh; the wrapper itself leaves cwnd alone, as tcp_input.c's does.
 */
export function ccRto(tp: Tcpcb): void {
  const now = sync(tp)
  if (tp.rtt.rxtshift === 1) {
    tp.ccv.cwndPrev = tp.ccv.cwnd
    tp.ccv.ssthreshPrev = tp.ccv.ssthresh
  }
  ccCongSignal(tp.cc, tp.ccv, CC_RTO, tp.snd_una, pipe(tp), now)
  ecnWindowReduced(tp)
}

/** cc_cong_signal(CC_ECN): the peer echoed ECE on the ACK `ack` (RFC 3168 §6.1.2). */
export function ccEcn(tp: Tcpcb, ack: number): void {
  if (!ecnReactionDue(tp, ack, inCongRecovery(tp.ccv))) return
  tp.ccv.tFlags &= ~TF_CONGRECOVERY
  ccCongSignal(tp.cc, tp.ccv, CC_ECN, ack, pipe(tp), sync(tp))
  // A new PRR episode for the reduction (RFC 6937: RecoverFS is what is in flight now).
  tp.cprrDelivered = 0
  tp.cprrOut = 0
  tp.cprrRecoverFs = Math.max(1, (tp.snd_nxt - tp.snd_una) | 0)
}

/**
 * cc_after_idle, as tcp_output decides it: with nothing in flight, when no segment has arrived for
 * an RTO (t_rcvtime) or no new data has left for one (t_sndtime, FreeBSD 14), the old cwnd no longer
 * describes the path and the module restarts it (NewReno, CUBIC: min(cwnd, IW), RFC 5681 §4.1).
 * `nowNs` is the host clock now.
 */
export function ccCheckIdle(tp: Tcpcb, nowNs: number): void {
  const now = ticksFromNs(nowNs)
  const rto = tp.rtt.rxtcur
  if (now - ticksFromNs(tp.rcvtime) < rto && (tp.sndtime < 0 || now - tp.sndtime < rto)) return
  ccIdle(tp.cc, tp.ccv, sync(tp))
}

/** In ECN congestion recovery only (IN_CONGRECOVERY without fast recovery). */
export function inRecoveryCongOnly(tp: Tcpcb): boolean {
  return inCongRecovery(tp.ccv) && !inFastRecovery(tp.ccv)
}

export function inRecoveryFast(tp: Tcpcb): boolean {
  return inFastRecovery(tp.ccv)
}
