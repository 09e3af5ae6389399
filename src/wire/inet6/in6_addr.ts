/**
 * IPv6 addresses (RFC 4291) as 16-byte arrays: parsing the text forms of RFC 4291 §2.2, printing the
 * canonical form of RFC 5952 §4, classification (scope, multicast, link-local ...), and the
 * derived addresses Neighbor Discovery needs: the solicited-node group (RFC 4291 §2.7.1) and its
 * Ethernet group MAC (RFC 2464 §7), and the modified EUI-64 interface identifier (RFC 4291 App. A).
 *
 * Comparisons and classification work on (buffer, offset) pairs so the data path can test addresses
 * in a packet without copying them. Nothing here allocates except parse/format and the constructors.
 * Must not: know about scope zones or interfaces (the stack's scope6 does).
 */

/** An IPv6 address: 16 bytes, network order. */
export type In6Addr = Uint8Array

export const IN6_ADDR_LEN = 16

export function in6Any(): In6Addr {
  return new Uint8Array(16)
}

/** ::1 */
export function in6Loopback(): In6Addr {
  const a = new Uint8Array(16)
  a[15] = 1
  return a
}

/** Bytes a[ao..ao+16) equal b[bo..bo+16). */
export function in6Eq(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 0; i < 16; i++) if (a[ao + i] !== b[bo + i]) return false
  return true
}

export function in6Copy(dst: Uint8Array, doff: number, src: Uint8Array, soff: number): void {
  for (let i = 0; i < 16; i++) dst[doff + i] = src[soff + i]!
}

export function in6IsUnspecified(a: Uint8Array, o = 0): boolean {
  for (let i = 0; i < 16; i++) if (a[o + i] !== 0) return false
  return true
}

export function in6IsLoopback(a: Uint8Array, o = 0): boolean {
  for (let i = 0; i < 15; i++) if (a[o + i] !== 0) return false
  return a[o + 15] === 1
}

export function in6IsMulticast(a: Uint8Array, o = 0): boolean {
  return a[o] === 0xff
}

/** fe80::/10 */
export function in6IsLinkLocal(a: Uint8Array, o = 0): boolean {
  return a[o] === 0xfe && (a[o + 1]! & 0xc0) === 0x80
}

/** ::ffff:0:0/96 */
export function in6IsV4Mapped(a: Uint8Array, o = 0): boolean {
  for (let i = 0; i < 10; i++) if (a[o + i] !== 0) return false
  return a[o + 10] === 0xff && a[o + 11] === 0xff
}

/** The multicast scope nibble (RFC 4291 §2.7): 1 interface-local, 2 link-local, 5 site, 0xe global. */
export function in6McastScope(a: Uint8Array, o = 0): number {
  return a[o + 1]! & 0xf
}

/** Address scopes (RFC 4007 / FreeBSD's IPV6_ADDR_SCOPE_*). */
export const Scope = { INTFACELOCAL: 1, LINKLOCAL: 2, SITELOCAL: 5, GLOBAL: 0xe } as const

/** The scope of a unicast or multicast address (in6_addrscope). */
export function in6Scope(a: Uint8Array, o = 0): number {
  if (in6IsMulticast(a, o)) return in6McastScope(a, o)
  if (in6IsLinkLocal(a, o) || in6IsLoopback(a, o)) return Scope.LINKLOCAL
  if (a[o] === 0xfe && (a[o + 1]! & 0xc0) === 0xc0) return Scope.SITELOCAL
  return Scope.GLOBAL
}

/** Whether a and b agree on their first `len` bits. */
export function in6PrefixEq(a: Uint8Array, ao: number, b: Uint8Array, bo: number, len: number): boolean {
  const bytes = len >>> 3
  for (let i = 0; i < bytes; i++) if (a[ao + i] !== b[bo + i]) return false
  const bits = len & 7
  if (bits === 0) return true
  const mask = (0xff << (8 - bits)) & 0xff
  return ((a[ao + bytes]! ^ b[bo + bytes]!) & mask) === 0
}

/** The number of leading bits a and b share (RFC 6724 §2.2 CommonPrefixLen), at most 128. */
export function in6CommonPrefixLen(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  for (let i = 0; i < 16; i++) {
    const x = a[ao + i]! ^ b[bo + i]!
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return 128
}

/** a masked to its first `len` bits (a new array). */
export function in6Masked(a: Uint8Array, len: number): In6Addr {
  return in6MaskInto(new Uint8Array(16), a, 0, len)
}

/** dst[0, 16) = the address at a[ao] masked to its first `len` bits (no allocation); returns dst. */
export function in6MaskInto(dst: Uint8Array, a: Uint8Array, ao: number, len: number): Uint8Array {
  for (let i = 0; i < 16; i++) {
    const bits = len - i * 8
    dst[i] = bits >= 8 ? a[ao + i]! : bits <= 0 ? 0 : a[ao + i]! & ((0xff << (8 - bits)) & 0xff)
  }
  return dst
}

/** The netmask of a prefix length (for `netstat -r` style masks). */
export function in6MaskOf(len: number): In6Addr {
  const full = new Uint8Array(16).fill(0xff)
  return in6Masked(full, len)
}

/** The prefix length of a contiguous mask, or -1. */
export function in6MaskLen(m: Uint8Array): number {
  let len = 0
  let i = 0
  for (; i < 16 && m[i] === 0xff; i++) len += 8
  if (i < 16) {
    const b = m[i]!
    const ones = Math.clz32(~(b << 24))
    if (((b << ones) & 0xff) !== 0) return -1
    len += ones
    for (i++; i < 16; i++) if (m[i] !== 0) return -1
  }
  return len
}

/** ff02::1:ffXX:XXXX, the solicited-node group of a (RFC 4291 §2.7.1), written at r[ro..]. */
export function in6SolicitedNode(r: Uint8Array, ro: number, a: Uint8Array, ao: number): void {
  r[ro] = 0xff
  r[ro + 1] = 0x02
  for (let i = 2; i < 11; i++) r[ro + i] = 0
  r[ro + 11] = 1
  r[ro + 12] = 0xff
  r[ro + 13] = a[ao + 13]!
  r[ro + 14] = a[ao + 14]!
  r[ro + 15] = a[ao + 15]!
}

/** 33:33 followed by the group's last 32 bits (RFC 2464 §7), as a 48-bit number. */
export function in6McastMac(a: Uint8Array, o: number): number {
  return (
    0x3333 * 0x100000000 + (((a[o + 12]! << 24) | (a[o + 13]! << 16) | (a[o + 14]! << 8) | a[o + 15]!) >>> 0)
  )
}

/** fe80::/64 with the modified EUI-64 identifier of `mac` (RFC 4291 App. A; RFC 2464 §4). */
export function in6LinkLocalFromMac(mac: number): In6Addr {
  const a = new Uint8Array(16)
  a[0] = 0xfe
  a[1] = 0x80
  const hi = Math.floor(mac / 0x100000000)
  const lo = mac >>> 0
  a[8] = ((hi >>> 8) & 0xff) ^ 0x02
  a[9] = hi & 0xff
  a[10] = lo >>> 24
  a[11] = 0xff
  a[12] = 0xfe
  a[13] = (lo >>> 16) & 0xff
  a[14] = (lo >>> 8) & 0xff
  a[15] = lo & 0xff
  return a
}

/**
 * A 32-bit hash of an address (for the local-address and neighbour tables; no allocation): the four
 * 32-bit words mixed with one multiply each (murmur3's constants), a quarter of the multiplies of a
 * bytewise FNV, on every packet's lookups.
 */
export function in6Hash(a: Uint8Array, o: number): number {
  let h = 0x811c9dc5
  for (let i = o; i < o + 16; i += 4) {
    const w = (a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!
    h = Math.imul(h ^ w, 0xcc9e2d51)
    h ^= h >>> 15
  }
  return Math.imul(h, 0x1b873593) ^ (h >>> 13)
}

/**
 * Parse the text forms of RFC 4291 §2.2 (`2001:db8::1`, `::`, `::ffff:192.0.2.1`); no zone or
 * prefix (callers split those off). null when malformed.
 */
export function parseIpv6(s: string): In6Addr | null {
  if (s.length === 0 || s.length > 45) return null
  const r = new Uint8Array(16)
  const dbl = s.indexOf('::')
  if (dbl !== s.lastIndexOf('::')) return null
  const parseGroups = (part: string, allowV4: boolean): number[] | null => {
    if (part === '') return []
    const groups = part.split(':')
    const out: number[] = []
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!
      if (allowV4 && i === groups.length - 1 && g.includes('.')) {
        const q = g.split('.')
        if (q.length !== 4) return null
        const b: number[] = []
        for (const x of q) {
          if (!/^\d{1,3}$/.test(x) || (x.length > 1 && x[0] === '0')) return null
          const n = Number(x)
          if (n > 255) return null
          b.push(n)
        }
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!)
        continue
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null
      out.push(Number.parseInt(g, 16))
    }
    return out
  }
  let words: number[]
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl), false)
    const tail = parseGroups(s.slice(dbl + 2), true)
    if (head === null || tail === null || head.length + tail.length > 7) return null
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
  } else {
    const all = parseGroups(s, true)
    if (all === null || all.length !== 8) return null
    words = all
  }
  for (let i = 0; i < 8; i++) {
    r[2 * i] = words[i]! >>> 8
    r[2 * i + 1] = words[i]! & 0xff
  }
  return r
}

/** The canonical text form (RFC 5952 §4): lower case, no leading zeros, longest zero run as `::`. */
export function formatIpv6(a: Uint8Array, o = 0): string {
  const w: number[] = []
  for (let i = 0; i < 8; i++) w.push((a[o + 2 * i]! << 8) | a[o + 2 * i + 1]!)
  // RFC 5952 §5: ::ffff:a.b.c.d for IPv4-mapped addresses.
  if (in6IsV4Mapped(a, o)) return `::ffff:${a[o + 12]}.${a[o + 13]}.${a[o + 14]}.${a[o + 15]}`
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && w[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  const hexw = (x: number): string => x.toString(16)
  if (best < 0) return w.map(hexw).join(':')
  return `${w.slice(0, best).map(hexw).join(':')}::${w
    .slice(best + bestLen)
    .map(hexw)
    .join(':')}`
}
