/**
 * OSPFv3 on the wire (RFC 5340 Appendix A): the 16-byte packet header with its IPv6 upper-layer
 * checksum (§A.3.1, RFC 8200 §8.1 pseudo-header), Hello, Database Description, Link State Request,
 * Link State Update and Link State Acknowledgment bodies, the LSA header (§A.4.2, 16-bit LS type)
 * and the bodies of the LSAs ospf6d originates and reads: Router, Network, Inter-Area-Prefix,
 * Inter-Area-Router, AS-External, NSSA (RFC 3101's Type-7), Link and Intra-Area-Prefix, with their prefix encoding (§A.4.1).
 *
 * The LSA header has OSPFv2's size and layout but for the type, so the age, sequence and Fletcher
 * checksum arithmetic of wire/ospf.ts (lsaChecksum, lsaCompare, withAge, lsaKey) serves both.
 *
 * Must not: throw on what a packet says; a parse returns a reason instead.
 */

import { readU16, readU32, writeU16, writeU32 } from '../addr.js'
import { fold, sum16 } from '../checksum.js'
import { ipv6PseudoSum } from '../inet6/ipv6.js'
import { LSA_HDR_LEN, type Lsa, type LsaHeader, type LsReq, lsaChecksum } from './ospf.js'

export const IPPROTO_OSPF6 = 89
export const OSPF6_HDR_LEN = 16
/** Where the checksum sits in the header (the IPV6_CHECKSUM offset). */
export const OSPF6_CSUM_OFF = 12
export const ALL_SPF_ROUTERS6 = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5)
export const ALL_D_ROUTERS6 = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6)

/** §A.4.2.1 function codes with their U and scope bits. */
export const Ls6Type = {
  ROUTER: 0x2001,
  NETWORK: 0x2002,
  INTER_PREFIX: 0x2003,
  INTER_ROUTER: 0x2004,
  EXTERNAL: 0x4005,
  /** NSSA-LSA (RFC 5340 §A.4.9, RFC 3101's Type-7): area scope, an AS-External-LSA's body. */
  NSSA: 0x2007,
  LINK: 0x0008,
  INTRA_PREFIX: 0x2009,
} as const

/** §A.2 options: V6, E, R (a router that forwards); N (an NSSA's, RFC 3101 §2.1, E then clear). */
export const OPT6_V6 = 0x01
export const OPT6_E = 0x02
export const OPT6_N = 0x08
export const OPT6_R = 0x10
export const OPTIONS6 = OPT6_V6 | OPT6_E | OPT6_R

/** Router-LSA flags and link types (§A.4.3). */
export const RTR6_B = 1
export const RTR6_E = 2
/** V: an endpoint of one or more fully adjacent virtual links through this area. */
export const RTR6_V = 4
/** Nt (RFC 3101 §2.3 as OSPFv3 carries it): an NSSA border router that translates unconditionally. */
export const RTR6_NT = 0x10
export const Link6 = { P2P: 1, TRANSIT: 2, VIRTUAL: 4 } as const
/** Prefix options NU, LA (a host address of the router) and P (an NSSA's to translate), §A.4.1.1. */
export const PFX_NU = 0x01
export const PFX_LA = 0x02
export const PFX_P = 0x08
/** AS-External/NSSA-LSA bits (§A.4.7): E (a type 2 metric), F (a forwarding address follows), T (a tag). */
const EXT_E = 4
const EXT_F = 2
const EXT_T = 1

export interface Ospf6Header {
  type: number
  length: number
  routerId: number
  areaId: number
  instance: number
}

export interface Hello6 {
  ifId: number
  priority: number
  options: number
  helloInterval: number
  deadInterval: number
  dr: number
  bdr: number
  neighbors: number[]
}

export interface Dd6 {
  options: number
  mtu: number
  flags: number
  seq: number
  headers: LsaHeader[]
}

export type Ospf6Body =
  | { type: 1; hello: Hello6 }
  | { type: 2; dd: Dd6 }
  | { type: 3; reqs: LsReq[] }
  | { type: 4; lsas: Lsa[] }
  | { type: 5; headers: LsaHeader[] }

export type Ospf6Parse = { ok: true; hdr: Ospf6Header; body: Ospf6Body } | { ok: false; reason: string }

export interface Prefix6 {
  len: number
  options: number
  /** The 16-bit field after the options: a metric, or zero. */
  metric: number
  /** 16 bytes, bits past len zero. */
  addr: Uint8Array
}

export interface RouterLink6 {
  type: number
  metric: number
  ifId: number
  nbrIfId: number
  nbrRid: number
}

// ---- checksum ----

/** The OSPFv3 checksum of pkt between src and dst (the value to store; 0 over a correct packet). */
export function ospf6Checksum(pkt: Uint8Array, src: Uint8Array, dst: Uint8Array): number {
  return ~fold(sum16(pkt, 0, pkt.length, ipv6PseudoSum(src, 0, dst, 0, pkt.length, IPPROTO_OSPF6))) & 0xffff
}

/**
 * Store pkt's checksum between src and dst, as FRR's ospf6d computes it before sending (RFC 5340
 * §A.3.1: over the whole IPv6 payload with the pseudo-header of RFC 8200 §8.1).
 */
export function fillOspf6Checksum(pkt: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
  pkt[OSPF6_CSUM_OFF] = 0
  pkt[OSPF6_CSUM_OFF + 1] = 0
  const sum = ospf6Checksum(pkt, src, dst)
  pkt[OSPF6_CSUM_OFF] = sum >>> 8
  pkt[OSPF6_CSUM_OFF + 1] = sum & 0xff
}

// ---- LSA header ----

export function readLsa6Header(b: Uint8Array, off: number): LsaHeader {
  return {
    age: readU16(b, off),
    options: 0,
    type: readU16(b, off + 2),
    id: readU32(b, off + 4),
    advRtr: readU32(b, off + 8),
    seq: readU32(b, off + 12) | 0,
    checksum: readU16(b, off + 16),
    length: readU16(b, off + 18),
  }
}

function writeLsa6Header(b: Uint8Array, off: number, h: LsaHeader): void {
  writeU16(b, off, h.age)
  writeU16(b, off + 2, h.type)
  writeU32(b, off + 4, h.id)
  writeU32(b, off + 8, h.advRtr)
  writeU32(b, off + 12, h.seq >>> 0)
  writeU16(b, off + 16, h.checksum)
  writeU16(b, off + 18, h.length)
}

/** An LSA from its header fields and body; length and Fletcher checksum filled in. */
export function buildLsa6(
  h: { age: number; type: number; id: number; advRtr: number; seq: number },
  body: Uint8Array,
): Lsa {
  const data = new Uint8Array(LSA_HDR_LEN + body.length)
  data.set(body, LSA_HDR_LEN)
  const hdr: LsaHeader = { ...h, options: 0, checksum: 0, length: data.length }
  writeLsa6Header(data, 0, hdr)
  hdr.checksum = lsaChecksum(data)
  writeU16(data, 16, hdr.checksum)
  return { hdr, data }
}

// ---- prefixes (§A.4.1) ----

function prefixBytes(len: number): number {
  return Math.ceil(len / 32) * 4
}

/** Write a prefix at b[off]; returns the offset after it. */
function writePrefix(b: Uint8Array, off: number, p: Prefix6): number {
  b[off] = p.len
  b[off + 1] = p.options
  writeU16(b, off + 2, p.metric)
  const n = prefixBytes(p.len)
  b.set(p.addr.subarray(0, n), off + 4)
  return off + 4 + n
}

function readPrefix(b: Uint8Array, off: number, end: number): { p: Prefix6; next: number } | null {
  if (off + 4 > end) return null
  const len = b[off]!
  if (len > 128) return null
  const n = prefixBytes(len)
  if (off + 4 + n > end) return null
  const addr = new Uint8Array(16)
  addr.set(b.subarray(off + 4, off + 4 + n))
  // Bits past the length are not part of the prefix (§A.4.1: "should be zero"; cleared here).
  for (let i = Math.ceil(len / 8); i < n; i++) addr[i] = 0
  if (len % 8 !== 0) addr[len >> 3] = addr[len >> 3]! & (0xff << (8 - (len % 8)))
  return { p: { len, options: b[off + 1]!, metric: readU16(b, off + 2), addr }, next: off + 4 + n }
}

function prefixesSize(ps: readonly Prefix6[]): number {
  let n = 0
  for (const p of ps) n += 4 + prefixBytes(p.len)
  return n
}

// ---- LSA bodies ----

export function router6Body(flags: number, links: readonly RouterLink6[], options = OPTIONS6): Uint8Array {
  const b = new Uint8Array(4 + 16 * links.length)
  b[0] = flags
  b[3] = options
  let o = 4
  for (const l of links) {
    b[o] = l.type
    writeU16(b, o + 2, l.metric)
    writeU32(b, o + 4, l.ifId)
    writeU32(b, o + 8, l.nbrIfId)
    writeU32(b, o + 12, l.nbrRid)
    o += 16
  }
  return b
}

export function parseRouter6(d: Uint8Array): { flags: number; links: RouterLink6[] } | null {
  if (d.length < LSA_HDR_LEN + 4 || (d.length - LSA_HDR_LEN - 4) % 16 !== 0) return null
  const links: RouterLink6[] = []
  for (let o = LSA_HDR_LEN + 4; o < d.length; o += 16)
    links.push({
      type: d[o]!,
      metric: readU16(d, o + 2),
      ifId: readU32(d, o + 4),
      nbrIfId: readU32(d, o + 8),
      nbrRid: readU32(d, o + 12),
    })
  return { flags: d[LSA_HDR_LEN]!, links }
}

export function network6Body(routers: readonly number[], options = OPTIONS6): Uint8Array {
  const b = new Uint8Array(4 + 4 * routers.length)
  b[3] = options
  for (let k = 0; k < routers.length; k++) writeU32(b, 4 + 4 * k, routers[k]!)
  return b
}

export function parseNetwork6(d: Uint8Array): number[] | null {
  if (d.length < LSA_HDR_LEN + 8 || (d.length - LSA_HDR_LEN) % 4 !== 0) return null
  const out: number[] = []
  for (let o = LSA_HDR_LEN + 4; o < d.length; o += 4) out.push(readU32(d, o))
  return out
}

export function link6Body(
  priority: number,
  linkLocal: Uint8Array,
  prefixes: readonly Prefix6[],
  options = OPTIONS6,
): Uint8Array {
  const b = new Uint8Array(24 + prefixesSize(prefixes))
  b[0] = priority
  b[3] = options
  b.set(linkLocal.subarray(0, 16), 4)
  writeU32(b, 20, prefixes.length)
  let o = 24
  for (const p of prefixes) o = writePrefix(b, o, { ...p, metric: 0 })
  return b
}

export function parseLink6(
  d: Uint8Array,
): { priority: number; linkLocal: Uint8Array; prefixes: Prefix6[] } | null {
  const base = LSA_HDR_LEN
  if (d.length < base + 24) return null
  const n = readU32(d, base + 20)
  const prefixes: Prefix6[] = []
  let o = base + 24
  for (let k = 0; k < n; k++) {
    const r = readPrefix(d, o, d.length)
    if (r === null) return null
    prefixes.push(r.p)
    o = r.next
  }
  return { priority: d[base]!, linkLocal: d.slice(base + 4, base + 20), prefixes }
}

export function intraPrefix6Body(
  refType: number,
  refId: number,
  refAdv: number,
  prefixes: readonly Prefix6[],
): Uint8Array {
  const b = new Uint8Array(12 + prefixesSize(prefixes))
  writeU16(b, 0, prefixes.length)
  writeU16(b, 2, refType)
  writeU32(b, 4, refId)
  writeU32(b, 8, refAdv)
  let o = 12
  for (const p of prefixes) o = writePrefix(b, o, p)
  return b
}

export function parseIntraPrefix6(
  d: Uint8Array,
): { refType: number; refId: number; refAdv: number; prefixes: Prefix6[] } | null {
  const base = LSA_HDR_LEN
  if (d.length < base + 12) return null
  const n = readU16(d, base)
  const prefixes: Prefix6[] = []
  let o = base + 12
  for (let k = 0; k < n; k++) {
    const r = readPrefix(d, o, d.length)
    if (r === null) return null
    prefixes.push(r.p)
    o = r.next
  }
  return {
    refType: readU16(d, base + 2),
    refId: readU32(d, base + 4),
    refAdv: readU32(d, base + 8),
    prefixes,
  }
}

/**
 * AS-External-LSA (§A.4.7), also the NSSA-LSA's body (§A.4.9): E bit for type 2, a forwarding
 * address where given (F bit), no tag or referenced LS; the prefix keeps its options (P in an NSSA).
 */
export function external6Body(
  metric: number,
  type2: boolean,
  p: Prefix6,
  fwd: Uint8Array | null = null,
): Uint8Array {
  const b = new Uint8Array(4 + 4 + prefixBytes(p.len) + (fwd === null ? 0 : 16))
  b[0] = (type2 ? EXT_E : 0) | (fwd === null ? 0 : EXT_F)
  b[1] = (metric >>> 16) & 0xff
  writeU16(b, 2, metric & 0xffff)
  const o = writePrefix(b, 4, { ...p, metric: 0 })
  if (fwd !== null) b.set(fwd.subarray(0, 16), o)
  return b
}

export interface External6Body {
  metric: number
  type2: boolean
  prefix: Prefix6
  /** The forwarding address (F bit), or null. */
  fwd: Uint8Array | null
}

export function parseExternal6(d: Uint8Array): External6Body | null {
  const base = LSA_HDR_LEN
  if (d.length < base + 8) return null
  const r = readPrefix(d, base + 4, d.length)
  if (r === null) return null
  const flags = d[base]!
  let need = r.next
  if ((flags & EXT_F) !== 0) need += 16
  if ((flags & EXT_T) !== 0) need += 4
  if (r.p.metric !== 0) need += 4
  if (need > d.length) return null
  const fwd = (flags & EXT_F) !== 0 ? d.slice(r.next, r.next + 16) : null
  return {
    metric: (d[base + 1]! << 16) | readU16(d, base + 2),
    type2: (flags & EXT_E) !== 0,
    prefix: r.p,
    fwd,
  }
}

/** Inter-Area-Prefix-LSA (§A.4.5). */
export function interPrefix6Body(metric: number, p: Prefix6): Uint8Array {
  const b = new Uint8Array(8 + prefixBytes(p.len))
  b[1] = (metric >>> 16) & 0xff
  writeU16(b, 2, metric & 0xffff)
  writePrefix(b, 4, { ...p, metric: 0 })
  return b
}

export function parseInterPrefix6(d: Uint8Array): { metric: number; prefix: Prefix6 } | null {
  const base = LSA_HDR_LEN
  if (d.length < base + 8) return null
  const r = readPrefix(d, base + 4, d.length)
  if (r === null) return null
  return { metric: (d[base + 1]! << 16) | readU16(d, base + 2), prefix: r.p }
}

/**
 * Inter-Area-Router-LSA (§A.4.6): an AS boundary router reachable through the originating border
 * router, with its options (so that readers know it is an ASBR), the cost to it and its Router ID.
 */
export function interRouter6Body(options: number, metric: number, destRid: number): Uint8Array {
  const b = new Uint8Array(12)
  b[1] = (options >>> 16) & 0xff
  writeU16(b, 2, options & 0xffff)
  b[5] = (metric >>> 16) & 0xff
  writeU16(b, 6, metric & 0xffff)
  writeU32(b, 8, destRid)
  return b
}

export function parseInterRouter6(
  d: Uint8Array,
): { options: number; metric: number; destRid: number } | null {
  const base = LSA_HDR_LEN
  if (d.length < base + 12) return null
  return {
    options: (d[base + 1]! << 16) | readU16(d, base + 2),
    metric: (d[base + 5]! << 16) | readU16(d, base + 6),
    destRid: readU32(d, base + 8),
  }
}

/** Whether an LSA's body holds together for its type (unknown types: any length past the header). */
export function lsa6BodyOk(lsa: Lsa): boolean {
  const d = lsa.data
  switch (lsa.hdr.type) {
    case Ls6Type.ROUTER:
      return parseRouter6(d) !== null
    case Ls6Type.NETWORK:
      return parseNetwork6(d) !== null
    case Ls6Type.LINK:
      return parseLink6(d) !== null
    case Ls6Type.INTRA_PREFIX:
      return parseIntraPrefix6(d) !== null
    case Ls6Type.EXTERNAL:
    case Ls6Type.NSSA:
      return parseExternal6(d) !== null
    case Ls6Type.INTER_PREFIX:
      return parseInterPrefix6(d) !== null
    case Ls6Type.INTER_ROUTER:
      return parseInterRouter6(d) !== null
    default:
      return true
  }
}

// ---- packets ----

/** A packet with its header; the checksum is left zero (the sender fills it in: fillOspf6Checksum). */
export function emitOspf6(
  type: number,
  routerId: number,
  areaId: number,
  instance: number,
  body: Uint8Array,
): Uint8Array {
  const p = new Uint8Array(OSPF6_HDR_LEN + body.length)
  p[0] = 3
  p[1] = type
  writeU16(p, 2, p.length)
  writeU32(p, 4, routerId)
  writeU32(p, 8, areaId)
  p[14] = instance
  p.set(body, OSPF6_HDR_LEN)
  return p
}

export function hello6Body(h: Hello6): Uint8Array {
  const b = new Uint8Array(20 + 4 * h.neighbors.length)
  writeU32(b, 0, h.ifId)
  b[4] = h.priority
  b[5] = (h.options >>> 16) & 0xff
  writeU16(b, 6, h.options & 0xffff)
  writeU16(b, 8, h.helloInterval)
  writeU16(b, 10, h.deadInterval)
  writeU32(b, 12, h.dr)
  writeU32(b, 16, h.bdr)
  for (let k = 0; k < h.neighbors.length; k++) writeU32(b, 20 + 4 * k, h.neighbors[k]!)
  return b
}

export function dd6Body(d: Dd6): Uint8Array {
  const b = new Uint8Array(12 + LSA_HDR_LEN * d.headers.length)
  b[1] = (d.options >>> 16) & 0xff
  writeU16(b, 2, d.options & 0xffff)
  writeU16(b, 4, d.mtu)
  b[7] = d.flags
  writeU32(b, 8, d.seq >>> 0)
  for (let k = 0; k < d.headers.length; k++) writeLsa6Header(b, 12 + LSA_HDR_LEN * k, d.headers[k]!)
  return b
}

export function lsr6Body(reqs: readonly LsReq[]): Uint8Array {
  const b = new Uint8Array(12 * reqs.length)
  reqs.forEach((r, k) => {
    writeU16(b, 12 * k + 2, r.type)
    writeU32(b, 12 * k + 4, r.id)
    writeU32(b, 12 * k + 8, r.advRtr)
  })
  return b
}

export function lsu6Body(lsas: readonly Lsa[]): Uint8Array {
  let n = 4
  for (const l of lsas) n += l.data.length
  const b = new Uint8Array(n)
  writeU32(b, 0, lsas.length)
  let o = 4
  for (const l of lsas) {
    b.set(l.data, o)
    o += l.data.length
  }
  return b
}

export function ack6Body(headers: readonly LsaHeader[]): Uint8Array {
  const b = new Uint8Array(LSA_HDR_LEN * headers.length)
  for (let k = 0; k < headers.length; k++) writeLsa6Header(b, LSA_HDR_LEN * k, headers[k]!)
  return b
}

function headersAt(b: Uint8Array, off: number, end: number): LsaHeader[] | null {
  if ((end - off) % LSA_HDR_LEN !== 0) return null
  const out: LsaHeader[] = []
  for (let o = off; o < end; o += LSA_HDR_LEN) out.push(readLsa6Header(b, o))
  return out
}

/**
 * Parse a packet (the IPv6 payload). Every length is checked against the buffer; the checksum is
 * not (ospf6Checksum): RFC 7166 §4.2 omits it where an Authentication Trailer is used, which only
 * the receiving interface's configuration tells.
 */
export function parseOspf6(p: Uint8Array): Ospf6Parse {
  if (p.length < OSPF6_HDR_LEN) return { ok: false, reason: 'short' }
  if (p[0] !== 3) return { ok: false, reason: 'version' }
  const type = p[1]!
  if (type < 1 || type > 5) return { ok: false, reason: 'type' }
  const length = readU16(p, 2)
  if (length < OSPF6_HDR_LEN || length > p.length) return { ok: false, reason: 'length' }
  const hdr: Ospf6Header = {
    type,
    length,
    routerId: readU32(p, 4),
    areaId: readU32(p, 8),
    instance: p[14]!,
  }
  const o = OSPF6_HDR_LEN
  const end = length
  switch (type) {
    case 1: {
      if (end - o < 20 || (end - o - 20) % 4 !== 0) return { ok: false, reason: 'hello' }
      const neighbors: number[] = []
      for (let k = o + 20; k < end; k += 4) neighbors.push(readU32(p, k))
      const hello: Hello6 = {
        ifId: readU32(p, o),
        priority: p[o + 4]!,
        options: (p[o + 5]! << 16) | readU16(p, o + 6),
        helloInterval: readU16(p, o + 8),
        deadInterval: readU16(p, o + 10),
        dr: readU32(p, o + 12),
        bdr: readU32(p, o + 16),
        neighbors,
      }
      return { ok: true, hdr, body: { type: 1, hello } }
    }
    case 2: {
      if (end - o < 12) return { ok: false, reason: 'dd' }
      const headers = headersAt(p, o + 12, end)
      if (headers === null) return { ok: false, reason: 'dd' }
      const dd: Dd6 = {
        options: (p[o + 1]! << 16) | readU16(p, o + 2),
        mtu: readU16(p, o + 4),
        flags: p[o + 7]!,
        seq: readU32(p, o + 8),
        headers,
      }
      return { ok: true, hdr, body: { type: 2, dd } }
    }
    case 3: {
      if ((end - o) % 12 !== 0) return { ok: false, reason: 'lsr' }
      const reqs: LsReq[] = []
      for (let k = o; k < end; k += 12)
        reqs.push({ type: readU16(p, k + 2), id: readU32(p, k + 4), advRtr: readU32(p, k + 8) })
      return { ok: true, hdr, body: { type: 3, reqs } }
    }
    case 4: {
      if (end - o < 4) return { ok: false, reason: 'lsu' }
      const n = readU32(p, o)
      const lsas: Lsa[] = []
      let k = o + 4
      for (let i = 0; i < n; i++) {
        if (k + LSA_HDR_LEN > end) return { ok: false, reason: 'lsu' }
        const h = readLsa6Header(p, k)
        if (h.length < LSA_HDR_LEN || k + h.length > end) return { ok: false, reason: 'lsu' }
        lsas.push({ hdr: h, data: p.slice(k, k + h.length) })
        k += h.length
      }
      return { ok: true, hdr, body: { type: 4, lsas } }
    }
    default: {
      const headers = headersAt(p, o, end)
      if (headers === null) return { ok: false, reason: 'ack' }
      return { ok: true, hdr, body: { type: 5, headers } }
    }
  }
}
