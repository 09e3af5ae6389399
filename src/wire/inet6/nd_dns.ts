/**
 * IPv6 Router Advertisement options for DNS configuration (RFC 8106): Recursive DNS Server
 * (RDNSS, type 25, §5.1) and DNS Search List (DNSSL, type 31, §5.2). `ndDnsOptions` reads the ones
 * a Router Advertisement carries, as rtsold's rtsol_input does: an RDNSS shorter than 3 units or a
 * DNSSL shorter than 2 is ignored (§5.3.1), DNSSL names are RFC 1035 §3.1 labels without
 * compression, the zero padding ends the list. `emitRdnss`/`emitDnssl` build them for rtadvd and
 * tests. Must not: decide what the lifetimes mean, or throw on a malformed option.
 */

import { readU32, writeU32 } from '../addr.js'

export const ND_OPT_RDNSS = 25
export const ND_OPT_DNSSL = 31

export interface NdDnsInfo {
  /** [address, lifetime in seconds] per server, in order. */
  servers: Array<[Uint8Array, number]>
  /** [domain, lifetime in seconds] per search domain, in order. */
  domains: Array<[string, number]>
}

/** Decode one name at b[o, end): its text and the offset after it, or null at the padding. */
function labels(b: Uint8Array, o: number, end: number): [string, number] | null {
  const parts: string[] = []
  while (o < end) {
    const n = b[o]! & 0x3f
    o++
    if (n === 0) break
    if (o + n > end) return null
    parts.push(String.fromCharCode(...b.subarray(o, o + n)))
    o += n
  }
  return parts.length === 0 ? null : [parts.join('.'), o]
}

/** The RDNSS and DNSSL options among the options at b[off, end) (already checked by the kernel). */
export function ndDnsOptions(b: Uint8Array, off: number, end: number): NdDnsInfo {
  const out: NdDnsInfo = { servers: [], domains: [] }
  for (let p = off; p + 2 <= end; ) {
    const units = b[p + 1]!
    if (units === 0 || p + units * 8 > end) break
    const next = p + units * 8
    if (b[p] === ND_OPT_RDNSS && units >= 3) {
      const life = readU32(b, p + 4)
      for (let a = p + 8; a + 16 <= next; a += 16) out.servers.push([b.slice(a, a + 16), life])
    } else if (b[p] === ND_OPT_DNSSL && units >= 2) {
      const life = readU32(b, p + 4)
      for (let q = p + 8; q < next; ) {
        const d = labels(b, q, next)
        if (d === null) break
        out.domains.push([d[0], life])
        q = d[1]
      }
    }
    p = next
  }
  return out
}

/** An RDNSS option for these servers. */
export function emitRdnss(servers: readonly Uint8Array[], lifetime: number): Uint8Array {
  const b = new Uint8Array(8 + 16 * servers.length)
  b[0] = ND_OPT_RDNSS
  b[1] = b.length / 8
  writeU32(b, 4, lifetime >>> 0)
  for (let i = 0; i < servers.length; i++) b.set(servers[i]!.subarray(0, 16), 8 + 16 * i)
  return b
}

/** A DNSSL option for these domains, zero-padded to a multiple of 8 bytes. */
export function emitDnssl(domains: readonly string[], lifetime: number): Uint8Array {
  const enc: number[] = []
  for (const d of domains) {
    for (const l of d.split('.').filter((x) => x !== '')) {
      enc.push(Math.min(l.length, 63))
      for (let i = 0; i < Math.min(l.length, 63); i++) enc.push(l.charCodeAt(i) & 0xff)
    }
    enc.push(0)
  }
  const len = 8 + Math.ceil(enc.length / 8) * 8
  const b = new Uint8Array(len)
  b[0] = ND_OPT_DNSSL
  b[1] = len / 8
  writeU32(b, 4, lifetime >>> 0)
  b.set(enc, 8)
  return b
}
