/**
 * jq's filter language, the subset VirtNet's tests and everyday use need: lex.ts's tokens by a
 * precedence-climbing parser into ast.ts's tree — paths, pipes, operators, `if`, `as` with
 * destructuring patterns and `?//`, `try`/`catch`, `label`/`break`, string interpolation and
 * `@format`s, `reduce`/`foreach`, `def`, and the assignment operators. Knows nothing of values or running;
 * a bad filter becomes a CompileError with jq's wording, never a throw of anything else.
 */

import { CompileError, type Node, type Pattern } from './ast.js'
import { ASSIGN, lex, type Tok } from './lex.js'

export { CompileError, type Node, type Pattern } from './ast.js'

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
  if (t.k === 'loc') return `'$__loc__'`
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
    if (this.isOp('label')) {
      this.i++
      const v = this.peek()
      if (v.k !== 'var') this.fail()
      this.i++
      this.expect('|')
      return { t: 'label', name: v.v, body: this.pipe() }
    }
    const l = this.comma()
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
  /** A term without a trailing `as` (that of `reduce`/`foreach`, or a `try` body). */
  private postfixNoAs(): Node {
    return this.postfix(false)
  }

  private postfix(allowAs = true): Node {
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
        n = { t: 'try', body: n, handler: null }
      } else if (this.isOp('as') && allowAs) {
        this.i++
        const pats = this.patterns()
        this.expect('|')
        return { t: 'as', source: n, pats, body: this.pipe() }
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
    if (t.k === 'loc') return { t: 'loc', line: t.line }
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
      if (t.v === 'try') {
        const body = this.postfixNoAs()
        if (!this.isOp('catch')) return { t: 'try', body, handler: null }
        this.i++
        return { t: 'try', body, handler: this.postfixNoAs() }
      }
      if (t.v === 'break') {
        const v = this.peek()
        if (v.k !== 'var') this.fail()
        this.i++
        return { t: 'break', name: v.v }
      }
      if (t.v === 'label') {
        this.i--
        return this.pipe()
      }
      if (t.v === 'def') {
        this.i--
        return this.def()
      }
      if (['then', 'elif', 'else', 'end', 'and', 'or', 'as', 'catch', 'import', 'include'].includes(t.v)) {
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

  /** `p1 ?// p2 ?// …`: one pattern, or the destructuring alternatives. */
  private patterns(): Pattern[] {
    const out = [this.pattern()]
    while (this.isOp('?//')) {
      this.i++
      out.push(this.pattern())
    }
    return out
  }

  private pattern(): Pattern {
    const t = this.peek()
    this.i++
    if (t.k === 'var') return { p: 'var', name: t.v }
    if (t.k === 'op' && t.v === '[') {
      const elems: Pattern[] = []
      if (this.isOp(']')) this.fail()
      for (;;) {
        elems.push(this.pattern())
        if (this.isOp(']')) break
        this.expect(',')
      }
      this.i++
      return { p: 'array', elems }
    }
    if (t.k === 'op' && t.v === '{') {
      const entries: Array<{ key: Node; bind: string | null; pat: Pattern | null }> = []
      for (;;) {
        const k = this.peek()
        this.i++
        let key: Node
        let bind: string | null = null
        if (k.k === 'var') {
          key = { t: 'lit', v: k.v }
          bind = k.v
        } else if (k.k === 'id' || k.k === 'str') key = { t: 'lit', v: k.v }
        else if (k.k === 'istr') key = this.interp(k.parts, null)
        else if (k.k === 'op' && k.v === '(') {
          key = this.pipe()
          this.expect(')')
        } else {
          this.i--
          this.fail()
        }
        let pat: Pattern | null = null
        if (this.isOp(':')) {
          this.i++
          pat = this.pattern()
        } else if (bind === null) this.fail()
        entries.push({ key, bind, pat })
        if (this.isOp('}')) break
        this.expect(',')
      }
      this.i++
      return { p: 'object', entries }
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
    const source = this.postfixNoAs()
    this.expect('as')
    const pats = this.patterns()
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
    if (kind === 'reduce') return { t: 'reduce', source, pats, init, update }
    return { t: 'foreach', source, pats, init, update, extract }
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
