/**
 * Dummynet's objects (FreeBSD's ip_dn_private.h): a flowset (dn_fsk), a scheduler with its link
 * (dn_schk), a scheduler instance with its delay line (dn_sch_inst) and the module's counters.
 * ip_dummynet.ts creates, links and frees them; ip_dn_io.ts moves packets through them.
 * Must not: hold configuration logic or allocate per packet.
 */

import type { Mbuf } from '../../../../buf/mbuf.js'
import type { Timer } from '../../../../util/clock.js'
import {
  type DnFsCfg,
  type DnLinkCfg,
  type DnMask,
  FQ_PIE_DEFAULTS,
  type FqCodelCfg,
  type FqPieCfg,
} from './dn_h.js'
import { DnQueue, type FlowEntry, FlowId, FlowStats, type FlowTable, type RedParams } from './dn_queue.js'
import type { DnSchedInst, DnSchedType, SchedEnv } from './dn_sched.js'

/** Most queues one flowset, or instances one scheduler, may hold (VirtNet's bound; FreeBSD has none). */
export const DN_MAX_FLOWS = 65536

/** A flowset (struct dn_fsk): the queue settings and, for multiqueue schedulers, the flow queues. */
export class DnFsk {
  cfg: DnFsCfg
  qsize = 50
  qbytes = false
  plr = 0
  red: RedParams | null = null
  sched: DnSchk | null = null
  qht: FlowTable<DnQueue> | null = null

  constructor(
    readonly nr: number,
    cfg: DnFsCfg,
  ) {
    this.cfg = cfg
  }
}

/** A scheduler instance (struct dn_sch_inst): one per flow of the scheduler's mask. */
export class DnSi implements FlowEntry {
  readonly fid = new FlowId()
  readonly owner = 0
  hnext: FlowEntry | null = null
  /** Numbers this instance's queues in the flowsets' tables. */
  readonly id: number
  /** The queue of a FIFO instance (and the limits queue of fq_codel's accounting). */
  readonly own = new DnQueue()
  readonly ni = new FlowStats()
  readonly impl: DnSchedInst
  /** Transmission credit in bit·s (bits × 1e9, so that ns × bit/s adds up exactly). */
  credit = 0
  schedTime = 0
  idleTime = 0
  /** When an active instance has paid its debt and may send again, ns. */
  nextServe = 0
  /** DN_ACTIVE: backlogged or paying off credit; a timer is armed. */
  active = false
  /** The delay line: packets sent by the link, waiting for their output time. */
  dlHead: Mbuf | null = null
  dlTail: Mbuf | null = null
  readonly timer: Timer

  constructor(
    readonly sch: DnSchk,
    id: number,
    env: SchedEnv,
    timer: Timer,
  ) {
    this.id = id
    this.timer = timer
    this.impl = sch.type.create(env, this.own, sch.fq, sch.pie)
  }

  get idle(): boolean {
    return !this.active && this.dlHead === null
  }
}

/** A scheduler with its link (struct dn_schk). */
export class DnSchk {
  siht: FlowTable<DnSi> | null = null
  si: DnSi | null = null
  /** The internal flowset of a non-multiqueue scheduler (N+65536, or a pipe's N+131072). */
  fs: DnFsk | null = null

  constructor(
    readonly nr: number,
    public type: DnSchedType,
    public mask: DnMask | null,
    public buckets: number,
    public link: DnLinkCfg,
    public fq: FqCodelCfg,
    public pie: FqPieCfg = FQ_PIE_DEFAULTS,
  ) {}

  forEachSi(fn: (si: DnSi, bucket: number) => void): void {
    if (this.siht !== null) this.siht.forEach(fn)
    else if (this.si !== null) fn(this.si, 0)
  }
}

/** The counters FreeBSD exports under net.inet.ip.dummynet. */
export class DnStats {
  ioPkt = 0
  ioPktFast = 0
  ioPktDrop = 0
}
