/**
 * TCP over IPv6 (FreeBSD's tcp6_input, the INET6 halves of tcp_output / tcp_respond / tcp_mssopt
 * and tcp6_ctlinput): the same TCP machine behind a different front and back. Input checks the
 * checksum over the IPv6 pseudo-header (RFC 8200 §8.1), refuses group destinations, fills the
 * vnet's segment record with the addresses (and their digests) and finds the endpoint by in6
 * lookup; output hands segments to ip6_output with the endpoint's hop limit and traffic class;
 * the MSS is the IPv6 path MTU less 60 bytes; ICMPv6 errors reach connections as ICMP ones do.
 *
 * Never throws; allocates nothing per segment.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { ErrnoName } from '../../../util/errno.js'
import { readU16, readU32 } from '../../../wire/addr.js'
import { fold, sum16 } from '../../../wire/checksum.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { TcpCheck, TH } from '../../../wire/inet/tcp.js'
import { Icmp6Type, Unreach6Code } from '../../../wire/inet6/icmpv6.js'
import { in6Copy, in6IsMulticast, in6IsUnspecified } from '../../../wire/inet6/in6_addr.js'
import { IPV6_HDR_LEN, ipv6PseudoSum } from '../../../wire/inet6/ipv6.js'
import type { Ifnet } from '../../net/ifnet.js'
import type { Vnet } from '../../net/vnet.js'
import { in6Digest, in6PcbLookup } from '../../netinet6/in6_pcb.js'
import { type In6Ifinfo, in6Key } from '../../netinet6/in6_var.js'
import { ip6 } from '../../netinet6/ip6/ip6.js'
import { ip6Output, type OutError6 } from '../../netinet6/ip6/ip6_output.js'
import type { Inpcb } from '../in_pcb.js'
import { tcpInputPcb } from './tcp_input.js'
import { type TcpVnet, tcp, tcpIfAny } from './tcp_var.js'

/** sizeof(struct ip6_hdr) + sizeof(struct tcphdr). */
export const IP6TCP_HDR = 60

/**
 * tcp6_input: m starts at the IPv6 header, the TCP header at `off` (after any extension headers);
 * `zone` is the interface index link-scoped addresses of the packet belong to; `port` the UDP
 * source port of a tunnelled segment (tcp_udp_tun.ts), else 0. Takes ownership.
 */
export function tcp6Input(v: Vnet, _ifp: Ifnet, m: Mbuf, off: number, zone: number, port = 0): void {
  const tv = tcp(v)
  const st = tv.stats
  const pool = v.env.pool
  st.tcps_rcvtotal++
  const b = m.data
  const so = m.off + 8
  const dso = m.off + 24
  const tlen = m.off + m.len - off
  const th = tv.th
  th.point(b, off, tlen)
  if (
    tlen >= 20 &&
    !m.csumL4 &&
    fold(sum16(b, off, tlen, ipv6PseudoSum(b, so, b, dso, tlen, IpProto.TCP), m.data32)) !== 0xffff
  ) {
    st.tcps_rcvbadsum++
    pool.put(m)
    return
  }
  const chk = th.check(false, 0, 0)
  if (chk !== TcpCheck.OK) {
    if (chk === TcpCheck.SHORT) st.tcps_rcvshort++
    else st.tcps_rcvbadoff++
    pool.put(m)
    return
  }
  // Never to a group (RFC 1122 §4.2.3.10's rule, as tcp6_input drops multicast destinations).
  if (in6IsMulticast(b, dso) || m.linkBcast) {
    pool.put(m)
    return
  }
  const seg = tv.seg
  seg.v6 = true
  in6Copy(seg.src6, 0, b, so)
  in6Copy(seg.dst6, 0, b, dso)
  seg.src = in6Digest(seg.src6)
  seg.dst = in6Digest(seg.dst6)
  seg.zone = zone
  seg.sport = th.srcPort
  seg.dport = th.dstPort
  seg.seq = th.seq
  seg.ack = th.ack
  seg.flags = th.flags & 0xff
  // The traffic class sits where IPv4's TOS does, four bits later.
  seg.tos = ((b[m.off]! & 0xf) << 4) | (b[m.off + 1]! >>> 4)
  seg.win = th.window
  seg.len = th.payloadLength
  seg.buf = b
  seg.off = th.payloadOffset
  seg.port = port
  th.parseOptions(tv.to)
  if ((seg.flags & (TH.SYN | TH.FIN)) === (TH.SYN | TH.FIN) && tv.dropSynfin !== 0) {
    pool.put(m)
    return
  }
  tcpInputPcb(v, tv, m, off - m.off, in6PcbLookup(tv.pcbs, b, so, seg.sport, b, dso, seg.dport))
}

/** The hop limit an IPv6 endpoint sends with (IPV6_UNICAST_HOPS, else net.inet6.ip6.hlim). */
export function in6Hlim(inp: Inpcb): number {
  return inp.hlim >= 0 ? inp.hlim : ip6(inp.vnet).defHlim
}

/**
 * Send a TCP segment (header and data in m, checksum field anywhere) from src to dst over IPv6;
 * src null or unspecified lets ip6_output choose. Takes ownership of m.
 */
export function tcp6Send(
  v: Vnet,
  tv: TcpVnet,
  m: Mbuf,
  src: Uint8Array | null,
  dst: Uint8Array,
  zone: number,
  hlim: number,
  tclass: number,
): OutError6 {
  const o = tv.ip6o
  o.hlim = hlim
  o.src = src !== null && !in6IsUnspecified(src, 0) ? src : null
  o.zone = zone
  o.csumOff = 16
  o.tclass = tclass & 0xff
  return ip6Output(v, m, dst, 0, IpProto.TCP, o)
}

/** The MTU toward dst over IPv6 (the route's, else the link's), 0 without a route (in6_maxmtu). */
export function tcpPathMtu6(v: Vnet, dst: Uint8Array, zone: number): number {
  const st = ip6(v)
  in6Key(st.keyOut, dst, 0, zone)
  const rt = st.rib.lookup(st.keyOut)
  if (rt === null) return 0
  const ii = rt.ifp.inet6 as In6Ifinfo | null
  const link = ii !== null && ii.linkMtu !== 0 ? ii.linkMtu : rt.ifp.mtu
  return rt.mtu !== 0 && rt.mtu < link ? rt.mtu : link
}

/** tcp_mssopt for an IPv6 peer: the path MTU less 60, else net.inet.tcp.v6mssdflt. */
export function tcpMssopt6(v: Vnet, tv: TcpVnet, dst: Uint8Array, zone: number): number {
  const mtu = tcpPathMtu6(v, dst, zone)
  const mss = mtu === 0 ? tv.v6mssdflt : mtu - IP6TCP_HDR
  return Math.max(Math.min(mss, 65535), 0)
}

/** icmp6_errmap / inet6ctlerrmap: the errno an ICMPv6 error means for an endpoint, or null. */
export function icmp6Errno(type: number, code: number): ErrnoName | null {
  if (type === Icmp6Type.DST_UNREACH) return code === Unreach6Code.NOPORT ? 'ECONNREFUSED' : 'EHOSTUNREACH'
  if (type === Icmp6Type.PACKET_TOO_BIG) return 'EMSGSIZE'
  if (type === Icmp6Type.TIME_EXCEEDED) return code === 0 ? 'EHOSTUNREACH' : null
  if (type === Icmp6Type.PARAM_PROB) return code === 1 ? 'ECONNREFUSED' : 'ENOPROTOOPT'
  return null
}

/** The callback a transport gets for an ICMPv6 error about one of its connections. */
export type Tcp6Notify = (
  tp: Inpcb,
  hard: boolean,
  err: ErrnoName,
  seq: number,
  mtu: number,
  quotedLen: number,
  routeMtu: number,
  port: number,
) => void

/**
 * tcp6_ctlinput: an ICMPv6 error (type, code, the MTU or pointer `param`) quoting our segment at
 * b[inner], innerLen bytes of it. Finds the connection and hands it to `notify` (tcp_subr's shared
 * half: the sequence check, PMTU, hard and soft errors).
 */
export function tcp6Ctlinput(
  v: Vnet,
  type: number,
  code: number,
  param: number,
  b: Uint8Array,
  inner: number,
  innerLen: number,
  notify: Tcp6Notify,
  port = 0,
): void {
  // tcp6_ctlinput_viaudp gives the peer's UDP port: the TCP header follows the UDP one.
  const t = inner + IPV6_HDR_LEN + (port !== 0 ? 8 : 0)
  if (innerLen < t - inner + 8) return
  const tv = tcpIfAny(v)
  if (tv === undefined) return
  const err = icmp6Errno(type, code)
  if (err === null) return
  const sport = readU16(b, t)
  const dport = readU16(b, t + 2)
  const inp = in6PcbLookup(tv.pcbs, b, inner + 24, dport, b, inner + 8, sport, false)
  if (inp === null) return
  // Port unreachable, administratively prohibited and unrecognised next header abort a connect.
  const hard =
    (type === Icmp6Type.DST_UNREACH && (code === Unreach6Code.NOPORT || code === Unreach6Code.ADMIN)) ||
    (type === Icmp6Type.PARAM_PROB && code === 1) ||
    (type === Icmp6Type.TIME_EXCEEDED && code === 0)
  const quotedLen = readU16(b, inner + 4) + IPV6_HDR_LEN
  notify(
    inp,
    hard,
    err,
    readU32(b, t + 4),
    type === Icmp6Type.PACKET_TOO_BIG ? param : 0,
    quotedLen,
    tcpPathMtu6(v, b.subarray(inner + 24, inner + 40), inp.zone),
    port,
  )
}
