/**
 * Shell pattern matching (fnmatch-style `*`, `?`, `[...]`) for `case` and `${var%pat}` trimming.
 * A backslash makes the next character literal; the expander escapes quoted characters that way.
 * There is no pathname expansion (the shell has no filesystem to glob against).
 */

const CLASSES: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? '\\' + c : c
}

/** Translates a bracket expression starting at pat[i] === '['; null if it is not closed. */
function bracket(pat: string, i: number): { re: string; end: number } | null {
  let j = i + 1
  let neg = false
  if (pat[j] === '!' || pat[j] === '^') {
    neg = true
    j++
  }
  let body = ''
  let first = true
  // The last single character added (a range may start with it) and where it starts in body.
  let prev: { c: string; at: number } | undefined
  while (j < pat.length) {
    const c = pat[j]
    if (c === ']' && !first)
      return { re: body ? (neg ? '[^' : '[') + body + ']' : neg ? '[\\s\\S]' : '[]', end: j + 1 }
    first = false
    if (c === '[' && pat[j + 1] === ':') {
      const close = pat.indexOf(':]', j + 2)
      const cls = close > 0 ? CLASSES[pat.slice(j + 2, close)] : undefined
      if (cls !== undefined) {
        body += cls
        prev = undefined
        j = close + 2
        continue
      }
    }
    // A '-' between two characters is a range; anywhere else it is literal.
    if (c === '-' && prev && j + 1 < pat.length && pat[j + 1] !== ']') {
      const esc = pat[j + 1] === '\\' && j + 2 < pat.length
      const hi = esc ? pat[j + 2] : pat[j + 1]
      // A reversed range (`[z-a]`) matches nothing, as in fnmatch(3); a RegExp would throw.
      body = body.slice(0, prev.at) + (prev.c <= hi ? escapeRe(prev.c) + '-' + escapeRe(hi) : '')
      prev = undefined
      j += esc ? 3 : 2
      continue
    }
    const lit = c === '\\' && j + 1 < pat.length ? pat[++j] : c
    prev = { c: lit, at: body.length }
    body += escapeRe(lit)
    j++
  }
  return null
}

/** The regular-expression source for a shell pattern (unanchored). */
export function patternSource(pat: string): string {
  let re = ''
  for (let i = 0; i < pat.length; ) {
    const c = pat[i]
    if (c === '\\') {
      re += i + 1 < pat.length ? escapeRe(pat[i + 1]) : '\\\\'
      i += 2
    } else if (c === '*') {
      re += '[\\s\\S]*'
      i++
    } else if (c === '?') {
      re += '[\\s\\S]'
      i++
    } else if (c === '[') {
      const b = bracket(pat, i)
      re += b ? b.re : '\\['
      i = b ? b.end : i + 1
    } else {
      re += escapeRe(c)
      i++
    }
  }
  return re
}

function compile(pat: string): RegExp {
  return new RegExp('^(?:' + patternSource(pat) + ')$')
}

/** Whether the whole of s matches the shell pattern. */
export function matchPattern(pat: string, s: string): boolean {
  return compile(pat).test(s)
}

export type TrimOp = '%' | '%%' | '#' | '##'

/** `${v%pat}` (shortest suffix), `%%` (longest suffix), `#` (shortest prefix), `##` (longest prefix). */
export function trimPattern(v: string, pat: string, op: TrimOp): string {
  const re = compile(pat)
  const n = v.length
  switch (op) {
    case '%':
      for (let i = n; i >= 0; i--) if (re.test(v.slice(i))) return v.slice(0, i)
      break
    case '%%':
      for (let i = 0; i <= n; i++) if (re.test(v.slice(i))) return v.slice(0, i)
      break
    case '#':
      for (let i = 0; i <= n; i++) if (re.test(v.slice(0, i))) return v.slice(i)
      break
    case '##':
      for (let i = n; i >= 0; i--) if (re.test(v.slice(0, i))) return v.slice(i)
      break
  }
  return v
}

/** Escapes s so it matches itself literally as a pattern. */
export function quotePattern(s: string): string {
  return s.replace(/[\\*?[\]]/g, '\\$&')
}
