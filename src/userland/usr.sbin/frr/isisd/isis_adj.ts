/**
 * IS-IS hellos and adjacencies for the engine (ISO 10589 §8.2, §8.4; RFC 5303): sending LAN IIHs
 * per level (padded, with the SNPAs heard) and p2p IIHs with the three-way adjacency TLV, the
 * circuit's password first (TLV 10, signed once the PDU is whole) and its IPv6 link-local addresses
 * (RFC 5308 TLV 232, the neighbours' IPv6 next hops), taking
 * IIHs in (area and level checks, adjacency state), and DIS election on a LAN.
 *
 * Must not: touch the LSDB; what an adjacency change means for LSPs and SPF is the engine's.
 */

import {
  ALL_ISS,
  ALL_L1_ISS,
  ALL_L2_ISS,
  type Iih,
  NLPID_IPV4,
  P2pState,
  Tlv,
  type Tlvs,
} from '../../../../wire/routing/isis.js'
import { authTlv, signPdu } from '../../../../wire/routing/isis_auth.js'
import {
  areasValue,
  buildLanIih,
  buildP2pIih,
  ipAddrsValue,
  macsValue,
  p2pAdjValue,
  TlvWriter,
} from '../../../../wire/routing/isis_build.js'
import { ip6AddrsValue, NLPID_IPV6 } from '../../../../wire/routing/isis_ipv6.js'
import type { IsisEngine } from './isis_engine.js'
import { type Adj, atLevel, type Circuit, SEC_NS, upAdjs } from './isis_types.js'

const LEVELS = [1, 2] as const
const ids = (x: string, f: number) => `${x}${f.toString(16).padStart(2, '0')}`

export function sendHello(e: IsisEngine, c: Circuit, l: 1 | 2, now: number): void {
  const d = c.desc
  const dis = !d.p2p && c.dis[l - 1]
  const interval = dis ? Math.max(1, d.hello / 3) : d.hello
  // Jitter (ISO 10589 §10.1): up to a tenth less, so that hellos of many ISs do not align.
  const jitter = (e.io.random() % 1000) / 10000
  const next = now + interval * (1 - jitter) * SEC_NS
  c.nextHello[l - 1] = next
  const hold = Math.min(
    65535,
    Math.max(1, Math.round(dis ? (d.hello * d.multiplier) / 3 : d.hello * d.multiplier)),
  )
  const w = new TlvWriter()
  const key = d.password ?? null
  // RFC 5304 §2: the authentication TLV first; its digest is filled in over the finished PDU.
  if (key !== null) w.tlv(Tlv.AUTH, authTlv(key).subarray(2))
  const nlpids: number[] = []
  if (d.ipv4 !== false) nlpids.push(NLPID_IPV4)
  if (d.ipv6 === true) nlpids.push(NLPID_IPV6)
  w.tlv(Tlv.PROTOCOLS, Uint8Array.from(nlpids))
  w.tlv(Tlv.AREA, areasValue(e.areas))
  if (d.addrs.length > 0 && d.ipv4 !== false)
    w.tlv(Tlv.IP_INT_ADDR, ipAddrsValue(d.addrs.slice(0, 63).map((a) => a.addr)))
  // RFC 5308 §2: hellos carry the link-local addresses only.
  const ll = d.ipv6 === true ? (d.linkLocal6 ?? []).slice(0, 15) : []
  if (ll.length > 0) w.tlv(Tlv.IPV6_INT_ADDR, ip6AddrsValue(ll))
  const circuitType = d.levels
  if (d.p2p) {
    const a = [...c.adjs.values()][0]
    const state = a === undefined ? P2pState.DOWN : a.state === 'Up' ? P2pState.UP : P2pState.INITIALIZING
    w.tlv(
      Tlv.P2P_ADJ,
      p2pAdjValue({
        state,
        extCircuitId: d.ifindex,
        nbrSysId: a === undefined ? null : a.sysId,
        nbrExtCircuitId: a?.extCircuitId ?? 0,
      }),
    )
    const pdu = buildP2pIih({
      circuitType,
      sourceId: e.sysId,
      holdTime: hold,
      localCircuitId: c.id,
      tlvs: w.bytes(),
      padTo: Math.min(d.mtu, 1500) - 3,
    })
    if (key !== null) signPdu(pdu, 20, key)
    c.nextHello = [next, next]
    e.io.send(d.name, ALL_ISS, pdu)
    return
  }
  const macs: number[] = []
  for (const a of c.adjs.values()) if (atLevel(a.levels, l)) macs.push(a.mac)
  for (let i = 0; i < macs.length; i += 42) w.tlv(Tlv.IS_NEIGHBORS, macsValue(macs.slice(i, i + 42)))
  const pdu = buildLanIih({
    level: l,
    circuitType,
    sourceId: e.sysId,
    holdTime: hold,
    priority: d.priority,
    lanId: c.lanId[l - 1],
    tlvs: w.bytes(),
    padTo: Math.min(d.mtu, 1500) - 3,
  })
  if (key !== null) signPdu(pdu, 27, key)
  e.io.send(d.name, l === 1 ? ALL_L1_ISS : ALL_L2_ISS, pdu)
}

function areaMatch(e: IsisEngine, areas: readonly string[]): boolean {
  return areas.some((a) => e.areas.includes(a))
}

export function iihInput(e: IsisEngine, c: Circuit, h: Iih, t: Tlvs, mac: number, now: number): void {
  const d = c.desc
  if (h.sourceId === e.sysId) {
    e.drop('own hello')
    return
  }
  if (h.kind === 'p2p') {
    if (!d.p2p) {
      e.drop('p2p hello on broadcast circuit')
      return
    }
    let levels = d.levels & h.circuitType
    if (atLevel(levels, 1) && !areaMatch(e, t.areas)) levels &= 2
    if (levels === 0) {
      e.drop(t.areas.length > 0 && !areaMatch(e, t.areas) ? 'area mismatch' : 'level mismatch')
      return
    }
    let a = c.adjs.get(h.sourceId)
    if (a === undefined) {
      for (const k of [...c.adjs.keys()]) c.adjs.delete(k)
      a = newAdj(h, t, mac, levels, now)
      a.state = 'Initializing'
      c.adjs.set(h.sourceId, a)
    }
    refreshAdj(e, a, h, t, mac, now)
    a.levels = levels
    const before = a.state
    const p = t.p2p
    if (p === null) a.state = 'Up'
    else {
      if (p.nbrSysId !== null && p.nbrSysId !== e.sysId) {
        e.drop('p2p neighbour is another system')
        return
      }
      a.extCircuitId = p.extCircuitId
      if (p.state === P2pState.DOWN) a.state = 'Initializing'
      else if (p.state === P2pState.INITIALIZING) a.state = 'Up'
      else if (a.state === 'Up' || p.nbrSysId === e.sysId) a.state = 'Up'
    }
    if (before !== a.state) {
      if (a.state === 'Up') {
        a.since = now
        // A new p2p adjacency gets the whole database described (ISO 10589 §7.3.17.1).
        for (const l of LEVELS) if (atLevel(levels, l)) c.nextCsnp[l - 1] = now
      }
      sendHello(e, c, 1, now)
      e.adjChanged(c, now)
    }
    return
  }
  if (d.p2p) {
    e.drop('lan hello on p2p circuit')
    return
  }
  const l = h.level as 1 | 2
  if (!atLevel(d.levels, l)) {
    e.drop('level mismatch')
    return
  }
  if (l === 1 && !areaMatch(e, t.areas)) {
    e.drop('area mismatch')
    return
  }
  const key = `${l}:${h.sourceId}`
  let a = c.adjs.get(key)
  if (a === undefined) {
    a = newAdj(h, t, mac, l, now)
    c.adjs.set(key, a)
    // Our next hello lists its SNPA, which is what brings it Up on its side.
    c.nextHello[l - 1] = Math.min(c.nextHello[l - 1], now + 0.01 * SEC_NS)
  }
  const oldLan = a.lanId
  const oldPri = a.priority
  refreshAdj(e, a, h, t, mac, now)
  const before = a.state
  a.state = t.neighborMacs.includes(d.mac) ? 'Up' : 'Initializing'
  if (before !== a.state) {
    if (a.state === 'Up') a.since = now
    e.adjChanged(c, now)
  } else if (oldLan !== a.lanId || oldPri !== a.priority) elect(e, c, now)
}

function newAdj(h: Iih, t: Tlvs, mac: number, levels: number, now: number): Adj {
  return {
    sysId: h.sourceId,
    levels,
    mac,
    state: 'Initializing',
    expires: now,
    holdTime: h.holdTime,
    priority: h.priority,
    lanId: h.lanId,
    circuitType: h.circuitType,
    ipAddrs: [],
    ip6Addrs: [],
    areas: t.areas,
    since: now,
    extCircuitId: 0,
  }
}

function refreshAdj(e: IsisEngine, a: Adj, h: Iih, t: Tlvs, mac: number, now: number): void {
  a.expires = now + Math.max(1, h.holdTime) * SEC_NS
  a.holdTime = h.holdTime
  a.priority = h.priority
  a.lanId = h.lanId
  a.circuitType = h.circuitType
  a.mac = mac
  a.areas = t.areas
  const ll = t.ip6Addrs.filter((x) => x[0] === 0xfe && (x[1]! & 0xc0) === 0x80)
  if (a.ipAddrs.join() !== t.ipAddrs.join() || a.ip6Addrs.map(String).join() !== ll.map(String).join()) {
    a.ipAddrs = t.ipAddrs
    a.ip6Addrs = ll
    for (const l of LEVELS) e.scheduleSpf(l, 0)
  }
}

/** DIS election (ISO 10589 §8.4.5): highest priority, then highest SNPA, among Up ISs and us. */
export function elect(e: IsisEngine, c: Circuit, now: number): void {
  if (c.desc.p2p || c.desc.passive || c.electAfter !== Number.POSITIVE_INFINITY) return
  for (const l of LEVELS) {
    if (!atLevel(c.desc.levels, l)) continue
    const up = upAdjs(c, l)
    let best: Adj | null = null
    for (const a of up)
      if (best === null || a.priority > best.priority || (a.priority === best.priority && a.mac > best.mac))
        best = a
    const self =
      up.length > 0 &&
      (best === null ||
        c.desc.priority > best.priority ||
        (c.desc.priority === best.priority && c.desc.mac > best.mac))
    const was = c.dis[l - 1]
    const oldLan = c.lanId[l - 1]
    if (self || up.length === 0) {
      c.dis[l - 1] = self
      c.lanId[l - 1] = ids(e.sysId, c.id)
    } else {
      c.dis[l - 1] = false
      // The DIS's own LAN ID, as its hellos say; until it says its own, its system ID and ours.
      c.lanId[l - 1] = best!.lanId.slice(0, 12) === best!.sysId ? best!.lanId : c.lanId[l - 1]
    }
    if (was !== c.dis[l - 1]) {
      if (c.dis[l - 1]) c.nextCsnp[l - 1] = now
      else e.resign(c, l, now)
      c.nextHello[l - 1] = now
    }
    if (was !== c.dis[l - 1] || oldLan !== c.lanId[l - 1]) {
      e.scheduleGen(now)
      e.scheduleSpf(l, now)
    }
  }
}
