/**
 * route(8): add, delete, change and look up IPv4 routes, and flush the gateway routes, with
 * FreeBSD's argument rules (`-net`/`-host`, classful guessing, `default`, `-interface`) and its
 * output: `add net 10.0.0.0/24: gateway 192.0.2.1`, the `route get` block, `route flush` lines.
 *
 * Arguments are fully parsed before the kernel is asked anything that changes state.
 */

import { type RouteInfo, type RouteSpec, RtFlag, type Syscalls } from '../../../host/syscalls.js'
import type { SysError } from '../../../util/errno.js'
import { maskToPrefix, prefixToMask } from '../../../wire/addr.js'
import { asSysError, CmdError, EX, ip, optsOrUsage, padL, padR, runTool, usage } from '../../common.js'
import { getopt, strtol } from '../../getopt.js'
import { withJailOption } from '../../jail_option.js'
import type { Command, Io } from '../../types.js'
import { route6 } from './route_inet6.js'
import { METRIC_KEYWORDS, setFlagModifier, setMetric } from './route_metrics.js'
import { monitor } from './route_monitor.js'

const USAGE = 'route: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]'

const RTF_DONE = 0x40

/** `routeflags` from sbin/route: bit numbers from 1 = 0x1. */
const ROUTE_BITS: ReadonlyArray<readonly [number, string]> = [
  [1, 'UP'],
  [2, 'GATEWAY'],
  [3, 'HOST'],
  [4, 'REJECT'],
  [5, 'DYNAMIC'],
  [6, 'MODIFIED'],
  [7, 'DONE'],
  [10, 'XRESOLVE'],
  [11, 'LLINFO'],
  [12, 'STATIC'],
  [13, 'BLACKHOLE'],
  [15, 'PROTO2'],
  [16, 'PROTO1'],
  [17, 'PRCLONING'],
  [18, 'WASCLONED'],
  [19, 'PROTO3'],
  [20, 'FIXEDMTU'],
  [21, 'PINNED'],
  [22, 'LOCAL'],
  [23, 'BROADCAST'],
  [24, 'MULTICAST'],
  [29, 'STICKY'],
]

/** route's printb: `<UP,GATEWAY,DONE,STATIC>`, nothing for no flags. */
export function routeFlagNames(flags: number): string {
  const names = ROUTE_BITS.filter(([bit]) => (flags & (2 ** (bit - 1))) !== 0).map(([, n]) => n)
  return names.length === 0 ? '' : `<${names.join(',')}>`
}

/** route.c's routename() for IPv4 without a resolver: `default` for 0.0.0.0 unless -n. */
function routename(a: number, numeric: boolean): string {
  return a === 0 && !numeric ? 'default' : ip(a)
}

/** route.c's netname(): the network with its trailing zero octets dropped (`10.1`, `192.0.2`). */
export function netname(a: number): string {
  if (a === 0) return 'default'
  const octets = [a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff]
  let n = 4
  while (n > 1 && octets[n - 1] === 0) n--
  return octets.slice(0, n).join('.')
}

/**
 * The `route get` block (FreeBSD 14's print_getmsg), newline-terminated. The metrics line has the
 * kernel's MTU, weight and seconds left before the route expires; the pipes, ssthresh and rtt are
 * 0 because FreeBSD 14 keeps none of them, and no lock flag (`L`) survives either.
 */
export function formatRouteGet(
  dst: number,
  r: RouteInfo,
  mtu: number,
  numeric: boolean,
  fib = 0,
  nowSec = 0,
): string {
  const lines = [`   route to: ${routename(dst, numeric)}`, `destination: ${routename(r.dst, numeric)}`]
  if (r.prefixLen !== 32) lines.push(`       mask: ${routename(prefixToMask(r.prefixLen), numeric)}`)
  if ((r.flags & RtFlag.GATEWAY) !== 0) lines.push(`    gateway: ${routename(r.gateway, numeric)}`)
  lines.push(`        fib: ${fib}`, `  interface: ${r.ifName}`)
  lines.push(`      flags: ${routeFlagNames(r.flags | RtFlag.UP | RTF_DONE)}`)
  const expire = r.expire !== undefined && r.expire > 0 ? r.expire - nowSec : 0
  lines.push(
    ` recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire`,
    `${[0, 0, 0, 0, mtu, r.weight ?? 1].map((v) => `${padL(v, 8)}  `).join('')}${padL(expire, 8)} `,
  )
  return `${lines.join('\n')}\n`
}

/** One line of `route flush` output (print_flushed_route). */
export function formatFlushed(r: RouteInfo, fib = 0): string {
  const dst = (r.flags & RtFlag.HOST) !== 0 ? routename(r.dst, false) : netname(r.dst)
  return `${padR(dst, 20, 20)} ${padR(routename(r.gateway, false), 20, 20)} -fib ${padR(String(fib), 3)} done\n`
}

/** inet_network(3): one to four dot-separated numbers, the last filling the remaining bytes. */
function inetNetwork(s: string): number | null {
  const parts = s.split('.')
  if (parts.length > 4) return null
  let v = 0
  for (const p of parts) {
    const n = strtol(p)
    if (n === null || n < 0 || n > 255 || p.startsWith('-') || p.startsWith('+')) return null
    v = v * 256 + n
  }
  return v
}

/** inet_aton(3) restricted to dotted quads, which is what route operands are in practice. */
function inetAton(s: string): number | null {
  const parts = s.split('.')
  if (parts.length !== 4) return null
  return inetNetwork(s)
}

/** inet_makenetandmask: left-align a network number and guess its prefix from trailing zeros. */
function makeNet(net: number, bits: number): { dst: number; prefixLen: number } {
  if (net > 0) while (net < 0x1000000) net *= 256
  if (bits === 0 && net !== 0) {
    let i = 0
    while (i < 4 && Math.floor(net / 256 ** i) % 256 === 0) i++
    bits = 32 - i * 8
  }
  const mask = prefixToMask(bits)
  return { dst: (net & mask) >>> 0, prefixLen: bits }
}

/** The host part by address class (inet_lnaof), which decides `route add A.B.C.D` host vs net. */
function lnaof(a: number): number {
  if (a >>> 31 === 0) return a & 0xffffff
  if (a >>> 30 === 2) return a & 0xffff
  return a & 0xff
}

interface Request {
  cmd: string
  /** The destination as typed, for messages. */
  dest: string
  /** The gateway as typed, for messages. */
  gateway: string
  host: boolean
  spec: RouteSpec
}

/** net.fibs (1 where the kernel has no such knob). */
function numFibs(sys: Syscalls): number {
  try {
    return Number(sys.sysctlGet('net.fibs').value)
  } catch {
    return 1
  }
}

/**
 * `-fib N` and `-F N`: route(8) sends its request on a routing socket of that FIB; here the process
 * takes the FIB (setfib), which has the same effect for every request it makes. A number at or past
 * net.fibs is refused as fiboptlist_csv refuses it.
 */
export function useFib(sys: Syscalls, f: string): void {
  const n = strtol(f)
  const max = numFibs(sys)
  if (n === null || n < 0 || n >= max) throw new CmdError(`invalid fib number: ${f}`, EX.USAGE)
  sys.setfib(n)
}

/** newroute()'s argument loop; throws CmdError with route's messages and statuses. */
export function parseRoute(sys: Syscalls, cmd: string, args: readonly string[]): Request {
  let forceHost = false
  let forceNet = false
  let iface = false
  let dest: string | null = null
  let gateway: string | null = null
  let mask: number | null = null
  let prefix: number | null = null
  const spec: RouteSpec = { dst: 0, prefixLen: 0 }
  const next = (i: number): string => {
    const v = args[i + 1]
    if (v === undefined) usage(USAGE)
    return v
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a.startsWith('-')) {
      const key = a.slice(1)
      if (METRIC_KEYWORDS.has(key)) {
        setMetric(spec, key, next(i++), () => Math.floor(sys.now() / 1e9))
        continue
      }
      if (setFlagModifier(spec, key)) continue
      switch (key) {
        case 'inet':
        case '4':
        case 'static':
          spec.nostatic = false
          break
        case 'nostatic':
          spec.nostatic = true
          break
        case 'proto1':
          spec.proto1 = true
          break
        case 'proto2':
          spec.proto2 = true
          break
        case 'net':
          forceNet = true
          break
        case 'host':
          forceHost = true
          break
        case 'interface':
        case 'iface':
          iface = true
          break
        case 'blackhole':
          spec.blackhole = true
          break
        case 'reject':
          spec.reject = true
          break
        case 'netmask': {
          const m = inetAton(next(i++))
          if (m === null) throw new CmdError(`bad address: ${args[i]}`, EX.NOHOST)
          mask = m
          forceNet = true
          break
        }
        case 'prefixlen': {
          const p = strtol(next(i++), 10)
          if (p === null || p < 0 || p > 32) throw new CmdError(`${args[i]}: invalid prefixlen`, EX.USAGE)
          prefix = p
          forceNet = p !== 32
          forceHost = p === 32
          break
        }
        case 'gateway':
          gateway = next(i++)
          break
        case 'dst':
          dest = next(i++)
          break
        case 'ifa': {
          const a = inetAton(next(i++))
          if (a === null) throw new CmdError(`bad address: ${args[i]}`, EX.NOHOST)
          spec.ifa = a
          break
        }
        case 'prefsrc': {
          const a = inetAton(next(i++))
          if (a === null) throw new CmdError(`bad address: ${args[i]}`, EX.NOHOST)
          spec.prefsrc = a
          break
        }
        case 'ifp':
          // link_addr(3) takes any string; a name no interface has is ignored by the kernel.
          spec.ifp = next(i++)
          break
        case 'genmask': {
          // RTAX_GENMASK: parsed as an address, then unused since cloning routes went away.
          if (inetAton(next(i++)) === null) throw new CmdError(`bad address: ${args[i]}`, EX.NOHOST)
          break
        }
        case 'fib': {
          useFib(sys, next(i++))
          break
        }
        default:
          throw new CmdError(`route: bad keyword: ${a.slice(1)}\n${USAGE}`, EX.USAGE, true)
      }
    } else if (dest === null) {
      dest = a
    } else if (gateway === null) {
      gateway = a
    } else {
      const m = inetAton(a)
      if (m === null) throw new CmdError(`bad address: ${a}`, EX.NOHOST)
      mask = m
      forceNet = true
    }
  }
  if (dest === null) throw new CmdError(`route: destination parameter required\n${USAGE}`, EX.USAGE, true)

  // getaddr(RTAX_DST): default, NET/LEN, a host, or a network by its trailing zeros.
  let host = false
  const slash = dest.indexOf('/')
  if (dest === 'default') {
    forceNet = true
  } else if (slash >= 0) {
    const net = inetNetwork(dest.slice(0, slash))
    const bits = strtol(dest.slice(slash + 1), 10)
    if (net === null || bits === null || bits < 0 || bits > 32)
      throw new CmdError(`bad address: ${dest}`, EX.NOHOST)
    Object.assign(spec, makeNet(net, bits))
  } else {
    const a = forceNet ? null : inetAton(dest)
    if (a !== null && (forceHost || lnaof(a) !== 0)) {
      host = true
      spec.dst = a
      spec.prefixLen = 32
    } else {
      const net = inetNetwork(dest)
      if (net === null) throw new CmdError(`bad address: ${dest}`, EX.NOHOST)
      Object.assign(spec, makeNet(net, 0))
    }
  }
  if (mask !== null) {
    const len = maskToPrefix(mask)
    if (len < 0) throw new CmdError(`bad address: ${ip(mask)}`, EX.NOHOST)
    spec.prefixLen = len
    spec.dst = (spec.dst & mask) >>> 0
  }
  if (prefix !== null) {
    spec.prefixLen = prefix
    spec.dst = (spec.dst & prefixToMask(prefix)) >>> 0
  }
  // As newroute(): -host forces a host route, and -net (or a netmask) wins over both.
  if (forceHost) {
    host = true
    spec.prefixLen = 32
  }
  if (forceNet) host = false

  if (gateway !== null) {
    if (iface) {
      try {
        sys.ifGet(gateway)
      } catch (e) {
        asSysError(e)
        throw new CmdError(`interface '${gateway}' does not exist`, EX.DATAERR)
      }
      spec.ifName = gateway
    } else {
      const g = inetAton(gateway)
      if (g === null) throw new CmdError(`bad address: ${gateway}`, EX.NOHOST)
      spec.gateway = g
    }
  }
  return { cmd, dest, gateway: gateway ?? '', host, spec }
}

/** newroute()'s report of a failed request, on stdout as FreeBSD prints it. */
function failureText(req: Request, e: SysError, fib: number): string {
  const msg =
    e.code === 'ESRCH'
      ? 'not in table'
      : e.code === 'EBUSY'
        ? 'entry in use'
        : e.code === 'ENOBUFS'
          ? 'not enough memory'
          : e.code === 'EADDRINUSE'
            ? 'gateway uses the same route'
            : e.code === 'EEXIST'
              ? 'route already in table'
              : e.strerror
  return `${describe(req)} fib ${fib}: ${msg}\n`
}

function describe(req: Request): string {
  const kind = req.host ? 'host' : 'net'
  return `${req.cmd} ${kind} ${req.dest}${req.gateway !== '' ? `: gateway ${req.gateway}` : ''}`
}

/** rtmsg()'s complaint on stderr, which precedes newroute()'s line on stdout. */
function rtmsgWarning(io: Io, e: SysError): void {
  if (e.code === 'EPERM') throw new CmdError(`writing to routing socket: ${e.strerror}`)
  if (e.code === 'ESRCH') io.stderr.write('route: route has not been found\n')
  else if (e.code !== 'EEXIST') io.stderr.write(`route: writing to routing socket: ${e.strerror}\n`)
}

function newroute(
  sys: Syscalls,
  io: Io,
  cmd: string,
  args: readonly string[],
  quiet: boolean,
  numeric: boolean,
): number {
  const req = parseRoute(sys, cmd, args)
  const s = req.spec
  if (cmd === 'get') {
    let r: ReturnType<Syscalls['routeGet']>
    try {
      r = sys.routeGet(s.dst)
    } catch (e) {
      if (asSysError(e).code === 'ESRCH') throw new CmdError('route has not been found')
      throw e
    }
    const mtu = r.mtu > 0 ? r.mtu : sys.ifGet(r.ifName).mtu
    const nowSec = (r.expire ?? 0) > 0 ? Math.floor(sys.now() / 1e9) : 0
    io.stdout.write(formatRouteGet(s.dst, r, mtu, numeric, sys.fib, nowSec))
    return 0
  }
  try {
    if (cmd === 'add') sys.routeAdd(s)
    else if (cmd === 'change') sys.routeChange(s)
    else sys.routeDelete(s.dst, s.prefixLen, s.gateway)
  } catch (e) {
    const err = asSysError(e)
    rtmsgWarning(io, err)
    if (!quiet) io.stdout.write(failureText(req, err, sys.fib))
    return 1
  }
  // route.c names the FIB once there is more than one.
  if (!quiet) io.stdout.write(`${describe(req)}${numFibs(sys) > 1 ? ` fib ${sys.fib}` : ''}\n`)
  return 0
}

function flush(sys: Syscalls, io: Io, args: readonly string[], quiet: boolean): number {
  for (const a of args)
    if (a !== '-inet' && a !== '-4') throw new CmdError(`route: bad keyword: ${a}\n${USAGE}`, EX.USAGE, true)
  for (const r of sys.routeList()) {
    if ((r.flags & RtFlag.GATEWAY) === 0) continue
    try {
      sys.routeDelete(r.dst, r.prefixLen, r.gateway)
    } catch (e) {
      const err = asSysError(e)
      if (err.code === 'EPERM') throw new CmdError(`RTM_DELROUTE failed:: ${err.strerror}`)
      io.stderr.write(`route: RTM_DELROUTE failed:: ${err.strerror}\n`)
      continue
    }
    if (!quiet) io.stdout.write(formatFlushed(r, sys.fib))
  }
  return 0
}

const routeHere: Command = (argv, io, proc) =>
  runTool('route', io, () => {
    const sys = proc.sys
    const { opts, rest } = optsOrUsage(getopt('route', argv.slice(1), '46nqdtvF:'), USAGE)
    for (const [f, v] of opts) if (f === 'F') useFib(sys, v ?? '')
    const quiet = opts.some(([f]) => f === 'q')
    const numeric = opts.some(([f]) => f === 'n')
    if (rest.length === 0) usage(USAGE)
    const [word, ...args] = rest as [string, ...string[]]
    const cmd = {
      add: 'add',
      delete: 'delete',
      del: 'delete',
      change: 'change',
      get: 'get',
      show: 'get',
      flush: 'flush',
      monitor: 'monitor',
    }[word]
    if (cmd === undefined) throw new CmdError(`route: bad keyword: ${word}\n${USAGE}`, EX.USAGE, true)
    if (cmd === 'monitor') return monitor(sys, io, proc, args)
    if (cmd !== 'get' && sys.uid !== 0) throw new CmdError('must be root to alter routing table', EX.NOPERM)
    if (cmd === 'flush') return flush(sys, io, args, quiet)
    // AF_INET6: `route -6 ...`, or an `-inet6` or `-6` modifier (route.c's K_INET6 and K_6
    // keywords) anywhere among the arguments, as in `route add -6 -host ADDR GW`.
    if (opts.some(([f]) => f === '6') || args.includes('-inet6') || args.includes('-6'))
      return route6(sys, io, cmd, args, quiet)
    return newroute(sys, io, cmd, args, quiet, numeric)
  })

/** `-j jail`: the same, inside that jail (FreeBSD 14). */
export const route: Command = withJailOption('route', '46nqdtvF:', 'jail not found', routeHere)
