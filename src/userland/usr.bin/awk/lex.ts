/**
 * awk(1)'s lexer: tokens, with awk's rule that `/` starts a regular expression only where an
 * operand may start, and string escapes decoded. Newlines are tokens; the parser drops those that
 * do not end a statement (after `{`, `&&`, `||`, `,`, `;`, `do`, `else`). Pure.
 */

export class AwkSyntaxError extends Error {}

const KEYWORDS: ReadonlySet<string> = new Set([
  'BEGIN',
  'END',
  'function',
  'func',
  'if',
  'else',
  'while',
  'for',
  'do',
  'break',
  'continue',
  'next',
  'nextfile',
  'exit',
  'return',
  'delete',
  'in',
  'getline',
  'print',
  'printf',
])

export type Tok =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 're'; v: string }
  | { t: 'name'; v: string; call: boolean }
  | { t: 'kw'; v: string }
  | { t: 'op'; v: string }
  | { t: 'nl' }
  | { t: 'eof' }

const OPS: readonly string[] = [
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '^=',
  '**=',
  '**',
  '==',
  '<=',
  '>=',
  '!=',
  '++',
  '--',
  '&&',
  '||',
  '>>',
  '!~',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '!',
  '>',
  '<',
  '|',
  '?',
  ':',
  '~',
  '$',
  '=',
]

const STR_ESC: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  '/': '/',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
}

export function lex(src: string): Tok[] {
  const toks: Tok[] = []
  let i = 0
  // A `/` starts a regex unless the token before it ends an operand.
  const operandEnd = (): boolean => {
    const p = toks[toks.length - 1]
    if (!p) return false
    if (p.t === 'num' || p.t === 'str' || p.t === 're' || (p.t === 'name' && !p.call)) return true
    if (p.t === 'kw') return p.v === 'getline'
    return p.t === 'op' && (p.v === ')' || p.v === ']' || p.v === '$' || p.v === '++' || p.v === '--')
  }
  while (i < src.length) {
    const c = src[i]!
    if (c === ' ' || c === '\t' || c === '\r') {
      i++
    } else if (c === '\\' && src[i + 1] === '\n') {
      i += 2
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++
    } else if (c === '\n') {
      toks.push({ t: 'nl' })
      i++
    } else if (c === '"') {
      let s = ''
      i++
      for (;;) {
        if (i >= src.length || src[i] === '\n') throw new AwkSyntaxError('non-terminated string')
        const d = src[i]!
        if (d === '"') break
        if (d === '\\' && i + 1 < src.length) {
          const e = src[i + 1]!
          const oct = /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4))
          if (oct) {
            s += String.fromCharCode(Number.parseInt(oct[0], 8))
            i += 1 + oct[0].length
          } else {
            s += STR_ESC[e] ?? `\\${e}`
            i += 2
          }
        } else {
          s += d
          i++
        }
      }
      i++
      toks.push({ t: 'str', v: s })
    } else if (c === '/' && !operandEnd()) {
      let s = ''
      let inBracket = false
      i++
      for (;;) {
        if (i >= src.length || src[i] === '\n') throw new AwkSyntaxError('non-terminated regular expression')
        const d = src[i]!
        if (d === '/' && !inBracket) break
        if (d === '[') inBracket = true
        else if (d === ']') inBracket = false
        if (d === '\\' && src[i + 1] === '/') {
          s += '/'
          i += 2
          continue
        }
        if (d === '\\' && i + 1 < src.length) {
          s += d + src[i + 1]
          i += 2
          continue
        }
        s += d
        i++
      }
      i++
      toks.push({ t: 're', v: s })
    } else if (/[0-9.]/.test(c) && /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.test(src.slice(i))) {
      const m = /^(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)/.exec(src.slice(i))!
      toks.push({ t: 'num', v: Number(m[0]) })
      i += m[0].length
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!
      i += m[0].length
      if (KEYWORDS.has(m[0])) toks.push({ t: 'kw', v: m[0] === 'func' ? 'function' : m[0] })
      else toks.push({ t: 'name', v: m[0], call: src[i] === '(' })
    } else {
      const op = OPS.find((o) => src.startsWith(o, i))
      if (op === undefined) throw new AwkSyntaxError(`syntax error at source line 1: unexpected '${c}'`)
      toks.push({ t: 'op', v: op === '**' ? '^' : op === '**=' ? '^=' : op })
      i += op.length
    }
  }
  toks.push({ t: 'eof' })
  return toks
}

/** Tokens after which a newline does not end the statement. */
export function continues(t: Tok | undefined): boolean {
  if (!t) return false
  if (t.t === 'op') return ['{', '&&', '||', ',', ';'].includes(t.v)
  return t.t === 'kw' && (t.v === 'do' || t.v === 'else')
}
