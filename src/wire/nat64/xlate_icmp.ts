/**
 * The translator's own messages: ICMPv4 and ICMPv6 errors about a packet it cannot pass (time
 * exceeded, unreachable, too big) and echo replies when its own address is pinged, as TAYGA answers.
 * Functions of the translator (xlate.ts).
 *
 * Must not: answer an ICMP error, a non-first fragment or a source that is no single host
 * (RFC 792, RFC 4443 §2.4(e)).
 */

import { checksum, sum16 } from '../checksum.js'
import { copy, isIcmp4Error, u16, u32, w16, w32 } from './nat64_bytes.js'
import type { Nat64 } from './xlate.js'
import { ICMP4_ERR_MAX, ICMP6_ERR_MAX, IP6_HDR, ip4Header, PROTO_ICMP, PROTO_ICMP6 } from './xlate_hdr.js'

/** ICMPv4 error about the packet at b[off, off+tot) back to its source, from self4. */
export function error4(
  x: Nat64,
  b: Uint8Array,
  off: number,
  tot: number,
  type: number,
  code: number,
  mtu: number,
): void {
  const proto = b[off + 9]!
  const ihl = (b[off]! & 15) * 4
  const src = u32(b, off + 12)
  // Never about an ICMP error, a non-first fragment, or to a source that is no single host.
  if ((u16(b, off + 6) & 0x1fff) !== 0) return
  if (proto === PROTO_ICMP && tot >= ihl + 1 && isIcmp4Error(b[off + ihl]!)) return
  if (src === 0 || src >>> 28 === 14 || src === 0xffffffff) return
  const e = x.err
  const quote = Math.min(tot, ICMP4_ERR_MAX - 28)
  e[20] = type
  e[21] = code
  w16(e, 22, 0)
  w32(e, 24, mtu & 0xffff)
  copy(e, 28, b, off, off + quote)
  w16(e, 22, checksum(e, 20, 8 + quote))
  ip4Header(e, 0, 0, 28 + quote, x.nextId(), 0, 64, PROTO_ICMP, x.self4, src)
  x.stats.icmpSent++
  x.emit(e, 0, 28 + quote)
}

/** ICMPv6 error about the packet at b[off, off+tot) back to its source, from self6. */
export function error6(
  x: Nat64,
  b: Uint8Array,
  off: number,
  tot: number,
  type: number,
  code: number,
  param: number,
): void {
  if (b[off + 6] === PROTO_ICMP6 && tot > IP6_HDR && b[off + IP6_HDR]! < 128) return
  const e = x.err
  const quote = Math.min(tot, ICMP6_ERR_MAX - IP6_HDR - 8)
  const n = 8 + quote
  copy(e, 8, x.self6, 0, 16)
  copy(e, 24, b, off + 8, off + 24)
  e[0] = 0x60
  e[1] = 0
  e[2] = 0
  e[3] = 0
  w16(e, 4, n)
  e[6] = PROTO_ICMP6
  e[7] = 64
  e[40] = type
  e[41] = code
  w16(e, 42, 0)
  w32(e, 44, param)
  copy(e, 48, b, off, off + quote)
  w16(e, 42, checksum(e, 40, n, sum16(e, 8, 32) + n + PROTO_ICMP6))
  x.stats.icmpSent++
  x.emit(e, 0, IP6_HDR + n)
}

/** Echo Reply from self4 to a ping of it (TAYGA answers at its own address). */
export function echoReply4(x: Nat64, b: Uint8Array, off: number, ihl: number, tot: number): void {
  const n = tot - ihl
  if (20 + n > x.err.length) return
  const e = x.err
  copy(e, 20, b, off + ihl, off + tot)
  e[20] = 0
  w16(e, 22, 0)
  w16(e, 22, checksum(e, 20, n))
  ip4Header(e, 0, b[off + 1]!, 20 + n, x.nextId(), 0, 64, PROTO_ICMP, x.self4, u32(b, off + 12))
  x.stats.icmpSent++
  x.emit(e, 0, 20 + n)
}

export function echoReply6(x: Nat64, b: Uint8Array, off: number, p: number, end: number): void {
  const n = end - p
  if (IP6_HDR + n > x.err.length) return
  if (checksum(b, p, n, sum16(b, off + 8, 32) + n + PROTO_ICMP6) !== 0) return void x.stats.malformed++
  const e = x.err
  copy(e, 8, x.self6, 0, 16)
  copy(e, 24, b, off + 8, off + 24)
  e[0] = 0x60
  e[1] = 0
  e[2] = 0
  e[3] = 0
  w16(e, 4, n)
  e[6] = PROTO_ICMP6
  e[7] = 64
  copy(e, IP6_HDR, b, p, end)
  e[IP6_HDR] = 129
  w16(e, IP6_HDR + 2, 0)
  w16(e, IP6_HDR + 2, checksum(e, IP6_HDR, n, sum16(e, 8, 32) + n + PROTO_ICMP6))
  x.stats.icmpSent++
  x.emit(e, 0, IP6_HDR + n)
}
