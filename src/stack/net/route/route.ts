/**
 * The per-vnet IPv4 routing table: longest-prefix match over one hash map per prefix length, probing
 * only the lengths present (a router typically has three: /32, /24, /0). Routes are plain records;
 * this module does no I/O and never throws on lookup. Control-plane changes throw SysError.
 */

import type { Timer } from '../../../util/clock.js'
import { SysError } from '../../../util/errno.js'
import { IFF, type IfAddr, type Ifnet } from '../ifnet.js'
import { type NhGroup, type Nhop, NhopRegistry } from './nhop.js'
import { type RouteMonitor, routeEvent } from './route_monitor.js'

/** RTF_* flags (net/route.h). */
export const RTF = {
  UP: 0x1,
  GATEWAY: 0x2,
  HOST: 0x4,
  REJECT: 0x8,
  /** Created by a redirect (netstat `D`), and changed by one (`M`). */
  DYNAMIC: 0x10,
  MODIFIED: 0x20,
  DONE: 0x40,
  /** `route add … -xresolve`: kept and shown (netstat `X`), no resolver daemon acts on it. */
  XRESOLVE: 0x200,
  LLINFO: 0x400,
  STATIC: 0x800,
  BLACKHOLE: 0x1000,
  /** Protocol-specific flags a routing daemon marks its routes with (zebra: PROTO1, netstat `1`). */
  PROTO2: 0x4000,
  PROTO1: 0x8000,
  PROTO3: 0x40000,
  /** The route's MTU was set by the administrator (`-mtu`), not taken from the interface. */
  FIXEDMTU: 0x80000,
  PINNED: 0x100000,
  /** `route add … -sticky`: the path stays the flow's choice (RTF_STICKY, kept and shown). */
  STICKY: 0x10000000,
} as const

const CACHE_MASK = 15

/**
 * What one route costs, measured: 200k gateway routes added through the syscall API grew the heap by
 * 201 bytes each after full collections (node --expose-gc; the Route, its hash entry and its two
 * index entries); the expiry and nexthop fields added 24 (250 against 226 the same way, 2026-12-08).
 * Rounded up for the tables' growth steps.
 */
export const ROUTE_BYTES = 256

/**
 * Default cap on routes per table (net.route.max_routes): a 64 MiB budget per FIB at ROUTE_BYTES,
 * 262,144 routes. FreeBSD has no such knob (its bound is kernel memory); one process holds every
 * vnet here, so a jail's root must not be able to add a million routes and take the host's memory.
 */
export const ROUTE_MAX_DEFAULT = (64 * 1024 * 1024) / ROUTE_BYTES

/** RT_MAXFIBS: net.fibs is cut to this. */
export const RT_MAXFIBS = 65536

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
  /** The FIB whose table holds this route (set by RouteTable.add). */
  fib = 0
  /**
   * The next path of the same prefix (a multipath nexthop group, net.route.multipath): the table's
   * map holds the first path, which links the others. Null for an ordinary route.
   */
  mpNext: Route | null = null
  /** `route add … -weight N`: this path's share of the group's flows (RT_DEFAULT_WEIGHT 1). */
  weight = 1
  /** The uptime second the route is deleted at (nh_expire, route_temporal.ts); 0 = never. */
  expire = 0
  /** The nexthop this path points at while it is in a table (nhop.ts). */
  nh: Nhop | null = null
  /** On the first path of a multipath route: the nexthop group its paths form. */
  nhg: NhGroup | null = null

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

/**
 * Whether a path's interface can carry packets (RT_LINK_IS_UP, what NH_IS_VALID asks): up, and not
 * reporting a lost carrier.
 */
export function rtLinkIsUp(ifp: Ifnet): boolean {
  return (ifp.flags & IFF.UP) !== 0 && ifp.link?.carrier?.() !== false
}

/**
 * The path of rt a flow with hash h takes (the nexthop group's weighted choice): rt itself unless it
 * is multipath. Paths whose interface is down are left out while another is up, so flows move to
 * the paths that remain when a link goes down and back when it returns (what FreeBSD's
 * test_routing.sh test_ecmp_routes_by_event checks); with every path down the choice is made among
 * all, and the output fails as it would have. The same hash always picks the same path while the
 * group and its links are unchanged.
 */
export function mpathSelect(rt: Route, h: number): Route {
  if (rt.mpNext === null) return rt
  let total = 0
  for (let p: Route | null = rt; p !== null; p = p.mpNext) if (rtLinkIsUp(p.ifp)) total += p.weight
  const all = total === 0
  if (all) for (let p: Route | null = rt; p !== null; p = p.mpNext) total += p.weight
  let k = (h >>> 0) % total
  for (let p: Route | null = rt; p !== null; p = p.mpNext) {
    if (!all && !rtLinkIsUp(p.ifp)) continue
    if (k < p.weight) return p
    k -= p.weight
  }
  return rt
}

/**
 * A flow's hash (the flowid RSS would give): source, destination and the two ports, mixed so that
 * neighbouring addresses and ports spread. Allocates nothing.
 */
export function flowHash(src: number, dst: number, ports: number): number {
  // The three words folded, then murmur3's finalizer: every input bit reaches the low bits.
  let h = src ^ Math.imul(dst, 0x9e3779b1) ^ Math.imul(ports, 0x85ebca77)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

export class RouteTable {
  /** Which FIB this table is (rt_tables[fib]); routes added here record it. */
  readonly fib: number
  /** Prefix lengths that have at least one route, longest first. */
  private lens: number[] = []
  /**
   * One map per length in `lens` (same order), keyed by the masked destination as an int32 (cheap
   * for V8 to hash). Parallel arrays rather than 33 slots: a bare vnet has one or two lengths.
   */
  private maps: Map<number, Route>[] = []
  private count = 0
  private cacheKeys: Int32Array | null = null
  private cacheRoutes: Array<Route | null> | null = null
  /**
   * net.route.multipath (FreeBSD 14: 1): a second gateway route to a prefix joins the first as an
   * equal-cost path instead of failing with EEXIST.
   */
  multipath = 1
  /** net.route.max_routes for this vnet's table. */
  maxRoutes = ROUTE_MAX_DEFAULT
  /**
   * The most maxRoutes may be set to from inside: the parent's cap when the vnet was made (a jail's
   * root may lower its own cap and raise it back, never past what its parent allowed).
   */
  private ceiling = 0x7fffffff

  /** The nexthops and nexthop groups the routes point at (netstat -o, -O). */
  readonly nhops = new NhopRegistry()
  /** Routing-socket listeners (route monitor), created with the first. */
  monitors: RouteMonitor[] | null = null
  /** The pid whose request is changing the table now, for the listeners; 0 for the kernel's own changes. */
  origin = 0
  /** The callout deleting expired routes, and the uptime second it is armed for (0 = none). */
  expireTimer: Timer | null = null
  nextExpire = 0

  constructor(fib = 0) {
    this.fib = fib
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

  get size(): number {
    return this.count
  }

  /** A new vnet's table takes its parent's cap, as both its value and its ceiling. */
  limitFrom(parent: RouteTable): void {
    this.maxRoutes = parent.maxRoutes
    this.ceiling = parent.maxRoutes
  }

  /** sysctl net.route.max_routes=N: EPERM above the ceiling; existing routes stay either way. */
  setMaxRoutes(n: number): void {
    if (n > this.ceiling)
      throw new SysError('EPERM', 'sysctl', `net.route.max_routes: at most ${this.ceiling} here`)
    this.maxRoutes = n
  }

  /** Whether n more routes fit under net.route.max_routes (checked before an address change starts). */
  hasRoom(n: number): boolean {
    return this.count + n <= this.maxRoutes
  }

  /** The single admission point for a new route: the table's cap (racct charges in the syscall). */
  private admit(): boolean {
    return this.count < this.maxRoutes
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
    const maps = this.maps
    for (let i = 0; i < lens.length; i++) {
      const r = maps[i]!.get(dst & maskOf(lens[i]!))
      if (r !== undefined) return r
    }
    return null
  }

  /** The map of routes with this prefix length, if there are any. */
  private mapOf(len: number): Map<number, Route> | undefined {
    const lens = this.lens
    for (let i = 0; i < lens.length; i++) if (lens[i] === len) return this.maps[i]
    return undefined
  }

  /** The route for exactly dst/prefixLen, if any. */
  get(dst: number, prefixLen: number): Route | undefined {
    return this.mapOf(prefixLen)?.get(dst & maskOf(prefixLen))
  }

  add(r: Route): void {
    let m = this.mapOf(r.prefixLen)
    const head = m?.get(r.dst | 0)
    if (head !== undefined) {
      this.addPath(head, r)
      return
    }
    // rtsock answers a table that cannot grow with ENOBUFS ("not enough memory" in route(8)).
    if (!this.admit()) throw new SysError('ENOBUFS', 'RTM_ADD')
    if (m === undefined) {
      m = new Map()
      // Longest first: insert before the first shorter length.
      let i = 0
      while (i < this.lens.length && this.lens[i]! > r.prefixLen) i++
      this.lens = [...this.lens.slice(0, i), r.prefixLen, ...this.lens.slice(i)]
      this.maps = [...this.maps.slice(0, i), m, ...this.maps.slice(i)]
    }
    m.set(r.dst | 0, r)
    r.fib = this.fib
    this.count++
    this.index(r)
    this.invalidate()
    this.notify('add', r)
  }

  /**
   * A route to a prefix that has one (add_route_flags): with multipath, a gateway route through a
   * gateway not yet in the group joins it as another path; anything else is EEXIST.
   */
  private addPath(head: Route, r: Route): void {
    const gw = RTF.GATEWAY
    if (this.multipath === 0 || (head.flags & gw) === 0 || (r.flags & gw) === 0)
      throw new SysError('EEXIST', 'RTM_ADD')
    for (let p: Route | null = head; p !== null; p = p.mpNext)
      if (p.gateway === r.gateway) throw new SysError('EEXIST', 'RTM_ADD')
    if (!this.admit()) throw new SysError('ENOBUFS', 'RTM_ADD')
    let last = head
    while (last.mpNext !== null) last = last.mpNext
    last.mpNext = r
    r.mpNext = null
    r.fib = this.fib
    this.count++
    this.index(r)
    head.nhg = this.nhops.regroup(head, head.nhg)
    this.invalidate()
    this.notify('add', head)
  }

  /** The path of a (possibly multipath) route through gateway, if any. */
  pathVia(head: Route, gateway: number): Route | undefined {
    for (let p: Route | null = head; p !== null; p = p.mpNext) if (p.gateway === gateway) return p
    return undefined
  }

  /**
   * Each route is also listed on its interface and its address (`routes`), so an address or
   * interface going away finds its routes without a walk over the table, and a vnet holds no
   * index maps of its own.
   */
  private index(r: Route): void {
    ;(r.ifp.routes ??= new Set()).add(r)
    if (r.ifa !== null) (r.ifa.routes ??= new Set()).add(r)
    this.nhops.link(r)
  }

  private unindex(r: Route): void {
    r.ifp.routes?.delete(r)
    r.ifa?.routes?.delete(r)
    this.nhops.unlink(r)
  }

  /** While set, removals tell no listener (removePrefix tells them once). */
  private muted = false

  /** Tell the listeners how the prefix of head is now (or that it went, with op 'delete'). */
  private notify(op: 'add' | 'delete', head: Route): void {
    const ms = this.monitors
    if (ms === null || ms.length === 0 || this.muted) return
    let e: ReturnType<typeof routeEvent> | null = null
    for (const m of ms) if (m.wants(head)) m.push((e ??= routeEvent(op, head, this.fib, this.origin)))
  }

  /** A routing-socket listener starts or stops reading this table's changes. */
  watch(m: RouteMonitor): void {
    ;(this.monitors ??= []).push(m)
  }

  unwatch(m: RouteMonitor): void {
    if (this.monitors !== null) this.monitors = this.monitors.filter((x) => x !== m)
  }

  /** Point a route at another interface and source address (RTM_CHANGE), keeping the indexes right. */
  rebind(r: Route, ifp: Ifnet, ifa: IfAddr | null): void {
    const inTable = this.has(r)
    if (inTable) this.unindex(r)
    r.ifp = ifp
    r.ifa = ifa
    const head = inTable ? (this.mapOf(r.prefixLen)?.get(r.dst | 0) ?? null) : null
    if (inTable) this.index(r)
    if (head !== null) head.nhg = this.nhops.regroup(head, head.nhg)
    this.invalidate()
    if (head !== null) this.notify('add', head)
  }

  /** The routes bound to ifa (a snapshot: the caller may remove them while iterating). */
  routesOfIfa(ifa: IfAddr): Route[] {
    return ifa.routes === null ? [] : [...ifa.routes]
  }

  /** Whether r is in this table, as a route or one path of one. */
  private has(r: Route): boolean {
    for (let p = this.mapOf(r.prefixLen)?.get(r.dst | 0) ?? null; p !== null; p = p.mpNext)
      if (p === r) return true
    return false
  }

  /** Remove one route, or one path of a multipath route (the others stay). */
  remove(r: Route): boolean {
    const m = this.mapOf(r.prefixLen)
    const head = m?.get(r.dst | 0)
    if (m === undefined || head === undefined) return false
    let first: Route | null = head
    if (head === r) {
      first = r.mpNext
      if (first !== null) m.set(r.dst | 0, first)
      else m.delete(r.dst | 0)
    } else {
      let p = head
      while (p.mpNext !== null && p.mpNext !== r) p = p.mpNext
      if (p.mpNext !== r) return false
      p.mpNext = r.mpNext
    }
    r.mpNext = null
    this.count--
    this.unindex(r)
    // The prefix's group follows its first path; what is left may be one path (no group) or a new set.
    const group = head.nhg
    head.nhg = null
    if (first !== null) first.nhg = this.nhops.regroup(first, group)
    else this.nhops.regroup(null, group)
    this.invalidate()
    // What is left of the prefix is a change (RTM_CHANGE of the group); its last path, a delete.
    if (first !== null) this.notify('add', first)
    else this.notify('delete', r)
    if (m.size === 0) this.dropLen(r.prefixLen)
    return true
  }

  /** Remove a prefix with every path it has (rib_del_route without a gateway): one delete event. */
  removePrefix(head: Route): void {
    const ms = this.monitors
    const e = ms !== null && ms.length > 0 ? routeEvent('delete', head, this.fib, this.origin) : null
    this.muted = true
    try {
      for (let p: Route | null = head; p !== null; ) {
        const next: Route | null = p.mpNext
        this.remove(p)
        p = next
      }
    } finally {
      this.muted = false
    }
    if (e !== null) for (const m of ms!) if (m.wants(head)) m.push(e)
  }

  private dropLen(len: number): void {
    const i = this.lens.indexOf(len)
    this.lens = this.lens.filter((_, j) => j !== i)
    this.maps = this.maps.filter((_, j) => j !== i)
  }

  /** All routes, ordered as netstat prints them: by destination, then prefix length. */
  list(): Route[] {
    const out: Route[] = []
    for (const m of this.maps)
      for (const r of m.values()) for (let p: Route | null = r; p !== null; p = p.mpNext) out.push(p)
    return out.sort((a, b) => a.dst - b.dst || a.prefixLen - b.prefixLen)
  }

  /** Remove every route through ifp (interface detach). */
  removeIf(ifp: Ifnet): void {
    if (ifp.routes !== null) for (const r of [...ifp.routes]) this.remove(r)
  }
}
