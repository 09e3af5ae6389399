/**
 * ipfw's IPv4 fast pass: the chain's compiled prefixes (ip_fw_quick.ts) walked over three header
 * fields, and the memo that lets a packet like a recent one stop where that one did. Every rule it
 * meets counts as ipfw_chk would count it; where it cannot decide it names the rule the full pass
 * (ip_fw2.ts) starts from. The hooks (ip_fw_pfil.ts) call it first.
 *
 * It never throws and allocates nothing per packet (a changed chain recompiles on the next packet).
 */

import type { Mbuf } from '../../../../buf/mbuf.js'
import { IP_OFFMASK, IpProto } from '../../../../wire/inet/ipv4.js'
import type { Ifnet } from '../../../net/ifnet.js'
import { PFIL_IN } from '../../../net/pfil.js'
import type { IpfwChain, KRule } from '../ip_fw_chain.js'
import { ipfwNat, NAT_PASS } from '../ip_fw_nat.js'
import { A } from '../ip_fw_rule.js'
import { jump, O_RECV, O_XMIT, VERDICT_DENY, VERDICT_PASS } from '../ip_fw2.js'
import {
  FIRST_AT,
  MEMO_IF,
  MEMO_LOG2,
  MEMO_MET,
  MK,
  MW,
  QF,
  QK,
  QuickTable,
  QW,
  TBL_SRC,
} from './ip_fw_quick.js'

/** quickPass's answer when the full pass must take over; ch.quickStart is the rule to start from. */
export const QUICK_FULL = -1

/**
 * The IPv4 fast pass: the chain's compiled prefixes (QuickTable) scanned over three fields read
 * straight from the header, skipping whole blocks by their envelopes, for as long as every rule met
 * is either failed by its prefix (and table lookup) or matched by them alone with allow, deny, count
 * or skipto. The first rule that needs more (a state probe, `prob`, more instructions, another
 * action, `log`) hands the packet to the full pass from that rule: nothing was done on its behalf
 * yet, so the verdicts are ipfw_chk's. A packet too short for its layer-4 header also goes there
 * (to be counted and dropped).
 *
 * The memo is looked at first: a packet like a recent one stops where that one did (the hooks go
 * through ipfwHookPass, which looks there itself and walks without asking again).
 */
export function quickPass(ch: IpfwChain, m: Mbuf, ifp: Ifnet, dir: number): number {
  const q = ch.quick
  const at = q === null ? -1 : quickHit(ch, q, m, ifp, dir)
  // A remembered state is the hook's to recheck (ipfwHookPass); here the walk probes afresh.
  if (at < 0 || q!.memo[at + MK.STATE]! >= 0) return quickWalk(ch, m, ifp, dir)
  const memo = q!.memo
  const b = m.data
  const o = m.off
  ch.quickStart = 0
  ch.quickDn = -1
  if (memo[at + MK.NMET] !== 0) memoCount(ch, memo, at, (b[o + 2]! << 8) | b[o + 3]!, ch.clock.coarseNow())
  return quickStop(ch, m, memo[at + MK.RULE]!, dir)
}

/**
 * The memo's answer for m on ifp in dir: the offset in q.memo of the slot remembering where a
 * packet like it stopped (FIRST_AT when the chain's first rule takes every packet), or -1 when it
 * has none or may not answer. It may answer when the table still describes the chain (the chain
 * drops it on add and makes it forget on a change of sets or tables) and the packet is a whole
 * IPv4 datagram (or first fragment) without options, long enough for any layer-4 header the walk
 * would look for; anything else takes the walk, which checks it all. Small, so that it inlines.
 */
export function quickHit(ch: IpfwChain, q: QuickTable, m: Mbuf, ifp: Ifnet, dir: number): number {
  const b = m.data
  const o = m.off
  if (q.rules !== ch.rules || b[o]! !== 0x45 || ((b[o + 6]! & 0x1f) | b[o + 7]!) !== 0 || m.len < 40)
    return -1
  if (q.first >= 0) return FIRST_AT
  const src = (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!
  const dst = (b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!
  const key = b[o + 9]! | (dir << 8)
  const slot = memoSlot(src, dst, key, ifp.index)
  const at = slot * MW
  const memo = q.memo
  const k = memo[at + MK.KEY]!
  return memo[at + MK.SRC] === src &&
    memo[at + MK.DST] === dst &&
    (k === key || (k === (key | MEMO_IF) && q.mIf[slot] === ifp.name))
    ? at
    : -1
}

/** The memo slot of a packet: by its addresses, protocol and direction, and the interface's index. */
function memoSlot(src: number, dst: number, key: number, ifIndex: number): number {
  return Math.imul(src ^ Math.imul(dst ^ key ^ (ifIndex << 10), 0x9e3779b1), 0x85ebca6b) >>> (32 - MEMO_LOG2)
}

/** Count the `count`/`skipto` rules a remembered walk met, as the walk itself did. */
export function memoCount(ch: IpfwChain, memo: Int32Array, at: number, len: number, now: number): void {
  const ctr = ch.ctr
  const n = memo[at + MK.NMET]!
  for (let k = 0; k < n; k++) ctr.count(memo[at + MK.MET + k]!, len, now)
}

/**
 * The table lookup of rule i (QF.TBL) of addr, as ipfw_chk's O_IP_SRC_LOOKUP / O_IP_DST_LOOKUP:
 * in the table, and (`table(N,V)`) its longest matching prefix carries V.
 */
function quickTable(q: QuickTable, i: number, addr: number): boolean {
  const t = q.tbl[i]!
  const k = t.lookup(addr)
  if (k < 0) return false
  const c = q.tblInsn[i]!
  return (c.arg2 & 1) === 0 || t.value(k) === c.arg
}

/** The fast pass's walk over the compiled table (quickPass without the memo's answer). */
export function quickWalk(ch: IpfwChain, m: Mbuf, ifp: Ifnet, dir: number): number {
  let q = ch.quick
  const rules = ch.rules
  if (q === null || q.rules !== rules || q.n !== rules.length)
    q = ch.quick = new QuickTable(rules, ch.tables, ch.disabledSets)
  const b = m.data
  const o = m.off
  ch.quickStart = 0
  ch.quickDn = -1
  if (b[o]! >>> 4 !== 4) return QUICK_FULL
  const proto = b[o + 9]!
  if ((((b[o + 6]! << 8) | b[o + 7]!) & IP_OFFMASK) === 0) {
    const room = m.len - ((b[o]! & 0xf) << 2)
    if (room < (proto === IpProto.TCP ? 20 : proto === IpProto.UDP ? 8 : proto === IpProto.ICMP ? 4 : 0))
      return QUICK_FULL
  }
  // Spelled out: readI32 is left as a call once the optimiser's inlining budget runs out.
  const src = (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!
  const dst = (b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!
  const disabled = ch.disabledSets
  // Where the walk stops is remembered (QuickTable.memo) for the next packet like this one; the
  // callers looked there before walking.
  if (q.memoSets !== disabled) q.memoReset(disabled)
  const key = proto | (dir << 8)
  const slot = memoSlot(src, dst, key, ifp.index)
  const memo = q.memo
  // MEMO_IF once the walk has tested the interface: its stop then holds only for that interface.
  let ifDep = 0
  const n = q.n
  const w = q.w
  // The count/skipto rules met (and counted) on the way, remembered with the stop when few enough.
  let met = 0
  let i = 0
  while (i < n) {
    const at = i * QW
    const e = w[at + QF.BLOCK_END]!
    if (
      e > i &&
      ((w[at + QF.ENV_PROTO]! >= 0 && proto !== w[at + QF.ENV_PROTO]) ||
        (src & w[at + QF.ENV_SRC_MASK]!) !== w[at + QF.ENV_SRC] ||
        (dst & w[at + QF.ENV_DST_MASK]!) !== w[at + QF.ENV_DST])
    ) {
      i = e
      continue
    }
    const sk = w[at + QF.SET_KIND]!
    const set = sk & 0xff
    if (disabled !== 0 && ((disabled >>> set) & 1) !== 0 && set !== 31) {
      i++
      continue
    }
    const k = sk >>> 8
    if (k === QK.SLOW) break
    if (
      (w[at + QF.PROTO]! >= 0 && proto !== w[at + QF.PROTO]) ||
      (src & w[at + QF.SRC_MASK]!) !== w[at + QF.SRC] ||
      (dst & w[at + QF.DST_MASK]!) !== w[at + QF.DST]
    ) {
      i++
      continue
    }
    // A lifted recv/xmit/via: failing it fails the rule, as the generic loop's first test would.
    const ifOp = w[at + QF.IF_OP]!
    if (ifOp !== 0) {
      ifDep = MEMO_IF
      if (
        (ifOp === O_RECV && dir !== PFIL_IN) ||
        (ifOp === O_XMIT && dir === PFIL_IN) ||
        q.ifName[i] !== ifp.name
      ) {
        i++
        continue
      }
    }
    // A table lookup: its entries decide the walk too; the tables tell the chain when they change.
    const tbl = w[at + QF.TBL]!
    if (tbl !== 0 && !quickTable(q, i, tbl === TBL_SRC ? src : dst)) {
      i++
      continue
    }
    if (k === QK.CHECK) {
      q.stateHit = -1
      const r = quickCheckState(ch, m, i, proto, src, dst)
      if (r !== QUICK_NEXT) {
        // Decided by a state: where it is is remembered, with the rules met on the way.
        if (q.stateHit >= 0 && met <= MEMO_MET) {
          const ms = slot * MW
          memo[ms + MK.KEY] = key | ifDep
          memo[ms + MK.SRC] = src
          memo[ms + MK.DST] = dst
          memo[ms + MK.RULE] = i
          memo[ms + MK.NMET] = met
          memo[ms + MK.PASS] = -1
          memo[ms + MK.STATE] = q.stateHit
          q.mIf[slot] = ifp.name
        }
        return r
      }
      // No state: on, uncounted (as ipfw_chk). What follows depends on the state table as well as on
      // the packet's fields, so this walk's stop must not be remembered.
      met = MEMO_MET + 1
      i++
      continue
    }
    if (k !== QK.PLAIN && k !== QK.NAT && k !== QK.DN) break
    const f = rules[i]!
    const a = f.action
    if (a === A.ALLOW || a === A.DENY || a === A.NAT || k === QK.DN) {
      if (met <= MEMO_MET) {
        const ms = slot * MW
        memo[ms + MK.KEY] = key | ifDep
        memo[ms + MK.SRC] = src
        memo[ms + MK.DST] = dst
        memo[ms + MK.RULE] = i
        memo[ms + MK.NMET] = met
        memo[ms + MK.PASS] = a === A.ALLOW && met === 0 ? f.cs : -1
        memo[ms + MK.STATE] = -1
        q.mIf[slot] = ifp.name
      } else memo[slot * MW + MK.KEY] = -1
      return quickStop(ch, m, i, dir)
    }
    ch.ctr.count(f.cs, (b[o + 2]! << 8) | b[o + 3]!, ch.clock.coarseNow())
    // Written straight into the slot, which stops answering until this walk's stop is remembered.
    if (met === 0) memo[slot * MW + MK.KEY] = -1
    if (met < MEMO_MET) memo[slot * MW + MK.MET + met] = f.cs
    met++
    i = a === A.SKIPTO ? jump(ch, f, i) : i + 1
  }
  ch.quickStart = i
  return QUICK_FULL
}

/** quickCheckState's answer when the packet has no state: the walk goes on after the rule. */
const QUICK_NEXT = -2

/**
 * A `check-state` rule (QK.CHECK) at index i, met by the fast pass: the packet's state probed as
 * ipfw_chk's O_CHECK_STATE probes it (ports for TCP and UDP, not for a later fragment). Without one,
 * QUICK_NEXT. With one whose rule is a plain allow or deny (no log), the state is renewed and its rule
 * counted and carried out here, as ipfw_chk would; any other rule's action is the full pass's, from
 * this rule — it probes again, and a probe changes nothing but freeing states already expired.
 */
function quickCheckState(ch: IpfwChain, m: Mbuf, i: number, proto: number, src: number, dst: number): number {
  const b = m.data
  const o = m.off
  const l4 = o + ((b[o]! & 0xf) << 2)
  const whole = (((b[o + 6]! << 8) | b[o + 7]!) & IP_OFFMASK) === 0
  const ports = whole && (proto === IpProto.TCP || proto === IpProto.UDP)
  const sport = ports ? (b[l4]! << 8) | b[l4 + 1]! : 0
  const dport = ports ? (b[l4 + 2]! << 8) | b[l4 + 3]! : 0
  const now = ch.clock.coarseNow()
  // The first pass's scratch: the full pass, if it follows, reads the packet afresh.
  const how = ch.facts[0]!.dirOut
  const s = ch.dyn.lookup(proto, src, sport, dst, dport, now, how, null)
  if (s < 0) return QUICK_NEXT
  const f = ch.dyn.rule(s)
  const a = f.action
  if (f.log || (a !== A.ALLOW && a !== A.DENY)) {
    ch.quickStart = i
    return QUICK_FULL
  }
  const len = (b[o + 2]! << 8) | b[o + 3]!
  ch.dyn.update(s, how[0]!, proto, whole && proto === IpProto.TCP ? b[l4 + 13]! : 0, len, now, ch)
  ch.ctr.count(f.cs, len, now)
  // A limit rule's states have parents to keep count with: never remembered.
  if (!f.limited) ch.quick!.stateHit = s
  return a === A.ALLOW ? VERDICT_PASS : VERDICT_DENY
}

/**
 * The rule where the fast pass's walk stopped (an allow, a deny or a nat whose prefix is all it
 * matches): counted and carried out, or, for nat without one_pass, left to the full pass from there.
 */
export function quickStop(ch: IpfwChain, m: Mbuf, i: number, dir: number): number {
  const f = ch.rules[i]!
  const a = f.action
  if (a === A.NAT) {
    if (ch.onePass !== 0) return quickNat(ch, m, f, dir)
    ch.quickStart = i
    return QUICK_FULL
  }
  if (a === A.PIPE || a === A.QUEUE) {
    // Dummynet's, not the fast pass's: the hook carries it out (quickDummynet) or the full pass does.
    ch.quickStart = i
    ch.quickDn = i
    return QUICK_FULL
  }
  ch.ctr.count(f.cs, (m.data[m.off + 2]! << 8) | m.data[m.off + 3]!, ch.clock.coarseNow())
  return a === A.ALLOW ? VERDICT_PASS : VERDICT_DENY
}

/**
 * A `nat N` rule met by the fast pass under one_pass: counted and carried out as ipfw_chk and
 * ipfw_check_packet would (VERDICT_NAT, then translated in place and passed, or dropped when
 * libalias refuses), without reading the packet into PktFacts first.
 */
function quickNat(ch: IpfwChain, m: Mbuf, f: KRule, dir: number): number {
  const now = ch.clock.coarseNow()
  ch.ctr.count(f.cs, (m.data[m.off + 2]! << 8) | m.data[m.off + 3]!, now)
  return ipfwNat(ch, m, dir, f.actionArg, now) === NAT_PASS ? VERDICT_PASS : VERDICT_DENY
}
