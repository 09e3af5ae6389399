/**
 * FQ-PIE (dn_sched_fq_pie.c with dn_aqm_pie.h): packets are hashed by their 5-tuple (with a
 * per-instance perturbation) into `flows` sub-queues served by deficit round robin with new flows
 * first, like fq_codel; each sub-queue runs its own PIE (RFC 8033), which drops (or ECN-marks) on
 * arrival with a probability it recomputes every `tupdate` from the queueing delay. When the
 * instance holds more than `limit` packets, the head of the longest sub-queue goes.
 *
 * FreeBSD's behaviour is kept where it differs from the RFC: PIE state is reset whenever a flow
 * becomes active, an emptied new flow always moves to the old list, the ECN safeguard is max_ecnth,
 * and de-randomisation follows dn_aqm_pie.h. FreeBSD's per-flow tupdate callout is evaluated lazily:
 * the updates due by `now` run when the flow is next touched (nothing else reads the state in
 * between, so the result is the same), which needs no timer per flow. Delays are exact in virtual
 * time where FreeBSD counts in kernel ticks.
 *
 * It keeps its own queues and limits (flowset queue size, plr and RED do not apply). The sub-queues
 * are allocated with the instance; nothing is allocated per packet, and nothing here throws.
 */

import type { Mbuf, MbufPool } from '../../../../buf/mbuf.js'
import { checksum } from '../../../../wire/checksum.js'
import { FQ_PIE_DEFAULTS, type FqPieCfg, PIE_FLAGS, PIE_SCALE } from './dn_h.js'
import { DnQueue, type FlowId, QList } from './dn_queue.js'
import type { DnSchedInst, DnSchedType, SchedEnv } from './dn_sched.js'

/** 31-bit probabilities, as random() draws (dn_aqm_pie.h). */
export const PIE_MAX_PROB = 0x7fffffff
/** PIE_MAX_PROB / n in C's integer division, for the thresholds. */
const PROB_5TH = Math.floor(PIE_MAX_PROB / 5)
const PROB_10TH = Math.floor(PIE_MAX_PROB / 10)
const PROB_50TH = Math.floor(PIE_MAX_PROB / 50)
/** RFC 8033 §5.2 auto-tuning: below each probability, the step is scaled down by 2^shift. */
const AUTOTUNE = Object.freeze(
  [1000000, 100000, 10000, 1000, 100, 10].map((n) => Math.floor(PIE_MAX_PROB / n)),
)
const AUTOTUNE_SHIFT = [11, 9, 7, 5, 3, 1] as const
/** DRE: a measurement cycle needs 16 KB dequeued. */
const PIE_DQ_THRESHOLD = 1 << 14
/** drop_early never drops with two mean-sized packets or fewer queued. */
const MEAN_PKTSIZE = 800
/** FreeBSD's integer (PIE_MAX_PROB << 12) / AQM_TIME_1S: µs·PIE_SCALE to probability, ×2^-25. */
const P_MUL = Math.floor((PIE_MAX_PROB * 4096) / 1e6)
/** Most tupdate periods caught up at once; by then the probability has long saturated or decayed. */
const MAX_CATCHUP = 4096

/** A sub-queue with its PIE state (struct fq_pie_flow + struct pie_status); delays in µs. */
export class PieFlow extends DnQueue {
  pieActive = false
  inMeasurement = false
  burstAllowance = 0
  dropProb = 0
  currentQdelay = 0
  qdelayOld = 0
  accuProb = 0
  measurementStart = 0
  avgDqTime = 0
  dqCount = 0
  /** When the next tupdate callout is due (ns). */
  nextUpdate = 0
}

/** ecn_mark for IPv4: ECT becomes CE (checksum redone); false for a packet that is not ECN-capable. */
function ecnMark(m: Mbuf): boolean {
  const b = m.data
  const o = m.off
  if (m.len < 20 || b[o]! >> 4 !== 4) return false
  const ecn = b[o + 1]! & 3
  if (ecn === 0) return false
  if (ecn === 3) return true
  const hlen = (b[o]! & 0xf) << 2
  if (hlen < 20 || hlen > m.len) return false
  b[o + 1] = b[o + 1]! | 3
  b[o + 10] = 0
  b[o + 11] = 0
  const c = checksum(b, o, hlen)
  b[o + 10] = c >> 8
  b[o + 11] = c & 0xff
  return true
}

/** A request's parameters are all integers from -1 (the default) up (what the kernel's int32 holds). */
export function fqPieWellFormed(p: FqPieCfg): boolean {
  for (const v of [
    p.target,
    p.tupdate,
    p.maxBurst,
    p.maxEcnth,
    p.alpha,
    p.beta,
    p.flags,
    p.quantum,
    p.limit,
    p.flows,
  ])
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -1 || v > 0x7fffffff) return false
  return true
}

/** A configuration with the kernel's defaults filled in and FreeBSD's bounds applied (fq_pie_config). */
export function fqPieResolve(c: FqPieCfg): FqPieCfg {
  const pick = (v: number, d: number, lo: number, hi: number) => {
    const x = v < 0 ? d : v
    return x < lo ? lo : x > hi ? hi : x
  }
  const D = FQ_PIE_DEFAULTS
  return {
    target: pick(c.target, D.target, 1, 5_000_000),
    tupdate: pick(c.tupdate, D.tupdate, 1, 5_000_000),
    maxBurst: pick(c.maxBurst, D.maxBurst, 0, 5_000_000),
    maxEcnth: pick(c.maxEcnth, D.maxEcnth, 0, PIE_SCALE),
    alpha: pick(c.alpha, D.alpha, 0, 7 * PIE_SCALE),
    beta: pick(c.beta, D.beta, 0, 7 * PIE_SCALE),
    // An unset flags word is 0 in the kernel (ipfw always sends one).
    flags: c.flags < 0 ? 0 : c.flags & 31,
    quantum: pick(c.quantum, D.quantum, 1, 9000),
    limit: pick(c.limit, D.limit, 1, 20480),
    flows: pick(c.flows, D.flows, 1, 65536),
  }
}

export class FqPieInst implements DnSchedInst {
  readonly flows: PieFlow[]
  private readonly newFlows = new QList()
  private readonly oldFlows = new QList()
  private readonly perturb: number
  private readonly cfg: FqPieCfg
  private readonly tupdateNs: number
  private readonly oneThird: number
  private readonly ecnTh: number
  /** Packets held (the main queue's length). */
  backlog = 0

  constructor(
    private readonly env: SchedEnv,
    cfg: FqPieCfg,
  ) {
    this.cfg = fqPieResolve(cfg)
    this.flows = Array.from({ length: this.cfg.flows }, () => new PieFlow())
    this.perturb = env.rng.u32()
    this.tupdateNs = this.cfg.tupdate * 1000
    // pie_init's "1/3 of the queue": limit / flows / 3, compared with bytes, as FreeBSD does.
    this.oneThird = Math.floor(Math.floor(this.cfg.limit / this.cfg.flows) / 3)
    this.ecnTh = this.cfg.maxEcnth * 2 ** 18
  }

  private has(flag: number): boolean {
    return (this.cfg.flags & flag) !== 0
  }

  enqueue(_q: DnQueue | null, m: Mbuf, fid: FlowId, now: number): boolean {
    const f = this.flows[fid.hash(this.perturb) % this.flows.length]!
    this.catchUp(f, now)
    if (!this.pieEnqueue(f, m, now)) return false
    if (!f.active) {
      this.newFlows.push(f)
      f.deficit = this.cfg.quantum
      this.activate(f, now)
      f.active = true
    }
    if (this.backlog > this.cfg.limit) {
      // The longest active sub-queue, the first one on ties (fq_pie_enqueue).
      let fat: PieFlow | null = null
      for (const x of this.flows) if (x.active && (fat === null || x.ni.len > fat.ni.len)) fat = x
      const d = fat === null ? null : fat.shift()
      if (d !== null) {
        this.backlog--
        fat!.ni.drops++
        fat!.accuProb = 0
        this.env.dropped(d)
        return d !== m
      }
    }
    return true
  }

  /** pie_enqueue: false when m was dropped (and counted). */
  private pieEnqueue(f: PieFlow, m: Mbuf, now: number): boolean {
    const c = this.cfg
    let drop = false
    if (f.pieActive && f.burstAllowance === 0 && this.dropEarly(f, f.ni.lenBytes)) {
      // Under the ECN threshold an ECN-capable packet is marked and kept.
      drop = !(this.has(PIE_FLAGS.ECN) && f.dropProb < this.ecnTh && ecnMark(m))
    }
    if (!f.pieActive && f.ni.lenBytes >= this.oneThird) this.activate(f, now)
    const half = c.target >> 1
    if (f.dropProb === 0 && f.currentQdelay < half && f.qdelayOld < half) {
      f.burstAllowance = c.maxBurst
      if (this.has(PIE_FLAGS.ONOFF) && f.ni.lenBytes <= 0) f.pieActive = f.inMeasurement = false
    }
    if (drop) {
      f.ni.drops++
      f.accuProb = 0
      this.env.dropped(m)
      return false
    }
    m.stamp = now
    f.ni.totPkts++
    f.ni.totBytes += m.len
    f.append(m, m.len)
    this.backlog++
    return true
  }

  /** drop_early (dn_aqm_pie.h). */
  private dropEarly(f: PieFlow, qlen: number): boolean {
    if ((f.qdelayOld < this.cfg.target >> 1 && f.dropProb < PROB_5TH) || qlen <= 2 * MEAN_PKTSIZE)
      return false
    if (f.dropProb === 0) f.accuProb = 0
    if (this.has(PIE_FLAGS.DERAND)) {
      // De-randomisation: never below 0.85 accumulated, always from 8.5.
      f.accuProb += f.dropProb
      if (f.accuProb < Math.floor(PIE_MAX_PROB * 0.85)) return false
      if (f.accuProb >= Math.floor(PIE_MAX_PROB * 8.5)) return true
    }
    if (this.env.rng.u32() >>> 1 < f.dropProb) {
      f.accuProb = 0
      return true
    }
    return false
  }

  /** fq_activate_pie: reset PIE and start its updates. */
  private activate(f: PieFlow, now: number): void {
    f.dropProb = 0
    f.qdelayOld = 0
    f.burstAllowance = this.cfg.maxBurst
    f.accuProb = 0
    f.dqCount = 0
    f.avgDqTime = 0
    f.pieActive = true
    f.inMeasurement = true
    f.measurementStart = now
    f.nextUpdate = now + this.tupdateNs
  }

  /** Run the tupdate callouts that fell due by now. */
  private catchUp(f: PieFlow, now: number): void {
    for (let n = 0; f.pieActive && f.nextUpdate <= now; n++) {
      if (n === MAX_CATCHUP) {
        f.nextUpdate = now + this.tupdateNs
        return
      }
      this.calculateDropProb(f)
      f.nextUpdate += this.tupdateNs
    }
  }

  /** fq_calculate_drop_prob: RFC 8033 §4.2 with FreeBSD's auto-tuning, cap and decay. */
  calculateDropProb(f: PieFlow): void {
    const c = this.cfg
    let prob = f.dropProb
    if (this.has(PIE_FLAGS.DRE))
      f.currentQdelay = Math.floor((f.ni.lenBytes * f.avgDqTime) / PIE_DQ_THRESHOLD)
    let p = c.alpha * (f.currentQdelay - c.target) + c.beta * (f.currentQdelay - f.qdelayOld)
    const neg = p < 0
    if (neg) p = -p
    // Small probabilities move in smaller steps.
    let shift = 0
    for (let i = 0; i < AUTOTUNE.length; i++)
      if (prob < AUTOTUNE[i]!) {
        shift = AUTOTUNE_SHIFT[i]!
        break
      }
    p = Math.floor((Math.floor(p) * P_MUL) / 2 ** (shift + 25))
    if (neg) prob -= p
    else {
      // CapDrop (RFC 8033 §5.2): at 10% and above, one step adds at most 2%.
      if (this.has(PIE_FLAGS.CAPDROP) && prob >= PROB_10TH && p > PROB_50TH) p = PROB_50TH
      prob += p
    }
    if (prob < 0) prob = 0
    else {
      // An idle queue decays the probability by 1/64 per update (RFC 8033 §4.2).
      if (f.currentQdelay === 0 && f.qdelayOld === 0) prob -= Math.floor(prob / 64)
      if (prob > PIE_MAX_PROB) prob = PIE_MAX_PROB
    }
    f.dropProb = prob
    f.qdelayOld = f.currentQdelay
    if (f.pieActive && f.burstAllowance > 0)
      f.burstAllowance = f.burstAllowance > c.tupdate ? f.burstAllowance - c.tupdate : 0
  }

  /** pie_dequeue: the head packet, measuring its delay (timestamps) or the departure rate (DRE). */
  private pieDequeue(f: PieFlow, now: number): Mbuf | null {
    const m = f.shift()
    if (m === null) return null
    this.backlog--
    if (!f.pieActive) return m
    if (this.has(PIE_FLAGS.DRE)) {
      if (f.inMeasurement) {
        f.dqCount += m.len
        if (f.dqCount >= PIE_DQ_THRESHOLD) {
          const dq = (now - f.measurementStart) / 1000
          if (f.avgDqTime === 0) f.avgDqTime = dq
          else {
            // Weight 1/4 (FreeBSD's PIE_DQ_THRESHOLD >> 8 out of 256).
            f.avgDqTime = (dq * 64 + f.avgDqTime * 192) / 256
            f.inMeasurement = false
          }
        }
      }
      if (!f.inMeasurement && f.ni.lenBytes >= PIE_DQ_THRESHOLD) {
        f.inMeasurement = true
        f.measurementStart = now
        f.dqCount = 0
      }
    } else f.currentQdelay = (now - m.stamp) / 1000
    return m
  }

  dequeue(now: number): Mbuf | null {
    for (;;) {
      const list = this.newFlows.head !== null ? this.newFlows : this.oldFlows
      let f = list.head as PieFlow | null
      if (f === null) return null
      while (f !== null && f.deficit < 0) {
        f.deficit += this.cfg.quantum
        list.pop()
        this.oldFlows.push(f)
        f = list.head as PieFlow | null
      }
      if (f === null) continue
      this.catchUp(f, now)
      const m = this.pieDequeue(f, now)
      if (m === null) {
        list.pop()
        // FreeBSD: an emptied new flow always moves to the old list; an emptied old one goes idle.
        if (list === this.newFlows) this.oldFlows.push(f)
        else {
          f.active = false
          f.pieActive = f.inMeasurement = false
        }
        continue
      }
      f.deficit -= m.len
      return m
    }
  }

  removeQueue(): void {}

  purge(pool: MbufPool): void {
    while (this.newFlows.pop() !== null) {}
    while (this.oldFlows.pop() !== null) {}
    for (const f of this.flows) {
      f.purge(pool)
      f.active = false
      f.pieActive = f.inMeasurement = false
    }
    this.backlog = 0
  }
}

export const FQ_PIE: DnSchedType = {
  name: 'FQ_PIE',
  multiqueue: false,
  ownQueues: true,
  create: (env, _own, _fq, pie) => new FqPieInst(env, pie ?? FQ_PIE_DEFAULTS),
}
