/**
 * ipfw's packet path (FreeBSD's ipfw_chk in ip_fw2.c and ipfw_check_packet in ip_fw_pfil.c): walk the
 * vnet's rules in order, evaluating each rule's microinstructions with `not` and `or` blocks, probe
 * and install dynamic states, count the matching rule, and carry out its action — pass, drop,
 * answer with ICMP unreachable or a TCP reset, go on (count), jump (skipto, call/return).
 *
 * Runs inside the inet and inet6 pfil hooks on every packet of a vnet where the module is loaded and
 * net.inet.ip.fw.enable (net.inet6.ip6.fw.enable for IPv6) is 1; IPv6 matching is in ip_fw6.ts. It never throws and allocates nothing per packet: the header fields
 * are read once into the chain's own scratch, and drops are counted.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { IcmpType } from '../../../wire/inet/icmp.js'
import { IP_OFFMASK, IpProto } from '../../../wire/inet/ipv4.js'
import { TH } from '../../../wire/inet/tcp.js'
import { Unreach6Code } from '../../../wire/inet6/icmpv6.js'
import type { Ifnet } from '../../net/ifnet.js'
import { PFIL, PFIL_IN, type PfilHook } from '../../net/pfil.js'
import type { Vnet } from '../../net/vnet.js'
import { icmpError } from '../../netinet/icmp.js'
import { DivertTag, type divertPacket } from '../../netinet/ip/ip_divert.js'
import { tcpRespond } from '../../netinet/tcp/tcp_subr.js'
import { tcp } from '../../netinet/tcp/tcp_var.js'
import { DN_MAX_ID } from './dummynet/dn_h.js'
import { DnTag } from './dummynet/dn_tag.js'
import { DN_IO, dnTagRelease, dummynetFast, type dummynetIo } from './dummynet/ip_dn_io.js'
import { IPFW_HOOK, type IpfwChain, type IpfwConfig, ipfw, type KRule } from './ip_fw_chain.js'
import { MATCH } from './ip_fw_dynamic.js'
import { ODD6, type PktFacts, readFacts } from './ip_fw_facts.js'
import { l2Match } from './ip_fw_l2_match.js'
import { IpfwLimits } from './ip_fw_limit.js'
import { ipfwLog } from './ip_fw_log.js'
import { ifaceLookup, numberLookup, tableMatch, tableMatch6 } from './ip_fw_lookup.js'
import { ipfwNat, NAT_PASS } from './ip_fw_nat.js'
import { MEMO_LOG2, MEMO_MET, MK, MW, QF, QK, QuickTable, QW } from './ip_fw_quick.js'
import { A, IFACE_TABLE, type IpfwInsn, O } from './ip_fw_rule.js'
import { flow6Match, icmp6TypeMatch, inAddrs6, localIp6, mapIcmpUnreach, sendReject6 } from './ip_fw6.js'

function inRanges(list: number[], n: number): boolean {
  for (let k = 0; k < list.length; k += 2) if (n >= list[k]! && n <= list[k + 1]!) return true
  return false
}

function inAddrs(list: number[], a: number): boolean {
  for (let k = 0; k < list.length; k += 2) if ((a & list[k + 1]!) >>> 0 === list[k]) return true
  return false
}

/** An interface name pattern: exact, or a prefix ending in `*` (FreeBSD matches with fnmatch). */
function ifMatch(pattern: string, name: string): boolean {
  const n = pattern.length - 1
  if (n < 0 || pattern.charCodeAt(n) !== 42 /* '*' */) return pattern === name
  // A prefix compare in place: slicing the pattern would allocate a string per packet.
  if (name.length < n) return false
  for (let i = 0; i < n; i++) if (name.charCodeAt(i) !== pattern.charCodeAt(i)) return false
  return true
}

function ifaceMatch(v: Vnet, c: IpfwInsn, ifname: string): boolean {
  return (c.arg2 & IFACE_TABLE) !== 0 ? ifaceLookup(v, c, ifname) : ifMatch(c.name, ifname)
}

function insnMatch(v: Vnet, c: IpfwInsn, p: PktFacts): boolean {
  switch (c.op) {
    case O.PROTO:
      return p.proto === c.arg
    case O.IP_SRC:
      return !p.v6 && inAddrs(c.list, p.src)
    case O.IP_DST:
      return !p.v6 && inAddrs(c.list, p.dst)
    case O.IP_SRC_ME:
      return p.v6 ? localIp6(v, p, 0) : v.isLocal(p.src)
    case O.IP_DST_ME:
      return p.v6 ? localIp6(v, p, 4) : v.isLocal(p.dst)
    case O.IP6_SRC:
      return p.v6 && inAddrs6(c.list, p.a6, 0)
    case O.IP6_DST:
      return p.v6 && inAddrs6(c.list, p.a6, 4)
    case O.IP6_SRC_ME:
      return p.v6 && localIp6(v, p, 0)
    case O.IP6_DST_ME:
      return p.v6 && localIp6(v, p, 4)
    case O.ICMP6TYPE:
      return p.v6 && p.l4 && p.proto === 58 && icmp6TypeMatch(c.list, p.icmpType)
    case O.EXT_HDR:
      return p.v6 && (p.extHd & c.arg) !== 0
    case O.FLOW6ID:
      return p.v6 && flow6Match(c.list, p.flow6)
    case O.IP6:
      return p.v6
    case O.IP4:
      return p.v4
    case O.IP_SRCPORT:
      return p.l4 && (p.proto === IpProto.TCP || p.proto === IpProto.UDP) && inRanges(c.list, p.sport)
    case O.IP_DSTPORT:
      return p.l4 && (p.proto === IpProto.TCP || p.proto === IpProto.UDP) && inRanges(c.list, p.dport)
    case O.IN:
      return p.dir === PFIL_IN
    case O.RECV:
      return p.dir === PFIL_IN && ifaceMatch(v, c, p.ifname)
    case O.XMIT:
      return p.dir !== PFIL_IN && ifaceMatch(v, c, p.ifname)
    case O.VIA:
      return ifaceMatch(v, c, p.ifname)
    case O.ESTAB:
      return p.l4 && p.proto === IpProto.TCP && (p.tcpFlags & (TH.RST | TH.ACK)) !== 0
    case O.TCPFLAGS:
      return p.l4 && p.proto === IpProto.TCP && (p.tcpFlags & c.arg) === c.arg && (p.tcpFlags & c.arg2) === 0
    case O.ICMPTYPE:
      return !p.v6 && p.l4 && p.proto === IpProto.ICMP && p.icmpType < 32 && (c.arg & (1 << p.icmpType)) !== 0
    case O.FRAG:
      return p.offset !== 0
    // iplen, ipttl and iptos are IPv4's (is_ipv4 in ipfw_chk).
    case O.IPLEN:
      return !p.v6 && inRanges(c.list, p.iplen)
    case O.IPTTL:
      return !p.v6 && inRanges(c.list, p.ttl)
    case O.IPTOS:
      return !p.v6 && (p.tos & c.arg) === c.arg && (p.tos & c.arg2) === 0
    case O.IP_SRC_LOOKUP:
      return p.v6 ? tableMatch6(v, c, p.a6, 0) : tableMatch(v, c, p.src)
    case O.IP_DST_LOOKUP:
      return p.v6 ? tableMatch6(v, c, p.a6, 4) : tableMatch(v, c, p.dst)
    case O.LOOKUP:
      return numberLookup(v, c, p)
    case O.LAYER2:
    case O.MAC_TYPE:
    case O.MAC:
      return l2Match(c, p)
    default:
      // KEEP_STATE (handled by the caller) and PROBE_STATE match.
      return true
  }
}

/** Look up the packet's state once per pass; true when one exists. */
function probe(ch: IpfwChain, p: PktFacts, now: number): boolean {
  if (p.dynDir < 0) {
    const ports = p.l4 && p.proto !== IpProto.ICMP && p.proto !== 58
    p.dynIdx = ch.dyn.lookup(
      p.proto,
      p.src,
      ports ? p.sport : 0,
      p.dst,
      ports ? p.dport : 0,
      now,
      p.dirOut,
      p.v6 ? p.a6 : null,
    )
    p.dynDir = p.dirOut[0]!
  }
  return p.dynIdx >= 0
}

// The opcodes most rules start with, as module constants so that the rule loop below can test
// them without a call or a property load (the switch in insnMatch handles the rest).
const O_PROTO: number = O.PROTO
const O_IP_SRC: number = O.IP_SRC
const O_IP_DST: number = O.IP_DST
const O_RECV: number = O.RECV
const O_XMIT: number = O.XMIT

export const VERDICT_PASS = 0
const VERDICT_DENY = 1
const VERDICT_REJECT = 2
const VERDICT_RESET = 3
export const VERDICT_FWD = 4
/** `nat N` matched: the caller translates (it holds the packet); ch.natRule is the rule. */
const VERDICT_NAT = 5
/** pipe/queue: `ch.dnRule` at index `ch.dnSlot` sent the packet to dummynet. */
const VERDICT_DUMMYNET = 6
/** divert/tee: to the divert(4) socket on ch.divPort, rule ch.divRuleNum at index ch.divSlot. */
const VERDICT_DIVERT = 7
const VERDICT_TEE = 8

/**
 * ipfw_chk: run the chain over the packet. Returns a VERDICT_*; `ch.rejectCode` holds the ICMP code
 * for VERDICT_REJECT.
 */
export function ipfwChk(v: Vnet, ch: IpfwChain, p: PktFacts, now: number, start = 0): number {
  const rules = ch.rules
  const n = rules.length
  const base = ch.nest * 16
  let depth = 0
  let i = start
  p.dynDir = -1
  p.dynIdx = -1
  // Sets change only through the control path, never during a pass.
  const disabled = ch.disabledSets
  const v6 = p.v6
  while (i < n) {
    let f = rules[i]!
    if (disabled !== 0 && (disabled >>> f.set) & 1 && f.set !== 31) {
      i++
      continue
    }
    let matched = true
    let viaState = false
    if (f.probe && probe(ch, p, now)) {
      // The state's parent rule acts (its counters count the packet).
      f = ch.dyn.rule(p.dynIdx)
      viaState = true
    } else if (f.prob < 1 && ch.rng.float() >= f.prob) {
      matched = false
    } else if (
      // The quick-reject prefix (ip_fw_quick.ts): int32 compares, no call, no list walk.
      (f.qProto >= 0 && p.proto !== f.qProto) ||
      // A lifted IPv4 address never matches an IPv6 packet (O_IP_SRC is is_ipv4 only).
      (v6 ? f.qV4 : (p.src & f.qSrcMask) !== f.qSrcAddr || (p.dst & f.qDstMask) !== f.qDstAddr)
    ) {
      matched = false
    } else {
      const insns = f.rest
      let skipOr = false
      for (let k = 0; matched && k < insns.length; k++) {
        const c = insns[k]!
        if (skipOr) {
          if (!c.or) skipOr = false
          continue
        }
        const op = c.op
        let m =
          op === O_PROTO
            ? p.proto === c.arg
            : op === O_IP_SRC
              ? !v6 && inAddrs(c.list, p.src)
              : op === O_IP_DST
                ? !v6 && inAddrs(c.list, p.dst)
                : insnMatch(v, c, p)
        if (c.not) m = !m
        if (m) {
          if (c.or) skipOr = true
        } else if (!c.or) matched = false
      }
    }
    if (!matched) {
      i++
      continue
    }
    if (viaState) {
      ch.dyn.update(p.dynIdx, p.dynDir, p.proto, p.tcpFlags, p.iplen, now, ch)
    } else if (f.keepState && p.dynIdx < 0) {
      const ports = p.l4 && p.proto !== IpProto.ICMP && p.proto !== 58
      const lim = IpfwLimits.insn(f)
      const s =
        lim !== null
          ? ch.limits.install(ch, f, lim, p, now)
          : ch.dyn.install(
              f,
              p.proto,
              p.src,
              ports ? p.sport : 0,
              p.dst,
              ports ? p.dport : 0,
              now,
              ch,
              p.v6 ? p.a6 : null,
            )
      if (s < 0) {
        ch.stats.dynDenied++
        return VERDICT_DENY
      }
      p.dynIdx = s
      p.dynDir = MATCH.FORWARD
      ch.dyn.update(s, MATCH.FORWARD, p.proto, p.tcpFlags, p.iplen, now, ch)
    }
    // check-state without a state goes on, uncounted.
    if (f.action === A.CHECK_STATE && !viaState) {
      if (probe(ch, p, now)) {
        f = ch.dyn.rule(p.dynIdx)
        ch.dyn.update(p.dynIdx, p.dynDir, p.proto, p.tcpFlags, p.iplen, now, ch)
      } else {
        i++
        continue
      }
    }
    f.pcnt++
    f.bcnt += p.iplen
    f.timestamp = now
    if (f.log && p.m !== null) ipfwLog(ch, f, p, p.m)
    switch (f.action) {
      case A.ALLOW:
        return VERDICT_PASS
      case A.DENY:
        return VERDICT_DENY
      case A.REJECT:
        ch.rejectCode = v6 ? mapIcmpUnreach(f.actionArg) : f.actionArg
        return VERDICT_REJECT
      case A.RESET:
        // `reset` is O_REJECT with ICMP_REJECT_RST: an IPv6 packet gets admin-prohibited instead.
        if (v6) {
          ch.rejectCode = Unreach6Code.ADMIN
          return VERDICT_REJECT
        }
        return p.proto === IpProto.TCP ? VERDICT_RESET : VERDICT_DENY
      case A.UNREACH6:
        // O_UNREACH6 on an IPv4 packet falls through to O_DENY.
        if (!v6) return VERDICT_DENY
        ch.rejectCode = f.actionArg
        return VERDICT_REJECT
      case A.COUNT:
        i++
        break
      case A.SKIPTO:
        i = jump(ch, f, i)
        break
      case A.CALL:
        if (depth >= 16) {
          // IPFW_CALLSTACK_SIZE exceeded: FreeBSD logs and denies.
          return VERDICT_DENY
        }
        ch.callStack[base + depth++] = i + 1
        i = jump(ch, f, i)
        break
      case A.RETURN:
        i = depth > 0 ? ch.callStack[base + --depth]! : i + 1
        break
      case A.NAT:
        ch.natRule = i
        ch.natNum = f.actionArg
        return VERDICT_NAT
      case A.SETFIB:
        // O_SETFIB: the packet is routed by that FIB from here on (a FIB gone past net.fibs cannot
        // happen: they never shrink), and the search goes on with the next rule.
        if (p.m !== null) p.m.fib = f.actionArg < v.numFibs ? f.actionArg : 0
        i++
        break
      case A.FORWARD:
        ch.fwdAddr = f.spec.fwdAddr
        ch.fwdPort = f.spec.fwdPort
        return VERDICT_FWD
      case A.PIPE:
      case A.QUEUE:
        ch.dnRule = f
        ch.dnSlot = i
        return VERDICT_DUMMYNET
      case A.DIVERT:
      case A.TEE:
        // Not on layer 2 (O_DIVERT breaks out there): the search goes on.
        if (p.layer2) {
          i++
          break
        }
        ch.divPort = f.actionArg
        ch.divRuleNum = f.num
        ch.divSlot = i
        return f.action === A.DIVERT ? VERDICT_DIVERT : VERDICT_TEE
      default:
        // Actions the kernel refuses to install; never reached.
        return VERDICT_DENY
    }
  }
  return VERDICT_DENY
}

/** skipto/call target: the first rule numbered ≥ arg, never backwards (FreeBSD goes forward only). */
function jump(ch: IpfwChain, f: KRule, i: number): number {
  const j = ch.firstAtLeast(f.actionArg)
  return j > i ? j : i + 1
}

/** The pfil hook ipfw links when the module loads; carries the host-wide configuration. */
export class IpfwHook implements PfilHook {
  readonly name = IPFW_HOOK
  readonly cfg: IpfwConfig
  /** ip_dn_io_ptr: dummynet's entry while that module is loaded; pipe/queue rules drop without it. */
  dnIo: typeof dummynetIo | null = null
  /** ip_divert_ptr: divert(4)'s entry while ipdivert is loaded; divert/tee rules drop without it. */
  divIo: DivertIo | null = null

  constructor(cfg: IpfwConfig) {
    this.cfg = cfg
  }

  input(v: Vnet, m: Mbuf, ifp: Ifnet, dir: number): number {
    return ipfwHookPass(v, m, ifp, dir, this)
  }

  output(v: Vnet, m: Mbuf, ifp: Ifnet, dir: number): number {
    return ipfwHookPass(v, m, ifp, dir, this)
  }
}

/**
 * ipfw_check_packet as the hooks call it: a packet the memo knows (QuickTable.memo: a packet like
 * a recent one, stopped by an allow or a deny) is counted and decided here, anything else goes to
 * ipfwCheckPacket. Kept small, so the optimiser compiles it in one piece with the memo's lookup and
 * the counters (each call it has to leave in costs a forwarded packet several nanoseconds).
 */
function ipfwHookPass(v: Vnet, m: Mbuf, ifp: Ifnet, dir: number, hook: IpfwHook): number {
  const ch = ipfw(v)
  if (ch.enable === 0) return PFIL.PASS
  const q = ch.quick
  if (m.tag === null && ch.nest === 0 && q !== null && memoApplies(ch, q, m)) {
    const at = memoFind(q, m, ifp, dir)
    if (at >= 0) {
      const memo = q.memo
      const b = m.data
      const o = m.off
      const i = memo[at + MK.RULE]!
      const f = ch.rules[i]!
      const a = f.action
      if (a === A.ALLOW || a === A.DENY) {
        const now = v.env.clock.coarseNow()
        const len = (b[o + 2]! << 8) | b[o + 3]!
        if (memo[at + MK.NMET] !== 0) memoCount(ch, memo, at, len, now)
        f.pcnt++
        f.bcnt += len
        f.timestamp = now
        if (a === A.ALLOW) return PFIL.PASS
        v.env.pool.put(m)
        return PFIL.CONSUMED
      }
      ch.quickStart = 0
      ch.quickDn = -1
      if (memo[at + MK.NMET] !== 0)
        memoCount(ch, memo, at, (b[o + 2]! << 8) | b[o + 3]!, v.env.clock.coarseNow())
      // A pipe or queue rule under one_pass: straight to dummynet (quickStop would say the same).
      if ((a === A.PIPE || a === A.QUEUE) && hook.dnIo !== null && ch.onePass !== 0) {
        ch.quickStart = i
        ch.quickDn = i
        return quickDummynet(v, ch, m, ifp, dir, hook.dnIo, hook.divIo)
      }
      return ipfwAfterQuick(v, ch, m, ifp, dir, quickStop(v, ch, m, i, dir), hook.dnIo, hook.divIo)
    }
    return ipfwAfterQuick(v, ch, m, ifp, dir, quickWalk(v, ch, m, ifp, dir), hook.dnIo, hook.divIo)
  }
  return ipfwCheckPacket(v, m, ifp, dir, hook.dnIo, hook.divIo)
}

/** divert_packet's signature: what ipdivert links into ipfw (ip_divert_ptr). */
export type DivertIo = typeof divertPacket

/** quickPass's answer when the full pass must take over; ch.quickStart is the rule to start from. */
export const QUICK_FULL = -1

/**
 * The IPv4 fast pass: the chain's compiled prefixes (QuickTable) scanned over three fields read
 * straight from the header, skipping whole blocks by their envelopes, for as long as every rule met
 * is either failed by its prefix or matched by it alone with allow, deny, count or skipto. The first
 * rule that needs more (a state probe, `prob`, more instructions, another action, `log`) hands the
 * packet to the full pass from that rule: nothing was done on its behalf yet, so the verdicts are
 * ipfw_chk's. A packet too short for its layer-4 header also goes there (to be counted and dropped).
 *
 * The memo is looked at first: a packet like a recent one stops where that one did (the hooks go
 * through ipfwHookPass, which looks there itself and walks without asking again).
 */
export function quickPass(v: Vnet, ch: IpfwChain, m: Mbuf, ifp: Ifnet, dir: number): number {
  const q = ch.quick
  const at = q === null || !memoApplies(ch, q, m) ? -1 : memoFind(q, m, ifp, dir)
  if (at < 0) return quickWalk(v, ch, m, ifp, dir)
  const memo = q!.memo
  const b = m.data
  const o = m.off
  ch.quickStart = 0
  ch.quickDn = -1
  if (memo[at + MK.NMET] !== 0) memoCount(ch, memo, at, (b[o + 2]! << 8) | b[o + 3]!, v.env.clock.coarseNow())
  return quickStop(v, ch, m, memo[at + MK.RULE]!, dir)
}

/** The memo entry (its offset in q.memo) remembering a packet like m on ifp in dir; -1 for none. */
function memoFind(q: QuickTable, m: Mbuf, ifp: Ifnet, dir: number): number {
  const b = m.data
  const o = m.off
  const src = (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!
  const dst = (b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!
  const key = b[o + 9]! | (dir << 8)
  const slot = Math.imul(src ^ Math.imul(dst ^ key, 0x9e3779b1), 0x85ebca6b) >>> (32 - MEMO_LOG2)
  const at = slot * MW
  const memo = q.memo
  return memo[at + MK.KEY] === key &&
    memo[at + MK.SRC] === src &&
    memo[at + MK.DST] === dst &&
    q.mIf[slot] === ifp.name
    ? at
    : -1
}

/** Count the `count`/`skipto` rules a remembered walk met, as the walk itself did. */
function memoCount(ch: IpfwChain, memo: Int32Array, at: number, len: number, now: number): void {
  const rules = ch.rules
  const n = memo[at + MK.NMET]!
  for (let k = 0; k < n; k++) {
    const f = rules[memo[at + MK.MET + k]!]!
    f.pcnt++
    f.bcnt += len
    f.timestamp = now
  }
}

/**
 * Whether the memo may answer: the table still describes the chain and its sets, and the packet is
 * a whole IPv4 datagram (or first fragment) without options, holding any layer-4 header the walk
 * would look for (anything else takes the walk, which checks it all). Apart from quickPass so that
 * quickPass stays under the optimiser's size limit for inlining.
 */
function memoApplies(ch: IpfwChain, q: QuickTable, m: Mbuf): boolean {
  const b = m.data
  const o = m.off
  return (
    q.rules === ch.rules &&
    q.n === q.rules.length &&
    q.memoSets === ch.disabledSets &&
    b[o]! === 0x45 &&
    (((b[o + 6]! << 8) | b[o + 7]!) & IP_OFFMASK) === 0 &&
    m.len >= 40
  )
}

/** The fast pass's walk over the compiled table (quickPass without the memo's answer). */
function quickWalk(v: Vnet, ch: IpfwChain, m: Mbuf, ifp: Ifnet, dir: number): number {
  let q = ch.quick
  const rules = ch.rules
  if (q === null || q.rules !== rules || q.n !== rules.length) q = ch.quick = new QuickTable(rules)
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
  const slot = Math.imul(src ^ Math.imul(dst ^ key, 0x9e3779b1), 0x85ebca6b) >>> (32 - MEMO_LOG2)
  const memo = q.memo
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
    if (
      ifOp !== 0 &&
      ((ifOp === O_RECV && dir !== PFIL_IN) ||
        (ifOp === O_XMIT && dir === PFIL_IN) ||
        q.ifName[i] !== ifp.name)
    ) {
      i++
      continue
    }
    if (k !== QK.PLAIN && k !== QK.NAT && k !== QK.DN) break
    const f = rules[i]!
    const a = f.action
    if (a === A.ALLOW || a === A.DENY || a === A.NAT || k === QK.DN) {
      if (met <= MEMO_MET) {
        const ms = slot * MW
        memo[ms + MK.KEY] = key
        memo[ms + MK.SRC] = src
        memo[ms + MK.DST] = dst
        memo[ms + MK.RULE] = i
        memo[ms + MK.NMET] = met
        q.mIf[slot] = ifp.name
      } else memo[slot * MW + MK.KEY] = -1
      return quickStop(v, ch, m, i, dir)
    }
    f.pcnt++
    f.bcnt += (b[o + 2]! << 8) | b[o + 3]!
    f.timestamp = v.env.clock.coarseNow()
    // Written straight into the slot, which stops answering until this walk's stop is remembered.
    if (met === 0) memo[slot * MW + MK.KEY] = -1
    if (met < MEMO_MET) memo[slot * MW + MK.MET + met] = i
    met++
    i = a === A.SKIPTO ? jump(ch, f, i) : i + 1
  }
  ch.quickStart = i
  return QUICK_FULL
}

/**
 * The rule where the fast pass's walk stopped (an allow, a deny or a nat whose prefix is all it
 * matches): counted and carried out, or, for nat without one_pass, left to the full pass from there.
 */
function quickStop(v: Vnet, ch: IpfwChain, m: Mbuf, i: number, dir: number): number {
  const f = ch.rules[i]!
  const a = f.action
  if (a === A.NAT) {
    if (ch.onePass !== 0) return quickNat(v, ch, m, f, dir)
    ch.quickStart = i
    return QUICK_FULL
  }
  if (a === A.PIPE || a === A.QUEUE) {
    // Dummynet's, not the fast pass's: the hook carries it out (quickDummynet) or the full pass does.
    ch.quickStart = i
    ch.quickDn = i
    return QUICK_FULL
  }
  f.pcnt++
  f.bcnt += (m.data[m.off + 2]! << 8) | m.data[m.off + 3]!
  f.timestamp = v.env.clock.coarseNow()
  return a === A.ALLOW ? VERDICT_PASS : VERDICT_DENY
}

/**
 * A `nat N` rule met by the fast pass under one_pass: counted and carried out as ipfw_chk and
 * ipfw_check_packet would (VERDICT_NAT, then translated in place and passed, or dropped when
 * libalias refuses), without reading the packet into PktFacts first.
 */
function quickNat(v: Vnet, ch: IpfwChain, m: Mbuf, f: KRule, dir: number): number {
  const now = v.env.clock.coarseNow()
  f.pcnt++
  f.bcnt += (m.data[m.off + 2]! << 8) | m.data[m.off + 3]!
  f.timestamp = now
  return ipfwNat(ch, m, dir, f.actionArg, now) === NAT_PASS ? VERDICT_PASS : VERDICT_DENY
}

/** ipfw_check_packet: the verdict carried out. Takes m unless it passes. */
export function ipfwCheckPacket(
  v: Vnet,
  m: Mbuf,
  ifp: Ifnet,
  dir: number,
  dnIo: typeof dummynetIo | null = null,
  divIo: DivertIo | null = null,
): number {
  const ch = ipfw(v)
  if (ch.enable === 0) return PFIL.PASS
  // The common case first: an IPv4 packet that no rule needing more than its prefix meets. Kept
  // small so that it inlines into the hook; the full pass is a call of its own.
  if (m.tag !== null || ch.nest !== 0) return ipfwCheckFull(v, ch, m, ifp, dir, dnIo, 0, divIo)
  return ipfwAfterQuick(v, ch, m, ifp, dir, quickPass(v, ch, m, ifp, dir), dnIo, divIo)
}

/** The fast pass's answer r carried out, or the full pass from where the fast pass stopped. */
function ipfwAfterQuick(
  v: Vnet,
  ch: IpfwChain,
  m: Mbuf,
  ifp: Ifnet,
  dir: number,
  r: number,
  dnIo: typeof dummynetIo | null,
  divIo: DivertIo | null,
): number {
  if (r === VERDICT_PASS) return PFIL.PASS
  if (r === VERDICT_DENY) {
    v.env.pool.put(m)
    return PFIL.CONSUMED
  }
  if (ch.quickDn >= 0 && dnIo !== null && ch.onePass !== 0)
    return quickDummynet(v, ch, m, ifp, dir, dnIo, divIo)
  return ipfwCheckFull(v, ch, m, ifp, dir, dnIo, ch.quickStart, divIo)
}

/**
 * A `pipe`/`queue` rule the fast pass stopped at (ch.quickDn), under one_pass: counted and the packet
 * handed to dummynet as ipfw_chk and ipfw_check_packet would, without the full pass's rule walk.
 * Straight through an idle unlimited pipe it passes; otherwise dummynet holds it (QUEUED) or dropped it.
 */
function quickDummynet(
  v: Vnet,
  ch: IpfwChain,
  m: Mbuf,
  ifp: Ifnet,
  dir: number,
  dnIo: typeof dummynetIo,
  divIo: DivertIo | null,
): number {
  const i = ch.quickDn
  const f = ch.rules[i]!
  const fsNr = f.actionArg + (f.action === A.PIPE ? 2 * DN_MAX_ID : 0)
  const len = (m.data[m.off + 2]! << 8) | m.data[m.off + 3]!
  ch.dnRule = f
  ch.dnSlot = i
  // Straight through an idle unlimited pipe without the flow id, the tag or the queue.
  if (dummynetFast(v, fsNr, len) === DN_IO.FAST) {
    f.pcnt++
    f.bcnt += len
    f.timestamp = v.env.clock.coarseNow()
    return PFIL.PASS
  }
  const p = ch.facts[0]!
  // The fast pass found the layer-4 header there when it needed one, so this cannot fail.
  if (!readFacts(p, m)) return ipfwCheckFull(v, ch, m, ifp, dir, dnIo, i, divIo)
  p.dir = dir
  p.ifname = ifp.name
  p.ifIndex = ifp.index
  p.layer2 = false
  f.pcnt++
  f.bcnt += len
  f.timestamp = v.env.clock.coarseNow()
  return dnIo(v, m, ifp, dir, fsNr, f, i, f.num, p) === DN_IO.FAST ? PFIL.PASS : PFIL.QUEUED
}

/** The full pass of ipfw_check_packet, from rule `start` (where the fast pass stopped). */
function ipfwCheckFull(
  v: Vnet,
  ch: IpfwChain,
  m: Mbuf,
  ifp: Ifnet,
  dir: number,
  dnIo: typeof dummynetIo | null,
  start: number,
  divIo: DivertIo | null,
): number {
  const tag = m.tag
  // Back from dummynet: pass (one_pass) or resume after the rule that sent it.
  if (tag !== null && tag instanceof DnTag) {
    start = resumeAt(ch, tag)
    dnTagRelease(v, m)
    if (ch.onePass !== 0) return PFIL.PASS
  } else if (tag !== null && tag instanceof DivertTag) {
    // Written back to a divert socket: on from the first rule numbered above sin_port, whatever
    // one_pass says (div_output's reference carries no IPFW_ONEPASS). Another vnet's tag is void.
    m.tag = null
    if (tag.vnet === v) start = ch.firstAtLeast(tag.ruleNum)
  }
  const p = ch.facts[ch.nest < 3 ? ch.nest : 3]!
  if (!readFacts(p, m)) {
    ch.stats.pullupFailed++
    v.env.pool.put(m)
    return PFIL.CONSUMED
  }
  p.dir = dir
  p.ifname = ifp.name
  p.ifIndex = ifp.index
  p.layer2 = false
  // net.inet6.ip6.fw.deny_unknown_exthdrs / permit_single_frag6 (ipfw_chk returns IP_FW_DENY).
  if (
    p.odd6 !== 0 &&
    ch.denyUnknownExthdrs !== 0 &&
    ((p.odd6 & ODD6.UNKNOWN_HDR) !== 0 || ((p.odd6 & ODD6.SINGLE_FRAG) !== 0 && ch.permitSingleFrag6 === 0))
  ) {
    v.env.pool.put(m)
    return PFIL.CONSUMED
  }
  if (ch.nest >= 3) {
    // A reject of a reject of a reject: nothing sane is left to send.
    v.env.pool.put(m)
    return PFIL.CONSUMED
  }
  let verdict: number
  const now = v.env.clock.coarseNow()
  p.m = m
  for (;;) {
    // No try/finally: ipfwChk never throws (the data plane does not), and the block costs a pass.
    ch.nest++
    verdict = ipfwChk(v, ch, p, now, start)
    ch.nest--
    if (verdict === VERDICT_NAT && p.v6) {
      // O_NAT hands libalias IPv4 only: an IPv6 packet meeting a nat rule is denied.
      verdict = VERDICT_DENY
      break
    }
    if (verdict === VERDICT_NAT) {
      // O_NAT: translated in place, the packet passes (one_pass) or goes on after the nat rule with
      // its new headers (ipfw_check_packet's `goto again`); libalias's refusals are dropped.
      if (ipfwNat(ch, m, dir, ch.natNum, now) !== NAT_PASS) verdict = VERDICT_DENY
      else if (ch.onePass !== 0) verdict = VERDICT_PASS
      else if (!readFacts(p, m)) verdict = VERDICT_DENY
      else {
        start = ch.natRule + 1
        continue
      }
      break
    }
    if (verdict === VERDICT_TEE || verdict === VERDICT_DIVERT) {
      // ipfw_divert: without ipdivert the packet is dropped; tee sends a copy and goes on.
      if (divIo === null || p.v6) {
        verdict = VERDICT_DENY
        break
      }
      const tee = verdict === VERDICT_TEE
      divIo(v, m, ifp, dir === PFIL_IN, ch.divPort, ch.divRuleNum, tee)
      if (!tee) return PFIL.CONSUMED
      start = ch.divSlot + 1
      continue
    }
    if (verdict !== VERDICT_DUMMYNET) break
    p.m = null
    const f = ch.dnRule!
    if (dnIo === null) {
      v.env.pool.put(m)
      return PFIL.CONSUMED
    }
    const fsNr = f.spec.actionArg + (f.spec.action === A.PIPE ? 2 * DN_MAX_ID : 0)
    if (dnIo(v, m, ifp, dir, fsNr, f, ch.dnSlot, f.num, p) !== DN_IO.FAST) return PFIL.QUEUED
    // Straight through an idle, unlimited pipe: on with the rules, as after a reinjection.
    if (ch.onePass !== 0) return PFIL.PASS
    start = ch.dnSlot + 1
    p.m = m
  }
  if (verdict === VERDICT_PASS) return PFIL.PASS
  if (verdict === VERDICT_FWD && p.v6) {
    // An IPv4 next hop means nothing to an IPv6 packet: it passes.
    return PFIL.PASS
  }
  if (verdict === VERDICT_FWD) {
    // The IPFORWARD tag: ip_input/ip_output route toward this next hop instead of the destination.
    v.pfilInet.nextHop = ch.fwdAddr
    v.pfilInet.nextPort = ch.fwdPort
    return PFIL.PASS
  }
  if (verdict === VERDICT_REJECT) {
    // send_reject(): an ICMP unreachable about the packet, to its source; send_reject6 for IPv6.
    if (p.v6) sendReject6(v, ch.rst6Src, ch.rst6Dst, m, p, ch.rejectCode, ifp)
    else icmpError(v, m, IcmpType.UNREACH, ch.rejectCode, 0)
    return PFIL.CONSUMED
  }
  if (verdict === VERDICT_RESET && (p.tcpFlags & TH.RST) === 0) {
    // RFC 793 §3.4 "Reset Generation": from the segment's ACK if it had one, else ACKing its data.
    const b = m.data
    const tlen = p.iplen - p.hlen - ((b[m.off + p.hlen + 12]! >> 4) << 2)
    const src = p.dst >>> 0
    const dst = p.src >>> 0
    const sport = p.dport
    const dport = p.sport
    const flags = p.tcpFlags
    const seq = p.tcpSeq
    const ack = p.tcpAck
    v.env.pool.put(m)
    if ((flags & TH.ACK) !== 0) tcpRespond(v, tcp(v), null, src, dst, sport, dport, ack, 0, TH.RST, 0)
    else {
      const len = tlen + ((flags & TH.SYN) !== 0 ? 1 : 0) + ((flags & TH.FIN) !== 0 ? 1 : 0)
      tcpRespond(v, tcp(v), null, src, dst, sport, dport, 0, (seq + len) >>> 0, TH.RST | TH.ACK, 0)
    }
    return PFIL.CONSUMED
  }
  v.env.pool.put(m)
  return PFIL.CONSUMED
}

/** Where a reinjected packet resumes: after its rule, or after that rule's number if it is gone. */
function resumeAt(ch: IpfwChain, t: DnTag): number {
  const rules = ch.rules
  if (rules[t.slot] === t.rule) return t.slot + 1
  const i = rules.indexOf(t.rule as KRule)
  return i >= 0 ? i + 1 : ch.firstAtLeast(t.ruleNum + 1)
}
