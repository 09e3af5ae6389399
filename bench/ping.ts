/**
 * Ping round-trip time between two vnets, directly connected and through chains of routers, on the
 * real-time clock. Each sample is what `ping` itself would see: from just before the echo request
 * enters the raw socket to the arrival timestamp (SO_TIMESTAMP) of the reply on the source's raw
 * socket. Between in-process stacks the whole exchange runs inside `send`, so the figure is the
 * cost of the software path: socket, IP output, ARP lookup, Ethernet, run-queue, forwarding at each
 * router, ICMP echo at the destination and the way back.
 */

import type { RawSocket, Syscalls } from '../src/host/syscalls.js'
import { IcmpType, icmpFinish, writeIcmpHeader } from '../src/wire/inet/icmp.js'
import { type Chain, routersText } from './chain.js'
import { type BenchConfig, median, quantile } from './harness.js'
import type { Metric } from './report.js'

/** ICMP echo of ping's default size: 8-byte header + 56 bytes of data. */
const ECHO_LEN = 64
const IDENT = 0x7662
/** Give up on a reply after this long (it never takes more than microseconds in-process). */
const REPLY_TIMEOUT_NS = 1e9
/** Targets from the issue: a direct ping within 2 µs, each router adding at most 0.3 µs. */
const RTT_BASE_US = 2
const RTT_PER_ROUTER_US = 0.3

export interface RttFigures {
  /** Medians over repetitions of each repetition's median and 99th percentile, µs. */
  readonly median: number
  readonly p99: number
  /** Requests without a matching reply. */
  readonly lost: number
}

/** Round-trip figures per router count. */
export type PingFigures = ReadonlyMap<number, RttFigures>

function echoRequest(buf: Uint8Array, seq: number): void {
  writeIcmpHeader(buf, 0, IcmpType.ECHO, 0, ((IDENT << 16) | (seq & 0xffff)) >>> 0)
  icmpFinish(buf, 0, ECHO_LEN)
}

function isReplyTo(data: Uint8Array, seq: number): boolean {
  const o = (data[0]! & 0xf) << 2
  return (
    data[o] === IcmpType.ECHO_REPLY &&
    ((data[o + 4]! << 8) | data[o + 5]!) === IDENT &&
    ((data[o + 6]! << 8) | data[o + 7]!) === (seq & 0xffff)
  )
}

/** One family's echo over a raw socket: write request `seq` into buf, send it, know its reply. */
export interface Echoer {
  fill(buf: Uint8Array, seq: number): void
  send(buf: Uint8Array): void
  recv(timeoutNs: number): Promise<{ readonly data: Uint8Array; readonly time: number } | null>
  isReplyTo(data: Uint8Array, seq: number): boolean
  close(): void
}

/** One echo exchange; the RTT in ns, or null when no matching reply came. */
async function pingOnce(sys: Syscalls, e: Echoer, buf: Uint8Array, seq: number): Promise<number | null> {
  e.fill(buf, seq)
  const t0 = sys.now()
  e.send(buf)
  for (;;) {
    const r = await e.recv(REPLY_TIMEOUT_NS)
    if (r === null) return null
    if (e.isReplyTo(r.data, seq)) return r.time - t0
  }
}

/** `count` echoes in a row from the chain's source; RTTs in µs and the number lost. Closes e. */
export async function echoRun(
  chain: Chain,
  e: Echoer,
  count: number,
): Promise<{ rtts: number[]; lost: number }> {
  const buf = new Uint8Array(ECHO_LEN)
  const rtts: number[] = []
  let lost = 0
  try {
    for (let seq = 0; seq < count; seq++) {
      const ns = await pingOnce(chain.src, e, buf, seq)
      if (ns === null) lost++
      else rtts.push(ns / 1e3)
    }
  } finally {
    e.close()
  }
  return { rtts, lost }
}

/** `count` pings in a row; RTTs in µs and the number lost. */
export function pingRun(chain: Chain, count: number): Promise<{ rtts: number[]; lost: number }> {
  const sock: RawSocket = chain.src.rawSocket(1)
  const dst = chain.plan.dstAddr
  return echoRun(
    chain,
    {
      fill: echoRequest,
      send: (buf) => sock.send(dst, buf),
      recv: (ns) => sock.recv(ns),
      isReplyTo,
      close: () => sock.close(),
    },
    count,
  )
}

/** `count` pings in a row, as some `ping` sends them: RTTs in µs and the number lost. */
export type PingRun = (count: number) => Promise<{ rtts: number[]; lost: number }>

/** RTT figures for one chain: a warm-up run (which also resolves ARP), then cfg.pingReps runs. */
export async function measureRtt(chain: Chain, cfg: BenchConfig): Promise<RttFigures> {
  return (await rttFigures([(count) => pingRun(chain, count)], cfg))[0]!
}

/**
 * For each pinger: a warm-up run, then cfg.pingReps rounds in which every pinger runs in turn; the
 * medians over the rounds of each run's median and 99th percentile.
 */
export async function rttFigures(runs: readonly PingRun[], cfg: BenchConfig): Promise<RttFigures[]> {
  for (const run of runs) await run(cfg.pingCount)
  const medians = runs.map((): number[] => [])
  const p99s = runs.map((): number[] => [])
  const lost = runs.map(() => 0)
  for (let rep = 0; rep < cfg.pingReps; rep++)
    for (let i = 0; i < runs.length; i++) {
      const r = await runs[i]!(cfg.pingCount)
      medians[i]!.push(median(r.rtts))
      p99s[i]!.push(quantile(r.rtts, 0.99))
      lost[i]! += r.lost
    }
  return runs.map((_, i) => ({ median: median(medians[i]!), p99: median(p99s[i]!), lost: lost[i]! }))
}

export async function measurePing(chains: readonly Chain[], cfg: BenchConfig): Promise<PingFigures> {
  const out = new Map<number, RttFigures>()
  for (const c of chains) out.set(c.plan.routers, await measureRtt(c, cfg))
  return out
}

/** The increase of the median RTT per router, from the shortest to the longest chain, µs. */
export function perRouterUs(figs: PingFigures): number | null {
  const rs = [...figs.keys()].sort((a, b) => a - b)
  const lo = rs[0]
  const hi = rs[rs.length - 1]
  if (lo === undefined || hi === undefined || hi === lo) return null
  return (figs.get(hi)!.median - figs.get(lo)!.median) / (hi - lo)
}

function lossNote(f: RttFigures): string | undefined {
  return f.lost > 0 ? `${f.lost} requests got no reply` : undefined
}

/** Metrics for the figures, with the targets. */
export function pingMetrics(figs: PingFigures): Metric[] {
  const out: Metric[] = []
  for (const [r, f] of figs) {
    const note = lossNote(f)
    out.push({
      key: `ping.rtt_median.r${r}`,
      name: `ping RTT median, ${routersText(r)}`,
      value: f.median,
      unit: 'µs',
      target: { kind: 'max', value: RTT_BASE_US + RTT_PER_ROUTER_US * r },
      ...(note === undefined ? {} : { note }),
    })
    out.push({ key: `ping.rtt_p99.r${r}`, name: `ping RTT p99, ${routersText(r)}`, value: f.p99, unit: 'µs' })
  }
  out.push({
    key: 'ping.rtt_per_router',
    name: 'ping RTT added per router (median slope)',
    value: perRouterUs(figs),
    unit: 'µs',
    target: { kind: 'max', value: RTT_PER_ROUTER_US },
  })
  return out
}
