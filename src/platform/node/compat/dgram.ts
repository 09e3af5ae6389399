/**
 * Node's `dgram` for one jail, over the jail's UDP sockets (`Syscalls.socket(AF_INET[6], SOCK_DGRAM)`):
 * code written for `node:dgram` runs unchanged when handed this module instead. Same API and the
 * same observable order as Node 20: `bind` and `connect` complete on a later tick ('listening',
 * 'connect'), `send` binds an unbound socket first and queues until then, send callbacks run
 * asynchronously with the byte count, errors are Node's (`bind EADDRINUSE 0.0.0.0:53`, `errno`
 * negative, `ERR_SOCKET_*` codes for misuse), a send error without a callback is dropped as Node
 * drops it, and a pending socket error (ICMP port unreachable on a connected socket) is emitted as
 * `recvmsg ECONNREFUSED`. `reuseAddr` sets SO_REUSEPORT, as libuv does on the BSDs.
 *
 * A bound socket counts as a waiting process on the lab's clock until closed or unref'd (see
 * liveness.ts); its receive loop itself does not. `udp6` sockets are AF_INET6 ones, bound to `::`
 * by default and taking IPv4 peers as ::ffff:a.b.c.d unless `ipv6Only` (as libuv binds them).
 * Multicast: addMembership/dropMembership, setMulticastInterface/TTL/Loopback map onto the stack's
 * IP_ADD_MEMBERSHIP ... socket options (no IGMP is sent: memberships are local to the socket).
 */

import { EventEmitter } from 'node:events'
import {
  AF_INET,
  AF_INET6,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  type IpMreq,
  SO,
  SOCK,
  SOL_SOCKET,
  type SockAddrIn,
  type SocketFd,
} from '../../../host/syscalls.js'
import { MSG } from '../../../kern/socket.js'
import { isSysError } from '../../../util/errno.js'
import { parseIpv4 } from '../../../wire/addr.js'
import {
  type AddressInfo,
  type BindOptions,
  invalidBuffer,
  isData,
  type Msg,
  notRunning,
  RECV_MAX,
  type RemoteInfo,
  type SendCallback,
  type SocketOptions,
  type SocketType,
  sliceBuffer,
  toBuffer,
  UV_TEXT,
} from './dgram_args.js'
import { ipOfSockaddr, isV6Literal, sockaddrOfIp } from './inet_addr.js'
import { type JailContext, jailIfIndex, jailLookup, type LookupFunction } from './jail_context.js'
import type { HandleRef } from './liveness.js'
import {
  codeOf,
  emitSafely,
  errnoException,
  exceptionWithHostPort,
  nodeError,
  uvErrno,
  validatePort,
} from './node_errors.js'

export type { AddressInfo, BindOptions, RemoteInfo, SocketOptions, SocketType } from './dgram_args.js'

export class Socket extends EventEmitter {
  readonly type: SocketType
  private readonly ctx: JailContext
  private readonly ref_: HandleRef
  private readonly lookup: LookupFunction
  private readonly reuseAddr: boolean
  private readonly ipv6Only: boolean
  private readonly recvBufferSize: number | undefined
  private readonly sendBufferSize: number | undefined
  /** Closed: Node's handle is null. */
  private closed = false
  private fd: SocketFd | null = null
  private bindState: 'unbound' | 'binding' | 'bound' = 'unbound'
  private connectState: 'disconnected' | 'connecting' | 'connected' = 'disconnected'
  /** Work deferred until the implicit bind is done (Node's state.queue). */
  private queue: Array<() => void> | undefined = undefined
  private untrack: () => void = () => {}

  /** @internal Use createSocket() of a jail's dgram. */
  constructor(
    ctx: JailContext,
    type: SocketType | SocketOptions,
    listener?: (msg: Buffer, rinfo: RemoteInfo) => void,
  ) {
    super()
    const opts: SocketOptions = typeof type === 'object' && type !== null ? type : { type }
    if (opts.type !== 'udp4' && opts.type !== 'udp6')
      throw nodeError(
        'ERR_SOCKET_BAD_TYPE',
        'Bad socket type specified. Valid types are: udp4, udp6',
        TypeError,
      )
    this.type = opts.type
    this.ctx = ctx
    this.ref_ = ctx.live.handle()
    this.lookup = opts.lookup ?? jailLookup(ctx)
    this.reuseAddr = opts.reuseAddr === true
    this.ipv6Only = opts.ipv6Only === true
    this.recvBufferSize = opts.recvBufferSize
    this.sendBufferSize = opts.sendBufferSize
    if (typeof listener === 'function') this.on('message', listener)
    const signal = opts.signal
    if (signal !== undefined) {
      if (signal.aborted) process.nextTick(() => this.abort())
      else signal.addEventListener('abort', () => this.abort(), { once: true })
    }
  }

  private abort(): void {
    if (!this.closed) this.close()
  }

  private healthCheck(): void {
    if (this.closed) throw notRunning()
  }

  bind(port?: number, address?: string, callback?: () => void): this
  bind(port: number, callback?: () => void): this
  bind(callback?: () => void): this
  bind(options: BindOptions, callback?: () => void): this
  bind(...args: unknown[]): this {
    this.healthCheck()
    if (this.bindState !== 'unbound') throw nodeError('ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound')
    const last = args[args.length - 1]
    let port: unknown = typeof args[0] === 'function' ? 0 : args[0]
    let address: unknown
    if (port !== null && typeof port === 'object') {
      const o = port as BindOptions
      address = o.address ?? ''
      port = o.port
    } else address = typeof args[1] === 'function' ? '' : args[1]
    const p = validatePort(port === undefined || port === null || port === '' ? 0 : port)
    if (typeof address !== 'string' && address !== undefined && address !== null)
      throw nodeError('ERR_INVALID_ARG_TYPE', 'The "address" argument must be of type string.', TypeError)
    this.bindState = 'binding'
    if (typeof last === 'function') this.once('listening', last as () => void)
    const host = (address as string | undefined) || (this.type === 'udp4' ? '0.0.0.0' : '::')
    this.resolve(host, (err, ip) => {
      if (this.closed) return
      if (err !== null) {
        this.bindState = 'unbound'
        this.emit('error', err)
        return
      }
      this.doBind(ip, p)
    })
    return this
  }

  private doBind(ip: string, port: number): void {
    let fd: SocketFd | null = null
    try {
      const six = this.type === 'udp6'
      const local = sockaddrOfIp(ip, port, jailIfIndex(this.ctx))
      if (local === null || (local.family === AF_INET6) !== six)
        throw Object.assign(new Error(), { code: 'EINVAL' })
      fd = this.ctx.sys.socket(six ? AF_INET6 : AF_INET, SOCK.DGRAM)
      if (this.reuseAddr) fd.setsockopt(SOL_SOCKET, SO.REUSEPORT, 1)
      // A udp6 socket takes IPv4 too unless `ipv6Only` (uv_udp_bind without UV_UDP_IPV6ONLY).
      if (six) fd.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, this.ipv6Only ? 1 : 0)
      fd.bind(local.sa)
    } catch (e) {
      fd?.close()
      this.bindState = 'unbound'
      const code = isSysError(e) ? e.code : ((e as { code?: string }).code ?? 'EIO')
      this.emit('error', exceptionWithHostPort(code, 'bind', ip, port))
      return
    }
    this.fd = fd
    this.bindState = 'bound'
    this.ref_.setActive(true)
    this.untrack = this.ctx.track(() => this.dropQuietly())
    if (this.recvBufferSize !== undefined) this.bufferSize(this.recvBufferSize, true)
    if (this.sendBufferSize !== undefined) this.bufferSize(this.sendBufferSize, false)
    void this.receive(fd)
    this.emit('listening')
  }

  /** The receive loop: every datagram becomes a 'message', every pending error an 'error'. */
  private async receive(fd: SocketFd): Promise<void> {
    const live = this.ctx.live
    while (this.fd === fd) {
      let d: Awaited<ReturnType<SocketFd['recvfrom']>>
      try {
        d = await fd.recvfrom(RECV_MAX, MSG.DONTWAIT)
      } catch (e) {
        if (this.fd !== fd) return
        const code = codeOf(e)
        if (code === 'EAGAIN') {
          await live.idle(() => fd.pollIn(Number.POSITIVE_INFINITY)).catch(() => false)
          continue
        }
        emitSafely(this, 'error', errnoException(code, 'recvmsg'))
        continue
      }
      if (this.fd !== fd) return
      const buf = Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength)
      const rinfo: RemoteInfo = {
        ...ipOfSockaddr(d.from),
        port: d.from.port,
        size: buf.length,
      }
      emitSafely(this, 'message', buf, rinfo)
    }
  }

  /** Run `fn` now if bound, else once the implicit bind is done (or drop it if that fails). */
  private whenBound(fn: () => void): void {
    if (this.bindState === 'unbound') this.bind({ port: 0, exclusive: true })
    if (this.bindState === 'bound') {
      fn()
      return
    }
    if (this.queue === undefined) {
      const queue: Array<() => void> = []
      this.queue = queue
      const onError = (): void => {
        this.queue = undefined
        this.removeListener('listening', onListening)
      }
      const onListening = (): void => {
        this.queue = undefined
        this.removeListener('error', onError)
        for (const q of queue) q()
      }
      this.once('error', onError)
      this.once('listening', onListening)
    }
    this.queue.push(fn)
  }

  connect(port: number, address?: string | (() => void), callback?: () => void): void {
    const p = validatePort(port, 'Port', false)
    let host = ''
    if (typeof address === 'function') callback = address
    else if (address !== undefined) {
      if (typeof address !== 'string')
        throw nodeError('ERR_INVALID_ARG_TYPE', 'The "address" argument must be of type string.', TypeError)
      host = address
    }
    if (this.connectState !== 'disconnected')
      throw nodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected')
    this.connectState = 'connecting'
    this.whenBound(() => this.doConnect(p, host, callback))
  }

  private doConnect(port: number, host: string, callback: ((e?: Error) => void) | undefined): void {
    if (callback !== undefined) this.once('connect', callback)
    const where = host || '127.0.0.1'
    const done = (ex: Error | null): void => {
      if (ex !== null) {
        this.connectState = 'disconnected'
        process.nextTick(() => {
          if (callback !== undefined) {
            this.removeListener('connect', callback)
            callback(ex)
          } else this.emit('error', ex)
        })
        return
      }
      this.connectState = 'connected'
      process.nextTick(() => this.emit('connect'))
    }
    const failed = (e: unknown): void => done(exceptionWithHostPort(codeOf(e), 'connect', where, port))
    this.resolve(where, (err, ip) => {
      const fd = this.fd
      if (err !== null || fd === null) {
        if (err !== null) done(err)
        return
      }
      // A datagram connect(2) completes at once; it may answer with a promise (the stream-socket API).
      try {
        const r: unknown = fd.connect(this.sockaddr(ip, port))
        if (r instanceof Promise) r.then(() => done(null), failed)
        else done(null)
      } catch (e) {
        failed(e)
      }
    })
  }

  disconnect(): void {
    this.healthCheck()
    if (this.connectState !== 'connected') throw nodeError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected')
    try {
      this.fd!.disconnect()
    } catch (e) {
      throw errnoException(codeOf(e), 'connect')
    }
    this.connectState = 'disconnected'
  }

  send(
    msg: Msg,
    offset: number,
    length: number,
    port?: number,
    address?: string,
    callback?: SendCallback,
  ): void
  send(msg: Msg, port?: number, address?: string, callback?: SendCallback): void
  send(msg: Msg, port?: number, callback?: SendCallback): void
  send(msg: Msg, callback?: SendCallback): void
  send(...args: unknown[]): void {
    let [buffer, offset, length, port, address, callback] = args
    const connected = this.connectState === 'connected'
    if (!connected) {
      if (address || (port && typeof port !== 'function')) buffer = sliceBuffer(buffer, offset, length)
      else {
        callback = port
        port = offset
        address = length
      }
    } else {
      if (typeof length === 'number') {
        buffer = sliceBuffer(buffer, offset, length)
        if (typeof port === 'function') {
          callback = port
          port = null
        }
      } else callback = offset
      if (port || address) throw nodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected')
    }
    let list: Buffer[]
    if (!Array.isArray(buffer)) {
      if (!isData(buffer)) throw invalidBuffer('buffer', buffer)
      list = [toBuffer(buffer)]
    } else {
      if (!buffer.every(isData)) throw invalidBuffer('buffer list arguments', buffer)
      list = buffer.map(toBuffer)
    }
    let p = 0
    if (!connected) p = validatePort(port, 'Port', false)
    if (typeof callback !== 'function') callback = undefined
    if (typeof address === 'function') {
      callback = address
      address = undefined
    } else if (address !== undefined && address !== null && typeof address !== 'string')
      throw nodeError('ERR_INVALID_ARG_TYPE', 'The "address" argument must be of type string.', TypeError)
    this.healthCheck()
    const data = list.length === 1 ? list[0]! : Buffer.concat(list)
    const cb = callback as SendCallback | undefined
    const host = (address as string | null | undefined) ?? undefined
    this.whenBound(() => {
      if (connected) this.doSend(null, '', data, host, p, cb)
      else
        this.resolve(host || (this.type === 'udp6' ? '::1' : '127.0.0.1'), (err, ip) =>
          this.doSend(err, ip, data, host, p, cb),
        )
    })
  }

  private doSend(
    ex: Error | null,
    ip: string,
    data: Buffer,
    address: string | undefined,
    port: number,
    callback: SendCallback | undefined,
  ): void {
    if (ex !== null) {
      if (callback !== undefined) callback(ex)
      else this.emit('error', ex)
      return
    }
    const fd = this.fd
    if (fd === null) return
    try {
      const n = ip === '' ? fd.sendto(data) : fd.sendto(data, this.sockaddr(ip, port))
      if (callback !== undefined) process.nextTick(callback, null, n)
    } catch (e) {
      // Node drops a failed send that has no callback (dgram_legacy compatibility).
      if (callback !== undefined)
        process.nextTick(callback, exceptionWithHostPort(codeOf(e), 'send', address ?? ip, port))
    }
  }

  close(callback?: () => void): this {
    if (typeof callback === 'function') this.on('close', callback)
    if (this.queue !== undefined) {
      this.queue.push(() => this.close())
      return this
    }
    this.healthCheck()
    this.dropQuietly()
    process.nextTick(() => this.emit('close'))
    return this
  }

  /** Close without events (also when the lab closes under the socket). */
  private dropQuietly(): void {
    this.closed = true
    this.queue = undefined
    const fd = this.fd
    this.fd = null
    fd?.close()
    this.ref_.setActive(false)
    this.untrack()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.closed) return
    await new Promise<void>((resolve) => this.close(resolve))
  }

  address(): AddressInfo {
    this.healthCheck()
    if (this.fd === null) throw errnoException('EBADF', 'getsockname')
    const sa = this.fd.getsockname()
    return { ...ipOfSockaddr(sa), port: sa.port }
  }

  remoteAddress(): AddressInfo {
    this.healthCheck()
    if (this.connectState !== 'connected') throw nodeError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected')
    let sa: SockAddrIn
    try {
      sa = this.fd!.getpeername()
    } catch (e) {
      throw errnoException(codeOf(e), 'getpeername')
    }
    return { ...ipOfSockaddr(sa), port: sa.port }
  }

  /** A setsockopt on the bound socket; EBADF before bind, as on an fd libuv has not opened yet. */
  private option(syscall: string, level: number, name: number, value: number | IpMreq): void {
    if (this.fd === null) throw errnoException('EBADF', syscall)
    try {
      this.fd.setsockopt(level, name, value)
    } catch (e) {
      throw errnoException(codeOf(e), syscall)
    }
  }

  setBroadcast(flag: boolean): void {
    this.option('setBroadcast', SOL_SOCKET, SO.BROADCAST, flag ? 1 : 0)
  }

  setTTL(ttl: number): number {
    if (typeof ttl !== 'number')
      throw nodeError('ERR_INVALID_ARG_TYPE', `The "ttl" argument must be of type number.`, TypeError)
    // uv_udp_set_ttl: 1..255, else EINVAL.
    if (this.fd !== null && (ttl < 1 || ttl > 255)) throw errnoException('EINVAL', 'setTTL')
    this.option('setTTL', IPPROTO_IP, IP_TTL, ttl)
    return ttl
  }

  private bufferSize(size: number, recv: boolean): number {
    const syscall = recv ? 'uv_recv_buffer_size' : 'uv_send_buffer_size'
    const name = recv ? SO.RCVBUF : SO.SNDBUF
    const fail = (code: string): Error => {
      const info = { errno: uvErrno(code), code, message: UV_TEXT[code] ?? code, syscall }
      const e = nodeError(
        'ERR_SOCKET_BUFFER_SIZE',
        `Could not get or set buffer size: ${syscall} returned ${code} (${info.message})`,
      ) as unknown as Error & { info: typeof info; errno: number; syscall: string }
      e.name = 'SystemError'
      e.info = info
      e.errno = info.errno
      e.syscall = syscall
      return e
    }
    if (this.fd === null) throw fail('EBADF')
    try {
      if (size !== 0) this.fd.setsockopt(SOL_SOCKET, name, size)
      return this.fd.getsockopt(SOL_SOCKET, name)
    } catch (e) {
      throw fail(codeOf(e))
    }
  }

  private checkSize(size: number): void {
    if (size >>> 0 !== size)
      throw nodeError('ERR_SOCKET_BAD_BUFFER_SIZE', 'Buffer size must be a positive integer', TypeError)
  }

  setRecvBufferSize(size: number): void {
    this.checkSize(size)
    this.bufferSize(size, true)
  }

  setSendBufferSize(size: number): void {
    this.checkSize(size)
    this.bufferSize(size, false)
  }

  getRecvBufferSize(): number {
    return this.bufferSize(0, true)
  }

  getSendBufferSize(): number {
    return this.bufferSize(0, false)
  }

  /** Datagrams leave at once: nothing waits in a send queue. */
  getSendQueueSize(): number {
    return 0
  }

  getSendQueueCount(): number {
    return 0
  }

  ref(): this {
    if (!this.closed) this.ref_.setRef(true)
    return this
  }

  unref(): this {
    if (!this.closed) this.ref_.setRef(false)
    return this
  }

  /** The sockaddr of a resolved address (a literal: resolve() made it one); EINVAL otherwise. */
  private sockaddr(ip: string, port: number): SockAddrIn {
    const a = sockaddrOfIp(ip, port, jailIfIndex(this.ctx))
    if (a === null) throw Object.assign(new Error(), { code: 'EINVAL' })
    return a.sa
  }

  /** Literals as they are (IPv4 or IPv6); names through the lookup function, as dns.lookup would. */
  private resolve(host: string, cb: (err: Error | null, ip: string) => void): void {
    if (parseIpv4(host) !== null || isV6Literal(host)) process.nextTick(cb, null, host)
    else this.lookup(host, { family: this.type === 'udp6' ? 6 : 4 }, (err, ip) => cb(err, ip))
  }

  /** An IPv4 address argument of the multicast calls; EINVAL as uv_inet_pton fails. */
  private addr4(syscall: string, a: string | undefined): number {
    if (a === undefined) return 0
    const v = parseIpv4(a)
    if (v === null) throw errnoException('EINVAL', syscall)
    return v
  }

  setMulticastTTL(ttl: number): number {
    if (typeof ttl !== 'number')
      throw nodeError('ERR_INVALID_ARG_TYPE', `The "ttl" argument must be of type number.`, TypeError)
    this.option('setMulticastTTL', IPPROTO_IP, IP_MULTICAST_TTL, ttl)
    return ttl
  }

  setMulticastLoopback(flag: boolean): boolean {
    this.option('setMulticastLoopback', IPPROTO_IP, IP_MULTICAST_LOOP, flag ? 1 : 0)
    return flag
  }

  setMulticastInterface(iface: string): void {
    this.option(
      'setMulticastInterface',
      IPPROTO_IP,
      IP_MULTICAST_IF,
      this.addr4('setMulticastInterface', iface),
    )
  }

  addMembership(group: string, iface?: string): void {
    const multiaddr = this.addr4('addMembership', group)
    this.option('addMembership', IPPROTO_IP, IP_ADD_MEMBERSHIP, {
      multiaddr,
      interface: this.addr4('addMembership', iface),
    })
  }

  dropMembership(group: string, iface?: string): void {
    const multiaddr = this.addr4('dropMembership', group)
    this.option('dropMembership', IPPROTO_IP, IP_DROP_MEMBERSHIP, {
      multiaddr,
      interface: this.addr4('dropMembership', iface),
    })
  }
}

/** The `dgram` module of one jail. */
export interface DgramModule {
  createSocket(type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: RemoteInfo) => void): Socket
  /** Node's Socket constructor, bound to this jail (`new dgram.Socket('udp4')`). */
  Socket: new (
    type: SocketType | SocketOptions,
    listener?: (msg: Buffer, rinfo: RemoteInfo) => void,
  ) => Socket
}

export function dgramModule(ctx: JailContext): DgramModule {
  class JailSocket extends Socket {
    constructor(type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: RemoteInfo) => void) {
      super(ctx, type, listener)
    }
  }
  return {
    createSocket: (type, listener) => new JailSocket(type, listener),
    Socket: JailSocket,
  }
}
