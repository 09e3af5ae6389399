/**
 * The system calls of a packetdrill script, carried out through the syscall boundary: a table of
 * descriptors numbered as a process's (3 is the first socket), the script's symbols (SOCK_STREAM,
 * SOL_SOCKET, TCP_NODELAY, O_NONBLOCK, POLLOUT, errno names ...) with FreeBSD's values, `...`
 * addresses filled in with the script's defaults (the stack's address and port 8080 to bind, the
 * peer's address and port 8080 to connect to), and checking what a call returned (value, errno,
 * and values it writes back, as `getsockopt(..., [65536], [4])`) against what the script expects.
 *
 * A call is started by `start` and may block (its promise settles later); the caller decides when
 * to check it. Nothing here knows about time or packets.
 */

import type { SockAddrIn, SocketFd, Syscalls } from '../../../host/syscalls.js'
import { Errno, type ErrnoName, isSysError } from '../../../util/errno.js'
import type { Expr, SyscallAction } from './ast.js'
import { type Conn, REMOTE_EPHEMERAL_PORT, SCRIPT_PORT } from './packet.js'

/** Script symbols and their values on FreeBSD (sys/socket.h, netinet/in.h, netinet/tcp.h, fcntl.h, poll.h). */
export const SYMBOLS: Readonly<Record<string, number>> = Object.freeze({
  AF_INET: 2,
  AF_INET6: 28,
  PF_INET: 2,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_RAW: 3,
  IPPROTO_IP: 0,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  IPPROTO_IPV6: 41,
  IPV6_UNICAST_HOPS: 4,
  IPV6_V6ONLY: 27,
  IPV6_TCLASS: 61,
  SOL_SOCKET: 0xffff,
  SO_DEBUG: 0x1,
  SO_ACCEPTCONN: 0x2,
  SO_REUSEADDR: 0x4,
  SO_KEEPALIVE: 0x8,
  SO_DONTROUTE: 0x10,
  SO_BROADCAST: 0x20,
  SO_LINGER: 0x80,
  SO_OOBINLINE: 0x100,
  SO_REUSEPORT: 0x200,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_SNDLOWAT: 0x1003,
  SO_RCVLOWAT: 0x1004,
  SO_ERROR: 0x1007,
  SO_TYPE: 0x1008,
  IP_TOS: 3,
  IP_TTL: 4,
  // netinet/ip.h: type-of-service values and DSCP code points.
  IPTOS_LOWDELAY: 0x10,
  IPTOS_THROUGHPUT: 0x08,
  IPTOS_RELIABILITY: 0x04,
  IPTOS_MINCOST: 0x02,
  IPTOS_ECN_NOTECT: 0x00,
  IPTOS_ECN_ECT1: 0x01,
  IPTOS_ECN_ECT0: 0x02,
  IPTOS_ECN_CE: 0x03,
  IPTOS_DSCP_CS0: 0x00,
  IPTOS_DSCP_CS1: 0x20,
  IPTOS_DSCP_AF11: 0x28,
  IPTOS_DSCP_AF12: 0x30,
  IPTOS_DSCP_AF13: 0x38,
  IPTOS_DSCP_CS2: 0x40,
  IPTOS_DSCP_AF21: 0x48,
  IPTOS_DSCP_AF22: 0x50,
  IPTOS_DSCP_AF23: 0x58,
  IPTOS_DSCP_CS3: 0x60,
  IPTOS_DSCP_AF31: 0x68,
  IPTOS_DSCP_AF32: 0x70,
  IPTOS_DSCP_AF33: 0x78,
  IPTOS_DSCP_CS4: 0x80,
  IPTOS_DSCP_AF41: 0x88,
  IPTOS_DSCP_AF42: 0x90,
  IPTOS_DSCP_AF43: 0x98,
  IPTOS_DSCP_CS5: 0xa0,
  IPTOS_DSCP_VA: 0xb0,
  IPTOS_DSCP_EF: 0xb8,
  IPTOS_DSCP_CS6: 0xc0,
  IPTOS_DSCP_CS7: 0xe0,
  TCP_NODELAY: 1,
  TCP_MAXSEG: 2,
  TCP_NOPUSH: 4,
  TCP_NOOPT: 8,
  TCP_MD5SIG: 16,
  TCP_INFO: 32,
  TCP_KEEPINIT: 128,
  TCP_KEEPIDLE: 256,
  TCP_KEEPINTVL: 512,
  TCP_KEEPCNT: 1024,
  TCP_REMOTE_UDP_ENCAPS_PORT: 71,
  TCP_FUNCTION_BLK: 8192,
  // The RACK stack's pacing options (netinet/tcp.h); the default stack refuses them.
  TCP_RACK_PACE_MAX_SEG: 1054,
  TCP_RACK_PACE_ALWAYS: 1055,
  TCP_RACK_PACE_RATE_SS: 1119,
  TCP_RACK_PACE_RATE_CA: 1118,
  TCP_RACK_PACE_RATE_REC: 1120,
  F_GETFL: 3,
  F_SETFL: 4,
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_NONBLOCK: 4,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  MSG_OOB: 0x1,
  MSG_PEEK: 0x2,
  MSG_DONTROUTE: 0x4,
  MSG_EOR: 0x8,
  MSG_TRUNC: 0x10,
  MSG_WAITALL: 0x40,
  MSG_DONTWAIT: 0x80,
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  POLLRDNORM: 0x40,
  POLLWRNORM: 0x4,
})

/** The errno a script may name for another (FreeBSD: EWOULDBLOCK is EAGAIN). */
const ERRNO_ALIASES: Readonly<Record<string, ErrnoName>> = { EWOULDBLOCK: 'EAGAIN' }

function errnoValue(name: string): number | undefined {
  const n = (ERRNO_ALIASES[name] ?? name) as ErrnoName
  return Object.hasOwn(Errno, n) ? Errno[n][0] : undefined
}

/** Why a script cannot be run as written (an unknown symbol, a call we do not have). */
export class ScriptError extends Error {}

/** An evaluated argument: a number, a `[v]` pointer, a struct, a string or `...`. */
type Val =
  | { t: 'int'; v: number }
  | { t: 'ptr'; items: Val[] }
  | { t: 'struct'; fields: Map<string | number, Val> }
  | { t: 'str'; v: string }
  | { t: 'any' }

export function evalExpr(e: Expr): Val {
  switch (e.kind) {
    case 'int':
      return { t: 'int', v: e.value }
    case 'ellipsis':
      return { t: 'any' }
    case 'string':
      return { t: 'str', v: e.value }
    case 'symbol': {
      const v = SYMBOLS[e.name] ?? errnoValue(e.name)
      if (v === undefined) throw new ScriptError(`unknown symbol ${e.name}`)
      return { t: 'int', v }
    }
    case 'array':
      return { t: 'ptr', items: e.items.map(evalExpr) }
    case 'struct': {
      const fields = new Map<string | number, Val>()
      e.fields.forEach((f, i) => {
        fields.set(f.name ?? i, evalExpr(f.value))
      })
      return { t: 'struct', fields }
    }
    case 'neg':
      return { t: 'int', v: -intOf(evalExpr(e.operand)) }
    case 'binary': {
      const a = intOf(evalExpr(e.left))
      const b = intOf(evalExpr(e.right))
      const ops = { '|': a | b, '&': a & b, '+': a + b, '-': a - b, '*': a * b, '/': Math.trunc(a / b) }
      return { t: 'int', v: ops[e.op] }
    }
    case 'call': {
      const args = e.args.map(evalExpr)
      if (e.name === 'htons' || e.name === 'ntohs') return { t: 'int', v: intOf(args[0]) }
      if (e.name === 'inet_addr' && args[0]?.t === 'str') {
        const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(args[0].v)
        if (m) return { t: 'int', v: ((+m[1]! << 24) | (+m[2]! << 16) | (+m[3]! << 8) | +m[4]!) >>> 0 }
      }
      throw new ScriptError(`unsupported expression ${e.name}()`)
    }
  }
}

function intOf(v: Val | undefined): number {
  if (v?.t === 'int') return v.v
  if (v?.t === 'ptr' && v.items.length === 1) return intOf(v.items[0])
  throw new ScriptError(`expected an integer argument, found ${v === undefined ? 'nothing' : v.t}`)
}

/** What a call did: its return value and errno (null on success). */
export interface Outcome {
  ret: number
  errno: ErrnoName | null
  /** A value the call wrote back that differs from what the script expects (getsockopt). */
  mismatch?: string
}

interface FdEntry {
  fd: SocketFd
  nonblock: boolean
}

/** The descriptors of the script's process and how to run its calls. */
export class SyscallRunner {
  private readonly sys: Syscalls
  private readonly conn: Conn
  private readonly fds = new Map<number, FdEntry>()
  /** The descriptor the last call used: the socket `%{ tcpi_... }%` asks about. */
  lastFd: number | null = null

  constructor(sys: Syscalls, conn: Conn) {
    this.sys = sys
    this.conn = conn
  }

  private alloc(fd: SocketFd, nonblock = false): number {
    let n = 3
    while (this.fds.has(n)) n++
    this.fds.set(n, { fd, nonblock })
    return n
  }

  private entry(args: readonly Val[]): FdEntry {
    const n = intOf(args[0])
    const e = this.fds.get(n)
    if (e === undefined) throw new FdError()
    this.lastFd = n
    return e
  }

  /** Start call `a`; the promise settles with what it did (never rejects for an errno). */
  start(a: SyscallAction): Promise<Outcome> {
    return Promise.resolve()
      .then(() => this.run(a.name, a.args.map(evalExpr)))
      .then(
        (o) => o,
        (e: unknown) => {
          if (e instanceof FdError) return { ret: -1, errno: 'EBADF' as const }
          if (isSysError(e)) return { ret: -1, errno: e.code }
          throw e
        },
      )
  }

  private async run(name: string, args: Val[]): Promise<Outcome> {
    const ok = (ret = 0): Outcome => ({ ret, errno: null })
    switch (name) {
      case 'socket': {
        const dflt = this.conn.remote6 !== null ? SYMBOLS.AF_INET6! : SYMBOLS.AF_INET!
        const domain = args[0]?.t === 'any' ? dflt : intOf(args[0])
        const fd = this.sys.socket(domain, intOf(args[1]), intOf(args[2]))
        const n = this.alloc(fd)
        this.lastFd = n
        return ok(n)
      }
      case 'bind': {
        const e = this.entry(args)
        e.fd.bind(this.sockaddr(args[1], this.conn.local, SCRIPT_PORT, this.conn.local6))
        // The stack listens on 8080; the script's peer comes from its own port.
        this.conn.localPort = e.fd.getsockname().port
        this.conn.remotePort = REMOTE_EPHEMERAL_PORT
        return ok()
      }
      case 'listen': {
        const e = this.entry(args)
        e.fd.listen(intOf(args[1]))
        return ok()
      }
      case 'accept': {
        const e = this.entry(args)
        const r = await e.fd.accept(e.nonblock ? 0 : undefined)
        // FreeBSD's accept(2) passes the listener's O_NONBLOCK on to the new descriptor.
        if (e.nonblock) r.fd.setNonBlocking(true)
        const n = this.alloc(r.fd, e.nonblock)
        this.lastFd = n
        return ok(n)
      }
      case 'connect': {
        const e = this.entry(args)
        const sa = this.sockaddr(args[1], this.conn.remote, SCRIPT_PORT, this.conn.remote6)
        this.conn.remotePort = sa.port
        this.conn.localPort = null
        await e.fd.connect(sa)
        return ok()
      }
      case 'write':
      case 'send': {
        const e = this.entry(args)
        const len = intOf(args[2])
        const flags = name === 'send' ? intOf(args[3]) : 0
        const data = new Uint8Array(len)
        const sent =
          e.fd.send === undefined ? e.fd.sendto(data, undefined, flags) : await e.fd.send(data, flags)
        return ok(sent)
      }
      case 'read':
      case 'recv': {
        const e = this.entry(args)
        const len = intOf(args[2])
        const flags = name === 'recv' ? intOf(args[3]) : 0
        return ok((await e.fd.recv(len, flags)).length)
      }
      case 'close': {
        const n = intOf(args[0])
        const e = this.fds.get(n)
        if (e === undefined) throw new FdError()
        this.fds.delete(n)
        this.lastFd = n
        e.fd.close()
        return ok()
      }
      case 'shutdown': {
        this.entry(args).fd.shutdown(intOf(args[1]))
        return ok()
      }
      case 'fcntl': {
        const e = this.entry(args)
        const cmd = intOf(args[1])
        if (cmd === SYMBOLS.F_GETFL) return ok(SYMBOLS.O_RDWR! | (e.nonblock ? SYMBOLS.O_NONBLOCK! : 0))
        if (cmd === SYMBOLS.F_SETFL) {
          const on = (intOf(args[2]) & SYMBOLS.O_NONBLOCK!) !== 0
          e.fd.setNonBlocking(on)
          e.nonblock = on
          return ok()
        }
        return { ret: -1, errno: 'EINVAL' }
      }
      case 'setsockopt': {
        const e = this.entry(args)
        const level = intOf(args[1])
        const opt = intOf(args[2])
        e.fd.setsockopt(level, opt, optValue(level, opt, args[3]))
        return ok()
      }
      case 'getsockopt': {
        const e = this.entry(args)
        const level = intOf(args[1])
        const opt = intOf(args[2])
        const got = e.fd.getsockopt(level, opt)
        return { ret: 0, errno: null, ...checkOptValue(level, opt, got, args[3]) }
      }
      case 'poll':
        return this.poll(args)
      default:
        throw new ScriptError(`unsupported system call ${name}()`)
    }
  }

  private async poll(args: Val[]): Promise<Outcome> {
    const list = args[0]
    if (list?.t !== 'ptr') throw new ScriptError('poll() needs an array of {fd, events, revents}')
    const timeoutMs = intOf(args[2])
    let ready = 0
    const mismatches: string[] = []
    for (const item of list.items) {
      if (item.t !== 'struct') throw new ScriptError('poll() needs an array of {fd, events, revents}')
      const n = intOf(item.fields.get('fd') ?? item.fields.get(0))
      const events = intOf(item.fields.get('events') ?? item.fields.get(1))
      const want = item.fields.get('revents') ?? item.fields.get(2)
      const e = this.fds.get(n)
      let revents = 0
      if (e === undefined) revents = SYMBOLS.POLLNVAL!
      else {
        this.lastFd = n
        const wait = timeoutMs < 0 ? undefined : timeoutMs * 1e6
        if (events & SYMBOLS.POLLIN! && (await e.fd.pollIn(wait ?? Number.POSITIVE_INFINITY)))
          revents |= SYMBOLS.POLLIN!
        if (
          events & SYMBOLS.POLLOUT! &&
          e.fd.pollOut !== undefined &&
          (await e.fd.pollOut(wait ?? Number.POSITIVE_INFINITY))
        )
          revents |= SYMBOLS.POLLOUT!
      }
      if (revents !== 0) ready++
      if (want !== undefined && want.t !== 'any' && intOf(want) !== revents)
        mismatches.push(`revents 0x${revents.toString(16)} for fd ${n}`)
    }
    return mismatches.length > 0
      ? { ret: ready, errno: null, mismatch: mismatches.join(', ') }
      : { ret: ready, errno: null }
  }

  private sockaddr(
    v: Val | undefined,
    addr: number,
    port: number,
    addr6: Uint8Array | null = null,
  ): SockAddrIn {
    if (v === undefined || v.t === 'any')
      return addr6 === null ? { addr, port } : { addr: 0, port, addr6, scopeId: 0 }
    if (v.t !== 'struct')
      throw new ScriptError('a socket address must be ... or {sin_port=..., sin_addr=...}')
    const p = v.fields.get('sin_port')
    const a = v.fields.get('sin_addr')
    return { addr: a === undefined ? addr : intOf(a), port: p === undefined ? port : intOf(p) }
  }

  /** tcp_info of the socket the last call used, as `%{ }%` assertions name its fields. */
  tcpInfo(): Record<string, number> | string {
    const e = this.lastFd === null ? undefined : this.fds.get(this.lastFd)
    if (e === undefined) return this.lastFd === null ? 'no socket to ask' : { tcpi_state: 0, tcpi_options: 0 }
    try {
      const info = e.fd.tcpInfo()
      // struct tcp_info's names (netinet/tcp.h), as packetdrill's Python sees them.
      return {
        tcpi_state: info.state,
        tcpi_options: info.options,
        tcpi_snd_ssthresh: info.sndSsthresh,
        tcpi_snd_cwnd: info.sndCwnd,
        tcpi_snd_mss: info.sndMss,
      }
    } catch (err) {
      if (!isSysError(err)) throw err
      return `TCP_INFO: ${err.strerror}`
    }
  }

  /** Close what the script left open (its process exits). */
  closeAll(): void {
    for (const e of this.fds.values()) {
      try {
        e.fd.close()
      } catch (err) {
        if (!isSysError(err)) throw err
      }
    }
    this.fds.clear()
  }
}

class FdError extends Error {}

/** The value setsockopt is given: `[1]`, `1`, or SO_LINGER's `{onoff=1, linger=0}` (folded: -1 is off). */
function optValue(level: number, opt: number, v: Val | undefined): number {
  if (level === SYMBOLS.SOL_SOCKET && opt === SYMBOLS.SO_LINGER) {
    const s = v?.t === 'ptr' ? v.items[0] : v
    if (s?.t === 'struct') {
      const onoff = intOf(s.fields.get('onoff') ?? s.fields.get(0))
      const linger = intOf(s.fields.get('linger') ?? s.fields.get(1))
      return onoff !== 0 ? linger : -1
    }
  }
  return intOf(v)
}

/** Compares what getsockopt returned with the script's `[value]` (and SO_LINGER's struct). */
function checkOptValue(
  level: number,
  opt: number,
  got: number,
  want: Val | undefined,
): { mismatch?: string } {
  const w = want?.t === 'ptr' ? want.items[0] : want
  if (w === undefined || w.t === 'any') return {}
  if (level === SYMBOLS.SOL_SOCKET && opt === SYMBOLS.SO_LINGER && w.t === 'struct') {
    const onoff = intOf(w.fields.get('onoff') ?? w.fields.get(0))
    const linger = intOf(w.fields.get('linger') ?? w.fields.get(1))
    const exp = onoff !== 0 ? linger : -1
    return exp === got ? {} : { mismatch: `linger ${got < 0 ? 'off' : `{onoff=1, linger=${got}}`}` }
  }
  const exp = intOf(w)
  return exp === got ? {} : { mismatch: `value ${got}` }
}

/** Whether an outcome is what the script expects; null if so, else what was got. */
export function checkOutcome(a: SyscallAction, o: Outcome): string | null {
  const want = evalExpr(a.result)
  const wantErrno = a.errno === null ? null : (ERRNO_ALIASES[a.errno] ?? a.errno)
  if (a.errno !== null && errnoValue(a.errno) === undefined) throw new ScriptError(`unknown errno ${a.errno}`)
  const got = o.errno === null ? `${o.ret}` : `${o.ret} ${o.errno}`
  if (want.t !== 'any' && intOf(want) !== o.ret) return got
  if ((wantErrno ?? null) !== o.errno && !(want.t === 'any' && wantErrno === null)) return got
  if (o.mismatch !== undefined) return `${got} with ${o.mismatch}`
  return null
}
