/**
 * The socket system calls (socket, bind, connect, sendto, recvfrom, getsockopt ... — FreeBSD's
 * uipc_syscalls.c) for one credential: each checks what the caller may do, then hands the work to
 * the socket layer and the protocol. A socket lives in the vnet of the jail that opened it, so
 * every stack has its own port space; a jail sharing its parent's stack uses only its own
 * addresses. No call changes anything when it fails.
 */

import type { Cred } from '../jail/priv.js'
import { Priv, privAllowed } from '../jail/priv.js'
import {
  MSG,
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
} from '../kern/socket.js'
import {
  type StreamSocket,
  soaccept,
  soconnectStream,
  solisten,
  sopollWrite,
  soreceiveStream,
  sosendStream,
} from '../kern/socket_stream.js'
import type { Vnet } from '../stack/net/vnet.js'
import type { Inpcb } from '../stack/netinet/in_pcb.js'
import { tcpEndpoints, tcpGetopt, tcpInfo, tcpSetopt, tcpSocket } from '../stack/netinet/tcp_usrreq.js'
import { TCP_STATE_NAMES } from '../stack/netinet/tcp_var.js'
import { udpEndpoints, udpSocket } from '../stack/netinet/udp.js'
import { SysError } from '../util/errno.js'
import { IpProto } from '../wire/ipv4.js'
import {
  AF_INET,
  IP_TOS,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_TCP,
  type SockAddrIn,
  type SocketFd,
  type SocketInfo,
} from './syscalls.js'

/** socket(2) in `v` for `cred`. */
export function socketOpen(v: Vnet, cred: Cred, domain: number, type: number, protocol: number): SocketFd {
  if (domain !== AF_INET) throw new SysError('EAFNOSUPPORT', 'socket')
  const pr = cred.prison
  // A jail on a shared stack without addresses has no IPv4 (ip4=disable).
  const jail = pr.ownsVnet ? null : pr
  if (jail !== null && jail.ip4.length === 0) throw new SysError('EAFNOSUPPORT', 'socket')
  const reserved = privAllowed(cred, Priv.NETINET_RESERVEDPORT)
  if (type === SOCK.STREAM) {
    if (protocol !== 0 && protocol !== IpProto.TCP) throw new SysError('EPROTONOSUPPORT', 'socket')
    return streamFd(tcpSocket(v, jail, cred.uid, reserved))
  }
  if (type !== SOCK.DGRAM) throw new SysError('EPROTONOSUPPORT', 'socket')
  if (protocol !== 0 && protocol !== IpProto.UDP) throw new SysError('EPROTONOSUPPORT', 'socket')
  const so = udpSocket(v, jail, cred.uid, reserved)
  return socketFd(so)
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
  return { addr: sa.addr >>> 0, port: sa.port }
}

function pcbOf(so: Socket): Inpcb {
  const pcb = so.pcb as Inpcb | null
  // A TCP connection that is gone has no endpoint left to configure.
  if (pcb === null) throw new SysError('ECONNRESET', 'setsockopt')
  return pcb
}

function socketFd(so: Socket): SocketFd {
  const open = (op: string): Socket => {
    if (so.closed) throw new SysError('EBADF', op)
    return so
  }
  return {
    type: so.type,
    bind: (sa) => open('bind').usr.bind(so, checkAddr(sa, 'bind')),
    connect: async (sa) => open('connect').usr.connect(so, checkAddr(sa, 'connect')),
    disconnect: () => open('connect').usr.disconnect(so),
    listen: () => {
      open('listen')
      throw new SysError('EOPNOTSUPP', 'listen')
    },
    accept: async () => {
      open('accept')
      throw new SysError('EOPNOTSUPP', 'accept')
    },
    send: async (data, flags = 0) => {
      sosend(open('send'), data, null, flags)
      return data.length
    },
    recv: async (max, flags = 0, timeoutNs = Number.POSITIVE_INFINITY) => {
      if (!Number.isInteger(max) || max < 0) throw new SysError('EINVAL', 'recv')
      return (await soreceiveDgram(open('recv'), max, flags & (MSG.PEEK | MSG.DONTWAIT), timeoutNs)).data
    },
    pollOut: async (timeoutNs) => sopollWrite(open('poll'), timeoutNs),
    tcpInfo: () => {
      throw new SysError('EOPNOTSUPP', 'getsockopt')
    },
    sendto: (data, to, flags = 0) => {
      sosend(open('sendto'), data, to === undefined ? null : checkAddr(to, 'sendto'), flags)
      return data.length
    },
    recvfrom: async (max, flags = 0, timeoutNs = Number.POSITIVE_INFINITY) => {
      if (!Number.isInteger(max) || max < 0) throw new SysError('EINVAL', 'recvfrom')
      return soreceiveDgram(open('recvfrom'), max, flags & (MSG.PEEK | MSG.DONTWAIT), timeoutNs)
    },
    getsockname: () => open('getsockname').usr.sockaddr(so),
    getpeername: () => open('getpeername').usr.peeraddr(so),
    setsockopt: (level, name, value) => {
      open('setsockopt')
      if (!Number.isInteger(value)) throw new SysError('EINVAL', 'setsockopt')
      if (level === SOL_SOCKET) return sosetopt(so, name, value)
      if (level !== IPPROTO_IP) throw new SysError('ENOPROTOOPT', 'setsockopt')
      const pcb = pcbOf(so)
      ipSetopt(pcb, name, value)
    },
    getsockopt: (level, name) => {
      open('getsockopt')
      if (level === SOL_SOCKET) return sogetopt(so, name)
      if (level !== IPPROTO_IP) throw new SysError('ENOPROTOOPT', 'getsockopt')
      return ipGetopt(pcbOf(so), name)
    },
    setNonBlocking: (on) => {
      open('fcntl')
      if (on) so.state |= SS.NBIO
      else so.state &= ~SS.NBIO
    },
    shutdown: (how) => soshutdown(open('shutdown'), how),
    pollIn: async (timeoutNs) => sopollRead(open('poll'), timeoutNs),
    close: () => soclose(so),
  }
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

/** The descriptor of a stream (TCP) socket. */
function streamFd(so: StreamSocket): SocketFd {
  const open = (op: string): StreamSocket => {
    if (so.closed) throw new SysError('EBADF', op)
    return so
  }
  const recv = async (max: number, flags = 0, timeoutNs = Number.POSITIVE_INFINITY): Promise<Uint8Array> => {
    if (!Number.isInteger(max) || max < 0) throw new SysError('EINVAL', 'read')
    return soreceiveStream(open('read'), max, flags & (MSG.PEEK | MSG.DONTWAIT | MSG.WAITALL), timeoutNs)
  }
  const peer = (): SockAddrIn => {
    try {
      return so.usr.peeraddr(so)
    } catch {
      return { addr: 0, port: 0 }
    }
  }
  return {
    type: so.type,
    bind: (sa) => open('bind').usr.bind(so, checkAddr(sa, 'bind')),
    connect: (sa) => soconnectStream(open('connect'), checkAddr(sa, 'connect')),
    disconnect: () => open('connect').usr.disconnect(so),
    listen: (backlog) => {
      if (!Number.isInteger(backlog)) throw new SysError('EINVAL', 'listen')
      solisten(open('listen'), backlog)
    },
    accept: async (timeoutNs = Number.POSITIVE_INFINITY) => {
      const c = await soaccept(open('accept'), timeoutNs)
      return { fd: streamFd(c), from: c.usr.peeraddr(c) }
    },
    send: (data, flags = 0) => sosendStream(open('write'), data, flags & (MSG.DONTWAIT | MSG.OOB)),
    recv,
    pollOut: async (timeoutNs) => sopollWrite(open('poll'), timeoutNs),
    tcpInfo: () => tcpInfo(open('getsockopt')),
    sendto: (data, to, flags = 0) => {
      open('sendto')
      if (to !== undefined && (so.state & SS.ISCONNECTED) !== 0) throw new SysError('EISCONN', 'sendto')
      if ((so.state & SS.CANTSENDMORE) !== 0) throw new SysError('EPIPE', 'sendto')
      if ((so.state & (SS.ISCONNECTED | SS.ISCONNECTING)) === 0) throw new SysError('ENOTCONN', 'sendto')
      // A synchronous send queues what fits now, like a non-blocking write.
      const n = Math.min(so.sbsnd.space, data.length)
      if (n === 0 && data.length > 0) throw new SysError('EAGAIN', 'sendto')
      so.usr.send(so, data.subarray(0, n), null, flags)
      return n
    },
    recvfrom: async (max, flags = 0, timeoutNs = Number.POSITIVE_INFINITY) => {
      const data = await recv(max, flags, timeoutNs)
      return { data, from: peer(), flags: 0 }
    },
    getsockname: () => open('getsockname').usr.sockaddr(so),
    getpeername: () => open('getpeername').usr.peeraddr(so),
    setsockopt: (level, name, value) => {
      open('setsockopt')
      if (!Number.isInteger(value)) throw new SysError('EINVAL', 'setsockopt')
      if (level === SOL_SOCKET) return sosetopt(so, name, value)
      if (level === IPPROTO_TCP) return tcpSetopt(so, name, value)
      if (level !== IPPROTO_IP) throw new SysError('ENOPROTOOPT', 'setsockopt')
      ipSetopt(pcbOf(so), name, value)
    },
    getsockopt: (level, name) => {
      open('getsockopt')
      if (level === SOL_SOCKET) return sogetopt(so, name)
      if (level === IPPROTO_TCP) return tcpGetopt(so, name)
      if (level !== IPPROTO_IP) throw new SysError('ENOPROTOOPT', 'getsockopt')
      return ipGetopt(pcbOf(so), name)
    },
    setNonBlocking: (on) => {
      open('fcntl')
      if (on) so.state |= SS.NBIO
      else so.state &= ~SS.NBIO
    },
    shutdown: (how) => soshutdown(open('shutdown'), how),
    pollIn: async (timeoutNs) => sopollRead(open('poll'), timeoutNs),
    close: () => soclose(so),
  }
}

/** The sockets of v a caller may see: all of them, or only a shared-stack jail's own (cr_canseeinpcb). */
export function socketList(v: Vnet, cred: Cred): SocketInfo[] {
  const pr = cred.prison
  const jail = pr.ownsVnet ? null : pr
  const out: SocketInfo[] = []
  for (const p of udpEndpoints(v)) {
    if (jail !== null && p.jail !== jail) continue
    const rcv = p.so.rcv
    out.push({
      proto: 'udp4',
      laddr: p.laddr,
      lport: p.lport,
      faddr: p.faddr,
      fport: p.fport,
      recvQ: rcv.cc,
      sendQ: 0,
      state: '',
      uid: p.uid,
    })
  }
  for (const { inp, state, sendQ, recvQ } of tcpEndpoints(v)) {
    if (jail !== null && inp.jail !== jail) continue
    out.push({
      proto: 'tcp4',
      laddr: inp.laddr,
      lport: inp.lport,
      faddr: inp.faddr,
      fport: inp.fport,
      recvQ,
      sendQ,
      state: TCP_STATE_NAMES[state] ?? 'CLOSED',
      uid: inp.uid,
    })
  }
  return out
}
