/**
 * What this IS says about itself (ISO 10589 §7.3.7-8, RFC 1195, RFC 5305): the TLVs of its own LSP
 * for a level — area addresses, protocols supported, dynamic hostname (RFC 5301), IP interface
 * addresses, extended IS reachability to each neighbour or pseudonode, extended IP reachability of
 * every IS-IS interface's network, and for `ipv6 router isis` interfaces RFC 5308's IPv6 interface
 * addresses (global ones) and IPv6 reachability of their prefixes — packed into fragments; and the TLVs of the pseudonode LSP it
 * originates as DIS of a LAN (every IS on it at metric 0).
 *
 * Must not: decide when to originate (the engine does), or touch the LSDB.
 */

import { type IpReach, type IsReach, NLPID_IPV4, Tlv } from '../../../../wire/routing/isis.js'
import {
  areasValue,
  ipAddrsValue,
  ipReachEntry,
  isReachEntry,
  textValue,
} from '../../../../wire/routing/isis_build.js'
import {
  type Ip6Reach,
  ip6AddrsValue,
  ip6ReachEntry,
  NLPID_IPV6,
} from '../../../../wire/routing/isis_ipv6.js'
import { type Circuit, upAdjs } from './isis_types.js'

/** LSP size limit (FRR's lsp-mtu 1497: an Ethernet payload less the LLC header). */
export const LSP_MTU = 1497
const LSP_HDR = 27

export interface OwnInfo {
  sysId: string
  areas: readonly string[]
  hostname: string
}

/** Encoded TLVs, each at most 257 bytes, to be packed into fragments. */
function entriesTlvs(code: number, entries: readonly Uint8Array[], out: Uint8Array[]): void {
  let cur: Uint8Array[] = []
  let size = 0
  const flush = () => {
    if (cur.length === 0) return
    const b = new Uint8Array(2 + size)
    b[0] = code
    b[1] = size
    let p = 2
    for (const e of cur) {
      b.set(e, p)
      p += e.length
    }
    out.push(b)
    cur = []
    size = 0
  }
  for (const e of entries) {
    if (size + e.length > 255) flush()
    cur.push(e)
    size += e.length
  }
  flush()
}

function tlv(code: number, v: Uint8Array): Uint8Array {
  const b = new Uint8Array(2 + v.length)
  b[0] = code
  b[1] = v.length
  b.set(v, 2)
  return b
}

/** Pack TLVs into fragment bodies of at most LSP_MTU bytes each (fragment 0 always exists). */
export function pack(tlvs: readonly Uint8Array[]): Uint8Array[] {
  const frags: Uint8Array[][] = [[]]
  let size = LSP_HDR
  for (const t of tlvs) {
    if (size + t.length > LSP_MTU) {
      frags.push([])
      size = LSP_HDR
    }
    frags[frags.length - 1]!.push(t)
    size += t.length
  }
  return frags.map((f) => {
    const n = f.reduce((a, b) => a + b.length, 0)
    const out = new Uint8Array(n)
    let p = 0
    for (const t of f) {
      out.set(t, p)
      p += t.length
    }
    return out
  })
}

/**
 * The TLVs of this IS's own LSP at a level; `leaked` are prefixes of the other level (RFC 1195
 * §3.2, isis_levels.ts), announced after the circuits' own.
 */
export function ownTlvs(
  me: OwnInfo,
  level: 1 | 2,
  circuits: Iterable<Circuit>,
  leaked: { ip: readonly IpReach[]; ip6: readonly Ip6Reach[] } = { ip: [], ip6: [] },
): Uint8Array[] {
  const all = [...circuits]
  const v4 = all.length === 0 || all.some((c) => c.desc.ipv4 !== false)
  const v6 = all.some((c) => c.desc.ipv6 === true)
  const nlpids: number[] = []
  if (v4) nlpids.push(NLPID_IPV4)
  if (v6) nlpids.push(NLPID_IPV6)
  const out: Uint8Array[] = [tlv(Tlv.AREA, areasValue(me.areas)), tlv(Tlv.PROTOCOLS, Uint8Array.from(nlpids))]
  if (me.hostname !== '') out.push(tlv(Tlv.HOSTNAME, textValue(me.hostname)))
  const addrs: number[] = []
  const is: IsReach[] = []
  const ip: IpReach[] = []
  const addrs6: Uint8Array[] = []
  const ip6: Ip6Reach[] = []
  const seen = new Set<string>()
  for (const c of all) {
    if ((c.desc.levels & level) === 0) continue
    if (c.desc.ipv6 === true)
      for (const a of c.desc.addrs6 ?? []) {
        if (addrs6.length < 15) addrs6.push(a.addr)
        const net = masked6(a.addr, a.len)
        const k = `${net.join('.')}/${a.len}`
        if (seen.has(k)) continue
        seen.add(k)
        ip6.push({ addr: net, len: a.len, metric: c.desc.metric, down: false, external: false })
      }
    // An IPv6-only circuit still carries adjacencies (below), but no IPv4 prefixes.
    for (const a of c.desc.ipv4 === false ? [] : c.desc.addrs) {
      if (addrs.length < 63) addrs.push(a.addr)
      const mask = a.len === 0 ? 0 : (0xffffffff << (32 - a.len)) >>> 0
      const net = (a.addr & mask) >>> 0
      const k = `${net}/${a.len}`
      if (seen.has(k)) continue
      seen.add(k)
      ip.push({ addr: net, len: a.len, metric: c.desc.metric, down: false })
    }
    if (c.desc.passive) continue
    const adjs = upAdjs(c, level)
    if (adjs.length === 0) continue
    if (c.desc.p2p) for (const a of adjs) is.push({ id: `${a.sysId}00`, metric: c.desc.metric })
    else {
      // A LAN is one pseudonode, known once the DIS is (ISO 10589 §7.2.7).
      const lan = c.lanId[level - 1]
      const disKnown = c.dis[level - 1] || adjs.some((a) => a.sysId === lan.slice(0, 12))
      if (disKnown) is.push({ id: lan, metric: c.desc.metric })
    }
  }
  for (const r of leaked.ip) {
    const k = `${r.addr}/${r.len}`
    if (seen.has(k)) continue
    seen.add(k)
    ip.push(r)
  }
  for (const r of leaked.ip6) {
    const k = `${r.addr.join('.')}/${r.len}`
    if (seen.has(k)) continue
    seen.add(k)
    ip6.push(r)
  }
  if (addrs.length > 0) out.push(tlv(Tlv.IP_INT_ADDR, ipAddrsValue(addrs)))
  if (addrs6.length > 0) out.push(tlv(Tlv.IPV6_INT_ADDR, ip6AddrsValue(addrs6)))
  entriesTlvs(Tlv.EXT_IS_REACH, is.map(isReachEntry), out)
  entriesTlvs(Tlv.EXT_IP_REACH, ip.map(ipReachEntry), out)
  entriesTlvs(Tlv.IPV6_REACH, ip6.map(ip6ReachEntry), out)
  return out
}

function masked6(a: Uint8Array, len: number): Uint8Array {
  const b = new Uint8Array(16)
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, len - 8 * i))
    b[i] = a[i]! & ((0xff00 >> bits) & 0xff)
  }
  return b
}

/** The TLVs of the pseudonode LSP of a LAN this IS is DIS of. */
export function pseudonodeTlvs(me: OwnInfo, level: 1 | 2, c: Circuit): Uint8Array[] {
  const is: IsReach[] = [{ id: `${me.sysId}00`, metric: 0 }]
  for (const a of upAdjs(c, level)) is.push({ id: `${a.sysId}00`, metric: 0 })
  const out: Uint8Array[] = []
  entriesTlvs(Tlv.EXT_IS_REACH, is.map(isReachEntry), out)
  return out
}
