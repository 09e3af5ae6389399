/**
 * ospf6d's routing table calculation (RFC 5340 §4.8 on RFC 2328 §16): Dijkstra per area over the
 * Router-LSAs (all of one router's, taken together) and Network-LSAs, links checked both ways, next
 * hops as neighbours' link-local addresses (§4.8.2: from the neighbour's packets on the directly
 * attached link); then each reached vertex's Intra-Area-Prefix-LSAs give the prefixes (§4.8.3), and
 * Inter-Area-Prefix-LSAs of reachable border routers the inter-area routes (§4.8.4: an area border
 * router reads the backbone's only), Inter-Area-Router-LSAs the AS boundary routers of other areas,
 * and AS-External-LSAs of reachable ASBRs the external routes (type 1 and 2 metrics, §4.8.5), and
 * last an NSSA's Type-7 routes (RFC 3101 §2.5, through a hook of ospf6_nssa.ts).
 * Transit areas are calculated before the backbone, so that a virtual link (§4.7, ospf6_vlink.ts)
 * knows from their trees whether it is up, and at what cost and through which next hops, by the
 * time the backbone's tree crosses it.
 *
 * Must not: change the databases it reads, or read a clock (time is passed in for LSA ages).
 */

import { formatIpv6, in6Eq } from '../../../../wire/inet6/in6_addr.js'
import { MAX_AGE } from '../../../../wire/routing/ospf.js'
import {
  type External6Body,
  Link6,
  Ls6Type,
  PFX_NU,
  parseExternal6,
  parseInterPrefix6,
  parseInterRouter6,
  parseIntraPrefix6,
  parseNetwork6,
  parseRouter6,
  type RouterLink6,
  RTR6_E,
} from '../../../../wire/routing/ospf6.js'
import { ageOf, type LsaEntry, type Lsdb } from '../ospfd/ospf_lsdb.js'
import type { Ospf6Engine } from './ospf6_engine.js'
import { NbrState } from './ospf6_types.js'

export interface NextHop6 {
  /** The neighbour's link-local address, or null for a destination on the interface's own link. */
  gw: Uint8Array | null
  ifName: string
  ifIndex: number
}

export type Route6Kind = 'intra' | 'inter' | 'ext1' | 'ext2'

export interface Ospf6Route {
  addr: Uint8Array
  len: number
  kind: Route6Kind
  cost: number
  cost2: number
  area: number
  advRtr: number
  nextHops: NextHop6[]
  /** A prefix of one of our own links. */
  direct: boolean
}

export interface Spf6Vertex {
  isRouter: boolean
  rid: number
  ifId: number
  dist: number
  nextHops: NextHop6[]
  /** A router's Router-LSA flags (B, E, V), 0 for a network. */
  flags: number
}

/** A path to an AS boundary router (RFC 2328 §16.4's router routing table entry). */
export interface Asbr6Route {
  rid: number
  kind: 'intra' | 'inter'
  area: number
  cost: number
  nextHops: NextHop6[]
}

export interface Spf6Result {
  routes: Map<string, Ospf6Route>
  /** Reached vertices per area (`r:RID` or `n:RID:IFID`). */
  vertices: Map<number, Map<string, Spf6Vertex>>
  /** The best path to each AS boundary router (not ourselves), by Router ID. */
  asbrs: Map<number, Asbr6Route>
}

type Vertices = ReadonlyMap<number, ReadonlyMap<string, Spf6Vertex>>

/** What virtual links (ospf6_vlink.ts) and NSSAs (ospf6_nssa.ts) add to the calculation. */
export interface Spf6Hooks {
  /** Between the transit areas' trees and the backbone's (virtual links are set up there). */
  transitDone?: (vertices: Vertices) => void
  /** After the inter-area routes (RFC 2328 §16.3: the transit areas' summaries). */
  examineTransit?: (
    vertices: Vertices,
    routes: Map<string, Ospf6Route>,
    asbrs: Map<number, Asbr6Route>,
  ) => void
  /** Last: the NSSAs' Type-7 routes. */
  nssaRoutes?: (vertices: Vertices, routes: Map<string, Ospf6Route>) => void
}

function live(e: LsaEntry, now: number): boolean {
  return ageOf(e, now) < MAX_AGE
}

/** A router's links from all of its Router-LSAs in the area. */
function routerLinks(db: Lsdb, rid: number, now: number): { links: RouterLink6[]; flags: number } | null {
  let found = false
  const links: RouterLink6[] = []
  let flags = 0
  for (const x of db.map.values()) {
    if (x.lsa.hdr.type !== Ls6Type.ROUTER || x.lsa.hdr.advRtr >>> 0 !== rid >>> 0 || !live(x, now)) continue
    const r = parseRouter6(x.lsa.data)
    if (r === null) continue
    found = true
    flags |= r.flags
    links.push(...r.links)
  }
  return found ? { links, flags } : null
}

function networkOf(db: Lsdb, rid: number, ifId: number, now: number): number[] | null {
  const x = db.get(Ls6Type.NETWORK, ifId, rid)
  if (x === undefined || !live(x, now)) return null
  return parseNetwork6(x.lsa.data)
}

export function routeKey(addr: Uint8Array, len: number): string {
  return `${formatIpv6(addr)}/${len}`
}

export function sameHops(a: NextHop6[], b: NextHop6[]): NextHop6[] {
  const out = [...a]
  for (const h of b)
    if (
      !out.some(
        (x) =>
          x.ifName === h.ifName &&
          (x.gw === h.gw || (x.gw !== null && h.gw !== null && in6Eq(x.gw, 0, h.gw, 0))),
      )
    )
      out.push(h)
  return out
}

function better(a: Asbr6Route, b: Asbr6Route | undefined): boolean {
  return (
    b === undefined || (a.kind === 'intra' && b.kind === 'inter') || (a.kind === b.kind && a.cost < b.cost)
  )
}

export function ospf6Spf(e: Ospf6Engine, now: number, hooks: Spf6Hooks = {}): Spf6Result {
  const routes = new Map<string, Ospf6Route>()
  const vertices = new Map<number, Map<string, Spf6Vertex>>()
  const asbrs = new Map<number, Asbr6Route>()
  const me = e.routerId
  // The backbone last: its virtual links take their state from the transit areas' trees.
  const order = [...e.areas.values()].sort((a, b) => (a.id === 0 ? 1 : 0) - (b.id === 0 ? 1 : 0))
  for (const area of order) {
    if (area.id === 0) hooks.transitDone?.(vertices)
    const ifs = [...e.ifs.values()].filter((i) => i.area === area.id && i.state !== 'Down')
    if (ifs.length === 0) continue
    const db = area.lsdb
    const done = new Map<string, Spf6Vertex>()
    const cand = new Map<string, Spf6Vertex>()
    const root: Spf6Vertex = { isRouter: true, rid: me, ifId: 0, dist: 0, nextHops: [], flags: 0 }
    cand.set(`r:${me}`, root)
    while (cand.size > 0) {
      let bestKey = ''
      let best: Spf6Vertex | null = null
      for (const [k, v] of cand) if (best === null || v.dist < best.dist) [bestKey, best] = [k, v]
      cand.delete(bestKey)
      const v = best!
      done.set(bestKey, v)
      if (v.isRouter) v.flags = routerLinks(db, v.rid, now)?.flags ?? 0
      // The vertex's edges: a router's p2p and transit links, a network's attached routers.
      const edges: Array<{
        key: string
        isRouter: boolean
        rid: number
        ifId: number
        cost: number
        via: RouterLink6 | null
      }> = []
      if (v.isRouter) {
        const rl = routerLinks(db, v.rid, now)
        if (rl === null) continue
        for (const l of rl.links) {
          if (l.type === Link6.P2P || (l.type === Link6.VIRTUAL && area.id === 0)) {
            // Back link: the neighbour lists a link of the same kind to v.
            const back = routerLinks(db, l.nbrRid, now)
            if (back === null || !back.links.some((b) => b.type === l.type && b.nbrRid >>> 0 === v.rid >>> 0))
              continue
            edges.push({
              key: `r:${l.nbrRid}`,
              isRouter: true,
              rid: l.nbrRid,
              ifId: 0,
              cost: l.metric,
              via: l,
            })
          } else if (l.type === Link6.TRANSIT) {
            const att = networkOf(db, l.nbrRid, l.nbrIfId, now)
            if (att === null || !att.some((r) => r >>> 0 === v.rid >>> 0)) continue
            edges.push({
              key: `n:${l.nbrRid}:${l.nbrIfId}`,
              isRouter: false,
              rid: l.nbrRid,
              ifId: l.nbrIfId,
              cost: l.metric,
              via: l,
            })
          }
        }
      } else {
        for (const r of networkOf(db, v.rid, v.ifId, now) ?? []) {
          const back = routerLinks(db, r, now)
          if (
            back === null ||
            !back.links.some(
              (b) => b.type === Link6.TRANSIT && b.nbrRid >>> 0 === v.rid >>> 0 && b.nbrIfId === v.ifId,
            )
          )
            continue
          edges.push({ key: `r:${r}`, isRouter: true, rid: r, ifId: 0, cost: 0, via: null })
        }
      }
      for (const w of edges) {
        if (done.has(w.key)) continue
        const dist = v.dist + w.cost
        // §16.1.1 next hops: from the root, the interface (and neighbour); through a network the
        // root is on, the router's address on it; otherwise the parent's.
        let hops: NextHop6[]
        if (v === root) {
          const i = ifs.find((x) => x.ifId === w.via!.ifId)
          if (i === undefined) continue
          if (w.isRouter) {
            const n = i.nbrs.get(w.rid)
            if (n === undefined || n.state !== NbrState.FULL) continue
            // §16.1: across a virtual link, the transit area's next hops to its far end.
            if (i.vl !== undefined) hops = i.vl.hops
            else hops = [{ gw: n.addr, ifName: i.name, ifIndex: i.ifId }]
            if (hops.length === 0) continue
          } else hops = [{ gw: null, ifName: i.name, ifIndex: i.ifId }]
        } else if (!v.isRouter && v.nextHops.length > 0 && v.nextHops.every((h) => h.gw === null)) {
          hops = []
          for (const h of v.nextHops) {
            const n = e.ifs.get(h.ifName)?.nbrs.get(w.rid)
            if (n !== undefined) hops.push({ gw: n.addr, ifName: h.ifName, ifIndex: h.ifIndex })
          }
          if (hops.length === 0) continue
        } else hops = v.nextHops
        const c = cand.get(w.key)
        if (c === undefined || dist < c.dist)
          cand.set(w.key, { isRouter: w.isRouter, rid: w.rid, ifId: w.ifId, dist, nextHops: hops, flags: 0 })
        else if (dist === c.dist) c.nextHops = sameHops(c.nextHops, hops)
      }
    }
    vertices.set(area.id, done)
    // §16.1 last step: the area's AS boundary routers (intra-area paths win over any other).
    for (const v of done.values()) {
      if (!v.isRouter || v === root || (v.flags & RTR6_E) === 0 || v.nextHops.length === 0) continue
      const r: Asbr6Route = { rid: v.rid, kind: 'intra', area: area.id, cost: v.dist, nextHops: v.nextHops }
      if (better(r, asbrs.get(v.rid >>> 0))) asbrs.set(v.rid >>> 0, r)
    }
    // §4.8.3: prefixes of the reached vertices.
    for (const x of db.map.values()) {
      if (x.lsa.hdr.type !== Ls6Type.INTRA_PREFIX || !live(x, now)) continue
      const p = parseIntraPrefix6(x.lsa.data)
      if (p === null || p.refAdv >>> 0 !== x.lsa.hdr.advRtr >>> 0) continue
      const vk =
        p.refType === Ls6Type.ROUTER
          ? `r:${p.refAdv}`
          : p.refType === Ls6Type.NETWORK
            ? `n:${p.refAdv}:${p.refId}`
            : ''
      const v = done.get(vk)
      if (v === undefined) continue
      for (const q of p.prefixes) {
        if ((q.options & PFX_NU) !== 0) continue
        const k = routeKey(q.addr, q.len)
        const cost = v.dist + q.metric
        // Ours: an interface's prefix, or the host address we announce for a virtual link.
        const direct =
          v === root ||
          ifs.some((i) => i.prefixes.some((m) => m.len === q.len && in6Eq(m.addr, 0, q.addr, 0)))
        const old = routes.get(k)
        const hops = v === done.get(`r:${me}`) ? [] : v.nextHops
        if (old === undefined || cost < old.cost)
          routes.set(k, {
            addr: q.addr,
            len: q.len,
            kind: 'intra',
            cost,
            cost2: 0,
            area: area.id,
            advRtr: x.lsa.hdr.advRtr,
            nextHops: hops,
            direct,
          })
        else if (cost === old.cost) old.nextHops = sameHops(old.nextHops, hops)
      }
    }
  }
  // §4.8.4 (RFC 2328 §16.2): an area border router (the backbone and another area) takes the
  // backbone's summaries only; an area's own routes always win over them.
  const abr = vertices.size > 1 && vertices.has(0)
  for (const [areaId, done] of vertices) {
    if (abr && areaId !== 0) continue
    for (const x of e.area(areaId).lsdb.map.values()) {
      if (x.lsa.hdr.type === Ls6Type.INTER_ROUTER && live(x, now) && !e.isSelf(x.lsa)) {
        interRouter(e, x, done, areaId, asbrs)
        continue
      }
      if (x.lsa.hdr.type !== Ls6Type.INTER_PREFIX || !live(x, now) || e.isSelf(x.lsa)) continue
      const p = parseInterPrefix6(x.lsa.data)
      if (p === null || p.metric >= 0xffffff || (p.prefix.options & PFX_NU) !== 0) continue
      const br = done.get(`r:${x.lsa.hdr.advRtr}`)
      if (br === undefined || br.nextHops.length === 0) continue
      const k = routeKey(p.prefix.addr, p.prefix.len)
      const cost = br.dist + p.metric
      const old = routes.get(k)
      if (old !== undefined && old.kind === 'intra') continue
      if (old === undefined || cost < old.cost)
        routes.set(k, {
          addr: p.prefix.addr,
          len: p.prefix.len,
          kind: 'inter',
          cost,
          cost2: 0,
          area: areaId,
          advRtr: x.lsa.hdr.advRtr,
          nextHops: br.nextHops,
          direct: false,
        })
      else if (cost === old.cost) old.nextHops = sameHops(old.nextHops, br.nextHops)
    }
  }
  hooks.examineTransit?.(vertices, routes, asbrs)
  // §4.8.5 (RFC 2328 §16.4): AS-external routes through reachable AS boundary routers, in this
  // area or (by Inter-Area-Router-LSAs) another.
  for (const x of e.external.map.values()) {
    if (x.lsa.hdr.type !== Ls6Type.EXTERNAL || !live(x, now) || e.isSelf(x.lsa)) continue
    const p = parseExternal6(x.lsa.data)
    if (p === null || p.metric >= 0xffffff) continue
    const r = asbrs.get(x.lsa.hdr.advRtr >>> 0)
    if (r === undefined || r.nextHops.length === 0) continue
    addExternal(routes, p, x.lsa.hdr.advRtr, 0, r.cost, r.nextHops)
  }
  // RFC 3101 §2.5: an NSSA's Type-7 routes, through the area's own AS boundary routers.
  hooks.nssaRoutes?.(vertices, routes)
  return { routes, vertices, asbrs }
}

/**
 * One AS-external (or NSSA) path to p through an AS boundary router at `dist` (RFC 2328 §16.4 (6)):
 * intra- and inter-area routes win over it, a type 1 metric over a type 2, then the lower cost;
 * equal ones add their next hops.
 */
export function addExternal(
  routes: Map<string, Ospf6Route>,
  p: External6Body,
  advRtr: number,
  area: number,
  dist: number,
  nextHops: NextHop6[],
): void {
  const k = routeKey(p.prefix.addr, p.prefix.len)
  const old = routes.get(k)
  if (old !== undefined && (old.kind === 'intra' || old.kind === 'inter')) return
  const kind = p.type2 ? 'ext2' : 'ext1'
  const cost = p.type2 ? dist : dist + p.metric
  const cost2 = p.type2 ? p.metric : 0
  const better =
    old === undefined ||
    (old.kind === 'ext2' && kind === 'ext1') ||
    (old.kind === kind && (cost2 < old.cost2 || (cost2 === old.cost2 && cost < old.cost)))
  if (better)
    routes.set(k, {
      addr: p.prefix.addr,
      len: p.prefix.len,
      kind,
      cost,
      cost2,
      area,
      advRtr,
      nextHops,
      direct: false,
    })
  else if (old.kind === kind && old.cost2 === cost2 && old.cost === cost)
    old.nextHops = sameHops(old.nextHops, nextHops)
}

/** §16.2 for an Inter-Area-Router-LSA: the ASBR it names, through the border router that sent it. */
function interRouter(
  e: Ospf6Engine,
  x: LsaEntry,
  done: ReadonlyMap<string, Spf6Vertex>,
  areaId: number,
  asbrs: Map<number, Asbr6Route>,
): void {
  const p = parseInterRouter6(x.lsa.data)
  if (p === null || p.metric >= 0xffffff || p.destRid >>> 0 === e.routerId >>> 0) return
  const br = done.get(`r:${x.lsa.hdr.advRtr}`)
  if (br === undefined || br.nextHops.length === 0) return
  const r: Asbr6Route = {
    rid: p.destRid,
    kind: 'inter',
    area: areaId,
    cost: br.dist + p.metric,
    nextHops: br.nextHops,
  }
  const old = asbrs.get(p.destRid >>> 0)
  if (better(r, old)) asbrs.set(p.destRid >>> 0, r)
  else if (old !== undefined && old.kind === 'inter' && old.cost === r.cost)
    old.nextHops = sameHops(old.nextHops, r.nextHops)
}
