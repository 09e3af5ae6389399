/**
 * UDP datagrams per second between two vnets, socket to socket: a connected sender's `sendto` of
 * 18-byte datagrams (the payload of a 64-byte frame) through the chain's epairs and routers to a
 * bound receiver that drains them with non-blocking `recvfrom`. Everything a datagram meets is
 * counted: both socket layers, UDP and IP output and input, ARP-resolved Ethernet, forwarding.
 * The rate is received datagrams per CPU-second of this process (as the forwarding figure); the
 * rate per wall second and any loss are noted beside it. Bursts stay below the receive buffer, so
 * a loss means a defect, not an overflow.
 */

import { AF_INET, MSG, SOCK, type SocketFd } from '../src/host/syscalls.js'
import type { Chain } from './chain.js'
import { type BenchConfig, median, nowNs, sinceNs } from './harness.js'
import type { Metric } from './report.js'

const PAYLOAD = 18
const PORT = 9
/** Datagrams per burst: 64 × (18 B + overhead) stays far below net.inet.udp.recvspace. */
const BURST = 64
/** Linux-class: about a million small datagrams a second per core, socket to socket. */
const TARGET_KPPS = 1000

/** CPU time used by this process (all its threads), ns. */
function cpuNs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) * 1e3
}

interface Run {
  readonly kpps: number
  readonly wallKpps: number
  readonly lost: number
}

async function udpRun(tx: SocketFd, rx: SocketFd, ms: number): Promise<Run> {
  const data = new Uint8Array(PAYLOAD)
  let sent = 0
  let received = 0
  const cpu0 = cpuNs()
  const t0 = nowNs()
  let wall = 0
  do {
    for (let i = 0; i < BURST; i++) tx.sendto(data)
    sent += BURST
    // Delivery is synchronous in one host; what is not queued now was dropped.
    for (;;) {
      try {
        await rx.recvfrom(PAYLOAD, MSG.DONTWAIT)
        received++
      } catch {
        break
      }
    }
    wall = sinceNs(t0)
  } while (wall < ms * 1e6)
  const cpu = cpuNs() - cpu0
  return { kpps: (received / cpu) * 1e6, wallKpps: (received / wall) * 1e6, lost: sent - received }
}

/** Datagram rate from the chain's source to its destination. */
export async function udpMetrics(chains: readonly Chain[], cfg: BenchConfig): Promise<Metric[]> {
  const out: Metric[] = []
  for (const chain of chains) {
    if (chain.plan.routers !== 0 && !cfg.forwardChains.includes(chain.plan.routers)) continue
    const rx = chain.dst.socket(AF_INET, SOCK.DGRAM)
    const tx = chain.src.socket(AF_INET, SOCK.DGRAM)
    try {
      rx.bind({ addr: 0, port: PORT })
      await tx.connect({ addr: chain.plan.dstAddr, port: PORT })
      await udpRun(tx, rx, cfg.forwardMs) // warm-up: ARP, JIT
      const runs: Run[] = []
      for (let i = 0; i < cfg.forwardReps; i++) runs.push(await udpRun(tx, rx, cfg.forwardMs))
      const lost = runs.reduce((n, r) => n + r.lost, 0)
      const wall = median(runs.map((r) => r.wallKpps))
      out.push({
        key: `udp.kpps.r${chain.plan.routers}`,
        name: `UDP 18 B socket to socket, ${chain.plan.routers}-router chain`,
        value: median(runs.map((r) => r.kpps)),
        unit: 'k datagrams/s/core',
        // The target is for the direct link; longer chains show what each router adds.
        ...(chain.plan.routers === 0 ? { target: { kind: 'min', value: TARGET_KPPS } as const } : {}),
        note: `${wall.toFixed(0)} k per wall second${lost > 0 ? `; ${lost} lost` : ''}`,
      })
    } finally {
      tx.close()
      rx.close()
    }
  }
  return out
}
