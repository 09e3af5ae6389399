/**
 * Address text as topology files write it: IPv4 `a.b.c.d/len` prefixes (an interface address with its
 * prefix length, or a route destination), IPv6 `addr/len` (checked, not used yet) and MAC addresses.
 * Built on the wire layer's strict parsers; every function returns null or false on bad input and
 * never throws, because the loaders feed them whatever a file contains.
 */

import { formatIpv4, formatMac, parseIpv4, parseMac, prefixToMask } from '../wire/addr.js'

export interface Prefix {
  /** The address as written (host bits kept), unsigned 32-bit. */
  addr: number
  len: number
}

/** Parses `a.b.c.d/len` (len 0..32, decimal without leading zeros). */
export function parsePrefix(s: string): Prefix | null {
  const slash = s.indexOf('/')
  if (slash < 0) return null
  const addr = parseIpv4(s.slice(0, slash))
  const lenText = s.slice(slash + 1)
  if (addr === null || !/^(?:3[0-2]|[12]?[0-9])$/.test(lenText)) return null
  return { addr, len: Number(lenText) }
}

/** A route destination: `default`, `a.b.c.d/len` or a bare address (a host route, /32). */
export function parseDestination(s: string): Prefix | null {
  if (s === 'default') return { addr: 0, len: 0 }
  if (!s.includes('/')) {
    const addr = parseIpv4(s)
    return addr === null ? null : { addr, len: 32 }
  }
  return parsePrefix(s)
}

export function networkOf(p: Prefix): number {
  return (p.addr & prefixToMask(p.len)) >>> 0
}

export function broadcastOf(p: Prefix): number {
  return (networkOf(p) | ~prefixToMask(p.len)) >>> 0
}

export function formatPrefix(addr: number, len: number): string {
  return `${formatIpv4(addr)}/${len}`
}

/** Is `addr` inside the subnet of `p`? */
export function contains(p: Prefix, addr: number): boolean {
  return ((addr ^ p.addr) & prefixToMask(p.len)) >>> 0 === 0
}

/** Do two prefixes share at least one address? */
export function overlaps(a: Prefix, b: Prefix): boolean {
  const len = Math.min(a.len, b.len)
  return ((a.addr ^ b.addr) & prefixToMask(len)) >>> 0 === 0
}

/**
 * Why an address cannot be an interface address, or null when it can. /31 and /32 have no network or
 * broadcast address (RFC 3021), so any address in them is usable.
 */
export function interfaceAddressProblem(p: Prefix): string | null {
  const top = p.addr >>> 24
  if (p.len === 0) return 'a /0 prefix covers every address'
  if (top === 0) return 'addresses in 0.0.0.0/8 are not usable'
  if (top === 127) return 'loopback addresses (127.0.0.0/8) belong on lo0'
  if (top >= 224 && top < 240) return 'it is a multicast address'
  if (top >= 240) return 'addresses in 240.0.0.0/4 are reserved'
  if (p.len <= 30 && p.addr === networkOf(p)) return `it is the network address of ${formatSubnet(p)}`
  if (p.len <= 30 && p.addr === broadcastOf(p)) return `it is the broadcast address of ${formatSubnet(p)}`
  return null
}

/** `10.1.2.0/24` for `10.1.2.3/24`. */
export function formatSubnet(p: Prefix): string {
  return formatPrefix(networkOf(p), p.len)
}

/** Lower-case colon form of a unicast MAC (`42:00:AA:0:0:1` -> `42:00:aa:00:00:01`), or null. */
export function normalizeMac(s: string): string | null {
  const m = parseMac(s)
  if (m === null) return null
  return formatMac(m)
}

/** Group (multicast/broadcast) MACs have the I/G bit, the low bit of the first octet. */
export function isGroupMac(s: string): boolean {
  const m = parseMac(s)
  return m !== null && (Math.floor(m / 2 ** 40) & 1) === 1
}

/**
 * Checks an IPv6 `address/len` in RFC 4291 text form: up to eight groups of 1-4 hex digits, at most
 * one `::`, optionally an embedded dotted quad at the end; len 0..128.
 */
export function isIpv6Prefix(s: string): boolean {
  const slash = s.indexOf('/')
  if (slash < 0) return false
  const lenText = s.slice(slash + 1)
  if (!/^(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])$/.test(lenText)) return false
  return isIpv6Address(s.slice(0, slash))
}

export function isIpv6Address(s: string): boolean {
  if (s.length === 0 || s.length > 45) return false
  let groups = 8
  let text = s
  // An embedded IPv4 address takes the room of the last two groups (::ffff:1.2.3.4).
  const lastColon = text.lastIndexOf(':')
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    if (parseIpv4(text.slice(lastColon + 1)) === null) return false
    text = text.slice(0, lastColon + 1) + '0'
    groups = 7
  }
  const halves = text.split('::')
  if (halves.length > 2) return false
  const isGroup = (g: string) => /^[0-9A-Fa-f]{1,4}$/.test(g)
  const parts = halves.map((h) => (h === '' ? [] : h.split(':')))
  if (!parts.every((p) => p.every(isGroup))) return false
  const count = parts.reduce((n, p) => n + p.length, 0)
  return halves.length === 2 ? count < groups : count === groups
}
