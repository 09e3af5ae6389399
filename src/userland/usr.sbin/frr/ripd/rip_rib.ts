/**
 * ripd's routing table (RFC 2453 §3.9): the routes it knows — its own (connected networks and
 * redistributed kernel/static routes) and those learned from neighbours — with the RFC's timers
 * (180 s timeout, 120 s garbage collection), metric 16 as infinity, response processing (§3.9.2),
 * and the entries of an update for one interface with split horizon, optionally with poisoned
 * reverse (§3.4.3). Time is passed in (host clock ns); FIB changes go to a sink the daemon provides.
 *
 * Must not: do I/O or read a clock of its own; keep more than `maxRoutes` routes (a flood of
 * announcements is counted and ignored past it).
 */

import { isMulticastIpv4, prefixToMask } from '../../../../wire/addr.js'
import { RIP_AF_AUTH, RIP_AF_INET, RIP_INFINITY, type RipEntry } from '../../../../wire/rip.js'

export const SEC_NS = 1e9
/** RFC 2453 §3.8 defaults, FRR's `timers basic 30 180 120`. */
export const RIP_UPDATE_S = 30
export const RIP_TIMEOUT_S = 180
export const RIP_GARBAGE_S = 120
/** Routes one ripd keeps at most; announcements beyond are dropped and counted. */
export const RIP_MAX_ROUTES = 10000

/** Where a route came from, as `show ip rip` codes it: R(n) learned, C(i) connected, S(r)/K(r) redistributed. */
export type RipOrigin = 'rip' | 'connected' | 'static' | 'kernel'

export interface RipRoute {
  addr: number
  len: number
  origin: RipOrigin
  /** The gateway packets take (0 for our own routes). */
  nextHop: number
  /** The neighbour that announced it (0 for our own). */
  from: number
  /** Interface it was learned on or is attached to ('' for redistributed routes). */
  ifName: string
  metric: number
  tag: number
  /** Host-clock ns when a learned route times out; Infinity for our own. */
  expires: number
  /** Host-clock ns when a dead route is deleted; Infinity while alive. */
  gcAt: number
  /** Changed since the last triggered update (the route change flag of §3.10.1). */
  changed: boolean
  /** In the kernel's FIB (learned routes only). */
  installed: boolean
}

/** A RIP-speaking interface as the RIB sees it. */
export interface RipIface {
  name: string
  /** Its IPv4 networks: address and prefix length. */
  addrs: ReadonlyArray<{ addr: number; len: number }>
  passive: boolean
  /** `ip rip split-horizon poisoned-reverse`. */
  poison: boolean
  /** `no ip rip split-horizon`. */
  splitHorizon: boolean
}

/** The daemon's hands on the kernel FIB (zebra's role). */
export interface FibSink {
  install(r: RipRoute): void
  uninstall(r: RipRoute): void
}

/** Why an entry or a datagram was refused; the daemon counts them (`show ip rip status`). */
export interface RipCounters {
  badPackets: number
  badRoutes: number
  /** Announcements ignored because the table was full. */
  tableFull: number
  /** Triggered updates sent. */
  triggered: number
  /** Responses received and sent. */
  received: number
  sent: number
}

export function ripKey(addr: number, len: number): string {
  return `${addr >>> 0}/${len}`
}

/** RFC 1058 §3.2: a version 1 entry carries no mask; the class of the address implies it. */
function classfulLen(a: number): number {
  if (a >>> 31 === 0) return 8
  if (a >>> 30 === 2) return 16
  return 24
}

export class RipRib {
  readonly routes = new Map<string, RipRoute>()
  readonly counters: RipCounters = {
    badPackets: 0,
    badRoutes: 0,
    tableFull: 0,
    triggered: 0,
    received: 0,
    sent: 0,
  }
  timeoutNs = RIP_TIMEOUT_S * SEC_NS
  garbageNs = RIP_GARBAGE_S * SEC_NS
  maxRoutes = RIP_MAX_ROUTES
  /** Set when a change wants a triggered update. */
  pendingTrigger = false
  private readonly fib: FibSink

  constructor(fib: FibSink) {
    this.fib = fib
  }

  private mark(r: RipRoute): void {
    r.changed = true
    this.pendingTrigger = true
  }

  /** Start deleting r (§3.9.2 "deletion process"): metric 16, out of the FIB, garbage timer running. */
  private expire(r: RipRoute, now: number): void {
    r.metric = RIP_INFINITY
    r.expires = Number.POSITIVE_INFINITY
    r.gcAt = now + this.garbageNs
    if (r.installed) {
      this.fib.uninstall(r)
      r.installed = false
    }
    this.mark(r)
  }

  /**
   * Our own routes as they are now (connected networks and redistributed routes): new ones join with
   * the change flag, vanished ones start the deletion process, and a learned route for a prefix that
   * became ours leaves the FIB (our own always win, as zebra's distances make them).
   */
  syncLocal(
    local: ReadonlyArray<{ addr: number; len: number; origin: RipOrigin; ifName: string; metric: number }>,
    now: number,
  ): void {
    const seen = new Set<string>()
    for (const l of local) {
      const k = ripKey(l.addr, l.len)
      seen.add(k)
      const r = this.routes.get(k)
      if (r !== undefined && r.origin !== 'rip' && r.gcAt === Number.POSITIVE_INFINITY) {
        if (r.metric !== l.metric || r.origin !== l.origin || r.ifName !== l.ifName) {
          r.metric = l.metric
          r.origin = l.origin
          r.ifName = l.ifName
          this.mark(r)
        }
        continue
      }
      if (r?.installed) this.fib.uninstall(r)
      if (r === undefined && this.routes.size >= this.maxRoutes) {
        this.counters.tableFull++
        continue
      }
      const nr: RipRoute = {
        addr: l.addr >>> 0,
        len: l.len,
        origin: l.origin,
        nextHop: 0,
        from: 0,
        ifName: l.ifName,
        metric: l.metric,
        tag: 0,
        expires: Number.POSITIVE_INFINITY,
        gcAt: Number.POSITIVE_INFINITY,
        changed: false,
        installed: false,
      }
      this.routes.set(k, nr)
      this.mark(nr)
    }
    for (const [k, r] of this.routes)
      if (r.origin !== 'rip' && !seen.has(k) && r.gcAt === Number.POSITIVE_INFINITY) this.expire(r, now)
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
      this.update(ifc, src, nextHop, addr, len, metric, e.tag, now)
    }
  }

  private update(
    ifc: RipIface,
    src: number,
    nextHop: number,
    addr: number,
    len: number,
    metric: number,
    tag: number,
    now: number,
  ): void {
    const k = ripKey(addr, len)
    const r = this.routes.get(k)
    if (r === undefined) {
      if (metric >= RIP_INFINITY) return
      if (this.routes.size >= this.maxRoutes) {
        this.counters.tableFull++
        return
      }
      const nr: RipRoute = {
        addr,
        len,
        origin: 'rip',
        nextHop,
        from: src,
        ifName: ifc.name,
        metric,
        tag,
        expires: now + this.timeoutNs,
        gcAt: Number.POSITIVE_INFINITY,
        changed: false,
        installed: false,
      }
      this.routes.set(k, nr)
      this.fib.install(nr)
      nr.installed = true
      this.mark(nr)
      return
    }
    // Our own routes are never replaced by what a neighbour says.
    if (r.origin !== 'rip') return
    const sameGateway = r.from === src && r.gcAt === Number.POSITIVE_INFINITY
    if (sameGateway) {
      if (metric < RIP_INFINITY) r.expires = now + this.timeoutNs
      if (metric === r.metric && nextHop === r.nextHop && tag === r.tag) return
      if (metric >= RIP_INFINITY) {
        this.expire(r, now)
        return
      }
      r.metric = metric
      r.tag = tag
      if (nextHop !== r.nextHop || r.ifName !== ifc.name) {
        if (r.installed) this.fib.uninstall(r)
        r.nextHop = nextHop
        r.ifName = ifc.name
        this.fib.install(r)
        r.installed = true
      }
      this.mark(r)
      return
    }
    // A better route from another neighbour, or any live route for one being deleted.
    if (metric < r.metric) {
      if (r.installed) this.fib.uninstall(r)
      r.from = src
      r.nextHop = nextHop
      r.ifName = ifc.name
      r.metric = metric
      r.tag = tag
      r.expires = now + this.timeoutNs
      r.gcAt = Number.POSITIVE_INFINITY
      this.fib.install(r)
      r.installed = true
      this.mark(r)
    }
  }

  /** Learned routes whose neighbour was on `ifName` (the interface went away or down): delete them. */
  dropInterface(ifName: string, now: number): void {
    for (const r of this.routes.values())
      if (r.origin === 'rip' && r.ifName === ifName && r.gcAt === Number.POSITIVE_INFINITY)
        this.expire(r, now)
  }

  /** Run the timers due at `now`: timeouts start deletion, garbage collection removes. */
  tick(now: number): void {
    for (const [k, r] of this.routes) {
      if (r.gcAt <= now) this.routes.delete(k)
      else if (r.expires <= now) this.expire(r, now)
    }
  }

  /** The earliest route timer after now (Infinity when none). */
  nextTimer(): number {
    let t = Number.POSITIVE_INFINITY
    for (const r of this.routes.values()) {
      if (r.expires < t) t = r.expires
      if (r.gcAt < t) t = r.gcAt
    }
    return t
  }

  /**
   * The entries of an update out of `ifc` (all routes, or only changed ones for a triggered update),
   * in prefix order. Split horizon leaves out what was learned on ifc; with poisoned reverse it goes
   * out with metric 16 instead (§3.4.3). A route is never announced back onto its own network.
   */
  updateFor(ifc: RipIface, onlyChanged: boolean): RipEntry[] {
    const out: RipEntry[] = []
    for (const r of this.sorted()) {
      if (onlyChanged && !r.changed) continue
      let metric = r.metric
      if (r.origin === 'rip' && r.ifName === ifc.name) {
        if (!ifc.splitHorizon) {
          // No split horizon: announced as is.
        } else if (ifc.poison) metric = RIP_INFINITY
        else continue
      }
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

  /** After a triggered (or regular) update went out everywhere: changes are announced. */
  clearChanged(): void {
    for (const r of this.routes.values()) r.changed = false
    this.pendingTrigger = false
  }

  /** Routes by address then prefix length, as FRR's route_table walks them. */
  sorted(): RipRoute[] {
    return [...this.routes.values()].sort((a, b) => a.addr - b.addr || a.len - b.len)
  }

  /** On exit: take every learned route out of the FIB. */
  flush(): void {
    for (const r of this.routes.values())
      if (r.installed) {
        this.fib.uninstall(r)
        r.installed = false
      }
    this.routes.clear()
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
