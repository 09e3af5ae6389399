/**
 * The Geneve header (RFC 8926 §3.4) and its option TLVs (§3.5): checks for the data path that
 * allocate nothing and never throw, the writer the encapsulation uses, and a Repr with parse/emit for
 * tests and tools.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |        Virtual Network Identifier (VNI)       |    Reserved   |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                    Variable-Length Options                    |
 *
 * Each option: Option Class (16 bits), Type (8 bits, its high bit the critical bit), three reserved
 * bits and a 5-bit Length in 4-byte words not counting the option's own 4-byte header.
 *
 * Must not: read past the bytes it is given, or treat the reserved fields as errors (§3.4: they
 * "MUST be ignored on receipt").
 */

import { readU16 } from '../addr.js'

/** IANA's UDP port for Geneve (RFC 8926 §3.3). */
export const GENEVE_PORT = 6081
/** The fixed header: 8 bytes before the options. */
export const GENEVE_HDR_LEN = 8
/** Protocol Type of an Ethernet payload ("Transparent Ethernet Bridging", §3.4). */
export const GENEVE_PROTO_ETHER = 0x6558
/** VNIs are 24 bits. */
export const GENEVE_VNI_MAX = 1 << 24
/** The option header: class, type, length. */
export const GENEVE_OPT_HDR_LEN = 4
/** The largest options area: Opt Len is 6 bits of 4-byte words (252 bytes). */
export const GENEVE_OPT_MAX = 63 * 4

/** The O (control packet) and C (critical options present) bits of the second byte. */
const FLAG_O = 0x80
const FLAG_C = 0x40
/** The critical bit of an option's Type. */
const OPT_CRITICAL = 0x80

/**
 * Results of `geneveCheck`, in the order they are tested. TOO_SHORT: fewer bytes than the fixed
 * header, or than its Opt Len announces; BAD_VERSION: Ver is not 0 (§3.4: "Packets received by a
 * tunnel endpoint with an unknown version MUST be dropped"); OAM: the O bit (§3.4: control messages
 * "MUST NOT be forwarded by the tunnel endpoint"); BAD_OPTIONS: an option runs past the options
 * area; CRITICAL: an option whose critical bit is set, none of which this end point recognises
 * (§3.5: it "MUST drop the packet").
 */
export const GeneveCheck = {
  OK: 0,
  TOO_SHORT: 1,
  BAD_VERSION: 2,
  OAM: 3,
  BAD_OPTIONS: 4,
  CRITICAL: 5,
} as const

/** The bytes of options after the fixed header at buf[off] (Opt Len × 4). */
export function geneveOptLen(buf: Uint8Array, off: number): number {
  return (buf[off]! & 0x3f) * 4
}

/** The Protocol Type of the header at buf[off]. */
export function geneveProto(buf: Uint8Array, off: number): number {
  return readU16(buf, off + 2)
}

/** The VNI of the header at buf[off]. */
export function geneveVni(buf: Uint8Array, off: number): number {
  return (buf[off + 4]! << 16) | (buf[off + 5]! << 8) | buf[off + 6]!
}

/**
 * Validate the header at buf[off] with `len` bytes of UDP payload: one of `GeneveCheck`. Options are
 * skipped by their lengths; none is understood, so any critical one drops the packet whether or not
 * the C bit announced it.
 */
export function geneveCheck(buf: Uint8Array, off: number, len: number): number {
  if (off < 0 || len < GENEVE_HDR_LEN || off + len > buf.length) return GeneveCheck.TOO_SHORT
  const b0 = buf[off]!
  if (b0 >>> 6 !== 0) return GeneveCheck.BAD_VERSION
  const optLen = (b0 & 0x3f) * 4
  if (GENEVE_HDR_LEN + optLen > len) return GeneveCheck.TOO_SHORT
  if ((buf[off + 1]! & FLAG_O) !== 0) return GeneveCheck.OAM
  const end = off + GENEVE_HDR_LEN + optLen
  for (let o = off + GENEVE_HDR_LEN; o < end; ) {
    if (o + GENEVE_OPT_HDR_LEN > end) return GeneveCheck.BAD_OPTIONS
    const next = o + GENEVE_OPT_HDR_LEN + (buf[o + 3]! & 0x1f) * 4
    if (next > end) return GeneveCheck.BAD_OPTIONS
    if ((buf[o + 2]! & OPT_CRITICAL) !== 0) return GeneveCheck.CRITICAL
    o = next
  }
  return GeneveCheck.OK
}

/**
 * Write an 8-byte header without options at buf[off]: version 0, O and C clear, the reserved fields
 * zero (§3.4: "MUST be zero on transmission").
 */
export function writeGeneveHeader(buf: Uint8Array, off: number, proto: number, vni: number): void {
  buf[off] = 0
  buf[off + 1] = 0
  buf[off + 2] = proto >>> 8
  buf[off + 3] = proto & 0xff
  buf[off + 4] = vni >>> 16
  buf[off + 5] = vni >>> 8
  buf[off + 6] = vni
  buf[off + 7] = 0
}

/** One option TLV. `data` is a multiple of 4 bytes, at most 124. */
export interface GeneveOptionRepr {
  cls: number
  type: number
  data: Uint8Array
}

/** A whole header, for tests and tools. */
export interface GeneveRepr {
  version: number
  oam: boolean
  critical: boolean
  proto: number
  vni: number
  options: GeneveOptionRepr[]
}

/** Build the header bytes of r (options included); throws on a Repr no header can carry. */
export function emitGeneve(r: GeneveRepr): Uint8Array {
  let optLen = 0
  for (const o of r.options) {
    if (o.data.length % 4 !== 0 || o.data.length > 31 * 4) throw new RangeError('bad Geneve option length')
    optLen += GENEVE_OPT_HDR_LEN + o.data.length
  }
  if (optLen > GENEVE_OPT_MAX || r.version < 0 || r.version > 3 || r.vni < 0 || r.vni >= GENEVE_VNI_MAX)
    throw new RangeError('Geneve header out of range')
  const b = new Uint8Array(GENEVE_HDR_LEN + optLen)
  writeGeneveHeader(b, 0, r.proto, r.vni)
  b[0] = (r.version << 6) | (optLen / 4)
  b[1] = (r.oam ? FLAG_O : 0) | (r.critical ? FLAG_C : 0)
  let o = GENEVE_HDR_LEN
  for (const opt of r.options) {
    b[o] = opt.cls >>> 8
    b[o + 1] = opt.cls & 0xff
    b[o + 2] = opt.type
    b[o + 3] = opt.data.length / 4
    b.set(opt.data, o + GENEVE_OPT_HDR_LEN)
    o += GENEVE_OPT_HDR_LEN + opt.data.length
  }
  return b
}

/** Parse the header at buf[off] (len bytes); null when it is too short or its options do not fit. */
export function parseGeneve(buf: Uint8Array, off = 0, len = buf.length - off): GeneveRepr | null {
  const c = geneveCheck(buf, off, len)
  if (c === GeneveCheck.TOO_SHORT || c === GeneveCheck.BAD_OPTIONS) return null
  const end = off + GENEVE_HDR_LEN + geneveOptLen(buf, off)
  const options: GeneveOptionRepr[] = []
  for (let o = off + GENEVE_HDR_LEN; o < end; ) {
    const n = (buf[o + 3]! & 0x1f) * 4
    options.push({
      cls: readU16(buf, o),
      type: buf[o + 2]!,
      data: buf.slice(o + GENEVE_OPT_HDR_LEN, o + GENEVE_OPT_HDR_LEN + n),
    })
    o += GENEVE_OPT_HDR_LEN + n
  }
  return {
    version: buf[off]! >>> 6,
    oam: (buf[off + 1]! & FLAG_O) !== 0,
    critical: (buf[off + 1]! & FLAG_C) !== 0,
    proto: geneveProto(buf, off),
    vni: geneveVni(buf, off),
    options,
  }
}
