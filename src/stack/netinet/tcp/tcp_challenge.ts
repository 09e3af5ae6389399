/**
 * The RFC 5961 §7 challenge-ACK throttle (FreeBSD 14's tcp_send_challenge_ack): at most
 * net.inet.tcp.ack_war_cnt challenge ACKs per connection in each net.inet.tcp.ack_war_timewindow
 * (ms); either at 0 turns the limit off. A flood of spoofed RSTs or SYNs then costs the victim a
 * handful of ACKs a second instead of one per forged segment.
 *
 * Decides only; the caller sends. Never throws, allocates nothing.
 */

import type { Tcpcb } from './tcp_var.js'

/** Whether tp may send a challenge ACK now (and count it if so). */
export function challengeAckAllowed(tp: Tcpcb): boolean {
  const tv = tp.tv
  if (tv.ackWarTimewindow === 0 || tv.ackWarCnt === 0) return true
  const now = tp.inp.vnet.env.clock.now()
  // A new epoch once the previous one is over.
  if (tp.challengeAckEnd < now) {
    tp.challengeAckCnt = 0
    tp.challengeAckEnd = now + tv.ackWarTimewindow * 1e6
  }
  if (tp.challengeAckCnt >= tv.ackWarCnt) return false
  tp.challengeAckCnt++
  return true
}
