/**
 * jq's string and containment builtins: startswith/endswith, split/1, join, ltrimstr/rtrimstr,
 * trim/ltrim/rtrim, indices/index/rindex, contains/inside's test, explode/implode, tojson/fromjson,
 * utf8bytelength, and the math ones (floor, sqrt, pow, log …, min/max, infinite/nan). Pure
 * functions of their input and arguments; failures are JqError with jq 1.7's wording.
 */

import type { Node } from '../ast.js'
import type { Env, Evaluator } from '../eval.js'
import { formatJson, JsonParseError, JsonStream } from '../json.js'
import { compare, iterArray, iterate, type J, JqError, kind, show, str } from '../value.js'
import type { Builtin } from './core.js'

function* each(ev: Evaluator, f: Node, v: J, env: Env, g: (x: J) => J): Generator<J> {
  for (const x of ev.ev(f, v, env)) yield g(x)
}

/** One-argument builtins whose argument is a value: f's outputs, each through g. */
const with1 =
  (g: (v: J, x: J) => J): Builtin =>
  (ev, [f], v, env) =>
    each(ev, f!, v, env, (x) => g(v, x))

/** Code-point offsets of every occurrence of sub in s (overlapping ones too, as jq's). */
function strIndices(s: string, sub: string): J[] {
  const out: J[] = []
  if (sub === '') return out
  const cps = [...s]
  const want = [...sub]
  for (let i = 0; i + want.length <= cps.length; i++) if (want.every((c, k) => cps[i + k] === c)) out.push(i)
  return out
}

function indices(v: J, x: J): J {
  if (v === null) return null
  if (typeof v === 'string' && typeof x === 'string') return strIndices(v, x)
  if (Array.isArray(v) && Array.isArray(x)) {
    const out: J[] = []
    if (x.length === 0) return null
    for (let i = 0; i + x.length <= v.length; i++)
      if (x.every((y, k) => compare(v[i + k]!, y) === 0)) out.push(i)
    return out
  }
  if (Array.isArray(v)) return v.flatMap((y, i) => (compare(y, x) === 0 ? [i] : []))
  throw new JqError(`Cannot determine the indices of ${kind(x)} in ${kind(v)}`)
}

/** jq's containment: substrings, every element of b in some element of a, objects key by key. */
function within(a: J, b: J): boolean {
  if (a instanceof Map && b instanceof Map)
    return [...b].every(([k, y]) => a.has(k) && within(a.get(k) as J, y))
  if (Array.isArray(a) && Array.isArray(b)) return b.every((y) => a.some((x) => within(x, y)))
  if (typeof a === 'string' && typeof b === 'string') return a.includes(b)
  return kind(a) === kind(b) && compare(a, b) === 0
}

/** `contains`: only the top level must be of one kind (inside, a mismatch is just false). */
export function contains(a: J, b: J): boolean {
  if (kind(a) !== kind(b))
    throw new JqError(
      `${kind(a)} (${show(a)}) and ${kind(b)} (${show(b)}) cannot have their containment checked`,
    )
  return within(a, b)
}

/** jq's bsearch: the index of x in the sorted input, or (-1 - insertion point). */
function bsearch(v: J, x: J): number {
  const a = iterArray(v, 'searched from')
  let lo = 0
  let hi = a.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const c = compare(a[mid]!, x)
    if (c === 0) return mid
    if (c < 0) lo = mid + 1
    else hi = mid - 1
  }
  return -1 - lo
}

function implode(v: J): string {
  if (!Array.isArray(v)) throw new JqError('Implode input must be an array')
  return v
    .map((c) => {
      if (typeof c !== 'number') throw new JqError('Unicode codepoint must be numeric')
      const n = Math.trunc(c)
      if (n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return '\ufffd'
      return String.fromCodePoint(n)
    })
    .join('')
}

function fromjson(v: J): J {
  const s = str(v, 'fromjson')
  try {
    const st = new JsonStream(s)
    const x = st.next()
    if (x === undefined) throw new JsonParseError('Expected JSON value')
    if (st.next() !== undefined) throw new JsonParseError('Unexpected extra JSON values')
    return x
  } catch (e) {
    if (!(e instanceof JsonParseError)) throw e
    throw new JqError(`${e.message} (while parsing '${s}')`)
  }
}

function utf8Length(s: string): number {
  let n = 0
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
  }
  return n
}

function num(v: J): number {
  if (typeof v !== 'number') throw new JqError(`${kind(v)} (${show(v)}) number required`)
  return v
}

const MATH1: Readonly<Record<string, (x: number) => number>> = {
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => (x < 0 ? -Math.round(-x) : Math.round(x)),
  trunc: Math.trunc,
  fabs: Math.abs,
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  exp: Math.exp,
  exp2: (x) => 2 ** x,
  exp10: (x) => 10 ** x,
  log: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  significand: (x) => (x === 0 || !Number.isFinite(x) ? x : x / 2 ** Math.floor(Math.log2(Math.abs(x)))),
  logb: (x) => Math.floor(Math.log2(Math.abs(x))),
}

const STR: Readonly<Record<string, Builtin>> = {
  'startswith/1': with1((v, s) => {
    if (typeof v !== 'string' || typeof s !== 'string')
      throw new JqError('startswith() requires string inputs')
    return v.startsWith(s)
  }),
  'endswith/1': with1((v, s) => {
    if (typeof v !== 'string' || typeof s !== 'string') throw new JqError('endswith() requires string inputs')
    return v.endsWith(s)
  }),
  'split/1': with1((v, s) => {
    if (typeof v !== 'string' || typeof s !== 'string')
      throw new JqError('split input and separator must be strings')
    return v === '' ? [] : v.split(s)
  }),
  'join/1': with1((v, sep) => {
    // jq adds piece by piece, so an array or object fails as that addition does.
    let acc = ''
    iterate(v).forEach((x, i) => {
      if (i > 0) acc += str(sep, 'join')
      if (Array.isArray(x) || x instanceof Map)
        throw new JqError(`string (${show(acc)}) and ${kind(x)} (${show(x)}) cannot be added`)
      acc += x === null ? '' : typeof x === 'string' ? x : formatJson(x, true)
    })
    return acc
  }),
  'ltrimstr/1': with1((v, s) =>
    typeof v === 'string' && typeof s === 'string' && v.startsWith(s) ? v.slice(s.length) : v,
  ),
  'rtrimstr/1': with1((v, s) =>
    typeof v === 'string' && typeof s === 'string' && v.endsWith(s) && s !== ''
      ? v.slice(0, v.length - s.length)
      : v,
  ),
  'trim/0': (_e, _a, v) => [str(v, 'trim').replace(/^\s+|\s+$/g, '')],
  'ltrim/0': (_e, _a, v) => [str(v, 'trim').replace(/^\s+/, '')],
  'rtrim/0': (_e, _a, v) => [str(v, 'trim').replace(/\s+$/, '')],
  'indices/1': with1(indices),
  'index/1': with1((v, x) => {
    const r = indices(v, x)
    return Array.isArray(r) ? (r[0] ?? null) : r
  }),
  'rindex/1': with1((v, x) => {
    const r = indices(v, x)
    return Array.isArray(r) ? (r[r.length - 1] ?? null) : r
  }),
  'contains/1': with1(contains),
  'bsearch/1': with1(bsearch),
  'explode/0': (_e, _a, v) => [[...str(v, 'explode')].map((c) => c.codePointAt(0)!)],
  'implode/0': (_e, _a, v) => [implode(v)],
  'tojson/0': (_e, _a, v) => [formatJson(v, true)],
  'fromjson/0': (_e, _a, v) => [fromjson(v)],
  'utf8bytelength/0': (_e, _a, v) => {
    if (typeof v !== 'string')
      throw new JqError(`${kind(v)} (${show(v)}) only strings have UTF-8 byte length`)
    return [utf8Length(v)]
  },
  'tostring/0': (_e, _a, v) => [typeof v === 'string' ? v : formatJson(v, true)],
  'min/0': (_e, _a, v) => {
    const a = iterArray(v, 'iterated over')
    return [a.length === 0 ? null : a.reduce((m, x) => (compare(x, m) < 0 ? x : m))]
  },
  'max/0': (_e, _a, v) => {
    const a = iterArray(v, 'iterated over')
    return [a.length === 0 ? null : a.reduce((m, x) => (compare(x, m) >= 0 ? x : m))]
  },
  'abs/0': (_e, _a, v) => {
    if (typeof v !== 'number') throw new JqError(`${kind(v)} (${show(v)}) has no absolute value`)
    return [Math.abs(v)]
  },
  'toarray/0': (_e, _a, v) => [Array.isArray(v) ? v : [v]],
  'infinite/0': () => [Number.POSITIVE_INFINITY],
  'nan/0': () => [Number.NaN],
  'isinfinite/0': (_e, _a, v) => [Math.abs(num(v)) === Number.POSITIVE_INFINITY],
  'isnan/0': (_e, _a, v) => [Number.isNaN(num(v))],
  'isnormal/0': (_e, _a, v) => {
    const x = Math.abs(num(v))
    return [Number.isFinite(x) && x >= 2.2250738585072014e-308]
  },
  'pow/2': function* (ev, [a, b], v, env) {
    for (const y of ev.ev(b!, v, env)) for (const x of ev.ev(a!, v, env)) yield num(x) ** num(y)
  },
  'atan2/2': function* (ev, [a, b], v, env) {
    for (const y of ev.ev(b!, v, env)) for (const x of ev.ev(a!, v, env)) yield Math.atan2(num(x), num(y))
  },
}

/** By `name/arity`. */
export const STRING_BUILTINS: Readonly<Record<string, Builtin>> = {
  ...STR,
  ...Object.fromEntries(
    Object.entries(MATH1).map(([name, fn]): [string, Builtin] => [`${name}/0`, (_e, _a, v) => [fn(num(v))]]),
  ),
}
