/**
 * Results: one Metric per measured figure, with its target and, where one exists, a baseline it is
 * compared with (Linux, or the same figure without idle vnets). Renders the table printed at the end
 * of a run and the JSON written to bench/results/. A target that is not met is shown as not met;
 * a figure that could not be measured has value null and counts as not met.
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * At most / at least a value, within a relative tolerance of the baseline, or at least / at most a
 * ratio to the baseline (a rate no more than 10% below it: `min-ratio` 0.9).
 */
export type Target =
  | { readonly kind: 'max'; readonly value: number }
  | { readonly kind: 'min'; readonly value: number }
  | { readonly kind: 'near-baseline'; readonly tolerance: number }
  | { readonly kind: 'min-ratio'; readonly value: number }
  | { readonly kind: 'max-ratio'; readonly value: number }

export interface Baseline {
  /** What the figure is compared with, e.g. `linux` or `no idle`. */
  readonly label: string
  readonly value: number
}

export interface Metric {
  /** Stable machine-readable id, e.g. `ping.rtt_median.r4`. */
  readonly key: string
  readonly name: string
  readonly value: number | null
  readonly unit: string
  readonly target?: Target
  baseline?: Baseline
  note?: string
}

export interface Report {
  readonly startedAt: string
  readonly durationS: number
  readonly quick: boolean
  readonly node: string
  readonly platform: string
  readonly cpus: number
  readonly cpuModel: string
  readonly gcExposed: boolean
  /** 1-minute load average at start and end: other work on the machine disturbs the figures. */
  readonly loadAverage: readonly number[]
  readonly metrics: readonly Metric[]
  readonly skipped: readonly string[]
}

/** value / baseline, or null when either is missing or the baseline is zero. */
export function ratio(m: Metric): number | null {
  if (m.value === null || m.baseline === undefined || m.baseline.value === 0) return null
  return m.value / m.baseline.value
}

/** Whether the metric meets its target; null when it has none. */
export function met(m: Metric): boolean | null {
  const t = m.target
  if (t === undefined) return null
  if (m.value === null || !Number.isFinite(m.value)) return false
  switch (t.kind) {
    case 'max':
      return m.value <= t.value
    case 'min':
      return m.value >= t.value
    case 'near-baseline': {
      const r = ratio(m)
      return r !== null && Math.abs(r - 1) <= t.tolerance
    }
    case 'min-ratio': {
      const r = ratio(m)
      return r !== null && r >= t.value
    }
    case 'max-ratio': {
      const r = ratio(m)
      return r !== null && r <= t.value
    }
  }
}

function targetText(t: Target | undefined): string {
  if (t === undefined) return ''
  if (t.kind === 'max') return `<= ${fmt(t.value)}`
  if (t.kind === 'min') return `>= ${fmt(t.value)}`
  if (t.kind === 'min-ratio') return `>= ${fmt(t.value)}× base`
  if (t.kind === 'max-ratio') return `<= ${fmt(t.value)}× base`
  return `±${fmt(t.tolerance * 100)}% of base`
}

/** Three significant digits, without exponent notation for everyday magnitudes. */
export function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return 'n/a'
  const a = Math.abs(x)
  if (a === 0) return '0'
  if (a >= 1000) return Math.round(x).toLocaleString('en-US')
  if (a >= 0.001) return Number(x.toPrecision(3)).toString()
  return x.toExponential(2)
}

function row(m: Metric): string[] {
  const ok = met(m)
  const r = ratio(m)
  return [
    m.name,
    fmt(m.value),
    m.unit,
    targetText(m.target),
    ok === null ? '' : ok ? 'yes' : 'NO',
    r === null ? '' : `${fmt(r)} (vs ${m.baseline!.label})`,
  ]
}

/** The results as an aligned text table, notes listed underneath. */
export function renderTable(metrics: readonly Metric[], skipped: readonly string[]): string {
  const head = ['metric', 'value', 'unit', 'target', 'met?', 'ratio']
  const rows = [head, ...metrics.map(row)]
  const widths = head.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd()
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)]
  const notes = metrics.filter((m) => m.note !== undefined).map((m) => `  ${m.name}: ${m.note}`)
  if (notes.length > 0) out.push('', 'notes:', ...notes)
  if (skipped.length > 0) out.push('', ...skipped.map((s) => `skipped: ${s}`))
  return out.join('\n')
}

/** The report as JSON, with `met` and `ratio` spelled out for each metric. */
export function writeJson(path: string, report: Report): void {
  const metrics = report.metrics.map((m) => ({ ...m, met: met(m), ratio: ratio(m) }))
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify({ ...report, metrics }, null, 2)}\n`)
}

/** The value of the metric with this key in ms, if measured. */
function figure(ms: readonly Metric[], key: string): number | null {
  return ms.find((x) => x.key === key)?.value ?? null
}

/**
 * The same figures measured again under some load (`load` names it), each judged by how far it moved
 * from its unloaded counterpart: the mean of the runs without load `before` and `after` it, which
 * brackets drift. Within `tolerance` (relative) counts as met; the note gives both unloaded values,
 * so the run-to-run noise can be seen next to the effect.
 */
export function underLoad(
  loaded: readonly Metric[],
  before: readonly Metric[],
  after: readonly Metric[],
  load: string,
  tolerance: number,
): Metric[] {
  const slug = load.replace(/\W+/g, '_')
  return loaded.map((m) => {
    const b = figure(before, m.key)
    const a = figure(after, m.key)
    const base = b === null || a === null ? null : (a + b) / 2
    const spread = `without load ${fmt(b)} before, ${fmt(a)} after`
    return {
      ...m,
      key: `${m.key}.${slug}`,
      name: `${m.name}, ${load}`,
      target: { kind: 'near-baseline', tolerance },
      ...(base === null ? {} : { baseline: { label: 'no load', value: base } }),
      note: m.note === undefined ? spread : `${m.note}; ${spread}`,
    }
  })
}

/** A figure (Linux's, say) that every metric whose key matches is compared with. */
export interface BaselineRule {
  readonly match: RegExp
  readonly label: string
  readonly value: number
}

/** Give each metric without a baseline the first rule's value that matches its key. */
export function applyBaselines(metrics: readonly Metric[], rules: readonly BaselineRule[]): void {
  for (const m of metrics) {
    if (m.baseline !== undefined) continue
    const rule = rules.find((r) => r.match.test(m.key))
    if (rule !== undefined) m.baseline = { label: rule.label, value: rule.value }
  }
}
