/**
 * Building BGP-4 messages (RFC 4271 §4): OPEN with its capabilities, UPDATE with path attributes
 * and as many messages as the NLRI need within 4096 bytes, NOTIFICATION, KEEPALIVE and
 * ROUTE-REFRESH (RFC 2918). bgp.ts parses them.
 *
 * Must not: build a message longer than BGP_MAX_LEN (a NOTIFICATION's data is cut to fit).
 */

import { writeU16, writeU32 } from '../addr.js'
import {
  AFI_IPV4,
  AS_TRANS,
  ATTR_AGGREGATOR,
  ATTR_AS_PATH,
  ATTR_ATOMIC_AGGREGATE,
  ATTR_LOCAL_PREF,
  ATTR_MED,
  ATTR_NEXT_HOP,
  ATTR_ORIGIN,
  BGP_HDR_LEN,
  BGP_MAX_LEN,
  BGP_VERSION,
  CAP_AS4,
  CAP_MP,
  CAP_ROUTE_REFRESH,
  EMPTY,
  F_EXTLEN,
  F_OPTIONAL,
  F_TRANSITIVE,
  MSG_KEEPALIVE,
  MSG_NOTIFICATION,
  MSG_OPEN,
  MSG_ROUTE_REFRESH,
  MSG_UPDATE,
  type PathAttrs,
  type Prefix,
  SAFI_UNICAST,
} from './bgp.js'

// ---- building ----

function header(len: number, type: number): Uint8Array {
  const b = new Uint8Array(len)
  b.fill(0xff, 0, 16)
  writeU16(b, 16, len)
  b[18] = type
  return b
}

export function buildKeepalive(): Uint8Array {
  return header(BGP_HDR_LEN, MSG_KEEPALIVE)
}

export function buildNotification(code: number, subcode: number, data: Uint8Array = EMPTY): Uint8Array {
  const n = Math.min(data.length, BGP_MAX_LEN - 21)
  const b = header(21 + n, MSG_NOTIFICATION)
  b[19] = code
  b[20] = subcode
  b.set(data.subarray(0, n), 21)
  return b
}

export function buildRouteRefresh(): Uint8Array {
  const b = header(23, MSG_ROUTE_REFRESH)
  writeU16(b, 19, AFI_IPV4)
  b[22] = SAFI_UNICAST
  return b
}

/** OPEN offering multiprotocol IPv4 unicast, route refresh and 4-octet AS. */
export function buildOpen(as: number, hold: number, id: number): Uint8Array {
  const caps = [
    [CAP_MP, 0, AFI_IPV4, 0, SAFI_UNICAST],
    [CAP_ROUTE_REFRESH],
    [CAP_AS4, as >>> 24, (as >>> 16) & 0xff, (as >>> 8) & 0xff, as & 0xff],
  ]
  // One capability per optional parameter, as FRR sends them.
  const params: number[] = []
  for (const c of caps) params.push(2, c.length + 1, c[0]!, c.length - 1, ...c.slice(1))
  const b = header(29 + params.length, MSG_OPEN)
  b[19] = BGP_VERSION
  writeU16(b, 20, as > 0xffff ? AS_TRANS : as)
  writeU16(b, 22, hold)
  writeU32(b, 24, id)
  b[28] = params.length
  b.set(params, 29)
  return b
}

function prefixBytes(p: Prefix): number {
  return 1 + ((p.len + 7) >> 3)
}

function putPrefix(b: Uint8Array, at: number, p: Prefix): number {
  b[at] = p.len
  const n = (p.len + 7) >> 3
  for (let i = 0; i < n; i++) b[at + 1 + i] = (p.addr >>> (24 - 8 * i)) & 0xff
  return at + 1 + n
}

/** The path attribute field for `a` (4-octet AS numbers when `as4`, else AS_TRANS for big ones). */
export function encodeAttrs(a: PathAttrs, as4: boolean): Uint8Array {
  const parts: number[] = []
  const put = (flags: number, type: number, v: ArrayLike<number>) => {
    if (v.length > 255) {
      parts.push(flags | F_EXTLEN, type, v.length >>> 8, v.length & 0xff)
    } else parts.push(flags, type, v.length)
    for (let i = 0; i < v.length; i++) parts.push(v[i]!)
  }
  const u32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
  put(F_TRANSITIVE, ATTR_ORIGIN, [a.origin])
  const path: number[] = []
  for (const s of a.asPath)
    for (let i = 0; i < s.asns.length; i += 255) {
      const chunk = s.asns.slice(i, i + 255)
      path.push(s.type, chunk.length)
      for (const n of chunk) {
        if (as4) path.push(...u32(n))
        else {
          const m = n > 0xffff ? AS_TRANS : n
          path.push(m >>> 8, m & 0xff)
        }
      }
    }
  put(F_TRANSITIVE, ATTR_AS_PATH, path)
  put(F_TRANSITIVE, ATTR_NEXT_HOP, u32(a.nextHop))
  if (a.med !== null) put(F_OPTIONAL, ATTR_MED, u32(a.med))
  if (a.localPref !== null) put(F_TRANSITIVE, ATTR_LOCAL_PREF, u32(a.localPref))
  if (a.atomicAggregate) put(F_TRANSITIVE, ATTR_ATOMIC_AGGREGATE, [])
  if (a.aggregator !== null) {
    const as = as4 ? u32(a.aggregator.as) : [a.aggregator.as >>> 8, a.aggregator.as & 0xff]
    put(F_OPTIONAL | F_TRANSITIVE, ATTR_AGGREGATOR, [...as, ...u32(a.aggregator.id)])
  }
  for (const u of a.unknown) put(u.flags & ~F_EXTLEN, u.type, u.value)
  return Uint8Array.from(parts)
}

/**
 * UPDATE messages for withdrawals and/or announcements sharing one attribute field, split so that
 * none passes 4096 bytes.
 */
export function buildUpdates(
  withdrawn: readonly Prefix[],
  attrs: Uint8Array | null,
  nlri: readonly Prefix[],
): Uint8Array[] {
  const out: Uint8Array[] = []
  const room = BGP_MAX_LEN - 23
  let i = 0
  while (i < withdrawn.length) {
    let n = 0
    let j = i
    while (j < withdrawn.length && n + prefixBytes(withdrawn[j]!) <= room) n += prefixBytes(withdrawn[j++]!)
    const b = header(23 + n, MSG_UPDATE)
    writeU16(b, 19, n)
    let at = 21
    for (let k = i; k < j; k++) at = putPrefix(b, at, withdrawn[k]!)
    writeU16(b, at, 0)
    out.push(b)
    i = j
  }
  if (attrs === null || nlri.length === 0) return out
  const room2 = room - attrs.length
  i = 0
  while (i < nlri.length) {
    let n = 0
    let j = i
    while (j < nlri.length && n + prefixBytes(nlri[j]!) <= room2) n += prefixBytes(nlri[j++]!)
    const b = header(23 + attrs.length + n, MSG_UPDATE)
    writeU16(b, 19, 0)
    writeU16(b, 21, attrs.length)
    b.set(attrs, 23)
    let at = 23 + attrs.length
    for (let k = i; k < j; k++) at = putPrefix(b, at, nlri[k]!)
    out.push(b)
    i = j
  }
  return out
}
