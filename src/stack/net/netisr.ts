/**
 * The host's packet run-queue (FreeBSD's netisr). Drivers hand received frames here instead of calling
 * the stack directly, so a reply generated while processing a packet is queued rather than recursing,
 * and a whole exchange between in-process stacks runs to completion in one loop without timers.
 * Bounded: when full, frames are dropped and counted on the receiving interface.
 *
 * Because a transmit from outside the loop runs the whole exchange before returning, code that
 * transmits must finish updating its own state first: the reply may already have been processed.
 */

import type { Mbuf, MbufPool } from '../../buf/mbuf.js'

/** Something that takes a frame from the run-queue: an interface's input routine. */
export interface NetisrTarget {
  netisrInput(m: Mbuf): void
  /** Count a frame dropped before input (queue full). */
  netisrDrop(): void
}

export class Netisr {
  private readonly targets: Array<NetisrTarget | null>
  private readonly mbufs: Array<Mbuf | null>
  private readonly mask: number
  private head = 0
  private tail = 0
  private running = false
  private readonly pool: MbufPool
  /** Frames processed since creation. */
  processed = 0
  /** Exceptions caught from input routines: always a bug, surfaced by tests and `netstat -s`. */
  errors = 0
  lastError: unknown = undefined

  /** Run later, after I/O (the clock driver's defer); lets a forwarding storm yield to the process. */
  private readonly defer: (fn: () => void) => void
  private readonly budget: number
  private left = 0
  private deferred = false

  /**
   * Told when frames are left over for a later turn and when the queue is empty again: the virtual
   * clock then fires one event per turn, so queued frames are not left behind while timers race
   * ahead (a storm's backlog would otherwise hold a BPDU for seconds of virtual time).
   */
  private readonly backlog: (on: boolean) => void

  constructor(
    pool: MbufPool,
    defer: (fn: () => void) => void,
    capacityLog2 = 16,
    budget = 1 << 20,
    backlog: (on: boolean) => void = () => {},
  ) {
    this.defer = defer
    this.backlog = backlog
    this.budget = budget
    const cap = 1 << capacityLog2
    this.targets = new Array<NetisrTarget | null>(cap).fill(null)
    this.mbufs = new Array<Mbuf | null>(cap).fill(null)
    this.mask = cap - 1
    this.pool = pool
  }

  get queued(): number {
    return (this.tail - this.head) & this.mask
  }

  /** Queue m for t and, unless already inside the loop, run the queue to empty. Takes ownership. */
  enqueue(t: NetisrTarget, m: Mbuf): void {
    const next = (this.tail + 1) & this.mask
    if (next === this.head) {
      t.netisrDrop()
      this.pool.put(m)
      return
    }
    this.targets[this.tail] = t
    this.mbufs[this.tail] = m
    this.tail = next
    if (!this.running) this.run()
  }

  private readonly run = (): void => {
    this.running = true
    this.left = this.budget
    // A bug in a protocol must not wedge the queue or unwind into an unrelated sender: count it and go on.
    for (;;) {
      try {
        this.drain()
        break
      } catch (e) {
        this.errors++
        this.lastError = e
      }
    }
    // Out of budget with frames still queued (a loop in the topology, a storm): finish later, and
    // keep `running` so new frames queue behind them instead of starting a nested loop.
    if (this.head !== this.tail) {
      if (!this.deferred) this.backlog(true)
      this.deferred = true
      this.defer(this.run)
    } else {
      if (this.deferred) this.backlog(false)
      this.deferred = false
      this.running = false
    }
  }

  private drain(): void {
    const targets = this.targets
    const mbufs = this.mbufs
    const mask = this.mask
    while (this.head !== this.tail && this.left > 0) {
      this.left--
      const h = this.head
      const t = targets[h]!
      const m = mbufs[h]!
      targets[h] = null
      mbufs[h] = null
      this.head = (h + 1) & mask
      this.processed++
      t.netisrInput(m)
    }
  }
}
