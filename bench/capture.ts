/**
 * What a capture costs a router: the 64-byte forwarding rate of bench/forward.ts through one router
 * while a bpf descriptor listens on its ingress interface, as a ratio to the same router without
 * one. Two rows: a filter that matches nothing (`tcp port 9`: the cost of the tap and the filter on
 * every frame), and no filter with every frame written as a pcap record (the descriptor drained
 * after each batch of 4,096 frames into pcap records in a 1 MiB write buffer that is counted and
 * reused when full: an in-memory sink, the cost of a buffered file short of the disk). Paired runs, back to back, as bench/ipfw.ts does; the figure is
 * the median of the paired ratios.
 */

import { Host } from '../src/host/host.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { BpfD } from '../src/stack/net/bpf/bpf.js'
import { compileFilter } from '../src/userland/lib/libpcap/filter.js'
import { LinkType, PcapWriter } from '../src/wire/pcap/pcap.js'
import { buildChain, type Chain } from './chain.js'
import { forwardRun, minimalFrame } from './forward.js'
import { type BenchConfig, collect, median, progress } from './harness.js'
import type { Metric } from './report.js'

interface Variant {
  readonly key: string
  readonly name: string
  /** A filter expression; null: no filter, every frame written. */
  readonly filter: string | null
}

const VARIANTS: readonly Variant[] = [
  { key: 'nomatch', name: 'a filter matching nothing', filter: 'tcp port 9' },
  { key: 'all_to_file', name: 'all frames written as pcap (in-memory sink)', filter: null },
]

/** The in-memory "file": a 1 MiB write buffer, "flushed" (counted, then reused) when full. */
class Sink {
  bytes = 0
  readonly buf = new Uint8Array(1 << 20)
  at = 0

  flush(): void {
    this.bytes += this.at
    this.at = 0
  }
}

function run(
  chain: Chain,
  frame: Uint8Array,
  v: Variant,
  ms: number,
): { mpps: number; captured: number; drops: number } {
  const ifp = chain.ingress!
  const d = new BpfD(ifp.vnet.env.clock)
  d.filter = v.filter === null ? null : compileFilter(v.filter, LinkType.EN10MB)
  ifp.bpf.attach(d)
  const w = new PcapWriter(LinkType.EN10MB)
  const sink = new Sink()
  sink.buf.set(w.header())
  sink.at = 24
  let captured = 0
  const drain = (): void => {
    d.read((r) => {
      captured++
      let next = w.recordInto(sink.buf, sink.at, r.stamp, r.buf, r.off, r.caplen, r.wirelen)
      if (next < 0) {
        sink.flush()
        next = w.recordInto(sink.buf, 0, r.stamp, r.buf, r.off, r.caplen, r.wirelen)
      }
      sink.at = next
    })
  }
  try {
    const r = forwardRun(chain, frame, ms, drain)
    return { mpps: r.mpps, captured, drops: d.dcount }
  } finally {
    d.close()
  }
}

export async function captureMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const host = new Host(nodeClockDriver(), { clock: 'real', seed: 1 })
  const chain = buildChain(host, 'cap', 1)
  const frame = minimalFrame(chain)
  collect()
  const out: Metric[] = []
  for (const v of VARIANTS) {
    progress(`capture: forwarding with ${v.name}`)
    const ratios: number[] = []
    const bases: number[] = []
    const caps: number[] = []
    let captured = 0
    let drops = 0
    // One unrecorded pair warms both paths up.
    for (let rep = -1; rep < cfg.forwardReps; rep++) {
      const base = forwardRun(chain, frame, cfg.forwardMs).mpps
      const c = run(chain, frame, v, cfg.forwardMs)
      if (rep < 0) continue
      ratios.push(c.mpps / base)
      bases.push(base)
      caps.push(c.mpps)
      captured += c.captured
      drops += c.drops
    }
    out.push({
      key: `capture.forward_ratio.${v.key}`,
      name: `forwarding 64 B with a capture on the router, ${v.name}`,
      value: median(ratios),
      unit: '× no capture',
      note: `${median(caps).toFixed(2)} Mpps/core capturing, ${median(bases).toFixed(2)} without (medians of ${ratios.length} paired runs); ${captured} frames captured, ${drops} dropped`,
    })
  }
  host.clock.stop()
  return out
}
