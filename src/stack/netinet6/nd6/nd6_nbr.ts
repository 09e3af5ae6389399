/**
 * Neighbor Solicitation and Advertisement (RFC 4861 §7.2, FreeBSD's nd6_nbr.c) and Duplicate
 * Address Detection (RFC 4862 §5.4): validating and answering solicitations, taking in
 * advertisements for the neighbor cache, and probing tentative addresses, marking them duplicated
 * when someone else answers for them or probes them too. Invalid messages are dropped and counted
 * (icp6s_badns / icp6s_badna). Must not: keep cache state itself (nd6.ts does).
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { MS } from '../../../util/clock.js'
import {
  Icmp6Type,
  icmp6Finish,
  ND_NA_FLAG_OVERRIDE,
  ND_NA_FLAG_ROUTER,
  ND_NA_FLAG_SOLICITED,
  ND_NA_LEN,
  ND_NS_LEN,
  ND_OPT_BAD,
  ND_OPT_LLA_LEN,
  NdOpt,
  ndOptLla,
  writeIcmp6Header,
  writeNdOptLla,
} from '../../../wire/inet6/icmpv6.js'
import {
  in6Any,
  in6IsLinkLocal,
  in6IsMulticast,
  in6IsUnspecified,
  in6McastMac,
  in6SolicitedNode,
} from '../../../wire/inet6/in6_addr.js'
import { IPV6_HDR_LEN, Ip6Nxt, writeIpv6Header } from '../../../wire/inet6/ipv6.js'
import { EtherType } from '../../../wire/link/ethernet.js'
import { etherSend } from '../../net/ether.js'
import type { Ifnet } from '../../net/ifnet.js'
import { PFIL } from '../../net/pfil.js'
import { icmp6Stats } from '../icmp6.js'
import { in6SelectSrc } from '../in6_src.js'
import { IN6_IFF, type In6Ifaddr, in6Key, ND6_IFF } from '../in6_var.js'
import { in6if, ip6 } from '../ip6/ip6.js'
import { type Nd6Entry, nd6Learn, nd6Lookup } from './nd6.js'
import { nd6GrandDadDone } from './nd6_grand.js'
import { nd6StableRetry } from './nd6_prefix.js'

/** Frame an IPv6 packet to a resolved neighbor (what nd6 releases from its hold queue). */
export function nd6EtherSend(ifp: Ifnet, m: Mbuf, mac: number): void {
  etherSend(ifp, m, mac, EtherType.IPV6)
}

const ALL_NODES = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])

/** Build and send one NS or NA from src to dst (mac = link destination), ICMPv6 body already sized. */
function sendNd(
  ifp: Ifnet,
  type: number,
  flags: number,
  src: Uint8Array,
  dst: Uint8Array,
  mac: number,
  target: Uint8Array,
  optType: number,
  lla = -1,
  tag: object | null = null,
): void {
  const v = ifp.vnet
  const m = v.env.pool.get()
  // A carp address's messages leave from its virtual MAC (carp_macmatch6's tag for carp_output).
  m.tag = tag
  const len =
    (type === Icmp6Type.NEIGHBOR_SOLICIT ? ND_NS_LEN : ND_NA_LEN) + (optType !== 0 ? ND_OPT_LLA_LEN : 0)
  const b = m.data
  const o = m.off + IPV6_HDR_LEN
  writeIcmp6Header(b, o, type, 0, flags)
  for (let i = 0; i < 16; i++) b[o + 8 + i] = target[i]!
  if (optType !== 0) writeNdOptLla(b, o + 24, optType, lla >= 0 ? lla : ifp.mac)
  icmp6Finish(b, o, len, src, 0, dst, 0)
  // RFC 4861 §7.1: ND messages carry hop limit 255 so a receiver knows they were not forwarded.
  writeIpv6Header(b, m.off, src, 0, dst, 0, Ip6Nxt.ICMPV6, 255, len)
  m.len = IPV6_HDR_LEN + len
  icmp6Stats(v).icp6s_outhist[type]!++
  // nd6_ns_output / nd6_na_output go through ip6_output, so the output filters see them too.
  const pf = v.pfilInet6
  if (pf.nOut !== 0 && pf.runOut(v, m, ifp) !== PFIL.PASS) return
  etherSend(ifp, m, mac, EtherType.IPV6)
}

/**
 * nd6_ns_output: solicit `target` on ifp — multicast to its solicited-node group (resolution), or
 * unicast to a known neighbor `e` (NUD probe), or, for DAD, from the unspecified address without
 * a source link-layer option.
 */
export function nd6NsOutput(ifp: Ifnet, target: Uint8Array, e: Nd6Entry | null, dad: boolean): void {
  if (ifp.type !== 'ether') return
  const dst = new Uint8Array(16)
  let mac: number
  if (e !== null && e.mac >= 0) {
    dst.set(target)
    mac = e.mac
  } else {
    in6SolicitedNode(dst, 0, target, 0)
    mac = in6McastMac(dst, 0)
  }
  let src: Uint8Array
  if (dad) src = in6Any()
  else {
    const ia = in6SelectSrc(target, 0, ifp, [ifp])
    // No usable address on the link yet (all tentative): nothing to solicit from.
    if (ia === null) return
    src = ia.addr
    // From a carp address: its virtual MAC in the option and as the frame's source (carp_macmatch6).
    if (ia.carp !== null) {
      const c = ia.carp
      sendNd(
        ifp,
        Icmp6Type.NEIGHBOR_SOLICIT,
        0,
        src,
        dst,
        mac,
        target,
        NdOpt.SOURCE_LINKADDR,
        c.mac,
        c.srcTag,
      )
      return
    }
  }
  sendNd(ifp, Icmp6Type.NEIGHBOR_SOLICIT, 0, src, dst, mac, target, dad ? 0 : NdOpt.SOURCE_LINKADDR)
}

/**
 * carp_send_na: an unsolicited advertisement of a carp address to all nodes, with Override and the
 * virtual MAC, when its vhid becomes MASTER (RFC 4861 §7.2.6).
 */
export function nd6NaAnnounce(ia: In6Ifaddr): void {
  const c = ia.carp
  if (c === null || ia.ifp.type !== 'ether' || !ia.ifp.up) return
  const ifp = ia.ifp
  let flags = ND_NA_FLAG_OVERRIDE
  if (ip6(ifp.vnet).forwarding !== 0) flags |= ND_NA_FLAG_ROUTER
  const mac = in6McastMac(ALL_NODES, 0)
  sendNd(
    ifp,
    Icmp6Type.NEIGHBOR_ADVERT,
    flags,
    ia.addr,
    ALL_NODES,
    mac,
    ia.addr,
    NdOpt.TARGET_LINKADDR,
    c.mac,
    c.srcTag,
  )
}

/**
 * An unsolicited advertisement of our address ia to the group dst (GRAND, nd6_grand.ts): Override
 * set, Router when forwarding, our link-layer address as the target's.
 */
export function nd6NaUnsolicited(ia: In6Ifaddr, dst: Uint8Array): void {
  const ifp = ia.ifp
  let flags = ND_NA_FLAG_OVERRIDE
  if (ip6(ifp.vnet).forwarding !== 0) flags |= ND_NA_FLAG_ROUTER
  sendNd(
    ifp,
    Icmp6Type.NEIGHBOR_ADVERT,
    flags,
    ia.addr,
    dst,
    in6McastMac(dst, 0),
    ia.addr,
    NdOpt.TARGET_LINKADDR,
  )
}

/** Our address `target` (on ifp, any state), or null. */
function ourAddr(ifp: Ifnet, b: Uint8Array, o: number): In6Ifaddr | null {
  const v = ifp.vnet
  const key = ip6(v).keyIn
  in6Key(key, b, o, ifp.index)
  const ia = ip6(v).localByKey(key, 0)
  return ia !== undefined && ia.ifp === ifp ? ia : null
}

/** ourAddr for a solicitation: a carp address only while its vhid is MASTER (carp_iamatch6). */
function ourTarget(ifp: Ifnet, b: Uint8Array, o: number): In6Ifaddr | null {
  const ia = ourAddr(ifp, b, o)
  return ia === null || ia.carp === null || ia.carp.isMaster ? ia : null
}

/**
 * nd6_ns_input. m starts at the IPv6 header; icmp at `io`, `ilen` bytes. Takes ownership of m.
 */
export function nd6NsInput(ifp: Ifnet, m: Mbuf, io: number, ilen: number): void {
  const v = ifp.vnet
  const st = icmp6Stats(v)
  const b = m.data
  const so = m.off + 8
  const dso = m.off + 24
  const to = io + 8
  const srcUnspec = in6IsUnspecified(b, so)
  const lla =
    ilen >= ND_NS_LEN ? ndOptLla(b, io + ND_NS_LEN, ilen - ND_NS_LEN, NdOpt.SOURCE_LINKADDR) : ND_OPT_BAD
  // §7.1.1 validity: hop limit 255, code 0, at least 24 bytes, no multicast target, well-formed
  // options; from :: only to a solicited-node group and without a source link-layer address.
  if (
    b[m.off + 7] !== 255 ||
    b[io + 1] !== 0 ||
    ilen < ND_NS_LEN ||
    in6IsMulticast(b, to) ||
    lla === ND_OPT_BAD ||
    (srcUnspec &&
      (lla >= 0 || !(b[dso] === 0xff && b[dso + 1] === 2 && b[dso + 11] === 1 && b[dso + 12] === 0xff)))
  ) {
    st.icp6s_badns++
    v.env.pool.put(m)
    return
  }
  let ia = ourTarget(ifp, b, to)
  // (2) of nd6_ns_input: not ours, but published by a proxy entry (`ndp -s ... proxy`). Answered
  // with the entry's link-layer address and without Override, as long as the interface has a
  // usable link-local address (in6ifa_ifpforlinklocal).
  let proxyMac = -1
  if (ia === null) {
    const pe = nd6Lookup(ifp, b, to)
    if (pe?.proxy) {
      proxyMac = pe.mac
      ia = readyLinkLocal(ifp)
    }
  }
  if (ia === null || (ia.flags & IN6_IFF.DUPLICATED) !== 0) {
    v.env.pool.put(m)
    return
  }
  if (proxyMac < 0 && (ia.flags & IN6_IFF.TENTATIVE) !== 0) {
    // §7.2.3 / RFC 4862 §5.4.3: a probe from :: for our tentative address means another node is
    // trying the same address; any other solicitation for it is ignored.
    if (srcUnspec) nd6DadDuplicated(ia)
    v.env.pool.put(m)
    return
  }
  if (!srcUnspec) nd6Learn(ifp, b, so, lla, false, false, false, false, nd6EtherSend)
  // Answer: to the solicitor (solicited), or to all nodes when it was a DAD probe (§7.2.4).
  const target = b.slice(to, to + 16)
  const dst = srcUnspec ? ALL_NODES : b.slice(so, so + 16)
  let mac = lla >= 0 ? lla : -1
  if (srcUnspec) mac = in6McastMac(ALL_NODES, 0)
  else if (mac < 0) {
    // No link-layer option: the cache must know the solicitor (or we cannot answer now).
    const e = nd6LookupMac(ifp, b, so)
    mac = e
  }
  v.env.pool.put(m)
  if (mac < 0) return
  let flags = (ia.flags & IN6_IFF.ANYCAST) !== 0 || proxyMac >= 0 ? 0 : ND_NA_FLAG_OVERRIDE
  if (!srcUnspec) flags |= ND_NA_FLAG_SOLICITED
  if (ip6(v).forwarding !== 0) flags |= ND_NA_FLAG_ROUTER
  // For a proxied target the source is what in6_selectsrc picks towards the solicitor.
  const src = proxyMac >= 0 ? (in6SelectSrc(dst, 0, ifp, [ifp])?.addr ?? ia.addr) : ia.addr
  const c = proxyMac < 0 ? ia.carp : null
  if (c !== null)
    sendNd(
      ifp,
      Icmp6Type.NEIGHBOR_ADVERT,
      flags,
      src,
      dst,
      mac,
      target,
      NdOpt.TARGET_LINKADDR,
      c.mac,
      c.srcTag,
    )
  else sendNd(ifp, Icmp6Type.NEIGHBOR_ADVERT, flags, src, dst, mac, target, NdOpt.TARGET_LINKADDR, proxyMac)
}

/** A link-local address of ifp that is neither tentative, duplicated nor anycast, or null. */
function readyLinkLocal(ifp: Ifnet): In6Ifaddr | null {
  for (const a of in6if(ifp).addrs)
    if (
      in6IsLinkLocal(a.addr, 0) &&
      (a.flags & (IN6_IFF.TENTATIVE | IN6_IFF.DUPLICATED | IN6_IFF.ANYCAST)) === 0
    )
      return a
  return null
}

function nd6LookupMac(ifp: Ifnet, b: Uint8Array, o: number): number {
  const e = nd6Lookup(ifp, b, o)
  return e === null ? -1 : e.mac
}

/** nd6_na_input. Takes ownership of m. */
export function nd6NaInput(ifp: Ifnet, m: Mbuf, io: number, ilen: number): void {
  const v = ifp.vnet
  const st = icmp6Stats(v)
  const b = m.data
  const dso = m.off + 24
  const to = io + 8
  const flags = b[io + 4]!
  const solicited = (flags & 0x40) !== 0
  const lla =
    ilen >= ND_NA_LEN ? ndOptLla(b, io + ND_NA_LEN, ilen - ND_NA_LEN, NdOpt.TARGET_LINKADDR) : ND_OPT_BAD
  // §7.1.2 validity; a solicited advertisement is never multicast.
  if (
    b[m.off + 7] !== 255 ||
    b[io + 1] !== 0 ||
    ilen < ND_NA_LEN ||
    in6IsMulticast(b, to) ||
    lla === ND_OPT_BAD ||
    (solicited && in6IsMulticast(b, dso))
  ) {
    st.icp6s_badna++
    v.env.pool.put(m)
    return
  }
  const ia = ourAddr(ifp, b, to)
  if (ia !== null) {
    // Someone advertises our address: a tentative one is a duplicate (RFC 4862 §5.4.4); for a
    // valid one FreeBSD only logs the conflict.
    // A carp address's master advertises it by design.
    if ((ia.flags & IN6_IFF.TENTATIVE) !== 0) nd6DadDuplicated(ia)
    else if (ia.carp === null) st.icp6s_dupaddr++
    v.env.pool.put(m)
    return
  }
  // Copy what the cache needs before the buffer goes back to the pool.
  nd6Learn(ifp, b, to, lla, true, solicited, (flags & 0x20) !== 0, (flags & 0x80) !== 0, nd6EtherSend)
  v.env.pool.put(m)
}

// Duplicate Address Detection (RFC 4862 §5.4).

/** Start DAD for a tentative address, the first probe after `delayMs` (nd6_dad_start). */
export function nd6DadStart(ia: In6Ifaddr, delayMs: number): void {
  const v = ia.ifp.vnet
  const count = ip6(v).dadCount
  if (count === 0 || ia.ifp.type !== 'ether' || (in6if(ia.ifp).ndFlags & ND6_IFF.NO_DAD) !== 0) {
    ia.flags &= ~IN6_IFF.TENTATIVE
    return
  }
  ia.dadLeft = count
  ia.dadTimer ??= v.env.clock.timer(() => nd6DadTimer(ia))
  ia.dadTimer.arm(delayMs * MS)
}

function nd6DadTimer(ia: In6Ifaddr): void {
  if ((ia.flags & IN6_IFF.TENTATIVE) === 0) return
  if (ia.dadLeft > 0) {
    ia.dadLeft--
    // Arm first: a conflicting answer may arrive before nd6NsOutput returns.
    ia.dadTimer!.arm(in6if(ia.ifp).retrans * MS)
    if (ia.ifp.up) nd6NsOutput(ia.ifp, ia.addr, null, true)
    return
  }
  // Every probe went unanswered for RetransTimer: the address is ours (§5.4.3's end), which the
  // routers hear at once (RFC 9131).
  ia.flags &= ~IN6_IFF.TENTATIVE
  nd6GrandDadDone(ia)
}

/**
 * nd6_dad_duplicated: someone else has the address; a duplicate link-local disables IPv6 on the link,
 * a duplicate RFC 7217 address makes way for the next one (nd6StableRetry).
 */
export function nd6DadDuplicated(ia: In6Ifaddr): void {
  ia.flags = (ia.flags & ~IN6_IFF.TENTATIVE) | IN6_IFF.DUPLICATED
  ia.dadTimer?.cancel()
  ia.dadLeft = 0
  icmp6Stats(ia.ifp.vnet).icp6s_dupaddr++
  if (ia.addr[0] === 0xfe && (ia.addr[1]! & 0xc0) === 0x80) in6if(ia.ifp).ndFlags |= ND6_IFF.IFDISABLED
  else nd6StableRetry(ia)
}

/** Stop DAD (the address is going). */
export function nd6DadStop(ia: In6Ifaddr): void {
  ia.dadTimer?.cancel()
  ia.dadLeft = 0
}
