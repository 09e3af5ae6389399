/**
 * The IPv6 rows beside the IPv4 ones (issue 11): ping RTT directly and through routers, the smallest
 * frame's forwarding rate and TCP bulk throughput, each over the same chain numbered for both
 * families, with its IPv4 twin as baseline: a rate may be at most 10% below the IPv4 figure, a round
 * trip at most 10% longer. Ping and forwarding alternate IPv4 and IPv6 runs round by round (so other
 * work on the machine weighs on both alike); TCP measures IPv4 first, then IPv6. The IPv4 twins are
 * not rows of their own (the data-path and TCP groups report those); they show in the ratio column.
 */

import { Host } from '../src/host/host.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { writeU16 } from '../src/wire/addr.js'
import { IpProto } from '../src/wire/inet/ipv4.js'
import { Icmp6Type, icmp6Ident, icmp6Seq } from '../src/wire/inet6/icmpv6.js'
import { writeIpv6Header } from '../src/wire/inet6/ipv6.js'
import { EtherType, writeEthernetHeader } from '../src/wire/link/ethernet.js'
import { buildChain, type Chain, routersText } from './chain.js'
import { addInet6, beyondAddr6, dstAddr6, srcAddr6 } from './chain6.js'
import { type ForwardFigures, forwardNote, measureFrames, minimalFrame } from './forward.js'
import { type BenchConfig, collect, progress } from './harness.js'
import { echoRun, pingRun, type RttFigures, rttFigures } from './ping.js'
import type { Metric } from './report.js'
import { BULK_MODES, bulkMetric, setLinks } from './tcp.js'

/** Issue 11: within 10% of the IPv4 figures. */
const RATE_RATIO = 0.9
const RTT_RATIO = 1.1
const IDENT = 0x7636
/** Ethernet + IPv6 + an empty UDP datagram: the smallest IPv6 frame (66 bytes with the FCS). */
const FRAME6_LEN = 14 + 40 + 8

function isReplyTo(data: Uint8Array, seq: number): boolean {
  return (
    data[0] === Icmp6Type.ECHO_REPLY && icmp6Ident(data, 0) === IDENT && icmp6Seq(data, 0) === (seq & 0xffff)
  )
}

/** `count` ICMPv6 echoes from the chain's source to its destination, as ping.ts's pingRun for IPv4. */
function ping6Run(chain: Chain, count: number): Promise<{ rtts: number[]; lost: number }> {
  const sock = chain.src.inet6.rawSocket()
  const dst = dstAddr6(chain)
  return echoRun(
    chain,
    {
      fill: (buf, seq) => {
        buf[0] = Icmp6Type.ECHO_REQUEST
        writeU16(buf, 4, IDENT)
        writeU16(buf, 6, seq & 0xffff)
      },
      send: (buf) => sock.send(dst, buf),
      recv: (ns) => sock.recv(ns),
      isReplyTo,
      close: () => sock.close(),
    },
    count,
  )
}

/** The frame the source would send to an address beyond the destination, as forward.ts's IPv4 one. */
export function minimalFrame6(chain: Chain): Uint8Array {
  const ingress = chain.ingress!
  const f = new Uint8Array(FRAME6_LEN)
  writeEthernetHeader(f, 0, ingress.mac, ingress.peer!.mac, EtherType.IPV6)
  writeIpv6Header(f, 14, srcAddr6(), 0, beyondAddr6(), 0, IpProto.UDP, 64, 8)
  writeU16(f, 54, 9) // discard port, both ways
  writeU16(f, 56, 9)
  writeU16(f, 58, 8)
  return f
}

function rttRows(r: number, v6: RttFigures, v4: RttFigures): Metric[] {
  const lost = v6.lost > 0 ? { note: `${v6.lost} requests got no reply` } : {}
  return [
    {
      key: `ping6.rtt_median.r${r}`,
      name: `ping6 RTT median, ${routersText(r)}`,
      value: v6.median,
      unit: 'µs',
      target: { kind: 'max-ratio', value: RTT_RATIO },
      baseline: { label: 'IPv4', value: v4.median },
      ...lost,
    },
    {
      key: `ping6.rtt_p99.r${r}`,
      name: `ping6 RTT p99, ${routersText(r)}`,
      value: v6.p99,
      unit: 'µs',
      baseline: { label: 'IPv4', value: v4.p99 },
    },
  ]
}

function forwardRow(r: number, v6: ForwardFigures, v4: ForwardFigures): Metric {
  return {
    key: `forward6.mpps_per_hop.r${r}`,
    name: `forwarding IPv6 66 B, ${r}-router chain`,
    value: v6.mpps,
    unit: 'Mpps/hop/core',
    target: { kind: 'min-ratio', value: RATE_RATIO },
    baseline: { label: 'IPv4', value: v4.mpps },
    note: forwardNote(v6),
  }
}

/** TCP bulk over IPv6 at MTU 1500 with real checksums, directly, after the same over IPv4. */
async function bulkRows(host: Host, cfg: BenchConfig): Promise<Metric> {
  const mode = BULK_MODES[0]!
  const chain = buildChain(host, 'b6', 0)
  addInet6(chain)
  setLinks(chain, mode)
  collect()
  progress(`TCP bulk over IPv4 and IPv6, MTU ${mode.mtu}, direct`)
  const v4 = await bulkMetric(chain, mode, cfg)
  const v6 = await bulkMetric(chain, mode, cfg, true)
  return {
    ...v6,
    target: { kind: 'min-ratio', value: RATE_RATIO },
    ...(v4.value === null ? {} : { baseline: { label: 'IPv4', value: v4.value } }),
  }
}

/** Routers between the ping end points, and in the forwarding chains. */
function pingChains(cfg: BenchConfig): number[] {
  return cfg.quick ? [0, 1] : [0, 4]
}

export async function inet6Metrics(cfg: BenchConfig): Promise<Metric[]> {
  const host = new Host(nodeClockDriver(), { clock: 'real', seed: 6 })
  const out: Metric[] = []
  try {
    const sizes = [...new Set([...pingChains(cfg), ...cfg.forwardChains.slice(0, 2)])].sort((a, b) => a - b)
    const chains = new Map(sizes.map((r) => [r, buildChain(host, `v6c${r}`, r)]))
    for (const c of chains.values()) addInet6(c)
    collect()
    for (const r of pingChains(cfg)) {
      progress(`ping RTT over IPv4 and IPv6, ${routersText(r)}`)
      const c = chains.get(r)!
      const [v4, v6] = await rttFigures([(n) => pingRun(c, n), (n) => ping6Run(c, n)], cfg)
      out.push(...rttRows(r, v6!, v4!))
    }
    for (const r of cfg.forwardChains.slice(0, 2)) {
      progress(`forwarding IPv4 and IPv6, ${r}-router chain`)
      const c = chains.get(r)!
      const [v4, v6] = measureFrames(c, cfg, [minimalFrame(c), minimalFrame6(c)])
      out.push(forwardRow(r, v6!, v4!))
    }
    out.push(await bulkRows(host, cfg))
  } finally {
    host.clock.stop()
  }
  return out
}
