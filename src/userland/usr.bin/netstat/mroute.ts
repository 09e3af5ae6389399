/**
 * `netstat -g` and `netstat -gs` (FreeBSD 14's usr.bin/netstat/mroute.c and mroute6.c): the IPv4
 * virtual interface table and multicast forwarding table, and struct mrtstat, laid out as mroutepr()
 * and mrt_stats() print them and encoded under their libxo names. Without the ip_mroute module the
 * tables' sysctls are absent and netstat warns as FreeBSD's does; the IPv6 part (mif table,
 * forwarding cache, mrt6stat) likewise with ip6_mroute.
 *
 * Pure formatting of what the kernel reports; changes nothing.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { asSysError, ip, padL, padR } from '../../common.js'
import type { Xo } from '../../lib/libxo/xo.js'
import { emitCounters, type Plural } from './stat_line.js'

type Warn = (msg: string) => void

/** mroutepr(). */
export function emitMroutes(xo: Xo, sys: Syscalls, warn: Warn): void {
  let t: ReturnType<Syscalls['mrouteTables']>
  try {
    t = sys.mrouteTables()
  } catch (e) {
    warn(`sysctl: net.inet.ip.viftable: ${asSysError(e).strerror}`)
    return
  }
  let maxvif = 0
  if (t.vifs.length === 0) xo.text('\nIPv4 Virtual Interface Table is empty\n')
  else {
    xo.text(
      '\nIPv4 Virtual Interface Table\n Vif   Thresh   Local-Address   Remote-Address    Pkts-In   Pkts-Out\n',
    )
    xo.openList('vif')
    for (const v of t.vifs) {
      maxvif = v.vifi
      xo.openInstance('vif')
      xo.text(' ')
      xo.field('vif', v.vifi, padL(v.vifi, 2))
      xo.text('    ')
      xo.field('threshold', v.threshold, padL(v.threshold, 6))
      xo.text('   ')
      xo.field('route', ip(v.lclAddr), padR(ip(v.lclAddr), 15, 15))
      xo.text(' ')
      // Tunnel vifs (the only ones with a remote address) are gone from FreeBSD.
      xo.field('source', '', padR('', 15))
      xo.text(' ')
      xo.field('received-packets', v.pktIn, padL(v.pktIn, 9))
      xo.text('  ')
      xo.field('sent-packets', v.pktOut, padL(v.pktOut, 9))
      xo.text('\n')
      xo.closeInstance('vif')
    }
    xo.closeList('vif')
  }
  // net.inet.ip.mfctable holds every entry, those awaiting the daemon's answer too.
  if (t.mfc.length === 0) xo.text('\nIPv4 Multicast Forwarding Table is empty\n')
  else {
    xo.openList('multicast-forwarding-entry')
    xo.text(
      '\nIPv4 Multicast Forwarding Table\n Origin          Group             Packets In-Vif  Out-Vifs:Ttls\n',
    )
    for (const m of t.mfc) {
      xo.openInstance('multicast-forwarding-entry')
      xo.text(' ')
      xo.field('origin-address', ip(m.origin), padR(ip(m.origin), 15, 15))
      xo.text(' ')
      xo.field('group-address', ip(m.group), padR(ip(m.group), 15, 15))
      xo.text(' ')
      xo.field('sent-packets', m.pktCnt, padL(m.pktCnt, 9))
      xo.text('  ')
      // A pending entry's parent is vifi_t -1, printed by %3d as 65535.
      const parent = m.parent < 0 ? 65535 : m.parent
      xo.field('parent', parent, padL(parent, 3))
      xo.text('   ')
      xo.openList('vif-ttl')
      for (let vifi = 0; vifi <= maxvif; vifi++) {
        const ttl = m.ttls[vifi] ?? 0
        if (ttl === 0) continue
        xo.openInstance('vif-ttl')
        xo.text(' ')
        xo.field('vif', vifi)
        xo.text(':')
        xo.field('ttl', ttl)
        xo.closeInstance('vif-ttl')
      }
      xo.closeList('vif-ttl')
      xo.text('\n')
      xo.closeInstance('multicast-forwarding-entry')
    }
    xo.closeList('multicast-forwarding-entry')
  }
  xo.text('\n')
}

/** mroute6pr(): the multicast interface table and forwarding cache; `wide` is -W. */
export function emitMroutes6(xo: Xo, sys: Syscalls, wide: boolean, warn: Warn): void {
  let t: ReturnType<Syscalls['mroute6Tables']>
  try {
    t = sys.mroute6Tables()
  } catch (e) {
    warn(`sysctl: net.inet6.ip6.mif6table: ${asSysError(e).strerror}`)
    return
  }
  let maxmif = 0
  if (t.mifs.length === 0) xo.text('\nIPv6 Multicast Interface Table is empty\n')
  else {
    xo.openList('multicast-interface')
    xo.text('\nIPv6 Multicast Interface Table\n Mif   Rate   PhyIF   Pkts-In   Pkts-Out\n')
    for (const m of t.mifs) {
      maxmif = m.mifi
      xo.openInstance('multicast-interface')
      xo.text('  ')
      xo.field('mif', m.mifi, padL(m.mifi, 2))
      xo.text('   ')
      // Rate limiting went with the old API: always 0.
      xo.field('rate-limit', 0, padL(0, 4))
      xo.text('   ')
      xo.field('ifname', m.ifName, padL(m.ifName, 5))
      xo.text(' ')
      xo.field('received-packets', m.pktIn, padL(m.pktIn, 9))
      xo.text('  ')
      xo.field('sent-packets', m.pktOut, padL(m.pktOut, 9))
      xo.text('\n')
      xo.closeInstance('multicast-interface')
    }
    xo.closeList('multicast-interface')
  }
  // numeric_addr is forced on: WID_ORG 29 and WID_GRP 16, or 39 and 18 with -W.
  const wo = wide ? 39 : 29
  const wg = wide ? 18 : 16
  if (t.mfc.length === 0) xo.text('\nIPv6 Multicast Forwarding Table is empty\n')
  else {
    xo.openList('multicast-forwarding-cache')
    xo.text(
      `\nIPv6 Multicast Forwarding Cache\n ${padR('Origin', wo, wo)} ${padR('Group', wg, wg)}   Packets Waits In-Mif  Out-Mifs\n`,
    )
    for (const m of t.mfc) {
      xo.openInstance('multicast-forwarding-cache')
      const o = formatIpv6(m.origin)
      const g = formatIpv6(m.group)
      xo.text(' ')
      xo.field('origin', o, padR(o, wo, wo))
      xo.text(' ')
      xo.field('group', g, padR(g, wg, wg))
      xo.text(' ')
      xo.field('total-packets', m.pktCnt, padL(m.pktCnt, 9))
      xo.text('   ')
      xo.field('waitings', m.waiting, padL(m.waiting, 3))
      // MF6C_INCOMPLETE_PARENT: an entry still waiting for the daemon.
      if (m.parent < 0) xo.text(' ---   ')
      else {
        xo.text('  ')
        xo.field('parent', m.parent, padL(m.parent, 3))
        xo.text('   ')
      }
      xo.openList('mif')
      for (const mifi of m.ifset) if (mifi <= maxmif) xo.text(` ${mifi}`)
      xo.closeList('mif')
      xo.text('\n')
      xo.closeInstance('multicast-forwarding-cache')
    }
    xo.closeList('multicast-forwarding-cache')
  }
  xo.text('\n')
}

const MRT6_FIELDS: Readonly<Record<string, string>> = {
  mrts_upcalls: 'upcalls',
}

/** mrt6_stats(): silent when net.inet6.ip6.mrt6stat is absent (fetch_stats ignores ENOENT). */
export function emitMrt6Stats(xo: Xo, sys: Syscalls, hideZero: boolean): void {
  let stats: ReadonlyArray<readonly [string, number]>
  try {
    stats = sys.mroute6Tables().stats
  } catch (e) {
    asSysError(e)
    return
  }
  const values = new Map(stats)
  xo.openContainer('multicast-statistics')
  xo.text('IPv6 multicast forwarding:\n')
  for (const [k, text, p, field] of MRT_LINES) {
    const n = values.get(k.replace('mrts_', 'mrt6s_')) ?? 0
    // mroute6.c words the upcall line as mroute.c does but encodes it as `upcalls`.
    if (n !== 0 || !hideZero) emitCounters(xo, text, [n], [MRT6_FIELDS[k] ?? field], p)
  }
  xo.closeContainer('multicast-statistics')
}

/** [counter, text, plural, field] of mrt_stats(). */
const MRT_LINES: ReadonlyArray<readonly [string, string, Plural, string]> = [
  ['mrts_mfc_lookups', '\t%d multicast forwarding cache lookup%s\n', 's', 'cache-lookups'],
  ['mrts_mfc_misses', '\t%d multicast forwarding cache miss%s\n', 'es', 'cache-misses'],
  ['mrts_upcalls', '\t%d upcall%s to multicast routing daemon\n', 's', 'upcalls-total'],
  ['mrts_upq_ovflw', '\t%d upcall queue overflow%s\n', 's', 'upcall-overflows'],
  [
    'mrts_upq_sockfull',
    '\t%d upcall%s dropped due to full socket buffer\n',
    's',
    'upcalls-dropped-full-buffer',
  ],
  ['mrts_cache_cleanups', '\t%d cache cleanup%s\n', 's', 'cache-cleanups'],
  ['mrts_no_route', '\t%d datagram%s with no route for origin\n', 's', 'dropped-no-origin'],
  ['mrts_bad_tunnel', '\t%d datagram%s arrived with bad tunneling\n', 's', 'dropped-bad-tunnel'],
  ['mrts_cant_tunnel', '\t%d datagram%s could not be tunneled\n', 's', 'dropped-could-not-tunnel'],
  ['mrts_wrong_if', '\t%d datagram%s arrived on wrong interface\n', 's', 'dropped-wrong-incoming-interface'],
  ['mrts_drop_sel', '\t%d datagram%s selectively dropped\n', 's', 'dropped-selectively'],
  ['mrts_q_overflow', '\t%d datagram%s dropped due to queue overflow\n', 's', 'dropped-queue-overflow'],
  ['mrts_pkt2large', '\t%d datagram%s dropped for being too large\n', 's', 'dropped-too-large'],
]

/** mrt_stats(): struct mrtstat; zero counters left out with -ss (`hideZero`); `stderr` as fprintf's. */
export function emitMrtStats(xo: Xo, sys: Syscalls, hideZero: boolean, stderr: Warn): void {
  let stats: ReadonlyArray<readonly [string, number]>
  try {
    stats = sys.protoStats('mroute')
  } catch (e) {
    asSysError(e)
    // The kernel has no mrtstat symbol without the module.
    stderr('No IPv4 MROUTING kernel support.\n')
    return
  }
  const values = new Map(stats)
  xo.text('IPv4 multicast forwarding:\n')
  xo.openContainer('multicast-statistics')
  for (const [k, text, p, field] of MRT_LINES) {
    const n = values.get(k) ?? 0
    if (n !== 0 || !hideZero) emitCounters(xo, text, [n], [field], p)
  }
  xo.closeContainer('multicast-statistics')
}
