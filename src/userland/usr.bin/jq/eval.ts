/**
 * Running a jq filter (parse.ts's tree) on one JSON value. Every filter is a generator of outputs,
 * as in jq, so what came before an error is still printed (`.[] | .x` prints the good ones first)
 * and `first(f)` stops f. A step budget bounds the work one input can cause. Failures are JqError
 * (or CompileError for an unknown name); nothing here writes or reads.
 */

import { evalAssign, evalPaths } from './eval_path.js'
import { applyFormat } from './format.js'
import { formatJson } from './json.js'
import { CompileError, type Node } from './parse.js'
import { delpaths, getpath, setpath, walkPaths } from './paths.js'
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

/**
 * A function as `def` made it, or a filter argument (a closure with no parameters): its body runs
 * in the environment it was defined in, extended with its arguments.
 */
export class Closure {
  env: Env = new Map()
  constructor(
    readonly params: readonly string[],
    readonly body: Node,
  ) {}
}

/** `$name` → value, and `name/arity` → function (the `/` keeps the two apart). */
export type Env = ReadonlyMap<string, J | Closure>

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

  tick(): void {
    if (++this.steps > MAX_STEPS) throw new JqError('too much work for one input')
  }

  all(n: Node, v: J, env: Env): J[] {
    const out: J[] = []
    for (const x of this.ev(n, v, env)) {
      this.tick()
      out.push(x)
    }
    return out
  }

  *ev(n: Node, v: J, env: Env): Generator<J> {
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
        yield x as J
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
      case 'interp':
        yield* this.interp(n.parts, n.parts.length - 1, '', n.fmt, v, env)
        return
      case 'format':
        yield applyFormat(n.name, v)
        return
      case 'reduce': {
        for (let acc of this.ev(n.init, v, env)) {
          for (const x of this.ev(n.source, v, env)) {
            let next: J = null
            for (const o of this.ev(n.update, acc, new Map([...env, [n.name, x]]))) next = o
            acc = next
          }
          yield acc
        }
        return
      }
      case 'foreach':
        for (let acc of this.ev(n.init, v, env))
          for (const x of this.ev(n.source, v, env)) {
            const e2 = new Map([...env, [n.name, x]])
            for (const o of this.ev(n.update, acc, e2)) {
              acc = o
              if (n.extract === null) yield o
              else yield* this.ev(n.extract, o, e2)
            }
          }
        return
      case 'def':
        yield* this.ev(n.rest, v, this.withDef(n, env))
        return
      case 'assign':
        yield* evalAssign(this, n.op, n.l, n.r, v, env)
        return
    }
  }

  /**
   * `"a\(f)b"`: one string per combination of the parts' outputs; as in jq the first
   * interpolation varies fastest (`"\(1,2)\(3,4)"` gives 13, 23, 14, 24).
   */
  private *interp(
    parts: ReadonlyArray<string | Node>,
    i: number,
    acc: string,
    fmt: string | null,
    v: J,
    env: Env,
  ): Generator<J> {
    if (i < 0) {
      yield acc
      return
    }
    const p = parts[i]!
    if (typeof p === 'string') {
      yield* this.interp(parts, i - 1, p + acc, fmt, v, env)
      return
    }
    for (const x of this.ev(p, v, env)) {
      const s = fmt !== null ? applyFormat(fmt, x) : typeof x === 'string' ? x : formatJson(x, true)
      yield* this.interp(parts, i - 1, s + acc, fmt, v, env)
    }
  }

  isClosure(x: unknown): x is Closure {
    return x instanceof Closure
  }

  /** `def`: the environment with the function in it (itself included, for recursion). */
  withDef(n: Extract<Node, { t: 'def' }>, env: Env): Env {
    const c = new Closure(n.params, n.body)
    const e2 = new Map(env)
    e2.set(`${n.name}/${n.params.length}`, c)
    c.env = e2
    return e2
  }

  /**
   * A user function's body and the environments to run it in: filter parameters become closures
   * over the caller's environment; `$` parameters take each output of their argument in turn.
   */
  *bind(c: Closure, args: Node[], v: J, env: Env): Generator<[Node, Env]> {
    const go = function* (self: Evaluator, i: number, e: Map<string, J | Closure>): Generator<[Node, Env]> {
      if (i === args.length) {
        yield [c.body, e]
        return
      }
      const name = c.params[i]!
      if (name.startsWith('$')) {
        for (const x of self.ev(args[i]!, v, env)) {
          const e2 = new Map(e)
          e2.set(name.slice(1), x)
          e2.set(`${name.slice(1)}/0`, new Closure([], { t: 'lit', v: null }))
          const k = new Closure([], { t: 'var', name: name.slice(1) })
          k.env = e2
          e2.set(`${name.slice(1)}/0`, k)
          yield* go(self, i + 1, e2)
        }
        return
      }
      const a = new Closure([], args[i]!)
      a.env = env
      const e2 = new Map(e)
      e2.set(`${name}/0`, a)
      yield* go(self, i + 1, e2)
    }
    yield* go(this, 0, new Map(c.env))
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

  *call(name: string, args: Node[], v: J, env: Env): Generator<J> {
    const user = env.get(`${name}/${args.length}`)
    if (user instanceof Closure) {
      for (const [body, e2] of this.bind(user, args, v, env)) yield* this.ev(body, v, e2)
      return
    }
    if (args.length === 0 && (name === 'paths' || name === 'leaf_paths')) {
      for (const [p, x] of walkPaths(v))
        if (name === 'paths' || !(Array.isArray(x) || x instanceof Map)) yield p
      return
    }
    if (args.length === 0 && name === 'tojson') {
      yield formatJson(v, true)
      return
    }
    if (args.length === 0 && name === 'recurse') {
      yield* this.recurse(v)
      return
    }
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
        case 'path':
          for (const [p] of evalPaths(this, f, [[], v], env)) yield p
          return
        case 'paths':
          for (const [p, x] of walkPaths(v)) for (const c of this.ev(f, x, env)) if (truthy(c)) yield p
          return
        case 'del':
          yield delpaths(
            v,
            [...evalPaths(this, f, [[], v], env)].map(([p]) => p),
          )
          return
        case 'getpath':
          for (const p of this.ev(f, v, env)) {
            try {
              yield getpath(v, p)
            } catch {
              yield null
            }
          }
          return
        case 'delpaths':
          return yield* each((ps) => delpaths(v, ps))
        case 'recurse': {
          const rec = function* (self: Evaluator, x: J): Generator<J> {
            self.tick()
            yield x
            for (const y of self.ev(f, x, env)) yield* rec(self, y)
          }
          yield* rec(this, v)
          return
        }
        case 'range':
          for (const n of this.ev(f, v, env)) {
            if (typeof n !== 'number') throw new JqError('Range bounds must be numeric')
            for (let i = 0; i < n; i++) {
              this.tick()
              yield i
            }
          }
          return
        case 'ltrimstr':
          return yield* each((s) =>
            typeof v === 'string' && typeof s === 'string' && v.startsWith(s) ? v.slice(s.length) : v,
          )
        case 'rtrimstr':
          return yield* each((s) =>
            typeof v === 'string' && typeof s === 'string' && v.endsWith(s) && s !== ''
              ? v.slice(0, v.length - s.length)
              : v,
          )
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
    if (args.length === 2 && name === 'setpath') {
      for (const x of this.ev(args[1]!, v, env)) for (const p of this.ev(f, v, env)) yield setpath(v, p, x)
      return
    }
    if (args.length === 2 && name === 'range') {
      for (const to of this.ev(args[1]!, v, env))
        for (const from of this.ev(f, v, env)) {
          if (typeof from !== 'number' || typeof to !== 'number')
            throw new JqError('Range bounds must be numeric')
          for (let i = from; i < to; i++) {
            this.tick()
            yield i
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
