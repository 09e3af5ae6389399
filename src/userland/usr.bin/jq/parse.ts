/**
 * jq's filter language, the subset VirtNet's tests and everyday use need: the lexer and a
 * precedence-climbing parser into a small tree (ast below) — paths, pipes, operators, `if`, `as`,
 * string interpolation and `@format`s, `reduce`/`foreach`, `def`, and the assignment operators. Knows nothing of values or running;
 * a bad filter becomes a CompileError with jq's wording, never a throw of anything else.
 */

export type Node =
  | { t: 'identity' }
  | { t: 'recurse' }
  | { t: 'lit'; v: null | boolean | number | string }
  | { t: 'var'; name: string }
  /** `.k`, `.[f]`: opt is the `?` form (errors become no output). */
  | { t: 'index'; of: Node; key: Node; opt: boolean }
  | { t: 'slice'; of: Node; from: Node | null; to: Node | null; opt: boolean }
  | { t: 'iter'; of: Node; opt: boolean }
  | { t: 'try'; body: Node }
  | { t: 'pipe'; l: Node; r: Node }
  | { t: 'comma'; l: Node; r: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'neg'; of: Node }
  | { t: 'array'; of: Node | null }
  | { t: 'object'; entries: ReadonlyArray<{ key: Node; value: Node }> }
  | { t: 'call'; name: string; args: Node[] }
  | { t: 'as'; source: Node; name: string; body: Node }
  | { t: 'if'; cond: Node; then: Node; else: Node | null }
  /** `"a\(f)b"`, or with a format `@csv "…"`: the literal parts and the filters between them. */
  | { t: 'interp'; parts: ReadonlyArray<string | Node>; fmt: string | null }
  /** `@base64` alone: the format applied to `.`. */
  | { t: 'format'; name: string }
  | { t: 'reduce'; source: Node; name: string; init: Node; update: Node }
  | { t: 'foreach'; source: Node; name: string; init: Node; update: Node; extract: Node | null }
  /** `def name(params): body; rest`: a `$p` param is a value, any other a filter. */
  | { t: 'def'; name: string; params: readonly string[]; body: Node; rest: Node }
  /** `=`, `|=`, `+=`, `-=`, `*=`, `/=`, `%=`, `//=`. */
  | { t: 'assign'; op: string; l: Node; r: Node }

export class CompileError extends Error {}

type Tok =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  /** A string with `\(…)` in it: literal parts and the source of each interpolated filter. */
  | { k: 'istr'; parts: Array<string | { src: string }> }
  | { k: 'format'; v: string }
  | { k: 'id'; v: string }
  | { k: 'var'; v: string }
  | { k: 'op'; v: string }
  | { k: 'field'; v: string }
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
const ASSIGN: readonly string[] = ['=', '|=', '+=', '-=', '*=', '/=', '%=', '//=']

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
  while (i < src.length) {
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
      out.push({ k: c === '$' ? 'var' : 'field', v: id[1] })
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

/** Binary operators by precedence, loosest first (`|` and `,` are handled above these). */
const LEVELS: ReadonlyArray<readonly string[]> = [
  ['//'],
  ASSIGN,
  ['or'],
  ['and'],
  ['==', '!=', '<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/', '%'],
]

function describe(t: Tok): string {
  if (t.k === 'end') return '$end'
  if (t.k === 'num') return 'LITERAL'
  if (t.k === 'str' || t.k === 'istr') return 'QQSTRING_START'
  if (t.k === 'format') return 'FORMAT'
  if (t.k === 'id') return 'IDENT'
  if (t.k === 'var') return `'$'`
  if (t.k === 'field') return 'FIELD'
  return `'${t.v}'`
}

class Parser {
  private i = 0
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i]
  }
  private isOp(v: string): boolean {
    const t = this.peek()
    return (t.k === 'op' || t.k === 'id') && t.v === v
  }
  private fail(): never {
    throw new CompileError(`syntax error, unexpected ${describe(this.peek())}`)
  }
  private expect(v: string): void {
    if (!this.isOp(v)) this.fail()
    this.i++
  }

  parseProgram(): Node {
    const n = this.pipe()
    if (this.peek().k !== 'end') this.fail()
    return n
  }

  pipe(): Node {
    if (this.isOp('def')) return this.def()
    const l = this.comma()
    if (this.isOp('as')) {
      this.i++
      const v = this.peek()
      if (v.k !== 'var') this.fail()
      this.i++
      this.expect('|')
      return { t: 'as', source: l, name: v.v, body: this.pipe() }
    }
    if (this.isOp('|')) {
      this.i++
      return { t: 'pipe', l, r: this.pipe() }
    }
    return l
  }

  private comma(): Node {
    let l = this.binary(0)
    while (this.isOp(',')) {
      this.i++
      l = { t: 'comma', l, r: this.binary(0) }
    }
    return l
  }

  private binary(level: number): Node {
    if (level === LEVELS.length) return this.unary()
    let l = this.binary(level + 1)
    for (;;) {
      const t = this.peek()
      if ((t.k !== 'op' && t.k !== 'id') || !LEVELS[level].includes(t.v)) return l
      this.i++
      // `//` is right-associative in jq; the others here associate to the left.
      const r = level === 0 ? this.binary(level) : this.binary(level + 1)
      l = level === 1 ? { t: 'assign', op: t.v, l, r } : { t: 'bin', op: t.v, l, r }
      // Comparisons and assignments are nonassociative.
      const n = this.peek()
      if ((level === 1 || level === 4) && n.k === 'op' && LEVELS[level].includes(n.v)) this.fail()
    }
  }

  private unary(): Node {
    if (this.isOp('-')) {
      this.i++
      return { t: 'neg', of: this.postfix() }
    }
    return this.postfix()
  }

  /** A term and its suffixes: `.a`, `."a"`, `[f]`, `.[f]`, `[]`, `[a:b]`, `?`. */
  private postfix(): Node {
    let n = this.term()
    for (;;) {
      const t = this.peek()
      if (t.k === 'field') {
        this.i++
        n = this.opt({ t: 'index', of: n, key: { t: 'lit', v: t.v }, opt: false })
      } else if (this.isOp('.') && this.toks[this.i + 1].k === 'str') {
        this.i++
        n = this.opt({
          t: 'index',
          of: n,
          key: { t: 'lit', v: (this.toks[this.i++] as { v: string }).v },
          opt: false,
        })
      } else if (
        this.isOp('.') &&
        this.toks[this.i + 1].k === 'op' &&
        (this.toks[this.i + 1] as { v: string }).v === '['
      ) {
        this.i++
      } else if (this.isOp('[')) {
        n = this.bracket(n)
      } else if (this.isOp('?')) {
        this.i++
        n = { t: 'try', body: n }
      } else return n
    }
  }

  private opt(n: Extract<Node, { opt: boolean }>): Node {
    if (this.isOp('?')) {
      this.i++
      n.opt = true
    }
    return n
  }

  private bracket(of: Node): Node {
    this.expect('[')
    if (this.isOp(']')) {
      this.i++
      return this.opt({ t: 'iter', of, opt: false })
    }
    if (this.isOp(':')) {
      this.i++
      const to = this.pipe()
      this.expect(']')
      return this.opt({ t: 'slice', of, from: null, to, opt: false })
    }
    const key = this.pipe()
    if (this.isOp(':')) {
      this.i++
      const to = this.isOp(']') ? null : this.pipe()
      this.expect(']')
      return this.opt({ t: 'slice', of, from: key, to, opt: false })
    }
    this.expect(']')
    return this.opt({ t: 'index', of, key, opt: false })
  }

  private term(): Node {
    const t = this.peek()
    this.i++
    if (t.k === 'num' || t.k === 'str') return { t: 'lit', v: t.v }
    if (t.k === 'istr') return this.interp(t.parts, null)
    if (t.k === 'format') {
      const n = this.peek()
      if (n.k === 'str' || n.k === 'istr') {
        this.i++
        return this.interp(n.k === 'str' ? [n.v] : n.parts, t.v)
      }
      return { t: 'format', name: t.v }
    }
    if (t.k === 'var') return { t: 'var', name: t.v }
    if (t.k === 'field') return { t: 'index', of: { t: 'identity' }, key: { t: 'lit', v: t.v }, opt: false }
    if (t.k === 'op') {
      if (t.v === '.') {
        const n = this.peek()
        if (n.k === 'str') {
          this.i++
          return { t: 'index', of: { t: 'identity' }, key: { t: 'lit', v: n.v }, opt: false }
        }
        return { t: 'identity' }
      }
      if (t.v === '..') return { t: 'recurse' }
      if (t.v === '(') {
        const n = this.pipe()
        this.expect(')')
        return n
      }
      if (t.v === '[') {
        if (this.isOp(']')) {
          this.i++
          return { t: 'array', of: null }
        }
        const n = this.pipe()
        this.expect(']')
        return { t: 'array', of: n }
      }
      if (t.v === '{') return this.object()
    }
    if (t.k === 'id') {
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' }
      if (t.v === 'null') return { t: 'lit', v: null }
      if (t.v === 'if') return this.ifThen()
      if (t.v === 'reduce' || t.v === 'foreach') return this.fold(t.v)
      if (t.v === 'def') {
        this.i--
        return this.def()
      }
      if (['then', 'elif', 'else', 'end', 'and', 'or', 'as'].includes(t.v)) {
        this.i--
        this.fail()
      }
      const args: Node[] = []
      if (this.isOp('(')) {
        this.i++
        args.push(this.pipe())
        while (this.isOp(';')) {
          this.i++
          args.push(this.pipe())
        }
        this.expect(')')
      }
      return { t: 'call', name: t.v, args }
    }
    this.i--
    this.fail()
  }

  /** `def name: body;` or `def name(a; $b): body;`, then the filter it is defined for. */
  private def(): Node {
    this.i++
    const n = this.peek()
    if (n.k !== 'id') this.fail()
    this.i++
    const params: string[] = []
    if (this.isOp('(')) {
      this.i++
      for (;;) {
        const p = this.peek()
        if (p.k !== 'id' && p.k !== 'var') this.fail()
        this.i++
        params.push(p.k === 'var' ? `$${p.v}` : p.v)
        if (this.isOp(')')) break
        this.expect(';')
      }
      this.i++
    }
    this.expect(':')
    const body = this.pipe()
    this.expect(';')
    return { t: 'def', name: n.v, params, body, rest: this.pipe() }
  }

  /** `reduce SOURCE as $x (INIT; UPDATE)` and `foreach SOURCE as $x (INIT; UPDATE[; EXTRACT])`. */
  private fold(kind: 'reduce' | 'foreach'): Node {
    const source = this.postfix()
    this.expect('as')
    const v = this.peek()
    if (v.k !== 'var') this.fail()
    this.i++
    this.expect('(')
    const init = this.pipe()
    this.expect(';')
    const update = this.pipe()
    let extract: Node | null = null
    if (kind === 'foreach' && this.isOp(';')) {
      this.i++
      extract = this.pipe()
    }
    this.expect(')')
    if (kind === 'reduce') return { t: 'reduce', source, name: v.v, init, update }
    return { t: 'foreach', source, name: v.v, init, update, extract }
  }

  private interp(parts: ReadonlyArray<string | { src: string }>, fmt: string | null): Node {
    return { t: 'interp', parts: parts.map((p) => (typeof p === 'string' ? p : parse(p.src))), fmt }
  }

  private ifThen(): Node {
    const cond = this.pipe()
    this.expect('then')
    const then = this.pipe()
    if (this.isOp('elif')) {
      this.i++
      return { t: 'if', cond, then, else: this.ifThen() }
    }
    let otherwise: Node | null = null
    if (this.isOp('else')) {
      this.i++
      otherwise = this.pipe()
    }
    this.expect('end')
    return { t: 'if', cond, then, else: otherwise }
  }

  /** An object's value, jq's ExpD: terms (or `-` terms) joined by `|`, no other operator. */
  private objectValue(): Node {
    const l = this.unary()
    if (!this.isOp('|')) return l
    this.i++
    return { t: 'pipe', l, r: this.objectValue() }
  }

  /** `{a: f, "b": g, (h): i, c, $v}`. */
  private object(): Node {
    const entries: Array<{ key: Node; value: Node }> = []
    while (!this.isOp('}')) {
      const t = this.peek()
      this.i++
      let key: Node
      let short: Node | null = null
      if (t.k === 'id' || t.k === 'str') {
        key = { t: 'lit', v: t.v }
        short = { t: 'index', of: { t: 'identity' }, key, opt: false }
      } else if (t.k === 'var') {
        key = { t: 'lit', v: t.v }
        short = { t: 'var', name: t.v }
      } else if (t.k === 'op' && t.v === '(') {
        key = this.pipe()
        this.expect(')')
      } else {
        this.i--
        this.fail()
      }
      if (this.isOp(':')) {
        this.i++
        entries.push({ key, value: this.objectValue() })
      } else if (short !== null) entries.push({ key, value: short })
      else this.fail()
      if (!this.isOp(',')) break
      this.i++
    }
    this.expect('}')
    return { t: 'object', entries }
  }
}

export function parse(src: string): Node {
  return new Parser(lex(src)).parseProgram()
}
