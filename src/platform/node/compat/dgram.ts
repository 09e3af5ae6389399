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
 *
 * Here: the API and the socket options; the handle (bind, receive loop, connect, send) is
 * dgram_handle.ts's, the API's records and argument checks dgram_args.ts's.
 */

import { EventEmitter } from 'node:events'
import {
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_TTL,
  IPPROTO_IP,
  type IpMreq,
  SO,
  SOL_SOCKET,
  type SockAddrIn,
  type SocketFd,
} from '../../../host/syscalls.js'
import {
  type AddressInfo,
  type BindOptions,
  invalidBuffer,
  isData,
  type Msg,
  notRunning,
  type RemoteInfo,
  type SendCallback,
  type SocketOptions,
  type SocketType,
  sliceBuffer,
  toBuffer,
  UV_TEXT,
} from './dgram_args.js'
import { addr4, doBind, doConnect, doSend, dropQuietly, resolve, whenBound } from './dgram_handle.js'
import { ipOfSockaddr } from './inet_addr.js'
import { type JailContext, jailLookup, type LookupFunction } from './jail_context.js'
import type { HandleRef } from './liveness.js'
import { codeOf, errnoException, nodeError, uvErrno, validatePort } from './node_errors.js'

export type { AddressInfo, BindOptions, RemoteInfo, SocketOptions, SocketType } from './dgram_args.js'

export class Socket extends EventEmitter {
  readonly type: SocketType
  // @internal: the handle's state below is shared with dgram_handle.ts; it is not Node's API.
  readonly ctx: JailContext
  readonly ref_: HandleRef
  readonly lookup: LookupFunction
  readonly reuseAddr: boolean
  readonly ipv6Only: boolean
  readonly recvBufferSize: number | undefined
  readonly sendBufferSize: number | undefined
  /** Closed: Node's handle is null. */
  closed = false
  fd: SocketFd | null = null
  bindState: 'unbound' | 'binding' | 'bound' = 'unbound'
  connectState: 'disconnected' | 'connecting' | 'connected' = 'disconnected'
  /** Work deferred until the implicit bind is done (Node's state.queue). */
  queue: Array<() => void> | undefined = undefined
  untrack: () => void = () => {}

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
    resolve(this, host, (err, ip) => {
      if (this.closed) return
      if (err !== null) {
        this.bindState = 'unbound'
        this.emit('error', err)
        return
      }
      doBind(this, ip, p)
    })
    return this
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
    whenBound(this, () => doConnect(this, p, host, callback))
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
    whenBound(this, () => {
      if (connected) doSend(this, null, '', data, host, p, cb)
      else
        resolve(this, host || (this.type === 'udp6' ? '::1' : '127.0.0.1'), (err, ip) =>
          doSend(this, err, ip, data, host, p, cb),
        )
    })
  }

  close(callback?: () => void): this {
    if (typeof callback === 'function') this.on('close', callback)
    if (this.queue !== undefined) {
      this.queue.push(() => this.close())
      return this
    }
    this.healthCheck()
    dropQuietly(this)
    process.nextTick(() => this.emit('close'))
    return this
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

  bufferSize(size: number, recv: boolean): number {
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
    this.option('setMulticastInterface', IPPROTO_IP, IP_MULTICAST_IF, addr4('setMulticastInterface', iface))
  }

  addMembership(group: string, iface?: string): void {
    const multiaddr = addr4('addMembership', group)
    this.option('addMembership', IPPROTO_IP, IP_ADD_MEMBERSHIP, {
      multiaddr,
      interface: addr4('addMembership', iface),
    })
  }

  dropMembership(group: string, iface?: string): void {
    const multiaddr = addr4('dropMembership', group)
    this.option('dropMembership', IPPROTO_IP, IP_DROP_MEMBERSHIP, {
      multiaddr,
      interface: addr4('dropMembership', iface),
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
