/**
 * Arithmetic expansion `$((...))`: C-like integer expressions over 64-bit signed integers, with
 * shell variables as operands and `=`/`op=` assignment. The text has already been through
 * parameter expansion. Errors throw FatalError (POSIX: an arithmetic error ends a script).
 */

import { FatalError } from './signals.js'

export interface ArithVars {
  get(name: string): string | undefined
  set(name: string, value: string): void
}

const OPS: readonly string[] = [
  '<<=',
  '>>=',
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '<<',
  '>>',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '^=',
  '|=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '&',
  '^',
  '|',
  '!',
  '~',
  '(',
  ')',
  '?',
  ':',
  '=',
]

/** Binary operators by precedence, loosest first. */
const LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
]

type Tok = { k: 'num'; v: bigint } | { k: 'name'; v: string } | { k: 'op'; v: string }

const int64 = (v: bigint): bigint => BigInt.asIntN(64, v)
const bool = (b: boolean): bigint => (b ? 1n : 0n)

function fail(msg: string): never {
  throw new FatalError('arithmetic expression: ' + msg)
}

const INTMAX = (1n << 63n) - 1n
const INTMIN = -(1n << 63n)

/**
 * Parses an integer constant as C's strtoimax does: 0x hex, leading-0 octal, else decimal; a value
 * out of range is clamped to INTMAX_MAX/INTMAX_MIN (see parseIntmax for whether it was).
 */
export function parseInteger(s: string): bigint | undefined {
  return parseIntmax(s)?.value
}

/** parseInteger, also telling whether the value was out of range (strtoimax's ERANGE). */
export function parseIntmax(s: string): { value: bigint; range: boolean } | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\s*$/.exec(s)
  if (!m) return undefined
  const body = m[2]
  const mag = /^0[0-7]+$/.test(body) ? BigInt('0o' + body.slice(1)) : BigInt(body)
  const v = m[1] === '-' ? -mag : mag
  if (v > INTMAX) return { value: INTMAX, range: true }
  if (v < INTMIN) return { value: INTMIN, range: true }
  return { value: v, range: false }
}

/**
 * Deepest nesting of parentheses, unary operators and assignments in one expression: the
 * evaluator recurses, and must fail cleanly before the JavaScript stack does. FreeBSD's has no
 * fixed limit; the message is its message for running out of memory.
 */
const MAX_ARITH_DEPTH = 200

function tokenize(src: string): Tok[] {
  const toks: Tok[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(src.slice(i))
    if (num) {
      if (/[A-Za-z_]/.test(src[i + num[0].length] ?? '')) fail(`bad number '${src.slice(i)}'`)
      const v = parseInteger(num[0])
      if (v === undefined) fail(`bad number '${num[0]}'`)
      toks.push({ k: 'num', v })
      i += num[0].length
      continue
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))
    if (name) {
      toks.push({ k: 'name', v: name[0] })
      i += name[0].length
      continue
    }
    const op = OPS.find((o) => src.startsWith(o, i))
    if (!op) fail(`unexpected '${c}'`)
    toks.push({ k: 'op', v: op })
    i += op.length
  }
  return toks
}

class Evaluator {
  private i = 0

  constructor(
    private readonly toks: Tok[],
    private readonly vars: ArithVars,
  ) {}

  run(): bigint {
    if (!this.toks.length) return 0n
    const v = this.assign(true)
    if (this.i < this.toks.length) fail(`unexpected '${this.toks[this.i].v}'`)
    return v
  }

  private peekOp(): string | undefined {
    const t = this.toks[this.i]
    return t?.k === 'op' ? t.v : undefined
  }

  private expect(op: string): void {
    if (this.peekOp() !== op) fail(`expected '${op}'`)
    this.i++
  }

  private value(name: string): bigint {
    const s = this.vars.get(name)
    if (s === undefined || s === '') return 0n
    const v = parseIntmax(s)
    if (v === undefined) fail(`${name}: bad number '${s}'`)
    if (v.range) fail('variable conversion error') // FreeBSD checks strtoimax's ERANGE for variables
    return v.value
  }

  private depth = 0

  /** Runs one nesting level of the recursive descent, bounded by MAX_ARITH_DEPTH. */
  private nested(fn: () => bigint): bigint {
    if (++this.depth > MAX_ARITH_DEPTH) throw new FatalError('Out of space')
    try {
      return fn()
    } finally {
      this.depth--
    }
  }

  // `live` is false in the branch a short-circuit skips: it is parsed but changes nothing.
  private assign(live: boolean): bigint {
    return this.nested(() => this.assignIn(live))
  }

  private assignIn(live: boolean): bigint {
    const t = this.toks[this.i]
    const next = this.toks[this.i + 1]
    if (t?.k === 'name' && next?.k === 'op' && /^(<<|>>|[-+*/%&^|])?=$/.test(next.v)) {
      this.i += 2
      const rhs = this.assign(live)
      const v = next.v === '=' ? rhs : this.apply(next.v.slice(0, -1), this.value(t.v), rhs, live)
      if (live) this.vars.set(t.v, String(v))
      return v
    }
    return this.ternary(live)
  }

  private ternary(live: boolean): bigint {
    const c = this.binary(0, live)
    if (this.peekOp() !== '?') return c
    this.i++
    const a = this.assign(live && c !== 0n)
    this.expect(':')
    const b = this.assign(live && c === 0n)
    return c !== 0n ? a : b
  }

  private binary(level: number, live: boolean): bigint {
    if (level === LEVELS.length) return this.unary(live)
    let left = this.binary(level + 1, live)
    for (let op = this.peekOp(); op && LEVELS[level].includes(op); op = this.peekOp()) {
      this.i++
      if (op === '&&') left = bool(this.binary(level + 1, live && left !== 0n) !== 0n && left !== 0n)
      else if (op === '||') left = bool(this.binary(level + 1, live && left === 0n) !== 0n || left !== 0n)
      else left = this.apply(op, left, this.binary(level + 1, live), live)
    }
    return left
  }

  private apply(op: string, a: bigint, b: bigint, live: boolean): bigint {
    switch (op) {
      case '+':
        return int64(a + b)
      case '-':
        return int64(a - b)
      case '*':
        return int64(a * b)
      case '/':
      case '%':
        if (b === 0n) {
          if (live) fail('division by zero')
          return 0n
        }
        if (a === INTMIN && b === -1n) {
          // The quotient does not fit (a CPU traps on it): FreeBSD's sh checks first.
          if (live) fail('divide error')
          return 0n
        }
        return int64(op === '/' ? a / b : a % b)
      case '<<':
        return int64(a << (b & 63n))
      case '>>':
        return a >> (b & 63n)
      case '<':
        return bool(a < b)
      case '<=':
        return bool(a <= b)
      case '>':
        return bool(a > b)
      case '>=':
        return bool(a >= b)
      case '==':
        return bool(a === b)
      case '!=':
        return bool(a !== b)
      case '&':
        return a & b
      case '^':
        return a ^ b
      case '|':
        return a | b
    }
    return fail(`unknown operator '${op}'`)
  }

  private unary(live: boolean): bigint {
    return this.nested(() => this.unaryIn(live))
  }

  private unaryIn(live: boolean): bigint {
    const t = this.toks[this.i++]
    if (!t) fail('unexpected end of expression')
    if (t.k === 'num') return t.v
    if (t.k === 'name') return this.value(t.v)
    switch (t.v) {
      case '(': {
        const v = this.assign(live)
        this.expect(')')
        return v
      }
      case '-':
        return int64(-this.unary(live))
      case '+':
        return this.unary(live)
      case '!':
        return bool(this.unary(live) === 0n)
      case '~':
        return ~this.unary(live)
    }
    return fail(`unexpected '${t.v}'`)
  }
}

/** Evaluates an arithmetic expression; throws FatalError on syntax errors or division by zero. */
export function evalArith(expr: string, vars: ArithVars): bigint {
  return new Evaluator(tokenize(expr), vars).run()
}
