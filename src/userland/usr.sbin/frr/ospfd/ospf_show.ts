/**
 * ospfd's `show ip ospf`, `show ip ospf neighbor`, `show ip ospf interface`, `show ip ospf database`
 * and `show ip ospf route`, laid out as FRR's ospfd prints them, from the protocol engine's state.
 *
 * Must not: change anything it shows.
 */

import { formatIpv4, maskToPrefix } from '../../../../wire/addr.js'
import { LsType, parseExternalLsa, parseRouterLsa } from '../../../../wire/routing/ospf.js'
import { areaKind, isTranslating, translatingAny } from './areas/ospf_nssa.js'
import type { OspfEngine } from './ospf_engine.js'
import { ageOf, SEC_NS } from './ospf_lsdb.js'
import type { NextHop } from './ospf_spf.js'
import { NBR_STATE_NAMES, NbrState, type OspfIf } from './ospf_types.js'

const ip = formatIpv4

function pad(s: string | number, w: number, left = true): string {
  const t = String(s)
  if (t.length >= w) return t
  return left ? t + ' '.repeat(w - t.length) : ' '.repeat(w - t.length) + t
}

/** FRR's short durations: `35.012s`, `1m02s`, `2h03m04s`. */
function dur(ns: number, ms = false): string {
  const total = Math.max(0, ns) / SEC_NS
  if (total < 60) return ms ? `${total.toFixed(3)}s` : `${Math.floor(total)}s`
  const s = Math.floor(total)
  const p = (n: number) => String(n).padStart(2, '0')
  if (s < 3600) return `${Math.floor(s / 60)}m${p(s % 60)}s`
  return `${Math.floor(s / 3600)}h${p(Math.floor(s / 60) % 60)}m${p(s % 60)}s`
}

function roleOf(i: OspfIf, addr: number): string {
  if (i.type === 'point-to-point') return 'DROther'
  if (addr === i.dr) return 'DR'
  if (addr === i.bdr) return 'Backup'
  return 'DROther'
}

export function showOspf(e: OspfEngine): string {
  let out = ` OSPF Routing Process, Router ID: ${ip(e.routerId)}\n`
  out += ' Supports only single TOS (TOS0) routes\n This implementation conforms to RFC2328\n'
  out += ` ${e.isAbr() ? 'This router is an ABR, ABR type is: Alternative Cisco' : 'This router is not an ABR'}\n`
  if (e.externals.length > 0 || translatingAny(e, e.now))
    out += ' This router is an ASBR (injecting external routing information)\n'
  out += ` SPF algorithm executed ${e.counters.spfRuns} times\n`
  out += ` Number of external LSA ${e.external.size}\n`
  out += ` Number of areas attached to this router: ${e.areas.size}\n`
  for (const a of [...e.areas.values()].sort((x, y) => x.id - y.id)) {
    const ifs = [...e.ifs.values()].filter((i) => i.area === a.id)
    let full = 0
    for (const i of ifs) for (const n of i.nbrs.values()) if (n.state === NbrState.FULL) full++
    out += `\n Area ID: ${ip(a.id)}${a.id === 0 ? ' (Backbone)' : areaTypeSuffix(e, a.id)}\n`
    out += `   Number of interfaces in this area: Total: ${ifs.length}, Active: ${ifs.filter((i) => !i.passive).length}\n`
    out += nssaLines(e, a.id)
    out += `   Number of fully adjacent neighbors in this area: ${full}\n`
    const au = e.auth.areas.get(a.id) ?? 0
    out += `   Area has ${au === 0 ? 'no' : au === 1 ? 'simple password' : 'message digest'} authentication\n`
    let vfull = 0
    for (const v of e.ifs.values())
      if (v.vl?.transit === a.id) for (const n of v.nbrs.values()) if (n.state === NbrState.FULL) vfull++
    if (a.id !== 0) out += `   Number of full virtual adjacencies going through this area: ${vfull}\n`
    out += `   Number of LSA ${a.lsdb.size}\n`
  }
  out += `\n Dropped packets: ${[...e.counters.drops].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}\n`
  out += ` LSAs refused (database full): ${e.external.refused + [...e.areas.values()].reduce((s, a) => s + a.lsdb.refused, 0)}\n`
  return `${out}\n`
}

export function showNeighbor(e: OspfEngine, now: number): string {
  let out =
    '\nNeighbor ID     Pri State           Up Time         Dead Time Address         Interface                        RXmtL RqstL DBsmL\n'
  for (const i of e.ifs.values())
    for (const n of [...i.nbrs.values()].sort((a, b) => (a.routerId >>> 0) - (b.routerId >>> 0))) {
      const st = `${NBR_STATE_NAMES[n.state]}/${n.state >= NbrState.TWO_WAY ? roleOf(i, n.addr) : 'DROther'}`
      const state =
        (i.type === 'point-to-point' || i.type === 'virtual') && n.state >= NbrState.TWO_WAY
          ? `${NBR_STATE_NAMES[n.state]}/-`
          : st
      out += `${pad(ip(n.routerId), 15)} ${pad(n.priority, 3, false)} ${pad(state, 15)} ${pad(dur(now - n.since), 15)} `
      out += `${pad(dur(n.deadAt - now, true), 9, false)} ${pad(ip(n.addr), 15)} ${pad(`${i.name}:${ip(i.addr)}`, 32)} `
      out += `${pad(n.retrans.size, 5, false)} ${pad(n.requests.size, 5, false)} ${pad(n.summary.length, 5, false)}\n`
    }
  return `${out}\n`
}

export function showInterface(e: OspfEngine, name: string | null, now: number): string {
  let out = ''
  for (const i of e.ifs.values()) {
    if (name !== null && i.name !== name) continue
    const bcast = (i.addr | ~i.mask) >>> 0
    out += `${i.name} is up\n`
    out += `  ifindex ${i.ifindex}, MTU ${i.mtu} bytes, BW 0 Mbit <UP,BROADCAST,RUNNING,MULTICAST>\n`
    out += `  Internet Address ${ip(i.addr)}/${i.len}, Broadcast ${ip(bcast)}, Area ${ip(i.area)}\n`
    out += '  MTU mismatch detection: enabled\n'
    const type =
      i.type === 'point-to-point'
        ? 'POINTOPOINT'
        : i.type === 'loopback'
          ? 'LOOPBACK'
          : i.type === 'virtual'
            ? 'VIRTUALLINK'
            : 'BROADCAST'
    out += `  Router ID ${ip(e.routerId)}, Network Type ${type}, Cost: ${i.cost}\n`
    out += `  Transmit Delay is 1 sec, State ${i.state}, Priority ${i.priority}\n`
    if (i.type === 'broadcast') {
      if (i.dr === 0) out += '  No designated router on this network\n'
      else {
        const drId = i.dr === i.addr ? e.routerId : (i.nbrs.get(i.dr)?.routerId ?? i.dr)
        out += `  Designated Router (ID) ${ip(drId)} Interface Address ${ip(i.dr)}/${i.len}\n`
      }
      if (i.bdr === 0) out += '  No backup designated router on this network\n'
      else {
        const bdrId = i.bdr === i.addr ? e.routerId : (i.nbrs.get(i.bdr)?.routerId ?? i.bdr)
        out += `  Backup Designated Router (ID) ${ip(bdrId)}, Interface Address ${ip(i.bdr)}\n`
      }
      if (i.netSeq !== 0)
        out += `  Saved Network-LSA sequence number 0x${(i.netSeq >>> 0).toString(16).padStart(8, '0')}\n`
    }
    out += `  Multicast group memberships: OSPFAllRouters${i.state === 'DR' || i.state === 'Backup' ? ' OSPFDesignatedRouters' : ''}\n`
    out += `  Timer intervals configured, Hello ${i.hello}s, Dead ${i.dead}s, Wait ${i.dead}s, Retransmit ${i.retransmit}\n`
    if (i.passive) out += '    No Hellos (Passive interface)\n'
    else out += `    Hello due in ${dur(i.helloAt - now, true)}\n`
    let adj = 0
    for (const n of i.nbrs.values()) if (n.state === NbrState.FULL) adj++
    out += `  Neighbor Count is ${i.nbrs.size}, Adjacent neighbor count is ${adj}\n`
  }
  return out === '' && name !== null ? `No such interface name\n` : `${out}\n`
}

export function showDatabase(e: OspfEngine, now: number): string {
  let out = `\n       OSPF Router with ID (${ip(e.routerId)})\n\n`
  const row = (id: number, adv: number, age: number, seq: number, ck: number) =>
    `${pad(ip(id), 15)} ${pad(ip(adv), 15)} ${pad(age, 4, false)} 0x${(seq >>> 0).toString(16).padStart(8, '0')} 0x${ck.toString(16).padStart(4, '0')}`
  for (const a of [...e.areas.values()].sort((x, y) => x.id - y.id)) {
    const all = a.lsdb.sorted()
    const sections: Array<[number, string, string]> = [
      [
        LsType.ROUTER,
        'Router Link States',
        'Link ID         ADV Router      Age  Seq#       CkSum  Link count',
      ],
      [LsType.NETWORK, 'Net Link States', 'Link ID         ADV Router      Age  Seq#       CkSum'],
      [LsType.SUMMARY, 'Summary Link States', 'Link ID         ADV Router      Age  Seq#       CkSum  Route'],
      [
        LsType.ASBR_SUMMARY,
        'ASBR-Summary Link States',
        'Link ID         ADV Router      Age  Seq#       CkSum',
      ],
      [
        LsType.NSSA,
        'NSSA-external Link States',
        'Link ID         ADV Router      Age  Seq#       CkSum  Route',
      ],
    ]
    for (const [type, title, head] of sections) {
      const es = all.filter((x) => x.lsa.hdr.type === type)
      if (es.length === 0) continue
      out += `                ${title} (Area ${areaDesc(e, a.id)})\n\n${head}\n`
      for (const x of es) {
        const h = x.lsa.hdr
        let line = row(h.id, h.advRtr, ageOf(x, now), h.seq, h.checksum)
        if (type === LsType.ROUTER) line += ` ${parseRouterLsa(x.lsa.data)?.links.length ?? 0}`
        if (type === LsType.SUMMARY) {
          const mask =
            x.lsa.data.length >= 24 ? new DataView(x.lsa.data.buffer, x.lsa.data.byteOffset).getUint32(20) : 0
          line += ` ${ip((h.id & mask) >>> 0)}/${maskToPrefix(mask)}`
        }
        if (type === LsType.NSSA) line += externalRoute(x.lsa.data, h.id)
        out += `${line}\n`
      }
      out += '\n'
    }
  }
  const ext = e.external.sorted()
  if (ext.length > 0) {
    out += '                AS External Link States\n\n'
    out += 'Link ID         ADV Router      Age  Seq#       CkSum  Route\n'
    for (const x of ext) {
      const h = x.lsa.hdr
      out += `${row(h.id, h.advRtr, ageOf(x, now), h.seq, h.checksum)}${externalRoute(x.lsa.data, h.id)}\n`
    }
    out += '\n'
  }
  return out
}

/** The Route column of an AS-external or NSSA-LSA: `E2 10.0.0.0/24 [0x0]`. */
function externalRoute(data: Uint8Array, id: number): string {
  const p = parseExternalLsa(data)
  if (p === null) return ''
  return ` ${p.type2 ? 'E2' : 'E1'} ${ip((id & p.mask) >>> 0)}/${maskToPrefix(p.mask)} [0x${p.tag.toString(16)}]`
}

/** FRR's ospf_area_desc_string: `0.0.0.1 [NSSA]`, `0.0.0.1 [Stub]`, or the id alone. */
function areaDesc(e: OspfEngine, area: number): string {
  const k = areaKind(e, area)
  return k === 'normal' ? ip(area) : `${ip(area)} [${k === 'nssa' ? 'NSSA' : 'Stub'}]`
}

/** ` (Stub, no summary)` / ` (NSSA)` after a non-backbone area's id in `show ip ospf`, and its shortcut line. */
function areaTypeSuffix(e: OspfEngine, area: number): string {
  const t = e.areaTypes.get(area)
  const kind =
    t === undefined ? '' : ` (${t.kind === 'stub' ? 'Stub' : 'NSSA'}${t.noSummary ? ', no summary' : ''})`
  return `${kind}\n   Shortcutting mode: Default, S-bit consensus: no`
}

/** FRR's NSSA lines of `show ip ospf`: the translator role and state (RFC 3101 §3.1). */
function nssaLines(e: OspfEngine, area: number): string {
  const t = e.areaTypes.get(area)
  if (t?.kind !== 'nssa') return ''
  let out = '   It is an NSSA configuration.\n   Elected NSSA/ABR performs type-7/type-5 LSA translation.\n'
  if (!e.isAbr()) return `${out}   It is not ABR, therefore not Translator.\n`
  if (isTranslating(e, area, e.now))
    out += `   We are an ABR and ${t.translate === 'candidate' ? 'the NSSA Elected Translator.' : t.translate === 'always' ? 'always an NSSA Translator.' : 'never an NSSA Translator.'}\n`
  else
    out += `   We are an ABR, but ${t.translate === 'candidate' ? 'not the NSSA Elected Translator.' : 'never an NSSA Translator.'}\n`
  return out
}

function hops(hs: readonly NextHop[]): string {
  if (hs.length === 0) return ''
  return hs
    .map((h) =>
      h.gw === 0
        ? `                           directly attached to ${h.ifName}\n`
        : `                           via ${ip(h.gw)}, ${h.ifName}\n`,
    )
    .join('')
}

export function showRoute(e: OspfEngine): string {
  const routes = [...e.routes.values()].sort((a, b) => (a.addr >>> 0) - (b.addr >>> 0) || a.len - b.len)
  let out = '============ OSPF network routing table ============\n'
  for (const r of routes) {
    if (r.kind === 'ext1' || r.kind === 'ext2') continue
    const code = r.kind === 'intra' ? 'N   ' : 'N IA'
    out += `${code} ${pad(`${ip(r.addr)}/${r.len}`, 21)} [${r.cost}] area: ${ip(r.area)}\n${hops(r.nextHops)}`
  }
  out += '\n============ OSPF router routing table =============\n'
  for (const rr of [...e.routers.values()].sort((a, b) => (a.routerId >>> 0) - (b.routerId >>> 0))) {
    const what = [rr.abr ? 'ABR' : '', rr.asbr ? 'ASBR' : ''].filter((x) => x !== '').join(', ')
    out += `R    ${pad(ip(rr.routerId), 21)} [${rr.cost}] area: ${ip(rr.area)}, ${what}\n${hops(rr.nextHops)}`
  }
  out += '\n============ OSPF external routing table ===========\n'
  for (const r of routes) {
    if (r.kind !== 'ext1' && r.kind !== 'ext2') continue
    const code = r.kind === 'ext1' ? 'N E1' : 'N E2'
    const cost = r.kind === 'ext1' ? `[${r.cost}]` : `[${r.cost}/${r.cost2}]`
    out += `${code} ${pad(`${ip(r.addr)}/${r.len}`, 21)} ${cost} tag: ${r.tag}\n${hops(r.nextHops)}`
  }
  return `${out}\n`
}
