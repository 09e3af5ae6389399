/**
 * netstat(1): the routing table (`-r`), interface statistics (`-i`, `-I IF`, `-b`, `-d`) and
 * per-protocol statistics (`-s`, `-p PROTO`, `-ss` to hide zero counters), multicast routing
 * (`-g`, `-gs`: mroute.ts), laid out column for
 * column like FreeBSD 14's netstat. `--libxo json|xml[,pretty]` gives FreeBSD 14's structure for
 * `-r` (`statistics` > `route-information` > `route-table` > `rt-family` list) and `-i`/`-I`
 * (`statistics` > `interface` list) and `-s` for ip, icmp, udp, tcp and arp (`statistics` > one
 * container per protocol, proto_stats.ts and tcp.ts); ip6/icmp6 and the socket list stay text.
 *
 * Read-only: it asks the kernel for lists and counters and never changes anything.
 */

import type { ProtoName, SocketInfo } from '../../../host/syscalls.js'
import { in6IsUnspecified } from '../../../wire/inet6/in6_addr.js'
import { CmdError, EX, in6WithZone, optsOrUsage, padL, padR, runTool, usage } from '../../common.js'
import { getopt } from '../../getopt.js'
import { withJailOption } from '../../jail_option.js'
import { Xo, xoParseArgs } from '../../lib/libxo/xo.js'
import type { Command } from '../../types.js'
import { emitInterfaces, type IntprOpts } from './if.js'
import { formatProto6Stats, routeRows6 } from './inet6.js'
import { emitMroutes, emitMroutes6, emitMrt6Stats, emitMrtStats } from './mroute.js'
import { emitNhgroups, emitNhops, type NhFamily } from './nhops.js'
import { emitProtoFromKernel, isProtoName, PROTO_ORDER } from './proto_stats.js'
import { emitFamily, hostname, routeRows4, widths4 } from './route.js'

const USAGE = [
  'usage: netstat [-46AaCcLnRSTWx] [-f protocol_family | -p protocol]',
  '       netstat -i | -I interface [-46abdhnW] [-f address_family]',
  '       netstat -s [-46sz] [-f protocol_family | -p protocol]',
  '       netstat -r [-46AnW] [-F fibnum] [-f address_family]',
  '       netstat -o [-46nW] [-F fibnum] [-f address_family]',
  '       netstat -O [-46nW] [-F fibnum] [-f address_family]',
  '       netstat -g [-46W] [-f address_family]',
  '       netstat -gs [-46s] [-f address_family]',
].join('\n')

// ---- netstat [-a]: sockets ----

/** inetprint(): `addr.port`, `*` for the wildcard address and for port 0. */
function endpoint(addr: number, port: number, numeric: boolean): string {
  const host = addr === 0 ? '*' : hostname(addr, numeric)
  return `${host}.${port === 0 ? '*' : port}`
}

/**
 * inet6print(): the same for IPv6, a link-local address with its zone (inet6name's
 * `fe80::1%epair0a`), cut to 16 characters unless -W (39).
 */
function endpoint6(
  addr: Uint8Array,
  port: number,
  wide: boolean,
  scopeId: number,
  ifNames: ReadonlyMap<number, string>,
): string {
  const host = in6IsUnspecified(addr, 0) ? '*' : in6WithZone(addr, scopeId, ifNames).slice(0, wide ? 39 : 16)
  return `${host}.${port === 0 ? '*' : port}`
}

/** Whether the socket is shown as IPv6 (tcp6 / udp6; tcp46 shows as IPv4, as inp_vflag says). */
function sixOnly(s: SocketInfo): boolean {
  return s.laddr6 !== undefined && s.proto.endsWith('6') && !s.proto.endsWith('46')
}

/** A server in protopr()'s sense: listening, or bound to the wildcard address. */
function wildcard(s: SocketInfo): boolean {
  return sixOnly(s) ? in6IsUnspecified(s.laddr6!, 0) : s.laddr === 0
}

/**
 * protopr(): the active sockets, with the header before the first one (nothing at all when there
 * are none). Without `-a`, servers are left out: listening TCP sockets and sockets on the wildcard
 * address.
 */
export function formatSockets(
  socks: readonly SocketInfo[],
  opts: { all: boolean; numeric: boolean; wide: boolean; ifNames?: ReadonlyMap<number, string> },
): string {
  const names = opts.ifNames ?? new Map<number, string>()
  const shown = socks.filter((s) => opts.all || (!wildcard(s) && s.state !== 'LISTEN'))
  if (shown.length === 0) return ''
  const w = 22
  const col = (s: string): string => (opts.wide ? padR(s, w) : padR(s, w, w))
  let out =
    `Active Internet connections${opts.all ? ' (including servers)' : ''}\n` +
    `${padR('Proto', 5, 5)} ${padR('Recv-Q', 6, 6)} ${padR('Send-Q', 6, 6)} ${col('Local Address')} ${col('Foreign Address')} (state)\n`
  for (const s of shown)
    out +=
      `${padR(s.proto, 5)} ${padL(s.recvQ, 6)} ${padL(s.sendQ, 6)} ` +
      `${col(sixOnly(s) ? endpoint6(s.laddr6!, s.lport, opts.wide, s.scopeId ?? 0, names) : endpoint(s.laddr, s.lport, opts.numeric))} ` +
      `${col(sixOnly(s) ? endpoint6(s.faddr6!, s.fport, opts.wide, s.scopeId ?? 0, names) : endpoint(s.faddr, s.fport, opts.numeric))} ${s.state}\n`
  return out
}

const netstatHere: Command = (argv, io, proc) =>
  runTool('netstat', io, () => {
    const sys = proc.sys
    const x = xoParseArgs(argv.slice(1))
    if (typeof x === 'string') throw new CmdError(x.replace(/^libxo: /, ''))
    const { opts, rest } = optsOrUsage(getopt('netstat', x.argv, '46AabdF:f:ghI:ilnOop:qrsWwz'), USAGE, 1)
    const xo = new Xo((t) => void io.stdout.write(t), x.opts)
    if (rest.length > 0) usage(USAGE, 1)
    const count = (c: string): number => opts.filter(([f]) => f === c).length
    const value = (c: string): string | undefined => opts.filter(([f]) => f === c).pop()?.[1]
    const family = value('f')
    if (
      family !== undefined &&
      !['inet', 'inet6', 'link', 'unix', 'netgraph', 'ng', 'ether'].includes(family)
    )
      throw new CmdError(`${family}: unknown address family`)
    const numeric = count('n') > 0
    const wide = count('W') > 0
    const proto = value('p')
    if (count('g') > 0) {
      // main()'s -g: multicast routing tables, or with -s their statistics, for each family asked.
      const want4 = (family === undefined || family === 'inet') && (count('6') === 0 || count('4') > 0)
      const want6 = (family === undefined || family === 'inet6') && (count('4') === 0 || count('6') > 0)
      const warn = (msg: string): void => void io.stderr.write(`netstat: ${msg}\n`)
      xo.openContainer('statistics')
      if (count('s') > 0) {
        if (want4) emitMrtStats(xo, sys, count('s') > 1, (t) => void io.stderr.write(t))
        if (want6) emitMrt6Stats(xo, sys, count('s') > 1)
      } else {
        if (want4) emitMroutes(xo, sys, warn)
        if (want6) emitMroutes6(xo, sys, wide, warn)
      }
      xo.closeContainer('statistics')
      xo.finish()
      return 0
    }
    if (count('s') > 0) {
      const hideZero = count('s') > 1
      if (proto === 'ip6' || proto === 'icmp6') {
        io.stdout.write(formatProto6Stats(sys, proto, hideZero))
        return 0
      }
      if (proto !== undefined && !isProtoName(proto))
        throw new CmdError(`${proto}: unknown or uninstrumented protocol`)
      // main()'s statistics container around the protocols' own (inet.c's xo_open_container(name)).
      xo.openContainer('statistics')
      for (const p of proto !== undefined ? [proto as ProtoName] : PROTO_ORDER)
        emitProtoFromKernel(xo, sys, p, hideZero)
      xo.closeContainer('statistics')
      xo.finish()
      return 0
    }
    // -F: that FIB's tables (the process's own by default, as routepr's fibnum -1).
    const fibArg = value('F')
    if (fibArg !== undefined && (count('r') > 0 || count('o') > 0 || count('O') > 0)) {
      const n = /^(0x[0-9a-f]+|[0-9]+)$/i.test(fibArg) ? Number(fibArg) : Number.NaN
      if (!Number.isInteger(n) || n >= Number(sys.sysctlGet('net.fibs').value))
        throw new CmdError(`${fibArg}: invalid fib`)
      sys.setfib(n)
    }
    if (count('r') > 0) {
      const want4 = (family === undefined || family === 'inet') && (count('6') === 0 || count('4') > 0)
      const want6 = (family === undefined || family === 'inet6') && (count('4') === 0 || count('6') > 0)
      // main()'s statistics container around routepr().
      xo.openContainer('statistics')
      xo.openContainer('route-information')
      xo.text('Routing tables')
      if (sys.fib !== 0) {
        xo.text(' (fib: ')
        xo.field('fib', sys.fib)
        xo.text(')')
      }
      xo.text('\n')
      xo.openContainer('route-table')
      xo.openList('rt-family')
      const cut = { cut: !numeric && !wide, wide }
      if (want4) {
        const routes = sys.routeList()
        // The clock is read only when some route expires (the seconds left are what is shown).
        const nowSec = routes.some((r) => (r.expire ?? 0) > 0) ? Math.floor(sys.now() / 1e9) : 0
        emitFamily(xo, 'Internet', routeRows4(routes, numeric, nowSec), widths4(wide), cut)
      }
      if (want6) {
        const six = routeRows6(sys, sys.inet6.routeList(), { numeric, wide })
        emitFamily(xo, 'Internet6', six.rows, six.widths, cut)
      }
      xo.closeList('rt-family')
      xo.closeContainer('route-table')
      xo.closeContainer('route-information')
      xo.closeContainer('statistics')
      xo.finish()
      return 0
    }
    if (count('o') > 0 || count('O') > 0) {
      // main()'s af: the last of -4, -6 and -f (AF_UNSPEC without one, which the kernel refuses).
      let af: NhFamily = null
      for (const [f, v] of opts) {
        if (f === '4' || (f === 'f' && v === 'inet')) af = 'inet'
        else if (f === '6' || (f === 'f' && v === 'inet6')) af = 'inet6'
      }
      xo.openContainer('statistics')
      try {
        if (count('o') > 0)
          emitNhops(xo, af, af === 'inet' ? sys.nhopList() : [], { numeric, wide, fib: sys.fib })
        else emitNhgroups(xo, af, af === 'inet' ? sys.nhgrpList() : [], sys.fib)
      } finally {
        xo.finish()
      }
      return 0
    }
    const iface = value('I')
    if (count('i') > 0 || iface !== undefined) {
      const o: IntprOpts = {
        bytes: count('b') > 0,
        drops: count('d') > 0,
        numeric,
        wide,
        inetOnly: family === 'inet' || (count('4') > 0 && count('6') === 0),
        inet6Only: family === 'inet6' || (count('6') > 0 && count('4') === 0),
        linkOnly: family === 'link' || family === 'ether',
      }
      if (iface !== undefined) o.iface = iface
      xo.openContainer('statistics')
      emitInterfaces(xo, sys.ifList(), o)
      xo.closeContainer('statistics')
      xo.finish()
      return 0
    }
    if (proto !== undefined && proto !== 'udp' && proto !== 'tcp' && !isProtoName(proto))
      throw new CmdError(`${proto}: unknown or uninstrumented protocol`)
    // -4 / -6 / -f inet|inet6: by inp_vflag, a tcp46 socket belonging to both.
    const want4 = (family === undefined || family === 'inet') && (count('6') === 0 || count('4') > 0)
    const want6 = (family === undefined || family === 'inet6') && (count('4') === 0 || count('6') > 0)
    const wanted = sys
      .socketList()
      .filter((s) => proto === undefined || s.proto.startsWith(proto))
      .filter((s) => (want4 && s.proto.slice(3).includes('4')) || (want6 && s.proto.endsWith('6')))
    const ifNames = new Map(sys.ifList().map((i) => [i.index, i.name] as const))
    io.stdout.write(formatSockets(wanted, { all: count('a') > 0, numeric, wide, ifNames }))
    return EX.OK
  })

/** `-j jail`: the same, inside that jail (FreeBSD 14). */
export const netstat: Command = withJailOption(
  'netstat',
  '46AabdF:f:ghI:ilnOop:qrsWwz',
  'Jail not found',
  netstatHere,
)
