/**
 * ripngd's configuration (FRR's `router ripng` node and the `ipv6 ripng` interface settings) as plain
 * data, and its `show running-config` text. The vty command interpreter (ripng_cmds.ts) edits it;
 * ripngd (ripngd.ts) reads it on every timer tick.
 *
 * Must not: touch the kernel; everything here is data.
 */

import {
  RIP_GARBAGE_S,
  RIP_TIMEOUT_S,
  RIP_UPDATE_S,
  type RipIfConfig,
  ripIfConfig,
} from '../lib/rip_table.js'

/** ripngd's vty port (TCP 127.0.0.1), as FRR's. */
export const RIPNGD_VTY_PORT = 2603

/** Route sources ripngd's `redistribute` names; connected, static and kernel exist in VirtNet. */
export const RIPNG_REDIST_SOURCES = [
  'connected',
  'static',
  'kernel',
  'ospf6',
  'bgp',
  'isis',
  'babel',
] as const
export type RipngRedistSource = (typeof RIPNG_REDIST_SOURCES)[number]

export type RipngIfConfig = RipIfConfig

export interface RipngConfig {
  /** `router ripng` is configured. */
  enabled: boolean
  /** `network` statements: IPv6 prefixes (normalised `addr/len`) or interface names, in order. */
  networks: string[]
  /** `redistribute X [metric N]`: metric 0 means the default metric. */
  redistribute: Map<RipngRedistSource, number>
  /** `passive-interface IF`. */
  passive: Set<string>
  defaultMetric: number
  defaultOriginate: boolean
  timers: { update: number; timeout: number; garbage: number }
  ifs: Map<string, RipngIfConfig>
}

export function newRipngConfig(): RipngConfig {
  return {
    enabled: false,
    networks: [],
    redistribute: new Map(),
    passive: new Set(),
    defaultMetric: 1,
    defaultOriginate: false,
    timers: { update: RIP_UPDATE_S, timeout: RIP_TIMEOUT_S, garbage: RIP_GARBAGE_S },
    ifs: new Map(),
  }
}

export function ripngIfConfig(c: RipngConfig, name: string): RipngIfConfig {
  return ripIfConfig(c.ifs, name)
}

/** The `router ripng` section and `ipv6 ripng` interface lines of `show running-config`. */
export function ripngRunningConfig(c: RipngConfig): { ifLines: Map<string, string[]>; router: string[] } {
  const ifLines = new Map<string, string[]>()
  for (const [name, i] of c.ifs) {
    if (!i.splitHorizon) ifLines.set(name, [' no ipv6 ripng split-horizon'])
    else if (i.poison) ifLines.set(name, [' ipv6 ripng split-horizon poisoned-reverse'])
  }
  const router: string[] = []
  if (c.enabled) {
    router.push('router ripng')
    if (c.defaultOriginate) router.push(' default-information originate')
    if (c.defaultMetric !== 1) router.push(` default-metric ${c.defaultMetric}`)
    for (const n of c.networks) router.push(` network ${n}`)
    for (const p of c.passive) router.push(` passive-interface ${p}`)
    for (const [src, metric] of c.redistribute)
      router.push(metric === 0 ? ` redistribute ${src}` : ` redistribute ${src} metric ${metric}`)
    const t = c.timers
    if (t.update !== RIP_UPDATE_S || t.timeout !== RIP_TIMEOUT_S || t.garbage !== RIP_GARBAGE_S)
      router.push(` timers basic ${t.update} ${t.timeout} ${t.garbage}`)
    router.push('exit')
  }
  return { ifLines, router }
}
