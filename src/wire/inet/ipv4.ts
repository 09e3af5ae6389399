/**
 * The IPv4 header (RFC 791): a re-pointable view for the data path, a Repr for building packets, and
 * the pseudo-header sum that UDP and TCP checksums start from.
 *
 * The view allocates nothing and never throws. `point` checks only that the fixed 20-byte header is
 * there; `check` validates the rest the way FreeBSD's ip_input does before anything else trusts
 * headerLength or totalLength. Setters do not touch the checksum (call `fillChecksum`), except
 * `decrementTtl`, which updates it incrementally. Options are neither parsed nor emitted; fragmentation
 * and reassembly belong to the stack.
 */

import { readU16, readU32, writeU16, writeU32 } from '../addr.js'
import { checksum, checksumOk } from '../checksum.js'
import { WireView } from '../view.js'

export const IPV4_MIN_HDR = 20

export const IpProto = { ICMP: 1, IGMP: 2, TCP: 6, UDP: 17, ICMPV6: 58 } as const

/** Don't fragment. */
export const IP_DF = 0x4000
/** More fragments. */
export const IP_MF = 0x2000
/** The fragment offset, in 8-byte units. */
export const IP_OFFMASK = 0x1fff

/**
 * Results of `Ipv4View.check`, in the order ip_input tests them. FreeBSD's counters: TOO_SHORT is
 * ips_toosmall, BAD_VERSION ips_badvers, BAD_HLEN ips_badhlen, BAD_CHECKSUM ips_badsum, and BAD_LEN is
 * ips_badlen when totalLength < headerLength or ips_tooshort when totalLength > len.
 */
export const Ipv4Check = {
  OK: 0,
  TOO_SHORT: 1,
  BAD_VERSION: 2,
  BAD_HLEN: 3,
  BAD_LEN: 4,
  BAD_CHECKSUM: 5,
} as const

export class Ipv4View extends WireView {
  protected readonly minLen = IPV4_MIN_HDR

  /**
   * Validates the header, returning one of `Ipv4Check`: version 4; 20 <= headerLength <= len; the
   * header checksum (when `verifyChecksum`; links may vouch for it instead); then
   * headerLength <= totalLength <= len (len may exceed totalLength: Ethernet padding).
   */
  check(verifyChecksum: boolean): number {
    const b = this.buf
    const o = this.off
    if (!(o >= 0 && this.len >= IPV4_MIN_HDR && o + this.len <= b.length)) return Ipv4Check.TOO_SHORT
    if (b[o] >>> 4 !== 4) return Ipv4Check.BAD_VERSION
    const hl = (b[o] & 0xf) << 2
    if (hl < IPV4_MIN_HDR || hl > this.len) return Ipv4Check.BAD_HLEN
    if (verifyChecksum && !checksumOk(b, o, hl)) return Ipv4Check.BAD_CHECKSUM
    const tl = readU16(b, o + 2)
    if (tl < hl || tl > this.len) return Ipv4Check.BAD_LEN
    return Ipv4Check.OK
  }

  get version(): number {
    return this.buf[this.off] >>> 4
  }
  /** The header length in bytes (IHL * 4). */
  get headerLength(): number {
    return (this.buf[this.off] & 0xf) << 2
  }
  get tos(): number {
    return this.buf[this.off + 1]
  }
  get totalLength(): number {
    return readU16(this.buf, this.off + 2)
  }
  set totalLength(v: number) {
    writeU16(this.buf, this.off + 2, v)
  }
  get ident(): number {
    return readU16(this.buf, this.off + 4)
  }
  set ident(v: number) {
    writeU16(this.buf, this.off + 4, v)
  }
  get df(): boolean {
    return (this.buf[this.off + 6] & 0x40) !== 0
  }
  get mf(): boolean {
    return (this.buf[this.off + 6] & 0x20) !== 0
  }
  /** The fragment offset in bytes (the field counts 8-byte units). */
  get fragOffset(): number {
    return (readU16(this.buf, this.off + 6) & IP_OFFMASK) << 3
  }
  /** Sets flags and fragment offset (bytes, a multiple of 8); the reserved flag bit is cleared. */
  setFragment(offsetBytes: number, mf: boolean, df: boolean): void {
    writeU16(this.buf, this.off + 6, flagsAndOffset(offsetBytes, mf, df))
  }
  get ttl(): number {
    return this.buf[this.off + 8]
  }
  set ttl(v: number) {
    this.buf[this.off + 8] = v
  }
  get protocol(): number {
    return this.buf[this.off + 9]
  }
  get checksum(): number {
    return readU16(this.buf, this.off + 10)
  }
  set checksum(v: number) {
    writeU16(this.buf, this.off + 10, v)
  }
  get src(): number {
    return readU32(this.buf, this.off + 12)
  }
  set src(a: number) {
    writeU32(this.buf, this.off + 12, a)
  }
  get dst(): number {
    return readU32(this.buf, this.off + 16)
  }
  set dst(a: number) {
    writeU32(this.buf, this.off + 16, a)
  }
  /** The source as int32 (readI32): for the packet path, where the unsigned form would be boxed. */
  get src32(): number {
    // Spelled out rather than a readI32 call: these run several times per forwarded packet, and a
    // call that the optimiser's inlining budget leaves out costs more than the four loads.
    const b = this.buf
    const o = this.off + 12
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!
  }
  /** The destination as int32. */
  get dst32(): number {
    const b = this.buf
    const o = this.off + 16
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!
  }
  get payloadOffset(): number {
    return this.off + this.headerLength
  }
  /** totalLength - headerLength: meaningful once `check` returned OK. */
  get payloadLength(): number {
    return this.totalLength - this.headerLength
  }

  /** Computes and stores the header checksum (over headerLength bytes, never beyond len). */
  fillChecksum(): void {
    const b = this.buf
    const o = this.off
    b[o + 10] = 0
    b[o + 11] = 0
    writeU16(b, o + 10, checksum(b, o, Math.min(this.headerLength, this.len)))
  }

  /**
   * TTL - 1 with the RFC 1624 incremental checksum update, as forwarding does. Does nothing when the
   * TTL is already 0: the caller sends time-exceeded for TTL <= 1 instead of forwarding.
   */
  decrementTtl(): void {
    ipv4DecrementTtl(this.buf, this.off)
  }
}

/** The TTL of the header at b[o] down by one (not below 0), its checksum updated incrementally. */
export function ipv4DecrementTtl(b: Uint8Array, o: number): void {
  const ttl = b[o + 8]!
  if (ttl === 0) return
  // RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), folded in place: the sum of three 16-bit words
  // needs two folds, never fold()'s general loop (a forwarded packet's hottest arithmetic).
  const oldWord = (ttl << 8) | b[o + 9]!
  b[o + 8] = ttl - 1
  let sum = (~((b[o + 10]! << 8) | b[o + 11]!) & 0xffff) + (~oldWord & 0xffff) + ((oldWord - 0x100) & 0xffff)
  sum = (sum & 0xffff) + (sum >>> 16)
  sum = (sum & 0xffff) + (sum >>> 16)
  const c = ~sum & 0xffff
  b[o + 10] = c >>> 8
  b[o + 11] = c
}

export interface Ipv4Repr {
  src: number
  dst: number
  protocol: number
  ttl: number
  tos: number
  ident: number
  df: boolean
  mf: boolean
  /** In bytes, a multiple of 8. */
  fragOffset: number
  payloadLength: number
}

/** The flags-and-fragment-offset word (bytes 6..7) for `writeIpv4Header`. */
export function flagsAndOffset(offsetBytes: number, mf: boolean, df: boolean): number {
  return ((offsetBytes >>> 3) & IP_OFFMASK) | (mf ? IP_MF : 0) | (df ? IP_DF : 0)
}

/** Null unless the header passes `check(true)`. Options are skipped (payloadLength excludes them). */
export function parseIpv4Header(buf: Uint8Array, off: number, len: number): Ipv4Repr | null {
  const v = new Ipv4View()
  v.point(buf, off, len)
  if (v.check(true) !== Ipv4Check.OK) return null
  return {
    src: v.src,
    dst: v.dst,
    protocol: v.protocol,
    ttl: v.ttl,
    tos: v.tos,
    ident: v.ident,
    df: v.df,
    mf: v.mf,
    fragOffset: v.fragOffset,
    payloadLength: v.payloadLength,
  }
}

/** Writes a 20-byte header (no options) with its checksum; returns 20. The caller ensures room. */
export function emitIpv4(r: Ipv4Repr, buf: Uint8Array, off: number): number {
  writeIpv4Header(
    buf,
    off,
    r.src,
    r.dst,
    r.protocol,
    r.ttl,
    r.tos,
    r.ident,
    r.payloadLength,
    flagsAndOffset(r.fragOffset, r.mf, r.df),
  )
  return IPV4_MIN_HDR
}

/** Allocation-free form of `emitIpv4`: a 20-byte header, totalLength = 20 + payloadLength, checksum. */
export function writeIpv4Header(
  buf: Uint8Array,
  off: number,
  src: number,
  dst: number,
  protocol: number,
  ttl: number,
  tos: number,
  ident: number,
  payloadLength: number,
  flagsAndOffsetWord: number,
): void {
  buf[off] = 0x45
  buf[off + 1] = tos
  writeU16(buf, off + 2, IPV4_MIN_HDR + payloadLength)
  writeU16(buf, off + 4, ident)
  writeU16(buf, off + 6, flagsAndOffsetWord)
  buf[off + 8] = ttl
  buf[off + 9] = protocol
  buf[off + 10] = 0
  buf[off + 11] = 0
  writeU32(buf, off + 12, src)
  writeU32(buf, off + 16, dst)
  writeU16(buf, off + 10, checksum(buf, off, IPV4_MIN_HDR))
}

/**
 * The unfolded one's complement sum of the pseudo header (src, dst, zero, protocol, length) that UDP
 * and TCP checksums include: pass it as `acc` to `checksum`.
 */
export function ipv4PseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length
}
