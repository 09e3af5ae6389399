/**
 * Impairment values with units, as topology files spell them, to the fixed units of the resolved
 * model: bandwidth in bit/s, durations in ns, probabilities in 0..1. The grammars are the schema's
 * patterns (schema.ts PATTERNS), so anything the schema accepted parses here; anything else gives null.
 */

import { PATTERNS } from './schema.js'

const BANDWIDTH = new RegExp(PATTERNS.bandwidth)
const DURATION = new RegExp(PATTERNS.duration)
const PERCENT = new RegExp(PATTERNS.percent)

const DECIMAL_PREFIX: Readonly<Record<string, number>> = Object.freeze({
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
})

const NS_PER_UNIT: Readonly<Record<string, number>> = Object.freeze({
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
})

/** bit/s (rounded to an integer), from a number of bit/s or a string like '10Mbit'. */
export function parseBandwidth(v: number | string): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v) : null
  const m = BANDWIDTH.exec(v)
  if (!m) return null
  const bps = Number(m[1]) * DECIMAL_PREFIX[m[2]!.toLowerCase()]!
  return Number.isFinite(bps) ? Math.round(bps) : null
}

/** Nanoseconds (rounded), from a number of µs or a string like '10ms' (a bare number string is µs). */
export function parseDuration(v: number | string): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1e3) : null
  const m = DURATION.exec(v)
  if (!m) return null
  const ns = Number(m[1]) * NS_PER_UNIT[m[2] ?? 'us']!
  return Number.isFinite(ns) ? Math.round(ns) : null
}

/** 0..1, from a number in 0..1 or a percentage string like '1.5%'. */
export function parseProbability(v: number | string): number | null {
  if (typeof v === 'number') return v >= 0 && v <= 1 ? v : null
  const m = PERCENT.exec(v)
  return m ? Number(m[1]) / 100 : null
}
