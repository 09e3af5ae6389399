/**
 * tcpdump's OSPF printing (print-ospf.c's ospf_print for OSPFv2 over IPv4, rewritten; OSPFv3 is
 * print_ospf6.ts): version, packet type and length on the one line;
 * with -v, OSPFv2's header, hello, database description, requests, updates (every LSA body) and acks on
 * indented lines, word for word as tcpdump 4.99 prints them. Reads only the bytes it was given; a
 * packet cut short ends in ` [|ospf2]` as tcpdump's; never throws to its caller.
 */

import { type BitNames, be16, be32, bitNames, hexLines, ip4, need, TRUNCATED } from './print_bytes.js'

/** type2str: the five packet types (RFC 2328 §A.3.1, RFC 5340 §A.3.1 share them). */
export const OSPF_TYPES = ['', 'Hello', 'Database Description', 'LS-Request', 'LS-Update', 'LS-Ack'] as const
/** Authentication type 2 (RFC 2328 §D.3): a 16-byte message digest follows the OSPF packet. */
const OSPF_AUTH_MD5 = 2
const OSPF_AUTH_MD5_LEN = 16
const HDR = 24
const LSA_HDR = 20

/** The Options field (RFC 2328 §A.2, with the later bits tcpdump names). */
const OPTIONS: BitNames = [
  [0x01, 'MultiTopology'],
  [0x02, 'External'],
  [0x04, 'Multicast'],
  [0x08, 'NSSA'],
  [0x10, 'LLS'],
  [0x20, 'Demand Circuit'],
  [0x40, 'Opaque'],
  [0x80, 'Up/Down'],
]
const DD_FLAGS: BitNames = [
  [0x04, 'Init'],
  [0x02, 'More'],
  [0x01, 'Master'],
  [0x08, 'OOBResync'],
]
/** The router-LSA's flags (RFC 2328 §A.4.2; Nt from RFC 3101). */
const RLA_FLAGS: BitNames = [
  [0x01, 'ABR'],
  [0x02, 'ASBR'],
  [0x04, 'Virtual'],
  [0x08, 'Wildcard'],
  [0x10, 'Nt'],
  [0x80, 'Host'],
]
const AUTH_TYPES = ['none', 'simple', 'MD5'] as const
const LSA_TYPES: Readonly<Record<number, string>> = {
  1: 'Router',
  2: 'Network',
  3: 'Summary',
  4: 'ASBR Summary',
  5: 'External',
  6: 'Multicast Group',
  7: 'NSSA',
  9: 'Link Local Opaque',
  10: 'Area Local Opaque',
  11: 'Domain Wide Opaque',
}
const OPAQUE_TYPES: Readonly<Record<number, string>> = {
  1: 'Traffic Engineering',
  3: 'Graceful restart',
  4: 'Router Information',
  7: 'Extended Prefix',
  8: 'Extended Link',
}
const TOPOLOGIES = ['default', 'multicast', 'management'] as const

const lsaType = (t: number): string => LSA_TYPES[t] ?? 'unknown'
const isOpaque = (t: number): boolean => t >= 9 && t <= 11
const topology = (t: number): string => TOPOLOGIES[t] ?? 'Unknown'

/**
 * ospf_print: `len` is the IP payload length; with MD5 authentication the digest trailer is not
 * part of the OSPF packet (§D.4.3), so it comes off, and the length shown is the packet's own.
 */
export function ospfPrint(b: Uint8Array, cp: number, end: number, len: number, v = 0): string {
  // The authentication type is the last field read before printing (offset 14 of the header).
  if (end < cp + 16) return '[|ospf2]'
  const md5 = be16(b, cp + 14) === OSPF_AUTH_MD5
  const shown = md5 ? (len - OSPF_AUTH_MD5_LEN) >>> 0 : len
  const t = b[cp + 1]!
  const line = `OSPFv${b[cp]}, ${OSPF_TYPES[t] || `unknown LS-type ${t}`}, length ${shown}`
  if (v === 0 || OSPF_TYPES[t] === undefined || t === 0) return line
  const out = [line]
  try {
    verbose(b, cp, md5 ? Math.max(cp, end - OSPF_AUTH_MD5_LEN) : end, shown, v, out)
  } catch (e) {
    if (e !== TRUNCATED) throw e
    out.push(' [|ospf2]')
  }
  return out.join('')
}

/** The -v part: the header's router, area and authentication, then the packet by type. */
function verbose(b: Uint8Array, cp: number, snapend: number, length: number, v: number, out: string[]): void {
  need(snapend, cp, 4)
  const ospfLen = be16(b, cp + 2)
  if (length !== ospfLen) out.push(` [len ${ospfLen}]`)
  const dataend = cp + Math.min(length, ospfLen)
  need(snapend, cp, 12)
  const area = be32(b, cp + 8)
  out.push(`\n\tRouter-ID ${ip4(b, cp + 4)}, ${area !== 0 ? `Area ${ip4(b, cp + 8)}` : 'Backbone Area'}`)
  need(snapend, cp, HDR)
  const auth = be16(b, cp + 14)
  out.push(`, Authentication Type: ${AUTH_TYPES[auth] ?? 'unknown'} (${auth})`)
  if (auth === 1) {
    let pw = ''
    for (let i = cp + 16; i < cp + 24 && b[i] !== 0; i++)
      pw +=
        b[i]! >= 0x20 && b[i]! < 0x7f ? String.fromCharCode(b[i]!) : `\\${b[i]!.toString(8).padStart(3, '0')}`
    out.push(`\n\tSimple text password: ${pw}`)
  } else if (auth === 2) {
    out.push(
      `\n\tKey-ID: ${b[cp + 18]}, Auth-Length: ${b[cp + 19]}, Crypto Sequence Number: 0x${be32(b, cp + 20)
        .toString(16)
        .padStart(8, '0')}`,
    )
  } else if (auth !== 0) return
  if (b[cp] !== 2) {
    out.push(` ospf [version ${b[cp]}]`)
    return
  }
  const p = cp + HDR
  switch (b[cp + 1]) {
    case 1:
      hello(b, p, dataend, snapend, out)
      return
    case 2: {
      need(snapend, p, 8)
      out.push(`\n\tOptions [${bitNames(b[p + 2]!, OPTIONS)}], DD Flags [${bitNames(b[p + 3]!, DD_FLAGS)}]`)
      if (be16(b, p) !== 0) out.push(`, MTU: ${be16(b, p)}`)
      out.push(
        `, Sequence: 0x${be32(b, p + 4)
          .toString(16)
          .padStart(8, '0')}`,
      )
      for (let h = p + 8; h < dataend && lsaHeader(b, h, snapend, out) !== -1; h += LSA_HDR);
      return
    }
    case 3:
      for (let r = p; r < dataend; r += 12) {
        need(snapend, r, 12)
        const type = be32(b, r)
        out.push(`\n\t  Advertising Router: ${ip4(b, r + 8)}, ${lsaType(type)} LSA (${type})`)
        out.push(
          isOpaque(type)
            ? `, Opaque-Type: ${OPAQUE_TYPES[b[r + 4]!] ?? 'unknown'} LSA (${b[r + 4]}), Opaque-ID: ${be32(b, r + 4) & 0xffffff}`
            : `, LSA-ID: ${ip4(b, r + 4)}`,
        )
      }
      return
    case 4: {
      need(snapend, p, 4)
      const n = be32(b, p)
      out.push(`, ${n} LSA${n === 1 ? '' : 's'}`)
      let at = p + 4
      for (let i = 1; i <= n; i++) {
        out.push(`\n\t  LSA #${i}`)
        at = lsa(b, at, snapend, v, out)
        if (at < 0) throw TRUNCATED
      }
      return
    }
    case 5:
      for (let h = p; h < dataend; h += LSA_HDR) lsaHeader(b, h, snapend, out)
      return
  }
}

function hello(b: Uint8Array, p: number, dataend: number, snapend: number, out: string[]): void {
  need(snapend, p, 20)
  out.push(`\n\tOptions [${bitNames(b[p + 6]!, OPTIONS)}]`)
  out.push(
    `\n\t  Hello Timer ${be16(b, p + 4)}s, Dead Timer ${be32(b, p + 8)}s, Mask ${ip4(b, p)}, Priority ${b[p + 7]}`,
  )
  if (be32(b, p + 12) !== 0) out.push(`\n\t  Designated Router ${ip4(b, p + 12)}`)
  if (be32(b, p + 16) !== 0) out.push(`, Backup Designated Router ${ip4(b, p + 16)}`)
  if (p + 20 < dataend) out.push('\n\t  Neighbor List:')
  for (let a = p + 20; a < dataend; a += 4) {
    need(snapend, a, 4)
    out.push(`\n\t    ${ip4(b, a)}`)
  }
}

/** ospf_print_lshdr: the LSA header's lines; its length, or -1 for a length below the header's. */
function lsaHeader(b: Uint8Array, h: number, snapend: number, out: string[]): number {
  need(snapend, h, LSA_HDR)
  const length = be16(b, h + 18)
  if (length < LSA_HDR) {
    out.push(`\n\t    Bogus length ${length} < header (${LSA_HDR})`)
    return -1
  }
  const type = b[h + 3]!
  out.push(
    `\n\t  Advertising Router ${ip4(b, h + 8)}, seq 0x${be32(b, h + 12)
      .toString(16)
      .padStart(8, '0')}, age ${be16(b, h)}s, length ${length - LSA_HDR}`,
  )
  out.push(
    isOpaque(type)
      ? `\n\t    ${lsaType(type)} LSA (${type}), Opaque-Type ${OPAQUE_TYPES[b[h + 4]!] ?? 'unknown'} LSA (${b[h + 4]}), Opaque-ID ${be32(b, h + 4) & 0xffffff}`
      : `\n\t    ${lsaType(type)} LSA (${type}), LSA-ID: ${ip4(b, h + 4)}`,
  )
  out.push(`\n\t    Options: [${bitNames(b[h + 2]!, OPTIONS)}]`)
  return length
}

/**
 * ospf_print_lsa: header and body of one LSA (with -vv the body in hex too); the offset past it, or
 * -1 when it cannot be read.
 */
function lsa(b: Uint8Array, h: number, snapend: number, v: number, out: string[]): number {
  const length = lsaHeader(b, h, snapend, out)
  if (length < 0) return -1
  const lsEnd = h + length
  const p = h + LSA_HDR
  switch (b[h + 3]) {
    case 1: {
      need(snapend, p, 4)
      out.push(`\n\t    Router LSA Options: [${bitNames(b[p]!, RLA_FLAGS)}]`)
      let l = p + 4
      for (let n = be16(b, p + 2); n > 0; n--) {
        need(snapend, l, 12)
        const [id, data] = [ip4(b, l), ip4(b, l + 4)]
        switch (b[l + 8]) {
          case 1:
            out.push(`\n\t      Neighbor Router-ID: ${id}, Interface Address: ${data}`)
            break
          case 2:
            out.push(`\n\t      Neighbor Network-ID: ${id}, Interface Address: ${data}`)
            break
          case 3:
            out.push(`\n\t      Stub Network: ${id}, Mask: ${data}`)
            break
          case 4:
            out.push(`\n\t      Virtual Link: Neighbor Router-ID: ${id}, Interface Address: ${data}`)
            break
          default:
            out.push(`\n\t      Unknown Router Link Type (${b[l + 8]})`)
            return lsEnd
        }
        // ospf_print_tos_metrics: the TOS 0 metric, then each further (topology, metric) pair.
        const tos = b[l + 9]!
        out.push(`\n\t\ttopology default (0), metric ${be16(b, l + 10)}`)
        for (let k = 0; k < tos; k++) {
          need(snapend, l + 12 + 4 * k, 4)
          const tt = b[l + 12 + 4 * k]!
          out.push(`\n\t\ttopology ${topology(tt)} (${tt}), metric ${be16(b, l + 14 + 4 * k)}`)
        }
        l += 12 + 4 * tos
      }
      break
    }
    case 2:
      need(snapend, p, 4)
      out.push(`\n\t    Mask ${ip4(b, p)}\n\t    Connected Routers:`)
      for (let a = p + 4; a < lsEnd; a += 4) {
        need(snapend, a, 4)
        out.push(`\n\t      ${ip4(b, a)}`)
      }
      break
    case 3:
    case 4:
      need(snapend, p, 8)
      if (b[h + 3] === 3) out.push(`\n\t    Mask ${ip4(b, p)}`)
      for (let m = p + 4; m < lsEnd; m += 4) {
        need(snapend, m, 4)
        const tt = b[m]! & 0x7f
        out.push(`\n\t\ttopology ${topology(tt)} (${tt}) metric ${be32(b, m) & 0xffffff}`)
      }
      break
    case 5:
    case 7:
      need(snapend, p, 16)
      out.push(`\n\t    Mask ${ip4(b, p)}`)
      for (let m = p + 4; m < lsEnd; m += 12) {
        need(snapend, m, 12)
        const tt = b[m]! & 0x7f
        const metric = be32(b, m) & 0xffffff
        out.push(
          `\n\t\ttopology ${topology(tt)} (${tt}), type ${b[m]! & 0x80 ? 2 : 1}, metric ${metric === 0xffffff ? 'infinite' : metric}`,
        )
        if (be32(b, m + 4) !== 0) out.push(`, forward ${ip4(b, m + 4)}`)
        if (be32(b, m + 8) !== 0) out.push(`, tag ${ip4(b, m + 8)}`)
      }
      break
  }
  if (v > 1) out.push(hexLines(b, p, Math.min(length - LSA_HDR, snapend - p), '\n\t    '))
  return lsEnd
}
