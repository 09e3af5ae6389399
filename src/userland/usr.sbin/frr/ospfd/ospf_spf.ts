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
  RTR_E,
} from '../../../../wire/routing/ospf.js'
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
  /** Our interfaces in the area, with their full neighbours' router ids and addresses. */
  ifs: ReadonlyArray<{ name: string; addr: number; nbrs: ReadonlyArray<{ routerId: number; addr: number }> }>
}

export interface SpfResult {
  routes: Map<string, OspfRoute>
  routers: Map<number, RouterRoute>
}

interface Vertex {
  key: string
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
      ;[a[p], a[i]] = [a[i]!, a[p]!]
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
        ;[a[m], a[i]] = [a[i]!, a[m]!]
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
  return x.ifName.localeCompare(y.ifName) || (x.gw >>> 0) - (y.gw >>> 0)
}

function mergeHops(a: NextHop[], b: readonly NextHop[]): NextHop[] {
  let out: NextHop[] | null = null
  for (const h of b)
    if (!(out ?? a).some((x) => x.gw === h.gw && x.ifName === h.ifName)) (out ??= [...a]).push(h)
  // Nothing new (the same hops by another path): the list stands as it was, if already in order.
  if (out === null && a.every((x, k) => k === 0 || hopOrder(a[k - 1]!, x) <= 0)) return a
  return (out ?? [...a]).sort(hopOrder)
}

const maskLen = (mask: number): number => Math.clz32(~mask >>> 0)

function routeKey(addr: number, len: number): string {
  return `${addr >>> 0}/${len}`
}

/** Dijkstra over one area: router vertices by router id, the intra-area routes and ABR/ASBR reachability. */
function areaSpf(
  rid: number,
  area: SpfArea,
  now: number,
  routes: Map<string, OspfRoute>,
  routers: Map<number, RouterRoute>,
): void {
  const db = area.lsdb
  const live = (e: LsaEntry | undefined): e is LsaEntry => e !== undefined && ageOf(e, now) < MAX_AGE
  const netById = new Map<number, LsaEntry>()
  for (const e of db.map.values())
    if (e.lsa.hdr.type === LsType.NETWORK && e.network !== null && live(e)) netById.set(e.lsa.hdr.id >>> 0, e)
  const rootEntry = db.routers.get(rid >>> 0)
  if (!live(rootEntry) || rootEntry.router === null) return
  const verts = new Map<string, Vertex>()
  const heap = new Heap()
  const root: Vertex = {
    key: `R${rid}`,
    isRouter: true,
    id: rid,
    entry: rootEntry,
    dist: 0,
    nextHops: [],
    direct: true,
    done: false,
  }
  verts.set(root.key, root)
  heap.push(root)
  const done: Vertex[] = []
  const ifByAddr = (a: number) => area.ifs.find((i) => i.addr >>> 0 === a >>> 0)
  while (heap.size > 0) {
    const v = heap.pop()!
    if (v.done) continue
    v.done = true
    done.push(v)
    // The links of v to other vertices, with their cost and (for a router's links) its link data.
    const edges: Array<{
      key: string
      isRouter: boolean
      id: number
      entry: LsaEntry
      cost: number
      data: number
    }> = []
    if (v.isRouter) {
      for (const l of v.entry.router!.links) {
        if (l.type === Link.P2P) {
          const w = db.routers.get(l.id >>> 0)
          if (!live(w) || w.router === null) continue
          if (
            !w.router.links.some(
              (b) => (b.type === Link.P2P || b.type === Link.VIRTUAL) && b.id >>> 0 === v.id >>> 0,
            )
          )
            continue
          edges.push({
            key: `R${l.id >>> 0}`,
            isRouter: true,
            id: l.id >>> 0,
            entry: w,
            cost: l.metric,
            data: l.data,
          })
        } else if (l.type === Link.TRANSIT) {
          const w = netById.get(l.id >>> 0)
          if (w === undefined || !w.network!.routers.some((r) => r >>> 0 === v.id >>> 0)) continue
          edges.push({
            key: `N${l.id >>> 0}`,
            isRouter: false,
            id: l.id >>> 0,
            entry: w,
            cost: l.metric,
            data: l.data,
          })
        }
      }
    } else {
      for (const r of v.entry.network!.routers) {
        const w = db.routers.get(r >>> 0)
        if (!live(w) || w.router === null) continue
        // The router's own link to this network gives its address there (the next hop through it).
        const back = w.router.links.find((b) => b.type === Link.TRANSIT && b.id >>> 0 === v.id >>> 0)
        if (back === undefined) continue
        edges.push({ key: `R${r >>> 0}`, isRouter: true, id: r >>> 0, entry: w, cost: 0, data: back.data })
      }
    }
    for (const e of edges) {
      const d = v.dist + e.cost
      let w = verts.get(e.key)
      if (w?.done) continue
      // §16.1.1: next hops of a vertex reached from the root or from a network on the root.
      let hops: NextHop[]
      let direct = false
      if (v === root) {
        const ifc = ifByAddr(e.data)
        if (ifc === undefined) continue
        if (e.isRouter) {
          const n = ifc.nbrs.find((x) => x.routerId >>> 0 === e.id)
          if (n === undefined) continue
          hops = [{ gw: n.addr, ifName: ifc.name }]
        } else {
          hops = [{ gw: 0, ifName: ifc.name }]
          direct = true
        }
      } else if (!v.isRouter && v.direct) {
        hops = v.nextHops.map((h) => ({ gw: e.data, ifName: h.ifName }))
      } else hops = v.nextHops
      if (w === undefined) {
        w = {
          key: e.key,
          isRouter: e.isRouter,
          id: e.id,
          entry: e.entry,
          dist: d,
          nextHops: hops,
          direct,
          done: false,
        }
        verts.set(e.key, w)
        heap.push(w)
      } else if (d < w.dist) {
        w.dist = d
        w.nextHops = hops
        w.direct = direct
        heap.push(w)
      } else if (d === w.dist) w.nextHops = mergeHops(w.nextHops, hops)
    }
  }
  const offer = (r: OspfRoute) => {
    const k = routeKey(r.addr, r.len)
    const old = routes.get(k)
    if (old === undefined || r.cost < old.cost) routes.set(k, r)
    else if (r.cost === old.cost && !old.direct) old.nextHops = mergeHops(old.nextHops, r.nextHops)
  }
  for (const v of done) {
    if (!v.isRouter) {
      const n = v.entry.network!
      const len = maskLen(n.mask)
      offer({
        addr: (v.id & n.mask) >>> 0,
        len,
        kind: 'intra',
        cost: v.dist,
        cost2: 0,
        area: area.id,
        advRtr: 0,
        tag: 0,
        nextHops: v.nextHops,
        direct: v.direct,
      })
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
      offer({
        addr: (l.id & l.data) >>> 0,
        len: maskLen(l.data),
        kind: 'intra',
        cost: v.dist + l.metric,
        cost2: 0,
        area: area.id,
        advRtr: 0,
        tag: 0,
        nextHops: own,
        direct: v === root,
      })
    }
  }
}

/** §16.2: summaries of one area (the backbone's when we are an ABR, else our only area's). */
function interArea(
  rid: number,
  area: SpfArea,
  now: number,
  routes: Map<string, OspfRoute>,
  routers: Map<number, RouterRoute>,
  areaRouters: Map<number, RouterRoute>,
): void {
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
export function ospfSpf(rid: number, areas: readonly SpfArea[], external: Lsdb, now: number): SpfResult {
  const routes = new Map<string, OspfRoute>()
  const routers = new Map<number, RouterRoute>()
  const perArea = new Map<number, Map<number, RouterRoute>>()
  for (const a of areas) {
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
  for (const e of external.map.values()) {
    const h = e.lsa.hdr
    if (h.type !== LsType.EXTERNAL || h.advRtr >>> 0 === rid >>> 0 || ageOf(e, now) >= MAX_AGE) continue
    const x = parseExternalLsa(e.lsa.data)
    if (x === null || x.metric >= LS_INFINITY) continue
    const asbr = routers.get(h.advRtr >>> 0)
    if (asbr === undefined || !asbr.asbr) continue
    const len = maskLen(x.mask)
    const k = routeKey((h.id & x.mask) >>> 0, len)
    const old = routes.get(k)
    if (old !== undefined && (old.kind === 'intra' || old.kind === 'inter')) continue
    const r: OspfRoute = {
      addr: (h.id & x.mask) >>> 0,
      len,
      kind: x.type2 ? 'ext2' : 'ext1',
      cost: x.type2 ? asbr.cost : asbr.cost + x.metric,
      cost2: x.type2 ? x.metric : 0,
      area: asbr.area,
      advRtr: h.advRtr >>> 0,
      tag: x.tag,
      nextHops: asbr.nextHops,
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
  return { routes, routers }
}
