/**
 * The ICMP <-> ICMPv6 correspondences of RFC 7915 §4.2 and §5.2 as lookups: types and codes,
 * Parameter Problem pointers, and the RFC 1191 plateau a Packet Too Big falls back to when an old
 * IPv4 router reported MTU 0. Tables only; the translator (xlate.ts) decides what to do with them.
 */

/** RFC 1191 §7's plateau table, largest first. */
const PLATEAUS = Object.freeze([65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68] as const)

/** §4.2: the greatest plateau below the returned Total Length that is at least 1280; 1280 if none. */
export function plateauMtu(totalLength: number): number {
  for (const p of PLATEAUS) if (p < totalLength && p >= 1280) return p
  return 1280
}

/**
 * ICMPv4 error (type, code) -> ICMPv6 (type << 8 | code), or -1 when §4.2 says to drop it. Destination
 * Unreachable code 4 (fragmentation needed) and Parameter Problem are handled by the caller, which
 * also fills their MTU and pointer fields.
 */
export function icmp4ErrorTo6(type: number, code: number): number {
  if (type === 3) {
    switch (code) {
      case 0:
      case 1:
      case 5:
      case 6:
      case 7:
      case 8:
      case 11:
      case 12:
        return (1 << 8) | 0 // no route to destination
      case 2:
        return (4 << 8) | 1 // Parameter Problem, unrecognized Next Header (pointer 6)
      case 3:
        return (1 << 8) | 4 // port unreachable
      case 4:
        return 2 << 8 // Packet Too Big
      case 9:
      case 10:
      case 13:
      case 15:
        return (1 << 8) | 1 // communication administratively prohibited
      default:
        return -1 // 14 (host precedence violation) and unknown codes are silently dropped
    }
  }
  if (type === 11) return code <= 1 ? (3 << 8) | code : -1
  if (type === 12) return code === 0 || code === 2 ? 4 << 8 : -1
  return -1
}

/** ICMPv6 error (type, code) -> ICMPv4 (type << 8 | code), or -1 when §5.2 says to drop it. */
export function icmp6ErrorTo4(type: number, code: number): number {
  if (type === 1) {
    switch (code) {
      case 0:
      case 2:
      case 3:
        return (3 << 8) | 1 // host unreachable
      case 1:
        return (3 << 8) | 10 // communication with destination host administratively prohibited
      case 4:
        return (3 << 8) | 3 // port unreachable
      default:
        return -1
    }
  }
  if (type === 2) return (3 << 8) | 4
  if (type === 3) return code <= 1 ? (11 << 8) | code : -1
  if (type === 4) {
    if (code === 0) return 12 << 8
    if (code === 1) return (3 << 8) | 2 // unrecognized Next Header -> protocol unreachable
    return -1
  }
  return -1
}

/** §4.2 Figure 3: an IPv4 Parameter Problem pointer -> the IPv6 one, or -1 (drop). */
export function pointer4to6(p: number): number {
  if (p === 0 || p === 1) return p
  if (p === 2 || p === 3) return 4
  if (p === 8) return 7
  if (p === 9) return 6
  if (p >= 12 && p <= 15) return 8
  if (p >= 16 && p <= 19) return 24
  return -1
}

/** §5.2 Figure 6: an IPv6 Parameter Problem pointer -> the IPv4 one, or -1 (drop). */
export function pointer6to4(p: number): number {
  if (p === 0 || p === 1) return p
  if (p === 4 || p === 5) return 2
  if (p === 6) return 9
  if (p === 7) return 8
  if (p >= 8 && p <= 23) return 12
  if (p >= 24 && p <= 39) return 16
  return -1
}
