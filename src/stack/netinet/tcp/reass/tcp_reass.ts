/**
 * The TCP receive reassembly queue (FreeBSD's tcp_reass.c) and the receiver's SACK blocks
 * (RFC 2018 §4, RFC 2883 D-SACK; FreeBSD's tcp_update_sack_list, tcp_clean_sackreport).
 *
 * ReassQueue holds segments that arrived ahead of rcv_nxt, ordered by sequence number, and hands
 * the in-order run to the socket once the hole at rcv_nxt is filled. Overlaps are resolved as
 * 4.4BSD/FreeBSD do (RFC 9293 §3.10.7.4 leaves it open): data already held *before* a new segment
 * wins over the new segment's front, and the new segment wins over held data it overlaps *after*
 * its start (those entries are trimmed or, when covered, dropped). With a consistent sender the
 * delivered stream is the same whatever the arrival order. The queue is bounded by `limit`
 * segments (the engine sets it from `net.inet.tcp.reass.maxqueuelen` and the receive buffer, as
 * tcp(4) says): a further out-of-order segment is dropped and counted, but the segment at rcv_nxt
 * (the one that drains the queue) is always accepted, as in tcp_reass(). The FIN's position is
 * tracked; data beyond it is ignored.
 *
 * Payloads are held, not copied: the queue keeps the caller's Uint8Array with an offset and length,
 * so the caller hands over bytes it will not reuse (copy out of a pooled mbuf first). The segment
 * at rcv_nxt need not enter the queue at all: the engine may hand it to the socket itself and then
 * call deliver() with the advanced rcv_nxt, which drops or trims what that segment covered.
 *
 * Pure data structure: it does not send ACKs, touch socket buffers, timers or tcpstat (it returns
 * what happened; the engine counts), nor import the TCP engine. Nothing here throws.
 */

import { seqDiff, seqGt, seqLeq, seqLt } from '../../../../wire/inet/seq.js'

/** net.inet.tcp.reass.maxqueuelen's default. */
export const TCP_REASS_MAXQUEUELEN = 100

/** What insert() did with a segment. */
export const Reass = {
  /** Some new data (or a new FIN) was queued. */
  QUEUED: 0,
  /** Nothing new: every byte was already held or below rcv_nxt (see dupStart/dupEnd). */
  DUPLICATE: 1,
  /** The queue was full: the segment was dropped and `overflows` counted. */
  OVERFLOW: 2,
} as const
export type Reass = (typeof Reass)[keyof typeof Reass]

interface Entry {
  seq: number
  data: Uint8Array
  off: number
  len: number
}

/** Receives delivered bytes: data[off, off + len). */
export type ReassSink = (data: Uint8Array, off: number, len: number) => void

export class ReassQueue {
  /** Segments dropped because the queue was full (tcp_reass_overflows; tcps_rcvreassfull). */
  overflows = 0
  /** Bytes held (t_segqmbuflen's role). */
  bytes = 0
  /** Sequence number of the FIN, once a segment carrying it was seen; -1 before. */
  finSeq = -1
  /** The first duplicated range of the last insert() (D-SACK material); equal when none. */
  dupStart = 0
  dupEnd = 0
  /** Whether the run last delivered reached the FIN. */
  finReached = false
  /** Segments the queue may hold before out-of-order arrivals are dropped. */
  limit: number
  private readonly q: Entry[] = []

  constructor(limit = TCP_REASS_MAXQUEUELEN) {
    this.limit = limit
  }

  /** Segments held (t_segqlen). */
  get length(): number {
    return this.q.length
  }

  /** The sequence number of the first held byte, or -1 when empty. */
  get firstSeq(): number {
    return this.q.length > 0 ? this.q[0]!.seq : -1
  }

  /**
   * Queue the segment seq..seq+len (payload data[off, off+len), FIN flag `fin`) given the current
   * rcv_nxt. The caller has already trimmed it to the receive window. Call deliver() afterwards.
   */
  insert(
    rcvNxt: number,
    seq: number,
    data: Uint8Array,
    fin = false,
    off = 0,
    len = data.length - off,
  ): Reass {
    this.dupStart = this.dupEnd = 0
    seq >>>= 0
    if (seq !== rcvNxt >>> 0 && this.q.length >= this.limit) {
      this.overflows++
      return Reass.OVERFLOW
    }
    let newFin = false
    if (fin && this.finSeq < 0) {
      const f = (seq + len) >>> 0
      if (seqLeq(rcvNxt, f)) {
        this.finSeq = f
        newFin = true
        this.trimBeyondFin()
      }
    }
    // Below rcv_nxt: already delivered.
    const below = seqDiff(rcvNxt, seq)
    if (below > 0) {
      this.noteDup(seq, below < len ? rcvNxt : seq + len)
      if (below >= len) return newFin ? Reass.QUEUED : Reass.DUPLICATE
      off += below
      len -= below
      seq = rcvNxt >>> 0
    }
    // Beyond the FIN: not part of the stream.
    if (this.finSeq >= 0 && seqGt(seq + len, this.finSeq)) {
      len = seqDiff(this.finSeq, seq)
      if (len <= 0) return newFin ? Reass.QUEUED : Reass.DUPLICATE
    }
    if (len <= 0) return newFin ? Reass.QUEUED : Reass.DUPLICATE
    const q = this.q
    // i: the first entry starting after seq.
    let i = q.length
    while (i > 0 && seqGt(q[i - 1]!.seq, seq)) i--
    if (i > 0) {
      // The held predecessor wins over our front.
      const p = q[i - 1]!
      const over = seqDiff(p.seq + p.len, seq)
      if (over > 0) {
        this.noteDup(seq, over < len ? p.seq + p.len : seq + len)
        if (over >= len) return newFin ? Reass.QUEUED : Reass.DUPLICATE
        off += over
        len -= over
        seq = (seq + over) >>> 0
      }
    }
    // We win over held successors we overlap: drop those covered, trim the one we reach into.
    const end = (seq + len) >>> 0
    let j = i
    while (j < q.length && seqLt(q[j]!.seq, end)) {
      const n = q[j]!
      const nEnd = (n.seq + n.len) >>> 0
      this.noteDup(n.seq, seqLt(nEnd, end) ? nEnd : end)
      if (seqLeq(nEnd, end)) {
        this.bytes -= n.len
        j++
        continue
      }
      const cut = seqDiff(end, n.seq)
      n.seq = end
      n.off += cut
      n.len -= cut
      this.bytes -= cut
      break
    }
    const e: Entry = { seq, data, off, len }
    q.splice(i, j - i, e)
    this.bytes += len
    return Reass.QUEUED
  }

  /**
   * Hand the contiguous run starting at rcvNxt to `sink`, dropping it from the queue. Returns the
   * number of bytes delivered (rcv_nxt advances by that; by one more if finReached). Held data
   * below rcvNxt (data the engine delivered itself past the queue) is dropped, the first such range
   * noted in dupStart/dupEnd.
   */
  deliver(rcvNxt: number, sink: ReassSink): number {
    const q = this.q
    let nxt = rcvNxt >>> 0
    let n = 0
    let k = 0
    while (k < q.length && seqLeq(q[k]!.seq, nxt)) {
      const e = q[k++]!
      this.bytes -= e.len
      const skip = seqDiff(nxt, e.seq)
      if (skip > 0) this.noteDup(e.seq, skip < e.len ? nxt : e.seq + e.len)
      if (skip >= e.len) continue
      sink(e.data, e.off + skip, e.len - skip)
      n += e.len - skip
      nxt = (nxt + e.len - skip) >>> 0
    }
    if (k > 0) q.splice(0, k)
    this.finReached = this.finSeq >= 0 && nxt === this.finSeq
    return n
  }

  /** Held ranges [start, end) in order, for SACK bookkeeping checks and tests. */
  ranges(): Array<[number, number]> {
    return this.q.map((e) => [e.seq, (e.seq + e.len) >>> 0])
  }

  /** Forget the duplicate range noted by the last insert() or deliver(). */
  clearDup(): void {
    this.dupStart = this.dupEnd = 0
  }

  /** tcp_reass_flush(): drop everything held. */
  clear(): void {
    this.q.length = 0
    this.bytes = 0
  }

  /** A FIN became known: held data after it is not part of the stream. */
  private trimBeyondFin(): void {
    const q = this.q
    while (q.length > 0) {
      const e = q[q.length - 1]!
      const over = seqDiff(e.seq + e.len, this.finSeq)
      if (over <= 0) return
      if (over < e.len) {
        e.len -= over
        this.bytes -= over
        return
      }
      this.bytes -= e.len
      q.pop()
    }
  }

  private noteDup(start: number, end: number): void {
    if (this.dupStart !== this.dupEnd) return
    this.dupStart = start >>> 0
    this.dupEnd = end >>> 0
  }
}

/** MAX_SACK_BLKS: blocks remembered by the receiver (more than fit in one option). */
export const MAX_SACK_BLKS = 6
/** Blocks that fit in the option space (TCP_MAXOLEN 40): 4 alone, 3 next to timestamps. */
export const TCP_MAX_SACK = 4

/**
 * The receiver's SACK list (tp->sackblks, rcv_numsacks) with a pending D-SACK block. Block 0 is
 * the one containing the most recently received segment; the rest follow in the order of their
 * last update (RFC 2018 §4).
 */
export class RcvSackBlocks {
  /** Number of blocks (rcv_numsacks). */
  count = 0
  /** start/end pairs; valid up to 2 * count. */
  readonly blocks = new Uint32Array(2 * MAX_SACK_BLKS)
  /** A pending D-SACK (RFC 2883) to report once, first; equal when none. */
  dsackStart = 0
  dsackEnd = 0
  private readonly scratch = new Uint32Array(2 * MAX_SACK_BLKS)

  /**
   * tcp_update_sack_list(): the out-of-order segment [start, end) arrived (call it after
   * ReassQueue.deliver(), with the new rcv_nxt). It becomes block 0, absorbing every block it
   * overlaps or touches; blocks at or below rcvNxt are dropped.
   */
  update(rcvNxt: number, start: number, end: number): void {
    let hs = start >>> 0
    let he = end >>> 0
    if (seqLt(hs, rcvNxt)) hs = rcvNxt >>> 0
    if (!seqLt(hs, he)) {
      this.advance(rcvNxt)
      return
    }
    const b = this.blocks
    const s = this.scratch
    let kept = 0
    for (let i = 0; i < this.count; i++) {
      const bs = b[2 * i]!
      const be = b[2 * i + 1]!
      if (seqLeq(be, rcvNxt) || !seqLt(bs, be)) continue
      if (seqLeq(hs, be) && seqLeq(bs, he)) {
        if (seqLt(bs, hs)) hs = bs
        if (seqGt(be, he)) he = be
        continue
      }
      s[2 * kept] = bs
      s[2 * kept + 1] = be
      kept++
    }
    if (kept > MAX_SACK_BLKS - 1) kept = MAX_SACK_BLKS - 1
    b[0] = hs
    b[1] = he
    for (let i = 0; i < 2 * kept; i++) b[2 + i] = s[i]!
    this.count = 1 + kept
  }

  /**
   * rcv_nxt advanced to rcvNxt: drop blocks it covers and trim one it reaches into (what FreeBSD's
   * update after in-order data and tcp_clean_sackreport achieve). Order is kept.
   */
  advance(rcvNxt: number): void {
    const b = this.blocks
    let n = 0
    for (let i = 0; i < this.count; i++) {
      let bs = b[2 * i]!
      const be = b[2 * i + 1]!
      if (seqLeq(be, rcvNxt)) continue
      if (seqLt(bs, rcvNxt)) bs = rcvNxt >>> 0
      b[2 * n] = bs
      b[2 * n + 1] = be
      n++
    }
    this.count = n
  }

  /** Report [start, end) as a duplicate in the next ACK (RFC 2883 §4). */
  dsack(start: number, end: number): void {
    this.dsackStart = start >>> 0
    this.dsackEnd = end >>> 0
  }

  /**
   * Fill `out` with the blocks for the next segment's SACK option, at most `max` (TCP_MAX_SACK, or 3
   * with timestamps): a pending D-SACK first (then cleared), followed by the regular blocks.
   * Returns the number of blocks written (out holds start, end pairs).
   */
  option(out: Uint32Array, max: number): number {
    let n = 0
    if (this.dsackStart !== this.dsackEnd && max > 0) {
      out[0] = this.dsackStart
      out[1] = this.dsackEnd
      this.dsackStart = this.dsackEnd = 0
      n = 1
    }
    for (let i = 0; i < this.count && n < max; i++, n++) {
      out[2 * n] = this.blocks[2 * i]!
      out[2 * n + 1] = this.blocks[2 * i + 1]!
    }
    return n
  }

  /** tcp_clean_sackreport(): forget every block. */
  clear(): void {
    this.count = 0
    this.dsackStart = this.dsackEnd = 0
  }
}
