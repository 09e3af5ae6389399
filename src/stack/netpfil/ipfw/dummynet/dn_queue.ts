/**
 * dummynet's queues (FreeBSD's struct dn_queue, dn_enqueue and red_drops in ip_dn_io.c): a FIFO of
 * packets with the flowset's limits (slots or bytes), loss rate and RED/GRED early drop, its
 * counters (what `show` prints per flow), and the bounded hash tables that find a flow's queue or
 * scheduler instance from the packet's masked flow id.
 *
 * Packets are linked through Mbuf.next; nothing here allocates per packet except a new flow's
 * queue, and tables never hold more than their limit (a packet of one flow too many is dropped and
 * counted). It must not know schedulers or timers.
 */

import type { Mbuf, MbufPool } from '../../../../buf/mbuf.js'
import type { Rng } from '../../../../util/rng.js'
import type { DnMask } from './dn_h.js'

/** A packet's flow id (struct ipfw_flow_id, IPv4), masked by a flowset's or scheduler's mask. */
export class FlowId {
  proto = 0
  src = 0
  dst = 0
  sport = 0
  dport = 0
  /** The flowset number when the mask has `queue` (DN_HAVE_MASK on extra), else 0. */
  extra = 0

  set(mask: DnMask | null, from: FlowId, fsNr: number): void {
    if (mask === null) {
      this.proto = 0
      this.src = 0
      this.dst = 0
      this.sport = 0
      this.dport = 0
      this.extra = 0
      return
    }
    this.proto = from.proto & mask.proto
    this.src = (from.src & mask.src) >>> 0
    this.dst = (from.dst & mask.dst) >>> 0
    this.sport = from.sport & mask.sport
    this.dport = from.dport & mask.dport
    this.extra = mask.extra ? fsNr : 0
  }

  copy(o: FlowId): void {
    this.proto = o.proto
    this.src = o.src
    this.dst = o.dst
    this.sport = o.sport
    this.dport = o.dport
    this.extra = o.extra
  }

  eq(o: FlowId): boolean {
    return (
      this.src === o.src &&
      this.dst === o.dst &&
      this.sport === o.sport &&
      this.dport === o.dport &&
      this.proto === o.proto &&
      this.extra === o.extra
    )
  }

  hash(seed: number): number {
    let h = Math.imul(this.src ^ seed, 0x9e3779b1)
    h = Math.imul(h ^ this.dst ^ (h >>> 15), 0x85ebca6b)
    h = Math.imul(h ^ ((this.sport << 16) | this.dport) ^ (h >>> 13), 0xc2b2ae35)
    h ^= this.proto ^ (this.extra << 8)
    return (h ^ (h >>> 16)) >>> 0
  }
}

/** What a flow table holds: something with a flow id, chained through its bucket. */
export interface FlowEntry {
  readonly fid: FlowId
  /** Owner identity folded into the key (a queue belongs to one scheduler instance). */
  readonly owner: number
  hnext: FlowEntry | null
}

/** A hash table of flows with a fixed bucket count and a hard limit on entries. */
export class FlowTable<T extends FlowEntry> {
  readonly buckets: (T | null)[]
  count = 0

  constructor(
    nBuckets: number,
    readonly limit: number,
  ) {
    this.buckets = new Array<T | null>(nBuckets > 0 ? nBuckets : 1).fill(null)
  }

  bucketOf(fid: FlowId, owner: number): number {
    return fid.hash(owner) % this.buckets.length
  }

  find(fid: FlowId, owner: number): T | null {
    for (let e: T | null = this.buckets[this.bucketOf(fid, owner)]!; e !== null; e = e.hnext as T | null)
      if (e.owner === owner && e.fid.eq(fid)) return e
    return null
  }

  /** Insert (the caller checked `full` first). */
  add(e: T): void {
    const b = this.bucketOf(e.fid, e.owner)
    e.hnext = this.buckets[b]!
    this.buckets[b] = e
    this.count++
  }

  get full(): boolean {
    return this.count >= this.limit
  }

  /** Remove every entry for which `gone` holds. */
  removeWhere(gone: (e: T) => boolean): void {
    for (let b = 0; b < this.buckets.length; b++) {
      let prev: T | null = null
      for (let e: T | null = this.buckets[b]!; e !== null; ) {
        const next = e.hnext as T | null
        if (gone(e)) {
          if (prev === null) this.buckets[b] = next
          else prev.hnext = next
          e.hnext = null
          this.count--
        } else prev = e
        e = next
      }
    }
  }

  forEach(fn: (e: T, bucket: number) => void): void {
    for (let b = 0; b < this.buckets.length; b++)
      for (let e: T | null = this.buckets[b]!; e !== null; e = e.hnext as T | null) fn(e, b)
  }
}

/** Counters of a flow (struct dn_flow): totals since creation, what is queued now, drops. */
export class FlowStats {
  totPkts = 0
  totBytes = 0
  len = 0
  lenBytes = 0
  drops = 0
}

/** The limits and early-drop settings a queue is held to (a flowset's, validated). */
export interface QueueLimits {
  readonly qsize: number
  readonly qbytes: boolean
  /** Loss probability 0..1. */
  readonly plr: number
  readonly red: RedParams | null
}

export interface RedParams {
  readonly gentle: boolean
  readonly wq: number
  readonly minTh: number
  readonly maxTh: number
  readonly maxP: number
  /** net.inet.ip.dummynet.red_max_pkt_size: byte-mode probabilities scale by len / this. */
  readonly maxPktSize: number
}

/** A FIFO of packets with its counters and RED state. */
export class DnQueue implements FlowEntry {
  readonly fid = new FlowId()
  owner = 0
  hnext: FlowEntry | null = null
  /** The flowset's weight (WF2Q+, RR) and lmax (RR quantum), copied when it is (re)configured. */
  weight = 1
  lmax = 0
  head: Mbuf | null = null
  tail: Mbuf | null = null
  readonly ni = new FlowStats()
  /** RED: average queue size, packets since the last drop (-1 = below min_th), when it went idle. */
  avg = 0
  count = -1
  random = 0
  idleSince = 0
  // Scheduler-private state (one scheduler owns a queue at a time).
  /** WF2Q+ virtual start and finish times; RR / fq_codel deficit. */
  S = 0
  F = 0
  deficit = 0
  /** On the scheduler's active list (WF2Q+, RR, fq_codel). */
  active = false
  /** fq_codel: on the new-flows list. */
  isNew = false
  /** Next queue on a scheduler's list. */
  snext: DnQueue | null = null
  /** CoDel state (dn_aqm_codel.h): dropping, drop count, next drop time, first time above target. */
  dropping = false
  cdCount = 0
  cdLastCount = 0
  dropNext = 0
  firstAboveTime = 0

  append(m: Mbuf, len: number): void {
    m.next = null
    if (this.tail === null) this.head = m
    else this.tail.next = m
    this.tail = m
    this.ni.len++
    this.ni.lenBytes += len
  }

  /** Take the head packet (the caller accounts for its length in the instance). */
  shift(): Mbuf | null {
    const m = this.head
    if (m === null) return null
    this.head = m.next
    if (this.head === null) this.tail = null
    m.next = null
    this.ni.len--
    this.ni.lenBytes -= m.len
    return m
  }

  /** Free every packet held; returns how many. */
  purge(pool: MbufPool): number {
    let n = 0
    for (let m = this.shift(); m !== null; m = this.shift()) {
      pool.put(m)
      n++
    }
    return n
  }
}

/**
 * red_drops: RED (Floyd & Jacobson 1993) and gentle RED on the queue's average size, in slots or
 * bytes. `txNs` is the time one average packet takes on the link (0 for an unlimited one), which
 * decays the average over an idle period as FreeBSD's lookup table does.
 */
export function redDrops(
  q: DnQueue,
  r: RedParams,
  bytes: boolean,
  len: number,
  now: number,
  txNs: number,
  rng: Rng,
): boolean {
  const size = bytes ? q.ni.lenBytes : q.ni.len
  if (size !== 0) q.avg = (1 - r.wq) * q.avg + r.wq * size
  else if (txNs > 0) q.avg *= (1 - r.wq) ** ((now - q.idleSince) / txNs)
  else q.avg = 0
  if (q.avg < r.minTh) {
    q.count = -1
    return false
  }
  let pb: number
  if (q.avg >= r.maxTh) {
    if (!r.gentle || q.avg >= 2 * r.maxTh) {
      q.count = 0
      return true
    }
    // Gentle RED: from max_p at max_th up to 1 at 2*max_th.
    pb = r.maxP + ((1 - r.maxP) * (q.avg - r.maxTh)) / r.maxTh
  } else pb = (r.maxP * (q.avg - r.minTh)) / (r.maxTh - r.minTh)
  if (bytes) pb = (pb * len) / r.maxPktSize
  if (++q.count === 0) q.random = rng.float()
  else if (pb * q.count > q.random) {
    q.count = 0
    q.random = rng.float()
    return true
  }
  return false
}

/** A FIFO list of queues linked through DnQueue.snext (a scheduler's active or new/old lists). */
export class QList {
  head: DnQueue | null = null
  tail: DnQueue | null = null

  push(q: DnQueue): void {
    q.snext = null
    if (this.tail === null) this.head = q
    else this.tail.snext = q
    this.tail = q
  }

  pop(): DnQueue | null {
    const q = this.head
    if (q === null) return null
    this.head = q.snext
    if (this.head === null) this.tail = null
    q.snext = null
    return q
  }

  /** Unlink q wherever it is (O(length)). */
  remove(q: DnQueue): void {
    let prev: DnQueue | null = null
    for (let x = this.head; x !== null; prev = x, x = x.snext)
      if (x === q) {
        if (prev === null) this.head = x.snext
        else prev.snext = x.snext
        if (this.tail === x) this.tail = prev
        x.snext = null
        return
      }
  }
}
