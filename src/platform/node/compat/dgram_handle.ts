/**
 * A dgram Socket's handle on the jail's UDP socket, what libuv's uv_udp_t does under Node's dgram:
 * the bind (explicit, or implicit before the first send, with sends queued until it is done), the
 * receive loop turning datagrams into 'message' and pending errors into 'error', connect, and each
 * send through the jail's syscalls with Node's errors and callback order. Functions of the Socket
 * (dgram.ts).
 *
 * Must not: check the API's arguments; dgram.ts and dgram_args.ts do before calling here.
 */

import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  SO,
  SOCK,
  SOL_SOCKET,
  type SockAddrIn,
  type SocketFd,
} from '../../../host/syscalls.js'
import { MSG } from '../../../kern/socket.js'
import { isSysError } from '../../../util/errno.js'
import { parseIpv4 } from '../../../wire/addr.js'
import type { Socket } from './dgram.js'
import { RECV_MAX, type RemoteInfo, type SendCallback } from './dgram_args.js'
import { ipOfSockaddr, isV6Literal, sockaddrOfIp } from './inet_addr.js'
import { jailIfIndex } from './jail_context.js'
import { codeOf, emitSafely, errnoException, exceptionWithHostPort } from './node_errors.js'

export function doBind(sock: Socket, ip: string, port: number): void {
  let fd: SocketFd | null = null
  try {
    const six = sock.type === 'udp6'
    const local = sockaddrOfIp(ip, port, jailIfIndex(sock.ctx))
    if (local === null || (local.family === AF_INET6) !== six)
      throw Object.assign(new Error(), { code: 'EINVAL' })
    fd = sock.ctx.sys.socket(six ? AF_INET6 : AF_INET, SOCK.DGRAM)
    if (sock.reuseAddr) fd.setsockopt(SOL_SOCKET, SO.REUSEPORT, 1)
    // A udp6 socket takes IPv4 too unless `ipv6Only` (uv_udp_bind without UV_UDP_IPV6ONLY).
    if (six) fd.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, sock.ipv6Only ? 1 : 0)
    fd.bind(local.sa)
  } catch (e) {
    fd?.close()
    sock.bindState = 'unbound'
    const code = isSysError(e) ? e.code : ((e as { code?: string }).code ?? 'EIO')
    sock.emit('error', exceptionWithHostPort(code, 'bind', ip, port))
    return
  }
  sock.fd = fd
  sock.bindState = 'bound'
  sock.ref_.setActive(true)
  sock.untrack = sock.ctx.track(() => dropQuietly(sock))
  if (sock.recvBufferSize !== undefined) sock.bufferSize(sock.recvBufferSize, true)
  if (sock.sendBufferSize !== undefined) sock.bufferSize(sock.sendBufferSize, false)
  void receive(sock, fd)
  sock.emit('listening')
}

/** The receive loop: every datagram becomes a 'message', every pending error an 'error'. */
export async function receive(sock: Socket, fd: SocketFd): Promise<void> {
  const live = sock.ctx.live
  while (sock.fd === fd) {
    let d: Awaited<ReturnType<SocketFd['recvfrom']>>
    try {
      d = await fd.recvfrom(RECV_MAX, MSG.DONTWAIT)
    } catch (e) {
      if (sock.fd !== fd) return
      const code = codeOf(e)
      if (code === 'EAGAIN') {
        await live.idle(() => fd.pollIn(Number.POSITIVE_INFINITY)).catch(() => false)
        continue
      }
      emitSafely(sock, 'error', errnoException(code, 'recvmsg'))
      continue
    }
    if (sock.fd !== fd) return
    const buf = Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength)
    const rinfo: RemoteInfo = {
      ...ipOfSockaddr(d.from),
      port: d.from.port,
      size: buf.length,
    }
    emitSafely(sock, 'message', buf, rinfo)
  }
}

/** Run `fn` now if bound, else once the implicit bind is done (or drop it if that fails). */
export function whenBound(sock: Socket, fn: () => void): void {
  if (sock.bindState === 'unbound') sock.bind({ port: 0, exclusive: true })
  if (sock.bindState === 'bound') {
    fn()
    return
  }
  if (sock.queue === undefined) {
    const queue: Array<() => void> = []
    sock.queue = queue
    const onError = (): void => {
      sock.queue = undefined
      sock.removeListener('listening', onListening)
    }
    const onListening = (): void => {
      sock.queue = undefined
      sock.removeListener('error', onError)
      for (const q of queue) q()
    }
    sock.once('error', onError)
    sock.once('listening', onListening)
  }
  sock.queue.push(fn)
}

export function doConnect(
  sock: Socket,
  port: number,
  host: string,
  callback: ((e?: Error) => void) | undefined,
): void {
  if (callback !== undefined) sock.once('connect', callback)
  const where = host || '127.0.0.1'
  const done = (ex: Error | null): void => {
    if (ex !== null) {
      sock.connectState = 'disconnected'
      process.nextTick(() => {
        if (callback !== undefined) {
          sock.removeListener('connect', callback)
          callback(ex)
        } else sock.emit('error', ex)
      })
      return
    }
    sock.connectState = 'connected'
    process.nextTick(() => sock.emit('connect'))
  }
  const failed = (e: unknown): void => done(exceptionWithHostPort(codeOf(e), 'connect', where, port))
  resolve(sock, where, (err, ip) => {
    const fd = sock.fd
    if (err !== null || fd === null) {
      if (err !== null) done(err)
      return
    }
    // A datagram connect(2) completes at once; it may answer with a promise (the stream-socket API).
    try {
      const r: unknown = fd.connect(sockaddr(sock, ip, port))
      if (r instanceof Promise) r.then(() => done(null), failed)
      else done(null)
    } catch (e) {
      failed(e)
    }
  })
}

export function doSend(
  sock: Socket,
  ex: Error | null,
  ip: string,
  data: Buffer,
  address: string | undefined,
  port: number,
  callback: SendCallback | undefined,
): void {
  if (ex !== null) {
    if (callback !== undefined) callback(ex)
    else sock.emit('error', ex)
    return
  }
  const fd = sock.fd
  if (fd === null) return
  try {
    const n = ip === '' ? fd.sendto(data) : fd.sendto(data, sockaddr(sock, ip, port))
    if (callback !== undefined) process.nextTick(callback, null, n)
  } catch (e) {
    // Node drops a failed send that has no callback (dgram_legacy compatibility).
    if (callback !== undefined)
      process.nextTick(callback, exceptionWithHostPort(codeOf(e), 'send', address ?? ip, port))
  }
}

/** Close without events (also when the lab closes under the socket). */
export function dropQuietly(sock: Socket): void {
  sock.closed = true
  sock.queue = undefined
  const fd = sock.fd
  sock.fd = null
  fd?.close()
  sock.ref_.setActive(false)
  sock.untrack()
}

/** The sockaddr of a resolved address (a literal: resolve() made it one); EINVAL otherwise. */
export function sockaddr(sock: Socket, ip: string, port: number): SockAddrIn {
  const a = sockaddrOfIp(ip, port, jailIfIndex(sock.ctx))
  if (a === null) throw Object.assign(new Error(), { code: 'EINVAL' })
  return a.sa
}

/** Literals as they are (IPv4 or IPv6); names through the lookup function, as dns.lookup would. */
export function resolve(sock: Socket, host: string, cb: (err: Error | null, ip: string) => void): void {
  if (parseIpv4(host) !== null || isV6Literal(host)) process.nextTick(cb, null, host)
  else sock.lookup(host, { family: sock.type === 'udp6' ? 6 : 4 }, (err, ip) => cb(err, ip))
}

/** An IPv4 address argument of the multicast calls; EINVAL as uv_inet_pton fails. */
export function addr4(syscall: string, a: string | undefined): number {
  if (a === undefined) return 0
  const v = parseIpv4(a)
  if (v === null) throw errnoException('EINVAL', syscall)
  return v
}
