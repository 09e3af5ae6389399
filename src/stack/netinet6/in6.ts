/**
 * Adding and removing inet6 addresses (FreeBSD's in6_update_ifa / in6_purgeaddr, SIOCAIFADDR_IN6 and
 * SIOCDIFADDR_IN6): the per-interface list, the vnet's local-address table, the connected routes
 * (the address itself through lo0, its prefix through the interface) and DAD for new addresses.
 * Control plane: validates before changing anything and throws SysError.
 */

import { SysError } from '../../util/errno.js'
import {
  type In6Addr,
  in6Eq,
  in6IsLinkLocal,
  in6IsLoopback,
  in6IsMulticast,
  in6IsUnspecified,
  in6IsV4Mapped,
  in6PrefixEq,
  in6SolicitedNode,
} from '../../wire/inet6/in6_addr.js'
import { IFF, type Ifnet } from '../net/ifnet.js'
import { RTF } from '../net/route/route.js'
import type { Vnet } from '../net/vnet.js'
import { type Rib6, Route6 } from './in6_fib/in6_rtable.js'
import { IN6_IFF, In6Ifaddr, ND6_IFF } from './in6_var.js'
import { in6if, ip6, rib6 } from './ip6/ip6.js'
import { mldDetach, mldJoin, mldLeave } from './mld6/mld6.js'
import { nd6DadStart, nd6DadStop } from './nd6/nd6_nbr.js'

/** The address addr of ifp, if configured there. */
export function in6Find(ifp: Ifnet, addr: Uint8Array): In6Ifaddr | undefined {
  const ii = ifp.inet6 as { addrs: In6Ifaddr[] } | null
  return ii?.addrs.find((a) => in6Eq(a.addr, 0, addr, 0))
}

/**
 * in6_localaddr: whether addr is "on a local network": the loopback address, a link-local address,
 * or inside the prefix of any of the vnet's inet6 addresses (not only one of them).
 */
export function in6Localaddr(v: Vnet, addr: Uint8Array): boolean {
  if (in6IsLoopback(addr) || in6IsLinkLocal(addr)) return true
  for (const ifp of v.ifnets) {
    const ii = ifp.inet6 as { addrs: In6Ifaddr[] } | null
    if (ii === null) continue
    for (const ia of ii.addrs) if (in6PrefixEq(addr, 0, ia.addr, 0, ia.prefixLen)) return true
  }
  return false
}

/** The routes an address brings: itself through lo0 and its prefix through its interface. */
export function connectedRoutes(ia: In6Ifaddr): void {
  const v = ia.ifp.vnet
  // net.add_addr_allfibs=0: only the interface's FIB gets them.
  if (v.addAddrAllFibs === 0) connectedRoutesIn(rib6(v, ia.ifp.fib < v.numFibs ? ia.ifp.fib : 0), ia)
  else for (let f = 0; f < v.numFibs; f++) connectedRoutesIn(rib6(v, f), ia)
}

/**
 * carp_ifa_delroute for an inet6 address: its loopback route goes while the vhid is BACKUP, so the
 * host reaches the address through the link (the master) like everyone else; the prefix stays.
 */
export function in6DelLoopbackRoute(ia: In6Ifaddr): void {
  const v = ia.ifp.vnet
  for (let f = 0; f < v.numFibs; f++) {
    const rib = rib6(v, f)
    const r = rib.get(ia.key, 128)
    if (r !== undefined && r.ifa === ia && r.ifp !== ia.ifp) rib.remove(r)
  }
}

function connectedRoutesIn(rib: Rib6, ia: In6Ifaddr): void {
  const ifp = ia.ifp
  const v = ifp.vnet
  const lo = v.loopback ?? ifp
  // The address itself through the loopback (`UHS lo0`, what netstat shows for ::1 too); a carp
  // address has it only while its vhid is MASTER (carp_ifa_addroute's ifa_add_loopback_route).
  if (rib.get(ia.key, 128) === undefined && (ia.carp === null || ia.carp.isMaster))
    rib.add(new Route6(ia.key, 128, null, ifp.type === 'loop' ? ifp : lo, ia, RTF.UP | RTF.HOST | RTF.STATIC))
  if (ia.prefixLen < 128 && rib.get(ia.prefix, ia.prefixLen) === undefined)
    rib.add(new Route6(ia.prefix, ia.prefixLen, null, ifp, ia, RTF.UP))
  // A point-to-point peer: a host route to it through the interface (in6_update_ifa's RTF_HOST).
  const dst = ia.dstaddr
  if (dst !== null && rib.get(dst, 128) === undefined)
    rib.add(new Route6(dst, 128, null, ifp, ia, RTF.UP | RTF.HOST))
}

/**
 * Configure addr/prefixLen on ifp (in6_update_ifa): a new address starts tentative and runs DAD
 * after `dadDelayMs` unless DAD is off; an existing one gets the new prefix length. `attach` is
 * carp_attach for an address with a vhid.
 */
export function in6AddAddr(
  ifp: Ifnet,
  addr: In6Addr,
  prefixLen: number,
  flags = 0,
  dadDelayMs = 0,
  dstaddr: In6Addr | null = null,
  attach?: (ia: In6Ifaddr) => void,
): In6Ifaddr {
  // A destination needs a point-to-point interface and a /128 address (in6_update_ifa).
  if (dstaddr !== null && ((ifp.flags & IFF.POINTOPOINT) === 0 || prefixLen !== 128))
    throw new SysError('EINVAL', 'SIOCAIFADDR_IN6')
  if (
    !Number.isInteger(prefixLen) ||
    prefixLen < 0 ||
    prefixLen > 128 ||
    in6IsUnspecified(addr, 0) ||
    in6IsMulticast(addr, 0) ||
    in6IsV4Mapped(addr, 0) ||
    (in6IsLoopback(addr, 0) && ifp.type !== 'loop')
  )
    throw new SysError('EINVAL', 'SIOCAIFADDR_IN6')
  const v = ifp.vnet
  const s = ip6(v)
  if (!s.rib.hasRoom(2)) throw new SysError('ENOBUFS', 'SIOCAIFADDR_IN6')
  const ii = in6if(ifp)
  const old = in6Find(ifp, addr)
  if (old !== undefined) in6DelAddr(ifp, addr)
  // DAD runs on links that have neighbours; a loopback address is ours at once (in6_ifattach).
  // in6if_do_dad: none while IPv6 is disabled, so the address that enables it is usable at once.
  // A carp address (`attach`) is shared by the vhid's routers: no DAD, which would find the others.
  const dad =
    attach === undefined &&
    ifp.type === 'ether' &&
    (flags & (IN6_IFF.NODAD | IN6_IFF.ANYCAST)) === 0 &&
    s.dadCount > 0 &&
    (ii.ndFlags & ND6_IFF.IFDISABLED) === 0
  const ia = new In6Ifaddr(
    ifp,
    addr.slice(0, 16),
    prefixLen,
    (flags & ~IN6_IFF.NODAD) | (dad ? IN6_IFF.TENTATIVE : 0),
  )
  if (dstaddr !== null) ia.dstaddr = dstaddr.slice(0, 16)
  const newGroup = !ii.addrs.some((a) => sameSolicitedNode(a.addr, ia.addr))
  ii.addrs = [...ii.addrs, ia]
  s.localInsert(ia)
  attach?.(ia)
  connectedRoutes(ia)
  // RFC 3810 §6.1: listening to a new solicited-node group is a state change to report.
  if (newGroup) mldJoin(ifp, solicitedNode(ia.addr))
  if (dad) nd6DadStart(ia, dadDelayMs)
  return ia
}

/**
 * SIOCAIFADDR_IN6 on an address ifp already has (in6_update_ifa_internal with hostIsNew 0): the
 * flags the caller gives replace the configurable ones; DAD's own state stays as it is.
 */
export function in6UpdateAddr(ia: In6Ifaddr, flags: number): In6Ifaddr {
  const keep = IN6_IFF.TENTATIVE | IN6_IFF.DUPLICATED | IN6_IFF.DEPRECATED | IN6_IFF.TEMPORARY
  ia.flags = (ia.flags & keep) | (flags & ~keep & ~IN6_IFF.NODAD)
  return ia
}

/** Remove addr from ifp (in6_purgeaddr); another address on the same prefix takes its route over. */
export function in6DelAddr(ifp: Ifnet, addr: Uint8Array): void {
  const ia = in6Find(ifp, addr)
  if (ia === undefined) throw new SysError('EADDRNOTAVAIL', 'SIOCDIFADDR_IN6')
  const v = ifp.vnet
  const s = ip6(v)
  const ii = in6if(ifp)
  nd6DadStop(ia)
  ia.carp?.detachAddr(ia)
  ia.ltTimer?.cancel()
  const purge = ia.onPurge
  ia.onPurge = null
  ii.addrs = ii.addrs.filter((a) => a !== ia)
  s.localRemove(ia)
  for (const r of s.ribs.flatMap((t) => t.removeIfa(ia))) {
    // Another address keeps the prefix (or the host route of an address configured twice).
    const heir = v.ifnets
      .flatMap((i) => (i.inet6 as { addrs: In6Ifaddr[] } | null)?.addrs ?? [])
      .find((a) =>
        r.prefixLen === 128
          ? in6Eq(a.key, 0, r.dst, 0)
          : a.prefixLen === r.prefixLen && in6Eq(a.prefix, 0, r.dst, 0),
      )
    if (heir !== undefined) connectedRoutes(heir)
  }
  if (!ii.addrs.some((a) => sameSolicitedNode(a.addr, ia.addr))) mldLeave(ifp, solicitedNode(ia.addr))
  if (purge !== null) purge(ia)
}

function sameSolicitedNode(a: Uint8Array, b: Uint8Array): boolean {
  return a[13] === b[13] && a[14] === b[14] && a[15] === b[15]
}

function solicitedNode(a: Uint8Array): Uint8Array {
  const g = new Uint8Array(16)
  in6SolicitedNode(g, 0, a, 0)
  return g
}

/** Forget every inet6 address of ifp (interface leaving its vnet). */
export function in6IfPurge(ifp: Ifnet): void {
  const ii = ifp.inet6 as { addrs: In6Ifaddr[] } | null
  if (ii === null) return
  for (const a of [...ii.addrs]) in6DelAddr(ifp, a.addr)
  mldDetach(ifp)
  for (const t of ip6(ifp.vnet).ribs) t.removeIf(ifp)
}

/** Whether ifp already has a link-local address. */
export function in6HasLinkLocal(ifp: Ifnet): boolean {
  const ii = ifp.inet6 as { addrs: In6Ifaddr[] } | null
  return ii?.addrs.some((a) => in6IsLinkLocal(a.addr, 0)) ?? false
}
