/**
 * The dummynet group: what an ipfw `pipe` costs on the forwarding path, and how exactly a pipe's
 * delay holds on the real-time clock. A 1-router chain forwards 64-byte frames (forward.ts) without
 * ipfw, then with ipfw (default accept) and `pipe 1 ip from any to any` into an unlimited pipe
 * without delay — dummynet's fast path, each packet classified, queued and handed straight back —
 * as a ratio to the first, and to ipfw with a `count` rule in the pipe rule's place (what dummynet
 * itself costs); the three are measured back to back in each repetition (bench/ipfw.ts's pairs), and
 * each ratio is the median of the repetitions' ratios. Then the pipe gets `delay 5` and ping (ping.ts) measures the RTT's
 * excess over the 10 ms the two passes through the router must take.
 *
 * It configures the router only through the syscall API, as ipfw(8) would.
 */

import { Host } from '../src/host/host.js'
import { DN_FS_DEFAULTS, IpfwAction, type IpfwRuleSpec, type Syscalls } from '../src/host/syscalls.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { buildChain } from './chain.js'
import { forwardRun, minimalFrame } from './forward.js'
import { type BenchConfig, median, progress } from './harness.js'
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

/** The rule the pipe rows put in front of the default one: `pipe 1` or `count` from any to any. */
function rule(action: number, actionArg: number): IpfwRuleSpec {
  return {
    num: 100,
    set: 0,
    prob: 1,
    log: false,
    logAmount: 0,
    insns: [],
    action: action as IpfwRuleSpec['action'],
    actionArg,
    fwdAddr: 0,
    fwdPort: 0,
  }
}

/** A short unmeasured run after each change of configuration. */
const WARM_MS = 10

const ratio = (a: readonly number[], b: readonly number[]) => median(a.map((x, i) => x / b[i]!))

export async function dummynetMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const host = new Host(nodeClockDriver(), { clock: 'real', seed: 1 })
  const chain = buildChain(host, 'dn', 1)
  const root = host.syscalls()
  root.kenvSet('net.inet.ip.fw.default_to_accept', '1')
  const frame = minimalFrame(chain)
  const name = `dn${chain.plan.nodes[1]!.name}`
  // Each repetition measures the three back to back (no ipfw, a count rule, the pipe), so that a
  // change in the machine's load falls on all three alike rather than on the ratio; the figures are
  // the medians of the per-repetition ratios. One unrecorded repetition warms every path up.
  const base: number[] = []
  const counted: number[] = []
  const piped: number[] = []
  progress('dummynet: forwarding without ipfw, with a count rule, through an unlimited pipe')
  for (let rep = -1; rep < cfg.forwardReps; rep++) {
    if (root.kldstat().some((k) => k.module === 'dummynet')) root.kldunload('dummynet')
    if (root.kldstat().some((k) => k.module === 'ipfw')) root.kldunload('ipfw')
    forwardRun(chain, frame, WARM_MS)
    const b = forwardRun(chain, frame, cfg.forwardMs).mpps
    root.kldload('ipfw')
    root.kldload('dummynet')
    const router = root.attach(name)
    pipeConfig(router, 0)
    router.ipfwCtl({ op: 'add', rules: [rule(IpfwAction.COUNT, 0)] })
    forwardRun(chain, frame, WARM_MS)
    const c = forwardRun(chain, frame, cfg.forwardMs).mpps
    router.ipfwCtl({ op: 'flush' })
    router.ipfwCtl({ op: 'add', rules: [rule(IpfwAction.PIPE, 1)] })
    forwardRun(chain, frame, WARM_MS)
    const p = forwardRun(chain, frame, cfg.forwardMs).mpps
    if (rep < 0) continue
    base.push(b)
    counted.push(c)
    piped.push(p)
  }
  const router = root.attach(name)
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
      value: ratio(piped, base),
      unit: 'ratio',
      target: { kind: 'min', value: TARGET_RATIO },
      note: `${median(piped).toFixed(2)} vs ${median(base).toFixed(2)} Mpps/hop/core (medians of ${base.length} back-to-back runs)`,
    },
    {
      key: 'dummynet.forward_ratio_vs_ipfw.r1',
      name: 'forwarding 64 B through an unlimited dummynet pipe, vs an ipfw count rule',
      value: ratio(piped, counted),
      unit: 'ratio',
      note: `${median(piped).toFixed(2)} vs ${median(counted).toFixed(2)} Mpps/hop/core`,
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
