/**
 * The routing socket behind KernelApi (FreeBSD's rtsock.c and, for arp(8), lla_rt_output): the
 * route table as the caller may see it (can_export_rte), RTM_ADD / CHANGE / DELETE / GET, the
 * source address a connection would take, and the ARP table with our own addresses as permanent
 * entries.
 *
 * Must not: show a jail sharing its parent's stack any route or ARP entry but its own addresses'.
 */

import { Priv } from '../../jail/priv.js'
import { MEM_COST } from '../../jail/racct.js'
import { nhopIfa } from '../../stack/net/route/nhop.js'
import { Route, type RouteTable, RTF } from '../../stack/net/route/route.js'
import { RouteMonitor } from '../../stack/net/route/route_monitor.js'
import { tmproutesUpdate } from '../../stack/net/route/route_temporal.js'
import {
  type ArpEntryInfo,
  arpSet as llaAdd,
  arpDelete as llaDelete,
  arpGet as llaLookup,
  arpList as lltableDump,
  arpFlush as lltableFlush,
} from '../../stack/netinet/arp/arp.js'
import { sourceFor } from '../../stack/netinet/ip/ip_output.js'
import { rib6 } from '../../stack/netinet6/ip6/ip6.js'
import { SysError } from '../../util/errno.js'
import { formatIpv4 } from '../../wire/addr.js'
import type { Caller } from '../kern/caller.js'
import type { ArpInfo, NhgrpInfo, NhopInfo, RouteInfo, RouteMonitorFd, RouteSpec } from '../syscalls.js'

/** The first path of r's prefix in t (where a multipath route keeps its group). */
function headOf(t: RouteTable, r: Route): Route | undefined {
  return t.get(r.dst, r.prefixLen)
}

function routeInfo(r: Route, t?: RouteTable): RouteInfo {
  const head = t === undefined ? undefined : headOf(t, r)
  return {
    dst: r.dst,
    prefixLen: r.prefixLen,
    gateway: (r.flags & RTF.GATEWAY) !== 0 ? r.gateway : 0,
    // FreeBSD names the link of the interface that owns the address (`192.0.2.1 link#2 UHS lo0`).
    gatewayIfIndex: (r.flags & RTF.GATEWAY) !== 0 ? 0 : (r.ifa?.ifp ?? r.ifp).index,
    ifName: r.ifp.name,
    flags: r.flags,
    mtu: r.mtu !== 0 ? r.mtu : r.ifp.mtu,
    use: r.use,
    weight: r.weight,
    // The host clock starts at the boot, so the uptime second is also rmx_expire's time_second.
    expire: r.expire,
    nhIdx: r.nh?.idx ?? 0,
    nhgIdx: head?.nhg?.idx ?? 0,
  }
}

function arpInfo(e: ArpEntryInfo): ArpInfo {
  return {
    addr: e.addr,
    mac: e.mac,
    ifName: e.ifp.name,
    permanent: e.permanent,
    published: e.published,
    expiresIn: e.expiresIn,
  }
}

export function routeList(c: Caller): RouteInfo[] {
  return c.vnet
    .rt(c.fib)
    .list()
    .filter((r) => c.visibleRoute(r))
    .map((r) => routeInfo(r, c.vnet.rt(c.fib)))
}

/**
 * The generation of the caller's FIB, IPv4 and IPv6 tables together (rt_tables_get_gen): it moves
 * whenever a route is added, changed or removed, so a watcher compares one number, not the tables.
 */
export function routeGen(c: Caller): number {
  return c.vnet.rt(c.fib).gen + rib6(c.vnet, c.fib).gen
}

/**
 * `-ifp IF` / `-ifa ADDR` (rt_getifa_fib): the interface and source address of a route not yet in a
 * table. An -ifa must be one of our addresses (ENETUNREACH otherwise) and brings its interface; an
 * -ifp takes the address on it that covers the gateway (ifaof_ifpforaddr), else its first one, and
 * ENETUNREACH when it has none. An -ifp naming no interface is ignored, as its sockaddr_dl has no index.
 */
function pickIfa(c: Caller, r: Route, spec: RouteSpec, op: string): void {
  const ifp = spec.ifp !== undefined ? c.vnet.ifByName(spec.ifp) : undefined
  if (spec.ifa !== undefined) {
    const own = c.vnet.localIfa(spec.ifa >>> 0)
    if (own === undefined) throw new SysError('ENETUNREACH', op)
    r.ifa = own
    r.ifp = ifp ?? own.ifp
    return
  }
  if (ifp === undefined) return
  const toward = (r.flags & RTF.GATEWAY) !== 0 ? r.gateway : r.dst
  const ifa = ifp.addrs.find((a) => (toward & a.mask) >>> 0 === a.net) ?? ifp.addrs[0]
  if (ifa === undefined) throw new SysError('ENETUNREACH', op)
  r.ifp = ifp
  r.ifa = ifa
}

function buildRoute(c: Caller, spec: RouteSpec, op: string): Route {
  const v = c.vnet
  const { dst, prefixLen } = spec
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) throw new SysError('EINVAL', op)
  let flags = RTF.UP | (spec.nostatic ? 0 : RTF.STATIC) | (prefixLen === 32 ? RTF.HOST : 0)
  if (spec.proto1) flags |= RTF.PROTO1
  if (spec.proto2) flags |= RTF.PROTO2
  if (spec.blackhole) flags |= RTF.BLACKHOLE
  if (spec.reject) flags |= RTF.REJECT
  // Kept on the nexthop and shown (rt_flags), nothing in this kernel acts on them, as in FreeBSD 14.
  if (spec.xresolve) flags |= RTF.XRESOLVE
  if (spec.sticky) flags |= RTF.STICKY
  // RTF_ANNOUNCE is RTF_PROTO2: `-proxy` marks the route for proxy ARP announcement.
  if (spec.proxy) flags |= RTF.PROTO2
  // RTV_MTU: a non-zero MTU is the administrator's (RTF_FIXEDMTU); 0 goes back to the interface's.
  if (spec.mtu !== undefined && spec.mtu !== 0) flags |= RTF.FIXEDMTU
  if (spec.expire !== undefined && (!Number.isFinite(spec.expire) || spec.expire < 0))
    throw new SysError('EINVAL', op)
  if (spec.mtu !== undefined && (!Number.isInteger(spec.mtu) || spec.mtu < 0 || spec.mtu > 65535))
    throw new SysError('EINVAL', op)
  let r: Route
  if (spec.ifName !== undefined) {
    const ifp = c.ifp(spec.ifName, op)
    r = new Route(dst, prefixLen, 0, ifp, ifp.addrs[0] ?? null, flags)
  } else if (spec.gateway !== undefined) {
    const gw = spec.gateway >>> 0
    const direct = v.rt(c.fib).lookup(gw)
    if (
      direct === null ||
      (direct.flags & RTF.GATEWAY) !== 0 ||
      (direct.flags & (RTF.REJECT | RTF.BLACKHOLE)) !== 0
    )
      throw new SysError('ENETUNREACH', op)
    // A gateway that is one of our own addresses makes an interface route (route add ... 127.0.0.1)
    // through the interface that owns the address (ifa_ifwithaddr), not via its lo0 host route.
    const own = v.localIfa(gw)
    if (own !== undefined) r = new Route(dst, prefixLen, 0, own.ifp, own, flags)
    else r = new Route(dst, prefixLen, gw, direct.ifp, direct.ifa, flags | RTF.GATEWAY)
  } else if (spec.blackhole || spec.reject) {
    const lo = v.ifnets.find((i) => i.type === 'loop')!
    r = new Route(dst, prefixLen, 0, lo, lo.addrs[0] ?? null, flags)
  } else throw new SysError('EINVAL', op, 'gateway required')
  pickIfa(c, r, spec, op)
  if (spec.prefsrc !== undefined) {
    // The route keeps its interface; only the source changes (nh_ifa), whose interface the
    // nexthop then names as its address interface (netstat -oW's Addrif).
    const own = v.localIfa(spec.prefsrc >>> 0)
    if (own === undefined) throw new SysError('EINVAL', op, 'prefsrc is not a local address')
    r.ifa = own
  }
  if (spec.mtu !== undefined) r.mtu = spec.mtu
  if (spec.weight !== undefined) {
    // RTV_WEIGHT: 1..RT_MAX_WEIGHT (16,777,215).
    if (!Number.isInteger(spec.weight) || spec.weight < 1 || spec.weight > 0xffffff)
      throw new SysError('EINVAL', op)
    r.weight = spec.weight
  }
  // RTV_EXPIRE: rmx_expire is a time_second; the host clock's epoch is its boot, so it is also the
  // uptime second (set_nhop_expire_from_info's conversion is the identity here).
  if (spec.expire !== undefined && spec.expire > 0) r.expire = Math.floor(spec.expire)
  return r
}

export function routeAdd(c: Caller, spec: RouteSpec): void {
  c.priv(Priv.NET_ROUTE, 'RTM_ADD')
  const r = buildRoute(c, spec, 'RTM_ADD')
  const t = c.vnet.rt(c.fib)
  // Our routing daemons (RTF_PROTO1 without RTF_STATIC) keep one path per prefix: they replace
  // their route with RTM_CHANGE on EEXIST, as zebra does, rather than growing a nexthop group.
  if (spec.proto1 === true && spec.nostatic === true && t.get(r.dst, r.prefixLen) !== undefined)
    throw new SysError('EEXIST', 'RTM_ADD')
  c.charge('memoryuse', MEM_COST.route, 'RTM_ADD', 'ENOBUFS')
  asCaller(c, t, () => t.add(r))
  tmproutesUpdate(c.vnet, t, r)
}

/** Run a table change on the caller's behalf: its listeners see the caller's pid as the origin. */
function asCaller(c: Caller, t: RouteTable, fn: () => void): void {
  t.origin = Math.max(0, c.pid)
  try {
    fn()
  } finally {
    t.origin = 0
  }
}

/**
 * A routing-socket listener (the netlink route group, which spans the FIBs): the changes to routes
 * the caller may see in any of the vnet's tables, from now on. Closing it stops the events.
 */
export function routeMonitor(c: Caller): RouteMonitorFd {
  const tables = [...c.vnet.rtables]
  const m = new RouteMonitor(
    (r) => c.visibleRoute(r),
    (x) => {
      for (const t of tables) t.unwatch(x)
    },
    () => c.host.clock.now(),
  )
  for (const t of tables) t.watch(m)
  return m
}

export function routeChange(c: Caller, spec: RouteSpec): void {
  c.priv(Priv.NET_ROUTE, 'RTM_CHANGE')
  const old = c.vnet.rt(c.fib).get(spec.dst, spec.prefixLen)
  if (old === undefined) throw new SysError('ESRCH', 'RTM_CHANGE')
  const r = buildRoute(c, spec, 'RTM_CHANGE')
  const t = c.vnet.rt(c.fib)
  old.gateway = r.gateway
  old.flags = r.flags
  old.mtu = r.mtu
  old.expire = r.expire
  // Re-binding re-links the nexthop from the fields just set (and regroups the prefix).
  asCaller(c, t, () => t.rebind(old, r.ifp, r.ifa))
  tmproutesUpdate(c.vnet, t, old)
}

export function routeDelete(c: Caller, dst: number, prefixLen: number, gateway?: number): void {
  c.priv(Priv.NET_ROUTE, 'RTM_DELETE')
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32)
    throw new SysError('EINVAL', 'RTM_DELETE')
  const t = c.vnet.rt(c.fib)
  const head = t.get(dst, prefixLen)
  if (head === undefined) throw new SysError('ESRCH', 'RTM_DELETE')
  // With a gateway, only that path of a multipath route goes; without one, the whole route.
  if (gateway !== undefined && (head.flags & RTF.GATEWAY) !== 0) {
    const p = t.pathVia(head, gateway >>> 0)
    if (p === undefined) throw new SysError('ESRCH', 'RTM_DELETE')
    asCaller(c, t, () => t.remove(p))
    return
  }
  asCaller(c, t, () => t.removePrefix(head))
}

export function routeGet(c: Caller, dst: number): RouteInfo & { ifAddr: number } {
  const r = c.vnet.rt(c.fib).lookup(dst >>> 0)
  if (r === null || !c.visibleRoute(r)) throw new SysError('ESRCH', 'RTM_GET')
  return { ...routeInfo(r, c.vnet.rt(c.fib)), ifAddr: sourceFor(r) }
}

export function sourceAddr(c: Caller, dst: number): number {
  if (c.vnet.rt(c.fib).lookup(dst >>> 0) === null) throw new SysError('ENETUNREACH', 'connect')
  return c.pcbLocalAddr(c.vnet, dst, 'connect')
}

export function routeFlush(c: Caller): RouteInfo[] {
  c.priv(Priv.NET_ROUTE, 'RTM_DELETE')
  const gone = c.vnet
    .rt(c.fib)
    .list()
    .filter((r) => (r.flags & RTF.GATEWAY) !== 0)
  const t = c.vnet.rt(c.fib)
  asCaller(c, t, () => {
    for (const r of gone) t.remove(r)
  })
  return gone.map((r) => routeInfo(r))
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/**
 * NET_RT_NHOP: the nexthops of the caller's FIB by index, each with what uses it. Its reference count
 * is FreeBSD's: one per route using it alone, one per group holding it, and one more while a route
 * uses it alone (the lookup algorithm's own reference); a jail sharing the stack sees only the
 * nexthops of the routes it may see.
 */
export function nhopList(c: Caller): NhopInfo[] {
  const t = c.vnet.rt(c.fib)
  const byIdx = new Map<number, { info: NhopInfo; single: number; groups: Set<number> }>()
  for (const r of t.list()) {
    if (r.nh === null || !c.visibleRoute(r)) continue
    let e = byIdx.get(r.nh.idx)
    if (e === undefined) {
      const gw = (r.flags & RTF.GATEWAY) !== 0
      const { ifa, aifp } = nhopIfa(r)
      const addrIf = aifp !== r.ifp.index ? (c.vnet.ifnets.find((i) => i.index === aifp)?.name ?? '') : ''
      const info: NhopInfo = {
        idx: r.nh.idx,
        type: gw ? 'v4/gw' : 'v4/resolve',
        ifa,
        gateway: gw ? r.gateway : 0,
        gatewayIsAddr: gw,
        flags: r.flags & ~RTF.UP,
        use: 0,
        mtu: r.mtu !== 0 ? r.mtu : r.ifp.mtu,
        ifName: r.ifp.name,
        addrIfName: addrIf,
        refcnt: 0,
      }
      e = { info, single: 0, groups: new Set() }
      byIdx.set(r.nh.idx, e)
    }
    e.info.use += r.use
    const g = headOf(t, r)?.nhg
    if (g !== null && g !== undefined) e.groups.add(g.idx)
    else e.single++
  }
  return [...byIdx.values()]
    .map((e) => ({ ...e.info, refcnt: e.single + e.groups.size + (e.single > 0 ? 1 : 0) }))
    .sort((a, b) => a.idx - b.idx)
}

/**
 * NET_RT_NHGRP: the nexthop groups of the caller's FIB by index. A path's slots in the dataplane
 * array are its weight over the weights' common divisor; the group's reference count is one per
 * prefix using it and one for the lookup algorithm.
 */
export function nhgrpList(c: Caller): NhgrpInfo[] {
  const t = c.vnet.rt(c.fib)
  const byIdx = new Map<number, NhgrpInfo>()
  for (const head of t.list()) {
    const g = head.nhg
    if (g === null || !c.visibleRoute(head)) continue
    const known = byIdx.get(g.idx)
    if (known !== undefined) {
      known.refcnt++
      continue
    }
    const paths: Route[] = []
    for (let p: Route | null = head; p !== null; p = p.mpNext) paths.push(p)
    const d = paths.reduce((a, p) => gcd(a, p.weight), 0) || 1
    const members = paths
      .map((p) => ({
        nhIdx: p.nh?.idx ?? 0,
        weight: p.weight,
        slots: p.weight / d,
        gateway: (p.flags & RTF.GATEWAY) !== 0 ? formatIpv4(p.gateway) : `${p.ifp.name}/resolve`,
        ifName: p.ifp.name,
      }))
      .sort((a, b) => a.nhIdx - b.nhIdx)
    byIdx.set(g.idx, { idx: g.idx, refcnt: 2, members })
  }
  return [...byIdx.values()].sort((a, b) => a.idx - b.idx)
}

/** Our own addresses, which FreeBSD lists as permanent entries (in_lltable's local entries). */
function arpOwn(c: Caller): ArpInfo[] {
  return c.vnet.ifnets
    .filter((i) => i.type === 'ether')
    .flatMap((i) =>
      i.addrs.map((a) => ({
        addr: a.addr,
        mac: i.mac,
        ifName: i.name,
        permanent: true,
        published: false,
        expiresIn: -1,
      })),
    )
}

/** The ARP dump (in_lltable_dump_entry): in a jail sharing the stack, only its own addresses. */
export function arpList(c: Caller): ArpInfo[] {
  return [...lltableDump(c.vnet).map(arpInfo), ...arpOwn(c)]
    .filter((e) => c.visibleAddr(e.addr))
    .sort((a, b) => a.addr - b.addr)
}

export function arpGet(c: Caller, addr: number): ArpInfo {
  if (!c.visibleAddr(addr)) throw new SysError('ENOENT', 'RTM_GET')
  const own = arpOwn(c).find((e) => e.addr === addr >>> 0)
  return own ?? arpInfo(llaLookup(c.vnet, addr >>> 0))
}

export function arpSet(
  c: Caller,
  addr: number,
  mac: number,
  opts: { temp?: boolean; pub?: boolean } = {},
): void {
  c.priv(Priv.NET_ROUTE, 'RTM_ADD')
  if (!Number.isInteger(mac) || mac < 0 || mac > 0xffffffffffff) throw new SysError('EINVAL', 'RTM_ADD')
  llaAdd(c.vnet, addr >>> 0, mac, opts.temp ?? false, opts.pub ?? false)
}

export function arpDelete(c: Caller, addr: number): void {
  c.priv(Priv.NET_ROUTE, 'RTM_DELETE')
  llaDelete(c.vnet, addr >>> 0)
}

export function arpFlush(c: Caller): number {
  c.priv(Priv.NET_ROUTE, 'RTM_DELETE')
  return lltableFlush(c.vnet)
}
