/**
 * jq's values and the builtins that work on one value: JSON as J (objects are Maps so keys keep
 * their order, as jq's do), jq's total order, indexing, arithmetic, and the no-argument builtins.
 * Failures are JqError with jq's message; nothing here writes, reads or knows the filter language.
 */

export type J = null | boolean | number | string | J[] | Map<string, J>

/** A jq error: message is what jq prints, value what `catch` gets (the message, or error(v)'s v). */
export class JqError extends Error {
  readonly value: J
  constructor(message: string, value?: J) {
    super(message)
    this.value = value === undefined ? message : value
  }
}

/** `halt`, `halt_error`: the run stops with this status, printing message (if any) to stderr. */
export class Halt {
  constructor(
    readonly status: number,
    readonly message: string | null,
  ) {}
}

/** Most copies `"s" * n` makes, a bound on one string's size. */
const MAX_REPEAT = 1 << 20

export function kind(v: J): string {
  if (v === null) return 'null'
  if (typeof v === 'boolean') return 'boolean'
  if (typeof v === 'number') return 'number'
  if (typeof v === 'string') return 'string'
  return Array.isArray(v) ? 'array' : 'object'
}

const ORDER: readonly string[] = ['null', 'boolean', 'number', 'string', 'array', 'object']

/** jq's total order: null < false < true < numbers < strings < arrays < objects. */
export function compare(a: J, b: J): number {
  const ka = ORDER.indexOf(kind(a))
  const kb = ORDER.indexOf(kind(b))
  if (ka !== kb) return ka - kb
  if (typeof a === 'boolean' || typeof a === 'number') return Number(a) - Number(b)
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0
  if (Array.isArray(a)) {
    const bb = b as J[]
    for (let i = 0; i < a.length && i < bb.length; i++) {
      const c = compare(a[i], bb[i])
      if (c !== 0) return c
    }
    return a.length - bb.length
  }
  if (a instanceof Map && b instanceof Map) {
    const c = compare([...a.keys()].sort(), [...b.keys()].sort())
    if (c !== 0) return c
    for (const k of [...a.keys()].sort()) {
      const d = compare(a.get(k) as J, b.get(k) as J)
      if (d !== 0) return d
    }
  }
  return 0
}

export const truthy = (v: J): boolean => v !== null && v !== false

/** How jq quotes a value in an error message (shortened like jq's). */
export function show(v: J): string {
  const s = JSON.stringify(toPlain(v))
  return s.length > 11 ? `${s.slice(0, 10)}...` : s
}

export function toPlain(v: J): unknown {
  if (Array.isArray(v)) return v.map(toPlain)
  if (v instanceof Map) {
    const o: Record<string, unknown> = {}
    for (const [k, x] of v) o[k] = toPlain(x)
    return o
  }
  return v
}

export function index(v: J, k: J): J {
  if (v === null && (typeof k === 'string' || typeof k === 'number')) return null
  if (v instanceof Map && typeof k === 'string') return v.get(k) ?? null
  if (Array.isArray(v) && typeof k === 'number') {
    const i = Math.floor(k < 0 ? v.length + k : k)
    return v[i] ?? null
  }
  if (typeof k === 'string') throw new JqError(`Cannot index ${kind(v)} with "${k}"`)
  throw new JqError(`Cannot index ${kind(v)} with ${kind(k)}`)
}

export function iterate(v: J): J[] {
  if (Array.isArray(v)) return v
  if (v instanceof Map) return [...v.values()]
  throw new JqError(`Cannot iterate over ${kind(v)}${v === null ? '' : ` (${show(v)})`}`)
}

export function slice(v: J, from: J, to: J): J {
  if (v === null) return null
  if ((from !== null && typeof from !== 'number') || (to !== null && typeof to !== 'number'))
    throw new JqError('Start and end indices of an array slice must be numbers')
  if (typeof v === 'string' || Array.isArray(v)) return v.slice(from ?? 0, to ?? v.length)
  throw new JqError(`Cannot index ${kind(v)} with object`)
}

export function arith(op: string, a: J, b: J): J {
  if (op === '+') {
    if (a === null) return b
    if (b === null) return a
    if (typeof a === 'number' && typeof b === 'number') return a + b
    if (typeof a === 'string' && typeof b === 'string') return a + b
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b]
    if (a instanceof Map && b instanceof Map) return new Map([...a, ...b])
  } else if (op === '-') {
    if (typeof a === 'number' && typeof b === 'number') return a - b
    if (Array.isArray(a) && Array.isArray(b)) return a.filter((x) => !b.some((y) => compare(x, y) === 0))
  } else if (op === '*' && a instanceof Map && b instanceof Map) return deepMerge(a, b)
  else if (typeof a === 'number' && typeof b === 'number') {
    if ((op === '/' || op === '%') && b === 0)
      throw new JqError(
        `${kind(a)} (${show(a)}) and ${kind(b)} (${show(b)}) cannot be divided because the divisor is zero`,
      )
    if (op === '*') return a * b
    if (op === '/') return a / b
    return Math.trunc(a) % Math.trunc(b)
  } else if (op === '/' && typeof a === 'string' && typeof b === 'string') return a.split(b)
  else if (op === '*' && typeof a === 'string' && typeof b === 'number')
    return b > 0 ? a.repeat(Math.min(Math.max(1, Math.trunc(b)), MAX_REPEAT)) : null
  const verb = { '+': 'added', '-': 'subtracted', '*': 'multiplied', '/': 'divided', '%': 'divided' }[op]
  throw new JqError(`${kind(a)} (${show(a)}) and ${kind(b)} (${show(b)}) cannot be ${verb}`)
}

/** `{…} * {…}`: b's keys over a's, objects on both sides merged recursively. */
function deepMerge(a: Map<string, J>, b: Map<string, J>): Map<string, J> {
  const out = new Map(a)
  for (const [k, y] of b) {
    const x = out.get(k)
    out.set(k, x instanceof Map && y instanceof Map ? deepMerge(x, y) : y)
  }
  return out
}

function length(v: J): number {
  if (v === null) return 0
  if (typeof v === 'boolean') throw new JqError(`boolean (${v}) has no length`)
  if (typeof v === 'number') return Math.abs(v)
  if (typeof v === 'string') return [...v].length
  return Array.isArray(v) ? v.length : v.size
}

function keys(v: J, sorted: boolean): J[] {
  if (v instanceof Map) return sorted ? [...v.keys()].sort() : [...v.keys()]
  if (Array.isArray(v)) return v.map((_x, i) => i)
  throw new JqError(`${kind(v)} (${show(v)}) has no keys`)
}

export function has(v: J, k: J): boolean {
  if (v instanceof Map && typeof k === 'string') return v.has(k)
  if (Array.isArray(v) && typeof k === 'number') return k >= 0 && k < v.length
  throw new JqError(`Cannot check whether ${kind(v)} has a ${kind(k)} key`)
}

/** Builtins of no argument, applied to the input. */
export const PLAIN: Readonly<Record<string, (v: J) => J[]>> = {
  empty: () => [],
  not: (v) => [!truthy(v)],
  length: (v) => [length(v)],
  keys: (v) => [keys(v, true)],
  keys_unsorted: (v) => [keys(v, false)],
  type: (v) => [kind(v)],
  first: (v) => [index(v, 0)],
  last: (v) => [index(v, -1)],
  add: (v) => [iterate(v).reduce<J>((a, b) => arith('+', a, b), null)],
  sort: (v) => [[...iterArray(v, 'sorted')].sort(compare)],
  unique: (v) => [
    [...iterArray(v, 'sorted')].sort(compare).filter((x, i, a) => i === 0 || compare(a[i - 1], x) !== 0),
  ],
  reverse: (v) => [
    typeof v === 'string'
      ? [...v].reverse().join('')
      : v === null
        ? []
        : [...iterArray(v, 'reversed')].reverse(),
  ],
  tonumber: (v) => {
    if (typeof v === 'number') return [v]
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return [Number(v)]
    throw new JqError(`Cannot parse '${String(v)}' as JSON`)
  },
  to_entries: (v) => [
    keys(v, false).map(
      (k) =>
        new Map<string, J>([
          ['key', k],
          ['value', index(v, k)],
        ]),
    ),
  ],
  from_entries: (v) => {
    const m = new Map<string, J>()
    for (const e of iterate(v)) {
      const k = e instanceof Map ? (e.get('key') ?? e.get('k') ?? e.get('name') ?? null) : null
      if (typeof k !== 'string' && typeof k !== 'number')
        throw new JqError(`Cannot use ${kind(k)} (${show(k)}) as object key`)
      m.set(String(k), e instanceof Map ? (e.get('value') ?? e.get('v') ?? null) : null)
    }
    return [m]
  },
  any: (v) => [iterate(v).some(truthy)],
  all: (v) => [iterate(v).every(truthy)],
}

export function iterArray(v: J, what: string): J[] {
  if (!Array.isArray(v)) throw new JqError(`${kind(v)} (${show(v)}) cannot be ${what}, as it is not an array`)
  return v
}

export function str(v: J, fn: string): string {
  if (typeof v !== 'string') throw new JqError(`${fn} input must be a string`)
  return v
}
