/**
 * Errors as Node.js's own `net` and `dgram` raise them, so code written for those modules can test
 * `err.code`, `err.syscall`, `err.errno`, `err.address` and `err.port` as it always has: a system
 * error `bind EADDRINUSE 0.0.0.0:53` with `errno` negative (libuv's convention: minus the host's
 * errno value, e.g. -98 on Linux, -48 on FreeBSD and macOS), or an `ERR_*` error with Node's text.
 *
 * It only translates: the errno names come from the jail's kernel (FreeBSD's), unchanged.
 */

import type { EventEmitter } from 'node:events'
import { constants } from 'node:os'
import { Errno, isSysError } from '../../../util/errno.js'

/** An Error carrying Node's system-error fields. */
export interface NodeSystemError extends Error {
  errno: number
  code: string
  syscall: string
  address?: string
  port?: number
  hostname?: string
}

/** libuv's errno for a name: minus the host OS's value, as Node reports it. */
export function uvErrno(code: string): number {
  const host = (constants.errno as Record<string, number | undefined>)[code]
  if (host !== undefined) return -host
  const bsd = (Errno as Record<string, readonly [number, string] | undefined>)[code]
  return bsd !== undefined ? -bsd[0] : -1
}

/** The errno name a thrown value stands for (a SysError's), or EIO for anything else. */
export function codeOf(e: unknown): string {
  return isSysError(e) ? e.code : 'EIO'
}

/** Node's ErrnoException: `getsockname EBADF`. */
export function errnoException(code: string, syscall: string): NodeSystemError {
  const e = new Error(`${syscall} ${code}`) as NodeSystemError
  e.errno = uvErrno(code)
  e.code = code
  e.syscall = syscall
  return e
}

/** Node's ExceptionWithHostPort: `connect ECONNREFUSED 10.0.0.1:80` (no `:port` when port is 0). */
export function exceptionWithHostPort(
  code: string,
  syscall: string,
  address: string | undefined,
  port?: number,
): NodeSystemError {
  const where =
    address === undefined ? '' : port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`
  const e = new Error(`${syscall} ${code}${where}`) as NodeSystemError
  e.errno = uvErrno(code)
  e.code = code
  e.syscall = syscall
  if (address !== undefined) e.address = address
  if (port !== undefined && port > 0) e.port = port
  return e
}

/** `getaddrinfo ENOTFOUND name`, as dns.lookup fails for an unknown name (UV_EAI_NONAME). */
export function notFound(hostname: string): NodeSystemError {
  const e = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as NodeSystemError
  e.errno = -3008
  e.code = 'ENOTFOUND'
  e.syscall = 'getaddrinfo'
  e.hostname = hostname
  return e
}

type ErrorCtor = new (message: string) => Error

/** One of Node's `ERR_*` errors: its class, code and message. */
export function nodeError(code: string, message: string, ctor: ErrorCtor = Error): Error & { code: string } {
  const e = new ctor(message) as Error & { code: string }
  e.code = code
  return e
}

/** ERR_SOCKET_BAD_PORT, as validatePort throws it. */
export function badPort(name: string, port: unknown, allowZero: boolean): Error {
  const op = allowZero ? '>=' : '>'
  return nodeError(
    'ERR_SOCKET_BAD_PORT',
    `${name} should be ${op} 0 and < 65536. Received ${describe(port)}.`,
    RangeError,
  )
}

/** Node's validatePort: an integer (or numeric string) in range, returned as a number. */
export function validatePort(port: unknown, name = 'Port', allowZero = true): number {
  const ok =
    (typeof port === 'number' || (typeof port === 'string' && port.trim().length > 0)) &&
    Number(port) >>> 0 === Number(port) &&
    Number(port) <= 0xffff &&
    (allowZero || Number(port) !== 0)
  if (!ok) throw badPort(name, port, allowZero)
  return Number(port) | 0
}

/** How Node's messages show a received value: `type number (70000)`, `type string ('x')`. */
export function describe(v: unknown): string {
  if (v === null) return 'null'
  if (v === undefined) return 'undefined'
  if (typeof v === 'string') return `type string ('${v}')`
  if (typeof v === 'number') return `type number (${v})`
  if (typeof v === 'function') return `function ${v.name}`
  if (typeof v === 'object') return `an instance of ${(v as object).constructor?.name ?? 'Object'}`
  return `type ${typeof v} (${String(v)})`
}

/**
 * Emit from a receive or accept loop: a listener that throws (or an 'error' nobody listens to)
 * becomes an uncaught exception, as in Node, and the loop goes on.
 */
export function emitSafely(emitter: EventEmitter, event: string, ...args: unknown[]): void {
  try {
    emitter.emit(event, ...args)
  } catch (e) {
    process.nextTick(() => {
      throw e
    })
  }
}
