/**
 * The IPv6 calls behind KernelApi.inet6 (FreeBSD's in6_control, nd6_ioctl, rtsock for AF_INET6,
 * raw_ip6): addresses, ND interface options, the inet6 FIB, the neighbor cache and raw ICMPv6
 * sockets, each checking privilege and arguments before changing anything.
 *
 * Must not: look outside the caller's vnet. A jail sharing its parent's stack may change nothing
 * and sees only what its ip6.addr covers (prison_if, can_export_rte).
 */

import type { Prison } from '../../jail/prison.js'
import { Priv } from '../../jail/priv.js'
import { MEM_COST } from '../../jail/racct.js'
import { IFF, ifSetUp } from '../../stack/net/ifnet.js'
import { RTF } from '../../stack/net/route/route.js'
import type { Vnet } from '../../stack/net/vnet.js'
import { icmp6Stats } from '../../stack/netinet6/icmp6.js'
import { in6AddAddr, in6DelAddr, in6Find, in6UpdateAddr } from '../../stack/netinet6/in6.js'
import { Route6 } from '../../stack/netinet6/in6_fib/in6_rtable.js'
import { in6IfUp, nd6SetIfFlags } from '../../stack/netinet6/in6_ifattach.js'
import {
  type Jail6,
  prisonAllowsIp6,
  prisonCheckIp6,
  prisonRemoteIp6,
  prisonSaddrIp6,
} from '../../stack/netinet6/in6_jail.js'
import { in6SelectSrc } from '../../stack/netinet6/in6_src.js'
import { IN6_IFF, type In6Ifinfo, in6Key, in6NeedsZone, ND6_IFF } from '../../stack/netinet6/in6_var.js'
import { in6if, ip6, rib6 } from '../../stack/netinet6/ip6/ip6.js'
import { ip6Output } from '../../stack/netinet6/ip6/ip6_output.js'
import { mrouter6Get, mrouter6Set, mrouter6SocketClosed } from '../../stack/netinet6/ip6_mroute/ip6_mroute.js'
import { isMrt6Option, MRT6_PIM } from '../../stack/netinet6/ip6_mroute/ip6_mroute_var.js'
import { getMoption6, Ip6Moptions, isMoption6, setMoption6 } from '../../stack/netinet6/mld6/in6_mcast.js'
import { mldGroups, mldVersion } from '../../stack/netinet6/mld6/mld6.js'
import { in6TmproutesUpdate } from '../../stack/netinet6/nd6/icmp6_redirect.js'
import {
  nd6,
  nd6Entries,
  nd6ExpiresIn,
  nd6Free,
  nd6Lookup,
  nd6SetStatic,
} from '../../stack/netinet6/nd6/nd6.js'
import {
  nd6PrefixAddrRemoved,
  nd6PrefixForAddr,
  nd6SetAddrLifetimes,
} from '../../stack/netinet6/nd6/nd6_prefix.js'
import { nd6PrefixFlush, nd6RtrFlush } from '../../stack/netinet6/nd6/nd6_rtr.js'
import { nd6rtrIfAny } from '../../stack/netinet6/nd6/nd6_rtr_var.js'
import { rip6Close, rip6Open, rip6Stats } from '../../stack/netinet6/raw_ip6.js'
import { SEC } from '../../util/clock.js'
import { SysError } from '../../util/errno.js'
import { in6IsLinkLocal, in6IsMulticast, in6IsUnspecified, parseIpv6 } from '../../wire/inet6/in6_addr.js'
import { Ip6Nxt } from '../../wire/inet6/ipv6.js'
import { ND6_INFINITE_LIFETIME } from '../../wire/inet6/nd_router.js'
import type { Caller } from '../kern/caller.js'
import type {
  In6AddrInfo,
  Inet6Syscalls,
  NdpInfo,
  Proto6Name,
  Raw6Socket,
  Route6Info,
  Route6Spec,
  Send6Options,
} from '../sys/inet6.js'
import type { IfInfo } from '../syscalls.js'
import { carpAttacher } from './carp_api.js'

/** IfInfo's inet6 fields for ifconfig. */
export function ifInfo6(
  c: Caller,
  ifp: import('../../stack/net/ifnet.js').Ifnet,
): Pick<IfInfo, 'inet6' | 'nd6Flags' | 'nd6Info'> {
  const ii = ifp.inet6 as In6Ifinfo | null
  // prison_if: a jail sharing its parent's stack sees only its own addresses (all of them under
  // ip6=inherit from an unrestricted parent, none with IPv6 disabled).
  const jail = jailOf(c)
  return {
    inet6:
      ii === null
        ? []
        : ii.addrs
            .filter((a) => prisonCheckIp6(jail, a.addr) && (jail === null || prisonAllowsIp6(jail)))
            .map((a) => {
              const info: In6AddrInfo = {
                addr: a.addr.slice(),
                prefixLen: a.prefixLen,
                flags: a.flags,
                scopeId: in6NeedsZone(a.addr, 0) ? ifp.index : 0,
              }
              if (a.dstaddr !== null) info.dst = a.dstaddr.slice()
              if (a.carp !== null) info.vhid = a.carp.vhid
              if (a.plExpire !== 0 || a.vlExpire !== 0) {
                const now = ifp.vnet.env.clock.now()
                const left = (t: number): number | null =>
                  t === 0 ? null : Math.max(0, Math.floor((t - now) / SEC))
                info.lifetimes = { pltime: left(a.plExpire), vltime: left(a.vlExpire) }
              }
              return info
            }),
    nd6Flags: in6if(ifp).ndFlags,
    nd6Info: {
      linkMtu: in6if(ifp).linkMtu,
      curHlim: in6if(ifp).curHlim,
      baseReachable: in6if(ifp).baseReachable,
      reachable: in6if(ifp).reachable,
      retrans: in6if(ifp).retrans,
    },
  }
}

function ownStack(c: Caller, op: string): Vnet {
  if (!c.cred.prison.ownsVnet) throw new SysError('EPERM', op)
  return c.vnet
}

/** The key (zone embedded) of a possibly scoped address; a scoped one needs its zone. */
function keyOf(v: Vnet, a: Uint8Array, scopeId: number, op: string): Uint8Array {
  const k = new Uint8Array(16)
  if (in6NeedsZone(a, 0) && (scopeId === 0 || v.ifByIndex(scopeId) === undefined))
    throw new SysError('EINVAL', op)
  in6Key(k, a, 0, scopeId)
  return k
}

function routeInfo(r: Route6, now: number): Route6Info {
  const dst = r.dst.slice()
  let scopeId = 0
  if (in6NeedsZone(dst, 0)) {
    scopeId = (dst[2]! << 8) | dst[3]!
    dst[2] = 0
    dst[3] = 0
  }
  const gw = (r.flags & RTF.GATEWAY) !== 0 && r.gateway !== null ? r.gateway.slice() : null
  if (gw !== null && in6IsLinkLocal(gw, 0)) scopeId = r.ifp.index
  return {
    dst,
    prefixLen: r.prefixLen,
    gateway: gw,
    scopeId,
    gatewayIfIndex: gw !== null ? 0 : (r.ifa?.ifp ?? r.ifp).index,
    ifName: r.ifp.name,
    flags: r.flags,
    mtu: r.mtu !== 0 ? r.mtu : r.ifp.mtu,
    use: r.use,
    // NL_RTA_EXPIRES: nh_expire - time_uptime, both whole seconds.
    expire: r.expire > 0 ? Math.max(0, Math.floor(r.expire / SEC) - Math.floor(now / SEC)) : 0,
  }
}

function buildRoute(c: Caller, v: Vnet, spec: Route6Spec, op: string): Route6 {
  const { prefixLen } = spec
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 128 || spec.dst.length !== 16)
    throw new SysError('EINVAL', op)
  let flags = RTF.UP | (spec.nostatic ? 0 : RTF.STATIC) | (prefixLen === 128 ? RTF.HOST : 0)
  if (spec.proto1) flags |= RTF.PROTO1
  if (spec.blackhole) flags |= RTF.BLACKHOLE
  if (spec.reject) flags |= RTF.REJECT
  if (spec.xresolve) flags |= RTF.XRESOLVE
  if (spec.sticky) flags |= RTF.STICKY
  if (spec.proxy) flags |= RTF.PROTO2
  if (spec.mtu !== undefined && (!Number.isInteger(spec.mtu) || spec.mtu < 0 || spec.mtu > 65535))
    throw new SysError('EINVAL', op)
  if (spec.mtu !== undefined && spec.mtu !== 0) flags |= RTF.FIXEDMTU
  if (
    spec.weight !== undefined &&
    (!Number.isInteger(spec.weight) || spec.weight < 1 || spec.weight > 0xffffff)
  )
    throw new SysError('EINVAL', op)
  if (spec.expire !== undefined && (!Number.isFinite(spec.expire) || spec.expire < 0))
    throw new SysError('EINVAL', op)
  const r = newRoute(c, v, spec, op, flags)
  if (spec.mtu !== undefined) r.mtu = spec.mtu
  if (spec.weight !== undefined) r.weight = spec.weight
  // rmx_expire is a time_second; the host clock's epoch is its boot, so it is the uptime second too.
  if (spec.expire !== undefined && spec.expire > 0) r.expire = Math.floor(spec.expire) * SEC
  return r
}

function newRoute(c: Caller, v: Vnet, spec: Route6Spec, op: string, flags: number): Route6 {
  const { prefixLen } = spec
  const scope = spec.scopeId ?? 0
  if (spec.ifName !== undefined) {
    const ifp = c.ifp(spec.ifName, op)
    const dst = keyOf(v, spec.dst, in6NeedsZone(spec.dst, 0) ? ifp.index : 0, op)
    return new Route6(dst, prefixLen, null, ifp, (ifp.inet6 as In6Ifinfo | null)?.addrs[0] ?? null, flags)
  }
  const dst = keyOf(v, spec.dst, scope, op)
  if (spec.gateway !== undefined) {
    const gw = spec.gateway
    if (gw.length !== 16 || in6IsMulticast(gw, 0) || in6IsUnspecified(gw, 0)) throw new SysError('EINVAL', op)
    const gk = keyOf(v, gw, scope, op)
    const direct = rib6(v, c.fib).lookup(gk)
    if (direct === null || (direct.flags & (RTF.GATEWAY | RTF.REJECT | RTF.BLACKHOLE)) !== 0)
      throw new SysError('ENETUNREACH', op)
    // A link-local gateway names its link; a global one reaches us through its connected route.
    const ifp = in6IsLinkLocal(gw, 0) ? v.ifByIndex(scope)! : direct.ifp
    return new Route6(dst, prefixLen, gw.slice(), ifp, direct.ifa, flags | RTF.GATEWAY)
  }
  if (spec.blackhole || spec.reject) {
    const lo = v.loopback
    if (lo === null) throw new SysError('ENETUNREACH', op)
    return new Route6(dst, prefixLen, null, lo, null, flags)
  }
  throw new SysError('EINVAL', op, 'gateway required')
}

export function inet6Api(c: Caller): Inet6Syscalls {
  return {
    addAddr: (ifName, addr, prefixLen, opts = {}) => {
      c.priv(Priv.NET_ADDIFADDR, 'SIOCAIFADDR_IN6')
      const v = ownStack(c, 'SIOCAIFADDR_IN6')
      const ifp = c.ifp(ifName, 'SIOCAIFADDR_IN6')
      if (addr.length !== 16) throw new SysError('EINVAL', 'SIOCAIFADDR_IN6')
      // in6_validate_ifa: an existing address keeps its prefix length; changing it is EINVAL
      // (`ifconfig IF inet6 A/128` then `inet6 A/127 alias`), re-adding it with the same is an update.
      const old = in6Find(ifp, addr)
      if (old !== undefined && old.prefixLen !== prefixLen) throw new SysError('EINVAL', 'SIOCAIFADDR_IN6')
      // ifra_vhid: a carp address is added anew, bound to its vhid (carp_attach).
      const attach = carpAttacher(c, ifp, opts.vhid, 'SIOCAIFADDR_IN6')
      // A link-local address with another interface's zone is refused (in6_update_ifa's scope check).
      c.charge('memoryuse', MEM_COST.ifaddr + MEM_COST.route, 'SIOCAIFADDR_IN6', 'ENOBUFS')
      // Assigning an address brings an Ethernet interface up (ether_ioctl), which attaches IPv6 first.
      if (ifp.type === 'ether' && !ifp.up) {
        ifp.flags |= IFF.UP | IFF.RUNNING
        in6IfUp(ifp)
      }
      // So does it a gif or gre tunnel (gif_ioctl, gre_ioctl: SIOCSIFADDR sets IFF_UP).
      // geneve_ioctl too.
      if ((ifp.family === 'gif' || ifp.family === 'gre' || ifp.family === 'geneve') && !ifp.up)
        ifSetUp(ifp, true)
      if (opts.dst !== undefined && opts.dst.length !== 16) throw new SysError('EINVAL', 'SIOCAIFADDR_IN6')
      const vl = opts.vltime ?? ND6_INFINITE_LIFETIME
      const pl = opts.deprecated === true ? 0 : (opts.pltime ?? ND6_INFINITE_LIFETIME)
      // in6_validate_ifra: a preferred lifetime past the valid one is refused; a valid lifetime of
      // 0 on a new address does nothing.
      if (pl > vl && opts.deprecated !== true) throw new SysError('EINVAL', 'SIOCAIFADDR_IN6')
      if (vl === 0 && old === undefined) return
      const flags =
        (opts.anycast ? IN6_IFF.ANYCAST : 0) |
        (opts.autoconf ? IN6_IFF.AUTOCONF : 0) |
        (opts.preferSource ? IN6_IFF.PREFER_SOURCE : 0)
      // An existing address is updated in place (in6_update_ifa with hostIsNew 0): no new DAD.
      const ia =
        old !== undefined && attach === undefined && (opts.dst === undefined || old.dstaddr !== null)
          ? in6UpdateAddr(old, flags)
          : in6AddAddr(ifp, addr, prefixLen, flags, 0, opts.dst ?? null, attach)
      if (
        vl !== ND6_INFINITE_LIFETIME ||
        pl !== ND6_INFINITE_LIFETIME ||
        ia.plExpire !== 0 ||
        ia.vlExpire !== 0
      )
        nd6SetAddrLifetimes(ia, vl, Math.min(pl, vl))
      nd6PrefixForAddr(ia)
      // in6_control: a new address on an IPv6-disabled interface enables IPv6 there (it was added
      // without DAD, in6if_do_dad); the link-local follows if the interface is up. Refused while
      // a link-local is duplicated, which the caller is not told (FreeBSD only logs it).
      const ii = in6if(ifp)
      if ((ii.ndFlags & ND6_IFF.IFDISABLED) !== 0) nd6SetIfFlags(ifp, ii.ndFlags & ~ND6_IFF.IFDISABLED)
      void v
    },
    delAddr: (ifName, addr) => {
      c.priv(Priv.NET_DELIFADDR, 'SIOCDIFADDR_IN6')
      ownStack(c, 'SIOCDIFADDR_IN6')
      const ifp = c.ifp(ifName, 'SIOCDIFADDR_IN6')
      const pr = in6Find(ifp, addr)?.ndpr ?? null
      in6DelAddr(ifp, addr)
      nd6PrefixAddrRemoved(pr)
    },
    mcastGroups: (ifName) => {
      const ifp = c.ifp(ifName, 'getifmaddrs')
      if (ifp.inet6 === null || ifp.type !== 'ether') return []
      // ff01::1 and ff02::1 are joined on every IPv6 interface (in6_ifattach_linklocal); MLD
      // never reports them, so they are not among mldGroups.
      const all = ['ff01::1', 'ff02::1'].map((g) => parseIpv6(g)!)
      return [...mldGroups(ifp), ...all]
    },
    mldVersion: (ifName) => mldVersion(c.ifp(ifName, 'net.inet6.mld.ifinfo')),
    setNdFlags: (ifName, set, clear) => {
      c.priv(Priv.NET_SETIFFLAGS, 'SIOCSIFINFO_IN6')
      ownStack(c, 'SIOCSIFINFO_IN6')
      const ifp = c.ifp(ifName, 'SIOCSIFINFO_IN6')
      const ii = in6if(ifp)
      nd6SetIfFlags(ifp, (ii.ndFlags | set) & ~clear)
    },
    routeList: () => {
      const jail = jailOf(c)
      // In the radix tree's order: by key (zone embedded), a shorter prefix before a longer one.
      const order = (a: Route6, b: Route6): number => {
        for (let i = 0; i < 16; i++) if (a.dst[i] !== b.dst[i]) return a.dst[i]! - b.dst[i]!
        return a.prefixLen - b.prefixLen
      }
      return rib6(c.vnet, c.fib)
        .list()
        .filter((r) => canExportRte6(jail, r))
        .sort(order)
        .map((r) => routeInfo(r, c.host.clock.now()))
    },
    routeAdd: (spec) => {
      c.priv(Priv.NET_ROUTE, 'RTM_ADD')
      const v = ownStack(c, 'RTM_ADD')
      const r = buildRoute(c, v, spec, 'RTM_ADD')
      c.charge('memoryuse', MEM_COST.route, 'RTM_ADD', 'ENOBUFS')
      // net.route.multipath: a second gateway joins the prefix's route as another path.
      rib6(v, c.fib).add(r, v.routes.multipath !== 0)
      if (r.expire > 0) in6TmproutesUpdate(v)
    },
    routeChange: (spec) => {
      c.priv(Priv.NET_ROUTE, 'RTM_CHANGE')
      const v = ownStack(c, 'RTM_CHANGE')
      const rib = rib6(v, c.fib)
      // Built first, so a bad gateway leaves the old route as it was.
      const r = buildRoute(c, v, spec, 'RTM_CHANGE')
      const head = rib.get(r.dst, r.prefixLen)
      if (head === undefined) throw new SysError('ESRCH', 'RTM_CHANGE')
      for (let p = head.mpNext; p !== null; p = head.mpNext) rib.remove(p)
      rib.remove(head)
      rib.add(r, false)
      if (r.expire > 0) in6TmproutesUpdate(v)
    },
    routeDelete: (dst, prefixLen, scopeId = 0, gateway) => {
      c.priv(Priv.NET_ROUTE, 'RTM_DELETE')
      const v = ownStack(c, 'RTM_DELETE')
      if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 128)
        throw new SysError('EINVAL', 'RTM_DELETE')
      const rib = rib6(v, c.fib)
      const head = rib.get(keyOf(v, dst, scopeId, 'RTM_DELETE'), prefixLen)
      if (head === undefined) throw new SysError('ESRCH', 'RTM_DELETE')
      if (gateway === undefined || head.mpNext === null) {
        // The whole route, every path of it (as rib_del_route without a gateway).
        for (let p = head.mpNext; p !== null; p = head.mpNext) rib.remove(p)
        rib.remove(head)
        return
      }
      const path = rib.pathVia(head, gateway)
      if (path === undefined) throw new SysError('ESRCH', 'RTM_DELETE')
      rib.remove(path)
    },
    routeGet: (dst, scopeId = 0) => {
      const jail = jailOf(c)
      const v = c.vnet
      const r = rib6(v, c.fib).lookup(keyOf(v, dst, scopeId, 'RTM_GET'))
      if (r === null || !canExportRte6(jail, r)) throw new SysError('ESRCH', 'RTM_GET')
      const src = in6SelectSrc(dst, 0, r.ifp, v.ifnets, jail)
      return { ...routeInfo(r, c.host.clock.now()), ifAddr: src === null ? null : src.addr.slice() }
    },
    ndpList: () => {
      // lltable_sysctl_dump's prison_if: a jail sharing the stack sees entries of its own addresses.
      const jail = jailOf(c)
      const out: NdpInfo[] = []
      for (const ifp of c.vnet.ifnets)
        for (const e of nd6Entries(ifp)) {
          if (jail !== null && (!prisonAllowsIp6(jail) || !prisonCheckIp6(jail, e.addr))) continue
          out.push({
            addr: e.addr.slice(),
            scopeId: in6NeedsZone(e.addr, 0) ? ifp.index : 0,
            mac: e.mac >= 0 ? e.mac : null,
            ifName: ifp.name,
            state: e.state,
            isRouter: e.isRouter,
            permanent: e.permanent,
            proxy: e.proxy,
            expiresIn: nd6ExpiresIn(e),
          })
        }
      return out
    },
    ndpSet: (addr, scopeId, mac, proxy = false) => {
      c.priv(Priv.NET_ROUTE, 'RTM_ADD')
      const v = ownStack(c, 'RTM_ADD')
      const r = ip6(v).rib.lookup(keyOf(v, addr, scopeId, 'RTM_ADD'))
      // The neighbour must be on a connected prefix (nd6_is_addr_neighbor).
      if (r === null || (r.flags & RTF.GATEWAY) !== 0 || r.ifp.type !== 'ether')
        throw new SysError('EINVAL', 'RTM_ADD')
      nd6SetStatic(r.ifp, addr, mac, proxy)
    },
    ndpDelete: (addr, scopeId) => {
      c.priv(Priv.NET_ROUTE, 'RTM_DELETE')
      const v = ownStack(c, 'RTM_DELETE')
      for (const ifp of v.ifnets) {
        if (scopeId !== 0 && ifp.index !== scopeId) continue
        const e = nd6Lookup(ifp, addr, 0)
        if (e !== null) {
          nd6Free(e)
          return
        }
        // lltable_delete_addr: an interface address's own entry (LLE_IFADDR) is not the caller's.
        if (in6Find(ifp, addr) !== undefined) throw new SysError('EPERM', 'RTM_DELETE')
      }
      throw new SysError('ENOENT', 'RTM_DELETE')
    },
    defrouterList: () => {
      if (!c.cred.prison.ownsVnet) return []
      const st = nd6rtrIfAny(c.vnet)
      const now = c.host.clock.now()
      return (st?.defrouters ?? []).map((d) => ({
        addr: d.addr.slice(),
        ifName: d.ifp.name,
        ifIndex: d.ifp.index,
        flags: d.raflags,
        rtlifetime: d.rtlifetime,
        expiresIn: Math.max(0, Math.floor((d.expire - now) / SEC)),
        installed: d.installed,
      }))
    },
    prefixList: () => {
      if (!c.cred.prison.ownsVnet) return []
      const st = nd6rtrIfAny(c.vnet)
      const now = c.host.clock.now()
      return (st?.prefixes ?? []).map((p) => ({
        // The zone travels as the scope id, not inside the address (sa6_recoverscope).
        prefix: Uint8Array.from(p.prefix, (b, i) =>
          (i === 2 || i === 3) && in6IsLinkLocal(p.prefix, 0) ? 0 : b,
        ),
        scopeId: in6IsLinkLocal(p.prefix, 0) ? p.ifp.index : 0,
        prefixLen: p.plen,
        ifName: p.ifp.name,
        raOnlink: p.raOnlink,
        raAuto: p.raAuto,
        onlink: p.onlink,
        vltime: p.vltime,
        pltime: p.pltime,
        expiresIn: p.expire === 0 ? null : Math.floor((p.expire - now) / SEC),
        refcnt: p.refcnt,
        advrtrs: p.advrtrs.map((d) => ({
          addr: d.addr.slice(),
          ifName: d.ifp.name,
          state: nd6Lookup(d.ifp, d.addr, 0)?.state ?? -3,
        })),
      }))
    },
    routerFlush: () => {
      c.priv(Priv.NET_ROUTE, 'SIOCSRTRFLUSH_IN6')
      nd6RtrFlush(ownStack(c, 'SIOCSRTRFLUSH_IN6'))
    },
    prefixFlush: () => {
      c.priv(Priv.NET_ROUTE, 'SIOCSPFXFLUSH_IN6')
      nd6PrefixFlush(ownStack(c, 'SIOCSPFXFLUSH_IN6'))
    },
    rawSocket: (proto?: number) => rawSocket6(c, proto ?? Ip6Nxt.ICMPV6),
    protoStats: (proto: Proto6Name) => {
      const v = c.vnet
      const flat = (o: object): Array<readonly [string, number]> => {
        const out: Array<readonly [string, number]> = []
        for (const [k, val] of Object.entries(o)) {
          if (typeof val === 'number') out.push([k, val])
          else if (Array.isArray(val))
            for (const [i, n] of (val as number[]).entries()) if (n !== 0) out.push([`${k}[${i}]`, n])
        }
        return out
      }
      if (proto === 'ip6') return flat(ip6(v).stats)
      if (proto === 'icmp6')
        return [...flat(icmp6Stats(v)), ...flat(nd6(v).stats).map(([k, n]) => [`nd6_${k}`, n] as const)]
      throw new SysError('EINVAL', 'sysctl')
    },
  }
}

/** IPV6_CHECKSUM (netinet6/in6.h). */
const IPV6_CHECKSUM = 26
const IPPROTO_IPV6 = 41

function rawSocket6(c: Caller, proto: number): Raw6Socket {
  c.priv(Priv.NETINET_RAW, 'socket')
  if (!Number.isInteger(proto) || proto < 0 || proto > 255) throw new SysError('EINVAL', 'socket')
  const v = c.vnet
  // A jail sharing its parent's stack sends from and hears only its own addresses (rip6_output,
  // rip6_input); one without IPv6 has no AF_INET6 sockets at all (socreate's prison_check_af).
  const jail = jailOf(c)
  if (!prisonAllowsIp6(jail)) throw new SysError('EPROTONOSUPPORT', 'socket')
  const release = c.openFile('socket')
  const pcb = rip6Open(v, jail, proto)
  const icmp = proto === Ip6Nxt.ICMPV6
  const clock = c.host.clock
  return {
    send: (to, msg, opts: Send6Options = {}) => {
      if (pcb.closed) throw new SysError('EBADF', 'sendmsg')
      const hlim = opts.hlim ?? ip6(v).defHlim
      if (!Number.isInteger(hlim) || hlim < 0 || hlim > 255) throw new SysError('EINVAL', 'setsockopt')
      if (to.length !== 16 || msg.length < 4 || msg.length > 0xffff) throw new SysError('EMSGSIZE', 'sendmsg')
      const dst = prisonRemoteIp6(jail, to, 'sendmsg')
      const zone = opts.scopeId ?? 0
      if (in6NeedsZone(dst, 0) && zone === 0) throw new SysError('EHOSTUNREACH', 'sendmsg')
      let src: Uint8Array | null = null
      if (opts.src !== undefined) {
        const k = keyOf(v, opts.src, zone, 'bind')
        const ia = ip6(v).localByKey(k, 0)
        if (ia === undefined || !ia.usable || !prisonCheckIp6(jail, ia.addr))
          throw new SysError('EADDRNOTAVAIL', 'bind')
        src = ia.addr
      } else if (jail !== null) {
        src = prisonSaddrIp6(jail) ?? routeSrc(v, dst, zone, jail)
        if (src === null) throw new SysError('EADDRNOTAVAIL', 'sendmsg')
      }
      if (pcb.csumOff >= 0 && pcb.csumOff + 2 > msg.length) throw new SysError('EINVAL', 'sendmsg')
      const m = v.env.pool.get(msg.length)
      m.data.set(msg, m.off)
      m.len = msg.length
      ip6(v).stats.ip6s_rawout++
      if (icmp) icmp6Stats(v).icp6s_outhist[msg[0]!]!++
      else rip6Stats(v).rip6s_opackets++
      // The source the kernel chose, as getsockname after connect would tell.
      const srcUsed = new Uint8Array(16)
      const err = ip6Output(v, m, dst, 0, proto, {
        hlim,
        src,
        zone,
        csumOff: pcb.csumOff,
        srcUsed,
        ...(opts.dontFrag === undefined ? {} : { dontFrag: opts.dontFrag }),
      })
      if (err !== undefined) throw new SysError(err, 'sendmsg')
      // A blackhole route takes the packet before a source is chosen: say which one it would get.
      return in6IsUnspecified(srcUsed, 0) ? (routeSrc(v, dst, zone) ?? srcUsed) : srcUsed
    },
    recv: async (timeoutNs) => {
      const deadline = clock.now() + timeoutNs
      for (;;) {
        const d = pcb.queue.shift()
        if (d !== undefined) return d
        const left = deadline - clock.now()
        if (pcb.closed || left <= 0) return null
        await pcb.wait.wait(left)
      }
    },
    setsockopt: (level, name, value) => {
      if (pcb.closed) throw new SysError('EBADF', 'setsockopt')
      if (level !== IPPROTO_IPV6) throw new SysError('ENOPROTOOPT', 'setsockopt')
      if (name === IPV6_CHECKSUM) {
        // RFC 3542 §3.1: ICMPv6's checksum is always the kernel's; an odd offset cannot be one.
        if (icmp || typeof value !== 'number' || !Number.isInteger(value) || value < -1 || value % 2 !== 0)
          throw new SysError('EINVAL', 'setsockopt')
        pcb.csumOff = value
        return
      }
      if (isMrt6Option(name) || name === MRT6_PIM) {
        // rip6_ctloutput: the module's hook if it is loaded (the privilege as IPv4's MRT_* take it).
        c.priv(Priv.NETINET_MROUTE, 'setsockopt')
        if (!c.host.kld.loaded('ip6_mroute')) throw new SysError('EOPNOTSUPP', 'setsockopt')
        mrouter6Set(v, pcb, name, value as never)
        return
      }
      if (!isMoption6(name)) throw new SysError('ENOPROTOOPT', 'setsockopt')
      if (typeof value === 'object' && !('multiaddr6' in value)) throw new SysError('EINVAL', 'setsockopt')
      const mo = pcb.mo ?? new Ip6Moptions()
      setMoption6(v, mo, name, value)
      pcb.mo = mo
    },
    getsockopt: (level, name) => {
      if (pcb.closed) throw new SysError('EBADF', 'getsockopt')
      if (level !== IPPROTO_IPV6) throw new SysError('ENOPROTOOPT', 'getsockopt')
      if (isMrt6Option(name) || name === MRT6_PIM) {
        c.priv(Priv.NETINET_MROUTE, 'getsockopt')
        if (!c.host.kld.loaded('ip6_mroute')) throw new SysError('EOPNOTSUPP', 'getsockopt')
        return mrouter6Get(v, pcb, name)
      }
      return getMoption6(pcb.mo, name)
    },
    close: () => {
      release()
      mrouter6SocketClosed(v, pcb)
      rip6Close(v, pcb)
    },
  }
}

function routeSrc(v: Vnet, dst: Uint8Array, zone: number, jail: Jail6 | null = null): Uint8Array | null {
  const k = new Uint8Array(16)
  in6Key(k, dst, 0, zone)
  // A scoped destination's source comes from its zone, even when the route leads to lo0 (ours).
  const scoped = in6IsMulticast(dst, 0) || in6IsLinkLocal(dst, 0)
  const ifp = scoped && zone !== 0 ? v.ifByIndex(zone) : ip6(v).rib.lookup(k)?.ifp
  if (ifp === undefined) return null
  return in6SelectSrc(dst, 0, ifp, v.ifnets, jail)?.addr.slice() ?? null
}

/**
 * can_export_rte (rtsock.c): a jail sharing its parent's stack sees no network route and a host
 * route only to one of its own addresses.
 */
function canExportRte6(jail: Prison | null, r: Route6): boolean {
  if (jail === null) return true
  if (r.prefixLen !== 128 || !prisonAllowsIp6(jail)) return false
  const d = r.dst
  // Link-scoped keys carry their zone in bytes 2-3; the jail's list holds plain addresses.
  if (in6NeedsZone(d, 0)) {
    const a = d.slice()
    a[2] = 0
    a[3] = 0
    return prisonCheckIp6(jail, a)
  }
  return prisonCheckIp6(jail, d)
}

/** The caller's jail when it shares its parent's stack (its ip6.addr rules apply), else null. */
function jailOf(c: Caller): Prison | null {
  const pr = c.cred.prison
  return pr.ownsVnet ? null : pr
}
