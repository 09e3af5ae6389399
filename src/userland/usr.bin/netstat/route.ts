/**
 * `netstat -r` for IPv4 (FreeBSD 14's usr.bin/netstat/route.c): the routing table's columns and the
 * flag letters of RTF_* in route.c's order; netstat_inet6.ts shows the IPv6 table with the same letters.
 *
 * Must not: change anything; it formats what the kernel listed.
 */

import { type RouteInfo, RtFlag } from '../../../host/syscalls.js'
import { ip, padL, padR } from '../../common.js'

// ---- netstat -r ----

/** A host address as netstat's routename() shows it without a resolver (hosts(5) knows localhost). */
export function hostname(a: number, numeric: boolean): string {
  return !numeric && a === 0x7f000001 ? 'localhost' : ip(a)
}

/** `bits[]` from usr.bin/netstat/route.c, in its order (the order letters appear in). */
const RT_LETTERS: ReadonlyArray<readonly [number, string]> = [
  [RtFlag.UP, 'U'],
  [RtFlag.GATEWAY, 'G'],
  [RtFlag.HOST, 'H'],
  [RtFlag.REJECT, 'R'],
  [0x10, 'D'],
  [0x20, 'M'],
  [0x40, 'd'],
  [0x200, 'X'],
  [RtFlag.STATIC, 'S'],
  [0x8000, '1'],
  [0x4000, '2'],
  [0x40000, '3'],
  [RtFlag.BLACKHOLE, 'B'],
  [0x400000, 'b'],
]

export function routeFlagLetters(flags: number): string {
  return RT_LETTERS.filter(([bit]) => (flags & bit) !== 0)
    .map(([, c]) => c)
    .join('')
}

/** netname4(): `default`, or the network with its prefix length (`192.0.2.0/24`). */
export function netname(dst: number, prefixLen: number): string {
  if (dst === 0 && prefixLen === 0) return 'default'
  return `${ip(dst)}/${prefixLen}`
}

/** `netstat -r` for IPv4 (the `Internet:` section), newline-terminated. */
export function formatRoutes(
  routes: readonly RouteInfo[],
  opts: { numeric: boolean; wide: boolean },
): string {
  const wDst = 18
  const wGw = 18
  const wIf = opts.wide ? 10 : 8
  const col = (s: string, w: number): string => (opts.numeric || opts.wide ? padR(s, w) : padR(s, w, w))
  // Each family's title and header come with its first entry: a jail that may see no route gets
  // the title alone.
  if (routes.length === 0) return 'Routing tables\n'
  const lines = ['Routing tables', '', 'Internet:']
  lines.push(
    opts.wide
      ? `${padR('Destination', wDst)} ${padR('Gateway', wGw)} ${padR('Flags', 6)} ${padL('Use', 8)} ${padL('Mtu', 6)} ${padL('Netif', wIf)} Expire`
      : `${padR('Destination', wDst)} ${padR('Gateway', wGw)} ${padR('Flags', 6)} ${padL('Netif', wIf)} Expire`,
  )
  for (const r of routes) {
    const dst = (r.flags & RtFlag.HOST) !== 0 ? hostname(r.dst, opts.numeric) : netname(r.dst, r.prefixLen)
    const gw =
      (r.flags & RtFlag.GATEWAY) !== 0 || r.gatewayIfIndex === 0
        ? hostname(r.gateway, opts.numeric)
        : `link#${r.gatewayIfIndex}`
    let line = `${col(dst, wDst)} ${col(gw, wGw)} ${padR(routeFlagLetters(r.flags), 6)} `
    if (opts.wide) line += `${padL(r.use, 8)} ${r.mtu !== 0 ? padL(r.mtu, 6) : padL('', 6)} `
    lines.push(line + padL(r.ifName, wIf, wIf))
  }
  return `${lines.join('\n')}\n`
}
