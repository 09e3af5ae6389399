/**
 * PRIO: strict priority (dn_sched_prio.c). A queue's priority is its flowset's `weight` (par[0],
 * as in FreeBSD, not `pri`), 0 the highest and 63 the lowest; the link always serves the
 * highest-priority backlogged queue, so a lower one may starve. As in FreeBSD, one queue per
 * priority is on the scheduler at a time: a packet of another queue of the same priority joins the
 * queue already backlogged at that priority (queueFor), so equal priorities are served in arrival
 * order, and that queue's limit is the one that applies.
 *
 * It only orders queues: limits, loss and the link are the generic code's. No allocation per packet.
 */

import type { DnQueue } from './dn_queue.js'
import type { DnSchedInst, DnSchedType } from './dn_sched.js'

/** FreeBSD's MAXPRIO: the bits of an unsigned long (64 on its 64-bit platforms). */
export const PRIO_MAX = 64

/** prio_new_fsk's ipdn_bound_var: priorities above the range are clamped to the lowest one. */
export function prioOf(weight: number): number {
  return weight < 0 ? 0 : weight > PRIO_MAX - 1 ? PRIO_MAX - 1 : weight
}

class PrioInst implements DnSchedInst {
  /** The backlogged queue of each priority, or null. */
  private readonly slot: (DnQueue | null)[] = new Array<DnQueue | null>(PRIO_MAX).fill(null)
  /** Bitmap of the non-null slots, two 32-bit words (JS bit operations are 32-bit). */
  private lo = 0
  private hi = 0

  queueFor(q: DnQueue): DnQueue {
    return this.slot[prioOf(q.weight)] ?? q
  }

  enqueue(q: DnQueue | null): boolean {
    if (q === null || q.active) return true
    const p = prioOf(q.weight)
    if (this.slot[p] !== null) return true
    this.slot[p] = q
    q.active = true
    q.S = p
    if (p < 32) this.lo |= 1 << p
    else this.hi |= 1 << (p - 32)
    return true
  }

  private clear(p: number): void {
    const q = this.slot[p]!
    q.active = false
    this.slot[p] = null
    if (p < 32) this.lo &= ~(1 << p)
    else this.hi &= ~(1 << (p - 32))
  }

  dequeue() {
    // ffs(): the lowest set bit is the highest priority.
    let p: number
    if (this.lo !== 0) p = 31 - Math.clz32(this.lo & -this.lo)
    else if (this.hi !== 0) p = 63 - Math.clz32(this.hi & -this.hi)
    else return null
    const q = this.slot[p]!
    const m = q.shift()
    if (q.head === null) this.clear(p)
    return m
  }

  removeQueue(q: DnQueue): void {
    // The slot it was put in (its weight may have changed since).
    if (q.active && this.slot[q.S] === q) this.clear(q.S)
  }

  purge(): void {
    for (let p = 0; p < PRIO_MAX; p++) if (this.slot[p] !== null) this.clear(p)
  }
}

export const PRIO: DnSchedType = {
  name: 'PRIO',
  multiqueue: true,
  ownQueues: false,
  create: () => new PrioInst(),
  // FreeBSD clamps the flowset's own setting, so `queue show` prints the priority in use.
  boundFs: (cfg) => (cfg.weight === prioOf(cfg.weight) ? cfg : { ...cfg, weight: prioOf(cfg.weight) }),
}
