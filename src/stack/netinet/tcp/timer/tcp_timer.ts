/**
 * TCP's timers (FreeBSD's tcp_timer.c): delayed ACK, retransmission (RFC 6298 backoff through the
 * tcp_rtt estimator, TCP_MAXRXTSHIFT, SYN retransmission from rexmit_initial), persist (zero-window
 * probes between tcp_persmin and tcp_persmax), keepalive (and keepinit for handshakes), and 2*MSL
 * (TIME_WAIT, and FIN_WAIT_2 after close). As in FreeBSD 14, one callout per connection serves all
 * of them: each kind keeps a deadline and the callout is armed at the earliest.
 *
 * Timer handlers run on the host clock and never throw.
 */

import { SO } from '../../../../kern/socket.js'
import { Timer } from '../../../../util/clock.js'
import { TH } from '../../../../wire/inet/tcp.js'
import { ccRto } from '../cc/tcp_cc_hooks.js'
import { tcpOutput } from '../tcp_output.js'
import { tcpClose, tcpDrop, tcpRespondConn, tcpStateChange } from '../tcp_subr.js'
import { TCPS, TCPTV_PERSMAX, TCPTV_PERSMIN, type Tcpcb, TF, TT, TT_N } from '../tcp_var.js'
import { TCP_BACKOFF, TCP_TOTBACKOFF, TICK_NS } from './tcp_rtt.js'

const MS = 1e6

/**
 * Start (delta > 0, ns) or stop (delta 0) one of tp's timers. The callout is only moved earlier:
 * a later deadline (the retransmission timer pushed on by every ACK) or a stopped timer leaves it
 * where it is, and when it fires with nothing due it re-arms for the earliest deadline left (or
 * stays off). That spares the clock's heap an update per segment.
 */
export function tcpTimerActivate(tp: Tcpcb, which: number, deltaNs: number): void {
  if (deltaNs <= 0) {
    tp.timers[which] = 0
    return
  }
  const d = tp.inp.vnet.env.clock.runNow() + deltaNs
  tp.timers[which] = d
  const t = tp.timer
  if (t?.armed && t.deadline <= d) return
  rearm(tp)
}

export function tcpTimerActive(tp: Tcpcb, which: number): boolean {
  return tp.timers[which]! !== 0
}

export function tcpTimerStopAll(tp: Tcpcb): void {
  tp.timers.fill(0)
  tp.timer?.cancel()
}

function rearm(tp: Tcpcb): void {
  let min = 0
  for (let i = 0; i < TT_N; i++) {
    const d = tp.timers[i]!
    if (d !== 0 && (min === 0 || d < min)) min = d
  }
  if (min === 0) {
    tp.timer?.cancel()
    return
  }
  if (tp.timer === null) tp.timer = new TcpCallout(tp)
  if (!tp.timer.armed || tp.timer.deadline !== min) tp.timer.armAt(min)
}

/**
 * The connection's one callout. The tcpcb rides in a field: a closure over it, with its context,
 * would cost every idle connection about a hundred bytes more.
 */
class TcpCallout extends Timer {
  readonly tp: Tcpcb
  constructor(tp: Tcpcb) {
    super(tp.inp.vnet.env.clock, noop)
    this.tp = tp
  }
  override run(): void {
    fire(this.tp)
  }
}

function noop(): void {}

function fire(tp: Tcpcb): void {
  const now = tp.inp.vnet.env.clock.now()
  for (let i = 0; i < TT_N; i++) {
    const d = tp.timers[i]!
    if (d === 0 || d > now) continue
    tp.timers[i] = 0
    HANDLERS[i]!(tp)
    if (tp.inp.ppcb !== tp) return
  }
  rearm(tp)
}

const HANDLERS: ReadonlyArray<(tp: Tcpcb) => void> = [
  delackTimer,
  rexmtTimer,
  persistTimer,
  keepTimer,
  twoMslTimer,
]

function delackTimer(tp: Tcpcb): void {
  tp.flags |= TF.ACKNOW
  tp.tv.stats.tcps_delack++
  tcpOutput(tp)
}

/** TCPTV_KEEP_INIT etc. with per-connection TCP_KEEP* overrides, in ns. */
export const keepInit = (tp: Tcpcb): number => (tp.keepinit || tp.tv.keepinit) * MS
export const keepIdle = (tp: Tcpcb): number => (tp.keepidle || tp.tv.keepidle) * MS
export const keepIntvl = (tp: Tcpcb): number => (tp.keepintvl || tp.tv.keepintvl) * MS
export const keepCnt = (tp: Tcpcb): number => tp.keepcnt || tp.tv.keepcnt

function rexmtTimer(tp: Tcpcb): void {
  const tv = tp.tv
  const handshake = tp.state === TCPS.SYN_SENT || tp.state === TCPS.SYN_RECEIVED
  if (!tp.rtt.backoff(handshake)) {
    tv.stats.tcps_timeoutdrop++
    tcpDrop(tp, 'ETIMEDOUT')
    return
  }
  tv.stats.tcps_rexmttimeo++
  // Options are left off the third and later SYNs when asked (rexmit_drop_options), in case a
  // middlebox drops SYNs with them.
  if (tp.state === TCPS.SYN_SENT && tv.rexmitDropOptions !== 0 && tp.rtt.rxtshift >= 3)
    tp.flags &= ~(TF.REQ_SCALE | TF.REQ_TSTMP | TF.SACK_PERMIT)
  // RFC 6298 §5.5-5.7: go back to the first unacknowledged byte; a timeout is a loss signal.
  tp.snd_nxt = tp.snd_una
  tp.snd_recover = tp.snd_max
  tp.flags |= TF.ACKNOW
  // A retransmitted SYN or SYN-ACK leaves cc_conn_init one segment to start from (cwnd 1 marks it).
  // Go-back-N from snd_una: the scoreboard starts over (tcp_free_sackholes).
  tp.sack?.clear()
  if (!handshake) ccRto(tp)
  else tp.snd_cwnd = 1
  tp.dupacks = 0
  tcpOutput(tp)
}

/** tcp_setpersist: (re)arm the persist timer at the backed-off RTO within [persmin, persmax]. */
export function tcpSetPersist(tp: Tcpcb): void {
  const t = ((tp.rtt.srtt >> 2) + tp.rtt.rttvar) >> 1
  let tt = t * TCP_BACKOFF[tp.rtt.rxtshift]!
  if (tt < TCPTV_PERSMIN) tt = TCPTV_PERSMIN
  if (tt > TCPTV_PERSMAX) tt = TCPTV_PERSMAX
  tcpTimerActivate(tp, TT.PERSIST, tt * TICK_NS)
  if (tp.rtt.rxtshift < tp.tv.retries) tp.rtt.rxtshift++
}

function persistTimer(tp: Tcpcb): void {
  const tv = tp.tv
  tv.stats.tcps_persisttimeo++
  const now = tp.inp.vnet.env.clock.now()
  const idle = now - tp.rcvtime
  // Give up when the peer has kept its window shut past maxpersistidle, or the full backoff.
  if (
    tp.rtt.rxtshift >= tv.retries &&
    (idle >= tv.maxpersistidle * MS || idle >= tp.rtt.rexmtval() * TCP_TOTBACKOFF * TICK_NS)
  ) {
    tv.stats.tcps_persistdrop++
    tcpDrop(tp, 'ETIMEDOUT')
    return
  }
  tcpSetPersist(tp)
  tp.flags |= TF.FORCEDATA
  tcpOutput(tp)
  tp.flags &= ~TF.FORCEDATA
}

function keepTimer(tp: Tcpcb): void {
  const tv = tp.tv
  tv.stats.tcps_keeptimeo++
  if (tp.state < TCPS.ESTABLISHED) {
    tv.stats.tcps_keepdrops++
    tcpDrop(tp, 'ETIMEDOUT')
    return
  }
  const on = tv.alwaysKeepalive !== 0 || (tp.so.options & SO.KEEPALIVE) !== 0
  if (on && tp.state <= TCPS.CLOSING) {
    const now = tp.inp.vnet.env.clock.now()
    const idle = now - tp.rcvtime
    if (idle >= keepIdle(tp) + keepCnt(tp) * keepIntvl(tp)) {
      tv.stats.tcps_keepdrops++
      tcpDrop(tp, 'ETIMEDOUT')
      return
    }
    // A probe: an old sequence number so the peer must answer with an ACK (RFC 9293 §3.8.4).
    tv.stats.tcps_keepprobe++
    tcpRespondConn(
      tp,
      tp.snd_una - 1,
      tp.rcv_nxt,
      TH.ACK,
      // tcp_respond offers the receive buffer's room, as any ACK does.
      Math.min(tp.so.sbrcv.space >>> tp.rcv_scale, 65535),
    )
    tcpTimerActivate(tp, TT.KEEP, keepIntvl(tp))
    return
  }
  tcpTimerActivate(tp, TT.KEEP, keepIdle(tp))
}

function twoMslTimer(tp: Tcpcb): void {
  const tv = tp.tv
  if (tp.state === TCPS.TIME_WAIT) {
    tcpClose(tp)
    return
  }
  // FIN_WAIT_2 of a closed socket: give up after finwait2_timeout of silence.
  if (tp.state === TCPS.FIN_WAIT_2) {
    const idle = tp.inp.vnet.env.clock.now() - tp.rcvtime
    const limit = tv.finwait2Timeout * MS
    if (idle < limit) {
      tcpTimerActivate(tp, TT.TWOMSL, limit - idle)
      return
    }
    tv.stats.tcps_finwait2_drops++
  }
  tcpStateChange(tp, TCPS.CLOSED)
  tcpClose(tp)
}
