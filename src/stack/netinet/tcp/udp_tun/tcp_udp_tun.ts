/**
 * TCP over UDP (FreeBSD's net.inet.tcp.udp_tunneling_port, after RFC 6951's encapsulation for
 * SCTP): a TCP segment may arrive inside a UDP datagram to the tunneling port; it is taken out
 * (the IP header moved up over the UDP header) and handed to TCP with the datagram's source port.
 * A connection made by such a SYN, or one given TCP_REMOTE_UDP_ENCAPS_PORT before connecting,
 * keeps that port (t_port) and sends every segment inside UDP from the tunneling port to it;
 * answers to a tunnelled segment (RST, challenge ACK) go back the same way. In a tunnel the UDP
 * checksum covers the segment and the TCP checksum is zero, over IPv4 as over IPv6, as FreeBSD
 * sends (CSUM_UDP) and expects (tcp_input skips the TCP checksum when the port is set). A segment
 * whose tunnel does not match its connection's t_port is answered with an RST, as FreeBSD does.
 *
 * The datagrams come from the tunnel's kernel sockets (tcp_over_udp.ts), which UDP hands every
 * datagram to the tunneling port. Allocation-free; never throws; datagrams too short for a TCP
 * header are dropped and counted.
 */

import type { Mbuf } from '../../../../buf/mbuf.js'
import { readU16, writeU16 } from '../../../../wire/addr.js'
import { checksum } from '../../../../wire/checksum.js'
import { IpProto, ipv4PseudoHeaderSum } from '../../../../wire/inet/ipv4.js'
import { IPV6_HDR_LEN, ipv6PseudoSum } from '../../../../wire/inet6/ipv6.js'
import type { Ifnet } from '../../../net/ifnet.js'
import type { Vnet } from '../../../net/vnet.js'
import { tcpInput } from '../tcp_input.js'
import { tcp6Input } from '../tcp_ip6.js'
import { tcp } from '../tcp_var.js'

const UDP_HDR_LEN = 8

/**
 * tcp_recv_udp_tunneled_packet over IPv4, the tunnel socket's input hook (tcp_over_udp.ts): a
 * datagram to the tunneling port (its UDP header at m.off + hlen, the checksum already verified)
 * goes to TCP with its source port. Takes m.
 */
export function tcpUdpTunnelInput(v: Vnet, ifp: Ifnet, m: Mbuf, hlen: number): void {
  const tv = tcp(v)
  const b = m.data
  const u = m.off + hlen
  const sport = readU16(b, u)
  const ulen = readU16(b, u + 4)
  tv.stats.tcps_tunneled_pkts++
  if (ulen < UDP_HDR_LEN + 20) {
    tv.stats.tcps_tunneled_errs++
    v.env.pool.put(m)
    return
  }
  // The IP header slides over the UDP header: TCP then sees an ordinary IPv4 segment.
  b.copyWithin(m.off + UDP_HDR_LEN, m.off, m.off + hlen)
  m.off += UDP_HDR_LEN
  m.len = hlen + ulen - UDP_HDR_LEN
  writeU16(b, m.off + 2, m.len)
  b[m.off + 9] = IpProto.TCP
  // The UDP checksum vouched for the segment; its own checksum field is zero.
  m.csumL4 = true
  tcpInput(v, ifp, m, hlen, sport)
}

/**
 * Wrap the finished TCP segment in m (m.off at the TCP header, len bytes) in a UDP header from the
 * tunneling port to `port`, with the UDP checksum over both and a zero TCP checksum. False when
 * there is no headroom (the caller drops m).
 */
export function tcpUdpEncap(v: Vnet, m: Mbuf, src: number, dst: number, port: number): boolean {
  if (!tcpUdpWrap(v, m, port)) return false
  const b = m.data
  const o = m.off
  const sum = checksum(b, o, m.len, ipv4PseudoHeaderSum(src, dst, IpProto.UDP, m.len))
  writeU16(b, o + 6, sum === 0 ? 0xffff : sum)
  m.csumL4 = false
  return true
}

/**
 * tcp_recv_udp_tunneled_packet over IPv6 (IPv6 header at m.off, the UDP header at `off`, after any
 * extension headers, its checksum verified): the segment goes to tcp6_input with the datagram's
 * source port. Takes m.
 */
export function tcpUdpTunnelInput6(v: Vnet, ifp: Ifnet, m: Mbuf, off: number, zone: number): void {
  const tv = tcp(v)
  const b = m.data
  const sport = readU16(b, off)
  const ulen = readU16(b, off + 4)
  tv.stats.tcps_tunneled_pkts++
  if (ulen < UDP_HDR_LEN + 20) {
    tv.stats.tcps_tunneled_errs++
    v.env.pool.put(m)
    return
  }
  // The headers slide over the UDP header; the payload length loses its 8 bytes.
  b.copyWithin(m.off + UDP_HDR_LEN, m.off, off)
  m.off += UDP_HDR_LEN
  m.len = off - m.off + UDP_HDR_LEN + ulen - UDP_HDR_LEN
  writeU16(b, m.off + 4, readU16(b, m.off + 4) - UDP_HDR_LEN)
  if (off === m.off - UDP_HDR_LEN + IPV6_HDR_LEN) b[m.off + 6] = IpProto.TCP
  m.csumL4 = true
  tcp6Input(v, ifp, m, off + UDP_HDR_LEN, zone, sport)
}

/** tcpUdpEncap over IPv6: the UDP checksum over the RFC 8200 pseudo-header. */
export function tcpUdpEncap6(v: Vnet, m: Mbuf, src: Uint8Array, dst: Uint8Array, port: number): boolean {
  if (!tcpUdpWrap(v, m, port)) return false
  const b = m.data
  const o = m.off
  const sum = checksum(b, o, m.len, ipv6PseudoSum(src, 0, dst, 0, m.len, IpProto.UDP))
  writeU16(b, o + 6, sum === 0 ? 0xffff : sum)
  m.csumL4 = false
  return true
}

/**
 * The UDP header in front of the finished segment in m (m.off at the TCP header): from the
 * tunneling port to `port`, the TCP checksum zeroed and the UDP one left zero for the caller (or
 * ip6_output's csumOff 6) to fill. False when there is no headroom.
 */
export function tcpUdpWrap(v: Vnet, m: Mbuf, port: number): boolean {
  if (!m.prepend(UDP_HDR_LEN)) return false
  const b = m.data
  const o = m.off
  writeU16(b, o, tcp(v).udpTunnelingPort)
  writeU16(b, o + 2, port)
  writeU16(b, o + 4, m.len)
  writeU16(b, o + 6, 0)
  b[o + UDP_HDR_LEN + 16] = 0
  b[o + UDP_HDR_LEN + 17] = 0
  m.csumL4 = false
  return true
}
