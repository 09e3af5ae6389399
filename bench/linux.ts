/**
 * The Linux baseline: the same figures for Linux network namespaces, where this machine allows it
 * (root and a working `ip netns`). Namespace creation is timed over `ip -batch` (one process, so
 * fork/exec is not counted per namespace); memory per namespace is the growth of the kernel's used
 * memory in /proc/meminfo (MemTotal − MemFree − Buffers − Cached), slab and per-cpu growth noted
 * beside it. Ping RTT runs over veth pairs through the same chain as ours (chain.ts), with the
 * per-reply times ping prints (whole µs: SO_TIMESTAMP is a timeval), sent back to back like ours.
 *
 * Every namespace is named `vnb<pid>-…`. At start, those left by dead runs are removed; ours are
 * removed in `finally`, on exit and on SIGINT/SIGTERM. Traffic stays inside our namespaces, and
 * every command has a bounded count and a timeout.
 */

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep, setImmediate as turn } from 'node:timers/promises'
import { formatIpv4 } from '../src/wire/addr.js'
import { type ChainPlan, chainPlan, LINK_PREFIX, routersText } from './chain.js'
import { type BenchConfig, median, nowNs, progress, quantile, sinceNs } from './harness.js'
import type { BaselineRule, Metric } from './report.js'

const OWN = `vnb${process.pid}-`
const ANY_RUN = /^vnb(\d+)-/
/** Seconds allowed to any single `ip` invocation. */
const CMD_TIMEOUT_MS = 120_000

export interface LinuxResult {
  readonly metrics: Metric[]
  /** How our figures compare with these. */
  readonly baselines: BaselineRule[]
}

export function run(
  cmd: string,
  args: readonly string[],
  input?: string,
  timeoutMs = CMD_TIMEOUT_MS,
): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: timeoutMs,
    ...(input === undefined ? {} : { input }),
  })
}

/** `ip [-n ns] [-force] -batch -` over the given lines. */
export function ipBatch(lines: readonly string[], opts: { ns?: string; force?: boolean } = {}): void {
  if (lines.length === 0) return
  const args = [
    ...(opts.ns === undefined ? [] : ['-n', opts.ns]),
    ...(opts.force ? ['-force'] : []),
    '-batch',
    '-',
  ]
  run('ip', args, `${lines.join('\n')}\n`)
}

/** The programs the baseline runs, and the Debian package each comes in. */
const NEEDED: readonly (readonly [string, string])[] = [
  ['ip', 'iproute2'],
  ['ping', 'iputils-ping'],
]

/**
 * Why a Linux baseline (`what`) cannot run here, naming what is missing and how to install it (a
 * fresh machine often lacks `ping` or `iperf3`); undefined when it can: root, the programs `needed`
 * (each with its Debian package), and a working `ip netns`.
 */
export function linuxPrereqs(
  what: string,
  needed: readonly (readonly [string, string])[],
): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (${what})`
  if (process.getuid?.() !== 0) return `needs root for ip netns (${what})`
  const missing = needed.filter(([prog]) => {
    try {
      run('sh', ['-c', `command -v ${prog}`])
      return false
    } catch {
      return true
    }
  })
  if (missing.length > 0)
    return `needs ${missing.map(([p]) => p).join(', ')} (${what}): apt-get install ${missing.map(([, pkg]) => pkg).join(' ')}`
  try {
    run('ip', ['netns', 'list'])
    return undefined
  } catch (e) {
    return `ip netns does not work here (${what}): ${(e as Error).message.split('\n')[0]}`
  }
}

/** Why the ping/forwarding baseline cannot run here; undefined when it can. */
export function linuxMissing(): string | undefined {
  return linuxPrereqs('linux baseline', NEEDED)
}

function listNetns(): string[] {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n !== '')
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Our namespaces, and those of benchmark runs that died without cleaning up. */
function leftovers(): string[] {
  return listNetns().filter((n) => {
    const m = ANY_RUN.exec(n)
    return m !== null && (n.startsWith(OWN) || !pidAlive(Number(m[1])))
  })
}

export function removeNetns(names: readonly string[]): void {
  ipBatch(
    names.map((n) => `netns del ${n}`),
    { force: true },
  )
}

/** Remove every namespace of ours (and stale ones); never throws. */
export function cleanup(): void {
  try {
    removeNetns(leftovers())
  } catch (e) {
    progress(`linux cleanup failed: ${(e as Error).message}`)
  }
}

/** Kernel memory figures from /proc/meminfo, kB. */
function meminfo(): { used: number; slab: number } {
  const f = new Map<string, number>()
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line)
    if (m !== null) f.set(m[1]!, Number(m[2]))
  }
  const g = (k: string) => f.get(k) ?? 0
  return {
    used: g('MemTotal') - g('MemFree') - g('Buffers') - g('Cached'),
    slab: g('Slab') + g('Percpu'),
  }
}

/** Namespace teardown is asynchronous in the kernel: give it time before reading memory. */
function settle(cfg: BenchConfig): Promise<void> {
  return sleep(cfg.quick ? 100 : 1500)
}

interface CreateFigures {
  readonly us: number
  readonly kb: number
  readonly slabKb: number
}

async function measureCreate(n: number, cfg: BenchConfig): Promise<CreateFigures> {
  const names = Array.from({ length: n }, (_, i) => `${OWN}n${i}`)
  await settle(cfg)
  const before = meminfo()
  const t0 = nowNs()
  try {
    ipBatch(names.map((x) => `netns add ${x}`))
    const us = sinceNs(t0) / 1e3 / n
    await sleep(100)
    const after = meminfo()
    return { us, kb: (after.used - before.used) / n, slabKb: (after.slab - before.slab) / n }
  } finally {
    removeNetns(names)
  }
}

/** The chain's namespaces, source first. */
export function chainNames(plan: ChainPlan): string[] {
  return plan.nodes.map((n) => `${OWN}c${plan.routers}-${n.name}`)
}

/** The chain of chain.ts in the namespaces `names`: veth `l<i>a` / `l<i>b` for link i. */
export function buildLinuxChain(plan: ChainPlan, names: readonly string[]): void {
  const links = names
    .slice(1)
    .map((right, i) => `link add name l${i}a netns ${names[i]} type veth peer name l${i}b netns ${right}`)
  ipBatch([...names.map((n) => `netns add ${n}`), ...links])
  plan.nodes.forEach((node, i) => {
    const cmds = ['link set lo up']
    for (const f of node.ifaces) {
      const dev = `l${f.link}${f.side}`
      cmds.push(`addr add ${formatIpv4(f.addr)}/${LINK_PREFIX} dev ${dev}`, `link set ${dev} up`)
    }
    for (const r of node.routes)
      cmds.push(`route add ${formatIpv4(r.dst)}/${r.prefixLen} via ${formatIpv4(r.gateway)}`)
    ipBatch(cmds, { ns: names[i]! })
    if (node.router) run('ip', ['netns', 'exec', names[i]!, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
  })
}

/** Per-reply RTTs (µs) of `ping -c count -i interval` from namespace `src` to dst. */
function linuxPing(src: string, dst: number, count: number, interval: number): number[] {
  const args = `netns exec ${src} ping -n -c ${count} -i ${interval} -W 1 ${formatIpv4(dst)}`.split(' ')
  const out = run('ip', args, undefined, (count * interval + 10) * 1000)
  return [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1e3)
}

interface RttFigures {
  readonly median: number
  readonly p99: number
  readonly replies: number
}

function measureLinuxRtt(routers: number, cfg: BenchConfig): RttFigures {
  const plan = chainPlan(routers)
  const names = chainNames(plan)
  try {
    buildLinuxChain(plan, names)
    linuxPing(names[0]!, plan.dstAddr, 3, 0.01) // resolves ARP
    const rtts = linuxPing(names[0]!, plan.dstAddr, cfg.linuxPingCount, cfg.linuxPingInterval)
    return { median: median(rtts), p99: quantile(rtts, 0.99), replies: rtts.length }
  } finally {
    removeNetns(names)
  }
}

function createMetrics(sizes: readonly number[], figs: readonly CreateFigures[]): Metric[] {
  const largest = sizes.length - 1
  const mem = figs[largest]!
  return [
    ...sizes.map((n, i) => ({
      key: `linux.netns_create.${n}`,
      name: `linux netns create (ip -batch), N=${n}`,
      value: figs[i]!.us,
      unit: 'µs/netns',
    })),
    {
      key: 'linux.netns_memory',
      name: `linux memory per netns, N=${sizes[largest]}`,
      value: mem.kb,
      unit: 'KB/netns',
      note: `used-memory growth per netns; slab + percpu grew ${mem.slabKb.toFixed(0)} KB/netns`,
    },
  ]
}

function rttMetrics(rtts: ReadonlyMap<number, RttFigures>, cfg: BenchConfig): Metric[] {
  const out: Metric[] = []
  for (const [r, f] of rtts) {
    const note = f.replies < cfg.linuxPingCount ? `${cfg.linuxPingCount - f.replies} pings lost` : undefined
    out.push(
      {
        key: `linux.ping.rtt_median.r${r}`,
        name: `linux ping RTT median, ${routersText(r)}`,
        value: f.median,
        unit: 'µs',
        ...(note === undefined ? {} : { note }),
      },
      {
        key: `linux.ping.rtt_p99.r${r}`,
        name: `linux ping RTT p99, ${routersText(r)}`,
        value: f.p99,
        unit: 'µs',
      },
    )
  }
  const rs = [...rtts.keys()]
  const lo = Math.min(...rs)
  const hi = Math.max(...rs)
  if (hi > lo)
    out.push({
      key: 'linux.ping.rtt_per_router',
      name: 'linux ping RTT added per router (median slope)',
      value: (rtts.get(hi)!.median - rtts.get(lo)!.median) / (hi - lo),
      unit: 'µs',
    })
  return out
}

/** Which of our figures each Linux figure is a baseline for. */
function baselineRules(metrics: readonly Metric[]): BaselineRule[] {
  const rules: BaselineRule[] = []
  const add = (ours: RegExp, theirs: string) => {
    const m = metrics.find((x) => x.key === theirs)
    if (m?.value != null) rules.push({ match: ours, label: 'linux', value: m.value })
  }
  const largestCreate = metrics.filter((m) => m.key.startsWith('linux.netns_create.')).pop()
  if (largestCreate !== undefined) add(/^vnet_create\.bare\.\d+$/, largestCreate.key)
  add(/^vnet_memory\.idle$/, 'linux.netns_memory')
  for (const m of metrics) {
    const ours = m.key.replace(/^linux\./, '')
    if (ours.startsWith('ping.')) add(new RegExp(`^${ours.replace(/\./g, '\\.')}$`), m.key)
  }
  return rules
}

/** Run the Linux baseline, always removing the namespaces it made. */
export async function linuxBaseline(cfg: BenchConfig): Promise<LinuxResult> {
  cleanup()
  const onSignal = (sig: NodeJS.Signals) => {
    cleanup()
    process.exit(sig === 'SIGINT' ? 130 : 143)
  }
  process.on('exit', cleanup)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const creates: CreateFigures[] = []
    for (const n of cfg.netnsSizes) {
      progress(`linux netns creation, N=${n}`)
      creates.push(await measureCreate(n, cfg))
    }
    const rtts = new Map<number, RttFigures>()
    for (const r of cfg.chains) {
      progress(`linux ping, ${routersText(r)}`)
      rtts.set(r, measureLinuxRtt(r, cfg))
      await turn() // let a pending SIGINT/SIGTERM handler run
    }
    const metrics = [...createMetrics(cfg.netnsSizes, creates), ...rttMetrics(rtts, cfg)]
    return { metrics, baselines: baselineRules(metrics) }
  } finally {
    cleanup()
    process.off('exit', cleanup)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
