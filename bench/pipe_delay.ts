/**
 * Link-delay accuracy on the real-time clock: two vnet jails joined by ng_eiface — ng_pipe —
 * ng_eiface, the pipe delaying downstream frames by 10 ms (one way; upstream is a plain wire). Echo
 * replies (which the kernel hands to raw sockets, where it answers echo requests itself) leave a at irregular intervals; for each, the error is its arrival time on b's raw socket
 * (SO_TIMESTAMP, taken when the stack delivers it) minus the ideal, the send time plus 10 ms. The
 * figure is how late the host clock's real mode fires the pipe's timer, plus the software path
 * (target: p99 below 50 µs). ARP is pre-seeded so every sample is one frame through the pipe.
 */

import { Host } from '../src/host/host.js'
import type { Syscalls } from '../src/host/syscalls.js'
import { parseNgValue } from '../src/netgraph/ascii.js'
import { netgraph } from '../src/netgraph/types.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { type ClockDriver, MS, US } from '../src/util/clock.js'
import { Rng } from '../src/util/rng.js'
import { parseIpv4 } from '../src/wire/addr.js'
import { IcmpType, icmpFinish, writeIcmpHeader } from '../src/wire/inet/icmp.js'
import { quantile } from './harness.js'

/** The pipe's one-way delay, µs. */
const DELAY_US = 10_000
const IDENT = 0x7064
/** Samples discarded first (JIT warm-up, first timers). */
const WARMUP = 50
/** Gap between requests: uniform in [MIN, MIN + SPREAD) ms, so deadlines fall at all phases of the OS timer. */
const GAP_MIN_MS = 0.5
const GAP_SPREAD_MS = 3

export interface PipeDelayFigures {
  /** Median and 99th percentile of (actual - ideal) delivery time, µs. */
  readonly p50us: number
  readonly p99us: number
  readonly samples: number
}

function addr(s: string): number {
  return parseIpv4(s)!
}

/** Hosts a and b in vnet jails, their ngeth interfaces joined through a pipe; returns the pipe's path. */
function topology(host: Host): { a: Syscalls; b: Syscalls; pipePath: string } {
  const root = host.syscalls()
  for (const j of ['a', 'b'])
    root.jailCreate([
      ['name', j],
      ['vnet', true],
      ['persist', true],
    ])
  const g = netgraph(host.vnet0)
  const ng = root.ngSocket()
  const ifname = (id: number) =>
    parseNgValue(ng.msg(`[${id.toString(16)}]:`, 'getifname', '').response!) as string
  // Made directly: after `mkpeer . eiface` + `rmhook`, the hookless socket node would be reaped.
  const ea = g.create('eiface')
  const eb = g.create('eiface')
  const [na, nb] = [ifname(ea.id), ifname(eb.id)]
  root.ifMoveToJail(na, 'a')
  root.ifMoveToJail(nb, 'b')
  const a = root.attach('a')
  const b = root.attach('b')
  a.ifAddAddr(na, addr('10.0.0.1'), 24)
  b.ifAddAddr(nb, addr('10.0.0.2'), 24)
  a.arpSet(addr('10.0.0.2'), b.ifGet(nb).mac!)
  b.arpSet(addr('10.0.0.1'), a.ifGet(na).mac!)
  const pipe = ng.mkpeer(`[${ea.id.toString(16)}]:`, 'pipe', 'ether', 'upper')
  const pipePath = `[${pipe.id.toString(16)}]:`
  ng.connect(pipePath, `[${eb.id.toString(16)}]:`, 'lower', 'ether')
  ng.msg(pipePath, 'setcfg', `{ downstream={ delay=${DELAY_US} } }`)
  return { a, b, pipePath }
}

/**
 * Run the measurement. `driver` defaults to the platform's real one; pass another to compare
 * timer strategies.
 */
export async function benchPipeDelay(opts: {
  quick: boolean
  driver?: ClockDriver
}): Promise<PipeDelayFigures> {
  const count = (opts.quick ? 300 : 3000) + WARMUP
  const host = new Host(opts.driver ?? nodeClockDriver(), { clock: 'real', seed: 1 })
  const { a, b } = topology(host)
  const sent = new Float64Array(count).fill(Number.NaN)
  const arrived = new Float64Array(count).fill(Number.NaN)
  const rx = b.rawSocket(1)
  const tx = a.rawSocket(1)
  const dst = addr('10.0.0.2')
  const buf = new Uint8Array(64)
  const gaps = new Rng(7, 'gaps')

  // b's side: record the arrival stamp of each echo request by sequence number.
  const receiver = (async () => {
    let got = 0
    while (got < count) {
      const p = await rx.recv(DELAY_US * US + 500 * MS)
      if (p === null) break
      const o = (p.data[0]! & 0xf) << 2
      if (p.data[o] !== IcmpType.ECHO_REPLY || ((p.data[o + 4]! << 8) | p.data[o + 5]!) !== IDENT) continue
      const seq = (p.data[o + 6]! << 8) | p.data[o + 7]!
      if (seq < count && Number.isNaN(arrived[seq]!)) {
        arrived[seq] = p.time
        got++
      }
    }
  })()

  for (let seq = 0; seq < count; seq++) {
    writeIcmpHeader(buf, 0, IcmpType.ECHO_REPLY, 0, ((IDENT << 16) | seq) >>> 0)
    icmpFinish(buf, 0, buf.length)
    sent[seq] = a.now()
    tx.send(dst, buf)
    await a.nanosleep((GAP_MIN_MS + gaps.float() * GAP_SPREAD_MS) * MS)
  }
  await receiver
  tx.close()
  rx.close()
  host.clock.stop()

  const errs: number[] = []
  for (let seq = WARMUP; seq < count; seq++)
    if (!Number.isNaN(arrived[seq]!)) errs.push((arrived[seq]! - (sent[seq]! + DELAY_US * US)) / US)
  return { p50us: quantile(errs, 0.5), p99us: quantile(errs, 0.99), samples: errs.length }
}
