/**
 * isisd's `show` output in FRR's layout: `show isis neighbor`, `show isis database`, `show isis
 * route` (IPv4 and, where IS-IS carries it, IPv6 tables per level), `show isis summary` (with the
 * authentication failures per level). Systems are named by their dynamic hostname (TLV 137) where known, as
 * FRR does.
 *
 * Must not: change the engine.
 */

import { formatIpv4 } from '../../../../wire/addr.js'
import { formatIpv6 } from '../../../../wire/inet6/in6_addr.js'
import { formatSysId } from '../../../../wire/routing/isis.js'
import type { IsisEngine } from './isis_engine.js'
import { Lsdb, type Lsp } from './isis_lsdb.js'
import { atLevel, SEC_NS } from './isis_types.js'

function name(e: IsisEngine, sysId: string): string {
  return e.names.get(sysId) || formatSysId(sysId)
}

/** `4200.aa00.0003`: an SNPA as FRR prints it. */
function snpa(mac: number): string {
  const h = mac.toString(16).padStart(12, '0')
  return `${h.slice(0, 4)}.${h.slice(4, 8)}.${h.slice(8)}`
}

/** `R1.00-00`, `R2.02-00`. */
function lspName(e: IsisEngine, id: string): string {
  return `${name(e, id.slice(0, 12))}.${id.slice(12, 14)}-${id.slice(14)}`
}

export function showNeighbor(e: IsisEngine, tag: string, now: number): string {
  let s = `Area ${tag}:\n  System Id           Interface   L  State        Holdtime SNPA\n`
  for (const c of e.circuits.values())
    for (const a of c.adjs.values())
      for (const l of [1, 2] as const) {
        if (!atLevel(a.levels, l)) continue
        const hold = Math.max(0, Math.ceil((a.expires - now) / SEC_NS))
        const sn = c.desc.p2p ? 'PtP' : snpa(a.mac)
        s += ` ${name(e, a.sysId).padEnd(20)}${c.desc.name.padEnd(12)}${l}  ${a.state.padEnd(14)}${String(hold).padEnd(9)}${sn}\n`
      }
  return s
}

const NLPIDS: Readonly<Record<number, string>> = { 204: 'IPv4', 142: 'IPv6' }

/** An area address as FRR's %pIS prints it: `49.0001`. */
function areaText(a: string): string {
  return `${a.slice(0, 2)}${a.slice(2).replace(/(....)/g, '.$1')}`
}

/**
 * `show isis database detail`: each LSP's TLVs in the order and words of FRR's format_tlvs
 * (isisd/isis_tlvs.c), two spaces in, the up/down bit as ` Down` (RFC 5302 §3.3).
 */
function lspDetail(x: Lsp): string {
  const t = x.tlvs
  let s = ''
  if (t.protocols.length > 0)
    s += `  Protocols Supported: ${t.protocols.map((p) => NLPIDS[p] ?? `Unknown(${p})`).join(', ')}\n`
  for (const a of t.areas) s += `  Area Address: ${areaText(a)}\n`
  if (t.hostname !== null) s += `  Hostname: ${t.hostname}\n`
  for (const r of t.isReach)
    s += `  Extended Reachability: ${formatSysId(r.id.slice(0, 12))}.${r.id.slice(12, 14)} (Metric: ${r.metric})\n`
  for (const a of t.ipAddrs) s += `  IPv4 Interface Address: ${formatIpv4(a)}\n`
  for (const a of t.ip6Addrs) s += `  IPv6 Interface Address: ${formatIpv6(a)}\n`
  for (const r of t.ipReach)
    s += `  Extended IP Reachability: ${formatIpv4(r.addr)}/${r.len} (Metric: ${r.metric})${r.down ? ' Down' : ''}\n`
  for (const r of t.ip6Reach)
    s += `  IPv6 Reachability: ${formatIpv6(r.addr)}/${r.len} (Metric: ${r.metric})${r.down ? ' Down' : ''}${r.external ? ' External' : ''}\n`
  return `${s}\n`
}

export function showDatabase(e: IsisEngine, tag: string, now: number, detail = false): string {
  let s = `Area ${tag}:\n`
  for (const l of [1, 2] as const) {
    if (!atLevel(e.isType, l)) continue
    const db = e.lsdb[l - 1]
    s += `IS-IS Level-${l} link-state database:\nLSP ID                  PduLen  SeqNumber   Chksum  Holdtime  ATT/P/OL\n`
    for (const x of db.sorted()) {
      const own = x.id.startsWith(e.sysId) ? '*' : ' '
      const id = lspName(e, x.id)
      const att = (x.flags >> 3) & 0xf ? 1 : 0
      const p = x.flags & 0x80 ? 1 : 0
      const ol = x.flags & 0x04 ? 1 : 0
      const ck = `0x${x.checksum.toString(16).padStart(4, '0')}`
      const hold = String(Lsdb.remaining(x, now)).padStart(8)
      s += `${id.padEnd(21)}${own}${String(x.pduLen).padStart(7)}   0x${x.seq.toString(16).padStart(8, '0')}  ${ck}${hold}    ${att}/${p}/${ol}\n`
      if (detail) s += lspDetail(x)
    }
    s += `    ${db.lsps.size} LSPs\n\n`
  }
  return s
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => ` ${r.map((c, i) => c.padEnd(w[i]!)).join('  ')}`.trimEnd()
  let s = `${line(rows[0]!)}\n ${'-'.repeat(w.reduce((a, b) => a + b + 2, 0) - 1)}\n`
  for (const r of rows.slice(1)) s += `${line(r)}\n`
  return `${s}\n`
}

function cmp6(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

export function showRoute(e: IsisEngine, tag: string): string {
  let s = `Area ${tag}:\n`
  const v6 = [...e.circuits.values()].some((c) => c.desc.ipv6 === true)
  const v4 = e.circuits.size === 0 || [...e.circuits.values()].some((c) => c.desc.ipv4 !== false)
  for (const l of [1, 2] as const) {
    if (!atLevel(e.isType, l)) continue
    if (v4) {
      s += `IS-IS L${l} IPv4 routing table:\n\n`
      const rows: string[][] = [['Prefix', 'Metric', 'Interface', 'Nexthop', 'Label(s)']]
      const routes = [...e.levelRoutes[l - 1].values()].sort((a, b) => a.addr - b.addr || a.len - b.len)
      for (const r of routes) {
        const p = `${formatIpv4(r.addr)}/${r.len}`
        if (r.nextHops.length === 0) rows.push([p, String(r.metric), '-', '-', '-'])
        for (const [i, h] of r.nextHops.entries())
          rows.push([i === 0 ? p : '', i === 0 ? String(r.metric) : '', h.ifName, formatIpv4(h.gw), '-'])
      }
      s += table(rows)
    }
    if (v6) {
      s += `IS-IS L${l} IPv6 routing table:\n\n`
      const rows: string[][] = [['Prefix', 'Metric', 'Interface', 'Nexthop', 'Label(s)']]
      const routes = [...e.levelRoutes6[l - 1].values()].sort((a, b) => cmp6(a.addr, b.addr) || a.len - b.len)
      for (const r of routes) {
        const p = `${formatIpv6(r.addr)}/${r.len}`
        if (r.nextHops.length === 0) rows.push([p, String(r.metric), '-', '-', '-'])
        for (const [i, h] of r.nextHops.entries())
          rows.push([i === 0 ? p : '', i === 0 ? String(r.metric) : '', h.ifName, formatIpv6(h.gw6!), '-'])
      }
      s += table(rows)
    }
  }
  return s
}

export function showSummary(e: IsisEngine, tag: string, now: number): string {
  let s = `vrf             : default\nProcess Id      : 0\nSystem Id       : ${formatSysId(e.sysId)}\n`
  s += `Up time         : ${Math.floor(now / SEC_NS)} secs ago\nNumber of areas : 1\nArea ${tag}:\n`
  s += `  Net: ${e.areas.map((a) => `${a.slice(0, 2)}${a.slice(2).replace(/(....)/g, '.$1')}.${formatSysId(e.sysId)}.00`).join(', ')}\n`
  s += `  TX counters per PDU type:\n  RX counters per PDU type:\n  Drop counters per PDU type: ${e.dropped}\n`
  for (const l of [1, 2] as const) {
    if (!atLevel(e.isType, l)) continue
    s += `  Level-${l}:\n    LSP0 regenerated: -\n    LSPs purged: -\n    SPF:\n      minimum interval  : 1\n`
    s += `    IPv4 route computation:\n      last run elapsed  : -\n      run count         : ${e.spfRuns}\n`
    s += `    Auth type failures: ${e.authTypeFailures[l - 1]}\n    Auth failures     : ${e.authFailures[l - 1]}\n`
  }
  return s
}
