/**
 * awk(1)'s language, read into a syntax tree: a recursive-descent parser over POSIX awk's grammar
 * (pattern-action items, BEGIN/END, functions, the statements and expression precedence) on the
 * tokens of lex.ts.
 * Pure: text in, tree or AwkSyntaxError out. It runs nothing.
 */

import type { Expr, Func, Item, Program, Stmt } from './ast.js'
import { AwkSyntaxError, continues, lex, type Tok } from './lex.js'

export { AwkSyntaxError }

export const BUILTIN_FUNCS: ReadonlySet<string> = new Set([
  'length',
  'substr',
  'index',
  'split',
  'sub',
  'gsub',
  'match',
  'sprintf',
  'sin',
  'cos',
  'atan2',
  'exp',
  'log',
  'sqrt',
  'int',
  'rand',
  'srand',
  'tolower',
  'toupper',
  'system',
  'close',
  'fflush',
])

class Parser {
  private p = 0
  /** Inside print's argument list at the top level: `>` is a redirection, not a comparison. */
  private noGt = 0
  constructor(private readonly toks: Tok[]) {}

  private peek(o = 0): Tok {
    return this.toks[this.p + o] ?? { t: 'eof' }
  }
  private next(): Tok {
    return this.toks[this.p++] ?? { t: 'eof' }
  }
  private isOp(v: string, o = 0): boolean {
    const t = this.peek(o)
    return t.t === 'op' && t.v === v
  }
  private isKw(v: string): boolean {
    const t = this.peek()
    return t.t === 'kw' && t.v === v
  }
  private fail(what = ''): never {
    const t = this.peek()
    const near =
      t.t === 'eof' ? 'end of program' : t.t === 'nl' ? 'newline' : String((t as { v?: unknown }).v)
    throw new AwkSyntaxError(`syntax error${what ? ` (${what})` : ''} near ${near}`)
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) this.fail(`expected '${v}'`)
    this.p++
  }
  private nls(): void {
    while (this.peek().t === 'nl') this.p++
  }
  /** Statement terminators: `;`, newlines, or before `}`. */
  private term(): void {
    let any = false
    while (this.peek().t === 'nl' || this.isOp(';')) {
      this.p++
      any = true
    }
    if (!any && !this.isOp('}') && this.peek().t !== 'eof') this.fail()
  }

  program(): Program {
    const items: Item[] = []
    const funcs = new Map<string, Func>()
    this.skipSeps()
    while (this.peek().t !== 'eof') {
      if (this.isKw('function')) {
        this.p++
        const n = this.next()
        if (n.t !== 'name') this.fail('function name')
        this.expectOp('(')
        const params: string[] = []
        while (!this.isOp(')')) {
          const a = this.next()
          if (a.t !== 'name') this.fail('parameter')
          params.push(a.v)
          if (this.isOp(',')) {
            this.p++
            this.nls()
          }
        }
        this.p++
        this.nls()
        funcs.set(n.v, { params, body: this.block() })
      } else if (this.isKw('BEGIN') || this.isKw('END')) {
        const which = (this.next() as { v: string }).v as 'BEGIN' | 'END'
        this.nls()
        if (!this.isOp('{')) this.fail('BEGIN/END need an action')
        items.push({ pattern: which, action: this.block() })
      } else {
        let pattern: Item['pattern']
        if (!this.isOp('{')) {
          const a = this.expr()
          if (this.isOp(',')) {
            this.p++
            this.nls()
            pattern = [a, this.expr()]
          } else pattern = a
        }
        items.push({ pattern, action: this.isOp('{') ? this.block() : undefined })
      }
      this.skipSeps()
    }
    return { items, funcs }
  }

  private skipSeps(): void {
    while (this.peek().t === 'nl' || this.isOp(';')) this.p++
  }

  private block(): Stmt[] {
    this.expectOp('{')
    const body: Stmt[] = []
    this.skipSeps()
    while (!this.isOp('}')) {
      if (this.peek().t === 'eof') this.fail("missing '}'")
      body.push(this.stmt())
      this.skipSeps()
    }
    this.p++
    return body
  }

  /** A statement in a position taking one (after if/while/for/else/do), possibly a block. */
  private body(): Stmt {
    this.nls()
    if (this.isOp(';')) {
      this.p++
      return { k: 'block', body: [] }
    }
    return this.stmt()
  }

  private stmt(): Stmt {
    const t = this.peek()
    if (t.t === 'op' && t.v === '{') return { k: 'block', body: this.block() }
    if (t.t === 'kw') {
      switch (t.v) {
        case 'if': {
          this.p++
          this.expectOp('(')
          const c = this.expr()
          this.expectOp(')')
          const th = this.body()
          // `else` may follow after a terminator.
          const save = this.p
          this.skipSeps()
          if (this.isKw('else')) {
            this.p++
            return { k: 'if', c, t: th, f: this.body() }
          }
          this.p = save
          return { k: 'if', c, t: th, f: undefined }
        }
        case 'while': {
          this.p++
          this.expectOp('(')
          const c = this.expr()
          this.expectOp(')')
          if (this.isOp(';')) {
            this.p++
            return { k: 'while', c, body: { k: 'block', body: [] } }
          }
          return { k: 'while', c, body: this.body() }
        }
        case 'do': {
          this.p++
          const body = this.body()
          this.skipSeps()
          if (!this.isKw('while')) this.fail("expected 'while'")
          this.p++
          this.expectOp('(')
          const c = this.expr()
          this.expectOp(')')
          this.endSimple()
          return { k: 'do', c, body }
        }
        case 'for': {
          this.p++
          this.expectOp('(')
          const a = this.peek()
          if (a.t === 'name' && this.peek(1).t === 'kw' && (this.peek(1) as { v: string }).v === 'in') {
            const b = this.peek(2)
            if (b.t === 'name' && this.isOp(')', 3)) {
              this.p += 4
              return { k: 'forin', v: a.v, arr: b.v, body: this.body() }
            }
          }
          const init = this.isOp(';') ? undefined : this.simple()
          this.expectOp(';')
          this.nls()
          const c = this.isOp(';') ? undefined : this.expr()
          this.expectOp(';')
          this.nls()
          const step = this.isOp(')') ? undefined : this.simple()
          this.expectOp(')')
          if (this.isOp(';')) {
            this.p++
            return { k: 'for', init, c, step, body: { k: 'block', body: [] } }
          }
          return { k: 'for', init, c, step, body: this.body() }
        }
        case 'next':
        case 'nextfile':
        case 'break':
        case 'continue':
          this.p++
          this.endSimple()
          return { k: t.v }
        case 'exit':
        case 'return': {
          this.p++
          const e = this.atEnd() ? undefined : this.expr()
          this.endSimple()
          return { k: t.v, e }
        }
      }
    }
    const s = this.simple()
    this.endSimple()
    return s
  }

  private atEnd(): boolean {
    const t = this.peek()
    return t.t === 'nl' || t.t === 'eof' || (t.t === 'op' && (t.v === ';' || t.v === '}'))
  }

  private endSimple(): void {
    if (this.isOp('}')) return
    this.term()
  }

  /** print, printf, delete, or an expression. */
  private simple(): Stmt {
    const t = this.peek()
    if (t.t === 'kw' && (t.v === 'print' || t.v === 'printf')) {
      this.p++
      let args: Expr[] = []
      this.noGt++
      try {
        if (!this.atEnd() && !this.isOp('>') && !this.isOp('>>') && !this.isOp('|')) {
          // print (a, b) > f: a parenthesized list.
          const save = this.p
          if (this.isOp('(')) {
            this.p++
            this.noGt--
            try {
              const list = [this.expr()]
              while (this.isOp(',')) {
                this.p++
                this.nls()
                list.push(this.expr())
              }
              if (this.isOp(')')) {
                this.p++
                if (this.atEnd() || this.isOp('>') || this.isOp('>>') || this.isOp('|')) args = list
              }
            } catch {
              // not a list: reparse as expressions
            } finally {
              this.noGt++
            }
            if (!args.length) this.p = save
          }
          if (!args.length) {
            args = [this.expr()]
            while (this.isOp(',')) {
              this.p++
              this.nls()
              args.push(this.expr())
            }
          }
        }
      } finally {
        this.noGt--
      }
      let dest: { op: string; e: Expr } | undefined
      if (this.isOp('>') || this.isOp('>>') || this.isOp('|')) {
        const op = (this.next() as { v: string }).v
        dest = { op, e: this.concat() }
      }
      return { k: t.v, args, dest }
    }
    if (t.t === 'kw' && t.v === 'delete') {
      this.p++
      const n = this.next()
      if (n.t !== 'name') this.fail('delete needs an array')
      if (this.isOp('[')) {
        this.p++
        const subs = this.exprList(']')
        return { k: 'delete', name: n.v, subs }
      }
      return { k: 'delete', name: n.v, subs: undefined }
    }
    return { k: 'expr', e: this.expr() }
  }

  /** A call's arguments after its `(`. */
  private argList(): Expr[] {
    if (this.isOp(')')) {
      this.p++
      return []
    }
    return this.exprList(')')
  }

  private exprList(close: string): Expr[] {
    const list = [this.expr()]
    while (this.isOp(',')) {
      this.p++
      this.nls()
      list.push(this.expr())
    }
    this.expectOp(close)
    return list
  }

  expr(): Expr {
    return this.ternary()
  }

  private isLvalue(e: Expr): boolean {
    return e.k === 'var' || e.k === 'field' || e.k === 'index'
  }

  private ternary(): Expr {
    const c = this.or()
    if (this.isOp('?')) {
      this.p++
      this.nls()
      const a = this.ternary()
      this.nls()
      this.expectOp(':')
      this.nls()
      return { k: 'cond', c, a, b: this.ternary() }
    }
    const t = this.peek()
    if (t.t === 'op' && ['=', '+=', '-=', '*=', '/=', '%=', '^='].includes(t.v) && this.isLvalue(c)) {
      this.p++
      this.nls()
      return { k: 'assign', op: t.v, lhs: c, rhs: this.ternary() }
    }
    return c
  }

  private or(): Expr {
    let a = this.and()
    while (this.isOp('||')) {
      this.p++
      this.nls()
      a = { k: 'bin', op: '||', a, b: this.and() }
    }
    return a
  }

  private and(): Expr {
    let a = this.inExpr()
    while (this.isOp('&&')) {
      this.p++
      this.nls()
      a = { k: 'bin', op: '&&', a, b: this.inExpr() }
    }
    return a
  }

  private inExpr(): Expr {
    let a = this.matchExpr()
    while (this.isKw('in')) {
      this.p++
      const n = this.next()
      if (n.t !== 'name') this.fail('in needs an array')
      a = { k: 'in', subs: a.k === 'group' && a.e.k === 'bin' && a.e.op === ',' ? flat(a.e) : [a], name: n.v }
    }
    return a
  }

  private matchExpr(): Expr {
    let a = this.compare()
    while (this.isOp('~') || this.isOp('!~')) {
      const neg = (this.next() as { v: string }).v === '!~'
      a = { k: 'match', neg, e: a, re: this.compare() }
    }
    return a
  }

  private compare(): Expr {
    const a = this.concat()
    const t = this.peek()
    if (t.t === 'op' && ['<', '<=', '!=', '==', '>=', '>'].includes(t.v)) {
      if (t.v === '>' && this.noGt) return a
      this.p++
      return { k: 'bin', op: t.v, a, b: this.concat() }
    }
    return a
  }

  /** Whether the next token can start an operand of concatenation. */
  private startsOperand(): boolean {
    const t = this.peek()
    if (t.t === 'num' || t.t === 'str' || t.t === 're' || t.t === 'name') return true
    if (t.t === 'kw') return false
    return t.t === 'op' && ['$', '!', '(', '-', '+', '++', '--'].includes(t.v)
  }

  private concat(): Expr {
    let a = this.additive()
    while (this.startsOperand() && !this.isKw('in')) {
      a = { k: 'bin', op: 'cat', a, b: this.additive() }
    }
    return a
  }

  private additive(): Expr {
    let a = this.mul()
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.next() as { v: string }).v
      a = { k: 'bin', op, a, b: this.mul() }
    }
    return a
  }

  private mul(): Expr {
    let a = this.unary()
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = (this.next() as { v: string }).v
      a = { k: 'bin', op, a, b: this.unary() }
    }
    return a
  }

  private unary(): Expr {
    if (this.isOp('!')) {
      this.p++
      return { k: 'un', op: '!', e: this.unary() }
    }
    if (this.isOp('-') || this.isOp('+')) {
      const op = (this.next() as { v: string }).v
      return { k: 'un', op, e: this.unary() }
    }
    return this.power()
  }

  private power(): Expr {
    const a = this.incdec()
    if (this.isOp('^')) {
      this.p++
      // Right associative, and binds tighter than unary minus on its left: -2^2 is -4.
      const b = this.isOp('-') || this.isOp('+') || this.isOp('!') ? this.unary() : this.power()
      return { k: 'bin', op: '^', a, b }
    }
    return a
  }

  private incdec(): Expr {
    if (this.isOp('++') || this.isOp('--')) {
      const op = (this.next() as { v: '++' | '--' }).v
      const e = this.incdec()
      if (!this.isLvalue(e)) this.fail(`${op} needs a variable`)
      return { k: 'incdec', op, post: false, e }
    }
    const e = this.primary()
    if ((this.isOp('++') || this.isOp('--')) && this.isLvalue(e)) {
      const op = (this.next() as { v: '++' | '--' }).v
      return { k: 'incdec', op, post: true, e }
    }
    return e
  }

  private primary(): Expr {
    const t = this.next()
    switch (t.t) {
      case 'num':
        return { k: 'num', v: t.v }
      case 'str':
        return { k: 'str', v: t.v }
      case 're':
        return { k: 're', src: t.v }
      case 'op':
        if (t.v === '$') return { k: 'field', e: this.incdec() }
        if (t.v === '(') {
          const save = this.noGt
          this.noGt = 0
          try {
            const list = [this.expr()]
            while (this.isOp(',')) {
              this.p++
              this.nls()
              list.push(this.expr())
            }
            this.expectOp(')')
            if (list.length > 1) {
              if (!this.isKw('in')) this.fail('a list needs in')
              return { k: 'group', e: list.reduce((a, b) => ({ k: 'bin', op: ',', a, b })) }
            }
            return { k: 'group', e: list[0]! }
          } finally {
            this.noGt = save
          }
        }
        break
      case 'kw':
        if (t.v === 'getline') {
          const v =
            this.startsOperand() && !this.isOp('(') && !this.isOp('-') ? this.primaryLvalue() : undefined
          let file: Expr | undefined
          if (this.isOp('<')) {
            this.p++
            file = this.incdec()
          }
          return { k: 'getline', v, file }
        }
        break
      case 'name': {
        if (BUILTIN_FUNCS.has(t.v)) {
          if (this.isOp('(')) {
            this.p++
            const args = this.argList()
            return { k: 'builtin', name: t.v, args }
          }
          if (t.v === 'length') return { k: 'builtin', name: 'length', args: [] }
          this.fail(`${t.v} needs arguments`)
        }
        if (t.call) {
          this.p++
          const args = this.argList()
          return { k: 'call', name: t.v, args }
        }
        if (this.isOp('[')) {
          this.p++
          return { k: 'index', name: t.v, subs: this.exprList(']') }
        }
        return { k: 'var', name: t.v }
      }
    }
    this.p--
    return this.fail()
  }

  private primaryLvalue(): Expr {
    const e = this.primary()
    if (!this.isLvalue(e)) this.fail('getline needs a variable')
    return e
  }
}

function flat(e: Expr): Expr[] {
  return e.k === 'bin' && e.op === ',' ? [...flat(e.a), ...flat(e.b)] : [e]
}

/** Parses an awk program; throws AwkSyntaxError. */
export function parseAwk(src: string): Program {
  const toks = lex(src)
  // Newlines after tokens that continue a statement are not terminators.
  const kept: Tok[] = []
  for (const t of toks) {
    if (t.t === 'nl' && continues(kept[kept.length - 1])) continue
    kept.push(t)
  }
  return new Parser(kept).program()
}
