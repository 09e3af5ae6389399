/**
 * Node's `net` for one jail: `createServer`/`Server` over a listening TCP socket of the jail, and
 * `connect`/`createConnection`/`Socket` (net_socket.ts). `listen(port, host, backlog, cb)` and its
 * other forms, 'listening' and 'error' on the next tick with Node's messages (`listen EADDRINUSE:
 * address already in use 0.0.0.0:80`), 'connection' per accepted socket (with `socket.server`),
 * `address()`, `close(cb)` ('close' once the last connection has closed), `getConnections`,
 * `maxConnections` ('drop'), `ref`/`unref`. Without a host a server listens on `::` as Node does
 * (dual-stack: IPv4 clients appear as `::ffff:10.0.0.2`), or on 0.0.0.0 where the jail has no IPv6;
 * an IPv6 host (`::`, `fd00::1`, `fe80::1%eth0`) makes an AF_INET6 server, dual-stack unless the
 * server was created with `ipv6Only`.
 *
 * A listening, ref'd server counts as a waiting process on the lab's clock; waiting for the next
 * connection does not (liveness.ts).
 */

import { EventEmitter } from 'node:events'
import { isIP, isIPv4, isIPv6 } from 'node:net'
import { AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, SO, SOL_SOCKET } from '../../../host/syscalls.js'
import { parseIpv4 } from '../../../wire/addr.js'
import { ipOfSockaddr, isV6Literal, sockaddrOfIp } from './inet_addr.js'
import { type JailContext, jailIfIndex, jailLookup } from './jail_context.js'
import type { HandleRef } from './liveness.js'
import {
  type AddressInfo,
  Socket as JailSocketBase,
  type Socket,
  type SocketConstructorOpts,
  type StreamFd,
  streamSocket,
  type TcpConnectOpts,
} from './net_socket.js'
import { codeOf, emitSafely, nodeError, uvErrno, validatePort } from './node_errors.js'

/** libuv's texts for the errors listen(2) and bind(2) give (uv_strerror). */
const UV_MESSAGES: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available',
  EINVAL: 'invalid argument',
  EAFNOSUPPORT: 'address family not supported',
  ENOBUFS: 'no buffer space available',
  EMFILE: 'too many open files',
}

/** Node's UVExceptionWithHostPort: `listen EADDRINUSE: address already in use 0.0.0.0:80`. */
function uvExceptionWithHostPort(code: string, syscall: string, address: string, port: number): Error {
  const e = new Error(`${syscall} ${code}: ${UV_MESSAGES[code] ?? code} ${address}:${port}`) as Error &
    Record<string, unknown>
  e.code = code
  e.errno = uvErrno(code)
  e.syscall = syscall
  e.address = address
  e.port = port
  return e
}

export interface ServerOpts extends SocketConstructorOpts {
  pauseOnConnect?: boolean
}

export interface ListenOptions {
  port?: number
  host?: string
  backlog?: number
  exclusive?: boolean
  signal?: AbortSignal
}

/** Node's default backlog. */
const DEFAULT_BACKLOG = 511

export class Server extends EventEmitter {
  private readonly ctx: JailContext
  private readonly opts: ServerOpts
  private readonly handle: HandleRef
  private readonly SocketClass: new (
    options: SocketConstructorOpts,
    fd: StreamFd,
    server: Server,
  ) => Socket
  private fd: StreamFd | null = null
  private binding = false
  private connections = 0
  private untrack: () => void = () => {}
  maxConnections: number | undefined = undefined

  /** @internal Use a jail's net.createServer(). */
  constructor(
    ctx: JailContext,
    accept: new (options: SocketConstructorOpts, fd: StreamFd, server: Server) => Socket,
    options?: ServerOpts | ((socket: Socket) => void),
    listener?: (socket: Socket) => void,
  ) {
    super()
    this.ctx = ctx
    this.SocketClass = accept
    this.handle = ctx.live.handle()
    if (typeof options === 'function') {
      listener = options
      options = {}
    }
    this.opts = options ?? {}
    if (typeof listener === 'function') this.on('connection', listener)
  }

  get listening(): boolean {
    return this.fd !== null
  }

  listen(port?: number, host?: string, backlog?: number, listener?: () => void): this
  listen(port?: number, host?: string, listener?: () => void): this
  listen(port?: number, backlog?: number, listener?: () => void): this
  listen(port?: number, listener?: () => void): this
  listen(options: ListenOptions, listener?: () => void): this
  listen(listener?: () => void): this
  listen(...args: unknown[]): this {
    const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined
    let port: unknown = 0
    let host: string | undefined
    let backlog = DEFAULT_BACKLOG
    if (args[0] !== null && typeof args[0] === 'object') {
      const o = args[0] as ListenOptions
      port = o.port ?? 0
      host = o.host
      backlog = o.backlog ?? DEFAULT_BACKLOG
    } else {
      port = args[0] ?? 0
      if (typeof args[1] === 'string') {
        host = args[1]
        if (typeof args[2] === 'number') backlog = args[2]
      } else if (typeof args[1] === 'number') backlog = args[1]
    }
    const p = validatePort(port, 'options.port')
    if (this.fd !== null || this.binding)
      throw nodeError(
        'ERR_SERVER_ALREADY_LISTEN',
        'Listen method has been called more than once without closing.',
      )
    if (cb !== undefined) this.once('listening', cb)
    this.binding = true
    const start = (ip: string) => {
      this.binding = false
      // No host: Node binds `::` (dual-stack) first and falls back to 0.0.0.0 only when IPv6 is
      // not to be had (createServerHandle); an address in use is listen's error either way.
      if (ip === '' && !this.setup('::', p, backlog, true)) this.setup('0.0.0.0', p, backlog)
      else if (ip !== '') this.setup(ip, p, backlog)
    }
    if (host === undefined || host === '' || parseIpv4(host) !== null || isV6Literal(host))
      process.nextTick(start, host ?? '')
    else
      jailLookup(this.ctx)(host, { family: 4 }, (err, ip) => {
        if (err !== null) {
          this.binding = false
          this.emit('error', err)
        } else start(ip)
      })
    return this
  }

  /**
   * Bind and listen; with `tryOnly` a failure other than EADDRINUSE (IPv6 unavailable: a jail with
   * ip6=disable) returns false quietly so the caller can fall back to IPv4.
   */
  private setup(ip: string, port: number, backlog: number, tryOnly = false): boolean {
    let fd: StreamFd | null = null
    try {
      const local = sockaddrOfIp(ip, port, jailIfIndex(this.ctx))
      if (local === null) throw Object.assign(new Error(), { code: 'EINVAL' })
      fd = streamSocket(this.ctx, local.family)
      // Node's servers set SO_REUSEADDR (uv_tcp_bind): a port in TIME_WAIT can be listened on again.
      fd.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
      // An IPv6 server takes IPv4 clients too unless `ipv6Only` (uv_tcp_bind without UV_TCP_IPV6ONLY).
      if (local.family === AF_INET6)
        fd.setsockopt(
          IPPROTO_IPV6,
          IPV6_V6ONLY,
          (this.opts as { ipv6Only?: boolean }).ipv6Only === true ? 1 : 0,
        )
      fd.bind(local.sa)
      fd.listen(backlog)
    } catch (e) {
      fd?.close()
      if (tryOnly && codeOf(e) !== 'EADDRINUSE') return false
      // libuv binds lazily, inside listen: Node reports bind failures as listen's.
      const err = uvExceptionWithHostPort(codeOf(e), 'listen', ip, port)
      process.nextTick(() => this.emit('error', err))
      return true
    }
    this.fd = fd
    this.handle.setActive(true)
    this.untrack = this.ctx.track(() => this.dropQuietly())
    void this.acceptLoop(fd)
    process.nextTick(() => this.emit('listening'))
    return true
  }

  private async acceptLoop(fd: StreamFd): Promise<void> {
    while (this.fd === fd) {
      let conn: { fd: StreamFd }
      try {
        conn = await this.ctx.live.idle(() => fd.accept())
      } catch (e) {
        if (this.fd !== fd) return
        // EAGAIN, ECONNABORTED: a connection reset before it was accepted; wait for the next.
        if (codeOf(e) === 'EAGAIN' || codeOf(e) === 'ECONNABORTED') continue
        emitSafely(this, 'error', e)
        return
      }
      if (this.fd !== fd) {
        conn.fd.close()
        return
      }
      if (this.maxConnections !== undefined && this.connections >= this.maxConnections) {
        conn.fd.close()
        emitSafely(this, 'drop')
        continue
      }
      const socket = new this.SocketClass(this.opts, conn.fd, this)
      this.connections++
      socket.once('close', () => {
        this.connections--
        this.emitCloseIfDrained()
      })
      if (this.opts.pauseOnConnect === true) socket.pause()
      emitSafely(this, 'connection', socket)
    }
  }

  address(): AddressInfo | null {
    if (this.fd === null) return null
    const sa = this.fd.getsockname()
    return { ...ipOfSockaddr(sa), port: sa.port }
  }

  /** Stop accepting; 'close' (and `cb`) once every connection has closed. */
  close(cb?: (err?: Error) => void): this {
    if (typeof cb === 'function') {
      if (this.fd === null)
        this.once('close', () => cb(nodeError('ERR_SERVER_NOT_RUNNING', 'Server is not running.')))
      else this.once('close', cb)
    }
    const fd = this.fd
    if (fd !== null) {
      this.fd = null
      fd.close()
      this.handle.setActive(false)
      this.untrack()
    }
    this.emitCloseIfDrained()
    return this
  }

  private emitCloseIfDrained(): void {
    if (this.fd !== null || this.connections > 0) return
    process.nextTick(() => this.emit('close'))
  }

  private dropQuietly(): void {
    const fd = this.fd
    this.fd = null
    fd?.close()
    this.handle.setActive(false)
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    process.nextTick(cb, null, this.connections)
    return this
  }

  ref(): this {
    this.handle.setRef(true)
    return this
  }

  unref(): this {
    this.handle.setRef(false)
    return this
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.fd === null) return
    await new Promise<void>((resolve) => this.close(() => resolve()))
  }
}

/** The `net` module of one jail. */
export interface NetModule {
  createServer(options?: ServerOpts | ((socket: Socket) => void), listener?: (socket: Socket) => void): Server
  connect(options: TcpConnectOpts, listener?: () => void): Socket
  connect(port: number | string, host?: string | (() => void), listener?: () => void): Socket
  createConnection(options: TcpConnectOpts, listener?: () => void): Socket
  createConnection(port: number | string, host?: string | (() => void), listener?: () => void): Socket
  /** `new net.Socket(options)`, bound to this jail. */
  Socket: new (
    options?: SocketConstructorOpts,
  ) => Socket
  /** `new net.Server(options, listener)`, bound to this jail. */
  Server: new (
    options?: ServerOpts | ((socket: Socket) => void),
    listener?: (socket: Socket) => void,
  ) => Server
  Stream: new (options?: SocketConstructorOpts) => Socket
  isIP: typeof isIP
  isIPv4: typeof isIPv4
  isIPv6: typeof isIPv6
}

export function netModule(ctx: JailContext): NetModule {
  class JailSocket extends JailSocketBase {
    constructor(options?: SocketConstructorOpts, fd?: StreamFd, server?: Server) {
      super(ctx, options, fd === undefined ? undefined : { fd, server })
    }
  }
  class JailServer extends Server {
    constructor(options?: ServerOpts | ((socket: Socket) => void), listener?: (socket: Socket) => void) {
      super(
        ctx,
        JailSocket as new (
          o: SocketConstructorOpts,
          fd: StreamFd,
          s: Server,
        ) => Socket,
        options,
        listener,
      )
    }
  }
  const connect = (...args: unknown[]): Socket => {
    const opts =
      args[0] !== null && typeof args[0] === 'object'
        ? (args[0] as TcpConnectOpts & SocketConstructorOpts)
        : {}
    const s = new JailSocket(opts)
    return (s.connect as (...a: unknown[]) => Socket)(...args)
  }
  return {
    createServer: (options, listener) => new JailServer(options, listener),
    connect: connect as NetModule['connect'],
    createConnection: connect as NetModule['createConnection'],
    Socket: JailSocket,
    Server: JailServer,
    Stream: JailSocket,
    isIP,
    isIPv4,
    isIPv6,
  }
}
