/**
 * OSPFv2 on the wire (RFC 2328 appendix A): the 24-byte packet header with its IP checksum (over
 * the packet without the 64-bit authentication field, D.4.1), Hello, Database Description, Link
 * State Request, Link State Update and Link State Acknowledgment bodies, the 20-byte LSA header, the
 * router, network, summary and AS-external LSA bodies, and the LSA Fletcher checksum (ISO 8473,
 * RFC 2328 §12.1.7).
 *
 * Must not: throw on bad input (parsers return a reason), or trust any length it did not check.
 */

import { readU16, readU32, writeU16, writeU32 } from '../addr.js'
import { checksum, sum16 } from '../checksum.js'

export const IPPROTO_OSPF = 89
export const ALL_SPF_ROUTERS = 0xe0000005
export const ALL_D_ROUTERS = 0xe0000006
export const OSPF_HDR_LEN = 24
export const LSA_HDR_LEN = 20
export const MAX_AGE = 3600
export const MAX_AGE_DIFF = 900
export const LS_REFRESH_TIME = 1800
export const INITIAL_SEQ = -0x7fffffff
export const MAX_SEQ = 0x7fffffff

export const OspfType = { HELLO: 1, DD: 2, LSR: 3, LSU: 4, LSACK: 5 } as const
export const LsType = { ROUTER: 1, NETWORK: 2, SUMMARY: 3, ASBR_SUMMARY: 4, EXTERNAL: 5, NSSA: 7 } as const
/** Options field bits (A.2): E (external routing capable). */
export const OPT_E = 0x02
/**
 * RFC 3101 §2.1: the N bit of Hellos and DDs (the area is an NSSA) and, in a Type-7 LSA, the P bit
 * (translate it to Type-5): one bit, 0x08.
 */
export const OPT_NP = 0x08
/** DD flags (A.3.3). */
export const DD_I = 4
export const DD_M = 2
export const DD_MS = 1
/** Router-LSA flags (A.4.2) and link types. */
export const RTR_B = 1
export const RTR_E = 2
export const RTR_V = 4
/** RFC 3101 §2.3: Nt, an NSSA border router that translates unconditionally. */
export const RTR_NT = 0x10
export const Link = { P2P: 1, TRANSIT: 2, STUB: 3, VIRTUAL: 4 } as const

export interface OspfHeader {
  type: number
  length: number
  routerId: number
  areaId: number
  auType: number
}

export interface Hello {
  mask: number
  helloInterval: number
  options: number
  priority: number
  deadInterval: number
  dr: number
  bdr: number
  neighbors: number[]
}

export interface LsaHeader {
  age: number
  options: number
  type: number
  id: number
  advRtr: number
  seq: number
  checksum: number
  length: number
}

export interface Dd {
  mtu: number
  options: number
  flags: number
  seq: number
  headers: LsaHeader[]
}

export interface LsReq {
  type: number
  id: number
  advRtr: number
}

/** A whole LSA: its parsed header and its bytes (header included), as flooded. */
export interface Lsa {
  hdr: LsaHeader
  data: Uint8Array
}

export interface RouterLink {
  id: number
  data: number
  type: number
  metric: number
}

export type OspfBody =
  | { type: 1; hello: Hello }
  | { type: 2; dd: Dd }
  | { type: 3; reqs: LsReq[] }
  | { type: 4; lsas: Lsa[] }
  | { type: 5; headers: LsaHeader[] }

export type OspfParse = { ok: true; hdr: OspfHeader; body: OspfBody } | { ok: false; reason: string }

/**
 * The two Fletcher sums (mod 255) over lsa[2..len), bytes 16-17 taken as zero when `zeroCk`. The sums
 * are reduced every 4096 bytes rather than per byte: c1 stays below 2^53 in between.
 */
function fletcherSums(lsa: Uint8Array, len: number, zeroCk: boolean): number {
  let c0 = 0
  let c1 = 0
  for (let i = 2; i < len; ) {
    const stop = Math.min(len, i + 4096)
    for (; i < stop; i++) {
      c0 += zeroCk && (i === 16 || i === 17) ? 0 : lsa[i]!
      c1 += c0
    }
    c0 %= 255
    c1 %= 255
  }
  return c0 * 256 + c1
}

/** Fletcher checksum of an LSA (age excluded), as it goes in bytes 16-17 of its header. */
export function lsaChecksum(lsa: Uint8Array, len: number = lsa.length): number {
  const s = fletcherSums(lsa, len, true)
  const c0 = s >> 8
  const c1 = s & 0xff
  // The checksum's place, counted from the start of the checksummed data (after LS age).
  const pos = 14
  const n = len - 2
  let x = ((n - pos - 1) * c0 - c1) % 255
  if (x <= 0) x += 255
  let y = 510 - c0 - x
  if (y > 255) y -= 255
  return ((x & 0xff) << 8) | (y & 0xff)
}

/** Whether an LSA's Fletcher checksum holds (summing over the checksum too gives zero). */
export function lsaChecksumOk(lsa: Uint8Array, len: number = lsa.length): boolean {
  if (readU16(lsa, 16) === 0) return false
  return fletcherSums(lsa, len, false) === 0
}

export function readLsaHeader(b: Uint8Array, off: number): LsaHeader {
  return {
    age: readU16(b, off),
    options: b[off + 2]!,
    type: b[off + 3]!,
    id: readU32(b, off + 4),
    advRtr: readU32(b, off + 8),
    seq: readU32(b, off + 12) | 0,
    checksum: readU16(b, off + 16),
    length: readU16(b, off + 18),
  }
}

export function writeLsaHeader(b: Uint8Array, off: number, h: LsaHeader): void {
  writeU16(b, off, h.age)
  b[off + 2] = h.options
  b[off + 3] = h.type
  writeU32(b, off + 4, h.id)
  writeU32(b, off + 8, h.advRtr)
  writeU32(b, off + 12, h.seq >>> 0)
  writeU16(b, off + 16, h.checksum)
  writeU16(b, off + 18, h.length)
}

/** Build an LSA from its header fields and body; length and checksum are filled in. */
export function buildLsa(h: Omit<LsaHeader, 'checksum' | 'length'>, body: Uint8Array): Lsa {
  const data = new Uint8Array(LSA_HDR_LEN + body.length)
  data.set(body, LSA_HDR_LEN)
  const hdr: LsaHeader = { ...h, checksum: 0, length: data.length }
  writeLsaHeader(data, 0, hdr)
  hdr.checksum = lsaChecksum(data)
  writeU16(data, 16, hdr.checksum)
  return { hdr, data }
}

/** A copy of lsa with LS age set (flooding ages it by InfTransDelay; premature aging sets MaxAge). */
export function withAge(lsa: Lsa, age: number): Lsa {
  const data = lsa.data.slice()
  writeU16(data, 0, Math.min(age, MAX_AGE))
  return { hdr: { ...lsa.hdr, age: Math.min(age, MAX_AGE) }, data }
}

export function routerLsaBody(flags: number, links: readonly RouterLink[]): Uint8Array {
  const b = new Uint8Array(4 + 12 * links.length)
  b[0] = flags
  writeU16(b, 2, links.length)
  links.forEach((l, i) => {
    const o = 4 + 12 * i
    writeU32(b, o, l.id)
    writeU32(b, o + 4, l.data)
    b[o + 8] = l.type
    writeU16(b, o + 10, l.metric)
  })
  return b
}

export function networkLsaBody(mask: number, routers: readonly number[]): Uint8Array {
  const b = new Uint8Array(4 + 4 * routers.length)
  writeU32(b, 0, mask)
  routers.forEach((r, i) => {
    writeU32(b, 4 + 4 * i, r)
  })
  return b
}

/** Summary (type 3/4) body: mask and a 24-bit metric. */
export function summaryLsaBody(mask: number, metric: number): Uint8Array {
  const b = new Uint8Array(8)
  writeU32(b, 0, mask)
  writeU32(b, 4, metric & 0xffffff)
  return b
}

/** AS-external body: mask, E bit (type 2 metric), metric, forwarding address, route tag. */
export function externalLsaBody(
  mask: number,
  type2: boolean,
  metric: number,
  fwd: number,
  tag: number,
): Uint8Array {
  const b = new Uint8Array(16)
  writeU32(b, 0, mask)
  writeU32(b, 4, ((type2 ? 0x80000000 : 0) | (metric & 0xffffff)) >>> 0)
  writeU32(b, 8, fwd)
  writeU32(b, 12, tag)
  return b
}

export interface RouterLsa {
  flags: number
  links: RouterLink[]
}

/** Whether a router-LSA's link count and TOS counts fit its length (parseRouterLsa's check, allocating nothing). */
export function routerLsaFits(d: Uint8Array): boolean {
  if (d.length < LSA_HDR_LEN + 4) return false
  const n = readU16(d, LSA_HDR_LEN + 2)
  let o = LSA_HDR_LEN + 4
  for (let i = 0; i < n; i++) {
    if (o + 12 > d.length) return false
    o += 12 + 4 * d[o + 9]!
  }
  return o === d.length
}

/** The body of a router-LSA, or null when its counts do not fit its length. */
export function parseRouterLsa(d: Uint8Array): RouterLsa | null {
  if (d.length < LSA_HDR_LEN + 4) return null
  const n = readU16(d, LSA_HDR_LEN + 2)
  const links: RouterLink[] = []
  let o = LSA_HDR_LEN + 4
  for (let i = 0; i < n; i++) {
    if (o + 12 > d.length) return null
    const tos = d[o + 9]!
    links.push({ id: readU32(d, o), data: readU32(d, o + 4), type: d[o + 8]!, metric: readU16(d, o + 10) })
    o += 12 + 4 * tos
  }
  return o === d.length ? { flags: d[LSA_HDR_LEN]!, links } : null
}

export function parseNetworkLsa(d: Uint8Array): { mask: number; routers: number[] } | null {
  if (d.length < LSA_HDR_LEN + 8 || (d.length - LSA_HDR_LEN) % 4 !== 0) return null
  const routers: number[] = []
  for (let o = LSA_HDR_LEN + 4; o < d.length; o += 4) routers.push(readU32(d, o))
  return { mask: readU32(d, LSA_HDR_LEN), routers }
}

export function parseSummaryLsa(d: Uint8Array): { mask: number; metric: number } | null {
  if (d.length < LSA_HDR_LEN + 8) return null
  return { mask: readU32(d, LSA_HDR_LEN), metric: readU32(d, LSA_HDR_LEN + 4) & 0xffffff }
}

export function parseExternalLsa(
  d: Uint8Array,
): { mask: number; type2: boolean; metric: number; fwd: number; tag: number } | null {
  if (d.length < LSA_HDR_LEN + 16) return null
  const w = readU32(d, LSA_HDR_LEN + 4)
  return {
    mask: readU32(d, LSA_HDR_LEN),
    type2: (w & 0x80000000) !== 0,
    metric: w & 0xffffff,
    fwd: readU32(d, LSA_HDR_LEN + 8),
    tag: readU32(d, LSA_HDR_LEN + 12),
  }
}

/** An OSPF packet of `type` with `body`, header filled in and checksummed (null authentication). */
export function emitOspf(type: number, routerId: number, areaId: number, body: Uint8Array): Uint8Array {
  const p = new Uint8Array(OSPF_HDR_LEN + body.length)
  p.set(body, OSPF_HDR_LEN)
  return finishOspf(p, type, routerId, areaId)
}

/** The header of packet p (its body already in place after OSPF_HDR_LEN), checksum included. */
function finishOspf(p: Uint8Array, type: number, routerId: number, areaId: number): Uint8Array {
  p[0] = 2
  p[1] = type
  writeU16(p, 2, p.length)
  writeU32(p, 4, routerId)
  writeU32(p, 8, areaId)
  writeU16(p, 12, packetChecksum(p, p.length))
  return p
}

function packetChecksum(p: Uint8Array, len: number): number {
  // D.4.1: the whole packet but the 64-bit authentication field, with the checksum field as zero.
  const acc = sum16(p, 14, 2, sum16(p, 0, 12))
  return checksum(p, OSPF_HDR_LEN, len - OSPF_HDR_LEN, acc)
}

export function helloBody(h: Hello): Uint8Array {
  const b = new Uint8Array(20 + 4 * h.neighbors.length)
  writeU32(b, 0, h.mask)
  writeU16(b, 4, h.helloInterval)
  b[6] = h.options
  b[7] = h.priority
  writeU32(b, 8, h.deadInterval)
  writeU32(b, 12, h.dr)
  writeU32(b, 16, h.bdr)
  h.neighbors.forEach((n, i) => {
    writeU32(b, 20 + 4 * i, n)
  })
  return b
}

export function ddBody(d: Dd): Uint8Array {
  const b = new Uint8Array(8 + LSA_HDR_LEN * d.headers.length)
  writeU16(b, 0, d.mtu)
  b[2] = d.options
  b[3] = d.flags
  writeU32(b, 4, d.seq >>> 0)
  d.headers.forEach((h, i) => {
    writeLsaHeader(b, 8 + LSA_HDR_LEN * i, h)
  })
  return b
}

export function lsrBody(reqs: readonly LsReq[]): Uint8Array {
  const b = new Uint8Array(12 * reqs.length)
  reqs.forEach((r, i) => {
    writeU32(b, 12 * i, r.type)
    writeU32(b, 12 * i + 4, r.id)
    writeU32(b, 12 * i + 8, r.advRtr)
  })
  return b
}

/** A Link State Update's body of lsas[from..to) (all by default), `ageBy` added to each LS age (at most MaxAge). */
export function lsuBody(lsas: readonly Lsa[], from = 0, to = lsas.length, ageBy = 0): Uint8Array {
  let n = 4
  for (let k = from; k < to; k++) n += lsas[k]!.data.length
  const b = new Uint8Array(n)
  writeU32(b, 0, to - from)
  let o = 4
  for (let k = from; k < to; k++) {
    const d = lsas[k]!.data
    b.set(d, o)
    if (ageBy !== 0) writeU16(b, o, Math.min(MAX_AGE, lsas[k]!.hdr.age + ageBy))
    o += d.length
  }
  return b
}

/**
 * A whole Link State Update packet of lsas[from..to) (emitOspf of lsuBody without the body's own
 * buffer: flooding builds one per interface per gathering, the most packets ospfd sends).
 */
export function emitLsu(
  routerId: number,
  areaId: number,
  lsas: readonly Lsa[],
  from: number,
  to: number,
  ageBy: number,
): Uint8Array {
  let n = OSPF_HDR_LEN + 4
  for (let k = from; k < to; k++) n += lsas[k]!.data.length
  const p = new Uint8Array(n)
  let o = OSPF_HDR_LEN
  writeU32(p, o, to - from)
  o += 4
  for (let k = from; k < to; k++) {
    const d = lsas[k]!.data
    p.set(d, o)
    if (ageBy !== 0) writeU16(p, o, Math.min(MAX_AGE, lsas[k]!.hdr.age + ageBy))
    o += d.length
  }
  return finishOspf(p, OspfType.LSU, routerId, areaId)
}

/** A whole Link State Acknowledgment packet of headers[from..to). */
export function emitAck(
  routerId: number,
  areaId: number,
  headers: readonly LsaHeader[],
  from: number,
  to: number,
): Uint8Array {
  const p = new Uint8Array(OSPF_HDR_LEN + LSA_HDR_LEN * (to - from))
  for (let k = from; k < to; k++) writeLsaHeader(p, OSPF_HDR_LEN + LSA_HDR_LEN * (k - from), headers[k]!)
  return finishOspf(p, OspfType.LSACK, routerId, areaId)
}

export function ackBody(headers: readonly LsaHeader[]): Uint8Array {
  const b = new Uint8Array(LSA_HDR_LEN * headers.length)
  headers.forEach((h, i) => {
    writeLsaHeader(b, LSA_HDR_LEN * i, h)
  })
  return b
}

const MIN_BODY = [0, 20, 8, 0, 4, 0] as const

/**
 * Parse an OSPF packet (the IP payload). Checks version, length, checksum and each body's layout;
 * LSAs in an update are checked for length and type here and for their checksum by the caller;
 * `lsaOf` makes each of them (its own copy by default; ospfd's LsaCache shares identical ones).
 */
export function parseOspf(
  p: Uint8Array,
  lsaOf: (p: Uint8Array, off: number, len: number) => Lsa = copyLsa,
): OspfParse {
  if (p.length < OSPF_HDR_LEN) return { ok: false, reason: 'short' }
  if (p[0] !== 2) return { ok: false, reason: 'version' }
  const type = p[1]!
  const length = readU16(p, 2)
  if (type < 1 || type > 5) return { ok: false, reason: 'type' }
  if (length < OSPF_HDR_LEN + MIN_BODY[type]! || length > p.length) return { ok: false, reason: 'length' }
  const auType = readU16(p, 14)
  if (auType !== 2 && packetChecksum(p, length) !== readU16(p, 12)) return { ok: false, reason: 'checksum' }
  const hdr: OspfHeader = { type, length, routerId: readU32(p, 4), areaId: readU32(p, 8), auType }
  const o = OSPF_HDR_LEN
  const end = length
  switch (type) {
    case 1: {
      if ((end - o - 20) % 4 !== 0) return { ok: false, reason: 'length' }
      const neighbors: number[] = []
      for (let i = o + 20; i < end; i += 4) neighbors.push(readU32(p, i))
      return {
        ok: true,
        hdr,
        body: {
          type: 1,
          hello: {
            mask: readU32(p, o),
            helloInterval: readU16(p, o + 4),
            options: p[o + 6]!,
            priority: p[o + 7]!,
            deadInterval: readU32(p, o + 8),
            dr: readU32(p, o + 12),
            bdr: readU32(p, o + 16),
            neighbors,
          },
        },
      }
    }
    case 2: {
      if ((end - o - 8) % LSA_HDR_LEN !== 0) return { ok: false, reason: 'length' }
      const headers: LsaHeader[] = []
      for (let i = o + 8; i < end; i += LSA_HDR_LEN) headers.push(readLsaHeader(p, i))
      return {
        ok: true,
        hdr,
        body: {
          type: 2,
          dd: { mtu: readU16(p, o), options: p[o + 2]!, flags: p[o + 3]!, seq: readU32(p, o + 4), headers },
        },
      }
    }
    case 3: {
      if ((end - o) % 12 !== 0) return { ok: false, reason: 'length' }
      const reqs: LsReq[] = []
      for (let i = o; i < end; i += 12)
        reqs.push({ type: readU32(p, i), id: readU32(p, i + 4), advRtr: readU32(p, i + 8) })
      return { ok: true, hdr, body: { type: 3, reqs } }
    }
    case 4: {
      const n = readU32(p, o)
      const lsas: Lsa[] = []
      let i = o + 4
      for (let k = 0; k < n; k++) {
        if (i + LSA_HDR_LEN > end) return { ok: false, reason: 'length' }
        const len = readU16(p, i + 18)
        if (len < LSA_HDR_LEN || i + len > end) return { ok: false, reason: 'length' }
        lsas.push(lsaOf(p, i, len))
        i += len
      }
      return { ok: true, hdr, body: { type: 4, lsas } }
    }
    default: {
      if ((end - o) % LSA_HDR_LEN !== 0) return { ok: false, reason: 'length' }
      const headers: LsaHeader[] = []
      for (let i = o; i < end; i += LSA_HDR_LEN) headers.push(readLsaHeader(p, i))
      return { ok: true, hdr, body: { type: 5, headers } }
    }
  }
}

/** An LSA of an update as its own copy (parseOspf's default: nothing shared). */
function copyLsa(p: Uint8Array, off: number, len: number): Lsa {
  const data = p.slice(off, off + len)
  return { hdr: readLsaHeader(data, 0), data }
}

/** RFC 2328 §13.1: >0 when a is the more recent instance, <0 when b is, 0 when the same. */
export function lsaCompare(a: LsaHeader, b: LsaHeader): number {
  if (a.seq !== b.seq) return a.seq > b.seq ? 1 : -1
  if (a.checksum !== b.checksum) return a.checksum > b.checksum ? 1 : -1
  const am = a.age >= MAX_AGE
  const bm = b.age >= MAX_AGE
  if (am !== bm) return am ? 1 : -1
  if (Math.abs(a.age - b.age) > MAX_AGE_DIFF) return a.age < b.age ? 1 : -1
  return 0
}

/** lsaCompare(a, b) with b's LS age given apart (a database copy's age now), allocating nothing. */
export function lsaCompareAged(a: LsaHeader, b: LsaHeader, bAge: number): number {
  if (a.seq !== b.seq) return a.seq > b.seq ? 1 : -1
  if (a.checksum !== b.checksum) return a.checksum > b.checksum ? 1 : -1
  const am = a.age >= MAX_AGE
  const bm = bAge >= MAX_AGE
  if (am !== bm) return am ? 1 : -1
  if (Math.abs(a.age - bAge) > MAX_AGE_DIFF) return a.age < bAge ? 1 : -1
  return 0
}

export function lsaKey(type: number, id: number, advRtr: number): string {
  return `${type}/${id >>> 0}/${advRtr >>> 0}`
}
