/**
 * TCP over UDP's kernel sockets (FreeBSD's tcp_over_udp_start / tcp_over_udp_stop and the
 * net.inet.tcp.udp_tunneling_port handler of tcp_subr.c): setting the port opens one AF_INET and one
 * AF_INET6 UDP socket bound to it, owned by no process, whose tunnel hooks (udp_set_kernel_tunneling)
 * hand every datagram to TCP (tcp_udp_tun.ts) and every ICMP or ICMPv6 error about a datagram sent
 * from the port to TCP's error handling (tcp_ctlinput_viaudp, tcp6_ctlinput_viaudp). Like any bound
 * socket they hold the port: an application can no longer bind it (EADDRINUSE), and while an
 * application holds it the sysctl fails with that error and the port stays 0. Changing the port
 * closes the sockets and opens new ones; 0 only closes them. netstat -a lists them, sockstat with
 * `?` for their owner, as FreeBSD's do.
 *
 * Control plane only (sysctl writes); the hooks run on input, never throw and allocate nothing.
 */

import { type Socket, soclose } from '../../../../kern/socket.js'
import { SysError } from '../../../../util/errno.js'
import { readU16, readU32 } from '../../../../wire/addr.js'
import type { Vnet } from '../../../net/vnet.js'
import { udp6Socket, udp6Usrreqs } from '../../../netinet6/udp6_usrreq.js'
import { icmpErrno } from '../../ip/ip_ctlinput.js'
import { type UdpTunnel, udpSetKernelTunneling, udpSocket, udpUsrreqs } from '../../udp.js'
import { tcp6Ctlinput } from '../tcp_ip6.js'
import { tcpCtlinput, tcpCtlNotify } from '../tcp_subr.js'
import { tcp, tcpIfAny } from '../tcp_var.js'
import { tcpUdpTunnelInput, tcpUdpTunnelInput6 } from './tcp_udp_tun.js'

const UDP_HDR_LEN = 8

/**
 * tcp_ctlinput_viaudp: an ICMP error quoting a datagram of the tunnel (its IP header at buf[inner]).
 * It must come from the tunneling port and quote the TCP ports and sequence number after the UDP
 * header (a router quoting only 8 bytes, as FreeBSD's net.inet.icmp.quotelen=8 does, tells too
 * little); then it is TCP's error about the connection inside UDP to the datagram's destination
 * port. The quoted length stays the datagram's, for the next MTU plateau.
 */
function tcpCtlinputViaUdp(
  v: Vnet,
  type: number,
  code: number,
  buf: Uint8Array,
  inner: number,
  innerLen: number,
): void {
  const tv = tcpIfAny(v)
  if (tv === undefined) return
  const hl = (buf[inner]! & 0xf) << 2
  const u = inner + hl
  if (innerLen < hl + UDP_HDR_LEN + 8 || readU16(buf, u) !== tv.udpTunnelingPort) return
  const err = icmpErrno(type, code)
  if (err === null) return
  const t = u + UDP_HDR_LEN
  tcpCtlinput(
    v,
    type,
    code,
    err,
    readU32(buf, inner + 12),
    readU16(buf, t),
    readU32(buf, inner + 16),
    readU16(buf, t + 2),
    readU32(buf, t + 4),
    readU16(buf, inner - 2),
    readU16(buf, inner + 2),
    readU16(buf, u + 2),
  )
}

/** tcp6_ctlinput_viaudp: the same for an ICMPv6 error (Packet Too Big's MTU in `param`). */
function tcp6CtlinputViaUdp(
  v: Vnet,
  type: number,
  code: number,
  param: number,
  b: Uint8Array,
  inner: number,
  innerLen: number,
): void {
  const tv = tcpIfAny(v)
  const u = inner + 40
  if (tv === undefined || innerLen < 40 + UDP_HDR_LEN + 8 || readU16(b, u) !== tv.udpTunnelingPort) return
  tcp6Ctlinput(v, type, code, param, b, inner, innerLen, tcpCtlNotify, readU16(b, u + 2))
}

/** The hooks both tunnel sockets carry (tcp_recv_udp_tunneled_packet and the ctlinputs). */
const TCP_UDP_TUNNEL: UdpTunnel = Object.freeze({
  input: tcpUdpTunnelInput,
  input6: tcpUdpTunnelInput6,
  ctlinput: tcpCtlinputViaUdp,
  ctlinput6: tcp6CtlinputViaUdp,
})

/** tcp_over_udp_stop: close the tunnel's sockets, freeing the port. */
export function tcpOverUdpStop(v: Vnet): void {
  const tv = tcp(v)
  for (const so of [tv.udp4TunSocket, tv.udp6TunSocket]) if (so !== null) soclose(so)
  tv.udp4TunSocket = null
  tv.udp6TunSocket = null
}

/**
 * tcp_over_udp_start: the AF_INET socket, then the AF_INET6 one, each given the tunnel hooks and
 * bound to the wildcard address and the tunneling port. Any failure (EADDRINUSE above all) closes
 * what was opened and throws.
 */
export function tcpOverUdpStart(v: Vnet): void {
  const tv = tcp(v)
  const port = tv.udpTunnelingPort
  if (port === 0) throw new SysError('EINVAL', 'sysctl')
  if (tv.udp4TunSocket !== null || tv.udp6TunSocket !== null) throw new SysError('EALREADY', 'sysctl')
  try {
    // The kernel's own sockets: uid 0, no jail, any port.
    const s4: Socket = udpSocket(v, null, 0, true)
    tv.udp4TunSocket = s4
    udpSetKernelTunneling(s4, TCP_UDP_TUNNEL)
    udpUsrreqs.bind(s4, { addr: 0, port })
    const s6: Socket = udp6Socket(v, null, 0, true)
    tv.udp6TunSocket = s6
    udpSetKernelTunneling(s6, TCP_UDP_TUNNEL)
    udp6Usrreqs.bind(s6, { addr: 0, port, addr6: new Uint8Array(16), scopeId: 0 })
  } catch (e) {
    tcpOverUdpStop(v)
    throw e
  }
}

/**
 * sysctl_net_inet_tcp_udp_tunneling_port_check: the new port (0 to 65535, checked by the caller)
 * replaces the old one, the old sockets close and, for a port other than 0, new ones open; when
 * they cannot (EADDRINUSE), the port is 0 again and the error goes to sysctl.
 */
export function tcpSetUdpTunnelingPort(v: Vnet, port: number): void {
  const tv = tcp(v)
  const old = tv.udpTunnelingPort
  tv.udpTunnelingPort = port
  if (old !== 0) tcpOverUdpStop(v)
  if (port === 0) return
  try {
    tcpOverUdpStart(v)
  } catch (e) {
    tv.udpTunnelingPort = 0
    throw e
  }
}
