/**
 * TCP input, second half (FreeBSD's tcp_do_segment, RFC 9293 §3.10.7): a segment for an existing
 * connection. SYN_SENT completes (or simultaneously opens) the handshake; then PAWS (RFC 7323 §5),
 * RST and SYN acceptance with RFC 5961 challenge ACKs (net.inet.tcp.insecure_rst / insecure_syn),
 * trimming to the receive window, the ACK (tcp_ack.ts), the send window, in-order data and FIN into
 * the socket (out-of-order data into the reassembly queue), and the state changes a FIN brings.
 * TIME_WAIT is tcp_timewait.ts.
 *
 * Never throws; the caller owns the segment's buffer.
 */

import { SS } from '../../../kern/socket.js'
import { type StreamSocket, socantrcvmore, soisconnected } from '../../../kern/socket_stream.js'
import { SysError } from '../../../util/errno.js'
import { seqAdd, seqDiff, seqGeq, seqGt, seqLeq, seqLt, tstmpLt } from '../../../wire/inet/seq.js'
import { type TcpOptions, TH, TOF } from '../../../wire/inet/tcp.js'
import { ccConnInit, ccEcn } from './cc/tcp_cc_hooks.js'
import { ecnInputParallelSyn, ecnInputSegment, ecnInputSynSent } from './ecn/tcp_ecn.js'
import { RcvSackBlocks, Reass, ReassQueue } from './reass/tcp_reass.js'
import { ackProcessing, dropAfterAck } from './tcp_ack.js'
import { challengeAckAllowed } from './tcp_challenge.js'
import { dropWithReset, tcpSynOptions } from './tcp_input.js'
import { tcpOutput } from './tcp_output.js'
import { tcpClose, tcpDrop, tcpRespondConn, tcpStateChange, tcpTsTicks } from './tcp_subr.js'
import { twStart } from './tcp_timewait.js'
import { haveEstablished, haveRcvdFin, TCPS, type Tcpcb, type TcpSeg, TF, TT } from './tcp_var.js'
import { ticksFromNs } from './timer/tcp_rtt.js'
import { keepIdle, tcpTimerActivate, tcpTimerActive } from './timer/tcp_timer.js'

/** PAWS: a ts_recent older than 24 days is no longer trusted (RFC 7323 §5.5). */
const PAWS_IDLE_NS = 24 * 24 * 3600 * 1e9

const MS = 1e6

/** tcp_do_segment for tp (not LISTEN, not CLOSED, not TIME_WAIT: tcp_input hands that to tcp_twcheck). */
export function tcpDoSegment(tp: Tcpcb, seg: TcpSeg, to: TcpOptions): void {
  const tv = tp.tv
  const st = tv.stats
  const v = tp.inp.vnet
  const now = v.env.clock.runNow()
  let thflags = seg.flags
  tp.rcvtime = now
  if (haveEstablished(tp.state)) tcpTimerActivate(tp, TT.KEEP, keepIdle(tp))
  // RFC 3168: CE marks to echo, the peer's CWR, and its ECE as a congestion signal.
  if (ecnInputSegment(tp, thflags, seg.tos)) ccEcn(tp, seg.ack)
  // rcv_wnd: what the receive buffer can take, never less than what we already offered.
  tp.rcv_wnd = Math.max(tp.so.sbrcv.space, seqDiff(tp.rcv_adv, tp.rcv_nxt))
  if ((to.flags & TOF.SACK) !== 0) st.tcps_sack_rcv_blocks++
  // Strip our offset from an echoed timestamp.
  if ((to.flags & TOF.TS) !== 0 && to.tsecr !== 0) to.tsecr = (to.tsecr - tp.ts_offset) >>> 0
  const tiwin = (thflags & TH.SYN) !== 0 ? seg.win : seg.win << tp.snd_scale
  if (tp.state === TCPS.SYN_SENT) {
    synSent(tp, seg, to, tiwin, now)
    return
  }
  let seq = seg.seq
  let tlen = seg.len
  let dataOff = seg.off
  // RFC 7323 §5.3 PAWS: an old timestamp marks an old duplicate.
  if (
    (to.flags & TOF.TS) !== 0 &&
    (tp.flags & TF.RCVD_TSTMP) !== 0 &&
    (thflags & TH.RST) === 0 &&
    tp.ts_recent !== 0
  ) {
    if (tstmpLt(to.tsval, tp.ts_recent)) {
      if (now - tp.ts_recent_age > PAWS_IDLE_NS) tp.ts_recent = 0
      else {
        st.tcps_rcvduppack++
        st.tcps_rcvdupbyte += tlen
        st.tcps_pawsdrop++
        if (tlen > 0) dropAfterAck(tp)
        return
      }
    }
  }
  // SYN_RECEIVED: an ACK must acknowledge our SYN.
  if (
    tp.state === TCPS.SYN_RECEIVED &&
    (thflags & (TH.ACK | TH.RST)) === TH.ACK &&
    (seqLeq(seg.ack, tp.snd_una) || seqGt(seg.ack, tp.snd_max))
  ) {
    dropWithReset(v, tv, seg, tp)
    return
  }
  // RST (RFC 5961 §3): only at exactly the next expected sequence number; elsewhere in the window
  // a challenge ACK, outside nothing.
  if ((thflags & TH.RST) !== 0) {
    if (seqGeq(seq, tp.last_ack_sent) && seqLt(seq, seqAdd(tp.last_ack_sent, tp.rcv_wnd || 1))) {
      if (seq === tp.last_ack_sent || tv.insecureRst !== 0) {
        // Every synchronized state reports the reset (FreeBSD sets so_error even in CLOSING).
        const err = tp.state === TCPS.SYN_RECEIVED ? 'ECONNREFUSED' : 'ECONNRESET'
        st.tcps_drops++
        if ((tp.flags & TF.NOFDREF) === 0) tp.so.error = new SysError(err, 'read')
        tcpClose(tp)
      } else {
        st.tcps_badrst++
        challengeAck(tp)
      }
    }
    return
  }
  // A SYN on a synchronized connection (RFC 5961 §4): challenge it, unless insecure_syn and in window.
  if ((thflags & TH.SYN) !== 0 && tp.state !== TCPS.SYN_RECEIVED) {
    st.tcps_badsyn++
    if (
      tv.insecureSyn !== 0 &&
      seqGeq(seq, tp.last_ack_sent) &&
      seqLt(seq, seqAdd(tp.last_ack_sent, tp.rcv_wnd))
    ) {
      tcpDrop(tp, 'ECONNRESET')
    } else challengeAck(tp)
    return
  }
  // Trim what we already have from the front.
  let todrop = seqDiff(tp.rcv_nxt, seq)
  if (todrop > 0) {
    if ((thflags & TH.SYN) !== 0) {
      thflags &= ~TH.SYN
      seq = seqAdd(seq, 1)
      todrop--
    }
    if (todrop > tlen || (todrop === tlen && (thflags & TH.FIN) === 0)) {
      // All of it is old: a duplicate (or a keepalive probe). Acknowledge it.
      thflags &= ~TH.FIN
      tp.flags |= TF.ACKNOW
      todrop = tlen
      st.tcps_rcvduppack++
      st.tcps_rcvdupbyte += todrop
    } else {
      st.tcps_rcvpartduppack++
      st.tcps_rcvpartdupbyte += todrop
    }
    // RFC 2883: report the duplicated data in a D-SACK block.
    if (todrop > 0 && (tp.flags & TF.SACK_PERMIT) !== 0) {
      ;(tp.sackblks ??= new RcvSackBlocks()).dsack(seq, seqAdd(seq, todrop))
      tp.flags |= TF.ACKNOW
    }
    dataOff += todrop
    seq = seqAdd(seq, todrop)
    tlen -= todrop
  }
  // Data for a socket nobody holds any more: the peer must learn the connection is gone.
  if ((tp.flags & TF.NOFDREF) !== 0 && tp.state > TCPS.CLOSE_WAIT && tlen > 0) {
    st.tcps_rcvafterclose++
    tcpClose(tp)
    dropWithReset(v, tv, seg)
    return
  }
  // Trim what lies beyond the window from the back.
  todrop = seqDiff(seqAdd(seq, tlen), seqAdd(tp.rcv_nxt, tp.rcv_wnd))
  if (todrop > 0) {
    st.tcps_rcvpackafterwin++
    if (todrop >= tlen) {
      st.tcps_rcvbyteafterwin += tlen
      if (tp.rcv_wnd === 0 && seq === tp.rcv_nxt) {
        tp.flags |= TF.ACKNOW
        st.tcps_rcvwinprobe++
      } else {
        dropAfterAck(tp)
        return
      }
    } else st.tcps_rcvbyteafterwin += todrop
    tlen -= Math.min(todrop, tlen)
    thflags &= ~(TH.PUSH | TH.FIN)
  }
  // RFC 7323 §4.3: remember the timestamp of the segment that covers what we last acknowledged.
  if (
    (to.flags & TOF.TS) !== 0 &&
    seqLeq(seq, tp.last_ack_sent) &&
    seqLeq(tp.last_ack_sent, seqAdd(seq, tlen + ((thflags & (TH.SYN | TH.FIN)) !== 0 ? 1 : 0)))
  ) {
    tp.ts_recent_age = now
    tp.ts_recent = to.tsval
  }
  if ((thflags & TH.ACK) === 0) {
    if (tp.state === TCPS.SYN_RECEIVED || (tp.flags & TF.NEEDSYN) !== 0) {
      processData(tp, seg, thflags, seq, tlen, dataOff, tiwin)
      return
    }
    if ((tp.flags & TF.ACKNOW) !== 0) tcpOutput(tp)
    return
  }
  if (tp.state === TCPS.SYN_RECEIVED) {
    st.tcps_connects++
    tcpStateChange(tp, (tp.flags & TF.NEEDFIN) !== 0 ? TCPS.FIN_WAIT_1 : TCPS.ESTABLISHED)
    tp.flags &= ~TF.NEEDFIN
    soisconnected(tp.so)
    tp.snd_wnd = tiwin
    ccConnInit(tp)
    tcpTimerActivate(tp, TT.KEEP, keepIdle(tp))
    tp.snd_wl1 = seqAdd(seq, -1)
    // Data (and a FIN) that came on the peer's SYN are in order now.
    if (tp.reass !== null && tp.reass.length > 0) {
      const so = tp.so
      const n = tp.reass.deliver(tp.rcv_nxt, (d, o, l) => so.sbrcv.append(d, o, l))
      tp.rcv_nxt = seqAdd(tp.rcv_nxt, n)
      if (tp.reass.finReached) {
        socantrcvmore(so)
        tp.rcv_nxt = seqAdd(tp.rcv_nxt, 1)
        tcpStateChange(tp, TCPS.CLOSE_WAIT)
      }
      so.wakeup()
    }
  }
  if (!ackProcessing(tp, seg, to, tiwin, tlen, thflags, now)) return
  processData(tp, seg, thflags, seq, tlen, dataOff, tiwin)
}

/** Segments while our SYN is out: the SYN-ACK completes the handshake, a bare SYN crosses ours. */
function synSent(tp: Tcpcb, seg: TcpSeg, to: TcpOptions, tiwin: number, now: number): void {
  const tv = tp.tv
  const v = tp.inp.vnet
  const f = seg.flags
  if ((f & TH.ACK) !== 0 && (seqLeq(seg.ack, tp.iss) || seqGt(seg.ack, tp.snd_max))) {
    if ((f & TH.RST) === 0) dropWithReset(v, tv, seg, tp)
    return
  }
  if ((f & TH.RST) !== 0) {
    if ((f & TH.ACK) !== 0) tcpDrop(tp, 'ECONNREFUSED')
    return
  }
  if ((f & TH.SYN) === 0) return
  tp.irs = seg.seq
  tp.rcv_nxt = seqAdd(seg.seq, 1)
  tp.rcv_adv = tp.rcv_nxt
  tp.rcv_up = tp.rcv_nxt
  tcpSynOptions(tp, tv, now)
  if ((f & TH.ACK) !== 0) ecnInputSynSent(tp, f)
  else ecnInputParallelSyn(tp, f)
  if ((f & TH.ACK) !== 0) {
    tv.stats.tcps_connects++
    tp.snd_una = seqAdd(tp.snd_una, 1)
    if (seqLt(tp.snd_nxt, tp.snd_una)) tp.snd_nxt = tp.snd_una
    // RTT sample from the SYN (Karn's rule applies: not if the SYN was retransmitted).
    if ((to.flags & TOF.TS) !== 0 && to.tsecr !== 0) tp.rtt.tsSample(tcpTsTicks(tv, now), to.tsecr)
    else tp.rtt.ackSample(seg.ack, ticksFromNs(now))
    tcpTimerActivate(tp, TT.REXMT, 0)
    soisconnected(tp.so)
    tcpStateChange(tp, (tp.flags & TF.NEEDFIN) !== 0 ? TCPS.FIN_WAIT_1 : TCPS.ESTABLISHED)
    tp.flags &= ~TF.NEEDFIN
    ccConnInit(tp)
    tcpTimerActivate(tp, TT.KEEP, keepIdle(tp))
    tp.flags |= TF.ACKNOW
  } else {
    // Simultaneous open (RFC 9293 §3.5): SYN_RECEIVED, and our SYN goes again with an ACK.
    tcpTimerActivate(tp, TT.REXMT, 0)
    tcpStateChange(tp, TCPS.SYN_RECEIVED)
    tp.flags |= TF.ACKNOW
  }
  tp.snd_wnd = tiwin
  tp.snd_wl1 = seqAdd(seg.seq, -1)
  tp.snd_wl2 = seg.ack
  tp.max_sndwnd = Math.max(tp.max_sndwnd, tiwin)
  // Data that came with the SYN is kept (within the window), and a FIN with it counts. In a
  // simultaneous open it waits in the reassembly queue until the handshake completes.
  if (tp.state === TCPS.SYN_RECEIVED) {
    if (seg.len > 0)
      (tp.reass ??= new ReassQueue()).insert(
        tp.rcv_nxt,
        tp.rcv_nxt,
        seg.buf.slice(seg.off, seg.off + Math.min(seg.len, tp.so.sbrcv.space)),
        // FreeBSD does not take a FIN from a crossing SYN: the peer sends it again.
        false,
      )
    tcpOutput(tp)
    return
  }
  let tlen = Math.min(seg.len, tp.so.sbrcv.space)
  if (tlen > 0) {
    sbappendSeg(tp.so, seg, seg.off, tlen)
    tp.rcv_nxt = seqAdd(tp.rcv_nxt, tlen)
    tv.stats.tcps_rcvpack++
    tv.stats.tcps_rcvbyte += tlen
    tp.flags |= TF.ACKNOW
  } else tlen = 0
  if ((f & TH.FIN) !== 0 && tlen === seg.len && tp.state === TCPS.ESTABLISHED) {
    socantrcvmore(tp.so)
    tp.rcv_nxt = seqAdd(tp.rcv_nxt, 1)
    tp.flags |= TF.ACKNOW
    tcpStateChange(tp, TCPS.CLOSE_WAIT)
  }
  tp.so.wakeup()
  tcpOutput(tp)
}

/** The send window from a newer segment (snd_wl1/snd_wl2 as RFC 9293 §3.10.7.4). */
function windowUpdate(tp: Tcpcb, seg: TcpSeg, tiwin: number): void {
  if (
    seqLt(tp.snd_wl1, seg.seq) ||
    (tp.snd_wl1 === seg.seq && (seqLt(tp.snd_wl2, seg.ack) || (tp.snd_wl2 === seg.ack && tiwin > tp.snd_wnd)))
  ) {
    if (seg.len === 0 && tp.snd_wl2 === seg.ack && tiwin > tp.snd_wnd) tp.tv.stats.tcps_rcvwinupd++
    tp.snd_wnd = tiwin
    tp.snd_wl1 = seg.seq
    tp.snd_wl2 = seg.ack
    if (tp.snd_wnd > tp.max_sndwnd) tp.max_sndwnd = tp.snd_wnd
    tp.flags |= TF.NEEDOUTPUT
  }
}

/** In-order data and FIN into the socket; out-of-order data is dropped with an immediate ACK. */
function processData(
  tp: Tcpcb,
  seg: TcpSeg,
  thflags: number,
  seq: number,
  tlen: number,
  dataOff: number,
  tiwin: number,
): void {
  const tv = tp.tv
  const st = tv.stats
  const so = tp.so
  // Step 6 of RFC 9293 §3.10.7.4: every acceptable ACK may carry a newer send window.
  if ((thflags & TH.ACK) !== 0) windowUpdate(tp, seg, tiwin)
  let finHere = false
  if ((tlen > 0 || (thflags & TH.FIN) !== 0) && !haveRcvdFin(tp.state)) {
    const reass = tp.reass
    if (seq === tp.rcv_nxt && (reass === null || reass.length === 0)) {
      if (tlen > 0) {
        // Delayed ACK (RFC 1122 §4.2.3.2): at most every second full segment waits for the timer.
        if (
          tv.delayedAck !== 0 &&
          !tcpTimerActive(tp, TT.DELACK) &&
          (tp.flags & TF.RXWIN0SENT) === 0 &&
          tlen <= tp.maxseg &&
          (thflags & TH.FIN) === 0
        )
          tp.flags |= TF.DELACK
        else tp.flags |= TF.ACKNOW
        tp.rcv_nxt = seqAdd(tp.rcv_nxt, tlen)
        st.tcps_rcvpack++
        st.tcps_rcvbyte += tlen
        if ((so.state & SS.CANTRCVMORE) === 0) sbappendSeg(so, seg, dataOff, tlen)
        tp.sackblks?.advance(tp.rcv_nxt)
        so.wakeup()
      }
      finHere = (thflags & TH.FIN) !== 0
    } else finHere = reassemble(tp, seg, thflags, seq, tlen, dataOff)
  }
  if (finHere) {
    if (!haveRcvdFin(tp.state)) {
      socantrcvmore(so)
      tp.flags |= TF.ACKNOW
      tp.rcv_nxt = seqAdd(tp.rcv_nxt, 1)
    }
    switch (tp.state) {
      case TCPS.SYN_RECEIVED:
      case TCPS.ESTABLISHED:
        tcpStateChange(tp, TCPS.CLOSE_WAIT)
        break
      case TCPS.FIN_WAIT_1:
        tcpStateChange(tp, TCPS.CLOSING)
        break
      case TCPS.FIN_WAIT_2:
        twStart(tp)
        return
    }
  }
  if ((tp.flags & (TF.NEEDOUTPUT | TF.ACKNOW)) !== 0) tcpOutput(tp)
  if ((tp.flags & TF.DELACK) !== 0) {
    tp.flags &= ~TF.DELACK
    tcpTimerActivate(tp, TT.DELACK, tv.delacktime * MS)
  }
}

/**
 * tcp_reass: a segment that is not the next in order is held in the connection's reassembly queue
 * (copied: the mbuf goes back to the pool), up to the lower of net.inet.tcp.reass.maxqueuelen and
 * the receive buffer's worth of segments plus one (tcp(4)); beyond that it is dropped and counted
 * (tcps_rcvreassfull). The segment at rcv_nxt that fills the hole goes straight into the socket
 * buffer, not through the queue, and then everything held that became contiguous follows at once.
 * The receiver's SACK blocks (RFC 2018) follow the queue. Every such segment is acknowledged at
 * once (RFC 5681 §4.2). True when the FIN is now in order.
 */
function reassemble(
  tp: Tcpcb,
  seg: TcpSeg,
  thflags: number,
  seq: number,
  tlen: number,
  dataOff: number,
): boolean {
  const tv = tp.tv
  const st = tv.stats
  const so = tp.so
  const reass = (tp.reass ??= new ReassQueue())
  const fin = (thflags & TH.FIN) !== 0
  const outOfOrder = seq !== tp.rcv_nxt
  tp.flags |= TF.ACKNOW
  const before = tp.rcv_nxt
  let inOrder = 0
  // A FIN with the hole-filling segment is rare; the queue's FIN bookkeeping handles it.
  if (!outOfOrder && !fin && tlen > 0) {
    if ((so.state & SS.CANTRCVMORE) === 0) sbappendSeg(so, seg, dataOff, tlen)
    inOrder = tlen
    reass.clearDup()
  } else {
    if (outOfOrder) {
      st.tcps_rcvoopack++
      st.tcps_rcvoobyte += tlen
    }
    reass.limit = Math.min(Math.floor(so.sbrcv.hiwat / tp.maxseg) + 1, tv.reassMaxqueuelen)
    const r = reass.insert(before, seq, seg.buf.slice(dataOff, dataOff + tlen), fin)
    if (r === Reass.OVERFLOW) {
      st.tcps_rcvreassfull++
      return false
    }
  }
  const n = reass.deliver(seqAdd(before, inOrder), (data, off, len) => {
    if ((so.state & SS.CANTRCVMORE) === 0) so.sbrcv.append(data, off, len)
  })
  if (inOrder + n > 0) {
    tp.rcv_nxt = seqAdd(before, inOrder + n)
    st.tcps_rcvpack++
    st.tcps_rcvbyte += inOrder + n
    so.wakeup()
  }
  if ((tp.flags & TF.SACK_PERMIT) !== 0) {
    const sb = (tp.sackblks ??= new RcvSackBlocks())
    // One D-SACK per ACK: a duplicate below rcv_nxt (already noted) wins over one in the queue.
    if (reass.dupStart !== reass.dupEnd && sb.dsackStart === sb.dsackEnd)
      sb.dsack(reass.dupStart, reass.dupEnd)
    if (outOfOrder && tlen > 0) sb.update(tp.rcv_nxt, seq, seqAdd(seq, tlen))
    else sb.advance(tp.rcv_nxt)
  }
  return reass.finReached && reass.length === 0
}

/**
 * sbappendstream of a segment's payload seg.buf[off, off + len): the segment's mbuf itself while
 * tcp_input still holds it (no copy; the socket now owns it), else a copy.
 */
function sbappendSeg(so: StreamSocket, seg: TcpSeg, off: number, len: number): void {
  const m = seg.m
  if (m !== null && m.data === seg.buf) {
    seg.m = null
    so.sbrcv.appendMbuf(m, off, len)
  } else so.sbrcv.append(seg.buf, off, len)
}

/** RFC 5961 §7 challenge ACK: our current view, so a genuine peer can answer it exactly. */
function challengeAck(tp: Tcpcb): void {
  if (!challengeAckAllowed(tp)) return
  const win = Math.min(tp.so.sbrcv.space >>> tp.rcv_scale, 65535)
  tcpRespondConn(tp, tp.snd_nxt, tp.rcv_nxt, TH.ACK, win)
}
