/**
 * Stream sockets (FreeBSD's uipc_socket.c for SOCK_STREAM): byte-stream send and receive buffers,
 * the connection state calls protocols make (soisconnecting, soisconnected, soisdisconnected,
 * socantrcvmore, socantsendmore), the listen queue (solisten, sonewconn with its backlog bound,
 * soaccept), and the blocking calls — connect, send, receive, accept, poll — which wait on the host
 * clock as the datagram calls do.
 *
 * The protocol side (the state calls, `sonewconn`) never throws; the user side throws SysError with
 * FreeBSD's errno and changes nothing when it does.
 */

import type { MbufPool } from '../buf/mbuf.js'
import type { Clock } from '../util/clock.js'
import { SysError } from '../util/errno.js'
import { StreamBuf } from './sockbuf.js'
import { MbufSockBuf } from './sockbuf_mbuf.js'
import { MSG, type ProtoUsrreqs, SO, SOCK, type SockAddrIn, Socket, SS, soclose } from './socket.js'

/** kern.ipc.soacceptqueue (SOMAXCONN): the largest backlog listen(2) grants. */
export const SOMAXCONN = 128

/** Where a connection stands on its listener's queues. */
const Q = { NONE: 0, INCOMP: 1, COMP: 2 } as const

export class StreamSocket extends Socket {
  /** Received data: the segments' mbufs themselves (sockbuf_mbuf.ts). */
  readonly sbrcv: MbufSockBuf
  /** Data to send and not yet acknowledged: a ring the protocol copies segments out of. */
  readonly sbsnd: StreamBuf
  /**
   * A listener's queues: handshakes under way (so_incomp) and connections to accept (so_comp).
   * Made on first use, which only a listener's is: a connection costs no empty queues.
   */
  private incompQ: StreamSocket[] | null = null
  private compQ: StreamSocket[] | null = null
  qlimit = 0
  /** For a queued connection, its listener (so_head) and which queue it is on. */
  head: StreamSocket | null = null
  qstate: number = Q.NONE
  /** Connections refused for a full queue. */
  overflows = 0

  constructor(
    protocol: number,
    usr: ProtoUsrreqs,
    clock: Clock,
    pool: MbufPool,
    rcvHiwat: number,
    sndHiwat: number,
  ) {
    super(SOCK.STREAM, protocol, usr, clock, 0, sndHiwat)
    this.sbrcv = new MbufSockBuf(rcvHiwat, pool)
    this.sbsnd = new StreamBuf(sndHiwat)
  }

  get incomp(): StreamSocket[] {
    let q = this.incompQ
    if (q === null) {
      q = []
      this.incompQ = q
    }
    return q
  }

  get comp(): StreamSocket[] {
    let q = this.compQ
    if (q === null) {
      q = []
      this.compQ = q
    }
    return q
  }

  get listening(): boolean {
    return (this.options & SO.ACCEPTCONN) !== 0
  }

  override get readable(): boolean {
    if (this.listening) return this.comp.length > 0 || this.error !== null || this.closed
    return this.sbrcv.cc > 0 || this.error !== null || (this.state & SS.CANTRCVMORE) !== 0 || this.closed
  }

  /** POLLOUT: a failed or shut socket reports writable (the write then fails); else room to queue. */
  override get writable(): boolean {
    if (this.closed || this.error !== null || (this.state & SS.CANTSENDMORE) !== 0) return true
    return (this.state & SS.ISCONNECTED) !== 0 && this.sbsnd.space > 0
  }

  override flushRcv(): void {
    this.sbrcv.flush()
  }

  override bufSize(rcv: boolean): number {
    return rcv ? this.sbrcv.hiwat : this.sbsnd.hiwat
  }

  override setBufSize(rcv: boolean, n: number): void {
    if (rcv) this.sbrcv.hiwat = n
    else {
      this.sbsnd.hiwat = n
      this.sndHiwat = n
    }
  }
}

export function soisconnecting(so: StreamSocket): void {
  so.state &= ~(SS.ISCONNECTED | SS.ISDISCONNECTING)
  so.state |= SS.ISCONNECTING
}

/** The handshake completed: a queued connection moves to its listener's accept queue. */
export function soisconnected(so: StreamSocket): void {
  so.state &= ~(SS.ISCONNECTING | SS.ISDISCONNECTING)
  so.state |= SS.ISCONNECTED
  const head = so.head
  if (head !== null && so.qstate === Q.INCOMP) {
    removeFrom(head.incomp, so)
    head.comp.push(so)
    so.qstate = Q.COMP
    head.wakeup()
  }
  so.wakeup()
}

export function soisdisconnecting(so: StreamSocket): void {
  so.state &= ~SS.ISCONNECTING
  so.state |= SS.ISDISCONNECTING | SS.CANTRCVMORE | SS.CANTSENDMORE
  so.wakeup()
}

/** The connection is gone: nothing more to read or send; what was queued to send is dropped. */
export function soisdisconnected(so: StreamSocket): void {
  so.state &= ~(SS.ISCONNECTING | SS.ISCONNECTED | SS.ISDISCONNECTING)
  so.state |= SS.CANTRCVMORE | SS.CANTSENDMORE
  so.sbsnd.flush()
  so.wakeup()
}

export function socantsendmore(so: StreamSocket): void {
  so.state |= SS.CANTSENDMORE
  so.wakeup()
}

export function socantrcvmore(so: StreamSocket): void {
  so.state |= SS.CANTRCVMORE
  so.wakeup()
}

/** solisten: backlog < 0 or above SOMAXCONN means SOMAXCONN, as FreeBSD's solisten_proto does. */
export function solisten(so: StreamSocket, backlog: number): void {
  if (so.closed) throw new SysError('EBADF', 'listen')
  if ((so.state & (SS.ISCONNECTED | SS.ISCONNECTING | SS.ISDISCONNECTING)) !== 0)
    throw new SysError('EINVAL', 'listen')
  so.usr.listen?.(so, backlog)
  so.qlimit = backlog < 0 || backlog > SOMAXCONN ? SOMAXCONN : backlog
  so.options |= SO.ACCEPTCONN
  so.wakeup()
}

/**
 * sonewconn's bound: may the listener take one more connection? Handshakes under way and
 * connections waiting for accept together stay within 3/2 of the backlog (as FreeBSD's
 * `sol_qlen > 3 * sol_qlimit / 2` check); a refusal is counted on the listener.
 */
export function soqroom(head: StreamSocket): boolean {
  if (!head.listening || head.closed) return false
  if (head.comp.length + head.incomp.length > Math.floor((3 * head.qlimit) / 2)) {
    head.overflows++
    return false
  }
  return true
}

/** Put a new connection on its listener's queue: incomplete, or complete when `connected`. */
export function soqinsert(head: StreamSocket, so: StreamSocket, connected: boolean): void {
  so.head = head
  so.options = head.options & ~SO.ACCEPTCONN
  so.linger = head.linger
  if (connected) {
    so.qstate = Q.COMP
    so.state |= SS.ISCONNECTED
    head.comp.push(so)
    head.wakeup()
  } else {
    so.qstate = Q.INCOMP
    head.incomp.push(so)
  }
}

/** Take a connection off its listener's queue (it failed before accept, or was accepted). */
export function soqremove(so: StreamSocket): void {
  const head = so.head
  if (head === null) return
  if (so.qstate === Q.INCOMP) removeFrom(head.incomp, so)
  else if (so.qstate === Q.COMP) removeFrom(head.comp, so)
  so.head = null
  so.qstate = Q.NONE
}

function removeFrom(list: StreamSocket[], so: StreamSocket): void {
  const i = list.indexOf(so)
  if (i >= 0) list.splice(i, 1)
}

/** close(2) of a listener: every connection still queued is aborted (soabort). */
export function soabortQueued(head: StreamSocket): void {
  for (const q of [...head.incomp, ...head.comp]) {
    soqremove(q)
    q.usr.abort?.(q)
    soclose(q)
  }
}

function nonblocking(so: Socket, flags: number): boolean {
  return (flags & MSG.DONTWAIT) !== 0 || (so.state & SS.NBIO) !== 0
}

/**
 * The part of accept(2) that never waits: the next completed connection, or null when none is
 * queued yet; EBADF / EINVAL as soaccept. A caller with a connection at hand skips the promise
 * machinery of the waiting loop (a connection-heavy server accepts thousands a second).
 */
export function soacceptNow(head: StreamSocket): StreamSocket | null {
  if (head.closed) throw new SysError('EBADF', 'accept')
  if (!head.listening) throw new SysError('EINVAL', 'accept')
  const so = head.comp.shift()
  if (so === undefined) return null
  so.head = null
  so.qstate = Q.NONE
  return so
}

/**
 * accept(2): the next completed connection, waiting up to timeoutNs. EINVAL when not listening,
 * EAGAIN when non-blocking or timed out; a pending error on the listener is reported once.
 */
export async function soaccept(head: StreamSocket, timeoutNs: number): Promise<StreamSocket> {
  // The deadline is read from the clock only once waiting is needed: most calls return at once.
  let deadline = -1
  for (;;) {
    const so = soacceptNow(head)
    if (so !== null) return so
    const err = head.takeError()
    if (err !== null) throw new SysError(err.code, 'accept')
    if (nonblocking(head, 0)) throw new SysError('EAGAIN', 'accept')
    const now = head.clock.now()
    if (deadline < 0) deadline = now + timeoutNs
    const left = deadline - now
    if (left <= 0) throw new SysError('EAGAIN', 'accept')
    await head.wait.wait(left)
  }
}

/**
 * connect(2) for a stream socket: EISCONN / EALREADY / EINVAL (listening) first; then the protocol
 * starts the handshake. Non-blocking: EINPROGRESS at once. Blocking: resolves when connected, or
 * rejects with the error the protocol recorded (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH ...).
 */
export function soconnectStream(so: StreamSocket, sa: SockAddrIn): Promise<void> {
  // The handshake usually completes within usr.connect (between stacks of one process): then
  // no waiting loop, and no async frame, is needed.
  try {
    soconnectStart(so, sa)
    if ((so.state & SS.ISCONNECTED) !== 0) return Promise.resolve()
  } catch (e) {
    return Promise.reject(e)
  }
  return soconnectWait(so)
}

/** connect(2)'s checks and the protocol's start; EINPROGRESS when non-blocking. */
function soconnectStart(so: StreamSocket, sa: SockAddrIn): void {
  if (so.closed) throw new SysError('EBADF', 'connect')
  if (so.listening) throw new SysError('EINVAL', 'connect')
  if ((so.state & SS.ISCONNECTED) !== 0) throw new SysError('EISCONN', 'connect')
  if ((so.state & SS.ISCONNECTING) !== 0) throw new SysError('EALREADY', 'connect')
  // A connection that already ended (refused, reset) cannot be reused: FreeBSD says EINVAL.
  if ((so.state & (SS.CANTSENDMORE | SS.CANTRCVMORE)) !== 0 && so.error === null)
    throw new SysError('EINVAL', 'connect')
  so.error = null
  so.usr.connect(so, sa)
  // Non-blocking: the handshake goes on without the caller, even if a fast path already finished it.
  if ((so.state & SS.NBIO) !== 0) throw new SysError('EINPROGRESS', 'connect')
}

/** A blocking connect(2) waits for the handshake's outcome. */
async function soconnectWait(so: StreamSocket): Promise<void> {
  for (;;) {
    if ((so.state & SS.ISCONNECTED) !== 0) return
    const err = so.takeError()
    if (err !== null) throw new SysError(err.code, 'connect')
    if (so.closed) throw new SysError('EBADF', 'connect')
    if ((so.state & SS.ISCONNECTING) === 0) throw new SysError('ECONNABORTED', 'connect')
    await so.wait.wait()
  }
}

/**
 * sosend for a stream: queue all of data (blocking) or what fits (non-blocking; EAGAIN when
 * nothing does), handing each part to the protocol. A pending error is reported once (ECONNRESET,
 * ETIMEDOUT ...); after that, or after shutdown(SHUT_WR), EPIPE. ENOTCONN when never connected.
 */
export function sosendStream(so: StreamSocket, data: Uint8Array, flags: number): Promise<number> {
  // All of it fits at once (the common case for a short write): the first pass of the loop
  // below, without its async frame or a view of the whole array.
  const len = data.length
  if (
    len > 0 &&
    !so.closed &&
    so.error === null &&
    (so.state & SS.CANTSENDMORE) === 0 &&
    (so.state & (SS.ISCONNECTED | SS.ISCONNECTING)) !== 0 &&
    so.sbsnd.space >= len
  ) {
    try {
      so.usr.send(so, data, null, flags)
    } catch (e) {
      return Promise.reject(e)
    }
    return Promise.resolve(len)
  }
  return sosendStreamLoop(so, data, flags)
}

async function sosendStreamLoop(so: StreamSocket, data: Uint8Array, flags: number): Promise<number> {
  let done = 0
  for (;;) {
    if (so.closed) throw new SysError('EBADF', 'write')
    const err = so.takeError()
    if (err !== null) {
      if (done > 0) return done
      throw new SysError(err.code, 'write')
    }
    if ((so.state & SS.CANTSENDMORE) !== 0) {
      if (done > 0) return done
      throw new SysError('EPIPE', 'write')
    }
    if ((so.state & (SS.ISCONNECTED | SS.ISCONNECTING)) === 0) throw new SysError('ENOTCONN', 'write')
    if (done === data.length && data.length > 0) return done
    const room = so.sbsnd.space
    if (room > 0 || data.length === 0) {
      const n = Math.min(room, data.length - done)
      so.usr.send(so, data.subarray(done, done + n), null, flags)
      done += n
      if (done === data.length) return done
      // Sending may have freed room already (an ACK on a fast path): look again before sleeping.
      continue
    }
    if (nonblocking(so, flags)) {
      if (done > 0) return done
      throw new SysError('EAGAIN', 'write')
    }
    await so.wait.wait()
  }
}

/**
 * soreceive_stream: up to max bytes, an empty array at end of file. MSG_PEEK leaves them queued;
 * MSG_WAITALL waits for all max bytes (or EOF, an error, a timeout). A pending error is reported
 * once; ENOTCONN before connecting; EAGAIN when non-blocking or timed out with nothing read.
 * Each part read is a fresh array; soreceiveStreamInto reads into the caller's buffer instead.
 */
export function soreceiveStream(
  so: StreamSocket,
  max: number,
  flags: number,
  timeoutNs: number,
): Promise<Uint8Array> {
  // Data queued and one part wanted: the first pass of soreceive, without its async frames.
  if (readyNow(so, max, flags)) {
    const peek = (flags & MSG.PEEK) !== 0
    const part = so.sbrcv.take(max, peek)
    if (!peek) so.usr.rcvd?.(so)
    return Promise.resolve(part)
  }
  return soreceiveStreamParts(so, max, flags, timeoutNs)
}

/**
 * soreceive's first pass returns at once, with one part: bytes are queued, some are wanted, and
 * MSG_WAITALL (without MSG_PEEK) does not ask for more than there may be.
 */
function readyNow(so: StreamSocket, max: number, flags: number): boolean {
  return !so.closed && so.sbrcv.cc > 0 && max > 0 && ((flags & MSG.WAITALL) === 0 || (flags & MSG.PEEK) !== 0)
}

async function soreceiveStreamParts(
  so: StreamSocket,
  max: number,
  flags: number,
  timeoutNs: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  const have = await soreceive(so, null, 0, max, flags, timeoutNs, parts)
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(have)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * soreceive_stream into dst[off, off + len), as read(2) into the reader's buffer: the bytes are
 * copied once, out of the received mbufs, and nothing is allocated. Returns how many (0 at end of
 * file); otherwise as soreceiveStream.
 */
export function soreceiveStreamInto(
  so: StreamSocket,
  dst: Uint8Array,
  off: number,
  len: number,
  flags: number,
  timeoutNs: number,
): Promise<number> {
  if (readyNow(so, len, flags)) {
    const peek = (flags & MSG.PEEK) !== 0
    const n = so.sbrcv.readInto(dst, off, len, peek)
    if (!peek) so.usr.rcvd?.(so)
    return Promise.resolve(n)
  }
  return soreceive(so, dst, off, len, flags, timeoutNs, null)
}

/** Both soreceive_streams: into dst when given, else each part as a fresh array onto `parts`. */
async function soreceive(
  so: StreamSocket,
  dst: Uint8Array | null,
  off: number,
  max: number,
  flags: number,
  timeoutNs: number,
  parts: Uint8Array[] | null,
): Promise<number> {
  let deadline = -1
  const peek = (flags & MSG.PEEK) !== 0
  const waitall = (flags & MSG.WAITALL) !== 0 && !peek
  let have = 0
  for (;;) {
    if (so.closed) throw new SysError('EBADF', 'read')
    const cc = so.sbrcv.cc
    if (cc > 0 && max > 0) {
      let n: number
      if (dst !== null) n = so.sbrcv.readInto(dst, off + have, max - have, peek)
      else {
        const part = so.sbrcv.take(max - have, peek)
        parts!.push(part)
        n = part.length
      }
      have += n
      if (!peek) so.usr.rcvd?.(so)
      if (!waitall || have >= max) return have
      continue
    }
    if (max === 0) return 0
    const err = so.takeError()
    if (err !== null) {
      if (have > 0) return have
      throw new SysError(err.code, 'read')
    }
    if ((so.state & SS.CANTRCVMORE) !== 0) return have
    if ((so.state & (SS.ISCONNECTED | SS.ISCONNECTING)) === 0) {
      if (have > 0) return have
      throw new SysError('ENOTCONN', 'read')
    }
    const now = so.clock.now()
    if (deadline < 0) deadline = now + timeoutNs
    const left = deadline - now
    if (nonblocking(so, flags) || left <= 0) {
      if (have > 0) return have
      throw new SysError('EAGAIN', 'read')
    }
    await so.wait.wait(left)
  }
}

/** poll(2) POLLOUT: wait up to timeoutNs for the socket to become writable. */
export async function sopollWrite(so: Socket, timeoutNs: number): Promise<boolean> {
  const deadline = so.clock.now() + timeoutNs
  for (;;) {
    if (so.writable) return true
    const left = deadline - so.clock.now()
    if (left <= 0) return false
    await so.wait.wait(left)
  }
}
