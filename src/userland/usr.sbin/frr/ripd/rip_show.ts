/**
 * ripd's `show ip rip` and `show ip rip status` text, laid out as FRR's ripd prints them, from the
 * daemon's table, configuration, interfaces and neighbour counters.
 *
 * Must not: change anything it is shown.
 */

import { formatIpv4 } from '../../../../wire/addr.js'
import { ripMmss as mmss } from '../lib/rip_table.js'
import type { RipConfig } from './rip_config.js'
import { type RipIface, type RipRib, type RipRoute, SEC_NS } from './rip_rib.js'

/** Per-neighbour counters for `show ip rip status` (Routing Information Sources). */
export interface Peer {
  badPackets: number
  badRoutes: number
  last: number
}

/** A RIP interface of the daemon. */
export interface Active {
  ifc: RipIface
  /** The address its updates come from (and the group was joined with). */
  addr: number
}

/** What `show ip rip status` reads from the daemon. */
export interface RipShowState {
  cfg: RipConfig
  rib: RipRib
  active: ReadonlyMap<string, Active>
  peers: ReadonlyMap<number, Peer>
  nextUpdate: number
}

function pad(s: string | number, w: number, left = true): string {
  const t = String(s)
  if (t.length >= w) return t
  return left ? t + ' '.repeat(w - t.length) : ' '.repeat(w - t.length) + t
}

function codeOf(r: RipRoute): string {
  if (r.origin === 'rip') return 'R(n)'
  if (r.addr === 0 && r.len === 0 && r.origin === 'static') return 'R(d)'
  if (r.origin === 'connected') return r.ifName !== '' ? 'C(i)' : 'C(r)'
  return r.origin === 'static' ? 'S(r)' : 'K(r)'
}

export function showRip(rib: RipRib, now: number): string {
  let out =
    'Codes: R - RIP, C - connected, S - Static, O - OSPF, B - BGP\n' +
    'Sub-codes:\n' +
    '      (n) - normal, (s) - static, (d) - default, (r) - redistribute,\n' +
    '      (i) - interface\n\n' +
    '     Network            Next Hop         Metric From            Tag Time\n'
  for (const r of rib.sorted()) {
    const code = codeOf(r)
    const head = `${code} ${formatIpv4(r.addr)}/${r.len}`
    out += pad(head, 24)
    out += `${pad(formatIpv4(r.nextHop), 20)} ${pad(r.metric, 2, false)} `
    out += r.origin === 'rip' ? `${pad(formatIpv4(r.from), 15)} ` : 'self            '
    out += pad(r.tag, 3, false)
    if (r.origin === 'rip')
      out += ` ${mmss((r.gcAt !== Number.POSITIVE_INFINITY ? r.gcAt : r.expires) - now)}`
    out += '\n'
  }
  return out
}

export function showRipStatus(d: RipShowState, now: number): string {
  const c = d.cfg
  const redist = [...c.redistribute.keys()].join(' ')
  let out = 'Routing Protocol is "rip"\n'
  out += `  Sending updates every ${c.timers.update} seconds with +/-50%, next due in ${Math.max(0, Math.round((d.nextUpdate - now) / SEC_NS))} seconds\n`
  out += `  Timeout after ${c.timers.timeout} seconds, garbage collect after ${c.timers.garbage} seconds\n`
  out += '  Outgoing update filter list for all interface is not set\n'
  out += '  Incoming update filter list for all interface is not set\n'
  out += `  Default redistribution metric is ${c.defaultMetric}\n`
  out += `  Redistributing:${redist === '' ? '' : ` ${redist}`}\n`
  out += `  Default version control: send version 2, receive ${c.version === 2 ? 'version 2' : 'any version'} \n`
  out += '    Interface        Send  Recv   Key-chain\n'
  for (const a of d.active.values())
    if (!a.ifc.passive) out += `    ${pad(a.ifc.name, 17)}2     ${c.version === 2 ? '2    ' : '1 2  '}  \n`
  out += '\n  Routing for Networks:\n'
  for (const n of c.networks) out += `    ${n}\n`
  const passive = [...d.active.values()].filter((a) => a.ifc.passive)
  if (passive.length > 0) {
    out += '  Passive Interface(s):\n'
    for (const a of passive) out += `    ${a.ifc.name}\n`
  }
  out += '  Routing Information Sources:\n'
  out += '    Gateway          BadPackets BadRoutes  Distance Last Update\n'
  for (const [addr, p] of [...d.peers].sort((x, y) => x[0] - y[0])) {
    const ago = Math.floor((now - p.last) / SEC_NS)
    const t = `${String(Math.floor(ago / 3600)).padStart(2, '0')}:${String(Math.floor(ago / 60) % 60).padStart(2, '0')}:${String(ago % 60).padStart(2, '0')}`
    out += `    ${pad(formatIpv4(addr), 16)} ${pad(p.badPackets, 10, false)} ${pad(p.badRoutes, 9, false)} ${pad(120, 9, false)}   ${t}\n`
  }
  const k = d.rib.counters
  out += `  Distance: (default is 120)\n`
  out += `  Dropped: ${k.badPackets} bad packets, ${k.badRoutes} bad routes, ${k.tableFull} over the table limit\n`
  return out
}
