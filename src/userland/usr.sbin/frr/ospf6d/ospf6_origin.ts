/**
 * ospf6d's own LSAs (RFC 5340 §4.4.3): what this router should have in its databases now — a
 * Router-LSA per area (point-to-point and transit links by Interface ID, no prefixes: §4.4.3.2), a
 * Network-LSA for each link where it is DR with a full neighbour (§4.4.3.3), a Link-LSA per interface
 * (§4.4.3.8), Intra-Area-Prefix-LSAs for its own stub prefixes and for each transit link it is DR of
 * (§4.4.3.9), on an area border router Inter-Area-Prefix-LSAs for each area's routes in the others
 * (§4.4.3.4) and Inter-Area-Router-LSAs for the AS boundary routers it reaches (§4.4.3.5), virtual
 * links in the backbone's Router-LSA with the V bit and an LA-bit host address in the transit
 * area's (§4.4.3.2, §4.4.3.9), AS-External-LSAs for what it redistributes (§4.4.3.6), and those of
 * stub areas and NSSAs (ospf6_nssa.ts: Type-7s, defaults, translations) — originated when they
 * change, at most once per MinLSInterval each, refreshed at 30 min, flushed by premature aging when
 * no longer wanted.
 *
 * Must not: originate one LSA twice within MinLSInterval (neighbours would drop the second).
 */

import { in6Eq } from '../../../../wire/inet6/in6_addr.js'
import { INITIAL_SEQ, LS_REFRESH_TIME, lsaKey, MAX_AGE, withAge } from '../../../../wire/routing/ospf.js'
import {
  buildLsa6,
  external6Body,
  interPrefix6Body,
  interRouter6Body,
  intraPrefix6Body,
  Link6,
  Ls6Type,
  link6Body,
  network6Body,
  PFX_LA,
  type Prefix6,
  parseLink6,
  type RouterLink6,
  RTR6_B,
  RTR6_E,
  RTR6_V,
  router6Body,
} from '../../../../wire/routing/ospf6.js'
import { ageOf, type LsaEntry, type Lsdb, SEC_NS } from '../ospfd/ospf_lsdb.js'
import type { Ospf6Engine } from './ospf6_engine.js'
import { areaKind, areaOptions, areaTypeWants, summariesInto, translating } from './ospf6_nssa.js'
import { routeKey } from './ospf6_spf.js'
import { NbrState, type Ospf6If } from './ospf6_types.js'
import { vlinkAddress } from './ospf6_vlink.js'

const MIN_LS_INTERVAL_NS = 5 * SEC_NS

/** Whether i is a transit link (§4.4.3.2): fully adjacent to the DR, or DR with a full neighbour. */
export function isTransit(i: Ospf6If): boolean {
  if (i.type !== 'broadcast' || i.state === 'Down' || i.state === 'Waiting' || i.dr === 0) return false
  if (i.state === 'DR') return [...i.nbrs.values()].some((n) => n.state === NbrState.FULL)
  return i.nbrs.get(i.dr)?.state === NbrState.FULL
}

/** The DR's Interface ID on i (ours when we are DR). */
function drIfId(e: Ospf6Engine, i: Ospf6If): number {
  return i.dr === e.routerId ? i.ifId : (i.nbrs.get(i.dr)?.ifId ?? 0)
}

function routerLinks(e: Ospf6Engine, areaId: number): RouterLink6[] {
  const links: RouterLink6[] = []
  for (const i of e.ifs.values()) {
    if (i.area !== areaId || i.state === 'Down' || i.state === 'Loopback') continue
    if (i.type === 'point-to-point' || i.type === 'virtual') {
      const type = i.type === 'virtual' ? Link6.VIRTUAL : Link6.P2P
      for (const n of i.nbrs.values())
        if (n.state === NbrState.FULL)
          links.push({ type, metric: i.cost, ifId: i.ifId, nbrIfId: n.ifId, nbrRid: n.routerId })
      continue
    }
    if (isTransit(i))
      links.push({ type: Link6.TRANSIT, metric: i.cost, ifId: i.ifId, nbrIfId: drIfId(e, i), nbrRid: i.dr })
  }
  return links
}

interface Want {
  db: Lsdb
  area: number
  scopeIf: Ospf6If | null
  /** Scope tag for MinLSInterval bookkeeping: `l:IF`, `a:AREA` or `as`. */
  tag: string
  type: number
  id: number
  body: Uint8Array
}

function desired(e: Ospf6Engine): Want[] {
  const out: Want[] = []
  const rid = e.routerId
  const used = new Set<number>()
  for (const i of e.ifs.values()) if (i.state !== 'Down') used.add(i.area)
  const abr = used.size > 1 && used.has(0)
  // RFC 3101 §3.1: a translator originates AS-External-LSAs, so it is an AS boundary router.
  const asbr = e.externals.length > 0 || translating(e)
  for (const a of used) {
    const db = e.area(a).lsdb
    const tag = `a:${a}`
    const opts = areaOptions(e, a)
    // A stub area has no AS boundary routers (RFC 2328 §3.6).
    let flags = (asbr && areaKind(e, a) !== 'stub' ? RTR6_E : 0) | (abr ? RTR6_B : 0)
    for (const v of e.ifs.values())
      if (v.vl?.transit === a && [...v.nbrs.values()].some((n) => n.state === NbrState.FULL)) flags |= RTR6_V
    out.push({
      db,
      area: a,
      scopeIf: null,
      tag,
      type: Ls6Type.ROUTER,
      id: 0,
      body: router6Body(flags, routerLinks(e, a), opts),
    })
    // Prefixes of our stub links, loopbacks and point-to-point links hang off the Router-LSA.
    const stub: Prefix6[] = []
    for (const i of e.ifs.values()) {
      if (i.area !== a || i.state === 'Down' || isTransit(i)) continue
      for (const p of i.prefixes)
        stub.push({ len: p.len, options: 0, metric: i.state === 'Loopback' ? 0 : i.cost, addr: p.addr })
    }
    // §4.4.3.9: a virtual link's endpoint gives its peer a global address to send to.
    const la = vlinkAddress(e, a)
    if (la !== null) stub.push({ len: 128, options: PFX_LA, metric: 0, addr: la })
    if (stub.length > 0)
      out.push({
        db,
        area: a,
        scopeIf: null,
        tag,
        type: Ls6Type.INTRA_PREFIX,
        id: 0,
        body: intraPrefix6Body(Ls6Type.ROUTER, 0, rid, stub),
      })
  }
  for (const i of e.ifs.values()) {
    // No Link-LSA for a virtual link (§4.4.3.8): it has no link of its own.
    if (i.state === 'Down' || i.state === 'Loopback' || i.type === 'virtual') continue
    out.push({
      db: e.linkDb(i),
      area: i.area,
      scopeIf: i,
      tag: `l:${i.name}`,
      type: Ls6Type.LINK,
      id: i.ifId,
      body: link6Body(i.priority, i.linkLocal, i.prefixes, areaOptions(e, i.area)),
    })
    if (i.state !== 'DR') continue
    const full = [...i.nbrs.values()].filter((n) => n.state === NbrState.FULL)
    if (full.length === 0) continue
    const db = e.area(i.area).lsdb
    out.push({
      db,
      area: i.area,
      scopeIf: null,
      tag: `a:${i.area}`,
      type: Ls6Type.NETWORK,
      id: i.ifId,
      body: network6Body([rid, ...full.map((n) => n.routerId)], areaOptions(e, i.area)),
    })
    // §4.4.3.9: the link's prefixes, from the Link-LSAs of the routers fully adjacent to us.
    const pfx: Prefix6[] = i.prefixes.map((p) => ({ len: p.len, options: 0, metric: 0, addr: p.addr }))
    const ldb = e.linkDb(i)
    for (const n of full) {
      const l = ldb.get(Ls6Type.LINK, n.ifId, n.routerId)
      if (l === undefined || ageOf(l, e.now) >= MAX_AGE) continue
      const parsed = parseLink6(l.lsa.data)
      for (const p of parsed?.prefixes ?? [])
        if (!pfx.some((q) => q.len === p.len && in6Eq(q.addr, 0, p.addr, 0)))
          pfx.push({ len: p.len, options: 0, metric: 0, addr: p.addr })
    }
    out.push({
      db,
      area: i.area,
      scopeIf: null,
      tag: `a:${i.area}`,
      type: Ls6Type.INTRA_PREFIX,
      id: i.ifId,
      body: intraPrefix6Body(Ls6Type.NETWORK, i.ifId, rid, pfx),
    })
  }
  // §4.4.3.4: a border router's intra-area routes go into its other areas, the backbone's
  // inter-area routes into the non-backbone ones; Link State IDs numbered per area in prefix order.
  if (abr) {
    const rs = [...e.routes.values()]
      .filter((r) => r.kind === 'intra' || (r.kind === 'inter' && r.area === 0))
      .sort((x, y) => routeKey(x.addr, x.len).localeCompare(routeKey(y.addr, y.len)))
    const ids = new Map<number, number>()
    for (const r of rs)
      for (const a of used) {
        if (a === r.area || r.cost >= 0xffffff || !summariesInto(e, a)) continue
        const id = (ids.get(a) ?? 0) + 1
        ids.set(a, id)
        out.push({
          db: e.area(a).lsdb,
          area: a,
          scopeIf: null,
          tag: `a:${a}`,
          type: Ls6Type.INTER_PREFIX,
          id,
          body: interPrefix6Body(r.cost, { len: r.len, options: 0, metric: 0, addr: r.addr }),
        })
      }
    // §4.4.3.5: the AS boundary routers of each area into the others, those the backbone reaches
    // through other border routers into the non-backbone areas; named by their Router IDs.
    const asbrs = [...(e.lastSpfResult?.asbrs.values() ?? [])].sort((x, y) => (x.rid >>> 0) - (y.rid >>> 0))
    for (const r of asbrs)
      for (const a of used) {
        if (a === r.area || (r.kind === 'inter' && (r.area !== 0 || a === 0)) || r.cost >= 0xffffff) continue
        // RFC 2328 §12.4.3, RFC 3101 §2.2: no AS boundary routers announced into a stub area or NSSA.
        if (areaKind(e, a) !== 'normal') continue
        out.push({
          db: e.area(a).lsdb,
          area: a,
          scopeIf: null,
          tag: `a:${a}`,
          type: Ls6Type.INTER_ROUTER,
          id: r.rid,
          body: interRouter6Body(areaOptions(e, a), r.cost, r.rid),
        })
      }
  }
  // Type-7s, stub defaults and translations (ospf6_nssa.ts).
  for (const w of areaTypeWants(e, used, e.externals.length + 1)) {
    const db = w.area === null ? e.external : e.area(w.area).lsdb
    const area = w.area ?? 0
    const tag = w.area === null ? 'as' : `a:${area}`
    out.push({ db, area, scopeIf: null, tag, type: w.type, id: w.id, body: w.body })
  }
  // External LSAs: Link State IDs are ours to choose (§4.4.3.6); numbered in list order from 1.
  e.externals.forEach((x, k) => {
    out.push({
      db: e.external,
      area: 0,
      scopeIf: null,
      tag: 'as',
      type: Ls6Type.EXTERNAL,
      id: k + 1,
      body: external6Body(x.metric, x.type2, { len: x.len, options: 0, metric: 0, addr: x.addr }),
    })
  })
  return out
}

/** Originate what changed (MinLSInterval apart per LSA), flush what is no longer ours. */
export function originate6(e: Ospf6Engine, now: number): void {
  e.ownDirty = false
  let deferred = Number.POSITIVE_INFINITY
  const want = new Set<string>()
  for (const d of desired(e)) {
    const k = `${d.tag}:${lsaKey(d.type, d.id, e.routerId)}`
    if (want.has(k)) continue
    want.add(k)
    const old = d.db.get(d.type, d.id, e.routerId)
    const same =
      old !== undefined &&
      ageOf(old, now) < MAX_AGE &&
      old.lsa.data.length === 20 + d.body.length &&
      d.body.every((b, j) => b === old.lsa.data[20 + j])
    if (same && ageOf(old!, now) < LS_REFRESH_TIME) continue
    const last = e.lastOrig.get(k)
    if (last !== undefined && now - last < MIN_LS_INTERVAL_NS) {
      deferred = Math.min(deferred, last + MIN_LS_INTERVAL_NS)
      continue
    }
    const seq = old === undefined ? INITIAL_SEQ : old.lsa.hdr.seq + 1
    const lsa = buildLsa6({ age: 0, type: d.type, id: d.id, advRtr: e.routerId, seq }, d.body)
    if (e.install(d.db, lsa, now) === null) continue
    e.lastOrig.set(k, now)
    e.counters.lsaOriginated++
    e.flood(lsa, d.area, d.scopeIf, null, null, now)
  }
  for (const { db, area, scopeIf } of e.scopes()) {
    const tag = scopeIf !== null ? `l:${scopeIf.name}` : db === e.external ? 'as' : `a:${area}`
    // Ours are those our router id advertises (§13.4 for OSPFv3): the database's index, a snapshot.
    for (const x of [...(db.byAdv.get(e.routerId >>> 0)?.values() ?? [])]) {
      if (!e.isSelf(x.lsa) || ageOf(x, now) >= MAX_AGE) continue
      if (want.has(`${tag}:${lsaKey(x.lsa.hdr.type, x.lsa.hdr.id, x.lsa.hdr.advRtr)}`)) continue
      flushLsa6(e, db, x, area, scopeIf, now)
    }
  }
  // A timer ospf6_nssa.ts set while we worked (the stability interval's end) stands too.
  if (deferred !== Number.POSITIVE_INFINITY) {
    e.ownAt = e.ownDirty ? Math.min(e.ownAt, deferred) : deferred
    e.ownDirty = true
  }
}

/** Age an LSA to MaxAge and flood it so that everyone removes it. */
export function flushLsa6(
  e: Ospf6Engine,
  db: Lsdb,
  x: LsaEntry,
  area: number,
  scopeIf: Ospf6If | null,
  now: number,
): void {
  const dead = withAge(x.lsa, MAX_AGE)
  e.install(db, dead, now)
  e.flood(dead, area, scopeIf, null, null, now)
}

/** The MinLSInterval key of an LSA of ours as received on interface i (see Want.tag). */
export function origKey(type: number, id: number, advRtr: number, i: Ospf6If): string {
  const s = (type >>> 13) & 3
  const tag = s === 0 ? `l:${i.name}` : s === 2 ? 'as' : `a:${i.area}`
  return `${tag}:${lsaKey(type, id, advRtr)}`
}
