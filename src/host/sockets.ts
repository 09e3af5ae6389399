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
  type SockAddrIn,
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
import type { Vnet } from '../stack/net/vnet.js'
import type { Inpcb } from '../stack/netinet/in_pcb.js'
import { udpEndpoints, udpSocket } from '../stack/netinet/udp.js'
import { SysError } from '../util/errno.js'
import { IpProto } from '../wire/ipv4.js'
import {
  AF_INET,
  IP_TOS,
  IP_TTL,
  IPPROTO_IP,
  type SocketFd,
  type SocketInfo,
  type SocketOwner,
} from './syscalls.js'

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
): SocketFd {
  if (domain !== AF_INET) throw new SysError('EAFNOSUPPORT', 'socket')
  const pr = cred.prison
  // A jail on a shared stack without addresses has no IPv4 (ip4=disable).
  const jail = pr.ownsVnet ? null : pr
  if (jail !== null && jail.ip4.length === 0) throw new SysError('EAFNOSUPPORT', 'socket')
  if (type !== SOCK.DGRAM) throw new SysError('EPROTONOSUPPORT', 'socket')
  if (protocol !== 0 && protocol !== IpProto.UDP) throw new SysError('EPROTONOSUPPORT', 'socket')
  const so = udpSocket(v, jail, cred.uid, privAllowed(cred, Priv.NETINET_RESERVEDPORT))
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
  return { addr: sa.addr >>> 0, port: sa.port }
}

function pcbOf(so: Socket): Inpcb {
  return so.pcb as Inpcb
}

function socketFd(so: Socket, release: (() => void) | null): SocketFd {
  const open = (op: string): Socket => {
    if (so.closed) throw new SysError('EBADF', op)
    return so
  }
  return {
    type: so.type,
    bind: (sa) => open('bind').usr.bind(so, checkAddr(sa, 'bind')),
    connect: (sa) => open('connect').usr.connect(so, checkAddr(sa, 'connect')),
    disconnect: () => open('connect').usr.disconnect(so),
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
      if (name === IP_TTL) {
        // ip_ctloutput: -1 restores the default; otherwise 0..255.
        if (value < -1 || value > 255) throw new SysError('EINVAL', 'setsockopt')
        pcb.ttl = value
      } else if (name === IP_TOS) {
        if (value < 0 || value > 255) throw new SysError('EINVAL', 'setsockopt')
        pcb.tos = value
      } else throw new SysError('ENOPROTOOPT', 'setsockopt')
    },
    getsockopt: (level, name) => {
      open('getsockopt')
      if (level === SOL_SOCKET) return sogetopt(so, name)
      if (level !== IPPROTO_IP) throw new SysError('ENOPROTOOPT', 'getsockopt')
      const pcb = pcbOf(so)
      if (name === IP_TTL) return pcb.ttl >= 0 ? pcb.ttl : -1
      if (name === IP_TOS) return pcb.tos
      throw new SysError('ENOPROTOOPT', 'getsockopt')
    },
    setNonBlocking: (on) => {
      open('fcntl')
      if (on) so.state |= SS.NBIO
      else so.state &= ~SS.NBIO
    },
    shutdown: (how) => soshutdown(open('shutdown'), how),
    pollIn: async (timeoutNs) => sopollRead(open('poll'), timeoutNs),
    close: () => {
      release?.()
      soclose(so)
    },
  }
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
      proto: 'udp4',
      laddr: p.laddr,
      lport: p.lport,
      faddr: p.faddr,
      fport: p.fport,
      recvQ: rcv.cc,
      sendQ: 0,
      state: '',
      uid: p.uid,
      ...withOwner(owners.get(p.so)),
    })
  }
  return out
}

function withOwner(owner: SocketOwner | undefined): { owner?: SocketOwner } {
  return owner === undefined ? {} : { owner }
}
