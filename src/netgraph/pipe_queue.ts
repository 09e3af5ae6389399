/**
 * The two queues of one ng_pipe(4) direction, allocation-free in steady state (they allocate only to
 * grow, up to the limits the node enforces):
 *
 * - FlowQueues, ng_pipe's inbound ("bandwidth") queue: frames waiting for the link, split into
 *   per-flow sub-queues served FIFO, by deficit round robin or by weighted fair queueing exactly as
 *   sys/netgraph/ng_pipe.c does it; overflow drops from the head or tail of the longest sub-queue.
 * - DelayLine, ng_pipe's outbound ("delay") queue: frames that left the link, ordered by the time
 *   they reach the far end, FIFO among equal times. Jitter and reordering make that order differ from
 *   the departure order, so it is a binary heap rather than a list.
 *
 * Neither knows about time sources, randomness, configuration messages or counters: the caller
 * decides what to enqueue, when to dequeue and what a drop means.
 */

import type { Mbuf } from '../buf/mbuf.js'

/** Idle sub-queues kept for reuse beyond the number of active ones. */
const IDLE_SLACK = 64

/** A growable ring of mbufs with O(1) push, shift and pop (drop-head and drop-tail need both ends). */
export class MbufRing {
  private slots: Array<Mbuf | null> = new Array<Mbuf | null>(4).fill(null)
  private head = 0
  size = 0

  push(m: Mbuf): void {
    if (this.size === this.slots.length) this.grow()
    this.slots[(this.head + this.size) & (this.slots.length - 1)] = m
    this.size++
  }

  /** The oldest frame; the ring must not be empty. */
  peek(): Mbuf {
    return this.slots[this.head]!
  }

  shift(): Mbuf {
    const m = this.slots[this.head]!
    this.slots[this.head] = null
    this.head = (this.head + 1) & (this.slots.length - 1)
    this.size--
    return m
  }

  pop(): Mbuf {
    const i = (this.head + this.size - 1) & (this.slots.length - 1)
    const m = this.slots[i]!
    this.slots[i] = null
    this.size--
    return m
  }

  private grow(): void {
    const old = this.slots
    const slots = new Array<Mbuf | null>(old.length * 2).fill(null)
    for (let i = 0; i < this.size; i++) slots[i] = old[(this.head + i) & (old.length - 1)]!
    this.slots = slots
    this.head = 0
  }
}

/** One flow's sub-queue (ng_pipe's struct ngp_fifo), linked into the list of active sub-queues. */
class Flow {
  hash = 0
  /** In the round (holds frames); an idle flow stays filed under its hash for reuse. */
  active = false
  readonly q = new MbufRing()
  /** DRR: bytes this flow may still send in the current round. */
  deficit = 0
  /** WFQ: virtual finishing time of the head frame, ns. */
  vtime = 0
  prev: Flow | null = null
  next: Flow | null = null
}

/**
 * ng_pipe's inbound queue. Frames are filed under a flow hash (always 0 in FIFO mode). A sub-queue
 * takes part in the round only while it holds frames, as in ng_pipe; an emptied one stays filed
 * under its hash so the next frame of the flow finds it without touching the Map (whose delete and
 * set reallocate its table), until idle flows outnumber the active ones by IDLE_SLACK and are
 * recycled in one sweep. So flows cost O(1) amortized and never more than queue length + slack.
 */
export class FlowQueues {
  frames = 0
  bytes = 0
  /** Active sub-queues (ng_pipe's `fifo_queues`). */
  flows = 0
  /** DRR quantum in bytes; 0 = not DRR. */
  quantum = 0
  /** WFQ: ns per byte on the link (8e9 / bandwidth); 0 = not WFQ, or WFQ without a bandwidth. */
  wfqNsPerByte = 0
  /** Per-frame link overhead in bytes, counted in WFQ virtual times as ng_pipe does. */
  overhead = 0
  private first: Flow | null = null
  private last: Flow | null = null
  private readonly byHash = new Map<number, Flow>()
  private readonly spare: Flow[] = []

  /** File m under its flow. A new flow joins the round at the tail, or by virtual time under WFQ. */
  add(m: Mbuf, hash: number, now: number): void {
    let f = this.byHash.get(hash)
    if (f === undefined) {
      if (this.byHash.size >= 2 * this.flows + IDLE_SLACK) this.sweep()
      f = this.spare.pop() ?? new Flow()
      f.hash = hash
      this.byHash.set(hash, f)
    }
    f.q.push(m)
    if (!f.active) {
      // ng_pipe gives a new sub-queue a full quantum.
      f.active = true
      f.deficit = this.quantum
      this.flows++
      this.place(f, m.len, now)
    }
    this.frames++
    this.bytes += m.len
  }

  /**
   * The next frame to put on the link (ng_pipe's pipe_dequeue): the head of the first sub-queue,
   * except that under DRR a sub-queue whose deficit does not cover its head frame earns one more
   * quantum and goes to the back of the round. Must not be called when empty.
   */
  take(now: number): Mbuf {
    for (;;) {
      const f = this.first!
      const m = f.q.peek()
      if (this.quantum > 0) {
        if (f.deficit >= m.len) f.deficit -= m.len
        else {
          f.deficit += this.quantum
          this.unlink(f)
          this.append(f)
          continue
        }
      }
      this.remove(f, f.q.shift())
      // Under WFQ the served flow is re-sorted by the virtual time of its new head frame.
      if (f.q.size > 0 && this.wfqNsPerByte > 0) {
        this.unlink(f)
        this.place(f, f.q.peek().len, now)
      }
      return m
    }
  }

  /**
   * Remove one frame to relieve overflow: "the longest queue is truncated" (ng_pipe(4)), at its head
   * or tail. Ties go to the sub-queue that is earlier in the round. Must not be called when empty.
   */
  dropOne(head: boolean): Mbuf {
    let longest = this.first!
    for (let f = longest.next; f !== null; f = f.next) if (f.q.size > longest.q.size) longest = f
    const m = head ? longest.q.shift() : longest.q.pop()
    this.remove(longest, m)
    return m
  }

  /** Account for a frame just taken out of f; an emptied sub-queue leaves the round. */
  private remove(f: Flow, m: Mbuf): void {
    this.frames--
    this.bytes -= m.len
    if (f.q.size > 0) return
    this.unlink(f)
    f.active = false
    this.flows--
  }

  /** Recycle every idle sub-queue (rare: see the class comment). */
  private sweep(): void {
    this.byHash.forEach((f, hash) => {
      if (f.active) return
      this.byHash.delete(hash)
      this.spare.push(f)
    })
  }

  /**
   * ng_pipe's FIFO_VTIME_SORT: under WFQ with a bandwidth, a flow's virtual time is now plus the
   * time its head frame would take on a link shared by all active flows, and the flow goes before
   * the first one with a later virtual time. Otherwise it joins the tail of the round.
   */
  private place(f: Flow, len: number, now: number): void {
    let g: Flow | null = null
    if (this.wfqNsPerByte > 0) {
      f.vtime = now + (len + this.overhead) * this.flows * this.wfqNsPerByte
      g = this.first
      while (g !== null && g.vtime <= f.vtime) g = g.next
    }
    if (g === null) {
      this.append(f)
      return
    }
    f.next = g
    f.prev = g.prev
    if (g.prev === null) this.first = f
    else g.prev.next = f
    g.prev = f
  }

  private append(f: Flow): void {
    f.prev = this.last
    f.next = null
    if (this.last === null) this.first = f
    else this.last.next = f
    this.last = f
  }

  private unlink(f: Flow): void {
    if (f.prev === null) this.first = f.next
    else f.prev.next = f.next
    if (f.next === null) this.last = f.prev
    else f.next.prev = f.prev
    f.prev = null
    f.next = null
  }
}

/**
 * Frames in flight, keyed by the time they reach the far end: a binary min-heap over parallel
 * arrays, FIFO among equal times (each push takes a sequence number).
 */
export class DelayLine {
  private ms: Array<Mbuf | null> = new Array<Mbuf | null>(16).fill(null)
  private at = new Float64Array(16)
  private ord = new Float64Array(16)
  private seq = 0
  size = 0
  bytes = 0

  push(m: Mbuf, time: number): void {
    if (this.size === this.ms.length) this.grow()
    let i = this.size++
    const ord = this.seq++
    // Sift up: move parents that come later down into the hole.
    while (i > 0) {
      const p = (i - 1) >> 1
      if (this.at[p]! < time || (this.at[p] === time && this.ord[p]! < ord)) break
      this.move(p, i)
      i = p
    }
    this.ms[i] = m
    this.at[i] = time
    this.ord[i] = ord
    this.bytes += m.len
  }

  /** Arrival time of the earliest frame; the line must not be empty. */
  peekTime(): number {
    return this.at[0]!
  }

  pop(): Mbuf {
    const top = this.ms[0]!
    const n = --this.size
    this.bytes -= top.len
    // Sift the last element down from the root.
    const m = this.ms[n]!
    const time = this.at[n]!
    const ord = this.ord[n]!
    this.ms[n] = null
    let i = 0
    for (;;) {
      let c = 2 * i + 1
      if (c >= n) break
      if (c + 1 < n && this.before(c + 1, c)) c++
      if (this.at[c]! > time || (this.at[c] === time && this.ord[c]! > ord)) break
      this.move(c, i)
      i = c
    }
    if (n > 0) {
      this.ms[i] = m
      this.at[i] = time
      this.ord[i] = ord
    }
    return top
  }

  private before(a: number, b: number): boolean {
    return this.at[a]! < this.at[b]! || (this.at[a] === this.at[b] && this.ord[a]! < this.ord[b]!)
  }

  private move(from: number, to: number): void {
    this.ms[to] = this.ms[from]!
    this.at[to] = this.at[from]!
    this.ord[to] = this.ord[from]!
  }

  private grow(): void {
    const n = this.ms.length * 2
    const ms = new Array<Mbuf | null>(n).fill(null)
    for (let i = 0; i < this.size; i++) ms[i] = this.ms[i]!
    const at = new Float64Array(n)
    at.set(this.at)
    const ord = new Float64Array(n)
    ord.set(this.ord)
    this.ms = ms
    this.at = at
    this.ord = ord
  }
}
