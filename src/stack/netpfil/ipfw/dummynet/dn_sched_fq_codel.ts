/**
 * FQ-CoDel (RFC 8290; dn_sched_fq_codel.c with dn_aqm_codel.c): packets are hashed by their full
 * 5-tuple (with a per-instance perturbation) into `flows` queues served by deficit round robin with
 * new flows first (RFC 8290 §4.2); each queue runs CoDel (RFC 8289) on its packets' sojourn time,
 * dropping (or ECN-marking) from the head once the delay stayed above `target` for an `interval`.
 * When the instance holds `limit` packets, the head of the fattest queue goes (RFC 8290 §4.1).
 *
 * It keeps its own queues and limits, so the flowset's queue size, plr and RED do not apply (as
 * in FreeBSD). The queues are allocated with the instance; nothing is allocated per packet.
 */

import type { Mbuf, MbufPool } from '../../../../buf/mbuf.js'
import { checksum } from '../../../../wire/checksum.js'
import type { FqCodelCfg } from './dn_h.js'
import { DnQueue, type FlowId, QList } from './dn_queue.js'
import type { DnSchedInst, DnSchedType, SchedEnv } from './dn_sched.js'

const US_NS = 1000

class FqCodelInst implements DnSchedInst {
  private readonly flows: DnQueue[]
  private readonly newFlows = new QList()
  private readonly oldFlows = new QList()
  private readonly perturb: number
  private readonly target: number
  private readonly interval: number
  private backlog = 0

  constructor(
    private readonly env: SchedEnv,
    private readonly cfg: FqCodelCfg,
  ) {
    this.flows = Array.from({ length: cfg.flows }, () => new DnQueue())
    this.perturb = env.rng.u32()
    this.target = cfg.target * US_NS
    this.interval = cfg.interval * US_NS
  }

  enqueue(_q: DnQueue | null, m: Mbuf, fid: FlowId, now: number): boolean {
    const idx = fid.hash(this.perturb) % this.flows.length
    const q = this.flows[idx]!
    m.stamp = now
    q.append(m, m.len)
    this.backlog++
    if (!q.active) {
      q.active = true
      q.isNew = true
      q.deficit = this.cfg.quantum
      this.newFlows.push(q)
    }
    if (this.backlog > this.cfg.limit) {
      // RFC 8290 §4.1: drop from the head of the queue with the largest backlog.
      let fat = q
      for (const f of this.flows) if (f.ni.lenBytes > fat.ni.lenBytes) fat = f
      const d = fat.shift()!
      this.backlog--
      this.env.dropped(d)
      return d !== m
    }
    return true
  }

  /** RFC 8289 dodequeue: the head packet and whether CoDel may drop it. */
  private okToDrop = false

  private doDequeue(q: DnQueue, now: number): Mbuf | null {
    const m = q.shift()
    this.okToDrop = false
    if (m === null) {
      q.firstAboveTime = 0
      return null
    }
    this.backlog--
    const sojourn = now - m.stamp
    if (sojourn < this.target || q.ni.lenBytes <= this.cfg.quantum) q.firstAboveTime = 0
    else if (q.firstAboveTime === 0) q.firstAboveTime = now + this.interval
    else if (now >= q.firstAboveTime) this.okToDrop = true
    return m
  }

  private controlLaw(t: number, count: number): number {
    return t + this.interval / Math.sqrt(count)
  }

  /** Drop m, or mark it CE when ECN is on and the packet is ECN-capable; true when dropped. */
  private congest(m: Mbuf): boolean {
    const b = m.data
    const o = m.off
    if (this.cfg.ecn && (b[o + 1]! & 3) !== 0) {
      if ((b[o + 1]! & 3) !== 3) {
        b[o + 1] = b[o + 1]! | 3
        const hlen = (b[o]! & 0xf) << 2
        b[o + 10] = 0
        b[o + 11] = 0
        const c = checksum(b, o, hlen)
        b[o + 10] = c >> 8
        b[o + 11] = c & 0xff
      }
      return false
    }
    this.env.dropped(m)
    return true
  }

  /** RFC 8289 codel_dequeue on one flow. */
  private codelDequeue(q: DnQueue, now: number): Mbuf | null {
    let m = this.doDequeue(q, now)
    if (m === null) {
      q.dropping = false
      return null
    }
    if (q.dropping) {
      if (!this.okToDrop) q.dropping = false
      else
        while (now >= q.dropNext && q.dropping) {
          if (!this.congest(m!)) {
            q.cdCount++
            q.dropNext = this.controlLaw(q.dropNext, q.cdCount)
            break
          }
          q.cdCount++
          m = this.doDequeue(q, now)
          if (m === null || !this.okToDrop) q.dropping = false
          else q.dropNext = this.controlLaw(q.dropNext, q.cdCount)
          if (m === null) return null
        }
    } else if (this.okToDrop) {
      if (this.congest(m)) {
        m = this.doDequeue(q, now)
      }
      q.dropping = true
      const delta = q.cdCount - q.cdLastCount
      q.cdCount = delta > 1 && now - q.dropNext < 16 * this.interval ? delta : 1
      q.dropNext = this.controlLaw(now, q.cdCount)
      q.cdLastCount = q.cdCount
    }
    return m
  }

  dequeue(now: number): Mbuf | null {
    for (;;) {
      const fromNew = this.newFlows.head !== null
      const list = fromNew ? this.newFlows : this.oldFlows
      const q = list.head
      if (q === null) return null
      if (q.deficit <= 0) {
        q.deficit += this.cfg.quantum
        list.pop()
        q.isNew = false
        this.oldFlows.push(q)
        continue
      }
      const m = this.codelDequeue(q, now)
      if (m === null) {
        list.pop()
        // RFC 8290 §4.2: an emptied new flow goes to the old list once, so it cannot starve others.
        if (fromNew && this.oldFlows.head !== null) {
          q.isNew = false
          this.oldFlows.push(q)
        } else q.active = false
        continue
      }
      q.deficit -= m.len
      return m
    }
  }

  removeQueue(): void {}

  purge(pool: MbufPool): void {
    while (this.newFlows.pop() !== null) {}
    while (this.oldFlows.pop() !== null) {}
    for (const q of this.flows) {
      q.purge(pool)
      q.active = false
    }
    this.backlog = 0
  }
}

export const FQ_CODEL: DnSchedType = {
  name: 'FQ_CODEL',
  multiqueue: false,
  ownQueues: true,
  create: (env, _own, fq) => new FqCodelInst(env, fq),
}
