/**
 * Nexthop objects of an IPv4 table (FreeBSD's net/route/nhop_ctl.c and nhgrp_ctl.c, as `netstat -o`,
 * `netstat -O` and the `Nhop#` column of `netstat -rW` show them): every path of a route points at a
 * nexthop, and routes whose paths leave the same way (interface, source address, gateway, flags, MTU,
 * expiry) share one, as nhop_get_nhop finds an equal one before linking a new one. A multipath
 * route points at a nexthop group, shared the same way. Indexes are the lowest free ones (the
 * nhop_ctl bitmask), so a freed index is reused.
 *
 * Control plane only: the packet path reads routes, never this registry. Must not: keep a nexthop
 * or group nobody references.
 */

import { IFF } from '../ifnet.js'
import type { Route } from './route.js'

/** RTF_UP, RTF_GATEWAY: nexthops carry the route's flags without RTF_UP (nhop rt_flags). */
const RTF_UP = 0x1
const RTF_GATEWAY = 0x2

export class Nhop {
  /** Paths that point here (each route path, or each group that holds it). */
  users = 0

  constructor(
    readonly idx: number,
    /** What makes it this nexthop (cmp_priv's fields). */
    readonly ifp: number,
    readonly ifa: number,
    readonly aifp: number,
    /** The gateway, or -1 for an on-link path. */
    readonly gateway: number,
    readonly flags: number,
    readonly mtu: number,
    readonly expire: number,
  ) {}
}

export class NhGroup {
  readonly idx: number
  readonly key: string
  /** Prefixes whose route is this group. */
  users = 0

  constructor(idx: number, key: string) {
    this.idx = idx
    this.key = key
  }
}

/**
 * Indexes handed out lowest-free first (the nhop_ctl and nhgrp_ctl bitmasks), from 1. The search
 * starts at the lowest index that may be free, so handing out n indexes in a row stays linear.
 */
class IdxAlloc {
  private readonly used = new Set<number>()
  private low = 1

  take(): number {
    let i = this.low
    while (this.used.has(i)) i++
    this.used.add(i)
    this.low = i + 1
    return i
  }

  free(i: number): void {
    this.used.delete(i)
    if (i < this.low) this.low = i
  }
}

/**
 * The source address a nexthop shows (nh_ifa) and the interface that owns it when that is not the
 * one the path leaves by (nh_aifp): a host route to one of our own addresses goes out lo0 with
 * lo0's address as its source and the address's own interface as aifp, which is why two such routes
 * share a nexthop; a route with `-prefsrc` on another interface names that interface.
 */
export function nhopIfa(r: Route): { ifa: number; aifp: number } {
  const own = r.ifa
  if (own === null || own.ifp === r.ifp) return { ifa: own?.addr ?? 0, aifp: r.ifp.index }
  if ((r.ifp.flags & IFF.LOOPBACK) !== 0 && (r.flags & RTF_GATEWAY) === 0)
    return { ifa: r.ifp.addrs[0]?.addr ?? 0, aifp: own.ifp.index }
  return { ifa: own.addr, aifp: own.ifp.index }
}

export class NhopRegistry {
  /** The nexthops by gateway (-1 for on-link ones), each a short list told apart by the other fields. */
  private readonly nhops = new Map<number, Nhop[]>()
  private count = 0
  private readonly nhopIdx = new IdxAlloc()
  private readonly groups = new Map<string, NhGroup>()
  private readonly groupIdx = new IdxAlloc()

  /** Point r at the nexthop its fields describe (nhop_get_nhop), creating it if none matches. */
  link(r: Route): void {
    const { ifa, aifp } = nhopIfa(r)
    const gw = (r.flags & RTF_GATEWAY) !== 0 ? r.gateway : -1
    const flags = r.flags & ~RTF_UP
    let list = this.nhops.get(gw)
    let nh: Nhop | undefined
    if (list !== undefined) {
      for (const x of list)
        if (
          x.ifp === r.ifp.index &&
          x.ifa === ifa &&
          x.aifp === aifp &&
          x.flags === flags &&
          x.mtu === r.mtu &&
          x.expire === r.expire
        ) {
          nh = x
          break
        }
    } else {
      list = []
      this.nhops.set(gw, list)
    }
    if (nh === undefined) {
      nh = new Nhop(this.nhopIdx.take(), r.ifp.index, ifa, aifp, gw, flags, r.mtu, r.expire)
      list.push(nh)
      this.count++
    }
    nh.users++
    r.nh = nh
  }

  /** Drop r's reference (nhop_free); the nexthop goes with its last user. */
  unlink(r: Route): void {
    const nh = r.nh
    if (nh === null) return
    r.nh = null
    if (--nh.users > 0) return
    const list = this.nhops.get(nh.gateway)!
    list.splice(list.indexOf(nh), 1)
    if (list.length === 0) this.nhops.delete(nh.gateway)
    this.nhopIdx.free(nh.idx)
    this.count--
  }

  /**
   * After the paths of a prefix changed: the group its paths form now (nhgrp_get_group), or none
   * for a single path. The old group loses this prefix as a user.
   */
  regroup(head: Route | null, old: NhGroup | null): NhGroup | null {
    let g: NhGroup | null = null
    if (head !== null && head.mpNext !== null) {
      const parts: string[] = []
      for (let p: Route | null = head; p !== null; p = p.mpNext) parts.push(`${p.nh?.idx ?? 0}:${p.weight}`)
      const key = parts.sort().join(',')
      g = this.groups.get(key) ?? null
      if (g === null) {
        g = new NhGroup(this.groupIdx.take(), key)
        this.groups.set(key, g)
      }
      if (g !== old) g.users++
    }
    if (old !== null && old !== g && --old.users === 0) {
      this.groups.delete(old.key)
      this.groupIdx.free(old.idx)
    }
    return g
  }

  get nhopCount(): number {
    return this.count
  }

  get groupCount(): number {
    return this.groups.size
  }
}
