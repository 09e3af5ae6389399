/**
 * What a vnet costs to create and to keep. Bare: `Host.createVnet`, a stack with lo0 up and
 * 127.0.0.1/8 — the kernel half of `jail -c vnet`. Configured: what an operator does per jail through
 * the syscall API — create a persistent vnet jail, clone an epair inside it (each vnet numbers its
 * own cloned units, as FreeBSD's per-vnet cloners do; the host alone would stop at IF_MAXUNIT),
 * give one half an address and a default route. Each run starts from a fresh host, keeps every vnet alive to the
 * end (so the collector cannot recycle them mid-run), and reports wall time per vnet. Memory per
 * idle vnet is the growth of heap plus external memory after full collections, divided by N.
 */

import { Host } from '../src/host/host.js'
import type { Syscalls } from '../src/host/syscalls.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import type { Vnet } from '../src/stack/net/vnet.js'
import {
  type BenchConfig,
  canCollect,
  collect,
  countText,
  median,
  nowNs,
  progress,
  retainedBytes,
  sinceNs,
} from './harness.js'
import type { Metric } from './report.js'

const BARE_TARGET_US = 10
const CONFIGURED_TARGET_US = 50
const MEMORY_TARGET_KB = 8
/** Jail address and gateway: every jail has its own stack, so all may use the same ones. */
const JAIL_ADDR = 0x0a000001
const JAIL_GW = 0x0a0000fe

function freshHost(): Host {
  return new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
}

/** N bare vnets in a fresh host; µs per vnet. */
function bareRun(n: number): number {
  const host = freshHost()
  const keep: Vnet[] = new Array(n)
  collect()
  const t0 = nowNs()
  for (let i = 0; i < n; i++) keep[i] = host.createVnet(`v${i}`)
  return sinceNs(t0) / 1e3 / n
}

/** One configured vnet jail, as `jail -c`, `jexec J ifconfig epair create`, `ifconfig epair0a inet …` would make it. */
function configureJail(root: Syscalls, i: number): void {
  const name = `j${i}`
  root.jailCreate([
    ['name', name],
    ['vnet', true],
    ['persist', true],
  ])
  const jail = root.attach(name)
  const ifname = jail.ifCreate('epair')
  jail.ifAddAddr(ifname, JAIL_ADDR, 24)
  jail.routeAdd({ dst: 0, prefixLen: 0, gateway: JAIL_GW })
}

interface ConfiguredRun {
  /** µs per vnet over the vnets made. */
  readonly us: number
  /** How many were made before the time budget ran out (n when it did not). */
  readonly made: number
  /** µs per vnet over the last tenth made: the marginal cost at that population. */
  readonly tailUs: number
}

/** Up to N configured vnet jails in a fresh host, stopping when budgetMs of wall time is used. */
function configuredRun(n: number, budgetMs: number): ConfiguredRun {
  const root = freshHost().syscalls()
  collect()
  const tail = Math.max(1, Math.floor(n / 10))
  const t0 = nowNs()
  let tailStart = 0
  let made = 0
  while (made < n && (made % 256 !== 0 || sinceNs(t0) < budgetMs * 1e6)) {
    if (made === n - tail) tailStart = sinceNs(t0)
    configureJail(root, made++)
  }
  const total = sinceNs(t0)
  const tailMade = made === n ? tail : 0
  return {
    us: total / 1e3 / made,
    made,
    tailUs: tailMade > 0 ? (total - tailStart) / 1e3 / tailMade : Number.NaN,
  }
}

function bareMetrics(cfg: BenchConfig): Metric[] {
  bareRun(1000)
  return cfg.createSizes.map((n, i) => {
    progress(`bare vnet creation, N=${n}`)
    const runs = Array.from({ length: cfg.createReps[i]! }, () => bareRun(n))
    return {
      key: `vnet_create.bare.${n}`,
      name: `vnet create bare, N=${countText(n)}`,
      value: median(runs),
      unit: 'µs/vnet',
      target: { kind: 'max', value: BARE_TARGET_US },
    }
  })
}

function configuredMetric(n: number, reps: number, cfg: BenchConfig): Metric {
  progress(`configured vnet creation, N=${n}`)
  const runs: ConfiguredRun[] = []
  for (let r = 0; r < reps; r++) {
    const run = configuredRun(n, cfg.configuredBudgetMs)
    runs.push(run)
    if (run.made < n) break // over budget: do not repeat
  }
  const short = runs.find((r) => r.made < n)
  const tails = runs.map((r) => r.tailUs).filter((t) => !Number.isNaN(t))
  const note =
    short !== undefined
      ? `stopped after ${short.made} of ${n} vnets at the ${cfg.configuredBudgetMs / 1000} s budget; value is the mean over those`
      : `last ${countText(n / 10)} made at ${median(tails).toFixed(1)} µs/vnet`
  return {
    key: `vnet_create.configured.${n}`,
    name: `vnet create configured, N=${countText(n)}`,
    value: median(runs.map((r) => r.us)),
    unit: 'µs/vnet',
    target: { kind: 'max', value: CONFIGURED_TARGET_US },
    note,
  }
}

function memoryMetric(cfg: BenchConfig): Metric {
  const n = cfg.memoryVnets
  progress(`memory per idle vnet, N=${n}`)
  const host = freshHost()
  const before = retainedBytes()
  const keep = Array.from({ length: n }, (_, i) => host.createVnet(`v${i}`))
  const after = retainedBytes()
  const metric: Metric = {
    key: 'vnet_memory.idle',
    name: `memory per idle vnet, N=${countText(keep.length)}`,
    value: canCollect() ? (after - before) / n / 1024 : null,
    unit: 'KB/vnet',
    target: { kind: 'max', value: MEMORY_TARGET_KB },
  }
  if (!canCollect()) metric.note = 'needs node --expose-gc'
  return metric
}

export function vnetCreateMetrics(cfg: BenchConfig): Metric[] {
  const bare = bareMetrics(cfg)
  configuredRun(200, cfg.configuredBudgetMs) // warm-up
  const configured = cfg.createSizes.map((n, i) => configuredMetric(n, Math.min(3, cfg.createReps[i]!), cfg))
  return [...bare, ...configured, memoryMetric(cfg)]
}
