/**
 * ripd's configuration (FRR's `router rip` node and the `ip rip` interface settings) as plain data,
 * and its `show running-config` text. The vty command interpreter (vty_cmds.ts) edits it; ripd
 * (ripd.ts) reads it on every timer tick.
 *
 * Must not: touch the kernel; everything here is data.
 */

import { formatIpv4 } from '../../../../wire/addr.js'
import { type RipIfConfig, ripIfConfig } from '../lib/rip_table.js'
import { RIP_GARBAGE_S, RIP_TIMEOUT_S, RIP_UPDATE_S } from './rip_rib.js'

/** Route sources `redistribute` names; only connected, static and kernel exist in VirtNet so far. */
export const REDIST_SOURCES = [
  'connected',
  'static',
  'kernel',
  'ospf',
  'bgp',
  'isis',
  'babel',
  'eigrp',
] as const
export type RedistSource = (typeof REDIST_SOURCES)[number]

export type { RipIfConfig }

export interface RipConfig {
  /** `router rip` is configured. */
  enabled: boolean
  /** `network` statements: prefixes as `a.b.c.d/len`, or interface names, in the order given. */
  networks: string[]
  /** `redistribute X [metric N]`: metric 0 means the default metric. */
  redistribute: Map<RedistSource, number>
  /** `passive-interface IF`; 'default' makes every interface passive. */
  passive: Set<string>
  /** `version 2`, or null for FRR's default (send 2, receive 1 and 2). */
  version: number | null
  defaultMetric: number
  defaultOriginate: boolean
  /** `neighbor A.B.C.D`: also sent unicast updates. */
  neighbors: number[]
  timers: { update: number; timeout: number; garbage: number }
  ifs: Map<string, RipIfConfig>
}

export function newRipConfig(): RipConfig {
  return {
    enabled: false,
    networks: [],
    redistribute: new Map(),
    passive: new Set(),
    version: null,
    defaultMetric: 1,
    defaultOriginate: false,
    neighbors: [],
    timers: { update: RIP_UPDATE_S, timeout: RIP_TIMEOUT_S, garbage: RIP_GARBAGE_S },
    ifs: new Map(),
  }
}

export function ifConfig(c: RipConfig, name: string): RipIfConfig {
  return ripIfConfig(c.ifs, name)
}

/** The `router rip` section and `ip rip` interface lines of `show running-config`. */
export function ripRunningConfig(c: RipConfig): { ifLines: Map<string, string[]>; router: string[] } {
  const ifLines = new Map<string, string[]>()
  for (const [name, i] of c.ifs) {
    const lines: string[] = []
    if (!i.splitHorizon) lines.push(' no ip rip split-horizon')
    else if (i.poison) lines.push(' ip rip split-horizon poisoned-reverse')
    if (lines.length > 0) ifLines.set(name, lines)
  }
  const router: string[] = []
  if (c.enabled) {
    router.push('router rip')
    if (c.version !== null) router.push(` version ${c.version}`)
    if (c.defaultOriginate) router.push(' default-information originate')
    if (c.defaultMetric !== 1) router.push(` default-metric ${c.defaultMetric}`)
    for (const n of c.neighbors) router.push(` neighbor ${formatIpv4(n)}`)
    for (const n of c.networks) router.push(` network ${n}`)
    if (c.passive.has('default')) router.push(' passive-interface default')
    for (const p of c.passive) if (p !== 'default') router.push(` passive-interface ${p}`)
    for (const [src, metric] of c.redistribute)
      router.push(metric === 0 ? ` redistribute ${src}` : ` redistribute ${src} metric ${metric}`)
    const t = c.timers
    if (t.update !== RIP_UPDATE_S || t.timeout !== RIP_TIMEOUT_S || t.garbage !== RIP_GARBAGE_S)
      router.push(` timers basic ${t.update} ${t.timeout} ${t.garbage}`)
    router.push('exit')
  }
  return { ifLines, router }
}
