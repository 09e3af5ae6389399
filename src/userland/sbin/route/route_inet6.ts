/**
 * route(8) for IPv6 (`route -6 add|delete|get`, `route add -inet6 ...`): FreeBSD's operand rules
 * for AF_INET6 (`default`, `ADDR/LEN`, `-prefixlen N`, `-host`, `-net` defaulting to /64, scoped
 * gateways `fe80::1%epair0a`, `-interface`), its report lines and the `route get` block.
 * Arguments are fully parsed before the kernel is asked anything that changes state.
 */

import { type Route6Spec, RtFlag, type Syscalls } from '../../../host/syscalls.js'
import { formatIpv6, in6MaskOf, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, EX, padL, usage } from '../../common.js'
import { strtol } from '../../getopt.js'
import type { Io } from '../../types.js'
import { routeFlagNames, useFib } from './route.js'
import { METRIC_KEYWORDS, setFlagModifier, setMetric } from './route_metrics.js'

const USAGE = 'route: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]'
const RTF_DONE = 0x40

/** `ADDR[%zone]` to address and scope id; throws route's `bad address`. */
function addrZone(sys: Syscalls, s: string): { addr: Uint8Array; scopeId: number } {
  const pct = s.indexOf('%')
  const addr = parseIpv6(pct >= 0 ? s.slice(0, pct) : s)
  if (addr === null) throw new CmdError(`bad address: ${s}`, EX.NOHOST)
  if (pct < 0) return { addr, scopeId: 0 }
  const zone = s.slice(pct + 1)
  try {
    return { addr, scopeId: sys.ifGet(zone).index }
  } catch (e) {
    asSysError(e)
    throw new CmdError(`bad address: ${s}`, EX.NOHOST)
  }
}

interface Request6 {
  cmd: string
  dest: string
  gateway: string
  host: boolean
  spec: Route6Spec
}

function parse6(sys: Syscalls, cmd: string, args: readonly string[]): Request6 {
  let forceHost = false
  let forceNet = false
  let iface = false
  let dest: string | null = null
  let gateway: string | null = null
  let prefix: number | null = null
  const spec: Route6Spec = { dst: new Uint8Array(16), prefixLen: 128 }
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
        // RTAX_IFA / RTAX_IFP / RTAX_GENMASK for IPv6: parsed as getaddr() parses them, then not
        // sent (FreeBSD 14's netlink route(8) sends none of them).
        case 'ifa':
        case 'genmask':
          if (parseIpv6(next(i++)) === null) throw new CmdError(`bad address: ${args[i]}`, EX.NOHOST)
          break
        case 'ifp':
          next(i++)
          break
        case 'inet6':
        case '6':
        case 'static':
        case 'nostatic':
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
        case 'prefixlen': {
          const p = strtol(next(i++), 10)
          if (p === null || p < 0 || p > 128) throw new CmdError(`${args[i]}: invalid prefixlen`, EX.USAGE)
          prefix = p
          break
        }
        case 'gateway':
          gateway = next(i++)
          break
        case 'fib': {
          useFib(sys, next(i++))
          break
        }
        default:
          throw new CmdError(`route: bad keyword: ${a.slice(1)}\n${USAGE}`, EX.USAGE, true)
      }
    } else if (dest === null) dest = a
    else if (gateway === null) gateway = a
    else throw new CmdError(`bad address: ${a}`, EX.NOHOST)
  }
  if (dest === null) throw new CmdError(`route: destination parameter required\n${USAGE}`, EX.USAGE, true)
  let host = false
  if (dest === 'default') {
    spec.prefixLen = 0
  } else {
    const slash = dest.indexOf('/')
    const { addr, scopeId } = addrZone(sys, slash >= 0 ? dest.slice(0, slash) : dest)
    spec.dst = addr
    if (scopeId !== 0) spec.scopeId = scopeId
    if (slash >= 0) {
      const bits = strtol(dest.slice(slash + 1), 10)
      if (bits === null || bits < 0 || bits > 128) throw new CmdError(`bad address: ${dest}`, EX.NOHOST)
      spec.prefixLen = bits
    } else if (prefix !== null) spec.prefixLen = prefix
    // An inet6 network without a length is a /64 (route.c's prefixlen("64") for -net).
    else if (forceNet) spec.prefixLen = 64
    else spec.prefixLen = 128
    if (forceHost) spec.prefixLen = 128
    host = spec.prefixLen === 128
  }
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
      const g = addrZone(sys, gateway)
      spec.gateway = g.addr
      if (g.scopeId !== 0) spec.scopeId = g.scopeId
    }
  }
  return { cmd, dest, gateway: gateway ?? '', host, spec }
}

function describe(req: Request6): string {
  return `${req.cmd} ${req.host ? 'host' : 'net'} ${req.dest}${req.gateway !== '' ? `: gateway ${req.gateway}` : ''}`
}

/** `route -6 add|delete|get ...`; returns the exit status. */
export function route6(sys: Syscalls, io: Io, cmd: string, args: readonly string[], quiet: boolean): number {
  const req = parse6(sys, cmd, args)
  const s = req.spec
  if (cmd === 'get') {
    let r: ReturnType<Syscalls['inet6']['routeGet']>
    try {
      r = sys.inet6.routeGet(s.dst, s.scopeId ?? 0)
    } catch (e) {
      if (asSysError(e).code === 'ESRCH') throw new CmdError('route has not been found')
      throw e
    }
    const name = (a: Uint8Array, zone: number): string =>
      zone !== 0 && a[0] === 0xfe
        ? `${formatIpv6(a)}%${sys.ifList().find((i) => i.index === zone)?.name ?? zone}`
        : formatIpv6(a)
    const lines = [`   route to: ${name(s.dst, s.scopeId ?? 0)}`, `destination: ${name(r.dst, r.scopeId)}`]
    if (r.prefixLen !== 128) lines.push(`       mask: ${formatIpv6(in6MaskOf(r.prefixLen))}`)
    if (r.gateway !== null) lines.push(`    gateway: ${name(r.gateway, r.scopeId)}`)
    lines.push(`        fib: ${sys.fib}`, `  interface: ${r.ifName}`)
    lines.push(`      flags: ${routeFlagNames(r.flags | RtFlag.UP | RTF_DONE)}`)
    lines.push(
      ` recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire`,
      `${[0, 0, 0, 0, r.mtu, 1].map((v) => `${padL(v, 8)}  `).join('')}${padL(r.expire ?? 0, 8)} `,
    )
    io.stdout.write(`${lines.join('\n')}\n`)
    return 0
  }
  try {
    if (cmd === 'add') sys.inet6.routeAdd(s)
    else if (cmd === 'change') sys.inet6.routeChange(s)
    else sys.inet6.routeDelete(s.dst, s.prefixLen, s.scopeId ?? 0, s.gateway)
  } catch (e) {
    if (e instanceof CmdError) throw e
    const err = asSysError(e)
    if (err.code === 'EPERM') throw new CmdError(`writing to routing socket: ${err.strerror}`)
    if (err.code === 'ESRCH') io.stderr.write('route: route has not been found\n')
    else if (err.code !== 'EEXIST') io.stderr.write(`route: writing to routing socket: ${err.strerror}\n`)
    const msg =
      err.code === 'ESRCH' ? 'not in table' : err.code === 'EEXIST' ? 'route already in table' : err.strerror
    if (!quiet) io.stdout.write(`${describe(req)} fib ${sys.fib}: ${msg}\n`)
    return 1
  }
  if (!quiet) io.stdout.write(`${describe(req)}\n`)
  return 0
}
