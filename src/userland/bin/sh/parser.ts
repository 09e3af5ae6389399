/**
 * The shell grammar (POSIX XCU 2.9/2.10) and its syntax tree. `parse` turns a whole text into a
 * tree and `parseCommand` only its next complete command (what FreeBSD's parsecmd reads before
 * the shell runs it); both throw SyntaxErr and never run anything. Reserved words are recognized
 * here, only where a command may start.
 * Not supported: `;&` case fall-through, arithmetic `for ((;;))`, and other non-POSIX syntax.
 */

import { enter, Lexer, type Nesting, type Op, SyntaxErr, type Token } from './lexer.js'

export type ParamOp = '' | ':-' | '-' | ':=' | '=' | ':?' | '?' | ':+' | '+' | '%' | '%%' | '#' | '##'

export type WordPart =
  /** Literal text; `quoted` text came from quotes or a backslash and is never split or matched. */
  | { readonly type: 'lit'; readonly text: string; readonly quoted: boolean }
  /** `$name`, `${name}`, `${name<op>arg}`, `${#name}`; `quoted` when inside double quotes. */
  | {
      readonly type: 'param'
      readonly name: string
      readonly op: ParamOp
      readonly arg: Word | undefined
      readonly length: boolean
      readonly quoted: boolean
    }
  /** `$(...)` or backquotes. */
  | { readonly type: 'cmd'; readonly body: List; readonly quoted: boolean }
  /** `$((...))`: expr is expanded first, then evaluated. */
  | { readonly type: 'arith'; readonly expr: Word; readonly quoted: boolean }

export interface Word {
  readonly parts: readonly WordPart[]
  readonly line: number
}

export type RedirOp = Exclude<Op, ';' | ';;' | '&' | '&&' | '|' | '||' | '(' | ')'>

export interface Redir {
  readonly fd: number | undefined
  readonly op: RedirOp
  /** The file name, fd number or `-`; for `<<` the here-document body. */
  readonly target: Word
}

export interface Assign {
  readonly name: string
  readonly value: Word
}

export interface List {
  readonly type: 'list'
  readonly items: readonly { readonly node: Node; readonly bg: boolean }[]
}

export type Node =
  | List
  | {
      readonly type: 'simple'
      readonly assigns: readonly Assign[]
      readonly words: readonly Word[]
      readonly redirs: readonly Redir[]
      readonly line: number
    }
  | { readonly type: 'pipeline'; readonly bang: boolean; readonly cmds: readonly Node[] }
  | {
      readonly type: 'andor'
      readonly first: Node
      readonly rest: readonly { readonly op: '&&' | '||'; readonly node: Node }[]
    }
  | { readonly type: 'group'; readonly body: List; readonly redirs: readonly Redir[] }
  | { readonly type: 'subshell'; readonly body: List; readonly redirs: readonly Redir[] }
  | {
      readonly type: 'if'
      readonly clauses: readonly { readonly cond: List; readonly body: List }[]
      readonly else: List | undefined
      readonly redirs: readonly Redir[]
    }
  | {
      readonly type: 'loop'
      readonly until: boolean
      readonly cond: List
      readonly body: List
      readonly redirs: readonly Redir[]
    }
  | {
      readonly type: 'for'
      readonly name: string
      /** undefined for `for x; do`, which iterates over "$@". */
      readonly words: readonly Word[] | undefined
      readonly body: List
      readonly redirs: readonly Redir[]
    }
  | {
      readonly type: 'case'
      readonly word: Word
      readonly items: readonly { readonly patterns: readonly Word[]; readonly body: List }[]
      readonly redirs: readonly Redir[]
    }
  | { readonly type: 'func'; readonly name: string; readonly body: Node }

export type Simple = Extract<Node, { type: 'simple' }>

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const REDIR_OPS: ReadonlySet<string> = new Set<string>(['<', '>', '>>', '>|', '<&', '>&', '<>', '<<', '<<-'])
/** Words that end a compound list; seeing one where a command should start is an error. */
const CLOSERS: ReadonlySet<string> = new Set(['then', 'else', 'elif', 'fi', 'do', 'done', 'esac', '}'])

export function isName(s: string): boolean {
  return NAME.test(s)
}

/** The text of a word made only of unquoted literal text (a candidate reserved word), else undefined. */
export function plainText(w: Word): string | undefined {
  if (w.parts.length !== 1) return undefined
  const p = w.parts[0]
  return p.type === 'lit' && !p.quoted ? p.text : undefined
}

class Parser {
  /** Tokens read ahead of the parser (at most three: `name ( )`). */
  private readonly ahead: Token[] = []
  private prev: Token | undefined = undefined

  constructor(
    private readonly lex: Lexer,
    private readonly nest: Nesting,
  ) {}

  /** The end of what has been read: the lexer's position once nothing is read ahead. */
  get pos(): number {
    return this.lex.pos
  }

  get line(): number {
    return this.lex.line
  }

  private at(k: number): Token {
    while (this.ahead.length <= k) this.ahead.push(this.lex.next())
    return this.ahead[k]
  }

  private peek(): Token {
    return this.at(0)
  }

  private next(): Token {
    const t = this.at(0)
    this.ahead.shift()
    this.prev = t
    return t
  }

  private fail(tok: Token = this.peek()): never {
    if (tok.t === 'eof') throw new SyntaxErr('syntax error: unexpected end of file', tok.line, true)
    const what = tok.t === 'nl' ? 'newline' : tok.t === 'op' ? tok.op : tok.raw
    throw new SyntaxErr(`syntax error: unexpected token \`${what}'`, tok.line, false)
  }

  private isOp(op: string): boolean {
    const t = this.peek()
    return t.t === 'op' && t.op === op
  }

  /** Whether the next token is the reserved word w (only meaningful where a command may start). */
  private isWord(w: string): boolean {
    const t = this.peek()
    return t.t === 'word' && plainText(t.word) === w
  }

  private expectWord(w: string): void {
    if (!this.isWord(w)) this.fail()
    this.next()
  }

  private skipNl(): void {
    while (this.peek().t === 'nl') this.next()
  }

  /**
   * One complete command at top level: and-or lists joined by `;` or `&` up to a newline, which is
   * consumed (with any here-document bodies) — nothing after it is read. `list` is undefined at end
   * of input; `nl` is false when the command ended at the end of the text instead of a newline.
   */
  commandLine(): { list: List | undefined; nl: boolean } {
    this.skipNl()
    if (this.peek().t === 'eof') return { list: undefined, nl: false }
    const items: { node: Node; bg: boolean }[] = []
    for (;;) {
      const node = this.andOr()
      const sep = this.peek()
      const bg = sep.t === 'op' && sep.op === '&'
      items.push({ node, bg })
      if (sep.t === 'op' && (sep.op === '&' || sep.op === ';')) {
        this.next()
        const t = this.peek()
        if (t.t !== 'nl' && t.t !== 'eof') continue
      }
      const end = this.peek()
      if (end.t === 'nl') {
        this.next()
        return { list: { type: 'list', items }, nl: true }
      }
      if (end.t === 'eof') return { list: { type: 'list', items }, nl: false }
      this.fail()
    }
  }

  program(): List {
    const l = this.list(false)
    if (this.peek().t !== 'eof') this.fail()
    return l
  }

  /** A compound list: and-or lists separated by `;`, `&` or newlines, up to a closer. */
  private list(nonEmpty = true): List {
    const items: { node: Node; bg: boolean }[] = []
    this.skipNl()
    for (;;) {
      const t = this.peek()
      if (t.t === 'eof' || (t.t === 'op' && (t.op === ')' || t.op === ';;'))) break
      if (t.t === 'word' && CLOSERS.has(plainText(t.word) ?? '')) break
      const node = this.andOr()
      const sep = this.peek()
      if (sep.t === 'op' && (sep.op === '&' || sep.op === ';')) {
        this.next()
        items.push({ node, bg: sep.op === '&' })
        this.skipNl()
      } else if (sep.t === 'nl') {
        items.push({ node, bg: false })
        this.skipNl()
      } else {
        items.push({ node, bg: false })
        break
      }
    }
    if (nonEmpty && !items.length) this.fail()
    return { type: 'list', items }
  }

  private andOr(): Node {
    const first = this.pipeline()
    const rest: { op: '&&' | '||'; node: Node }[] = []
    while (this.isOp('&&') || this.isOp('||')) {
      const op = (this.next() as { op: '&&' | '||' }).op
      this.skipNl()
      rest.push({ op, node: this.pipeline() })
    }
    return rest.length ? { type: 'andor', first, rest } : first
  }

  private pipeline(): Node {
    let bang = false
    if (this.isWord('!')) {
      this.next()
      bang = true
    }
    const cmds = [this.command()]
    while (this.isOp('|')) {
      this.next()
      this.skipNl()
      cmds.push(this.command())
    }
    return bang || cmds.length > 1 ? { type: 'pipeline', bang, cmds } : cmds[0]
  }

  private command(): Node {
    enter(this.nest, this.peek().line)
    try {
      return this.commandIn()
    } finally {
      this.nest.depth--
    }
  }

  private commandIn(): Node {
    const t = this.peek()
    if (t.t === 'op' && t.op === '(') {
      this.next()
      const body = this.list()
      if (!this.isOp(')')) this.fail()
      this.next()
      return { type: 'subshell', body, redirs: this.redirs() }
    }
    if (t.t !== 'word') return this.simple()
    const w = plainText(t.word)
    switch (w) {
      case '{': {
        this.next()
        const body = this.list()
        this.expectWord('}')
        return { type: 'group', body, redirs: this.redirs() }
      }
      case 'if':
        return this.ifClause()
      case 'while':
      case 'until':
        return this.loop(w === 'until')
      case 'for':
        return this.forClause()
      case 'case':
        return this.caseClause()
    }
    if (w !== undefined && (CLOSERS.has(w) || w === '!')) this.fail()
    // `name ( )`: look two tokens ahead only after a `(`, so a simple command ending a line never
    // makes the lexer read the next line.
    const a = w === undefined ? undefined : this.at(1)
    if (a?.t === 'op' && a.op === '(' && this.at(2).t === 'op' && (this.at(2) as { op: Op }).op === ')') {
      if (!goodFunctionName(w!)) throw new SyntaxErr('Bad function name', a.line, false)
      this.next()
      this.next()
      this.next()
      this.skipNl()
      const body = this.command()
      if (body.type === 'simple' || body.type === 'func') this.fail(this.prev)
      return { type: 'func', name: w!, body }
    }
    return this.simple()
  }

  private simple(): Node {
    const line = this.peek().line
    const assigns: Assign[] = []
    const words: Word[] = []
    const redirs: Redir[] = []
    for (;;) {
      const t = this.peek()
      if (t.t === 'op' && REDIR_OPS.has(t.op)) redirs.push(this.redir())
      else if (t.t === 'word') {
        this.next()
        const a = words.length ? undefined : assignment(t.word)
        if (a) assigns.push(a)
        else words.push(t.word)
      } else break
    }
    if (!assigns.length && !words.length && !redirs.length) this.fail()
    return { type: 'simple', assigns, words, redirs, line }
  }

  private redir(): Redir {
    const t = this.next() as Extract<Token, { t: 'op' }>
    const target = this.next()
    if (target.t !== 'word') this.fail(target)
    const op = t.op as RedirOp
    if (op === '<<' || op === '<<-') {
      // The body is read at the end of the line, after this: the token gets it then.
      return {
        fd: t.fd,
        op,
        get target(): Word {
          return t.heredoc ?? target.word
        },
      }
    }
    return { fd: t.fd, op, target: target.word }
  }

  private redirs(): Redir[] {
    const out: Redir[] = []
    for (let t = this.peek(); t.t === 'op' && REDIR_OPS.has(t.op); t = this.peek()) out.push(this.redir())
    return out
  }

  private ifClause(): Node {
    const clauses: { cond: List; body: List }[] = []
    let elseBody: List | undefined
    this.next()
    for (;;) {
      const cond = this.list()
      this.expectWord('then')
      clauses.push({ cond, body: this.list() })
      if (this.isWord('elif')) {
        this.next()
        continue
      }
      if (this.isWord('else')) {
        this.next()
        elseBody = this.list()
      }
      break
    }
    this.expectWord('fi')
    return { type: 'if', clauses, else: elseBody, redirs: this.redirs() }
  }

  private loop(until: boolean): Node {
    this.next()
    const cond = this.list()
    this.expectWord('do')
    const body = this.list()
    this.expectWord('done')
    return { type: 'loop', until, cond, body, redirs: this.redirs() }
  }

  private forClause(): Node {
    this.next()
    const n = this.next()
    const name = n.t === 'word' ? plainText(n.word) : undefined
    if (name === undefined || !isName(name)) this.fail(n)
    this.skipNl()
    let words: Word[] | undefined
    if (this.isWord('in')) {
      this.next()
      words = []
      for (let t = this.peek(); t.t === 'word'; t = this.peek()) {
        words.push(t.word)
        this.next()
      }
      if (!this.isOp(';') && this.peek().t !== 'nl') this.fail()
      this.next()
    } else if (this.isOp(';')) this.next()
    this.skipNl()
    this.expectWord('do')
    const body = this.list()
    this.expectWord('done')
    return { type: 'for', name, words, body, redirs: this.redirs() }
  }

  private caseClause(): Node {
    this.next()
    const w = this.next()
    if (w.t !== 'word') this.fail(w)
    this.skipNl()
    this.expectWord('in')
    this.skipNl()
    const items: { patterns: Word[]; body: List }[] = []
    while (!this.isWord('esac')) {
      if (this.isOp('(')) this.next()
      const patterns: Word[] = []
      for (;;) {
        const p = this.next()
        if (p.t !== 'word') this.fail(p)
        patterns.push(p.word)
        if (!this.isOp('|')) break
        this.next()
      }
      if (!this.isOp(')')) this.fail()
      this.next()
      const body = this.list(false)
      items.push({ patterns, body })
      if (this.isOp(';;')) {
        this.next()
        this.skipNl()
      } else if (!this.isWord('esac')) this.fail()
    }
    this.next()
    return { type: 'case', word: w.word, items, redirs: this.redirs() }
  }
}

/** `NAME=value` at the start of a simple command; the name part must be unquoted. */
/**
 * FreeBSD's sh takes any plain word as a function name (`235704_head() ...` in its own test
 * programs) except one with a `/` (it could not be called), one ending in a character of ksh's
 * extended patterns or `=`, and the special builtins (parser.c).
 */
function goodFunctionName(w: string): boolean {
  if (w.includes('/') || '!%*+-=?@}~'.includes(w[w.length - 1] ?? '!')) return false
  return !SPECIAL_BUILTINS.includes(w)
}

const SPECIAL_BUILTINS: readonly string[] = [
  ':',
  '.',
  'break',
  'continue',
  'eval',
  'exec',
  'exit',
  'export',
  'readonly',
  'return',
  'set',
  'shift',
  'times',
  'trap',
  'unset',
]

function assignment(w: Word): Assign | undefined {
  const p = w.parts[0]
  if (p?.type !== 'lit' || p.quoted) return undefined
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(p.text)
  if (!m) return undefined
  const rest = p.text.slice(m[0].length)
  const parts = rest ? [{ ...p, text: rest }, ...w.parts.slice(1)] : w.parts.slice(1)
  return { name: m[1], value: { parts, line: w.line } }
}

/** Parses the text of a command substitution, within its enclosing text's nesting. */
function parseSub(src: string, firstLine: number, nest: Nesting): List {
  return new Parser(new Lexer(src, parseSub, firstLine, nest), nest).program()
}

/** Parses a whole text; throws SyntaxErr (with `eof` set when more input could complete it). */
export function parse(src: string, firstLine = 1): List {
  return parseSub(src, firstLine, { depth: 0 })
}

/** What parseCommand found: the command, where it ended, and whether a newline ended it. */
export interface NextCommand {
  /** undefined when only blank lines and comments were left. */
  readonly list: List | undefined
  /** Index in src just after the command (and its newline and here-documents). */
  readonly end: number
  /** Line number at end. */
  readonly line: number
  /** False when the command ran to the end of src: more text could still extend it. */
  readonly nl: boolean
}

/**
 * Parses the next complete command of src from index pos, as FreeBSD's sh does before running
 * it; throws SyntaxErr. A caller feeding a script piecewise passes whole lines, and reads more
 * when the result has `nl` false or the error has `eof` set.
 */
export function parseCommand(src: string, pos: number, line: number): NextCommand {
  const nest = { depth: 0 }
  const p = new Parser(new Lexer(src, parseSub, line, nest, pos), nest)
  const { list, nl } = p.commandLine()
  return { list, end: p.pos, line: p.line, nl }
}
