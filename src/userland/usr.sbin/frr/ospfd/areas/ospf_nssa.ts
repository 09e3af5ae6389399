/**
 * ospfd's stub areas (RFC 2328 §3.6, §12.4.3) and not-so-stubby areas (RFC 3101), configured as
 * FRR's `area X stub [no-summary]` and `area X nssa …` (ospf_area_cmds.ts): the options of the
 * area's Hellos, DDs and LSAs (E clear in both; N/P set in an NSSA, as FRR sets it), Hellos whose E
 * or N bit disagree dropped (no adjacency), no AS-external-LSA flooded into or taken from them, no
 * ASBR-summary-LSA into them, a border router's default summary-LSA (0.0.0.0/0 at `default-cost`,
 * FRR's 1) into each of them and nothing else of other areas with no-summary; NSSA-LSAs (Type-7) for
 * what a router in an NSSA redistributes — P bit and a forwarding address of its own in the area
 * unless it is a border router itself (§2.3, §2.4, FRR's choice of address), a border router's
 * Type-7 default with `default-information-originate` (§2.7, P clear, never translated); and the
 * translator (§3.1): `translate-always` (the Nt bit), or elected as the reachable NSSA border router
 * of highest Router ID while none asserts Nt, translating for TranslatorStabilityInterval more after
 * it loses the election; its AS-external-LSAs (§3.2) for each P-bit Type-7 with a forwarding address
 * (the preferred one per prefix), or for the `nssa range` covering it. The Type-7 routes themselves
 * are in ospf_nssa_spf.ts.
 *
 * Must not: change anything for a router whose areas are all normal (every hook does nothing then).
 */

import { prefixToMask } from '../../../../../wire/addr.js'
import {
  externalLsaBody,
  LsType,
  MAX_AGE,
  OPT_E,
  OPT_NP,
  parseExternalLsa,
  RTR_B,
  RTR_NT,
  summaryLsaBody,
} from '../../../../../wire/routing/ospf.js'
import type { OspfAreaType } from '../ospf_config.js'
import type { OspfEngine } from '../ospf_engine.js'
import { ageOf, type Lsdb, SEC_NS } from '../ospf_lsdb.js'
import { LS_INFINITY, type RouterRoute } from '../ospf_spf.js'

export type AreaKind = 'normal' | 'stub' | 'nssa'

/** RFC 3101 §3.1: TranslatorStabilityInterval's default. */
export const TRANSLATOR_STABILITY_NS = 40 * SEC_NS
/** FRR's metric of an NSSA's Type-7 default without `metric N` (DEFAULT_DEFAULT_ALWAYS_METRIC). */
export const NSSA_DEFAULT_METRIC = 1

/** One LSA this router wants (ospf_origin.ts's desired list), with its options. */
export interface AreaWant {
  db: Lsdb
  area: number
  type: number
  id: number
  body: Uint8Array
  options: number
}

/** An NSSA's translator state (RFC 3101 §3.1): elected now, or still translating until `until`. */
export interface NssaTranslator {
  elected: boolean
  until: number
}

export function areaKind(e: OspfEngine, area: number): AreaKind {
  if (e.areaTypes.size === 0) return 'normal'
  return e.areaTypes.get(area)?.kind ?? 'normal'
}

/**
 * The stub areas and NSSAs as configured now. An area whose kind changes takes its interfaces down
 * and up again (its neighbours must agree on the new options before they are adjacent, §10.5), and
 * loses what no longer belongs in it: Type-7s outside an NSSA (AS-external-LSAs stay in the AS's
 * database for the other areas; flooding and the database exchange keep them out).
 */
export function setAreaTypes(e: OspfEngine, types: ReadonlyMap<number, OspfAreaType>, now: number): void {
  const old = e.areaTypes
  const key = (t: OspfAreaType | undefined) => (t === undefined ? '' : JSON.stringify(t))
  if (old.size === types.size && [...types].every(([k, v]) => key(v) === key(old.get(k)))) return
  // A copy: the configuration may change under the engine between polls.
  e.areaTypes = new Map(
    [...types].map(([k, v]) => [
      k,
      { ...v, dio: v.dio === null ? null : { ...v.dio }, ranges: v.ranges.map((r) => ({ ...r })) },
    ]),
  )
  for (const i of e.ifs.values()) {
    if (i.vl !== undefined || old.get(i.area)?.kind === types.get(i.area)?.kind) continue
    e.ifDown(i)
    e.ifUp(i, now)
  }
  for (const a of e.areas.values()) {
    if (types.get(a.id)?.kind === 'nssa' || a.lsdb.countOf(LsType.NSSA) === 0) continue
    for (const [k, x] of [...a.lsdb.map]) if (x.lsa.hdr.type === LsType.NSSA) a.lsdb.deleteKey(k)
  }
  for (const a of [...e.nssaXlt.keys()]) if (types.get(a)?.kind !== 'nssa') e.nssaXlt.delete(a)
  e.markDirty()
  e.scheduleSpf(now)
}

/** The options of our Hellos, DDs and LSAs in `area` (FRR's OPTIONS(oi) and LSA_OPTIONS_GET). */
export function areaOptions(e: OspfEngine, area: number): number {
  const k = areaKind(e, area)
  return k === 'normal' ? OPT_E : k === 'nssa' ? OPT_NP : 0
}

/**
 * RFC 2328 §10.5: a Hello's E bit must match the area's ExternalRoutingCapability; RFC 3101 §2.1 and
 * FRR: in an NSSA, N set and E clear.
 */
export function helloOptionsOk(e: OspfEngine, area: number, options: number): boolean {
  const k = areaKind(e, area)
  if (k === 'nssa') return (options & OPT_NP) !== 0 && (options & OPT_E) === 0
  return ((options & OPT_E) !== 0) === (k === 'normal')
}

/**
 * Whether an LSA of `type` belongs in `area`'s flooding at all (RFC 2328 §13 (3), §10.6; RFC 3101
 * §2.2): no AS-external-LSA in a stub area or NSSA, no Type-7 outside an NSSA.
 */
export function lsaAllowed(e: OspfEngine, area: number, type: number): boolean {
  if (type === LsType.EXTERNAL) return areaKind(e, area) === 'normal'
  if (type === LsType.NSSA) return areaKind(e, area) === 'nssa'
  return true
}

/** Whether a border router sends `area` summary-LSAs of other areas' networks (not with no-summary). */
export function summariesInto(e: OspfEngine, area: number): boolean {
  return e.areaTypes.size === 0 || e.areaTypes.get(area)?.noSummary !== true
}

/** RFC 2328 §12.4.3, RFC 3101 §2.2: no ASBR-summary-LSA into a stub area or NSSA. */
export function asbrSummariesInto(e: OspfEngine, area: number): boolean {
  return areaKind(e, area) === 'normal'
}

/**
 * RFC 3101 §3.1 after each SPF run: whether we are each NSSA's translator. `translate-always`
 * always is; `translate-never` never; a candidate is elected when no reachable NSSA border router of
 * the area asserts Nt and none of higher Router ID is a candidate. Losing the election starts the
 * TranslatorStabilityInterval, during which we go on translating.
 */
export function updateTranslators(
  e: OspfEngine,
  perArea: ReadonlyMap<number, ReadonlyMap<number, RouterRoute>>,
  now: number,
): void {
  if (e.areaTypes.size === 0) return
  const abr = e.isAbr()
  for (const [a, t] of e.areaTypes) {
    if (t.kind !== 'nssa') continue
    let elected = abr && t.translate !== 'never'
    if (elected && t.translate === 'candidate') {
      const reach = perArea.get(a)
      const db = e.areas.get(a)?.lsdb
      if (reach === undefined || db === undefined) elected = false
      else
        for (const [rid, rr] of reach) {
          if (!rr.abr) continue
          const x = db.routers.get(rid >>> 0)
          const flags = x?.router?.flags ?? 0
          if ((flags & RTR_B) === 0) continue
          if ((flags & RTR_NT) !== 0 || rid >>> 0 > e.routerId >>> 0) {
            elected = false
            break
          }
        }
    }
    const s = e.nssaXlt.get(a)
    if (s === undefined) {
      e.nssaXlt.set(a, { elected, until: 0 })
      e.markDirty()
      continue
    }
    if (s.elected !== elected) e.markDirty()
    // §3.1: a translator no longer needed goes on for TranslatorStabilityInterval (not when it is no
    // longer a border router or was told never to).
    if (s.elected && !elected && abr && t.translate !== 'never') {
      s.until = now + TRANSLATOR_STABILITY_NS
    } else if (elected || !abr || t.translate === 'never') s.until = 0
    s.elected = elected
  }
}

/** Whether we translate `area`'s Type-7s now. */
export function isTranslating(e: OspfEngine, area: number, now: number): boolean {
  if (areaKind(e, area) !== 'nssa' || !e.isAbr()) return false
  const s = e.nssaXlt.get(area)
  if (e.areaTypes.get(area)?.translate === 'always') return true
  return s !== undefined && (s.elected || now < s.until)
}

/** Whether we translate for some NSSA (RFC 3101 §3.1: we are then an AS boundary router). */
export function translatingAny(e: OspfEngine, now: number): boolean {
  if (e.areaTypes.size === 0) return false
  for (const a of e.areaTypes.keys()) if (isTranslating(e, a, now)) return true
  return false
}

/** Router-LSA flags of `area` from its kind: E never in a stub area (§12.4.1), Nt (RFC 3101 §2.3). */
export function routerFlags(e: OspfEngine, area: number, flags: number): number {
  const t = e.areaTypes.size === 0 ? undefined : e.areaTypes.get(area)
  if (t === undefined) return flags
  if (t.kind === 'stub') return flags & ~0x02
  if (t.translate === 'always' && (flags & RTR_B) !== 0) return flags | RTR_NT
  return flags
}

/**
 * FRR's forwarding address for our Type-7s (ospf_get_nssa_ip): the address of our first interface
 * up in the area, else of any interface in an NSSA; 0 when none.
 */
function forwardingAddress(e: OspfEngine, area: number): number {
  let other = 0
  for (const i of e.ifs.values()) {
    if (i.state === 'Down' || i.vl !== undefined || areaKind(e, i.area) !== 'nssa') continue
    if (i.area === area) return i.addr
    if (other === 0) other = i.addr
  }
  return other
}

/**
 * Our LSAs of stub areas and NSSAs: Type-7s for our externals in each NSSA, a border router's
 * defaults (summary into stub areas and NSSAs, FRR's; Type-7 with default-information-originate),
 * and the translator's AS-external-LSAs. `used` are the areas we have an interface up in.
 */
export function areaTypeWants(e: OspfEngine, used: ReadonlySet<number>, now: number): AreaWant[] {
  const out: AreaWant[] = []
  if (e.areaTypes.size === 0) return out
  const abr = used.size > 1
  const sorted = [...used].sort((a, b) => (a >>> 0) - (b >>> 0))
  for (const a of sorted) {
    const t = e.areaTypes.get(a)
    if (t === undefined) continue
    const db = e.area(a).lsdb
    // The stability interval's end is a timer of our own LSAs: the translations then go.
    const s = e.nssaXlt.get(a)
    if (s !== undefined && s.until > now) e.wakeAt(s.until)
    if (t.kind === 'nssa') {
      // §2.3/§2.4 (FRR's ospf_install_flood_nssa): a border router's Type-7s are its Type-5s' shadow,
      // P clear; an internal router's carry P and its address in the area, or are not originated.
      const fwd = abr ? 0 : forwardingAddress(e, a)
      if (abr || fwd !== 0)
        for (const x of e.externals) {
          const mask = prefixToMask(x.len)
          out.push({
            db,
            area: a,
            type: LsType.NSSA,
            id: (x.addr & mask) >>> 0,
            body: externalLsaBody(mask, x.type2, x.metric, fwd, 0),
            options: OPT_E | (abr ? 0 : OPT_NP),
          })
        }
      // §2.7: a border router's Type-7 default, P clear so that no translator takes it out.
      if (abr && t.dio !== null)
        out.push({
          db,
          area: a,
          type: LsType.NSSA,
          id: 0,
          body: externalLsaBody(0, t.dio.type2, t.dio.metric ?? NSSA_DEFAULT_METRIC, 0, 0),
          options: OPT_E,
        })
    }
    // §12.4.3.1 (and FRR's for an NSSA too): the border router's default summary.
    if (abr)
      out.push({
        db,
        area: a,
        type: LsType.SUMMARY,
        id: 0,
        body: summaryLsaBody(0, Math.min(t.defaultCost, LS_INFINITY - 1)),
        options: areaOptions(e, a),
      })
  }
  out.push(...translations(e, sorted, now))
  return out
}

/** A Type-7 worth translating, or a range's aggregate of them. */
interface Xlt {
  mask: number
  type2: boolean
  metric: number
  fwd: number
  tag: number
  /** Cost to its ASBR (or forwarding address) in the NSSA, for the choice among several (§2.5). */
  cost: number
}

/**
 * RFC 3101 §3.2: what the translator originates in the AS's database. Each Type-7 with the P bit and
 * a forwarding address, from a router reachable in the NSSA, is translated once per prefix (the
 * preferred one: type 1 over type 2, the smaller metric, the nearer), unless a `nssa range` covers
 * it: an advertised range is one AS-external-LSA (its configured cost or the highest metric of what
 * it covers, type 2, no forwarding address: FRR's), a not-advertised one hides them.
 */
function translations(e: OspfEngine, areas: readonly number[], now: number): AreaWant[] {
  const best = new Map<number, { id: number; x: Xlt }>()
  const own = new Set(e.externals.map((x) => `${(x.addr & prefixToMask(x.len)) >>> 0}`))
  for (const a of areas) {
    if (!isTranslating(e, a, now)) continue
    const t = e.areaTypes.get(a)!
    const reach = e.spfPerArea.get(a)
    const db = e.area(a).lsdb
    if (db.countOf(LsType.NSSA) === 0) continue
    const ranges = t.ranges.map((r) => ({ r, covered: false, metric: 0 }))
    for (const x of db.map.values()) {
      const h = x.lsa.hdr
      if (h.type !== LsType.NSSA || h.advRtr >>> 0 === e.routerId >>> 0 || ageOf(x, now) >= MAX_AGE) continue
      if ((h.options & OPT_NP) === 0) continue
      const p = parseExternalLsa(x.lsa.data)
      if (p === null || p.fwd === 0 || p.metric >= LS_INFINITY) continue
      const asbr = reach?.get(h.advRtr >>> 0)
      if (asbr === undefined) continue
      const addr = (h.id & p.mask) >>> 0
      const len = Math.clz32(~p.mask >>> 0)
      const g = ranges.find(({ r }) => len >= r.len && ((addr ^ r.addr) & prefixToMask(r.len)) >>> 0 === 0)
      if (g !== undefined) {
        g.covered = true
        g.metric = Math.max(g.metric, p.metric)
        continue
      }
      if (own.has(`${addr}`)) continue
      const cand: Xlt = {
        mask: p.mask,
        type2: p.type2,
        metric: p.metric,
        fwd: t.suppressFa ? 0 : p.fwd,
        tag: p.tag,
        cost: asbr.cost,
      }
      const k = addr * 64 + len
      const o = best.get(k)?.x
      if (
        o === undefined ||
        (o.type2 && !cand.type2) ||
        (o.type2 === cand.type2 &&
          (cand.metric < o.metric || (cand.metric === o.metric && cand.cost < o.cost)))
      )
        best.set(k, { id: addr, x: cand })
    }
    for (const g of ranges) {
      if (!g.covered || !g.r.advertise || own.has(`${g.r.addr}`)) continue
      const k = g.r.addr * 64 + g.r.len
      best.set(k, {
        id: g.r.addr,
        x: {
          mask: prefixToMask(g.r.len),
          type2: true,
          metric: g.r.cost ?? g.metric,
          fwd: 0,
          tag: 0,
          cost: 0,
        },
      })
    }
  }
  const out: AreaWant[] = []
  for (const [, b] of [...best].sort(([x], [y]) => x - y))
    out.push({
      db: e.external,
      area: 0,
      type: LsType.EXTERNAL,
      id: b.id,
      body: externalLsaBody(b.x.mask, b.x.type2, b.x.metric, b.x.fwd, b.x.tag),
      options: OPT_E,
    })
  return out
}
