/**
 * IPv6 for jails sharing their parent's stack (FreeBSD's netinet6/in6_jail.c): which addresses a
 * jail's sockets may bind, send from and hear, after ip6.addr. A jail with `ip6: null` is not
 * restricted (ip6=inherit from an unrestricted parent); one with an empty list has IPv6 disabled
 * (socket(2) refuses AF_INET6 before any of this runs); otherwise its first address is the primary
 * one, standing in for the wildcard and for loopback the way prison_local_ip6 / prison_remote_ip6 do.
 *
 * Must not: allocate on the input path (prisonCheckIp6 is called per packet) or change the
 * caller's arrays; the replacements it returns are fresh copies.
 */

import { SysError } from '../../util/errno.js'
import { in6Eq, in6IsLoopback, in6IsUnspecified } from '../../wire/inet6/in6_addr.js'

/** The part of a jail these rules read (a Prison has it). */
export interface Jail6 {
  readonly ip6: readonly Uint8Array[] | null
  readonly ip6Saddrsel: boolean
}

/** Whether the jail may use IPv6 at all (prison_check_af for AF_INET6). */
export function prisonAllowsIp6(jail: Jail6 | null): boolean {
  return jail === null || jail.ip6 === null || jail.ip6.length > 0
}

/**
 * prison_check_ip6: a is one of the jail's addresses (or the jail is not restricted). No
 * allocation: the input path asks this for every wildcard match.
 */
export function prisonCheckIp6(jail: Jail6 | null, a: Uint8Array, o = 0): boolean {
  if (jail === null || jail.ip6 === null) return true
  const l = jail.ip6
  for (let i = 0; i < l.length; i++) if (in6Eq(l[i]!, 0, a, o)) return true
  return false
}

function restricted(jail: Jail6 | null, op: string): readonly Uint8Array[] | null {
  if (jail === null || jail.ip6 === null) return null
  if (jail.ip6.length === 0) throw new SysError('EAFNOSUPPORT', op)
  return jail.ip6
}

/**
 * prison_local_ip6: the address a jailed socket binds instead of la. The unspecified address stays
 * unspecified (the jail's wildcard hears only its own addresses) unless the socket is V6ONLY and the
 * jail has exactly one address; loopback not in the jail's list means its primary address; any
 * other address must be the jail's (EADDRNOTAVAIL).
 */
export function prisonLocalIp6(jail: Jail6 | null, la: Uint8Array, v6only: boolean, op = 'bind'): Uint8Array {
  const l = restricted(jail, op)
  if (l === null) return la
  if (in6IsUnspecified(la, 0)) return v6only && l.length === 1 ? l[0]!.slice() : la
  if (prisonCheckIp6(jail, la)) return la
  if (in6IsLoopback(la, 0)) return l[0]!.slice()
  throw new SysError('EADDRNOTAVAIL', op)
}

/** prison_remote_ip6: a jail talking to ::1 (not its own) talks to its primary address. */
export function prisonRemoteIp6(jail: Jail6 | null, fa: Uint8Array, op = 'connect'): Uint8Array {
  const l = restricted(jail, op)
  if (l === null) return fa
  if (in6IsLoopback(fa, 0) && !prisonCheckIp6(jail, fa)) return l[0]!.slice()
  return fa
}

/**
 * prison_saddrsel_ip6: the primary address when the jail turned source address selection off
 * (ip6.nosaddrsel), else null (select among the jail's addresses by RFC 6724).
 */
export function prisonSaddrIp6(jail: Jail6 | null): Uint8Array | null {
  if (jail === null || jail.ip6 === null || jail.ip6.length === 0 || jail.ip6Saddrsel) return null
  return jail.ip6[0]!
}
