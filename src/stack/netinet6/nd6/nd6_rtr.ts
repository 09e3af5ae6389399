/**
 * Router Solicitation and Router Advertisement input and the default router list (RFC 4861 §6.1,
 * §6.3.4, §6.3.6; FreeBSD's nd6_rs_input, nd6_ra_input, defrtrlist_update, defrouter_select). An RA
 * counts only on an interface with ND6_IFF_ACCEPT_RTADV; it must come from a link-local source with
 * hop limit 255 and well-formed options, else it is dropped and counted (icp6s_badra,
 * icp6s_nd_badopt). Its router lifetime puts the router on the default router list — as 0 when the
 * interface has ND6_IFF_NO_RADR, or when the node forwards without net.inet6.ip6.rfc6204w3, as
 * FreeBSD does — and the selected router becomes the `default` route (`UG`); its Prefix Information
 * options go to nd6_prefix.ts; its MTU, reachable time, retransmission timer and hop limit go to the
 * interface; its source link-layer address to the neighbor cache (as a router). A router (forwarding,
 * no accept_rtadv) takes a solicitation's link-layer address into its cache; answering is rtadvd's.
 * Neither function takes ownership of the packet: the raw ICMPv6 sockets get it afterwards.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SEC } from '../../../util/clock.js'
import { readU16, readU32 } from '../../../wire/addr.js'
import { ND_OPT_LLA_LEN } from '../../../wire/inet6/icmpv6.js'
import {
  in6Eq,
  in6IsLinkLocal,
  in6IsMulticast,
  in6IsUnspecified,
  in6MaskInto,
} from '../../../wire/inet6/in6_addr.js'
import { IPV6_MMTU } from '../../../wire/inet6/ipv6.js'
import {
  ND_OPT_MTU_LEN,
  ND_OPT_PI_FLAG_AUTO,
  ND_OPT_PI_FLAG_ONLINK,
  ND_OPT_PI_LEN,
  ND_RA_FLAG_RTPREF_MASK,
  ND_RA_LEN,
  ND_RS_LEN,
  ndOptMac,
  ndRouterOptions,
} from '../../../wire/inet6/nd_router.js'
import type { Ifnet } from '../../net/ifnet.js'
import { RTF } from '../../net/route/route.js'
import type { Vnet } from '../../net/vnet.js'
import { icmp6Stats } from '../icmp6.js'
import { in6DelAddr } from '../in6.js'
import { Route6 } from '../in6_fib/in6_rtable.js'
import { IN6_IFF, type In6Ifinfo, ND6_IFF } from '../in6_var.js'
import { in6if, ip6, rib6 } from '../ip6/ip6.js'
import { NdState, nd6Learn, nd6Lookup } from './nd6.js'
import { nd6EtherSend } from './nd6_nbr.js'
import {
  nd6PrefixForgetRouter,
  nd6PrefixIfDetach,
  nd6PrelistRemove,
  nd6PrelistUpdate,
  type PrefixCtl,
} from './nd6_prefix.js'
import { NdDefrouter, nd6rtr, nd6rtrIfAny } from './nd6_rtr_var.js'

/** MAX_REACHABLE_TIME (ms), RFC 4861 §10. */
const MAX_REACHABLE_TIME = 3600000

const DEFAULT = new Uint8Array(16)

/** rtpref: the preference bits as a signed value (reserved counts as medium, RFC 4191 §2.2). */
function rtpref(raflags: number): number {
  switch (raflags & ND_RA_FLAG_RTPREF_MASK) {
    case 0x08:
      return 1
    case 0x18:
      return -1
    default:
      return 0
  }
}

/** nd6_rs_input. m starts at the IPv6 header, the RS at io, ilen bytes (at least ND_RS_LEN). */
export function nd6RsInput(ifp: Ifnet, m: Mbuf, io: number, ilen: number): void {
  const v = ifp.vnet
  const ii = in6if(ifp)
  // Only a router listens to solicitations (and not on an interface taking RAs itself).
  if (ip6(v).forwarding === 0 || (ii.ndFlags & ND6_IFF.ACCEPT_RTADV) !== 0) return
  const st = icmp6Stats(v)
  const b = m.data
  if (b[m.off + 7] !== 255) {
    st.icp6s_badrs++
    return
  }
  // From :: the sender has no address yet: nothing to cache.
  if (in6IsUnspecified(b, m.off + 8)) return
  const o = nd6rtr(v).opts
  if (!ndRouterOptions(b, io + ND_RS_LEN, ilen - ND_RS_LEN, o)) {
    st.icp6s_nd_badopt++
    return
  }
  if (o.truncated) st.icp6s_nd_toomanyopt++
  if (o.slla < 0) return
  if (o.sllaLen !== ND_OPT_LLA_LEN) {
    st.icp6s_badrs++
    return
  }
  nd6Learn(ifp, b, m.off + 8, ndOptMac(b, o.slla), false, false, false, false, nd6EtherSend)
}

/** nd6_ra_input. m starts at the IPv6 header, the RA at io, ilen bytes (at least ND_RA_LEN). */
export function nd6RaInput(ifp: Ifnet, m: Mbuf, io: number, ilen: number): void {
  const v = ifp.vnet
  const ii = in6if(ifp)
  if ((ii.ndFlags & ND6_IFF.ACCEPT_RTADV) === 0 || (ii.ndFlags & ND6_IFF.IFDISABLED) !== 0) return
  if (ifp.type !== 'ether') return
  const st = icmp6Stats(v)
  const b = m.data
  const so = m.off + 8
  // §6.1.2: hop limit 255 (not forwarded) and a link-local source.
  if (b[m.off + 7] !== 255 || !in6IsLinkLocal(b, so)) {
    st.icp6s_badra++
    return
  }
  const rs = nd6rtr(v)
  const o = rs.opts
  if (!ndRouterOptions(b, io + ND_RA_LEN, ilen - ND_RA_LEN, o)) {
    st.icp6s_nd_badopt++
    return
  }
  if (o.truncated) st.icp6s_nd_toomanyopt++
  // A link-layer option of the wrong size for Ethernet makes the RA bad; checked before it changes anything.
  if (o.slla >= 0 && o.sllaLen !== ND_OPT_LLA_LEN) {
    st.icp6s_badra++
    return
  }
  const mcast = in6IsMulticast(b, m.off + 24)
  const s6 = ip6(v)
  let rtlifetime = readU16(b, io + 6)
  if ((ii.ndFlags & ND6_IFF.NO_RADR) !== 0 || (s6.forwarding !== 0 && s6.rfc6204w3 === 0)) rtlifetime = 0
  const reachable = readU32(b, io + 8)
  if (reachable !== 0 && reachable <= MAX_REACHABLE_TIME && ii.baseReachable !== reachable) {
    ii.baseReachable = reachable
    const r = v.env.rng.stream(`nd6rt:${v.id}:${ifp.index}:${reachable}`).u32() / 2 ** 32
    ii.reachable = Math.floor(reachable * (0.5 + r))
  }
  const retrans = readU32(b, io + 12)
  if (retrans !== 0) ii.retrans = retrans
  const chlim = b[io + 4]!
  if (chlim !== 0 && ii.curHlim < chlim) ii.curHlim = chlim
  const dr = defrtrlistUpdate(ifp, b, so, b[io + 5]!, rtlifetime)
  for (let i = 0; i < o.piCount; i++) {
    const p = o.pi[i]!
    // A Prefix Information option is 32 bytes; a bad one is skipped, not the whole RA.
    if (b[p + 1]! * 8 !== ND_OPT_PI_LEN) continue
    const plen = b[p + 2]!
    if (plen > 128 || in6IsMulticast(b, p + 16) || in6IsLinkLocal(b, p + 16)) continue
    const pfx = in6MaskInto(rs.pfx, b, p + 16, plen)
    const flags = b[p + 3]!
    const c: PrefixCtl = {
      ifp,
      prefix: pfx,
      plen,
      onlink: (flags & ND_OPT_PI_FLAG_ONLINK) !== 0,
      auto: (flags & ND_OPT_PI_FLAG_AUTO) !== 0,
      vltime: readU32(b, p + 4),
      pltime: readU32(b, p + 8),
    }
    nd6PrelistUpdate(c, dr, mcast)
  }
  if (o.mtu >= 0 && o.mtuLen === ND_OPT_MTU_LEN) {
    const mtu = readU32(b, o.mtu + 4)
    // Between the IPv6 minimum and what the interface can carry; anything else is ignored.
    if (mtu >= IPV6_MMTU && mtu <= ifp.mtu) ii.linkMtu = mtu
  }
  if (o.slla >= 0) {
    const e = nd6Learn(ifp, b, so, ndOptMac(b, o.slla), false, false, false, true, nd6EtherSend)
    if (e !== null) e.isRouter = true
    // A router's link-layer address may change which router is (probably) reachable: choose again.
    defrouterSelect(v)
  }
}

function defrouterLookup(v: Vnet, ifp: Ifnet, b: Uint8Array, o: number): NdDefrouter | undefined {
  return nd6rtr(v).defrouters.find((d) => d.ifp === ifp && in6Eq(d.addr, 0, b, o))
}

/** Insert dr at the end of its preference group (higher preference first). */
function insertSorted(v: Vnet, dr: NdDefrouter): void {
  const st = nd6rtr(v)
  const list = st.defrouters.filter((d) => d !== dr)
  let i = list.findIndex((d) => rtpref(dr.raflags) > rtpref(d.raflags))
  if (i < 0) i = list.length
  list.splice(i, 0, dr)
  st.defrouters = list
}

/** defrtrlist_update: a router's RA refreshes, adds or (lifetime 0) removes it. */
function defrtrlistUpdate(
  ifp: Ifnet,
  b: Uint8Array,
  so: number,
  raflags: number,
  rtlifetime: number,
): NdDefrouter | null {
  const v = ifp.vnet
  const t = v.env.clock.now()
  let dr = defrouterLookup(v, ifp, b, so)
  if (dr !== undefined) {
    if (rtlifetime === 0) {
      nd6DefrtrlistDel(dr)
      return null
    }
    const oldpref = rtpref(dr.raflags)
    dr.raflags = raflags
    dr.rtlifetime = rtlifetime
    dr.expire = t + rtlifetime * SEC
    dr.timer!.armAt(dr.expire)
    if (dr.installed && rtpref(raflags) === oldpref) return dr
    insertSorted(v, dr)
    defrouterSelect(v)
    return dr
  }
  if (rtlifetime === 0) return null
  const ii = in6if(ifp)
  if (ii.nDefrouters >= ip6(v).maxIfDefrouters) {
    icmp6Stats(v).icp6s_overflowdefrtr++
    return null
  }
  dr = new NdDefrouter(ifp, b.slice(so, so + 16))
  const d = dr
  dr.timer = v.env.clock.timer(() => nd6DefrtrlistDel(d))
  dr.raflags = raflags
  dr.rtlifetime = rtlifetime
  dr.expire = t + rtlifetime * SEC
  dr.timer.armAt(dr.expire)
  ii.nDefrouters++
  insertSorted(v, dr)
  defrouterSelect(v)
  return dr
}

/** defrouter_addreq: the default route through dr, unless a default route is there already. */
function defrouterAddreq(dr: NdDefrouter): void {
  // The router's interface's FIB (defrouter_addreq's fibnum = dr->ifp->if_fib).
  const rib = rib6(dr.ifp.vnet, dr.ifp.fib)
  if (rib.get(DEFAULT, 0) !== undefined || !rib.hasRoom(1)) return
  const ll = (dr.ifp.inet6 as In6Ifinfo).addrs.find((a) => in6IsLinkLocal(a.addr, 0)) ?? null
  const r = new Route6(DEFAULT, 0, dr.addr.slice(), dr.ifp, ll, RTF.UP | RTF.GATEWAY)
  rib.add(r)
  dr.route = r
}

function defrouterDelreq(dr: NdDefrouter): void {
  const r = dr.route
  dr.route = null
  if (r === null) return
  const rib = rib6(dr.ifp.vnet, r.fib)
  if (rib.get(DEFAULT, 0) === r) rib.remove(r)
}

/** ND6_IS_LLINFO_PROBREACH: the neighbor cache knows the router's link-layer address. */
function probablyReachable(dr: NdDefrouter): boolean {
  const e = nd6Lookup(dr.ifp, dr.addr, 0)
  return e !== null && e.state > NdState.INCOMPLETE
}

/**
 * defrouter_select (RFC 4861 §6.3.6, RFC 4191): the first (probably) reachable router in
 * preference order, keeping an installed one that is reachable and not less preferred; with none
 * reachable, round-robin from the installed one.
 */
export function defrouterSelect(v: Vnet): void {
  const list = nd6rtr(v).defrouters
  if (list.length === 0) return
  let selected: NdDefrouter | null = null
  let installed: NdDefrouter | null = null
  for (const dr of list) {
    if (selected === null && probablyReachable(dr)) selected = dr
    if (dr.installed && installed === null) installed = dr
  }
  if (selected === null) {
    const i = installed === null ? -1 : list.indexOf(installed)
    selected = i < 0 || i + 1 >= list.length ? list[0]! : list[i + 1]!
  } else if (
    installed !== null &&
    probablyReachable(installed) &&
    rtpref(selected.raflags) <= rtpref(installed.raflags)
  )
    selected = installed
  if (installed !== selected) {
    if (installed !== null) defrouterDelreq(installed)
    defrouterAddreq(selected)
  }
}

/** defrtrlist_del: the router's lifetime ended (or its link went). */
export function nd6DefrtrlistDel(dr: NdDefrouter): void {
  const v = dr.ifp.vnet
  const st = nd6rtr(v)
  if (!st.defrouters.includes(dr)) return
  const wasInstalled = dr.installed
  defrouterDelreq(dr)
  // rt6_flush: other non-static routes through this router go with it.
  const rib = rib6(v, dr.ifp.fib)
  for (const r of rib.list())
    if (
      (r.flags & RTF.GATEWAY) !== 0 &&
      (r.flags & RTF.STATIC) === 0 &&
      r.ifp === dr.ifp &&
      r.gateway !== null &&
      in6Eq(r.gateway, 0, dr.addr, 0)
    )
      rib.remove(r)
  dr.timer?.cancel()
  st.defrouters = st.defrouters.filter((d) => d !== dr)
  in6if(dr.ifp).nDefrouters--
  nd6PrefixForgetRouter(dr)
  if (wasInstalled) defrouterSelect(v)
}

/** The interface leaves: its routers and prefixes go (nd6_purge). */
export function nd6RtrIfDetach(ifp: Ifnet): void {
  const st = nd6rtrIfAny(ifp.vnet)
  if (st === null) return
  for (const dr of st.defrouters) if (dr.ifp === ifp) nd6DefrtrlistDel(dr)
  nd6PrefixIfDetach(ifp)
}

/** `ndp -R`: flush the default router list. */
export function nd6RtrFlush(v: Vnet): void {
  const st = nd6rtrIfAny(v)
  if (st === null) return
  for (const dr of [...st.defrouters]) nd6DefrtrlistDel(dr)
}

/** `ndp -P`: flush the prefix list (SIOCSPFXFLUSH_IN6: prefixes and their autoconfigured addresses). */
export function nd6PrefixFlush(v: Vnet): void {
  const st = nd6rtrIfAny(v)
  if (st === null) return
  for (const pr of [...st.prefixes]) {
    // SIOCSPFXFLUSH_IN6: link-local prefixes stay; of the addresses, only those made from the
    // prefix by SLAAC go (one configured by hand stays, without its prefix).
    if (in6IsLinkLocal(pr.prefix, 0)) continue
    for (const a of [...(pr.ifp.inet6 as In6Ifinfo).addrs])
      if (a.ndpr === pr && (a.flags & IN6_IFF.AUTOCONF) !== 0) in6DelAddr(pr.ifp, a.addr)
    nd6PrelistRemove(pr, true)
  }
}
