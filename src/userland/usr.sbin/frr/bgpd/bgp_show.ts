/**
 * bgpd's `show` output in FRR 8's layout: `show ip bgp` (the table with status codes `*>`, `i`,
 * columns Network / Next Hop / Metric / LocPrf / Weight / Path), `show ip bgp summary` (one line per
 * neighbour, state or prefixes received) and `show ip bgp neighbors` (the basics of each session).
 *
 * Must not: change anything; it only reads the daemon's tables.
 */

import { formatIpv4 } from '../../../../wire/addr.js'
import { formatAsPath } from '../../../../wire/routing/bgp.js'
import type { FrrState } from '../vty_cmds.js'
import type { Peer } from './bgp_peer.js'
import type { RibEntry } from './bgp_rib.js'

export interface BgpShowSource {
  readonly rib: ReadonlyMap<string, RibEntry>
  readonly peers: ReadonlyMap<number, Peer>
  readonly state: FrrState
  readonly tableVersion: number
  routerId(): number
  localAs(): number
  now(): number
}

const ORIGIN = ['i', 'e', '?'] as const

/** FRR's peer_uptime: hh:mm:ss under a day, then XdYYhZZm, then XXwYdZZh. */
export function bgpUptime(ns: number): string {
  const s = Math.max(0, Math.floor(ns / 1e9))
  const p = (n: number) => String(n).padStart(2, '0')
  const d = Math.floor(s / 86400)
  const h = Math.floor(s / 3600) % 24
  const m = Math.floor(s / 60) % 60
  if (d === 0) return `${p(Math.floor(s / 3600))}:${p(m)}:${p(s % 60)}`
  if (d < 7) return `${d}d${p(h)}h${p(m)}m`
  return `${p(Math.floor(d / 7))}w${d % 7}d${p(h)}h`
}

function sortedEntries(src: BgpShowSource): RibEntry[] {
  return [...src.rib.values()].sort((a, b) => (a.addr >>> 0) - (b.addr >>> 0) || a.len - b.len)
}

export function showTable(src: BgpShowSource): string {
  if (src.localAs() === 0) return '% BGP instance not found\n'
  const lines = [
    `BGP table version is ${src.tableVersion}, local router ID is ${formatIpv4(src.routerId())}, vrf id 0`,
    `Default local pref ${src.state.bgp.localPref}, local AS ${src.localAs()}`,
    'Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,',
    '               i internal, r RIB-failure, S Stale, R Removed',
    "Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self",
    'Origin codes:  i - IGP, e - EGP, ? - incomplete',
    'RPKI validation codes: V valid, I invalid, N Not found',
    '',
    '   Network          Next Hop            Metric LocPrf Weight Path',
  ]
  let routes = 0
  let paths = 0
  for (const e of sortedEntries(src)) {
    if (e.paths.length === 0) continue
    routes++
    // The best path first, then the others as they arrived.
    const ordered = e.best === null ? e.paths : [e.best, ...e.paths.filter((p) => p !== e.best)]
    let first = true
    for (const p of ordered) {
      paths++
      const status = `${p.valid ? '*' : ' '}${p === e.best ? '>' : ' '}${p.peer?.ibgp ? 'i' : ' '}`
      let row = status
      if (first) {
        const net = `${formatIpv4(e.addr)}/${e.len}`
        row += net.length >= 17 ? `${net}\n${' '.repeat(20)}` : net.padEnd(17)
      } else row += ' '.repeat(17)
      first = false
      const nh = formatIpv4(p.attrs.nextHop)
      row += nh.length >= 16 ? `${nh}\n${' '.repeat(36)}` : nh.padEnd(16)
      row += p.attrs.med === null ? ' '.repeat(10) : String(p.attrs.med).padStart(10)
      row += p.attrs.localPref === null ? ' '.repeat(7) : String(p.attrs.localPref).padStart(7)
      row += `${String(p.weight).padStart(7)} `
      const path = formatAsPath(p.attrs.asPath)
      row += `${path === '' ? '' : `${path} `}${ORIGIN[p.attrs.origin] ?? '?'}`
      lines.push(row)
    }
  }
  if (routes === 0) return 'No BGP prefixes displayed, 0 exist\n'
  lines.push('', `Displayed  ${routes} routes and ${paths} total paths`)
  return `${lines.join('\n')}\n`
}

function pfxCell(src: BgpShowSource, p: Peer): { rcd: string; snt: string } {
  const policy = !p.ibgp && src.state.bgp.ebgpRequiresPolicy
  if (p.state !== 'Established') {
    const st = p.overflow ? 'Idle (PfxCt)' : p.adminDown ? 'Idle (Admin)' : p.state
    return { rcd: st, snt: '0' }
  }
  return policy ? { rcd: '(Policy)', snt: '(Policy)' } : { rcd: String(p.pfxRcd), snt: String(p.pfxSnt) }
}

function sortedPeers(src: BgpShowSource): Peer[] {
  return [...src.peers.values()].sort((a, b) => a.addr - b.addr)
}

export function showSummary(src: BgpShowSource): string {
  if (src.localAs() === 0) return '% BGP instance not found\n'
  const peers = sortedPeers(src)
  const paths = [...src.rib.values()].reduce((n, e) => n + e.paths.length, 0)
  const lines = [
    '',
    'IPv4 Unicast Summary (VRF default):',
    `BGP router identifier ${formatIpv4(src.routerId())}, local AS number ${src.localAs()} vrf-id 0`,
    `BGP table version ${src.tableVersion}`,
    `RIB entries ${src.rib.size}, using ${src.rib.size * 184} bytes of memory`,
    `Peers ${peers.length}, using ${peers.length * 727} KiB of memory`,
  ]
  if (paths > 0) lines.splice(5, 0, `Paths ${paths}, using ${paths * 72} bytes of memory`)
  lines.push(
    '',
    'Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc',
  )
  const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0)
  for (const p of peers) {
    const n = src.state.bgp.neighbors.get(p.addr)
    const name = formatIpv4(p.addr)
    let row = name.length >= 16 ? `${name}\n${' '.repeat(16)}` : name.padEnd(16)
    const up =
      p.state === 'Established'
        ? bgpUptime(src.now() - p.upSince)
        : p.downSince === 0
          ? 'never'
          : bgpUptime(src.now() - p.downSince)
    const cell = pfxCell(src, p)
    row += `4 ${String(p.remoteAs).padStart(10)} ${String(sum(p.rx)).padStart(9)} ${String(sum(p.txc)).padStart(9)}`
    row += ` ${String(0).padStart(8)} ${'0'.padStart(4)} ${'0'.padStart(4)} ${up.padStart(8)} ${cell.rcd.padStart(12)}`
    row += ` ${cell.snt.padStart(8)} ${n?.description ?? 'N/A'}`
    lines.push(row)
  }
  lines.push('', `Total number of neighbors ${peers.length}`)
  return `${lines.join('\n')}\n`
}

export function showNeighbors(src: BgpShowSource, only: number | null): string {
  const peers = sortedPeers(src).filter((p) => only === null || p.addr === only)
  if (only !== null && peers.length === 0) return `% No such neighbor or address family\n`
  const out: string[] = []
  const now = src.now()
  for (const p of peers) {
    const n = src.state.bgp.neighbors.get(p.addr)
    const s = p.session
    out.push(
      `BGP neighbor is ${formatIpv4(p.addr)}, remote AS ${p.remoteAs}, local AS ${src.localAs()}, ${p.ibgp ? 'internal' : 'external'} link`,
    )
    if (n?.description != null) out.push(` Description: ${n.description}`)
    out.push(
      `  BGP version 4, remote router ID ${formatIpv4(p.remoteId)}, local router ID ${formatIpv4(src.routerId())}`,
    )
    out.push(
      `  BGP state = ${p.state}${p.state === 'Established' ? `, up for ${bgpUptime(now - p.upSince)}` : ''}`,
    )
    const ago = (t: number) => (t === 0 ? 'never' : bgpUptime(now - t))
    out.push(`  Last read ${ago(p.lastRead)}, Last write ${ago(p.lastWrite)}`)
    out.push(
      `  Hold time is ${s?.hold ?? p.holdCfg}, keepalive interval is ${s?.keepalive ?? p.keepaliveCfg} seconds`,
    )
    if (s !== null) {
      out.push('  Neighbor capabilities:')
      out.push(`    4 Byte AS: advertised${s.as4 ? ' and received' : ''}`)
      out.push(`    Route refresh: advertised${s.open?.routeRefresh ? ' and received(new)' : ''}`)
      out.push(`    Address Family IPv4 Unicast: advertised${s.open?.mpIpv4 ? ' and received' : ''}`)
    }
    out.push(
      '  Message statistics:',
      '    Inq depth is 0',
      '    Outq depth is 0',
      '                         Sent       Rcvd',
    )
    const row = (label: string, a: number, b: number) =>
      `    ${label.padEnd(18)}${String(a).padStart(10)} ${String(b).padStart(10)}`
    out.push(row('Opens:', p.txc.open, p.rx.open))
    out.push(row('Notifications:', p.txc.notification, p.rx.notification))
    out.push(row('Updates:', p.txc.update, p.rx.update))
    out.push(row('Keepalives:', p.txc.keepalive, p.rx.keepalive))
    out.push(row('Route Refresh:', p.txc.refresh, p.rx.refresh))
    const tot = (c: Record<string, number>) => Object.values(c).reduce((x, y) => x + y, 0)
    out.push(row('Total:', tot(p.txc), tot(p.rx)))
    out.push(`  Minimum time between advertisement runs is 0 seconds`, '')
    out.push(' For address family: IPv4 Unicast')
    out.push(`  ${p.pfxRcd} accepted prefixes`)
    if (n?.maxPrefix != null)
      out.push(`  Maximum prefixes allowed ${n.maxPrefix}${n.maxPrefixWarnOnly ? ' (warning-only)' : ''}`)
    out.push('')
    out.push(`  Connections established ${p.established}; dropped ${p.dropped}`)
    out.push(
      `  Last reset ${p.downSince === 0 ? 'never' : `${bgpUptime(now - p.downSince)}, due to ${p.lastReset}`}`,
    )
    out.push(`  Malformed messages received ${p.malformed}`)
    if (s !== null) {
      out.push(`Local host: ${formatIpv4(s.localAddr)}, Local port: ${s.localPort}`)
      out.push(`Foreign host: ${formatIpv4(p.addr)}, Foreign port: ${s.remotePort}`)
    }
    out.push('')
  }
  return `${out.join('\n')}\n`
}
