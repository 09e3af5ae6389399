/**
 * `netstat -s -p tcp`: struct tcpstat laid out as FreeBSD 14's tcp_stats() in usr.bin/netstat/inet.c
 * prints it — the same lines, indentation, pairs of counters on one line, plurals and the closing
 * "TCP connection count by state" table. Counters FreeBSD prints that this kernel does not keep show
 * as 0; counters it keeps that FreeBSD does not print follow as `<value> <name>`. Through libxo:
 * the `tcp` container with inet.c's field names and its `syncache`, `hostcache`, `sack`, `ecn`,
 * `tcp-signature` and `TCP connection count by state` sub-containers.
 *
 * Pure formatting of what the kernel reported.
 */

import { TCP_STATE_NAMES } from '../../../host/syscalls.js'
import { Xo } from '../../lib/libxo/xo.js'
import { emitCounters } from './stat_line.js'

/** Plural kinds: p() 's', p3() 'ies', p1a() none. */
type P = 's' | 'ies' | null

/** [counter, second counter or null, text with %d/%s per counter, plural kind, always shown]. */
type TcpLine = readonly [string, string | null, string, P, boolean]

const L = (k: string, text: string, p: P = 's', k2: string | null = null): TcpLine => [k, k2, text, p, false]
/** p1a: printed whenever sflag <= 1, no plural. */
const A = (k: string, text: string): TcpLine => [k, null, text, null, false]

const TCP_LINES: readonly TcpLine[] = [
  L('tcps_sndtotal', '\t%d packet%s sent'),
  L('tcps_sndpack', '\t\t%d data packet%s (%d byte%s)', 's', 'tcps_sndbyte'),
  L('tcps_sndrexmitpack', '\t\t%d data packet%s (%d byte%s) retransmitted', 's', 'tcps_sndrexmitbyte'),
  L('tcps_sndrexmitbad', '\t\t%d data packet%s unnecessarily retransmitted'),
  L('tcps_mturesent', '\t\t%d resend%s initiated by MTU discovery'),
  L('tcps_sndacks', '\t\t%d ack-only packet%s (%d delayed)', 's', 'tcps_delack'),
  L('tcps_sndurg', '\t\t%d URG only packet%s'),
  L('tcps_sndprobe', '\t\t%d window probe packet%s'),
  L('tcps_sndwinup', '\t\t%d window update packet%s'),
  L('tcps_sndctrl', '\t\t%d control packet%s'),
  L('tcps_rcvtotal', '\t%d packet%s received'),
  L('tcps_rcvackpack', '\t\t%d ack%s (for %d byte%s)', 's', 'tcps_rcvackbyte'),
  L('tcps_rcvdupack', '\t\t%d duplicate ack%s'),
  L('tcps_rcvacktoomuch', '\t\t%d ack%s for unsent data'),
  L('tcps_rcvpack', '\t\t%d packet%s (%d byte%s) received in-sequence', 's', 'tcps_rcvbyte'),
  L('tcps_rcvduppack', '\t\t%d completely duplicate packet%s (%d byte%s)', 's', 'tcps_rcvdupbyte'),
  L('tcps_pawsdrop', '\t\t%d old duplicate packet%s'),
  L(
    'tcps_rcvpartduppack',
    '\t\t%d packet%s with some dup. data (%d byte%s duped)',
    's',
    'tcps_rcvpartdupbyte',
  ),
  L('tcps_rcvoopack', '\t\t%d out-of-order packet%s (%d byte%s)', 's', 'tcps_rcvoobyte'),
  L('tcps_rcvpackafterwin', '\t\t%d packet%s (%d byte%s) of data after window', 's', 'tcps_rcvbyteafterwin'),
  L('tcps_rcvwinprobe', '\t\t%d window probe%s'),
  L('tcps_rcvwinupd', '\t\t%d window update packet%s'),
  L('tcps_rcvafterclose', '\t\t%d packet%s received after close'),
  L('tcps_rcvbadsum', '\t\t%d discarded for bad checksum%s'),
  L('tcps_rcvbadoff', '\t\t%d discarded for bad header offset field%s'),
  A('tcps_rcvshort', '\t\t%d discarded because packet too short'),
  A('tcps_rcvreassfull', '\t\t%d discarded due to full reassembly queue'),
  A('tcps_rcvmemdrop', '\t\t%d discarded due to memory problems'),
  L('tcps_connattempt', '\t%d connection request%s'),
  L('tcps_accepts', '\t%d connection accept%s'),
  L('tcps_badsyn', '\t%d bad connection attempt%s'),
  L('tcps_listendrop', '\t%d listen queue overflow%s'),
  L('tcps_badrst', '\t%d ignored RSTs in the window%s'),
  L('tcps_connects', '\t%d connection%s established (including accepts)'),
  L('tcps_usedrtt', '\t\t%d time%s used RTT from hostcache'),
  L('tcps_usedrttvar', '\t\t%d time%s used RTT variance from hostcache'),
  L('tcps_usedssthresh', '\t\t%d time%s used slow-start threshold from hostcache'),
  L('tcps_closed', '\t%d connection%s closed (including %d drop%s)', 's', 'tcps_drops'),
  L('tcps_cachedrtt', '\t\t%d connection%s updated cached RTT on close'),
  L('tcps_cachedrttvar', '\t\t%d connection%s updated cached RTT variance on close'),
  L('tcps_cachedssthresh', '\t\t%d connection%s updated cached ssthresh on close'),
  L('tcps_conndrops', '\t%d embryonic connection%s dropped'),
  L('tcps_rttupdated', '\t%d segment%s updated rtt (of %d attempt%s)', 's', 'tcps_segstimed'),
  L('tcps_rexmttimeo', '\t%d retransmit timeout%s'),
  L('tcps_timeoutdrop', '\t\t%d connection%s dropped by rexmit timeout'),
  L('tcps_persisttimeo', '\t%d persist timeout%s'),
  L('tcps_persistdrop', '\t\t%d connection%s dropped by persist timeout'),
  L('tcps_finwait2_drops', '\t%d Connection%s (fin_wait_2) dropped because of timeout'),
  L('tcps_keeptimeo', '\t%d keepalive timeout%s'),
  L('tcps_keepprobe', '\t\t%d keepalive probe%s sent'),
  L('tcps_keepdrops', '\t\t%d connection%s dropped by keepalive'),
  L('tcps_predack', '\t%d correct ACK header prediction%s'),
  L('tcps_preddat', '\t%d correct data packet header prediction%s'),
  L('tcps_sc_added', '\t%d syncache entr%s added', 'ies'),
  A('tcps_sc_retransmitted', '\t\t%d retransmitted'),
  A('tcps_sc_dupsyn', '\t\t%d dupsyn'),
  A('tcps_sc_dropped', '\t\t%d dropped'),
  A('tcps_sc_completed', '\t\t%d completed'),
  A('tcps_sc_bucketoverflow', '\t\t%d bucket overflow'),
  A('tcps_sc_cacheoverflow', '\t\t%d cache overflow'),
  A('tcps_sc_reset', '\t\t%d reset'),
  A('tcps_sc_stale', '\t\t%d stale'),
  A('tcps_sc_aborted', '\t\t%d aborted'),
  A('tcps_sc_badack', '\t\t%d badack'),
  A('tcps_sc_unreach', '\t\t%d unreach'),
  L('tcps_sc_zonefail', '\t\t%d zone failure%s'),
  L('tcps_sc_sendcookie', '\t%d cookie%s sent'),
  L('tcps_sc_recvcookie', '\t%d cookie%s received'),
  L('tcps_hc_added', '\t%d hostcache entr%s added', 'ies'),
  A('tcps_hc_bucketoverflow', '\t\t%d bucket overflow'),
  L('tcps_sack_recovery_episode', '\t%d SACK recovery episode%s'),
  L('tcps_sack_rexmits', '\t%d segment rexmit%s in SACK recovery episodes'),
  L('tcps_sack_rexmit_bytes', '\t%d byte rexmit%s in SACK recovery episodes'),
  L('tcps_sack_rcv_blocks', '\t%d SACK option%s (SACK blocks) received'),
  L('tcps_sack_send_blocks', '\t%d SACK option%s (SACK blocks) sent'),
  A('tcps_sack_sboverflow', '\t%d SACK scoreboard overflow'),
  L('tcps_ecn_ce', '\t%d packet%s with ECN CE bit set'),
  L('tcps_ecn_ect0', '\t%d packet%s with ECN ECT(0) bit set'),
  L('tcps_ecn_ect1', '\t%d packet%s with ECN ECT(1) bit set'),
  L('tcps_ecn_shs', '\t%d successful ECN handshake%s'),
  L('tcps_ecn_rcwnd', '\t%d time%s ECN reduced the congestion window'),
  L('tcps_sig_rcvgoodsig', '\t%d packet%s with matching signature received'),
  L('tcps_sig_rcvbadsig', '\t%d packet%s with bad signature received'),
  L('tcps_sig_err_buildsig', '\t%d time%s failed to make signature due to no SA'),
  L('tcps_sig_err_sigopt', '\t%d time%s unexpected signature received'),
  L('tcps_sig_err_nosigopt', '\t%d time%s no signature provided by segment'),
]

/** inet.c's xo field name of each counter. */
const TCP_FIELDS: Readonly<Record<string, string>> = {
  tcps_sndtotal: 'sent-packets',
  tcps_sndpack: 'sent-data-packets',
  tcps_sndbyte: 'sent-data-bytes',
  tcps_sndrexmitpack: 'sent-retransmitted-packets',
  tcps_sndrexmitbyte: 'sent-retransmitted-bytes',
  tcps_sndrexmitbad: 'sent-unnecessary-retransmitted-packets',
  tcps_mturesent: 'sent-resends-by-mtu-discovery',
  tcps_sndacks: 'sent-ack-only-packets',
  tcps_delack: 'sent-packets-delayed',
  tcps_sndurg: 'sent-urg-only-packets',
  tcps_sndprobe: 'sent-window-probe-packets',
  tcps_sndwinup: 'sent-window-update-packets',
  tcps_sndctrl: 'sent-control-packets',
  tcps_rcvtotal: 'received-packets',
  tcps_rcvackpack: 'received-ack-packets',
  tcps_rcvackbyte: 'received-ack-bytes',
  tcps_rcvdupack: 'received-duplicate-acks',
  tcps_rcvacktoomuch: 'received-acks-for-unsent-data',
  tcps_rcvpack: 'received-in-sequence-packets',
  tcps_rcvbyte: 'received-in-sequence-bytes',
  tcps_rcvduppack: 'received-completely-duplicate-packets',
  tcps_rcvdupbyte: 'received-completely-duplicate-bytes',
  tcps_pawsdrop: 'received-old-duplicate-packets',
  tcps_rcvpartduppack: 'received-some-duplicate-packets',
  tcps_rcvpartdupbyte: 'received-some-duplicate-bytes',
  tcps_rcvoopack: 'received-out-of-order',
  tcps_rcvoobyte: 'received-out-of-order-bytes',
  tcps_rcvpackafterwin: 'received-after-window-packets',
  tcps_rcvbyteafterwin: 'received-after-window-bytes',
  tcps_rcvwinprobe: 'received-window-probes',
  tcps_rcvwinupd: 'receive-window-update-packets',
  tcps_rcvafterclose: 'received-after-close-packets',
  tcps_rcvbadsum: 'discard-bad-checksum',
  tcps_rcvbadoff: 'discard-bad-header-offset',
  tcps_rcvshort: 'discard-too-short',
  tcps_rcvreassfull: 'discard-reassembly-queue-full',
  tcps_rcvmemdrop: 'discard-memory-problems',
  tcps_connattempt: 'connection-requests',
  tcps_accepts: 'connections-accepts',
  tcps_badsyn: 'bad-connection-attempts',
  tcps_listendrop: 'listen-queue-overflows',
  tcps_badrst: 'ignored-in-window-resets',
  tcps_connects: 'connections-established',
  tcps_usedrtt: 'connections-hostcache-rtt',
  tcps_usedrttvar: 'connections-hostcache-rttvar',
  tcps_usedssthresh: 'connections-hostcache-ssthresh',
  tcps_closed: 'connections-closed',
  tcps_drops: 'connection-drops',
  tcps_cachedrtt: 'connections-updated-rtt-on-close',
  tcps_cachedrttvar: 'connections-updated-variance-on-close',
  tcps_cachedssthresh: 'connections-updated-ssthresh-on-close',
  tcps_conndrops: 'embryonic-connections-dropped',
  tcps_rttupdated: 'segments-updated-rtt',
  tcps_segstimed: 'segment-update-attempts',
  tcps_rexmttimeo: 'retransmit-timeouts',
  tcps_timeoutdrop: 'connections-dropped-by-retransmit-timeout',
  tcps_persisttimeo: 'persist-timeout',
  tcps_persistdrop: 'connections-dropped-by-persist-timeout',
  tcps_finwait2_drops: 'connections-dropped-by-finwait2-timeout',
  tcps_keeptimeo: 'keepalive-timeout',
  tcps_keepprobe: 'keepalive-probes',
  tcps_keepdrops: 'connections-dropped-by-keepalives',
  tcps_predack: 'ack-header-predictions',
  tcps_preddat: 'data-packet-header-predictions',
  tcps_sc_added: 'entries-added',
  tcps_sc_retransmitted: 'retransmitted',
  tcps_sc_dupsyn: 'duplicates',
  tcps_sc_dropped: 'dropped',
  tcps_sc_completed: 'completed',
  tcps_sc_bucketoverflow: 'bucket-overflow',
  tcps_sc_cacheoverflow: 'cache-overflow',
  tcps_sc_reset: 'reset',
  tcps_sc_stale: 'stale',
  tcps_sc_aborted: 'aborted',
  tcps_sc_badack: 'bad-ack',
  tcps_sc_unreach: 'unreachable',
  tcps_sc_zonefail: 'zone-failures',
  tcps_sc_sendcookie: 'sent-cookies',
  tcps_sc_recvcookie: 'receivd-cookies',
  tcps_hc_added: 'entries-added',
  tcps_hc_bucketoverflow: 'buffer-overflows',
  tcps_sack_recovery_episode: 'recovery-episodes',
  tcps_sack_rexmits: 'segment-retransmits',
  tcps_sack_rexmit_bytes: 'byte-retransmits',
  tcps_sack_rcv_blocks: 'received-blocks',
  tcps_sack_send_blocks: 'sent-option-blocks',
  tcps_sack_sboverflow: 'scoreboard-overflows',
  tcps_ecn_ce: 'ce-packets',
  tcps_ecn_ect0: 'ect0-packets',
  tcps_ecn_ect1: 'ect1-packets',
  tcps_ecn_shs: 'handshakes',
  tcps_ecn_rcwnd: 'congestion-reductions',
  tcps_sig_rcvgoodsig: 'received-good-signature',
  tcps_sig_rcvbadsig: 'received-bad-signature',
  tcps_sig_err_buildsig: 'failed-make-signature',
  tcps_sig_err_sigopt: 'no-signature-expected',
  tcps_sig_err_nosigopt: 'no-signature-provided',
}

/** Where inet.c opens each of tcp_stats's sub-containers: before the first counter of each. */
const CONTAINER_AT: Readonly<Record<string, string>> = {
  tcps_sc_added: 'syncache',
  tcps_hc_added: 'hostcache',
  tcps_sack_recovery_episode: 'sack',
  tcps_ecn_ce: 'ecn',
  tcps_sig_rcvgoodsig: 'tcp-signature',
}

/** The `tcp:` block of netstat -s in its `tcp` container; `hideZero` is -ss. */
export function emitTcpStats(
  xo: Xo,
  stats: ReadonlyArray<readonly [string, number]>,
  hideZero: boolean,
): void {
  const values = new Map(stats)
  const g = (k: string): number => values.get(k) ?? 0
  xo.openContainer('tcp')
  xo.text('tcp:\n')
  const known = new Set<string>()
  let open: string | null = null
  for (const [k, k2, text, p] of TCP_LINES) {
    known.add(k)
    if (k2 !== null) known.add(k2)
    const c = CONTAINER_AT[k]
    if (c !== undefined) {
      if (open !== null) xo.closeContainer(open)
      xo.openContainer(c)
      open = c
    }
    const a = g(k)
    const b = k2 === null ? 0 : g(k2)
    if (hideZero && a === 0 && b === 0) continue
    const fields = k2 === null ? [TCP_FIELDS[k] ?? k] : [TCP_FIELDS[k] ?? k, TCP_FIELDS[k2] ?? k2]
    emitCounters(xo, `${text}\n`, k2 === null ? [a] : [a, b], fields, p)
  }
  // Counters inet.c does not know, under their own names, at the end of the last container.
  for (const [k, n] of stats) {
    if (known.has(k) || k.startsWith('tcps_states[')) continue
    if (!hideZero || n !== 0) emitCounters(xo, `\t%d ${k}\n`, [n], [k], null)
  }
  if (open !== null) xo.closeContainer(open)
  xo.openContainer('TCP connection count by state')
  xo.text('TCP connection count by state:\n')
  for (let i = 0; i < TCP_STATE_NAMES.length; i++) {
    const n = g(`tcps_states[${i}]`)
    if (hideZero && n === 0) continue
    xo.text('\t')
    xo.field(TCP_STATE_NAMES[i]!, n)
    xo.text(` connection${n === 1 ? ' ' : 's'} in ${TCP_STATE_NAMES[i]} state\n`)
  }
  xo.closeContainer('TCP connection count by state')
  xo.closeContainer('tcp')
}

/** The `tcp:` block as text (tests and callers that want a string). */
export function formatTcpStats(stats: ReadonlyArray<readonly [string, number]>, hideZero: boolean): string {
  let out = ''
  emitTcpStats(new Xo((t) => void (out += t)), stats, hideZero)
  return out
}
