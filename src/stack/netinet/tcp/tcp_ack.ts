/**
 * TCP input, the ACK (the process_ACK part of FreeBSD's tcp_do_segment, RFC 9293 §3.10.7.4 fifth
 * step): duplicate ACKs with NewReno (RFC 6582) or SACK (RFC 6675) fast retransmit and recovery,
 * the latter paced by Proportional Rate Reduction (RFC 6937, tcp_prr.ts) when net.inet.tcp.do_prr,
 * newly acknowledged data (RTT samples, timers, the congestion window, the send buffer), and the
 * closing states our acknowledged FIN completes.
 *
 * Called by tcp_segment.ts only; never throws, and never takes the segment's buffer.
 */

import { SS } from '../../../kern/socket.js'
import { soisdisconnected } from '../../../kern/socket_stream.js'
import { MS } from '../../../util/clock.js'
import { seqDiff, seqGeq, seqGt, seqLeq, seqLt } from '../../../wire/inet/seq.js'
import { type TcpOptions, TH, TOF } from '../../../wire/inet/tcp.js'
import {
  ccAckReceived,
  ccEnterRecovery,
  ccPostRecovery,
  inRecoveryCongOnly,
  inRecoveryFast,
} from './cc/tcp_cc_hooks.js'
import { prrAck, prrCong, prrEnter } from './sack/tcp_prr.js'
import { SACK_NEWLOSS, SACK_NOCHANGE, SackScoreboard } from './sack/tcp_sack.js'
import { tcpOutput } from './tcp_output.js'
import { tcpClose, tcpMaxseg, tcpStateChange, tcpTsTicks } from './tcp_subr.js'
import { twStart } from './tcp_timewait.js'
import { TCPS, type Tcpcb, type TcpSeg, TF, TT } from './tcp_var.js'
import { ticksFromNs } from './timer/tcp_rtt.js'
import { tcpTimerActivate, tcpTimerActive } from './timer/tcp_timer.js'

/**
 * The ACK: duplicate ACKs and fast retransmit, new data acknowledged (RTT, timers, congestion
 * window, the send buffer), and the closing states it completes. False when the segment is done.
 */
export function ackProcessing(
  tp: Tcpcb,
  seg: TcpSeg,
  to: TcpOptions,
  tiwin: number,
  tlen: number,
  thflags: number,
  now: number,
): boolean {
  const tv = tp.tv
  const st = tv.stats
  const ack = seg.ack
  // The SACK scoreboard (RFC 6675) learns from every ACK once the peer has reported a block.
  const sackOpt = (to.flags & TOF.SACK) !== 0
  let sackChanged = SACK_NOCHANGE
  if ((tp.flags & TF.SACK_PERMIT) !== 0 && (sackOpt || tp.sack !== null) && seqLeq(ack, tp.snd_max)) {
    tp.sack ??= new SackScoreboard(tv.sackBudget)
    sackChanged = tp.sack.update(
      tp.snd_una,
      ack,
      tp.snd_max,
      to.sacks,
      sackOpt ? to.nsacks : 0,
      tcpMaxseg(tp),
    )
  }
  const sackMode = tp.sack !== null
  // RFC 6937 in SACK recovery (net.inet.tcp.do_prr).
  const prr = sackMode && tv.doPrr !== 0
  if (seqLeq(ack, tp.snd_una)) {
    // RFC 5681 §2 duplicate ACK: nothing new, no data, same window, data outstanding.
    if (
      tlen === 0 &&
      tiwin === tp.snd_wnd &&
      (thflags & TH.FIN) === 0 &&
      ack === tp.snd_una &&
      tp.snd_max !== tp.snd_una
    ) {
      st.tcps_rcvdupack++
      if (!tcpTimerActive(tp, TT.REXMT)) tp.dupacks = 0
      else if ((++tp.dupacks > 3 || prr) && inRecoveryFast(tp)) {
        // NewReno inflates cwnd per duplicate; with SACK the scoreboard's pipe says what may go,
        // and with PRR every duplicate in recovery lets out its proportional share.
        if (prr) prrWindow(tp, sackChanged === SACK_NEWLOSS)
        else if (!sackMode) tp.snd_cwnd += tcpMaxseg(tp)
        tcpOutput(tp)
        return false
      } else if (tp.dupacks === 3) {
        if (!inRecoveryFast(tp) && seqGt(ack, tp.snd_recover) && sackMode) {
          // RFC 6675 §5: recovery driven by the scoreboard, cwnd = ssthresh.
          ccEnterRecovery(tp, ack)
          st.tcps_sack_recovery_episode++
          tp.snd_recover = tp.snd_max
          tcpTimerActivate(tp, TT.REXMT, 0)
          tp.rtt.stopTiming()
          // RFC 6675 (4.3): the first segment presumed lost goes at once, and only it (FreeBSD
          // opens cwnd by one segment over pipe for it); then cwnd is ssthresh. With PRR, later
          // ACKs let out their share; without, whatever pipe leaves below ssthresh.
          const sack = tp.sack!
          const maxseg = tcpMaxseg(tp)
          if (prr) prrEnter(sack, seqDiff(tp.snd_nxt, tp.snd_una), maxseg)
          tp.snd_cwnd = sack.pipe(tp.snd_una, tp.snd_max) + maxseg
          tcpOutput(tp)
          tp.snd_cwnd = tp.snd_ssthresh
          // Whatever the window allowed, the oldest data stays guarded by the timer.
          if (!tcpTimerActive(tp, TT.REXMT)) tcpTimerActivate(tp, TT.REXMT, tp.rtt.rtoNs)
          return false
        }
        if (!inRecoveryFast(tp) && seqGt(ack, tp.snd_recover)) {
          // Fast retransmit, then fast recovery (RFC 6582).
          const onxt = tp.snd_nxt
          ccEnterRecovery(tp, ack)
          tp.snd_recover = tp.snd_max
          tcpTimerActivate(tp, TT.REXMT, 0)
          tp.rtt.stopTiming()
          tp.snd_nxt = ack
          const maxseg = tcpMaxseg(tp)
          tp.snd_cwnd = maxseg
          tcpOutput(tp)
          tp.snd_cwnd = tp.snd_ssthresh + maxseg * tp.dupacks
          if (seqGt(onxt, tp.snd_nxt)) tp.snd_nxt = onxt
          return false
        }
      }
    } else tp.dupacks = 0
    return true
  }
  if (seqGt(ack, tp.snd_max)) {
    st.tcps_rcvacktoomuch++
    dropAfterAck(tp)
    return false
  }
  const acked = seqDiff(ack, tp.snd_una)
  st.tcps_rcvackpack++
  st.tcps_rcvackbyte += acked
  // RTT: a timestamp echo, else the timed segment (Karn's rule lives in the estimator).
  if ((to.flags & TOF.TS) !== 0 && to.tsecr !== 0) {
    tp.rtt.tsSample(tcpTsTicks(tv, now), to.tsecr)
    st.tcps_rttupdated++
  } else if (tp.rtt.ackSample(ack, ticksFromNs(now))) st.tcps_rttupdated++
  tp.softerror = null
  if (inRecoveryFast(tp)) {
    if (seqLt(ack, tp.snd_recover) && sackMode) {
      // A partial ACK in SACK recovery (tcp_sack_partialack): more holes may go out now, with
      // PRR as much as this ACK delivered allows (FreeBSD does so when the ACK carries SACK).
      dropAcked(tp, acked, ack)
      tp.rtt.stopTiming()
      tcpTimerActivate(tp, TT.REXMT, tp.rtt.rtoNs)
      if (prr && sackOpt) prrWindow(tp, sackChanged === SACK_NEWLOSS)
      tcpOutput(tp)
      return true
    }
    if (seqLt(ack, tp.snd_recover)) {
      // A partial ACK: the next hole goes out at once (RFC 6582 §3.2 step 5).
      const maxseg = tcpMaxseg(tp)
      const onxt = tp.snd_nxt
      const ocwnd = tp.snd_cwnd
      tcpTimerActivate(tp, TT.REXMT, 0)
      tp.rtt.stopTiming()
      tp.snd_nxt = ack
      tp.snd_cwnd = maxseg + acked
      dropAcked(tp, acked, ack)
      tcpOutput(tp)
      tp.snd_cwnd = ocwnd
      if (seqGt(onxt, tp.snd_nxt)) tp.snd_nxt = onxt
      tp.snd_cwnd = (tp.snd_cwnd > acked ? tp.snd_cwnd - acked : 0) + maxseg
      return true
    }
    ccPostRecovery(tp, ack)
  } else {
    if (inRecoveryCongOnly(tp)) {
      // The window reduced for an ECE is acknowledged: congestion recovery ends. Before that,
      // with net.inet.tcp.do_prr, each ACK lets out its proportional share (RFC 6937; FreeBSD 14
      // always uses PRR-SSRB here), pipe counted before this ACK, less any SACKed bytes.
      if (seqGeq(ack, tp.snd_recover)) ccPostRecovery(tp, ack)
      else if (tv.doPrr !== 0) {
        const flight = seqDiff(tp.snd_max, tp.snd_una) - (tp.sack?.sackedBytes ?? 0)
        tp.snd_cwnd = prrCong(tp, acked, Math.max(flight, 0), tp.snd_ssthresh, tcpMaxseg(tp))
        tp.flags |= TF.NEEDOUTPUT
      }
    }
    ccAckReceived(tp, acked, ack)
  }
  tp.dupacks = 0
  if (ack === tp.snd_max) {
    tcpTimerActivate(tp, TT.REXMT, 0)
    tp.flags |= TF.NEEDOUTPUT
  } else if (!tcpTimerActive(tp, TT.PERSIST)) tcpTimerActivate(tp, TT.REXMT, tp.rtt.rtoNs)
  const ourFinAcked = dropAcked(tp, acked, ack)
  switch (tp.state) {
    case TCPS.FIN_WAIT_1:
      if (ourFinAcked) {
        // Nothing more will be read: give the peer finwait2_timeout to finish (a closed socket).
        if ((tp.so.state & SS.CANTRCVMORE) !== 0 || (tp.flags & TF.NOFDREF) !== 0) {
          soisdisconnected(tp.so)
          tcpTimerActivate(tp, TT.TWOMSL, tv.finwait2Timeout * MS)
        }
        tcpStateChange(tp, TCPS.FIN_WAIT_2)
      }
      break
    case TCPS.CLOSING:
      if (ourFinAcked) {
        twStart(tp)
        return false
      }
      break
    case TCPS.LAST_ACK:
      if (ourFinAcked) {
        tcpClose(tp)
        return false
      }
      break
  }
  return true
}

/** PRR's congestion window for this ACK (tcp_do_prr_ack), from the scoreboard's state after it. */
function prrWindow(tp: Tcpcb, newLoss: boolean): void {
  const sack = tp.sack!
  tp.snd_cwnd = prrAck(sack, sack.pipe(tp.snd_una, tp.snd_max), tp.snd_ssthresh, tcpMaxseg(tp), newLoss)
}

/** Drop acked bytes from the send buffer and advance snd_una; true when our FIN is acknowledged. */
function dropAcked(tp: Tcpcb, acked: number, ack: number): boolean {
  const sb = tp.so.sbsnd
  let finAcked = false
  if (acked > sb.cc) {
    tp.snd_wnd -= sb.cc
    sb.drop(sb.cc)
    finAcked = (tp.flags & TF.SENTFIN) !== 0
  } else {
    sb.drop(acked)
    tp.snd_wnd -= acked
  }
  if (tp.snd_wnd < 0) tp.snd_wnd = 0
  tp.so.wakeup()
  tp.snd_una = ack
  if (seqLt(tp.snd_nxt, tp.snd_una)) tp.snd_nxt = tp.snd_una
  return finAcked
}

export function dropAfterAck(tp: Tcpcb): void {
  tp.flags |= TF.ACKNOW
  tcpOutput(tp)
}
