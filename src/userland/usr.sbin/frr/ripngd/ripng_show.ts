/**
 * ripngd's `show ipv6 ripng` and `show ipv6 ripng status` text, laid out as FRR's ripngd prints them
 * (a route's prefix on one line, next hop / via / metric / tag / time on the next), from the daemon's
 * table, configuration, interfaces and neighbour counters.
 *
 * Must not: change anything it is shown.
 */

import { formatIpv6 } from '../../../../wire/inet6/in6_addr.js'
import { RIPNG_INFINITY } from '../../../../wire/routing/ripng.js'
import { ripMmss as mmss, SEC_NS } from '../lib/rip_table.js'
import type { RipngConfig } from './ripng_config.js'
import type { RipngIface, RipngRib, RipngRoute } from './ripng_rib.js'

/** Per-neighbour counters for `show ipv6 ripng status` (Routing Information Sources). */
export interface RipngPeer {
  addr: Uint8Array
  badPackets: number
  badRoutes: number
  last: number
}

/** What `show ipv6 ripng status` reads from the daemon. */
export interface RipngShowState {
  cfg: RipngConfig
  rib: RipngRib
  active: ReadonlyMap<string, RipngIface>
  peers: ReadonlyMap<string, RipngPeer>
  nextUpdate: number
}

function padR(s: string | number, w: number): string {
  return String(s).padEnd(w)
}

function codeOf(r: RipngRoute): string {
  if (r.origin === 'rip') return 'R(n)'
  if (r.len === 0 && r.origin === 'static' && r.ifName === '' && r.addr.every((x) => x === 0)) return 'R(d)'
  if (r.origin === 'connected') return r.ifName !== '' ? 'C(i)' : 'C(r)'
  return r.origin === 'static' ? 'S(r)' : 'K(r)'
}

export function showRipng(rib: RipngRib, now: number): string {
  let out =
    'Codes: R - RIPng, C - connected, S - Static, O - OSPF, B - BGP\n' +
    'Sub-codes:\n' +
    '      (n) - normal, (s) - static, (d) - default, (r) - redistribute,\n' +
    '      (i) - interface, (a/S) - aggregated/Suppressed\n\n' +
    '   Network      Next Hop                      Via     Metric Tag Time\n'
  for (const r of rib.sorted()) {
    const learned = r.origin === 'rip'
    out += `${codeOf(r)} ${formatIpv6(r.addr)}/${r.len}\n`
    out += ' '.repeat(18)
    out += padR(formatIpv6(r.nextHop), 28)
    out += padR(learned ? r.ifName : r.metric === RIPNG_INFINITY ? 'kill' : 'self', 9)
    out += ` ${String(r.metric).padStart(2)}  ${String(r.tag).padStart(3)}  `
    if (learned || r.metric === RIPNG_INFINITY)
      out += mmss((r.gcAt !== Number.POSITIVE_INFINITY ? r.gcAt : r.expires) - now)
    out += '\n'
  }
  return out
}

function interval(ns: number): string {
  const s = Math.max(0, Math.floor(ns / SEC_NS))
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`
}

export function showRipngStatus(d: RipngShowState, now: number): string {
  const c = d.cfg
  let out = 'Routing Protocol is "RIPng"\n'
  out += `  Sending updates every ${c.timers.update} seconds with +/-50%, next due in ${Math.max(0, Math.round((d.nextUpdate - now) / SEC_NS))} seconds\n`
  out += `  Timeout after ${c.timers.timeout} seconds, garbage collect after ${c.timers.garbage} seconds\n`
  out += '  Outgoing update filter list for all interface is not set\n'
  out += '  Incoming update filter list for all interface is not set\n'
  out += `  Default redistribution metric is ${c.defaultMetric}\n`
  const redist = [...c.redistribute.keys()].join(' ')
  out += `  Redistributing:${redist === '' ? '' : ` ${redist}`}\n`
  out += '  Default version control: send version 1, receive version 1 \n'
  out += '    Interface        Send  Recv\n'
  for (const a of d.active.values()) out += `    ${padR(a.name, 17)}${padR(1, 3)}   ${padR(1, 3)}\n`
  out += '  Routing for Networks:\n'
  for (const n of c.networks) out += `    ${n}\n`
  out += '  Routing Information Sources:\n'
  out += '    Gateway          BadPackets BadRoutes  Distance Last Update\n'
  const peers = [...d.peers.values()].sort((x, y) => (formatIpv6(x.addr) < formatIpv6(y.addr) ? -1 : 1))
  for (const p of peers)
    out += `    ${formatIpv6(p.addr)} \n${' '.repeat(14)} ${String(p.badPackets).padStart(10)} ${String(p.badRoutes).padStart(10)} ${String(120).padStart(10)}      ${interval(now - p.last)}\n`
  const k = d.rib.counters
  out += `  Dropped: ${k.badPackets} bad packets, ${k.badRoutes} bad routes, ${k.tableFull} over the table limit\n`
  return out
}
