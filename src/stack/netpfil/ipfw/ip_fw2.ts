/**
 * ipfw's rule walk (FreeBSD's ipfw_chk in ip_fw2.c): run the vnet's rules in order over a packet's
 * header fields, evaluating each rule's microinstructions with `not` and `or` blocks, probe and
 * install dynamic states, count the matching rule, and return its verdict — pass, drop, reject or
 * reset, go on (count), jump (skipto, call/return), or hand over (nat, pipe/queue, divert, fwd).
 *
 * The hooks and what a verdict does to the packet are ip_fw_pfil.ts; the IPv4 fast pass is
 * quick/; IPv6 matching is ip_fw6.ts. It never throws and allocates nothing per packet: the header
 * fields were read once into the chain's own scratch (PktFacts).
 */

import { IpProto } from '../../../wire/inet/ipv4.js'
import { TH } from '../../../wire/inet/tcp.js'
import { Unreach6Code } from '../../../wire/inet6/icmpv6.js'
import { PFIL_IN } from '../../net/pfil.js'
import type { Vnet } from '../../net/vnet.js'
import type { IpfwChain, KRule } from './ip_fw_chain.js'
import { MATCH } from './ip_fw_dynamic.js'
import type { PktFacts } from './ip_fw_facts.js'
import { l2Match } from './ip_fw_l2_match.js'
import { IpfwLimits } from './ip_fw_limit.js'
import { ipfwLog } from './ip_fw_log.js'
import { A, IFACE_TABLE, type IpfwInsn, O } from './ip_fw_rule.js'
import { flow6Match, icmp6TypeMatch, inAddrs6, localIp6, mapIcmpUnreach } from './ip_fw6.js'
import { ifaceLookup, numberLookup, tableMatch, tableMatch6 } from './table/ip_fw_lookup.js'

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
export const O_RECV: number = O.RECV
export const O_XMIT: number = O.XMIT

export const VERDICT_PASS = 0
export const VERDICT_DENY = 1
export const VERDICT_REJECT = 2
export const VERDICT_RESET = 3
export const VERDICT_FWD = 4
/** `nat N` matched: the caller translates (it holds the packet); ch.natRule is the rule. */
export const VERDICT_NAT = 5
/** pipe/queue: `ch.dnRule` at index `ch.dnSlot` sent the packet to dummynet. */
export const VERDICT_DUMMYNET = 6
/** divert/tee: to the divert(4) socket on ch.divPort, rule ch.divRuleNum at index ch.divSlot. */
export const VERDICT_DIVERT = 7
export const VERDICT_TEE = 8

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
    ch.ctr.count(f.cs, p.iplen, now)
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
export function jump(ch: IpfwChain, f: KRule, i: number): number {
  const j = ch.firstAtLeast(f.actionArg)
  return j > i ? j : i + 1
}
