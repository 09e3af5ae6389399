/**
 * The dummynet group: what an ipfw `pipe` costs on the forwarding path, and how exactly a pipe's
 * delay holds on the real-time clock. A 1-router chain forwards 64-byte frames (forward.ts) without
 * ipfw, then with ipfw (default accept) and `pipe 1 ip from any to any` into an unlimited pipe
 * without delay — dummynet's fast path, each packet classified, queued and handed straight back —
 * as a ratio to the first, and to ipfw with a `count` rule in the pipe rule's place (what dummynet
 * itself costs). Then the pipe gets `delay 5` and ping (ping.ts) measures the RTT's
 * excess over the 10 ms the two passes through the router must take.
 *
 * It configures the router only through the syscall API, as ipfw(8) would.
 */

import { Host } from '../src/host/host.js'
import { DN_FS_DEFAULTS, IpfwAction, type IpfwRuleSpec, type Syscalls } from '../src/host/syscalls.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { buildChain } from './chain.js'
import { measureForward } from './forward.js'
import { type BenchConfig, progress } from './harness.js'
import { measureRtt } from './ping.js'
import type { Metric } from './report.js'

/** The pipe may cost at most this share of the forwarding rate without ipfw. */
const TARGET_RATIO = 0.5
const DELAY_MS = 5

function pipeConfig(sys: Syscalls, delay: number): void {
  sys.ipfwCtl({
    op: 'dummynet',
    req: {
      op: 'config-pipe',
      nr: 1,
      link: { bw: 0, delay, burst: 0 },
      fs: DN_FS_DEFAULTS,
      sch: { type: '', mask: null, buckets: 0, fqCodel: null },
    },
  })
}

export async function dummynetMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const host = new Host(nodeClockDriver(), { clock: 'real', seed: 1 })
  const chain = buildChain(host, 'dn', 1)
  progress('dummynet: forwarding without ipfw')
  const base = measureForward(chain, cfg)
  const root = host.syscalls()
  root.kenvSet('net.inet.ip.fw.default_to_accept', '1')
  root.kldload('ipfw')
  root.kldload('dummynet')
  const router = root.attach(`dn${chain.plan.nodes[1]!.name}`)
  pipeConfig(router, 0)
  const count: IpfwRuleSpec = {
    num: 100,
    set: 0,
    prob: 1,
    log: false,
    logAmount: 0,
    insns: [],
    action: IpfwAction.PIPE,
    actionArg: 1,
    fwdAddr: 0,
    fwdPort: 0,
  }
  router.ipfwCtl({ op: 'add', rules: [{ ...count, action: IpfwAction.COUNT, actionArg: 0 }] })
  progress('dummynet: forwarding through ipfw with a count rule')
  const counted = measureForward(chain, cfg)
  router.ipfwCtl({ op: 'flush' })
  router.ipfwCtl({ op: 'add', rules: [count] })
  progress('dummynet: forwarding through an unlimited pipe')
  const piped = measureForward(chain, cfg)
  pipeConfig(router, DELAY_MS)
  progress(`dummynet: ping through a ${DELAY_MS} ms pipe on the real clock`)
  const rtt = await measureRtt(chain, {
    ...cfg,
    pingCount: Math.min(cfg.pingCount, 200),
    pingReps: Math.min(cfg.pingReps, 3),
  })
  host.clock.stop()
  // The pipe holds each packet twice per crossing (in and out of the router), both ways.
  const expectUs = 4 * DELAY_MS * 1000
  return [
    {
      key: 'dummynet.forward_ratio.r1',
      name: 'forwarding 64 B through an unlimited dummynet pipe, vs no ipfw',
      value: piped.mpps / base.mpps,
      unit: 'ratio',
      target: { kind: 'min', value: TARGET_RATIO },
      note: `${piped.mpps.toFixed(2)} vs ${base.mpps.toFixed(2)} Mpps/hop/core`,
    },
    {
      key: 'dummynet.forward_ratio_vs_ipfw.r1',
      name: 'forwarding 64 B through an unlimited dummynet pipe, vs an ipfw count rule',
      value: piped.mpps / counted.mpps,
      unit: 'ratio',
      note: `${piped.mpps.toFixed(2)} vs ${counted.mpps.toFixed(2)} Mpps/hop/core`,
    },
    {
      key: 'dummynet.delay_error_p50',
      name: `dummynet ${DELAY_MS} ms pipe, RTT excess p50 (real clock)`,
      value: rtt.median - expectUs,
      unit: 'µs',
      note:
        rtt.lost > 0
          ? `${rtt.lost} lost`
          : `RTT ${(rtt.median / 1000).toFixed(3)} ms for ${4 * DELAY_MS} ms of delay`,
    },
    {
      key: 'dummynet.delay_error_p99',
      name: `dummynet ${DELAY_MS} ms pipe, RTT excess p99 (real clock)`,
      value: rtt.p99 - expectUs,
      unit: 'µs',
    },
  ]
}
