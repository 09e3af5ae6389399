/**
 * `netstat -r` for IPv4 (FreeBSD 14's usr.bin/netstat/route.c): the routing table's columns and the
 * flag letters of RTF_* in route.c's order; netstat_inet6.ts shows the IPv6 table with the same letters.
 *
 * With `--libxo` each family is an `rt-family` instance (`address-family`, then the `rt-entry` list)
 * as FreeBSD 14's route_netlink.c emits it: `destination`, `gateway`, `flags` and the leaf-list
 * `flags_pretty` as strings, `weight` and `nhop-kidx` (`nhg-kidx` for a multipath route) encode-only,
 * `nhop` and `mtu` with -W, `interface-name`, and `expire-time` where a route expires. A multipath
 * route is one `rt-entry` per path, each with its own weight, as FreeBSD prints it; -W's `Nhop#`
 * is 0 for its paths (p_path's is_mpath).
 *
 * Must not: change anything; it formats what the kernel listed.
 */

import { type RouteInfo, RtFlag } from '../../../host/syscalls.js'
import { ip, padL, padR } from '../../common.js'
import { Xo } from '../../lib/libxo/xo.js'

// ---- netstat -r ----

/** A host address as netstat's routename() shows it without a resolver (hosts(5) knows localhost). */
export function hostname(a: number, numeric: boolean): string {
  return !numeric && a === 0x7f000001 ? 'localhost' : ip(a)
}

/** `bits[]` from usr.bin/netstat/route.c, in its order (the order letters appear in), with names. */
const RT_LETTERS: ReadonlyArray<readonly [number, string, string]> = [
  [RtFlag.UP, 'U', 'up'],
  [RtFlag.GATEWAY, 'G', 'gateway'],
  [RtFlag.HOST, 'H', 'host'],
  [RtFlag.REJECT, 'R', 'reject'],
  [0x10, 'D', 'dynamic'],
  [0x20, 'M', 'modified'],
  [0x40, 'd', 'done'],
  [0x200, 'X', 'xresolve'],
  [RtFlag.STATIC, 'S', 'static'],
  [0x8000, '1', 'proto1'],
  [0x4000, '2', 'proto2'],
  [0x40000, '3', 'proto3'],
  [RtFlag.BLACKHOLE, 'B', 'blackhole'],
  [0x400000, 'b', 'broadcast'],
]

/** The names of the flags a letter stands for, in letter order (the `flags_pretty` leaf-list). */
export function routeFlagNames(flags: number): string[] {
  return RT_LETTERS.filter(([bit]) => (flags & bit) !== 0).map(([, , n]) => n)
}

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

/** The columns of one route row, as both families print them. */
export interface RouteRow {
  dst: string
  gw: string
  flags: number
  /** The Nhop# column of -W: the path's nexthop index, 0 for a multipath route's paths. */
  nhop: number
  /** The kernel index encoded as nhop-kidx / nhg-kidx, or null where the kernel has none. */
  kidx: number | null
  mpath: boolean
  mtu: number
  ifName: string
  weight: number
  /** Seconds left, printed after the interface when > 0. */
  expire: number
}

/** Column widths of one family's table (route.c's wid_*). */
export interface RouteWidths {
  dst: number
  gw: number
  iface: number
}

/**
 * pr_family, pr_rthdr and p_path for one family: an `rt-family` instance (nothing when `rows` is
 * empty: the title and header come with the first entry). `cut` is false with -n or -W, where
 * route.c lets a long name overflow its column.
 */
export function emitFamily(
  xo: Xo,
  family: string,
  rows: readonly RouteRow[],
  w: RouteWidths,
  opts: { cut: boolean; wide: boolean },
): void {
  if (rows.length === 0) return
  xo.openInstance('rt-family')
  xo.text('\n')
  xo.field('address-family', family)
  xo.text(':\n')
  xo.openList('rt-entry')
  xo.text(
    opts.wide
      ? `${padR('Destination', w.dst)} ${padR('Gateway', w.gw)} ${padR('Flags', 6)} ${padL('Nhop#', 6)} ${padL('Mtu', 6)} ${padL('Netif', w.iface)} Expire\n`
      : `${padR('Destination', w.dst)} ${padR('Gateway', w.gw)} ${padR('Flags', 6)} ${padL('Netif', w.iface)} Expire\n`,
  )
  // The value is what the column shows: cut to its width unless -n/-W, never padded.
  const col = (name: string, s: string, width: number): void => {
    const v = opts.cut ? s.slice(0, width) : s
    xo.field(name, v, padR(v, width))
    xo.text(' ')
  }
  for (const r of rows) {
    xo.openInstance('rt-entry')
    col('destination', r.dst, w.dst)
    col('gateway', r.gw, w.gw)
    const letters = routeFlagLetters(r.flags)
    xo.field('flags', letters, padR(letters, 6))
    xo.text(' ')
    for (const name of routeFlagNames(r.flags)) xo.leaf('flags_pretty', name)
    xo.encode('weight', r.weight)
    if (r.kidx !== null) xo.encode(r.mpath ? 'nhg-kidx' : 'nhop-kidx', r.kidx)
    if (opts.wide) {
      xo.field('nhop', r.nhop, padL(r.nhop, 6))
      xo.text(' ')
      if (r.mtu !== 0) xo.field('mtu', r.mtu, padL(r.mtu, 6))
      else xo.text(padL('', 6))
      xo.text(' ')
    }
    const ifv = r.ifName.slice(0, w.iface)
    xo.field('interface-name', ifv, padL(ifv, w.iface))
    if (r.expire > 0) {
      xo.text(' ')
      xo.field('expire-time', r.expire, padL(r.expire, 6))
    }
    xo.text('\n')
    xo.closeInstance('rt-entry')
  }
  xo.closeList('rt-entry')
  xo.closeInstance('rt-family')
}

/** The IPv4 rows of `netstat -r` (p_path's destination and gateway names); nowSec for Expire. */
export function routeRows4(routes: readonly RouteInfo[], numeric: boolean, nowSec = 0): RouteRow[] {
  return routes.map((r) => ({
    dst: (r.flags & RtFlag.HOST) !== 0 ? hostname(r.dst, numeric) : netname(r.dst, r.prefixLen),
    gw:
      (r.flags & RtFlag.GATEWAY) !== 0 || r.gatewayIfIndex === 0
        ? hostname(r.gateway, numeric)
        : `link#${r.gatewayIfIndex}`,
    flags: r.flags,
    nhop: (r.nhgIdx ?? 0) !== 0 ? 0 : (r.nhIdx ?? 0),
    kidx: (r.nhgIdx ?? 0) !== 0 ? r.nhgIdx! : (r.nhIdx ?? null),
    mpath: (r.nhgIdx ?? 0) !== 0,
    mtu: r.mtu,
    ifName: r.ifName,
    // rt_default_weight: a path added without -weight.
    weight: r.weight ?? 1,
    // NL_RTA_EXPIRES: the seconds left (nh_expire - time_uptime).
    expire: r.expire !== undefined && r.expire > 0 ? r.expire - nowSec : 0,
  }))
}

/** route.c's widths for AF_INET. */
export function widths4(wide: boolean): RouteWidths {
  return { dst: 18, gw: 18, iface: wide ? 10 : 8 }
}

/** `netstat -r` for IPv4 (the `Internet:` section), newline-terminated, in text. */
export function formatRoutes(
  routes: readonly RouteInfo[],
  opts: { numeric: boolean; wide: boolean },
): string {
  let s = 'Routing tables\n'
  const xo = new Xo((t) => void (s += t))
  emitFamily(xo, 'Internet', routeRows4(routes, opts.numeric), widths4(opts.wide), {
    cut: !opts.numeric && !opts.wide,
    wide: opts.wide,
  })
  return s
}
