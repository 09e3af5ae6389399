/**
 * The per-vnet inet6 FIB: longest-prefix match over 128-bit keys, one hash chain table per prefix
 * length, probing only the lengths present (a host typically has /128, /64 and /0), as the IPv4
 * table in net/route/route.ts does. Link-local destinations carry their zone embedded in the key (in6_var's
 * in6Key), so fe80::/64 on each link is its own route. With net.route.multipath a prefix holds a
 * group of gateway paths (mpNext), one picked per flow by mpathSelect6 with IPv4's flow hash.
 * Lookups allocate nothing and never throw;
 * control-plane changes throw SysError. Uses net/route/route.ts's RTF flags.
 */

import { SysError } from '../../../util/errno.js'
import { type In6Addr, in6Masked, in6PrefixEq } from '../../../wire/inet6/in6_addr.js'
import type { Ifnet } from '../../net/ifnet.js'
import { ROUTE_MAX_DEFAULT, RTF, rtLinkIsUp } from '../../net/route/route.js'
import type { In6Ifaddr } from '../in6_var.js'

export class Route6 {
  /** Destination prefix, masked, zone embedded when scoped. */
  readonly dst: In6Addr
  readonly prefixLen: number
  /** Next hop (no embedded zone: it is on `ifp`), or null for a connected route. */
  gateway: In6Addr | null
  ifp: Ifnet
  /** Source for packets along this route (rt_ifa). */
  ifa: In6Ifaddr | null
  flags: number
  mtu = 0
  /** The FIB whose table holds it (set by Rib6.add). */
  fib = 0
  use = 0
  /** When a redirect's dynamic route goes away (rt_expire), absolute clock time; 0 = never. */
  expire = 0
  /** Next route in the same hash bucket. */
  next: Route6 | null = null
  /**
   * The next path of the same prefix (a multipath nexthop group, net.route.multipath): the bucket
   * holds the first path, which links the others. Null for an ordinary route.
   */
  mpNext: Route6 | null = null
  /** `route add … -weight N`: this path's share of the group's flows (RT_DEFAULT_WEIGHT 1). */
  weight = 1

  constructor(
    dst: In6Addr,
    prefixLen: number,
    gateway: In6Addr | null,
    ifp: Ifnet,
    ifa: In6Ifaddr | null,
    flags: number,
  ) {
    this.dst = in6Masked(dst, prefixLen)
    this.prefixLen = prefixLen
    this.gateway = gateway
    this.ifp = ifp
    this.ifa = ifa
    this.flags = flags
  }
}

/**
 * The path of rt a flow with hash h takes (the nexthop group's weighted choice, as IPv4's
 * mpathSelect, paths over a down interface left out while another is up): rt itself unless it is
 * multipath; the same hash keeps to the same path while the group and its links are unchanged.
 */
export function mpathSelect6(rt: Route6, h: number): Route6 {
  if (rt.mpNext === null) return rt
  let total = 0
  for (let p: Route6 | null = rt; p !== null; p = p.mpNext) if (rtLinkIsUp(p.ifp)) total += p.weight
  const all = total === 0
  if (all) for (let p: Route6 | null = rt; p !== null; p = p.mpNext) total += p.weight
  let k = (h >>> 0) % total
  for (let p: Route6 | null = rt; p !== null; p = p.mpNext) {
    if (!all && !rtLinkIsUp(p.ifp)) continue
    if (k < p.weight) return p
    k -= p.weight
  }
  return rt
}

/** The four words of an address folded into one, for flowHash. */
export function in6Fold(a: Uint8Array, o: number): number {
  let h = 0
  for (let i = 0; i < 16; i += 4)
    h ^= (a[o + i]! << 24) | (a[o + i + 1]! << 16) | (a[o + i + 2]! << 8) | a[o + i + 3]!
  return h | 0
}

/** FNV-1a over the first len bits of key (masked), for the per-length buckets. */
function hashPrefix(key: Uint8Array, ko: number, len: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < 16; i++) {
    const bits = len - i * 8
    if (bits <= 0) break
    const b = bits >= 8 ? key[ko + i]! : key[ko + i]! & ((0xff << (8 - bits)) & 0xff)
    h = Math.imul(h ^ b, 0x01000193)
  }
  return (h ^ len) | 0
}

/** Slots of the lookup cache, minus one (a power of two). */
const CACHE_MASK = 15

export class Rib6 {
  /** Which FIB this table is; routes added here record it. */
  readonly fib: number
  constructor(fib = 0) {
    this.fib = fib
  }
  /** Prefix lengths present, longest first. */
  private lens: number[] = []
  private readonly maps: Map<number, Map<number, Route6>> = new Map()
  private count = 0
  maxRoutes = ROUTE_MAX_DEFAULT
  /**
   * A small direct-mapped cache of whole keys in front of the probes (as the IPv4 table has), made
   * on first use so idle vnets stay small: a hit costs one 16-byte compare instead of a hash per
   * prefix length present. Any change to the table empties it.
   */
  private cacheKeys: Uint8Array | null = null
  private cacheRoutes: Array<Route6 | null> | null = null

  get size(): number {
    return this.count
  }

  /**
   * The table's generation (FreeBSD's rnh_gen, rt_tables_get_gen): moves on every route added,
   * changed or removed, so that a watcher can tell the table changed without reading it.
   */
  gen = 0

  /** Any change to the table empties the cache and moves the generation. */
  private invalidate(): void {
    this.cacheRoutes?.fill(null)
    this.gen++
  }

  /** The longest-prefix route for key (zone embedded), or null. */
  lookup(key: Uint8Array, ko = 0): Route6 | null {
    // The interface identifier's low bytes and the subnet's vary most between destinations.
    const slot = (key[ko + 15]! ^ key[ko + 13]! ^ key[ko + 7]! ^ key[ko + 5]!) & CACHE_MASK
    let keys = this.cacheKeys
    if (keys !== null) {
      const r = this.cacheRoutes![slot]!
      if (r !== null && in6PrefixEq(keys, slot << 4, key, ko, 128)) return r
    } else {
      keys = this.cacheKeys = new Uint8Array((CACHE_MASK + 1) << 4)
      this.cacheRoutes = new Array<Route6 | null>(CACHE_MASK + 1).fill(null)
    }
    const r = this.probe(key, ko)
    if (r !== null) {
      for (let i = 0; i < 16; i++) keys[(slot << 4) + i] = key[ko + i]!
      this.cacheRoutes![slot] = r
    }
    return r
  }

  private probe(key: Uint8Array, ko: number): Route6 | null {
    const lens = this.lens
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!
      const map = this.maps.get(len)!
      for (let r = map.get(hashPrefix(key, ko, len)) ?? null; r !== null; r = r.next)
        if (r.prefixLen === len && in6PrefixEq(r.dst, 0, key, ko, len)) return r
    }
    return null
  }

  /** The route for exactly dst/len, if any. */
  get(dst: Uint8Array, len: number): Route6 | undefined {
    const map = this.maps.get(len)
    if (map === undefined) return undefined
    for (let r = map.get(hashPrefix(dst, 0, len)) ?? null; r !== null; r = r.next)
      if (in6PrefixEq(r.dst, 0, dst, 0, len)) return r
    return undefined
  }

  hasRoom(n: number): boolean {
    return this.count + n <= this.maxRoutes
  }

  /**
   * Add r; with `multipath` (net.route.multipath) a gateway route to a prefix that has a gateway
   * route joins it as another path (add_route_flags), unless that gateway is in the group already.
   */
  add(r: Route6, multipath = false): void {
    const head = this.get(r.dst, r.prefixLen)
    if (head !== undefined) {
      this.addPath(head, r, multipath)
      return
    }
    if (!this.hasRoom(1)) throw new SysError('ENOBUFS', 'RTM_ADD')
    let map = this.maps.get(r.prefixLen)
    if (map === undefined) {
      map = new Map()
      this.maps.set(r.prefixLen, map)
      this.lens = [...this.lens, r.prefixLen].sort((a, b) => b - a)
    }
    const h = hashPrefix(r.dst, 0, r.prefixLen)
    r.next = map.get(h) ?? null
    map.set(h, r)
    r.fib = this.fib
    this.count++
    this.invalidate()
  }

  private addPath(head: Route6, r: Route6, multipath: boolean): void {
    const gw = RTF.GATEWAY
    if (!multipath || (head.flags & gw) === 0 || (r.flags & gw) === 0 || r.gateway === null)
      throw new SysError('EEXIST', 'RTM_ADD')
    if (this.pathVia(head, r.gateway) !== undefined) throw new SysError('EEXIST', 'RTM_ADD')
    if (!this.hasRoom(1)) throw new SysError('ENOBUFS', 'RTM_ADD')
    let last = head
    while (last.mpNext !== null) last = last.mpNext
    last.mpNext = r
    r.mpNext = null
    r.fib = this.fib
    this.count++
    this.invalidate()
  }

  /** The path of a (possibly multipath) route through gateway (on ifp, when given), if any. */
  pathVia(head: Route6, gateway: Uint8Array, ifp?: Ifnet): Route6 | undefined {
    for (let p: Route6 | null = head; p !== null; p = p.mpNext)
      if (
        p.gateway !== null &&
        in6PrefixEq(p.gateway, 0, gateway, 0, 128) &&
        (ifp === undefined || p.ifp === ifp)
      )
        return p
    return undefined
  }

  /** Remove one route, or one path of a multipath route (the others stay). */
  remove(r: Route6): boolean {
    const map = this.maps.get(r.prefixLen)
    if (map === undefined) return false
    const h = hashPrefix(r.dst, 0, r.prefixLen)
    let prev: Route6 | null = null
    for (let p = map.get(h) ?? null; p !== null; prev = p, p = p.next) {
      if (p !== r) {
        // One path of p's group, not its head: unlink it from the group alone.
        if (!in6PrefixEq(p.dst, 0, r.dst, 0, r.prefixLen) || p.prefixLen !== r.prefixLen) continue
        let q = p
        while (q.mpNext !== null && q.mpNext !== r) q = q.mpNext
        if (q.mpNext !== r) return false
        q.mpNext = r.mpNext
        r.mpNext = null
        this.count--
        this.invalidate()
        return true
      }
      if (r.mpNext !== null) {
        // The head goes: the next path takes its place in the bucket.
        const heir = r.mpNext
        heir.next = r.next
        if (prev === null) map.set(h, heir)
        else prev.next = heir
        r.next = null
        r.mpNext = null
        this.count--
        this.invalidate()
        return true
      }
      if (prev === null) {
        if (r.next === null) map.delete(h)
        else map.set(h, r.next)
      } else prev.next = r.next
      r.next = null
      this.count--
      this.invalidate()
      if (map.size === 0) {
        this.maps.delete(r.prefixLen)
        this.lens = this.lens.filter((l) => l !== r.prefixLen)
      }
      return true
    }
    return false
  }

  /** Every route (control plane). */
  list(): Route6[] {
    const out: Route6[] = []
    for (const map of this.maps.values())
      for (const head of map.values())
        for (let r: Route6 | null = head; r !== null; r = r.next)
          for (let p: Route6 | null = r; p !== null; p = p.mpNext) out.push(p)
    return out
  }

  /** Remove every route through ifp or bound to one of its addresses. */
  removeIf(ifp: Ifnet): void {
    for (const r of this.list()) if (r.ifp === ifp || r.ifa?.ifp === ifp) this.remove(r)
  }

  /** Remove every route bound to ifa. */
  removeIfa(ifa: In6Ifaddr): Route6[] {
    const gone: Route6[] = []
    for (const r of this.list())
      if (r.ifa === ifa) {
        this.remove(r)
        gone.push(r)
      }
    return gone
  }
}
