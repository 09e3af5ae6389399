/**
 * The distance-vector table RIPv2 (RFC 2453) and RIPng (RFC 2080) share, for any address type: our
 * own routes (connected networks, redistributed routes) and learned ones, with the timers of RFC 2453
 * §3.8 / RFC 2080 §2.3 (180 s timeout starting the deletion process, 120 s garbage collection),
 * metric 16 as infinity, the update rules of RFC 2453 §3.9.2 / RFC 2080 §2.4.2 (same gateway: take
 * whatever it says; another gateway: only a better metric), the route change flag behind triggered
 * updates, and split horizon with optional poisoned reverse (§3.4.3 / RFC 2080 §2.6). ripd's
 * rip_rib.ts and ripngd's ripng_rib.ts add their address family's entry checks and update entries.
 *
 * Must not: do I/O or read a clock of its own (time is passed in, host clock ns); keep more than
 * `maxRoutes` routes (announcements past it are counted and ignored).
 */

import { randomU32 } from './random.js'

export const SEC_NS = 1e9
/** RFC 2453 §3.8 and RFC 2080 §2.3 defaults, FRR's `timers basic 30 180 120`. */
export const RIP_UPDATE_S = 30
export const RIP_TIMEOUT_S = 180
export const RIP_GARBAGE_S = 120
/** Metric 16: unreachable (RFC 2453 §3.6, RFC 2080 §2.1). */
export const RIP_TABLE_INFINITY = 16

/** Where a route came from, as `show ip rip` codes it: R(n) learned, C(i) connected, S(r)/K(r) redistributed. */
export type RipOrigin = 'rip' | 'connected' | 'static' | 'kernel'

export interface RipTableRoute<A> {
  addr: A
  len: number
  origin: RipOrigin
  /** The gateway packets take (the zero address for our own routes). */
  nextHop: A
  /** The neighbour that announced it (the zero address for our own). */
  from: A
  /** Interface it was learned on or is attached to ('' for redistributed routes). */
  ifName: string
  metric: number
  tag: number
  /** Host-clock ns when a learned route times out; Infinity for our own. */
  expires: number
  /** Host-clock ns when a dead route is deleted; Infinity while alive. */
  gcAt: number
  /** Changed since the last triggered update (the route change flag). */
  changed: boolean
  /** In the kernel's FIB (learned routes only). */
  installed: boolean
}

/** An interface's split-horizon settings. */
export interface RipHorizon {
  name: string
  /** `... split-horizon poisoned-reverse`. */
  poison: boolean
  /** `no ... split-horizon`. */
  splitHorizon: boolean
}

/** The daemon's hands on the kernel FIB (zebra's role). */
export interface RipFibSink<R> {
  install(r: R): void
  uninstall(r: R): void
}

/** Why an entry or a datagram was refused, and what was sent; the daemon shows them. */
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

/** What the table needs of an address type. */
export interface RipAddrOps<A> {
  key(addr: A, len: number): string
  eq(a: A, b: A): boolean
  /** Route-table order (FRR's route_table walk): negative when a comes first. */
  compare(a: A, b: A): number
  zero: A
}

export interface RipLocal<A> {
  addr: A
  len: number
  origin: RipOrigin
  ifName: string
  metric: number
}

export class RipTable<A> {
  readonly routes = new Map<string, RipTableRoute<A>>()
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
  maxRoutes: number
  /** Set when a change wants a triggered update. */
  pendingTrigger = false
  protected readonly fib: RipFibSink<RipTableRoute<A>>
  protected readonly ops: RipAddrOps<A>

  constructor(fib: RipFibSink<RipTableRoute<A>>, ops: RipAddrOps<A>, maxRoutes: number) {
    this.fib = fib
    this.ops = ops
    this.maxRoutes = maxRoutes
  }

  private mark(r: RipTableRoute<A>): void {
    r.changed = true
    this.pendingTrigger = true
  }

  /** Start deleting r (the "deletion process"): metric 16, out of the FIB, garbage timer running. */
  private expire(r: RipTableRoute<A>, now: number): void {
    r.metric = RIP_TABLE_INFINITY
    r.expires = Number.POSITIVE_INFINITY
    r.gcAt = now + this.garbageNs
    if (r.installed) {
      this.fib.uninstall(r)
      r.installed = false
    }
    this.mark(r)
  }

  /**
   * Our own routes as they are now: new ones join with the change flag, vanished ones start the
   * deletion process, and a learned route for a prefix that became ours leaves the FIB (our own
   * always win, as zebra's distances make them).
   */
  syncLocal(local: ReadonlyArray<RipLocal<A>>, now: number): void {
    const seen = new Set<string>()
    for (const l of local) {
      const k = this.ops.key(l.addr, l.len)
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
      const nr: RipTableRoute<A> = {
        addr: l.addr,
        len: l.len,
        origin: l.origin,
        nextHop: this.ops.zero,
        from: this.ops.zero,
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
   * One checked entry from neighbour `src` on interface `ifName` (metric already incremented), by
   * RFC 2453 §3.9.2 / RFC 2080 §2.4.2.
   */
  learn(
    ifName: string,
    src: A,
    nextHop: A,
    addr: A,
    len: number,
    metric: number,
    tag: number,
    now: number,
  ): void {
    const k = this.ops.key(addr, len)
    const r = this.routes.get(k)
    const eq = this.ops.eq
    if (r === undefined) {
      if (metric >= RIP_TABLE_INFINITY) return
      if (this.routes.size >= this.maxRoutes) {
        this.counters.tableFull++
        return
      }
      const nr: RipTableRoute<A> = {
        addr,
        len,
        origin: 'rip',
        nextHop,
        from: src,
        ifName,
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
    const sameGateway = eq(r.from, src) && r.gcAt === Number.POSITIVE_INFINITY
    if (sameGateway) {
      if (metric < RIP_TABLE_INFINITY) r.expires = now + this.timeoutNs
      if (metric === r.metric && eq(nextHop, r.nextHop) && tag === r.tag) return
      if (metric >= RIP_TABLE_INFINITY) {
        this.expire(r, now)
        return
      }
      r.metric = metric
      r.tag = tag
      if (!eq(nextHop, r.nextHop) || r.ifName !== ifName) {
        if (r.installed) this.fib.uninstall(r)
        r.nextHop = nextHop
        r.ifName = ifName
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
      r.ifName = ifName
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

  /** The earliest route timer (Infinity when none). */
  nextTimer(): number {
    let t = Number.POSITIVE_INFINITY
    for (const r of this.routes.values()) {
      if (r.expires < t) t = r.expires
      if (r.gcAt < t) t = r.gcAt
    }
    return t
  }

  /**
   * The metric r goes out of `ifc` with, or -1 when split horizon leaves it out: a route learned on
   * ifc is left out, or with poisoned reverse announced with metric 16 (RFC 2453 §3.4.3).
   */
  outMetric(r: RipTableRoute<A>, ifc: RipHorizon): number {
    if (r.origin !== 'rip' || r.ifName !== ifc.name || !ifc.splitHorizon) return r.metric
    return ifc.poison ? RIP_TABLE_INFINITY : -1
  }

  /** After a triggered (or regular) update went out everywhere: changes are announced. */
  clearChanged(): void {
    for (const r of this.routes.values()) r.changed = false
    this.pendingTrigger = false
  }

  /** Routes by address then prefix length, as FRR's route_table walks them. */
  sorted(): RipTableRoute<A>[] {
    const c = this.ops.compare
    return [...this.routes.values()].sort((a, b) => c(a.addr, b.addr) || a.len - b.len)
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

/** Per-interface split-horizon settings (`ip rip …` / `ipv6 ripng …`). */
export interface RipIfConfig {
  /** `split-horizon` (FRR's default) / `no … split-horizon`. */
  splitHorizon: boolean
  /** `split-horizon poisoned-reverse`. */
  poison: boolean
}

/** `ifs`'s entry for `name`, created with FRR's defaults on first use. */
export function ripIfConfig(ifs: Map<string, RipIfConfig>, name: string): RipIfConfig {
  let i = ifs.get(name)
  if (i === undefined) {
    i = { splitHorizon: true, poison: false }
    ifs.set(name, i)
  }
  return i
}

/** A remaining time as `mm:ss` (rounded up), as `show ip rip` / `show ipv6 ripng` print it. */
export function ripMmss(ns: number): string {
  const s = Math.max(0, Math.ceil(ns / SEC_NS))
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}

/** A uniformly random number in [0, 1) from 4 bytes of the kernel's (seeded) generator. */
export function ripRandom(getrandom: (n: number) => Uint8Array): number {
  return randomU32(getrandom) / 2 ** 32
}

/** When the next regular update is due: every `updateS` seconds ±25 % (FRR's jitter). */
export function ripNextUpdate(now: number, updateS: number, rnd: number): number {
  const t = updateS * SEC_NS
  return now + t + (rnd * 2 - 1) * (t / 4)
}

/** A triggered update is held 1-5 s after the last (RFC 2453 §3.10.1, RFC 2080 §2.5.1). */
export function ripTriggerHold(now: number, rnd: number): number {
  return now + (1 + 4 * rnd) * SEC_NS
}
