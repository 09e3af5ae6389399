/**
 * The emulator group: what `virtnet run` costs. A generated lab (`virtnet gen tree 4 10`: Mininet's
 * tree of 1,111 switches with 10,000 hosts, all in one subnet) is loaded from its YAML text and then
 * built and started — jails, eifaces moved in and addressed, bridges, links — in a fresh host:
 * wall time for that ("ready"), per node, and the memory each node keeps. The same lab with routers
 * (1,111 routers with aggregated routes, 10,000 pcs on their own /30s) and with a pipe on every link
 * (`--delay 1ms`) shows what routing and link emulation add. Then `pingall` on a lab of 100 hosts
 * (9,900 pairs) in virtual time. (The real-clock accuracy of a 10 ms pipe is in bench/rtclock.ts.)
 */

import { Host } from '../src/host/host.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { pingAll } from '../src/topology/console/pingall.js'
import { loadTopology } from '../src/topology/file/load.js'
import { formatLabJson, formatLabYaml, type GenSpec, generate } from '../src/topology/gen/gen.js'
import { Lab } from '../src/topology/lab/emulator.js'
import type { Topology } from '../src/topology/model.js'
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

const READY_TARGET_MS = 1000

const quietIo = () => ({
  stdin: { read: async () => null },
  stdout: { write: () => {} },
  stderr: { write: () => {} },
})

/** Load the generated lab from its JSON text (what `virtnet gen -o lab.json` writes); YAML timed too. */
function load(spec: GenSpec): { topology: Topology; loadMs: number; yamlLoadMs: number } {
  const lab = generate(spec)
  const yaml = formatLabYaml(lab)
  let t0 = nowNs()
  loadTopology(yaml, `${spec.shape}.yaml`)
  const yamlLoadMs = sinceNs(t0) / 1e6
  const json = formatLabJson(lab)
  t0 = nowNs()
  const { topology } = loadTopology(json, `${spec.shape}.json`)
  return { topology, loadMs: sinceNs(t0) / 1e6, yamlLoadMs }
}

interface BuildRun {
  readonly ms: number
  readonly bytesPerNode: number | null
}

/** Build and start the lab in a fresh host; memory is what stays after a full collection. */
async function buildRun(topology: Topology): Promise<BuildRun> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const before = canCollect() ? retainedBytes() : 0
  const t0 = nowNs()
  const lab = Lab.build(host, topology)
  await lab.start(quietIo)
  const ms = sinceNs(t0) / 1e6
  const bytes = canCollect() ? retainedBytes() - before : null
  lab.destroy()
  host.clock.stop()
  return { ms, bytesPerNode: bytes === null ? null : bytes / topology.nodes.length }
}

async function labMetrics(
  key: string,
  label: string,
  spec: GenSpec,
  reps: number,
  target: boolean,
): Promise<Metric[]> {
  progress(`emulator: ${label}`)
  const { topology, loadMs, yamlLoadMs } = load(spec)
  const n = topology.nodes.length
  await buildRun(topology) // warm-up
  const runs: BuildRun[] = []
  for (let i = 0; i < reps; i++) runs.push(await buildRun(topology))
  collect()
  const buildMs = median(runs.map((r) => r.ms))
  // Ready = the file's text parsed and validated, then the lab built and started.
  const ms = loadMs + buildMs
  const mem = runs[0]!.bytesPerNode
  const name = `${label}, ${countText(n)} nodes`
  return [
    {
      key: `emulator.ready.${key}`,
      name: `lab ready (load JSON + build + start): ${name}`,
      value: ms,
      unit: 'ms',
      ...(target ? { target: { kind: 'max', value: READY_TARGET_MS } as const } : {}),
      note: `${((ms * 1000) / n).toFixed(1)} µs/node: load ${loadMs.toFixed(0)} ms + build ${buildMs.toFixed(0)} ms; the same lab as YAML loads in ${yamlLoadMs.toFixed(0)} ms`,
    },
    {
      key: `emulator.memory.${key}`,
      name: `memory per node: ${name}`,
      value: mem === null ? null : mem / 1024,
      unit: 'KB/node',
      ...(mem === null ? { note: 'needs node --expose-gc' } : {}),
    },
  ]
}

async function pingallMetric(cfg: BenchConfig): Promise<Metric> {
  const fanout = cfg.quick ? 4 : 10
  const { topology } = load({ shape: 'tree', args: [2, fanout] })
  const hosts = fanout * fanout
  progress(`emulator: pingall, ${hosts} hosts`)
  const times: number[] = []
  let note = ''
  for (let i = 0; i < (cfg.quick ? 1 : 3); i++) {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
    const lab = Lab.build(host, topology)
    const t0 = nowNs()
    const r = await pingAll(lab)
    times.push(sinceNs(t0) / 1e6)
    note = `${r.sent} pairs, ${r.received} answered; ${((times[times.length - 1]! * 1000) / r.sent).toFixed(1)} µs/pair`
    lab.destroy()
    host.clock.stop()
  }
  return {
    key: 'emulator.pingall',
    name: `pingall, tree of ${hosts} hosts (virtual time)`,
    value: median(times),
    unit: 'ms',
    note,
  }
}

export async function emulatorMetrics(cfg: BenchConfig): Promise<Metric[]> {
  // Quick: Mininet's tree 3 10 (111 switches, 1,000 hosts); full: tree 4 10 (10,000 hosts).
  const depth = cfg.quick ? 3 : 4
  const reps = cfg.quick ? 1 : 5
  const tree: GenSpec = { shape: 'tree', args: [depth, 10] }
  const out: Metric[] = [...(await labMetrics('tree_switch', `tree ${depth} 10`, tree, reps, true))]
  if (!cfg.quick) {
    out.push(
      ...(await labMetrics(
        'tree_router',
        `tree ${depth} 10 --kind router`,
        { ...tree, kind: 'router' },
        3,
        false,
      )),
    )
    out.push(
      ...(await labMetrics(
        'tree_pipes',
        `tree ${depth} 10 --delay 1ms`,
        { ...tree, impair: { delay: '1ms' } },
        3,
        false,
      )),
    )
  }
  out.push(await pingallMetric(cfg))
  return out
}
