/**
 * ripngd's routing table (RFC 2080 §2.4.2): the shared distance-vector table (lib/rip_table.ts:
 * timers, update rules, split horizon) over IPv6 prefixes, with RIPng's part — response processing
 * (next-hop RTEs of §2.1.1, the RTE checks: prefix length ≤ 128, metric 1..16, no multicast or
 * link-local prefix) and the RTEs of an update for one interface.
 *
 * Must not: do I/O or read a clock of its own; keep more than `maxRoutes` routes (a flood of
 * announcements is counted and ignored past it).
 */

import { formatIpv6, in6IsLinkLocal, in6IsMulticast, in6Masked } from '../../../../wire/inet6/in6_addr.js'
import { RIPNG_INFINITY, RIPNG_METRIC_NEXTHOP, type RipngRte } from '../../../../wire/routing/ripng.js'
import {
  type RipAddrOps,
  type RipFibSink,
  type RipHorizon,
  RipTable,
  type RipTableRoute,
} from '../lib/rip_table.js'

/** Routes one ripngd keeps at most; announcements beyond are dropped and counted. */
export const RIPNG_MAX_ROUTES = 10000

export type RipngRoute = RipTableRoute<Uint8Array>

/** A RIPng-speaking interface as the RIB sees it. */
export interface RipngIface extends RipHorizon {
  index: number
  /** Its link-local address: where its updates come from. */
  linkLocal: Uint8Array
  /** Its global prefixes (for `network PREFIX` and the connected routes). */
  prefixes: ReadonlyArray<{ addr: Uint8Array; len: number }>
  mtu: number
  passive: boolean
}

export function ripngKey(addr: Uint8Array, len: number): string {
  return `${formatIpv6(addr)}/${len}`
}

function cmp(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

const ZERO = new Uint8Array(16)

const IPV6_OPS: RipAddrOps<Uint8Array> = {
  key: ripngKey,
  eq: (a, b) => cmp(a, b) === 0,
  compare: cmp,
  zero: ZERO,
}

export class RipngRib extends RipTable<Uint8Array> {
  constructor(fib: RipFibSink<RipngRoute>) {
    super(fib, IPV6_OPS, RIPNG_MAX_ROUTES)
  }

  /**
   * A response from link-local `src` on `ifc` (RFC 2080 §2.4.2). The caller has checked the
   * datagram (port 521, link-local source, hop limit 255, not ourselves).
   */
  response(ifc: RipngIface, src: Uint8Array, rtes: readonly RipngRte[], now: number): void {
    this.counters.received++
    let nextHop = src
    for (const e of rtes) {
      if (e.metric === RIPNG_METRIC_NEXTHOP) {
        // §2.1.1: a next hop that is not link-local (or ::) means the sender.
        nextHop = in6IsLinkLocal(e.prefix, 0) ? e.prefix : src
        continue
      }
      if (
        e.len > 128 ||
        e.metric < 1 ||
        e.metric > RIPNG_INFINITY ||
        in6IsMulticast(e.prefix, 0) ||
        in6IsLinkLocal(e.prefix, 0)
      ) {
        this.counters.badRoutes++
        continue
      }
      const metric = Math.min(e.metric + 1, RIPNG_INFINITY)
      this.learn(ifc.name, src, nextHop, in6Masked(e.prefix, e.len), e.len, metric, e.tag, now)
    }
  }

  /**
   * The RTEs of an update out of `ifc` (all routes, or only changed ones for a triggered update),
   * in prefix order, split horizon applied. No next-hop RTE: we are the next hop for every route.
   */
  updateFor(ifc: RipHorizon, onlyChanged: boolean): RipngRte[] {
    const out: RipngRte[] = []
    for (const r of this.sorted()) {
      if (onlyChanged && !r.changed) continue
      const metric = this.outMetric(r, ifc)
      if (metric < 0) continue
      out.push({ prefix: r.addr, tag: r.tag, len: r.len, metric })
    }
    return out
  }
}
