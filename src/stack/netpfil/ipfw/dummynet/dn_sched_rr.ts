/**
 * Deficit round robin over the backlogged flow queues (dn_sched_rr.c; Shreedhar & Varghese, 1995):
 * each queue in turn may send up to its quantum of bytes, quantum = weight × lmax (lmax 0 counts
 * as 1500 bytes, a VirtNet choice where FreeBSD scales by its own maximum packet length).
 *
 * It only orders queues: limits, loss and the link are the generic code's. No allocation.
 */

import type { DnQueue } from './dn_queue.js'
import type { DnSchedInst, DnSchedType } from './dn_sched.js'

class RrInst implements DnSchedInst {
  private head: DnQueue | null = null
  private tail: DnQueue | null = null

  private push(q: DnQueue): void {
    q.snext = null
    if (this.tail === null) this.head = q
    else this.tail.snext = q
    this.tail = q
  }

  private pop(): DnQueue | null {
    const q = this.head
    if (q === null) return null
    this.head = q.snext
    if (this.head === null) this.tail = null
    q.snext = null
    return q
  }

  enqueue(q: DnQueue | null): boolean {
    if (q !== null && !q.active) {
      q.active = true
      q.deficit = 0
      this.push(q)
    }
    return true
  }

  dequeue() {
    for (;;) {
      const q = this.head
      if (q === null) return null
      const m = q.head
      if (m === null) {
        this.pop()
        q.active = false
        continue
      }
      if (q.deficit < m.len) {
        q.deficit += Math.max(1, q.weight) * (q.lmax > 0 ? q.lmax : 1500)
        this.push(this.pop()!)
        continue
      }
      q.deficit -= m.len
      q.shift()
      if (q.head === null) {
        this.pop()
        q.active = false
        q.deficit = 0
      }
      return m
    }
  }

  removeQueue(q: DnQueue): void {
    if (!q.active) return
    let prev: DnQueue | null = null
    for (let x = this.head; x !== null; prev = x, x = x.snext)
      if (x === q) {
        if (prev === null) this.head = x.snext
        else prev.snext = x.snext
        if (this.tail === x) this.tail = prev
        break
      }
    q.active = false
    q.snext = null
  }

  purge(): void {
    for (let q = this.pop(); q !== null; q = this.pop()) q.active = false
  }
}

export const RR: DnSchedType = { name: 'RR', multiqueue: true, ownQueues: false, create: () => new RrInst() }
