/**
 * ospf6d's `area X nssa range X:X::X:X/M [not-advertise|cost N]` (RFC 3101 §3.2's aggregation by
 * the translator), as FRR's ospf6d does it (ospf6d/ospf6_nssa.c, ospf6_abr.c): a Type-7 strictly
 * inside a range is not translated; while a range covers some, the translator originates one
 * Type-7 for the range in the NSSA (P bit, type 2, its own forwarding address, metric the
 * configured cost or else the highest path cost of what it covers — FRR's ospf6_abr_range_compute_
 * cost: the cost to the ASBR for a type-2 route, plus the metric for a type 1) and translates that
 * into the AS's one AS-External-LSA; with not-advertise neither goes out. A Type-7 of exactly the
 * range's prefix is translated as itself (FRR's prefix_same test), the range's own taking its place.
 *
 * Must not: originate anything itself; ospf6_nssa.ts's areaTypeWants takes what it returns.
 */

import { in6Masked } from '../../../../wire/inet6/in6_addr.js'

/** One configured range of an NSSA. */
export interface Nssa6Range {
  addr: Uint8Array
  len: number
  advertise: boolean
  /** `cost N`; null: computed from what it covers. */
  cost: number | null
}

/** A range's state during one pass over the area's Type-7s. */
export interface RangeUse {
  r: Nssa6Range
  covered: boolean
  cost: number
}

function within(addr: Uint8Array, len: number, r: Nssa6Range): boolean {
  if (len < r.len) return false
  const a = in6Masked(addr, r.len)
  for (let i = 0; i < 16; i++) if (a[i] !== r.addr[i]) return false
  return true
}

/**
 * The range that suppresses a Type-7 of `addr/len` (the longest one strictly containing it, as
 * FRR's best-match lookup), marked covered with its cost raised; null when none does.
 */
export function suppressedBy(
  uses: readonly RangeUse[],
  addr: Uint8Array,
  len: number,
  cost: number,
): RangeUse | null {
  let best: RangeUse | null = null
  for (const u of uses) if (within(addr, len, u.r) && (best === null || u.r.len > best.r.len)) best = u
  if (best === null || best.r.len === len) return null
  best.covered = true
  best.cost = Math.max(best.cost, cost)
  return best
}

/**
 * The aggregates to originate: each advertised range that covers something at a cost above 0
 * (FRR takes a zero cost for "nothing active"), with its metric.
 */
export function activeRanges(uses: readonly RangeUse[]): Array<{ r: Nssa6Range; metric: number }> {
  const out: Array<{ r: Nssa6Range; metric: number }> = []
  for (const u of uses)
    if (u.covered && u.cost > 0 && u.r.advertise) out.push({ r: u.r, metric: u.r.cost ?? u.cost })
  return out
}
