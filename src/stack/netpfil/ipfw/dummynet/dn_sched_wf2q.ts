/**
 * WF2Q+ (dn_sched_wf2q.c; Bennett & Zhang, "Hierarchical packet fair queueing algorithms", 1997):
 * each backlogged queue has a virtual start S and finish F = S + len/weight; the instance's virtual
 * time V advances by len/Σweights per packet sent, and the next packet comes from the eligible
 * queue (S ≤ V) with the smallest F. Bandwidth is shared in proportion to the queues' weights.
 *
 * Virtual times are doubles rather than FreeBSD's fixed point. The backlogged queues are kept in an
 * array scanned per dequeue (O(active queues)), which is fine for the tens of flows it serves; it
 * allocates only when the array grows.
 */

import type { DnQueue } from './dn_queue.js'
import type { DnSchedInst, DnSchedType } from './dn_sched.js'

class Wf2qInst implements DnSchedInst {
  private V = 0
  private wsum = 0
  private readonly act: DnQueue[] = []

  private weight(q: DnQueue): number {
    return q.weight > 0 ? q.weight : 1
  }

  enqueue(q: DnQueue | null, m: { len: number }): boolean {
    if (q === null || q.active) return true
    const w = this.weight(q)
    // A queue becoming backlogged starts no earlier than the system's virtual time.
    q.S = q.F > this.V ? q.F : this.V
    q.F = q.S + m.len / w
    q.active = true
    this.wsum += w
    this.act.push(q)
    return true
  }

  dequeue() {
    const act = this.act
    if (act.length === 0) return null
    let best = -1
    let minS = Number.POSITIVE_INFINITY
    for (let i = 0; i < act.length; i++) {
      const q = act[i]!
      if (q.S < minS) minS = q.S
      if (q.S <= this.V && (best < 0 || q.F < act[best]!.F)) best = i
    }
    if (best < 0) {
      // Nothing eligible: jump V to the earliest start (the idle server catches up).
      this.V = minS
      for (let i = 0; i < act.length; i++) {
        const q = act[i]!
        if (q.S <= this.V && (best < 0 || q.F < act[best]!.F)) best = i
      }
    }
    const q = act[best]!
    const m = q.shift()!
    const w = this.weight(q)
    this.V += m.len / this.wsum
    if (q.head !== null) {
      q.S = q.F
      q.F = q.S + q.head.len / w
    } else {
      act[best] = act[act.length - 1]!
      act.pop()
      q.active = false
      this.wsum -= w
    }
    return m
  }

  removeQueue(q: DnQueue): void {
    const i = this.act.indexOf(q)
    if (i < 0) return
    this.act[i] = this.act[this.act.length - 1]!
    this.act.pop()
    q.active = false
    this.wsum -= this.weight(q)
  }

  purge(): void {
    for (const q of this.act) q.active = false
    this.act.length = 0
    this.wsum = 0
  }
}

export const WF2Q: DnSchedType = {
  name: 'WF2Q+',
  multiqueue: true,
  ownQueues: false,
  create: () => new Wf2qInst(),
}
