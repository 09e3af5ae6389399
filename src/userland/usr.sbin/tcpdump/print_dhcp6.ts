/**
 * tcpdump 4.99's DHCPv6 printer (print-dhcp6.c, rewritten): without -v the message type's name;
 * with -v the transaction id (or a relay's link and peer addresses) and every option in
 * parentheses, nested options (IA_NA, IA_ADDR, relay messages…) inside their parent's. Where the
 * capture ends inside an option the text ends in ` [|dhcp6]` as tcpdump's does; nothing here
 * throws on packet bytes. Printing only: it must not decide anything about the packet.
 */

import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { be16, be32, need, printChar, TRUNCATED } from './print_bytes.js'

/** print-dhcp6.c's dh6msgtype names, by msg-type. */
const DHCP6_NAMES: readonly (string | undefined)[] = [
  undefined,
  'solicit',
  'advertise',
  'request',
  'confirm',
  'renew',
  'rebind',
  'reply',
  'release',
  'decline',
  'reconfigure',
  'inf-req',
  'relay-fwd',
  'relay-reply',
  'leasequery',
  'leasequery-reply',
]

/** dh6opt_str: option names by code (RFC 8415 §21 and later RFCs). */
const OPT_NAMES: Readonly<Record<number, string>> = {
  1: 'client-ID',
  2: 'server-ID',
  3: 'IA_NA',
  4: 'IA_TA',
  5: 'IA_ADDR',
  6: 'option-request',
  7: 'preference',
  8: 'elapsed-time',
  9: 'relay-message',
  11: 'authentication',
  12: 'server-unicast',
  13: 'status-code',
  14: 'rapid-commit',
  15: 'user-class',
  16: 'vendor-class',
  17: 'vendor-specific-info',
  18: 'interface-ID',
  19: 'reconfigure-message',
  20: 'reconfigure-accept',
  21: 'SIP-servers-domain',
  22: 'SIP-servers-address',
  23: 'DNS-server',
  24: 'DNS-search-list',
  25: 'IA_PD',
  26: 'IA_PD-prefix',
  27: 'NIS-server',
  28: 'NIS+-server',
  29: 'NIS-domain-name',
  30: 'NIS+-domain-name',
  31: 'SNTP-servers',
  32: 'lifetime',
  33: 'BCMCS-domain-name',
  34: 'BCMCS-server',
  36: 'Geoconf-Civic',
  37: 'Remote-ID',
  38: 'Subscriber-ID',
  39: 'Client-FQDN',
  40: 'PANA-agent',
  41: 'POSIX-timezone',
  42: 'POSIX-tz-database',
  43: 'Echo-request-option',
  44: 'Lease-query',
  45: 'LQ-client-data',
  46: 'Clt-time',
  47: 'LQ-relay-data',
  48: 'LQ-client-link',
  56: 'NTP-server',
  64: 'AFTR-Name',
  112: 'MUD-URL',
}

/** Status codes (RFC 8415 §21.13, RFC 3633, RFC 5007). */
const STATUS = [
  'Success',
  'UnspecFail',
  'NoAddrsAvail',
  'NoBinding',
  'NotOnLink',
  'UseMulticast',
  'NoPrefixAvail',
  'UnknownQueryType',
  'MalformedQuery',
  'NotConfigured',
  'NotAllowed',
] as const

/** Options whose body is a list of IPv6 addresses. */
const isAddrList = (t: number): boolean =>
  t === 22 || t === 23 || t === 27 || t === 28 || t === 31 || t === 34 || t === 40 || t === 48

const optName = (t: number): string => OPT_NAMES[t] ?? `opt_${t}`
const hex2 = (x: number): string => x.toString(16).padStart(2, '0')
const hex8 = (x: number): string => x.toString(16).padStart(8, '0')

function hexRun(b: Uint8Array, from: number, to: number): string {
  let s = ''
  for (let i = from; i < to; i++) s += hex2(b[i]!)
  return s
}

/** nd_printjnp: up to n characters, stopping at a NUL. */
function printJnp(b: Uint8Array, at: number, n: number, snapend: number): string {
  let s = ''
  for (let i = 0; i < n; i++) {
    need(snapend, at + i, 1)
    if (b[at + i] === 0) break
    s += printChar(b[at + i]!)
  }
  return s
}

/**
 * fqdn_print for the search-list options: labels each followed by a dot. Throws TRUNCATED where
 * fqdn_print returns NULL (the caller prints the mark and its option ends). tcpdump 4.99 passes the
 * option's end as the base of compression pointers, so a pointer lands past the option and, but
 * for a longer capture, past the packet: followed the same way here, bounded by the capture.
 */
function fqdn(b: Uint8Array, cp: number, base: number, snapend: number, out: string[]): number {
  need(snapend, cp, 1)
  let i = b[cp]!
  cp++
  if (i === 0) {
    out.push('.')
    return cp
  }
  let rp = -1
  let chars = 0
  let hops = 0
  while (i !== 0 && cp < snapend) {
    const type = i & 0xc0
    if (type === 0xc0) {
      need(snapend, cp, 1)
      if (rp < 0) rp = cp + 1
      cp = base + (((i << 8) | b[cp]!) & 0x3fff)
      // A loop of pointers cannot run forever: each hop moves to a fresh byte of a finite capture.
      if (++hops > snapend) throw TRUNCATED
      need(snapend, cp, 1)
      i = b[cp]!
      cp++
      continue
    }
    if (type === 0x80) {
      out.push('<BAD LABEL TYPE>')
      throw TRUNCATED
    }
    if (type === 0x40) {
      out.push(`<ELT ${i & 0x3f}>`)
      throw TRUNCATED
    }
    const shown = chars + i <= 255 ? i : chars < 255 ? 255 - chars : 0
    for (let k = 0; k < shown; k++) {
      if (cp + k >= snapend) throw TRUNCATED
      out.push(printChar(b[cp + k]!))
    }
    chars += i
    cp += i
    if (chars <= 255) out.push('.')
    chars++
    need(snapend, cp, 1)
    i = b[cp]!
    cp++
  }
  if (chars > 255) out.push('<DOMAIN NAME TOO LONG>')
  return rp < 0 ? cp : rp
}

/** The DUID in a client-ID or server-ID (RFC 8415 §11). */
function duid(b: Uint8Array, tp: number, optlen: number): string {
  if (optlen < 2) return ' ?)'
  const type = be16(b, tp)
  if (type === 1) {
    if (optlen < 8) return ' ?)'
    return ` hwaddr/time type ${be16(b, tp + 2)} time ${be32(b, tp + 4)} ${hexRun(b, tp + 8, tp + optlen)})`
  }
  if (type === 2) return optlen >= 10 ? ` vid ${hexRun(b, tp + 2, tp + 10)})` : ' ?)'
  if (type === 3)
    return optlen >= 4 ? ` hwaddr type ${be16(b, tp + 2)} ${hexRun(b, tp + 4, tp + optlen)})` : ' ?)'
  return ` type ${type})`
}

function auth(b: Uint8Array, tp: number, optlen: number): string {
  if (optlen < 11) return ' ?)'
  const proto = b[tp]!
  const alg = b[tp + 1]!
  const rdm = b[tp + 2]!
  let s = proto === 2 ? ' proto: delayed' : proto === 3 ? ' proto: reconfigure' : ` proto: ${proto}`
  s += alg === 1 ? ', alg: HMAC-MD5' : `, alg: ${alg}`
  s += rdm === 0 ? ', RDM: mono' : `, RDM: ${rdm}`
  s += ', RD:'
  for (let i = 0; i < 4; i++)
    s += ` ${be16(b, tp + 3 + 2 * i)
      .toString(16)
      .padStart(4, '0')}`
  let p = tp + 11
  const infolen = optlen - 11
  if (proto === 2) {
    if (infolen === 0) return `${s})`
    if (infolen < 20) return `${s} ??)`
    const realm = infolen - 20
    if (realm > 0) s += `, realm: ${hexRun(b, p, p + realm)}`
    p += realm
    s += `, key ID: ${hex8(be32(b, p))}, HMAC-MD5:`
    for (let i = 0; i < 4; i++) s += ` ${hex8(be32(b, p + 4 + 4 * i))}`
    return `${s})`
  }
  if (proto === 3) {
    if (infolen !== 17) return `${s} ??)`
    const t = b[p]!
    s += t === 1 ? ' reconfig-key' : t === 2 ? ' type: HMAC-MD5' : ' type: ??'
    s += ' value:'
    for (let i = 0; i < 4; i++) s += ` ${hex8(be32(b, p + 1 + 4 * i))}`
    return `${s})`
  }
  return `${s} ??)`
}

/** dhcp6opt_print: options from cp to ep (ep never past the capture's end). */
function options(b: Uint8Array, cp: number, ep: number, snapend: number, out: string[]): void {
  while (cp < ep) {
    if (ep < cp + 4) {
      out.push(' [|dhcp6]')
      return
    }
    const optlen = be16(b, cp + 2)
    if (ep < cp + 4 + optlen) {
      out.push(' [|dhcp6]')
      return
    }
    const type = be16(b, cp)
    const tp = cp + 4
    const oe = tp + optlen
    out.push(` (${optName(type)}`)
    switch (type) {
      case 1:
      case 2:
        out.push(duid(b, tp, optlen))
        break
      case 5:
        if (optlen < 24) {
          out.push(' ?)')
          break
        }
        out.push(` ${formatIpv6(b, tp)} pltime:${be32(b, tp + 16)} vltime:${be32(b, tp + 20)}`)
        if (optlen > 24) options(b, tp + 24, oe, snapend, out)
        out.push(')')
        break
      case 6:
      case 43: {
        if (optlen % 2) {
          out.push(' ?)')
          break
        }
        let s = ''
        for (let i = 0; i < optlen; i += 2) s += ` ${optName(be16(b, tp + i))}`
        out.push(`${s})`)
        break
      }
      case 7:
        out.push(optlen !== 1 ? ' ?)' : ` ${b[tp]})`)
        break
      case 8:
        out.push(optlen !== 2 ? ' ?)' : ` ${be16(b, tp)})`)
        break
      case 9:
        // The relayed message is printed whole, its end the option's (Relay-forward, RFC 8415 §9.2).
        out.push(' (')
        message(b, tp, optlen, Math.min(oe, snapend), out)
        out.push(')')
        break
      case 11:
        out.push(auth(b, tp, optlen))
        break
      case 14:
      case 20:
        out.push(')')
        break
      case 18:
      case 38:
        out.push(` ${hexRun(b, tp, tp + Math.min(optlen, 10))}...)`)
        break
      case 19: {
        if (optlen !== 1) {
          out.push(' ?)')
          break
        }
        const m = b[tp]!
        out.push(m === 5 ? ' for renew)' : m === 11 ? ' for inf-req)' : ` for ???(${hex2(m)}))`)
        break
      }
      case 21:
      case 24:
        try {
          for (let p = tp; p < oe; ) {
            out.push(' ')
            p = fqdn(b, p, oe, snapend, out)
          }
        } catch (e) {
          if (e !== TRUNCATED) throw e
          // dhcp6opt_print's `goto trunc`: the mark, and this list of options ends.
          out.push(' [|dhcp6]')
          return
        }
        out.push(')')
        break
      case 13:
        if (optlen < 2) {
          out.push(' ?)')
          break
        }
        {
          const code = be16(b, tp)
          out.push(` ${code > 255 ? 'INVALID code' : (STATUS[code] ?? `code${code}`)})`)
        }
        break
      case 3:
      case 25:
        if (optlen < 12) {
          out.push(' ?)')
          break
        }
        out.push(` IAID:${be32(b, tp)} T1:${be32(b, tp + 4)} T2:${be32(b, tp + 8)}`)
        if (optlen > 12) options(b, tp + 12, oe, snapend, out)
        out.push(')')
        break
      case 4:
        if (optlen < 4) {
          out.push(' ?)')
          break
        }
        out.push(` IAID:${be32(b, tp)}`)
        if (optlen > 4) options(b, tp + 4, oe, snapend, out)
        out.push(')')
        break
      case 26:
        if (optlen < 25) {
          out.push(' ?)')
          break
        }
        out.push(` ${formatIpv6(b, tp + 9)}/${b[tp + 8]} pltime:${be32(b, tp)} vltime:${be32(b, tp + 4)}`)
        if (optlen > 25) options(b, tp + 25, oe, snapend, out)
        out.push(')')
        break
      case 32:
      case 46:
        out.push(optlen !== 4 ? ' ?)' : ` ${be32(b, tp)})`)
        break
      case 37:
        out.push(optlen < 4 ? ' ?)' : ` ${be32(b, tp)} ${hexRun(b, tp + 4, tp + Math.min(optlen, 14))}...)`)
        break
      case 44: {
        if (optlen < 17) {
          out.push(' ?)')
          break
        }
        const q = b[tp]!
        out.push(
          `${q === 1 ? ' by-address' : q === 2 ? ' by-clientID' : ` type_${q}`} ${formatIpv6(b, tp + 1)}`,
        )
        if (optlen > 17) options(b, tp + 17, oe, snapend, out)
        out.push(')')
        break
      }
      case 45:
        if (optlen > 0) options(b, tp, oe, snapend, out)
        out.push(')')
        break
      case 47:
        out.push(
          optlen < 16 ? ' ?)' : ` ${formatIpv6(b, tp)} ${hexRun(b, tp + 16, tp + Math.min(optlen, 26))}...)`,
        )
        break
      case 56:
        if (!ntpServer(b, tp, oe, snapend, optlen, out)) return
        break
      case 64:
        aftrName(b, tp, optlen, snapend, out)
        break
      case 41:
      case 42:
      case 112:
        out.push(optlen < 5 ? ' ?)' : ` ${printJnp(b, tp, optlen, snapend)})`)
        break
      default:
        if (isAddrList(type)) {
          if (optlen % 16) {
            out.push(' ?)')
            break
          }
          let s = ''
          for (let i = 0; i < optlen; i += 16) s += ` ${formatIpv6(b, tp + i)}`
          out.push(`${s})`)
        } else out.push(')')
    }
    cp = oe
  }
}

/** The NTP server option's suboptions (RFC 5908 §4); false where the option list ends truncated. */
function ntpServer(
  b: Uint8Array,
  tp: number,
  oe: number,
  snapend: number,
  optlen: number,
  out: string[],
): boolean {
  if (optlen < 4) {
    out.push(' ?)')
    return true
  }
  while (tp < oe - 4) {
    const code = be16(b, tp)
    const len = be16(b, tp + 2)
    tp += 4
    if (tp + len > oe) {
      out.push(' [|dhcp6]')
      return false
    }
    out.push(` subopt:${code}`)
    if (code === 1 || code === 2) out.push(len !== 16 ? ' ?' : ` ${formatIpv6(b, tp)}`)
    else if (code === 3) {
      out.push(' ')
      try {
        fqdn(b, tp, tp + len, snapend, out)
      } catch (e) {
        if (e !== TRUNCATED) throw e
        out.push(' [|dhcp6]')
        return false
      }
    } else out.push(' ?')
    tp += len
  }
  out.push(')')
  return true
}

/** The AFTR name (RFC 6334 §3): DNS labels, dot-separated, without the final dot. */
function aftrName(b: Uint8Array, tp: number, optlen: number, snapend: number, out: string[]): void {
  if (optlen < 3) {
    out.push(' ?)')
    return
  }
  let remain = optlen
  let s = ' '
  while (remain > 0) {
    need(snapend, tp, 1)
    const l = b[tp]!
    if (l === 0) break
    tp++
    if (l < remain - 1) {
      s += printJnp(b, tp, l, snapend)
      tp += l
      remain -= l + 1
      need(snapend, tp, 1)
      if (b[tp] !== 0) s += '.'
    } else {
      s += ' ?'
      break
    }
  }
  out.push(`${s})`)
}

/** dhcp6_print from `dhcp6` on: the message at cp, length bytes, within the capture's snapend. */
function message(b: Uint8Array, cp: number, length: number, snapend: number, out: string[], v = 1): void {
  out.push('dhcp6')
  const ep = Math.min(snapend, cp + length)
  need(snapend, cp, 4)
  const t = b[cp]!
  const name = DHCP6_NAMES[t] ?? `msgtype-${t}`
  if (v === 0) {
    out.push(` ${name}`)
    return
  }
  out.push(` ${name} (`)
  if (t !== 12 && t !== 13) {
    out.push(`xid=${(be32(b, cp) & 0xffffff).toString(16)}`)
    options(b, cp + 4, ep, snapend, out)
  } else {
    need(snapend, cp, 34)
    out.push(`linkaddr=${formatIpv6(b, cp + 2)} peeraddr=${formatIpv6(b, cp + 18)}`)
    options(b, cp + 34, ep, snapend, out)
  }
  out.push(')')
}

/** The text print-dhcp6.c gives for the UDP payload at cp (length bytes), end the capture's end. */
export function dhcp6Print(b: Uint8Array, cp: number, end: number, length: number, v: number): string {
  const out: string[] = []
  try {
    message(b, cp, length, end, out, v)
  } catch (e) {
    if (e !== TRUNCATED) throw e
    out.push(' [|dhcp6]')
  }
  return out.join('')
}
