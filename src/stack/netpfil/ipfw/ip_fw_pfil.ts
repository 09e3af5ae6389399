/**
 * ipfw on the pfil heads (FreeBSD's ip_fw_pfil.c): the hook object kldload links, and
 * ipfw_check_packet — a packet the fast pass (quick/) decides is counted and passed or dropped there;
 * the rest goes through ipfw_chk (ip_fw2.ts) and its verdict is carried out here: drop, ICMP
 * unreachable or TCP reset, next-hop forward, in-place NAT, dummynet, divert/tee, and resuming after
 * the rule for a packet dummynet or a divert socket gives back.
 *
 * Runs on every packet of a vnet where the module is loaded and net.inet.ip.fw.enable
 * (net.inet6.ip6.fw.enable for IPv6) is 1. It never throws and allocates nothing per packet.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { IcmpType } from '../../../wire/inet/icmp.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { TH } from '../../../wire/inet/tcp.js'
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
import { ODD6, readFacts } from './ip_fw_facts.js'
import { ipfwNat, NAT_PASS } from './ip_fw_nat.js'
import { A } from './ip_fw_rule.js'
import {
  ipfwChk,
  VERDICT_DENY,
  VERDICT_DIVERT,
  VERDICT_DUMMYNET,
  VERDICT_FWD,
  VERDICT_NAT,
  VERDICT_PASS,
  VERDICT_REJECT,
  VERDICT_RESET,
  VERDICT_TEE,
} from './ip_fw2.js'
import { sendReject6 } from './ip_fw6.js'
import { MK } from './quick/ip_fw_quick.js'
import { memoCount, quickHit, quickPass, quickStop, quickWalk } from './quick/ip_fw_quick_pass.js'

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
 * a recent one, stopped by an allow or a deny; or any packet, when the chain's first rule takes them
 * all) is counted and decided here, anything else goes to the walk or to ipfwCheckPacket. Kept
 * small, so the optimiser compiles it in one piece with the memo's lookup and the counters (each
 * call it has to leave in costs a forwarded packet several nanoseconds).
 */
function ipfwHookPass(v: Vnet, m: Mbuf, ifp: Ifnet, dir: number, hook: IpfwHook): number {
  const ch = ipfw(v)
  const q = ch.quick
  // Below the optimiser's bytecode limit for inlining (460 bytes), so that it can compile into the
  // protocol's input and output paths: whatever is not the memo's allow goes to calls of its own.
  const at = q === null || m.tag !== null || ch.nest !== 0 ? -1 : quickHit(ch, q, m, ifp, dir)
  if (at < 0 || ch.enable === 0) return ipfwHookMiss(v, m, ifp, dir, hook)
  // The memo's own verdict (MK.PASS): an allow, met first: its counter slot, counted here.
  const cs = q!.memo[at + MK.PASS]!
  if (cs < 0) return ipfwMemoOther(v, ch, m, ifp, dir, hook, at, q!.memo[at + MK.RULE]!)
  const b = m.data
  ch.ctr.count(cs, (b[m.off + 2]! << 8) | b[m.off + 3]!, ch.clock.coarseNow())
  return PFIL.PASS
}

/** What the memo does not answer: the walk, or the whole of ipfw_check_packet. */
function ipfwHookMiss(v: Vnet, m: Mbuf, ifp: Ifnet, dir: number, hook: IpfwHook): number {
  const ch = ipfw(v)
  if (ch.quick === null || m.tag !== null || ch.nest !== 0 || ch.enable === 0)
    return ipfwCheckPacket(v, m, ifp, dir, hook.dnIo, hook.divIo)
  return ipfwAfterQuick(v, ch, m, ifp, dir, quickWalk(ch, m, ifp, dir), hook.dnIo, hook.divIo)
}

/**
 * The memo's stop at anything but an allow it alone decides: its remembered count/skipto rules
 * counted, then a deny carried out, or a nat (in place under one_pass), pipe or queue rule.
 */
function ipfwMemoOther(
  v: Vnet,
  ch: IpfwChain,
  m: Mbuf,
  ifp: Ifnet,
  dir: number,
  hook: IpfwHook,
  at: number,
  i: number,
): number {
  const memo = ch.quick!.memo
  if (memo[at + MK.STATE]! >= 0) return memoState(v, ch, m, ifp, dir, hook, at)
  const f = ch.rules[i]!
  const a = f.action
  const len = (m.data[m.off + 2]! << 8) | m.data[m.off + 3]!
  const now = ch.clock.coarseNow()
  if (memo[at + MK.NMET] !== 0) memoCount(ch, memo, at, len, now)
  if (a === A.ALLOW || a === A.DENY) {
    ch.ctr.count(f.cs, len, now)
    if (a === A.ALLOW) return PFIL.PASS
    v.env.pool.put(m)
    return PFIL.CONSUMED
  }
  if (a === A.NAT && ch.onePass !== 0) {
    // quickStop's nat under one_pass (quickNat), without the calls: translated in place and passed,
    // or dropped when libalias refuses.
    ch.ctr.count(f.cs, len, now)
    if (ipfwNat(ch, m, dir, f.actionArg, now) === NAT_PASS) return PFIL.PASS
    v.env.pool.put(m)
    return PFIL.CONSUMED
  }
  ch.quickStart = 0
  ch.quickDn = -1
  // A pipe or queue rule under one_pass: straight to dummynet (quickStop would say the same).
  if ((a === A.PIPE || a === A.QUEUE) && hook.dnIo !== null && ch.onePass !== 0) {
    ch.quickStart = i
    ch.quickDn = i
    return quickDummynet(v, ch, m, ifp, dir, hook.dnIo, hook.divIo)
  }
  return ipfwAfterQuick(v, ch, m, ifp, dir, quickStop(ch, m, i, dir), hook.dnIo, hook.divIo)
}

/**
 * The memo's stop at a check-state whose state decided the last packet like this one: if
 * DynTable.recheck finds that state still this packet's, and its rule still a plain allow or deny,
 * the state is renewed and its rule counted as quickCheckState would (the rules met before it
 * too); else the slot is forgotten and the packet walks. quickHit let through only whole IPv4
 * datagrams (or first fragments) without options, at least 40 bytes long: the ports and TCP flags
 * are at fixed offsets.
 */
function memoState(
  v: Vnet,
  ch: IpfwChain,
  m: Mbuf,
  ifp: Ifnet,
  dir: number,
  hook: IpfwHook,
  at: number,
): number {
  const memo = ch.quick!.memo
  const s = memo[at + MK.STATE]!
  const b = m.data
  const o = m.off
  const proto = b[o + 9]!
  const ports = proto === IpProto.TCP || proto === IpProto.UDP
  const sport = ports ? (b[o + 20]! << 8) | b[o + 21]! : 0
  const dport = ports ? (b[o + 22]! << 8) | b[o + 23]! : 0
  const now = ch.clock.coarseNow()
  const dyn = ch.dyn
  const how = dyn.recheck(s, proto, memo[at + MK.SRC]!, sport, memo[at + MK.DST]!, dport, now)
  const f = how === MATCH.NONE ? null : dyn.rule(s)
  if (f === null || f.log || f.limited || (f.action !== A.ALLOW && f.action !== A.DENY)) {
    memo[at + MK.KEY] = -1
    return ipfwHookMiss(v, m, ifp, dir, hook)
  }
  const len = (b[o + 2]! << 8) | b[o + 3]!
  if (memo[at + MK.NMET] !== 0) memoCount(ch, memo, at, len, now)
  dyn.update(s, how, proto, proto === IpProto.TCP ? b[o + 33]! : 0, len, now, ch)
  ch.ctr.count(f.cs, len, now)
  if (f.action === A.ALLOW) return PFIL.PASS
  v.env.pool.put(m)
  return PFIL.CONSUMED
}

/** divert_packet's signature: what ipdivert links into ipfw (ip_divert_ptr). */
export type DivertIo = typeof divertPacket

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
  return ipfwAfterQuick(v, ch, m, ifp, dir, quickPass(ch, m, ifp, dir), dnIo, divIo)
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
    ch.ctr.count(f.cs, len, ch.clock.coarseNow())
    return PFIL.PASS
  }
  const p = ch.facts[0]!
  // The fast pass found the layer-4 header there when it needed one, so this cannot fail.
  if (!readFacts(p, m)) return ipfwCheckFull(v, ch, m, ifp, dir, dnIo, i, divIo)
  p.dir = dir
  p.ifname = ifp.name
  p.ifIndex = ifp.index
  p.layer2 = false
  ch.ctr.count(f.cs, len, ch.clock.coarseNow())
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
