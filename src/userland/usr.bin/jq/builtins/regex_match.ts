/**
 * jq's regular expressions, which are Oniguruma's "Perl NT" syntax, run on JavaScript's RegExp:
 * jq's flags (g i x n s p m; l, longest match, is refused) checked and the pattern translated by
 * regex_translate.ts, what JavaScript cannot match the same way refused with jq's "is not a valid
 * regex" error rather than run differently. Matches come out as jq's match objects, offsets and
 * lengths in code points. Pure functions; failures are JqError.
 */

import { type J, JqError, kind, show } from '../value.js'
import { translate, Unsupported } from './regex_translate.js'

/** A translated pattern: the RegExp and each capturing group's name (null when unnamed). */
export interface Compiled {
  re: RegExp
  names: ReadonlyArray<string | null>
  global: boolean
  /** The n flag: empty matches are dropped. */
  skipEmpty: boolean
}

/** jq's regex and flags as a RegExp, or jq's error for a bad flag or pattern. */
export function compile(re: J, flags: J): Compiled {
  if (typeof re !== 'string')
    throw new JqError(`${kind(re)} (${show(re)}) cannot be matched, as it is not a string`)
  if (flags !== null && typeof flags !== 'string')
    throw new JqError(`${kind(flags)} (${show(flags)}) is not a string`)
  const f = flags ?? ''
  for (const c of f) if (!'gixnpslm'.includes(c)) throw new JqError(`${f} is not a valid modifier string`)
  if (f.includes('l'))
    throw new JqError(`${re} (at offset 0) is not a valid regex: the l flag (longest match) is not supported`)
  try {
    const t = translate(re, {
      ci: f.includes('i'),
      dotAll: f.includes('m') || f.includes('p'),
      multiline: false,
      extended: f.includes('x'),
    })
    const js = new RegExp(t.out, 'gdu')
    return { re: js, names: t.names, global: f.includes('g'), skipEmpty: f.includes('n') }
  } catch (e) {
    if (!(e instanceof Error) || !(e instanceof Unsupported || e instanceof SyntaxError)) throw e
    const why = e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')
    throw new JqError(`${re} (at offset 0) is not a valid regex: ${why}`)
  }
}

/** UTF-16 index → code-point offset, moving from the last index asked (either way) so a run of matches costs one pass. */
export function cpCounter(s: string): (i: number) => number {
  let at = 0
  let cp = 0
  const low = (k: number): boolean => {
    const c = s.charCodeAt(k)
    const p = s.charCodeAt(k - 1)
    return c >= 0xdc00 && c <= 0xdfff && k > 0 && p >= 0xd800 && p <= 0xdbff
  }
  return (i: number): number => {
    for (; at < i; at++) if (!low(at)) cp++
    for (; at > i; at--) if (!low(at - 1)) cp--
    return cp
  }
}

/** The raw matches of c in s: every one with g, else the first (n drops the empty ones). */
export function* execAll(c: Compiled, s: string): Generator<RegExpExecArray> {
  c.re.lastIndex = 0
  for (;;) {
    const m = c.re.exec(s)
    if (m === null) return
    if (m[0] === '') c.re.lastIndex += s.codePointAt(m.index)! > 0xffff ? 2 : 1
    if (m[0] !== '' || !c.skipEmpty) {
      yield m
      if (!c.global) return
    }
    if (c.re.lastIndex > s.length) return
  }
}

/** jq's match object: offset, length and string of the match and of each capture. */
export function matchObject(
  c: Compiled,
  m: RegExpExecArray,
  s: string,
  cp: (i: number) => number = cpCounter(s),
): J {
  const span = (from: number, to: number): [number, number] => {
    const a = cp(from)
    return [a, cp(to) - a]
  }
  const [off, len] = span(m.index, m.index + m[0].length)
  const caps: J[] = c.names.map((name, k) => {
    const at = m.indices?.[k + 1]
    if (at === undefined)
      return new Map<string, J>([
        ['offset', -1],
        ['length', 0],
        ['string', null],
        ['name', name],
      ])
    const [o, l] = span(at[0], at[1])
    return new Map<string, J>([
      ['offset', o],
      ['length', l],
      ['string', m[k + 1]!],
      ['name', name],
    ])
  })
  return new Map<string, J>([
    ['offset', off],
    ['length', len],
    ['string', m[0]],
    ['captures', caps],
  ])
}
