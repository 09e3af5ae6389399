/**
 * Errors and warnings about a topology file, and the one exception type the loaders throw.
 *
 * Checks record diagnostics against a path into the parsed document (`['nodes', 'r1', 'interfaces', 1,
 * 'address']`) instead of a line number, so the same checks serve every input format; the loader that
 * knows the text turns paths into lines when rendering: `lab.yaml:14: nodes.r1.interfaces[1].address:
 * 'x' is not an IPv4 address/prefix`. All problems are collected before anything is reported, so a user
 * fixes a file in one round instead of one error per run.
 */

export type Path = readonly (string | number)[]

export interface Diagnostic {
  severity: 'error' | 'warning'
  /** Where the problem is, shown as `nodes.r1.interfaces[1]`. */
  path: Path
  message: string
  /** Where to look up the line, when it differs from path (an unknown key: the key itself). */
  at?: Path
  /** Shown instead of the path (the IMUNES importer names nodes as `n3 (router1)`). */
  label?: string
}

/** At most this many errors are reported; a broken file should not produce megabytes of text. */
export const MAX_REPORTED = 100

/** The only exception topology loaders throw. `errors` are complete rendered lines. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError'
  readonly errors: readonly string[]
  readonly warnings: readonly string[]

  constructor(errors: readonly string[], warnings: readonly string[] = []) {
    super(errors.join('\n'))
    this.errors = errors
    this.warnings = warnings
  }
}

export function isTopologyError(e: unknown): e is TopologyError {
  return e instanceof TopologyError
}

/** `nodes.r1.interfaces[1].address`; keys that are not plain words are quoted: `nodes["a b"]`. */
export function formatPath(path: Path): string {
  let s = ''
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) s += s === '' ? seg : `.${seg}`
    else s += `[${JSON.stringify(seg)}]`
  }
  return s
}

/** A collector that checks append to. */
export class Diagnostics {
  readonly list: Diagnostic[] = []

  error(path: Path, message: string, at?: Path): void {
    this.list.push(at ? { severity: 'error', path, message, at } : { severity: 'error', path, message })
  }

  warn(path: Path, message: string, at?: Path): void {
    this.list.push(at ? { severity: 'warning', path, message, at } : { severity: 'warning', path, message })
  }

  /** A diagnostic shown under a label of the caller's choosing, located at `at`. */
  labeled(severity: Diagnostic['severity'], label: string, at: Path, message: string): void {
    this.list.push({ severity, path: [], message, at, label })
  }

  get errorCount(): number {
    let n = 0
    for (const d of this.list) if (d.severity === 'error') n++
    return n
  }
}

/** Finds the line (1-based) of a path in the source text, or null when the format has no lines. */
export type LineOf = (path: Path) => number | null

/**
 * Renders diagnostics as `file:line: path: message`, sorted by line (stable, so problems on one line
 * keep the order the checks found them in), errors and warnings separately.
 */
export function render(
  diags: readonly Diagnostic[],
  fileName: string,
  lineOf: LineOf,
): { errors: string[]; warnings: string[] } {
  const rows = diags.map((d) => ({ d, line: safeLine(lineOf, d.at ?? d.path) }))
  rows.sort((x, y) => (x.line ?? Number.MAX_SAFE_INTEGER) - (y.line ?? Number.MAX_SAFE_INTEGER))
  const errors: string[] = []
  const warnings: string[] = []
  for (const { d, line } of rows) {
    const where = d.label ?? formatPath(d.path)
    const text = `${fileName}${line === null ? '' : `:${line}`}: ${where === '' ? '' : `${where}: `}${d.message}`
    ;(d.severity === 'error' ? errors : warnings).push(text)
  }
  if (errors.length > MAX_REPORTED) {
    const more = errors.length - MAX_REPORTED
    errors.length = MAX_REPORTED
    errors.push(`${fileName}: ... and ${more} more error${more === 1 ? '' : 's'}`)
  }
  if (warnings.length > MAX_REPORTED) {
    const more = warnings.length - MAX_REPORTED
    warnings.length = MAX_REPORTED
    warnings.push(`${fileName}: ... and ${more} more warning${more === 1 ? '' : 's'}`)
  }
  return { errors, warnings }
}

function safeLine(lineOf: LineOf, path: Path): number | null {
  try {
    return lineOf(path)
  } catch {
    return null
  }
}

/** Shows a value inside a message: strings quoted and shortened, containers by kind. */
export function show(v: unknown): string {
  if (typeof v === 'string') {
    const s = v.length > 40 ? `${v.slice(0, 37)}...` : v
    return `'${s.replace(/[\u0000-\u001f\u007f']/g, (c) => (c === "'" ? "\\'" : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}'`
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (v === null || v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'an object'
  return `a ${typeof v}`
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function suggest(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null
  let bestD = Math.max(1, Math.min(3, Math.floor(word.length / 3)))
  if (word.length > 64) return null
  for (const c of candidates) {
    if (c.length > 64) continue
    const d = distance(word.toLowerCase(), c.toLowerCase())
    if (d <= bestD && (best === null || d < bestD)) {
      best = c
      bestD = d
    }
  }
  return best
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ('dealy' -> 'delay' is 1). */
function distance(a: string, b: string): number {
  const rows: number[][] = []
  for (let i = 0; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j)
        continue
      }
      const prev = rows[i - 1]!
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      row.push(d)
    }
    rows.push(row)
  }
  return rows[a.length]![b.length]!
}

/**
 * Runs a loader so that nothing but a TopologyError ever leaves it: a bug that throws something else
 * still reaches the user as a message about their file, never as a stack trace from the emulator.
 */
export function guard<T>(fileName: string, load: () => T): T {
  try {
    return load()
  } catch (e) {
    if (e instanceof TopologyError) throw e
    const what = e instanceof Error ? e.message : String(e)
    throw new TopologyError([`${fileName}: internal error while loading: ${what}`])
  }
}
