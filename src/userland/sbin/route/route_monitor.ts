/**
 * `route [-n] monitor [-fib N]` (FreeBSD 14's monitor_nl in route_netlink.c): one line per route
 * change as it happens, `HH:MM:SS.mmm PID  NNN add/repl route 10.0.0.0/24 gw 192.0.2.1 iface
 * epair0a mtu 1500 table inet.0`, a multipath route's further paths on lines of their own under
 * the first, `blackhole` / `prohibit(reject)` for those routes, `delete` when a route goes. It runs
 * until killed. PID is the process whose request made the change, 0 for the kernel's own; the time
 * is when the change was made (FreeBSD reads the clock as it prints, a moment later).
 *
 * Only IPv4 route events are reported for now: FreeBSD's monitor also prints interface, address
 * and neighbour events and IPv6 routes.
 */

import type { RouteEvent, Syscalls } from '../../../host/syscalls.js'
import { strftime } from '../../bin/date.js'
import { CmdError, EX, ip, padL } from '../../common.js'
import { strtol } from '../../getopt.js'
import type { Io, Proc } from '../../types.js'

const USAGE = 'route: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]'

/** print_line_prefix, print_prefix and print_nlmsg_route_nhop for one route event. */
export function formatRouteEvent(e: RouteEvent): string {
  const secs = Math.floor(e.at / 1e9)
  const ms = Math.floor(e.at / 1e6) % 1000
  const head = `${strftime('%T', secs)}.${String(ms).padStart(3, '0')} PID ${padL(e.pid, 4)} ${e.op === 'add' ? 'add/repl' : 'delete'} route `
  const prefix = `${ip(e.dst)}/${e.prefixLen} `
  if (e.type === 'blackhole') return `${head}${prefix}blackhole\n`
  if (e.type === 'reject') return `${head}${prefix}prohibit(reject)\n`
  const indent = ' '.repeat(head.length + prefix.length)
  return e.paths
    .map((p, i) => {
      let s = i === 0 ? head + prefix : indent
      if (p.gateway !== null) s += `gw ${ip(p.gateway)} `
      s += `iface ${p.ifName} `
      if (p.mtu !== 0) s += `mtu ${p.mtu} `
      if (i === 0) s += `table inet.${e.fib}`
      return `${s}\n`
    })
    .join('')
}

/** monitor(): the `-fib N` check, then the events until the process is killed. */
export async function monitor(sys: Syscalls, io: Io, proc: Proc, args: readonly string[]): Promise<number> {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a !== '-fib') throw new CmdError(`route: bad keyword: ${a}\n${USAGE}`, EX.USAGE, true)
    const v = args[++i]
    const n = v === undefined ? null : strtol(v)
    if (v === undefined || n === null || n < 0 || n >= numFibs(sys))
      throw new CmdError(`invalid fib number: ${v ?? ''}`, EX.USAGE)
  }
  const fd = sys.routeMonitor()
  const off = proc.onKill(() => fd.close())
  try {
    for (;;) {
      const e = await fd.read()
      if (e === null || proc.killed) break
      io.stdout.write(formatRouteEvent(e))
    }
  } finally {
    off()
    fd.close()
  }
  return 0
}

function numFibs(sys: Syscalls): number {
  try {
    return Number(sys.sysctlGet('net.fibs').value)
  } catch {
    return 1
  }
}
