/**
 * ICMPv6 (RFC 4443) and the Neighbor Discovery messages carried in it (RFC 4861 §4): type and code
 * constants, the checksum over the IPv6 pseudo-header (RFC 4443 §2.3), and the fixed parts of
 * Neighbor Solicitation and Advertisement with their options (§4.6).
 *
 * Everything here is allocation-free and never throws once the caller has checked the lengths it
 * states; option walking validates each option's length (a zero-length option makes the message
 * invalid, §4.6). Must not: decide what to answer (the stack's icmp6 and nd6 do).
 */

import { readU16, readU32, writeU32 } from '../addr.js'
import { fold, sum16 } from '../checksum.js'
import { Ip6Nxt, ipv6PseudoSum } from './ipv6.js'

export const ICMP6_HDR_LEN = 8

export const Icmp6Type = {
  DST_UNREACH: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAM_PROB: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  MLD_LISTENER_QUERY: 130,
  MLD_LISTENER_REPORT: 131,
  MLD_LISTENER_DONE: 132,
  ROUTER_SOLICIT: 133,
  ROUTER_ADVERT: 134,
  NEIGHBOR_SOLICIT: 135,
  NEIGHBOR_ADVERT: 136,
  REDIRECT: 137,
  MLDV2_LISTENER_REPORT: 143,
} as const

export const Unreach6Code = {
  NOROUTE: 0,
  ADMIN: 1,
  BEYONDSCOPE: 2,
  ADDR: 3,
  NOPORT: 4,
} as const

export const TimeExceed6Code = { TRANSIT: 0, REASSEMBLY: 1 } as const

export const ParamProb6Code = { HEADER: 0, NEXTHEADER: 1, OPTION: 2 } as const

/** Errors have the high bit of the type clear (RFC 4443 §2.1). */
export function isIcmp6Error(type: number): boolean {
  return type < 128
}

/** ICMPv6 checksum of buf[off, off+len) with the pseudo-header of (src, dst); 0 over a correct message. */
export function icmp6Sum(
  buf: Uint8Array,
  off: number,
  len: number,
  src: Uint8Array,
  so: number,
  dst: Uint8Array,
  dso: number,
): number {
  return ~fold(sum16(buf, off, len, ipv6PseudoSum(src, so, dst, dso, len, Ip6Nxt.ICMPV6))) & 0xffff
}

/** Store the checksum of the message at buf[off, off+len) (its checksum field is cleared first). */
export function icmp6Finish(
  buf: Uint8Array,
  off: number,
  len: number,
  src: Uint8Array,
  so: number,
  dst: Uint8Array,
  dso: number,
): void {
  buf[off + 2] = 0
  buf[off + 3] = 0
  const c = icmp6Sum(buf, off, len, src, so, dst, dso)
  buf[off + 2] = c >>> 8
  buf[off + 3] = c & 0xff
}

export function writeIcmp6Header(
  buf: Uint8Array,
  off: number,
  type: number,
  code: number,
  rest32: number,
): void {
  buf[off] = type
  buf[off + 1] = code
  buf[off + 2] = 0
  buf[off + 3] = 0
  writeU32(buf, off + 4, rest32 >>> 0)
}

export function icmp6Ident(buf: Uint8Array, off: number): number {
  return readU16(buf, off + 4)
}

export function icmp6Seq(buf: Uint8Array, off: number): number {
  return readU16(buf, off + 6)
}

export function icmp6Rest(buf: Uint8Array, off: number): number {
  return readU32(buf, off + 4)
}

// Neighbor Discovery (RFC 4861 §4.3, §4.4): 4 bytes of flags/reserved, then the 16-byte target.
/** ICMPv6 header + reserved + target. */
export const ND_NS_LEN = 24
export const ND_NA_LEN = 24
/** NA flags (first byte after the checksum, as a 32-bit word). */
export const ND_NA_FLAG_ROUTER = 0x80000000
export const ND_NA_FLAG_SOLICITED = 0x40000000
export const ND_NA_FLAG_OVERRIDE = 0x20000000

export const NdOpt = {
  SOURCE_LINKADDR: 1,
  TARGET_LINKADDR: 2,
  PREFIX_INFORMATION: 3,
  REDIRECTED_HEADER: 4,
  MTU: 5,
} as const

/** A link-layer address option for Ethernet: type, length 1 (8 bytes), 6 bytes of MAC. */
export const ND_OPT_LLA_LEN = 8

export function writeNdOptLla(buf: Uint8Array, off: number, type: number, mac: number): void {
  buf[off] = type
  buf[off + 1] = 1
  const hi = Math.floor(mac / 0x100000000)
  const lo = mac >>> 0
  buf[off + 2] = (hi >>> 8) & 0xff
  buf[off + 3] = hi & 0xff
  writeU32(buf, off + 4, lo)
}

/** Result of `ndOptLla` when the options are malformed. */
export const ND_OPT_BAD = -2
/** Result of `ndOptLla` when the option is absent. */
export const ND_OPT_NONE = -1

/**
 * Walk the options in buf[off, off+len) and return the Ethernet address of the first option of
 * `type` (source or target link-layer address), ND_OPT_NONE when there is none, or ND_OPT_BAD when
 * an option has length zero or runs past the end (RFC 4861 §4.6: the packet is silently dropped).
 */
export function ndOptLla(buf: Uint8Array, off: number, len: number, type: number): number {
  let found = ND_OPT_NONE
  const end = off + len
  for (let p = off; p < end; ) {
    if (p + 2 > end) return ND_OPT_BAD
    const olen = buf[p + 1]! * 8
    if (olen === 0 || p + olen > end) return ND_OPT_BAD
    if (buf[p] === type && found === ND_OPT_NONE) {
      // An Ethernet address needs the 8-byte form; a longer option is for another link type.
      if (olen !== ND_OPT_LLA_LEN) return ND_OPT_BAD
      found = ((buf[p + 2]! << 8) | buf[p + 3]!) * 0x100000000 + readU32(buf, p + 4)
    }
    p += olen
  }
  return found
}
