/**
 * jq's regular expressions, which are Oniguruma's "Perl NT" syntax, run on JavaScript's RegExp:
 * a pattern is translated construct by construct (`$` is Perl's end-or-before-final-newline, `.`
 * stops at newlines unless the m flag, `\h` is a hex digit, `\A`/`\Z`/`\z`, POSIX brackets, the x
 * flag's spaces and comments), and what JavaScript cannot do the same way (atomic groups,
 * possessive quantifiers, subexpression calls, inline options past the start, the l flag) is
 * refused with jq's "is not a valid regex" error rather than run differently. Matches come out as
 * jq's match objects, offsets and lengths in code points. Pure functions; failures are JqError.
 */

import { type J, JqError, kind, show } from './value.js'

/** A translated pattern: the RegExp and each capturing group's name (null when unnamed). */
export interface Compiled {
  re: RegExp
  names: ReadonlyArray<string | null>
  global: boolean
  /** The n flag: empty matches are dropped. */
  skipEmpty: boolean
}

const POSIX: Readonly<Record<string, string>> = {
  alpha: '\\p{Alphabetic}',
  digit: '0-9',
  alnum: '\\p{Alphabetic}\\p{Nd}',
  upper: '\\p{Uppercase}',
  lower: '\\p{Lowercase}',
  space: '\\s',
  blank: ' \\t',
  punct: '\\p{P}\\p{S}',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  cntrl: '\\p{Cc}',
  ascii: '\\x00-\\x7f',
  print: '\\P{C}',
  graph: '\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}',
}

const SYNTAX = '^$\\.*+?()[]{}|/'
const SIMPLE_ESC: Readonly<Record<string, string>> = {
  d: '\\d',
  D: '\\D',
  w: '\\w',
  W: '\\W',
  s: '\\s',
  S: '\\S',
  n: '\\n',
  t: '\\t',
  r: '\\r',
  f: '\\f',
  v: '\\v',
  e: '\\x1b',
  a: '\\x07',
}

class Unsupported extends Error {}

/** One Oniguruma pattern as a JavaScript one (for the `u` flag), with its group names. */
function translate(
  src: string,
  flags: { dotAll: boolean; extended: boolean },
): { out: string; names: Array<string | null>; ci: boolean } {
  const names: Array<string | null> = []
  let out = ''
  let ci = false
  let i = 0
  // `(?i)` opening the pattern is the whole pattern case-insensitive; anywhere else JavaScript
  // (before ES2025's modifiers) has no way to say it.
  const lead = /^\(\?i\)/.exec(src)
  if (lead !== null) {
    ci = true
    i = lead[0].length
  }
  const escape = (inClass: boolean): string => {
    const c = src[i + 1]
    if (c === undefined) throw new Unsupported('end pattern at escape')
    i += 2
    if (SIMPLE_ESC[c] !== undefined) return SIMPLE_ESC[c]!
    if (c === 'h') return inClass ? '0-9a-fA-F' : '[0-9a-fA-F]'
    if (c === 'H') {
      if (inClass) throw new Unsupported('\\H in a character class')
      return '[^0-9a-fA-F]'
    }
    if (!inClass && (c === 'b' || c === 'B')) return `\\${c}`
    if (!inClass && c === 'A') return '^'
    if (!inClass && c === 'z') return '$'
    if (!inClass && c === 'Z') return '(?=\\n?$)'
    if (/[1-9]/.test(c) && !inClass) {
      const d = /^\d+/.exec(src.slice(i - 1))![0]
      i += d.length - 1
      return `\\${d}`
    }
    if (c === 'x') {
      const m = /^\{([0-9a-fA-F]{1,8})\}|^[0-9a-fA-F]{1,2}/.exec(src.slice(i))
      if (m === null) throw new Unsupported('invalid code point value')
      i += m[0].length
      return `\\u{${m[1] ?? m[0]}}`
    }
    if (c === 'u') {
      const m = /^[0-9a-fA-F]{4}/.exec(src.slice(i))
      if (m === null) throw new Unsupported('invalid Unicode escape')
      i += 4
      return `\\u{${m[0]}}`
    }
    if (c === '0') {
      const m = /^[0-7]{0,2}/.exec(src.slice(i))!
      i += m[0].length
      return `\\u{${Number.parseInt(`0${m[0]}`, 8).toString(16)}}`
    }
    if (c === 'p' || c === 'P') {
      const m = /^\{\^?[A-Za-z_]+\}/.exec(src.slice(i))
      if (m === null) throw new Unsupported('invalid character property name')
      i += m[0].length
      const neg = m[0][1] === '^'
      return `\\${neg === (c === 'p') ? 'P' : 'p'}{${m[0].slice(neg ? 2 : 1, -1)}}`
    }
    if (c === 'k' && !inClass) {
      const m = /^<([A-Za-z_]\w*)>/.exec(src.slice(i))
      if (m === null) throw new Unsupported('invalid backref')
      i += m[0].length
      return `\\k<${m[1]}>`
    }
    if (/[A-Za-z0-9]/.test(c)) throw new Unsupported(`\\${c} is not supported`)
    return SYNTAX.includes(c) || (inClass && c === '-') ? `\\${c}` : c
  }

  while (i < src.length) {
    const c = src[i]!
    if (flags.extended && /\s/.test(c)) {
      i++
      continue
    }
    if (flags.extended && c === '#') {
      while (i < src.length && src[i] !== '\n') i++
      continue
    }
    if (c === '\\') {
      if (src[i + 1] === 'Q') {
        const end = src.indexOf('\\E', i + 2)
        const lit = src.slice(i + 2, end < 0 ? src.length : end)
        out += lit.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
        i = end < 0 ? src.length : end + 2
        continue
      }
      out += escape(false)
    } else if (c === '.') {
      out += flags.dotAll ? '[^]' : '[^\\n]'
      i++
    } else if (c === '$') {
      out += '(?=\\n?$)'
      i++
    } else if (c === '(') {
      const rest = src.slice(i)
      const named = /^\(\?(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest)
      if (rest.startsWith('(?#')) {
        const end = src.indexOf(')', i)
        if (end < 0) throw new Unsupported('end pattern in group')
        i = end + 1
        continue
      }
      if (named !== null) {
        names.push(named[1] ?? named[2]!)
        out += `(?<${named[1] ?? named[2]}>`
        i += named[0].length
      } else if (/^\(\?(?::|=|!|<=|<!)/.test(rest)) {
        const m = /^\(\?(?::|=|!|<=|<!)/.exec(rest)!
        out += m[0]
        i += m[0].length
      } else if (rest.startsWith('(?')) {
        throw new Unsupported(`${/^\(\?[^)]*\)?/.exec(rest)![0]} is not supported`)
      } else {
        names.push(null)
        out += '('
        i++
      }
    } else if (c === '[') {
      out += charClass()
    } else if (c === '{') {
      const q = /^\{(\d*)(,(\d*))?\}/.exec(src.slice(i))
      if (q !== null && (q[1] !== '' || (q[3] ?? '') !== '')) {
        out += `{${q[1] === '' ? '0' : q[1]}${q[2] ?? ''}}`
        i += q[0].length
        if (src[i] === '+') throw new Unsupported('possessive quantifiers are not supported')
      } else {
        out += '\\{'
        i++
      }
    } else if (c === '}' || c === ']') {
      out += `\\${c}`
      i++
    } else if ((c === '*' || c === '+' || c === '?') && src[i + 1] === '+') {
      throw new Unsupported('possessive quantifiers are not supported')
    } else {
      out += c
      i++
    }
  }
  return { out, names, ci }

  function charClass(): string {
    let o = '['
    i++
    if (src[i] === '^') {
      o += '^'
      i++
    }
    let first = true
    for (;;) {
      const c = src[i]
      if (c === undefined) throw new Unsupported('premature end of char-class')
      if (c === ']' && !first) {
        i++
        return `${o}]`
      }
      first = false
      if (c === '[') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i))
        if (m === null || POSIX[m[2]!] === undefined || m[1] === '^')
          throw new Unsupported('nested character classes are not supported')
        o += POSIX[m[2]!]
        i += m[0].length
      } else if (c === '&' && src[i + 1] === '&') {
        throw new Unsupported('character class intersection is not supported')
      } else if (c === '\\') o += escape(true)
      else {
        o += c === ']' || c === '/' ? `\\${c}` : c
        i++
      }
    }
  }
}

/** jq's regex and flags as a RegExp, or jq's error for a bad flag or pattern. */
export function compile(re: J, flags: J): Compiled {
  if (typeof re !== 'string') throw new JqError(`${kind(re)} (${show(re)}) cannot be matched, as it is not a string`)
  if (flags !== null && typeof flags !== 'string') throw new JqError(`${kind(flags)} (${show(flags)}) is not a string`)
  const f = flags ?? ''
  for (const c of f)
    if (!'gixnpslm'.includes(c)) throw new JqError(`${f} is not a valid modifier string`)
  if (f.includes('l'))
    throw new JqError(`${re} (at offset 0) is not a valid regex: the l flag (longest match) is not supported`)
  try {
    const t = translate(re, { dotAll: f.includes('m') || f.includes('p'), extended: f.includes('x') })
    const js = new RegExp(t.out, `gdu${f.includes('i') || t.ci ? 'i' : ''}`)
    return { re: js, names: t.names, global: f.includes('g'), skipEmpty: f.includes('n') }
  } catch (e) {
    if (!(e instanceof Error) || !(e instanceof Unsupported || e instanceof SyntaxError)) throw e
    const why = e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')
    throw new JqError(`${re} (at offset 0) is not a valid regex: ${why}`)
  }
}

/** The code-point offset of each UTF-16 index asked for, counting forward from the last asked. */
function cpCounter(s: string): (i: number) => number {
  let at = 0
  let cp = 0
  return (i: number): number => {
    if (i < at) {
      at = 0
      cp = 0
    }
    for (; at < i; at++) {
      const c = s.charCodeAt(at)
      if (!(c >= 0xdc00 && c <= 0xdfff && at > 0 && s.charCodeAt(at - 1) >= 0xd800 && s.charCodeAt(at - 1) <= 0xdbff)) cp++
    }
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
export function matchObject(c: Compiled, m: RegExpExecArray, s: string): J {
  const cp = cpCounter(s)
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
