/**
 * What ipfw costs a router: the 64-byte forwarding rate of bench/forward.ts through one router
 * whose chain holds 0, 10, 100 or 1,000 rules that do not match (UDP from other sources, so each
 * evaluates its protocol and its address before giving up) ahead of a final allow, and a keep-state
 * ruleset whose state every packet finds — each against the same router with the module not loaded.
 * Every repetition measures both, back to back (unload, measure, load and configure, measure), so
 * drift on a shared machine falls on both sides alike; the figure is the median of the paired
 * costs, 1 − rate with ipfw / rate without, in percent. The destination's own chain is disabled
 * (net.inet.ip.fw.enable=0) so that only the router's two passes (in and out) are measured.
 *
 * The table row looks every packet's source up in a table of 100,000 /24 prefixes (10/8 and 11/8,
 * none holding the benchmark's source) before the final allow: lookups are O(log n).
 */

import { Host } from '../src/host/host.js'
import type { IpfwRuleSpec, IpfwTableEntry, Syscalls } from '../src/host/syscalls.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { compileRule } from '../src/userland/sbin/ipfw/compile.js'
import { buildChain, type Chain } from './chain.js'
import { forwardRun, minimalFrame } from './forward.js'
import { type BenchConfig, collect, median, progress } from './harness.js'
import type { Metric } from './report.js'

/** The target: at most 10% slower with 10 rules. */
const TARGET_COST_10 = 10

interface Ruleset {
  readonly key: string
  readonly name: string
  readonly rules: () => IpfwRuleSpec[]
  readonly target?: number
  /** Table 1's entries, loaded before the rules. */
  readonly table?: () => IpfwTableEntry[]
}

const TABLE_SIZE = 100_000

/** /24s of 10.0.0.0/8 and on into 11.0.0.0/8: none covers 198.18.0.1. */
function prefixes(): IpfwTableEntry[] {
  return Array.from({ length: TABLE_SIZE }, (_, i) => ({
    addr: (0x0a000000 + i * 256) >>> 0,
    len: 24,
    value: 0,
  }))
}

const rule = (text: string): IpfwRuleSpec => compileRule(text.split(' '))

/** n rules the benchmark's packets (UDP from 198.18.0.1) meet and fail, then an allow. */
function nonMatching(n: number): IpfwRuleSpec[] {
  const out: IpfwRuleSpec[] = []
  for (let i = 0; i < n; i++)
    out.push(rule(`${i + 1} deny udp from 10.${(i >> 8) & 255}.${i & 255}.0/24 to any 53`))
  out.push(rule(`${n + 1} allow ip from any to any`))
  return out
}

const RULESETS: readonly Ruleset[] = [
  ...[0, 10, 100, 1000].map((n) => ({
    key: `rules${n}`,
    name: `${n} non-matching rules`,
    rules: () => nonMatching(n),
    ...(n === 10 ? { target: TARGET_COST_10 } : {}),
  })),
  {
    key: 'table100k',
    name: `a table of ${TABLE_SIZE.toLocaleString('en')} prefixes`,
    rules: () => [rule('100 deny udp from table(1) to any'), rule('200 allow ip from any to any')],
    table: prefixes,
  },
  {
    key: 'keep_state',
    name: 'keep-state (check-state, then a state per flow)',
    rules: () => [rule('100 check-state'), rule('200 allow udp from 198.18.0.0/16 to any keep-state')],
  },
]

function load(root: Syscalls, chain: Chain, set: Ruleset): void {
  root.kldload('ipfw')
  chain.dst.sysctlSet('net.inet.ip.fw.enable', '0')
  chain.src.sysctlSet('net.inet.ip.fw.enable', '0')
  const r1 = root.attach(`${PREFIX}r1`)
  if (set.table !== undefined) {
    r1.ipfwCtl({ op: 'table', cmd: 'create', name: '1', type: 'addr' })
    r1.ipfwCtl({ op: 'table', cmd: 'add', name: '1', entries: set.table() })
  }
  const rules = set.rules()
  if (rules.length > 0) r1.ipfwCtl({ op: 'add', rules })
}

/** Jail names of the benchmark's chain: fwsrc, fwr1, fwdst. */
const PREFIX = 'fw'

/** A short unmeasured run after each load and unload. */
const WARM_MS = 10

interface Pair {
  readonly base: number
  readonly fw: number
}

function measurePairs(root: Syscalls, chain: Chain, set: Ruleset, cfg: BenchConfig): Pair[] {
  const frame = minimalFrame(chain)
  const pairs: Pair[] = []
  // One unrecorded pair warms both paths up.
  for (let rep = -1; rep < cfg.forwardReps; rep++) {
    if (root.kldstat().some((k) => k.module === 'ipfw')) root.kldunload('ipfw')
    forwardRun(chain, frame, WARM_MS)
    const base = forwardRun(chain, frame, cfg.forwardMs).mpps
    load(root, chain, set)
    // Unmeasured, after each change on both sides: a changed table rebuilds its search intervals on
    // the first lookup (tens of ms for 100,000 prefixes), which is not the per-packet rate.
    forwardRun(chain, frame, WARM_MS)
    const fw = forwardRun(chain, frame, cfg.forwardMs).mpps
    if (rep >= 0) pairs.push({ base, fw })
  }
  root.kldunload('ipfw')
  return pairs
}

export async function ipfwMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const host = new Host(nodeClockDriver(), { clock: 'real', seed: 1 })
  const root = host.syscalls()
  root.kenvSet('net.inet.ip.fw.default_to_accept', '1')
  const chain = buildChain(host, PREFIX, 1)
  collect()
  const out: Metric[] = []
  for (const set of RULESETS) {
    progress(`ipfw: forwarding with ${set.name}`)
    const pairs = measurePairs(root, chain, set, cfg)
    const costs = pairs.map((p) => (1 - p.fw / p.base) * 100)
    const base = median(pairs.map((p) => p.base))
    const fw = median(pairs.map((p) => p.fw))
    out.push({
      key: `ipfw.forward_cost.${set.key}`,
      name: `forwarding 64 B through ipfw, ${set.name}`,
      value: median(costs),
      unit: '% slower',
      ...(set.target === undefined ? {} : { target: { kind: 'max' as const, value: set.target } }),
      note: `${fw.toFixed(2)} Mpps/core with ipfw, ${base.toFixed(2)} without (medians of ${pairs.length} paired runs); costs ${Math.min(...costs).toFixed(1)}–${Math.max(...costs).toFixed(1)}%`,
    })
  }
  host.clock.stop()
  return out
}
