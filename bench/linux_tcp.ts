/**
 * The Linux TCP baseline: iperf3 between two network namespaces over veth, directly and through 3
 * routers (the chain of chain.ts), at MTU 1500 and 65535, in the same run as our TCP rows, so the
 * ratio compares like with like on this machine now. Linux veth offloads checksums at both MTUs
 * (its default); that is noted beside the figures. Needs root, `ip` and `iperf3`; when one is
 * missing the reason names it and how to install it. Namespaces are removed as linux.ts does.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { formatIpv4 } from '../src/wire/addr.js'
import { chainPlan, routersText } from './chain.js'
import { type BenchConfig, progress } from './harness.js'
import { buildLinuxChain, chainNames, cleanup, ipBatch, linuxPrereqs, removeNetns, run } from './linux.js'
import type { BaselineRule, Metric } from './report.js'
import { BULK_MODES, TCP_CHAINS } from './tcp.js'

const NEEDED: readonly (readonly [string, string])[] = [
  ['ip', 'iproute2'],
  ['iperf3', 'iperf3'],
]

/** Why the baseline cannot run here, naming what to install; undefined when it can. */
export function linuxTcpMissing(): string | undefined {
  return linuxPrereqs('linux TCP baseline', NEEDED)
}

const PORT = 5201

/** `iperf3 -c` from src to dst for `seconds`; bits per second received. Retries until the server listens. */
async function iperfClient(src: string, dst: number, seconds: number): Promise<number> {
  const args = [
    'netns',
    'exec',
    src,
    'iperf3',
    '-c',
    formatIpv4(dst),
    '-p',
    String(PORT),
    '-t',
    String(seconds),
    '-J',
  ]
  let last: unknown
  for (let i = 0; i < 20; i++) {
    try {
      const out = JSON.parse(run('ip', args, undefined, (seconds + 20) * 1000)) as {
        end?: { sum_received?: { bits_per_second?: number } }
      }
      const bps = out.end?.sum_received?.bits_per_second
      if (typeof bps === 'number') return bps
      last = new Error('iperf3 -J: no end.sum_received')
    } catch (e) {
      last = e
    }
    await sleep(100)
  }
  throw last
}

function stop(p: ChildProcess): void {
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM')
}

/** Throughput (Gbit/s) over a fresh chain of `routers` with every link at `mtu`. */
async function measure(routers: number, mtu: number, seconds: number): Promise<number> {
  const plan = chainPlan(routers)
  const names = chainNames(plan)
  let server: ChildProcess | undefined
  try {
    buildLinuxChain(plan, names)
    plan.nodes.forEach((node, i) => {
      ipBatch(
        node.ifaces.map((f) => `link set l${f.link}${f.side} mtu ${mtu}`),
        { ns: names[i]! },
      )
    })
    const dst = names[names.length - 1]!
    server = spawn('ip', ['netns', 'exec', dst, 'iperf3', '-s', '-1', '-p', String(PORT)], {
      stdio: 'ignore',
    })
    return (await iperfClient(names[0]!, plan.dstAddr, seconds)) / 1e9
  } finally {
    if (server !== undefined) stop(server)
    removeNetns(names)
  }
}

export interface LinuxTcpResult {
  readonly metrics: Metric[]
  readonly baselines: BaselineRule[]
}

/** iperf3 over veth for every row of tcp.ts's bulk group; namespaces always removed. */
export async function linuxTcpBaseline(cfg: BenchConfig): Promise<LinuxTcpResult> {
  cleanup()
  process.on('exit', cleanup)
  const seconds = cfg.quick ? 1 : Math.max(1, Math.round((cfg.tcpMs * cfg.tcpReps) / 1000))
  const metrics: Metric[] = []
  const baselines: BaselineRule[] = []
  try {
    for (const mode of BULK_MODES)
      for (const r of TCP_CHAINS) {
        progress(`linux iperf3, MTU ${mode.mtu}, ${routersText(r)}`)
        const gbps = await measure(r, mode.mtu, seconds)
        const key = `tcp.bulk.mtu${mode.mtu}.r${r}`
        metrics.push({
          key: `linux.${key}`,
          name: `linux iperf3 over veth, MTU ${mode.mtu}, ${routersText(r)}`,
          value: gbps,
          unit: 'Gbit/s',
          note: `${seconds} s, one stream, veth checksum offload on (Linux default); per wall second, two processes`,
        })
        baselines.push({ match: new RegExp(`^${key.replace(/\./g, '\\.')}$`), label: 'linux', value: gbps })
      }
    return { metrics, baselines }
  } finally {
    cleanup()
    process.off('exit', cleanup)
  }
}
