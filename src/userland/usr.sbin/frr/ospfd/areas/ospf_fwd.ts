/**
 * The route to an AS-external or NSSA-LSA's forwarding address (RFC 2328 §16.4 (3), RFC 3101 §2.5
 * (3)): the OSPF route that covers it, by longest match, read by the external calculation of
 * ospf_spf.ts and the Type-7 one of ospf_nssa_spf.ts.
 *
 * Must not: change the table it reads (keys are ospf_spf.ts's routeKey: addr·64 + len).
 */

import type { NextHop, OspfRoute } from '../ospf_spf.js'

/**
 * The route to forwarding address `fwd` (longest match), its cost and next hops, when one of the
 * allowed kinds (and, given `area`, of that area) has it; null otherwise.
 */
export function fwdRoute(
  routes: ReadonlyMap<number, OspfRoute>,
  fwd: number,
  area: number | null = null,
): { cost: number; nextHops: NextHop[] } | null {
  for (let len = 32; len >= 0; len--) {
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0
    const r = routes.get(((fwd & mask) >>> 0) * 64 + len)
    if (r === undefined) continue
    if (r.kind !== 'intra' && (r.kind !== 'inter' || area !== null)) return null
    if (area !== null && r.area !== area) return null
    // Straight to the address when it is on one of our networks.
    const nextHops = r.direct ? r.nextHops.map((h) => ({ gw: fwd >>> 0, ifName: h.ifName })) : r.nextHops
    return { cost: r.cost, nextHops }
  }
  return null
}
