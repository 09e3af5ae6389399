/**
 * ospfd's virtual links (RFC 2328 §15): FRR's `area X virtual-link A.B.C.D` as a backbone interface
 * named VLINKn whose far end is an area border router across the transit area X. The link is up
 * while the transit area's tree reaches the peer (§16.1: its cost, the peer's address and the next
 * hops come from there); packets for it arrive on a real interface of the transit area with area id
 * 0 (§8.2) and go out unicast to the peer's address. Also the transit area's part of the calculation
 * (§16.3: its summaries may give the backbone's routes a shorter path through it) and the V bit of
 * the router-LSA (§12.4.1).
 *
 * Must not: change flooding or SPF for routers without virtual links (every hook does nothing then).
 */

import {
  Link,
  LsType,
  MAX_AGE,
  parseRouterLsa,
  parseSummaryLsa,
  RTR_V,
} from '../../../../wire/routing/ospf.js'
import type { OspfEngine } from './ospf_engine.js'
import { ageOf } from './ospf_lsdb.js'
import {
  LS_INFINITY,
  mergeHops,
  type OspfRoute,
  type RouterRoute,
  routeKey,
  type SpfArea,
  type SpfHooks,
} from './ospf_spf.js'
import { NbrState, type OspfIf, type VirtualLink } from './ospf_types.js'

/** FRR's defaults for a virtual link (it has no `ip ospf` settings of its own here). */
const VL_HELLO_S = 10
const VL_DEAD_S = 40
const VL_RETRANSMIT_S = 5
/** The TTL of what goes over a virtual link (it crosses the transit area; FRR's OSPF_VL_IP_TTL). */
export const VL_TTL = 100

/** The virtual links configured now (transit area, peer): new ones start down, removed ones go. */
export function setVirtualLinks(
  e: OspfEngine,
  list: ReadonlyArray<{ area: number; peer: number }>,
  now: number,
): void {
  const old = [...e.ifs.values()].filter((i) => i.vl !== undefined)
  let changed = false
  for (const i of old)
    if (!list.some((v) => v.area === i.vl!.transit && v.peer === i.vl!.peer)) {
      e.ifDown(i)
      e.ifs.delete(i.name)
      changed = true
    }
  for (const v of list) {
    if (old.some((i) => i.vl!.transit === v.area && i.vl!.peer === v.peer && e.ifs.has(i.name))) continue
    changed = true
    let k = 0
    while (e.ifs.has(`VLINK${k}`)) k++
    const i: OspfIf = {
      name: `VLINK${k}`,
      addr: 0,
      len: 0,
      area: 0,
      type: 'virtual',
      cost: LS_INFINITY,
      hello: VL_HELLO_S,
      dead: VL_DEAD_S,
      retransmit: VL_RETRANSMIT_S,
      priority: 0,
      passive: false,
      mtu: 0,
      ifindex: 0,
      state: 'Down',
      mask: 0,
      dr: 0,
      bdr: 0,
      nbrs: new Map(),
      helloAt: now,
      waitAt: Number.POSITIVE_INFINITY,
      netSeq: 0,
      vl: { transit: v.area, peer: v.peer, peerAddr: 0, hops: [] },
    }
    e.ifs.set(i.name, i)
    e.area(0)
  }
  // A link comes up only from the transit area's tree (§16.1): run the calculation for it.
  if (changed) {
    e.markDirty()
    e.scheduleSpf(now)
  }
}

/** Whether the engine has virtual links at all (the SPF hooks are only wanted then). */
export function hasVirtualLinks(e: OspfEngine): boolean {
  for (const i of e.ifs.values()) if (i.vl !== undefined) return true
  return false
}

/**
 * §8.2: a packet for the backbone received on a transit area's interface is a virtual link's when it
 * comes from that link's peer; null otherwise (the packet is dropped as of the wrong area).
 */
export function virtualLinkFor(e: OspfEngine, i: OspfIf, routerId: number, dst: number): OspfIf | null {
  let ours = false
  for (const x of e.ifs.values()) ours ||= x.vl === undefined && x.addr >>> 0 === dst >>> 0
  if (!ours) return null
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

/** The unicast destination of everything sent over a virtual link. */
export function vlDst(i: OspfIf): number {
  return i.vl?.peerAddr ?? 0
}

/** §12.4.1: the V bit of our router-LSA in an area that carries a full virtual adjacency. */
export function transitBit(e: OspfEngine, area: number): number {
  for (const i of e.ifs.values())
    if (i.vl !== undefined && i.vl.transit === area)
      for (const n of i.nbrs.values()) if (n.state === NbrState.FULL) return RTR_V
  return 0
}

/**
 * After the transit areas' trees (§16.1, last paragraph): a virtual link whose peer is reachable is
 * up, with the path's cost, next hops and the peer's address; one whose peer is not goes down.
 */
function transitDone(e: OspfEngine, perArea: ReadonlyMap<number, ReadonlyMap<number, RouterRoute>>): void {
  for (const i of e.ifs.values()) {
    const vl = i.vl
    if (vl === undefined) continue
    const r = perArea.get(vl.transit)?.get(vl.peer >>> 0)
    const peerAddr = r === undefined ? 0 : peerAddress(e, vl, r.nextHops[0]?.gw ?? 0)
    if (r === undefined || peerAddr === 0 || r.nextHops.length === 0) {
      vl.hops = []
      if (i.state !== 'Down') e.ifDown(i)
      continue
    }
    vl.hops = r.nextHops.map((h) => ({ gw: h.gw === 0 ? peerAddr : h.gw, ifName: h.ifName }))
    vl.peerAddr = peerAddr
    const out = e.ifs.get(r.nextHops[0]!.ifName)
    const addr = out?.addr ?? 0
    if (i.cost !== r.cost || i.addr !== addr) {
      i.cost = r.cost
      i.addr = addr
      e.markDirty()
    }
    if (i.state === 'Down') {
      i.state = 'Point-To-Point'
      i.helloAt = e.now
      e.markDirty()
    }
  }
}

/**
 * The peer's address: its address on our next hop's network when it is the next hop itself, else the
 * first of its router-LSA's links into the transit area that has one.
 */
function peerAddress(e: OspfEngine, vl: VirtualLink, gw: number): number {
  const x = e.area(vl.transit).lsdb.routers.get(vl.peer >>> 0)
  const rl = x === undefined ? null : (x.router ?? parseRouterLsa(x.lsa.data))
  if (rl === null) return 0
  const numbered = rl.links.filter((l) => l.type === Link.P2P || l.type === Link.TRANSIT)
  if (numbered.some((l) => l.data >>> 0 === gw >>> 0)) return gw >>> 0
  for (const l of numbered) return l.data >>> 0
  return 0
}

/**
 * §16.3: in each transit area (one where a router-LSA has the V bit), summaries may give a backbone
 * route — intra- or inter-area, or an ASBR — a shorter path than the backbone has: the route keeps
 * its area and takes the cheaper cost and next hops (or adds them at equal cost).
 */
function examineTransit(
  e: OspfEngine,
  routes: Map<number, OspfRoute>,
  routers: Map<number, RouterRoute>,
  perArea: ReadonlyMap<number, ReadonlyMap<number, RouterRoute>>,
): void {
  const now = e.now
  for (const [id, brs] of perArea) {
    if (id === 0 || !isTransit(e, id)) continue
    const db = e.area(id).lsdb
    for (const x of db.map.values()) {
      const h = x.lsa.hdr
      if (h.type !== LsType.SUMMARY && h.type !== LsType.ASBR_SUMMARY) continue
      if (h.advRtr >>> 0 === e.routerId >>> 0 || ageOf(x, now) >= MAX_AGE) continue
      const s = parseSummaryLsa(x.lsa.data)
      if (s === null || s.metric >= LS_INFINITY) continue
      const br = brs.get(h.advRtr >>> 0)
      if (br === undefined) continue
      const cost = br.cost + s.metric
      if (h.type === LsType.ASBR_SUMMARY) {
        const old = routers.get(h.id >>> 0)
        if (old === undefined || old.area !== 0) continue
        if (cost < old.cost) routers.set(h.id >>> 0, { ...old, cost, nextHops: br.nextHops })
        else if (cost === old.cost)
          routers.set(h.id >>> 0, { ...old, nextHops: mergeHops(old.nextHops, br.nextHops) })
        continue
      }
      const len = Math.clz32(~s.mask >>> 0)
      const k = routeKey((h.id & s.mask) >>> 0, len)
      const old = routes.get(k)
      if (old === undefined || old.area !== 0 || old.direct) continue
      if (old.kind !== 'intra' && old.kind !== 'inter') continue
      if (cost < old.cost) routes.set(k, { ...old, cost, nextHops: br.nextHops })
      else if (cost === old.cost) routes.set(k, { ...old, nextHops: mergeHops(old.nextHops, br.nextHops) })
    }
  }
}

/** An area's TransitCapability (§16.1): some router-LSA in it has the V bit. */
function isTransit(e: OspfEngine, area: number): boolean {
  for (const x of e.area(area).lsdb.routers.values())
    if (x.router !== null && (x.router.flags & RTR_V) !== 0 && ageOf(x, e.now) < MAX_AGE) return true
  return false
}

/** The SPF hooks of an engine with virtual links, null without (the calculation stays as it was). */
export function vlinkHooks(e: OspfEngine): SpfHooks | null {
  if (!hasVirtualLinks(e) && ![...e.areas.keys()].some((a) => a !== 0 && isTransit(e, a))) return null
  return {
    transitDone: (perArea) => transitDone(e, perArea),
    examineTransit: (routes, routers, perArea) => examineTransit(e, routes, routers, perArea),
  }
}

/** The backbone's SPF view of a virtual link: its full neighbour and the transit area's next hops. */
export function vlSpfIf(i: OspfIf): SpfArea['ifs'][number] | null {
  if (i.vl === undefined) return null
  return {
    name: i.name,
    addr: i.addr,
    nbrs: [...i.nbrs.values()].filter((n) => n.state === NbrState.FULL),
    vl: i.vl,
  }
}
