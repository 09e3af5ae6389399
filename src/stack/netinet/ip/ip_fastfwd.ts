/**
 * IPv4 fast forwarding (FreeBSD's ip_tryforward, netinet/ip_fastfwd.c): ip_input hands it every
 * valid datagram while net.inet.ip.forwarding is on, and it forwards the plain unicast ones to
 * completion in one compact pass — the pfil input hooks, TTL check, route lookup, the pfil output
 * hooks (in ipSend) and the interface's output — counting each in ips_forward and ips_fastforward
 * ("packets fast forwarded" in `netstat -s -p ip`). It sends the same ICMP errors as the slow path
 * (time exceeded, host unreachable, fragmentation needed with the next hop's MTU).
 *
 * Anything else it leaves to ip_input, untouched (FF_SLOW: IP options, fragments, link-layer or IP
 * broadcasts and multicasts, our own addresses, what in_canforward refuses), or, when the input
 * hooks have already seen it, to ip_input after its own hook pass (FF_PASSIN: a filter's next hop
 * or a rewritten destination, a packet to be fragmented, one earning the sender a redirect).
 * It never throws and allocates nothing on the forwarding path.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { IcmpType, TimeExceededCode, UnreachCode } from '../../../wire/inet/icmp.js'
import type { Ifnet } from '../../net/ifnet.js'
import { PFIL } from '../../net/pfil.js'
import { flowHash, mpathSelect, RTF } from '../../net/route/route.js'
import type { Vnet } from '../../net/vnet.js'
import { icmpError } from '../icmp.js'
import { ip } from './ip.js'
import { ipSend, l4Ports, routeFor } from './ip_output.js'

/** ipTryForward took the packet: forwarded, dropped or answered with an ICMP error. */
export const FF_DONE = 0
/** Not for the fast path; nothing was done to it (ip_input goes on from the top: its hooks next). */
export const FF_SLOW = 1
/** The input hooks have passed it; ip_input goes on after its own hook pass (`passin`). */
export const FF_PASSIN = 2

/**
 * ip_tryforward for m (at its IP header, validated, trimmed to its total length), received on ifp,
 * with its source and destination as int32. Returns FF_DONE, FF_SLOW or FF_PASSIN.
 */
export function ipTryForward(v: Vnet, ifp: Ifnet, m: Mbuf, src: number, dst: number): number {
  const b = m.data
  const o = m.off
  // Only whole datagrams without options (ip_doopts 0 ignores them, as the slow path does), not
  // from loopback, not link-layer broadcast; unicast, not link-local nor unspecified, either way.
  if (
    (b[o]! !== 0x45 && ip(v).doopts !== 0) ||
    ((b[o + 6]! & 0x3f) | b[o + 7]!) !== 0 ||
    m.linkBcast ||
    ifp.type === 'loop' ||
    src === 0 ||
    src === -1 ||
    src >>> 28 === 0xe ||
    src >>> 16 === 0xa9fe ||
    dst >>> 28 >= 0xe ||
    dst >>> 16 === 0xa9fe ||
    dst >>> 24 === 0 ||
    v.addrClass(dst) !== 0
  )
    return FF_SLOW
  // pfil(9) inbound hooks, here rather than in ip_input; a filter that names a next hop (ipfw fwd)
  // or rewrites the destination (nat) leaves the decision to ip_input, past its own hook pass.
  const pf = v.pfilInet
  if (pf.nIn !== 0) {
    if (pf.runIn(v, m, ifp) !== PFIL.PASS) return FF_DONE
    const d = m.data
    const at = m.off + 16
    if (pf.nextHop !== 0 || ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) !== dst)
      return FF_PASSIN
  }
  return ipFastForward(v, ifp, m, src, dst)
}

/** ip_tryforward past its input hooks: TTL, route, MTU, then out through ipSend (its output hooks). */
function ipFastForward(v: Vnet, ifp: Ifnet, m: Mbuf, src: number, dst: number): number {
  const state = ip(v)
  const st = state.stats
  const b = m.data
  const o = m.off
  if (b[o + 8]! <= 1) {
    icmpError(v, m, IcmpType.TIME_EXCEEDED, TimeExceededCode.TTL, 0)
    return FF_DONE
  }
  let rt = routeFor(v, dst, m.fib)
  // ECMP: one flow, one path (the same hash as the slow path's: addresses and TCP/UDP ports).
  if (rt !== null && rt.mpNext !== null)
    rt = mpathSelect(rt, flowHash(src, dst, l4Ports(b, o + ((b[o]! & 0xf) << 2), b[o + 9]!)))
  if (rt === null || (rt.flags & RTF.REJECT) !== 0) {
    st.ips_cantforward++
    icmpError(v, m, IcmpType.UNREACH, UnreachCode.HOST, 0)
    return FF_DONE
  }
  const out = rt.ifp
  if ((rt.flags & RTF.BLACKHOLE) !== 0 || !out.up) {
    st.ips_cantforward++
    v.env.pool.put(m)
    return FF_DONE
  }
  // RFC 1812 §5.2.7.2's redirect (back out the interface it came in on, to a sender on that
  // subnet) is ip_forward's to send.
  if (out === ifp && state.redirect !== 0 && rt.ifa !== null && ((src ^ rt.ifa.addr) & rt.ifa.mask) === 0)
    return FF_PASSIN
  const mtu = rt.mtu !== 0 && rt.mtu < out.mtu ? rt.mtu : out.mtu
  if (m.len > mtu) {
    // Don't fragment: "fragmentation needed" with the next hop's MTU (RFC 1191 §4), counted as
    // ip_tryforward counts it; otherwise ip_forward fragments.
    if ((b[o + 6]! & 0x40) === 0) return FF_PASSIN
    st.ips_cantfrag++
    icmpError(v, m, IcmpType.UNREACH, UnreachCode.NEEDFRAG, mtu)
    return FF_DONE
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
  return FF_DONE
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
