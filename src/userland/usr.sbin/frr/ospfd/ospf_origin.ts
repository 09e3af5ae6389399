/**
 * ospfd's own LSAs (RFC 2328 §12.4): what this router should have in its databases now — a router-LSA
 * per area (point-to-point, transit and stub links, §12.4.1), a network-LSA for each LAN where it is
 * DR with a full neighbour (§12.4.2), AS-external LSAs for what it redistributes (§12.4.4), and, as an
 * area border router, summary LSAs of each area's routes into the others (§12.4.3), and what stub
 * areas and NSSAs add (ospf_nssa.ts: Type-7s, defaults, translations) — originated
 * when they change, at most once per MinLSInterval each, refreshed at 30 min, and flushed by premature
 * aging (§14.1) when no longer wanted.
 *
 * Must not: originate one LSA twice within MinLSInterval (neighbours would drop the second, §13 5a).
 */

import { prefixToMask } from '../../../../wire/addr.js'
import {
  buildLsa,
  externalLsaBody,
  INITIAL_SEQ,
  Link,
  LS_REFRESH_TIME,
  LsType,
  lsaKey,
  MAX_AGE,
  networkLsaBody,
  OPT_E,
  type RouterLink,
  RTR_B,
  RTR_E,
  routerLsaBody,
  summaryLsaBody,
  withAge,
} from '../../../../wire/routing/ospf.js'
import {
  areaKind,
  areaOptions,
  areaTypeWants,
  asbrSummariesInto,
  routerFlags,
  summariesInto,
  translatingAny,
} from './areas/ospf_nssa.js'
import type { OspfEngine } from './ospf_engine.js'
import { ageOf, type LsaEntry, type Lsdb, SEC_NS } from './ospf_lsdb.js'
import { LS_INFINITY } from './ospf_spf.js'
import { NbrState } from './ospf_types.js'
import { transitBit } from './ospf_vlink.js'

/** §B: MinLSInterval. */
const MIN_LS_INTERVAL_NS = 5 * SEC_NS

function routerLsaLinks(e: OspfEngine, areaId: number): { flags: number; links: RouterLink[] } {
  const links: RouterLink[] = []
  for (const i of e.ifs.values()) {
    if (i.area !== areaId || i.state === 'Down') continue
    const net = (i.addr & i.mask) >>> 0
    // §12.4.1.3: a virtual link is a type 4 link to the peer once fully adjacent, nothing before.
    if (i.vl !== undefined) {
      for (const n of i.nbrs.values())
        if (n.state === NbrState.FULL)
          links.push({ id: n.routerId, data: i.addr, type: Link.VIRTUAL, metric: i.cost })
      continue
    }
    if (i.state === 'Loopback') {
      links.push({ id: i.addr, data: 0xffffffff, type: Link.STUB, metric: 0 })
      continue
    }
    if (i.type === 'point-to-point') {
      for (const n of i.nbrs.values())
        if (n.state === NbrState.FULL)
          links.push({ id: n.routerId, data: i.addr, type: Link.P2P, metric: i.cost })
      links.push({ id: net, data: i.mask, type: Link.STUB, metric: i.cost })
      continue
    }
    // §12.4.1.2: a transit link once fully adjacent to the DR (or DR with a full neighbour).
    let transit = false
    if (i.state === 'DR') for (const n of i.nbrs.values()) transit ||= n.state === NbrState.FULL
    else if (i.state !== 'Waiting' && i.dr !== 0)
      for (const n of i.nbrs.values()) transit ||= n.addr === i.dr && n.state === NbrState.FULL
    if (transit) links.push({ id: i.dr, data: i.addr, type: Link.TRANSIT, metric: i.cost })
    else links.push({ id: net, data: i.mask, type: Link.STUB, metric: i.cost })
  }
  let flags = 0
  // RFC 3101 §3.1: a translator is an AS boundary router too.
  if (e.externals.length > 0 || translatingAny(e, e.now)) flags |= RTR_E
  if (e.isAbr()) flags |= RTR_B
  flags |= transitBit(e, areaId)
  return { flags: routerFlags(e, areaId, flags), links }
}

/** One LSA this router wants; `options` unset: the area's (OPT_E for the AS's). */
type Want = { db: Lsdb; area: number; type: number; id: number; body: Uint8Array; options?: number }

/** Every LSA this router should have in its databases now, by scope and key. */
function desired(e: OspfEngine, now: number): Want[] {
  const out: Want[] = []
  const rid = e.routerId
  const used = new Set<number>()
  for (const i of e.ifs.values()) if (i.state !== 'Down') used.add(i.area)
  for (const a of used) {
    const r = routerLsaLinks(e, a)
    out.push({
      db: e.area(a).lsdb,
      area: a,
      type: LsType.ROUTER,
      id: rid,
      body: routerLsaBody(r.flags, r.links),
    })
  }
  for (const i of e.ifs.values()) {
    if (i.state !== 'DR') continue
    const full = [...i.nbrs.values()].filter((n) => n.state === NbrState.FULL).map((n) => n.routerId)
    if (full.length === 0) continue
    out.push({
      db: e.area(i.area).lsdb,
      area: i.area,
      type: LsType.NETWORK,
      id: i.addr,
      body: networkLsaBody(i.mask, [rid, ...full]),
    })
  }
  // Stub areas' and NSSAs' own (ospf_nssa.ts): before the rest, so that a stub area's default
  // summary stands for any 0.0.0.0/0 route summarised below.
  out.push(...areaTypeWants(e, used, now))
  for (const x of e.externals) {
    const mask = prefixToMask(x.len)
    out.push({
      db: e.external,
      area: 0,
      type: LsType.EXTERNAL,
      id: (x.addr & mask) >>> 0,
      body: externalLsaBody(mask, x.type2, x.metric, 0, 0),
    })
  }
  // §12.4.3: an area border router summarises each area's routes into the others.
  if (used.size > 1) {
    // §12.4.3: nothing goes back into the area its next hops are in (split horizon; with virtual
    // links a backbone route may leave through a transit area, §16.3).
    const hopAreas = (hs: ReadonlyArray<{ ifName: string }>) => {
      const s = new Set<number>()
      for (const h of hs) {
        const a = e.ifs.get(h.ifName)?.area
        if (a !== undefined) s.add(a)
      }
      return s
    }
    for (const r of e.routes.values()) {
      if (r.kind !== 'intra' && !(r.kind === 'inter' && r.area === 0)) continue
      const via = r.direct ? null : hopAreas(r.nextHops)
      for (const a of used) {
        if (a === r.area || via?.has(a) || !summariesInto(e, a)) continue
        const mask = prefixToMask(r.len)
        out.push({
          db: e.area(a).lsdb,
          area: a,
          type: LsType.SUMMARY,
          id: r.addr,
          body: summaryLsaBody(mask, Math.min(r.cost, LS_INFINITY - 1)),
        })
      }
    }
    for (const rr of e.routers.values()) {
      // RFC 3101 §2.2: an NSSA's boundary routers are known only inside it (their Type-7s stay there).
      if (!rr.asbr || areaKind(e, rr.area) === 'nssa') continue
      const via = hopAreas(rr.nextHops)
      for (const a of used)
        if (a !== rr.area && !via.has(a) && asbrSummariesInto(e, a))
          out.push({
            db: e.area(a).lsdb,
            area: a,
            type: LsType.ASBR_SUMMARY,
            id: rr.routerId,
            body: summaryLsaBody(0, rr.cost),
          })
    }
  }
  return out
}

/** Originate what changed (MinLSInterval apart per LSA), flush what is no longer ours. */
export function originate(e: OspfEngine, now: number): void {
  e.ownDirty = false
  let deferred = Number.POSITIVE_INFINITY
  const want = new Set<string>()
  for (const d of desired(e, now)) {
    const k = lsaKey(d.type, d.id, e.routerId)
    const scoped = `${d.area}:${k}`
    if (want.has(scoped)) continue
    want.add(scoped)
    const old = d.db.get(d.type, d.id, e.routerId)
    const options = d.options ?? (d.type === LsType.EXTERNAL ? OPT_E : areaOptions(e, d.area))
    const same =
      old !== undefined &&
      ageOf(old, now) < MAX_AGE &&
      old.lsa.hdr.options === options &&
      old.lsa.data.length === 20 + d.body.length &&
      d.body.every((b, j) => b === old.lsa.data[20 + j])
    if (same && ageOf(old!, now) < LS_REFRESH_TIME) continue
    const last = e.lastOrig.get(scoped)
    if (last !== undefined && now - last < MIN_LS_INTERVAL_NS) {
      deferred = Math.min(deferred, last + MIN_LS_INTERVAL_NS)
      continue
    }
    const seq = old === undefined ? INITIAL_SEQ : old.lsa.hdr.seq + 1
    const lsa = buildLsa({ age: 0, options, type: d.type, id: d.id, advRtr: e.routerId, seq }, d.body)
    if (e.install(d.db, lsa, now) === null) continue
    e.lastOrig.set(scoped, now)
    e.counters.lsaOriginated++
    if (d.type === LsType.NETWORK) for (const i of e.ifs.values()) if (i.addr === d.id) i.netSeq = seq
    e.flood(lsa, d.area, null, null, now)
  }
  // Ours in a database but no longer wanted: premature aging (§14.1).
  const dbs: Array<{ db: Lsdb; area: number }> = [...e.areas.values()].map((a) => ({
    db: a.lsdb,
    area: a.id,
  }))
  dbs.push({ db: e.external, area: 0 })
  for (const { db, area } of dbs)
    for (const x of ownEntries(e, db)) {
      if (!e.isSelf(x.lsa) || ageOf(x, now) >= MAX_AGE) continue
      const k = lsaKey(x.lsa.hdr.type, x.lsa.hdr.id, x.lsa.hdr.advRtr)
      if (want.has(`${x.lsa.hdr.type === LsType.EXTERNAL ? 0 : area}:${k}`)) continue
      flushLsa(e, db, x, area, now)
    }
  if (deferred !== Number.POSITIVE_INFINITY) e.wakeAt(deferred)
}

/**
 * The entries of db that may be ours (§13.4: advertised by our router id, or network-LSAs for one of
 * our interface addresses), from the database's indexes rather than a scan; a snapshot.
 */
function ownEntries(e: OspfEngine, db: Lsdb): LsaEntry[] {
  const out = new Set<LsaEntry>(db.byAdv.get(e.routerId >>> 0)?.values() ?? [])
  for (const i of e.ifs.values()) for (const x of db.networks.get(i.addr >>> 0)?.values() ?? []) out.add(x)
  return [...out]
}

/** Age an LSA to MaxAge and flood it so that everyone removes it. */
export function flushLsa(e: OspfEngine, db: Lsdb, x: LsaEntry, area: number, now: number): void {
  const dead = withAge(x.lsa, MAX_AGE)
  e.install(db, dead, now)
  e.flood(dead, area, null, null, now)
}
