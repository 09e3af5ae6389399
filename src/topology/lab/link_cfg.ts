/**
 * A link's impairments as the emulator hands them to its ng_pipe: the model's Impairment (bit/s, ns,
 * probabilities) turned into one `setcfg` message in netgraph ASCII (µs, percent, 1/BER — the field
 * names and units of src/netgraph/pipe_cfg.ts), the `bw=… delay=…` words of the console's
 * `link A B set`, and the short text `links` prints.
 *
 * A setcfg written here always states every field, so it replaces the whole configuration whatever
 * the pipe held before: ng_pipe reads 0 as "leave unchanged", so a value that should become zero is
 * sent as -1 (reset), as its own getcfg output would be fed back.
 */

import { parseBandwidth, parseDuration, parseProbability } from '../file/units.js'
import type { Impairment } from '../model.js'

/** Bytes of Ethernet framing ng_pipe adds per frame on links of 10 Mbit/s and faster. */
export const ETHER_OVERHEAD = 24
/** ng_pipe's overhead below 10 Mbit/s (HDLC framing). */
export const SLOW_OVERHEAD = 10

/** Whether a direction does anything at all: otherwise frames never queue, so no pipe is needed. */
export function impairs(i: Impairment): boolean {
  return (
    i.bandwidth > 0 ||
    i.delayNs > 0 ||
    i.jitterNs > 0 ||
    i.loss > 0 ||
    i.gilbert !== null ||
    i.ber > 0 ||
    i.duplicate > 0 ||
    i.reorder > 0
  )
}

/**
 * Bytes added to every frame for serialization time and bit errors: ng_pipe's rule for its global
 * `bandwidth` (24 at 10 Mbit/s and above, 10 below, none when unlimited), taken from the faster
 * direction since the pipe has one overhead for both.
 */
export function overheadFor(ab: Impairment, ba: Impairment): number {
  const bw = Math.max(ab.bandwidth, ba.bandwidth)
  return bw === 0 ? 0 : bw >= 10_000_000 ? ETHER_OVERHEAD : SLOW_OVERHEAD
}

/** A non-negative number as netgraph ASCII reads it: plain decimals, never exponent notation. */
function num(x: number): string {
  if (Number.isInteger(x)) return String(x)
  const s = x.toFixed(12).replace(/0+$/, '').replace(/\.$/, '')
  return s === '0' ? '-1' : s
}

/** A field value where 0 must be sent as -1 (ng_pipe's "set to zero"). */
function val(x: number): string {
  return x === 0 ? '-1' : num(x)
}

/** Percent for a probability, or -1 for zero; the pipe keeps fractions. */
function pct(p: number): string {
  return val(p * 100)
}

/**
 * A probability the pipe reads as "use the default" when zero (ge_h: 100, ge_r: 100 - p), sent as
 * the smallest positive percentage instead so that zero stays zero.
 */
function pctNonZero(p: number): string {
  const v = p * 100
  return v === 0 ? '0.000000000001' : num(v)
}

function dirCfg(i: Impairment): string {
  const us = (ns: number) => Math.round(ns / 1e3)
  const f: string[] = [
    `bandwidth=${val(i.bandwidth)}`,
    `delay=${val(us(i.delayNs))}`,
    `jitter=${val(us(i.jitterNs))}`,
    `jitter_dist=${i.jitterDist}`,
    `duplicate=${pct(i.duplicate)}`,
    `reorder=${pct(i.reorder)}`,
    // ng_pipe's BER is the mean number of bits between errors.
    `BER=${i.ber > 0 ? String(Math.min(1e12, Math.max(1, Math.round(1 / i.ber)))) : '-1'}`,
    `queuelen=${i.queue ?? -1}`,
    `queue_bytes=${i.queueBytes ?? -1}`,
    `${i.discipline}=1`,
    `${i.drop === 'head' ? 'drophead' : 'droptail'}=1`,
  ]
  const g = i.gilbert
  if (g !== null) {
    // The model gives delivery probabilities per state; the pipe takes netem's loss percentages.
    f.push(
      `loss=-1 ge_p=${pct(g.p)} ge_r=${pctNonZero(g.r)} ge_h=${pctNonZero(1 - g.h)} ge_k=${pct(1 - g.k)}`,
    )
  } else f.push(`loss=${pct(i.loss)} ge_p=-1 ge_r=-1 ge_h=-1 ge_k=-1`)
  return `{ ${f.join(' ')} }`
}

/** The `setcfg` argument that gives a pipe exactly these impairments (upper→lower is a→b). */
export function pipeSetcfg(ab: Impairment, ba: Impairment): string {
  return `{ header_offset=14 overhead=${val(overheadFor(ab, ba))} downstream=${dirCfg(ab)} upstream=${dirCfg(ba)} }`
}

// ---- text ----

function trim(x: number): string {
  return Number(x.toPrecision(6)).toString()
}

/** `10Mbit`, `512kbit`, `1.5Gbit`. */
export function formatBandwidth(bps: number): string {
  for (const [d, p] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const)
    if (bps >= d) return `${trim(bps / d)}${p}bit`
  return `${bps}bit`
}

/** `20ms`, `150us`, `1.5s`. */
export function formatDuration(ns: number): string {
  if (ns >= 1e9) return `${trim(ns / 1e9)}s`
  if (ns >= 1e6) return `${trim(ns / 1e6)}ms`
  if (ns >= 1e3) return `${trim(ns / 1e3)}us`
  return `${ns}ns`
}

function formatPct(p: number): string {
  return `${trim(p * 100)}%`
}

/** One direction in `link … set` words, only what differs from a perfect wire: `bw=2Mbit delay=40ms`. */
export function formatImpairment(i: Impairment): string {
  const w: string[] = []
  if (i.bandwidth > 0) w.push(`bw=${formatBandwidth(i.bandwidth)}`)
  if (i.delayNs > 0) w.push(`delay=${formatDuration(i.delayNs)}`)
  if (i.jitterNs > 0)
    w.push(`jitter=${formatDuration(i.jitterNs)}${i.jitterDist === 'normal' ? '(normal)' : ''}`)
  if (i.gilbert !== null) {
    const g = i.gilbert
    w.push(`gilbert=${formatPct(g.p)},${formatPct(g.r)},${formatPct(g.h)},${formatPct(g.k)}`)
  } else if (i.loss > 0) w.push(`loss=${formatPct(i.loss)}`)
  if (i.ber > 0) w.push(`ber=${i.ber}`)
  if (i.duplicate > 0) w.push(`duplicate=${formatPct(i.duplicate)}`)
  if (i.reorder > 0) w.push(`reorder=${formatPct(i.reorder)}`)
  if (i.queue !== null) w.push(`queue=${i.queue}`)
  if (i.queueBytes !== null) w.push(`queueBytes=${i.queueBytes}`)
  if (i.discipline !== 'fifo') w.push(`discipline=${i.discipline}`)
  if (i.drop !== 'tail') w.push(`drop=${i.drop}`)
  return w.length === 0 ? 'unshaped' : w.join(' ')
}

/** What the console accepts after `link A B set`, with the names docs/topology.md uses as aliases. */
const SET_KEYS: Readonly<Record<string, string>> = Object.freeze({
  bw: 'bandwidth',
  bandwidth: 'bandwidth',
  delay: 'delay',
  jitter: 'jitter',
  loss: 'loss',
  dup: 'duplicate',
  duplicate: 'duplicate',
  reorder: 'reorder',
  ber: 'ber',
  queue: 'queue',
})

export const LINK_SET_KEYS: readonly string[] = Object.freeze(Object.keys(SET_KEYS))

/** A probability as `link set` takes it: `1%`, `0.5%` or a number 0..1. */
function probability(v: string): number | null {
  if (v.endsWith('%')) return parseProbability(v)
  const x = Number(v)
  return v !== '' && Number.isFinite(x) ? parseProbability(x) : null
}

/**
 * Applies `key=value` words to a copy of `imp` (both directions get the same words). Values take the
 * topology file's units: bandwidth in bit/s or `10Mbit`, durations in µs or `10ms`, probabilities as
 * `1%` or 0..1, and the same ranges. Returns the new impairment or a message naming the bad word.
 */
export function applyLinkSet(imp: Impairment, words: readonly string[]): Impairment | string {
  const out: Impairment = { ...imp, gilbert: imp.gilbert && { ...imp.gilbert } }
  if (words.length === 0)
    return 'nothing to set (bw=, delay=, jitter=, loss=, duplicate=, reorder=, ber=, queue=)'
  for (const w of words) {
    const eq = w.indexOf('=')
    const key = eq < 0 ? undefined : SET_KEYS[w.slice(0, eq)]
    if (key === undefined) return `${w}: expected one of ${LINK_SET_KEYS.map((k) => `${k}=`).join(' ')}`
    const v = w.slice(eq + 1)
    const bad = `${w}: invalid value`
    switch (key) {
      case 'bandwidth': {
        const bps = parseBandwidth(/^\d+(\.\d+)?$/.test(v) ? Number(v) : v)
        if (bps === null) return bad
        if (bps !== 0 && (bps < 100 || bps > 1e12))
          return `${w}: outside 100 bit/s .. 1 Tbit/s (0 = unlimited)`
        out.bandwidth = bps
        break
      }
      case 'delay':
      case 'jitter': {
        const ns = parseDuration(/^\d+(\.\d+)?$/.test(v) ? Number(v) : v)
        if (ns === null) return bad
        if (ns >= 10e9) return `${w}: not below 10 s`
        if (key === 'delay') out.delayNs = ns
        else out.jitterNs = ns
        break
      }
      case 'loss':
      case 'duplicate':
      case 'reorder': {
        const p = probability(v)
        if (p === null) return `${w}: expected a percentage such as 1% or a probability 0..1`
        if (key === 'loss') {
          out.loss = p
          out.gilbert = null
        } else out[key] = p
        break
      }
      case 'ber': {
        const x = Number(v)
        if (v === '' || !Number.isFinite(x) || x < 0 || x > 1) return bad
        if (x > 0 && x < 1e-12) return `${w}: below the smallest bit error rate, 1e-12`
        out.ber = x
        break
      }
      case 'queue': {
        const n = Number(v)
        if (!/^\d+$/.test(v) || n < 5 || n > 65536) return `${w}: expected 5..65536 packets`
        out.queue = n
        break
      }
    }
  }
  return out
}
