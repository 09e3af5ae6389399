/**
 * Byte access and checksum arithmetic for the translator's hot path (xlate.ts): big-endian reads
 * and writes, RFC 1624 incremental checksum adjustment, plain-loop copies and 16-byte compares that
 * make no view object per packet. Pure functions: no state, no allocation, no bounds policy (the
 * caller has checked its lengths).
 */

import { fold } from '../checksum.js'

export const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!
export const u32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
export function w16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff
  b[o + 1] = v & 0xff
}
export function w32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff
  b[o + 1] = (v >>> 16) & 0xff
  b[o + 2] = (v >>> 8) & 0xff
  b[o + 3] = v & 0xff
}

/** RFC 1624: a checksum over data whose covered words summed to `oldSum` and now sum to `newSum`. */
export function csumAdjust(csum: number, oldSum: number, newSum: number): number {
  return ~fold((~csum & 0xffff) + (~fold(oldSum) & 0xffff) + fold(newSum)) & 0xffff
}

/** dst[o..] = src[from, to): a plain loop, so no view object is made per packet. */
export function copy(dst: Uint8Array, o: number, src: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) dst[o + i - from] = src[i]!
}

export function isIcmp4Error(t: number): boolean {
  return t === 3 || t === 4 || t === 5 || t === 11 || t === 12
}

export function isZero16(a: Uint8Array, o: number): boolean {
  for (let i = 0; i < 16; i++) if (a[o + i] !== 0) return false
  return true
}

export function eq16(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 0; i < 16; i++) if (a[ao + i] !== b[bo + i]) return false
  return true
}
