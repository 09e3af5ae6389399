/**
 * The route events a routing-socket listener reads (`route monitor`, FreeBSD 14's netlink
 * RTNLGRP_IPV4_ROUTE group): each change to a table's prefix as it is afterwards (all its paths,
 * as rtnl_handle_route_event dumps the nexthop or group), or the prefix as it was when its last
 * path goes, with the pid of the process whose request made it (0 for the kernel's own changes).
 *
 * Must not: slow or fail the table change (a listener that does not read loses the oldest events,
 * as a full netlink socket does), or keep anything when nobody listens.
 */

import type { Route } from './route.js'

/** Events a listener holds before the oldest go (a netlink socket's receive buffer, in messages). */
export const ROUTE_MONITOR_QUEUE = 1000

export interface RouteEventPath {
  /** The gateway for gateway paths, null for on-link ones. */
  gateway: number | null
  ifName: string
  /** The path's MTU: its own, or its interface's. */
  mtu: number
}

export interface RouteEvent {
  /** NL_RTM_NEWROUTE (added or replaced) or NL_RTM_DELROUTE. */
  op: 'add' | 'delete'
  dst: number
  prefixLen: number
  /** rtm_type: RTN_BLACKHOLE for -blackhole, RTN_PROHIBIT for -reject, else unicast. */
  type: 'unicast' | 'blackhole' | 'reject'
  paths: RouteEventPath[]
  fib: number
  pid: number
  /** When it happened, on the host clock (ns); set as each listener receives it. */
  at: number
}

const RTF_GATEWAY = 0x2
const RTF_REJECT = 0x8
const RTF_BLACKHOLE = 0x1000

/** The event for a prefix whose first path is head: every path it has (a removed route has one). */
export function routeEvent(op: 'add' | 'delete', head: Route, fib: number, pid: number): RouteEvent {
  const paths: RouteEventPath[] = []
  for (let p: Route | null = head; p !== null; p = p.mpNext)
    paths.push({
      gateway: (p.flags & RTF_GATEWAY) !== 0 ? p.gateway : null,
      ifName: p.ifp.name,
      mtu: p.mtu !== 0 ? p.mtu : p.ifp.mtu,
    })
  const f = head.flags
  const type = (f & RTF_REJECT) !== 0 ? 'reject' : (f & RTF_BLACKHOLE) !== 0 ? 'blackhole' : 'unicast'
  return { op, dst: head.dst, prefixLen: head.prefixLen, type, paths, fib, pid, at: 0 }
}

/** One listener: a bounded queue and the reader waiting on it. */
export class RouteMonitor {
  private readonly q: RouteEvent[] = []
  private head = 0
  private waiter: ((e: RouteEvent | null) => void) | null = null
  private open = true

  constructor(
    /** Which events it takes (the listener's FIB and what its jail may see). */
    readonly wants: (r: Route) => boolean,
    private readonly onClose: (m: RouteMonitor) => void,
    /** The host clock, to stamp each event as it arrives (its reader may run later). */
    private readonly now: () => number,
  ) {}

  /** The next event, waiting for one; null once closed. */
  read(): Promise<RouteEvent | null> {
    if (this.head < this.q.length) {
      const e = this.q[this.head++]!
      if (this.head === this.q.length) {
        this.q.length = 0
        this.head = 0
      }
      return Promise.resolve(e)
    }
    if (!this.open) return Promise.resolve(null)
    return new Promise((r) => {
      this.waiter = r
    })
  }

  push(ev: RouteEvent): void {
    const e = { ...ev, at: this.now() }
    const w = this.waiter
    if (w !== null) {
      this.waiter = null
      w(e)
      return
    }
    if (this.q.length - this.head >= ROUTE_MONITOR_QUEUE) this.head++
    this.q.push(e)
  }

  close(): void {
    if (!this.open) return
    this.open = false
    this.onClose(this)
    const w = this.waiter
    this.waiter = null
    w?.(null)
  }
}
