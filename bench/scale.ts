/**
 * The scale group: operations that must stay linear however large a vnet grows (issue 7, finding 8).
 * Aliases: N IPv4 aliases added to one interface through the syscall API (what `ifconfig epair0a
 * inet A/32 alias` does), µs per alias. `ngctl list`: the command run over a vnet with N netgraph
 * nodes (ng_ether nodes of epairs and of ng_eiface interfaces, and the eiface nodes), µs per node
 * listed. Each is compared with the same figure at a tenth of the size: near-linear work keeps the
 * ratio near 1, quadratic work makes it about 10.
 */

import { Host } from '../src/host/host.js'
import type { Syscalls } from '../src/host/syscalls.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import type { Io, Proc } from '../src/userland/types.js'
import { ngctl } from '../src/userland/usr.sbin/ngctl/ngctl.js'
import { type BenchConfig, collect, countText, median, nowNs, progress, sinceNs } from './harness.js'
import type { Metric } from './report.js'

/** Per-item cost at the large size may be at most twice that at a tenth of it. */
const LINEAR_TOLERANCE = 1

function freshSys(): Syscalls {
  return new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 }).syscalls()
}

/** µs per alias for n aliases (10.x.y.z/32) added to a fresh epair0a. */
function aliasRun(n: number): number {
  const sys = freshSys()
  const ifname = sys.ifCreate('epair')
  collect()
  const base = 0x0a000001
  const t0 = nowNs()
  for (let i = 0; i < n; i++) sys.ifAddAddr(ifname, base + i, 32, { alias: true })
  return sinceNs(t0) / 1e3 / n
}

/** A host vnet with about n netgraph nodes: a quarter epairs (two ether nodes each), a quarter eifaces. */
function ngWorld(n: number): Syscalls {
  const sys = freshSys()
  for (let i = 0; i < n / 4; i++) sys.ifCreate('epair')
  const sock = sys.ngSocket()
  // Each eiface is persistent and brings an ngeth interface, whose ng_ether node appears when listed.
  for (let i = 0; i < n / 4; i++) sock.mkpeer('.', 'eiface', `e${i}`, 'ether')
  return sys
}

/** The ngctl program run to completion with its output thrown away; µs per node listed. */
async function listRun(sys: Syscalls, nodes: number): Promise<number> {
  let bytes = 0
  const io: Io = {
    stdin: { read: async () => null },
    stdout: { write: (s) => void (bytes += s.length) },
    stderr: { write: () => {} },
  }
  const proc = { pid: 1, sys, env: new Map(), killed: false } as unknown as Proc
  const t0 = nowNs()
  const status = await ngctl(['ngctl', 'list'], io, proc)
  const us = sinceNs(t0) / 1e3 / nodes
  if (status !== 0 || bytes === 0) throw new Error(`ngctl list failed (status ${status})`)
  return us
}

async function listPerNode(n: number, reps: number): Promise<number> {
  const sys = ngWorld(n)
  await listRun(sys, n) // the first listing makes the ng_ether nodes; time the ones after
  collect()
  const runs: number[] = []
  for (let r = 0; r < reps; r++) runs.push(await listRun(sys, n))
  return median(runs)
}

export async function scaleMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const [aSmall, aBig] = cfg.aliasCounts
  progress(`aliases, N=${aSmall} and ${aBig}`)
  // Warm up at the large size, so neither figure pays for compiling the code it runs.
  aliasRun(aBig!)
  // Small runs are short, so more of them: one descheduling must not decide the baseline.
  const aliasSmall = median(Array.from({ length: 7 }, () => aliasRun(aSmall!)))
  const aliasBig = aliasRun(aBig!)
  const [nSmall, nBig] = cfg.ngNodes
  progress(`ngctl list, N=${nSmall} and ${nBig} nodes`)
  await listPerNode(nBig!, 1)
  const listSmall = await listPerNode(nSmall!, 7)
  const listBig = await listPerNode(nBig!, 3)
  // At --quick sizes a run lasts milliseconds: one descheduling moves the ratio more than the code does.
  const note = cfg.quick ? 'quick sizes: too short to judge linearity' : undefined
  const metrics: Metric[] = [
    {
      key: `scale.alias_add.${aBig}`,
      name: `alias add, ${countText(aBig!)} aliases on one interface`,
      value: aliasBig,
      unit: 'µs/alias',
      target: { kind: 'near-baseline', tolerance: LINEAR_TOLERANCE },
      baseline: { label: `${countText(aSmall!)} aliases`, value: aliasSmall },
    },
    {
      key: `scale.ngctl_list.${nBig}`,
      name: `ngctl list, ${countText(nBig!)} nodes`,
      value: listBig,
      unit: 'µs/node',
      target: { kind: 'near-baseline', tolerance: LINEAR_TOLERANCE },
      baseline: { label: `${countText(nSmall!)} nodes`, value: listSmall },
    },
  ]
  if (note !== undefined) for (const m of metrics) m.note = note
  return metrics
}
