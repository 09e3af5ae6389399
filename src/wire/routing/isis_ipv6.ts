/**
 * IS-IS for IPv6 on the wire (RFC 5308): TLV 232, IPv6 interface addresses (link-local ones in
 * hellos, others in LSPs, §2-3), and TLV 236, IPv6 reachability (§2: a 32-bit metric, the up/down,
 * external and sub-TLV bits, a prefix length and as many prefix bytes as it needs), with the NLPID
 * 0x8E that TLV 129 lists. isis.ts calls the readers from its TLV walk.
 *
 * Must not: throw on bad input (a reader returns a reason), or read past the TLV it is given.
 */

/** NLPID of IPv6 (RFC 5308 §4). */
export const NLPID_IPV6 = 0x8e
export const TLV_IPV6_INT_ADDR = 232
export const TLV_IPV6_REACH = 236

export interface Ip6Reach {
  addr: Uint8Array
  len: number
  metric: number
  /** U: leaked down from level 2 (RFC 5308 §2). */
  down: boolean
  /** X: learned from outside IS-IS. */
  external: boolean
}

/** TLV 232's addresses in buf[v, e); null when its length is no multiple of 16. */
export function readIp6Addrs(buf: Uint8Array, v: number, e: number, out: Uint8Array[]): string | null {
  if ((e - v) % 16 !== 0) return 'bad ipv6 interface address'
  for (let q = v; q < e; q += 16) out.push(buf.slice(q, q + 16))
  return null
}

/** TLV 236's prefixes in buf[v, e), bits past each length cleared. */
export function readIp6Reach(buf: Uint8Array, v: number, e: number, out: Ip6Reach[]): string | null {
  for (let q = v; q < e; ) {
    if (q + 6 > e) return 'bad ipv6 reachability'
    const flags = buf[q + 4]!
    const len = buf[q + 5]!
    if (len > 128) return 'bad ipv6 reachability'
    const bytes = (len + 7) >> 3
    let n = q + 6 + bytes
    if (n > e) return 'bad ipv6 reachability'
    const addr = new Uint8Array(16)
    addr.set(buf.subarray(q + 6, q + 6 + bytes))
    if (len % 8 !== 0) addr[len >> 3] = addr[len >> 3]! & (0xff << (8 - (len % 8)))
    if ((flags & 0x20) !== 0) {
      if (n + 1 > e || n + 1 + buf[n]! > e) return 'bad ipv6 reachability'
      n += 1 + buf[n]!
    }
    const metric = ((buf[q]! << 24) | (buf[q + 1]! << 16) | (buf[q + 2]! << 8) | buf[q + 3]!) >>> 0
    out.push({ addr, len, metric, down: (flags & 0x80) !== 0, external: (flags & 0x40) !== 0 })
    q = n
  }
  return null
}

export function ip6AddrsValue(addrs: readonly Uint8Array[]): Uint8Array {
  const b = new Uint8Array(16 * addrs.length)
  for (const [i, a] of addrs.entries()) b.set(a.subarray(0, 16), 16 * i)
  return b
}

/** One TLV 236 entry (6 + prefix bytes, no sub-TLVs). */
export function ip6ReachEntry(r: Ip6Reach): Uint8Array {
  const bytes = (r.len + 7) >> 3
  const b = new Uint8Array(6 + bytes)
  b[0] = r.metric >>> 24
  b[1] = (r.metric >>> 16) & 0xff
  b[2] = (r.metric >>> 8) & 0xff
  b[3] = r.metric & 0xff
  b[4] = (r.down ? 0x80 : 0) | (r.external ? 0x40 : 0)
  b[5] = r.len
  b.set(r.addr.subarray(0, bytes), 6)
  return b
}
