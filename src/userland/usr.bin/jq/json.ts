/**
 * JSON text in and out the way jq 1.6 does it: a stream of concatenated values read one by one
 * (with the line each ends on, for error messages), objects kept in key order, and output either
 * pretty (2-space indent) or compact, numbers in jq's shortest-digits format. Pure functions.
 */

import type { J } from './eval.js'

export class JsonParseError extends Error {}

/** Reads the values of a text one at a time; `line` is jq's `<stdin>:N` for the last one read. */
export class JsonStream {
  private i = 0
  line = 0
  constructor(private readonly s: string) {}

  /** The next value, or undefined at the end of the text. */
  next(): J | undefined {
    this.ws()
    if (this.i >= this.s.length) return undefined
    const v = this.value(0)
    // jq feeds its parser a line at a time and counts the lines fed: the value's line is counted
    // once its newline is there, and a last line without one is not.
    const nl = this.s.indexOf('\n', this.i)
    const end = nl < 0 ? this.s.length : nl + 1
    if (end > this.seen) {
      this.line += count(this.s, this.seen, end)
      this.seen = end
    }
    return v
  }
  private seen = 0

  private fail(what: string, eof = this.i >= this.s.length): never {
    if (eof) what = 'Unfinished JSON term at EOF'
    const before = this.s.slice(0, this.i)
    const line = count(before, 0, before.length) + 1
    throw new JsonParseError(`${what} at line ${line}, column ${this.i - before.lastIndexOf('\n') - 1}`)
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i])) this.i++
  }

  private value(depth: number): J {
    if (depth > 10000) this.fail('Exceeds depth limit for parsing')
    this.ws()
    const c = this.s[this.i]
    if (c === '{') {
      this.i++
      const m = new Map<string, J>()
      this.ws()
      if (this.s[this.i] === '}') {
        this.i++
        return m
      }
      for (;;) {
        this.ws()
        if (this.s[this.i] !== '"') this.fail('Object keys must be strings')
        const k = this.string()
        this.ws()
        if (this.s[this.i++] !== ':') this.fail('Objects must consist of key:value pairs')
        m.set(k, this.value(depth + 1))
        this.ws()
        const d = this.s[this.i++]
        if (d === '}') return m
        if (d !== ',') this.fail('Expected separator between values')
      }
    }
    if (c === '[') {
      this.i++
      const a: J[] = []
      this.ws()
      if (this.s[this.i] === ']') {
        this.i++
        return a
      }
      for (;;) {
        a.push(this.value(depth + 1))
        this.ws()
        const d = this.s[this.i++]
        if (d === ']') return a
        if (d !== ',') this.fail('Expected separator between values')
      }
    }
    if (c === '"') return this.string()
    const lit = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?)(?![A-Za-z0-9_.])/.exec(
      this.s.slice(this.i, this.i + 400),
    )
    if (lit === null) {
      if (c === undefined) this.fail('')
      // jq reports a bad word at the character after it, the one that ended it.
      this.i += (/^[^\s[\]{},:"]*/.exec(this.s.slice(this.i))?.[0].length ?? 0) + 1
      this.fail(/^[tfn]/.test(c ?? '') ? 'Invalid literal' : 'Invalid numeric literal', false)
    }
    this.i += lit[0].length
    return lit[1] === 'true' ? true : lit[1] === 'false' ? false : lit[1] === 'null' ? null : Number(lit[1])
  }

  private string(): string {
    const end = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(this.s.slice(this.i))
    if (end === null && this.s.indexOf('"', this.i + 1) < 0) {
      this.i = this.s.length
      this.fail('Unfinished string at EOF', false)
    }
    if (end === null) this.fail('Invalid string')
    this.i += end[0].length
    return JSON.parse(end[0]) as string
  }
}

function count(s: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++
  return n
}

/** jq 1.6's number format: 17 significant digits at most, exponent when freedtoa would use one. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'null'
  if (!Number.isFinite(n)) return n > 0 ? '1.7976931348623157e+308' : '-1.7976931348623157e+308'
  if (n === 0) return Object.is(n, -0) ? '-0' : '0'
  const [mant, e] = Math.abs(n).toExponential().split('e')
  const digits = mant.replace('.', '')
  const decpt = Number(e) + 1
  const sign = n < 0 ? '-' : ''
  if (decpt <= -4 || decpt > digits.length + 15) {
    const exp = decpt - 1
    const ex = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${ex}`
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}`
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`
}

/** A string as jq quotes it: JSON's escapes, and DEL as \u007f. */
export function quote(s: string): string {
  return JSON.stringify(s).replace(/\u007f/g, '\\u007f')
}

/** One output value: pretty with `unit` per level (jq's 2 spaces unless --indent/--tab), or compact (`-c`). */
export function formatJson(v: J, compact: boolean, indent = '', unit = '  '): string {
  if (v === null) return 'null'
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'number') return formatNumber(v)
  if (typeof v === 'string') return quote(v)
  const inner = `${indent}${unit}`
  const nl = compact ? '' : '\n'
  const pad = compact ? '' : inner
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]'
    const items = v.map((x) => pad + formatJson(x, compact, inner, unit))
    return `[${nl}${items.join(`,${nl}`)}${nl}${compact ? '' : indent}]`
  }
  if (v.size === 0) return '{}'
  const items = [...v].map(
    ([k, x]) => `${pad}${quote(k)}:${compact ? '' : ' '}${formatJson(x, compact, inner, unit)}`,
  )
  return `{${nl}${items.join(`,${nl}`)}${nl}${compact ? '' : indent}}`
}
