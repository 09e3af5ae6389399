/**
 * `npm run bench`: VirtNet's benchmark suite. Runs every group in one process — vnet creation and
 * memory, ping RTT and forwarding (alone and with idle vnets present), the emulator (a 10,000-node
 * lab built and started, pingall, real-clock pipe delay), scale (100k aliases, `ngctl list` over 100k
 * nodes, per item against a tenth of the size), TCP (bulk throughput, connections per second, memory
 * per idle connection), the IPv6 rows against their IPv4 twins, a SYN flood at one listener, and
 * the Linux network namespace baselines (ping; iperf3 over veth) where root, `ip netns` and the programs allow — then prints one table and writes JSON.
 *
 *   node --expose-gc dist/bench/run.js [--quick] [--no-linux] [--only GROUP,...] [--out FILE]
 *
 * `--quick` is a smoke run with tiny sizes (used by bench.test.ts); `--only` runs just the named
 * groups (e.g. `--only ospf`; the names are GROUPS' keys, or SUBGROUPS' such as `tcp_conn`, Linux baselines count as `linux`); `--out` defaults to
 * bench/results/latest.json (git-ignored). Exits 0 even when targets are missed: the table says so.
 */

import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { captureMetrics } from './capture.js'
import { datapathMetrics } from './datapath.js'
import { dummynetMetrics } from './dummynet.js'
import { emulatorMetrics } from './emulator.js'
import { type BenchConfig, benchConfig, canCollect, nowNs, progress, sinceNs } from './harness.js'
import { inet6Metrics } from './inet6.js'
import { ipfwMetrics } from './ipfw.js'
import { linuxBaseline, linuxMissing } from './linux.js'
import { linuxTcpBaseline, linuxTcpMissing } from './linux_tcp.js'
import { natMetrics } from './nat.js'
import { applyBaselines, type Metric, renderTable, writeJson } from './report.js'
import { ospfMetrics, ripMetrics } from './routing.js'
import { rtclockMetrics } from './rtclock.js'
import { scaleMetrics } from './scale.js'
import { syncacheMetrics } from './syncache.js'
import { tcpConnMetrics, tcpMetrics } from './tcp.js'
import { vnetCreateMetrics } from './vnet_create.js'
import { vxlanMetrics } from './vxlan.js'

/** bench/results/latest.json in the source tree (this file runs from dist/bench/). */
function defaultOut(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'latest.json')
}

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'no-linux': { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string', default: defaultOut() },
    },
  })
  const only = values.only === undefined ? undefined : new Set(values.only.split(','))
  for (const g of only ?? [])
    if (!(g in GROUPS) && !(g in SUBGROUPS) && g !== 'linux' && g !== 'vxlan') {
      const names = [...Object.keys(GROUPS), ...Object.keys(SUBGROUPS), 'linux', 'vxlan']
      console.error(`bench: unknown group ${g} (${names.join(', ')})`)
      process.exit(64)
    }
  return { quick: values.quick!, linux: !values['no-linux'], only, out: values.out! }
}

/** The groups in the order they run; `--only` picks some by key. */
const GROUPS: Readonly<Record<string, (cfg: BenchConfig) => Metric[] | Promise<Metric[]>>> = {
  vnet_create: vnetCreateMetrics,
  datapath: datapathMetrics,
  ipfw: ipfwMetrics,
  nat: natMetrics,
  tcp: tcpMetrics,
  inet6: inet6Metrics,
  emulator: emulatorMetrics,
  rip: ripMetrics,
  ospf: ospfMetrics,
  scale: scaleMetrics,
  syncache: syncacheMetrics,
  dummynet: dummynetMetrics,
  capture: captureMetrics,
  rtclock: rtclockMetrics,
}

/**
 * Parts of a group that only `--only` runs (the whole group already measures them): the connection
 * rate alone, for profiling the connection path without the bulk rows' minutes.
 */
const SUBGROUPS: Readonly<Record<string, (cfg: BenchConfig) => Metric[] | Promise<Metric[]>>> = {
  tcp_conn: tcpConnMetrics,
}

/**
 * One line about the machine. Other work on it (a 1-minute load average near or above the number of
 * cores) disturbs every figure, so the load is shown with them.
 */
function machineText(load: readonly number[]): string {
  const [a, b] = load.map((x) => x!.toFixed(2))
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}; load average ${a} at start, ${b} at end`
}

/** Run the Linux baseline if possible and compare our figures with it; returns what was skipped. */
async function addLinuxBaseline(metrics: Metric[], cfg: BenchConfig): Promise<string[]> {
  if (!cfg.linux) return ['--no-linux (linux baseline)']
  const missing = linuxMissing()
  if (missing !== undefined) return [missing]
  try {
    const linux = await linuxBaseline(cfg)
    metrics.push(...linux.metrics)
    applyBaselines(metrics, linux.baselines)
    return []
  } catch (e) {
    return [`linux baseline failed: ${(e as Error).message.split('\n')[0]}`]
  }
}

/** The iperf3 baseline for the TCP rows; needs iperf3 rather than ping, so it is checked on its own. */
async function addLinuxTcpBaseline(metrics: Metric[], cfg: BenchConfig): Promise<string[]> {
  if (!cfg.linux) return ['--no-linux (linux TCP baseline)']
  const missing = linuxTcpMissing()
  if (missing !== undefined) return [missing]
  try {
    const linux = await linuxTcpBaseline(cfg)
    metrics.push(...linux.metrics)
    applyBaselines(metrics, linux.baselines)
    return []
  } catch (e) {
    return [`linux TCP baseline failed: ${(e as Error).message.split('\n')[0]}`]
  }
}

async function main(): Promise<void> {
  const opts = options()
  const cfg = benchConfig(opts.quick, opts.linux)
  const startedAt = new Date().toISOString()
  const t0 = nowNs()
  const loadBefore = loadavg()[0]!
  if (!canCollect()) progress('no global.gc: run node with --expose-gc for memory figures')
  const wants = (g: string) => opts.only === undefined || opts.only.has(g)
  const metrics: Metric[] = []
  for (const [g, run] of Object.entries(GROUPS)) if (wants(g)) metrics.push(...(await run(cfg)))
  for (const [g, run] of Object.entries(SUBGROUPS)) if (opts.only?.has(g)) metrics.push(...(await run(cfg)))
  const skipped = wants('linux')
    ? [...(await addLinuxBaseline(metrics, cfg)), ...(await addLinuxTcpBaseline(metrics, cfg))]
    : []
  if (wants('vxlan')) {
    const vxlan = await vxlanMetrics(cfg)
    metrics.push(...vxlan.metrics)
    skipped.push(...vxlan.skipped)
  }
  const load = [loadBefore, loadavg()[0]!]
  console.log(renderTable(metrics, skipped))
  console.log(`\n${machineText(load)}`)
  writeJson(opts.out, {
    startedAt,
    durationS: sinceNs(t0) / 1e9,
    quick: cfg.quick,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    gcExposed: canCollect(),
    loadAverage: load,
    metrics,
    skipped,
  })
  progress(`wrote ${opts.out} in ${(sinceNs(t0) / 1e9).toFixed(1)} s`)
}

await main()
