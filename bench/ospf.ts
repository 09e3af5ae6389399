/**
 * The routing group, OSPF: a generated grid of routers (k×k, every router `ospf: true`, a /24 per
 * link, FRR's defaults: broadcast interfaces, Hello 10 s, Dead 40 s). How many virtual seconds until
 * every routing table stops changing (the lab's settle wait minus its 60 s quiet window, to the
 * second; the 40 s Wait timer of a freshly started LAN is in it), the wall time for building,
 * starting and converging, the memory each router keeps with ospfd running (the whole lab's retained
 * heap per router), and a link flap: a middle link cut, virtual seconds until the tables settle again
 * (the 40 s dead interval dominates) and the wall time. `OSPF_BENCH_K` picks another grid size (a
 * 32×32 grid is the 1,000 routers).
 */

import { Host } from '../src/host/host.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { Lab } from '../src/topology/emulator.js'
import { loadTopology } from '../src/topology/load.js'
import { type BenchConfig, canCollect, collect, nowNs, progress, retainedBytes, sinceNs } from './harness.js'
import type { Metric } from './report.js'

const quietIo = () => ({
  stdin: { read: async () => null },
  stdout: { write: () => {} },
  stderr: { write: () => {} },
})

/** The settle wait's quiet window with ospfd (emulator.ts): not convergence time. */
const QUIET_S = 60

export function ospfGridYaml(k: number): string {
  const lines = ['name: ospf-grid', 'nodes:']
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
    lines.push(`  ${name}: { kind: router, ospf: true, interfaces: [ ${list} ] }`)
  }
  lines.push('links:', ...links)
  return `${lines.join('\n')}\n`
}

export async function ospfMetrics(cfg: BenchConfig): Promise<Metric[]> {
  // --quick (the smoke test) keeps to a 3×3 grid: the run, not the figure, is what it checks.
  const k = cfg.quick ? 3 : Number(process.env.OSPF_BENCH_K ?? 10)
  const n = k * k
  progress(`routing: OSPF on a ${k}×${k} grid`)
  const { topology } = loadTopology(ospfGridYaml(k), 'ospf-grid.yaml')
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  collect()
  const before = canCollect() ? retainedBytes() : 0
  const t0 = nowNs()
  const v0 = host.clock.now()
  const lab = Lab.build(host, topology)
  await lab.start(quietIo)
  const wallMs = sinceNs(t0) / 1e6
  const convergeS = (host.clock.now() - v0) / 1e9 - QUIET_S
  collect()
  const bytes = canCollect() ? retainedBytes() - before : null
  const routes = lab.sys('r0_0').routeList().length
  const mid = Math.floor(k / 2)
  const link = lab.links().find((l) => l.a.node === `r${mid}_${mid - 1}` && l.b.node === `r${mid}_${mid}`)!
  const t1 = nowNs()
  const v1 = host.clock.now()
  lab.setLinkUp(link, false)
  const sys = host.syscalls()
  const fp = () =>
    lab
      .nodes()
      .map((x) =>
        lab
          .sys(x.name)
          .routeList()
          .map((r) => `${r.dst}/${r.prefixLen}>${r.gateway}`)
          .join(','),
      )
      .join(';')
  let last = fp()
  let lastChange = v1
  // Nothing changes before the neighbours' dead interval (40 s); then wait for 30 quiet seconds.
  while (host.clock.now() - v1 < 45e9 || host.clock.now() - lastChange < 30e9) {
    await sys.nanosleep(1e9)
    const now = fp()
    if (now !== last) lastChange = host.clock.now()
    last = now
  }
  const flapWallMs = sinceNs(t1) / 1e6
  const flapS = (lastChange - v1) / 1e9
  const spanS = (host.clock.now() - v1) / 1e9
  lab.destroy()
  host.clock.stop()
  const name = `OSPF, ${k}×${k} grid of routers (${n})`
  return [
    {
      key: 'routing.ospf.converge_virtual',
      name: `converge, virtual time: ${name}`,
      value: convergeS,
      unit: 's',
      note: `every table unchanged for ${QUIET_S} s after (40 s of it the LANs' Wait timer); r0_0 has ${routes} routes`,
    },
    {
      key: 'routing.ospf.converge_wall',
      name: `build + start + converge, wall time: ${name}`,
      value: wallMs,
      unit: 'ms',
    },
    {
      key: 'routing.ospf.memory',
      name: `memory per router with ospfd: ${name}`,
      value: bytes === null ? null : bytes / n / 1024,
      unit: 'KB/router',
      ...(bytes === null ? { note: 'needs node --expose-gc' } : {}),
    },
    {
      key: 'routing.ospf.flap',
      name: `link flap, virtual time to settle: ${name}`,
      value: flapS,
      unit: 's',
      note: `wall ${flapWallMs.toFixed(0)} ms for ${spanS.toFixed(0)} virtual s (the 40 s dead interval, then SPF)`,
    },
  ]
}
