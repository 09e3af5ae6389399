/**
 * The per-vnet IPv4 routing table: longest-prefix match over one hash map per prefix length, probing
 * only the lengths present (a router typically has three: /32, /24, /0). Routes are plain records;
 * this module does no I/O and never throws on lookup. Control-plane changes throw SysError.
 */

import { SysError } from '../util/errno.js'
import type { IfAddr, Ifnet } from './ifnet.js'

/** RTF_* flags (net/route.h). */
export const RTF = {
  UP: 0x1,
  GATEWAY: 0x2,
  HOST: 0x4,
  REJECT: 0x8,
  DONE: 0x40,
  LLINFO: 0x400,
  STATIC: 0x800,
  BLACKHOLE: 0x1000,
  PINNED: 0x100000,
} as const

const CACHE_MASK = 15

export function maskOf(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0
}

export class Route {
  readonly dst: number
  readonly prefixLen: number
  readonly mask: number
  gateway: number
  /** Change ifp and ifa of a route in a table only through RouteTable.rebind (they are indexed). */
  ifp: Ifnet
  /** The address used as source for packets along this route (rt_ifa). */
  ifa: IfAddr | null
  flags: number
  /** 0 = use the interface MTU. */
  mtu: number
  use = 0

  constructor(
    dst: number,
    prefixLen: number,
    gateway: number,
    ifp: Ifnet,
    ifa: IfAddr | null,
    flags: number,
  ) {
    this.prefixLen = prefixLen
    this.mask = maskOf(prefixLen)
    this.dst = (dst & this.mask) >>> 0
    this.gateway = gateway
    this.ifp = ifp
    this.ifa = ifa
    this.flags = flags
    this.mtu = 0
  }
}

export class RouteTable {
  /** One map per prefix length, keyed by the masked destination as an int32 (cheap for V8 to hash). */
  private readonly byLen: Array<Map<number, Route> | undefined> = new Array(33)
  /** Prefix lengths that have at least one route, longest first. */
  private lens: number[] = []
  private count = 0
  private cacheKeys: Int32Array | null = null
  private cacheRoutes: Array<Route | null> | null = null
  /**
   * Routes by the interface and by the address they are bound to, so an address or interface going
   * away finds its routes without a walk over the table. Created with the first route.
   */
  private byIfp: Map<Ifnet, Set<Route>> | null = null
  private byIfa: Map<IfAddr, Set<Route>> | null = null

  /** Any change to the table empties the cache. */
  private invalidate(): void {
    this.cacheRoutes?.fill(null)
  }

  get size(): number {
    return this.count
  }

  lookup(dst: number): Route | null {
    // A small direct-mapped cache in front of the probes, created on first use so idle vnets stay small.
    let keys = this.cacheKeys
    const slot = (dst ^ (dst >>> 12) ^ (dst >>> 24)) & CACHE_MASK
    if (keys !== null) {
      const r = this.cacheRoutes![slot]!
      if (r !== null && keys[slot] === (dst | 0)) return r
    } else {
      keys = this.cacheKeys = new Int32Array(CACHE_MASK + 1)
      this.cacheRoutes = new Array<Route | null>(CACHE_MASK + 1).fill(null)
    }
    const r = this.probe(dst)
    if (r !== null) {
      keys[slot] = dst | 0
      this.cacheRoutes![slot] = r
    }
    return r
  }

  private probe(dst: number): Route | null {
    const lens = this.lens
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!
      const r = this.byLen[len]!.get(dst & maskOf(len))
      if (r !== undefined) return r
    }
    return null
  }

  /** The route for exactly dst/prefixLen, if any. */
  get(dst: number, prefixLen: number): Route | undefined {
    return this.byLen[prefixLen]?.get(dst & maskOf(prefixLen))
  }

  add(r: Route): void {
    let m = this.byLen[r.prefixLen]
    if (m === undefined) {
      m = new Map()
      this.byLen[r.prefixLen] = m
      this.lens = [...this.lens, r.prefixLen].sort((a, b) => b - a)
    }
    if (m.has(r.dst | 0)) throw new SysError('EEXIST', 'RTM_ADD')
    m.set(r.dst | 0, r)
    this.count++
    this.index(r)
    this.invalidate()
  }

  private index(r: Route): void {
    this.byIfp ??= new Map()
    let s = this.byIfp.get(r.ifp)
    if (s === undefined) {
      s = new Set()
      this.byIfp.set(r.ifp, s)
    }
    s.add(r)
    if (r.ifa === null) return
    this.byIfa ??= new Map()
    let t = this.byIfa.get(r.ifa)
    if (t === undefined) {
      t = new Set()
      this.byIfa.set(r.ifa, t)
    }
    t.add(r)
  }

  private unindex(r: Route): void {
    const s = this.byIfp?.get(r.ifp)
    if (s?.delete(r) && s.size === 0) this.byIfp!.delete(r.ifp)
    if (r.ifa === null) return
    const t = this.byIfa?.get(r.ifa)
    if (t?.delete(r) && t.size === 0) this.byIfa!.delete(r.ifa)
  }

  /** Point a route at another interface and source address (RTM_CHANGE), keeping the indexes right. */
  rebind(r: Route, ifp: Ifnet, ifa: IfAddr | null): void {
    const inTable = this.byLen[r.prefixLen]?.get(r.dst | 0) === r
    if (inTable) this.unindex(r)
    r.ifp = ifp
    r.ifa = ifa
    if (inTable) this.index(r)
    this.invalidate()
  }

  /** The routes bound to ifa (a snapshot: the caller may remove them while iterating). */
  routesOfIfa(ifa: IfAddr): Route[] {
    const t = this.byIfa?.get(ifa)
    return t === undefined ? [] : [...t]
  }

  remove(r: Route): boolean {
    const m = this.byLen[r.prefixLen]
    if (m === undefined || m.get(r.dst | 0) !== r) return false
    m.delete(r.dst | 0)
    this.count--
    this.unindex(r)
    this.invalidate()
    if (m.size === 0) {
      this.byLen[r.prefixLen] = undefined
      this.lens = this.lens.filter((l) => l !== r.prefixLen)
    }
    return true
  }

  /** All routes, ordered as netstat prints them: by destination, then prefix length. */
  list(): Route[] {
    const out: Route[] = []
    for (const len of this.lens) for (const r of this.byLen[len]!.values()) out.push(r)
    return out.sort((a, b) => a.dst - b.dst || a.prefixLen - b.prefixLen)
  }

  /** Remove every route through ifp (interface detach). */
  removeIf(ifp: Ifnet): void {
    const s = this.byIfp?.get(ifp)
    if (s !== undefined) for (const r of [...s]) this.remove(r)
  }
}
