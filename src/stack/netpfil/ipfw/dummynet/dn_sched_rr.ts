/**
 * Deficit round robin over the backlogged flow queues (dn_sched_rr.c; Shreedhar & Varghese, 1995):
 * each queue in turn may send up to its quantum of bytes, quantum = weight × lmax (lmax 0 counts
 * as 1500 bytes, a VirtNet choice where FreeBSD scales by its own maximum packet length).
 *
 * It only orders queues: limits, loss and the link are the generic code's. No allocation.
 */

import { type DnQueue, QList } from './dn_queue.js'
import type { DnSchedInst, DnSchedType } from './dn_sched.js'

class RrInst implements DnSchedInst {
  private readonly list = new QList()

  enqueue(q: DnQueue | null): boolean {
    if (q !== null && !q.active) {
      q.active = true
      q.deficit = 0
      this.list.push(q)
    }
    return true
  }

  dequeue() {
    for (;;) {
      const q = this.list.head
      if (q === null) return null
      const m = q.head
      if (m === null) {
        this.list.pop()
        q.active = false
        continue
      }
      if (q.deficit < m.len) {
        q.deficit += Math.max(1, q.weight) * (q.lmax > 0 ? q.lmax : 1500)
        this.list.push(this.list.pop()!)
        continue
      }
      q.deficit -= m.len
      q.shift()
      if (q.head === null) {
        this.list.pop()
        q.active = false
        q.deficit = 0
      }
      return m
    }
  }

  removeQueue(q: DnQueue): void {
    if (!q.active) return
    this.list.remove(q)
    q.active = false
  }

  purge(): void {
    for (let q = this.list.pop(); q !== null; q = this.list.pop()) q.active = false
  }
}

export const RR: DnSchedType = { name: 'RR', multiqueue: true, ownQueues: false, create: () => new RrInst() }
