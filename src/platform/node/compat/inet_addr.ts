/**
 * Node's address strings and the jail's socket addresses (what libuv's uv_ip4_addr / uv_ip6_addr
 * and uv_ip_name do): `10.0.0.1` is AF_INET, `2001:db8::1` or `fe80::1%epair0a` AF_INET6, and a
 * socket name prints back as Node does, with family 'IPv4' or 'IPv6' (v4-mapped addresses stay
 * IPv6, as `::ffff:10.0.0.1`). Pure: the zone's interface index comes from the caller.
 */

import { AF_INET, AF_INET6, type SockAddrIn } from '../../../host/syscalls.js'
import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'

export interface IpSockaddr {
  family: typeof AF_INET | typeof AF_INET6
  sa: SockAddrIn
}

/** The sockaddr for a literal and port, or null when `ip` is no literal (or names no interface). */
export function sockaddrOfIp(
  ip: string,
  port: number,
  ifIndex: (name: string) => number | null,
): IpSockaddr | null {
  const a = parseIpv4(ip)
  if (a !== null) return { family: AF_INET, sa: { addr: a, port } }
  const pct = ip.indexOf('%')
  const a6 = parseIpv6(pct < 0 ? ip : ip.slice(0, pct))
  if (a6 === null) return null
  let scopeId = 0
  if (pct >= 0) {
    const z = ip.slice(pct + 1)
    const n = /^\d+$/.test(z) ? Number(z) : ifIndex(z)
    if (n === null) return null
    scopeId = n
  }
  return { family: AF_INET6, sa: { addr: 0, port, addr6: a6, scopeId } }
}

/** A socket name as Node reports it (address(), remoteAddress, rinfo). */
export function ipOfSockaddr(sa: SockAddrIn): { address: string; family: 'IPv4' | 'IPv6' } {
  return sa.addr6 !== undefined
    ? { address: formatIpv6(sa.addr6), family: 'IPv6' }
    : { address: formatIpv4(sa.addr), family: 'IPv4' }
}

/** Whether a literal is IPv6 (for Node's family checks and `::` defaults). */
export function isV6Literal(ip: string): boolean {
  return parseIpv6(ip.split('%')[0]!) !== null && parseIpv4(ip) === null
}
