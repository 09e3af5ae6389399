/**
 * ospf6d's `show ipv6 ospf6`, `show ipv6 ospf6 neighbor`, `show ipv6 ospf6 interface`, `show ipv6
 * ospf6 database` and `show ipv6 ospf6 route`, laid out as FRR's ospf6d prints them, from the engine.
 *
 * Must not: change anything it shows.
 */

import { formatIpv4 } from '../../../../wire/addr.js'
import { formatIpv6 } from '../../../../wire/inet6/in6_addr.js'
import {
  Ls6Type,
  parseExternal6,
  parseInterPrefix6,
  parseInterRouter6,
  parseIntraPrefix6,
  parseLink6,
  parseNetwork6,
  parseRouter6,
} from '../../../../wire/routing/ospf6.js'
import type { Lsdb } from '../ospfd/ospf_lsdb.js'
import { ageOf, SEC_NS } from '../ospfd/ospf_lsdb.js'
import type { Ospf6Engine } from './ospf6_engine.js'
import { NBR_STATE_NAMES, type Nbr6, NbrState, type Ospf6If } from './ospf6_types.js'

const ip = formatIpv4

function pad(s: string | number, w: number, left = true): string {
  const t = String(s)
  if (t.length >= w) return t
  return left ? t + ' '.repeat(w - t.length) : ' '.repeat(w - t.length) + t
}

/** FRR's `hh:mm:ss` timers. */
function hms(ns: number): string {
  const s = Math.max(0, Math.floor(ns / SEC_NS))
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`
}

function nbrRole(i: Ospf6If, n: Nbr6): string {
  if (i.type === 'point-to-point' || i.type === 'virtual') return 'PointToPoint'
  if (n.routerId === i.dr) return 'DR'
  if (n.routerId === i.bdr) return 'BDR'
  return 'DROther'
}

export function showOspf6(e: Ospf6Engine): string {
  let out = ` OSPFv3 Routing Process (0) with Router-ID ${ip(e.routerId)}\n`
  out += ' Running 00:00:00\n'
  out += ' Initial SPF scheduling delay 0 millisec(s)\n'
  out += ` Number of AS scoped LSAs is ${e.external.size}\n`
  out += ` Number of areas in this router is ${e.areas.size}\n`
  if (e.externals.length > 0) out += ' This router is an ASBR (injecting external routing information)\n'
  out += ` SPF algorithm executed ${e.counters.spfRuns} times\n`
  for (const a of [...e.areas.values()].sort((x, y) => x.id - y.id)) {
    const ifs = [...e.ifs.values()].filter((i) => i.area === a.id)
    let full = 0
    for (const i of ifs) for (const n of i.nbrs.values()) if (n.state === NbrState.FULL) full++
    const t = e.areaTypes.get(a.id)
    const kind =
      t === undefined ? '' : `[${t.kind === 'stub' ? 'Stub' : 'NSSA'}${t.noSummary ? ', No Summary' : ''}]`
    out += `\n Area ${ip(a.id)}${kind}\n`
    out += `     Number of Area scoped LSAs is ${a.lsdb.size}\n`
    out += `     Interface attached to this area: ${ifs.map((i) => i.name).join(' ')}\n`
    out += `     Number of fully adjacent neighbors in this area: ${full}\n`
  }
  out += `\n Dropped packets: ${[...e.counters.drops].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}\n`
  let refused = e.external.refused
  for (const a of e.areas.values()) refused += a.lsdb.refused
  for (const d of e.links.values()) refused += d.refused
  out += ` LSAs refused (database full): ${refused}\n`
  return `${out}\n`
}

export function showNeighbor6(e: Ospf6Engine, now: number): string {
  const row = (a: string, b: string, c: string, d: string, f: string, g: string, h: string, k: string) =>
    `${pad(a, 15)} ${pad(b, 3, false)} ${pad(c, 11, false)} ${pad(d, 8, false)}/${pad(f, 12)} ${pad(g, 11, false)} ${h}[${k}]\n`
  let out = row('Neighbor ID', 'Pri', 'DeadTime', 'State', 'IfState', 'Duration', 'I/F', 'State')
  for (const i of e.ifs.values())
    for (const n of [...i.nbrs.values()].sort((x, y) => (x.routerId >>> 0) - (y.routerId >>> 0))) {
      if (n.state === NbrState.DOWN) continue
      out += row(
        ip(n.routerId),
        String(n.priority),
        hms(n.deadAt - now),
        NBR_STATE_NAMES[n.state]!,
        nbrRole(i, n),
        hms(now - n.since),
        i.name,
        i.state,
      )
    }
  return out
}

export function showInterface6(e: Ospf6Engine, name: string | null, now: number): string {
  if (name !== null && !e.ifs.has(name)) return `No such Interface: ${name}\n`
  let out = ''
  for (const i of e.ifs.values()) {
    if (name !== null && i.name !== name) continue
    const type =
      i.type === 'point-to-point'
        ? 'POINTOPOINT'
        : i.type === 'loopback'
          ? 'LOOPBACK'
          : i.type === 'virtual'
            ? 'VIRTUAL'
            : 'BROADCAST'
    out += `${i.name} is ${i.state === 'Down' ? 'down' : 'up'}, type ${type}\n`
    if (i.vl !== undefined) {
      const peer = i.vl.peerAddr === null ? 'unknown' : formatIpv6(i.vl.peerAddr)
      out += `  Virtual link to ${ip(i.vl.peer)} through area ${ip(i.vl.transit)}, peer address ${peer}\n`
    }
    out += `  Interface ID: ${i.ifId}\n`
    out += '  Internet Address:\n'
    out += `    inet6: ${formatIpv6(i.linkLocal)}/64\n`
    for (const p of i.prefixes) out += `    inet6: ${formatIpv6(p.addr)}/${p.len}\n`
    out += `  Instance ID 0, Interface MTU ${i.mtu} (autodetect: ${i.mtu})\n`
    out += '  MTU mismatch detection: enabled\n'
    out += `  Area ID ${ip(i.area)}, Cost ${i.cost}\n`
    out += `  State ${i.state}, Transmit Delay 1 sec, Priority ${i.priority}\n`
    out += '  Timer intervals configured:\n'
    const hello = i.passive || i.state === 'Loopback' ? '' : `(${hms(i.helloAt - now)})`
    out += `   Hello ${i.hello}${hello}, Dead ${i.dead}, Retransmit ${i.retransmit}\n`
    out += `  DR: ${ip(i.dr)} BDR: ${ip(i.bdr)}\n`
    out += `  Number of I/F scoped LSAs is ${e.links.get(i.name)?.size ?? 0}\n`
    out += '    0 Pending LSAs for LSUpdate in Time 00:00:00 [thread off]\n'
    out += '    0 Pending LSAs for LSAck in Time 00:00:00 [thread off]\n'
    if (i.auth) {
      out += '  Authentication trailer is enabled with manual key\n'
      out += `    Packet drop Tx 0, Packet drop Rx ${i.atRxDrops ?? 0}\n`
    } else out += '  Authentication Trailer is disabled\n'
  }
  return out
}

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [Ls6Type.ROUTER]: 'Rtr',
  [Ls6Type.NETWORK]: 'Net',
  [Ls6Type.INTER_PREFIX]: 'IAP',
  [Ls6Type.INTER_ROUTER]: 'IAR',
  [Ls6Type.EXTERNAL]: 'ASE',
  [Ls6Type.NSSA]: 'Type7',
  [Ls6Type.LINK]: 'Lnk',
  [Ls6Type.INTRA_PREFIX]: 'INP',
}

/** What FRR's summary shows in the Payload column, one entry a line. */
function payloads(type: number, d: Uint8Array): string[] {
  const pfx = (p: { addr: Uint8Array; len: number }) => `${formatIpv6(p.addr)}/${p.len}`
  switch (type) {
    case Ls6Type.ROUTER:
      return (parseRouter6(d)?.links ?? []).map((l) => `${ip(l.nbrRid)}/${ip(l.nbrIfId)}`)
    case Ls6Type.NETWORK:
      return (parseNetwork6(d) ?? []).map(ip)
    case Ls6Type.LINK: {
      const l = parseLink6(d)
      return l === null ? [] : [formatIpv6(l.linkLocal), ...l.prefixes.map(pfx)]
    }
    case Ls6Type.INTRA_PREFIX:
      return (parseIntraPrefix6(d)?.prefixes ?? []).map(pfx)
    case Ls6Type.EXTERNAL:
    case Ls6Type.NSSA: {
      const x = parseExternal6(d)
      // FRR 8.4 prints an external default as `::`, without its length.
      return x === null ? [] : [x.prefix.len === 0 ? formatIpv6(x.prefix.addr) : pfx(x.prefix)]
    }
    case Ls6Type.INTER_PREFIX: {
      const x = parseInterPrefix6(d)
      return x === null ? [] : [pfx(x.prefix)]
    }
    case Ls6Type.INTER_ROUTER: {
      const x = parseInterRouter6(d)
      return x === null ? [] : [ip(x.destRid)]
    }
    default:
      return []
  }
}

function dbLines(db: Lsdb, now: number): string {
  let out = '\nType LSId           AdvRouter       Age   SeqNum                        Payload\n'
  for (const x of db.sorted()) {
    const h = x.lsa.hdr
    const ps = payloads(h.type, x.lsa.data)
    const head = `${pad(TYPE_NAMES[h.type] ?? `0x${h.type.toString(16).padStart(4, '0')}`, 4)} ${pad(ip(h.id), 15)}${pad(ip(h.advRtr), 15)}${pad(ageOf(x, now), 4, false)} ${(h.seq >>> 0).toString(16).padStart(8, '0')}`
    const blank = ' '.repeat(head.length)
    if (ps.length === 0) out += `${head}\n`
    ps.forEach((p, k) => {
      out += `${k === 0 ? head : blank} ${pad(p, 30, false)}\n`
    })
  }
  return out
}

export function showDatabase6(e: Ospf6Engine, now: number): string {
  let out = ''
  for (const a of [...e.areas.values()].sort((x, y) => x.id - y.id)) {
    out += `\n        Area Scoped Link State Database (Area ${ip(a.id)})\n`
    out += dbLines(a.lsdb, now)
  }
  for (const [name, db] of e.links) {
    const i = e.ifs.get(name)
    if (i === undefined) continue
    out += `\n        I/F Scoped Link State Database (I/F ${name} in Area ${ip(i.area)})\n`
    out += dbLines(db, now)
  }
  out += '\n        AS Scoped Link State Database\n'
  out += dbLines(e.external, now)
  return `${out}\n`
}

/**
 * FRR's route list: `*N IA fc00:1::/64   fe80::1   eth0 00:01:02`, best marked, N (network),
 * IA/IE/E1/E2 path type, every further next hop on a line of its own.
 */
export function showRoute6(e: Ospf6Engine, since: (key: string) => number, now: number): string {
  let out = ''
  const rows = [...e.routes.entries()].sort(([, a], [, b]) => {
    for (let k = 0; k < 16; k++) if (a.addr[k] !== b.addr[k]) return a.addr[k]! - b.addr[k]!
    return a.len - b.len
  })
  for (const [k, r] of rows) {
    const t = r.kind === 'intra' ? 'IA' : r.kind === 'inter' ? 'IE' : r.kind === 'ext1' ? 'E1' : 'E2'
    const hops = r.nextHops.length > 0 ? r.nextHops : [{ gw: null, ifName: ifOf(e, r.addr, r.len) }]
    hops.forEach((h, j) => {
      const nh = h.gw === null ? '::' : formatIpv6(h.gw)
      if (j === 0)
        out += `*N ${t} ${pad(k, 30)} ${pad(nh, 25)} ${pad(h.ifName, 6, false)} ${hms(now - since(k))}\n`
      else out += `   ${'  '} ${pad('', 30)} ${pad(nh, 25)} ${pad(h.ifName, 6, false)} \n`
    })
  }
  return out
}

function ifOf(e: Ospf6Engine, addr: Uint8Array, len: number): string {
  for (const i of e.ifs.values())
    for (const p of i.prefixes) if (p.len === len && p.addr.every((b, k) => b === addr[k])) return i.name
  return ''
}
