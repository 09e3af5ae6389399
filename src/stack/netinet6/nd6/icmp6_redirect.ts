/**
 * ICMPv6 Redirect (RFC 4861 §8; FreeBSD's icmp6_redirect_output and icmp6_redirect_input). A router
 * that forwards a packet back out of the link it came in on tells the sender, from its link-local
 * address with hop limit 255, of the better first hop (a link-local router address) or that the
 * destination is on-link, quoting the packet; rate limited with the other ICMPv6 errors
 * (net.inet6.icmp6.errppslimit), off with net.inet6.ip6.redirect=0. A host
 * (net.inet6.ip6.forwarding=0, net.inet6.icmp6.rediraccept=1) takes one only from its current
 * first hop toward that destination and installs a dynamic host route (`UGHD`, or `UHD` for an
 * on-link destination) that expires after net.inet6.icmp6.redirtimeout seconds.
 *
 * Never throws; invalid redirects are dropped and counted (icp6s_badredirect). Dynamic routes are
 * bounded by the FIB's own limit.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SEC } from '../../../util/clock.js'
import {
  Icmp6Type,
  ND_OPT_BAD,
  ND_OPT_LLA_LEN,
  NdOpt,
  ndOptLla,
  writeIcmp6Header,
  writeNdOptLla,
} from '../../../wire/inet6/icmpv6.js'
import { in6Copy, in6Eq, in6IsLinkLocal, in6IsMulticast } from '../../../wire/inet6/in6_addr.js'
import { IPV6_HDR_LEN, IPV6_MMTU, Ip6Nxt } from '../../../wire/inet6/ipv6.js'
import type { Ifnet } from '../../net/ifnet.js'
import { RTF } from '../../net/route/route.js'
import type { Vnet } from '../../net/vnet.js'
import { icmp6, icmp6ErrCount } from '../icmp6.js'
import { Route6 } from '../in6_fib/in6_rtable.js'
import { IN6_IFF, type In6Ifaddr, type In6Ifinfo, in6Key } from '../in6_var.js'
import { ip6 } from '../ip6/ip6.js'
import { ip6Output } from '../ip6/ip6_output.js'
import { nd6Learn, nd6Lookup } from './nd6.js'
import { nd6EtherSend } from './nd6_nbr.js'

/** struct nd_redirect: the ICMPv6 header, the target and the destination. */
const ND_REDIRECT_LEN = 40
const HLIM_ND = 255

/** A usable link-local address of ifp (in6ifa_ifpforlinklocal), or null. */
function linkLocalOf(ifp: Ifnet): In6Ifaddr | null {
  const ii = ifp.inet6 as In6Ifinfo | null
  if (ii === null) return null
  for (const a of ii.addrs)
    if (a.usable && (a.flags & IN6_IFF.ANYCAST) === 0 && in6IsLinkLocal(a.addr, 0)) return a
  return null
}

/**
 * icmp6_redirect_output: m (a copy of the packet just forwarded back out of ifp, from its IPv6
 * header; owned by this call) earns its sender a redirect toward rt's next hop.
 */
export function icmp6RedirectOutput(v: Vnet, ifp: Ifnet, m: Mbuf, rt: Route6): boolean {
  const s = icmp6(v)
  const pool = v.env.pool
  const b = m.data
  const o = m.off
  const st = ip6(v)
  // The sender must be a neighbour on this link (nd6_is_addr_neighbor), not a group.
  if (m.len < IPV6_HDR_LEN || in6IsMulticast(b, o + 8)) {
    pool.put(m)
    return false
  }
  in6Key(st.keyIn, b, o + 8, ifp.index)
  const back = st.rib.lookup(st.keyIn)
  if (back === null || back.ifp !== ifp || (back.flags & RTF.GATEWAY) !== 0) {
    pool.put(m)
    return false
  }
  // Only a link-local router address may be the target (§8.2); else the destination is on-link.
  const gw = (rt.flags & RTF.GATEWAY) !== 0 ? rt.gateway : null
  if (gw !== null && !in6IsLinkLocal(gw, 0)) {
    pool.put(m)
    return false
  }
  const src = linkLocalOf(ifp)
  if (src === null) {
    pool.put(m)
    return false
  }
  if (!s.allowError(v.env.clock.now())) {
    s.stats.icp6s_toofreq++
    pool.put(m)
    return false
  }
  const target = gw ?? b.subarray(o + 24, o + 40)
  const ne = nd6Lookup(ifp, target, 0)
  const tlla = ne !== null && ne.mac >= 0 ? ND_OPT_LLA_LEN : 0
  // As much of the packet as keeps the redirect within the minimum MTU, in whole 8-octet units.
  const room = IPV6_MMTU - IPV6_HDR_LEN - ND_REDIRECT_LEN - tlla - 8
  const quote = Math.min(m.len, room) & ~7
  const n = pool.get(ND_REDIRECT_LEN + tlla + 8 + quote)
  const d = n.data
  const p = n.off
  writeIcmp6Header(d, p, Icmp6Type.REDIRECT, 0, 0)
  in6Copy(d, p + 8, target, 0)
  in6Copy(d, p + 24, b, o + 24)
  let q = p + ND_REDIRECT_LEN
  if (ne !== null && tlla !== 0) {
    writeNdOptLla(d, q, NdOpt.TARGET_LINKADDR, ne.mac)
    q += ND_OPT_LLA_LEN
  }
  d[q] = NdOpt.REDIRECTED_HEADER
  d[q + 1] = (8 + quote) / 8
  d.fill(0, q + 2, q + 8)
  d.set(b.subarray(o, o + quote), q + 8)
  n.len = ND_REDIRECT_LEN + tlla + 8 + quote
  const dst = s.rs
  in6Copy(dst, 0, b, o + 8)
  pool.put(m)
  s.stats.icp6s_outhist[Icmp6Type.REDIRECT]!++
  icmp6ErrCount(s.stats, Icmp6Type.REDIRECT, 0)
  ip6Output(v, n, dst, 0, Ip6Nxt.ICMPV6, { hlim: HLIM_ND, src: src.addr, zone: ifp.index, csumOff: 2 })
  return true
}

/**
 * icmp6_redirect_input: the redirect at b[io, io+ilen) (its IPv6 header at b[ip]) arrived on ifp.
 * Does not take the packet (the raw sockets get it next).
 */
export function icmp6RedirectInput(
  v: Vnet,
  ifp: Ifnet,
  b: Uint8Array,
  ip: number,
  io: number,
  ilen: number,
): void {
  const s = icmp6(v)
  const st = s.stats
  const i6 = ip6(v)
  // Routers do not learn from redirects (RFC 4861 §8.1); hosts may be told not to.
  if (i6.forwarding !== 0 || s.rediraccept === 0) return
  if (b[io + 1] !== 0) {
    st.icp6s_badcode++
    return
  }
  if (ilen < ND_REDIRECT_LEN) {
    st.icp6s_badlen++
    return
  }
  const tgt = io + 8
  const rdst = io + 24
  // §8.1: from a link-local address, hop limit 255, about a unicast destination.
  if (!in6IsLinkLocal(b, ip + 8) || b[ip + 7] !== HLIM_ND || in6IsMulticast(b, rdst)) {
    st.icp6s_badredirect++
    return
  }
  // Only the current first hop toward that destination may redirect it.
  in6Key(i6.keyIn, b, rdst, ifp.index)
  const rt = i6.rib.lookup(i6.keyIn)
  if (
    rt === null ||
    (rt.flags & RTF.GATEWAY) === 0 ||
    rt.gateway === null ||
    rt.ifp !== ifp ||
    !in6Eq(rt.gateway, 0, b, ip + 8)
  ) {
    st.icp6s_badredirect++
    return
  }
  const isRouter = in6IsLinkLocal(b, tgt)
  const onLink = in6Eq(b, tgt, b, rdst)
  if (!isRouter && !onLink) {
    st.icp6s_badredirect++
    return
  }
  const mac = ndOptLla(b, io + ND_REDIRECT_LEN, ilen - ND_REDIRECT_LEN, NdOpt.TARGET_LINKADDR)
  if (mac === ND_OPT_BAD) {
    st.icp6s_badredirect++
    return
  }
  if (mac >= 0) {
    const e = nd6Learn(ifp, b, tgt, mac, false, false, false, isRouter, nd6EtherSend)
    if (e !== null && isRouter && !onLink) e.isRouter = true
  }
  // A dynamic host route toward the destination; a static one of the administrator's stays.
  const key = i6.keyIn
  const old = i6.rib.get(key, 128)
  if (old !== undefined) {
    if ((old.flags & RTF.DYNAMIC) === 0) return
    i6.rib.remove(old)
  }
  const gateway = onLink ? null : b.slice(tgt, tgt + 16)
  const flags = RTF.UP | RTF.HOST | RTF.DYNAMIC | (onLink ? 0 : RTF.GATEWAY)
  const r = new Route6(key, 128, gateway, ifp, rt.ifa, flags)
  if (!i6.rib.hasRoom(1)) return
  r.expire = v.env.clock.now() + s.redirtimeout * SEC
  i6.rib.add(r)
  in6TmproutesUpdate(v)
}

/**
 * Arm the vnet's timer for temporal routes (route_temporal's callout for the IPv6 table): the
 * earliest route still to expire, a redirect's dynamic one or one added with `route -6 … -expire`.
 */
export function in6TmproutesUpdate(v: Vnet): void {
  const s = icmp6(v)
  let first = Number.POSITIVE_INFINITY
  for (const r of ip6(v).rib.list()) if (r.expire > 0) first = Math.min(first, r.expire)
  if (first === Number.POSITIVE_INFINITY) return
  s.redirTimer ??= v.env.clock.timer(() => expireRoutes(v))
  s.redirTimer.armAt(first)
}

/** Remove the routes whose time is up (rt_expire), then re-arm for the next. */
function expireRoutes(v: Vnet): void {
  if (v.destroyed) return
  const now = v.env.clock.now()
  const rib = ip6(v).rib
  for (const r of rib.list()) if (r.expire > 0 && r.expire <= now) rib.remove(r)
  in6TmproutesUpdate(v)
}
