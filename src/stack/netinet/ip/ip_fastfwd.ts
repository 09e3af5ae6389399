/**
 * IPv4 fast forwarding (FreeBSD's ip_tryforward, netinet/ip_fastfwd.c): ip_input offers it every
 * datagram while net.inet.ip.forwarding is on, and it forwards the plain unicast transit ones to
 * completion in one compact pass — its own header checks, the pfil input hooks, TTL, route lookup,
 * the pfil output hooks (in ipSend) and the interface's output — counting each in ips_forward and
 * ips_fastforward ("packets fast forwarded" in `netstat -s -p ip`). It sends the same ICMP errors as
 * the slow path (time exceeded, host unreachable, fragmentation needed with the next hop's MTU).
 *
 * Anything else it declines before touching it, and ip_input handles it from the top (IP options,
 * fragments, a header ip_input would count as bad, link-layer or IP broadcasts and multicasts, our
 * own addresses, what in_canforward refuses); or, once its input hooks have passed a packet, it hands
 * it to ip_input past that point (ipInputPassin: a filter's next hop or rewritten destination, a
 * datagram to be fragmented, one earning the sender a redirect). Like FreeBSD's, it counts
 * ips_total only for the packets it takes. It never throws and allocates nothing per packet.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { IcmpType, TimeExceededCode, UnreachCode } from '../../../wire/inet/icmp.js'
import { IPV4_MIN_HDR } from '../../../wire/inet/ipv4.js'
import type { Ifnet } from '../../net/ifnet.js'
import { PFIL } from '../../net/pfil.js'
import { flowHash, mpathSelect, RTF } from '../../net/route/route.js'
import type { Vnet } from '../../net/vnet.js'
import { icmpError } from '../icmp.js'
import { ip } from './ip.js'
import { ipInputPassin } from './ip_input.js'
import { ipSend, l4Ports, routeFor } from './ip_output.js'

/**
 * ip_tryforward for m (at its IP header), received on ifp: true when it took the packet
 * (forwarded, dropped, answered with an ICMP error, or handed on past the input hooks), false when
 * it left it untouched for ip_input.
 */
export function ipTryForward(v: Vnet, ifp: Ifnet, m: Mbuf): boolean {
  const b = m.data
  const o = m.off
  const len = m.len
  // A 20-byte header (no options), whole (neither MF nor an offset), its checksum good unless the
  // link vouches for it, its total length within the frame; from a real link, not in a broadcast.
  if (
    len < IPV4_MIN_HDR ||
    o + len > b.length ||
    b[o]! !== 0x45 ||
    ((b[o + 6]! & 0x3f) | b[o + 7]!) !== 0 ||
    m.linkBcast ||
    ifp.type === 'loop'
  )
    return false
  const tl = (b[o + 2]! << 8) | b[o + 3]!
  if (tl < IPV4_MIN_HDR || tl > len || (!m.csumValid && !headerSumOk(b, o))) return false
  // Unicast both ways, neither loopback, link-local nor unspecified; never ours (in_localip), nor a
  // broadcast of one of our subnets; what in_canforward refuses is ip_input's to count.
  const src = (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!
  const dst = (b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!
  if (
    src === 0 ||
    src === -1 ||
    src >>> 28 === 0xe ||
    src >>> 24 === 127 ||
    src >>> 16 === 0xa9fe ||
    dst >>> 28 >= 0xe ||
    dst >>> 24 === 127 ||
    dst >>> 16 === 0xa9fe ||
    dst >>> 24 === 0 ||
    v.addrClass(dst) !== 0
  )
    return false
  ip(v).stats.ips_total++
  // ether_input's M_SETFIB; and the link-layer padding beyond the datagram goes.
  m.fib = ifp.fib
  m.len = tl
  // pfil(9) inbound hooks, here rather than in ip_input; a filter that names a next hop (ipfw fwd)
  // or rewrites the destination (nat) leaves the decision to ip_input, past its own hook pass.
  const pf = v.pfilInet
  if (pf.nIn !== 0) {
    if (pf.runIn(v, m, ifp) !== PFIL.PASS) return true
    const d = m.data
    const at = m.off + 16
    if (pf.nextHop !== 0 || ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) !== dst) {
      ipInputPassin(v, ifp, m)
      return true
    }
  }
  if (!ipFastForward(v, ifp, m, src, dst)) ipInputPassin(v, ifp, m)
  return true
}

/** The Internet checksum of a 20-byte IPv4 header verifies: ten 16-bit words, folded twice. */
function headerSumOk(b: Uint8Array, o: number): boolean {
  let s =
    ((b[o]! << 8) | b[o + 1]!) +
    ((b[o + 2]! << 8) | b[o + 3]!) +
    ((b[o + 4]! << 8) | b[o + 5]!) +
    ((b[o + 6]! << 8) | b[o + 7]!) +
    ((b[o + 8]! << 8) | b[o + 9]!) +
    ((b[o + 10]! << 8) | b[o + 11]!) +
    ((b[o + 12]! << 8) | b[o + 13]!) +
    ((b[o + 14]! << 8) | b[o + 15]!) +
    ((b[o + 16]! << 8) | b[o + 17]!) +
    ((b[o + 18]! << 8) | b[o + 19]!)
  s = (s & 0xffff) + (s >>> 16)
  s = (s & 0xffff) + (s >>> 16)
  return s === 0xffff
}

/**
 * ip_tryforward past its input hooks: TTL, route, MTU, then out through ipSend (its output hooks).
 * False when ip_forward is to have the packet instead (a redirect to send, fragments to make).
 */
function ipFastForward(v: Vnet, ifp: Ifnet, m: Mbuf, src: number, dst: number): boolean {
  const state = ip(v)
  const st = state.stats
  const b = m.data
  const o = m.off
  if (b[o + 8]! <= 1) {
    icmpError(v, m, IcmpType.TIME_EXCEEDED, TimeExceededCode.TTL, 0)
    return true
  }
  let rt = routeFor(v, dst, m.fib)
  // ECMP: one flow, one path (the same hash as the slow path's: addresses and TCP/UDP ports).
  if (rt !== null && rt.mpNext !== null)
    rt = mpathSelect(rt, flowHash(src, dst, l4Ports(b, o + ((b[o]! & 0xf) << 2), b[o + 9]!)))
  if (rt === null || (rt.flags & RTF.REJECT) !== 0) {
    st.ips_cantforward++
    icmpError(v, m, IcmpType.UNREACH, UnreachCode.HOST, 0)
    return true
  }
  const out = rt.ifp
  if ((rt.flags & RTF.BLACKHOLE) !== 0 || !out.up) {
    st.ips_cantforward++
    v.env.pool.put(m)
    return true
  }
  // RFC 1812 §5.2.7.2's redirect (back out the interface it came in on, to a sender on that
  // subnet) is ip_forward's to send.
  if (out === ifp && state.redirect !== 0 && rt.ifa !== null && ((src ^ rt.ifa.addr) & rt.ifa.mask) === 0)
    return false
  const mtu = rt.mtu !== 0 && rt.mtu < out.mtu ? rt.mtu : out.mtu
  if (m.len > mtu) {
    // Don't fragment: "fragmentation needed" with the next hop's MTU (RFC 1191 §4), counted as
    // ip_tryforward counts it; otherwise ip_forward fragments.
    if ((b[o + 6]! & 0x40) === 0) return false
    st.ips_cantfrag++
    icmpError(v, m, IcmpType.UNREACH, UnreachCode.NEEDFRAG, mtu)
    return true
  }
  const nextHop = (rt.flags & RTF.GATEWAY) !== 0 ? rt.gateway | 0 : dst
  decrementTtl(b, o)
  // Verified by ip_input (or vouched for by the link) and updated incrementally: the next
  // in-process hop need not sum the header again.
  m.csumValid = true
  rt.use++
  if (ipSend(v, out, m, nextHop, false, mtu, true) !== undefined) st.ips_odropped++
  else {
    st.ips_forward++
    st.ips_fastforward++
  }
  return true
}

/**
 * TTL − 1 and the header checksum adjusted in place, as ip_tryforward does it: the TTL is the high
 * byte of its 16-bit word, so the checksum grows by 0x0100 in one's complement arithmetic (end-around
 * carry), which yields what RFC 1624 §3's HC' = ~(~HC + ~m + m') yields. The caller checked TTL > 1.
 */
function decrementTtl(b: Uint8Array, o: number): void {
  b[o + 8] = b[o + 8]! - 1
  const sum = (b[o + 10]! << 8) | b[o + 11]!
  const next = sum >= 0xfeff ? sum - 0xfeff : sum + 0x100
  b[o + 10] = next >>> 8
  b[o + 11] = next
}
