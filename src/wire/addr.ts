/**
 * Addresses as plain numbers and big-endian integer access to bytes.
 *
 * IPv4 addresses are unsigned 32-bit numbers (always normalised with `>>> 0`), MAC addresses 48-bit
 * integer numbers (exact in a double; never bigint). The read/write helpers allocate nothing and never
 * throw; callers keep offsets inside the buffer. Parsing and formatting of text is for the control plane
 * only: parsers return null on bad input instead of throwing.
 */

export const BROADCAST_MAC = 0xffffffffffff
export const INADDR_ANY = 0
export const INADDR_BROADCAST = 0xffffffff

const TWO_32 = 0x100000000
const TWO_40 = 0x10000000000

// ---- integers in bytes, big-endian (network order) ----

export function readU16(buf: Uint8Array, off: number): number {
  return (buf[off] << 8) | buf[off + 1]
}

export function writeU16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 8
  buf[off + 1] = v
}

/** Reads an unsigned big-endian 32-bit integer. */
export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0
}

/**
 * Reads a big-endian 32-bit word as a signed int32: the form the packet path keeps IPv4 addresses in,
 * since an unsigned value above 2^31 is a heap-allocated double whenever it crosses a call. Convert
 * with `>>> 0` where an address leaves the packet path (printing, APIs).
 */
export function readI32(buf: Uint8Array, off: number): number {
  return (buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]
}

/** Writes the low 32 bits of `v` big-endian (signed or unsigned input both work). */
export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24
  buf[off + 1] = v >>> 16
  buf[off + 2] = v >>> 8
  buf[off + 3] = v
}

/** Reads a 6-byte MAC address as a 48-bit integer. */
export function readMac(buf: Uint8Array, off: number): number {
  return ((buf[off] << 8) | buf[off + 1]) * TWO_32 + readU32(buf, off + 2)
}

/** Writes a 48-bit integer as a 6-byte MAC address. */
export function writeMac(buf: Uint8Array, off: number, mac: number): void {
  const lo = mac >>> 0
  const hi = (mac - lo) / TWO_32
  buf[off] = hi >>> 8
  buf[off + 1] = hi
  writeU32(buf, off + 2, lo)
}

// ---- predicates ----

/** The I/G bit (least significant bit of the first octet): group addresses, broadcast included. */
export function isMulticastMac(m: number): boolean {
  return (Math.floor(m / TWO_40) & 1) === 1
}

/** 224.0.0.0/4 (class D). */
export function isMulticastIpv4(a: number): boolean {
  return a >>> 28 === 0xe
}

/**
 * ETHER_MAP_IP_MULTICAST (RFC 1112 §6.4): 01:00:5e followed by the group's low 23 bits, so 32
 * groups share each Ethernet address and receivers still check the IP destination.
 */
export function ipMulticastMac(a: number): number {
  return 0x01005e000000 + (a & 0x7fffff)
}

/** 127.0.0.0/8. */
export function isLoopbackIpv4(a: number): boolean {
  return a >>> 24 === 127
}

// ---- netmasks ----

/** The netmask with `len` leading one bits; `len` is clamped to 0..32. */
export function prefixToMask(len: number): number {
  if (!(len > 0)) return 0
  if (len >= 32) return 0xffffffff
  return (0xffffffff << (32 - len)) >>> 0
}

/** The prefix length of a contiguous netmask, or -1 when the one bits are not contiguous. */
export function maskToPrefix(mask: number): number {
  const host = ~mask >>> 0
  // A contiguous mask's host part is 2^k - 1, so adding one leaves a single bit (or wraps to 2^32 → 0).
  if ((host & (host + 1)) !== 0) return -1
  return Math.clz32(host)
}

// ---- text ----

/**
 * Parses a strict dotted quad: exactly four decimal parts 0..255 separated by dots, nothing else (no
 * sign, no spaces, no hex, no inet_aton short forms, no leading zeros as in inet_pton(3), since "010"
 * would be octal to inet_aton).
 */
export function parseIpv4(s: string): number | null {
  let addr = 0
  let part = 0
  let digits = 0
  let parts = 0
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e // treat the end as a final '.'
    if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && part === 0) return null // leading zero
      part = part * 10 + (c - 0x30)
      if (part > 255) return null
      digits++
    } else if (c === 0x2e) {
      if (digits === 0 || parts === 4) return null
      addr = addr * 256 + part
      parts++
      part = 0
      digits = 0
    } else {
      return null
    }
  }
  return parts === 4 ? addr : null
}

export function formatIpv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  c |= 0x20 // lower case
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10
  return -1
}

/**
 * Parses six groups of one or two hex digits (either case) separated by ':' or, consistently, '-':
 * `aa:bb:cc:dd:ee:ff`, `a:b:c:d:e:f` (as ether_aton(3) accepts), `AA-BB-CC-DD-EE-FF`.
 */
export function parseMac(s: string): number | null {
  let mac = 0
  let groups = 0
  let digits = 0
  let octet = 0
  let sep = 0
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1
    const d = c < 0 ? -1 : hexDigit(c)
    if (d >= 0) {
      if (digits === 2) return null
      octet = octet * 16 + d
      digits++
      continue
    }
    if (digits === 0) return null
    if (c >= 0) {
      if (c !== 0x3a && c !== 0x2d) return null // ':' or '-'
      if (sep === 0) sep = c
      else if (c !== sep) return null
      if (groups === 5) return null
    }
    mac = mac * 256 + octet
    groups++
    octet = 0
    digits = 0
  }
  return groups === 6 ? mac : null
}

/** Lower case, two digits per octet, colon separated: `02:00:00:00:00:0a`. */
export function formatMac(m: number): string {
  let s = ''
  for (let shift = 40; shift >= 0; shift -= 8) {
    const octet = Math.floor(m / 2 ** shift) % 256
    s += (octet < 16 ? '0' : '') + octet.toString(16) + (shift > 0 ? ':' : '')
  }
  return s
}
