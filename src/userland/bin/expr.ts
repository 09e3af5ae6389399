/**
 * expr(1): evaluates its arguments as one expression with POSIX's operators, lowest first: `|`,
 * `&`, the comparisons `= != < <= > >=` (numeric when both sides are integers, else by string),
 * `+ -`, `* / %`, and `:` (a basic regular expression anchored at the start: the text matched by
 * `\(…\)`, or the number of characters matched), with parentheses. Exit 0 when the result is
 * neither empty nor 0, 1 when it is, 2 for a bad expression (`expr: syntax error`), 3 for an error
 * in evaluating it (`expr: division by zero`, overflow).
 */

import type { Command } from '../types.js'

class ExprError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

const INT = /^[-+]?\d+$/

function toInt(v: string): bigint | null {
  return INT.test(v) ? BigInt(v) : null
}

function num(v: string): bigint {
  const n = toInt(v)
  if (n === null) throw new ExprError('not a decimal number', 2)
  return n
}

const MAX = (1n << 63n) - 1n
const MIN = -(1n << 63n)

function checked(n: bigint): string {
  if (n > MAX || n < MIN) throw new ExprError('overflow', 3)
  return String(n)
}

function isFalse(v: string): boolean {
  return v === '' || (toInt(v) !== null && toInt(v) === 0n)
}

/** A basic regular expression (re_format(7)) as a JavaScript one. */
function breToJs(re: string): { re: RegExp; grouped: boolean } {
  let out = ''
  let grouped = false
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!
    if (c === '\\' && i + 1 < re.length) {
      const n = re[++i]!
      if (n === '(') grouped = true
      out += n === '(' || n === ')' || n === '{' || n === '}' ? n : `\\${n}`
    } else if (c === '(' || c === ')' || c === '{' || c === '}' || c === '+' || c === '?' || c === '|')
      out += `\\${c}`
    else if (c === '*' && (i === 0 || out.endsWith('('))) out += '\\*'
    else out += c
  }
  try {
    return { re: new RegExp(`^(?:${out})`), grouped }
  } catch {
    throw new ExprError('RE error', 2)
  }
}

class Parser {
  private i = 0
  constructor(private readonly t: readonly string[]) {}

  parse(): string {
    if (this.t.length === 0) throw new ExprError('syntax error', 2)
    const v = this.or()
    if (this.i !== this.t.length) throw new ExprError('syntax error', 2)
    return v
  }

  private peek(): string | undefined {
    return this.t[this.i]
  }

  private or(): string {
    let l = this.and()
    while (this.peek() === '|') {
      this.i++
      const r = this.and()
      l = !isFalse(l) ? l : !isFalse(r) ? r : '0'
    }
    return l
  }

  private and(): string {
    let l = this.cmp()
    while (this.peek() === '&') {
      this.i++
      const r = this.cmp()
      l = !isFalse(l) && !isFalse(r) ? l : '0'
    }
    return l
  }

  private cmp(): string {
    let l = this.add()
    for (;;) {
      const op = this.peek()
      if (op !== '=' && op !== '!=' && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') return l
      this.i++
      const r = this.add()
      const a = toInt(l)
      const b = toInt(r)
      const c = a !== null && b !== null ? (a < b ? -1 : a > b ? 1 : 0) : l < r ? -1 : l > r ? 1 : 0
      const res =
        op === '='
          ? c === 0
          : op === '!='
            ? c !== 0
            : op === '<'
              ? c < 0
              : op === '<='
                ? c <= 0
                : op === '>'
                  ? c > 0
                  : c >= 0
      l = res ? '1' : '0'
    }
  }

  private add(): string {
    let l = this.mul()
    for (;;) {
      const op = this.peek()
      if (op !== '+' && op !== '-') return l
      this.i++
      const r = this.mul()
      l = checked(op === '+' ? num(l) + num(r) : num(l) - num(r))
    }
  }

  private mul(): string {
    let l = this.match()
    for (;;) {
      const op = this.peek()
      if (op !== '*' && op !== '/' && op !== '%') return l
      this.i++
      const r = this.match()
      const a = num(l)
      const b = num(r)
      if (op !== '*' && b === 0n) throw new ExprError('division by zero', 2)
      l = checked(op === '*' ? a * b : op === '/' ? a / b : a % b)
    }
  }

  private match(): string {
    let l = this.primary()
    while (this.peek() === ':') {
      this.i++
      const { re, grouped } = breToJs(this.primary())
      const m = re.exec(l)
      if (grouped) l = m?.[1] ?? ''
      else l = String(m?.[0].length ?? 0)
    }
    return l
  }

  private primary(): string {
    const tok = this.t[this.i++]
    if (tok === undefined) throw new ExprError('syntax error', 2)
    if (tok === '(') {
      const v = this.or()
      if (this.t[this.i++] !== ')') throw new ExprError('syntax error', 2)
      return v
    }
    return tok
  }
}

export const expr: Command = async (argv, io) => {
  let args = argv.slice(1)
  if (args[0] === '--') args = args.slice(1)
  try {
    const v = new Parser(args).parse()
    io.stdout.write(`${v}\n`)
    return isFalse(v) ? 1 : 0
  } catch (e) {
    if (!(e instanceof ExprError)) throw e
    io.stderr.write(`expr: ${e.message}\n`)
    return e.status
  }
}
