/**
 * Proportional Rate Reduction (RFC 6937) for SACK loss recovery, as FreeBSD 14 does it with
 * net.inet.tcp.do_prr=1 (its default): rather than RFC 6675's "send whatever cwnd - pipe allows"
 * on entering recovery (a burst, or a silence until pipe drains), each ACK during recovery lets out
 * data in proportion to what it reports delivered, so pipe glides down to ssthresh; once pipe is
 * below ssthresh, slow start brings it back up to ssthresh, by at most one segment more than was
 * delivered (PRR-SSRB), or no more than was delivered (PRR-CRB) when the ACK reports new loss or
 * delivers nothing (RFC 6937bis's heuristic, also FreeBSD's).
 *
 * The state (prr_delivered, prr_out, RecoverFS, DeliveredData) lives in the SACK scoreboard, as
 * FreeBSD keeps it in sackhint. The result is a congestion window for tcp_output, whose SACK
 * recovery sends while pipe < cwnd: cwnd = pipe + sndcnt, sndcnt counted in whole segments as
 * FreeBSD does: the proportional share is rounded up to a whole segment (tcp_do_prr_ack's
 * `+ maxseg - 1`), and what that sends early is repaid through prr_out on the next ACKs.
 *
 * The same reduction paces an ECN response (tcp_do_prr_ack in congestion recovery): the ECE
 * lowers ssthresh, then each ACK below snd_recover sets cwnd = pipe - delivered + sndcnt, always
 * PRR-SSRB (FreeBSD passes SACK_CHANGE there), prrCong below.
 *
 * Pure arithmetic: no output, timers or allocation; never throws.
 */

import type { SackScoreboard } from './tcp_sack.js'

/**
 * Entering SACK recovery (three duplicate ACKs): RecoverFS is what is in flight, the ACK that
 * triggered recovery counts as one segment delivered (FreeBSD: (snd_limited + 1) segments, never
 * more than is outstanding; there is no limited transmit here), nothing is sent yet.
 */
export function prrEnter(sack: SackScoreboard, outstanding: number, maxseg: number): void {
  sack.recoverFs = Math.max(1, outstanding)
  sack.prrDelivered = Math.min(outstanding, maxseg)
  sack.prrOut = 0
}

/**
 * An ACK during SACK recovery that delivered `sack.delivered` bytes (after the scoreboard took it):
 * the congestion window that lets out this ACK's share. `pipe` is RFC 6675's pipe after the ACK;
 * `newLoss` whether the ACK marked more data lost.
 */
export function prrAck(
  sack: SackScoreboard,
  pipe: number,
  ssthresh: number,
  maxseg: number,
  newLoss: boolean,
): number {
  const del = sack.delivered
  sack.prrDelivered += del
  const segs = prrSndcnt(sack.prrDelivered, sack.prrOut, sack.recoverFs, del, pipe, ssthresh, maxseg, newLoss)
  return Math.max(pipe + segs * maxseg, maxseg)
}

/**
 * tcp_do_prr_ack's sndcnt, in whole segments, for the SACK and the ECN episode alike: `delivered`
 * is prr_delivered with this ACK's `del` bytes already added, `out` prr_out, `pipe` what is in
 * flight. While pipe >= ssthresh the proportional share CEIL(delivered * ssthresh / RecoverFS) -
 * prr_out, rounded up to a whole segment as FreeBSD does (`+ maxseg - 1` before the division by
 * maxseg: a share of half a segment sends one now rather than waiting for the next ACK). Below
 * ssthresh, slow start back up to it: PRR-CRB (no more than the credit) when `conservative` (new
 * loss) or nothing was delivered, else PRR-SSRB (one segment more than delivered).
 */
export function prrSndcnt(
  delivered: number,
  out: number,
  recoverFs: number,
  del: number,
  pipe: number,
  ssthresh: number,
  maxseg: number,
  conservative: boolean,
): number {
  let sndcnt: number
  if (pipe >= ssthresh) sndcnt = Math.ceil((delivered * ssthresh) / recoverFs) - out + maxseg - 1
  else {
    const credit = delivered - out
    const limit = conservative || del === 0 ? credit : Math.max(credit, del) + maxseg
    sndcnt = Math.min(ssthresh - pipe, limit)
  }
  return Math.floor(Math.max(sndcnt, 0) / maxseg)
}

/** The PRR state of an ECN congestion-recovery episode (the tcpcb's cprr* fields). */
export interface PrrCongState {
  cprrDelivered: number
  cprrOut: number
  cprrRecoverFs: number
}

/**
 * tcp_do_prr_ack in congestion recovery (ECN, no loss): `del` bytes newly acknowledged, `pipe`
 * what was in flight before this ACK (it still counts them). Returns the new cwnd: what stays in
 * flight plus whole segments of this ACK's share (prrSndcnt, as for SACK recovery), at least one
 * segment.
 */
export function prrCong(
  st: PrrCongState,
  del: number,
  pipe: number,
  ssthresh: number,
  maxseg: number,
): number {
  st.cprrDelivered += del
  if (pipe >= ssthresh && st.cprrRecoverFs === 0) st.cprrRecoverFs = Math.max(1, pipe)
  // FreeBSD passes SACK_CHANGE here: never the conservative bound, except when nothing was delivered.
  const segs = prrSndcnt(st.cprrDelivered, st.cprrOut, st.cprrRecoverFs, del, pipe, ssthresh, maxseg, false)
  return Math.max(pipe - del + segs * maxseg, maxseg)
}
