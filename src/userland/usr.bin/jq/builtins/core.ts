/**
 * jq's builtins that take filter arguments or reach the outside, by `name/arity`: select, map,
 * paths, del, limit, first, sort_by and the other `_by`s, range, input/inputs, debug, halt …;
 * strings are strings.ts's, regexes regex.ts's, dates time.ts's, and the
 * ones written in jq prelude.ts's. Each runs on eval.ts's Evaluator and yields its outputs;
 * failures are JqError with jq 1.7's wording.
 */

import type { Node } from '../ast.js'
import type { Env, Evaluator } from '../eval.js'
import { evalPaths } from '../eval_path.js'
import { formatJson } from '../json.js'
import { delpaths, getpath, setpath, walkPaths } from '../paths.js'
import { compare, Halt, has, iterArray, iterate, type J, JqError, PLAIN, truthy } from '../value.js'
import { REGEX_BUILTINS } from './regex.js'
import { STRING_BUILTINS } from './strings.js'
import { TIME_BUILTINS } from './time.js'

/** A builtin: the evaluator, the call's argument filters, the input and the caller's environment. */
export type Builtin = (ev: Evaluator, args: Node[], v: J, env: Env) => Iterable<J>

/** `error(v)`: v is the error's value, what `catch` gets. */
export function errorOf(v: J): JqError {
  return new JqError(typeof v === 'string' ? v : `${formatJson(v, true)} (not a string)`, v)
}

/** f's outputs on v, with g applied to each (the shape of most one-argument builtins). */
function* each(ev: Evaluator, f: Node, v: J, env: Env, g: (x: J) => J): Generator<J> {
  for (const x of ev.ev(f, v, env)) yield g(x)
}

/** The input array's elements sorted by f's outputs (as an array), stably, as jq's `_by`s do. */
function byKeys(ev: Evaluator, f: Node, v: J, env: Env, what: string): Array<{ x: J; k: J[] }> {
  return [...iterArray(v, what)].map((x) => ({ x, k: ev.all(f, x, env) })).sort((a, b) => compare(a.k, b.k))
}

function firstOf(ev: Evaluator, f: Node, x: J, env: Env): J[] {
  for (const o of ev.ev(f, x, env)) return [o]
  return []
}

function* range(ev: Evaluator, from: J, to: J, by: J): Generator<J> {
  if (typeof from !== 'number' || typeof to !== 'number' || typeof by !== 'number')
    throw new JqError('Range bounds must be numeric')
  if (by > 0)
    for (let i = from; i < to; i += by) {
      ev.tick()
      yield i
    }
  else if (by < 0)
    for (let i = from; i > to; i += by) {
      ev.tick()
      yield i
    }
}

function flatten(v: J, depth: number): J[] {
  const out: J[] = []
  for (const x of iterArray(v, 'flattened'))
    if (Array.isArray(x) && depth !== 0) out.push(...flatten(x, depth - 1))
    else out.push(x)
  return out
}

/** jq 1.7's tostream: [path, leaf] for each leaf, and [path] closing each array or object. */
function* tostream(v: J, p: J[]): Generator<J> {
  const container = Array.isArray(v) || v instanceof Map
  const entries: Array<[J, J]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : v instanceof Map ? [...v] : []
  if (!container || entries.length === 0) yield [p, v]
  else {
    for (const [k, x] of entries) yield* tostream(x, [...p, k])
    const lastKey = entries[entries.length - 1]![0]
    yield [[...p, lastKey]]
  }
}

const CORE: Record<string, Builtin> = {
  'paths/0': function* (_ev, _a, v) {
    for (const [p] of walkPaths(v)) yield p
  },
  'leaf_paths/0': function* (_ev, _a, v) {
    for (const [p, x] of walkPaths(v)) if (!(Array.isArray(x) || x instanceof Map)) yield p
  },
  'recurse/0': (ev, _a, v) => ev.recurse(v),
  'recurse/1': function* (ev, [f], v, env) {
    const rec = function* (x: J): Generator<J> {
      ev.tick()
      yield x
      for (const y of ev.ev(f!, x, env)) yield* rec(y)
    }
    yield* rec(v)
  },
  'select/1': function* (ev, [f], v, env) {
    for (const c of ev.ev(f!, v, env)) if (truthy(c)) yield v
  },
  'map/1': (ev, [f], v, env) => [iterate(v).flatMap((x) => ev.all(f!, x, env))],
  'map_values/1': (ev, [f], v, env) => {
    if (!(v instanceof Map)) return [iterate(v).flatMap((x) => firstOf(ev, f!, x, env))]
    const m = new Map<string, J>()
    for (const [k, x] of v) for (const o of firstOf(ev, f!, x, env)) m.set(k, o)
    return [m]
  },
  'first/1': (ev, [f], v, env) => firstOf(ev, f!, v, env),
  'last/1': (ev, [f], v, env) => {
    let last: J[] = []
    for (const x of ev.ev(f!, v, env)) last = [x]
    return last
  },
  'isempty/1': (ev, [f], v, env) => [firstOf(ev, f!, v, env).length === 0],
  'limit/2': function* (ev, [n, f], v, env) {
    for (const k of ev.ev(n!, v, env)) {
      if (typeof k !== 'number') throw new JqError('Invalid limit: must be a number')
      // jq 1.7: a negative limit outputs everything.
      let left = k
      if (left === 0) continue
      for (const x of ev.ev(f!, v, env)) {
        yield x
        if (--left === 0) break
      }
    }
  },
  'has/1': (ev, [f], v, env) => each(ev, f!, v, env, (k) => has(v, k)),
  'error/0': (_ev, _a, v) => {
    throw errorOf(v)
  },
  'error/1': (ev, [f], v, env) =>
    each(ev, f!, v, env, (m) => {
      throw errorOf(m)
    }),
  'sort_by/1': (ev, [f], v, env) => [byKeys(ev, f!, v, env, 'sorted').map((e) => e.x)],
  'group_by/1': (ev, [f], v, env) => {
    const out: J[][] = []
    let prev: J[] | undefined
    for (const e of byKeys(ev, f!, v, env, 'grouped')) {
      if (prev !== undefined && compare(prev, e.k) === 0) out[out.length - 1]!.push(e.x)
      else out.push([e.x])
      prev = e.k
    }
    return [out]
  },
  'unique_by/1': (ev, [f], v, env) => {
    const out: J[] = []
    let prev: J[] | undefined
    for (const e of byKeys(ev, f!, v, env, 'sorted'))
      if (prev === undefined || compare(prev, e.k) !== 0) {
        out.push(e.x)
        prev = e.k
      }
    return [out]
  },
  'min_by/1': (ev, [f], v, env) => {
    const s = byKeys(ev, f!, v, env, 'iterated over')
    return [s.length === 0 ? null : s[0]!.x]
  },
  'max_by/1': (ev, [f], v, env) => {
    const s = byKeys(ev, f!, v, env, 'iterated over')
    // jq's max_by keeps the last of equal maxima.
    return [s.length === 0 ? null : s[s.length - 1]!.x]
  },
  'any/1': (ev, [f], v, env) => [iterate(v).some((x) => ev.all(f!, x, env).some(truthy))],
  'all/1': (ev, [f], v, env) => [iterate(v).every((x) => ev.all(f!, x, env).every(truthy))],
  'any/2': function* (ev, [g, c], v, env) {
    for (const x of ev.ev(g!, v, env))
      for (const b of ev.ev(c!, x, env))
        if (truthy(b)) {
          yield true
          return
        }
    yield false
  },
  'all/2': function* (ev, [g, c], v, env) {
    for (const x of ev.ev(g!, v, env))
      for (const b of ev.ev(c!, x, env))
        if (!truthy(b)) {
          yield false
          return
        }
    yield true
  },
  'flatten/0': (_ev, _a, v) => [flatten(v, -1)],
  'flatten/1': (ev, [d], v, env) =>
    each(ev, d!, v, env, (n) => {
      if (typeof n !== 'number') throw new JqError('flatten depth must not be negative')
      if (n < 0) throw new JqError('flatten depth must not be negative')
      return flatten(v, n)
    }),
  'path/1': function* (ev, [f], v, env) {
    for (const [p] of evalPaths(ev, f!, [[], v], env)) yield p
  },
  'paths/1': function* (ev, [f], v, env) {
    for (const [p, x] of walkPaths(v)) for (const c of ev.ev(f!, x, env)) if (truthy(c)) yield p
  },
  'del/1': (ev, [f], v, env) => [
    delpaths(
      v,
      [...evalPaths(ev, f!, [[], v], env)].map(([p]) => p),
    ),
  ],
  'getpath/1': function* (ev, [f], v, env) {
    for (const p of ev.ev(f!, v, env)) {
      try {
        yield getpath(v, p)
      } catch (e) {
        if (!(e instanceof JqError)) throw e
        yield null
      }
    }
  },
  'setpath/2': function* (ev, [p, x], v, env) {
    for (const val of ev.ev(x!, v, env)) for (const path of ev.ev(p!, v, env)) yield setpath(v, path, val)
  },
  'delpaths/1': (ev, [f], v, env) => each(ev, f!, v, env, (ps) => delpaths(v, ps)),
  'to_entries/0': (_ev, _a, v) => PLAIN.to_entries!(v),
  'with_entries/1': function* (ev, args, v, env) {
    for (const e of PLAIN.to_entries!(v))
      for (const m of ev.call('map', args, e, env)) yield* PLAIN.from_entries!(m)
  },
  'range/1': function* (ev, [f], v, env) {
    for (const n of ev.ev(f!, v, env)) yield* range(ev, 0, n, 1)
  },
  'range/2': function* (ev, [f, t], v, env) {
    for (const to of ev.ev(t!, v, env)) for (const from of ev.ev(f!, v, env)) yield* range(ev, from, to, 1)
  },
  'range/3': function* (ev, [f, t, b], v, env) {
    for (const by of ev.ev(b!, v, env))
      for (const to of ev.ev(t!, v, env)) for (const from of ev.ev(f!, v, env)) yield* range(ev, from, to, by)
  },
  'tostream/0': (_ev, _a, v) => tostream(v, []),
  'fromstream/1': function* (ev, [f], v, env) {
    // Events rebuild values: [path, leaf] sets, a closing [path] of length 1 ends a top value.
    let cur: J = null
    let have = false
    for (const e of ev.ev(f!, v, env)) {
      if (!Array.isArray(e) || !Array.isArray(e[0])) throw new JqError('Invalid stream event')
      const p = e[0] as J[]
      if (e.length === 2) {
        if (p.length === 0) {
          yield e[1]!
          continue
        }
        cur = setpath(cur, p, e[1]!)
        have = true
      } else if (p.length === 1 && have) {
        yield cur
        cur = null
        have = false
      }
    }
  },
  'input/0': (ev) => {
    const x = ev.host.input()
    if (x === undefined) throw new JqError('No more inputs')
    return [x]
  },
  'inputs/0': function* (ev) {
    for (let x = ev.host.input(); x !== undefined; x = ev.host.input()) yield x
  },
  'input_filename/0': (ev) => [ev.host.inputFilename()],
  'input_line_number/0': (ev) => [ev.host.inputLine()],
  'debug/0': (ev, _a, v) => {
    ev.host.stderr(`["DEBUG:",${formatJson(v, true)}]\n`)
    return [v]
  },
  'stderr/0': (ev, _a, v) => {
    ev.host.stderr(typeof v === 'string' ? v : formatJson(v, true))
    return [v]
  },
  'env/0': (ev) => [new Map<string, J>(ev.host.environ())],
  'builtins/0': () => builtinNames(),
  'halt/0': () => {
    throw new Halt(0, null)
  },
  'halt_error/1': (ev, [f], v, env) =>
    each(ev, f!, v, env, (code) => {
      if (typeof code !== 'number') throw new JqError('halt_error/1: number required')
      throw new Halt(code, typeof v === 'string' ? v : `${formatJson(v, true)}\n`)
    }),
}

/** Every builtin of the native tables, by `name/arity`. */
export const NATIVE: Readonly<Record<string, Builtin>> = {
  ...CORE,
  ...STRING_BUILTINS,
  ...REGEX_BUILTINS,
  ...TIME_BUILTINS,
}

function builtinNames(): J[] {
  return [[...Object.keys(NATIVE), ...Object.keys(PLAIN).map((k) => `${k}/0`)]]
}
