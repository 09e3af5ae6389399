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

/** `area X nssa range A.B.C.D/M [not-advertise|cost N]` (RFC 3101 §3.2 aggregation by the translator). */
export interface NssaRange {
  addr: number
  len: number
  advertise: boolean
  /** The aggregate's metric; null: the highest of the Type-7s it covers. */
  cost: number | null
}

/** `area X stub [no-summary]` / `area X nssa …` / `area X default-cost N` (an absent area is normal). */
export interface OspfAreaType {
  /** The area id as written (FRR writes it back as given). */
  text: string
  kind: 'stub' | 'nssa'
  noSummary: boolean
  /** The cost of the border router's default summary into the area (FRR's 1). */
  defaultCost: number
  /** RFC 3101 §3.1 NSSATranslatorRole. */
  translate: 'candidate' | 'never' | 'always'
  /** `default-information-originate [metric N] [metric-type 1|2]`: a border router's Type-7 default. */
  dio: { metric: number | null; type2: boolean } | null
  /** `suppress-fa`: translated Type-5s carry forwarding address 0. */
  suppressFa: boolean
  ranges: NssaRange[]
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
  /** Stub areas and NSSAs by area id (ospf_nssa.ts). */
  areaTypes: Map<number, OspfAreaType>
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
    areaTypes: new Map(),
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
    // FRR writes each area's lines together, areas in order of their id.
    const areaIds = [...new Set([...c.areaAuth.keys(), ...c.areaTypes.keys()])].sort((x, y) => x - y)
    for (const id of areaIds) {
      const a = c.areaAuth.get(id)
      if (a !== undefined)
        router.push(` area ${a.text} authentication${a.type === 2 ? ' message-digest' : ''}`)
      const t = c.areaTypes.get(id)
      if (t !== undefined) router.push(...areaTypeLines(t))
    }
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

/** The `area X stub|nssa …`, `default-cost` and `nssa range` lines of one area, as FRR writes them. */
export function areaTypeLines(t: OspfAreaType): string[] {
  const out: string[] = []
  if (t.kind === 'stub') out.push(` area ${t.text} stub${t.noSummary ? ' no-summary' : ''}`)
  else {
    let l = ` area ${t.text} nssa`
    if (t.translate !== 'candidate') l += ` translate-${t.translate}`
    if (t.dio !== null) {
      l += ' default-information-originate'
      if (t.dio.metric !== null) l += ` metric ${t.dio.metric}`
      if (!t.dio.type2) l += ' metric-type 1'
    }
    if (t.noSummary) l += ' no-summary'
    if (t.suppressFa) l += ' suppress-fa'
    out.push(l)
    for (const r of t.ranges) {
      let rl = ` area ${t.text} nssa range ${formatIpv4(r.addr)}/${r.len}`
      if (r.cost !== null) rl += ` cost ${r.cost}`
      if (!r.advertise) rl += ' not-advertise'
      out.push(rl)
    }
  }
  if (t.defaultCost !== 1) out.push(` area ${t.text} default-cost ${t.defaultCost}`)
  return out
}
