/**
 * netstat(1)'s inet6 parts: the `Internet6:` routing table (route.c's p_rtentry for AF_INET6, with
 * its wider numeric columns) and the ip6 / icmp6 statistics of `netstat -s -p ip6|icmp6`
 * (inet6.c's ip6_stats and icmp6_stats, the counters VirtNet keeps). Read-only.
 */

import { type Route6Info, RtFlag, type Syscalls } from '../../../host/syscalls.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { Xo } from '../../lib/libxo/xo.js'
import { emitFamily, type RouteRow, type RouteWidths } from './route.js'

/** A route's address with its zone (`fe80::1%epair0a`); ::1 is `localhost` unless numeric. */
function addr6(
  sys: Syscalls,
  a: Uint8Array,
  scopeId: number,
  numeric: boolean,
  names: Map<number, string>,
): string {
  const s = formatIpv6(a)
  if (!numeric && s === '::1') return 'localhost'
  if (scopeId !== 0 && a[0] === 0xfe && (a[1]! & 0xc0) === 0x80)
    return `${s}%${names.get(scopeId) ?? scopeId}`
  if (scopeId !== 0 && a[0] === 0xff) return `${s}%${names.get(scopeId) ?? scopeId}`
  void sys
  return s
}

/** The IPv6 rows of `netstat -r` and route.c's widths for AF_INET6 (wider when numeric). */
export function routeRows6(
  sys: Syscalls,
  routes: readonly Route6Info[],
  opts: { numeric: boolean; wide: boolean },
): { rows: RouteRow[]; widths: RouteWidths } {
  const names = new Map(sys.ifList().map((i) => [i.index, i.name] as const))
  const rows = routes.map((r): RouteRow => {
    let dst: string
    if ((r.flags & RtFlag.HOST) !== 0 || r.prefixLen === 128)
      dst = addr6(sys, r.dst, r.scopeId, opts.numeric, names)
    else if (r.prefixLen === 0) dst = 'default'
    else {
      // netname6: the zone goes between the address and the length (`fe80::%lo0/64`).
      const base = formatIpv6(r.dst)
      const zone = r.scopeId !== 0 && r.gateway === null ? `%${names.get(r.scopeId) ?? r.scopeId}` : ''
      dst = `${base}${zone}/${r.prefixLen}`
    }
    const gw =
      r.gateway !== null
        ? addr6(sys, r.gateway, r.scopeId, opts.numeric, names)
        : r.gatewayIfIndex !== 0
          ? `link#${r.gatewayIfIndex}`
          : '::1'
    return {
      dst,
      gw,
      flags: r.flags,
      // IPv6 routes have no nexthop objects here yet: Nhop# shows 0 and no nhop-kidx is encoded.
      nhop: 0,
      kidx: null,
      mpath: false,
      mtu: r.mtu,
      ifName: r.ifName,
      weight: 1,
      expire: r.expire ?? 0,
    }
  })
  // WID_DST_DEFAULT / WID_GW_DEFAULT for AF_INET6.
  const widths = { dst: opts.numeric ? 33 : 18, gw: opts.numeric ? 29 : 18, iface: opts.wide ? 10 : 8 }
  return { rows, widths }
}

/** The `Internet6:` section (without the `Routing tables` title), newline-terminated; empty when none. */
export function formatRoutes6(
  sys: Syscalls,
  routes: readonly Route6Info[],
  opts: { numeric: boolean; wide: boolean },
): string {
  let s = ''
  const { rows, widths } = routeRows6(sys, routes, opts)
  emitFamily(new Xo((t) => void (s += t)), 'Internet6', rows, widths, {
    cut: !opts.numeric && !opts.wide,
    wide: opts.wide,
  })
  // emitFamily starts the section with pr_family's blank line; the caller places it.
  return s.slice(1)
}

/** `netstat -s -p ip6|icmp6`: each non-hidden counter as `\tN name`, FreeBSD's section title first. */
export function formatProto6Stats(sys: Syscalls, proto: 'ip6' | 'icmp6', hideZero: boolean): string {
  const rows = sys.inet6.protoStats(proto)
  if (proto === 'icmp6') return formatIcmp6Stats(rows, hideZero)
  let out = `${proto}:\n`
  for (const [name, n] of rows) {
    if (hideZero && n === 0) continue
    out += `\t${n} ${IP6_TEXT[name] ?? name}\n`
  }
  return out
}

/** icmp6names[]: the histogram labels; a type without a name prints as `#N`. */
const ICMP6_NAMES: Readonly<Record<number, string>> = {
  1: 'unreach',
  2: 'packet too big',
  3: 'time exceed',
  4: 'parameter problem',
  128: 'echo',
  129: 'echo reply',
  130: 'multicast listener query',
  131: 'MLDv1 listener report',
  132: 'MLDv1 listener done',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
  137: 'redirect',
  138: 'router renumbering',
  139: 'node information request',
  140: 'node information reply',
  141: 'inverse neighbor solicitation',
  142: 'inverse neighbor advertisement',
  143: 'MLDv2 listener report',
}

/**
 * icmp6_stats(): FreeBSD's order and wording, `%s` taking the plural `s` (p()), the error
 * histogram's lines without one (p_5()). -s -s (hideZero) leaves out zero counters and empty
 * histograms but keeps the error histogram's title, as netstat does. MLD has no statistics of its
 * own in FreeBSD (no `-p mld`): its messages show up here, in the two histograms.
 */
export function formatIcmp6Stats(rows: ReadonlyArray<readonly [string, number]>, hideZero: boolean): string {
  const get = new Map(rows)
  const n = (k: string): number => get.get(k) ?? 0
  const out = ['icmp6:']
  const p = (k: string, text: string): void => {
    const v = n(k)
    if (v !== 0 || !hideZero) out.push(`\t${v} ${text.replace('%s', v === 1 ? '' : 's')}`)
  }
  const p5 = (k: string, text: string): void => {
    const v = n(k)
    if (v !== 0 || !hideZero) out.push(`\t\t${v} ${text}`)
  }
  const hist = (k: string, title: string): void => {
    let first = true
    for (let i = 0; i < 256; i++) {
      const v = n(`${k}[${i}]`)
      if (v === 0) continue
      if (first) out.push(`\t${title}:`)
      first = false
      out.push(`\t\t${ICMP6_NAMES[i] ?? `#${i}`}: ${v}`)
    }
  }
  p('icp6s_error', 'call%s to icmp6_error')
  p('icp6s_canterror', 'error%s not generated in response to an icmp6 message')
  p('icp6s_toofreq', 'error%s not generated because of rate limitation')
  hist('icp6s_outhist', 'Output histogram')
  p('icp6s_badcode', 'message%s with bad code fields')
  p('icp6s_tooshort', 'message%s < minimum length')
  p('icp6s_checksum', 'bad checksum%s')
  p('icp6s_badlen', 'message%s with bad length')
  hist('icp6s_inhist', 'Input histogram')
  out.push('\tHistogram of error messages to be generated:')
  p5('icp6s_odst_unreach_noroute', 'no route')
  p5('icp6s_odst_unreach_admin', 'administratively prohibited')
  p5('icp6s_odst_unreach_beyondscope', 'beyond scope')
  p5('icp6s_odst_unreach_addr', 'address unreachable')
  p5('icp6s_odst_unreach_noport', 'port unreachable')
  p5('icp6s_opacket_too_big', 'packet too big')
  p5('icp6s_otime_exceed_transit', 'time exceed transit')
  p5('icp6s_otime_exceed_reassembly', 'time exceed reassembly')
  p5('icp6s_oparamprob_header', 'erroneous header field')
  p5('icp6s_oparamprob_nextheader', 'unrecognized next header')
  p5('icp6s_oparamprob_option', 'unrecognized option')
  p5('icp6s_oredirect', 'redirect')
  p5('icp6s_ounknown', 'unknown')
  p('icp6s_reflect', 'message response%s generated')
  p('icp6s_nd_toomanyopt', 'message%s with too many ND options')
  p('icp6s_nd_badopt', 'message%s with bad ND options')
  p('icp6s_badns', 'bad neighbor solicitation message%s')
  p('icp6s_badna', 'bad neighbor advertisement message%s')
  p('icp6s_badrs', 'bad router solicitation message%s')
  p('icp6s_badra', 'bad router advertisement message%s')
  p('icp6s_badredirect', 'bad redirect message%s')
  p('icp6s_pmtuchg', 'path MTU change%s')
  return `${out.join('\n')}\n`
}

/** ip6_stats()'s wording for the counters it prints. */
const IP6_TEXT: Readonly<Record<string, string>> = {
  ip6s_total: 'total packets received',
  ip6s_toosmall: 'with size smaller than minimum',
  ip6s_tooshort: 'with data size < data length',
  ip6s_badoptions: 'with bad options',
  ip6s_badvers: 'with incorrect version number',
  ip6s_fragments: 'fragments received',
  ip6s_fragdropped: 'fragments dropped (dup or out of space)',
  ip6s_fragtimeout: 'fragments dropped after timeout',
  ip6s_fragoverflow: 'fragments that exceeded limit',
  ip6s_atomicfrags: 'atomic fragments',
  ip6s_reassembled: 'packets reassembled ok',
  ip6s_delivered: 'packets for this host',
  ip6s_forward: 'packets forwarded',
  ip6s_cantforward: 'packets not forwardable',
  ip6s_redirectsent: 'redirects sent',
  ip6s_localout: 'packets sent from this host',
  ip6s_rawout: 'packets sent with fabricated ip header',
  ip6s_odropped: 'output packets dropped due to no bufs, etc.',
  ip6s_noroute: 'output packets discarded due to no route',
  ip6s_fragmented: 'output datagrams fragmented',
  ip6s_ofragments: 'fragments created',
  ip6s_cantfrag: "datagrams that can't be fragmented",
  ip6s_badscope: 'packets that violated scope rules',
  ip6s_notmember: "multicast packets which we don't join",
  ip6s_toomanyhdr: 'packets whose headers are not contiguous',
  ip6s_sources_none: 'failures of source address selection',
}
