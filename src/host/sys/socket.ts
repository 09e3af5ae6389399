/**
 * What the syscall interface says about sockets (sys/socket.h, netinet/in.h, netinet/tcp.h):
 * address families, option numbers, the socket descriptor and raw and divert sockets, and the records
 * netstat and sockstat list. Types and constants only.
 */

import type { IpMreq } from '../../stack/netinet/in_mcast.js'
import type { MfcCtl, VifCtl } from '../../stack/netinet/ip_mroute/ip_mroute_var.js'
import type { RawDatagram } from '../../stack/netinet/raw.js'
import type { TcpInfo } from '../../stack/netinet/tcp/tcp_usrreq.js'
import type { Ipv6Mreq } from '../../stack/netinet6/mld6/in6_mcast.js'

export interface SendOptions {
  ttl?: number
  tos?: number
  src?: number
  /** Set the IP Don't Fragment bit. */
  df?: boolean
  /** Bypass routing: send on the interface of a directly connected destination (SO_DONTROUTE). */
  dontRoute?: boolean
  /** Raw sockets, group destinations: IP_MULTICAST_IF (an address of the interface; 0 by route). */
  multicastIf?: number
  /** Raw sockets, group destinations: IP_MULTICAST_LOOP (default on). */
  multicastLoop?: boolean
  /** IP_VLAN_PCP: 802.1p priority of the frames this socket sends, 0..7; -1 or absent: the interface's. */
  vlanPcp?: number
  /** IP_OPTIONS: option bytes for the header, a multiple of 4 and at most 40 (EINVAL otherwise). */
  ipOptions?: Uint8Array
}

/** What a raw socket receives (the stack's own record of it). */
export type RawPacket = RawDatagram

/** A raw IP socket (SOCK_RAW) for one protocol: what ping and traceroute use. */
export interface RawSocket {
  /**
   * Send `payload` (the protocol header and data, without IP header) to dst; returns the source
   * address chosen. Throws SysError (EHOSTUNREACH, ENETUNREACH, EMSGSIZE, ENOBUFS, EHOSTDOWN ...).
   */
  send(dst: number, payload: Uint8Array, opts?: SendOptions): number
  /**
   * Next datagram of this protocol received by the vnet, or null after timeoutNs. The multicast
   * routing socket also gets the kernel's upcalls here: a struct igmpmsg (the datagram's IP header
   * with im_msgtype at byte 8, a zero byte 9 where the protocol was, im_vif at byte 10).
   */
  recv(timeoutNs: number): Promise<RawPacket | null>
  /**
   * setsockopt(2) at level IPPROTO_IP: IP_MULTICAST_IF/TTL/LOOP and IP_ADD/DROP_MEMBERSHIP (struct
   * ip_mreq(n)) as on UDP sockets, and on an IPPROTO_IGMP socket the multicast routing options of
   * multicast(4): MRT_INIT (1), MRT_DONE, MRT_ADD_VIF (struct vifctl), MRT_DEL_VIF (a vif number),
   * MRT_ADD_MFC / MRT_DEL_MFC (struct mfcctl), MRT_ASSERT, MRT_API_CONFIG. Those need the
   * ip_mroute module (EOPNOTSUPP without it) and PRIV_NETINET_MROUTE. Throws SysError, changing nothing.
   */
  setsockopt(level: number, name: number, value: number | IpMreq | VifCtl | MfcCtl): void
  /** getsockopt(2): the multicast options, and MRT_VERSION / MRT_ASSERT / MRT_API_SUPPORT / MRT_API_CONFIG. */
  getsockopt(level: number, name: number): number
  close(): void
}

/** A divert(4) socket's sockaddr_in: sin_addr, sin_port (a rule number) and sin_zero's interface name. */
export interface DivertAddr {
  addr: number
  port: number
  ifName: string
}

export interface DivertPacket extends DivertAddr {
  /** The whole IPv4 packet, header included. */
  data: Uint8Array
}

/** socket(PF_DIVERT, SOCK_RAW, 0) (divert_api.ts). */
export interface DivertSocket {
  /** bind(2) to a divert port (0: an ephemeral one); EADDRINUSE when taken. */
  bind(port: number): void
  /** The bound port, 0 before bind. */
  readonly port: number
  /** recvfrom(2): the next packet diverted to the port, or null after timeoutNs (or once closed). */
  recv(timeoutNs: number): Promise<DivertPacket | null>
  /** sendto(2): re-inject a whole IPv4 packet (to input when to.addr is set, else to output). */
  send(data: Uint8Array, to: DivertAddr | null): void
  /** Packets dropped because the receive buffer was full. */
  readonly drops: number
  close(): void
}

/**
 * `carp` only while the carp module is loaded, `mroute` (struct mrtstat) only while ip_mroute is
 * (ENOENT otherwise, as their sysctls are then absent).
 */
export type ProtoName = 'ip' | 'icmp' | 'igmp' | 'arp' | 'udp' | 'tcp' | 'carp' | 'mroute'

export const AF_INET = 2

export const AF_INET6 = 28

/** IPPROTO_IPV6 options (netinet6/in6.h). */
export const IPPROTO_IPV6 = 41

export const IPV6_UNICAST_HOPS = 4

export const IPV6_V6ONLY = 27

export const IPV6_TCLASS = 61

export const IPPROTO_IP = 0

/** IPPROTO_IP options (netinet/in.h). */
export const IP_TOS = 3

export const IP_TTL = 4

export const IPPROTO_TCP = 6

/** IPPROTO_TCP options (netinet/tcp.h). */
export const TCP_NODELAY = 1

export const TCP_MAXSEG = 2

export const TCP_NOPUSH = 4

export const TCP_NOOPT = 8

export const TCP_MD5SIG = 16

export const TCP_KEEPINIT = 128

export const TCP_KEEPIDLE = 256

export const TCP_KEEPINTVL = 512

export const TCP_KEEPCNT = 1024
/** The peer's UDP port for TCP over UDP (net.inet.tcp.udp_tunneling_port must be set); before connect. */
export const TCP_REMOTE_UDP_ENCAPS_PORT = 71

/**
 * A transport address: struct sockaddr_in, or with `addr6` a struct sockaddr_in6 (AF_INET6 sockets
 * take and give these; `addr` is then the IPv4 address of a v4-mapped `addr6`, else 0, and
 * `scopeId` the interface index of a link-scoped address, sin6_scope_id).
 */
export interface SockAddrIn {
  addr: number
  port: number
  addr6?: Uint8Array
  scopeId?: number
}

/**
 * An open socket, as a process holds it (the object behind its file descriptor). Calls throw
 * SysError with FreeBSD's errno (EADDRINUSE, EACCES, EISCONN, EAGAIN ...) and change nothing then.
 */
export interface SocketFd {
  readonly type: number
  bind(sa: SockAddrIn): void
  /**
   * connect(2). Datagram: sets the peer at once (resolves). Stream: starts the handshake; blocking,
   * resolves when ESTABLISHED or rejects (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH ...); non-blocking,
   * rejects EINPROGRESS at once (then pollOut() and getsockopt(SOL_SOCKET, SO_ERROR)); EALREADY
   * while one is in progress, EISCONN once connected.
   */
  connect(sa: SockAddrIn): Promise<void>
  /** connect(2) to AF_UNSPEC: a datagram socket forgets its peer. */
  disconnect(): void
  /** listen(2): EOPNOTSUPP on datagram sockets; EINVAL if connected. */
  listen(backlog: number): void
  /**
   * accept(2): the next completed connection, waiting up to timeoutNs (default forever); EAGAIN
   * when non-blocking or timed out; EINVAL when not listening.
   */
  accept(timeoutNs?: number): Promise<{ fd: SocketFd; from: SockAddrIn }>
  /**
   * write(2)/send(2): bytes queued. Blocking: waits for room until all is queued. Non-blocking:
   * what fits, or EAGAIN if nothing. EPIPE after shutdown(SHUT_WR) or when the connection is gone
   * (ECONNRESET/ETIMEDOUT reported once first via the pending error), ENOTCONN before connect.
   */
  send(data: Uint8Array, flags?: number): Promise<number>
  /**
   * read(2)/recv(2): up to max bytes; an empty array at EOF. MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL.
   * Waits up to timeoutNs (default forever), then EAGAIN. A pending error is reported once.
   */
  recv(max: number, flags?: number, timeoutNs?: number): Promise<Uint8Array>
  /**
   * read(2) into the caller's buffer: as recv with max = buf.length, the bytes placed at the start
   * of buf; resolves to how many (0 at EOF). A stream socket copies them straight out of its receive
   * buffer and allocates nothing, so a reader that reuses one buffer reads without garbage.
   */
  recvInto(buf: Uint8Array, flags?: number, timeoutNs?: number): Promise<number>
  /** poll(2) POLLOUT: connected (or failed) and room in the send buffer. */
  pollOut(timeoutNs: number): Promise<boolean>
  /** TCP_INFO (stream sockets; EOPNOTSUPP otherwise). */
  tcpInfo(): TcpInfo
  /** Send one datagram (to `to`, or to the connected peer); returns the bytes sent. */
  sendto(data: Uint8Array, to?: SockAddrIn, flags?: number): number
  /**
   * The next datagram (at most `max` bytes; MSG_TRUNC in flags when it was longer). Waits up to
   * `timeoutNs` (default: forever), then fails with EAGAIN; MSG_DONTWAIT or non-blocking mode fail
   * at once. A pending error (ICMP port unreachable on a connected socket ...) is reported once.
   */
  recvfrom(
    max: number,
    flags?: number,
    timeoutNs?: number,
  ): Promise<{ data: Uint8Array; from: SockAddrIn; flags: number; hlim?: number }>
  getsockname(): SockAddrIn
  getpeername(): SockAddrIn
  /**
   * A number, or for IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP a struct ip_mreq(n), for
   * IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP a struct ipv6_mreq. recvfrom on an AF_INET6 socket also
   * gives the hop limit the datagram arrived with (IPV6_HOPLIMIT).
   */
  setsockopt(level: number, name: number, value: number | IpMreq | Ipv6Mreq): void
  getsockopt(level: number, name: number): number
  /** fcntl(F_SETFL, O_NONBLOCK). */
  setNonBlocking(on: boolean): void
  shutdown(how: number): void
  /** poll(2) for POLLIN: whether the socket is readable, waiting up to timeoutNs. */
  pollIn(timeoutNs: number): Promise<boolean>
  close(): void
}

/** One socket as netstat -a and sockstat show it. */
export interface SocketInfo {
  /** tcp46 / udp46: a wildcard AF_INET6 endpoint that takes IPv4 too. */
  proto: 'udp4' | 'tcp4' | 'udp6' | 'tcp6' | 'udp46' | 'tcp46'
  laddr: number
  lport: number
  faddr: number
  fport: number
  /** IPv6 endpoints (tcp6, tcp46 ...): the addresses, and the zone of link-scoped ones. */
  laddr6?: Uint8Array
  faddr6?: Uint8Array
  scopeId?: number
  recvQ: number
  sendQ: number
  /** TCP state name; empty for UDP. */
  state: string
  /**
   * The TCP stack (function block) of a connection, as xt_stack: `freebsd`. Empty for UDP and for
   * syncache entries, which syncache_pcblist() exports zeroed.
   */
  stack: string
  uid: number
  /** The process holding it (kern.file), when the caller may see one; sockstat's `?` otherwise. */
  owner?: SocketOwner
}

/** A process's descriptor for a socket, as kern.file describes it (struct xfile). */
export interface SocketOwner {
  pid: number
  fd: number
  /** p_comm of the process. */
  command: string
  /** The jail the process runs in (ki_jid). */
  jid: number
}
