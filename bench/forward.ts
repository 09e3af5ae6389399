/**
 * Forwarding rate of minimum-size packets through a chain of routers. Prebuilt 64-byte frames
 * (60 bytes plus the 4-byte FCS a real wire would add: Ethernet + IPv4 + UDP + 18 bytes of data) are
 * injected at the first router's ingress interface in a tight loop, as a NIC driver would hand
 * them up, with ARP already resolved along the chain. They are addressed beyond the destination,
 * which does not forward and so drops each one cheaply (ips_cantforward) — no ICMP, no socket.
 * Delivered frames are counted at the destination's interface; the rate is delivered frames × hops
 * per second of this process's CPU time (the issue asks per core; on a shared machine CPU time is
 * what other processes cannot steal). The rate per wall-clock second is noted beside it. With one
 * router, the injection and the destination's drop weigh on the figure as much as the hop itself.
 */

import { writeU16 } from '../src/wire/addr.js'
import { IpProto, writeIpv4Header } from '../src/wire/inet/ipv4.js'
import { EtherType, writeEthernetHeader } from '../src/wire/link/ethernet.js'
import type { Chain } from './chain.js'
import { type BenchConfig, median, nowNs, sinceNs } from './harness.js'
import type { Metric } from './report.js'

const FRAME_LEN = 60
const UDP_LEN = FRAME_LEN - 14 - 20
/** Frames injected between looks at the clock. */
const BATCH = 4096
const TARGET_MPPS = 5

export interface ForwardFigures {
  /** Median over repetitions, million forwarded packets per CPU-second of this process, per hop. */
  readonly mpps: number
  /** Lowest and highest repetition of the same. */
  readonly min: number
  readonly max: number
  /** Median over repetitions per wall-clock second: lower when other processes take the CPU. */
  readonly wallMpps: number
  /** Injected frames that did not arrive at the destination. */
  readonly lost: number
}

/** Forwarding figures per router count. */
export type ForwardTable = ReadonlyMap<number, ForwardFigures>

/** The frame the source would send to an address beyond the destination. */
export function minimalFrame(chain: Chain): Uint8Array {
  const ingress = chain.ingress!
  const f = new Uint8Array(FRAME_LEN)
  writeEthernetHeader(f, 0, ingress.mac, ingress.peer!.mac, EtherType.IPV4)
  writeIpv4Header(f, 14, chain.plan.srcAddr, chain.plan.beyondAddr, IpProto.UDP, 64, 0, 1, UDP_LEN, 0)
  writeU16(f, 34, 9) // discard port, both ways
  writeU16(f, 36, 9)
  writeU16(f, 38, UDP_LEN)
  writeU16(f, 40, 0) // no UDP checksum
  return f
}

/** Hand `n` copies of frame to the chain's ingress interface, each in a fresh pooled buffer. */
function inject(chain: Chain, frame: Uint8Array, n: number): void {
  const ifp = chain.ingress!
  const pool = ifp.vnet.env.pool
  for (let i = 0; i < n; i++) {
    const m = pool.get(frame.length)
    m.data.set(frame, m.off)
    m.len = frame.length
    ifp.receive(m)
  }
}

export interface Run {
  readonly mpps: number
  readonly wallMpps: number
  readonly lost: number
}

/** CPU time used by this process (all its threads), ns. */
function cpuNs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) * 1e3
}

/**
 * Inject for about `ms` of wall time; forwarding rates per CPU and wall second, and frames lost.
 * `afterBatch` runs after each batch, inside the measured time (a capture reader draining its buffer).
 */
export function forwardRun(chain: Chain, frame: Uint8Array, ms: number, afterBatch?: () => void): Run {
  const stats = chain.egress.stats
  const before = stats.ipackets
  let sent = 0
  const cpu0 = cpuNs()
  const t0 = nowNs()
  let wall = 0
  do {
    inject(chain, frame, BATCH)
    afterBatch?.()
    sent += BATCH
    wall = sinceNs(t0)
  } while (wall < ms * 1e6)
  const cpu = cpuNs() - cpu0
  const forwarded = (stats.ipackets - before) * chain.plan.routers
  return {
    mpps: (forwarded / cpu) * 1e3,
    wallMpps: (forwarded / wall) * 1e3,
    lost: sent - (stats.ipackets - before),
  }
}

export function measureForward(chain: Chain, cfg: BenchConfig): ForwardFigures {
  return measureFrames(chain, cfg, [minimalFrame(chain)])[0]!
}

function figures(runs: readonly Run[]): ForwardFigures {
  const rates = runs.map((r) => r.mpps)
  return {
    mpps: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    wallMpps: median(runs.map((r) => r.wallMpps)),
    lost: runs.reduce((n, r) => n + r.lost, 0),
  }
}

/**
 * Figures for each of several frames over one chain: a warm-up of each, then cfg.forwardReps rounds
 * in which every frame has a run in turn, so drift and other work on the machine weigh on all alike.
 */
export function measureFrames(
  chain: Chain,
  cfg: BenchConfig,
  frames: readonly Uint8Array[],
): ForwardFigures[] {
  for (const f of frames) forwardRun(chain, f, cfg.forwardMs)
  const runs = frames.map((): Run[] => [])
  for (let rep = 0; rep < cfg.forwardReps; rep++)
    for (let i = 0; i < frames.length; i++) runs[i]!.push(forwardRun(chain, frames[i]!, cfg.forwardMs))
  return runs.map(figures)
}

export function measureForwarding(chains: readonly Chain[], cfg: BenchConfig): ForwardTable {
  const out = new Map<number, ForwardFigures>()
  for (const c of chains)
    if (cfg.forwardChains.includes(c.plan.routers)) out.set(c.plan.routers, measureForward(c, cfg))
  return out
}

export function forwardNote(f: ForwardFigures): string {
  const spread = `repetitions ${f.min.toFixed(2)}–${f.max.toFixed(2)}; ${f.wallMpps.toFixed(2)} per wall second`
  return f.lost > 0 ? `${spread}; ${f.lost} frames lost` : spread
}

/** Metrics for the figures, with the target. */
export function forwardMetrics(figs: ForwardTable): Metric[] {
  return [...figs].map(([r, f]) => ({
    key: `forward.mpps_per_hop.r${r}`,
    name: `forwarding 64 B, ${r}-router chain`,
    value: f.mpps,
    unit: 'Mpps/hop/core',
    target: { kind: 'min', value: TARGET_MPPS },
    note: forwardNote(f),
  }))
}
