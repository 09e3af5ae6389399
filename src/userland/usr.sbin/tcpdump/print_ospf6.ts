/**
 * tcpdump's OSPFv3 printing (print-ospf6.c's ospf6_print, rewritten): version, packet type and
 * length on the one line; -v adds the header (router, area, instance), a Hello's timers and DR/BDR
 * and a DD's flags; -vv the neighbour list, LSA headers, requests, and every LSA body of an update
 * (router, network, inter-area prefix, AS-external, link and intra-area prefix LSAs; others in hex),
 * word for word as tcpdump 4.99 prints them. Reads only the bytes it was given; a packet cut short
 * ends in ` [|ospf3]`; never throws to its caller.
 */

import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { type BitNames, be16, be32, bitNames, hexLines, ip4, need, TRUNCATED } from './print_bytes.js'
import { OSPF_TYPES } from './print_ospf.js'

const HDR = 16
const LSA_HDR = 20

/** The Options field (RFC 5340 §A.2), as tcpdump names its bits. */
const OPTIONS: BitNames = [
  [0x01, 'V6'],
  [0x02, 'External'],
  [0x04, 'Deprecated'],
  [0x08, 'NSSA'],
  [0x10, 'Router'],
  [0x20, 'Demand Circuit'],
  [0x100, 'AFs Support'],
  [0x200, 'LLS'],
  [0x400, 'Authentication Trailer'],
]
const DD_FLAGS: BitNames = [
  [0x04, 'Init'],
  [0x02, 'More'],
  [0x01, 'Master'],
  [0x10, 'IPv6 MTU'],
]
const RLA_FLAGS: BitNames = [
  [0x01, 'ABR'],
  [0x02, 'External'],
  [0x04, 'Virtual-Link Endpoint'],
  [0x08, 'Deprecated'],
  [0x10, 'NSSA Translator'],
]
/** print-ospf6.c takes the E flag's mask from OSPFv2's ospf.h (bit 31), so it is never set in v3's. */
const ASLA_FLAGS: BitNames = [
  [0x80000000 | 0, 'External Type 2'],
  [0x02000000, 'Forwarding'],
  [0x01000000, 'Tag'],
]
const PREFIX_OPTIONS: BitNames = [
  [0x01, 'No Unicast'],
  [0x02, 'Local address'],
  [0x04, 'Deprecated'],
  [0x08, 'Propagate'],
  [0x10, 'Down'],
  [0x20, 'N-bit'],
]
const LSA_TYPES: Readonly<Record<number, string>> = {
  1: 'Router',
  2: 'Network',
  3: 'Inter-Area Prefix',
  4: 'Inter-Area Router',
  5: 'External',
  6: 'Deprecated',
  7: 'NSSA',
  8: 'Link',
  9: 'Intra-Area Prefix',
  10: 'Intra-Area TE',
  11: 'Grace',
  12: 'Router Information',
  13: 'Inter-AS-TE',
  14: 'Layer 1 VPN',
}
const SCOPES: Readonly<Record<number, string>> = { 0: 'Link Local', 8192: 'Area Local', 16384: 'Domain Wide' }

/** ospf6_print: the one line, and with -v the rest. */
export function ospf6Print(b: Uint8Array, cp: number, end: number, len: number, v = 0): string {
  if (end < cp + 2) return '[|ospf3]'
  const t = b[cp + 1]!
  const line = `OSPFv${b[cp]}, ${OSPF_TYPES[t] || `unknown packet type (${t})`}, length ${len}`
  if (v === 0 || t === 0 || OSPF_TYPES[t] === undefined) return line
  const out = [line]
  try {
    verbose(b, cp, end, len, v, out)
  } catch (e) {
    if (e !== TRUNCATED) throw e
    out.push(' [|ospf3]')
  }
  return out.join('')
}

function verbose(b: Uint8Array, cp: number, snapend: number, length: number, v: number, out: string[]): void {
  need(snapend, cp, 4)
  const datalen = be16(b, cp + 2)
  if (datalen > length) {
    out.push(` [len ${datalen}]`)
    return
  }
  const dataend = cp + datalen
  need(snapend, cp, 12)
  out.push(`\n\tRouter-ID ${ip4(b, cp + 4)}`)
  out.push(be32(b, cp + 8) !== 0 ? `, Area ${ip4(b, cp + 8)}` : ', Backbone Area')
  need(snapend, cp, 15)
  if (b[cp + 14] !== 0) out.push(`, Instance ${b[cp + 14]}`)
  if (b[cp] !== 3) return
  const p = cp + HDR
  switch (b[cp + 1]) {
    case 1:
      need(snapend, p, 20)
      out.push(`\n\tOptions [${bitNames(be32(b, p + 4), OPTIONS)}]`)
      out.push(
        `\n\t  Hello Timer ${be16(b, p + 8)}s, Dead Timer ${be16(b, p + 10)}s, Interface-ID ${ip4(b, p)}, Priority ${b[p + 4]}`,
      )
      if (be32(b, p + 12) !== 0) out.push(`\n\t  Designated Router ${ip4(b, p + 12)}`)
      if (be32(b, p + 16) !== 0) out.push(`, Backup Designated Router ${ip4(b, p + 16)}`)
      if (v > 1) {
        out.push('\n\t  Neighbor List:')
        for (let a = p + 20; a < dataend; a += 4) {
          need(snapend, a, 4)
          out.push(`\n\t    ${ip4(b, a)}`)
        }
      }
      return
    case 2:
      need(snapend, p, 12)
      out.push(`\n\tOptions [${bitNames(be32(b, p), OPTIONS)}], DD Flags [${bitNames(b[p + 7]!, DD_FLAGS)}]`)
      out.push(
        `, MTU ${be16(b, p + 4)}, DD-Sequence 0x${be32(b, p + 8)
          .toString(16)
          .padStart(8, '0')}`,
      )
      if (v > 1) for (let h = p + 12; h < dataend; h += LSA_HDR) lsaHeader(b, h, dataend, snapend, out)
      return
    case 3:
      if (v > 1)
        for (let r = p; r < dataend; r += 12) {
          need(snapend, r, 12)
          out.push(`\n\t  Advertising Router ${ip4(b, r + 8)}`)
          lsType(b, be16(b, r + 2), r + 4, out)
        }
      return
    case 4:
      if (v > 1) {
        need(snapend, p, 4)
        let n = be32(b, p)
        for (let at = p + 4; at < dataend && n-- > 0; ) {
          lsa(b, at, dataend, snapend, out)
          at += be16(b, at + 18)
        }
      }
      return
    case 5:
      if (v > 1) for (let h = p; h < dataend; h += LSA_HDR) lsaHeader(b, h, dataend, snapend, out)
      return
  }
}

/** ospf6_print_ls_type: the LSA's function, flooding scope, U-bit and Link State ID. */
function lsType(b: Uint8Array, type: number, idAt: number, out: string[]): void {
  const code = type & 0x1fff
  out.push(
    `\n\t    ${LSA_TYPES[code] ?? 'Unknown'} LSA (${code}), ${SCOPES[type & 0x6000] ?? 'Unknown'} Scope${type & 0x8000 ? ', transitive' : ''}, LSA-ID ${ip4(b, idAt)}`,
  )
}

function lsaHeader(b: Uint8Array, h: number, dataend: number, snapend: number, out: string[]): void {
  if (h + LSA_HDR > dataend) throw TRUNCATED
  need(snapend, h, LSA_HDR)
  const length = be16(b, h + 18)
  if (length < LSA_HDR) {
    out.push(`\n\t\t  Bogus length ${length} < header (${LSA_HDR})`)
    throw TRUNCATED
  }
  out.push(
    `\n\t  Advertising Router ${ip4(b, h + 8)}, seq 0x${be32(b, h + 12)
      .toString(16)
      .padStart(8, '0')}, age ${be16(b, h)}s, length ${length - LSA_HDR}`,
  )
  lsType(b, be16(b, h + 2), h + 4, out)
}

/** ospf6_print_lsaprefix: one prefix (length, options, metric or reserved, the words it needs). */
function prefix(b: Uint8Array, at: number, left: number, snapend: number, out: string[]): number {
  if (left < 4) throw TRUNCATED
  need(snapend, at, 4)
  const plen = b[at]!
  const words = (plen + 31) >> 5
  if (words > 4) {
    out.push(` bogus prefixlen /${plen}`)
    throw TRUNCATED
  }
  if (left - 4 < words * 4) throw TRUNCATED
  need(snapend, at + 4, words * 4)
  const a = new Uint8Array(16)
  a.set(b.subarray(at + 4, at + 4 + words * 4))
  out.push(`\n\t\t${formatIpv6(a, 0)}/${plen}`)
  if (b[at + 1] !== 0) out.push(`, Options [${bitNames(b[at + 1]!, PREFIX_OPTIONS)}]`)
  out.push(`, metric ${be16(b, at + 2)}`)
  return 4 + words * 4
}

/** ospf6_print_lsa: the header, then the body by type. */
function lsa(b: Uint8Array, h: number, dataend: number, snapend: number, out: string[]): void {
  lsaHeader(b, h, dataend, snapend, out)
  const length = be16(b, h + 18)
  if (h + length > dataend) throw TRUNCATED
  let left = length - LSA_HDR
  let p = h + LSA_HDR
  const type = be16(b, h + 2)
  switch (type) {
    case 0x2001: {
      if (left < 4) throw TRUNCATED
      need(snapend, p, 4)
      out.push(
        `\n\t      Options [${bitNames(be32(b, p), OPTIONS)}], RLA-Flags [${bitNames(b[p]!, RLA_FLAGS)}]`,
      )
      left -= 4
      for (let l = p + 4; left !== 0; l += 16) {
        if (left < 16) throw TRUNCATED
        left -= 16
        need(snapend, l, 16)
        const ids = `\n\t      Neighbor Interface-ID ${ip4(b, l + 8)}, Interface ${ip4(b, l + 4)}`
        switch (b[l]) {
          case 1:
            out.push(`\n\t      Neighbor Router-ID ${ip4(b, l + 12)}${ids}`)
            break
          case 2:
            out.push(`\n\t      Neighbor Network-ID ${ip4(b, l + 12)}${ids}`)
            break
          case 4:
            out.push(`\n\t      Virtual Link: Neighbor Router-ID ${ip4(b, l + 12)}${ids}`)
            break
          default:
            out.push(`\n\t      Unknown Router Links Type 0x${b[l]!.toString(16).padStart(2, '0')}`)
            return
        }
        out.push(`, metric ${be16(b, l + 2)}`)
      }
      return
    }
    case 0x2002:
      if (left < 4) throw TRUNCATED
      need(snapend, p, 4)
      out.push(`\n\t      Options [${bitNames(be32(b, p), OPTIONS)}]\n\t      Connected Routers:`)
      left -= 4
      for (let a = p + 4; left !== 0; a += 4) {
        if (left < 4) throw TRUNCATED
        left -= 4
        need(snapend, a, 4)
        out.push(`\n\t\t${ip4(b, a)}`)
      }
      return
    case 0x2003:
      if (left < 4) throw TRUNCATED
      need(snapend, p, 4)
      out.push(`, metric ${be32(b, p) & 0xffffff}`)
      left -= 4
      p += 4
      while (left !== 0) {
        const n = prefix(b, p, left, snapend, out)
        left -= n
        p += n
      }
      return
    case 0x4005: {
      if (left < 4) throw TRUNCATED
      need(snapend, p, 4)
      const flags = be32(b, p)
      out.push(`\n\t     Flags [${bitNames(flags, ASLA_FLAGS)}] metric ${flags & 0xffffff}`)
      left -= 4
      const pfx = p + 4
      const n = prefix(b, pfx, left, snapend, out)
      left -= n
      let at = pfx + n
      if (flags & 0x02000000) {
        if (left < 16) throw TRUNCATED
        need(snapend, at, 16)
        out.push(` forward ${formatIpv6(b, at)}`)
        left -= 16
        at += 16
      }
      if (flags & 0x01000000) {
        if (left < 4) throw TRUNCATED
        need(snapend, at, 4)
        out.push(` tag ${ip4(b, at)}`)
        left -= 4
        at += 4
      }
      // The referenced LS type sits where a prefix's metric would (RFC 5340 §A.4.7).
      if (b[pfx + 2] !== 0) {
        if (left < 4) throw TRUNCATED
        need(snapend, at, 4)
        out.push(` RefLSID: ${ip4(b, at)}`)
      }
      return
    }
    case 0x0008: {
      if (left < 24) throw TRUNCATED
      need(snapend, p, 24)
      out.push(`\n\t      Options [${bitNames(be32(b, p), OPTIONS)}]`)
      let count = be32(b, p + 20)
      out.push(`\n\t      Priority ${b[p]}, Link-local address ${formatIpv6(b, p + 4)}, Prefixes ${count}:`)
      left -= 24
      p += 24
      while (count-- > 0) {
        const n = prefix(b, p, left, snapend, out)
        left -= n
        p += n
      }
      return
    }
    case 0x2009: {
      if (left < 12) throw TRUNCATED
      need(snapend, p, 12)
      lsType(b, be16(b, p + 2), p + 4, out)
      let count = be16(b, p)
      out.push(`\n\t      Prefixes ${count}:`)
      left -= 12
      p += 12
      while (count-- > 0) {
        const n = prefix(b, p, left, snapend, out)
        left -= n
        p += n
      }
      return
    }
    default:
      out.push(hexLines(b, p, Math.min(left, snapend - p), '\n\t      '))
  }
}
