/**
 * `netstat -s` for ip, icmp, igmp, udp, arp (and tcp through tcp.ts): FreeBSD 14's ip_stats,
 * icmp_stats, igmp_stats, udp_stats and arp_stats in usr.bin/netstat/inet.c, line for line, emitted through libxo so that
 * `--libxo json|xml` gives their structure — a container per protocol holding each counter under
 * inet.c's field name (`received-packets`, `dropped-bad-checksum` …), ICMP's histograms as
 * `output-histogram`/`input-histogram` lists of `name`/`count`, and `icmp-address-responses`.
 * Counters this kernel keeps that FreeBSD does not print follow as `<value> <name>`, encoded under
 * their own names. Pure formatting of what the kernel reported.
 */

import type { ProtoName, Syscalls } from '../../../host/syscalls.js'
import { asSysError } from '../../common.js'
import { Xo } from '../../lib/libxo/xo.js'
import { emitCounters, type Plural } from './stat_line.js'
import { emitTcpStats } from './tcp.js'

/** [counter, text, plural, field]: text has `%d` for the value and `%s` for the plural suffix. */
type Line = readonly [string, string, Plural, string?]

const IP_LINES: readonly Line[] = [
  ['ips_total', '%d total packet%s received', 's', 'received-packets'],
  ['ips_badsum', '%d bad header checksum%s', 's', 'dropped-bad-checksum'],
  ['ips_toosmall', '%d with size smaller than minimum', null, 'dropped-below-minimum-size'],
  ['ips_tooshort', '%d with data size < data length', null, 'dropped-short-packets'],
  ['ips_toolong', '%d with ip length > max ip packet size', null, 'dropped-too-long'],
  ['ips_badhlen', '%d with header length < data size', null, 'dropped-short-header-length'],
  ['ips_badlen', '%d with data length < header length', null, 'dropped-short-data'],
  ['ips_badoptions', '%d with bad options', null, 'dropped-bad-options'],
  ['ips_badvers', '%d with incorrect version number', null, 'dropped-bad-version'],
  ['ips_fragments', '%d fragment%s received', 's', 'received-fragments'],
  ['ips_fragdropped', '%d fragment%s dropped (dup or out of space)', 's', 'dropped-fragments'],
  ['ips_fragtimeout', '%d fragment%s dropped after timeout', 's', 'dropped-fragments-after-timeout'],
  ['ips_reassembled', '%d packet%s reassembled ok', 's', 'reassembled-packets'],
  ['ips_delivered', '%d packet%s for this host', 's', 'received-local-packets'],
  ['ips_noproto', '%d packet%s for unknown/unsupported protocol', 's', 'dropped-unknown-protocol'],
  ['ips_forward', '%d packet%s forwarded', 's', 'forwarded-packets'],
  ['ips_cantforward', '%d packet%s not forwardable', 's', 'packets-cannot-forward'],
  [
    'ips_notmember',
    '%d packet%s received for unknown multicast group',
    's',
    'received-unknown-multicast-group',
  ],
  ['ips_redirectsent', '%d redirect%s sent', 's', 'redirects-sent'],
  ['ips_localout', '%d packet%s sent from this host', 's', 'sent-packets'],
  ['ips_rawout', '%d packet%s sent with fabricated ip header', 's', 'send-packets-fabricated-header'],
  ['ips_odropped', '%d output packet%s dropped due to no bufs, etc.', 's', 'discard-no-mbufs'],
  ['ips_noroute', '%d output packet%s discarded due to no route', 's', 'discard-no-route'],
  ['ips_fragmented', '%d output datagram%s fragmented', 's', 'sent-fragments'],
  ['ips_ofragments', '%d fragment%s created', 's', 'fragments-created'],
  ['ips_cantfrag', "%d datagram%s that can't be fragmented", 's', 'discard-cannot-fragment'],
  ['ips_nogif', "%d tunneling packet%s that can't find gif", 's', 'discard-tunnel-no-gif'],
  ['ips_badaddr', '%d datagram%s with bad address in header', 's', 'discard-bad-address'],
]

/** icmpstat lines; `@out`/`@in` mark where the histograms go. */
const ICMP_LINES: readonly Line[] = [
  ['icps_error', '%d call%s to icmp_error', 's', 'icmp-calls'],
  ['icps_oldicmp', '%d error%s not generated in response to an icmp message', 's', 'errors-not-from-message'],
  ['@out', 'Output histogram:', null],
  ['icps_badcode', '%d message%s with bad code fields', 's', 'dropped-bad-code'],
  ['icps_tooshort', '%d message%s less than the minimum length', 's', 'dropped-too-short'],
  ['icps_checksum', '%d message%s with bad checksum', 's', 'dropped-bad-checksum'],
  ['icps_badlen', '%d message%s with bad length', 's', 'dropped-bad-length'],
  ['icps_bmcastecho', '%d multicast echo requests ignored', null, 'dropped-multicast-echo'],
  ['icps_bmcasttstamp', '%d multicast timestamp requests ignored', null, 'dropped-multicast-timestamp'],
  ['@in', 'Input histogram:', null],
  ['icps_reflect', '%d message response%s generated', 's', 'sent-packets'],
  ['icps_badaddr', '%d invalid return address%s', 'es', 'discard-invalid-return-address'],
  ['icps_noroute', '%d no return route%s', 's', 'discard-no-route'],
]

const UDP_LINES: readonly Line[] = [
  ['udps_ipackets', '%d datagram%s received', 's', 'received-datagrams'],
  ['udps_hdrops', '%d with incomplete header', null, 'dropped-incomplete-headers'],
  ['udps_badlen', '%d with bad data length field', null, 'dropped-bad-data-length'],
  ['udps_badsum', '%d with bad checksum', null, 'dropped-bad-checksum'],
  ['udps_nosum', '%d with no checksum', null, 'dropped-no-checksum'],
  ['udps_noport', '%d dropped due to no socket', null, 'dropped-no-socket'],
  ['udps_noportbcast', '%d broadcast/multicast datagram%s undelivered', 's', 'dropped-broadcast-multicast'],
  ['udps_fullsock', '%d dropped due to full socket buffers', null, 'dropped-full-socket-buffer'],
  ['udpps_pcbhashmiss', '%d not for hashed pcb', null, 'not-for-hashed-pcb'],
  ['@delivered', '%d delivered', null, 'delivered-packets'],
  ['udps_opackets', '%d datagram%s output', 's', 'output-packets'],
  ['udps_filtermcast', '%d time%s multicast source filter matched', 's', 'multicast-source-filter-matches'],
]

const ARP_LINES: readonly Line[] = [
  ['txrequests', '%d ARP request%s sent', 's', 'sent-requests'],
  ['txerrors', '%d ARP request%s failed to sent', 's', 'sent-failures'],
  ['txreplies', '%d ARP repl%s sent', 'ies', 'sent-replies'],
  ['rxrequests', '%d ARP request%s received', 's', 'received-requests'],
  ['rxreplies', '%d ARP repl%s received', 'ies', 'received-replies'],
  ['received', '%d ARP packet%s received', 's', 'received-packers'],
  ['dropped', '%d total packet%s dropped due to no ARP entry', 's', 'dropped-no-entry'],
  // sic: FreeBSD prints "entrys".
  ['timeouts', '%d ARP entry%s timed out', 's', 'entries-timeout'],
  ['dupips', '%d Duplicate IP%s seen', 's', 'dropped-duplicate-address'],
  ['malformed', '%d malformed ARP packet%s dropped', 's', 'dropped-malformed'],
]

/** igmp_stats() from inet.c: the queries with pluralies() ("query"/"queries"). */
const IGMP_LINES: readonly Line[] = [
  ['igps_rcv_total', '%d message%s received', 's', 'received-messages'],
  ['igps_rcv_tooshort', '%d message%s received with too few bytes', 's', 'dropped-too-short'],
  ['igps_rcv_badttl', '%d message%s received with wrong TTL', 's', 'dropped-wrong-ttl'],
  ['igps_rcv_badsum', '%d message%s received with bad checksum', 's', 'dropped-bad-checksum'],
  ['igps_rcv_v1v2_queries', '%d V1/V2 membership quer%s received', 'ies', 'received-membership-queries'],
  ['igps_rcv_v3_queries', '%d V3 membership quer%s received', 'ies', 'received-v3-membership-queries'],
  [
    'igps_rcv_badqueries',
    '%d membership quer%s received with invalid field(s)',
    'ies',
    'dropped-membership-queries',
  ],
  ['igps_rcv_gen_queries', '%d general quer%s received', 'ies', 'received-general-queries'],
  ['igps_rcv_group_queries', '%d group quer%s received', 'ies', 'received-group-queries'],
  ['igps_rcv_gsr_queries', '%d group-source quer%s received', 'ies', 'received-group-source-queries'],
  ['igps_drop_gsr_queries', '%d group-source quer%s dropped', 'ies', 'dropped-group-source-queries'],
  ['igps_rcv_reports', '%d membership report%s received', 's', 'received-membership-requests'],
  [
    'igps_rcv_badreports',
    '%d membership report%s received with invalid field(s)',
    's',
    'dropped-membership-reports',
  ],
  [
    'igps_rcv_ourreports',
    '%d membership report%s received for groups to which we belong',
    's',
    'received-membership-reports-matching',
  ],
  [
    'igps_rcv_nora',
    '%d V3 report%s received without Router Alert',
    's',
    'received-v3-reports-no-router-alert',
  ],
  ['igps_snd_reports', '%d membership report%s sent', 's', 'sent-membership-reports'],
]

/** carp_stats() from inet.c: the drops indented under the input lines. */
const CARP_LINES: readonly Line[] = [
  ['carps_ipackets', '%d packet%s received (IPv4)', 's', 'received-inet-packets'],
  ['carps_ipackets6', '%d packet%s received (IPv6)', 's', 'received-inet6-packets'],
  ['carps_badttl', '\t%d packet%s discarded for wrong TTL', 's', 'dropped-wrong-ttl'],
  ['carps_hdrops', '\t%d packet%s shorter than header', 's', 'dropped-short-header'],
  ['carps_badsum', '\t%d discarded for bad checksum%s', 's', 'dropped-bad-checksum'],
  ['carps_badver', '\t%d discarded packet%s with a bad version', 's', 'dropped-bad-version'],
  ['carps_badlen', '\t%d discarded because packet too short', null, 'dropped-short-packet'],
  ['carps_badauth', '\t%d discarded for bad authentication', null, 'dropped-bad-authentication'],
  ['carps_badvhid', '\t%d discarded for bad vhid', null, 'dropped-bad-vhid'],
  ['carps_badaddrs', '\t%d discarded because of a bad address list', null, 'dropped-bad-address-list'],
  ['carps_opackets', '%d packet%s sent (IPv4)', 's', 'sent-inet-packets'],
  ['carps_opackets6', '%d packet%s sent (IPv6)', 's', 'sent-inet6-packets'],
  ['carps_onomem', '\t%d send failed due to mbuf memory error', null, 'send-failed-memory-error'],
]

const PROTO_LINES: Record<Exclude<ProtoName, 'tcp' | 'mroute'>, readonly Line[]> = {
  ip: IP_LINES,
  icmp: ICMP_LINES,
  igmp: IGMP_LINES,
  udp: UDP_LINES,
  arp: ARP_LINES,
  carp: CARP_LINES,
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

/**
 * One protocol's block of `netstat -s`: the title, then FreeBSD's line for each counter the kernel
 * reports (zero counters omitted when `hideZero`, as with `-ss`), then any counter FreeBSD's netstat
 * does not know, as `<value> <name>`; all inside the protocol's container.
 */
export function emitProtoStats(
  xo: Xo,
  proto: ProtoName,
  stats: ReadonlyArray<readonly [string, number]>,
  hideZero = false,
  maskRepl?: number,
): void {
  if (proto === 'tcp') {
    emitTcpStats(xo, stats, hideZero)
    return
  }
  // struct mrtstat is netstat -gs's (mroute.ts), not a protocol of -s.
  if (proto === 'mroute') return
  const values = new Map(stats)
  xo.openContainer(proto)
  xo.text(`${proto}:\n`)
  const show = (n: number): boolean => n !== 0 || !hideZero
  const histogram = (title: string, list: string, prefix: string): void => {
    const rows = stats.filter(([k, n]) => k.startsWith(`${prefix}[`) && n !== 0)
    if (rows.length === 0) return
    xo.openList(list)
    xo.text(`\t${title}\n`)
    for (const [k, n] of rows) {
      const t = Number(k.slice(prefix.length + 1, -1))
      xo.openInstance(list)
      xo.text('\t\t')
      if (ICMP_NAMES[t] !== undefined) xo.field('name', ICMP_NAMES[t]!)
      else {
        xo.text('unknown ICMP #')
        xo.field('name', t)
      }
      xo.text(': ')
      xo.field('count', n)
      xo.text('\n')
      xo.closeInstance(list)
    }
    xo.closeList(list)
  }
  const known = new Set<string>()
  for (const [key, text, plural, field] of PROTO_LINES[proto]) {
    known.add(key)
    if (key === '@out' || key === '@in') {
      if (key === '@out') histogram(text, 'output-histogram', 'icps_outhist')
      else histogram(text, 'input-histogram', 'icps_inhist')
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
      if (show(delivered)) {
        emitCounters(xo, `\t${text}`, [delivered], [field!], null)
        xo.text('\n')
      }
      continue
    }
    const n = values.get(key)
    if (n === undefined || !show(n)) continue
    emitCounters(xo, `\t${text}`, [n], [field ?? key], plural)
    // ip_stats() prints the fast-forward count on the forwarding line.
    if (key === 'ips_forward') {
      const ff = values.get('ips_fastforward') ?? 0
      if (show(ff)) emitCounters(xo, ' (%d packet%s fast forwarded)', [ff], ['fast-forwarded-packets'], 's')
    }
    xo.text('\n')
  }
  known.add('ips_fastforward')
  for (const [k, n] of stats) {
    if (known.has(k) || HIDDEN.has(k) || k.startsWith('icps_outhist[') || k.startsWith('icps_inhist['))
      continue
    if (show(n)) emitCounters(xo, `\t%d ${k}\n`, [n], [k], null)
  }
  if (proto === 'icmp' && maskRepl !== undefined) {
    xo.text('\tICMP address mask responses are ')
    xo.field('icmp-address-responses', `${maskRepl !== 0 ? 'en' : 'dis'}abled`)
    xo.text('\n')
  }
  xo.closeContainer(proto)
}

/** The text `netstat -s -p PROTO` prints (tests and callers that want a string). */
export function formatProtoStats(
  proto: ProtoName,
  stats: ReadonlyArray<readonly [string, number]>,
  hideZero = false,
  maskRepl?: number,
): string {
  let out = ''
  emitProtoStats(new Xo((t) => void (out += t)), proto, stats, hideZero, maskRepl)
  return out
}

/** protox[] order: what `netstat -s` without -p prints. */
export const PROTO_ORDER: readonly ProtoName[] = ['tcp', 'udp', 'ip', 'icmp', 'igmp', 'carp', 'arp']

/** Whether netstat -s knows this protocol (FreeBSD's protox[] names with statistics here). */
export function isProtoName(p: string): p is ProtoName {
  return p === 'tcp' || p in PROTO_LINES
}

/** One protocol's statistics from the kernel, emitted (icmp with net.inet.icmp.maskrepl's line). */
export function emitProtoFromKernel(xo: Xo, sys: Syscalls, proto: ProtoName, hideZero: boolean): void {
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
    if (asSysError(e).code === 'ENOENT') return
    throw e
  }
  emitProtoStats(xo, proto, stats, hideZero, maskRepl)
}
