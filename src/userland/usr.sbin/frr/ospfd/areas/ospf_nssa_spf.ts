/**
 * ospfd's routes through forwarding addresses (RFC 2328 §16.4 (3)) and its NSSAs' Type-7 routes
 * (RFC 3101 §2.5), after the AS-external routes: a non-zero forwarding address is routed to by the
 * OSPF route that covers it (intra- or inter-area for a Type-5; intra-area in the Type-7's own NSSA),
 * to the address itself when it is on a network of ours; a Type-7 comes from a router reachable in
 * its NSSA, a border router skips Type-7 defaults, and where a Type-5 and a Type-7 route to a prefix
 * tie the Type-5 one stays (§2.5 (6)(e)).
 *
 * Must not: change the databases it reads; touch a routing table without NSSAs but for §16.4's lookup.
 */

import { LsType, MAX_AGE, parseExternalLsa } from '../../../../../wire/routing/ospf.js'
import type { OspfEngine } from '../ospf_engine.js'
import { ageOf } from '../ospf_lsdb.js'
import { LS_INFINITY, mergeHops, type OspfRoute, type RouterRoute, routeKey } from '../ospf_spf.js'
import { fwdRoute } from './ospf_fwd.js'

/** Type 1 before type 2, then the smaller metric, then the nearer (RFC 2328 §16.4 (6)). */
function compare(a: OspfRoute, b: OspfRoute): number {
  const t = (a.kind === 'ext1' ? 0 : 1) - (b.kind === 'ext1' ? 0 : 1)
  if (t !== 0) return t
  if (a.kind === 'ext1') return a.cost - b.cost
  return a.cost2 - b.cost2 || a.cost - b.cost
}

/** RFC 3101 §2.5: the Type-7 routes of each NSSA we are in, into `routes`. */
export function nssaRoutes(
  e: OspfEngine,
  routes: Map<number, OspfRoute>,
  perArea: ReadonlyMap<number, ReadonlyMap<number, RouterRoute>>,
  now: number,
): void {
  if (e.areaTypes.size === 0) return
  const abr = e.isAbr()
  const fromType7 = new Set<number>()
  for (const [a, t] of e.areaTypes) {
    if (t.kind !== 'nssa') continue
    const db = e.areas.get(a)?.lsdb
    const reach = perArea.get(a)
    if (db === undefined || reach === undefined || db.countOf(LsType.NSSA) === 0) continue
    for (const x of db.map.values()) {
      const h = x.lsa.hdr
      if (h.type !== LsType.NSSA || h.advRtr >>> 0 === e.routerId >>> 0 || ageOf(x, now) >= MAX_AGE) continue
      const p = parseExternalLsa(x.lsa.data)
      if (p === null || p.metric >= LS_INFINITY) continue
      // §2.5 (1): a border router takes no Type-7 default.
      if (abr && p.mask === 0) continue
      const asbr = reach.get(h.advRtr >>> 0)
      if (asbr === undefined) continue
      let base = asbr.cost
      let hops = asbr.nextHops
      if (p.fwd !== 0) {
        const f = fwdRoute(routes, p.fwd, a)
        if (f === null) continue
        base = f.cost
        hops = f.nextHops
      }
      const len = Math.clz32(~p.mask >>> 0)
      const addr = (h.id & p.mask) >>> 0
      const k = routeKey(addr, len)
      const r: OspfRoute = {
        addr,
        len,
        kind: p.type2 ? 'ext2' : 'ext1',
        cost: p.type2 ? base : base + p.metric,
        cost2: p.type2 ? p.metric : 0,
        area: a,
        advRtr: h.advRtr >>> 0,
        tag: p.tag,
        nextHops: hops,
        direct: false,
      }
      const old = routes.get(k)
      if (old !== undefined && (old.kind === 'intra' || old.kind === 'inter')) continue
      const cmp = old === undefined ? -1 : compare(r, old)
      if (cmp < 0) {
        routes.set(k, r)
        fromType7.add(k)
      } else if (cmp === 0 && fromType7.has(k)) old!.nextHops = mergeHops(old!.nextHops, hops)
    }
  }
}
