/**
 * The sender's SACK scoreboard (RFC 6675; FreeBSD's tcp_sack.c: tcp_sack_doack, tcp_sack_output,
 * tcp_sack_adjust, tcp_free_sackholes, tcp_resend_sackholes, tcp_compute_pipe).
 *
 * The scoreboard is a list of holes: unSACKed ranges between snd_una and snd_fack (the highest
 * SACKed sequence number), each with `rxmit`, how far it has been retransmitted (RFC 6675's
 * HighRxt per hole). Everything in [snd_una, snd_fack) outside the holes has been SACKed. Blocks
 * from an ACK are validated as FreeBSD does (inside snd_una..snd_max and above the cumulative ACK;
 * D-SACK and bogus blocks ignored) before they change anything. IsLost (DupThresh 3) is constant
 * within a hole, so each hole carries a `lost` flag, and pipe is RFC 6675's SetPipe():
 *   pipe = (snd_max - snd_una) - sacked - lost + retransmitted.
 *
 * Bounded: at most `net.inet.tcp.sack.maxholes` holes per connection (128) and
 * `net.inet.tcp.sack.globalmaxholes` per vnet (65536, counted in SackHoleBudget.holes); when no
 * hole can be had the SACK information that would need it is ignored and tcps_sack_sboverflow
 * counted, as FreeBSD does, so the invariant above always holds. Pure: no timers, output or engine
 * imports; allocation only when a hole is created.
 */

import { seqDiff, seqGeq, seqGt, seqLeq, seqLt, seqMax, seqMin } from '../../../../wire/inet/seq.js'

/** DupThresh (RFC 6675 §2). */
export const DUP_THRESH = 3
/** net.inet.tcp.sack.maxholes and net.inet.tcp.sack.globalmaxholes defaults. */
export const TCP_SACK_MAXHOLES = 128
export const TCP_SACK_GLOBALMAXHOLES = 65536
/** The most blocks one SACK option can carry. */
export const TCP_MAX_SACK_BLOCKS = 4

/** What update() found (FreeBSD's sack_changed). */
export const SACK_NOCHANGE = 0
export const SACK_CHANGE = 1
export const SACK_NEWLOSS = 2

/** Per-vnet hole accounting (V_tcp_sack_globalholes and friends). */
export class SackHoleBudget {
  /** net.inet.tcp.sack.globalholes: holes in use in this vnet. */
  holes = 0
  /** net.inet.tcp.sack.globalmaxholes. */
  max = TCP_SACK_GLOBALMAXHOLES
  /** tcps_sack_sboverflow: SACK information dropped for want of a hole. */
  sboverflow = 0
}

/** struct sackhole. */
export interface SackHole {
  start: number
  end: number
  /** Next sequence number to retransmit; start <= rxmit <= end. */
  rxmit: number
  /** RFC 6675 IsLost() for every sequence number in the hole. */
  lost: boolean
}

export class SackScoreboard {
  /** Holes in sequence order. Read-only for the engine. */
  readonly holes: SackHole[] = []
  /** snd_fack: the highest sequence number known to have arrived (SACKed or cumulatively ACKed). */
  sndFack = 0
  /** sackhint.sacked_bytes: SACKed bytes above snd_una. */
  sackedBytes = 0
  /** sackhint.sack_bytes_rexmit: bytes retransmitted inside the holes. */
  rexmitBytes = 0
  /** Bytes in holes that IsLost() says are lost. */
  lostBytes = 0
  /** Bytes in all holes. */
  holeBytes = 0
  /** Where nextSeg() found the segment to send: [segStart, segStart + segLen). */
  segStart = 0
  segLen = 0
  /**
   * sackhint.delivered_data: what the last update() learned arrived, cumulatively acknowledged
   * or newly SACKed (RFC 6937's DeliveredData).
   */
  delivered = 0
  /** RFC 6937's prr_delivered, prr_out and RecoverFS for the recovery episode (tcp_prr.ts). */
  prrDelivered = 0
  prrOut = 0
  recoverFs = 0
  private readonly maxHoles: number
  private readonly budget: SackHoleBudget
  private readonly blocks = new Uint32Array(2 * TCP_MAX_SACK_BLOCKS)

  constructor(budget: SackHoleBudget, maxHoles = TCP_SACK_MAXHOLES) {
    this.budget = budget
    this.maxHoles = maxHoles
  }

  /**
   * tcp_sack_doack(): an ACK with cumulative ack `ack` arrived while snd_una was `sndUna` (before
   * this ACK) and snd_max `sndMax`, carrying `n` SACK blocks as start/end pairs in `blocks`.
   * `mss` is the segment size IsLost() counts with. Returns SACK_NOCHANGE, SACK_CHANGE or
   * SACK_NEWLOSS (more data now deemed lost).
   */
  update(sndUna: number, ack: number, sndMax: number, blocks: Uint32Array, n: number, mss: number): number {
    const una = seqMax(sndUna, ack) >>> 0
    const v = this.blocks
    let nv = 0
    for (let i = 0; i < n && i < TCP_MAX_SACK_BLOCKS; i++) {
      const s = blocks[2 * i]!
      const e = blocks[2 * i + 1]!
      if (
        seqGt(e, s) &&
        seqGt(s, sndUna) &&
        seqGt(s, ack) &&
        seqLt(s, sndMax) &&
        seqGt(e, sndUna) &&
        seqLeq(e, sndMax)
      ) {
        // Insertion sort by start: at most four blocks.
        let j = nv++
        while (j > 0 && seqGt(v[2 * (j - 1)]!, s)) {
          v[2 * j] = v[2 * (j - 1)]!
          v[2 * j + 1] = v[2 * (j - 1) + 1]!
          j--
        }
        v[2 * j] = s
        v[2 * j + 1] = e
      }
    }
    const holes = this.holes
    const sackedBefore = this.sackedBytes
    if (holes.length === 0) this.sndFack = una
    else {
      // The cumulative ACK acts as a SACK block [snd_una, ack).
      this.subtract(sndUna, una)
      if (seqLt(this.sndFack, una)) this.sndFack = una
    }
    // Only SACK information counts as a change (an ACK that merely advances is not one).
    const oldFack = this.sndFack
    let oldHoleBytes = 0
    for (const h of holes) oldHoleBytes += seqDiff(h.end, h.start)
    for (let i = 0; i < nv; i++) {
      const s = v[2 * i]!
      const e = v[2 * i + 1]!
      if (seqLt(s, this.sndFack)) this.subtract(s, seqMin(e, this.sndFack))
      if (seqLeq(e, this.sndFack)) continue
      if (seqGt(s, this.sndFack)) {
        // A new hole between the old highest SACK and this block.
        if (!this.newHole(this.sndFack, s)) break
      }
      this.sndFack = e
    }
    const newly = this.recount(una, mss)
    // RFC 6937 DeliveredData = (change in snd.una) + (change in SACKed bytes).
    this.delivered = Math.max(seqDiff(una, sndUna), 0) + this.sackedBytes - sackedBefore
    if (this.delivered < 0) this.delivered = 0
    if (newly > 0) return SACK_NEWLOSS
    if (this.sndFack !== oldFack || this.holeBytes !== oldHoleBytes) return SACK_CHANGE
    return SACK_NOCHANGE
  }

  /** RFC 6675 IsLost(seq) for an unSACKed sequence number at or above snd_una. */
  isLost(seq: number): boolean {
    for (const h of this.holes) if (seqGeq(seq, h.start) && seqLt(seq, h.end)) return h.lost
    return false
  }

  /**
   * RFC 6675 NextSeg() rules 1 and 3 (rule 2, new data, is the engine's): the first hole not yet
   * fully retransmitted whose data is lost, or with `unlost` (rule 3, when rules 1 and 2 found
   * nothing) any such hole. Sets segStart/segLen (at most mss) and returns true if found.
   */
  nextSeg(mss: number, unlost = false): boolean {
    for (const h of this.holes) {
      if (!seqLt(h.rxmit, h.end) || !(h.lost || unlost)) continue
      this.segStart = h.rxmit
      const left = seqDiff(h.end, h.rxmit)
      this.segLen = left < mss ? left : mss
      return true
    }
    return false
  }

  /** The engine (re)sent [start, start + len) from a hole: advance its rxmit (HighRxt). */
  markRexmit(start: number, len: number): void {
    const end = (start + len) >>> 0
    for (const h of this.holes) {
      if (seqLeq(h.end, start)) continue
      if (seqGeq(h.start, end)) break
      const r = seqMin(seqMax(h.rxmit, end), h.end) >>> 0
      this.rexmitBytes += seqDiff(r, h.rxmit)
      h.rxmit = r
    }
  }

  /**
   * RFC 6675 SetPipe(): the bytes in flight between snd_una and snd_max (FreeBSD's
   * tcp_compute_pipe() with net.inet.tcp.newsack).
   */
  pipe(sndUna: number, sndMax: number): number {
    return seqDiff(sndMax, sndUna) - this.sackedBytes - this.lostBytes + this.rexmitBytes
  }

  /**
   * tcp_sack_adjust(): move snd_nxt past SACKed data it points into (to the next hole, or to
   * snd_fack).
   */
  adjust(sndNxt: number): number {
    const holes = this.holes
    if (holes.length === 0 || seqGeq(sndNxt, this.sndFack)) return sndNxt
    for (let i = 0; i < holes.length; i++) {
      const h = holes[i]!
      if (seqLt(sndNxt, h.start)) return h.start
      if (seqLt(sndNxt, h.end)) return sndNxt
    }
    return this.sndFack
  }

  /** tcp_resend_sackholes(): after an RTO, everything in the holes is to be sent again. */
  resend(): void {
    for (const h of this.holes) h.rxmit = h.start
    this.rexmitBytes = 0
  }

  /** tcp_free_sackholes(): forget the scoreboard and give its holes back. */
  clear(): void {
    this.budget.holes -= this.holes.length
    this.holes.length = 0
    this.sackedBytes = this.rexmitBytes = this.lostBytes = this.holeBytes = 0
  }

  /** Mark [s, e) as arrived: trim, split or drop the holes it touches. */
  private subtract(s: number, e: number): void {
    if (!seqLt(s, e)) return
    const holes = this.holes
    for (let i = 0; i < holes.length; i++) {
      const h = holes[i]!
      if (seqLeq(h.end, s)) continue
      if (seqGeq(h.start, e)) return
      if (seqLeq(s, h.start)) {
        if (seqGeq(e, h.end)) {
          holes.splice(i--, 1)
          this.budget.holes--
          continue
        }
        h.start = e >>> 0
        h.rxmit = seqMax(h.rxmit, h.start) >>> 0
        return
      }
      if (seqGeq(e, h.end)) {
        h.end = s >>> 0
        h.rxmit = seqMin(h.rxmit, h.end) >>> 0
        continue
      }
      // A SACK inside the hole: split it, if a hole can be had.
      if (!this.canAllocate()) return
      const tail: SackHole = { start: e >>> 0, end: h.end, rxmit: seqMax(h.rxmit, e) >>> 0, lost: h.lost }
      h.end = s >>> 0
      h.rxmit = seqMin(h.rxmit, h.end) >>> 0
      holes.splice(i + 1, 0, tail)
      this.budget.holes++
      return
    }
  }

  private newHole(s: number, e: number): boolean {
    if (!this.canAllocate()) return false
    this.holes.push({ start: s >>> 0, end: e >>> 0, rxmit: s >>> 0, lost: false })
    this.budget.holes++
    return true
  }

  private canAllocate(): boolean {
    if (this.holes.length < this.maxHoles && this.budget.holes < this.budget.max) return true
    this.budget.sboverflow++
    return false
  }

  /**
   * Recompute the byte counts and the IsLost flags (RFC 6675 §4) from the holes; returns the bytes
   * newly deemed lost.
   */
  private recount(una: number, mss: number): number {
    const holes = this.holes
    let holeBytes = 0
    let rexmit = 0
    let lost = 0
    let sackedAbove = 0
    let newly = 0
    let next = this.sndFack
    for (let i = holes.length - 1; i >= 0; i--) {
      const h = holes[i]!
      sackedAbove += seqDiff(next, h.end)
      const was = h.lost
      h.lost = holes.length - i >= DUP_THRESH || sackedAbove > (DUP_THRESH - 1) * mss
      const size = seqDiff(h.end, h.start)
      if (h.lost && !was) newly += size
      holeBytes += size
      rexmit += seqDiff(h.rxmit, h.start)
      if (h.lost) lost += size
      next = h.start
    }
    this.holeBytes = holeBytes
    this.rexmitBytes = rexmit
    this.lostBytes = lost
    this.sackedBytes = seqGt(this.sndFack, una) ? seqDiff(this.sndFack, una) - holeBytes : 0
    return newly
  }
}
