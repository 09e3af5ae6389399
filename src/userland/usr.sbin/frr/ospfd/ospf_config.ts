/**
 * ospfd's configuration (FRR's `router ospf` node and the `ip ospf` interface settings) as plain
 * data, and its part of `show running-config`. The vty commands (ospf_cmds.ts) edit it; ospfd reads
 * it whenever it changes and on every interface poll.
 *
 * Must not: touch the kernel; everything here is data.
 */

import { formatIpv4 } from '../../../../wire/addr.js'

export const OSPF_HELLO_S = 10
export const OSPF_DEAD_S = 40
export const OSPF_RETRANSMIT_S = 5
/** FRR's cost for an interface whose bandwidth it does not know (OSPF_OUTPUT_COST_DEFAULT). */
export const OSPF_COST_DEFAULT = 10
/** FRR's metric for redistributed routes (`redistribute X` without `metric`), type 2. */
export const OSPF_EXT_METRIC_DEFAULT = 20

export interface OspfIfConfig {
  cost?: number
  hello?: number
  dead?: number
  retransmit?: number
  priority?: number
  network?: 'point-to-point' | 'broadcast'
  /** `ip ospf area X` (as written, and its value). */
  area?: { text: string; id: number }
  /** `ip ospf authentication [null|message-digest]` (RFC 2328 D: AuType 0, 1 or 2); unset: the area's. */
  auth?: 'null' | 'simple' | 'message-digest' | 'key-chain'
  /** `ip ospf authentication key-chain NAME` (RFC 5709's HMAC-SHA or MD5 keys from lib/keychain.ts). */
  keychain?: string
  /** `ip ospf authentication-key KEY` (AuType 1's password, at most 8 characters). */
  authKey?: string
  /** `ip ospf message-digest-key N md5 KEY` in the order given (the last one signs). */
  mdKeys?: Array<{ id: number; key: string }>
}

/** A virtual link and its own authentication (ospf_vlink_auth.ts), as an interface has. */
export interface OspfVlink {
  area: number
  areaText: string
  peer: number
  auth?: 'null' | 'simple' | 'message-digest'
  authKey?: string
  mdKeys?: Array<{ id: number; key: string }>
}

export interface OspfRedist {
  metric: number | null
  metricType: 1 | 2
}

export interface OspfConfig {
  enabled: boolean
  /** `ospf router-id`, or null to pick one from the interfaces (FRR's highest address). */
  routerId: number | null
  /** `network A.B.C.D/M area X` in the order given. */
  networks: Array<{ addr: number; len: number; area: number; areaText: string }>
  redistribute: Map<string, OspfRedist>
  passive: Set<string>
  /** `max-lsa N`: LSAs one database holds at most (VirtNet's bound; FRR has none by default). */
  maxLsa: number | null
  ifs: Map<string, OspfIfConfig>
  /** `area X virtual-link A.B.C.D` in the order given (RFC 2328 §15; ospf_vlink.ts). */
  vlinks: OspfVlink[]
  /** `area X authentication [message-digest]`: AuType 1 or 2 by area. */
  areaAuth: Map<number, { text: string; type: 1 | 2 }>
}

export function newOspfConfig(): OspfConfig {
  return {
    enabled: false,
    routerId: null,
    networks: [],
    redistribute: new Map(),
    passive: new Set(),
    maxLsa: null,
    ifs: new Map(),
    vlinks: [],
    areaAuth: new Map(),
  }
}

export function ospfIfConfig(c: OspfConfig, name: string): OspfIfConfig {
  let i = c.ifs.get(name)
  if (i === undefined) {
    i = {}
    c.ifs.set(name, i)
  }
  return i
}

/** An area id as FRR takes it: dotted (`0.0.0.1`) or a decimal number. */
export function parseAreaId(s: string): number | null {
  if (/^\d+$/.test(s)) {
    const n = Number(s)
    return n <= 0xffffffff ? n : null
  }
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s)
  if (m === null) return null
  const p = m.slice(1).map(Number)
  if (p.some((x) => x > 255)) return null
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0
}

/** The `router ospf` section and `ip ospf` interface lines of `show running-config`. */
export function ospfRunningConfig(c: OspfConfig): { ifLines: Map<string, string[]>; router: string[] } {
  const ifLines = new Map<string, string[]>()
  for (const [name, i] of c.ifs) {
    const lines: string[] = []
    if (i.area !== undefined) lines.push(` ip ospf area ${i.area.text}`)
    if (i.auth !== undefined)
      lines.push(
        i.auth === 'simple'
          ? ' ip ospf authentication'
          : ` ip ospf authentication ${i.auth}${i.auth === 'key-chain' ? ` ${i.keychain}` : ''}`,
      )
    if (i.authKey !== undefined) lines.push(` ip ospf authentication-key ${i.authKey}`)
    if (i.cost !== undefined) lines.push(` ip ospf cost ${i.cost}`)
    if (i.dead !== undefined) lines.push(` ip ospf dead-interval ${i.dead}`)
    if (i.hello !== undefined) lines.push(` ip ospf hello-interval ${i.hello}`)
    for (const k of i.mdKeys ?? []) lines.push(` ip ospf message-digest-key ${k.id} md5 ${k.key}`)
    if (i.network !== undefined) lines.push(` ip ospf network ${i.network}`)
    if (i.priority !== undefined) lines.push(` ip ospf priority ${i.priority}`)
    if (i.retransmit !== undefined) lines.push(` ip ospf retransmit-interval ${i.retransmit}`)
    if (lines.length > 0) ifLines.set(name, lines)
  }
  const router: string[] = []
  if (c.enabled) {
    router.push('router ospf')
    if (c.routerId !== null) router.push(` ospf router-id ${formatIpv4(c.routerId)}`)
    for (const [src, r] of c.redistribute) {
      let l = ` redistribute ${src}`
      if (r.metric !== null) l += ` metric ${r.metric}`
      if (r.metricType === 1) l += ' metric-type 1'
      router.push(l)
    }
    if (c.passive.has('default')) router.push(' passive-interface default')
    for (const p of c.passive) if (p !== 'default') router.push(` passive-interface ${p}`)
    for (const n of c.networks) router.push(` network ${formatIpv4(n.addr)}/${n.len} area ${n.areaText}`)
    for (const a of c.areaAuth.values())
      router.push(` area ${a.text} authentication${a.type === 2 ? ' message-digest' : ''}`)
    for (const v of c.vlinks)
      router.push(` area ${v.areaText} virtual-link ${formatIpv4(v.peer)}`, ...vlinkAuthLines(v))
    if (c.maxLsa !== null) router.push(` max-lsa ${c.maxLsa}`)
    router.push('exit')
  }
  return { ifLines, router }
}

/** The `area X virtual-link A.B.C.D …` lines of one link's authentication, as FRR writes them. */
export function vlinkAuthLines(v: OspfVlink): string[] {
  const head = ` area ${v.areaText} virtual-link ${formatIpv4(v.peer)}`
  const out: string[] = []
  if (v.auth !== undefined) out.push(`${head} authentication${v.auth === 'simple' ? '' : ` ${v.auth}`}`)
  if (v.authKey !== undefined) out.push(`${head} authentication-key ${v.authKey}`)
  for (const k of v.mdKeys ?? []) out.push(`${head} message-digest-key ${k.id} md5 ${k.key}`)
  return out
}
