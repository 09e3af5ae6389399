/**
 * TIME_WAIT (FreeBSD's tcp_timewait.c: tcp_twstart, tcp_twcheck): a connection that has closed
 * holds its sequence space for 2*MSL and answers what the peer still sends.
 *
 * Never throws; the caller owns the segment's buffer.
 */

import { soisdisconnected } from '../../../kern/socket_stream.js'
import { MS } from '../../../util/clock.js'
import { seqAdd, seqGt } from '../../../wire/inet/seq.js'
import { type TcpOptions, TH, TOF } from '../../../wire/inet/tcp.js'
import { tcpRedispatch } from './tcp_input.js'
import { tcpOutput } from './tcp_output.js'
import { tcpClose, tcpStateChange } from './tcp_subr.js'
import { TCPS, type Tcpcb, type TcpSeg, TF, TT } from './tcp_var.js'
import { tcpTimerActivate } from './timer/tcp_timer.js'

/** tcp_twstart: TIME_WAIT for 2*MSL; the socket is done. */
export function twStart(tp: Tcpcb): void {
  tcpStateChange(tp, TCPS.TIME_WAIT)
  tcpTimerActivate(tp, TT.REXMT, 0)
  tcpTimerActivate(tp, TT.PERSIST, 0)
  tcpTimerActivate(tp, TT.KEEP, 0)
  tcpTimerActivate(tp, TT.DELACK, 0)
  // An ACK owed (for the FIN that brought us here) still goes out.
  if ((tp.flags & TF.ACKNOW) !== 0) tcpOutput(tp)
  soisdisconnected(tp.so)
  tcpTimerActivate(tp, TT.TWOMSL, 2 * tp.tv.msl * MS)
}

/**
 * tcp_twcheck: TIME_WAIT answers a retransmitted FIN with an ACK and restarts 2*MSL, ignores RSTs
 * (RFC 1337), and acknowledges anything else that is not a plain duplicate ACK. A new SYN beyond the
 * old sequence space ends TIME_WAIT early so the port can be reused.
 */
export function twCheck(tp: Tcpcb, seg: TcpSeg, to: TcpOptions): void {
  const f = seg.flags
  if ((f & TH.RST) !== 0) return
  if ((f & TH.SYN) !== 0 && (f & TH.ACK) === 0 && seqGt(seg.seq, tp.rcv_nxt)) {
    // A new incarnation: TIME_WAIT ends and a listener, if any, takes the SYN.
    tcpClose(tp)
    tcpRedispatch(tp.inp.vnet, tp.tv, seg)
    return
  }
  if ((f & TH.ACK) === 0) return
  if ((f & TH.FIN) !== 0 && seqAdd(seg.seq, seg.len + 1) === tp.rcv_nxt) {
    tcpTimerActivate(tp, TT.TWOMSL, 2 * tp.tv.msl * MS)
  }
  if ((to.flags & TOF.TS) !== 0) tp.ts_recent = to.tsval
  if (f !== TH.ACK || seg.len !== 0 || seg.seq !== tp.rcv_nxt || seg.ack !== tp.snd_nxt) {
    tp.flags |= TF.ACKNOW
    tcpOutput(tp)
  }
}
