/**
 * Forwarding rate through a NAT router: the 1-router chain of forward.ts, measured as it is, then
 * with ipfw and ipfw_nat loaded on the host and the router translating everything that leaves
 * towards the destination (`ipfw nat 1 config ip A` and `ipfw add nat 1 ip from any to any via
 * IF`, default_to_accept for the rest), the same 64-byte frames injected at its ingress. Every frame
 * of the flow hits the one link libalias made for it, so this is the per-packet cost of the
 * translation: rule walk, link lookup, rewrite and checksum fixes. Reported per CPU second, with
 * its ratio to the router without ipfw (and, in the note, the rate with ipfw loaded and no rule but
 * the default one, which separates ipfw's own cost from the translation's); the target is
 * 2 Mpps per core.
 *
 * Its own host, because loading ipfw hooks every vnet of a host.
 */

import { Host } from '../src/host/host.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { ipfw } from '../src/stack/netpfil/ipfw/ip_fw_chain.js'
import { compileRule } from '../src/userland/sbin/ipfw/compile.js'
import { buildChain, linkAddr } from './chain.js'
import { measureForward } from './forward.js'
import { type BenchConfig, collect, progress } from './harness.js'
import type { Metric } from './report.js'

const TARGET_MPPS = 2

export async function natMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const host = new Host(nodeClockDriver(), { clock: 'real', seed: 1 })
  try {
    const chain = buildChain(host, 'nat', 1)
    collect()
    progress('forwarding through one router, without ipfw')
    const plain = measureForward(chain, cfg)
    const root = host.syscalls()
    root.kenvSet('net.inet.ip.fw.default_to_accept', '1')
    root.kldload('ipfw_nat')
    collect()
    progress('forwarding through one router, ipfw loaded with only its default rule')
    const bare = measureForward(chain, cfg)
    const router = root.attach('natr1')
    const wan = chain.vnets[1]!.ifnets.find((i) => i.addrs.some((a) => a.addr === linkAddr(1, 1)))!
    router.ipfwCtl({
      op: 'nat-config',
      cfg: { id: 1, ip: linkAddr(1, 1), ifName: '', mode: 0, portLo: 0, portHi: 0, redirs: [] },
    })
    router.ipfwCtl({
      op: 'add',
      rules: [compileRule(['100', 'nat', '1', 'ip', 'from', 'any', 'to', 'any', 'via', wan.name])],
    })
    collect()
    progress('forwarding through one NAT router')
    const nat = measureForward(chain, cfg)
    const t = ipfw(chain.vnets[1]!).nat?.find(1)
    const links = t === undefined ? 0 : t.lib.db.count
    const spread = `repetitions ${nat.min.toFixed(2)}–${nat.max.toFixed(2)}; ${nat.wallMpps.toFixed(2)} per wall second; ${links} link${links === 1 ? '' : 's'}`
    return [
      {
        key: 'nat.mpps.r1',
        name: 'forwarding 64 B through a NAT router',
        value: nat.mpps,
        unit: 'Mpps/core',
        target: { kind: 'min', value: TARGET_MPPS },
        note: nat.lost > 0 ? `${spread}; ${nat.lost} frames lost` : spread,
      },
      {
        key: 'nat.ratio.r1',
        name: 'NAT router rate / same router without ipfw',
        value: plain.mpps > 0 ? nat.mpps / plain.mpps : null,
        unit: 'ratio',
        // ipfw's own pass (three per packet: the router's input and output, the destination's input)
        // is most of the cost; the figure with only the default rule shows how much.
        note: `without ipfw ${plain.mpps.toFixed(2)} Mpps/core; ipfw with only its default rule ${bare.mpps.toFixed(2)}`,
      },
    ]
  } finally {
    host.clock.stop()
  }
}
