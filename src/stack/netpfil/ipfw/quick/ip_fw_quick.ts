/**
 * A rule's quick-reject prefix: most rules begin with `PROTO from ADDR/MASK to ADDR/MASK`, and most
 * packets fail one of those three tests. Computed once when a rule is installed, they let ipfw_chk
 * reject with three integer compares before it walks the generic microinstruction loop.
 *
 * Only a leading run of plain (neither `not` nor `or`-ed) PROTO, IP_SRC and IP_DST instructions with
 * one address each is lifted out, so the remaining instructions run in their original order and the
 * rule's meaning is unchanged.
 *
 * The chain's prefixes are also compiled into one QuickTable (typed arrays, rebuilt when the rule
 * list changes) that the IPv4 fast pass (ip_fw_quick_pass.ts) scans without reading the packet into PktFacts:
 * per rule its prefix, its set and what a match needs; per block of up to BLOCK rules an envelope —
 * the bits every rule of the block requires alike — so that a packet outside it skips the block in
 * one compare. The table also holds the fast pass's memo: where its walk stopped for recent packets
 * (see QuickTable.memo). Control path only; nothing here runs per packet but the memo's reset.
 */

import type { KRule } from '../ip_fw_chain.js'
import { A, IFACE_TABLE, type IpfwInsn, O } from '../ip_fw_rule.js'
import type { IpfwTable, IpfwTables } from '../table/ip_fw_table.js'

/** What the fast pass may do with a rule whose prefix the packet passes (QuickTable.kind). */
export const QK = {
  /** Side effects before its prefix (a state probe, `prob`): only the full pass may look at it. */
  SLOW: 0,
  /** More to match (the rest, an IPv6 test) or an action with more to it: the full pass takes over here. */
  FILTER: 1,
  /** Its prefix is all it matches, its action allow/deny/count/skipto, no log: the fast pass acts. */
  PLAIN: 2,
  /**
   * Its prefix is all it matches and its action is `nat N`, no log: under one_pass the fast pass
   * translates and passes, as the full pass would; otherwise the full pass takes over here.
   */
  NAT: 3,
  /**
   * Its prefix is all it matches and its action is `pipe N` or `queue N`, no log: under one_pass,
   * with dummynet loaded, the hook hands the packet to dummynet as the full pass would.
   */
  DN: 4,
  /**
   * `check-state` with nothing else to match, no log: the fast pass probes the state table; a state
   * whose rule is a plain allow or deny is renewed and carried out there, anything else goes on
   * (no state) or to the full pass (another action). A walk past one is never remembered; a walk
   * a state stopped at one is, with the state (MK.STATE), rechecked on every packet the memo answers.
   */
  CHECK: 5,
} as const

/** Longest block under one envelope: wider blocks have looser envelopes. */
const BLOCK = 32

/**
 * Where rule i's words sit in QuickTable.w (i * QW + QF.*): its prefix, its set and kind, and the
 * block starting at it with that block's envelope. One flat array, so the scan loads one base.
 */
export const QF = {
  PROTO: 0,
  SRC: 1,
  SRC_MASK: 2,
  DST: 3,
  DST_MASK: 4,
  /** set | kind << 8. */
  SET_KIND: 5,
  /** End (exclusive) of the block that starts at rule i, or i when it has none. */
  BLOCK_END: 6,
  ENV_PROTO: 7,
  ENV_SRC: 8,
  ENV_SRC_MASK: 9,
  ENV_DST: 10,
  ENV_DST_MASK: 11,
  /** O.RECV/XMIT/VIA when the rule's first remaining instruction is a plain one on ifName[i], else 0. */
  IF_OP: 12,
  /**
   * The rule's last remaining instruction looks the source (TBL_SRC) or destination (TBL_DST) up
   * in the addr table tbl[i] (`from table(N)`, `to table(N,V)`), else 0.
   */
  TBL: 13,
} as const
export const QW = 14

/** QF.TBL: which address the rule's table lookup takes. */
export const TBL_SRC = 1
export const TBL_DST = 2

/** log2 of the memo's slots: a fixed, small direct-mapped table per compiled chain. */
export const MEMO_LOG2 = 8
const MEMO = 1 << MEMO_LOG2
/**
 * A memo slot's words in QuickTable.memo (slot * MW + MK.*): protocol | direction << 8, with
 * MEMO_IF when the walk tested the interface (-1: free); source, destination and the rule's index,
 * side by side so that a lookup touches one array; then how many `count` or `skipto` rules the walk
 * met and counted before it (at most MEMO_MET, or the walk is not remembered) and their counter
 * slots (KRule.cs), which a packet the memo answers counts alike; and PASS: the stop's counter slot
 * when it is an allow met first (the memo alone decides: count it and pass), else -1; STATE: when
 * the walk stopped at a `check-state` (RULE) because the packet had a state there, that state's
 * index, else -1 — the next packet like it stops at the same rule, and has the same state if
 * DynTable.recheck says so (else it walks). One slot more than MEMO, at FIRST_AT, answers for every
 * packet when the chain's first rule in force takes them all (QuickTable.first).
 */
export const MK = { KEY: 0, SRC: 1, DST: 2, RULE: 3, NMET: 4, MET: 5, PASS: 8, STATE: 9 } as const
export const MEMO_MET = 3
export const MW = 10
/** The key's flag for a walk that tested the interface by name: mIf must then match too. */
export const MEMO_IF = 1 << 16
/** The offset of the slot that holds QuickTable.first. */
export const FIRST_AT = MEMO * MW

function memoSlots(): Int32Array {
  const memo = new Int32Array((MEMO + 1) * MW)
  for (let k = MK.KEY; k < memo.length; k += MW) memo[k] = -1
  return memo
}

/** The chain compiled for the fast pass; `rules` and `n` tell whether it still describes the chain. */
export class QuickTable {
  readonly rules: readonly KRule[]
  readonly n: number
  readonly w: Int32Array
  /** The interface of QF.IF_OP, '' for none. */
  readonly ifName: string[]
  /**
   * The memo: the walk over this table is a function of the packet's source, destination and
   * protocol, the direction, the interface's name and the disabled sets alone, so where it stopped
   * for one packet — at an allow, deny or nat rule, no rule met before it — it stops for the next
   * packet with the same ones. Slot by a hash of them (see MK); mIf holds the interface's name.
   * Valid for this table and for the disabled sets in memoSets.
   */
  readonly memo = memoSlots()
  readonly mIf: string[] = new Array<string>(MEMO).fill('')
  memoSets = 0
  /** The state a check-state met by the walk just decided on (MK.STATE), -1 for none: walk scratch. */
  stateHit = -1
  /**
   * The rule where every walk stops, without meeting another, for the disabled sets memoSets: the
   * first rule in force, when it is a plain allow or deny of any packet (`allow ip from any to any`);
   * else -1. Its memo slot (FIRST_AT) then answers every packet the memo may answer, unhashed.
   */
  first = -1
  /** The addr table of QF.TBL (null for none); rules hold a reference, so it lives as long as they. */
  readonly tbl: (IpfwTable | null)[]
  /** The table instruction of QF.TBL (its value test). */
  readonly tblInsn: (IpfwInsn | null)[]

  constructor(rules: readonly KRule[], tables: IpfwTables, sets: number) {
    const n = rules.length
    this.rules = rules
    this.n = n
    const w = new Int32Array(n * QW)
    this.w = w
    this.ifName = new Array<string>(n).fill('')
    this.tbl = new Array<IpfwTable | null>(n).fill(null)
    this.tblInsn = new Array<IpfwInsn | null>(n).fill(null)
    for (let i = 0; i < n; i++) {
      const f = rules[i]!
      const at = i * QW
      const c = ifaceFirst(f)
      if (c !== null) {
        w[at + QF.IF_OP] = c.op
        this.ifName[i] = c.name
      }
      const t = tableLast(f)
      const table = t === null ? undefined : tables.get(t.name)
      if (t !== null && table !== undefined) {
        w[at + QF.TBL] = t.op === O.IP_SRC_LOOKUP ? TBL_SRC : TBL_DST
        this.tbl[i] = table
        this.tblInsn[i] = t
      }
      w[at + QF.PROTO] = f.qProto
      w[at + QF.SRC] = f.qSrcAddr
      w[at + QF.SRC_MASK] = f.qSrcMask
      w[at + QF.DST] = f.qDstAddr
      w[at + QF.DST_MASK] = f.qDstMask
      w[at + QF.SET_KIND] = f.set | (kindOf(f, table !== undefined) << 8)
    }
    for (let i = 0; i < n; i++) this.envelope(i)
    this.memoReset(sets)
  }

  /**
   * Forget every memo slot: the disabled sets changed (ipfw set enable/disable), or a table's
   * entries did. Then find the rule every walk would stop at for these sets, if there is one.
   */
  memoReset(sets: number): void {
    const memo = this.memo
    for (let k = MK.KEY; k < memo.length; k += MW) memo[k] = -1
    this.memoSets = sets
    this.first = -1
    const w = this.w
    for (let i = 0; i < this.n; i++) {
      const at = i * QW
      const set = w[at + QF.SET_KIND]! & 0xff
      if (((sets >>> set) & 1) !== 0 && set !== 31) continue
      const a = this.rules[i]!.action
      if (
        w[at + QF.SET_KIND]! >>> 8 === QK.PLAIN &&
        (a === A.ALLOW || a === A.DENY) &&
        w[at + QF.PROTO] === -1 &&
        w[at + QF.SRC_MASK] === 0 &&
        w[at + QF.DST_MASK] === 0 &&
        w[at + QF.IF_OP] === 0 &&
        w[at + QF.TBL] === 0
      ) {
        this.first = i
        memo[FIRST_AT + MK.RULE] = i
        memo[FIRST_AT + MK.NMET] = 0
        memo[FIRST_AT + MK.PASS] = a === A.ALLOW ? this.rules[i]!.cs : -1
        memo[FIRST_AT + MK.STATE] = -1
      }
      break
    }
  }

  /**
   * The block from rule i: the following rules without side effects before their prefix, at most
   * BLOCK, and the bits they all require alike. It stops before a rule that would leave the envelope
   * requiring nothing (an `allow ip from any to any` closing a list of specific rules).
   */
  private envelope(i: number): void {
    const w = this.w
    const at = i * QW
    let end = i
    let proto = w[at + QF.PROTO]!
    let sm = -1
    let dm = -1
    while (end < this.n && end - i < BLOCK && w[end * QW + QF.SET_KIND]! >>> 8 !== QK.SLOW) {
      const r = end * QW
      const p2 = w[r + QF.PROTO] === proto ? proto : -1
      // Each rule's prefix implies (a & M) === (its address & M), the same for all when M also
      // clears the bits where their addresses differ.
      const sm2 = sm & w[r + QF.SRC_MASK]! & ~(w[r + QF.SRC]! ^ w[at + QF.SRC]!)
      const dm2 = dm & w[r + QF.DST_MASK]! & ~(w[r + QF.DST]! ^ w[at + QF.DST]!)
      if (end > i && p2 < 0 && sm2 === 0 && dm2 === 0) break
      proto = p2
      sm = sm2
      dm = dm2
      end++
    }
    w[at + QF.BLOCK_END] = end > i + 1 ? end : i
    w[at + QF.ENV_PROTO] = proto
    w[at + QF.ENV_SRC_MASK] = sm
    w[at + QF.ENV_SRC] = w[at + QF.SRC]! & sm
    w[at + QF.ENV_DST_MASK] = dm
    w[at + QF.ENV_DST] = w[at + QF.DST]! & dm
  }
}

/**
 * The rule's first remaining instruction when it is `recv`, `xmit` or `via` one interface by its
 * exact name (no `not`, no or-block, no wildcard, no table): the fast pass tests it by name.
 */
function ifaceFirst(f: KRule): IpfwInsn | null {
  const c = f.rest[0]
  if (c === undefined || c.not || c.or || (c.arg2 & IFACE_TABLE) !== 0 || c.name.endsWith('*')) return null
  return c.op === O.RECV || c.op === O.XMIT || c.op === O.VIA ? c : null
}

/**
 * The rule's last remaining instruction when it is a plain (no `not`, no or-block) lookup of the
 * source or destination address in a table, and all before it are lifted or ifaceFirst: the fast
 * pass looks the address up itself.
 */
function tableLast(f: KRule): IpfwInsn | null {
  const k = ifaceFirst(f) === null ? 0 : 1
  if (f.rest.length !== k + 1) return null
  const c = f.rest[k]!
  if (c.not || c.or) return null
  return c.op === O.IP_SRC_LOOKUP || c.op === O.IP_DST_LOOKUP ? c : null
}

function kindOf(f: KRule, table: boolean): number {
  if (f.probe || f.prob < 1) return QK.SLOW
  const rest = (ifaceFirst(f) === null ? 0 : 1) + (table ? 1 : 0)
  if (f.rest.length !== rest || f.log) return QK.FILTER
  if (f.action === A.ALLOW || f.action === A.DENY || f.action === A.COUNT || f.action === A.SKIPTO)
    return QK.PLAIN
  if (f.action === A.NAT) return QK.NAT
  if (f.action === A.CHECK_STATE) return QK.CHECK
  return f.action === A.PIPE || f.action === A.QUEUE ? QK.DN : QK.FILTER
}

export interface QuickReject {
  /** The protocol the rule requires, or -1 for any. */
  proto: number
  /** Address and mask as int32: a packet passes when (addr & mask) === addr field; 0/0 is any. */
  srcAddr: number
  srcMask: number
  dstAddr: number
  dstMask: number
  /** An IPv4 address was lifted: the rule cannot match an IPv6 packet. */
  v4: boolean
  /** The instructions after the lifted prefix, matched as before. */
  rest: IpfwInsn[]
}

/** Split insns into the quick-reject prefix and the rest. */
export function quickReject(insns: readonly IpfwInsn[]): QuickReject {
  const q: QuickReject = { proto: -1, srcAddr: 0, srcMask: 0, dstAddr: 0, dstMask: 0, v4: false, rest: [] }
  let k = 0
  for (; k < insns.length; k++) {
    const c = insns[k]!
    // An `or`-ed instruction, and the one that ends its block, belong to an or-block.
    if (c.not || c.or) break
    if (c.op === O.PROTO && q.proto < 0) q.proto = c.arg
    else if (c.op === O.IP_SRC && c.list.length === 2 && q.srcMask === 0 && q.srcAddr === 0) {
      q.srcMask = c.list[1]! | 0
      q.srcAddr = (c.list[0]! & c.list[1]!) | 0
      q.v4 = true
    } else if (c.op === O.IP_DST && c.list.length === 2 && q.dstMask === 0 && q.dstAddr === 0) {
      q.dstMask = c.list[1]! | 0
      q.dstAddr = (c.list[0]! & c.list[1]!) | 0
      q.v4 = true
    } else break
  }
  q.rest = insns.slice(k)
  return q
}
