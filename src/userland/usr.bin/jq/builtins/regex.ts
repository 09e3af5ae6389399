/**
 * jq's regex builtins — test, match, capture, scan, split/2, splits, sub, gsub — on regex_match.ts's
 * translated patterns, with jq 1.7's argument forms (`f(re)`, `f(re; flags)`, `f([re, flags])`)
 * and outputs (sub/gsub with a stream of replacements give one string per replacement, as jq
 * 1.7.1's definitions do). Failures are JqError.
 */

import type { Node } from '../ast.js'
import type { Env, Evaluator } from '../eval.js'
import { arith, type J, JqError, kind, show } from '../value.js'
import type { Builtin } from './core.js'
import { type Compiled, compile, cpCounter, execAll, matchObject } from './regex_match.js'

function input(v: J): string {
  if (typeof v !== 'string')
    throw new JqError(`${kind(v)} (${show(v)}) cannot be matched, as it is not a string`)
  return v
}

/** The compiled regex of each (re, flags) the arguments produce; extra flags (scan's g) added. */
function* regexes(ev: Evaluator, args: Node[], v: J, env: Env, extra = ''): Generator<Compiled> {
  if (args.length === 1) {
    for (const a of ev.ev(args[0]!, v, env)) {
      if (typeof a === 'string') yield compile(a, extra === '' ? null : extra)
      else if (Array.isArray(a) && a.length > 0) {
        const f = a[1] ?? null
        yield compile(a[0]!, typeof f === 'string' ? f + extra : extra === '' ? f : extra)
      } else throw new JqError(`${kind(a)} not a string or array`)
    }
    return
  }
  for (const f of ev.ev(args[1]!, v, env))
    for (const re of ev.ev(args[0]!, v, env))
      yield compile(re, typeof f === 'string' ? f + extra : f === null ? (extra === '' ? null : extra) : f)
}

function* matches(ev: Evaluator, args: Node[], v: J, env: Env, extra = ''): Generator<J> {
  const s = input(v)
  for (const c of regexes(ev, args, v, env, extra)) {
    const cp = cpCounter(s)
    for (const m of execAll(c, s)) yield matchObject(c, m, s, cp)
  }
}

function captureObject(m: J): Map<string, J> {
  const out = new Map<string, J>()
  for (const c of (m as Map<string, J>).get('captures') as Map<string, J>[]) {
    const name = c.get('name')
    if (typeof name === 'string') out.set(name, c.get('string') ?? null)
  }
  return out
}

function* scan(ev: Evaluator, args: Node[], v: J, env: Env): Generator<J> {
  for (const m of matches(ev, args, v, env, 'g')) {
    const mm = m as Map<string, J>
    const caps = mm.get('captures') as Map<string, J>[]
    yield caps.length > 0 ? caps.map((c) => c.get('string') ?? null) : (mm.get('string') ?? null)
  }
}

/** The pieces of the input between the matches (code-point offsets, as match gives them). */
function* splits(ev: Evaluator, args: Node[], v: J, env: Env): Generator<J> {
  const s = input(v)
  const cps = [...s]
  for (const c of regexes(ev, args, v, env, 'g')) {
    let prev = 0
    const cp = cpCounter(s)
    for (const m of execAll(c, s)) {
      const o = matchObject(c, m, s, cp) as Map<string, J>
      const off = o.get('offset') as number
      yield cps.slice(prev, off).join('')
      prev = off + (o.get('length') as number)
    }
    yield cps.slice(prev).join('')
  }
}

/**
 * sub/gsub: the text between matches kept, each match replaced by the replacement filter's
 * outputs on its named captures; the k-th output of every match goes into the k-th result.
 */
function* sub(ev: Evaluator, args: Node[], v: J, env: Env, g: boolean): Generator<J> {
  const s = input(v)
  const cps = [...s]
  const flagsList: J[] = args.length === 3 ? ev.all(args[2]!, v, env) : [null]
  for (const fl of flagsList)
    for (const re of ev.ev(args[0]!, v, env)) {
      const c = compile(re, typeof fl === 'string' ? fl + (g ? 'g' : '') : g ? 'g' : fl)
      const results: J[] = []
      let prev = 0
      let any = false
      const cp = cpCounter(s)
      for (const m of execAll(c, s)) {
        any = true
        const o = matchObject(c, m, s, cp) as Map<string, J>
        const off = o.get('offset') as number
        const gap = cps.slice(prev, off).join('')
        const inserts = ev.all(args[1]!, captureObject(o), env)
        for (let k = 0; k < inserts.length; k++)
          results[k] = arith('+', results[k] ?? null, arith('+', gap, inserts[k]!))
        prev = off + (o.get('length') as number)
      }
      const tail = cps.slice(prev).join('')
      if (!any || results.length === 0) yield s
      else for (const r of results) yield arith('+', r, tail)
    }
}

function* test(ev: Evaluator, args: Node[], v: J, env: Env): Generator<J> {
  const s = input(v)
  for (const c of regexes(ev, args, v, env)) yield !execAll(c, s).next().done
}

function* capture(ev: Evaluator, args: Node[], v: J, env: Env): Generator<J> {
  for (const m of matches(ev, args, v, env)) yield captureObject(m)
}

const match: Builtin = (ev, args, v, env) => matches(ev, args, v, env)
const subOnce: Builtin = (ev, args, v, env) => sub(ev, args, v, env, false)
const subAll: Builtin = (ev, args, v, env) => sub(ev, args, v, env, true)

/** By `name/arity`; the two-argument forms are (regex; flags). */
export const REGEX_BUILTINS: Readonly<Record<string, Builtin>> = {
  'test/1': test,
  'test/2': test,
  'match/1': match,
  'match/2': match,
  'capture/1': capture,
  'capture/2': capture,
  'scan/1': scan,
  'scan/2': scan,
  'splits/1': splits,
  'splits/2': splits,
  'split/2': (ev, args, v, env) => [[...splits(ev, args, v, env)]],
  'sub/2': subOnce,
  'sub/3': subOnce,
  'gsub/2': subAll,
  'gsub/3': subAll,
}
