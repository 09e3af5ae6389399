/**
 * UDP (RFC 768, RFC 1122 §4.1.3; FreeBSD's udp_usrreq.c): input validation with struct udpstat
 * counters, delivery to the vnet's sockets (one for unicast, every matching one for broadcast and
 * multicast), ICMP port unreachable when nobody listens (unless net.inet.udp.blackhole), output
 * with the pseudo-header checksum, ICMP errors reported to connected sockets (udp_ctlinput), and
 * kernel sockets whose tunnel hooks take their datagrams and errors (udp_set_kernel_tunneling: TCP
 * over UDP's), so UDP itself knows no protocol it carries.
 *
 * Input never throws; a datagram that does not fit a socket's receive buffer is counted
 * (udps_fullsock) and dropped. The user requests throw SysError, having changed nothing.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import {
  MSG,
  type ProtoUsrreqs,
  SO,
  SOCK,
  type SockAddrIn,
  Socket,
  SS,
  UDP_MAXDGRAM,
  UDP_RECVSPACE,
} from '../../kern/socket.js'
import { type ErrnoName, SysError } from '../../util/errno.js'
import { isMulticastIpv4, readU16, readU32 } from '../../wire/addr.js'
import { fold, sum16 } from '../../wire/checksum.js'
import { IcmpType, UnreachCode } from '../../wire/inet/icmp.js'
import { IpProto, ipv4PseudoHeaderSum } from '../../wire/inet/ipv4.js'
import { UDP_HDR_LEN, udpFinish, writeUdpHeader } from '../../wire/inet/udp.js'
import { encapUdpInput, GRE_UDPPORT } from '../net/if/ip_tunnel.js'
import type { Ifnet } from '../net/ifnet.js'
import { intKnob } from '../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../net/vnet.js'
import { in6SetV4Mapped } from '../netinet6/in6_pcb.js'
import { icmpError } from './icmp.js'
import { freeMoptions, IP_DEFAULT_MULTICAST_TTL } from './in_mcast.js'
import { INADDR_ANY, INP, Inpcb, InpcbTable, jailRemoteAddr, type PcbJail } from './in_pcb.js'
import { ip } from './ip/ip.js'
import { pcbLookupFwd } from './ip/ip_fwd_tag.js'
import { type IpOutOptions, ipOutput, sourceFor } from './ip/ip_output.js'

export { UDP_HDR_LEN }

/** UDP endpoints a vnet may hold at once (its share of kern.ipc.maxsockets). */
export const UDP_PCB_MAX = 65536

/** struct udpstat. */
export class UdpStats {
  udps_ipackets = 0
  udps_hdrops = 0
  udps_badsum = 0
  udps_nosum = 0
  udps_badlen = 0
  udps_noport = 0
  udps_noportbcast = 0
  udps_fullsock = 0
  udps_opackets = 0
}

/**
 * A kernel socket's tunnel (udp_set_kernel_tunneling: struct udpcb's u_tun_func and u_icmp_func),
 * kept as its inpcb's ppcb: every datagram the socket would receive goes to input / input6 instead
 * of its buffer, and an ICMP(v6) error quoting a datagram sent from its port to ctlinput /
 * ctlinput6. A read-only table of functions; the hooks take ownership of m and never throw.
 */
export interface UdpTunnel {
  /** m at its IPv4 header (hlen bytes), the UDP header after it, checksum verified. */
  input(v: Vnet, ifp: Ifnet, m: Mbuf, hlen: number): void
  /** m at its IPv6 header, the UDP header at `off`, checksum verified. */
  input6(v: Vnet, ifp: Ifnet, m: Mbuf, off: number, zone: number): void
  /** The ICMP error's type and code, its quoted datagram at buf[inner] (innerLen bytes, the ICMP header before it). */
  ctlinput(v: Vnet, type: number, code: number, buf: Uint8Array, inner: number, innerLen: number): void
  /** The ICMPv6 error's type, code and parameter (the MTU of a Packet Too Big), its quote at b[inner]. */
  ctlinput6(
    v: Vnet,
    type: number,
    code: number,
    param: number,
    b: Uint8Array,
    inner: number,
    innerLen: number,
  ): void
}

/** udp_set_kernel_tunneling: EBUSY if the socket already has a tunnel. */
export function udpSetKernelTunneling(so: Socket, tun: UdpTunnel): void {
  const pcb = pcbOf(so)
  if (pcb.ppcb !== null) throw new SysError('EBUSY', 'udp_set_kernel_tunneling')
  pcb.ppcb = tun
}

export class UdpVnet {
  readonly stats = new UdpStats()
  readonly pcbs: InpcbTable
  /** net.inet.udp.recvspace, maxdgram, blackhole, checksum. */
  recvspace = UDP_RECVSPACE
  maxdgram = UDP_MAXDGRAM
  blackhole = 0
  checksum = 1
  /** ip_output's options for each datagram sent, filled in per send: nothing allocated per datagram. */
  readonly ipo: IpOutOptions = {
    ttl: 64,
    tos: 0,
    df: false,
    src: 0,
    dontRoute: false,
    mifp: null,
    mloop: true,
  }

  constructor(v: Vnet) {
    this.pcbs = new InpcbTable(v.env.rng.stream(`udp-ports:${v.id}`), UDP_PCB_MAX)
    this.pcbs.range = ip(v).portRange
  }
}

export const udpModule: VnetModule<UdpVnet> = {
  name: 'udp',
  slot: Slot.UDP,
  create: (v) => new UdpVnet(v),
  // The stack is going away under its sockets: they read end of file and cannot send.
  destroy: (s) => {
    for (const p of s.pcbs.all()) {
      p.so.state |= SS.CANTRCVMORE | SS.CANTSENDMORE
      p.so.setError(new SysError('ENETDOWN', 'recvfrom'))
    }
  },
  sysctls: [
    intKnob(
      'net.inet.udp.recvspace',
      'Maximum space for incoming UDP datagrams',
      (v) => udp(v),
      'recvspace',
      {
        min: 1,
        max: 2 * 1024 * 1024,
      },
    ),
    intKnob('net.inet.udp.maxdgram', 'Maximum outgoing UDP datagram size', (v) => udp(v), 'maxdgram', {
      min: 1,
      max: 65535,
    }),
    intKnob(
      'net.inet.udp.blackhole',
      'Do not send port unreachables for refused connects',
      (v) => udp(v),
      'blackhole',
      {
        min: 0,
        max: 1,
      },
    ),
    intKnob('net.inet.udp.checksum', 'compute udp checksum', (v) => udp(v), 'checksum', { min: 0, max: 1 }),
  ],
}

export function udp(v: Vnet): UdpVnet {
  return vstate(v, udpModule)
}

/** Copy a datagram's payload to the socket (sbappendaddr); false when it does not fit. */
function deliver(pcb: Inpcb, buf: Uint8Array, off: number, len: number, src: number, sport: number): boolean {
  const so = pcb.so
  // An AF_INET6 socket hears IPv4 peers as v4-mapped addresses.
  let from: SockAddrIn = { addr: src, port: sport }
  if (pcb.laddr6 !== null) {
    const a6 = new Uint8Array(16)
    in6SetV4Mapped(a6, 0, src)
    from = { addr: src, port: sport, addr6: a6, scopeId: 0 }
  }
  const ok = so.rcv.append({ data: buf.slice(off, off + len), from })
  if (ok) so.wakeup()
  return ok
}

/** m starts at the IP header of length hlen. Takes ownership of m. */
export function udpInput(v: Vnet, ifp: Ifnet, m: Mbuf, hlen: number): void {
  const us = udp(v)
  const st = us.stats
  const pool = v.env.pool
  const buf = m.data
  const off = m.off + hlen
  const len = m.len - hlen
  st.udps_ipackets++
  if (len < UDP_HDR_LEN) {
    st.udps_hdrops++
    pool.put(m)
    return
  }
  const ulen = readU16(buf, off + 4)
  if (ulen < UDP_HDR_LEN || ulen > len) {
    st.udps_badlen++
    pool.put(m)
    return
  }
  const src = readU32(buf, m.off + 12)
  const dst = readU32(buf, m.off + 16)
  if (readU16(buf, off + 6) === 0) st.udps_nosum++
  else if (
    fold(sum16(buf, off, ulen, ipv4PseudoHeaderSum(src, dst, IpProto.UDP, ulen), m.data32)) !== 0xffff
  ) {
    st.udps_badsum++
    pool.put(m)
    return
  }
  const sport = readU16(buf, off)
  const dport = readU16(buf, off + 2)
  // So does a gre(4) tunnel with udpencap (its kernel socket on GRE_UDPPORT, in_gre_udp_input).
  if (dport === GRE_UDPPORT && encapUdpInput(v, m, hlen)) return
  const data = off + UDP_HDR_LEN
  const dlen = ulen - UDP_HDR_LEN
  const mcast = isMulticastIpv4(dst)
  if (mcast || v.isBroadcast(dst)) {
    // udp_multi_input: every socket of the port hears it, until one without SO_REUSEADDR/PORT.
    let heard = false
    for (let p = us.pcbs.portHead(dport); p !== null; p = p.portNext) {
      // A kernel tunnel has no use for a broadcast, and no buffer to keep it in.
      if ((p.vflag & INP.IPV4) === 0 || (p.ppcb !== null && !mcast)) continue
      if (p.laddr !== INADDR_ANY && p.laddr !== dst) continue
      if (p.faddr !== INADDR_ANY && (p.faddr !== src || p.fport !== sport)) continue
      // A group datagram reaches only sockets that joined the group on the arrival interface.
      if (mcast && (p.mopts === null || !p.mopts.member(ifp, dst))) continue
      heard = true
      // A tunnel that joined the group (geneve's genevegroup) takes its own copy (udp_append).
      if (p.ppcb !== null) (p.ppcb as UdpTunnel).input(v, ifp, pool.dup(m), hlen)
      else if (!deliver(p, buf, data, dlen, src, sport)) st.udps_fullsock++
      if ((p.so.options & (SO.REUSEADDR | SO.REUSEPORT)) === 0) break
    }
    if (!heard) st.udps_noportbcast++
    pool.put(m)
    return
  }
  const pcb = pcbLookupFwd(us.pcbs, m, src, sport, dst, dport)
  if (pcb === null) {
    st.udps_noport++
    if (us.blackhole !== 0) pool.put(m)
    else icmpError(v, m, IcmpType.UNREACH, UnreachCode.PORT, 0)
    return
  }
  // A kernel socket's tunnel (net.inet.tcp.udp_tunneling_port's) takes the datagram (udp_append).
  if (pcb.ppcb !== null) {
    ;(pcb.ppcb as UdpTunnel).input(v, ifp, m, hlen)
    return
  }
  if (!deliver(pcb, buf, data, dlen, src, sport)) st.udps_fullsock++
  pool.put(m)
}

/**
 * udp_common_ctlinput: an ICMP error (type, code; `err` what it means) quoting a datagram we sent,
 * its IP header at buf[inner] (hl bytes) with innerLen bytes quoted. A connected socket of exactly
 * that four-tuple hears it as so_error (in_pcbnotify); otherwise a kernel tunnel bound to the
 * source port gets the whole error (u_icmp_func).
 */
export function udpCtlinput(
  v: Vnet,
  type: number,
  code: number,
  err: ErrnoName,
  buf: Uint8Array,
  inner: number,
  innerLen: number,
): void {
  const us = v.slots[Slot.UDP] as UdpVnet | undefined
  if (us === undefined) return
  const hl = (buf[inner]! & 0xf) << 2
  const src = readU32(buf, inner + 12)
  const dst = readU32(buf, inner + 16)
  const sport = readU16(buf, inner + hl)
  const dport = readU16(buf, inner + hl + 2)
  const pcb = us.pcbs.lookup(dst, dport, src, sport)
  if (pcb === null) return
  if (pcb.faddr === dst && pcb.fport === dport) pcb.so.setError(new SysError(err, 'recvfrom'))
  else if (pcb.ppcb !== null) (pcb.ppcb as UdpTunnel).ctlinput(v, type, code, buf, inner, innerLen)
}

function pcbOf(so: Socket): Inpcb {
  const pcb = so.pcb as Inpcb | null
  if (pcb === null) throw new SysError('EINVAL', 'socket')
  return pcb
}

/** The source address for a datagram to dst (in_pcbladdr): the route's, or the jail's own. */
function sourceAddr(pcb: Inpcb, dst: number): number {
  const jail = pcb.jail
  if (pcb.laddr !== INADDR_ANY) return pcb.laddr
  const rt = pcb.vnet.rt(pcb.so.fibnum).lookup(dst)
  const src = rt === null ? INADDR_ANY : sourceFor(rt)
  if (jail === null || jail.ip4.includes(src)) return src
  return jail.ip4[0] ?? INADDR_ANY
}

export const udpUsrreqs: ProtoUsrreqs = {
  bind(so, sa) {
    const pcb = pcbOf(so)
    udp(pcb.vnet).pcbs.bind(pcb, sa.addr >>> 0, sa.port)
  },

  connect(so, sa) {
    const pcb = pcbOf(so)
    if (pcb.connected) throw new SysError('EISCONN', 'connect')
    const faddr = jailRemoteAddr(pcb.jail, sa.addr >>> 0)
    if (faddr === INADDR_ANY) throw new SysError('EADDRNOTAVAIL', 'connect')
    if (sa.port === 0) throw new SysError('EADDRNOTAVAIL', 'connect')
    if (pcb.vnet.rt(so.fibnum).lookup(faddr) === null) throw new SysError('ENETUNREACH', 'connect')
    udp(pcb.vnet).pcbs.connect(pcb, faddr, sa.port, sourceAddr(pcb, faddr))
    so.state |= SS.ISCONNECTED
  },

  disconnect(so) {
    const pcb = pcbOf(so)
    if (!pcb.connected) throw new SysError('ENOTCONN', 'connect')
    // A socket that was bound before connecting keeps its address; one bound by connect loses it.
    udp(pcb.vnet).pcbs.disconnect(pcb, false)
    so.state &= ~SS.ISCONNECTED
  },

  send(so, data, to, flags) {
    const pcb = pcbOf(so)
    const v = pcb.vnet
    const us = udp(v)
    if (to !== null && pcb.connected) throw new SysError('EISCONN', 'sendto')
    if (to === null && !pcb.connected) throw new SysError('EDESTADDRREQ', 'sendto')
    if (data.length > so.sndHiwat || data.length + UDP_HDR_LEN + 20 > 0xffff)
      throw new SysError('EMSGSIZE', 'sendto')
    const dst = to === null ? pcb.faddr : jailRemoteAddr(pcb.jail, to.addr >>> 0)
    const dport = to === null ? pcb.fport : to.port
    if (dport === 0) throw new SysError('EADDRNOTAVAIL', 'sendto')
    if (v.isBroadcast(dst) && (so.options & SO.BROADCAST) === 0) throw new SysError('EACCES', 'sendto')
    if (pcb.lport === 0) us.pcbs.bind(pcb, INADDR_ANY, 0)
    const mo = isMulticastIpv4(dst) ? pcb.mopts : null
    const mifp = mo?.ifp ?? null
    // in_pcbladdr: a group datagram out of IP_MULTICAST_IF comes from that interface's address.
    const src =
      mifp !== null && pcb.laddr === INADDR_ANY ? (mifp.addrs[0]?.addr ?? INADDR_ANY) : sourceAddr(pcb, dst)
    const m = v.env.pool.get(UDP_HDR_LEN + data.length)
    writeUdpHeader(m.data, m.off, pcb.lport, dport, data.length)
    m.data.set(data, m.off + UDP_HDR_LEN)
    m.len = UDP_HDR_LEN + data.length
    m.fib = so.fibnum
    if (us.checksum !== 0 && src !== INADDR_ANY) udpFinish(m.data, m.off, m.len, src, dst)
    us.stats.udps_opackets++
    const o = us.ipo
    o.ttl = isMulticastIpv4(dst)
      ? (mo?.ttl ?? IP_DEFAULT_MULTICAST_TTL)
      : pcb.ttl >= 0
        ? pcb.ttl
        : ip(v).defaultTtl
    o.mifp = mifp
    o.mloop = mo?.loop ?? true
    o.tos = pcb.tos
    o.src = src
    o.dontRoute = (flags & MSG.DONTROUTE) !== 0 || (so.options & SO.DONTROUTE) !== 0
    const err = ipOutput(v, m, dst, IpProto.UDP, o)
    if (err !== undefined) throw new SysError(err, 'sendto')
  },

  shutdown(so) {
    so.state |= SS.CANTSENDMORE
  },

  detach(so) {
    const pcb = so.pcb as Inpcb | null
    if (pcb === null) return
    freeMoptions(pcb.vnet, pcb.mopts)
    udp(pcb.vnet).pcbs.detach(pcb)
    so.pcb = null
  },

  sockaddr(so) {
    const pcb = pcbOf(so)
    return { addr: pcb.laddr, port: pcb.lport }
  },

  peeraddr(so) {
    const pcb = pcbOf(so)
    if (!pcb.connected) throw new SysError('ENOTCONN', 'getpeername')
    return { addr: pcb.faddr, port: pcb.fport }
  },
}

/** socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP) in v for a process of `uid` (udp_attach). */
export function udpSocket(v: Vnet, jail: PcbJail | null, uid: number, reservedPorts: boolean): Socket {
  const us = udp(v)
  const so = new Socket(SOCK.DGRAM, IpProto.UDP, udpUsrreqs, v.env.clock, us.recvspace, us.maxdgram)
  so.ipc = v.env.ipc
  so.pcb = us.pcbs.attach(new Inpcb(so, v, jail, uid, { reservedPorts }))
  return so
}

/** The vnet's UDP endpoints, for netstat -a and sockstat. */
export function udpEndpoints(v: Vnet): readonly Inpcb[] {
  const us = v.slots[Slot.UDP] as UdpVnet | undefined
  return us === undefined ? [] : us.pcbs.all()
}

export type { SockAddrIn }
