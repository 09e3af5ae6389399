/**
 * UDP over IPv6 (FreeBSD's udp6_usrreq.c): udp6_input with the checksum RFC 8200 §8.1 makes
 * mandatory, delivery through the same per-vnet table as UDP over IPv4, ICMPv6 port unreachable
 * when nobody listens (unless net.inet.udp.blackhole), and the AF_INET6 user requests: bind and
 * connect with scoped addresses, v4-mapped peers handed to UDP over IPv4 (unless IPV6_V6ONLY), and
 * ICMPv6 errors reported to connected sockets (udp6_ctlinput).
 *
 * Input never throws; user requests throw SysError having changed nothing.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import { type ProtoUsrreqs, SO, SOCK, Socket, SS } from '../../kern/socket.js'
import { SysError } from '../../util/errno.js'
import { readU16 } from '../../wire/addr.js'
import { fold, sum16 } from '../../wire/checksum.js'
import { IpProto } from '../../wire/inet/ipv4.js'
import { UDP_HDR_LEN, writeUdpHeader } from '../../wire/inet/udp.js'
import { Icmp6Type, Unreach6Code } from '../../wire/inet6/icmpv6.js'
import {
  in6Eq,
  in6IsLinkLocal,
  in6IsMulticast,
  in6IsUnspecified,
  in6IsV4Mapped,
  in6Loopback,
} from '../../wire/inet6/in6_addr.js'
import { IPV6_HDR_LEN, ipv6PseudoSum } from '../../wire/inet6/ipv6.js'
import { encapUdp6Input, GRE_UDPPORT } from '../net/if/ip_tunnel.js'
import type { Ifnet } from '../net/ifnet.js'
import { Slot, type Vnet } from '../net/vnet.js'
import { freeMoptions } from '../netinet/in_mcast.js'
import { INP, Inpcb, type PcbJail } from '../netinet/in_pcb.js'
import { type UdpTunnel, type UdpVnet, udp, udpUsrreqs } from '../netinet/udp.js'
import { icmp6Error } from './icmp6.js'
import { prisonRemoteIp6 } from './in6_jail.js'
import {
  in6PcbBind,
  in6PcbConnect,
  in6PcbDisconnect,
  in6PcbInit,
  in6PcbLookup,
  in6SetV4Mapped,
  in6Sockaddr,
  in6V4,
  sockIn6,
} from './in6_pcb.js'
import { in6SelectSrcFor } from './in6_src.js'
import { ip6 } from './ip6/ip6.js'
import { ip6Output } from './ip6/ip6_output.js'
import { freeMoptions6, IPV6_DEFAULT_MULTICAST_HOPS } from './mld6/in6_mcast.js'

/** udp6_input: m starts at the IPv6 header, the UDP header at `off`. Takes ownership of m. */
export function udp6Input(v: Vnet, ifp: Ifnet, m: Mbuf, off: number, zone: number): void {
  const us = udp(v)
  const st = us.stats
  const pool = v.env.pool
  const b = m.data
  const len = m.off + m.len - off
  st.udps_ipackets++
  if (len < UDP_HDR_LEN) {
    st.udps_hdrops++
    pool.put(m)
    return
  }
  // RFC 8200 §8.1: the length field may not exceed the packet; a zero checksum is not allowed.
  const ulen = readU16(b, off + 4)
  if (ulen < UDP_HDR_LEN || ulen > len) {
    st.udps_badlen++
    pool.put(m)
    return
  }
  const so = m.off + 8
  const dso = m.off + 24
  if (readU16(b, off + 6) === 0) {
    st.udps_nosum++
    pool.put(m)
    return
  }
  if (
    !m.csumL4 &&
    fold(sum16(b, off, ulen, ipv6PseudoSum(b, so, b, dso, ulen, IpProto.UDP), m.data32)) !== 0xffff
  ) {
    st.udps_badsum++
    pool.put(m)
    return
  }
  const sport = readU16(b, off)
  const dport = readU16(b, off + 2)
  // So does a gre(4) tunnel with udpencap over IPv6 (in6_gre_udp_input).
  if (dport === GRE_UDPPORT && encapUdp6Input(v, m, off - m.off)) return
  if (in6IsMulticast(b, dso)) {
    // udp6_input's multicast loop: every socket of the port that joined the group on the arrival
    // interface hears it, until one without SO_REUSEADDR/SO_REUSEPORT.
    let heard = false
    for (let p = us.pcbs.portHead(dport); p !== null; p = p.portNext) {
      if ((p.vflag & INP.IPV6) === 0 || p.laddr6 === null) continue
      if (!in6IsUnspecified(p.laddr6, 0) && !in6Eq(p.laddr6, 0, b, dso)) continue
      if (p.mopts6 === null || !p.mopts6.member(ifp, b, dso)) continue
      heard = true
      // A tunnel that joined the group (geneve's genevegroup) takes its own copy.
      if (p.ppcb !== null) {
        const c = pool.dup(m)
        ;(p.ppcb as UdpTunnel).input6(v, ifp, c, c.off + (off - m.off), zone)
        if ((p.so.options & (SO.REUSEADDR | SO.REUSEPORT)) === 0) break
        continue
      }
      const data = off + UDP_HDR_LEN
      const from = {
        addr: 0,
        port: sport,
        addr6: b.slice(so, so + 16),
        scopeId: in6IsLinkLocal(b, so) ? zone : 0,
      }
      if (p.so.rcv.append({ data: b.slice(data, data + ulen - UDP_HDR_LEN), from, hlim: b[m.off + 7]! }))
        p.so.wakeup()
      else st.udps_fullsock++
      if ((p.so.options & (SO.REUSEADDR | SO.REUSEPORT)) === 0) break
    }
    if (!heard) st.udps_noportbcast++
    pool.put(m)
    return
  }
  const pcb = in6PcbLookup(us.pcbs, b, so, sport, b, dso, dport)
  if (pcb === null) {
    st.udps_noport++
    if (us.blackhole !== 0) pool.put(m)
    else icmp6Error(v, m, Icmp6Type.DST_UNREACH, Unreach6Code.NOPORT, 0)
    return
  }
  // A kernel socket's tunnel (net.inet.tcp.udp_tunneling_port's) takes the datagram.
  if (pcb.ppcb !== null) {
    ;(pcb.ppcb as UdpTunnel).input6(v, ifp, m, off, zone)
    return
  }
  const data = off + UDP_HDR_LEN
  const from = {
    addr: 0,
    port: sport,
    addr6: b.slice(so, so + 16),
    scopeId: in6IsLinkLocal(b, so) ? zone : 0,
  }
  if (pcb.so.rcv.append({ data: b.slice(data, data + ulen - UDP_HDR_LEN), from, hlim: b[m.off + 7]! }))
    pcb.so.wakeup()
  else st.udps_fullsock++
  pool.put(m)
}

/**
 * udp6_common_ctlinput: an ICMPv6 error (type, code, param) quoting a datagram we sent (its IPv6
 * header at b[inner]). A kernel tunnel bound to the source port gets the whole error (u_icmp_func,
 * Packet Too Big included); otherwise a connected socket of exactly that four-tuple hears what it
 * means (`err`, null for nothing) as so_error.
 */
export function udp6Ctlinput(
  v: Vnet,
  type: number,
  code: number,
  param: number,
  err: string | null,
  b: Uint8Array,
  inner: number,
  innerLen: number,
): void {
  const us = v.slots[Slot.UDP] as UdpVnet | undefined
  if (us === undefined || innerLen < IPV6_HDR_LEN + 8) return
  const t = inner + IPV6_HDR_LEN
  const pcb = in6PcbLookup(us.pcbs, b, inner + 24, readU16(b, t + 2), b, inner + 8, readU16(b, t))
  if (pcb === null) return
  if (pcb.ppcb !== null) (pcb.ppcb as UdpTunnel).ctlinput6(v, type, code, param, b, inner, innerLen)
  else if (err !== null && pcb.connected) pcb.so.setError(new SysError(err as 'ECONNREFUSED', 'recvfrom'))
}

function pcbOf(so: Socket): Inpcb {
  const pcb = so.pcb as Inpcb | null
  if (pcb === null || pcb.laddr6 === null) throw new SysError('EINVAL', 'socket')
  return pcb
}

/** Run an IPv4 user request on an AF_INET6 endpoint as udp_send's PRUS_IPV6 does. */
function asIpv4<T>(pcb: Inpcb, f: () => T): T {
  const save = pcb.vflag
  pcb.vflag = (save | INP.IPV4) & ~INP.IPV6
  try {
    return f()
  } finally {
    pcb.vflag = save
  }
}

export const udp6Usrreqs: ProtoUsrreqs = {
  bind(so, sa) {
    const pcb = pcbOf(so)
    in6PcbBind(udp(pcb.vnet).pcbs, pcb, sockIn6(pcb, sa, 'bind'), sa.scopeId ?? 0, sa.port)
  },

  connect(so, sa) {
    const pcb = pcbOf(so)
    if (pcb.connected) throw new SysError('EISCONN', 'connect')
    let fa = sockIn6(pcb, sa, 'connect')
    if (in6IsV4Mapped(fa, 0)) {
      if (pcb.v6only) throw new SysError('EINVAL', 'connect')
      pcb.vflag = INP.IPV6PROTO | INP.IPV4
      try {
        udpUsrreqs.connect(so, { addr: in6V4(fa), port: sa.port })
      } catch (e) {
        pcb.vflag = INP.IPV6PROTO | INP.IPV6 | INP.IPV4
        throw e
      }
      in6SetV4Mapped(pcb.laddr6!, 0, pcb.laddr)
      in6SetV4Mapped(pcb.faddr6!, 0, pcb.faddr)
      return
    }
    if (sa.port === 0) throw new SysError('EADDRNOTAVAIL', 'connect')
    // in6_pcbladdr: ::1 of a jail is its own address; then the unspecified address means ::1.
    fa = prisonRemoteIp6(pcb.jail, fa)
    if (in6IsUnspecified(fa, 0)) fa = in6Loopback()
    const zone = sa.scopeId ?? 0
    if (in6IsLinkLocal(fa, 0) && zone === 0) throw new SysError('EINVAL', 'connect')
    const src = in6SelectSrcFor(pcb.vnet, fa, zone, pcb.laddr6!, pcb.jail)
    in6PcbConnect(udp(pcb.vnet).pcbs, pcb, fa, zone, sa.port, src)
    so.state |= SS.ISCONNECTED
  },

  disconnect(so) {
    const pcb = pcbOf(so)
    if (!pcb.connected) throw new SysError('ENOTCONN', 'connect')
    if ((pcb.vflag & INP.IPV6) === 0) {
      udpUsrreqs.disconnect(so)
      pcb.laddr6!.fill(0)
      pcb.faddr6!.fill(0)
      pcb.vflag = INP.IPV6PROTO | INP.IPV6 | (pcb.v6only ? 0 : INP.IPV4)
      return
    }
    in6PcbDisconnect(udp(pcb.vnet).pcbs, pcb, false)
    so.state &= ~SS.ISCONNECTED
  },

  send(so, data, to, flags) {
    const pcb = pcbOf(so)
    const v = pcb.vnet
    const us = udp(v)
    if (to !== null && pcb.connected) throw new SysError('EISCONN', 'sendto')
    if (to === null && !pcb.connected) throw new SysError('EDESTADDRREQ', 'sendto')
    let dst: Uint8Array
    let zone: number
    let dport: number
    if (to !== null) {
      dst = sockIn6(pcb, to, 'sendto')
      if (in6IsV4Mapped(dst, 0)) {
        if (pcb.v6only) throw new SysError('EINVAL', 'sendto')
        const d4 = { addr: in6V4(dst), port: to.port }
        asIpv4(pcb, () => udpUsrreqs.send(so, data, d4, flags))
        return
      }
      dst = prisonRemoteIp6(pcb.jail, dst, 'sendto')
      zone = to.scopeId ?? 0
      dport = to.port
    } else {
      if ((pcb.vflag & INP.IPV6) === 0) {
        udpUsrreqs.send(so, data, null, flags)
        return
      }
      dst = pcb.faddr6!
      zone = pcb.zone
      dport = pcb.fport
    }
    if (data.length > so.sndHiwat || data.length + UDP_HDR_LEN > 0xffff)
      throw new SysError('EMSGSIZE', 'sendto')
    if (dport === 0) throw new SysError('EADDRNOTAVAIL', 'sendto')
    if (in6IsUnspecified(dst, 0)) dst = in6Loopback()
    if (in6IsLinkLocal(dst, 0) && zone === 0) zone = pcb.zone
    const mo = in6IsMulticast(dst, 0) ? pcb.mopts6 : null
    // IPV6_MULTICAST_IF names the zone of a group destination given without one.
    if (mo?.ifp != null && zone === 0) zone = mo.ifp.index
    if ((in6IsLinkLocal(dst, 0) || in6IsMulticast(dst, 0)) && zone === 0)
      throw new SysError('EINVAL', 'sendto')
    const src = in6SelectSrcFor(v, dst, zone, pcb.laddr6!, pcb.jail)
    if (pcb.lport === 0) in6PcbBind(us.pcbs, pcb, pcb.laddr6!, pcb.zone, 0)
    const m = v.env.pool.get(UDP_HDR_LEN + data.length)
    m.fib = so.fibnum
    writeUdpHeader(m.data, m.off, pcb.lport, dport, data.length)
    m.data.set(data, m.off + UDP_HDR_LEN)
    m.len = UDP_HDR_LEN + data.length
    us.stats.udps_opackets++
    const err = ip6Output(v, m, dst, 0, IpProto.UDP, {
      hlim: in6IsMulticast(dst, 0)
        ? (mo?.hlim ?? IPV6_DEFAULT_MULTICAST_HOPS)
        : pcb.hlim >= 0
          ? pcb.hlim
          : ip6(v).defHlim,
      src,
      zone,
      csumOff: 6,
      tclass: Math.max(pcb.tclass, 0),
    })
    if (err !== undefined) throw new SysError(err, 'sendto')
  },

  shutdown(so) {
    so.state |= SS.CANTSENDMORE
  },

  detach(so) {
    const pcb = so.pcb as Inpcb | null
    if (pcb === null) return
    freeMoptions6(pcb.mopts6)
    freeMoptions(pcb.vnet, pcb.mopts)
    udp(pcb.vnet).pcbs.detach(pcb)
    so.pcb = null
  },

  sockaddr(so) {
    const pcb = pcbOf(so)
    return in6Sockaddr(pcb, pcb.laddr6!, pcb.laddr, pcb.lport)
  },

  peeraddr(so) {
    const pcb = pcbOf(so)
    if (!pcb.connected) throw new SysError('ENOTCONN', 'getpeername')
    return in6Sockaddr(pcb, pcb.faddr6!, pcb.faddr, pcb.fport)
  },
}

/**
 * socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP) (udp6_attach): an endpoint speaking IPv6, and IPv4
 * too through v4-mapped addresses unless net.inet6.ip6.v6only gave it IPV6_V6ONLY.
 */
export function udp6Socket(v: Vnet, jail: PcbJail | null, uid: number, reservedPorts: boolean): Socket {
  const us = udp(v)
  const so = new Socket(SOCK.DGRAM, IpProto.UDP, udp6Usrreqs, v.env.clock, us.recvspace, us.maxdgram)
  so.ipc = v.env.ipc
  const pcb = us.pcbs.attach(new Inpcb(so, v, jail, uid, { reservedPorts }))
  in6PcbInit(pcb, ip6(v).v6only !== 0)
  if (!pcb.v6only) pcb.vflag |= INP.IPV4
  so.pcb = pcb
  return so
}
