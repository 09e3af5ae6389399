/**
 * dummynet's configuration and listing formats, shared by the kernel and ipfw(8)/dnctl(8) (FreeBSD's
 * netinet/ip_dummynet.h): what `pipe|queue|sched N config` hands the kernel and the objects
 * `show` gets back, in the order FreeBSD's kernel copies them out (link, flowset, scheduler,
 * children, flows).
 *
 * Plain data and constants only: no state, nothing that touches packets.
 */

/** Object numbers: user pipes/queues/scheds are 1..65535; pipes own sched N+DN_MAX_ID and flowset N+2*DN_MAX_ID. */
export const DN_MAX_ID = 0x10000

/** A flow mask (struct ipfw_flow_id as a mask): bits that separate flows; `extra` adds the queue number. */
export interface DnMask {
  proto: number
  src: number
  dst: number
  sport: number
  dport: number
  extra: boolean
}

/** RED/GRED parameters as ipfw passes them (w_q and max_p as fractions, thresholds in slots or bytes). */
export interface DnRed {
  gentle: boolean
  wq: number
  minTh: number
  maxTh: number
  maxP: number
}

/** struct dn_link: the pipe's emulated line. */
export interface DnLinkCfg {
  /** bits/s, 0 = unlimited. */
  bw: number
  /** ms, 0..10000. */
  delay: number
  /** bytes that may pass at line rate after an idle period. */
  burst: number
}

/** struct dn_fs: a flowset (a queue, or a pipe's own FIFO queue). */
export interface DnFsCfg {
  /** Slots, or bytes when qbytes. 0 = the default (50 slots). */
  qsize: number
  qbytes: boolean
  /** Packet loss rate 0..1. */
  plr: number
  /** par[0..2]: weight (WF2Q+, RR quantum), lmax, priority. */
  weight: number
  lmax: number
  pri: number
  /** The scheduler (or pipe) the flowset feeds. */
  schedNr: number
  /** Per-flow queues (flow_mask), or null. */
  mask: DnMask | null
  /** Hash buckets for the queues; 0 = net.inet.ip.dummynet.hash_size. */
  buckets: number
  red: DnRed | null
}

/** fq_codel's parameters (dn_sched_fq_codel.h), times in µs. */
export interface FqCodelCfg {
  target: number
  interval: number
  quantum: number
  limit: number
  flows: number
  ecn: boolean
}

/** PIE's fixed point (dn_aqm_pie.h): alpha, beta and max_ecnth are scaled by PIE_SCALE (3.13 bits). */
export const PIE_SCALE = 8192

/** PIE's option flags (dn_aqm_pie.h). */
export const PIE_FLAGS = {
  ECN: 1,
  CAPDROP: 2,
  /** Turn PIE off on an empty, uncongested queue (FreeBSD marks it as not working properly). */
  ONOFF: 4,
  /** Departure rate estimation instead of timestamps (DRE; TS is the default). */
  DRE: 8,
  DERAND: 16,
} as const

/**
 * fq_pie's parameters (dn_sched_fq_pie.c's par[0..9]) in FreeBSD's units: times in µs, alpha, beta
 * and maxEcnth scaled by PIE_SCALE, flags from PIE_FLAGS. A field of -1 takes the kernel's default.
 */
export interface FqPieCfg {
  target: number
  tupdate: number
  maxBurst: number
  maxEcnth: number
  alpha: number
  beta: number
  flags: number
  quantum: number
  limit: number
  flows: number
}

/** struct dn_sch: a scheduler. */
export interface DnSchCfg {
  /** FIFO, WF2Q+, RR, QFQ, PRIO, FQ_CODEL, FQ_PIE (case-insensitive); '' keeps the current type. */
  type: string
  /** Per-flow scheduler instances (sched_mask), or null. */
  mask: DnMask | null
  buckets: number
  /** fq_codel's parameters when given (null = defaults / keep). */
  fqCodel: FqCodelCfg | null
  /** fq_pie's parameters when given (null = defaults / keep); absent from older callers. */
  fqPie?: FqPieCfg | null
}

export type DnRequest =
  | { op: 'config-pipe'; nr: number; link: DnLinkCfg; fs: DnFsCfg; sch: DnSchCfg }
  | { op: 'config-queue'; nr: number; fs: DnFsCfg }
  /** fs: queue settings for the internal flowset of a single-queue scheduler (FIFO). */
  | { op: 'config-sched'; nr: number; sch: DnSchCfg; fs: DnFsCfg }
  /** what: 'pipe' | 'queue' | 'sched'. */
  | { op: 'delete'; what: DnWhat; nr: number }
  | { op: 'flush' }
  /** ranges: inclusive [lo, hi] pairs of user numbers; empty = all. */
  | { op: 'list'; what: DnWhat; ranges: number[] }

export type DnWhat = 'pipe' | 'queue' | 'sched'

/** One object of a listing, in FreeBSD's copy-out order. */
export type DnObj =
  | ({ type: 'link'; nr: number } & DnLinkCfg)
  | ({ type: 'fs'; nr: number; flows: number; buckets: number } & Omit<DnFsCfg, 'buckets'>)
  | {
      type: 'sch'
      nr: number
      name: string
      mask: DnMask | null
      buckets: number
      active: number
      /** fq_codel's parameters (only for that type). */
      fq: FqCodelCfg | null
      /** fq_pie's parameters (only for that type). */
      pie?: FqPieCfg | null
    }
  | { type: 'children'; list: number[] }
  | {
      type: 'flow'
      bucket: number
      extra: boolean
      proto: number
      src: number
      sport: number
      dst: number
      dport: number
      totPkts: number
      totBytes: number
      len: number
      lenBytes: number
      drops: number
    }

/** A flowset with every setting at its default (50 slots, no loss, droptail, no mask). */
export const DN_FS_DEFAULTS: Readonly<DnFsCfg> = {
  qsize: 0,
  qbytes: false,
  plr: 0,
  weight: 0,
  lmax: 0,
  pri: 0,
  schedNr: 0,
  mask: null,
  buckets: 0,
  red: null,
}

export interface DnReply {
  objs?: DnObj[]
}

export const FQ_CODEL_DEFAULTS: Readonly<FqCodelCfg> = {
  target: 5000,
  interval: 100000,
  quantum: 1514,
  limit: 10240,
  flows: 1024,
  ecn: false,
}

/**
 * The kernel's fq_pie defaults (net.inet.ip.dummynet.fqpie.*): target and tupdate 15 ms, max_burst
 * 150 ms, max_ecnth 0.1, alpha 0.125, beta 1.25, CapDrop and Derand, quantum 1514, limit 10240,
 * 1024 flows. ipfw(8) sends its own flags (adding ECN) whenever it names the type.
 */
export const FQ_PIE_DEFAULTS: Readonly<FqPieCfg> = {
  target: 15000,
  tupdate: 15000,
  maxBurst: 150000,
  maxEcnth: Math.trunc(PIE_SCALE * 0.1),
  alpha: Math.trunc(PIE_SCALE * 0.125),
  beta: Math.trunc(PIE_SCALE * 1.25),
  flags: PIE_FLAGS.CAPDROP | PIE_FLAGS.DERAND,
  quantum: 1514,
  limit: 10240,
  flows: 1024,
}
