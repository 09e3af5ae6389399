/**
 * The socket system calls (socket, bind, connect, sendto, recvfrom, getsockopt ... — FreeBSD's
 * uipc_syscalls.c) for one credential: each checks what the caller may do, then hands the work to
 * the socket layer and the protocol. A socket lives in the vnet of the jail that opened it, so
 * every stack has its own port space; a jail sharing its parent's stack uses only its own
 * addresses. No call changes anything when it fails.
 */

import type { Cred } from '../../jail/priv.js'
import { Priv, privAllowed } from '../../jail/priv.js'
import {
  MSG,
  SO,
  SOCK,
  SOL_SOCKET,
  type Socket,
  SS,
  soclose,
  sogetopt,
  sopollRead,
  soreceiveDgram,
  sosend,
  sosetopt,
  soshutdown,
} from '../../kern/socket.js'
import {
  type StreamSocket,
  soaccept,
  soacceptNow,
  soconnectStream,
  solisten,
  sopollWrite,
  soreceiveStream,
  soreceiveStreamInto,
  sosendStream,
} from '../../kern/socket_stream.js'
import type { Vnet } from '../../stack/net/vnet.js'
import { getMoption, IpMoptions, type IpMreq, isMoption, setMoption } from '../../stack/netinet/in_mcast.js'
import { INP, type Inpcb } from '../../stack/netinet/in_pcb.js'
import { syncacheEntries } from '../../stack/netinet/tcp/syncache/tcp_syncache.js'
import { tcpClose, tcpDrop } from '../../stack/netinet/tcp/tcp_subr.js'
import { twClose } from '../../stack/netinet/tcp/tcp_timewait.js'
import { tcpEndpoints, tcpGetopt, tcpInfo, tcpSetopt, tcpSocket } from '../../stack/netinet/tcp/tcp_usrreq.js'
import {
  intotcpcb,
  intotw,
  TCP_STACK_NAME,
  TCP_STATE_NAMES,
  TCPS,
  tcpIfAny,
} from '../../stack/netinet/tcp/tcp_var.js'
import { udpEndpoints, udpSocket } from '../../stack/netinet/udp.js'
import { prisonAllowsIp6 } from '../../stack/netinet6/in6_jail.js'
import { ip6 } from '../../stack/netinet6/ip6/ip6.js'
import {
  getMoption6,
  Ip6Moptions,
  type Ipv6Mreq,
  isMoption6,
  setMoption6,
} from '../../stack/netinet6/mld6/in6_mcast.js'
import { udp6Socket } from '../../stack/netinet6/udp6_usrreq.js'
import { SysError } from '../../util/errno.js'
import { readU32 } from '../../wire/addr.js'
import { IpProto } from '../../wire/inet/ipv4.js'
import { in6Eq, in6IsV4Mapped } from '../../wire/inet6/in6_addr.js'
import {
  AF_INET,
  AF_INET6,
  IP_TOS,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_TCLASS,
  IPV6_UNICAST_HOPS,
  IPV6_V6ONLY,
  type SockAddrIn,
  type SocketFd,
  type SocketInfo,
  type SocketOwner,
  type TcpInfo,
} from '../syscalls.js'

/** The opening process's descriptor table: `install` takes a descriptor and returns its release. */
export interface FileTable {
  install(f: object): () => void
}

/** socket(2) in `v` for `cred`; the socket goes into `files` (the caller's table) when given. */
export function socketOpen(
  v: Vnet,
  cred: Cred,
  domain: number,
  type: number,
  protocol: number,
  files: FileTable | null = null,
  fib = 0,
): SocketFd {
  if (domain !== AF_INET && domain !== AF_INET6) throw new SysError('EAFNOSUPPORT', 'socket')
  const inet6 = domain === AF_INET6
  const pr = cred.prison
  // socreate's prison_check_af: a jail on a shared stack without addresses of the family has that
  // family disabled (ip4=disable, ip6=disable, the defaults when no ip4.addr / ip6.addr is given).
  const jail = pr.ownsVnet ? null : pr
  if (jail !== null && (inet6 ? !prisonAllowsIp6(jail) : jail.ip4.length === 0))
    throw new SysError('EPROTONOSUPPORT', 'socket')
  const reserved = privAllowed(cred, Priv.NETINET_RESERVEDPORT)
  if (type === SOCK.STREAM) {
    if (protocol !== 0 && protocol !== IpProto.TCP) throw new SysError('EPROTONOSUPPORT', 'socket')
    const so = tcpSocket(v, jail, cred.uid, reserved, inet6)
    so.fibnum = fib
    return streamFd(so, files, files === null ? null : files.install(so))
  }
  if (type !== SOCK.DGRAM) throw new SysError('EPROTONOSUPPORT', 'socket')
  if (protocol !== 0 && protocol !== IpProto.UDP) throw new SysError('EPROTONOSUPPORT', 'socket')
  const so = inet6 ? udp6Socket(v, jail, cred.uid, reserved) : udpSocket(v, jail, cred.uid, reserved)
  so.fibnum = fib
  return socketFd(so, files === null ? null : files.install(so))
}

function checkAddr(sa: SockAddrIn, op: string): SockAddrIn {
  const ok =
    Number.isInteger(sa.addr) &&
    sa.addr >= 0 &&
    sa.addr <= 0xffffffff &&
    Number.isInteger(sa.port) &&
    sa.port >= 0 &&
    sa.port <= 0xffff
  if (!ok) throw new SysError('EINVAL', op)
  if (sa.addr6 !== undefined) {
    const sid = sa.scopeId ?? 0
    if (!(sa.addr6 instanceof Uint8Array) || sa.addr6.length !== 16 || !Number.isInteger(sid) || sid < 0)
      throw new SysError('EINVAL', op)
    return { addr: 0, port: sa.port, addr6: sa.addr6.slice(), scopeId: sid }
  }
  return { addr: sa.addr >>> 0, port: sa.port }
}

function pcbOf(so: Socket): Inpcb {
  const pcb = so.pcb as Inpcb | null
  // A TCP connection that is gone has no endpoint left to configure.
  if (pcb === null) throw new SysError('ECONNRESET', 'setsockopt')
  return pcb
}

/** A protocol's own option level (IPPROTO_TCP ...) beside SOL_SOCKET and IPPROTO_IP. */
interface ProtoOpts {
  readonly level: number
  set(so: Socket, name: number, value: number): void
  get(so: Socket, name: number): number
}

/**
 * What every socket descriptor does the same way whatever its type: naming, options, non-blocking
 * mode, shutdown, readiness and close. `open` fails with EBADF once the socket is closed. A class,
 * so that a descriptor is one small object and its calls live on the prototype: a connection-heavy
 * program opens descriptors by the thousand.
 */
abstract class CommonFd {
  readonly so: Socket
  readonly type: number
  private readonly release: (() => void) | null
  private readonly proto: ProtoOpts | null

  constructor(so: Socket, release: (() => void) | null, proto: ProtoOpts | null) {
    this.so = so
    this.type = so.type
    this.release = release
    this.proto = proto
  }

  protected open(op: string): Socket {
    if (this.so.closed) throw new SysError('EBADF', op)
    return this.so
  }

  bind(sa: SockAddrIn): void {
    this.open('bind').usr.bind(this.so, checkAddr(sa, 'bind'))
  }

  disconnect(): void {
    this.open('connect').usr.disconnect(this.so)
  }

  getsockname(): SockAddrIn {
    return this.open('getsockname').usr.sockaddr(this.so)
  }

  getpeername(): SockAddrIn {
    return this.open('getpeername').usr.peeraddr(this.so)
  }

  setsockopt(level: number, name: number, value: number | IpMreq | Ipv6Mreq): void {
    const so = this.open('setsockopt')
    if (level === IPPROTO_IPV6 && isMoption6(name)) {
      if (so.type !== SOCK.DGRAM) throw new SysError('EOPNOTSUPP', 'setsockopt')
      const pcb = pcbOf(so)
      if (pcb.laddr6 === null) throw new SysError('EINVAL', 'setsockopt')
      const mo = pcb.mopts6 ?? new Ip6Moptions()
      setMoption6(pcb.vnet, mo, name, value as number | Ipv6Mreq)
      pcb.mopts6 = mo
      return
    }
    if (level === IPPROTO_IP && isMoption(name)) {
      // Multicast options are UDP's (and raw IP's) business; a stream socket has none (inp_setmoptions).
      if (so.type !== SOCK.DGRAM) throw new SysError('EOPNOTSUPP', 'setsockopt')
      const pcb = pcbOf(so)
      const mo = pcb.mopts ?? new IpMoptions()
      setMoption(pcb.vnet, mo, name, value as number | IpMreq)
      pcb.mopts = mo
      return
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new SysError('EINVAL', 'setsockopt')
    if (level === SOL_SOCKET && name === SO.SETFIB) {
      // sosetopt's SO_SETFIB: a FIB of this stack, for the socket and its pcb's lookups alike.
      if (value < 0 || value >= pcbOf(so).vnet.numFibs) throw new SysError('EINVAL', 'setsockopt')
      so.fibnum = value
    } else if (level === SOL_SOCKET) sosetopt(so, name, value)
    else if (this.proto !== null && level === this.proto.level) this.proto.set(so, name, value)
    else if (level === IPPROTO_IPV6) ip6Setopt(pcbOf(so), name, value)
    else if (level !== IPPROTO_IP) throw new SysError('ENOPROTOOPT', 'setsockopt')
    else ipSetopt(pcbOf(so), name, value)
  }

  getsockopt(level: number, name: number): number {
    const so = this.open('getsockopt')
    if (level === SOL_SOCKET && name === SO.SETFIB) return so.fibnum
    if (level === SOL_SOCKET) return sogetopt(so, name)
    if (this.proto !== null && level === this.proto.level) return this.proto.get(so, name)
    if (level === IPPROTO_IPV6 && isMoption6(name)) return getMoption6(pcbOf(so).mopts6, name)
    if (level === IPPROTO_IPV6) return ip6Getopt(pcbOf(so), name)
    if (level !== IPPROTO_IP) throw new SysError('ENOPROTOOPT', 'getsockopt')
    if (isMoption(name)) return getMoption(pcbOf(so).mopts, name)
    return ipGetopt(pcbOf(so), name)
  }

  setNonBlocking(on: boolean): void {
    const so = this.open('fcntl')
    if (on) so.state |= SS.NBIO
    else so.state &= ~SS.NBIO
  }

  shutdown(how: number): void {
    soshutdown(this.open('shutdown'), how)
  }

  async pollIn(timeoutNs: number): Promise<boolean> {
    return sopollRead(this.open('poll'), timeoutNs)
  }

  async pollOut(timeoutNs: number): Promise<boolean> {
    return sopollWrite(this.open('poll'), timeoutNs)
  }

  close(): void {
    this.release?.()
    soclose(this.so)
  }
}

/** The descriptor of a datagram (UDP) socket. */
class DgramFd extends CommonFd implements SocketFd {
  async connect(sa: SockAddrIn): Promise<void> {
    this.open('connect').usr.connect(this.so, checkAddr(sa, 'connect'))
  }

  listen(): void {
    this.open('listen')
    throw new SysError('EOPNOTSUPP', 'listen')
  }

  async accept(): Promise<{ fd: SocketFd; from: SockAddrIn }> {
    this.open('accept')
    throw new SysError('EOPNOTSUPP', 'accept')
  }

  async send(data: Uint8Array, flags = 0): Promise<number> {
    sosend(this.open('send'), data, null, flags)
    return data.length
  }

  async recv(max: number, flags = 0, timeoutNs = Number.POSITIVE_INFINITY): Promise<Uint8Array> {
    if (!Number.isInteger(max) || max < 0) throw new SysError('EINVAL', 'recv')
    return (await soreceiveDgram(this.open('recv'), max, flags & (MSG.PEEK | MSG.DONTWAIT), timeoutNs)).data
  }

  async recvInto(buf: Uint8Array, flags = 0, timeoutNs = Number.POSITIVE_INFINITY): Promise<number> {
    const d = await soreceiveDgram(
      this.open('recv'),
      buf.length,
      flags & (MSG.PEEK | MSG.DONTWAIT),
      timeoutNs,
    )
    buf.set(d.data)
    return d.data.length
  }

  tcpInfo(): TcpInfo {
    throw new SysError('EOPNOTSUPP', 'getsockopt')
  }

  sendto(data: Uint8Array, to?: SockAddrIn, flags = 0): number {
    sosend(this.open('sendto'), data, to === undefined ? null : checkAddr(to, 'sendto'), flags)
    return data.length
  }

  async recvfrom(
    max: number,
    flags = 0,
    timeoutNs = Number.POSITIVE_INFINITY,
  ): Promise<{ data: Uint8Array; from: SockAddrIn; flags: number }> {
    if (!Number.isInteger(max) || max < 0) throw new SysError('EINVAL', 'recvfrom')
    return soreceiveDgram(this.open('recvfrom'), max, flags & (MSG.PEEK | MSG.DONTWAIT), timeoutNs)
  }
}

function socketFd(so: Socket, release: (() => void) | null): SocketFd {
  return new DgramFd(so, release, null)
}

/** IPPROTO_IP options of any inet socket (ip_ctloutput). */
function ipSetopt(pcb: Inpcb, name: number, value: number): void {
  if (name === IP_TTL) {
    // ip_ctloutput: -1 restores the default; otherwise 0..255.
    if (value < -1 || value > 255) throw new SysError('EINVAL', 'setsockopt')
    pcb.ttl = value
  } else if (name === IP_TOS) {
    if (value < 0 || value > 255) throw new SysError('EINVAL', 'setsockopt')
    pcb.tos = value
  } else throw new SysError('ENOPROTOOPT', 'setsockopt')
}

function ipGetopt(pcb: Inpcb, name: number): number {
  if (name === IP_TTL) return pcb.ttl >= 0 ? pcb.ttl : -1
  if (name === IP_TOS) return pcb.tos
  throw new SysError('ENOPROTOOPT', 'getsockopt')
}

/** IPPROTO_IPV6 options of an AF_INET6 socket (ip6_ctloutput); EINVAL on an AF_INET one. */
function ip6Setopt(pcb: Inpcb, name: number, value: number): void {
  if (pcb.laddr6 === null) throw new SysError('EINVAL', 'setsockopt')
  if (name === IPV6_UNICAST_HOPS) {
    if (value < -1 || value > 255) throw new SysError('EINVAL', 'setsockopt')
    pcb.hlim = value
  } else if (name === IPV6_TCLASS) {
    if (value < -1 || value > 255) throw new SysError('EINVAL', 'setsockopt')
    pcb.tclass = value
  } else if (name === IPV6_V6ONLY) {
    // Only before the endpoint has a port (EINVAL after, as ip6_ctloutput says).
    if (pcb.lport !== 0) throw new SysError('EINVAL', 'setsockopt')
    pcb.v6only = value !== 0
    if (pcb.so.type === SOCK.DGRAM) {
      if (pcb.v6only) pcb.vflag &= ~INP.IPV4
      else pcb.vflag |= INP.IPV4
    }
  } else throw new SysError('ENOPROTOOPT', 'setsockopt')
}

function ip6Getopt(pcb: Inpcb, name: number): number {
  if (pcb.laddr6 === null) throw new SysError('EINVAL', 'getsockopt')
  if (name === IPV6_UNICAST_HOPS) return pcb.hlim >= 0 ? pcb.hlim : ip6(pcb.vnet).defHlim
  if (name === IPV6_TCLASS) return Math.max(pcb.tclass, 0)
  if (name === IPV6_V6ONLY) return pcb.v6only ? 1 : 0
  throw new SysError('ENOPROTOOPT', 'getsockopt')
}

/** TCP's option level (tcp_ctloutput). */
const TCP_OPTS: ProtoOpts = { level: IPPROTO_TCP, set: tcpSetopt, get: tcpGetopt }

/**
 * The descriptor of a stream (TCP) socket. `files` is the owner's descriptor table (accepted
 * connections go into the accepting process's), `release` gives this socket's descriptor back.
 */
class StreamFd extends CommonFd implements SocketFd {
  declare readonly so: StreamSocket
  private readonly files: FileTable | null

  constructor(so: StreamSocket, files: FileTable | null, release: (() => void) | null) {
    super(so, release, TCP_OPTS)
    this.files = files
  }

  private stream(op: string): StreamSocket {
    return this.open(op) as StreamSocket
  }

  connect(sa: SockAddrIn): Promise<void> {
    return soconnectStream(this.stream('connect'), checkAddr(sa, 'connect'))
  }

  listen(backlog: number): void {
    if (!Number.isInteger(backlog)) throw new SysError('EINVAL', 'listen')
    solisten(this.stream('listen'), backlog)
  }

  accept(timeoutNs = Number.POSITIVE_INFINITY): Promise<{ fd: SocketFd; from: SockAddrIn }> {
    // A connection already queued is taken without the waiting loop's async frames.
    try {
      const head = this.stream('accept')
      const c = soacceptNow(head)
      if (c !== null) return Promise.resolve(this.accepted(c))
      return soaccept(head, timeoutNs).then((c) => this.accepted(c))
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** The descriptor of an accepted connection, in the accepting process's table. */
  private accepted(c: StreamSocket): { fd: SocketFd; from: SockAddrIn } {
    const files = this.files
    return { fd: streamFd(c, files, files === null ? null : files.install(c)), from: c.usr.peeraddr(c) }
  }

  send(data: Uint8Array, flags = 0): Promise<number> {
    return sosendStream(this.stream('write'), data, flags & (MSG.DONTWAIT | MSG.OOB))
  }

  recv(max: number, flags = 0, timeoutNs = Number.POSITIVE_INFINITY): Promise<Uint8Array> {
    // Not an async method: soreceiveStream answers at once when data is queued, and an async
    // frame here would add a promise and two turns of the microtask queue to every read.
    try {
      if (!Number.isInteger(max) || max < 0) throw new SysError('EINVAL', 'read')
      return soreceiveStream(
        this.stream('read'),
        max,
        flags & (MSG.PEEK | MSG.DONTWAIT | MSG.WAITALL),
        timeoutNs,
      )
    } catch (e) {
      return Promise.reject(e)
    }
  }

  recvInto(buf: Uint8Array, flags = 0, timeoutNs = Number.POSITIVE_INFINITY): Promise<number> {
    return soreceiveStreamInto(
      this.stream('read'),
      buf,
      0,
      buf.length,
      flags & (MSG.PEEK | MSG.DONTWAIT | MSG.WAITALL),
      timeoutNs,
    )
  }

  tcpInfo(): TcpInfo {
    return tcpInfo(this.stream('getsockopt'))
  }

  sendto(data: Uint8Array, to?: SockAddrIn, flags = 0): number {
    const so = this.so
    this.open('sendto')
    if (to !== undefined && (so.state & SS.ISCONNECTED) !== 0) throw new SysError('EISCONN', 'sendto')
    if ((so.state & SS.CANTSENDMORE) !== 0) throw new SysError('EPIPE', 'sendto')
    if ((so.state & (SS.ISCONNECTED | SS.ISCONNECTING)) === 0) throw new SysError('ENOTCONN', 'sendto')
    // A synchronous send queues what fits now, like a non-blocking write.
    const n = Math.min(so.sbsnd.space, data.length)
    if (n === 0 && data.length > 0) throw new SysError('EAGAIN', 'sendto')
    so.usr.send(so, data.subarray(0, n), null, flags)
    return n
  }

  async recvfrom(
    max: number,
    flags = 0,
    timeoutNs = Number.POSITIVE_INFINITY,
  ): Promise<{ data: Uint8Array; from: SockAddrIn; flags: number }> {
    const data = await this.recv(max, flags, timeoutNs)
    return { data, from: this.peer(), flags: 0 }
  }

  private peer(): SockAddrIn {
    try {
      return this.so.usr.peeraddr(this.so)
    } catch {
      return { addr: 0, port: 0 }
    }
  }
}

function streamFd(so: StreamSocket, files: FileTable | null, release: (() => void) | null): SocketFd {
  return new StreamFd(so, files, release)
}

/** The sockets of v a caller may see: all of them, or only a shared-stack jail's own (cr_canseeinpcb). */
export function socketList(v: Vnet, cred: Cred, owners: ReadonlyMap<object, SocketOwner>): SocketInfo[] {
  const pr = cred.prison
  const jail = pr.ownsVnet ? null : pr
  const out: SocketInfo[] = []
  for (const p of udpEndpoints(v)) {
    if (jail !== null && p.jail !== jail) continue
    const rcv = p.so.rcv
    out.push({
      ...family(p, 'udp'),
      lport: p.lport,
      fport: p.fport,
      recvQ: rcv.cc,
      sendQ: 0,
      state: '',
      stack: '',
      uid: p.uid,
      ...withOwner(owners.get(p.so)),
    })
  }
  // Half-open connections in the syncache show as SYN_RCVD, without a socket (syncache_pcblist).
  const tv = tcpIfAny(v)
  if (tv !== undefined)
    for (const e of syncacheEntries(tv)) {
      if (jail !== null && e.jail !== jail && tv.scSeeOther === 0) continue
      out.push({
        ...(e.v6 && e.laddr6 !== null && e.faddr6 !== null
          ? { proto: 'tcp6' as const, laddr: 0, faddr: 0, laddr6: e.laddr6.slice(), faddr6: e.faddr6.slice() }
          : { proto: 'tcp4' as const, laddr: e.laddr, faddr: e.faddr }),
        lport: e.lport,
        fport: e.fport,
        recvQ: 0,
        sendQ: 0,
        state: TCP_STATE_NAMES[TCPS.SYN_RECEIVED]!,
        stack: '',
        uid: e.uid,
      })
    }
  for (const { inp, state, sendQ, recvQ } of tcpEndpoints(v)) {
    if (jail !== null && inp.jail !== jail) continue
    out.push({
      ...family(inp, 'tcp'),
      lport: inp.lport,
      fport: inp.fport,
      recvQ,
      sendQ,
      state: TCP_STATE_NAMES[state] ?? 'CLOSED',
      stack: TCP_STACK_NAME,
      uid: inp.uid,
      ...withOwner(owners.get(inp.so)),
    })
  }
  return out
}

/**
 * How netstat and sockstat name an endpoint's family: tcp4/udp4 (AF_INET sockets, and AF_INET6
 * ones speaking IPv4 through v4-mapped addresses), tcp6/udp6, or tcp46/udp46 for a wildcard
 * AF_INET6 endpoint that takes both.
 */
function family(
  p: Inpcb,
  base: 'tcp' | 'udp',
): Pick<SocketInfo, 'proto' | 'laddr' | 'faddr' | 'laddr6' | 'faddr6' | 'scopeId'> {
  if (p.laddr6 === null || p.faddr6 === null || (p.vflag & INP.IPV6) === 0)
    return { proto: `${base}4`, laddr: p.laddr, faddr: p.faddr }
  return {
    proto: (p.vflag & INP.IPV4) !== 0 ? `${base}46` : `${base}6`,
    laddr: 0,
    faddr: 0,
    laddr6: p.laddr6.slice(),
    faddr6: p.faddr6.slice(),
    scopeId: p.zone,
  }
}

function withOwner(owner: SocketOwner | undefined): { owner?: SocketOwner } {
  return owner === undefined ? {} : { owner }
}

/**
 * net.inet.tcp.drop (sysctl_drop): abort the connection of v with exactly these endpoints, as
 * tcp_drop does (an RST to the peer, ECONNABORTED for the local socket); one in TIME_WAIT is just
 * closed (tcp_twclose). IPv6 endpoints (addr6) match IPv6 connections, in their zone when one is
 * given; a pair of v4-mapped addresses names the IPv4 connection, as sysctl_drop converts them.
 * ESRCH when there is none; listeners are not connections.
 */
export function tcpDropConn(v: Vnet, local: SockAddrIn, foreign: SockAddrIn): void {
  let l6 = local.addr6
  let f6 = foreign.addr6
  let la = local.addr
  let fa = foreign.addr
  if (l6 !== undefined && f6 !== undefined && in6IsV4Mapped(l6) && in6IsV4Mapped(f6)) {
    la = readU32(l6, 12)
    fa = readU32(f6, 12)
    l6 = undefined
    f6 = undefined
  }
  if ((l6 === undefined) !== (f6 === undefined)) throw new SysError('EINVAL', 'sysctl')
  const zone = local.scopeId || foreign.scopeId || 0
  for (const { inp, state } of tcpEndpoints(v)) {
    if (inp.lport !== local.port || inp.fport !== foreign.port || state === TCPS.LISTEN) continue
    if (l6 === undefined || f6 === undefined) {
      if ((inp.vflag & INP.IPV4) === 0 || inp.laddr !== la || inp.faddr !== fa) continue
    } else {
      if ((inp.vflag & INP.IPV6) === 0 || inp.laddr6 === null || inp.faddr6 === null) continue
      if (!in6Eq(inp.laddr6, 0, l6, 0) || !in6Eq(inp.faddr6, 0, f6, 0)) continue
      if (zone !== 0 && inp.zone !== zone) continue
    }
    const tw = intotw(inp)
    if (tw !== null) {
      twClose(tw)
      return
    }
    const tp = intotcpcb(inp)
    if (tp === null) continue
    if (state === TCPS.TIME_WAIT) tcpClose(tp)
    else tcpDrop(tp, 'ECONNABORTED')
    return
  }
  throw new SysError('ESRCH', 'sysctl')
}
