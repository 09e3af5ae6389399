/**
 * ospf6d's configuration (FRR's `router ospf6` node and the `ipv6 ospf6` interface settings) as plain
 * data, and its part of `show running-config`. Interfaces join an area either way FRR has taken it:
 * ` ipv6 ospf6 area A` in the interface (FRR 8 and later) or ` interface IF area A` in `router
 * ospf6` (Quagga and older FRR, what IMUNES's quagga model writes). The commands (ospf6_cmds.ts)
 * edit it; ospf6d reads it on every change and interface poll.
 *
 * Must not: touch the kernel; everything here is data.
 */

import { formatIpv4 } from '../../../../wire/addr.js'
import { formatIpv6 } from '../../../../wire/inet6/in6_addr.js'
import type { Ospf6AuthKey } from '../../../../wire/routing/ospf6_auth.js'
import type { Nssa6Range } from './ospf6_nssa_range.js'

/** ospf6d's vty port (TCP 127.0.0.1), as FRR's. */
export const OSPF6D_VTY_PORT = 2606
export const OSPF6_HELLO_S = 10
export const OSPF6_DEAD_S = 40
export const OSPF6_RETRANSMIT_S = 5
/** FRR's cost for an interface whose bandwidth it does not know (10 Mb/s against its 100 Mb/s reference). */
export const OSPF6_COST_DEFAULT = 10
export const OSPF6_EXT_METRIC_DEFAULT = 20

export interface Ospf6IfConfig {
  cost?: number
  hello?: number
  dead?: number
  retransmit?: number
  priority?: number
  network?: 'point-to-point' | 'broadcast'
  passive?: boolean
  /** `ipv6 ospf6 authentication key-id N hash-algo A key K` (RFC 7166's trailer). */
  auth?: Ospf6AuthKey
  /** `ipv6 ospf6 area X` (as written, and its value). */
  area?: { text: string; id: number }
}

export interface Ospf6Config {
  enabled: boolean
  /** `ospf6 router-id` (or Quagga's `router-id`), or null for the highest IPv4 address. */
  routerId: number | null
  /** ` interface IF area A` lines of the router node, in order. */
  ifAreas: Map<string, { text: string; id: number }>
  /** `area A range P` (as written; ospf6d takes one area, so ranges summarise nothing yet). */
  ranges: Array<{ areaText: string; prefix: string; advertise: boolean }>
  redistribute: Map<string, { metric: number | null; metricType: 1 | 2 }>
  /** `area X stub [no-summary]` and `area X nssa [no-summary]` (RFC 3101), by area id. */
  areaTypes: Map<number, Ospf6AreaType>
  /** `area X virtual-link A.B.C.D` (RFC 5340 §4.7), in order. */
  vlinks: Array<{ areaText: string; area: number; peer: number }>
  maxLsa: number | null
  ifs: Map<string, Ospf6IfConfig>
}

/** A stub or not-so-stubby area as configured (an area absent from the map is a normal one). */
export interface Ospf6AreaType {
  text: string
  kind: 'stub' | 'nssa'
  /** No Inter-Area-Prefix-LSAs into it but the default route's. */
  noSummary: boolean
  /** An NSSA's `default-information-originate [metric N] [metric-type 1|2]` (a border router's Type-7 ::/0). */
  dio?: { metric: number | null; type2: boolean }
  /** `area X nssa range P [not-advertise|cost N]`, in prefix order (ospf6_nssa_range.ts). */
  ranges?: Nssa6Range[]
}

export function newOspf6Config(): Ospf6Config {
  return {
    enabled: false,
    routerId: null,
    ifAreas: new Map(),
    ranges: [],
    areaTypes: new Map(),
    redistribute: new Map(),
    vlinks: [],
    maxLsa: null,
    ifs: new Map(),
  }
}

export function ospf6IfConfig(c: Ospf6Config, name: string): Ospf6IfConfig {
  let i = c.ifs.get(name)
  if (i === undefined) {
    i = {}
    c.ifs.set(name, i)
  }
  return i
}

/** The `router ospf6` section and `ipv6 ospf6` interface lines of `show running-config`. */
export function ospf6RunningConfig(c: Ospf6Config): { ifLines: Map<string, string[]>; router: string[] } {
  const ifLines = new Map<string, string[]>()
  for (const [name, i] of c.ifs) {
    const lines: string[] = []
    if (i.area !== undefined) lines.push(` ipv6 ospf6 area ${i.area.text}`)
    if (i.auth !== undefined)
      lines.push(
        ` ipv6 ospf6 authentication key-id ${i.auth.keyId} hash-algo ${i.auth.algo} key ${i.auth.key}`,
      )
    if (i.cost !== undefined) lines.push(` ipv6 ospf6 cost ${i.cost}`)
    if (i.dead !== undefined) lines.push(` ipv6 ospf6 dead-interval ${i.dead}`)
    if (i.hello !== undefined) lines.push(` ipv6 ospf6 hello-interval ${i.hello}`)
    if (i.network !== undefined) lines.push(` ipv6 ospf6 network ${i.network}`)
    if (i.passive === true) lines.push(' ipv6 ospf6 passive')
    if (i.priority !== undefined) lines.push(` ipv6 ospf6 priority ${i.priority}`)
    if (i.retransmit !== undefined) lines.push(` ipv6 ospf6 retransmit-interval ${i.retransmit}`)
    if (lines.length > 0) ifLines.set(name, lines)
  }
  const router: string[] = []
  if (c.enabled) {
    router.push('router ospf6')
    if (c.routerId !== null) router.push(` ospf6 router-id ${formatIpv4(c.routerId)}`)
    for (const [src, r] of c.redistribute) {
      let l = ` redistribute ${src}`
      if (r.metric !== null) l += ` metric ${r.metric}`
      if (r.metricType === 1) l += ' metric-type 1'
      router.push(l)
    }
    for (const r of c.ranges)
      router.push(` area ${r.areaText} range ${r.prefix}${r.advertise ? '' : ' not-advertise'}`)
    for (const [, t] of [...c.areaTypes].sort(([x], [y]) => (x >>> 0) - (y >>> 0))) {
      router.push(` area ${t.text} ${t.kind}${dioText(t)}${t.noSummary ? ' no-summary' : ''}`)
      // FRR's ospf6_area_config_write: not-advertise, else the cost when one was given.
      for (const r of t.ranges ?? [])
        router.push(
          ` area ${t.text} nssa range ${formatIpv6(r.addr)}/${r.len}${!r.advertise ? ' not-advertise' : r.cost !== null ? ` cost ${r.cost}` : ''}`,
        )
    }
    for (const v of c.vlinks) router.push(` area ${v.areaText} virtual-link ${formatIpv4(v.peer)}`)
    for (const [name, a] of c.ifAreas) router.push(` interface ${name} area ${a.text}`)
    if (c.maxLsa !== null) router.push(` max-lsa ${c.maxLsa}`)
    router.push('exit')
  }
  return { ifLines, router }
}

/** FRR 8.4's words for an NSSA's default: the metric as given, the type only when 1. */
function dioText(t: Ospf6AreaType): string {
  if (t.dio === undefined) return ''
  const m = t.dio.metric === null ? '' : ` metric ${t.dio.metric}`
  return ` default-information-originate${m}${t.dio.type2 ? '' : ' metric-type 1'}`
}
