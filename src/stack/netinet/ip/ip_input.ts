/**
 * IPv4 input (ip_input / ip_forward): validate the header (RFC 1122 §3.2.1), deliver to the local
 * protocols (reassembling fragments first), or forward as a router (RFC 1812 §5.2) when
 * net.inet.ip.forwarding is set: TTL check and decrement with an incremental checksum update
 * (RFC 1624), route lookup, redirects, fragmentation or "fragmentation needed".
 * Every drop is counted in struct ipstat; nothing here throws.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { IcmpType, TimeExceededCode, UnreachCode } from '../../../wire/inet/icmp.js'
import { IPV4_MIN_HDR, IpProto, Ipv4Check } from '../../../wire/inet/ipv4.js'
import {
  encapInput,
  IPPROTO_ETHERIP,
  IPPROTO_GRE,
  IPPROTO_IPV4,
  IPPROTO_IPV6,
} from '../../net/if/ip_tunnel.js'
import type { Ifnet } from '../../net/ifnet.js'
import { PFIL } from '../../net/pfil.js'
import { flowHash, mpathSelect, RTF } from '../../net/route/route.js'
import { ADDR_BCAST, ADDR_LOCAL, type Vnet } from '../../net/vnet.js'
import { stfInput } from '../../netinet6/if_stf.js'
import { icmpError, icmpInput } from '../icmp.js'
import { igmpInput } from '../igmp/igmp_input.js'
import { ipMforward } from '../ip_mroute/ip_mforward.js'
import { mrouterOf } from '../ip_mroute/ip_mroute_var.js'
import { rawInput } from '../raw.js'
import { tcpInput } from '../tcp/tcp_input.js'
import { udpInput } from '../udp.js'
import { ip } from './ip.js'
import { ipTryForward } from './ip_fastfwd.js'
import { IpForwardTag } from './ip_fwd_tag.js'
import { ipDoOptions } from './ip_options.js'
import { ipSend, l4Ports, routeFor } from './ip_output.js'
import { ipReassemble } from './ip_reass.js'

export function ipInput(v: Vnet, ifp: Ifnet, m: Mbuf): void {
  // ip_tryforward: a router's plain unicast transit traffic is checked and forwarded there in one
  // pass, input hooks and all; it leaves anything else to the rest of ip_input, untouched.
  if (ip(v).forwarding !== 0 && ipTryForward(v, ifp, m)) return
  const st = ip(v).stats
  const pool = v.env.pool
  st.ips_total++
  // ether_input's M_SETFIB: a packet is routed by its interface's FIB; one looped back keeps its own.
  if (ifp.type !== 'loop') m.fib = ifp.fib
  const h = v.env.scratch.ipIn
  if (!h.point(m.data, m.off, m.len)) {
    st.ips_toosmall++
    pool.put(m)
    return
  }
  // Headers written by an in-process stack are not re-verified at every hop (checksum offload).
  const c = h.check(!m.csumValid)
  if (c !== Ipv4Check.OK) {
    if (c === Ipv4Check.BAD_VERSION) st.ips_badvers++
    else if (c === Ipv4Check.BAD_HLEN) st.ips_badhlen++
    else if (c === Ipv4Check.BAD_CHECKSUM) st.ips_badsum++
    else if (c === Ipv4Check.BAD_LEN && h.totalLength >= h.headerLength) st.ips_tooshort++
    else if (c === Ipv4Check.BAD_LEN) st.ips_badlen++
    else st.ips_toosmall++
    pool.put(m)
    return
  }
  // Link-layer padding beyond the datagram goes.
  m.len = h.totalLength
  // Addresses as int32 on the packet path: unsigned ones above 2^31 would be boxed at every call.
  // Read here rather than through the view's getters, which the optimiser leaves as calls once its
  // inlining budget for this function is spent.
  const b = m.data
  const o = m.off
  const dst = (b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!
  const src = (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!
  // RFC 1122 §3.2.1.3: no broadcast/multicast sources, and 127/8 never arrives from a real link.
  if (
    src === -1 ||
    src >>> 28 === 0xe ||
    (ifp.type !== 'loop' && (src >>> 24 === 127 || dst >>> 24 === 127))
  ) {
    st.ips_badaddr++
    pool.put(m)
    return
  }
  // pfil(9) input hooks (ipfw) see every valid datagram before it is delivered or forwarded; the
  // hook that does not pass a packet has taken it. Nothing to do when no filter is attached.
  const pf = v.pfilInet
  if (pf.nIn !== 0) {
    if (pf.runIn(v, m, ifp) !== PFIL.PASS) return
    ipInputPassin(v, ifp, m)
    return
  }
  ipInputOn(v, ifp, m, dst, 0)
}

/**
 * ip_input after the input hooks passed m (here or in ipTryForward): the filter's next hop and a
 * rewritten destination taken into account, on to ours or forwarded.
 */
export function ipInputPassin(v: Vnet, ifp: Ifnet, m: Mbuf): void {
  const pf = v.pfilInet
  const h = v.env.scratch.ipIn
  // A filter may have re-pointed the shared view while sending (reject), and ipTryForward never
  // pointed it: point it here. A NAT may have rewritten the destination: ours or forwarded is
  // decided on the new one (dchg).
  if (h.buf !== m.data || h.off !== m.off || h.len !== m.len) h.point(m.data, m.off, m.len)
  const d = m.data
  const at = m.off + 16
  const dst = (d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!
  const via = pf.nextHop | 0
  const viaPort = pf.nextPort
  pf.nextHop = 0
  pf.nextPort = 0
  // ipfw fwd to one of our addresses: the packet is ours whatever its destination (M_FASTFWD_OURS),
  // and TCP and UDP look for the socket at the forward address (and port) when it is not.
  if (via !== 0 && v.isLocal(via)) {
    if (!v.isLocal(dst) || viaPort !== 0) m.tag = new IpForwardTag(via >>> 0, viaPort)
    ipLocal(v, ifp, m)
    return
  }
  ipInputOn(v, ifp, m, dst, via)
}

/** ip_input's `passin`: options, then ours or forwarded (toward `via` when a filter set it). */
function ipInputOn(v: Vnet, ifp: Ifnet, m: Mbuf, dst: number, via: number): void {
  const st = ip(v).stats
  const h = v.env.scratch.ipIn
  // ip_dooptions, before the datagram is found ours or forwarded: every node it reaches fills its
  // Record Route option (RFC 791 §3.1), the destination included.
  if (h.headerLength > IPV4_MIN_HDR && ipDoOptions(v, m, h.headerLength)) return
  // Broadcasts are ours only on the interface whose subnet they belong to (FreeBSD's ip_input).
  // The vnet-wide broadcast set first: a forwarded packet then never walks the interface's aliases.
  // A group datagram is ours on any interface; the transport keeps it only for sockets that joined
  // the group there (ip_input's "assume the packet is for us" for IN_MULTICAST without mrouting).
  if (dst >>> 28 === 0xe) {
    ipInputMulticast(v, ifp, m)
    return
  }
  const cls = v.addrClass(dst)
  if ((cls & ADDR_LOCAL) !== 0 || dst === -1 || ((cls & ADDR_BCAST) !== 0 && ifBroadcast(ifp, dst))) {
    ipLocal(v, ifp, m)
    return
  }
  // in_canforward(): never multicast or class E, link-local, loopback or net 0 destinations; nor a
  // directed broadcast to another of our subnets (no net.inet.ip.directed-broadcast); nor anything
  // that came in a link-layer broadcast (RFC 1812 §5.3.4).
  if (
    ip(v).forwarding === 0 ||
    m.linkBcast ||
    (cls & ADDR_BCAST) !== 0 ||
    dst >>> 28 >= 0xe ||
    dst >>> 16 === 0xa9fe ||
    dst >>> 24 === 127 ||
    dst >>> 24 === 0
  ) {
    st.ips_cantforward++
    v.env.pool.put(m)
    return
  }
  ipForward(v, ifp, m, via)
}

/**
 * A group datagram: while a multicast routing daemon runs (ip_mroute), the forwarding function
 * sees it first and may have it dropped; then it is ours, the transport keeping it only for sockets
 * that joined the group there. RFC 3927 §2.7: nothing from 169.254/16 is forwarded; and what this
 * host sent itself was offered to the forwarding function by ip_output already.
 */
function ipInputMulticast(v: Vnet, ifp: Ifnet, m: Mbuf): void {
  const s = mrouterOf(v)
  if (s !== null) {
    const b = m.data
    const o = m.off
    const src = (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!
    if (src >>> 16 !== 0xa9fe && (v.addrClass(src) & ADDR_LOCAL) === 0) {
      const st = ip(v).stats
      if (ipMforward(s, ifp, m) !== 0) {
        st.ips_cantforward++
        v.env.pool.put(m)
        return
      }
      // The daemon hears every IGMP message through its raw socket; the rest counts as forwarded.
      if (b[o + 9] !== IpProto.IGMP) st.ips_forward++
    }
  }
  ipLocal(v, ifp, m)
}

function ifBroadcast(ifp: Ifnet, dst: number): boolean {
  for (const a of ifp.addrs) if (a.prefixLen < 31 && (a.broadcast | 0) === (dst | 0)) return true
  return false
}

function ipLocal(v: Vnet, ifp: Ifnet, m: Mbuf): void {
  const st = ip(v).stats
  const h = v.env.scratch.ipIn
  if (h.mf || h.fragOffset !== 0) {
    const whole = ipReassemble(v, m)
    if (whole === null) return
    m = whole
    h.point(m.data, m.off, m.len)
  }
  const hlen = h.headerLength
  const proto = h.protocol
  st.ips_delivered++
  if (proto === IpProto.ICMP) icmpInput(v, ifp, m, hlen)
  else if (proto === IpProto.UDP) udpInput(v, ifp, m, hlen)
  else if (proto === IpProto.TCP) tcpInput(v, ifp, m, hlen)
  else if (proto === IpProto.IGMP) igmpInput(ifp, m, hlen)
  else if (
    (proto === IPPROTO_IPV4 ||
      proto === IPPROTO_IPV6 ||
      proto === IPPROTO_GRE ||
      proto === IPPROTO_ETHERIP) &&
    (encapInput(v, m, hlen, proto) || (proto === IPPROTO_IPV6 && stfInput(v, m, hlen)))
  ) {
    // A gif or gre tunnel of this vnet took it, or (6to4, protocol 41) its stf interface.
  } else if (v.env.domains.ipProto(proto) !== undefined) v.env.domains.ipProto(proto)!(ifp, m, m.off + hlen)
  else if (rawInput(v, ifp, m, proto)) v.env.pool.put(m)
  else {
    st.ips_noproto++
    st.ips_delivered--
    icmpError(v, m, IcmpType.UNREACH, UnreachCode.PROTOCOL, 0)
  }
}

/** Forward m toward its destination, or toward `via` when a filter set the next hop (ipfw fwd). */
function ipForward(v: Vnet, ifp: Ifnet, m: Mbuf, via: number): void {
  const state = ip(v)
  const st = state.stats
  const h = v.env.scratch.ipIn
  const b = m.data
  const o = m.off
  const dst = (b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!
  if (b[o + 8]! <= 1) {
    icmpError(v, m, IcmpType.TIME_EXCEEDED, TimeExceededCode.TTL, 0)
    return
  }
  let rt = routeFor(v, via !== 0 ? via : dst, m.fib)
  if (rt !== null && rt.mpNext !== null) {
    // ECMP: one flow, one path; every fragment of a datagram hashes as the addresses alone.
    const ports = !h.mf && h.fragOffset === 0 ? l4Ports(m.data, m.off + h.headerLength, h.protocol) : 0
    rt = mpathSelect(rt, flowHash(h.src32, dst, ports))
  }
  if (rt === null || (rt.flags & RTF.REJECT) !== 0) {
    st.ips_cantforward++
    icmpError(v, m, IcmpType.UNREACH, UnreachCode.HOST, 0)
    return
  }
  if ((rt.flags & RTF.BLACKHOLE) !== 0 || !rt.ifp.up) {
    st.ips_cantforward++
    v.env.pool.put(m)
    return
  }
  const out = rt.ifp
  const mtu = rt.mtu !== 0 && rt.mtu < out.mtu ? rt.mtu : out.mtu
  if (m.len > mtu && h.df) {
    st.ips_cantforward++
    st.ips_cantfrag++
    icmpError(v, m, IcmpType.UNREACH, UnreachCode.NEEDFRAG, mtu)
    return
  }
  const nextHop = (rt.flags & RTF.GATEWAY) !== 0 ? rt.gateway | 0 : via !== 0 ? via : dst
  // RFC 1812 §5.2.7.2: a packet leaving by the interface it came in on, from a neighbour on that
  // subnet, earns the sender a host redirect to the better next hop.
  if (
    state.redirect !== 0 &&
    out === ifp &&
    rt.ifa !== null &&
    ((h.src32 ^ rt.ifa.addr) & rt.ifa.mask) === 0
  ) {
    st.ips_redirectsent++
    icmpRedirect(v, m, nextHop)
  }
  h.decrementTtl()
  // Verified here (or vouched for by the link), the header leaves good: TTL and NAT rewrites update
  // its checksum incrementally (RFC 1624), so the next in-process hop need not sum it again.
  m.csumValid = true
  st.ips_forward++
  rt.use++
  if (ipSend(v, out, m, nextHop, false, mtu, true) !== undefined) st.ips_odropped++
}

function icmpRedirect(v: Vnet, m: Mbuf, gateway: number): void {
  const copy = v.env.pool.dup(m)
  icmpError(v, copy, IcmpType.REDIRECT, 1, gateway)
}
