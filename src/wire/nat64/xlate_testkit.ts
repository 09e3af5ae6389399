/**
 * Hand-built IPv4/IPv6/ICMP/UDP/TCP packets and checksum checks for the translator's tests, plus
 * the RFC 7915 Appendix A mapping (prefix 2001:db8:100::/40). Test support only: used by *.test.ts.
 */

import { checksum, sum16 } from '../checksum.js'
import { parseIpv6 } from '../inet6/in6_addr.js'
import type { Nat64Map, Nat64Options } from './nat64_var.js'
import { embed4, extract4, matchesPrefix } from './rfc6052.js'
import { Nat64 } from './xlate.js'

export const PREFIX = parseIpv6('2001:db8:100::')!
export const PLEN = 40

/** RFC 7915 Appendix A: every address maps through the /40 Network-Specific Prefix. */
export const prefixMap: Nat64Map = {
  map4to6(v4, out, o) {
    embed4(PREFIX, 0, PLEN, v4, out, o)
    return true
  },
  map6to4(a, o) {
    return matchesPrefix(a, o, PREFIX, 0, PLEN) ? extract4(a, o, PLEN) : -1
  },
}

export function v6(s: string): Uint8Array {
  return parseIpv6(s)!
}

export function v4(s: string): number {
  const p = s.split('.').map(Number)
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0
}

export interface Ip4Opts {
  ttl?: number
  tos?: number
  id?: number
  df?: boolean
  mf?: boolean
  foff?: number
}

export function ip4(
  src: number,
  dst: number,
  proto: number,
  payload: Uint8Array,
  o: Ip4Opts = {},
): Uint8Array {
  const b = new Uint8Array(20 + payload.length)
  const v = new DataView(b.buffer)
  b[0] = 0x45
  b[1] = o.tos ?? 0
  v.setUint16(2, b.length)
  v.setUint16(4, o.id ?? 1)
  v.setUint16(6, (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.foff ?? 0) >>> 3))
  b[8] = o.ttl ?? 64
  b[9] = proto
  v.setUint32(12, src)
  v.setUint32(16, dst)
  v.setUint16(10, checksum(b, 0, 20))
  b.set(payload, 20)
  return b
}

export function ip6(
  src: Uint8Array,
  dst: Uint8Array,
  nh: number,
  payload: Uint8Array,
  hlim = 64,
  tc = 0,
): Uint8Array {
  const b = new Uint8Array(40 + payload.length)
  b[0] = 0x60 | (tc >>> 4)
  b[1] = (tc & 15) << 4
  new DataView(b.buffer).setUint16(4, payload.length)
  b[6] = nh
  b[7] = hlim
  b.set(src, 8)
  b.set(dst, 24)
  b.set(payload, 40)
  return b
}

/** An ICMPv4 message: type, code, the 4-byte rest of header, data; checksummed. */
export function icmp4(type: number, code: number, rest: number, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(8 + data.length)
  b[0] = type
  b[1] = code
  new DataView(b.buffer).setUint32(4, rest >>> 0)
  b.set(data, 8)
  new DataView(b.buffer).setUint16(2, checksum(b, 0, b.length))
  return b
}

function pseudo6(src: Uint8Array, dst: Uint8Array, len: number, nh: number): number {
  return sum16(src, 0, 16) + sum16(dst, 0, 16) + len + nh
}

export function icmp6(
  src: Uint8Array,
  dst: Uint8Array,
  type: number,
  code: number,
  rest: number,
  data: Uint8Array,
): Uint8Array {
  const b = new Uint8Array(8 + data.length)
  b[0] = type
  b[1] = code
  new DataView(b.buffer).setUint32(4, rest >>> 0)
  b.set(data, 8)
  new DataView(b.buffer).setUint16(2, checksum(b, 0, b.length, pseudo6(src, dst, b.length, 58)))
  return b
}

function be32(a: number): Uint8Array {
  return new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255])
}

/** UDP (or TCP with tcp=true: a 20-byte header) over IPv4, checksummed unless zero is asked for. */
export function l4v4(
  src: number,
  dst: number,
  sport: number,
  dport: number,
  data: Uint8Array,
  tcp = false,
  zero = false,
): Uint8Array {
  const h = tcp ? 20 : 8
  const b = new Uint8Array(h + data.length)
  const v = new DataView(b.buffer)
  v.setUint16(0, sport)
  v.setUint16(2, dport)
  if (tcp) {
    v.setUint32(4, 1000)
    b[12] = 5 << 4
    b[13] = 0x18
    v.setUint16(14, 65535)
  } else v.setUint16(4, b.length)
  b.set(data, h)
  if (!zero) {
    const ps = sum16(be32(src), 0, 4) + sum16(be32(dst), 0, 4) + b.length + (tcp ? 6 : 17)
    v.setUint16(tcp ? 16 : 6, checksum(b, 0, b.length, ps))
  }
  return b
}

export function l4v6(
  src: Uint8Array,
  dst: Uint8Array,
  sport: number,
  dport: number,
  data: Uint8Array,
  tcp = false,
): Uint8Array {
  const h = tcp ? 20 : 8
  const b = new Uint8Array(h + data.length)
  const v = new DataView(b.buffer)
  v.setUint16(0, sport)
  v.setUint16(2, dport)
  if (tcp) {
    v.setUint32(4, 1000)
    b[12] = 5 << 4
    b[13] = 0x18
    v.setUint16(14, 65535)
  } else v.setUint16(4, b.length)
  b.set(data, h)
  v.setUint16(tcp ? 16 : 6, checksum(b, 0, b.length, pseudo6(src, dst, b.length, tcp ? 6 : 17)))
  return b
}

/** Whether the upper-layer checksum of an IPv6 packet (no extension headers) verifies. */
export function l4ok6(p: Uint8Array): boolean {
  const len = (p[4]! << 8) | p[5]!
  return checksum(p, 40, len, pseudo6(p.subarray(8, 24), p.subarray(24, 40), len, p[6]!)) === 0
}

/** Whether an IPv4 packet's header checksum and (ICMP, or TCP/UDP) upper-layer checksum verify. */
export function ok4(p: Uint8Array): boolean {
  if (checksum(p, 0, 20) !== 0) return false
  const len = ((p[2]! << 8) | p[3]!) - 20
  if (p[9] === 1) return checksum(p, 20, len) === 0
  return checksum(p, 20, len, sum16(p, 12, 8) + len + p[9]!) === 0
}

export function data(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

/** A translator over `map` whose output is collected (copied) in `sent`. */
export function harness(over: Partial<Nat64Options> = {}): {
  nat: Nat64
  sent: Uint8Array[]
  self4: number
  self6: Uint8Array
} {
  const sent: Uint8Array[] = []
  const self4 = v4('192.0.2.1')
  const self6 = v6('2001:db8:ffff::1')
  const nat = new Nat64({
    map: prefixMap,
    self4,
    self6,
    emit: (b, off, len) => void sent.push(b.slice(off, off + len)),
    ...over,
  })
  return { nat, sent, self4, self6 }
}
