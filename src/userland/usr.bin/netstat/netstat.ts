/**
 * netstat(1): the routing table (`-r`), interface statistics (`-i`, `-I IF`, `-b`, `-d`) and
 * per-protocol statistics (`-s`, `-p PROTO`, `-ss` to hide zero counters), laid out column for
 * column like FreeBSD 14's netstat. `--libxo json|xml[,pretty]` gives FreeBSD 14's structure for
 * `-r` (`statistics` > `route-information` > `route-table` > `rt-family` list) and `-i`/`-I`
 * (`statistics` > `interface` list); the other modes stay text.
 *
 * Read-only: it asks the kernel for lists and counters and never changes anything.
 */

import type { ProtoName, SocketInfo, Syscalls } from '../../../host/syscalls.js'
import { in6IsUnspecified } from '../../../wire/inet6/in6_addr.js'
import {
  asSysError,
  CmdError,
  EX,
  in6WithZone,
  optsOrUsage,
  padL,
  padR,
  runTool,
  usage,
} from '../../common.js'
import { getopt } from '../../getopt.js'
import { withJailOption } from '../../jail_option.js'
import { Xo, xoParseArgs } from '../../lib/libxo/xo.js'
import type { Command } from '../../types.js'
import { emitInterfaces, type IntprOpts } from './if.js'
import { formatProto6Stats, routeRows6 } from './inet6.js'
import { emitFamily, hostname, routeRows4, widths4 } from './route.js'
import { formatTcpStats } from './tcp.js'

const USAGE = [
  'usage: netstat [-46AaCcLnRSTWx] [-f protocol_family | -p protocol]',
  '       netstat -i | -I interface [-46abdhnW] [-f address_family]',
  '       netstat -s [-46sz] [-f protocol_family | -p protocol]',
  '       netstat -r [-46AnW] [-F fibnum] [-f address_family]',
].join('\n')

// ---- netstat -s ----

type Plural = 's' | 'es' | 'ies' | null

/** [counter, text, plural]: text has `%d` for the value and `%s` for the plural suffix. */
type Line = readonly [string, string, Plural]

const IP_LINES: readonly Line[] = [
  ['ips_total', '%d total packet%s received', 's'],
  ['ips_badsum', '%d bad header checksum%s', 's'],
  ['ips_toosmall', '%d with size smaller than minimum', null],
  ['ips_tooshort', '%d with data size < data length', null],
  ['ips_toolong', '%d with ip length > max ip packet size', null],
  ['ips_badhlen', '%d with header length < data size', null],
  ['ips_badlen', '%d with data length < header length', null],
  ['ips_badoptions', '%d with bad options', null],
  ['ips_badvers', '%d with incorrect version number', null],
  ['ips_fragments', '%d fragment%s received', 's'],
  ['ips_fragdropped', '%d fragment%s dropped (dup or out of space)', 's'],
  ['ips_fragtimeout', '%d fragment%s dropped after timeout', 's'],
  ['ips_reassembled', '%d packet%s reassembled ok', 's'],
  ['ips_delivered', '%d packet%s for this host', 's'],
  ['ips_noproto', '%d packet%s for unknown/unsupported protocol', 's'],
  ['ips_forward', '%d packet%s forwarded', 's'],
  ['ips_cantforward', '%d packet%s not forwardable', 's'],
  ['ips_notmember', '%d packet%s received for unknown multicast group', 's'],
  ['ips_redirectsent', '%d redirect%s sent', 's'],
  ['ips_localout', '%d packet%s sent from this host', 's'],
  ['ips_rawout', '%d packet%s sent with fabricated ip header', 's'],
  ['ips_odropped', '%d output packet%s dropped due to no bufs, etc.', 's'],
  ['ips_noroute', '%d output packet%s discarded due to no route', 's'],
  ['ips_fragmented', '%d output datagram%s fragmented', 's'],
  ['ips_ofragments', '%d fragment%s created', 's'],
  ['ips_cantfrag', "%d datagram%s that can't be fragmented", 's'],
  ['ips_nogif', "%d tunneling packet%s that can't find gif", 's'],
  ['ips_badaddr', '%d datagram%s with bad address in header', 's'],
]

/** icmpstat lines; `@out`/`@in` mark where the histograms go. */
const ICMP_LINES: readonly Line[] = [
  ['icps_error', '%d call%s to icmp_error', 's'],
  ['icps_oldicmp', '%d error%s not generated in response to an icmp message', 's'],
  ['@out', 'Output histogram:', null],
  ['icps_badcode', '%d message%s with bad code fields', 's'],
  ['icps_tooshort', '%d message%s less than the minimum length', 's'],
  ['icps_checksum', '%d message%s with bad checksum', 's'],
  ['icps_badlen', '%d message%s with bad length', 's'],
  ['icps_bmcastecho', '%d multicast echo requests ignored', null],
  ['icps_bmcasttstamp', '%d multicast timestamp requests ignored', null],
  ['@in', 'Input histogram:', null],
  ['icps_reflect', '%d message response%s generated', 's'],
  ['icps_badaddr', '%d invalid return address%s', 'es'],
  ['icps_noroute', '%d no return route%s', 's'],
]

const UDP_LINES: readonly Line[] = [
  ['udps_ipackets', '%d datagram%s received', 's'],
  ['udps_hdrops', '%d with incomplete header', null],
  ['udps_badlen', '%d with bad data length field', null],
  ['udps_badsum', '%d with bad checksum', null],
  ['udps_nosum', '%d with no checksum', null],
  ['udps_noport', '%d dropped due to no socket', null],
  ['udps_noportbcast', '%d broadcast/multicast datagram%s undelivered', 's'],
  ['udps_fullsock', '%d dropped due to full socket buffers', null],
  ['udpps_pcbhashmiss', '%d not for hashed pcb', null],
  ['@delivered', '%d delivered', null],
  ['udps_opackets', '%d datagram%s output', 's'],
  ['udps_filtermcast', '%d time%s multicast source filter matched', 's'],
]

const ARP_LINES: readonly Line[] = [
  ['txrequests', '%d ARP request%s sent', 's'],
  ['txerrors', '%d ARP request%s failed to sent', 's'],
  ['txreplies', '%d ARP repl%s sent', 'ies'],
  ['rxrequests', '%d ARP request%s received', 's'],
  ['rxreplies', '%d ARP repl%s received', 'ies'],
  ['received', '%d ARP packet%s received', 's'],
  ['dropped', '%d total packet%s dropped due to no ARP entry', 's'],
  // sic: FreeBSD prints "entrys".
  ['timeouts', '%d ARP entry%s timed out', 's'],
  ['dupips', '%d Duplicate IP%s seen', 's'],
  ['malformed', '%d malformed ARP packet%s dropped', 's'],
]

/** carp_stats() from inet.c: the drops indented under the input lines. */
const CARP_LINES: readonly Line[] = [
  ['carps_ipackets', '%d packet%s received (IPv4)', 's'],
  ['carps_ipackets6', '%d packet%s received (IPv6)', 's'],
  ['carps_badttl', '\t%d packet%s discarded for wrong TTL', 's'],
  ['carps_hdrops', '\t%d packet%s shorter than header', 's'],
  ['carps_badsum', '\t%d discarded for bad checksum%s', 's'],
  ['carps_badver', '\t%d discarded packet%s with a bad version', 's'],
  ['carps_badlen', '\t%d discarded because packet too short', null],
  ['carps_badauth', '\t%d discarded for bad authentication', null],
  ['carps_badvhid', '\t%d discarded for bad vhid', null],
  ['carps_badaddrs', '\t%d discarded because of a bad address list', null],
  ['carps_opackets', '%d packet%s sent (IPv4)', 's'],
  ['carps_opackets6', '%d packet%s sent (IPv6)', 's'],
  ['carps_onomem', '\t%d send failed due to mbuf memory error', null],
]

const PROTO_LINES: Record<ProtoName, readonly Line[]> = {
  ip: IP_LINES,
  icmp: ICMP_LINES,
  udp: UDP_LINES,
  arp: ARP_LINES,
  carp: CARP_LINES,
  // Laid out by formatTcpStats (netstat_tcp.ts): pairs of counters and a per-state table.
  tcp: [],
}

/** Fields of FreeBSD's structs that its netstat does not print either. */
const HIDDEN: ReadonlySet<string> = new Set([
  'icps_oldshort',
  // carp_stats() prints neither (carps_ostates is `#if notyet`).
  'carps_badif',
  'carps_ostates',
  'carps_preempt',
  // Ours: FreeBSD logs icmplim suppression instead of counting it.
  'icps_ratelimited',
])

/** icmpnames[] from inet.c. */
const ICMP_NAMES: readonly string[] = [
  'echo reply',
  '#1',
  '#2',
  'destination unreachable',
  'source quench',
  'routing redirect',
  '#6',
  '#7',
  'echo',
  'router advertisement',
  'router solicitation',
  'time exceeded',
  'parameter problem',
  'time stamp',
  'time stamp reply',
  'information request',
  'information request reply',
  'address mask request',
  'address mask reply',
  '#19',
  '#20',
  '#21',
  '#22',
  '#23',
  '#24',
  '#25',
  '#26',
  '#27',
  '#28',
  '#29',
  'icmp traceroute',
  'datagram conversion error',
  'mobile host redirect',
  'IPv6 where-are-you',
  'IPv6 i-am-here',
  'mobile registration req',
  'mobile registration reply',
  'domain name request',
  'domain name reply',
  'icmp SKIP',
  'icmp photuris',
]

function pluralize(n: number, p: Plural): string {
  if (p === 's') return n !== 1 ? 's' : ''
  if (p === 'es') return n !== 1 ? 'es' : ''
  if (p === 'ies') return n !== 1 ? 'ies' : 'y'
  return ''
}

function render(text: string, n: number, p: Plural): string {
  return `\t${text.replace('%d', String(n)).replace('%s', pluralize(n, p))}`
}

/**
 * One protocol's block of `netstat -s`: the title, then FreeBSD's line for each counter the kernel
 * reports (zero counters omitted when `hideZero`, as with `-ss`), then any counter FreeBSD's netstat
 * does not know, as `<value> <name>`.
 */
export function formatProtoStats(
  proto: ProtoName,
  stats: ReadonlyArray<readonly [string, number]>,
  hideZero = false,
  maskRepl?: number,
): string {
  if (proto === 'tcp') return formatTcpStats(stats, hideZero)
  const values = new Map(stats)
  const out = [`${proto}:`]
  const show = (n: number): boolean => n !== 0 || !hideZero
  const histogram = (title: string, prefix: string): void => {
    const rows = stats.filter(([k, n]) => k.startsWith(`${prefix}[`) && n !== 0)
    if (rows.length === 0) return
    out.push(`\t${title}`)
    for (const [k, n] of rows) {
      const t = Number(k.slice(prefix.length + 1, -1))
      out.push(ICMP_NAMES[t] !== undefined ? `\t\t${ICMP_NAMES[t]}: ${n}` : `\t\tunknown ICMP #${t}: ${n}`)
    }
  }
  const known = new Set<string>()
  for (const [key, text, plural] of PROTO_LINES[proto]) {
    known.add(key)
    if (key === '@out' || key === '@in') {
      histogram(text, key === '@out' ? 'icps_outhist' : 'icps_inhist')
      continue
    }
    if (key === '@delivered') {
      if (!values.has('udps_ipackets')) continue
      const g = (k: string): number => values.get(k) ?? 0
      const delivered =
        g('udps_ipackets') -
        g('udps_hdrops') -
        g('udps_badlen') -
        g('udps_badsum') -
        g('udps_noport') -
        g('udps_noportbcast') -
        g('udps_fullsock')
      if (show(delivered)) out.push(render(text, delivered, null))
      continue
    }
    const n = values.get(key)
    if (n === undefined || !show(n)) continue
    let line = render(text, n, plural)
    // ip_stats() prints the fast-forward count on the forwarding line.
    if (key === 'ips_forward') {
      const ff = values.get('ips_fastforward') ?? 0
      if (show(ff)) line += ` (${ff} packet${pluralize(ff, 's')} fast forwarded)`
    }
    out.push(line)
  }
  known.add('ips_fastforward')
  for (const [k, n] of stats) {
    if (known.has(k) || HIDDEN.has(k) || k.startsWith('icps_outhist[') || k.startsWith('icps_inhist['))
      continue
    if (show(n)) out.push(`\t${n} ${k}`)
  }
  if (proto === 'icmp' && maskRepl !== undefined)
    out.push(`\tICMP address mask responses are ${maskRepl !== 0 ? 'en' : 'dis'}abled`)
  return `${out.join('\n')}\n`
}

/** protox[] order: what `netstat -s` without -p prints. */
const PROTO_ORDER: readonly ProtoName[] = ['tcp', 'udp', 'ip', 'icmp', 'carp', 'arp']

function protoStats(sys: Syscalls, proto: ProtoName, hideZero: boolean): string {
  let maskRepl: number | undefined
  if (proto === 'icmp') {
    try {
      const v = sys.sysctlGet('net.inet.icmp.maskrepl').value
      maskRepl = typeof v === 'number' ? v : Number(v)
    } catch {
      // No such knob: FreeBSD's netstat omits the line too.
    }
  }
  let stats: ReadonlyArray<readonly [string, number]>
  try {
    stats = sys.protoStats(proto)
  } catch (e) {
    // fetch_stats: no such sysctl (carp not loaded), nothing printed.
    if (asSysError(e).code === 'ENOENT') return ''
    throw e
  }
  return formatProtoStats(proto, stats, hideZero, maskRepl)
}

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
    const { opts, rest } = optsOrUsage(getopt('netstat', x.argv, '46AabdF:f:hI:ilnp:qrsWwz'), USAGE, 1)
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
    if (count('s') > 0) {
      const hideZero = count('s') > 1
      if (proto === 'ip6' || proto === 'icmp6') {
        io.stdout.write(formatProto6Stats(sys, proto, hideZero))
        return 0
      }
      if (proto !== undefined) {
        if (!(proto in PROTO_LINES)) throw new CmdError(`${proto}: unknown or uninstrumented protocol`)
        io.stdout.write(protoStats(sys, proto as ProtoName, hideZero))
        return 0
      }
      io.stdout.write(PROTO_ORDER.map((p) => protoStats(sys, p, hideZero)).join(''))
      return 0
    }
    if (count('r') > 0) {
      // -F: that FIB's tables (the process's own by default, as routepr's fibnum -1).
      const fibArg = value('F')
      if (fibArg !== undefined) {
        const n = /^(0x[0-9a-f]+|[0-9]+)$/i.test(fibArg) ? Number(fibArg) : Number.NaN
        if (!Number.isInteger(n) || n >= Number(sys.sysctlGet('net.fibs').value))
          throw new CmdError(`${fibArg}: invalid fib`)
        sys.setfib(n)
      }
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
      if (want4) emitFamily(xo, 'Internet', routeRows4(sys.routeList(), numeric), widths4(wide), cut)
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
    if (proto !== undefined && proto !== 'udp' && proto !== 'tcp' && !(proto in PROTO_LINES))
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
  '46AabdF:f:hI:ilnp:qrsWwz',
  'Jail not found',
  netstatHere,
)
