/**
 * jq's path expressions and assignments (path(f), `=`, `|=`, `+=` …, del): a filter run so that
 * it yields the paths it names with the values there, and the updates built on them, as jq 1.7
 * defines them. Runs on eval.ts's Evaluator (through PathHost) for everything that is not a path
 * step. Failures are JqError (`Invalid path expression with result …`).
 */

import type { Node, Pattern } from './ast.js'
import { Break, type Closure, type Env, Label } from './eval.js'
import { delpaths, getpath, notAPath, setpath, walkPaths } from './paths.js'
import { arith, index, iterate, type J, JqError, slice, truthy } from './value.js'

/** A path and the value at it, what a path expression yields. */
export type PV = [J[], J]

/** What path evaluation needs from the evaluator. */
export interface PathHost {
  ev(n: Node, v: J, env: Env): Generator<J>
  all(n: Node, v: J, env: Env): J[]
  tick(): void
  call(name: string, args: Node[], v: J, env: Env): Generator<J>
  bind(c: Closure, args: Node[], v: J, env: Env): Generator<[Node, Env]>
  isClosure(x: unknown): x is Closure
  withDef(n: Extract<Node, { t: 'def' }>, env: Env): Env
  lookup(key: string): Closure | undefined
  bindPattern(p: Pattern, x: J, env: Env): Generator<Env>
}

/**
 * The assignments, as jq 1.7 defines them: `l |= f` updates each path of l with f's first output
 * (none deletes it); `l = r` and `l op= r` take each output of r (run on `.`) and set every path of
 * l to it (or to the old value op it).
 */
export function* evalAssign(h: PathHost, op: string, l: Node, r: Node, v: J, env: Env): Generator<J> {
  const paths = (): J[][] => [...evalPaths(h, l, [[], v], env)].map(([p]) => p)
  if (op === '|=') {
    // jq 1.7's _modify: a path whose update is empty is deleted there and then, so later paths
    // (computed before) may name other elements by then, as in jq.
    let out = v
    for (const p of paths()) {
      let first: J | undefined
      for (const x of h.ev(r, getpath(out, p), env)) {
        first = x
        break
      }
      out = first === undefined ? delpaths(out, [p]) : setpath(out, p, first)
    }
    yield out
    return
  }
  for (const rv of h.ev(r, v, env)) {
    let out = v
    for (const p of paths()) {
      const old = getpath(out, p)
      let x: J = rv
      if (op === '//=') x = truthy(old) ? old : rv
      else if (op !== '=') x = arith(op.slice(0, -1), old, rv)
      out = setpath(out, p, x)
    }
    yield out
  }
}

/** A filter run as a path expression (jq's path(f)): the paths it names with their values. */
export function* evalPaths(h: PathHost, n: Node, pv: PV, env: Env): Generator<PV> {
  h.tick()
  const [p, v] = pv
  switch (n.t) {
    case 'identity':
      yield pv
      return
    case 'recurse':
      yield pv
      for (const [q, x] of walkPaths(v)) yield [[...p, ...q], x]
      return
    case 'index':
      yield* guardPV(
        n.opt,
        (function* (self: PathHost): Generator<PV> {
          for (const [q, o] of evalPaths(self, n.of, pv, env))
            for (const k of self.ev(n.key, v, env)) yield [[...q, k], o === null ? null : index(o, k)]
        })(h),
      )
      return
    case 'slice':
      for (const [q, o] of evalPaths(h, n.of, pv, env)) {
        const to = n.to === null ? [null] : h.all(n.to, v, env)
        const from = n.from === null ? [null] : h.all(n.from, v, env)
        for (const t of to)
          for (const f of from)
            yield [
              [
                ...q,
                new Map<string, J>([
                  ['start', f],
                  ['end', t],
                ]),
              ],
              slice(o, f, t),
            ]
      }
      return
    case 'iter':
      yield* guardPV(
        n.opt,
        (function* (self: PathHost): Generator<PV> {
          for (const [q, o] of evalPaths(self, n.of, pv, env)) {
            if (o instanceof Map) for (const [k, x] of o) yield [[...q, k], x]
            else if (Array.isArray(o)) for (let i = 0; i < o.length; i++) yield [[...q, i], o[i]!]
            else iterate(o)
          }
        })(h),
      )
      return
    case 'try':
      if (n.handler === null) {
        yield* guardPV(true, evalPaths(h, n.body, pv, env))
        return
      }
      {
        let caught: JqError | undefined
        try {
          yield* evalPaths(h, n.body, pv, env)
        } catch (e) {
          if (!(e instanceof JqError)) throw e
          caught = e
        }
        if (caught !== undefined) for (const x of h.ev(n.handler, caught.value, env)) throw notAPath(x)
      }
      return
    case 'label': {
      const l = new Label()
      try {
        yield* evalPaths(h, n.body, pv, new Map([...env, [`*label*${n.name}`, l]]))
      } catch (e) {
        if (!(e instanceof Break && e.label === l)) throw e
      }
      return
    }
    case 'break':
      yield* h.ev(n, v, env) as Generator<never>
      return
    case 'pipe':
      for (const x of evalPaths(h, n.l, pv, env)) yield* evalPaths(h, n.r, x, env)
      return
    case 'comma':
      yield* evalPaths(h, n.l, pv, env)
      yield* evalPaths(h, n.r, pv, env)
      return
    case 'if':
      for (const c of h.ev(n.cond, v, env)) {
        if (truthy(c)) yield* evalPaths(h, n.then, pv, env)
        else if (n.else === null) yield pv
        else yield* evalPaths(h, n.else, pv, env)
      }
      return
    case 'as':
      // Destructuring alternatives (`?//`) in a path expression use the first that binds.
      for (const x of h.ev(n.source, v, env))
        for (const e2 of h.bindPattern(n.pats[0]!, x, env)) yield* evalPaths(h, n.body, pv, e2)
      return
    case 'reduce':
      for (let acc of evalPaths(h, n.init, pv, env)) {
        for (const x of h.ev(n.source, v, env))
          for (const e2 of h.bindPattern(n.pats[0]!, x, env)) {
            let next: PV | undefined
            for (const o of evalPaths(h, n.update, acc, e2)) next = o
            acc = next ?? [acc[0], null]
          }
        yield acc
      }
      return
    case 'foreach':
      for (let acc of evalPaths(h, n.init, pv, env))
        for (const x of h.ev(n.source, v, env))
          for (const e2 of h.bindPattern(n.pats[0]!, x, env))
            for (const o of evalPaths(h, n.update, acc, e2)) {
              acc = o
              if (n.extract === null) yield o
              else yield* evalPaths(h, n.extract, o, e2)
            }
      return
    case 'def': {
      yield* evalPaths(h, n.rest, pv, h.withDef(n, env))
      return
    }
    case 'call':
      yield* callPaths(h, n.name, n.args, pv, env)
      return
    case 'lit':
      if (n.v === null) return
      break
  }
  for (const x of h.ev(n, v, env)) throw notAPath(x)
}

function* callPaths(h: PathHost, name: string, args: Node[], pv: PV, env: Env): Generator<PV> {
  const [p, v] = pv
  const key = `${name}/${args.length}`
  const user = env.get(key) ?? h.lookup(key)
  if (h.isClosure(user)) {
    for (const [body, e2] of h.bind(user, args, v, env)) yield* evalPaths(h, body, pv, e2)
    return
  }
  const f = args[0]!
  if (name === 'empty' && args.length === 0) return
  if (name === 'select' && args.length === 1) {
    for (const c of h.ev(f, v, env)) if (truthy(c)) yield pv
    return
  }
  if (name === 'recurse' && args.length === 0) {
    yield* evalPaths(h, { t: 'recurse' }, pv, env)
    return
  }
  if (name === 'limit' && args.length === 2) {
    for (const k of h.ev(f, v, env)) {
      let left = typeof k === 'number' ? k : 0
      if (left === 0) continue
      for (const x of evalPaths(h, args[1]!, pv, env)) {
        yield x
        if (--left === 0) break
      }
    }
    return
  }
  if (name === 'recurse' && args.length === 1) {
    const rec = function* (x: PV): Generator<PV> {
      h.tick()
      yield x
      for (const y of evalPaths(h, f, x, env)) yield* rec(y)
    }
    yield* rec(pv)
    return
  }
  if (name === 'first' && args.length === 1) {
    for (const x of evalPaths(h, f, pv, env)) {
      yield x
      return
    }
    return
  }
  if (name === 'last' && args.length === 1) {
    const all = [...evalPaths(h, f, pv, env)]
    if (all.length > 0) yield all[all.length - 1]!
    return
  }
  if (name === 'getpath' && args.length === 1) {
    for (const q of h.ev(f, v, env)) {
      let x: J = null
      try {
        x = getpath(v, q)
      } catch {
        // getpath in a path expression yields the path even where the value cannot be read.
      }
      yield [[...p, ...(Array.isArray(q) ? q : [])], x]
    }
    return
  }
  for (const x of h.call(name, args, v, env)) throw notAPath(x)
}

function* guardPV(opt: boolean, g: Generator<PV>): Generator<PV> {
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
