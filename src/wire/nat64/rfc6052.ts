/**
 * IPv4-embedded IPv6 addresses (RFC 6052): where the 32 bits of an IPv4 address sit inside an
 * IPv6 address for each of the permitted prefix lengths, and which IPv4 addresses the Well-Known
 * Prefix may not carry. Pure functions over caller-owned bytes: nothing allocates, nothing throws
 * for in-range offsets; it must not decide policy beyond RFC 6052 §3.1.
 */

/** RFC 6052 §2.2: the only prefix lengths a translator may use. */
export const RFC6052_LENGTHS = [32, 40, 48, 56, 64, 96] as const

/** The Well-Known Prefix 64:ff9b::/96 (RFC 6052 §2.1), first 12 bytes. */
export const WKP = Object.freeze([0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] as const)

export function isRfc6052Length(n: number): boolean {
  return n === 32 || n === 40 || n === 48 || n === 56 || n === 64 || n === 96
}

/**
 * Write prefix (its first len bits) with v4 embedded into out[o, o+16). §2.2: bits 64..71 (the "u"
 * octet) are zero and the IPv4 bytes skip it; the suffix after the IPv4 address is zero.
 */
export function embed4(
  prefix: Uint8Array,
  po: number,
  len: number,
  v4: number,
  out: Uint8Array,
  o: number,
): void {
  const pb = len >>> 3
  for (let i = 0; i < 16; i++) out[o + i] = i < pb ? prefix[po + i]! : 0
  let pos = pb
  for (let k = 0; k < 4; k++) {
    if (pos === 8) pos++
    out[o + pos++] = (v4 >>> (24 - 8 * k)) & 0xff
  }
}

/** The IPv4 address embedded in a[o, o+16) under a prefix of length len (§2.2), unsigned. */
export function extract4(a: Uint8Array, o: number, len: number): number {
  let pos = len >>> 3
  let v = 0
  for (let k = 0; k < 4; k++) {
    if (pos === 8) pos++
    v = v * 256 + a[o + pos++]!
  }
  return v
}

/** Whether a[o..] starts with the first len bits of prefix[po..] (len a multiple of 8 here). */
export function matchesPrefix(
  a: Uint8Array,
  o: number,
  prefix: Uint8Array,
  po: number,
  len: number,
): boolean {
  const n = len >>> 3
  for (let i = 0; i < n; i++) if (a[o + i] !== prefix[po + i]) return false
  // §2.2: the u octet of an address built from a prefix shorter than /64 is zero.
  return len >= 64 || a[o + 8] === 0
}

/** Whether prefix[po..]/len is the Well-Known Prefix 64:ff9b::/96. */
export function isWkp(prefix: Uint8Array, po: number, len: number): boolean {
  if (len !== 96) return false
  for (let i = 0; i < 12; i++) if (prefix[po + i] !== WKP[i]) return false
  return true
}

/**
 * §3.1: the Well-Known Prefix MUST NOT be used with non-global IPv4 addresses — the private (RFC
 * 1918) ranges and the other special-purpose blocks a translator would otherwise leak.
 */
export function isNonGlobal4(a: number): boolean {
  const b0 = a >>> 24
  const b1 = (a >>> 16) & 0xff
  const b2 = (a >>> 8) & 0xff
  if (b0 === 0 || b0 === 10 || b0 === 127 || b0 >= 224) return true
  if (b0 === 100 && (b1 & 0xc0) === 64) return true // 100.64/10 shared address space
  if (b0 === 169 && b1 === 254) return true
  if (b0 === 172 && (b1 & 0xf0) === 16) return true
  if (b0 === 192 && b1 === 168) return true
  if (b0 === 192 && b1 === 0 && (b2 === 0 || b2 === 2)) return true
  if (b0 === 198 && (b1 & 0xfe) === 18) return true
  if (b0 === 198 && b1 === 51 && b2 === 100) return true
  if (b0 === 203 && b1 === 0 && b2 === 113) return true
  return false
}
