/**
 * IPv6 input (ip6_input / ip6_forward, RFC 8200): header validation in FreeBSD's order with its
 * ip6s_* counters, the address checks of RFC 4291 (no multicast or loopback sources from the wire,
 * no v4-mapped addresses, RFC 4007 scopes), the extension-header chain (hop-by-hop first only,
 * destination options, routing headers with segments left per RFC 5095, fragments to frag6_reass),
 * local delivery to ICMPv6, and forwarding as a router when net.inet6.ip6.forwarding is set: hop
 * limit, route lookup, Packet Too Big, link-local scope. Every drop is counted; nothing throws.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { Icmp6Type, ParamProb6Code, TimeExceed6Code, Unreach6Code } from '../../../wire/inet6/icmpv6.js'
import {
  in6IsLinkLocal,
  in6IsLoopback,
  in6IsMulticast,
  in6IsUnspecified,
  in6IsV4Mapped,
} from '../../../wire/inet6/in6_addr.js'
import { IPV6_HDR_LEN, IPV6_MMTU, Ip6Nxt, Ipv6Check } from '../../../wire/inet6/ipv6.js'
import {
  encap6Input,
  IPPROTO_ETHERIP,
  IPPROTO_GRE,
  IPPROTO_IPV4,
  IPPROTO_IPV6,
} from '../../net/if/ip_tunnel.js'
import { IFF, type Ifnet } from '../../net/ifnet.js'
import { PFIL } from '../../net/pfil.js'
import { flowHash, RTF } from '../../net/route/route.js'
import type { Vnet } from '../../net/vnet.js'
import { l4Ports } from '../../netinet/ip/ip_output.js'
import { tcp6Input } from '../../netinet/tcp/tcp_ip6.js'
import { frag6Input } from '../frag6/frag6_reass.js'
import { icmp6Error, icmp6Input } from '../icmp6.js'
import { in6Fold, mpathSelect6 } from '../in6_fib/in6_rtable.js'
import { type In6Ifaddr, type In6Ifinfo, in6Key, ND6_IFF } from '../in6_var.js'
import { ip6Mforward } from '../ip6_mroute/ip6_mforward.js'
import { mrouter6Of } from '../ip6_mroute/ip6_mroute_var.js'
import { in6IfJoined } from '../mld6/in6_mcast.js'
import { icmp6RedirectOutput } from '../nd6/icmp6_redirect.js'
import { rip6Input } from '../raw_ip6.js'
import { udp6Input } from '../udp6_usrreq.js'
import { ip6, rib6 } from './ip6.js'
import { ip6Send } from './ip6_output.js'

/** IP6_HDR_NEST-like bound on the extension headers one packet may carry. */
const MAX_EXT_HDRS = 50

export function ip6Input(v: Vnet, ifp: Ifnet, m: Mbuf): void {
  const s = ip6(v)
  const st = s.stats
  const pool = v.env.pool
  st.ip6s_total++
  // ether_input's M_SETFIB: routed by the interface's FIB; a looped-back packet keeps its own.
  if (ifp.type !== 'loop') m.fib = ifp.fib
  const h = s.hIn
  if (!h.point(m.data, m.off, m.len)) {
    st.ip6s_toosmall++
    pool.put(m)
    return
  }
  const c = h.check()
  if (c !== Ipv6Check.OK) {
    if (c === Ipv6Check.BAD_VERSION) st.ip6s_badvers++
    else if (c === Ipv6Check.BAD_LEN) st.ip6s_tooshort++
    else st.ip6s_toosmall++
    pool.put(m)
    return
  }
  const ii = ifp.inet6 as In6Ifinfo | null
  if (ii === null || (ii.ndFlags & ND6_IFF.IFDISABLED) !== 0) {
    ifp.stats.idrops++
    pool.put(m)
    return
  }
  // Link-layer padding beyond the payload goes (no jumbograms: a zero length is a short packet).
  m.len = IPV6_HDR_LEN + h.payloadLength
  const b = m.data
  const so = h.srcOff
  const dso = h.dstOff
  const loop = (ifp.flags & IFF.LOOPBACK) !== 0
  // Two global unicast addresses (2000::/3) cannot break any of badScope's rules: skip them.
  const global = (b[so]! & 0xe0) === 0x20 && (b[dso]! & 0xe0) === 0x20
  if (!global && badScope(b, so, dso, loop)) {
    st.ip6s_badscope++
    pool.put(m)
    return
  }
  // pfil(9) input hooks (ipfw) see every valid packet, neighbor discovery included, before it is
  // delivered or forwarded (ip6_input's pfil_mbuf_in on V_inet6_pfil_head); a hook that does not
  // pass it has taken it. Nothing to do when no filter is attached.
  const pf = v.pfilInet6
  if (pf.nIn !== 0) {
    if (pf.runIn(v, m, ifp) !== PFIL.PASS) return
  }
  if (in6IsMulticast(b, dso)) {
    // A multicast router's forwarding function sees every group packet first, and may have it dropped.
    const mr = mrouter6Of(v)
    if (mr !== null && ip6Mforward(mr, ifp, m) !== 0) {
      st.ip6s_cantforward++
      pool.put(m)
      return
    }
    if (!isMember(v, ifp, b, dso)) {
      st.ip6s_notmember++
      pool.put(m)
      return
    }
    ip6Local(v, ifp, m, ifp.index)
    return
  }
  const key = s.keyIn
  in6Key(key, b, dso, ifp.index)
  let ia = s.localByKey(key, 0)
  // Looped back from ourselves: a link-local destination names an address of some other interface.
  if (ia === undefined && loop && in6IsLinkLocal(b, dso)) ia = findLinkLocal(v, b, dso)
  if (ia !== undefined) {
    // RFC 4862 §5.4: nothing is accepted for a tentative or duplicated address.
    if (!ia.usable) {
      st.ip6s_cantforward++
      pool.put(m)
      return
    }
    ip6Local(v, ifp, m, loop ? ia.ifp.index : ifp.index)
    return
  }
  if (s.forwarding === 0 || m.linkBcast) {
    st.ip6s_cantforward++
    pool.put(m)
    return
  }
  ip6Forward(v, ifp, m)
}

/**
 * RFC 4291 §2.5.2/§2.5.3/§2.7: no group or unspecified destination-less nonsense, no loopback
 * from a real link, no v4-mapped addresses on the wire (ip6_input's checks, ip6s_badscope).
 */
function badScope(b: Uint8Array, so: number, dso: number, loop: boolean): boolean {
  return (
    in6IsMulticast(b, so) ||
    in6IsUnspecified(b, dso) ||
    (!loop && (in6IsLoopback(b, so) || in6IsLoopback(b, dso))) ||
    in6IsV4Mapped(b, so) ||
    in6IsV4Mapped(b, dso) ||
    (in6IsMulticast(b, dso) && ((b[dso + 1]! & 0xf) === 0 || (!loop && (b[dso + 1]! & 0xf) === 1)))
  )
}

/** The groups this node listens to on ifp: all-nodes, all-routers when forwarding, solicited-node. */
function isMember(v: Vnet, ifp: Ifnet, b: Uint8Array, o: number): boolean {
  for (let i = 2; i < 11; i++) if (b[o + i] !== 0) return in6IfJoined(ifp, b, o)
  const scope = b[o + 1]! & 0xf
  if (b[o + 11] === 0 && b[o + 12] === 0 && b[o + 13] === 0 && b[o + 14] === 0) {
    // All-nodes and all-routers are implicit only at interface- and link-local scope; a wider
    // ff0X::1 or ::2 (ff05::1 ...) is a group like any other, heard when joined.
    if (b[o + 15] === 1) return scope === 1 || scope === 2 || in6IfJoined(ifp, b, o)
    if (b[o + 15] === 2)
      return ((scope === 1 || scope === 2) && ip6(v).forwarding !== 0) || in6IfJoined(ifp, b, o)
    return in6IfJoined(ifp, b, o)
  }
  if (scope !== 2 || b[o + 11] !== 1 || b[o + 12] !== 0xff) return in6IfJoined(ifp, b, o)
  const ii = ifp.inet6 as In6Ifinfo | null
  if (ii === null) return false
  for (let i = 0; i < ii.addrs.length; i++) {
    const a = ii.addrs[i]!.addr
    if (a[13] === b[o + 13] && a[14] === b[o + 14] && a[15] === b[o + 15]) return true
  }
  // Also joined for a proxy NDP entry (nd6SetStatic).
  return in6IfJoined(ifp, b, o)
}

function findLinkLocal(v: Vnet, b: Uint8Array, o: number): In6Ifaddr | undefined {
  const s = ip6(v)
  for (const i of v.ifnets) {
    in6Key(s.keyIn, b, o, i.index)
    const ia = s.localByKey(s.keyIn, 0)
    if (ia !== undefined) return ia
  }
  return undefined
}

/** Walk the extension headers of a packet for us and hand it to its upper layer (ip6_input's loop). */
function ip6Local(v: Vnet, ifp: Ifnet, m: Mbuf, zone: number): void {
  const s = ip6(v)
  const st = s.stats
  const pool = v.env.pool
  let b = m.data
  let nxt = b[m.off + 6]!
  let off = m.off + IPV6_HDR_LEN
  /** Offset of the byte naming `nxt` (for Parameter Problem pointers). */
  let nxtAt = m.off + 6
  for (let n = 0; ; n++) {
    const end = m.off + m.len
    if (n > MAX_EXT_HDRS) {
      st.ip6s_toomanyhdr++
      pool.put(m)
      return
    }
    switch (nxt) {
      case Ip6Nxt.HOPOPTS:
      case Ip6Nxt.DSTOPTS: {
        // RFC 8200 §4.3: hop-by-hop options only right after the IPv6 header.
        if (nxt === Ip6Nxt.HOPOPTS && n !== 0) {
          st.ip6s_badoptions++
          icmp6Error(v, m, Icmp6Type.PARAM_PROB, ParamProb6Code.NEXTHEADER, nxtAt - m.off)
          return
        }
        if (off + 2 > end || off + (b[off + 1]! + 1) * 8 > end) {
          st.ip6s_tooshort++
          pool.put(m)
          return
        }
        const hlen = (b[off + 1]! + 1) * 8
        const r = checkOptions(b, off + 2, off + hlen)
        if (r >= 0) {
          // An unrecognised option whose type says "discard" (§4.2); 0x80/0xc0 also want an error.
          st.ip6s_badoptions++
          const act = b[r]! & 0xc0
          if (act === 0x80 || (act === 0xc0 && !m.linkBcast && b[m.off + 24] !== 0xff))
            icmp6Error(v, m, Icmp6Type.PARAM_PROB, ParamProb6Code.OPTION, r - m.off)
          else pool.put(m)
          return
        }
        if (r === -2) {
          st.ip6s_badoptions++
          pool.put(m)
          return
        }
        nxtAt = off
        nxt = b[off]!
        off += hlen
        continue
      }
      case Ip6Nxt.ROUTING: {
        if (off + 8 > end || off + (b[off + 1]! + 1) * 8 > end) {
          st.ip6s_tooshort++
          pool.put(m)
          return
        }
        // Segments left: we are no intermediate hop for any routing type (type 0 is deprecated by
        // RFC 5095 and treated as unrecognised): a non-zero value is an error pointing at the type.
        if (b[off + 3] !== 0) {
          st.ip6s_badoptions++
          icmp6Error(v, m, Icmp6Type.PARAM_PROB, ParamProb6Code.HEADER, off + 2 - m.off)
          return
        }
        nxtAt = off
        nxt = b[off]!
        off += (b[off + 1]! + 1) * 8
        continue
      }
      case Ip6Nxt.FRAGMENT: {
        const whole = frag6Input(v, m, off, nxtAt)
        if (whole === null) return
        m = whole
        b = m.data
        // Reassembled (or atomic): the fragment header is gone; carry on at the same place.
        nxtAt = m.off + 6
        off = m.off + IPV6_HDR_LEN
        nxt = b[m.off + 6]!
        // Extension headers before the fragment header were kept: walk them again.
        n = -1
        continue
      }
      case Ip6Nxt.ICMPV6:
        st.ip6s_delivered++
        icmp6Input(v, ifp, m, off, zone)
        return
      case Ip6Nxt.NONE:
        st.ip6s_delivered++
        pool.put(m)
        return
      case Ip6Nxt.UDP:
        st.ip6s_delivered++
        udp6Input(v, ifp, m, off, zone)
        return
      case Ip6Nxt.TCP:
        st.ip6s_delivered++
        tcp6Input(v, ifp, m, off, zone)
        return
      default:
        st.ip6s_delivered++
        // A gif or gre tunnel over IPv6 of this vnet (encap6_input), before raw sockets as in
        // FreeBSD, where the tunnel drivers register these next headers with ip6_encap.
        if (
          (nxt === IPPROTO_IPV4 || nxt === IPPROTO_IPV6 || nxt === IPPROTO_GRE || nxt === IPPROTO_ETHERIP) &&
          encap6Input(v, m, off - m.off, nxt)
        )
          return
        // A protocol a loaded module registered (carp's 112), as ip6proto_register's.
        if (v.env.domains.ip6Proto(nxt) !== undefined) {
          v.env.domains.ip6Proto(nxt)!(ifp, m, off)
          return
        }
        // A protocol some raw socket opened (ospf6d's 89) goes to it (rip6_input); one none took was
        // not delivered after all.
        if (rip6Input(v, ifp, m, off, zone, nxt)) {
          pool.put(m)
          return
        }
        // An unknown upper layer: Parameter Problem pointing at the next-header byte (RFC 8200 §4).
        st.ip6s_delivered--
        icmp6Error(v, m, Icmp6Type.PARAM_PROB, ParamProb6Code.NEXTHEADER, nxtAt - m.off)
        return
    }
  }
}

/**
 * Check the TLV options in b[p, end) (RFC 8200 §4.2): -1 when all are known or skippable, the
 * offset of the first option whose type says to discard, or -2 when an option overruns the header.
 */
function checkOptions(b: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const t = b[p]!
    if (t === 0) {
      p++
      continue
    }
    if (p + 2 > end || p + 2 + b[p + 1]! > end) return -2
    // PadN (1) and router alert (5) are known; the rest act on their two high bits.
    if (t !== 1 && t !== 5 && (t & 0xc0) !== 0) return p
    p += 2 + b[p + 1]!
  }
  return -1
}

/**
 * ip6_forward: m is a valid packet not for us and forwarding is on, its destination in ip6(v).keyIn.
 * Takes ownership.
 */
function ip6Forward(v: Vnet, ifp: Ifnet, m: Mbuf): void {
  const s = ip6(v)
  const st = s.stats
  const b = m.data
  const so = m.off + 8
  const dso = m.off + 24
  // RFC 4291 §2.5.6: link-local packets never leave their link.
  if (in6IsLinkLocal(b, dso) || in6IsUnspecified(b, so)) {
    st.ip6s_cantforward++
    v.env.pool.put(m)
    return
  }
  if (b[m.off + 7]! <= 1) {
    icmp6Error(v, m, Icmp6Type.TIME_EXCEEDED, TimeExceed6Code.TRANSIT, 0)
    return
  }
  // keyIn still holds dst from ip6Input's local lookup, with no zone: a global unicast needs none.
  let rt = (m.fib === 0 ? s.rib : rib6(v, m.fib)).lookup(s.keyIn)
  if (rt !== null && rt.mpNext !== null) {
    // ECMP: one flow, one path; ports only when the upper layer follows the fixed header.
    const nxt = b[m.off + 6]!
    rt = mpathSelect6(rt, flowHash(in6Fold(b, so), in6Fold(b, dso), l4Ports(b, m.off + 40, nxt)))
  }
  if (rt === null || (rt.flags & RTF.REJECT) !== 0) {
    if (rt === null) st.ip6s_noroute++
    st.ip6s_cantforward++
    icmp6Error(v, m, Icmp6Type.DST_UNREACH, rt === null ? Unreach6Code.NOROUTE : Unreach6Code.ADMIN, 0)
    return
  }
  const out = rt.ifp
  const oii = out.inet6 as In6Ifinfo | null
  if (
    (rt.flags & RTF.BLACKHOLE) !== 0 ||
    !out.up ||
    oii === null ||
    (oii.ndFlags & ND6_IFF.IFDISABLED) !== 0
  ) {
    st.ip6s_cantforward++
    v.env.pool.put(m)
    return
  }
  // A link-local source cannot be carried to another link (RFC 4007 §9).
  if (in6IsLinkLocal(b, so) && out !== ifp) {
    st.ip6s_cantforward++
    st.ip6s_badscope++
    icmp6Error(v, m, Icmp6Type.DST_UNREACH, Unreach6Code.BEYONDSCOPE, 0)
    return
  }
  const mtu = rt.mtu !== 0 && rt.mtu < out.mtu ? rt.mtu : oii.linkMtu !== 0 ? oii.linkMtu : out.mtu
  if (m.len > mtu) {
    // Routers never fragment (RFC 8200 §5): the source hears the MTU and does it.
    st.ip6s_cantfrag++
    icmp6Error(v, m, Icmp6Type.PACKET_TOO_BIG, 0, mtu)
    return
  }
  b[m.off + 7] = b[m.off + 7]! - 1
  // ip6_forward runs the output hooks itself, on the interface the packet leaves by.
  const pf = v.pfilInet6
  if (pf.nOut !== 0) {
    if (pf.runOut(v, m, out) !== PFIL.PASS) return
  }
  st.ip6s_forward++
  rt.use++
  // Back out of the link it came in on: the sender could have used the next hop itself, unless
  // the route is one a redirect made (ip6_forward's ND_REDIRECT case; RFC 4861 §8.2).
  let copy: Mbuf | null = null
  if (s.redirect !== 0 && out === ifp && (rt.flags & (RTF.DYNAMIC | RTF.MODIFIED)) === 0) {
    const n = Math.min(m.len, IPV6_MMTU)
    copy = v.env.pool.get(n)
    copy.data.set(b.subarray(m.off, m.off + n), copy.off)
    copy.len = n
  }
  const gw = (rt.flags & RTF.GATEWAY) !== 0 ? rt.gateway : null
  if (gw !== null) ip6Send(v, out, m, gw, 0, true)
  else ip6Send(v, out, m, b, dso, true)
  if (copy !== null && icmp6RedirectOutput(v, ifp, copy, rt)) st.ip6s_redirectsent++
}
