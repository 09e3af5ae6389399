/**
 * What every userland program shares: sysexits(3) statuses, the error-to-message convention
 * (`tool: message` on stderr, as err(3)/warnx(3) print it), printf-style column helpers and a few
 * lookups (users). Programs throw `CmdError` to leave with a message and status; `runTool` turns
 * that, and a kernel SysError, into output and an exit status.
 *
 * Runtime-neutral: no I/O beyond the Io streams it is handed, no state.
 */

import { AF_INET, AF_INET6, type SockAddrIn, type Syscalls } from '../host/syscalls.js'
import { isSysError, type SysError } from '../util/errno.js'
import { interruptible } from '../util/interruptible.js'
import { formatIpv4, parseIpv4 } from '../wire/addr.js'
import { formatIpv6, parseIpv6 } from '../wire/inet6/in6_addr.js'
import type { Io, Proc } from './types.js'

/** sysexits(3). */
export const EX = {
  OK: 0,
  ERR: 1,
  USAGE: 64,
  DATAERR: 65,
  NOHOST: 68,
  SOFTWARE: 70,
  OSERR: 71,
  NOPERM: 77,
} as const

/**
 * Leaves a program with `status` after printing `tool: message` on stderr (an empty message prints
 * nothing, for usage texts already written). `raw` prints the message without the `tool: ` prefix.
 */
export class CmdError extends Error {
  constructor(
    message: string,
    readonly status: number = EX.ERR,
    readonly raw = false,
  ) {
    super(message)
  }
}

/** Throws the usage text (already complete, `usage: ...` lines) with status `status`. */
export function usage(text: string, status: number = EX.USAGE): never {
  throw new CmdError(text, status, true)
}

/** err(3)'s shape: `what: strerror`, e.g. `ioctl (SIOCAIFADDR): Operation not permitted`. */
export function sysMessage(what: string, e: SysError): string {
  return `${what}: ${e.strerror}`
}

/** Re-throws anything that is not a SysError; returns the SysError otherwise. */
export function asSysError(e: unknown): SysError {
  if (isSysError(e)) return e
  throw e
}

/**
 * Runs a program body, mapping CmdError to its message and status and a stray SysError to
 * `tool: strerror` with status 1. Anything else propagates (the process layer reports it as an
 * internal error).
 */
export async function runTool(tool: string, io: Io, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body()
  } catch (e) {
    if (e instanceof CmdError) {
      if (e.message !== '') io.stderr.write(e.raw ? `${e.message}\n` : `${tool}: ${e.message}\n`)
      return e.status
    }
    if (isSysError(e)) {
      io.stderr.write(`${tool}: ${e.strerror}\n`)
      return EX.ERR
    }
    throw e
  }
}

/** Resolves a getopt result or throws its message with the usage text and EX_USAGE. */
export function optsOrUsage<T extends object>(
  r: T | string,
  usageText: string,
  status: number = EX.USAGE,
): T {
  if (typeof r === 'string') throw new CmdError(`${r}\n${usageText}`, status, true)
  return r
}

// ---- printf(3)-style columns ----

/** `%-W.Ps`: left-justified in `width`, cut to `precision` when given. */
export function padR(s: string, width: number, precision?: number): string {
  if (precision !== undefined && s.length > precision) s = s.slice(0, precision)
  return s.length >= width ? s : s + ' '.repeat(width - s.length)
}

/** `%W.Ps`: right-justified in `width`, cut to `precision` when given. */
export function padL(s: string | number, width: number, precision?: number): string {
  let t = String(s)
  if (precision !== undefined && t.length > precision) t = t.slice(0, precision)
  return t.length >= width ? t : ' '.repeat(width - t.length) + t
}

/** `%0Wx`. */
export function hex(v: number, width = 0): string {
  return (v >>> 0).toString(16).padStart(width, '0')
}

/**
 * Renders `value` against a bit-name table like the kernel's `%b` (ifconfig's printb):
 * `1008843<UP,BROADCAST,...>`. Bits are numbered from 1 = 0x1 as in the C tables.
 */
export function printb(value: number, bits: ReadonlyArray<readonly [number, string]>): string {
  const names = bits.filter(([bit]) => (value & (2 ** (bit - 1))) !== 0).map(([, n]) => n)
  return `${(value >>> 0).toString(16)}<${names.join(',')}>`
}

// ---- addresses ----

export const ip = formatIpv4

/** An IPv4 address operand, or null (no resolver: names other than dotted quads are unknown hosts). */
export function hostAddr(s: string): number | null {
  return parseIpv4(s)
}

/** A numeric host as getaddrinfo(3) with AI_NUMERICHOST gives it: the family and a sockaddr (port 0). */
export interface NumericHost {
  family: typeof AF_INET | typeof AF_INET6
  sa: SockAddrIn
}

/**
 * getaddrinfo(3) for an address literal of `family` (4, 6 or 0 for either): a dotted quad, or an
 * IPv6 address with an optional zone (`fe80::1%epair0a`, the interface resolved through sys).
 * null when it is neither (there is no resolver) or the zone names no interface.
 */
export function numericHost(sys: Syscalls, s: string, family: 0 | 4 | 6 = 0): NumericHost | null {
  if (family !== 6) {
    const a = parseIpv4(s)
    if (a !== null) return { family: AF_INET, sa: { addr: a, port: 0 } }
  }
  if (family === 4) return null
  const pct = s.indexOf('%')
  const a6 = parseIpv6(pct < 0 ? s : s.slice(0, pct))
  if (a6 === null) return null
  let scopeId = 0
  if (pct >= 0) {
    const zone = s.slice(pct + 1)
    if (/^\d+$/.test(zone)) scopeId = Number(zone)
    else
      try {
        scopeId = sys.ifGet(zone).index
      } catch (e) {
        if (isSysError(e)) return null
        throw e
      }
  }
  return { family: AF_INET6, sa: { addr: 0, port: 0, addr6: a6, scopeId } }
}

/** The wildcard address of a family (INADDR_ANY, in6addr_any). */
export function anyHost(family: number): NumericHost {
  return family === AF_INET6
    ? { family: AF_INET6, sa: { addr: 0, port: 0, addr6: new Uint8Array(16), scopeId: 0 } }
    : { family: AF_INET, sa: { addr: 0, port: 0 } }
}

/**
 * getnameinfo(NI_NUMERICHOST) of an IPv6 address with its zone: a link-scoped address (or group)
 * is `fe80::1%epair0a`, named from `ifNames` (index → name), the index itself when unknown.
 */
export function in6WithZone(a: Uint8Array, scopeId: number, ifNames: ReadonlyMap<number, string>): string {
  const s = formatIpv6(a)
  const scoped = (a[0] === 0xfe && (a[1]! & 0xc0) === 0x80) || (a[0] === 0xff && (a[1]! & 0xf) <= 2)
  if (!scoped || scopeId === 0) return s
  return `${s}%${ifNames.get(scopeId) ?? scopeId}`
}

/** The address of a sockaddr as getnameinfo(NI_NUMERICHOST) prints it. */
export function sockHost(sa: SockAddrIn): string {
  return sa.addr6 !== undefined ? formatIpv6(sa.addr6) : formatIpv4(sa.addr)
}

// ---- users (no passwd database: root, nobody and numeric uids) ----

const USERS: ReadonlyMap<string, number> = new Map([
  ['root', 0],
  ['toor', 0],
  ['daemon', 1],
  ['nobody', 65534],
])

/** getpwnam(3) for the names VirtNet knows, plus numeric uids; null when unknown. */
export function lookupUser(name: string): number | null {
  const known = USERS.get(name)
  if (known !== undefined) return known
  return /^\d+$/.test(name) ? Number(name) : null
}

/** getpwuid(3)'s pw_name for the users VirtNet knows (root for uid 0); null when unknown. */
export function userName(uid: number): string | null {
  if (uid === 0) return 'root'
  for (const [name, u] of USERS) if (u === uid) return name
  return null
}

/**
 * Waits for `p` unless the process is killed first (then null), so a program blocked in a kernel
 * wait (a raw socket's recv) notices a kill promptly.
 */
export function untilKilled<T>(proc: Proc, p: Promise<T>): Promise<T | null> {
  if (proc.killed) return Promise.resolve(null)
  return interruptible<T | null>(p, (resolve) => proc.onKill(() => resolve(null)))
}
