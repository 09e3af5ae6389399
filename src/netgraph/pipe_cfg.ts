/**
 * ng_pipe(4)'s configuration: the `setcfg` / `getcfg` structure in netgraph ASCII form, with
 * FreeBSD's field names (as ngctl prints them) plus our netem-style extensions per direction, and
 * the validation that makes a bad `setcfg` fail with EINVAL having changed nothing.
 *
 * Global fields (struct ng_pipe_cfg):
 *   bandwidth      bits/s, both directions; also sets `overhead` to 24 (>= 10 Mbit/s: Ethernet
 *                  preamble + FCS + gap) or 10 (HDLC), as ng_pipe does
 *   delay          µs, both directions (ng_pipe's only delay; ours may differ per direction)
 *   header_offset  bytes before the IPv4 header, for the DRR/WFQ flow hash (14 on Ethernet)
 *   overhead       bytes added to every frame for serialization time and bit errors
 *   downstream     upper -> lower, and upstream (lower -> upper): the per-direction structure
 *
 * Per direction (struct ng_pipe_hookcfg; aliases in parentheses are the C member names):
 *   bandwidth        bits/s, 0 = unlimited
 *   BER (ber)        mean number of bits between bit errors (1/BER, as ng_pipe); 1 = link down.
 *                    A frame of n bytes survives with probability (1 - 1/BER)^(8 (n + overhead))
 *   queuelen (qin_size_limit)    inbound queue limit, frames (default 50)
 *   delaylen (qout_size_limit)   delay line limit, frames (0 = DELAYLEN_MAX)
 *   duplicate        % of frames sent twice
 *   fifo, wfq        1 selects the discipline; drr=1 selects DRR with a 2048-byte quantum, drr=N
 *                    (N >= 32) with an N-byte quantum
 *   droptail, drophead   1 selects where the longest sub-queue is truncated on overflow
 *   Extensions:
 *   delay            µs of propagation delay in this direction
 *   jitter           µs; the delay becomes delay ± jitter (uniform) or delay + jitter·N(0,1)
 *                    (normal), never below zero: netem's `delay D J [distribution normal]`
 *   jitter_dist      "uniform" (default) or "normal"
 *   loss             % of frames lost at random (netem `loss random P%`)
 *   ge_p ge_r ge_h ge_k   Gilbert–Elliott loss, netem's `loss gemodel p r 1-h 1-k` in that order,
 *                    all %: p = good->bad, r = bad->good (default 100 - p), ge_h = loss in the bad
 *                    state (netem's 1-h, default 100), ge_k = loss in the good state (1-k)
 *   reorder          % of frames that skip the delay (netem `reorder P%`)
 *   reorder_gap      netem's `gap`: after a reordered frame at least gap-1 frames are delayed
 *                    normally (default 1)
 *   queue_bytes      inbound queue limit in bytes (0 = only the frame limit applies)
 *
 * Numbers follow ng_pipe's rule so `getcfg` output can be fed back: 0 or an absent field leaves a
 * value unchanged, -1 sets it to zero (queuelen: back to 50, where ng_pipe would black-hole the
 * link). Unlike ng_pipe, which ignores out-of-range values silently, anything else out of range,
 * negative, fractional where an integer is due, or an unknown field fails the whole message with
 * EINVAL. Ranges are ng_pipe's, except that bandwidth goes up to 1 Tbit/s (ng_pipe: 1 Gbit/s) and
 * `duplicate` may be fractional and up to 100 (ng_pipe: 1..50).
 */

import { SysError } from '../util/errno.js'
import type { NgStruct, NgValue } from './ascii.js'

export type Qdisc = 'fifo' | 'drr' | 'wfq'
export type JitterDist = 'uniform' | 'normal'

/** One direction's settings, in the units of the ASCII fields (see the module comment). */
export interface PipeDirCfg {
  bandwidth: number
  ber: number
  queuelen: number
  delaylen: number
  duplicate: number
  qdisc: Qdisc
  drrQuantum: number
  drophead: boolean
  delay: number
  jitter: number
  jitterDist: JitterDist
  loss: number
  geP: number
  geR: number
  geH: number
  geK: number
  reorder: number
  reorderGap: number
  queueBytes: number
}

export interface PipeCfg {
  headerOffset: number
  overhead: number
  downstream: PipeDirCfg
  upstream: PipeDirCfg
}

/** ng_pipe's default inbound queue limit, frames. */
export const QUEUELEN_DEFAULT = 50
export const QUEUELEN_MAX = 65536
/** Hard bound of the delay line when `delaylen` is 0 (ng_pipe's "unlimited"), frames. */
export const DELAYLEN_MAX = 131072
/** ng_pipe accepts delays below 10 s. */
const DELAY_MAX_US = 9_999_999
const DRR_QUANTUM_DEFAULT = 2048
const DRR_QUANTUM_MAX = 1 << 20

export function defaultDirCfg(): PipeDirCfg {
  return {
    bandwidth: 0,
    ber: 0,
    queuelen: QUEUELEN_DEFAULT,
    delaylen: 0,
    duplicate: 0,
    qdisc: 'fifo',
    drrQuantum: 0,
    drophead: false,
    delay: 0,
    jitter: 0,
    jitterDist: 'uniform',
    loss: 0,
    geP: 0,
    geR: 0,
    geH: 0,
    geK: 0,
    reorder: 0,
    reorderGap: 0,
    queueBytes: 0,
  }
}

export function defaultPipeCfg(): PipeCfg {
  return { headerOffset: 0, overhead: 0, downstream: defaultDirCfg(), upstream: defaultDirCfg() }
}

type NumKey = {
  [K in keyof PipeDirCfg]: PipeDirCfg[K] extends number ? K : never
}[keyof PipeDirCfg]

/** A numeric field's accepted range after the 0 / -1 rules, and the value -1 restores. */
interface Range {
  readonly min: number
  readonly max: number
  readonly int: boolean
  readonly reset: number
}

interface NumSpec extends Range {
  readonly key: NumKey
}

const int = (min: number, max: number, reset = 0): Range => ({ min, max, int: true, reset })
const num = (key: NumKey, min: number, max: number, reset = 0): NumSpec => ({ key, ...int(min, max, reset) })
const pct = (key: NumKey): NumSpec => ({ key, min: 0, max: 100, int: false, reset: 0 })

const GLOBAL_FIELDS = ['bandwidth', 'delay', 'header_offset', 'overhead', 'downstream', 'upstream'] as const

/** Per-direction numeric fields by ASCII name (FreeBSD's, their C aliases, then ours). */
const DIR_NUMBERS: Readonly<Record<string, NumSpec>> = Object.freeze({
  bandwidth: num('bandwidth', 100, 1e12),
  BER: num('ber', 1, 1e12),
  ber: num('ber', 1, 1e12),
  queuelen: num('queuelen', 5, QUEUELEN_MAX, QUEUELEN_DEFAULT),
  qin_size_limit: num('queuelen', 5, QUEUELEN_MAX, QUEUELEN_DEFAULT),
  delaylen: num('delaylen', 5, DELAYLEN_MAX),
  qout_size_limit: num('delaylen', 5, DELAYLEN_MAX),
  duplicate: pct('duplicate'),
  delay: num('delay', 1, DELAY_MAX_US),
  jitter: num('jitter', 1, DELAY_MAX_US),
  loss: pct('loss'),
  ge_p: pct('geP'),
  ge_r: pct('geR'),
  ge_h: pct('geH'),
  ge_k: pct('geK'),
  reorder: pct('reorder'),
  reorder_gap: num('reorderGap', 1, 1_000_000),
  queue_bytes: num('queueBytes', 64, 1 << 30),
})

/** Selector fields, applied after the numbers in ng_pipe's order (a later one wins). */
const DIR_FLAGS = ['fifo', 'wfq', 'drr', 'droptail', 'drophead'] as const

function einval(what: string): never {
  throw new SysError('EINVAL', 'ngctl', `pipe: setcfg: ${what}`)
}

function own(s: NgStruct, k: string): NgValue | undefined {
  return Object.hasOwn(s, k) ? s[k] : undefined
}

function asNum(v: NgValue, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) einval(`${where}: number expected`)
  return v
}

function asStructAt(v: NgValue, where: string): NgStruct {
  if (typeof v !== 'object' || Array.isArray(v)) einval(`${where}: structure expected`)
  return v
}

/** The new value of a numeric field, or undefined to leave it (0 = unchanged, -1 = reset). */
function numberField(v: NgValue, spec: Range, where: string): number | undefined {
  const n = asNum(v, where)
  if (n === 0) return undefined
  if (n === -1) return spec.reset
  if (n < 0) einval(`${where}: negative value`)
  if (spec.int && !Number.isInteger(n)) einval(`${where}: integer expected`)
  if (n < spec.min || n > spec.max) einval(`${where}: ${n} out of range ${spec.min}..${spec.max}`)
  return n
}

function flagField(s: NgStruct, name: string, where: string): number {
  const v = own(s, name)
  if (v === undefined) return 0
  const n = asNum(v, `${where}${name}`)
  if (n < 0 || !Number.isInteger(n)) einval(`${where}${name}: non-negative integer expected`)
  if (name === 'drr' && n > DRR_QUANTUM_MAX) einval(`${where}drr: quantum above ${DRR_QUANTUM_MAX}`)
  return n
}

/** Apply one `downstream={…}` / `upstream={…}` structure to d (a copy), in ng_pipe's parse_cfg order. */
function applyDir(d: PipeDirCfg, s: NgStruct, where: string): void {
  for (const name of Object.keys(s)) {
    const v = s[name]!
    if ((DIR_FLAGS as readonly string[]).includes(name)) continue
    if (name === 'jitter_dist') {
      if (v !== 'uniform' && v !== 'normal') einval(`${where}jitter_dist: "uniform" or "normal" expected`)
      d.jitterDist = v
      continue
    }
    if (!Object.hasOwn(DIR_NUMBERS, name)) einval(`${where}${name}: unknown field`)
    const spec = DIR_NUMBERS[name]!
    const n = numberField(v, spec, `${where}${name}`)
    if (n !== undefined) d[spec.key] = n
  }
  if (flagField(s, 'fifo', where) !== 0) d.qdisc = 'fifo'
  if (flagField(s, 'wfq', where) !== 0) d.qdisc = 'wfq'
  const drr = flagField(s, 'drr', where)
  if (drr !== 0) {
    d.qdisc = 'drr'
    d.drrQuantum = drr >= 32 ? drr : DRR_QUANTUM_DEFAULT
  }
  if (flagField(s, 'droptail', where) !== 0) d.drophead = false
  if (flagField(s, 'drophead', where) !== 0) d.drophead = true
  // ng_pipe: switching the bandwidth off also falls back to FIFO.
  if (own(s, 'bandwidth') === -1) d.qdisc = 'fifo'
}

/**
 * The configuration after a `setcfg` with argument arg, as a new object; throws EINVAL (and the
 * caller keeps cur) if anything in arg is wrong.
 */
export function applySetcfg(cur: PipeCfg, arg: NgValue | undefined): PipeCfg {
  if (arg === undefined) einval('structure ng_pipe_cfg expected')
  const s = asStructAt(arg, 'argument')
  const c: PipeCfg = {
    headerOffset: cur.headerOffset,
    overhead: cur.overhead,
    downstream: { ...cur.downstream },
    upstream: { ...cur.upstream },
  }
  for (const name of Object.keys(s))
    if (!(GLOBAL_FIELDS as readonly string[]).includes(name)) einval(`${name}: unknown field`)
  const delay = own(s, 'delay')
  if (delay !== undefined) {
    const n = numberField(delay, int(1, DELAY_MAX_US), 'delay')
    if (n !== undefined) c.downstream.delay = c.upstream.delay = n
  }
  const bw = own(s, 'bandwidth')
  if (bw !== undefined) {
    const n = numberField(bw, int(100, 1e12), 'bandwidth')
    if (n !== undefined) {
      c.downstream.bandwidth = c.upstream.bandwidth = n
      c.overhead = n === 0 ? 0 : n >= 10_000_000 ? 8 + 4 + 12 : 10
    }
  }
  const oh = own(s, 'overhead')
  if (oh !== undefined) {
    const n = numberField(oh, int(1, 255), 'overhead')
    if (n !== undefined) c.overhead = n
  }
  const ho = own(s, 'header_offset')
  if (ho !== undefined) {
    const n = numberField(ho, int(1, 63), 'header_offset')
    if (n !== undefined) c.headerOffset = n
  }
  const down = own(s, 'downstream')
  if (down !== undefined) applyDir(c.downstream, asStructAt(down, 'downstream'), 'downstream.')
  const up = own(s, 'upstream')
  if (up !== undefined) applyDir(c.upstream, asStructAt(up, 'upstream'), 'upstream.')
  return c
}

function dirStruct(d: PipeDirCfg, bandwidth: boolean, delay: boolean): NgStruct {
  return {
    bandwidth: bandwidth ? d.bandwidth : 0,
    BER: d.ber,
    queuelen: d.queuelen,
    delaylen: d.delaylen,
    duplicate: d.duplicate,
    fifo: d.qdisc === 'fifo' ? 1 : 0,
    drr: d.qdisc === 'drr' ? d.drrQuantum : 0,
    wfq: d.qdisc === 'wfq' ? 1 : 0,
    droptail: d.drophead ? 0 : 1,
    drophead: d.drophead ? 1 : 0,
    delay: delay ? d.delay : 0,
    jitter: d.jitter,
    jitter_dist: d.jitterDist === 'uniform' ? '' : d.jitterDist,
    loss: d.loss,
    ge_p: d.geP,
    ge_r: d.geR,
    ge_h: d.geH,
    ge_k: d.geK,
    reorder: d.reorder,
    reorder_gap: d.reorderGap,
    queue_bytes: d.queueBytes,
  }
}

/**
 * The `getcfg` response. As in ng_pipe, a bandwidth equal in both directions is shown globally and
 * not per direction; so is a delay. (Zero fields are left out when printed.)
 */
export function formatPipeCfg(c: PipeCfg): NgStruct {
  const d = c.downstream
  const u = c.upstream
  const sameBw = d.bandwidth === u.bandwidth
  const sameDelay = d.delay === u.delay
  return {
    bandwidth: sameBw ? d.bandwidth : 0,
    delay: sameDelay ? d.delay : 0,
    header_offset: c.headerOffset,
    overhead: c.overhead,
    downstream: dirStruct(d, !sameBw, !sameDelay),
    upstream: dirStruct(u, !sameBw, !sameDelay),
  }
}
