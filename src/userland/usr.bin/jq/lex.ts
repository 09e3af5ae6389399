/**
 * jq's lexer: a filter's text into tokens (numbers, strings with their `\(…)` parts, `@format`s,
 * identifiers, `$names`, `.fields`, operators). Knows nothing of the grammar; a bad character or
 * escape is a CompileError with jq's wording.
 */

import { CompileError } from './ast.js'

export type Tok =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  /** A string with `\(…)` in it: literal parts and the source of each interpolated filter. */
  | { k: 'istr'; parts: Array<string | { src: string }> }
  | { k: 'format'; v: string }
  | { k: 'id'; v: string }
  | { k: 'var'; v: string }
  | { k: 'op'; v: string }
  | { k: 'field'; v: string }
  /** `$__loc__`, with the line it is on. */
  | { k: 'loc'; line: number }
  | { k: 'end' }

const OPS: readonly string[] = [
  '?//',
  '//=',
  '|=',
  '==',
  '!=',
  '<=',
  '>=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '//',
  '..',
  '|',
  ',',
  '.',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  ':',
  ';',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '?',
  '=',
]

/** The assignment operators: nonassociative, between `//` and `or` (jq's yacc precedence). */
export const ASSIGN: readonly string[] = ['=', '|=', '+=', '-=', '*=', '/=', '%=', '//=']

/** The end of the `\(…)` whose `(` is at i: parentheses balanced, strings inside skipped. */
function interpEnd(src: string, i: number): number {
  let depth = 0
  for (let j = i; j < src.length; j++) {
    const c = src[j]
    if (c === '"') {
      j = readString(src, j).end - 1
      continue
    }
    if (c === '(') depth++
    else if (c === ')' && --depth === 0) return j
  }
  throw new CompileError('syntax error, unterminated string interpolation')
}

function readString(src: string, i: number): { parts: Array<string | { src: string }>; end: number } {
  const parts: Array<string | { src: string }> = []
  let v = ''
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j]
    if (c === '"') {
      parts.push(v)
      return { parts, end: j + 1 }
    }
    if (c !== '\\') {
      v += c
      continue
    }
    const e = src[++j]
    if (e === 'u') {
      const h = src.slice(j + 1, j + 5)
      if (!/^[0-9a-fA-F]{4}$/.test(h)) throw new CompileError('syntax error, invalid \\u escape')
      v += String.fromCharCode(Number.parseInt(h, 16))
      j += 4
    } else if (e === '(') {
      const end = interpEnd(src, j)
      parts.push(v, { src: src.slice(j + 1, end) })
      v = ''
      j = end
    } else {
      const m: Record<string, string> = {
        n: '\n',
        t: '\t',
        r: '\r',
        b: '\b',
        f: '\f',
        '"': '"',
        '\\': '\\',
        '/': '/',
      }
      if (e === undefined || m[e] === undefined)
        throw new CompileError(`invalid escape at line 1, column ${j}`)
      v += m[e]
    }
  }
  throw new CompileError('syntax error, unterminated string')
}

export function lex(src: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  let line = 1
  let counted = 0
  while (i < src.length) {
    for (; counted < i; counted++) if (src.charCodeAt(counted) === 10) line++
    const c = src[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++
      continue
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i))
    if (num !== null && !(c === '.' && !/\d/.test(src[i + 1] ?? ''))) {
      out.push({ k: 'num', v: Number(num[0]) })
      i += num[0].length
      continue
    }
    if (c === '"') {
      const s = readString(src, i)
      if (s.parts.length === 1) out.push({ k: 'str', v: s.parts[0] as string })
      else out.push({ k: 'istr', parts: s.parts })
      i = s.end
      continue
    }
    if (c === '@') {
      const f = /^@([a-zA-Z0-9_]+)/.exec(src.slice(i))
      if (f === null) throw new CompileError('syntax error, unexpected INVALID_CHARACTER')
      out.push({ k: 'format', v: f[1] })
      i += f[0].length
      continue
    }
    const id = /^([a-zA-Z_][a-zA-Z0-9_]*(::[a-zA-Z_][a-zA-Z0-9_]*)*)/.exec(
      src.slice(i + (c === '$' || c === '.' ? 1 : 0)),
    )
    if ((c === '$' || c === '.') && id !== null) {
      if (c === '$' && id[1] === '__loc__') out.push({ k: 'loc', line })
      else out.push({ k: c === '$' ? 'var' : 'field', v: id[1] })
      i += 1 + id[1].length
      continue
    }
    if (id !== null) {
      out.push({ k: 'id', v: id[1] })
      i += id[1].length
      continue
    }
    const op = OPS.find((o) => src.startsWith(o, i))
    if (op === undefined) throw new CompileError(`syntax error, unexpected INVALID_CHARACTER`)
    out.push({ k: 'op', v: op })
    i += op.length
  }
  out.push({ k: 'end' })
  return out
}
