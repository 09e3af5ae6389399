/**
 * IPv6 output (ip6_output / nd6_output): route lookup in the inet6 FIB with the destination's zone,
 * source address selection, the 40-byte header and the upper-layer checksum over the pseudo-header,
 * fragmentation at the source (frag6.ts) when a packet exceeds the path's MTU, and the link: group
 * destinations go to their 33:33 MAC, unicast next hops through the neighbor cache. Returns an
 * errno name instead of throwing; never allocates for a resolved neighbor.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { ErrnoName } from '../../../util/errno.js'
import { fold, sum16 } from '../../../wire/checksum.js'
import { in6Copy, in6IsMulticast, in6McastMac, in6Scope } from '../../../wire/inet6/in6_addr.js'
import { IPV6_HDR_LEN, IPV6_MMTU, ipv6PseudoSum, writeIpv6Header } from '../../../wire/inet6/ipv6.js'
import { EtherType } from '../../../wire/link/ethernet.js'
import { etherSend } from '../../net/ether.js'
import type { Ifnet } from '../../net/ifnet.js'
import { PFIL } from '../../net/pfil.js'
import { flowHash, RTF } from '../../net/route/route.js'
import type { Vnet } from '../../net/vnet.js'
import { l4Ports } from '../../netinet/ip/ip_output.js'
import { ip6Fragment } from '../frag6/frag6.js'
import { stfOf } from '../if_stf.js'
import { in6Fold, mpathSelect6 } from '../in6_fib/in6_rtable.js'
import { in6SelectSrc } from '../in6_src.js'
import { type In6Ifinfo, in6Key, ND6_IFF } from '../in6_var.js'
import { ip6Mforward } from '../ip6_mroute/ip6_mforward.js'
import { mrouter6Of } from '../ip6_mroute/ip6_mroute_var.js'
import { ND6_HELD, nd6Resolve } from '../nd6/nd6.js'
import { ip6, rib6 } from './ip6.js'

export type OutError6 = ErrnoName | undefined

export interface Ip6OutOptions {
  hlim: number
  /** Source address, or null to select one (RFC 6724). */
  src: Uint8Array | null
  /** Interface index of the destination's zone for link-scoped destinations; 0 = none. */
  zone: number
  /** Offset of the upper-layer checksum field in the payload, or -1 when it needs none here. */
  csumOff: number
  /** IPV6_DONTFRAG: fail with EMSGSIZE instead of fragmenting. */
  dontFrag?: boolean
  tclass?: number
  /** Filled with the source address the packet got (a raw socket's sender is told it). */
  srcUsed?: Uint8Array
}

/** The interface index of a zone, if it names an interface of v. */
function zoneIf(v: Vnet, zone: number): Ifnet | undefined {
  return zone === 0 ? undefined : v.ifByIndex(zone)
}

/**
 * Send a locally generated packet whose upper-layer header and data are in m, to dst (at dso).
 * Takes ownership of m in every case.
 */
export function ip6Output(
  v: Vnet,
  m: Mbuf,
  dst: Uint8Array,
  dso: number,
  nxt: number,
  o: Ip6OutOptions,
): OutError6 {
  const st = ip6(v)
  const pool = v.env.pool
  const d = st.dstOut
  in6Copy(d, 0, dst, dso)
  let ifp: Ifnet | undefined
  let gw: Uint8Array | null = null
  let mtu = 0
  if (in6IsMulticast(d, 0)) {
    // A group: out of the zone's interface (ping6 ff02::1%epair0a), else along the route to it.
    ifp = zoneIf(v, o.zone)
    if (ifp === undefined) {
      in6Key(st.keyOut, d, 0, o.zone)
      const rt = (m.fib === 0 ? st.rib : rib6(v, m.fib)).lookup(st.keyOut)
      if (rt === null) {
        st.stats.ip6s_noroute++
        pool.put(m)
        return 'ENETUNREACH'
      }
      ifp = rt.ifp
    }
  } else {
    in6Key(st.keyOut, d, 0, o.zone)
    let rt = (m.fib === 0 ? st.rib : rib6(v, m.fib)).lookup(st.keyOut)
    if (rt === null) {
      st.stats.ip6s_noroute++
      pool.put(m)
      return 'EHOSTUNREACH'
    }
    // A multipath route: the flow's hash (addresses and, for TCP and UDP, ports) picks the path.
    if (rt.mpNext !== null)
      rt = mpathSelect6(
        rt,
        flowHash(o.src === null ? 0 : in6Fold(o.src, 0), in6Fold(d, 0), l4Ports(m.data, m.off, nxt)),
      )
    if ((rt.flags & (RTF.REJECT | RTF.BLACKHOLE)) !== 0) {
      pool.put(m)
      return (rt.flags & RTF.REJECT) !== 0 ? 'EHOSTUNREACH' : undefined
    }
    ifp = rt.ifp
    if ((rt.flags & RTF.GATEWAY) !== 0) gw = rt.gateway
    mtu = rt.mtu
    rt.use++
  }
  const ii = ifp.inet6 as In6Ifinfo | null
  if (!ifp.up || (ii !== null && (ii.ndFlags & ND6_IFF.IFDISABLED) !== 0)) {
    pool.put(m)
    return 'ENETDOWN'
  }
  let src = o.src
  if (src === null) {
    // A link-scoped destination takes a source from its own zone (in6_selectsrc skips addresses of
    // other zones), even when the route leads to lo0 because the destination is one of ours.
    const zoned = o.zone !== 0 && in6Scope(d, 0) <= 2 ? zoneIf(v, o.zone) : undefined
    const ia = in6SelectSrc(d, 0, zoned ?? ifp, v.ifList)
    if (ia === null) {
      st.stats.ip6s_sources_none++
      pool.put(m)
      return 'EADDRNOTAVAIL'
    }
    src = ia.addr
  }
  if (o.srcUsed !== undefined) in6Copy(o.srcUsed, 0, src, 0)
  const plen = m.len
  if (!m.prepend(IPV6_HDR_LEN) || plen > 0xffff) {
    pool.put(m)
    return 'EMSGSIZE'
  }
  const b = m.data
  writeIpv6Header(b, m.off, src, 0, d, 0, nxt, o.hlim, plen, o.tclass ?? 0)
  if (o.csumOff >= 0) {
    const co = m.off + IPV6_HDR_LEN + o.csumOff
    b[co] = 0
    b[co + 1] = 0
    let c =
      ~fold(sum16(b, m.off + IPV6_HDR_LEN, plen, ipv6PseudoSum(src, 0, d, 0, plen, nxt), m.data32)) & 0xffff
    if (c === 0 && nxt === 17) c = 0xffff
    // UDP sends a computed zero as 0xffff (RFC 8200 §8.1); ICMPv6 never sees it differ.
    b[co] = c >>> 8
    b[co + 1] = c & 0xff
  }
  m.linkBcast = false
  st.stats.ip6s_localout++
  // A multicast router forwards what it sends itself as what it receives (ip6_output's ip6_mforward).
  if (gw === null && in6IsMulticast(d, 0)) {
    const mr = mrouter6Of(v)
    if (mr !== null && ip6Mforward(mr, ifp, m) !== 0) {
      pool.put(m)
      return undefined
    }
  }
  return ip6OutputFinish(v, ifp, m, gw !== null ? gw : d, mtu, o.dontFrag === true, false)
}

/**
 * The end of ip6_output, shared by a resent packet: the pfil(9) output hooks, before fragmentation
 * (a drop is EACCES for the sender, a packet dummynet queued goes later without an error); the
 * path MTU clamped to the link's; fragmentation unless noFrag; then ip6Send toward nh.
 */
function ip6OutputFinish(
  v: Vnet,
  ifp: Ifnet,
  m: Mbuf,
  nh: Uint8Array,
  mtu: number,
  noFrag: boolean,
  forwarded: boolean,
): OutError6 {
  const pf = v.pfilInet6
  if (pf.nOut !== 0) {
    const r = pf.runOut(v, m, ifp)
    if (r !== PFIL.PASS) return r === PFIL.QUEUED ? undefined : 'EACCES'
  }
  const ii = ifp.inet6 as In6Ifinfo | null
  const linkMtu = ii !== null && ii.linkMtu !== 0 ? ii.linkMtu : ifp.mtu
  if (mtu === 0 || mtu > linkMtu) mtu = linkMtu
  if (m.len > mtu) {
    if (noFrag || mtu < IPV6_MMTU) {
      ip6(v).stats.ip6s_cantfrag++
      v.env.pool.put(m)
      return 'EMSGSIZE'
    }
    return ip6Fragment(v, ifp, m, nh, 0, mtu)
  }
  return ip6Send(v, ifp, m, nh, 0, forwarded)
}

/**
 * Hand a complete IPv6 packet to ifp toward next hop nh (at nho): group destinations to their
 * Ethernet group address, unicast through the neighbor cache (the packet may wait there).
 * Takes ownership of m.
 */
export function ip6Send(
  _v: Vnet,
  ifp: Ifnet,
  m: Mbuf,
  nh: Uint8Array,
  nho: number,
  forwarded: boolean,
): OutError6 {
  if (ifp.type !== 'ether') {
    // stf(4) needs the next hop: its outer destination may be the one a 6to4 router embeds.
    const stf = stfOf(ifp)
    return stf !== null ? stf.output6(m, nh, nho) : ifp.output(ifp, m, 0, false, forwarded)
  }
  const b = m.data
  const dso = m.off + 24
  if (in6IsMulticast(b, dso)) {
    etherSend(ifp, m, in6McastMac(b, dso), EtherType.IPV6)
    return undefined
  }
  const mac = nd6Resolve(ifp, nh, nho, m)
  if (mac !== ND6_HELD) etherSend(ifp, m, mac, EtherType.IPV6)
  return undefined
}

/**
 * A complete IPv6 packet sent again toward ifp (dummynet_send for an outbound IPv6 packet, which
 * FreeBSD hands back to ip6_output): the next hop from the route to its destination, the output
 * hooks again (ipfw resumes after the rule that took it), fragmentation if it is too big.
 * Takes ownership of m.
 */
export function ip6Resend(v: Vnet, ifp: Ifnet, m: Mbuf, forwarded: boolean): OutError6 {
  const st = ip6(v)
  const b = m.data
  const dso = m.off + 24
  let gw: Uint8Array | null = null
  let mtu = 0
  // The next hop must outlive the packet's buffer (fragmentation frees it): a copy of the destination.
  const d = st.dstOut
  in6Copy(d, 0, b, dso)
  if (!in6IsMulticast(b, dso)) {
    in6Key(st.keyOut, b, dso, ifp.index)
    const rt = (m.fib === 0 ? st.rib : rib6(v, m.fib)).lookup(st.keyOut)
    if (rt === null || (rt.flags & (RTF.REJECT | RTF.BLACKHOLE)) !== 0) {
      if (rt === null) st.stats.ip6s_noroute++
      v.env.pool.put(m)
      return 'EHOSTUNREACH'
    }
    if ((rt.flags & RTF.GATEWAY) !== 0) gw = rt.gateway
    mtu = rt.mtu
  }
  return ip6OutputFinish(v, ifp, m, gw !== null ? gw : d, mtu, forwarded, forwarded)
}
