/**
 * ospf6d's stub and not-so-stubby areas (RFC 5340 §4.4.1 and §4.8 on RFC 2328 §3.6; RFC 3101 as
 * OSPFv3 carries it, §A.4.9), configured as FRR's `area X stub [no-summary]` and `area X nssa
 * [no-summary]`: the E and N options of the area's Hellos, DDs and LSAs (E clear in both, N set in
 * an NSSA, mismatched Hellos dropped), no AS-scope LSAs flooded into them or taken from them, no
 * Inter-Area-Router-LSAs into them; a border router's default Inter-Area-Prefix-LSA (::/0, cost 1
 * as FRR's) into a stub area and into a no-summary NSSA, and with no-summary nothing else of other
 * areas; NSSA-LSAs (Type-7) for what a router in an NSSA redistributes, with a forwarding address
 * of its own in the area and the P bit unless it is a border router itself (RFC 3101 §2.3, §2.4);
 * a border router's Type-7 default with `default-information-originate` (§2.7); their routes (§2.5);
 * and the translator — the reachable NSSA border router with the highest Router ID while none
 * asserts Nt, and for TranslatorStabilityInterval after it loses (§3.1) — turning P-bit Type-7s into AS-External-LSAs of its own with the same body (§3.2).
 *
 * Must not: change anything for a router whose areas are all normal (every hook does nothing then).
 */

import { in6IsLinkLocal } from '../../../../wire/inet6/in6_addr.js'
import { MAX_AGE } from '../../../../wire/routing/ospf.js'
import {
  external6Body,
  interPrefix6Body,
  Ls6Type,
  OPT6_E,
  OPT6_N,
  OPTIONS6,
  PFX_P,
  parseExternal6,
  RTR6_B,
  RTR6_NT,
} from '../../../../wire/routing/ospf6.js'
import { ageOf } from '../ospfd/ospf_lsdb.js'
import type { Ospf6Engine } from './ospf6_engine.js'
import { activeRanges, type Nssa6Range, type RangeUse, suppressedBy } from './ospf6_nssa_range.js'
import { addExternal, type Ospf6Route, routeKey, type Spf6Vertex } from './ospf6_spf.js'
import type { Ospf6If } from './ospf6_types.js'

export type Area6Kind = 'normal' | 'stub' | 'nssa'

export interface Area6Type {
  kind: 'stub' | 'nssa'
  noSummary: boolean
  /** `default-information-originate`: a border router's Type-7 default into the NSSA. */
  dio?: { metric: number | null; type2: boolean }
  /** `area X nssa range P [not-advertise|cost N]` (ospf6_nssa_range.ts). */
  ranges?: readonly Nssa6Range[]
}

/** Link State IDs of a translator's range aggregates among its Type-7s (clear of its externals'). */
const RANGE_ID_BASE = 0x40000000

/** FRR's metric for an NSSA default without `metric N`. */
export const NSSA_DEFAULT_METRIC = 1

/** The cost of the default route a border router gives a stub area (FRR's, not configurable in 8.4). */
export const STUB_DEFAULT_COST = 1

/** One LSA the router wants (ospf6_origin.ts's Want, with its database given by area or AS). */
export interface AreaWant {
  area: number | null
  type: number
  id: number
  body: Uint8Array
}

/** An area border router: interfaces up in the backbone (a virtual link counts) and another area. */
export function isAbr6(e: Ospf6Engine): boolean {
  let bb = false
  let other = false
  for (const i of e.ifs.values())
    if (i.state !== 'Down') [bb, other] = i.area === 0 ? [true, other] : [bb, true]
  return bb && other
}

export function areaKind(e: Ospf6Engine, area: number): Area6Kind {
  return e.areaTypes.get(area)?.kind ?? 'normal'
}

/**
 * The stub and NSSA areas as configured now. An area whose kind changes takes its interfaces down
 * and up again: its neighbours must agree on the new options before they are adjacent (§10.5).
 */
export function setAreaTypes6(e: Ospf6Engine, types: ReadonlyMap<number, Area6Type>, now: number): void {
  const old = e.areaTypes
  const same = (a: Area6Type | undefined, b: Area6Type | undefined) =>
    a?.kind === b?.kind &&
    a?.noSummary === b?.noSummary &&
    a?.dio?.metric === b?.dio?.metric &&
    a?.dio?.type2 === b?.dio?.type2 &&
    rangesText(a) === rangesText(b)
  if (old.size === types.size && [...types].every(([k, v]) => same(v, old.get(k)))) return
  e.areaTypes = new Map(types)
  for (const i of e.ifs.values()) {
    if (i.vl !== undefined || old.get(i.area)?.kind === types.get(i.area)?.kind) continue
    e.ifDown(i)
    e.ifUp(i, now)
  }
  e.markDirty()
  e.scheduleSpf(now)
}

function rangesText(t: Area6Type | undefined): string {
  return (t?.ranges ?? []).map((r) => `${r.addr.join('.')}/${r.len}:${r.advertise}:${r.cost}`).join()
}

/** The options of what we send and originate in `area` (§A.2; RFC 3101 §2.1). */
export function areaOptions(e: Ospf6Engine, area: number): number {
  const k = areaKind(e, area)
  if (k === 'normal') return OPTIONS6
  return (OPTIONS6 & ~OPT6_E) | (k === 'nssa' ? OPT6_N : 0)
}

/** RFC 2328 §10.5, RFC 3101 §2.1: a Hello's E and N bits must say what the area is to us. */
export function helloOptionsOk(e: Ospf6Engine, i: Ospf6If, options: number): boolean {
  const k = areaKind(e, i.area)
  return ((options & OPT6_E) !== 0) === (k === 'normal') && ((options & OPT6_N) !== 0) === (k === 'nssa')
}

/**
 * Whether an LSA of `type` belongs in i's area at all: nothing of AS scope in a stub area or an NSSA
 * (RFC 2328 §13 (3)), no NSSA-LSA outside an NSSA (RFC 3101 §2.2).
 */
export function lsaAllowed6(e: Ospf6Engine, i: Ospf6If, type: number): boolean {
  const k = areaKind(e, i.area)
  if (((type >>> 13) & 3) === 2) return k === 'normal'
  if (type === Ls6Type.NSSA) return k === 'nssa'
  return true
}

/** Whether a border router sends `area` its Inter-Area-Prefix-LSAs (not with no-summary). */
export function summariesInto(e: Ospf6Engine, area: number): boolean {
  return e.areaTypes.get(area)?.noSummary !== true
}

/** Our global address in `area` for a Type-7's forwarding address (RFC 3101 §2.3), or null. */
function forwardingAddress(e: Ospf6Engine, area: number): Uint8Array | null {
  for (const i of [...e.ifs.values()].sort((a, b) => a.ifId - b.ifId)) {
    if (i.area !== area || i.state === 'Down' || i.vl !== undefined) continue
    const g = i.globals?.find((x) => !in6IsLinkLocal(x, 0))
    if (g !== undefined) return g
  }
  return null
}

/** RFC 3101 §3.1: TranslatorStabilityInterval's default. */
export const TRANSLATOR_STABILITY_NS = 40e9

/**
 * RFC 3101 §3.1: we translate `area`'s Type-7s when elected — no reachable NSSA border router
 * asserts Nt or outranks us — or for TranslatorStabilityInterval after we lost the election
 * (not once we are no border router). The election's state is kept per area on the engine.
 */
export function isTranslator(e: Ospf6Engine, area: number): boolean {
  const done = e.lastSpfResult?.vertices.get(area)
  if (done === undefined || areaKind(e, area) !== 'nssa' || !isAbr6(e)) {
    e.nssaXlt.delete(area)
    return false
  }
  let elected = true
  for (const v of done.values())
    if (
      v.isRouter &&
      (v.flags & RTR6_B) !== 0 &&
      v.nextHops.length > 0 &&
      ((v.flags & RTR6_NT) !== 0 || v.rid >>> 0 > e.routerId >>> 0)
    )
      elected = false
  const s = e.nssaXlt.get(area)
  if (s === undefined) e.nssaXlt.set(area, { elected, until: 0 })
  else {
    if (s.elected && !elected) s.until = e.now + TRANSLATOR_STABILITY_NS
    else if (elected) s.until = 0
    s.elected = elected
  }
  return elected || e.now < (s?.until ?? 0)
}

/** The stability interval's end is a timer of our own LSAs: then the translations go. */
function wakeForStability(e: Ospf6Engine, area: number): void {
  const s = e.nssaXlt.get(area)
  if (s === undefined || s.until <= e.now) return
  e.ownAt = e.ownDirty ? Math.min(e.ownAt, s.until) : s.until
  e.ownDirty = true
}

/**
 * Our LSAs of stub areas and NSSAs: Type-7s for our externals in each NSSA, a border router's
 * default into stub and no-summary NSSA areas, and the translator's AS-External-LSAs. `used` are
 * the areas we have an interface in; `nextExtId` the first free AS-External Link State ID.
 */
export function areaTypeWants(e: Ospf6Engine, used: ReadonlySet<number>, nextExtId: number): AreaWant[] {
  const out: AreaWant[] = []
  if (e.areaTypes.size === 0) return out
  const abr = isAbr6(e)
  const sorted = [...used].sort((a, b) => (a >>> 0) - (b >>> 0))
  for (const a of sorted) {
    const k = areaKind(e, a)
    if (k === 'normal') continue
    // §2.4: a border router originates Type-5s of its own, so its Type-7s are not to be translated.
    if (k === 'nssa') {
      const fwd = forwardingAddress(e, a)
      const p = !abr && fwd !== null ? PFX_P : 0
      e.externals.forEach((x, j) => {
        const pfx = { len: x.len, options: p, metric: 0, addr: x.addr }
        out.push({ area: a, type: Ls6Type.NSSA, id: j + 1, body: external6Body(x.metric, x.type2, pfx, fwd) })
      })
      // RFC 3101 §2.7: a border router's default into the NSSA, P clear (never translated).
      const dio = e.areaTypes.get(a)?.dio
      if (abr && dio !== undefined) {
        const pfx = { len: 0, options: 0, metric: 0, addr: new Uint8Array(16) }
        const m = dio.metric ?? NSSA_DEFAULT_METRIC
        out.push({ area: a, type: Ls6Type.NSSA, id: 0, body: external6Body(m, dio.type2, pfx, fwd) })
      }
    }
    if (abr && (k === 'stub' || e.areaTypes.get(a)?.noSummary === true))
      out.push({
        area: a,
        type: Ls6Type.INTER_PREFIX,
        id: 0,
        body: interPrefix6Body(STUB_DEFAULT_COST, {
          len: 0,
          options: 0,
          metric: 0,
          addr: new Uint8Array(16),
        }),
      })
  }
  // §3.2: each P-bit Type-7 with a forwarding address, from a reachable router of the NSSA, once
  // per prefix (the best), unless the prefix is routed inside the AS.
  const best = new Map<string, { body: Uint8Array; cost: number; type2: boolean; metric: number }>()
  for (const a of sorted) {
    const xlt = isTranslator(e, a)
    wakeForStability(e, a)
    if (!xlt) continue
    const done = e.lastSpfResult?.vertices.get(a)
    const uses: RangeUse[] = (e.areaTypes.get(a)?.ranges ?? []).map((r) => ({ r, covered: false, cost: 0 }))
    for (const x of e.area(a).lsdb.map.values()) {
      if (x.lsa.hdr.type !== Ls6Type.NSSA || e.isSelf(x.lsa) || ageOf(x, e.now) >= MAX_AGE) continue
      const p = parseExternal6(x.lsa.data)
      if (p === null || (p.prefix.options & PFX_P) === 0 || p.fwd === null || p.metric >= 0xffffff) continue
      if (p.fwd.every((b) => b === 0)) continue
      const v = done?.get(`r:${x.lsa.hdr.advRtr}`)
      if (v === undefined || v.nextHops.length === 0) continue
      const key = routeKey(p.prefix.addr, p.prefix.len)
      const r = e.routes.get(key)
      if (r !== undefined && (r.kind === 'intra' || r.kind === 'inter')) continue
      const cost = p.type2 ? v.dist : v.dist + p.metric
      if (suppressedBy(uses, p.prefix.addr, p.prefix.len, cost) !== null) continue
      const o = best.get(key)
      if (
        o === undefined ||
        (o.type2 && !p.type2) ||
        (o.type2 === p.type2 && (p.metric < o.metric || (p.metric === o.metric && cost < o.cost)))
      )
        best.set(key, { body: x.lsa.data.slice(20), cost, type2: p.type2, metric: p.metric })
    }
    // The ranges' aggregates: a Type-7 of ours in the NSSA, and its translation (FRR's ospf6d).
    const fwd = forwardingAddress(e, a)
    for (const [j, g] of activeRanges(uses).entries()) {
      const pfx = { len: g.r.len, options: PFX_P, metric: 0, addr: g.r.addr }
      const body = external6Body(g.metric, true, pfx, fwd)
      out.push({ area: a, type: Ls6Type.NSSA, id: RANGE_ID_BASE + j, body })
      best.set(routeKey(g.r.addr, g.r.len), { body, cost: 0, type2: true, metric: g.metric })
    }
  }
  let id = nextExtId
  for (const [, b] of [...best].sort(([x], [y]) => x.localeCompare(y)))
    out.push({ area: null, type: Ls6Type.EXTERNAL, id: id++, body: b.body })
  return out
}

/** Whether we translate for some NSSA (we are then an AS boundary router, RFC 3101 §3.1). */
export function translating(e: Ospf6Engine): boolean {
  for (const [a, t] of e.areaTypes) if (t.kind === 'nssa' && isTranslator(e, a)) return true
  return false
}

/**
 * RFC 3101 §2.5: the Type-7 routes of each NSSA we are in, through the area's own AS boundary
 * routers (reached in its tree), after the AS-external ones.
 */
export function nssaRoutes6(
  e: Ospf6Engine,
  vertices: ReadonlyMap<number, ReadonlyMap<string, Spf6Vertex>>,
  routes: Map<string, Ospf6Route>,
): void {
  for (const [a, done] of vertices) {
    if (areaKind(e, a) !== 'nssa') continue
    for (const x of e.area(a).lsdb.map.values()) {
      if (x.lsa.hdr.type !== Ls6Type.NSSA || e.isSelf(x.lsa) || ageOf(x, e.now) >= MAX_AGE) continue
      const p = parseExternal6(x.lsa.data)
      if (p === null || p.metric >= 0xffffff) continue
      const v = done.get(`r:${x.lsa.hdr.advRtr}`)
      if (v === undefined || v.nextHops.length === 0) continue
      addExternal(routes, p, x.lsa.hdr.advRtr, a, v.dist, v.nextHops)
    }
  }
}
