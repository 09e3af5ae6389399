/**
 * jq's compile-time checks: every function (builtin or `def`ined, by name and arity), every
 * `$name` and every `@format` is known before any input is read, as jq reports them (`f/1 is not
 * defined`). Walks parse.ts's tree; changes nothing.
 */

import { CompileError, type Node, type Pattern, patternVars } from './ast.js'
import { NATIVE } from './builtins/core.js'
import { preludeDefs } from './builtins/prelude.js'
import { isFormat } from './format.js'
import { PLAIN } from './value.js'

/** The `(f)` keys of an object pattern, checked where the pattern is. */
function patternKeys(p: Pattern, vars: ReadonlySet<string>, fns: ReadonlySet<string>): void {
  if (p.p === 'array') for (const e of p.elems) patternKeys(e, vars, fns)
  else if (p.p === 'object')
    for (const e of p.entries) {
      walk(e.key, vars, fns)
      if (e.pat !== null) patternKeys(e.pat, vars, fns)
    }
}

/** Every builtin's `name/arity`: the native tables, value.ts's no-argument ones, the prelude. */
function builtins(): ReadonlySet<string> {
  return new Set([
    ...Object.keys(NATIVE),
    ...Object.keys(PLAIN).map((k) => `${k}/0`),
    ...preludeDefs().map((d) => `${d.name}/${d.params.length}`),
  ])
}

/**
 * Checks n against vars (the `$names` given) and fns (functions `def`ined around it); labels are
 * checked as `*label*name` variables. Throws CompileError; returns nothing.
 */
export function check(n: Node, vars: ReadonlySet<string>, fns?: ReadonlySet<string>): void {
  walk(n, vars, fns ?? builtins())
}

function walk(n: Node, vars: ReadonlySet<string>, fns: ReadonlySet<string>): void {
  const sub = (x: Node | null, vs = vars, fs = fns): void => {
    if (x !== null) walk(x, vs, fs)
  }
  switch (n.t) {
    case 'var':
      if (!vars.has(n.name)) throw new CompileError(`$${n.name} is not defined`)
      return
    case 'call': {
      const a = n.args.length
      if (!fns.has(`${n.name}/${a}`)) throw new CompileError(`${n.name}/${a} is not defined`)
      for (const x of n.args) sub(x)
      return
    }
    case 'def': {
      const self = `${n.name}/${n.params.length}`
      const inner = new Set([...fns, self])
      const innerVars = new Set(vars)
      for (const p of n.params) {
        if (p.startsWith('$')) {
          innerVars.add(p.slice(1))
          inner.add(`${p.slice(1)}/0`)
        } else inner.add(`${p}/0`)
      }
      sub(n.body, innerVars, inner)
      sub(n.rest, vars, new Set([...fns, self]))
      return
    }
    case 'as': {
      sub(n.source)
      const inner = new Set(vars)
      for (const p of n.pats) patternKeys(p, vars, fns)
      for (const p of n.pats) for (const v of patternVars(p)) inner.add(v)
      sub(n.body, inner)
      return
    }
    case 'reduce':
    case 'foreach': {
      sub(n.source)
      sub(n.init)
      const inner = new Set(vars)
      for (const p of n.pats) patternKeys(p, vars, fns)
      for (const p of n.pats) for (const v of patternVars(p)) inner.add(v)
      sub(n.update, inner)
      if (n.t === 'foreach') sub(n.extract, inner)
      return
    }
    case 'label':
      sub(n.body, new Set([...vars, `*label*${n.name}`]))
      return
    case 'break':
      if (!vars.has(`*label*${n.name}`)) throw new CompileError(`$*label-${n.name} is not defined`)
      return
    case 'interp':
      if (n.fmt !== null && !isFormat(n.fmt)) throw new CompileError(`${n.fmt} is not a valid format`)
      for (const p of n.parts) if (typeof p !== 'string') sub(p)
      return
    case 'format':
      if (!isFormat(n.name)) throw new CompileError(`${n.name} is not a valid format`)
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
      sub(n.handler)
      return
    case 'pipe':
    case 'comma':
    case 'bin':
    case 'assign':
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
