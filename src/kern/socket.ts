/**
 * The protocol-independent socket (FreeBSD's struct socket, uipc_socket.c): type, options, state,
 * pending error, and a bounded receive buffer, with the protocol reached through its user requests
 * (`ProtoUsrreqs`, FreeBSD's pr_usrreqs). Blocking calls wait on the host clock, so they work the
 * same in virtual and real time; `MSG_DONTWAIT` and non-blocking sockets answer EAGAIN instead.
 *
 * Knows no protocol and no address format beyond what its protocol hands it. The receive path
 * (`sbappendaddr`) never throws and never grows past `hiwat`: what does not fit is refused and the
 * protocol counts it.
 */

import type { Clock } from '../util/clock.js'
import { WaitQueue } from '../util/clock.js'
import { SysError } from '../util/errno.js'

export const SOCK = { STREAM: 1, DGRAM: 2, RAW: 3 } as const

/** Socket-level options (sys/socket.h): boolean ones are bits of `Socket.options`. */
export const SO = {
  DEBUG: 0x1,
  ACCEPTCONN: 0x2,
  REUSEADDR: 0x4,
  KEEPALIVE: 0x8,
  DONTROUTE: 0x10,
  BROADCAST: 0x20,
  LINGER: 0x80,
  OOBINLINE: 0x100,
  REUSEPORT: 0x200,
  SNDBUF: 0x1001,
  RCVBUF: 0x1002,
  SNDLOWAT: 0x1003,
  RCVLOWAT: 0x1004,
  ERROR: 0x1007,
  TYPE: 0x1008,
  /** Set the socket's FIB (sys/socket.h SO_SETFIB). */
  SETFIB: 0x1014,
} as const

export const SOL_SOCKET = 0xffff

/** recv/send flags (sys/socket.h). */
export const MSG = {
  OOB: 0x1,
  PEEK: 0x2,
  DONTROUTE: 0x4,
  EOR: 0x8,
  TRUNC: 0x10,
  WAITALL: 0x40,
  DONTWAIT: 0x80,
} as const

/** shutdown(2) directions. */
export const SHUT = { RD: 0, WR: 1, RDWR: 2 } as const

/**
 * A transport address: struct sockaddr_in, or with `addr6` a struct sockaddr_in6 (then `addr` is
 * the IPv4 address of a v4-mapped `addr6`, else 0, and `scopeId` is sin6_scope_id).
 */
export interface SockAddrIn {
  addr: number
  port: number
  addr6?: Uint8Array
  scopeId?: number
}

export interface Datagram {
  data: Uint8Array
  from: SockAddrIn
  /** IPv6: the hop limit it arrived with (IPV6_HOPLIMIT ancillary data, which RIPng checks). */
  hlim?: number
}

/** What a protocol implements for its sockets (pr_usrreqs); each throws SysError on failure. */
export interface ProtoUsrreqs {
  bind(so: Socket, sa: SockAddrIn): void
  connect(so: Socket, sa: SockAddrIn): void
  /** Undo connect (connect to AF_UNSPEC for datagram sockets). */
  disconnect(so: Socket): void
  /** Send one datagram (or stream data); `to` is null for a connected socket. */
  send(so: Socket, data: Uint8Array, to: SockAddrIn | null, flags: number): void
  shutdown(so: Socket, how: number): void
  detach(so: Socket): void
  sockaddr(so: Socket): SockAddrIn
  peeraddr(so: Socket): SockAddrIn
  /** Protocol-level options (IPPROTO_IP, IPPROTO_UDP ...); undefined = not a known option. */
  setopt?(so: Socket, level: number, name: number, value: number): boolean
  getopt?(so: Socket, level: number, name: number): number | undefined
  /** pru_listen (stream protocols): become a listener; the socket layer keeps the queue. */
  listen?(so: Socket, backlog: number): void
  /** pru_rcvd: the reader took data from the receive buffer (a window update may be due). */
  rcvd?(so: Socket): void
  /** pru_abort: drop a connection nobody accepted (its listener closed). */
  abort?(so: Socket): void
}

/** Socket state bits (SS_*). */
export const SS = {
  ISCONNECTED: 0x2,
  ISCONNECTING: 0x4,
  ISDISCONNECTING: 0x8,
  NBIO: 0x100,
  CANTSENDMORE: 0x10,
  CANTRCVMORE: 0x20,
} as const

/** Default receive and send buffer sizes for datagram sockets (net.inet.udp.recvspace, maxdgram). */
export const UDP_RECVSPACE = 42080
export const UDP_MAXDGRAM = 9216

/** kern.ipc.maxsockbuf's default: the largest SO_SNDBUF / SO_RCVBUF a socket may ask for. */
export const MAXSOCKBUF = 2 * 1024 * 1024

/** Host-wide socket limits (kern.ipc.*), shared by every vnet of a host. */
export interface SockIpc {
  /** kern.ipc.maxsockbuf. */
  maxsockbuf: number
}

/**
 * A bounded queue of received datagrams (sockbuf with sbappendaddr). Its byte count includes each
 * record's address, as FreeBSD's does, so a flood of empty datagrams is bounded too.
 */
export class DgramBuf {
  hiwat: number
  cc = 0
  private readonly q: Datagram[] = []
  private head = 0

  constructor(hiwat: number) {
    this.hiwat = hiwat
  }

  get length(): number {
    return this.q.length - this.head
  }

  /** Append a record; false (nothing stored) when it does not fit. */
  append(d: Datagram): boolean {
    const size = d.data.length + SOCKADDR_IN_LEN
    if (this.cc + size > this.hiwat) return false
    this.q.push(d)
    this.cc += size
    return true
  }

  peek(): Datagram | undefined {
    return this.q[this.head]
  }

  shift(): Datagram | undefined {
    const d = this.q[this.head]
    if (d === undefined) return undefined
    this.q[this.head++] = undefined as unknown as Datagram
    this.cc -= d.data.length + SOCKADDR_IN_LEN
    // Compact now and then, so the array does not keep every record ever queued.
    if (this.head > 64 && this.head * 2 > this.q.length) {
      this.q.splice(0, this.head)
      this.head = 0
    }
    return d
  }

  flush(): void {
    this.q.length = 0
    this.head = 0
    this.cc = 0
  }
}

/** sizeof(struct sockaddr_in): what an address costs in a receive buffer. */
const SOCKADDR_IN_LEN = 16

export class Socket {
  readonly type: number
  readonly protocol: number
  readonly usr: ProtoUsrreqs
  options = 0
  state = 0
  /** so_error: a pending asynchronous error (ICMP unreachable on a connected socket ...). */
  error: SysError | null = null
  /** The datagram receive queue, made on first use: a stream socket has its own buffers and never does. */
  private rcvq: DgramBuf | null = null
  private readonly rcvHiwat0: number
  sndHiwat: number
  /** SO_LINGER seconds; -1 when off. */
  linger = -1
  /** Readers and pollers sleep here (made when the first one does); protocols wake it when data, errors or state arrive. */
  private waitq: WaitQueue | null = null
  readonly clock: Clock
  /** The protocol control block (struct inpcb ...). */
  pcb: unknown = null
  closed = false
  /** so_fibnum: the FIB its routes are looked up in (the opener's, or SO_SETFIB's). */
  fibnum = 0
  /** kern.ipc limits of the host (SO_SNDBUF / SO_RCVBUF bounds). */
  ipc: SockIpc = { maxsockbuf: MAXSOCKBUF }

  constructor(
    type: number,
    protocol: number,
    usr: ProtoUsrreqs,
    clock: Clock,
    rcvHiwat: number,
    sndHiwat: number,
  ) {
    this.type = type
    this.protocol = protocol
    this.usr = usr
    this.rcvHiwat0 = rcvHiwat
    this.sndHiwat = sndHiwat
    this.clock = clock
  }

  get rcv(): DgramBuf {
    let q = this.rcvq
    if (q === null) {
      q = new DgramBuf(this.rcvHiwat0)
      this.rcvq = q
    }
    return q
  }

  get wait(): WaitQueue {
    let w = this.waitq
    if (w === null) {
      w = new WaitQueue(this.clock)
      this.waitq = w
    }
    return w
  }

  /** sorwakeup / sowwakeup: something changed that a sleeper may want (nobody, if none ever slept). */
  wakeup(): void {
    this.waitq?.wakeAll()
  }

  /** Record an asynchronous error for the next call to report (so_error) and wake sleepers. */
  setError(e: SysError): void {
    this.error = e
    this.wakeup()
  }

  takeError(): SysError | null {
    const e = this.error
    this.error = null
    return e
  }

  get readable(): boolean {
    return this.rcv.length > 0 || this.error !== null || (this.state & SS.CANTRCVMORE) !== 0 || this.closed
  }

  get writable(): boolean {
    return !this.closed
  }

  /** Drop what is queued for reading (shutdown(SHUT_RD), close). */
  flushRcv(): void {
    this.rcv.flush()
  }

  /** SO_RCVBUF / SO_SNDBUF as getsockopt reports them. */
  bufSize(rcv: boolean): number {
    return rcv ? this.rcv.hiwat : this.sndHiwat
  }

  /** sbreserve for SO_RCVBUF / SO_SNDBUF; the caller has checked the bounds. */
  setBufSize(rcv: boolean, n: number): void {
    if (rcv) this.rcv.hiwat = n
    else this.sndHiwat = n
  }
}

/** The on/off options, kept as bits of `Socket.options`. */
const FLAG_OPTS: ReadonlySet<number> = new Set([
  SO.REUSEADDR,
  SO.REUSEPORT,
  SO.KEEPALIVE,
  SO.DONTROUTE,
  SO.BROADCAST,
  SO.DEBUG,
  SO.OOBINLINE,
])

/** setsockopt(SOL_SOCKET, ...). */
export function sosetopt(so: Socket, name: number, value: number): void {
  if (FLAG_OPTS.has(name)) {
    if (value !== 0) so.options |= name
    else so.options &= ~name
    return
  }
  switch (name) {
    case SO.LINGER:
      // struct linger folded into one int: -1 is l_onoff = 0, n >= 0 is l_onoff = 1, l_linger = n.
      if (value < -1) throw new SysError('EINVAL', 'setsockopt')
      so.linger = value
      if (value >= 0) so.options |= SO.LINGER
      else so.options &= ~SO.LINGER
      return
    case SO.RCVBUF:
    case SO.SNDBUF:
      // sbreserve: bounded by kern.ipc.maxsockbuf; 0 or negative is EINVAL.
      if (!Number.isInteger(value) || value <= 0 || value > so.ipc.maxsockbuf)
        throw new SysError('ENOBUFS', 'setsockopt')
      so.setBufSize(name === SO.RCVBUF, value)
      return
    default:
      throw new SysError('ENOPROTOOPT', 'setsockopt')
  }
}

/** getsockopt(SOL_SOCKET, ...). SO_ERROR reads and clears the pending error. */
export function sogetopt(so: Socket, name: number): number {
  if (FLAG_OPTS.has(name) || name === SO.ACCEPTCONN) return (so.options & name) !== 0 ? name : 0
  switch (name) {
    case SO.LINGER:
      return so.linger
    case SO.RCVBUF:
      return so.bufSize(true)
    case SO.SNDBUF:
      return so.bufSize(false)
    case SO.TYPE:
      return so.type
    case SO.ERROR:
      return so.takeError()?.errno ?? 0
    default:
      throw new SysError('ENOPROTOOPT', 'getsockopt')
  }
}

/**
 * sosend: refused after shutdown(SHUT_WR) (EPIPE); a pending asynchronous error is reported (and
 * cleared) instead of sending, as sosend_dgram does; otherwise the protocol sends.
 */
export function sosend(so: Socket, data: Uint8Array, to: SockAddrIn | null, flags: number): void {
  if ((so.state & SS.CANTSENDMORE) !== 0) throw new SysError('EPIPE', 'sendto')
  const err = so.takeError()
  if (err !== null) throw new SysError(err.code, 'sendto')
  so.usr.send(so, data, to, flags)
}

/**
 * soreceive for datagram sockets: the next datagram, waiting up to `timeoutNs` (Infinity = until
 * one arrives). A pending error is reported first, once. MSG_PEEK leaves the datagram queued; a
 * datagram longer than `max` is truncated (MSG_TRUNC set in the result's flags).
 */
export async function soreceiveDgram(
  so: Socket,
  max: number,
  flags: number,
  timeoutNs: number,
): Promise<{ data: Uint8Array; from: SockAddrIn; flags: number; hlim?: number }> {
  const nonblocking = (flags & MSG.DONTWAIT) !== 0 || (so.state & SS.NBIO) !== 0
  const deadline = so.clock.now() + timeoutNs
  for (;;) {
    if (so.closed) throw new SysError('EBADF', 'recvfrom')
    const d = so.rcv.peek()
    if (d !== undefined) {
      if ((flags & MSG.PEEK) === 0) so.rcv.shift()
      const trunc = d.data.length > max
      const flagsOut = trunc ? MSG.TRUNC : 0
      const data = trunc ? d.data.subarray(0, max) : d.data
      return d.hlim === undefined
        ? { data, from: d.from, flags: flagsOut }
        : { data, from: d.from, flags: flagsOut, hlim: d.hlim }
    }
    const err = so.takeError()
    if (err !== null) throw new SysError(err.code, 'recvfrom')
    if ((so.state & SS.CANTRCVMORE) !== 0)
      return { data: new Uint8Array(0), from: { addr: 0, port: 0 }, flags: 0 }
    const left = deadline - so.clock.now()
    // SO_RCVTIMEO expiring reports EAGAIN (EWOULDBLOCK), as a non-blocking socket does.
    if (nonblocking || left <= 0) throw new SysError('EAGAIN', 'recvfrom')
    await so.wait.wait(left)
  }
}

/** Wait until the socket is readable or `timeoutNs` passes (poll(2) for POLLIN); returns readability. */
export async function sopollRead(so: Socket, timeoutNs: number): Promise<boolean> {
  if (so.readable || timeoutNs <= 0) return so.readable
  await so.wait.wait(timeoutNs)
  return so.readable
}

/**
 * shutdown(2) (soshutdown): SHUT_RD drops what is queued and reads see end of file; SHUT_WR is the
 * protocol's (a datagram socket refuses further sends, TCP sends its FIN).
 */
export function soshutdown(so: Socket, how: number): void {
  if (how !== SHUT.RD && how !== SHUT.WR && how !== SHUT.RDWR) throw new SysError('EINVAL', 'shutdown')
  if ((so.state & (SS.ISCONNECTED | SS.ISCONNECTING)) === 0 && so.type !== SOCK.DGRAM)
    throw new SysError('ENOTCONN', 'shutdown')
  if (how !== SHUT.WR) {
    so.state |= SS.CANTRCVMORE
    so.flushRcv()
  }
  if (how !== SHUT.RD) so.usr.shutdown(so, how)
  so.wakeup()
}

/** close(2): detach from the protocol, drop what is queued, wake every sleeper. */
export function soclose(so: Socket): void {
  if (so.closed) return
  so.closed = true
  so.usr.detach(so)
  so.flushRcv()
  so.wakeup()
}
