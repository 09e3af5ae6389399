/**
 * The congestion-control call sites of tcp_input (FreeBSD's cc_conn_init, cc_ack_received,
 * cc_cong_signal, cc_post_recovery wrappers): the initial window (RFC 6928 via
 * net.inet.tcp.initcwnd_segments) and the window's response to ACKs, duplicate ACKs and timeouts.
 * Until the mod_cc algorithms (cc/) are merged this applies NewReno's rules (RFC 5681, RFC 6582)
 * inline; the engine only ever calls these four functions.
 *
 * Pure arithmetic on the tcpcb: no allocation, never throws.
 */

import type { Tcpcb } from './tcp_var.js'
import { TCP_MAXWIN } from './tcp_var.js'

/** tcp_compute_initwnd: initcwnd_segments segments, at least 2 and at most that many 1460-byte ones. */
export function ccConnInit(tp: Tcpcb): void {
  const segs = tp.tv.initcwndSegments
  const mss = tp.maxseg
  tp.snd_cwnd = segs === 0 ? 2 * mss : Math.min(segs * mss, Math.max(2 * mss, segs * 1460))
  tp.bytes_acked = 0
}

/** cc_ack_received for new data acknowledged outside recovery: slow start, then congestion avoidance. */
export function ccAckReceived(tp: Tcpcb, acked: number): void {
  const mss = tp.maxseg
  const max = TCP_MAXWIN << tp.snd_scale
  if (tp.snd_cwnd <= tp.snd_ssthresh) {
    // RFC 3465 appropriate byte counting with L = 2 (net.inet.tcp.abc_l_var).
    tp.snd_cwnd += Math.min(acked, 2 * mss)
  } else {
    tp.bytes_acked += acked
    if (tp.bytes_acked >= tp.snd_cwnd) {
      tp.bytes_acked -= tp.snd_cwnd
      tp.snd_cwnd += mss
    }
  }
  if (tp.snd_cwnd > max) tp.snd_cwnd = max
}

/** cc_cong_signal(CC_NDUPACK): entering fast recovery halves the flight. */
export function ccEnterRecovery(tp: Tcpcb): void {
  const mss = tp.maxseg
  const flight = Math.min(tp.snd_wnd, tp.snd_cwnd)
  tp.snd_ssthresh = Math.max(2, Math.floor(flight / 2 / mss)) * mss
  tp.bytes_acked = 0
}

/** cc_post_recovery: leave fast recovery with cwnd no larger than ssthresh (RFC 6582 §3.2 step 3). */
export function ccPostRecovery(tp: Tcpcb, flight: number): void {
  tp.snd_cwnd = flight < tp.snd_ssthresh ? flight + tp.maxseg : tp.snd_ssthresh
}
