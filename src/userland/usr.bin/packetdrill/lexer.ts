/**
 * The packetdrill script tokenizer. It is pulled one token at a time by the parser (one token of
 * lookahead), because a few spots need raw text that is not made of tokens: the parenthesised note
 * after a system call's result (`(Can't assign requested address)`) is read with rawUntilClose().
 * Whole-token constructs handled here: `//` and `/* *\/` comments, backquoted shell commands and
 * `%{ }%` blocks (both may span lines), `--name=value` option lines, `#ifdef`-style directive
 * lines. Every token keeps the line it starts and ends on. The only exception thrown is
 * PktSyntaxError; the lexer never interprets what a token means.
 */

export class PktSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: syntax error: ${reason}`)
    this.name = 'PktSyntaxError'
  }
}

export type TokenKind =
  | 'num' // 12, 0x1f, 0.100, .5 (text kept: a time needs the exact decimal digits)
  | 'ident'
  | 'punct' // one of PUNCT, or '...'
  | 'string' // "..." with C escapes decoded
  | 'shell' // `...` contents
  | 'python' // %{ ... }% contents
  | 'option' // --name=value (text is name=value)
  | 'directive' // #ifdef NAME and friends (text is the whole line after '#')
  | 'eof'

export interface Token {
  readonly kind: TokenKind
  readonly text: string
  readonly line: number
  /** Line of the token's last character (differs from line for multi-line commands). */
  readonly endLine: number
  /** First token on its line: options and directives must be, and expressions end before one. */
  readonly first: boolean
}

const PUNCT = '()[]{}<>,=:|&*+-!~/.;'

const isDigit = (c: string): boolean => c >= '0' && c <= '9'
const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_'
const isIdentChar = (c: string): boolean => isIdentStart(c) || isDigit(c)
const isHex = (c: string): boolean => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')

/** How a token shows in an error message. */
export function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file'
    case 'shell':
      return 'a backquoted command'
    case 'python':
      return 'a %{ }% block'
    case 'string':
      return 'a string'
    case 'option':
      return `option --${t.text}`
    case 'directive':
      return `#${t.text}`
    default:
      return `'${t.text}'`
  }
}

/** The value of an integer token's text, or null for a decimal fraction or an unsafe integer. */
export function intValue(text: string): number | null {
  if (text.includes('.')) return null
  const v = Number(text)
  return Number.isSafeInteger(v) ? v : null
}

export class Lexer {
  private pos = 0
  private line = 1
  /** True until a token has been produced on the current line. */
  private atLineStart = true
  private peeked: Token | null = null
  private lastEndLine = 0

  constructor(
    private readonly src: string,
    readonly file: string,
  ) {}

  error(line: number, reason: string): PktSyntaxError {
    return new PktSyntaxError(this.file, line, reason)
  }

  peek(): Token {
    this.peeked ??= this.scan()
    return this.peeked
  }

  next(): Token {
    const t = this.peek()
    this.peeked = null
    this.lastEndLine = t.endLine
    return t
  }

  /** True when the next token is the punctuation `ch`. */
  isPunct(ch: string): boolean {
    const t = this.peek()
    return t.kind === 'punct' && t.text === ch
  }

  /** True when the next token is the identifier `name`. */
  isIdent(name: string): boolean {
    const t = this.peek()
    return t.kind === 'ident' && t.text === name
  }

  /** Consumes the punctuation `ch` if it comes next. */
  acceptPunct(ch: string): boolean {
    if (!this.isPunct(ch)) return false
    this.next()
    return true
  }

  expectPunct(ch: string, where: string): Token {
    const t = this.peek()
    if (t.kind !== 'punct' || t.text !== ch)
      throw this.error(t.line, `expected '${ch}' ${where}, found ${describe(t)}`)
    return this.next()
  }

  expectIdent(what: string): Token {
    const t = this.peek()
    if (t.kind !== 'ident') throw this.error(t.line, `expected ${what}, found ${describe(t)}`)
    return this.next()
  }

  /** True when the next token starts on the line where the last consumed token ended. */
  sameLine(): boolean {
    const t = this.peek()
    return t.kind !== 'eof' && t.line === this.lastEndLine
  }

  /** An unsigned integer token (decimal or 0x hex) no larger than max. */
  expectUint(what: string, max: number): number {
    const t = this.peek()
    if (t.kind !== 'num') throw this.error(t.line, `expected ${what}, found ${describe(t)}`)
    const v = intValue(t.text)
    if (v === null) throw this.error(t.line, `expected an integer ${what}, found '${t.text}'`)
    if (v > max) throw this.error(t.line, `${what} ${t.text} is out of range (0-${max})`)
    this.next()
    return v
  }

  /**
   * The raw text up to the ')' that closes an already consumed '(' (nested parentheses allowed),
   * trimmed; the ')' is consumed. It must end on the line it started on.
   */
  rawUntilClose(): string {
    if (this.peeked) throw new Error('rawUntilClose with a token pending')
    const start = this.pos
    let depth = 1
    for (; this.pos < this.src.length; this.pos++) {
      const c = this.src[this.pos]!
      if (c === '\n') break
      if (c === '(') depth++
      else if (c === ')' && --depth === 0) {
        const text = this.src.slice(start, this.pos).trim()
        this.pos++
        this.atLineStart = false
        return text
      }
    }
    throw this.error(this.line, "missing ')' at the end of the line")
  }

  private scan(): Token {
    this.skipSpaceAndComments()
    const first = this.atLineStart
    const line = this.line
    if (this.pos >= this.src.length) return { kind: 'eof', text: '', line, endLine: line, first }
    this.atLineStart = false
    const src = this.src
    const c = src[this.pos]!
    const tok = (kind: TokenKind, text: string): Token => ({ kind, text, line, endLine: this.line, first })

    if (c === '`') return tok('shell', this.delimited(1, '`', 'backquoted command'))
    if (c === '%' && src[this.pos + 1] === '{') return tok('python', this.delimited(2, '}%', '%{ block'))
    if (c === '"') return tok('string', this.string())
    if (c === '#') {
      if (!first) throw this.error(line, "'#' is only allowed at the start of a line")
      return tok('directive', this.restOfLine(1))
    }
    if (c === '-' && src[this.pos + 1] === '-' && first && isIdentStart(src[this.pos + 2] ?? '')) {
      const end = this.wordEnd(this.pos + 2)
      const text = src.slice(this.pos + 2, end)
      this.pos = end
      return tok('option', text)
    }
    if (isDigit(c) || (c === '.' && isDigit(src[this.pos + 1] ?? ''))) return tok('num', this.number())
    if (isIdentStart(c)) {
      const start = this.pos
      while (this.pos < src.length && isIdentChar(src[this.pos]!)) this.pos++
      return tok('ident', src.slice(start, this.pos))
    }
    if (src.startsWith('...', this.pos)) {
      this.pos += 3
      return tok('punct', '...')
    }
    if (PUNCT.includes(c)) {
      this.pos++
      return tok('punct', c)
    }
    const code = c.charCodeAt(0)
    const shown = code > 0x20 && code < 0x7f ? `'${c}'` : `\\x${code.toString(16).padStart(2, '0')}`
    throw this.error(line, `unexpected character ${shown}`)
  }

  private skipSpaceAndComments(): void {
    const src = this.src
    while (this.pos < src.length) {
      const c = src[this.pos]!
      if (c === '\n') {
        this.line++
        this.atLineStart = true
        this.pos++
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
        this.pos++
      } else if (c === '/' && src[this.pos + 1] === '/') {
        while (this.pos < src.length && src[this.pos] !== '\n') this.pos++
      } else if (c === '/' && src[this.pos + 1] === '*') {
        const line = this.line
        const end = src.indexOf('*/', this.pos + 2)
        if (end < 0) throw this.error(line, "unterminated '/*' comment")
        this.countLines(this.pos, end)
        this.pos = end + 2
      } else {
        return
      }
    }
  }

  private countLines(from: number, to: number): void {
    for (let i = from; i < to; i++) if (this.src[i] === '\n') this.line++
  }

  /** Text between an opener of `open` characters and `close`, which may span lines. */
  private delimited(open: number, close: string, what: string): string {
    const line = this.line
    const start = this.pos + open
    const end = this.src.indexOf(close, start)
    if (end < 0) throw this.error(line, `unterminated ${what}`)
    this.countLines(start, end)
    this.pos = end + close.length
    return this.src.slice(start, end)
  }

  private restOfLine(skip: number): string {
    const start = this.pos + skip
    let end = this.src.indexOf('\n', start)
    if (end < 0) end = this.src.length
    this.pos = end
    // A directive line may end in a comment, as C's may.
    return this.src
      .slice(start, end)
      .replace(/\/\/.*$/, '')
      .trim()
  }

  private wordEnd(from: number): number {
    let i = from
    while (i < this.src.length && !' \t\r\n'.includes(this.src[i]!)) i++
    return i
  }

  private number(): string {
    const src = this.src
    const start = this.pos
    if (src[this.pos] === '0' && (src[this.pos + 1] === 'x' || src[this.pos + 1] === 'X')) {
      this.pos += 2
      while (this.pos < src.length && isHex(src[this.pos]!)) this.pos++
      if (this.pos === start + 2)
        throw this.error(this.line, `malformed number '${src.slice(start, this.pos)}'`)
    } else {
      while (this.pos < src.length && isDigit(src[this.pos]!)) this.pos++
      // A fraction, but not the '...' of a time span (`1...6`).
      if (src[this.pos] === '.' && isDigit(src[this.pos + 1] ?? '')) {
        this.pos++
        while (this.pos < src.length && isDigit(src[this.pos]!)) this.pos++
      }
    }
    if (this.pos < src.length && isIdentChar(src[this.pos]!))
      throw this.error(this.line, `malformed number '${src.slice(start, this.wordEnd(this.pos))}'`)
    return src.slice(start, this.pos)
  }

  private string(): string {
    const src = this.src
    const line = this.line
    let out = ''
    for (this.pos++; this.pos < src.length; this.pos++) {
      const c = src[this.pos]!
      if (c === '"') {
        this.pos++
        return out
      }
      if (c === '\n') break
      if (c !== '\\') {
        out += c
        continue
      }
      const e = src[++this.pos] ?? ''
      const simple: Readonly<Record<string, string>> = {
        n: '\n',
        t: '\t',
        r: '\r',
        '0': '\0',
        '\\': '\\',
        '"': '"',
      }
      if (e in simple) out += simple[e]
      else if (e === 'x' && isHex(src[this.pos + 1] ?? '') && isHex(src[this.pos + 2] ?? '')) {
        out += String.fromCharCode(Number.parseInt(src.slice(this.pos + 1, this.pos + 3), 16))
        this.pos += 2
      } else throw this.error(line, `unknown escape '\\${e}' in string`)
    }
    throw this.error(line, 'unterminated string')
  }
}
