/**
 * How ipfw(8) prints rules back (show_static_rule and show_dyn_state of ipfw2.c): rule number, the
 * counters with -a (column widths from the whole listing), the last-match time with -t, `prob`,
 * the action, `log`, then `PROTO from SRC [PORTS] to DST [PORTS]` and the other options in rule
 * order, with `not`, `{ ... or ... }` and keep-state last. Pure formatting: no kernel calls.
 */

import {
  IpfwAction as A,
  IFACE_TABLE,
  type IpfwDynInfo,
  type IpfwInsn,
  type IpfwRuleInfo,
  IpfwOp as O,
} from '../../../host/syscalls.js'
import { civilTime, DAY_NAMES, MONTH_NAMES } from '../../../util/civil_time.js'
import { formatIpv4 } from '../../../wire/addr.js'
import { LOOKUP_KEYS } from './compile_args.js'
import { printL2 } from './compile_l2.js'
import {
  formatWords6,
  printAddr6,
  printExt6hdr,
  printFlow6,
  printIcmp6Types,
  printUnreach6,
} from './compile6.js'
import { printLimit } from './limit_show.js'
import { ICMP_CODES, IP_TOS, PROTO_NAMES, SERVICE_NAMES, TCP_FLAGS } from './names.js'
import { printTableRef } from './table_show.js'

export interface ShowOpts {
  /** -a / show: packet and byte counters. */
  counters: boolean
  /** -t: last match time. */
  time: boolean
  /** -N: names for ports (and hosts, where known). */
  names: boolean
  /** -S: the set of each rule. */
  sets: boolean
  /** Widths of the counter columns (from the whole listing). */
  pcWidth: number
  bcWidth: number
}

/** ctime(3) without the newline, in UTC, from seconds since the epoch (no wall clock involved). */
export function ctime(secs: number): string {
  const t = civilTime(secs)
  const p2 = (n: number) => String(n).padStart(2, '0')
  return `${DAY_NAMES[t.weekday]} ${MONTH_NAMES[t.month - 1]} ${String(t.day).padStart(2, ' ')} ${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)} ${t.year}`
}

function protoName(n: number): string {
  return PROTO_NAMES.get(n) ?? String(n)
}

function printAddr(i: IpfwInsn): string {
  if (i.op === O.IP_SRC_ME || i.op === O.IP_DST_ME) return 'me'
  if (i.op === O.IP6_SRC || i.op === O.IP6_DST || i.op === O.IP6_SRC_ME || i.op === O.IP6_DST_ME)
    return printAddr6(i)
  if (i.op === O.IP_SRC_LOOKUP || i.op === O.IP_DST_LOOKUP) return printTableRef(i)
  const parts: string[] = []
  for (let k = 0; k < i.list.length; k += 2) {
    const a = i.list[k]!
    const m = i.list[k + 1]! >>> 0
    // contigmask(): the prefix length, or a mask with holes (printed as :mask).
    const len = Math.clz32(~m >>> 0)
    const contiguous = len === 32 || (m << len) >>> 0 === 0
    if (m === 0) parts.push('any')
    else if (!contiguous) parts.push(`${formatIpv4(a)}:${formatIpv4(m)}`)
    else if (len === 32) parts.push(formatIpv4(a))
    else parts.push(`${formatIpv4(a)}/${len}`)
  }
  return parts.join(',')
}

function printPorts(list: number[], names: boolean): string {
  const port = (n: number) => (names ? (SERVICE_NAMES.get(n) ?? String(n)) : String(n))
  const parts: string[] = []
  for (let k = 0; k < list.length; k += 2)
    parts.push(list[k] === list[k + 1] ? port(list[k]!) : `${port(list[k]!)}-${port(list[k + 1]!)}`)
  return parts.join(',')
}

function printRanges(list: number[]): string {
  const parts: string[] = []
  for (let k = 0; k < list.length; k += 2)
    parts.push(list[k] === list[k + 1] ? String(list[k]) : `${list[k]}-${list[k + 1]}`)
  return parts.join(',')
}

/** print_flags: `setup` for syn,!ack, else the set flags and the !cleared ones in table order. */
function printFlags(
  name: string,
  set: number,
  clear: number,
  table: ReadonlyArray<readonly [string, number]>,
): string {
  const out: string[] = []
  for (const [n, bit] of table) {
    if (set & bit) {
      set &= ~bit
      out.push(n)
    }
    if (clear & bit) {
      clear &= ~bit
      out.push(`!${n}`)
    }
  }
  return `${name} ${out.join(',')}`
}

/** An interface, or `table(NAME)` of interfaces. */
const ifaceName = (i: IpfwInsn): string => ((i.arg2 & IFACE_TABLE) !== 0 ? `table(${i.name})` : i.name)

/** One option as show_static_rule prints it, without the leading space. */
function printOption(i: IpfwInsn, names: boolean): string {
  switch (i.op) {
    case O.PROTO:
      return `proto ${protoName(i.arg)}`
    case O.IP_SRC:
    case O.IP_SRC_ME:
      return `src-ip ${printAddr(i)}`
    case O.IP_DST:
    case O.IP_DST_ME:
      return `dst-ip ${printAddr(i)}`
    case O.IP6_SRC:
    case O.IP6_SRC_ME:
      return `src-ip6 ${printAddr6(i)}`
    case O.IP6_DST:
    case O.IP6_DST_ME:
      return `dst-ip6 ${printAddr6(i)}`
    case O.ICMP6TYPE:
      return printIcmp6Types(i)
    case O.EXT_HDR:
      return printExt6hdr(i)
    case O.FLOW6ID:
      return printFlow6(i)
    case O.IP6:
      return 'ip6'
    case O.IP4:
      return 'ip4'
    case O.IP_SRCPORT:
      return `src-port ${printPorts(i.list, names)}`
    case O.IP_DSTPORT:
      return `dst-port ${printPorts(i.list, names)}`
    case O.IN:
      return i.not ? 'out' : 'in'
    case O.RECV:
      return `recv ${ifaceName(i)}`
    case O.XMIT:
      return `xmit ${ifaceName(i)}`
    case O.VIA:
      return `via ${ifaceName(i)}`
    case O.ESTAB:
      return 'established'
    case O.TCPFLAGS:
      return i.arg === 0x02 && i.arg2 === 0x10 ? 'setup' : printFlags('tcpflags', i.arg, i.arg2, TCP_FLAGS)
    case O.ICMPTYPE: {
      const types: number[] = []
      for (let t = 0; t < 32; t++) if ((i.arg >>> t) & 1) types.push(t)
      return `icmptypes ${types.join(',')}`
    }
    case O.FRAG:
      return 'frag'
    case O.IPLEN:
      return `iplen ${printRanges(i.list)}`
    case O.IPTTL:
      return `ipttl ${printRanges(i.list)}`
    case O.IPTOS:
      return printFlags('iptos', i.arg, i.arg2, IP_TOS)
    case O.KEEP_STATE:
      return 'keep-state :default'
    case O.LIMIT:
      return printLimit(i)
    case O.LAYER2:
    case O.MAC_TYPE:
    case O.MAC:
      return printL2(i, names)
    case O.IP_SRC_LOOKUP:
    case O.IP_DST_LOOKUP:
      if (i.arg2 & 2) return `lookup ${i.op === O.IP_SRC_LOOKUP ? 'src' : 'dst'}-ip ${i.name}`
      return `${i.op === O.IP_SRC_LOOKUP ? 'src' : 'dst'}-ip ${printTableRef(i)}`
    case O.LOOKUP:
      return `lookup ${LOOKUP_KEYS.find(([, k]) => k === i.arg)?.[0] ?? i.arg} ${i.name}`
    default:
      return `opcode ${i.op}`
  }
}

function printAction(r: IpfwRuleInfo): string {
  switch (r.action) {
    case A.ALLOW:
      return 'allow'
    case A.DENY:
      return 'deny'
    case A.REJECT: {
      if (r.actionArg === 1) return 'reject'
      const name = ICMP_CODES.find(([, c]) => c === r.actionArg)?.[0]
      return `unreach ${name ?? r.actionArg}`
    }
    case A.RESET:
      return 'reset'
    case A.UNREACH6:
      return printUnreach6(r.actionArg)
    case A.COUNT:
      return 'count'
    case A.SKIPTO:
      return `skipto ${r.actionArg}`
    case A.CALL:
      return `call ${r.actionArg}`
    case A.RETURN:
      return 'return'
    case A.CHECK_STATE:
      return 'check-state :default'
    case A.NAT:
      return r.actionArg === 65535 ? 'nat global' : `nat ${r.actionArg}`
    case A.PIPE:
      return `pipe ${r.actionArg}`
    case A.QUEUE:
      return `queue ${r.actionArg}`
    case A.FORWARD:
      return `fwd ${formatIpv4(r.fwdAddr)}${r.fwdPort !== 0 ? `,${r.fwdPort}` : ''}`
    case A.SETFIB:
      return `setfib ${r.actionArg}`
    case A.DIVERT:
      return `divert ${r.actionArg}`
    case A.TEE:
      return `tee ${r.actionArg}`
    default:
      return `action ${r.action}`
  }
}

/**
 * Print a run of instructions, opening `{` where an or-chain starts and closing it after its last
 * member; `item` prints one (without `not`).
 */
function printChain(insns: IpfwInsn[], item: (i: IpfwInsn) => string): string {
  let out = ''
  let inOr = false
  for (const i of insns) {
    if (i.or && !inOr) {
      out += ' {'
      inOr = true
    }
    // `out` is `in` negated: its own word, no `not`.
    out += ` ${i.not && i.op !== O.IN ? 'not ' : ''}${item(i)}`
    if (i.or) out += ' or'
    else if (inOr) {
      out += ' }'
      inOr = false
    }
  }
  return out
}

/** The rule body and options (everything after the action and log). */
function printBody(r: IpfwRuleInfo, names: boolean): string {
  const ins = r.insns
  if (r.noopt === true) return printChain(ins, (i) => printOption(i, names))
  // Leading sections in the order compile_rule lays them out.
  let k = 0
  const run = (ops: readonly number[]): IpfwInsn[] => {
    const start = k
    // `lookup src-ip N` is an option, not the address section.
    while (k < ins.length && ops.includes(ins[k]!.op) && (ins[k]!.arg2 & 2) === 0) {
      const or = ins[k]!.or
      k++
      if (!or) break
    }
    return ins.slice(start, k)
  }
  const proto = run([O.PROTO, O.IP6, O.IP4])
  const src = run([O.IP_SRC, O.IP_SRC_ME, O.IP_SRC_LOOKUP, O.IP6_SRC, O.IP6_SRC_ME])
  // Ports follow their address only for a protocol that has them (compile_rule's add_ports).
  const ported = proto.length > 0 && proto.every((i) => i.arg === 6 || i.arg === 17 || i.arg === 132)
  const sport = ported ? run([O.IP_SRCPORT]) : []
  const dst = run([O.IP_DST, O.IP_DST_ME, O.IP_DST_LOOKUP, O.IP6_DST, O.IP6_DST_ME])
  const dport = ported ? run([O.IP_DSTPORT]) : []
  const portItem = (i: IpfwInsn) => printPorts(i.list, names)
  const protoWord = (i: IpfwInsn) => (i.op === O.IP6 ? 'ip6' : i.op === O.IP4 ? 'ip4' : protoName(i.arg))
  let out = proto.length === 0 ? ' ip' : printChain(proto, protoWord)
  out += ' from'
  out += src.length === 0 ? ' any' : printChain(src, printAddr)
  out += printChain(sport, portItem)
  out += ' to'
  out += dst.length === 0 ? ' any' : printChain(dst, printAddr)
  out += printChain(dport, portItem)
  out += printChain(ins.slice(k), (i) => printOption(i, names))
  return out
}

/** One static rule as `ipfw list` / `ipfw show` prints it. */
export function showRule(r: IpfwRuleInfo, o: ShowOpts): string {
  let s = String(r.num).padStart(5, '0')
  if (o.counters) s += ` ${String(r.pcnt).padStart(o.pcWidth)} ${String(r.bcnt).padStart(o.bcWidth)}`
  if (o.time) s += r.timestamp !== 0 ? ` ${ctime(r.timestamp)}` : ` ${' '.repeat(24)}`
  s += ' '
  if (o.sets) s += `set ${r.set} `
  if (r.prob < 1) s += `prob ${r.prob.toFixed(6)} `
  s += printAction(r)
  if (r.log) s += r.logAmount > 0 ? ` log logamount ${r.logAmount}` : ' log'
  if (r.action !== A.CHECK_STATE) s += printBody(r, o.names)
  return s
}

/** show_dyn_state: `RULE PKTS BYTES (Ns) STATE PROTO SRC SPORT <-> DST DPORT :default`. */
export function showDyn(d: IpfwDynInfo, o: ShowOpts): string {
  let s = String(d.rule).padStart(5, '0')
  s += ` ${String(d.pcnt).padStart(o.pcWidth)} ${String(d.bcnt).padStart(o.bcWidth)}`
  const kind = d.kind === 'PARENT' ? `PARENT ${d.count ?? 0}` : (d.kind ?? 'STATE')
  const src = d.addr6 !== undefined ? formatWords6(d.addr6.slice(0, 4)) : formatIpv4(d.src)
  const dst = d.addr6 !== undefined ? formatWords6(d.addr6.slice(4, 8)) : formatIpv4(d.dst)
  s += ` (${d.expire}s) ${kind} ${protoName(d.proto)} ${src} ${d.sport} <-> ${dst} ${d.dport} :default`
  return s
}
