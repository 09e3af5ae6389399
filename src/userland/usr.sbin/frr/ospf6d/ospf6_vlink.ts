/**
 * ospf6d's virtual links (RFC 5340 §4.7 on RFC 2328 §15): FRR's `area X virtual-link A.B.C.D` under
 * `router ospf6` as a backbone interface named VLINKn whose far end is a border router across the
 * transit area X. The link is up while the transit area's tree reaches the peer and the peer
 * announces a global address with the LA bit there (§4.4.3.9); its cost and next hops come from that
 * tree (§16.1). Everything sent over it goes unicast from our own LA address to the peer's, and a
 * packet of the backbone arriving on a transit area's interface from a global address belongs to
 * the virtual link whose peer sent it (§4.2.2 on RFC 2328 §8.2). And the transit areas' part of the
 * calculation (RFC 2328 §16.3, as §4.8 carries it): their summaries may give a backbone route a
 * shorter path through them.
 *
 * Must not: change anything for a router without virtual links (every hook does nothing then).
 */

import { in6Eq, in6IsLinkLocal } from '../../../../wire/inet6/in6_addr.js'
import { MAX_AGE } from '../../../../wire/routing/ospf.js'
import {
  Ls6Type,
  PFX_LA,
  PFX_NU,
  parseInterPrefix6,
  parseInterRouter6,
  parseIntraPrefix6,
  RTR6_V,
} from '../../../../wire/routing/ospf6.js'
import { ageOf } from '../ospfd/ospf_lsdb.js'
import type { Ospf6Engine } from './ospf6_engine.js'
import {
  type Asbr6Route,
  type Ospf6Route,
  routeKey,
  type Spf6Hooks,
  type Spf6Vertex,
  sameHops,
} from './ospf6_spf.js'
import type { Ospf6If } from './ospf6_types.js'

/** FRR's timers for a virtual link (it has no `ipv6 ospf6` settings of its own). */
const VL_HELLO_S = 10
const VL_DEAD_S = 40
const VL_RETRANSMIT_S = 5
/** Interface IDs of virtual links start here, past any ifindex the kernel hands out. */
const VL_IFID_BASE = 0x40000000
const LS_INFINITY = 0xffff

/** The virtual links configured now (transit area, peer): new ones start down, removed ones go. */
export function setVirtualLinks6(
  e: Ospf6Engine,
  list: ReadonlyArray<{ area: number; peer: number }>,
  now: number,
): void {
  const old = [...e.ifs.values()].filter((i) => i.vl !== undefined)
  let changed = false
  for (const i of old)
    if (!list.some((v) => v.area === i.vl!.transit && v.peer >>> 0 === i.vl!.peer >>> 0)) {
      e.ifDown(i)
      e.ifs.delete(i.name)
      e.links.delete(i.name)
      changed = true
    }
  for (const v of list) {
    if ([...e.ifs.values()].some((i) => i.vl?.transit === v.area && i.vl.peer >>> 0 === v.peer >>> 0))
      continue
    changed = true
    let k = 0
    while (e.ifs.has(`VLINK${k}`)) k++
    const i: Ospf6If = {
      name: `VLINK${k}`,
      ifId: VL_IFID_BASE + k,
      linkLocal: new Uint8Array(16),
      prefixes: [],
      area: 0,
      type: 'virtual',
      cost: LS_INFINITY,
      hello: VL_HELLO_S,
      dead: VL_DEAD_S,
      retransmit: VL_RETRANSMIT_S,
      priority: 0,
      passive: false,
      mtu: 0,
      state: 'Down',
      dr: 0,
      bdr: 0,
      nbrs: new Map(),
      helloAt: now,
      waitAt: Number.POSITIVE_INFINITY,
      vl: { transit: v.area, peer: v.peer, peerAddr: null, src: null, hops: [] },
    }
    e.ifs.set(i.name, i)
  }
  if (changed) {
    e.area(0)
    e.markDirty()
    e.scheduleSpf(now)
  }
}

/** Our global address for the virtual links through `area`, or null when none goes through it. */
export function vlinkAddress(e: Ospf6Engine, area: number): Uint8Array | null {
  let any = false
  for (const i of e.ifs.values()) any ||= i.vl?.transit === area
  if (!any) return null
  // One of the transit area's own interfaces first: its address is routed there anyway.
  let fallback: Uint8Array | null = null
  for (const i of [...e.ifs.values()].sort((a, b) => a.ifId - b.ifId)) {
    if (i.vl !== undefined || i.state === 'Down') continue
    const g = i.globals?.[0]
    if (g === undefined) continue
    if (i.area === area) return g
    fallback ??= g
  }
  return fallback
}

/** The peer's LA-bit address in the transit area's database (§4.4.3.9), or null. */
function peerAddress(e: Ospf6Engine, transit: number, peer: number): Uint8Array | null {
  const db = e.areas.get(transit)?.lsdb
  for (const x of db?.byAdv.get(peer >>> 0)?.values() ?? []) {
    if (x.lsa.hdr.type !== Ls6Type.INTRA_PREFIX || ageOf(x, e.now) >= MAX_AGE) continue
    const p = parseIntraPrefix6(x.lsa.data)
    for (const q of p?.prefixes ?? []) if ((q.options & PFX_LA) !== 0 && q.len === 128) return q.addr
  }
  return null
}

/**
 * After the transit areas' trees (§16.1, last paragraph): a virtual link whose peer is reachable
 * with an address is up, at the path's cost and through its next hops; one whose peer is not goes
 * down (its adjacency with it).
 */
export function transitDone6(
  e: Ospf6Engine,
  vertices: ReadonlyMap<number, ReadonlyMap<string, Spf6Vertex>>,
): void {
  for (const i of e.ifs.values()) {
    const vl = i.vl
    if (vl === undefined) continue
    const v = vertices.get(vl.transit)?.get(`r:${vl.peer}`)
    const peerAddr = v === undefined ? null : peerAddress(e, vl.transit, vl.peer)
    const src = vlinkAddress(e, vl.transit)
    if (v === undefined || v.nextHops.length === 0 || peerAddr === null || src === null) {
      vl.hops = []
      if (i.state !== 'Down') e.ifDown(i)
      continue
    }
    vl.hops = v.nextHops
    if (
      vl.peerAddr === null ||
      !in6Eq(vl.peerAddr, 0, peerAddr, 0) ||
      vl.src === null ||
      !in6Eq(vl.src, 0, src, 0)
    ) {
      vl.peerAddr = peerAddr
      vl.src = src
    }
    if (i.cost !== v.dist) {
      i.cost = v.dist
      e.markDirty()
    }
    if (i.state === 'Down') {
      i.state = 'PointToPoint'
      i.helloAt = e.now
      e.markDirty()
    }
  }
}

/**
 * §8.2: a backbone packet that came in on a transit area's interface from a global address is a
 * virtual link's when that link's peer sent it; null otherwise (dropped as of the wrong area).
 */
export function virtualLinkFor6(
  e: Ospf6Engine,
  i: Ospf6If,
  routerId: number,
  src: Uint8Array,
): Ospf6If | null {
  if (in6IsLinkLocal(src, 0)) return null
  for (const v of e.ifs.values())
    if (
      v.vl !== undefined &&
      v.vl.transit === i.area &&
      v.vl.peer >>> 0 === routerId >>> 0 &&
      v.state !== 'Down'
    )
      return v
  return null
}

/** Whether any virtual link is configured (the transit hook is only wanted then). */
export function hasVirtualLinks6(e: Ospf6Engine): boolean {
  for (const i of e.ifs.values()) if (i.vl !== undefined) return true
  return false
}

/**
 * RFC 2328 §16.3 (RFC 5340 §4.8): on a border router, in each transit area (a Router-LSA in it has
 * the V bit), Inter-Area-Prefix- and Inter-Area-Router-LSAs of the area's other border routers may
 * give a backbone route (intra- or inter-area, or an AS boundary router's) a cheaper path than the
 * backbone has: the route keeps its area and type and takes the cost and next hops through the
 * transit area (or adds them at equal cost).
 */
export function examineTransit6(
  e: Ospf6Engine,
  vertices: ReadonlyMap<number, ReadonlyMap<string, Spf6Vertex>>,
  routes: Map<string, Ospf6Route>,
  asbrs: Map<number, Asbr6Route>,
): void {
  if (!vertices.has(0)) return
  for (const [id, done] of vertices) {
    if (id === 0 || ![...done.values()].some((v) => v.isRouter && (v.flags & RTR6_V) !== 0)) continue
    for (const x of e.area(id).lsdb.map.values()) {
      const h = x.lsa.hdr
      if (h.type !== Ls6Type.INTER_PREFIX && h.type !== Ls6Type.INTER_ROUTER) continue
      if (e.isSelf(x.lsa) || ageOf(x, e.now) >= MAX_AGE) continue
      const br = done.get(`r:${h.advRtr}`)
      if (br === undefined || br.nextHops.length === 0) continue
      if (h.type === Ls6Type.INTER_ROUTER) {
        const p = parseInterRouter6(x.lsa.data)
        if (p === null || p.metric >= 0xffffff) continue
        const old = asbrs.get(p.destRid >>> 0)
        if (old === undefined || old.area !== 0) continue
        const cost = br.dist + p.metric
        if (cost < old.cost) asbrs.set(p.destRid >>> 0, { ...old, cost, nextHops: br.nextHops })
        else if (cost === old.cost) old.nextHops = sameHops(old.nextHops, br.nextHops)
        continue
      }
      const p = parseInterPrefix6(x.lsa.data)
      if (p === null || p.metric >= 0xffffff || (p.prefix.options & PFX_NU) !== 0) continue
      const k = routeKey(p.prefix.addr, p.prefix.len)
      const old = routes.get(k)
      if (old === undefined || old.area !== 0 || old.direct) continue
      if (old.kind !== 'intra' && old.kind !== 'inter') continue
      const cost = br.dist + p.metric
      if (cost < old.cost) routes.set(k, { ...old, cost, nextHops: br.nextHops })
      else if (cost === old.cost) old.nextHops = sameHops(old.nextHops, br.nextHops)
    }
  }
}

/** The calculation's hooks for virtual links (set up after the transit areas) and §16.3. */
export function vlinkHooks6(e: Ospf6Engine): Spf6Hooks {
  return {
    transitDone: hasVirtualLinks6(e) ? (v) => transitDone6(e, v) : undefined,
    examineTransit: (v, routes, asbrs) => examineTransit6(e, v, routes, asbrs),
  }
}
