/**
 * What ping(8) prints besides the replies: the summary (`--- HOST ping statistics ---`), the
 * description of an ICMP error (pr_icmph) and the dump of the quoted IP header (pr_iph).
 *
 * Must not: read anything but the values given; no state.
 */

import { readU16, readU32 } from '../../../wire/addr.js'
import { IcmpType, UnreachCode } from '../../../wire/inet/icmp.js'
import { hex, ip, padL } from '../../common.js'

export const IP_HDR = 20

export interface PingStats {
  transmitted: number
  received: number
  repeats: number
  rcvTimeout: number
  timing: boolean
  tmin: number
  tmax: number
  tsum: number
  tsumsq: number
}

/** pr_summary(), newline-terminated (the leading blank line included). */
export function formatPingSummary(host: string, s: PingStats): string {
  let out = `\n--- ${host} ping statistics ---\n${s.transmitted} packets transmitted, ${s.received} packets received, `
  if (s.repeats) out += `+${s.repeats} duplicates, `
  if (s.transmitted) {
    if (s.received > s.transmitted) out += "-- somebody's printing up packets!"
    else out += `${(((s.transmitted - s.received) * 100) / s.transmitted).toFixed(1)}% packet loss`
  }
  if (s.rcvTimeout) out += `, ${s.rcvTimeout} packets out of wait time`
  out += '\n'
  if (s.received && s.timing) {
    const n = s.received + s.repeats
    const avg = s.tsum / n
    const stddev = Math.sqrt(Math.max(0, s.tsumsq / n - avg * avg))
    out += `round-trip min/avg/max/stddev = ${[s.tmin, avg, s.tmax, stddev].map((v) => v.toFixed(3)).join('/')} ms\n`
  }
  return out
}

/** pr_iph(): the quoted IP header as a two-line table, newline-terminated. */
export function formatIpHeaderDump(b: Uint8Array, off: number): string {
  const hl = b[off]! & 0x0f
  const src = ip(readU32(b, off + 12))
  const dst = ip(readU32(b, off + 16))
  const opts = hl * 4 > IP_HDR
  let s = `Vr HL TOS  Len   ID Flg  off TTL Pro  cks ${padL('Src', src.length)} ${padL('Dst', dst.length)}${opts ? ' Opts' : ''}\n`
  const offField = readU16(b, off + 6)
  s += ` ${hex(b[off]! >> 4)}  ${hex(hl)}  ${hex(b[off + 1]!, 2)} ${hex(readU16(b, off + 2), 4)} ${hex(readU16(b, off + 4), 4)}`
  s += `   ${hex((offField & 0xe000) >> 13)} ${hex(offField & 0x1fff, 4)}`
  s += `  ${hex(b[off + 8]!, 2)}  ${hex(b[off + 9]!, 2)} ${hex(readU16(b, off + 10), 4)} ${src} ${dst}`
  if (opts) {
    s += ' '
    for (let i = off + IP_HDR; i < off + hl * 4 && i < b.length; i++) s += hex(b[i]!, 2)
  }
  return `${s}\n`
}

/** pr_icmph()'s first line for an ICMP message (type, code and bytes 4..7). */
export function icmpDescription(type: number, code: number, rest: number): string {
  switch (type) {
    case IcmpType.ECHO_REPLY:
      return 'Echo Reply'
    case IcmpType.UNREACH:
      switch (code) {
        case UnreachCode.NET:
          return 'Destination Net Unreachable'
        case UnreachCode.HOST:
          return 'Destination Host Unreachable'
        case UnreachCode.PROTOCOL:
          return 'Destination Protocol Unreachable'
        case UnreachCode.PORT:
          return 'Destination Port Unreachable'
        case UnreachCode.NEEDFRAG:
          return `frag needed and DF set (MTU ${rest & 0xffff})`
        case UnreachCode.SRCFAIL:
          return 'Source Route Failed'
        case UnreachCode.FILTER_PROHIB:
          return 'Communication prohibited by filter'
        default:
          return `Dest Unreachable, Bad Code: ${code}`
      }
    case IcmpType.SOURCE_QUENCH:
      return 'Source Quench'
    case IcmpType.REDIRECT: {
      const kind = [
        'Redirect Network',
        'Redirect Host',
        'Redirect Type of Service and Network',
        'Redirect Type of Service and Host',
      ][code]
      return `${kind ?? `Redirect, Bad Code: ${code}`}(New addr: ${ip(rest)})`
    }
    case IcmpType.ECHO:
      return 'Echo Request'
    case IcmpType.TIME_EXCEEDED:
      return code === 0
        ? 'Time to live exceeded'
        : code === 1
          ? 'Frag reassembly time exceeded'
          : `Time exceeded, Bad Code: ${code}`
    case IcmpType.PARAM_PROBLEM:
      return `Parameter problem: pointer = 0x${hex(rest >>> 24, 2)}`
    case IcmpType.TIMESTAMP:
      return 'Timestamp'
    case IcmpType.TIMESTAMP_REPLY:
      return 'Timestamp Reply'
    case 15:
      return 'Information Request'
    case 16:
      return 'Information Reply'
    case 17:
      return 'Address Mask Request'
    case 18:
      return 'Address Mask Reply'
    case IcmpType.ROUTER_ADVERT:
      return 'Router Advertisement'
    case IcmpType.ROUTER_SOLICIT:
      return 'Router Solicitation'
    default:
      return `Bad ICMP type: ${type}`
  }
}

/** Types whose message quotes the offending datagram (pr_icmph follows them with pr_iph). */
export const QUOTING: ReadonlySet<number> = new Set<number>([
  IcmpType.UNREACH,
  IcmpType.SOURCE_QUENCH,
  IcmpType.REDIRECT,
  IcmpType.TIME_EXCEEDED,
  IcmpType.PARAM_PROBLEM,
])
