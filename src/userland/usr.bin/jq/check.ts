/**
 * jq's compile-time checks: every function (builtin or `def`ined, by name and arity), every
 * `$name` and every `@format` is known before any input is read, as jq reports them (`f/1 is not
 * defined`). Walks parse.ts's tree; changes nothing.
 */

import { isFormat } from './format.js'
import { CompileError, type Node } from './parse.js'
import { PLAIN } from './value.js'

/** Builtins by arity beyond value.ts's no-argument ones. */
const BUILTINS: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['paths', 'leaf_paths', 'recurse', 'tojson']),
  new Set([
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
    'path',
    'paths',
    'del',
    'getpath',
    'delpaths',
    'recurse',
    'range',
    'ltrimstr',
    'rtrimstr',
  ]),
  new Set(['test', 'limit', 'setpath', 'range']),
]

export function check(n: Node, vars: ReadonlySet<string>, fns: ReadonlySet<string> = new Set()): void {
  const sub = (x: Node | null, vs = vars, fs = fns): void => {
    if (x !== null) check(x, vs, fs)
  }
  switch (n.t) {
    case 'var':
      if (!vars.has(n.name)) throw new CompileError(`$${n.name} is not defined`)
      return
    case 'call': {
      const a = n.args.length
      const ok =
        fns.has(`${n.name}/${a}`) || (a === 0 && n.name in PLAIN) || (BUILTINS[a]?.has(n.name) ?? false)
      if (!ok) throw new CompileError(`${n.name}/${a} is not defined`)
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
    case 'as':
      sub(n.source)
      sub(n.body, new Set([...vars, n.name]))
      return
    case 'reduce':
    case 'foreach':
      sub(n.source)
      sub(n.init)
      sub(n.update, new Set([...vars, n.name]))
      if (n.t === 'foreach') sub(n.extract, new Set([...vars, n.name]))
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
