/**
 * What both directions of the translator (xlate.ts) write: header sizes, protocol and extension
 * header numbers, and the IPv4, IPv6 and Fragment headers, each written in place into a scratch buffer.
 *
 * Must not: allocate, or keep anything between calls.
 */

import { checksum } from '../checksum.js'
import { copy, w16, w32 } from './nat64_bytes.js'

export const IP6_HDR = 40
export const FRAG_HDR = 8
/** Room kept in front of the translated payload: IPv6 header plus a Fragment Header. */
export const HEAD = IP6_HDR + FRAG_HDR
export const ICMP4_ERR_MAX = 576
export const ICMP6_ERR_MAX = 1280
export const PROTO_ICMP = 1
export const PROTO_TCP = 6
export const PROTO_UDP = 17
export const PROTO_ICMP6 = 58
export const NH_HOP = 0
export const NH_ROUTING = 43
export const NH_FRAG = 44
export const NH_DSTOPTS = 60

export function ip6Header(
  b: Uint8Array,
  o: number,
  tc: number,
  plen: number,
  nh: number,
  hlim: number,
  a6: Uint8Array,
  ao: number,
): void {
  b[o] = 0x60 | (tc >>> 4)
  b[o + 1] = (tc & 15) << 4
  b[o + 2] = 0
  b[o + 3] = 0
  w16(b, o + 4, plen)
  b[o + 6] = nh
  b[o + 7] = hlim
  copy(b, o + 8, a6, ao, ao + 32)
}

export function fragHeader(
  b: Uint8Array,
  o: number,
  nh: number,
  foff: number,
  more: boolean,
  id: number,
): void {
  b[o] = nh
  b[o + 1] = 0
  w16(b, o + 2, (foff & 0xfff8) | (more ? 1 : 0))
  w32(b, o + 4, id)
}

export function ip4Header(
  b: Uint8Array,
  o: number,
  tos: number,
  tot: number,
  id: number,
  fw: number,
  ttl: number,
  proto: number,
  src: number,
  dst: number,
): void {
  b[o] = 0x45
  b[o + 1] = tos
  w16(b, o + 2, tot)
  w16(b, o + 4, id)
  w16(b, o + 6, fw)
  b[o + 8] = ttl
  b[o + 9] = proto
  w16(b, o + 10, 0)
  w32(b, o + 12, src)
  w32(b, o + 16, dst)
  w16(b, o + 10, checksum(b, o, 20))
}
