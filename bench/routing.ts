/**
 * The routing group: a routing protocol on a generated grid of routers (k×k, a /24 per link, every
 * router running the daemon with FRR's defaults). How many virtual seconds until every routing table
 * stops changing (the lab's settle wait minus its quiet window, to the second), the wall time for
 * building, starting and converging, the memory each router keeps with its daemon running (the whole
 * lab's retained heap per router: vnet, interfaces, links and daemon), and a link flap: a middle link
 * cut, virtual seconds until the tables settle again and the wall time.
 *
 * RIP: a 10 s quiet window; RIP's 180 s route timeout dominates the flap. OSPF (broadcast interfaces,
 * Hello 10 s, Dead 40 s): a 60 s quiet window, the 40 s Wait timer of a freshly started LAN is in the
 * convergence time and the dead interval dominates the flap. The full run adds a 32×32 grid (1,024
 * routers, the 1,000) whose build + start + converge wall time has the target, under
 * 10 s; `OSPF_BENCH_K` runs just one grid of that size instead.
 */

import { Host } from '../src/host/host.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { loadTopology } from '../src/topology/file/load.js'
import { Lab } from '../src/topology/lab/emulator.js'
import { type BenchConfig, canCollect, collect, nowNs, progress, retainedBytes, sinceNs } from './harness.js'
import type { Metric } from './report.js'

const quietIo = () => ({
  stdin: { read: async () => null },
  stdout: { write: () => {} },
  stderr: { write: () => {} },
})

interface GridProtocol {
  /** The lab key (`rip`, `ospf`) and the metric key's part. */
  readonly key: 'rip' | 'ospf'
  readonly label: string
  readonly daemon: string
  /** The settle wait's quiet window for this daemon (emulator.ts): not convergence time. */
  readonly quietS: number
  /** Virtual seconds in which nothing can change after a cut (a timeout or dead interval). */
  readonly flapFloorS: number
  readonly convergeNote: string
  readonly flapNote: string
  /** Appended to each metric key (a second grid size of the same protocol). */
  readonly keySuffix?: string
  /** A target for the build + start + converge wall time, ms. */
  readonly wallTargetMs?: number
}

/** A k×k grid of routers running `proto` (a lab's `rip: true` / `ospf: true`), a /24 per link. */
export function routerGridYaml(k: number, proto: 'rip' | 'ospf'): string {
  const lines = [`name: ${proto}-grid`, 'nodes:']
  const ifs = new Map<string, string[]>()
  const links: string[] = []
  let net = 0
  const add = (a: string, b: string): void => {
    net++
    const p = `10.${net >> 8}.${net & 255}`
    const ia = ifs.get(a) ?? []
    const ib = ifs.get(b) ?? []
    links.push(`  - { a: ${a}:eth${ia.length}, b: ${b}:eth${ib.length} }`)
    ia.push(`${p}.1/24`)
    ib.push(`${p}.2/24`)
    ifs.set(a, ia)
    ifs.set(b, ib)
  }
  const r = (i: number, j: number) => `r${i}_${j}`
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      if (j + 1 < k) add(r(i, j), r(i, j + 1))
      if (i + 1 < k) add(r(i, j), r(i + 1, j))
    }
  for (const [name, addrs] of ifs) {
    const list = addrs.map((a, n) => `{ name: eth${n}, address: ${a} }`).join(', ')
    lines.push(`  ${name}: { kind: router, ${proto}: true, interfaces: [ ${list} ] }`)
  }
  lines.push('links:', ...links)
  return `${lines.join('\n')}\n`
}

async function gridMetrics(k: number, p: GridProtocol): Promise<Metric[]> {
  const n = k * k
  progress(`routing: ${p.label} on a ${k}×${k} grid`)
  const { topology } = loadTopology(routerGridYaml(k, p.key), `${p.key}-grid.yaml`)
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  collect()
  const before = canCollect() ? retainedBytes() : 0
  const t0 = nowNs()
  const cpu0 = process.cpuUsage()
  const v0 = host.clock.now()
  const lab = Lab.build(host, topology)
  await lab.start(quietIo)
  const wallMs = sinceNs(t0) / 1e6
  // CPU time says what the wall time would be on an idle core; RSS what the whole process holds.
  const cpu = process.cpuUsage(cpu0)
  const cpuS = (cpu.user + cpu.system) / 1e6
  const rssMb = process.memoryUsage().rss / 2 ** 20
  const convergeS = (host.clock.now() - v0) / 1e9 - p.quietS
  collect()
  const bytes = canCollect() ? retainedBytes() - before : null
  const routes = lab.sys('r0_0').routeList().length
  // A link flap in the middle: cut, wait for the tables to settle, as the lab's start does.
  const mid = Math.floor(k / 2)
  const link = lab.links().find((l) => l.a.node === `r${mid}_${mid - 1}` && l.b.node === `r${mid}_${mid}`)!
  const t1 = nowNs()
  const v1 = host.clock.now()
  lab.setLinkUp(link, false)
  const sys = host.syscalls()
  // Each router's table, read again only when its generation moved (as the lab's settle wait does).
  const seen = new Map<string, { gen: number; fp: string }>()
  const tableOf = (name: string): string => {
    const s = lab.sys(name)
    const gen = s.routeGen()
    const old = seen.get(name)
    if (old !== undefined && old.gen === gen) return old.fp
    const fp = s
      .routeList()
      .map((r) => `${r.dst}/${r.prefixLen}>${r.gateway}`)
      .join(',')
    seen.set(name, { gen, fp })
    return fp
  }
  const fp = () => lab.nodes().map((x) => tableOf(x.name))
  let last = fp()
  let lastChange = v1
  // Nothing changes before the floor; then wait for 30 quiet seconds.
  while (host.clock.now() - v1 < p.flapFloorS * 1e9 || host.clock.now() - lastChange < 30e9) {
    await sys.nanosleep(1e9)
    const now = fp()
    if (now.some((t, j) => t !== last[j])) lastChange = host.clock.now()
    last = now
  }
  const flapWallMs = sinceNs(t1) / 1e6
  const flapS = (lastChange - v1) / 1e9
  const spanS = (host.clock.now() - v1) / 1e9
  lab.destroy()
  host.clock.stop()
  const name = `${p.label}, ${k}×${k} grid of routers (${n})`
  const sfx = p.keySuffix ?? ''
  return [
    {
      key: `routing.${p.key}.converge_virtual${sfx}`,
      name: `converge, virtual time: ${name}`,
      value: convergeS,
      unit: 's',
      note: `every table unchanged for ${p.quietS} s after${p.convergeNote}; r0_0 has ${routes} routes`,
    },
    {
      key: `routing.${p.key}.converge_wall${sfx}`,
      name: `build + start + converge, wall time: ${name}`,
      value: wallMs,
      unit: 'ms',
      note: `CPU ${cpuS.toFixed(1)} s, RSS ${rssMb.toFixed(0)} MB after`,
      ...(p.wallTargetMs === undefined ? {} : { target: { kind: 'max', value: p.wallTargetMs } as const }),
    },
    {
      key: `routing.${p.key}.memory${sfx}`,
      name: `memory per router with ${p.daemon}: ${name}`,
      value: bytes === null ? null : bytes / n / 1024,
      unit: 'KB/router',
      ...(bytes === null ? { note: 'needs node --expose-gc' } : {}),
    },
    {
      key: `routing.${p.key}.flap${sfx}`,
      name: `link flap, virtual time to settle: ${name}`,
      value: flapS,
      unit: 's',
      note: `wall ${flapWallMs.toFixed(0)} ms for ${spanS.toFixed(0)} virtual s (${p.flapNote})`,
    },
  ]
}

// --quick (the smoke test) keeps to a 3×3 grid: the run, not the figure, is what it checks.

export function ripMetrics(cfg: BenchConfig): Promise<Metric[]> {
  return gridMetrics(cfg.quick ? 3 : 10, {
    key: 'rip',
    label: 'RIP',
    daemon: 'ripd',
    quietS: 10,
    flapFloorS: 240,
    convergeNote: '',
    flapNote: 'the 180 s route timeout, then triggered updates',
  })
}

/** The target: a 1,000-router OSPF lab built, started and converged in under 10 s of wall time. */
const OSPF_1000_WALL_MS = 10_000

/**
 * OSPF on a 10×10 grid and, in the full run, a 32×32 one (1,024 routers, the 1,000, with
 * its wall-time target); `OSPF_BENCH_K` runs just that one grid instead.
 */
export async function ospfMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const env = process.env.OSPF_BENCH_K
  const ks = cfg.quick ? [3] : env !== undefined ? [Number(env)] : [10, 32]
  const out: Metric[] = []
  for (const k of ks)
    out.push(
      ...(await gridMetrics(k, {
        key: 'ospf',
        label: 'OSPF',
        daemon: 'ospfd',
        quietS: 60,
        flapFloorS: 45,
        convergeNote: " (40 s of it the LANs' Wait timer)",
        flapNote: 'the 40 s dead interval, then SPF',
        ...(k * k >= 1000 ? { keySuffix: `.r${k * k}`, wallTargetMs: OSPF_1000_WALL_MS } : {}),
      })),
    )
  return out
}
