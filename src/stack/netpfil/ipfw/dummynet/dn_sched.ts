/**
 * The scheduler interface of dummynet (FreeBSD's struct dn_alg in dn_sched.h) and the registry of
 * the types VirtNet has. A scheduler instance decides which queued packet the link sends next; the
 * generic code (ip_dn_io.ts) does the rest: flowset limits, loss, the link's rate and delay.
 *
 * All of FreeBSD 14's types are here (FIFO, WF2Q+, RR, PRIO, QFQ, FQ_CODEL, FQ_PIE). Nothing here
 * allocates per packet.
 */

import type { Mbuf, MbufPool } from '../../../../buf/mbuf.js'
import type { Rng } from '../../../../util/rng.js'
import type { DnFsCfg, FqCodelCfg, FqPieCfg } from './dn_h.js'
import type { DnQueue, FlowId, FlowStats } from './dn_queue.js'

/** What an instance may use: buffers, its own random stream, the instance's counters. */
export interface SchedEnv {
  readonly pool: MbufPool
  readonly rng: Rng
  /** The instance's counters: an instance that drops a packet itself counts it here. */
  readonly ni: FlowStats
  /** Count one packet the scheduler dropped by itself (io_pkt_drop). */
  dropped(m: Mbuf): void
}

export interface DnSchedInst {
  /**
   * Take m. For types using flowset queues, m is already appended to q (limits checked) and the
   * scheduler only notes that q is backlogged; a type with its own queues (fq_codel) gets q = null,
   * queues m itself, enforces its own limit and returns false when it dropped m.
   */
  enqueue(q: DnQueue | null, m: Mbuf, fid: FlowId, now: number): boolean
  /**
   * The queue a packet meant for q joins, when the type merges queues (PRIO: the one already
   * backlogged at q's priority); limits are checked on it. Absent: q itself.
   */
  queueFor?(q: DnQueue): DnQueue
  /** The next packet to send, or null when empty. */
  dequeue(now: number): Mbuf | null
  /** A flowset queue goes away (its packets were freed by the caller). */
  removeQueue(q: DnQueue): void
  /** Free everything the scheduler holds itself (not flowset queues). */
  purge(pool: MbufPool): void
}

export interface DnSchedType {
  /** The name `show` prints (FreeBSD's). */
  readonly name: string
  /** DN_MULTIQUEUE: packets wait in per-flow queues of the flowsets attached to it. */
  readonly multiqueue: boolean
  /** Keeps its own queues and limits (fq_codel): flowset queue size, plr and RED do not apply. */
  readonly ownQueues: boolean
  /** fq and pie: the scheduler's fq_codel and fq_pie parameters (each type reads its own). */
  create(env: SchedEnv, own: DnQueue, fq: FqCodelCfg, pie?: FqPieCfg): DnSchedInst
  /** new_fsk: bring a flowset's settings into the type's range when it attaches (PRIO's priority). */
  boundFs?(cfg: DnFsCfg): DnFsCfg
}

/** FIFO: one queue per instance, packets in arrival order (dn_sched_fifo.c). */
export const FIFO: DnSchedType = {
  name: 'FIFO',
  multiqueue: false,
  ownQueues: false,
  create: (_env, own) => ({
    enqueue: () => true,
    dequeue: () => own.shift(),
    removeQueue: () => {},
    purge: (pool) => {
      own.purge(pool)
    },
  }),
}
