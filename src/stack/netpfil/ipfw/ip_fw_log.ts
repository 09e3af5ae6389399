/**
 * ipfw's `log` (FreeBSD's ip_fw_log.c and ip_fw_bpf.c): with net.inet.ip.fw.verbose=0 a logged
 * packet is tapped to the vnet's `ipfw0` capture point (a bpf attachment of DLT_EN10MB, behind a
 * fake Ethernet header "DDDDDDSSSSSS" + EtherType, as FreeBSD does), for capture tools to read;
 * with verbose=1 it becomes a kernel message `ipfw: RULE ACTION PROTO ADDRS DIR via IF` in the
 * host's message buffer (kern/subr_msgbuf.ts, read by `dmesg -a`), at most
 * `logamount` (or net.inet.ip.fw.verbose_limit) per rule until `ipfw resetlog`, then one
 * `limit N reached on entry R` line.
 *
 * ipfw0 is one of bpf.ts's capture points, so tcpdump -i ipfw0 reads it. The tap costs nothing without listeners and allocates nothing per packet; only the verbose text
 * allocates (as FreeBSD's snprintf does), and the message buffer is bounded. No packet is changed.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { LOG } from '../../../kern/subr_msgbuf.js'
import { formatIpv4, writeU32 } from '../../../wire/addr.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { BpfIf, DLT } from '../../net/bpf/bpf.js'
import { PFIL_IN } from '../../net/pfil.js'
import type { IpfwChain, KRule } from './ip_fw_chain.js'
import type { PktFacts } from './ip_fw_facts.js'
import { A, ICMP6_UNREACH_RST, IPFW_DEFAULT_RULE } from './ip_fw_rule.js'

/** The fake Ethernet header ipfw_bpf_tap puts in front of an IPv4 packet. */
const FAKE_HDR = Uint8Array.from([...'DDDDDDSSSSSS'].map((c) => c.charCodeAt(0)).concat([0x08, 0x00]))

/** One vnet's logging state. */
export class IpfwLog {
  /** ipfw0: a capture point without an interface (bpf_attach(name, DLT_EN10MB, ...)). */
  readonly tap: BpfIf
  /** Packets handed to the capture point while someone listened. */
  tapped = 0
  /** Logs left per rule (log_left); absent means the full allowance. */
  private readonly left = new Map<KRule, number>()

  constructor() {
    this.tap = new BpfIf('ipfw0', DLT.EN10MB)
  }

  /** ipfw resetlog: the allowance of rules lo..hi (all when lo is 0) is full again. */
  reset(rules: readonly KRule[], lo: number, hi: number): number {
    let n = 0
    for (const r of rules)
      if (lo === 0 || (r.num >= lo && r.num <= hi)) {
        this.left.delete(r)
        n++
      }
    return n
  }

  /** Forget rules that are gone (delete/flush), so the map never outgrows the ruleset. */
  prune(live: readonly KRule[]): void {
    if (this.left.size === 0) return
    const keep = new Set(live)
    for (const r of this.left.keys()) if (!keep.has(r)) this.left.delete(r)
  }

  /** Take one from the rule's allowance; 0 = stop logging, 1 = log, 2 = log and say the limit is reached. */
  take(f: KRule, max: number): number {
    if (max === 0) return 1
    const left = this.left.get(f) ?? max
    if (left === 0) return 0
    this.left.set(f, left - 1)
    return left - 1 === 0 ? 2 : 1
  }
}

function actionText(f: KRule): string {
  const s = f.spec
  switch (s.action) {
    case A.ALLOW:
      return 'Accept'
    case A.DENY:
      return 'Deny'
    case A.REJECT:
      return s.actionArg === 1 ? 'Reject' : `Unreach ${s.actionArg}`
    case A.RESET:
      return 'Reset'
    case A.COUNT:
      return 'Count'
    case A.SKIPTO:
      return `SkipTo ${s.actionArg}`
    case A.CALL:
      return `Call ${s.actionArg}`
    case A.RETURN:
      return 'Return'
    case A.CHECK_STATE:
      return 'Check-State'
    case A.FORWARD:
      return `Forward to ${formatIpv4(s.fwdAddr)}${s.fwdPort !== 0 ? `:${s.fwdPort}` : ''}`
    case A.SETFIB:
      return `SetFib ${s.actionArg}`
    case A.NAT:
      return 'Nat'
    case A.PIPE:
      return `Pipe ${s.actionArg}`
    case A.QUEUE:
      return `Queue ${s.actionArg}`
    case A.UNREACH6:
      return s.actionArg === ICMP6_UNREACH_RST ? 'Reset' : `Unreach ${s.actionArg}`
    default:
      return 'UNKNOWN'
  }
}

function protoText(p: PktFacts, m: Mbuf): string {
  let src: string
  let dst: string
  if (p.v6) {
    src = `[${formatIpv6(u32Bytes(p.a6, 0))}]`
    dst = `[${formatIpv6(u32Bytes(p.a6, 4))}]`
  } else {
    src = formatIpv4(p.src)
    dst = formatIpv4(p.dst)
  }
  if (p.proto === IpProto.TCP)
    return p.offset === 0 ? `TCP ${src}:${p.sport} ${dst}:${p.dport}` : `TCP ${src} ${dst}`
  if (p.proto === IpProto.UDP)
    return p.offset === 0 ? `UDP ${src}:${p.sport} ${dst}:${p.dport}` : `UDP ${src} ${dst}`
  const icmp = p.v6 ? (p.proto === IpProto.ICMPV6 ? 'ICMPv6' : '') : p.proto === IpProto.ICMP ? 'ICMP' : ''
  if (icmp !== '') {
    if (!p.l4) return `${icmp} ${src} ${dst}`
    const code = m.data[m.off + p.hlen + 1]!
    return `${icmp}:${p.icmpType}.${code} ${src} ${dst}`
  }
  return `P:${p.proto} ${src} ${dst}`
}

function fragText(p: PktFacts, m: Mbuf): string {
  if (p.v6) {
    if (p.offset === 0 && !p.fragMore6) return ''
    // ipfw_log prints ntohs(offset) << 3 where offset is still the raw ip6f_offlg field, whose
    // offset bits already count bytes: FreeBSD's line shows eight times the byte offset.
    const id = p.fragId6.toString(16).padStart(8, '0')
    return ` (frag ${id}:${p.iplen - 40 - p.hlen}@${p.offset << 6}${p.fragMore6 ? '+' : ''})`
  }
  const mf = (m.data[m.off + 6]! & 0x20) !== 0
  if (p.offset === 0 && !mf) return ''
  return ` (frag ${readId(m)}:${p.iplen - p.hlen}@${p.offset << 3}${mf ? '+' : ''})`
}

/** The 16 bytes of the IPv6 address at word w of PktFacts.a6 (0 source, 4 destination). */
function u32Bytes(a6: Uint32Array, w: number): Uint8Array {
  const out = new Uint8Array(16)
  for (let i = 0; i < 4; i++) writeU32(out, i * 4, a6[w + i]!)
  return out
}

/** ipfw_log: the rule f matched packet m (whose fields are p) and says `log`. */
export function ipfwLog(ch: IpfwChain, f: KRule, p: PktFacts, m: Mbuf): void {
  ch.stats.logged++
  const log = ch.log
  if (ch.verbose === 0) {
    if (log.tap.n !== 0) {
      log.tapped++
      log.tap.mtap2(FAKE_HDR, m, false)
    }
    return
  }
  const max = f.num === IPFW_DEFAULT_RULE ? 0 : f.spec.logAmount !== 0 ? f.spec.logAmount : ch.verboseLimit
  const t = log.take(f, max)
  if (t === 0) return
  const frag = fragText(p, m)
  const dir = p.dir === PFIL_IN ? 'in' : 'out'
  // log(LOG_SECURITY | LOG_INFO) and, at the end of the allowance, LOG_NOTICE, as ipfw_log does.
  const kmsg = ch.msgbuf
  kmsg.log(
    LOG.SECURITY | LOG.INFO,
    `ipfw: ${f.num} ${actionText(f)} ${protoText(p, m)} ${dir} via ${p.ifname}${frag}`,
  )
  if (t === 2) kmsg.log(LOG.SECURITY | LOG.NOTICE, `ipfw: limit ${max} reached on entry ${f.num}`)
}

function readId(m: Mbuf): number {
  return (m.data[m.off + 4]! << 8) | m.data[m.off + 5]!
}
