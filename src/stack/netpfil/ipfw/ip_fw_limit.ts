/**
 * ipfw's `limit {src-addr|src-port|dst-addr|dst-port} N` (O_LIMIT of ip_fw_dynamic.c): a new flow
 * on a limit rule finds (or creates) the rule's parent state for the flow's masked fields, and gets
 * its own child state only while the parent counts fewer than N children; otherwise the packet is
 * denied and the refusal counted. A child's death (expiry, rule deletion, flush) decrements its
 * parent; a parent without children goes. Parents are bounded by net.inet.ip.fw.dyn_parent_max,
 * children by dyn_max like every state.
 *
 * New flows only: established flows are found by the ordinary state lookup. Parent tables are per
 * rule (created when the rule is added) and grow by doubling, so nothing is allocated per packet.
 */

import { IpProto } from '../../../wire/inet/ipv4.js'
import type { IpfwChain, KRule } from './ip_fw_chain.js'
import { DynTable } from './ip_fw_dynamic.js'
import type { PktFacts } from './ip_fw_facts.js'
import { type IpfwDynInfo, type IpfwInsn, O } from './ip_fw_rule.js'

/** limit_mask bits (DYN_SRC_ADDR ...). */
export const LIMIT_MASK = { SRC_ADDR: 1, SRC_PORT: 2, DST_ADDR: 4, DST_PORT: 8 } as const

/** A parent state as `ipfw -d list` shows it. */
export interface LimitParentInfo {
  rule: KRule
  idx: number
  count: number
  proto: number
  src: number
  sport: number
  dst: number
  dport: number
}

class RuleParents {
  readonly table = new DynTable<KRule>()
  count = new Int32Array(16)
}

export class IpfwLimits {
  private readonly byRule = new Map<KRule, RuleParents>()
  /** Per child state index: its parent's table and index (-1: not a limit child). */
  private parentOf = new Int32Array(16).fill(-1)
  private parentTab: Array<RuleParents | null> = new Array(16).fill(null)
  /** Live parents, all rules together (net.inet.ip.fw.dyn_parent_count). */
  parents = 0
  /** Flows refused because their parent had N children. */
  refused = 0
  /** Parents refused because dyn_parent_max existed. */
  parentOverflows = 0

  /** Take over the chain's state table's deaths, to keep the parents' counts. */
  constructor(dyn: DynTable<KRule>) {
    dyn.onFree = (i) => this.childGone(i)
  }

  /** The limit instruction of a rule, or null. */
  static insn(f: KRule): IpfwInsn | null {
    for (const i of f.insns) if (i.op === O.LIMIT) return i
    return null
  }

  /** Install a child state for p on limit rule f; -1 when the limit (or a table bound) says no. */
  install(ch: IpfwChain, f: KRule, c: IpfwInsn, p: PktFacts, now: number): number {
    const ports = p.l4 && p.proto !== IpProto.ICMP && p.proto !== 58
    const sport = ports ? p.sport : 0
    const dport = ports ? p.dport : 0
    const mask = c.arg
    let rp = this.byRule.get(f)
    if (rp === undefined) {
      rp = new RuleParents()
      this.byRule.set(f, rp)
    }
    const t = rp.table
    const ps = mask & LIMIT_MASK.SRC_ADDR ? p.src : 0
    const pp = mask & LIMIT_MASK.SRC_PORT ? sport : 0
    const pd = mask & LIMIT_MASK.DST_ADDR ? p.dst : 0
    const pq = mask & LIMIT_MASK.DST_PORT ? dport : 0
    let pi = t.lookup(p.proto, ps, pp, pd, pq, now, p.dirOut)
    if (pi < 0) {
      if (this.parents >= ch.dynParentMax) {
        this.parentOverflows++
        return -1
      }
      // A parent lives as long as its children: its own expiry is never reached while it has any.
      pi = t.install(f, p.proto, ps, pp, pd, pq, now, PARENT_KNOBS)
      if (pi < 0) {
        this.parentOverflows++
        return -1
      }
      if (pi >= rp.count.length) rp.count = grown(rp.count, pi, 0)
      rp.count[pi] = 0
      this.parents++
    }
    if (rp.count[pi]! >= c.arg2) {
      this.refused++
      if (rp.count[pi] === 0) this.dropParent(rp, pi)
      return -1
    }
    const s = ch.dyn.install(f, p.proto, p.src, sport, p.dst, dport, now, ch, p.v6 ? p.a6 : null)
    if (s < 0) {
      if (rp.count[pi] === 0) this.dropParent(rp, pi)
      return -1
    }
    if (s >= this.parentOf.length) {
      this.parentOf = grown(this.parentOf, s, -1)
      while (this.parentTab.length < this.parentOf.length) this.parentTab.push(null)
    }
    this.parentOf[s] = pi
    this.parentTab[s] = rp
    rp.count[pi]!++
    return s
  }

  private childGone(i: number): void {
    if (i >= this.parentOf.length) return
    const pi = this.parentOf[i]!
    if (pi < 0) return
    const rp = this.parentTab[i]!
    this.parentOf[i] = -1
    this.parentTab[i] = null
    if (--rp.count[pi]! === 0) this.dropParent(rp, pi)
  }

  private dropParent(rp: RuleParents, pi: number): void {
    rp.table.expireIndex(pi)
    this.parents--
  }

  /**
   * Rules went away (after their states did, so their parents are childless and already counted
   * out): forget their parent tables.
   */
  pruneRules(live: readonly KRule[]): void {
    if (this.byRule.size === 0) return
    const keep = new Set(live)
    for (const f of this.byRule.keys()) if (!keep.has(f)) this.byRule.delete(f)
  }

  /** The parent of child state i, or -1 (for `ipfw -d list`). */
  parentIndex(i: number): number {
    return i < this.parentOf.length ? this.parentOf[i]! : -1
  }

  /**
   * `ipfw -d list`: the live states, limit children marked LIMIT, then the parents (PARENT, with
   * their children count and the longest time left among their children). Control plane: allocates.
   */
  dynInfo(dyn: DynTable<KRule>, now: number): IpfwDynInfo[] {
    const out: IpfwDynInfo[] = []
    const left = new Map<string, number>()
    for (const d of dyn.list(now)) {
      const pi = this.parentIndex(d.idx)
      const info: IpfwDynInfo = {
        rule: d.rule.num,
        pcnt: d.pcnt,
        bcnt: d.bcnt,
        expire: d.expire,
        proto: d.proto,
        src: d.src,
        sport: d.sport,
        dst: d.dst,
        dport: d.dport,
        ...(d.addr6 !== undefined ? { addr6: d.addr6 } : {}),
      }
      if (pi >= 0) {
        info.kind = 'LIMIT'
        const k = `${d.rule.seq}:${pi}`
        left.set(k, Math.max(left.get(k) ?? 0, d.expire))
      }
      out.push(info)
    }
    for (const p of this.list(now))
      out.push({
        rule: p.rule.num,
        pcnt: 0,
        bcnt: 0,
        expire: left.get(`${p.rule.seq}:${p.idx}`) ?? 0,
        proto: p.proto,
        src: p.src,
        sport: p.sport,
        dst: p.dst,
        dport: p.dport,
        kind: 'PARENT',
        count: p.count,
      })
    return out
  }

  /** Live parents (control plane: allocates). */
  list(now: number): LimitParentInfo[] {
    const out: LimitParentInfo[] = []
    for (const [rule, rp] of this.byRule)
      for (const d of rp.table.list(now))
        out.push({
          rule,
          idx: d.idx,
          count: rp.count[d.idx]!,
          proto: d.proto,
          src: d.src,
          sport: d.sport,
          dst: d.dst,
          dport: d.dport,
        })
    return out
  }
}

/** Parents never time out on their own (their children's deaths remove them). */
const PARENT_KNOBS = {
  dynMax: 0x7fffffff,
  dynAckLifetime: 0x7fffffff,
  dynSynLifetime: 0x7fffffff,
  dynFinLifetime: 0x7fffffff,
  dynRstLifetime: 0x7fffffff,
  dynUdpLifetime: 1e9,
  dynShortLifetime: 1e9,
  dynKeepalivePeriod: 5,
}

function grown(a: Int32Array, need: number, fill: number): Int32Array<ArrayBuffer> {
  let n = a.length
  while (n <= need) n *= 2
  const b = new Int32Array(n).fill(fill)
  b.set(a)
  return b
}
