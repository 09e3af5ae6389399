/**
 * ripd's routing table (RFC 2453 §3.9): the shared distance-vector table (lib/rip_table.ts: timers,
 * update rules, split horizon) with RIPv2's part — response processing for IPv4 entries (§3.9.2:
 * masks, version 1's classful lengths, next hops of §4.4) and the entries of an update for one
 * interface. Time is passed in (host clock ns); FIB changes go to a sink the daemon provides.
 *
 * Must not: do I/O or read a clock of its own; keep more than `maxRoutes` routes (a flood of
 * announcements is counted and ignored past it).
 */

import { isMulticastIpv4, prefixToMask } from '../../../../wire/addr.js'
import { RIP_AF_AUTH, RIP_AF_INET, RIP_INFINITY, type RipEntry } from '../../../../wire/routing/rip.js'
import {
  type RipAddrOps,
  type RipFibSink,
  type RipHorizon,
  RipTable,
  type RipTableRoute,
} from '../lib/rip_table.js'

export {
  RIP_GARBAGE_S,
  RIP_TIMEOUT_S,
  RIP_UPDATE_S,
  type RipCounters,
  type RipOrigin,
  SEC_NS,
} from '../lib/rip_table.js'
/** Routes one ripd keeps at most; announcements beyond are dropped and counted. */
export const RIP_MAX_ROUTES = 10000

export type RipRoute = RipTableRoute<number>

/** A RIP-speaking interface as the RIB sees it. */
export interface RipIface extends RipHorizon {
  /** Its IPv4 networks: address and prefix length. */
  addrs: ReadonlyArray<{ addr: number; len: number }>
  passive: boolean
}

/** The daemon's hands on the kernel FIB (zebra's role). */
export type FibSink = RipFibSink<RipRoute>

export function ripKey(addr: number, len: number): string {
  return `${addr >>> 0}/${len}`
}

const IPV4_OPS: RipAddrOps<number> = {
  key: ripKey,
  eq: (a, b) => a >>> 0 === b >>> 0,
  compare: (a, b) => (a >>> 0) - (b >>> 0),
  zero: 0,
}

/** RFC 1058 §3.2: a version 1 entry carries no mask; the class of the address implies it. */
function classfulLen(a: number): number {
  if (a >>> 31 === 0) return 8
  if (a >>> 30 === 2) return 16
  return 24
}

export class RipRib extends RipTable<number> {
  constructor(fib: FibSink) {
    super(fib, IPV4_OPS, RIP_MAX_ROUTES)
  }

  /**
   * A response from `src` on `ifc` (RFC 2453 §3.9.2). The caller has checked the datagram (port 520,
   * source on the interface's network, not ourselves).
   */
  response(ifc: RipIface, src: number, version: number, entries: readonly RipEntry[], now: number): void {
    this.counters.received++
    for (const e of entries) {
      if (e.afi === RIP_AF_AUTH) continue
      if (e.afi !== RIP_AF_INET || e.metric < 1 || e.metric > RIP_INFINITY) {
        this.counters.badRoutes++
        continue
      }
      const addr = e.addr >>> 0
      let len: number
      if (version === 1 || e.mask === 0) {
        len = addr === 0 ? 0 : classfulLen(addr)
        if ((addr & ~prefixToMask(len)) !== 0) len = 32
      } else {
        const host = ~e.mask >>> 0
        if ((host & (host + 1)) !== 0) {
          this.counters.badRoutes++
          continue
        }
        len = Math.clz32(host)
      }
      // Loopback, class D/E, net 0 (other than the default route) and host bits set are not routes.
      if (
        addr >>> 24 === 127 ||
        isMulticastIpv4(addr) ||
        addr >>> 28 === 0xf ||
        (addr >>> 24 === 0 && !(addr === 0 && len === 0)) ||
        (addr & ~prefixToMask(len)) >>> 0 !== 0
      ) {
        this.counters.badRoutes++
        continue
      }
      const metric = Math.min(e.metric + 1, RIP_INFINITY)
      // §4.4: a next hop on the interface's network that is not ours is used; otherwise the sender.
      let nextHop = src
      const nh = e.nextHop >>> 0
      if (nh !== 0 && version === 2 && onNet(ifc, nh) && !isOwn(ifc, nh)) nextHop = nh
      this.learn(ifc.name, src, nextHop, addr, len, metric, e.tag, now)
    }
  }

  /**
   * The entries of an update out of `ifc` (all routes, or only changed ones for a triggered update),
   * in prefix order, split horizon applied (lib/rip_table.ts).
   */
  updateFor(ifc: RipIface, onlyChanged: boolean): RipEntry[] {
    const out: RipEntry[] = []
    for (const r of this.sorted()) {
      if (onlyChanged && !r.changed) continue
      const metric = this.outMetric(r, ifc)
      if (metric < 0) continue
      out.push({
        afi: RIP_AF_INET,
        tag: r.tag,
        addr: r.addr,
        mask: prefixToMask(r.len),
        nextHop: 0,
        metric,
      })
    }
    return out
  }
}

function onNet(ifc: RipIface, a: number): boolean {
  for (const n of ifc.addrs) {
    const m = prefixToMask(n.len)
    if (((a ^ n.addr) & m) >>> 0 === 0) return true
  }
  return false
}

function isOwn(ifc: RipIface, a: number): boolean {
  return ifc.addrs.some((n) => n.addr >>> 0 === a >>> 0)
}

/** Whether `a` is on one of the interface's networks (the neighbour check of §3.9.2). */
export function ripOnNet(ifc: RipIface, a: number): boolean {
  return onNet(ifc, a)
}
