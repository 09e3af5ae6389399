/**
 * The data-path group: ping RTT and forwarding rate over router chains in one host on the real-time
 * clock, then the same figures again with many idle vnets present in that host, then once more
 * without them (A-B-A, so drift and noise show). Idle vnets must cost nothing on the data path: no
 * per-vnet timers, scans or queues.
 */

import { Host } from '../src/host/host.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import type { Vnet } from '../src/stack/net/vnet.js'
import { buildChain, type Chain } from './chain.js'
import { forwardMetrics, measureForwarding } from './forward.js'
import { type BenchConfig, collect, countText, progress } from './harness.js'
import { measurePing, pingMetrics } from './ping.js'
import { type Metric, underLoad } from './report.js'
import { udpMetrics } from './udp.js'

/** Relative change allowed with idle vnets present. */
const IDLE_TOLERANCE = 0.02

async function measureAll(chains: readonly Chain[], cfg: BenchConfig, phase: string): Promise<Metric[]> {
  progress(`ping RTT (${phase}), chains of ${cfg.chains.join(', ')} routers`)
  const ping = pingMetrics(await measurePing(chains, cfg))
  progress(`forwarding (${phase}), chains of ${cfg.forwardChains.join(', ')} routers`)
  return [...ping, ...forwardMetrics(measureForwarding(chains, cfg))]
}

/** Run fn with n idle vnets alive in host; they are destroyed afterwards. */
async function withIdleVnets<T>(host: Host, n: number, fn: () => Promise<T>): Promise<T> {
  progress(`creating ${n} idle vnets`)
  const idle: Vnet[] = Array.from({ length: n }, (_, i) => host.createVnet(`idle${i}`))
  collect()
  try {
    return await fn()
  } finally {
    for (const v of idle) host.destroyVnet(v)
  }
}

export async function datapathMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const host = new Host(nodeClockDriver(), { clock: 'real', seed: 1 })
  const chains = cfg.chains.map((r) => buildChain(host, `c${r}`, r))
  collect()
  const idle = `${countText(cfg.idleVnets)} idle vnets`
  const base = await measureAll(chains, cfg, 'no load')
  progress(`UDP datagrams, chains of ${cfg.forwardChains.join(', ')} routers`)
  const udp = await udpMetrics(chains, cfg)
  const loaded = await withIdleVnets(host, cfg.idleVnets, () => measureAll(chains, cfg, idle))
  collect()
  const baseAgain = await measureAll(chains, cfg, 'no load, again')
  const errors = host.env.netisr.errors
  if (errors > 0) progress(`netisr caught ${errors} exceptions; last: ${String(host.env.netisr.lastError)}`)
  host.clock.stop()
  return [...base, ...udp, ...underLoad(loaded, base, baseAgain, idle, IDLE_TOLERANCE)]
}
