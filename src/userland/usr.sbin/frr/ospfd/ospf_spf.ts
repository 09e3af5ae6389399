/**
 * ospfd's routing table calculation (RFC 2328 §16): Dijkstra over each area's router and network
 * LSAs from this router (§16.1, with next hops as §16.1.1 gives them), the area's stub networks,
 * inter-area routes from summary LSAs (§16.2, the backbone's only when this router is an area
 * border router), and AS-external routes (§16.4, type 1 and type 2 metrics). The result is the OSPF
 * routing table by prefix, with equal-cost next hops sorted so the first is always the same one.
 *
 * Must not: change the databases it reads, or read a clock (time is passed in for LSA ages).
 */

import {
  Link,
  LsType,
  MAX_AGE,
  parseExternalLsa,
  parseSummaryLsa,
  type RouterLink,
  RTR_E,
} from '../../../../wire/routing/ospf.js'
import { fwdRoute } from './areas/ospf_fwd.js'
import { ageOf, type LsaEntry, type Lsdb } from './ospf_lsdb.js'

export const LS_INFINITY = 0xffffff

export interface NextHop {
  /** The gateway (0: the destination is on the interface's own network). */
  gw: number
  ifName: string
}

export type RouteKind = 'intra' | 'inter' | 'ext1' | 'ext2'

export interface OspfRoute {
  addr: number
  len: number
  kind: RouteKind
  /** Cost to the destination (for external type 2: cost to the ASBR). */
  cost: number
  /** External type 2 metric (0 otherwise). */
  cost2: number
  area: number
  /** The advertising router of an external route (0 otherwise). */
  advRtr: number
  tag: number
  nextHops: NextHop[]
  /** A network of one of our own interfaces. */
  direct: boolean
}

export interface RouterRoute {
  routerId: number
  cost: number
  area: number
  abr: boolean
  asbr: boolean
  nextHops: NextHop[]
}

/** What SPF needs to know of one area this router is in. */
export interface SpfArea {
  id: number
  lsdb: Lsdb
  /**
   * Our interfaces in the area, with their full neighbours' router ids and addresses. A virtual link
   * (§15) carries the next hops its transit area found to the peer, read when the backbone's turn comes.
   */
  ifs: ReadonlyArray<{
    name: string
    addr: number
    nbrs: ReadonlyArray<{ routerId: number; addr: number }>
    vl?: { hops: readonly NextHop[] }
  }>
}

/**
 * Virtual links' part of the calculation (ospf_vlink.ts): after the other areas and before the
 * backbone, and after the backbone's summaries (§16.3, the transit areas' summaries).
 */
export interface SpfHooks {
  transitDone(perArea: ReadonlyMap<number, ReadonlyMap<number, RouterRoute>>): void
  examineTransit(
    routes: Map<number, OspfRoute>,
    routers: Map<number, RouterRoute>,
    perArea: ReadonlyMap<number, ReadonlyMap<number, RouterRoute>>,
  ): void
}

export interface SpfResult {
  routes: Map<number, OspfRoute>
  routers: Map<number, RouterRoute>
  /** Each area's reachable border and boundary routers (ospf_nssa.ts's translator election). */
  perArea: ReadonlyMap<number, ReadonlyMap<number, RouterRoute>>
}

/** Added to a network's link state id for its vertex key (a router's key is its id). */
const NET_KEY = 2 ** 32

interface Vertex {
  key: number
  isRouter: boolean
  id: number
  entry: LsaEntry
  dist: number
  nextHops: NextHop[]
  /** Set when the vertex is the root or on a network directly attached to it. */
  direct: boolean
  done: boolean
}

/** A small binary heap of vertices by distance. */
class Heap {
  private a: Vertex[] = []
  get size(): number {
    return this.a.length
  }
  push(v: Vertex): void {
    const a = this.a
    a.push(v)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (less(a[p]!, a[i]!)) break
      const t = a[p]!
      a[p] = a[i]!
      a[i] = t
      i = p
    }
  }
  pop(): Vertex | undefined {
    const a = this.a
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last !== undefined) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && less(a[l]!, a[m]!)) m = l
        if (r < a.length && less(a[r]!, a[m]!)) m = r
        if (m === i) break
        const t = a[m]!
        a[m] = a[i]!
        a[i] = t
        i = m
      }
    }
    return top
  }
}

/** Nearer first; at equal distance networks before routers (§16.1 step 3, for the next-hop rule). */
function less(x: Vertex, y: Vertex): boolean {
  if (x.dist !== y.dist) return x.dist < y.dist
  return !x.isRouter && y.isRouter
}

function hopOrder(x: NextHop, y: NextHop): number {
  return (x.ifName === y.ifName ? 0 : nameOrder(x.ifName, y.ifName)) || (x.gw >>> 0) - (y.gw >>> 0)
}

/**
 * localeCompare's order of two interface names, worked out by code unit when both are made of
 * lowercase letters, digits, '.' and '-' (where the root collation agrees with it: '-' and '.' before
 * digits before letters, a prefix first); localeCompare itself for anything else. The grid's SPF
 * merges equal-cost hops for most vertices: localeCompare was most of a run.
 */
function nameOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let k = 0; k < n; k++) {
    const x = a.charCodeAt(k)
    const y = b.charCodeAt(k)
    if (!plainChar(x) || !plainChar(y)) return a.localeCompare(b)
    if (x !== y) {
      // '-' and '.' sort apart from each other differently in the two orders: let localeCompare say.
      if (x < 0x30 && y < 0x30) return a.localeCompare(b)
      return x < y ? -1 : 1
    }
  }
  for (let k = n; k < a.length; k++) if (!plainChar(a.charCodeAt(k))) return a.localeCompare(b)
  for (let k = n; k < b.length; k++) if (!plainChar(b.charCodeAt(k))) return a.localeCompare(b)
  return a.length - b.length
}

/** a-z, 0-9, '-' or '.'. */
function plainChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e
}

export function mergeHops(a: NextHop[], b: readonly NextHop[]): NextHop[] {
  // Plain loops (no closure per call): equal-cost paths merge for most vertices of a grid's run.
  let out: NextHop[] | null = null
  for (let j = 0; j < b.length; j++) {
    const h = b[j]!
    if (!hasHop(out ?? a, h)) (out ??= [...a]).push(h)
  }
  // Nothing new (the same hops by another path): the list stands as it was, if already in order.
  if (out === null && inOrder(a)) return a
  return (out ?? [...a]).sort(hopOrder)
}

function hasHop(hs: readonly NextHop[], h: NextHop): boolean {
  for (let j = 0; j < hs.length; j++) if (hs[j]!.gw === h.gw && hs[j]!.ifName === h.ifName) return true
  return false
}

function inOrder(hs: readonly NextHop[]): boolean {
  for (let k = 1; k < hs.length; k++) if (hopOrder(hs[k - 1]!, hs[k]!) > 0) return false
  return true
}

const maskLen = (mask: number): number => Math.clz32(~mask >>> 0)

/**
 * A route's key in the OSPF routing table: the prefix and its length as one number (addr·64 + len,
 * below 2^38), so that a run builds no key strings.
 */
export function routeKey(addr: number, len: number): number {
  return (addr >>> 0) * 64 + len
}

/** Whether a network-LSA lists router `id` as attached. */
function hasRouter(routers: readonly number[], id: number): boolean {
  for (let j = 0; j < routers.length; j++) if (routers[j]! >>> 0 === id >>> 0) return true
  return false
}

/**
 * The link of a router-LSA back to vertex `id` of the given type: point-to-point or virtual to a
 * router, transit to a network (its link state id); null when there is none.
 */
function linkBack(links: readonly RouterLink[], id: number, type: number): RouterLink | null {
  const want = id >>> 0
  for (let j = 0; j < links.length; j++) {
    const b = links[j]!
    if (b.id >>> 0 === want && b.type === type) return b
  }
  return null
}

/** Dijkstra over one area: router vertices by router id, the intra-area routes and ABR/ASBR reachability. */
function areaSpf(
  rid: number,
  area: SpfArea,
  now: number,
  routes: Map<number, OspfRoute>,
  routers: Map<number, RouterRoute>,
): void {
  const db = area.lsdb
  const live = (e: LsaEntry | undefined): e is LsaEntry => e !== undefined && ageOf(e, now) < MAX_AGE
  // The network-LSA for a link state id: the last live one (any advertising router).
  const netOf = (id: number): LsaEntry | undefined => {
    const list = db.networks.get(id)
    if (list === undefined) return undefined
    let found: LsaEntry | undefined
    for (let j = 0; j < list.length; j++) {
      const e = list[j]!
      if (e.network !== null && live(e)) found = e
    }
    return found
  }
  const rootEntry = db.routers.get(rid >>> 0)
  if (!live(rootEntry) || rootEntry.router === null) return
  // Vertices by id, routers and networks apart (small-integer keys, no 2^32 offset to hash).
  const rverts = new Map<number, Vertex>()
  const nverts = new Map<number, Vertex>()
  const heap = new Heap()
  const root: Vertex = {
    key: rid >>> 0,
    isRouter: true,
    id: rid >>> 0,
    entry: rootEntry,
    dist: 0,
    nextHops: [],
    direct: true,
    done: false,
  }
  rverts.set(root.id, root)
  heap.push(root)
  const done: Vertex[] = []
  const ifByAddr = (a: number) => area.ifs.find((i) => i.addr >>> 0 === a >>> 0)
  // Several of our links may share an address (a virtual link through a real interface's).
  const ifToRouter = (a: number, id: number) =>
    area.ifs.find((i) => i.addr >>> 0 === a >>> 0 && i.nbrs.some((n) => n.routerId >>> 0 === id))
  // A link of v to another vertex, with its cost and (for a router's links) its link data.
  const relax = (v: Vertex, isRouter: boolean, id: number, entry: LsaEntry, cost: number, data: number) => {
    const key = isRouter ? id : id + NET_KEY
    const d = v.dist + cost
    const verts = isRouter ? rverts : nverts
    let w = verts.get(id)
    // Done, or already nearer: nothing to do (and no next hops to work out).
    if (w !== undefined && (w.done || d > w.dist)) return
    // §16.1.1: next hops of a vertex reached from the root or from a network on the root.
    let hops: NextHop[]
    let direct = false
    if (v === root) {
      const ifc = isRouter ? ifToRouter(data, id) : ifByAddr(data)
      if (ifc === undefined) return
      if (ifc.vl !== undefined) {
        if (ifc.vl.hops.length === 0) return
        hops = [...ifc.vl.hops]
      } else if (isRouter) {
        const n = ifc.nbrs.find((x) => x.routerId >>> 0 === id)
        if (n === undefined) return
        hops = [{ gw: n.addr, ifName: ifc.name }]
      } else {
        hops = [{ gw: 0, ifName: ifc.name }]
        direct = true
      }
    } else if (!v.isRouter && v.direct) {
      hops = v.nextHops.map((h) => ({ gw: data, ifName: h.ifName }))
    } else hops = v.nextHops
    if (w === undefined) {
      w = { key, isRouter, id, entry, dist: d, nextHops: hops, direct, done: false }
      verts.set(id, w)
      heap.push(w)
    } else if (d < w.dist) {
      w.dist = d
      w.nextHops = hops
      w.direct = direct
      heap.push(w)
    } else if (d === w.dist) w.nextHops = mergeHops(w.nextHops, hops)
  }
  while (heap.size > 0) {
    const v = heap.pop()!
    if (v.done) continue
    v.done = true
    done.push(v)
    // §16.1 step 2: each link of v whose far end links back to v (plain loops: this runs for every
    // vertex of every SPF run of every router).
    if (v.isRouter) {
      const links = v.entry.router!.links
      for (let j = 0; j < links.length; j++) {
        const l = links[j]!
        // A virtual link (§16.1) is a point-to-point link of the backbone; next hops come from the transit area.
        if (l.type === Link.P2P || l.type === Link.VIRTUAL) {
          const w = db.routers.get(l.id >>> 0)
          if (!live(w) || w.router === null || linkBack(w.router.links, v.id, l.type) === null) continue
          relax(v, true, l.id >>> 0, w, l.metric, l.data)
        } else if (l.type === Link.TRANSIT) {
          const w = netOf(l.id >>> 0)
          if (w === undefined || !hasRouter(w.network!.routers, v.id)) continue
          relax(v, false, l.id >>> 0, w, l.metric, l.data)
        }
      }
    } else {
      const attached = v.entry.network!.routers
      for (let j = 0; j < attached.length; j++) {
        const r = attached[j]!
        const w = db.routers.get(r >>> 0)
        if (!live(w) || w.router === null) continue
        // The router's own link to this network gives its address there (the next hop through it).
        const back = linkBack(w.router.links, v.id, Link.TRANSIT)
        if (back === null) continue
        relax(v, true, r >>> 0, w, 0, back.data)
      }
    }
  }
  // An intra-area route to addr/len; the route object is made only when it is the best so far.
  const offer = (addr: number, len: number, cost: number, nextHops: NextHop[], direct: boolean) => {
    const k = routeKey(addr, len)
    const old = routes.get(k)
    if (old === undefined || cost < old.cost)
      routes.set(k, {
        addr,
        len,
        kind: 'intra',
        cost,
        cost2: 0,
        area: area.id,
        advRtr: 0,
        tag: 0,
        nextHops,
        direct,
      })
    else if (cost === old.cost && !old.direct) old.nextHops = mergeHops(old.nextHops, nextHops)
  }
  for (const v of done) {
    if (!v.isRouter) {
      const n = v.entry.network!
      offer((v.id & n.mask) >>> 0, maskLen(n.mask), v.dist, v.nextHops, v.direct)
      continue
    }
    const rl = v.entry.router!
    if (v !== root && (rl.flags & 3) !== 0) {
      const old = routers.get(v.id)
      if (old === undefined || v.dist < old.cost)
        routers.set(v.id, {
          routerId: v.id,
          cost: v.dist,
          area: area.id,
          abr: (rl.flags & 1) !== 0,
          asbr: (rl.flags & RTR_E) !== 0,
          nextHops: v.nextHops,
        })
    }
    for (const l of rl.links) {
      if (l.type !== Link.STUB) continue
      // Our own stub networks are reached straight out of the interface on them.
      const own =
        v === root
          ? area.ifs
              .filter((i) => ((i.addr ^ l.id) & l.data) >>> 0 === 0)
              .map((i) => ({ gw: 0, ifName: i.name }))
          : v.nextHops
      offer((l.id & l.data) >>> 0, maskLen(l.data), v.dist + l.metric, own, v === root)
    }
  }
}

/** §16.2: summaries of one area (the backbone's when we are an ABR, else our only area's). */
function interArea(
  rid: number,
  area: SpfArea,
  now: number,
  routes: Map<number, OspfRoute>,
  routers: Map<number, RouterRoute>,
  areaRouters: Map<number, RouterRoute>,
): void {
  // Most areas hold no summary-LSA at all: nothing to walk the database for.
  if (area.lsdb.countOf(LsType.SUMMARY) + area.lsdb.countOf(LsType.ASBR_SUMMARY) === 0) return
  for (const e of area.lsdb.map.values()) {
    const h = e.lsa.hdr
    if ((h.type !== LsType.SUMMARY && h.type !== LsType.ASBR_SUMMARY) || h.advRtr >>> 0 === rid >>> 0)
      continue
    if (ageOf(e, now) >= MAX_AGE) continue
    const s = parseSummaryLsa(e.lsa.data)
    if (s === null || s.metric >= LS_INFINITY) continue
    const abr = areaRouters.get(h.advRtr >>> 0)
    if (abr === undefined || abr.area !== area.id || !abr.abr) continue
    const cost = abr.cost + s.metric
    if (h.type === LsType.ASBR_SUMMARY) {
      const old = routers.get(h.id >>> 0)
      if (
        old === undefined ||
        (old.area !== area.id && cost < old.cost) ||
        (old.area === area.id && cost < old.cost)
      )
        routers.set(h.id >>> 0, {
          routerId: h.id >>> 0,
          cost,
          area: area.id,
          abr: false,
          asbr: true,
          nextHops: abr.nextHops,
        })
      continue
    }
    const len = maskLen(s.mask)
    const k = routeKey((h.id & s.mask) >>> 0, len)
    const old = routes.get(k)
    if (old !== undefined && old.kind === 'intra') continue
    if (old === undefined || cost < old.cost)
      routes.set(k, {
        addr: (h.id & s.mask) >>> 0,
        len,
        kind: 'inter',
        cost,
        cost2: 0,
        area: area.id,
        advRtr: 0,
        tag: 0,
        nextHops: abr.nextHops,
        direct: false,
      })
    else if (cost === old.cost) old.nextHops = mergeHops(old.nextHops, abr.nextHops)
  }
}

/** The whole calculation: every area, then inter-area, then external routes. */
export function ospfSpf(
  rid: number,
  areas: readonly SpfArea[],
  external: Lsdb,
  now: number,
  hooks: SpfHooks | null = null,
): SpfResult {
  const routes = new Map<number, OspfRoute>()
  const routers = new Map<number, RouterRoute>()
  const perArea = new Map<number, Map<number, RouterRoute>>()
  // The backbone last: its virtual links need their transit areas' trees first (§16.1).
  const order =
    hooks === null ? areas : [...areas.filter((a) => a.id !== 0), ...areas.filter((a) => a.id === 0)]
  for (const a of order) {
    if (a.id === 0) hooks?.transitDone(perArea)
    const ar = new Map<number, RouterRoute>()
    areaSpf(rid, a, now, routes, ar)
    perArea.set(a.id, ar)
    for (const [id, r] of ar) {
      const old = routers.get(id)
      if (old === undefined || r.cost < old.cost) routers.set(id, r)
    }
  }
  const abr = areas.length > 1
  for (const a of areas) {
    if (abr && a.id !== 0) continue
    interArea(rid, a, now, routes, routers, perArea.get(a.id)!)
  }
  if (hooks !== null) {
    if (!areas.some((a) => a.id === 0)) hooks.transitDone(perArea)
    hooks.examineTransit(routes, routers, perArea)
  }
  for (const e of external.map.values()) {
    const h = e.lsa.hdr
    if (h.type !== LsType.EXTERNAL || h.advRtr >>> 0 === rid >>> 0 || ageOf(e, now) >= MAX_AGE) continue
    const x = parseExternalLsa(e.lsa.data)
    if (x === null || x.metric >= LS_INFINITY) continue
    const asbr = routers.get(h.advRtr >>> 0)
    if (asbr === undefined || !asbr.asbr) continue
    // §16.4 (3): a forwarding address is reached by the route that covers it (ospf_fwd.ts).
    const via = x.fwd === 0 ? asbr : fwdRoute(routes, x.fwd)
    if (via === null) continue
    const len = maskLen(x.mask)
    const k = routeKey((h.id & x.mask) >>> 0, len)
    const old = routes.get(k)
    if (old !== undefined && (old.kind === 'intra' || old.kind === 'inter')) continue
    const r: OspfRoute = {
      addr: (h.id & x.mask) >>> 0,
      len,
      kind: x.type2 ? 'ext2' : 'ext1',
      cost: x.type2 ? via.cost : via.cost + x.metric,
      cost2: x.type2 ? x.metric : 0,
      area: asbr.area,
      advRtr: h.advRtr >>> 0,
      tag: x.tag,
      nextHops: via.nextHops,
      direct: false,
    }
    if (old === undefined) {
      routes.set(k, r)
      continue
    }
    // Type 1 beats type 2; then the smaller metric, then (type 2) the nearer ASBR.
    const rank = (q: OspfRoute) => [q.kind === 'ext1' ? 0 : 1, q.kind === 'ext1' ? q.cost : q.cost2, q.cost]
    const a = rank(r)
    const b = rank(old)
    const cmp = a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!
    if (cmp < 0) routes.set(k, r)
    else if (cmp === 0) old.nextHops = mergeHops(old.nextHops, r.nextHops)
  }
  return { routes, routers, perArea }
}
