/**
 * The shell's tokenizer: turns source text into words, operators and newlines (POSIX XCU 2.3).
 * Words come out already structured into parts (literal text with its quoting, `$var`/`${...}`,
 * `$(...)`/backquotes, `$((...))`), because finding where a word ends requires understanding
 * them anyway. The bodies of command substitutions are parsed right away through the `sub`
 * callback. Tokens are made on demand (`next`), so the parser can stop after one command
 * without reading further. Nesting is bounded (MAX_NESTING) so no input overflows the stack.
 * Reserved words are the parser's business: the lexer knows nothing about `if` or `{`.
 * Here-documents are read here, when the newline after their `<<` is reached.
 */

import type { List, ParamOp, Word, WordPart } from './parser.js'

export class SyntaxErr extends Error {
  constructor(
    message: string,
    readonly line: number,
    /** True when more input could complete the text (an interactive shell then asks for it). */
    readonly eof: boolean,
  ) {
    super(message)
  }
}

export type Op =
  | ';'
  | ';;'
  | '&'
  | '&&'
  | '|'
  | '||'
  | '('
  | ')'
  | '<'
  | '>'
  | '>>'
  | '>|'
  | '<&'
  | '>&'
  | '<>'
  | '<<'
  | '<<-'

export type Token =
  | { readonly t: 'word'; readonly word: Word; readonly raw: string; readonly line: number }
  | {
      readonly t: 'op'
      readonly op: Op
      /** The IO_NUMBER before a redirection operator (`2>`), if any. */
      readonly fd: number | undefined
      readonly line: number
      /** For `<<` and `<<-`: the here-document body, filled in at the next newline. */
      heredoc?: Word
    }
  | { readonly t: 'nl'; readonly line: number }
  | { readonly t: 'eof'; readonly line: number }

/** Parses the text of a command substitution; supplied by the parser. */
export type SubParser = (src: string, line: number, nest: Nesting) => List

/**
 * How deeply constructs may nest (compound commands, substitutions, quotes inside `${...}`): the
 * lexer and parser recurse, and without a bound a hostile script overflows the JavaScript stack.
 * FreeBSD's sh has no fixed limit but runs out of memory; it then says "Out of space".
 */
export const MAX_NESTING = 200

/** The current nesting depth, shared by a text and everything parsed from inside it. */
export interface Nesting {
  depth: number
}

/** Enters one nesting level (leave with `nest.depth--`); throws "Out of space" past MAX_NESTING. */
export function enter(nest: Nesting, line: number): void {
  if (++nest.depth > MAX_NESTING) {
    nest.depth--
    throw new SyntaxErr('Out of space', line, false)
  }
}

const OPS: readonly Op[] = [
  '<<-',
  ';;',
  '&&',
  '||',
  '>>',
  '>|',
  '<&',
  '>&',
  '<>',
  '<<',
  ';',
  '&',
  '|',
  '(',
  ')',
  '<',
  '>',
]
const META = ' \t\n;&|<>()'
const SPECIAL_PARAMS = '@*#?-$!0'

/** Where a run of parts ends: a plain word, inside "...", inside ${...}, or the whole text. */
type Mode = 'word' | 'dq' | 'brace' | 'raw'

interface PendingHeredoc {
  tok: Extract<Token, { t: 'op' }>
  delim: string
  quoted: boolean
  strip: boolean
}

export class Lexer {
  pos: number
  line: number
  private readonly pending: PendingHeredoc[] = []
  private wantDelim: Extract<Token, { t: 'op' }> | undefined = undefined
  /** Leave here-documents open at the end instead of failing (to find a substitution's, below). */
  private openOk = false
  /**
   * Lines after the current one that a command substitution on it took as the bodies of its
   * here-documents (`x=$(cat <<EOF)` then the body): the next newline skips them.
   */
  private borrowed: { start: number; end: number } | undefined = undefined

  constructor(
    private readonly src: string,
    private readonly sub: SubParser,
    line: number,
    /** Nesting depth shared by this text and every substitution inside it (see MAX_NESTING). */
    private readonly nest: Nesting,
    pos = 0,
  ) {
    this.line = line
    this.pos = pos
  }

  private err(msg: string, eof = false): never {
    throw new SyntaxErr(msg, this.line, eof)
  }

  /** The next token; a newline token also consumes the bodies of the here-documents it completes. */
  next(): Token {
    const src = this.src
    while (this.pos < src.length) {
      const c = src[this.pos]
      if (c === ' ' || c === '\t') {
        this.pos++
      } else if (c === '\\' && src[this.pos + 1] === '\n') {
        this.pos += 2
        this.line++
      } else if (c === '#') {
        while (this.pos < src.length && src[this.pos] !== '\n') this.pos++
      } else if (c === '\n') {
        const tok: Token = { t: 'nl', line: this.line }
        this.pos++
        this.line++
        if (this.borrowed !== undefined && this.borrowed.start === this.pos) {
          this.line += countNl(src.slice(this.pos, this.borrowed.end))
          this.pos = this.borrowed.end
        }
        this.borrowed = undefined
        for (const h of this.pending.splice(0)) h.tok.heredoc = this.heredoc(h)
        return tok
      } else {
        const io = /^[0-9]+(?=[<>])/.exec(src.slice(this.pos, this.pos + 12))
        const at = this.pos + (io ? io[0].length : 0)
        const op = META.includes(src[at]) ? OPS.find((o) => src.startsWith(o, at)) : undefined
        if (op) {
          this.pos = at + op.length
          const tok = { t: 'op' as const, op, fd: io ? Number(io[0]) : undefined, line: this.line }
          if (op === '<<' || op === '<<-') this.wantDelim = tok
          return tok
        }
        const start = this.pos
        const line = this.line
        const word: Word = { parts: this.parts('word', false), line }
        if (this.wantDelim) {
          const delim = word.parts.map((p) => (p.type === 'lit' ? p.text : '')).join('')
          this.pending.push({
            tok: this.wantDelim,
            delim,
            quoted: word.parts.some((p) => p.quoted),
            strip: this.wantDelim.op === '<<-',
          })
          this.wantDelim = undefined
        }
        return { t: 'word', word, raw: src.slice(start, this.pos), line }
      }
    }
    if (this.pending.length && !this.openOk) this.err('here-document without end', true)
    return { t: 'eof', line: this.line }
  }

  tokens(): Token[] {
    const toks: Token[] = []
    for (let t = this.next(); ; t = this.next()) {
      toks.push(t)
      if (t.t === 'eof') return toks
    }
  }

  /** The here-documents text starts and does not finish (their bodies would follow a newline). */
  private openHeredocs(text: string, line: number): PendingHeredoc[] {
    const lx = new Lexer(text, this.sub, line, this.nest)
    lx.openOk = true
    lx.tokens()
    return lx.pending
  }

  /**
   * For a substitution whose here-documents open on this line and close after it (FreeBSD's sh
   * and bash read `$(cat <<EOF)` that way): the body lines following this line, which the next
   * newline then skips. Several substitutions on a line take their bodies in order.
   */
  private borrowBodies(open: readonly PendingHeredoc[]): string {
    if (!open.length) return ''
    const src = this.src
    let start = this.borrowed?.end
    if (start === undefined) {
      const nl = src.indexOf('\n', this.pos)
      if (nl < 0) this.err('here-document without end', true)
      start = nl + 1
      this.borrowed = { start, end: start }
    }
    let i = start
    for (const h of open) {
      for (;;) {
        if (i >= src.length) this.err(`here-document delimited by '${h.delim}' not closed`, true)
        let e = src.indexOf('\n', i)
        if (e < 0) e = src.length
        const text = src.slice(i, e)
        i = e + 1
        if ((h.strip ? text.replace(/^\t+/, '') : text) === h.delim) break
      }
    }
    const body = src.slice(start, Math.min(i, src.length))
    this.borrowed!.end = i
    return `\n${body}`
  }

  /** Reads a here-document body up to its delimiter line (POSIX 2.7.4). */
  private heredoc(h: PendingHeredoc): Word {
    const src = this.src
    const line = this.line
    let body = ''
    for (;;) {
      if (this.pos >= src.length) this.err(`here-document delimited by '${h.delim}' not closed`, true)
      let end = src.indexOf('\n', this.pos)
      if (end < 0) end = src.length
      let text = src.slice(this.pos, end)
      this.pos = end + 1
      this.line++
      if (h.strip) text = text.replace(/^\t+/, '')
      if (text === h.delim) break
      body += text + '\n'
    }
    if (h.quoted) return { parts: [{ type: 'lit', text: body, quoted: true }], line }
    return { parts: new Lexer(body, this.sub, line, this.nest).parts('raw', true), line }
  }

  /** Reads word parts until the end of the construct that mode describes. */
  parts(mode: Mode, quoted: boolean): WordPart[] {
    enter(this.nest, this.line)
    try {
      return this.partsIn(mode, quoted)
    } finally {
      this.nest.depth--
    }
  }

  private partsIn(mode: Mode, quoted: boolean): WordPart[] {
    const src = this.src
    const out: WordPart[] = []
    const lit = (text: string, q: boolean) => {
      const last = out[out.length - 1]
      if (last?.type === 'lit' && last.quoted === q) out[out.length - 1] = { ...last, text: last.text + text }
      else out.push({ type: 'lit', text, quoted: q })
    }
    for (;;) {
      if (this.pos >= src.length) {
        if (mode === 'dq') this.err('unterminated quoted string', true)
        if (mode === 'brace') this.err("missing '}'", true)
        return out
      }
      const c = src[this.pos]
      if (mode === 'word' && META.includes(c)) return out
      if (mode === 'dq' && c === '"') return out
      if (mode === 'brace' && c === '}') return out
      if (c === '\\') {
        const n = src[this.pos + 1]
        if (n === '\n') {
          this.pos += 2
          this.line++
        } else if (n === undefined) {
          lit('\\', quoted)
          this.pos++
        } else if ((mode === 'dq' || mode === 'raw') && !'$`"\\'.includes(n)) {
          lit('\\', quoted) // inside double quotes a backslash only escapes $ ` " \ and newline
          this.pos++
        } else if (mode === 'raw' && n === '"') {
          lit('\\', quoted)
          this.pos++
        } else {
          lit(n, true)
          this.pos += 2
        }
      } else if (c === "'" && (mode === 'word' || mode === 'brace')) {
        const end = src.indexOf("'", this.pos + 1)
        if (end < 0) this.err('unterminated quoted string', true)
        const text = src.slice(this.pos + 1, end)
        lit(text, true)
        this.line += countNl(text)
        this.pos = end + 1
      } else if (c === '"' && (mode === 'word' || mode === 'brace')) {
        this.pos++
        const inner = this.parts('dq', true)
        this.pos++ // the closing quote
        if (!inner.length) lit('', true) // "" is an empty field, not nothing
        for (const p of inner)
          if (p.type === 'lit') lit(p.text, true)
          else out.push(p)
      } else if (c === '`') {
        out.push(this.backquote(quoted))
      } else if (c === '$') {
        const p = this.dollar(quoted)
        if (p) out.push(p)
        else {
          lit('$', quoted)
          this.pos++
        }
      } else {
        lit(c, quoted)
        if (c === '\n') this.line++
        this.pos++
      }
    }
  }

  private backquote(quoted: boolean): WordPart {
    const src = this.src
    const line = this.line
    let body = ''
    let i = this.pos + 1
    for (;;) {
      if (i >= src.length) this.err('unterminated backquote', true)
      const c = src[i]
      if (c === '`') break
      if (c === '\\' && '$`\\'.includes(src[i + 1] ?? '')) {
        body += src[i + 1]
        i += 2
      } else {
        body += c
        i++
      }
    }
    this.line += countNl(src.slice(this.pos, i))
    this.pos = i + 1
    return { type: 'cmd', body: this.sub(body, line, this.nest), quoted }
  }

  /** Parses an expansion at a '$'; null if the '$' is literal. */
  private dollar(quoted: boolean): WordPart | null {
    const src = this.src
    const n = src[this.pos + 1]
    const line = this.line
    if (n === '(' && src[this.pos + 2] === '(') {
      const end = this.arithEnd(this.pos + 3)
      const text = src.slice(this.pos + 3, end)
      this.line += countNl(src.slice(this.pos, end))
      this.pos = end + 2
      return {
        type: 'arith',
        expr: { parts: new Lexer(text, this.sub, line, this.nest).parts('raw', true), line },
        quoted,
      }
    }
    if (n === '(') {
      const end = this.scanParen(this.pos + 2)
      let text = src.slice(this.pos + 2, end)
      this.line += countNl(src.slice(this.pos, end))
      this.pos = end + 1
      if (text.includes('<<')) text += this.borrowBodies(this.openHeredocs(text, line))
      return { type: 'cmd', body: this.sub(text, line, this.nest), quoted }
    }
    if (n === '{') return this.braced(quoted)
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9])/.exec(src.slice(this.pos + 1, this.pos + 256))
    if (name) {
      this.pos += 1 + name[0].length
      return { type: 'param', name: name[0], op: '', arg: undefined, length: false, quoted }
    }
    if (n !== undefined && SPECIAL_PARAMS.includes(n)) {
      this.pos += 2
      return { type: 'param', name: n, op: '', arg: undefined, length: false, quoted }
    }
    return null
  }

  private braced(quoted: boolean): WordPart {
    const src = this.src
    this.pos += 2
    let length = false
    // ${#name} is the length of name; ${#} alone is $#.
    if (
      src[this.pos] === '#' &&
      src[this.pos + 1] !== '}' &&
      /[A-Za-z0-9_@*#?$!-]/.test(src[this.pos + 1] ?? '')
    ) {
      length = true
      this.pos++
    }
    const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-])/.exec(src.slice(this.pos, this.pos + 256))
    if (!m) this.err('bad substitution')
    const name = m[0]
    this.pos += name.length
    const op = /^(?::[-=?+]|[-=?+]|%%|%|##|#)/.exec(src.slice(this.pos, this.pos + 2))?.[0] as
      | ParamOp
      | undefined
    let arg: Word | undefined
    if (op && !length) {
      this.pos += op.length
      arg = { parts: this.parts('brace', false), line: this.line }
    }
    if (src[this.pos] !== '}') {
      const eof = this.pos >= src.length
      this.err(eof ? "missing '}'" : 'bad substitution', eof)
    }
    this.pos++
    return { type: 'param', name, op: op && !length ? op : '', arg, length, quoted }
  }

  /** Index of the '))' closing a `$((` whose text starts at i. */
  private arithEnd(i: number): number {
    const src = this.src
    let depth = 0
    for (; i < src.length; i++) {
      const c = src[i]
      if (c === '(') depth++
      else if (c === ')') {
        if (depth === 0) {
          if (src[i + 1] === ')') return i
          this.err('bad arithmetic expression')
        }
        depth--
      }
    }
    return this.err("missing '))'", true)
  }

  /** One nested scan from i, one nesting level deeper (an error past MAX_NESTING, not a stack overflow). */
  private nested(scan: (this: Lexer, i: number) => number, i: number): number {
    enter(this.nest, this.line)
    try {
      return scan.call(this, i)
    } finally {
      this.nest.depth--
    }
  }

  /**
   * Index of the ')' closing a `$(` whose text starts at i, skipping quotes, nested substitutions
   * and comments. (Like early shells, an unbalanced `pat)` of a `case` inside `$(...)` confuses it.)
   */
  private scanParen(i: number): number {
    return this.nested(this.scanParenIn, i)
  }

  private scanParenIn(i: number): number {
    const src = this.src
    let depth = 1
    let wordStart = true
    while (i < src.length) {
      const c = src[i]
      if (c === '\\') i += 2
      else if (c === "'") i = this.skipTo("'", i + 1) + 1
      else if (c === '"') i = this.scanDq(i + 1) + 1
      else if (c === '`') i = this.scanBq(i + 1) + 1
      else if (c === '$' && src[i + 1] === '(') i = this.scanParen(i + 2) + 1
      else if (c === '$' && src[i + 1] === '{') i = this.scanBrace(i + 2) + 1
      else if (c === '#' && wordStart) i = this.skipTo('\n', i)
      else {
        if (c === '(') depth++
        else if (c === ')' && --depth === 0) return i
        i++
      }
      wordStart = META.includes(src[i - 1] ?? ' ')
    }
    return this.err("missing ')'", true)
  }

  private skipTo(ch: string, i: number): number {
    const end = this.src.indexOf(ch, i)
    if (end < 0) this.err(ch === "'" ? 'unterminated quoted string' : `missing '${ch}'`, true)
    return end
  }

  private scanDq(i: number): number {
    return this.nested(this.scanDqIn, i)
  }

  private scanDqIn(i: number): number {
    const src = this.src
    while (i < src.length) {
      const c = src[i]
      if (c === '"') return i
      if (c === '\\') i += 2
      else if (c === '`') i = this.scanBq(i + 1) + 1
      else if (c === '$' && src[i + 1] === '(') i = this.scanParen(i + 2) + 1
      else if (c === '$' && src[i + 1] === '{') i = this.scanBrace(i + 2) + 1
      else i++
    }
    return this.err('unterminated quoted string', true)
  }

  private scanBq(i: number): number {
    const src = this.src
    while (i < src.length) {
      if (src[i] === '`') return i
      i += src[i] === '\\' ? 2 : 1
    }
    return this.err('unterminated backquote', true)
  }

  private scanBrace(i: number): number {
    return this.nested(this.scanBraceIn, i)
  }

  private scanBraceIn(i: number): number {
    const src = this.src
    while (i < src.length) {
      const c = src[i]
      if (c === '}') return i
      if (c === '\\') i += 2
      else if (c === "'") i = this.skipTo("'", i + 1) + 1
      else if (c === '"') i = this.scanDq(i + 1) + 1
      else if (c === '`') i = this.scanBq(i + 1) + 1
      else if (c === '$' && src[i + 1] === '(') i = this.scanParen(i + 2) + 1
      else if (c === '$' && src[i + 1] === '{') i = this.scanBrace(i + 2) + 1
      else i++
    }
    return this.err("missing '}'", true)
  }
}

function countNl(s: string): number {
  let n = 0
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++
  return n
}

/** Splits source text into tokens; throws SyntaxErr. */
export function tokenize(src: string, sub: SubParser, firstLine = 1): Token[] {
  return new Lexer(src, sub, firstLine, { depth: 0 }).tokens()
}
