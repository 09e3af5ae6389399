/**
 * The TCP group: bulk throughput between two vnets, directly and through 3 routers, once at MTU 1500
 * with every checksum computed and verified, once at MTU 65535 with in-process checksum offload on
 * the epairs (what Linux veth does); connections per second (connect, 1 byte each way, close); and
 * memory per idle established connection. Everything goes through the socket system calls, the
 * chain's epairs and routers, as `iperf3` between two jails would.
 *
 * Rates are per CPU-second of this process (as the UDP and forwarding figures), so other work on
 * the machine disturbs them less; the wall-clock rate is noted beside. The whole exchange runs
 * synchronously in the host's run-queue: the sender queues what fits, the receiver drains, and the
 * receiver's window updates let the sender go on. It must not touch the stack's internals beyond
 * what a link option would set.
 */

import { setTimeout as sleep } from 'node:timers/promises'
import { Host } from '../src/host/host.js'
import {
  AF_INET,
  AF_INET6,
  MSG,
  SO,
  SOCK,
  SOL_SOCKET,
  type SocketFd,
  type Syscalls,
} from '../src/host/syscalls.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { buildChain, type Chain, routersText } from './chain.js'
import { dstAddr6 } from './chain6.js'
import {
  type BenchConfig,
  canCollect,
  collect,
  median,
  nowNs,
  progress,
  retainedBytes,
  sinceNs,
} from './harness.js'
import type { Metric } from './report.js'

/** Targets of issue 8: Gbit/s at MTU 1500, with large segments; connections/s; bytes per idle connection. */
const TARGET_GBPS_1500 = 5
const TARGET_GBPS_LARGE = 10
const TARGET_CONN_PER_S = 100_000
const TARGET_IDLE_BYTES = 4096

/**
 * SO_SNDBUF / SO_RCVBUF of both ends of a bulk transfer. Between stacks of one process the
 * bandwidth-delay product is tiny, so the window only sets how much is copied per round; 256 KB
 * keeps the rings and segments in cache (2 MB measured several times slower, and noisier, here).
 */
const BULK_SOCKBUF = 256 * 1024
/**
 * Bytes per write(2) and the most per read(2): iperf3's default buffer length for TCP. Reads go
 * into one buffer reused for the whole run (recvInto, read(2) into iperf3's buffer), so what is
 * measured is the stack's copy out of its receive buffer, not the allocator.
 */
const WRITE = 128 * 1024
const READ = 128 * 1024
const BULK_PORT = 5201
/** The largest MTU an IPv4 packet can fill. */
export const LARGE_MTU = 65535

/** CPU time used by this process (all its threads), ns. */
function cpuNs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) * 1e3
}

/** How one chain's links are set up for a row. */
export interface LinkMode {
  /** `1500`, `65535`: in the metric key and name. */
  readonly mtu: number
  /** In-process checksum offload on every epair (the peer trusts the segment, as over veth). */
  readonly offload: boolean
}

/** Set every interface of the chain to the mode; before any connection, so MSS follows the MTU. */
export function setLinks(chain: Chain, mode: LinkMode): void {
  for (const v of chain.vnets)
    for (const ifp of v.ifnets) {
      if (ifp.family !== 'epair') continue
      ifp.mtu = mode.mtu
      ifp.csumOffload = mode.offload
    }
}

/**
 * A connected pair of stream sockets: the client in the chain's source, the accepted end in its
 * destination; over IPv6 when `inet6` (the chain numbered by chain6.ts).
 */
async function connectPair(
  chain: Chain,
  port: number,
  sockbuf: number,
  inet6 = false,
): Promise<{ cli: SocketFd; srv: SocketFd; lsn: SocketFd }> {
  const family = inet6 ? AF_INET6 : AF_INET
  const lsn = chain.dst.socket(family, SOCK.STREAM)
  lsn.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
  // Buffers before listen/connect: the window scale is chosen from them at the handshake.
  if (sockbuf > 0) lsn.setsockopt(SOL_SOCKET, SO.RCVBUF, sockbuf)
  lsn.bind(inet6 ? { addr: 0, addr6: new Uint8Array(16), port } : { addr: 0, port })
  lsn.listen(8)
  const cli = chain.src.socket(family, SOCK.STREAM)
  if (sockbuf > 0) cli.setsockopt(SOL_SOCKET, SO.SNDBUF, sockbuf)
  await cli.connect(inet6 ? { addr: 0, addr6: dstAddr6(chain), port } : { addr: chain.plan.dstAddr, port })
  const { fd: srv } = await lsn.accept()
  return { cli, srv, lsn }
}

interface BulkRun {
  readonly gbps: number
  readonly wallGbps: number
  /** Pump rounds in which nothing moved: the transfer waited for a timer. */
  readonly stalls: number
}

/** Send for `ms` of wall time from cli to srv; the rate is bits received per CPU-second. */
async function bulkRun(cli: SocketFd, srv: SocketFd, ms: number): Promise<BulkRun> {
  const data = new Uint8Array(WRITE)
  const rbuf = new Uint8Array(READ)
  let received = 0
  let stalls = 0
  const cpu0 = cpuNs()
  const t0 = nowNs()
  let wall = 0
  do {
    let moved = 0
    // poll(2) first, as an event loop does: a would-block is an answer, not an exception.
    if (await cli.pollOut(0)) moved += await cli.send(data, MSG.DONTWAIT)
    while (await srv.pollIn(0)) {
      const got = await srv.recvInto(rbuf, MSG.DONTWAIT)
      if (got === 0) throw new Error('bulk: connection closed')
      received += got
      moved += got
    }
    // Nothing moved: the next step belongs to a timer (delayed ACK, retransmission); let it run.
    if (moved === 0) {
      stalls++
      await sleep(1)
    }
    wall = sinceNs(t0)
  } while (wall < ms * 1e6)
  const cpu = cpuNs() - cpu0
  return { gbps: (received * 8) / cpu, wallGbps: (received * 8) / wall, stalls }
}

/** Throughput over one chain in one link mode: a warm-up, then `reps` runs, the median reported. */
export async function bulkMetric(
  chain: Chain,
  mode: LinkMode,
  cfg: BenchConfig,
  inet6 = false,
): Promise<Metric> {
  const { cli, srv, lsn } = await connectPair(chain, BULK_PORT, BULK_SOCKBUF, inet6)
  srv.setsockopt(SOL_SOCKET, SO.SNDBUF, BULK_SOCKBUF)
  try {
    await bulkRun(cli, srv, cfg.tcpMs) // warm-up: ARP, congestion window, JIT
    const runs: BulkRun[] = []
    for (let i = 0; i < cfg.tcpReps; i++) runs.push(await bulkRun(cli, srv, cfg.tcpMs))
    const stalls = runs.reduce((n, r) => n + r.stalls, 0)
    const r = chain.plan.routers
    return {
      key: `tcp${inet6 ? '6' : ''}.bulk.mtu${mode.mtu}.r${r}`,
      name: `TCP bulk${inet6 ? ' over IPv6' : ''}, MTU ${mode.mtu}${mode.offload ? ' csum offload' : ' real csums'}, ${routersText(r)}`,
      value: median(runs.map((x) => x.gbps)),
      unit: 'Gbit/s/core',
      target: { kind: 'min', value: mode.mtu > 9000 ? TARGET_GBPS_LARGE : TARGET_GBPS_1500 },
      note: `${median(runs.map((x) => x.wallGbps)).toFixed(2)} Gbit/s per wall second${stalls > 0 ? `; waited for a timer ${stalls} times` : ''}`,
    }
  } finally {
    cli.close()
    srv.close()
    lsn.close()
  }
}

const ONE = new Uint8Array([0x2a])

/**
 * One short connection: connect, one byte each way, close (the server first, as an HTTP/1.0 server
 * does, so TIME_WAIT stays on the server and the client's ephemeral ports come back at once).
 */
async function shortConnection(src: Syscalls, lsn: SocketFd, addr: number, port: number): Promise<void> {
  const c = src.socket(AF_INET, SOCK.STREAM)
  try {
    await c.connect({ addr, port })
    const { fd: s } = await lsn.accept()
    await c.send(ONE)
    if ((await s.recv(1)).length !== 1) throw new Error('conn: server read nothing')
    await s.send(ONE)
    if ((await c.recv(1)).length !== 1) throw new Error('conn: client read nothing')
    s.close()
  } finally {
    c.close()
  }
}

/**
 * Connections per CPU-second for `ms` of wall time, at most `max` connections (each leaves a
 * TIME_WAIT on a fresh listening port, so no port is reused within a run).
 */
async function connRun(
  chain: Chain,
  port: number,
  ms: number,
  max: number,
): Promise<{ rate: number; wall: number }> {
  const lsn = chain.dst.socket(AF_INET, SOCK.STREAM)
  lsn.bind({ addr: 0, port })
  lsn.listen(128)
  let n = 0
  const cpu0 = cpuNs()
  const t0 = nowNs()
  let wall = 0
  try {
    do {
      for (let i = 0; i < 64 && n < max; i++, n++)
        await shortConnection(chain.src, lsn, chain.plan.dstAddr, port)
      wall = sinceNs(t0)
    } while (wall < ms * 1e6 && n < max)
  } finally {
    lsn.close()
  }
  const cpu = cpuNs() - cpu0
  return { rate: (n / cpu) * 1e9, wall: (n / wall) * 1e9 }
}

export async function connMetric(chain: Chain, cfg: BenchConfig): Promise<Metric> {
  await connRun(chain, 1000, cfg.tcpMs, cfg.tcpConnMax) // warm-up
  const runs: { rate: number; wall: number }[] = []
  for (let i = 0; i < cfg.tcpReps; i++) runs.push(await connRun(chain, 1001 + i, cfg.tcpMs, cfg.tcpConnMax))
  return {
    key: `tcp.conn_per_s.r${chain.plan.routers}`,
    name: `TCP connect + 1 B each way + close, ${routersText(chain.plan.routers)}`,
    value: median(runs.map((r) => r.rate)),
    unit: 'conn/s/core',
    target: { kind: 'min', value: TARGET_CONN_PER_S },
    note: `${median(runs.map((r) => r.wall)).toFixed(0)} per wall second; at most ${cfg.tcpConnMax} per run`,
  }
}

/**
 * Retained bytes per idle established connection (both ends, both in this process): n connections
 * made and left open, the heap before and after compared after full collections.
 */
async function idleMetric(chain: Chain, cfg: BenchConfig): Promise<Metric> {
  const n = cfg.tcpIdleConns
  const lsn = chain.dst.socket(AF_INET, SOCK.STREAM)
  lsn.bind({ addr: 0, port: 7 })
  lsn.listen(-1)
  const fds: SocketFd[] = []
  const open = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const c = chain.src.socket(AF_INET, SOCK.STREAM)
      await c.connect({ addr: chain.plan.dstAddr, port: 7 })
      fds.push(c, (await lsn.accept()).fd)
    }
  }
  try {
    // A few first, so that compiled code and the tables' first growth are not counted as per-connection.
    await open(Math.min(200, n))
    const before = retainedBytes()
    await open(n)
    const per = (retainedBytes() - before) / n
    return {
      key: 'tcp.idle_conn_memory',
      name: `memory per idle TCP connection, N=${n}`,
      value: canCollect() ? per : null,
      unit: 'B/conn',
      target: { kind: 'max', value: TARGET_IDLE_BYTES },
      note: `both ends (client and accepted socket) in one process; ${(per / 2).toFixed(0)} B per endpoint`,
    }
  } finally {
    for (const fd of fds) fd.close()
    lsn.close()
  }
}

export const BULK_MODES: readonly LinkMode[] = [
  { mtu: 1500, offload: false },
  { mtu: LARGE_MTU, offload: true },
]

/** Routers between the end points of the throughput rows. */
export const TCP_CHAINS: readonly number[] = [0, 3]

/** The connection-rate row alone (`--only tcp_conn`): the same chain and runs as in tcpMetrics. */
export async function tcpConnMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const host = new Host(nodeClockDriver(), { clock: 'real', seed: 2 })
  try {
    const direct = buildChain(host, 'tconn', 0)
    progress('TCP connections per second, direct')
    collect()
    return [await connMetric(direct, cfg)]
  } finally {
    host.clock.stop()
  }
}

export async function tcpMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const host = new Host(nodeClockDriver(), { clock: 'real', seed: 2 })
  const out: Metric[] = []
  try {
    for (const mode of BULK_MODES)
      for (const r of TCP_CHAINS) {
        progress(`TCP bulk, MTU ${mode.mtu}, ${routersText(r)}`)
        const chain = buildChain(host, `t${mode.mtu}r${r}`, r)
        setLinks(chain, mode)
        collect()
        out.push(await bulkMetric(chain, mode, cfg))
      }
    const direct = buildChain(host, 'tconn', 0)
    progress('TCP connections per second, direct')
    collect()
    out.push(await connMetric(direct, cfg))
    progress(`memory per idle TCP connection, N=${cfg.tcpIdleConns}`)
    const idle = buildChain(host, 'tidle', 0)
    out.push(await idleMetric(idle, cfg))
  } finally {
    const errors = host.env.netisr.errors
    if (errors > 0) progress(`netisr caught ${errors} exceptions; last: ${String(host.env.netisr.lastError)}`)
    host.clock.stop()
  }
  return out
}
