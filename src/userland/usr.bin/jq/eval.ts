/**
 * Running a jq filter (parse.ts's tree) on one JSON value. Every filter is a generator of outputs,
 * as in jq, so what came before an error is still printed (`.[] | .x` prints the good ones first)
 * and `first(f)` stops f. A step budget bounds the work one input can cause. Failures are JqError
 * (or CompileError for an unknown name); nothing here writes or reads.
 */

import { CompileError, type Node } from './parse.js'
import {
  arith,
  compare,
  has,
  index,
  iterArray,
  iterate,
  type J,
  JqError,
  kind,
  PLAIN,
  regex,
  show,
  slice,
  str,
  toPlain,
  truthy,
} from './value.js'

export { type J, JqError } from './value.js'

export type Env = ReadonlyMap<string, J>

/** Values one input may produce or walk through, all filters together: a bound on time and memory. */
const MAX_STEPS = 10_000_000

const COMPARE: Readonly<Record<string, (c: number) => boolean>> = {
  '==': (c) => c === 0,
  '!=': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
}

export class Evaluator {
  private steps = 0

  /** The outputs of the filter on one input; each call has its own step budget. */
  run(n: Node, input: J, env: Env): Generator<J> {
    this.steps = 0
    return this.ev(n, input, env)
  }

  private tick(): void {
    if (++this.steps > MAX_STEPS) throw new JqError('too much work for one input')
  }

  private all(n: Node, v: J, env: Env): J[] {
    const out: J[] = []
    for (const x of this.ev(n, v, env)) {
      this.tick()
      out.push(x)
    }
    return out
  }

  private *ev(n: Node, v: J, env: Env): Generator<J> {
    this.tick()
    switch (n.t) {
      case 'identity':
        yield v
        return
      case 'recurse':
        yield* this.recurse(v)
        return
      case 'lit':
        yield n.v
        return
      case 'var': {
        const x = env.get(n.name)
        if (x === undefined) throw new CompileError(`$${n.name} is not defined`)
        yield x
        return
      }
      case 'index':
        yield* this.guard(n.opt, this.index(n.of, n.key, v, env))
        return
      case 'slice':
        yield* this.guard(n.opt, this.slice(n, v, env))
        return
      case 'iter':
        yield* this.guard(n.opt, this.iter(n.of, v, env))
        return
      case 'try':
        yield* this.guard(true, this.ev(n.body, v, env))
        return
      case 'pipe':
        for (const x of this.ev(n.l, v, env)) yield* this.ev(n.r, x, env)
        return
      case 'comma':
        yield* this.ev(n.l, v, env)
        yield* this.ev(n.r, v, env)
        return
      case 'neg':
        for (const x of this.ev(n.of, v, env)) {
          if (typeof x !== 'number') throw new JqError(`${kind(x)} (${show(x)}) cannot be negated`)
          yield -x
        }
        return
      case 'bin':
        yield* this.binary(n.op, n.l, n.r, v, env)
        return
      case 'array':
        yield n.of === null ? [] : this.all(n.of, v, env)
        return
      case 'object':
        yield* this.object(n.entries, 0, new Map(), v, env)
        return
      case 'as':
        for (const x of this.ev(n.source, v, env)) yield* this.ev(n.body, v, new Map([...env, [n.name, x]]))
        return
      case 'if':
        for (const c of this.ev(n.cond, v, env)) {
          if (truthy(c)) yield* this.ev(n.then, v, env)
          else if (n.else === null) yield v
          else yield* this.ev(n.else, v, env)
        }
        return
      case 'call':
        yield* this.call(n.name, n.args, v, env)
        return
    }
  }

  private *recurse(v: J): Generator<J> {
    this.tick()
    yield v
    if (Array.isArray(v) || v instanceof Map) for (const x of iterate(v)) yield* this.recurse(x)
  }

  private *index(of: Node, key: Node, v: J, env: Env): Generator<J> {
    for (const o of this.ev(of, v, env)) for (const k of this.ev(key, v, env)) yield index(o, k)
  }

  private *slice(n: Extract<Node, { t: 'slice' }>, v: J, env: Env): Generator<J> {
    for (const o of this.ev(n.of, v, env)) {
      const to = n.to === null ? [null] : this.all(n.to, v, env)
      const from = n.from === null ? [null] : this.all(n.from, v, env)
      for (const t of to) for (const f of from) yield slice(o, f, t)
    }
  }

  private *iter(of: Node, v: J, env: Env): Generator<J> {
    for (const o of this.ev(of, v, env))
      for (const x of iterate(o)) {
        this.tick()
        yield x
      }
  }

  /** `{k: f, ...}`: one object for each combination of the entries' outputs, in jq's order. */
  private *object(
    entries: ReadonlyArray<{ key: Node; value: Node }>,
    i: number,
    acc: Map<string, J>,
    v: J,
    env: Env,
  ): Generator<J> {
    if (i === entries.length) {
      yield new Map(acc)
      return
    }
    for (const k of this.ev(entries[i].key, v, env)) {
      if (typeof k !== 'string') throw new JqError(`Object keys must be strings`)
      for (const x of this.ev(entries[i].value, v, env)) {
        const next = new Map(acc)
        next.set(k, x)
        yield* this.object(entries, i + 1, next, v, env)
      }
    }
  }

  /** The `?` forms: an error ends the outputs quietly (jq's try without catch). */
  private *guard(opt: boolean, g: Generator<J>): Generator<J> {
    if (!opt) {
      yield* g
      return
    }
    try {
      yield* g
    } catch (e) {
      if (!(e instanceof JqError)) throw e
    }
  }

  private *binary(op: string, l: Node, r: Node, v: J, env: Env): Generator<J> {
    if (op === 'and' || op === 'or') {
      for (const a of this.ev(l, v, env)) {
        if (op === 'and' && !truthy(a)) yield false
        else if (op === 'or' && truthy(a)) yield true
        else for (const b of this.ev(r, v, env)) yield truthy(b)
      }
      return
    }
    if (op === '//') {
      let any = false
      for (const a of this.guard(true, this.ev(l, v, env)))
        if (truthy(a)) {
          any = true
          yield a
        }
      if (!any) yield* this.ev(r, v, env)
      return
    }
    const cmp = COMPARE[op]
    // jq runs the right side first, so `(1,2) + (10,20)` is 11, 12, 21, 22.
    for (const b of this.ev(r, v, env))
      for (const a of this.ev(l, v, env)) yield cmp === undefined ? arith(op, a, b) : cmp(compare(a, b))
  }

  private *call(name: string, args: Node[], v: J, env: Env): Generator<J> {
    const plain = PLAIN[name]
    if (plain !== undefined && args.length === 0) {
      yield* plain(v)
      return
    }
    const f = args[0]
    const each = (g: (x: J) => J): Generator<J> => this.map1(f, v, env, g)
    if (args.length === 1)
      switch (name) {
        case 'select':
          for (const c of this.ev(f, v, env)) if (truthy(c)) yield v
          return
        case 'map':
          yield iterate(v).flatMap((x) => this.all(f, x, env))
          return
        case 'map_values': {
          const firstOf = (x: J): J[] => {
            for (const o of this.ev(f, x, env)) return [o]
            return []
          }
          if (v instanceof Map) {
            const m = new Map<string, J>()
            for (const [k, x] of v) for (const o of firstOf(x)) m.set(k, o)
            yield m
          } else yield iterate(v).flatMap(firstOf)
          return
        }
        case 'first':
          for (const x of this.ev(f, v, env)) {
            yield x
            return
          }
          return
        case 'last': {
          const all = this.all(f, v, env)
          if (all.length > 0) yield all[all.length - 1]
          return
        }
        case 'has':
          return yield* each((k) => has(v, k))
        case 'test':
          return yield* each((re) => regex(re, null).test(str(v, 'test')))
        case 'startswith':
          return yield* each((s) => str(v, 'startswith').startsWith(str(s, 'startswith')))
        case 'endswith':
          return yield* each((s) => str(v, 'endswith').endsWith(str(s, 'endswith')))
        case 'split':
          return yield* each((s) => str(v, 'split').split(str(s, 'split')))
        case 'join':
          return yield* each((s) =>
            iterate(v)
              .map((x) => (x === null ? '' : typeof x === 'string' ? x : JSON.stringify(x)))
              .join(str(s, 'join')),
          )
        case 'error':
          return yield* each((m) => {
            throw new JqError(typeof m === 'string' ? m : `${JSON.stringify(toPlain(m))} (not a string)`)
          })
        case 'sort_by':
          yield [...iterArray(v, 'sorted')]
            .map((x) => ({ x, k: this.all(f, x, env) }))
            .sort((a, b) => compare(a.k, b.k))
            .map((e) => e.x)
          return
        case 'any':
          yield iterate(v).some((x) => this.all(f, x, env).some(truthy))
          return
        case 'all':
          yield iterate(v).every((x) => this.all(f, x, env).every(truthy))
          return
        case 'with_entries':
          for (const e of PLAIN.to_entries(v))
            for (const m of this.call('map', args, e, env)) yield* PLAIN.from_entries(m)
          return
      }
    if (args.length === 2 && name === 'limit') {
      for (const n of this.ev(f, v, env)) {
        if (typeof n !== 'number') throw new JqError('Invalid limit: must be a number')
        let left = n
        if (left <= 0) continue
        for (const x of this.ev(args[1], v, env)) {
          yield x
          if (--left <= 0) break
        }
      }
      return
    }
    if (args.length === 2 && name === 'test') {
      for (const fl of this.ev(args[1], v, env))
        yield* this.map1(f, v, env, (re) => regex(re, fl).test(str(v, 'test')))
      return
    }
    throw new CompileError(`${name}/${args.length} is not defined`)
  }

  private *map1(f: Node, v: J, env: Env, g: (x: J) => J): Generator<J> {
    for (const x of this.ev(f, v, env)) yield g(x)
  }
}

const WITH_ARG: readonly string[] = [
  'select',
  'map',
  'map_values',
  'has',
  'first',
  'last',
  'test',
  'startswith',
  'endswith',
  'split',
  'join',
  'error',
  'sort_by',
  'any',
  'all',
  'with_entries',
]

/** jq's compile-time checks: every function and `$name` is known before any input is read. */
export function check(n: Node, vars: ReadonlySet<string>): void {
  const sub = (x: Node | null, vs = vars): void => {
    if (x !== null) check(x, vs)
  }
  switch (n.t) {
    case 'var':
      if (!vars.has(n.name)) throw new CompileError(`$${n.name} is not defined`)
      return
    case 'call': {
      const ok =
        (n.args.length === 0 && n.name in PLAIN) ||
        (n.args.length === 1 && WITH_ARG.includes(n.name)) ||
        (n.args.length === 2 && (n.name === 'test' || n.name === 'limit'))
      if (!ok) throw new CompileError(`${n.name}/${n.args.length} is not defined`)
      for (const a of n.args) sub(a)
      return
    }
    case 'as':
      sub(n.source)
      sub(n.body, new Set([...vars, n.name]))
      return
    case 'index':
      sub(n.of)
      sub(n.key)
      return
    case 'slice':
      sub(n.of)
      sub(n.from)
      sub(n.to)
      return
    case 'iter':
    case 'neg':
      sub(n.of)
      return
    case 'try':
      sub(n.body)
      return
    case 'pipe':
    case 'comma':
    case 'bin':
      sub(n.l)
      sub(n.r)
      return
    case 'array':
      sub(n.of)
      return
    case 'object':
      for (const e of n.entries) {
        sub(e.key)
        sub(e.value)
      }
      return
    case 'if':
      sub(n.cond)
      sub(n.then)
      sub(n.else)
      return
    default:
      return
  }
}
