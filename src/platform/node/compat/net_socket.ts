/**
 * Node's `net.Socket` for one jail: a stream.Duplex over a jail's TCP socket (the stream calls of
 * the syscall API: connect, send, recv, shutdown, close), with Node 20's events and their order
 * ('lookup', 'connect', 'ready', 'data', 'end', 'finish', 'close' with hadError, 'error',
 * 'timeout', 'drain'), its properties (connecting, pending, readyState, remoteAddress/Port/Family,
 * localAddress/Port/Family, bytesRead, bytesWritten, timeout) and methods (connect, write, end,
 * destroy, destroySoon, resetAndDestroy, setNoDelay, setKeepAlive, setTimeout, ref, unref,
 * address). Errors are Node's: `connect ECONNREFUSED 10.0.0.1:80`, `read ECONNRESET`,
 * `write EPIPE`, `getaddrinfo ENOTFOUND name`.
 *
 * Writes wait in the kernel for send-buffer room (backpressure reaches `write()`'s return value
 * through the Writable's buffer); reads are pulled only while the Readable wants more. An open,
 * ref'd socket counts as a waiting process on the lab's clock (liveness.ts); waiting for input does
 * not. It must not reach past the syscall API into the stack.
 */

import { Duplex } from 'node:stream'
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  SO,
  SOCK,
  SOL_SOCKET,
  type SockAddrIn,
  type SocketFd,
  TCP_KEEPIDLE,
  TCP_NODELAY,
} from '../../../host/syscalls.js'
import { MSG, SHUT } from '../../../kern/socket.js'
import { parseIpv4 } from '../../../wire/addr.js'
import { ipOfSockaddr, isV6Literal, sockaddrOfIp } from './inet_addr.js'
import { type JailContext, jailIfIndex, jailLookup, type LookupFunction } from './jail_context.js'
import type { HandleRef } from './liveness.js'
import { codeOf, errnoException, exceptionWithHostPort, nodeError, validatePort } from './node_errors.js'
import type { VTimeout } from './vtimers.js'

/** A jail's TCP socket (the stream calls of the syscall API). */
export type StreamFd = SocketFd

/** A new TCP socket in the jail. */
export function streamSocket(ctx: JailContext, family: number = AF_INET): StreamFd {
  return ctx.sys.socket(family, SOCK.STREAM)
}

/** How much one read takes from the kernel (libuv reads 64 KiB at a time). */
const READ_MAX = 65536

export interface SocketConstructorOpts {
  allowHalfOpen?: boolean
  readable?: boolean
  writable?: boolean
  signal?: AbortSignal
  noDelay?: boolean
  keepAlive?: boolean
  keepAliveInitialDelay?: number
}

export interface TcpConnectOpts {
  port: number | string
  host?: string
  localAddress?: string
  localPort?: number
  family?: number
  lookup?: LookupFunction
  timeout?: number
  noDelay?: boolean
  keepAlive?: boolean
  keepAliveInitialDelay?: number
}

export interface AddressInfo {
  address: string
  family: 'IPv4' | 'IPv6'
  port: number
}

/** @internal How a server hands an accepted connection to a new Socket. */
export interface Accepted {
  fd: StreamFd
  server: unknown
}

export class Socket extends Duplex {
  /** @internal */
  readonly ctx: JailContext
  private fd: StreamFd | null = null
  private readonly handle: HandleRef
  connecting = false
  private pumping = false
  private eof = false
  private peer: SockAddrIn | null = null
  private local: SockAddrIn | null = null
  private noDelay = false
  private keepAlive: [boolean, number] | null = null
  private timer: VTimeout | null = null
  private timeoutMs: number | undefined = undefined
  private reset = false
  private untrack: () => void = () => {}
  bytesRead = 0
  private written = 0
  /** The net.Server that accepted this socket, if any (Node sets it too). */
  server: unknown = undefined
  _server: unknown = undefined

  /** @internal Use a jail's `net.Socket` / `net.connect`. */
  constructor(ctx: JailContext, options: SocketConstructorOpts = {}, accepted?: Accepted) {
    super({
      allowHalfOpen: options.allowHalfOpen === true,
      readable: options.readable !== false,
      writable: options.writable !== false,
      emitClose: false,
      autoDestroy: true,
      decodeStrings: false,
    } as ConstructorParameters<typeof Duplex>[0])
    this.ctx = ctx
    this.handle = ctx.live.handle()
    if (options.noDelay === true) this.noDelay = true
    if (options.keepAlive === true) this.keepAlive = [true, options.keepAliveInitialDelay ?? 0]
    if (accepted !== undefined) {
      this.server = accepted.server
      this._server = accepted.server
      this.attach(accepted.fd)
    }
    const signal = options.signal
    if (signal !== undefined) {
      const abort = () => this.destroy(nodeError('ABORT_ERR', 'The operation was aborted'))
      if (signal.aborted) process.nextTick(abort)
      else signal.addEventListener('abort', abort, { once: true })
    }
  }

  /** A connected kernel socket becomes this socket's. */
  private attach(fd: StreamFd): void {
    this.fd = fd
    this.handle.setActive(true)
    this.untrack = this.ctx.track(() => this.dropQuietly())
    try {
      this.peer = fd.getpeername()
      this.local = fd.getsockname()
    } catch {
      // Already reset by the peer: the first read reports it.
    }
    this.applyOptions()
  }

  private applyOptions(): void {
    const fd = this.fd
    if (fd === null) return
    quietly(() => fd.setsockopt(IPPROTO_TCP, TCP_NODELAY, this.noDelay ? 1 : 0))
    const ka = this.keepAlive
    if (ka !== null) {
      quietly(() => fd.setsockopt(SOL_SOCKET, SO.KEEPALIVE, ka[0] ? 1 : 0))
      if (ka[0] && ka[1] > 0) quietly(() => fd.setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, Math.ceil(ka[1] / 1000)))
    }
  }

  // ---- connect ----

  connect(options: TcpConnectOpts, listener?: () => void): this
  connect(port: number | string, host?: string, listener?: () => void): this
  connect(port: number | string, listener?: () => void): this
  connect(...args: unknown[]): this {
    let opts: TcpConnectOpts
    let cb: unknown
    if (args[0] !== null && typeof args[0] === 'object') {
      opts = args[0] as TcpConnectOpts
      cb = args[1]
    } else {
      const [port, host, maybeCb] = args
      opts = { port: port as number }
      if (typeof host === 'string') {
        opts.host = host
        cb = maybeCb
      } else cb = host
    }
    if (typeof (opts as { path?: unknown }).path === 'string')
      throw nodeError(
        'ERR_INVALID_ARG_VALUE',
        'Local (Unix) sockets are not available in a jail yet',
        TypeError,
      )
    const port = opts.port
    if (typeof port !== 'number' && typeof port !== 'string')
      throw nodeError(
        'ERR_INVALID_ARG_TYPE',
        'The "options.port" property must be of type number or string.',
        TypeError,
      )
    const p = validatePort(port)
    if (this.fd !== null || this.connecting)
      throw nodeError('ERR_SOCKET_CONNECTING', 'Socket is already connecting')
    this.connecting = true
    if (typeof cb === 'function') this.once('connect', cb as () => void)
    if (opts.noDelay === true) this.noDelay = true
    if (opts.keepAlive === true) this.keepAlive = [true, opts.keepAliveInitialDelay ?? 0]
    if (opts.timeout !== undefined && opts.timeout > 0) this.setTimeout(opts.timeout)
    const host = opts.host || 'localhost'
    if (parseIpv4(host) !== null || isV6Literal(host))
      process.nextTick(() => this.connecting && this.internalConnect(host, p, opts))
    else {
      const lookup = opts.lookup ?? jailLookup(this.ctx)
      lookup(host, { family: 4 }, (err, ip, family) => {
        this.emit('lookup', err, ip, family, host)
        if (!this.connecting) return
        if (err !== null) process.nextTick(() => this.destroy(err))
        else this.internalConnect(ip, p, opts)
      })
    }
    return this
  }

  private internalConnect(ip: string, port: number, opts: TcpConnectOpts): void {
    let fd: StreamFd
    const dst = sockaddrOfIp(ip, port, jailIfIndex(this.ctx))
    try {
      if (dst === null) throw Object.assign(new Error(), { code: 'EINVAL' })
      fd = streamSocket(this.ctx, dst.family)
    } catch (e) {
      this.destroy(exceptionWithHostPort(codeOf(e), 'connect', ip, port))
      return
    }
    this.fd = fd
    this.handle.setActive(true)
    this.untrack = this.ctx.track(() => this.dropQuietly())
    if (opts.localAddress !== undefined || opts.localPort !== undefined) {
      const la = opts.localAddress ?? (dst.family === AF_INET6 ? '::' : '0.0.0.0')
      try {
        const l = sockaddrOfIp(la, opts.localPort ?? 0, jailIfIndex(this.ctx))
        fd.bind(l?.sa ?? { addr: 0, port: opts.localPort ?? 0 })
      } catch (e) {
        this.destroy(exceptionWithHostPort(codeOf(e), 'bind', la, opts.localPort ?? 0))
        return
      }
    }
    this.applyOptions()
    const failed = (e: unknown) => {
      if (this.fd !== fd) return
      this.destroy(exceptionWithHostPort(codeOf(e), 'connect', ip, port))
    }
    let r: Promise<void> | void
    try {
      r = fd.connect(dst.sa)
    } catch (e) {
      failed(e)
      return
    }
    Promise.resolve(r).then(() => this.afterConnect(fd), failed)
  }

  private afterConnect(fd: StreamFd): void {
    if (this.fd !== fd || this.destroyed) return
    this.connecting = false
    try {
      this.peer = fd.getpeername()
      this.local = fd.getsockname()
    } catch {
      // Reset already: the first read reports it.
    }
    this.refreshTimer()
    this.emit('connect')
    this.emit('ready')
    if (this.readable && !this.isPaused()) this.read(0)
  }

  // ---- the Duplex ----

  override _read(): void {
    if (this.pumping || this.fd === null || this.connecting) {
      if (this.connecting) this.once('connect', () => this._read())
      return
    }
    void this.pump(this.fd)
  }

  /** Reads while the Readable wants more: data, end of file, or the error the connection ended with. */
  private async pump(fd: StreamFd): Promise<void> {
    this.pumping = true
    try {
      for (;;) {
        if (this.fd !== fd || this.eof) return
        let data: Uint8Array
        try {
          data = await fd.recv(READ_MAX, MSG.DONTWAIT)
        } catch (e) {
          if (this.fd !== fd) return
          const code = codeOf(e)
          if (code === 'EAGAIN') {
            await this.ctx.live.idle(() => fd.pollIn(Number.POSITIVE_INFINITY)).catch(() => false)
            continue
          }
          this.destroy(errnoException(code, 'read'))
          return
        }
        if (this.fd !== fd) return
        if (data.length === 0) {
          this.eof = true
          this.push(null)
          // As Node's onStreamRead does: 'end' comes even when nobody reads, once nothing is buffered.
          this.read(0)
          return
        }
        this.bytesRead += data.length
        this.refreshTimer()
        if (!this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength))) return
      }
    } finally {
      this.pumping = false
    }
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.connecting || this.fd === null) {
      if (!this.connecting) {
        cb(nodeError('ERR_SOCKET_CLOSED', 'Socket is closed'))
        return
      }
      this.once('connect', () => this._write(chunk, encoding, cb))
      return
    }
    const fd = this.fd
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk
    fd.send(buf).then(
      (n) => {
        this.written += n
        this.refreshTimer()
        cb()
      },
      (e) => cb(this.fd === fd ? errnoException(codeOf(e), 'write') : null),
    )
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.connecting) {
      this.once('connect', () => this._final(cb))
      return
    }
    const fd = this.fd
    if (fd === null) {
      cb()
      return
    }
    try {
      fd.shutdown(SHUT.WR)
      cb()
    } catch (e) {
      const code = codeOf(e)
      // The peer reset first: nothing to shut, the close reports it.
      cb(code === 'ENOTCONN' ? null : errnoException(code, 'shutdown'))
    }
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.connecting = false
    this.clearTimer()
    const fd = this.fd
    this.fd = null
    if (fd !== null) {
      // SO_LINGER with a zero timeout: close sends RST and drops what is queued.
      if (this.reset) quietly(() => fd.setsockopt(SOL_SOCKET, SO.LINGER, 0))
      fd.close()
    }
    this.handle.setActive(false)
    this.untrack()
    cb(err)
    // Node emits 'close' from the handle's close callback, a turn of the event loop after 'error'
    // (so a listener attached on 'error' still hears it); virtual time waits for it.
    const clock = this.ctx.clock
    clock.pause()
    setImmediate(() => {
      clock.resume()
      this.emit('close', err !== null)
    })
  }

  /** The lab is closing under the socket: gone, without events. */
  private dropQuietly(): void {
    const fd = this.fd
    this.fd = null
    fd?.close()
    this.clearTimer()
    this.handle.setActive(false)
  }

  /** Close after what is written has left (http uses it). */
  destroySoon(): void {
    if (this.writable) this.end()
    if (this.writableFinished) this.destroy()
    else this.once('finish', () => this.destroy())
  }

  /** Close with RST (SO_LINGER 0), dropping what is not sent. */
  resetAndDestroy(): this {
    if (this.fd === null && !this.connecting) {
      this.destroy(nodeError('ERR_SOCKET_CLOSED', 'Socket is closed'))
      return this
    }
    this.reset = true
    this.destroy()
    return this
  }

  // ---- options and timers ----

  setNoDelay(noDelay = true): this {
    this.noDelay = noDelay
    const fd = this.fd
    if (fd !== null) quietly(() => fd.setsockopt(IPPROTO_TCP, TCP_NODELAY, noDelay ? 1 : 0))
    return this
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    this.keepAlive = [enable, Math.max(0, ~~(initialDelay / 1000)) * 1000]
    this.applyOptions()
    return this
  }

  /** Emit 'timeout' after `ms` of the lab's time without reads or writes (0 turns it off). */
  setTimeout(ms: number, callback?: () => void): this {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms))
      throw nodeError(
        'ERR_OUT_OF_RANGE',
        `The value of "msecs" is out of range. It must be a non-negative finite number. Received ${ms}`,
        RangeError,
      )
    this.timeoutMs = ms
    this.clearTimer()
    if (ms === 0) {
      if (callback !== undefined) this.removeListener('timeout', callback)
      return this
    }
    // Node's socket timers do not keep the process alive (setUnrefTimeout), nor here virtual time.
    this.timer = this.ctx.timers.setTimeout(() => this.emit('timeout'), ms).unref()
    if (callback !== undefined) this.once('timeout', callback)
    return this
  }

  get timeout(): number | undefined {
    return this.timeoutMs
  }

  private refreshTimer(): void {
    this.timer?.refresh()
  }

  private clearTimer(): void {
    this.timer?.close()
    this.timer = null
  }

  ref(): this {
    this.handle.setRef(true)
    return this
  }

  unref(): this {
    this.handle.setRef(false)
    return this
  }

  // ---- addresses and counters ----

  address(): AddressInfo | Record<string, never> {
    const l = this.local
    return l === null ? {} : { ...ipOfSockaddr(l), port: l.port }
  }

  get remoteAddress(): string | undefined {
    return this.peer === null ? undefined : ipOfSockaddr(this.peer).address
  }

  get remotePort(): number | undefined {
    return this.peer?.port
  }

  get remoteFamily(): string | undefined {
    return this.peer === null ? undefined : ipOfSockaddr(this.peer).family
  }

  get localAddress(): string | undefined {
    return this.local === null ? undefined : ipOfSockaddr(this.local).address
  }

  get localPort(): number | undefined {
    return this.local?.port
  }

  get localFamily(): string | undefined {
    return this.local === null ? undefined : ipOfSockaddr(this.local).family
  }

  /** Bytes handed to the kernel, and those still waiting in the Writable. */
  get bytesWritten(): number {
    return this.written + this.writableLength
  }

  get pending(): boolean {
    return this.fd === null || this.connecting
  }

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening'
    if (this.readable && this.writable) return 'open'
    if (this.readable && !this.writable) return 'readOnly'
    if (!this.readable && this.writable) return 'writeOnly'
    return 'closed'
  }

  /** Node's deprecated alias of writableLength. */
  get bufferSize(): number {
    return this.writableLength
  }
}

function quietly(fn: () => void): void {
  try {
    fn()
  } catch {
    // An option the stack does not have (yet) changes nothing, as libuv ignores it.
  }
}
