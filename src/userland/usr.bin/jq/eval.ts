/**
 * Running a jq filter (parse.ts's tree) on one JSON value. Every filter is a generator of outputs,
 * as in jq, so what came before an error is still printed (`.[] | .x` prints the good ones first)
 * and `first(f)` stops f. `try`/`catch`, `label`/`break` and destructuring (`?//`) live here; the
 * builtins are builtins/'s tables and builtins/prelude.ts's jq definitions. A step budget bounds the work
 * one input can cause. Failures are JqError (or CompileError for an unknown name); the outside
 * world (inputs, stderr, the clock) is only reached through the JqHost it is given.
 */

import { type Node, type Pattern, patternVars } from './ast.js'
import { NATIVE } from './builtins/core.js'
import { preludeDefs } from './builtins/prelude.js'
import { evalAssign } from './eval_path.js'
import { applyFormat } from './format.js'
import { formatJson } from './json.js'
import { CompileError } from './parse.js'
import { arith, compare, index, iterate, type J, JqError, kind, PLAIN, show, slice, truthy } from './value.js'

export { Halt, type J, JqError } from './value.js'

/** What jq's I/O builtins reach: the CLI's inputs, stderr and clock (tests give their own). */
export interface JqHost {
  /** The next input (`input`), or undefined when there is none left. */
  input(): J | undefined
  /** The file the current input came from (`input_filename`), null for stdin. */
  inputFilename(): J
  /** `input_line_number`: the lines read so far of the current input file. */
  inputLine(): number
  /** `debug` and `stderr`'s text, as they print it. */
  stderr(text: string): void
  /** Seconds since the epoch (`now`). */
  now(): number
  /** The environment (`env`, `$ENV`). */
  environ(): ReadonlyMap<string, string>
}

const NO_HOST: JqHost = {
  input: () => undefined,
  inputFilename: () => null,
  inputLine: () => 0,
  stderr: () => {},
  now: () => 0,
  environ: () => new Map(),
}

/** `break $name`'s way out to its `label`: not a JqError, so no `try` catches it. */
export class Break {
  constructor(readonly label: object) {}
}

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

/** A `label $name`'s identity, bound in the environment as `*label*name`. */
export class Label {}

/** `$name` → value, `name/arity` → function (the `/` keeps the two apart), `*label*name` → label. */
export type Env = ReadonlyMap<string, J | Closure | Label>

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
  /** jq's builtins written in jq (prelude.ts), below anything the filter defines. */
  private readonly prelude: Env

  constructor(readonly host: JqHost = NO_HOST) {
    let env: Env = new Map()
    for (const d of preludeDefs()) env = this.withDef(d, env)
    this.prelude = env
  }

  /** A prelude function by `name/arity` (the filter's own, in its environment, come first). */
  lookup(key: string): Closure | undefined {
    const f = this.prelude.get(key)
    return f instanceof Closure ? f : undefined
  }

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
      case 'loc':
        yield new Map<string, J>([
          ['file', '<top-level>'],
          ['line', n.line],
        ])
        return
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
        if (n.handler === null) yield* this.guard(true, this.ev(n.body, v, env))
        else yield* this.tryCatch(n.body, n.handler, v, env)
        return
      case 'label': {
        const l = new Label()
        try {
          yield* this.ev(n.body, v, new Map([...env, [`*label*${n.name}`, l]]))
        } catch (e) {
          if (!(e instanceof Break && e.label === l)) throw e
        }
        return
      }
      case 'break': {
        const l = env.get(`*label*${n.name}`)
        if (!(l instanceof Label)) throw new CompileError(`$*label-${n.name} is not defined`)
        throw new Break(l)
      }
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
        for (const x of this.ev(n.source, v, env)) yield* this.destructure(n.pats, n.body, x, v, env)
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
          for (const x of this.ev(n.source, v, env))
            for (const e2 of this.bindAlt(n.pats, x, env)) {
              let next: J = null
              for (const o of this.ev(n.update, acc, e2)) next = o
              acc = next
            }
          yield acc
        }
        return
      }
      case 'foreach':
        for (let acc of this.ev(n.init, v, env))
          for (const x of this.ev(n.source, v, env))
            for (const e2 of this.bindAlt(n.pats, x, env))
              for (const o of this.ev(n.update, acc, e2)) {
                acc = o
                if (n.extract === null) yield o
                else yield* this.ev(n.extract, o, e2)
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

  /**
   * `try body catch handler`: an error raised by body (not by what follows the try, which jq 1.7.1
   * no longer catches) ends body's outputs and runs handler on the error's value.
   */
  private *tryCatch(body: Node, handler: Node, v: J, env: Env): Generator<J> {
    let caught: JqError | undefined
    try {
      yield* this.ev(body, v, env)
    } catch (e) {
      if (!(e instanceof JqError)) throw e
      caught = e
    }
    if (caught !== undefined) yield* this.ev(handler, caught.value, env)
  }

  /** The environments one pattern makes of x (more than one where a `(f): p` key has several). */
  *bindPattern(p: Pattern, x: J, env: Env): Generator<Env> {
    if (p.p === 'var') {
      yield new Map([...env, [p.name, x]])
      return
    }
    if (p.p === 'array') {
      const go = function* (self: Evaluator, i: number, e: Env): Generator<Env> {
        if (i === p.elems.length) yield e
        else for (const e2 of self.bindPattern(p.elems[i]!, index(x, i), e)) yield* go(self, i + 1, e2)
      }
      yield* go(this, 0, env)
      return
    }
    const go = function* (self: Evaluator, i: number, e: Env): Generator<Env> {
      if (i === p.entries.length) {
        yield e
        return
      }
      const ent = p.entries[i]!
      // `(f): p` keys see the variables bound so far, as jq's do.
      for (const k of self.ev(ent.key, x, e)) {
        const val = index(x, k)
        const e1 = ent.bind === null ? e : new Map([...e, [ent.bind, val]])
        if (ent.pat === null) yield* go(self, i + 1, e1)
        else for (const e2 of self.bindPattern(ent.pat, val, e1)) yield* go(self, i + 1, e2)
      }
    }
    yield* go(this, 0, env)
  }

  /** For reduce/foreach: the first alternative that binds without error, all its variables set. */
  private *bindAlt(pats: readonly Pattern[], x: J, env: Env): Generator<Env> {
    if (pats.length === 1) {
      yield* this.bindPattern(pats[0]!, x, env)
      return
    }
    const base = this.nulls(pats, env)
    for (let i = 0; i < pats.length; i++) {
      try {
        const all = [...this.bindPattern(pats[i]!, x, base)]
        yield* all
        return
      } catch (e) {
        if (!(e instanceof JqError) || i === pats.length - 1) throw e
      }
    }
  }

  /** The environment with every variable of every alternative bound to null (`?//`). */
  private nulls(pats: readonly Pattern[], env: Env): Env {
    const e = new Map(env)
    for (const p of pats) for (const name of patternVars(p)) e.set(name, null)
    return e
  }

  /**
   * `x as p1 ?// p2 … | body`: each alternative in turn, the next tried when binding or body
   * fails; the last one's error is the result (jq 1.7's destructuring alternative).
   */
  private *destructure(pats: readonly Pattern[], body: Node, x: J, v: J, env: Env): Generator<J> {
    if (pats.length === 1) {
      for (const e2 of this.bindPattern(pats[0]!, x, env)) yield* this.ev(body, v, e2)
      return
    }
    const base = this.nulls(pats, env)
    for (let i = 0; i < pats.length; i++) {
      try {
        for (const e2 of this.bindPattern(pats[i]!, x, base)) yield* this.ev(body, v, e2)
        return
      } catch (e) {
        if (!(e instanceof JqError) || i === pats.length - 1) throw e
      }
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
    const go = function* (
      self: Evaluator,
      i: number,
      e: Map<string, J | Closure | Label>,
    ): Generator<[Node, Env]> {
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

  *recurse(v: J): Generator<J> {
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
  *guard(opt: boolean, g: Generator<J>): Generator<J> {
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
    const key = `${name}/${args.length}`
    const user = env.get(key) ?? this.lookup(key)
    if (user instanceof Closure) {
      for (const [body, e2] of this.bind(user, args, v, env)) yield* this.ev(body, v, e2)
      return
    }
    const native = NATIVE[key]
    if (native !== undefined) {
      yield* native(this, args, v, env)
      return
    }
    const plain = PLAIN[name]
    if (plain !== undefined && args.length === 0) {
      yield* plain(v)
      return
    }
    throw new CompileError(`${key} is not defined`)
  }
}
