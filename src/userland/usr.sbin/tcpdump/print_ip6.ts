/**
 * tcpdump 4.99's IPv6 lines (print-ip6.c, print-ip6opts.c, print-frag6.c, print-icmp6.c, rewritten):
 * the IP6 header (-v: class, flow label, hop limit, next header, payload length), hop-by-hop and
 * destination options, fragments (nothing past the header of a later fragment, as tcpdump), then
 * ICMPv6 — echo, errors, Neighbor Discovery with its options (-v; -vv adds their bytes), MLD — or
 * TCP and UDP through the Printer's transport printers with the IPv6 pseudo-header (RFC 8200 §8.1).
 * Reads only the bytes it was given; never throws on packet bytes.
 */

import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import type { Printer } from './print.js'
import { be16, be32, bitNames, fixed, hex4, hexLines, IPPROTO_NAMES, mac, sum16 } from './print_bytes.js'
import { ospf6Print } from './print_ospf6.js'

const IP6_HDR = 40

const ICMP6_TYPES: Readonly<Record<number, string>> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded in-transit',
  4: 'parameter problem',
  128: 'echo request',
  129: 'echo reply',
  130: 'multicast listener query',
  131: 'multicast listener report',
  132: 'multicast listener done',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
  137: 'redirect',
  138: 'router renumbering',
  139: 'who-are-you request',
  140: 'who-are-you reply',
  141: 'inverse neighbor solicitation',
  142: 'inverse neighbor advertisement',
  143: 'multicast listener report v2',
}

const UNREACH_CODES: Readonly<Record<number, string>> = {
  0: 'unreachable route',
  1: ' unreachable prohibited',
  2: 'beyond scope',
  3: 'unreachable address',
  4: 'unreachable port',
}

const ND_OPTS: Readonly<Record<number, string>> = {
  1: 'source link-address',
  2: 'destination link-address',
  3: 'prefix info',
  4: 'redirected header',
  5: 'mtu',
  7: 'advertisement interval',
  8: 'homeagent information',
  24: 'route info',
  25: 'rdnss',
  31: 'dnssl',
}

const MLDV2_RECORDS: Readonly<Record<number, string>> = {
  1: 'is_in',
  2: 'is_ex',
  3: 'to_in',
  4: 'to_ex',
  5: 'allow',
  6: 'block',
}

const addr = (b: Uint8Array, at: number): string => formatIpv6(b, at)

const lifetime = (v: number): string => (v === 0xffffffff ? 'infinity' : `${v}s`)

/** The IPv6 pseudo-header's sum (RFC 8200 §8.1): addresses, upper-layer length, next header. */
function pseudo6(b: Uint8Array, ip6: number, nh: number, len: number): number {
  return sum16(b, ip6 + 8, 32, nh + (len >>> 16) + (len & 0xffff))
}

/** One IPv6 datagram at b[at..], caplen bytes captured in all; "IP6 " unless -e showed the ethertype. */
export function ip6Line(pr: Printer, b: Uint8Array, at: number, caplen: number): string {
  const o = pr.opts
  let s = o.e ? '' : 'IP6 '
  if (caplen < at + IP6_HDR) return `${s}[|ip6]`
  if (b[at]! >> 4 !== 6) return `${s}version error: ${b[at]! >> 4} != 6`
  const flow = be32(b, at) & 0x0fffffff
  const plen = be16(b, at + 4)
  let nh = b[at + 6]!
  const end = Math.min(caplen, at + IP6_HDR + plen)
  if (o.v > 0) {
    s += '('
    if (flow & 0x0ff00000) s += `class 0x${((flow >> 20) & 0xff).toString(16).padStart(2, '0')}, `
    if (flow & 0x000fffff) s += `flowlabel 0x${(flow & 0xfffff).toString(16).padStart(5, '0')}, `
    s += `hlim ${b[at + 7]}, next-header ${IPPROTO_NAMES[nh] ?? 'unknown'} (${nh}) payload length: ${plen}) `
  }
  const src = addr(b, at + 8)
  const dst = addr(b, at + 24)
  // TCP and UDP right after the header print the addresses with their ports; anything else here.
  const direct = nh === 6 || nh === 17
  if (!direct) s += `${src} > ${dst}: `
  let cp = at + IP6_HDR
  let fragmented = false
  for (;;) {
    const left = at + IP6_HDR + plen - cp
    switch (nh) {
      case 0:
      case 60: {
        if (end < cp + 2) return `${s}[|${nh === 0 ? 'hbhopt' : 'dstopt'}]`
        const len = (b[cp + 1]! + 1) << 3
        if (end < cp + len) return `${s}[|${nh === 0 ? 'hbhopt' : 'dstopt'}]`
        s += nh === 0 ? 'HBH ' : 'DSTOPT '
        if (o.v > 0) s += options(b, cp + 2, len - 2)
        nh = b[cp]!
        cp += len
        continue
      }
      case 44: {
        if (end < cp + 8) return `${s}[|frag]`
        const off = be16(b, cp + 2) & 0xfff8
        const flen = left - 8
        s +=
          o.v > 0
            ? `frag (0x${be32(b, cp + 4)
                .toString(16)
                .padStart(8, '0')}:${off}|${flen})`
            : `frag (${off}|${flen})`
        // A later fragment: what follows is not a header (print-frag6.c).
        if (off !== 0) return s
        s += ' '
        fragmented = true
        nh = b[cp]!
        cp += 8
        continue
      }
      case 58:
        return s + icmp6(pr, b, at, cp, Math.min(end, cp + left), left, fragmented)
      case 6:
        return (
          s +
          pr.tcp(b, pseudo6(b, at, 6, left), cp, end, left, direct ? src : '', direct ? dst : '', fragmented)
        )
      case 17:
        return (
          s +
          pr.udp(
            b,
            pseudo6(b, at, 17, left),
            cp,
            end,
            left,
            direct ? src : '',
            direct ? dst : '',
            fragmented,
            true,
          )
        )
      case 89:
        return s + ospf6Print(b, cp, end, left, pr.opts.v)
      case 59:
        return `${s}no next header`
      default:
        return `${s}ip-proto-${nh} ${left}`
    }
  }
}

/** ip6_opt_process: the options of a hop-by-hop or destination options header (-v). */
function options(b: Uint8Array, at: number, len: number): string {
  if (len === 0) return ''
  let s = ''
  for (let i = 0; i < len; ) {
    const t = b[at + i]!
    if (t === 0) {
      s += '(pad1)'
      i++
      continue
    }
    if (i + 1 >= len || i + 2 + b[at + i + 1]! > len) return s
    const ol = b[at + i + 1]!
    if (t === 1) s += '(padn)'
    else if (t === 5) {
      if (ol !== 2) return `${s}(rtalert: invalid len ${ol})`
      s += `(rtalert: 0x${hex4(be16(b, at + i + 2))}) `
    } else s += `(opt_type 0x${t.toString(16).padStart(2, '0')}: len=${ol})`
    i += 2 + ol
  }
  return `${s} `
}

/** icmp6_print: `len` bytes of ICMPv6 message at b[at..], `end` the last byte captured. */
function icmp6(
  pr: Printer,
  b: Uint8Array,
  ip6: number,
  at: number,
  end: number,
  len: number,
  fragmented: boolean,
): string {
  const v = pr.opts.v
  if (end < at + 4) return '[|icmp6]'
  const type = b[at]!
  const code = b[at + 1]!
  let s = ''
  if (v > 0 && !fragmented && end >= at + len) {
    const got = sum16(b, at, len, pseudo6(b, ip6, 58, len))
    s +=
      got === 0xffff
        ? '[icmp6 sum ok] '
        : `[bad icmp6 cksum 0x${hex4(be16(b, at + 2))} -> 0x${hex4(fixed(b, at + 2, got))}!] `
  }
  s += `ICMP6, ${ICMP6_TYPES[type] ?? `unknown icmp6 type (${type})`}`
  // print-icmp6.c's cosmetics: the length comes early for the messages -v explains at length.
  if (v > 0 && type >= 133 && type <= 137) s += `, length ${len}`
  const oip = at + 8
  const quoted = (o: number) => (end >= oip + o + 16 ? addr(b, oip + o) : null)
  switch (type) {
    case 1: {
      s += `, ${UNREACH_CODES[code] ?? `unknown unreach code (${code})`}`
      const dst = quoted(24)
      if (dst === null) return `${s}[|icmp6]`
      if (code === 0 || code === 1 || code === 3) s += ` ${dst}`
      else if (code === 2) s += ` ${dst}, source address ${quoted(8)}`
      else if (code === 4) {
        const ul = upperLayer(b, oip, end)
        if (ul === null) return `${s}[|icmp6]`
        const dport = be16(b, ul.at + 2)
        if (ul.proto === 6) s += `, ${dst} tcp port ${pr.tcpPort(dport)}`
        else if (ul.proto === 17) s += `, ${dst} udp port ${pr.udpPort(dport)}`
        else s += `, ${dst} protocol ${ul.proto} port ${dport} unreachable`
      } else if (v <= 1) return `${s}${hexLines(b, at, Math.min(len, end - at), '\n\t')}`
      break
    }
    case 2:
      if (end < at + 8) return `${s}[|icmp6]`
      s += `, mtu ${be32(b, at + 4)}`
      break
    case 3: {
      const dst = quoted(24)
      if (dst === null) return `${s}[|icmp6]`
      s += code === 0 ? ` for ${dst}` : code === 1 ? ' (reassembly)' : `, unknown code (${code})`
      break
    }
    case 4: {
      if (quoted(24) === null) return `${s}[|icmp6]`
      const ptr = be32(b, at + 4)
      s +=
        code === 0
          ? `, erroneous - octet ${ptr}`
          : code === 1
            ? `, next header - octet ${ptr}`
            : code === 2
              ? `, option - octet ${ptr}`
              : `, code-#${code}`
      break
    }
    case 128:
    case 129:
      if (end < at + 8) return `${s}[|icmp6]`
      s += `, id ${be16(b, at + 4)}, seq ${be16(b, at + 6)}`
      break
    case 130:
    case 131:
    case 132:
      if (end < at + 24) return `${s}[|icmp6]`
      if (type === 130 && len >= 28) s += ` v2${mldv2Query(b, at, end, len, v)}`
      else if (type === 130 && len !== 24) s += ` unknown-version (len ${len}) `
      else s += `max resp delay: ${be16(b, at + 4)} addr: ${addr(b, at + 8)}`
      break
    case 133:
      if (v > 0) s += ndOptions(b, at + 8, Math.min(at + len, end), v)
      break
    case 134:
      if (v > 0) {
        if (end < at + 16) return `${s}[|icmp6]`
        const f = b[at + 5]!
        const pref = ['medium', 'high', 'rsv', 'low'][(f >> 3) & 3]
        const flags = bitNames(f, [
          [0x80, 'managed'],
          [0x40, 'other stateful'],
          [0x20, 'home agent'],
          [0x04, 'proxy'],
        ])
        s += `\n\thop limit ${b[at + 4]}, Flags [${flags}], pref ${pref}, router lifetime ${be16(b, at + 6)}s, reachable time ${be32(b, at + 8)}ms, retrans timer ${be32(b, at + 12)}ms`
        s += ndOptions(b, at + 16, Math.min(at + len, end), v)
      }
      break
    case 135:
    case 136: {
      if (end < at + 24) return `${s}[|icmp6]`
      s += type === 135 ? `, who has ${addr(b, at + 8)}` : `, tgt is ${addr(b, at + 8)}`
      if (v > 0 && type === 136) {
        const flags = bitNames(b[at + 4]!, [
          [0x80, 'router'],
          [0x40, 'solicited'],
          [0x20, 'override'],
        ])
        s += `, Flags [${flags}]`
      }
      if (v > 0) s += ndOptions(b, at + 24, Math.min(at + len, end), v)
      break
    }
    case 137:
      if (end < at + 40) return `${s}[|icmp6]`
      s += `, ${addr(b, at + 24)} to ${addr(b, at + 8)}`
      if (v > 0) s += ndOptions(b, at + 40, Math.min(at + len, end), v)
      break
    case 143:
      if (end < at + 8) return `${s}[|icmp6]`
      s += mldv2Report(b, at, end, len, v)
      break
    default:
      s += `, length ${len}`
      return v <= 1 ? `${s}${hexLines(b, at, Math.min(len, end - at), '\n\t')}` : s
  }
  return v > 0 ? s : `${s}, length ${len}`
}

/** get_upperlayer: the TCP or UDP header an ICMPv6 error quotes, past any extension headers. */
function upperLayer(b: Uint8Array, ip6: number, end: number): { proto: number; at: number } | null {
  if (end < ip6 + IP6_HDR) return null
  let nh = b[ip6 + 6]!
  let at = ip6 + IP6_HDR
  for (let hops = 0; hops < 16; hops++) {
    if (nh === 6 || nh === 17) return end >= at + 4 ? { proto: nh, at } : null
    if (nh === 0 || nh === 60 || nh === 43) {
      if (end < at + 2) return null
      nh = b[at]!
      at += (b[at + 1]! + 1) << 3
    } else if (nh === 44) {
      if (end < at + 8 || (be16(b, at + 2) & 0xfff8) !== 0) return null
      nh = b[at]!
      at += 8
    } else return end >= at + 4 ? { proto: nh, at } : null
  }
  return null
}

/** icmp6_opt_print: Neighbor Discovery options, one per line; -vv adds each one's bytes. */
function ndOptions(b: Uint8Array, at: number, end: number, v: number): string {
  let s = ''
  while (at + 2 <= end) {
    const t = b[at]!
    const units = b[at + 1]!
    const len = units << 3
    if (units === 0 || at + len > end) return `${s}[ndp opt]`
    s += `\n\t  ${ND_OPTS[t] ?? 'unknown'} option (${t}), length ${len} (${units}): `
    switch (t) {
      case 1:
      case 2:
        s += len === 8 ? mac(b, at + 2) : lladdr(b, at + 2, len - 2)
        break
      case 3:
        if (len < 32) return `${s}[ndp opt]`
        s += `${addr(b, at + 16)}/${b[at + 2]}${units !== 4 ? 'badlen' : ''}, Flags [${bitNames(b[at + 3]!, [
          [0x80, 'onlink'],
          [0x40, 'auto'],
          [0x20, 'router'],
        ])}], valid time ${lifetime(be32(b, at + 4))}, pref. time ${lifetime(be32(b, at + 8))}`
        break
      case 5:
        s += ` ${be32(b, at + 4)}${units !== 1 ? 'bad option length' : ''}`
        break
      default:
        s += hexLines(b, at + 2, len - 2, '\n\t    ')
        at += len
        continue
    }
    if (v > 1) s += hexLines(b, at + 2, len - 2, '\n\t    ')
    at += len
  }
  return s
}

/** A link-layer address of any length, colon-separated hex. */
function lladdr(b: Uint8Array, at: number, len: number): string {
  const out: string[] = []
  for (let i = 0; i < len; i++) out.push(b[at + i]!.toString(16).padStart(2, '0'))
  return out.join(':')
}

/** mldv2_query_print, with its " [gaddr" always and the rest for -v. */
function mldv2Query(b: Uint8Array, at: number, end: number, len: number, v: number): string {
  const mrc = be16(b, at + 4)
  const mrt = mrc < 32768 ? mrc : ((mrc & 0x0fff) | 0x1000) << (((mrc >> 12) & 7) + 3)
  let s = v > 0 ? ` [max resp delay=${mrt}]` : ''
  if (end < at + 28) return `${s}[|icmp6]`
  s += ` [gaddr ${addr(b, at + 8)}`
  if (v > 0) {
    const qqi = b[at + 25]!
    if (b[at + 24]! & 0x08) s += ' sflag'
    if (b[at + 24]! & 0x07) s += ` robustness=${b[at + 24]! & 0x07}`
    s += ` qqi=${qqi < 128 ? qqi : ((qqi & 0x0f) | 0x10) << (((qqi >> 4) & 7) + 3)}`
  }
  const nsrcs = be16(b, at + 26)
  if (nsrcs > 0) {
    if (len < 28 + nsrcs * 16) s += ' [invalid number of sources]'
    else if (v > 1) {
      s += ' {'
      for (let i = 0; i < nsrcs; i++) {
        if (end < at + 28 + (i + 1) * 16) return `${s}[|icmp6]`
        s += ` ${addr(b, at + 28 + i * 16)}`
      }
      s += ' }'
    } else s += `, ${nsrcs} source(s)`
  }
  return `${s}]`
}

function mldv2Report(b: Uint8Array, at: number, end: number, len: number, v: number): string {
  const ngroups = be16(b, at + 6)
  let s = `, ${ngroups} group record(s)`
  if (v === 0) return s
  let g = at + 8
  for (let i = 0; i < ngroups; i++) {
    if (end < g + 20) return `${s}[|icmp6]`
    s += ` [gaddr ${addr(b, g + 4)} ${MLDV2_RECORDS[b[g]!] ?? ` [v2-report-#${b[g]}]`}`
    const nsrcs = be16(b, g + 2)
    if (len < g - at + 20 + nsrcs * 16) return `${s} [invalid number of sources ${nsrcs}]`
    if (v === 1) s += `, ${nsrcs} source(s)`
    else {
      s += ' {'
      for (let j = 0; j < nsrcs && end >= g + 20 + (j + 1) * 16; j++) s += ` ${addr(b, g + 20 + j * 16)}`
      s += ' }'
    }
    g += 20 + nsrcs * 16 + (b[g + 1]! << 2)
    s += ']'
  }
  return s
}
