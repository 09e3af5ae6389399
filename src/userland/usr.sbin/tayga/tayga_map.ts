/**
 * TAYGA's address mapping behind the translator (Nat64Map): its own address pair, the static `map`
 * entries (hosts or equal-size subnets, RFC 7757), the NAT64 prefix (RFC 6052, refusing non-global
 * IPv4 under the Well-Known Prefix), and the dynamic pool that gives an unmapped IPv6 source an IPv4
 * address for two hours and four minutes after its last packet (tayga.conf(5)).
 *
 * Must not: allocate per packet (the pool's table is made once, sized by the pool), grow past the
 * pool, or hand out the pool's lowest address, the ipv4-addr, or an address a static map holds.
 */

import { in6Hash } from '../../../wire/inet6/in6_addr.js'
import type { Nat64Map } from '../../../wire/nat64/nat64_var.js'
import { embed4, extract4, isNonGlobal4, isWkp, matchesPrefix } from '../../../wire/nat64/rfc6052.js'
import type { TaygaConfig } from './tayga_conf.js'

/** tayga's dyn_min_lease: a mapping lives this long after its last packet (7200 + 4·60 s). */
export const DYN_LEASE_NS = (7200 + 240) * 1e9

/** One dynamic mapping, as dynamic.map lists it. */
export interface DynamicEntry {
  v4: number
  v6: Uint8Array
  lastUse: number
}

export class TaygaMap implements Nat64Map {
  private readonly c: TaygaConfig
  private readonly now: () => number
  private readonly onAssign: (e: DynamicEntry) => void
  private readonly poolBase: number
  private readonly poolSize: number
  /** Pool slot i (address poolBase + i): its IPv6 owner's 16 bytes, whether used, last use. */
  private readonly owner6: Uint8Array
  private readonly used: Uint8Array
  private readonly lastUse: Float64Array
  /** Hash chains from an IPv6 owner to its slot (slot + 1; 0 ends a chain). */
  private readonly buckets: Int32Array
  private readonly next: Int32Array
  private readonly isWkp: boolean

  constructor(c: TaygaConfig, now: () => number, onAssign: (e: DynamicEntry) => void = () => {}) {
    this.c = c
    this.now = now
    this.onAssign = onAssign
    this.poolBase = c.pool?.addr ?? 0
    this.poolSize = c.pool === null ? 0 : 2 ** (32 - c.pool.len)
    this.owner6 = new Uint8Array(this.poolSize * 16)
    this.used = new Uint8Array(this.poolSize)
    this.lastUse = new Float64Array(this.poolSize)
    let nb = 1
    while (nb < this.poolSize) nb *= 2
    this.buckets = new Int32Array(nb)
    this.next = new Int32Array(this.poolSize)
    this.isWkp = c.prefix !== null && isWkp(c.prefix.addr, 0, c.prefix.len)
  }

  map4to6(v4: number, out: Uint8Array, o: number): boolean {
    const c = this.c
    v4 >>>= 0
    if (v4 === c.ipv4Addr) {
      out.set(c.ipv6Addr, o)
      return true
    }
    for (const m of c.maps) {
      const host = m.len4 === 32 ? 0 : (v4 & (2 ** (32 - m.len4) - 1)) >>> 0
      if (v4 - host !== m.v4) continue
      for (let i = 0; i < 16; i++) out[o + i] = m.v6[i]!
      // The host part goes in the low bits of the IPv6 subnet (same size on both sides).
      for (let i = 15, h = host; h > 0 && i >= 0; i--, h = Math.floor(h / 256)) out[o + i]! |= h & 0xff
      return true
    }
    const slot = this.slotOf(v4)
    if (slot >= 0) {
      if (this.used[slot] === 0) return false
      for (let i = 0; i < 16; i++) out[o + i] = this.owner6[slot * 16 + i]!
      return true
    }
    if (c.prefix === null) return false
    if (this.isWkp && c.wkpfStrict && isNonGlobal4(v4)) return false
    embed4(c.prefix.addr, 0, c.prefix.len, v4, out, o)
    return true
  }

  map6to4(a: Uint8Array, o: number, source: boolean): number {
    const c = this.c
    if (eq16(a, o, c.ipv6Addr, 0)) return c.ipv4Addr
    for (const m of c.maps) {
      if (!inPrefix(a, o, m.v6, m.len6)) continue
      let host = 0
      for (let i = m.len6 >>> 3; i < 16; i++) host = host * 256 + a[o + i]!
      return (m.v4 + (host % 2 ** (32 - m.len4))) >>> 0
    }
    const p = c.prefix
    if (p !== null && matchesPrefix(a, o, p.addr, 0, p.len)) {
      const v4 = extract4(a, o, p.len)
      if (this.isWkp && c.wkpfStrict && isNonGlobal4(v4)) return -1
      return v4
    }
    if (this.poolSize === 0) return -1
    const found = this.find(a, o)
    if (found >= 0) {
      this.lastUse[found] = this.now()
      return (this.poolBase + found) >>> 0
    }
    return source ? this.assign(a, o) : -1
  }

  /** The current dynamic mappings (for dynamic.map), oldest slot first. */
  entries(): DynamicEntry[] {
    const out: DynamicEntry[] = []
    for (let i = 0; i < this.poolSize; i++)
      if (this.used[i] === 1)
        out.push({
          v4: (this.poolBase + i) >>> 0,
          v6: this.owner6.slice(i * 16, i * 16 + 16),
          lastUse: this.lastUse[i]!,
        })
    return out
  }

  private slotOf(v4: number): number {
    if (this.poolSize === 0) return -1
    const d = v4 - this.poolBase
    return d >= 0 && d < this.poolSize ? d : -1
  }

  private bucket(a: Uint8Array, o: number): number {
    return in6Hash(a, o) & (this.buckets.length - 1)
  }

  private find(a: Uint8Array, o: number): number {
    for (let s = this.buckets[this.bucket(a, o)]!; s !== 0; s = this.next[s - 1]!)
      if (eq16(this.owner6, (s - 1) * 16, a, o)) return s - 1
    return -1
  }

  /** Whether slot i may never be handed out: the lowest address, ipv4-addr, a static map's. */
  private reserved(i: number): boolean {
    if (i === 0) return true
    const v4 = (this.poolBase + i) >>> 0
    if (v4 === this.c.ipv4Addr) return true
    for (const m of this.c.maps) if (v4 >>> 0 >= m.v4 && v4 - m.v4 < 2 ** (32 - m.len4)) return true
    return false
  }

  /** A free slot for a new IPv6 source, from a start its address picks; an expired one if none is free. */
  private assign(a: Uint8Array, o: number): number {
    const n = this.poolSize
    const start = (in6Hash(a, o) >>> 0) % n
    const now = this.now()
    let victim = -1
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n
      if (this.reserved(i)) continue
      if (this.used[i] === 0) {
        victim = i
        break
      }
      if (now - this.lastUse[i]! > DYN_LEASE_NS && (victim < 0 || this.lastUse[i]! < this.lastUse[victim]!))
        victim = i
    }
    if (victim < 0) return -1
    if (this.used[victim] === 1) this.unlink(victim)
    for (let i = 0; i < 16; i++) this.owner6[victim * 16 + i] = a[o + i]!
    this.used[victim] = 1
    this.lastUse[victim] = now
    const b = this.bucket(a, o)
    this.next[victim] = this.buckets[b]!
    this.buckets[b] = victim + 1
    const v4 = (this.poolBase + victim) >>> 0
    this.onAssign({ v4, v6: this.owner6.slice(victim * 16, victim * 16 + 16), lastUse: now })
    return v4
  }

  private unlink(slot: number): void {
    const b = this.bucket(this.owner6, slot * 16)
    if (this.buckets[b] === slot + 1) this.buckets[b] = this.next[slot]!
    else
      for (let s = this.buckets[b]!; s !== 0; s = this.next[s - 1]!)
        if (this.next[s - 1] === slot + 1) {
          this.next[s - 1] = this.next[slot]!
          break
        }
    this.used[slot] = 0
    this.next[slot] = 0
  }
}

function eq16(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 0; i < 16; i++) if (a[ao + i] !== b[bo + i]) return false
  return true
}

function inPrefix(a: Uint8Array, o: number, p: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const bit = 7 - (i & 7)
    if (((a[o + (i >>> 3)]! >>> bit) & 1) !== ((p[i >>> 3]! >>> bit) & 1)) return false
  }
  return true
}
