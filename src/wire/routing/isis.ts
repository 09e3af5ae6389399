/**
 * IS-IS PDUs (ISO 10589 §9, RFC 1195 for IPv4, RFC 5305 wide metrics, RFC 5303 three-way p2p
 * hellos) as they travel behind an 802.2 LLC header (DSAP/SSAP 0xFE, UI) in an 802.3 frame: the
 * common header, LAN and point-to-point IIHs, LSPs with their ISO 8473 Fletcher checksum, CSNPs and
 * PSNPs, and the TLVs a router needs (area addresses, IS neighbours, padding, LSP entries, extended
 * IS and IP reachability, protocols supported, IP interface address, dynamic hostname, p2p
 * adjacency state; RFC 5308's IPv6 TLVs through isis_ipv6.ts, and where TLV 10, authentication, is
 * for isis_auth.ts to check), parsed here and built by isis_build.ts. System IDs travel here as 12
 * hex digits, LSP IDs as 16, LAN IDs as 14.
 *
 * Must not: throw on bad input (`parseIsis` returns a reason), or read past a length it checked.
 */

import { readMac, readU16, readU32, writeU16 } from '../addr.js'
import { type Ip6Reach, readIp6Addrs, readIp6Reach, TLV_IPV6_INT_ADDR, TLV_IPV6_REACH } from './isis_ipv6.js'

/** AllL1ISs and AllL2ISs (ISO 10589 §8.4.8). */
export const ALL_L1_ISS = 0x0180c2000014
export const ALL_L2_ISS = 0x0180c2000015
/** AllISs (ISO 9542), where FRR sends IS-IS PDUs on a point-to-point circuit over Ethernet. */
export const ALL_ISS = 0x09002b000005
export const LLC_ISIS_SAP = 0xfe
export const LLC_HDR_LEN = 3
/** Intradomain Routeing Protocol Discriminator. */
export const IRPD = 0x83
export const SYSID_LEN = 6

export const PduType = {
  L1_LAN_IIH: 15,
  L2_LAN_IIH: 16,
  P2P_IIH: 17,
  L1_LSP: 18,
  L2_LSP: 20,
  L1_CSNP: 24,
  L2_CSNP: 25,
  L1_PSNP: 26,
  L2_PSNP: 27,
} as const

/** Fixed header length by PDU type (the length indicator each must carry). */
export const HDR_LEN: Readonly<Record<number, number>> = {
  15: 27,
  16: 27,
  17: 20,
  18: 27,
  20: 27,
  24: 33,
  25: 33,
  26: 17,
  27: 17,
}

export const Tlv = {
  AREA: 1,
  IS_NEIGHBORS: 6,
  AUTH: 10,
  PADDING: 8,
  LSP_ENTRIES: 9,
  EXT_IS_REACH: 22,
  PROTOCOLS: 129,
  IP_INT_ADDR: 132,
  EXT_IP_REACH: 135,
  HOSTNAME: 137,
  IPV6_INT_ADDR: TLV_IPV6_INT_ADDR,
  IPV6_REACH: TLV_IPV6_REACH,
  P2P_ADJ: 240,
} as const

/** NLPID of IPv4 (RFC 1195 §5.1). */
export const NLPID_IPV4 = 0xcc
/** RFC 5305 §3: a link metric above this is not used for SPF; 2^24-1 means "not in SPF". */
export const MAX_WIDE_LINK_METRIC = 0xfffffe
/** RFC 5305 §4: the largest path metric; a route costing more is not installed. */
export const MAX_PATH_METRIC = 0xfe000000

/** p2p adjacency states of RFC 5303 §3. */
export const P2pState = { UP: 0, INITIALIZING: 1, DOWN: 2 } as const

export interface IsReach {
  /** Neighbour system ID and pseudonode byte (14 hex digits). */
  id: string
  metric: number
}

export interface IpReach {
  addr: number
  len: number
  metric: number
  /** The up/down bit (RFC 5305 §4): set on a prefix leaked down from level 2. */
  down: boolean
}

export interface LspEntry {
  lifetime: number
  id: string
  seq: number
  checksum: number
}

export interface P2pAdj {
  state: number
  extCircuitId: number
  nbrSysId: string | null
  nbrExtCircuitId: number
}

/** The TLVs any PDU may carry that this implementation reads (others are skipped). */
export interface Tlvs {
  areas: string[]
  /** LAN IIH: SNPAs of the ISs the sender has heard (TLV 6). */
  neighborMacs: number[]
  protocols: number[]
  ipAddrs: number[]
  isReach: IsReach[]
  ipReach: IpReach[]
  hostname: string | null
  entries: LspEntry[]
  p2p: P2pAdj | null
  ip6Addrs: Uint8Array[]
  ip6Reach: Ip6Reach[]
  /** The first TLV 10: its type and where its value is, from the PDU's first byte. */
  auth: { type: number; off: number; len: number } | null
}

export interface Iih {
  kind: 'lan' | 'p2p'
  /** 1 or 2 for LAN IIHs; 0 for p2p. */
  level: number
  circuitType: number
  sourceId: string
  holdTime: number
  priority: number
  /** LAN ID (14 hex digits); p2p: the local circuit ID as 2 hex digits. */
  lanId: string
  localCircuitId: number
}

export interface LspHdr {
  level: 1 | 2
  pduLen: number
  lifetime: number
  id: string
  seq: number
  checksum: number
  flags: number
}

export interface Snp {
  level: 1 | 2
  kind: 'csnp' | 'psnp'
  sourceId: string
  start: string
  end: string
}

export type IsisPdu =
  | { type: 'iih'; iih: Iih; tlvs: Tlvs }
  | { type: 'lsp'; lsp: LspHdr; tlvs: Tlvs }
  | { type: 'snp'; snp: Snp; tlvs: Tlvs }

export type ParseResult = { ok: true; pdu: IsisPdu } | { ok: false; reason: string }

function hex(buf: Uint8Array, off: number, len: number): string {
  let s = ''
  for (let i = 0; i < len; i++) s += buf[off + i]!.toString(16).padStart(2, '0')
  return s
}

export function putHex(buf: Uint8Array, off: number, h: string): void {
  for (let i = 0; i < h.length / 2; i++) buf[off + i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16)
}

/** `1720.1600.1001` from 12 hex digits. */
export function formatSysId(id: string): string {
  return `${id.slice(0, 4)}.${id.slice(4, 8)}.${id.slice(8, 12)}`
}

/** ISO 8473 Fletcher checksum over buf[start, end) with its two bytes at ckOff taken as zero. */
export function fletcher(buf: Uint8Array, start: number, end: number, ckOff: number): number {
  let c0 = 0
  let c1 = 0
  for (let i = start; i < end; i++) {
    const b = i === ckOff || i === ckOff + 1 ? 0 : buf[i]!
    c0 = (c0 + b) % 255
    c1 = (c1 + c0) % 255
  }
  const n = end - start
  const pos = ckOff - start
  let x = ((n - pos - 1) * c0 - c1) % 255
  if (x <= 0) x += 255
  let y = 510 - c0 - x
  if (y > 255) y -= 255
  return ((x & 0xff) << 8) | (y & 0xff)
}

/** Whether an LSP's checksum holds (PDU at off, length pduLen): summing over it all gives zero. */
export function lspChecksumOk(buf: Uint8Array, off: number, pduLen: number): boolean {
  let c0 = 0
  let c1 = 0
  for (let i = off + 12; i < off + pduLen; i++) {
    c0 = (c0 + buf[i]!) % 255
    c1 = (c1 + c0) % 255
  }
  return c0 === 0 && c1 === 0
}

function emptyTlvs(): Tlvs {
  return {
    areas: [],
    neighborMacs: [],
    protocols: [],
    ipAddrs: [],
    isReach: [],
    ipReach: [],
    hostname: null,
    entries: [],
    p2p: null,
    ip6Addrs: [],
    ip6Reach: [],
    auth: null,
  }
}

/**
 * TLVs in buf[off, end) of a PDU starting at `base`; a reason when one is cut short or its inside
 * does not add up.
 */
function parseTlvs(buf: Uint8Array, base: number, off: number, end: number, t: Tlvs): string | null {
  let p = off
  while (p < end) {
    if (p + 2 > end) return 'truncated tlv'
    const code = buf[p]!
    const len = buf[p + 1]!
    const v = p + 2
    const e = v + len
    if (e > end) return 'truncated tlv'
    let err: string | null = null
    switch (code) {
      case Tlv.AUTH:
        if (len < 1) return 'bad authentication'
        t.auth ??= { type: buf[v]!, off: v + 1 - base, len: len - 1 }
        break
      case Tlv.IPV6_INT_ADDR:
        err = readIp6Addrs(buf, v, e, t.ip6Addrs)
        break
      case Tlv.IPV6_REACH:
        err = readIp6Reach(buf, v, e, t.ip6Reach)
        break
      case Tlv.AREA:
        for (let q = v; q < e; ) {
          const l = buf[q]!
          if (l === 0 || l > 13 || q + 1 + l > e) return 'bad area address'
          t.areas.push(hex(buf, q + 1, l))
          q += 1 + l
        }
        break
      case Tlv.IS_NEIGHBORS:
        if (len % 6 !== 0) return 'bad is neighbors'
        for (let q = v; q < e; q += 6) t.neighborMacs.push(readMac(buf, q))
        break
      case Tlv.LSP_ENTRIES:
        if (len % 16 !== 0) return 'bad lsp entries'
        for (let q = v; q < e; q += 16)
          t.entries.push({
            lifetime: readU16(buf, q),
            id: hex(buf, q + 2, 8),
            seq: readU32(buf, q + 10),
            checksum: readU16(buf, q + 14),
          })
        break
      case Tlv.EXT_IS_REACH:
        for (let q = v; q < e; ) {
          if (q + 11 > e) return 'bad extended is reachability'
          const sub = buf[q + 10]!
          if (q + 11 + sub > e) return 'bad extended is reachability'
          t.isReach.push({
            id: hex(buf, q, 7),
            metric: (buf[q + 7]! << 16) | (buf[q + 8]! << 8) | buf[q + 9]!,
          })
          q += 11 + sub
        }
        break
      case Tlv.PROTOCOLS:
        for (let q = v; q < e; q++) t.protocols.push(buf[q]!)
        break
      case Tlv.IP_INT_ADDR:
        if (len % 4 !== 0) return 'bad ip interface address'
        for (let q = v; q < e; q += 4) t.ipAddrs.push(readU32(buf, q))
        break
      case Tlv.EXT_IP_REACH:
        for (let q = v; q < e; ) {
          if (q + 5 > e) return 'bad extended ip reachability'
          const ctl = buf[q + 4]!
          const plen = ctl & 0x3f
          if (plen > 32) return 'bad extended ip reachability'
          const bytes = (plen + 7) >> 3
          let n = q + 5 + bytes
          if (n > e) return 'bad extended ip reachability'
          let addr = 0
          for (let i = 0; i < 4; i++) addr = (addr << 8) | (i < bytes ? buf[q + 5 + i]! : 0)
          if ((ctl & 0x40) !== 0) {
            if (n + 1 > e || n + 1 + buf[n]! > e) return 'bad extended ip reachability'
            n += 1 + buf[n]!
          }
          const mask = plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0
          t.ipReach.push({
            addr: (addr & mask) >>> 0,
            len: plen,
            metric: readU32(buf, q),
            down: (ctl & 0x80) !== 0,
          })
          q = n
        }
        break
      case Tlv.HOSTNAME: {
        let s = ''
        for (let q = v; q < e; q++) s += String.fromCharCode(buf[q]!)
        t.hostname = s
        break
      }
      case Tlv.P2P_ADJ:
        if (len !== 1 && len !== 5 && len !== 11 && len !== 15) return 'bad p2p adjacency'
        if (buf[v]! > 2) return 'bad p2p adjacency'
        t.p2p = {
          state: buf[v]!,
          extCircuitId: len >= 5 ? readU32(buf, v + 1) : 0,
          nbrSysId: len >= 11 ? hex(buf, v + 5, 6) : null,
          nbrExtCircuitId: len === 15 ? readU32(buf, v + 11) : 0,
        }
        break
      default:
        break
    }
    if (err !== null) return err
    p = e
  }
  return null
}

/** Parse one IS-IS PDU at buf[off, off+len) (after the LLC header). */
export function parseIsis(buf: Uint8Array, off: number, len: number): ParseResult {
  const bad = (reason: string): ParseResult => ({ ok: false, reason })
  if (len < 8) return bad('short')
  if (buf[off] !== IRPD) return bad('not is-is')
  const type = buf[off + 4]! & 0x1f
  const hl = HDR_LEN[type]
  if (hl === undefined) return bad('unknown pdu type')
  if (buf[off + 1] !== hl) return bad('bad header length')
  if (buf[off + 2] !== 1 || buf[off + 5] !== 1) return bad('bad version')
  if (buf[off + 3] !== 0 && buf[off + 3] !== SYSID_LEN) return bad('bad id length')
  const maxAreas = buf[off + 7]!
  if (maxAreas !== 0 && maxAreas !== 3) return bad('max area addresses mismatch')
  if (len < hl) return bad('short')
  const pduLen = readU16(buf, off + (type <= PduType.P2P_IIH ? 17 : 8))
  if (pduLen < hl || pduLen > len) return bad('bad pdu length')
  const t = emptyTlvs()
  const err = parseTlvs(buf, off, off + hl, off + pduLen, t)
  if (err !== null) return bad(err)
  if (type === PduType.L1_LAN_IIH || type === PduType.L2_LAN_IIH || type === PduType.P2P_IIH) {
    const lan = type !== PduType.P2P_IIH
    const ct = buf[off + 8]! & 3
    if (ct === 0) return bad('bad circuit type')
    return {
      ok: true,
      pdu: {
        type: 'iih',
        iih: {
          kind: lan ? 'lan' : 'p2p',
          level: type === PduType.L1_LAN_IIH ? 1 : type === PduType.L2_LAN_IIH ? 2 : 0,
          circuitType: ct,
          sourceId: hex(buf, off + 9, 6),
          holdTime: readU16(buf, off + 15),
          priority: lan ? buf[off + 19]! & 0x7f : 0,
          lanId: lan ? hex(buf, off + 20, 7) : hex(buf, off + 19, 1),
          localCircuitId: lan ? buf[off + 26]! : buf[off + 19]!,
        },
        tlvs: t,
      },
    }
  }
  if (type === PduType.L1_LSP || type === PduType.L2_LSP) {
    if (readU16(buf, off + 10) !== 0 && !lspChecksumOk(buf, off, pduLen)) return bad('bad checksum')
    return {
      ok: true,
      pdu: {
        type: 'lsp',
        lsp: {
          level: type === PduType.L1_LSP ? 1 : 2,
          pduLen,
          lifetime: readU16(buf, off + 10),
          id: hex(buf, off + 12, 8),
          seq: readU32(buf, off + 20),
          checksum: readU16(buf, off + 24),
          flags: buf[off + 26]!,
        },
        tlvs: t,
      },
    }
  }
  const csnp = type === PduType.L1_CSNP || type === PduType.L2_CSNP
  return {
    ok: true,
    pdu: {
      type: 'snp',
      snp: {
        level: type === PduType.L1_CSNP || type === PduType.L1_PSNP ? 1 : 2,
        kind: csnp ? 'csnp' : 'psnp',
        sourceId: hex(buf, off + 10, 6),
        start: csnp ? hex(buf, off + 17, 8) : '0000000000000000',
        end: csnp ? hex(buf, off + 25, 8) : 'ffffffffffffffff',
      },
      tlvs: t,
    },
  }
}

/** Set an LSP's remaining lifetime in place (outside the checksum, ISO 10589 §7.3.16.2). */
export function setLspLifetime(pdu: Uint8Array, lifetime: number): void {
  writeU16(pdu, 10, lifetime)
}

/**
 * §7.3.16: which of two copies of an LSP is newer: 1 when a is, -1 when b is, 0 the same. A higher
 * sequence number wins; at equal numbers a purge (lifetime 0) wins over a live copy.
 */
export function lspCompare(aSeq: number, aLife: number, bSeq: number, bLife: number): number {
  if (aSeq !== bSeq) return aSeq >>> 0 > bSeq >>> 0 ? 1 : -1
  if ((aLife === 0) !== (bLife === 0)) return aLife === 0 ? 1 : -1
  return 0
}
