/**
 * Oniguruma's "Perl NT" regex syntax (jq's) rewritten as a JavaScript pattern for the `u` flag,
 * construct by construct, so that it matches what jq's matches: `$` is Perl's end or before a
 * final newline, `.` stops at `\n` only, inline options `(?imsx-imsx)` and `(?i:…)` are scoped as
 * Oniguruma scopes them (case-insensitivity by spelling out both cases, since JavaScript has no
 * scoped flags before ES2025), escapes Perl NT does not know are the letter itself (`\h` is "h",
 * as jq 1.6/1.7 match it), POSIX brackets, `\Q…\E`, `{,n}` a literal. What JavaScript cannot
 * match the same way (atomic groups, possessive quantifiers, `\K`, `\G`, subexpression calls,
 * class intersections) is Unsupported, which regex_match.ts reports as jq's "is not a valid regex".
 */

/** The options in force at a point of the pattern. */
export interface Mode {
  ci: boolean
  dotAll: boolean
  multiline: boolean
  extended: boolean
}

export class Unsupported extends Error {}

const POSIX: Readonly<Record<string, string>> = {
  alpha: '\\p{Alphabetic}',
  digit: '0-9',
  alnum: '\\p{Alphabetic}\\p{Nd}',
  upper: '\\p{Uppercase}',
  lower: '\\p{Lowercase}',
  space: '\\s',
  blank: ' \\t',
  punct: '\\p{P}\\p{S}',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  cntrl: '\\p{Cc}',
  ascii: '\\x00-\\x7f',
  print: '\\P{C}',
  graph: '\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}',
}

const LITERAL_ESC: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  f: '\f',
  e: '\x1b',
  a: '\x07',
}

const CLASS_ESC: ReadonlySet<string> = new Set(['d', 'D', 'w', 'W', 's', 'S'])
const REFUSED: Readonly<Record<string, string>> = {
  K: '\\K (keep) is not supported',
  G: '\\G (search start) is not supported',
  X: '\\X (extended grapheme) is not supported',
  y: '\\y (grapheme boundary) is not supported',
  Y: '\\Y (grapheme boundary) is not supported',
  c: '\\c (control character) is not supported',
}

/** An escape: one literal character, or pattern text (a class, an anchor, a backreference). */
type Atom = { lit: string } | { text: string }

const SYNTAX = '^$\\.*+?()[]{}|/'

function other(ch: string): string | null {
  const l = ch.toLowerCase()
  const u = ch.toUpperCase()
  const alt = ch === l ? u : l
  return alt !== ch && [...alt].length === 1 ? alt : null
}

function escLit(ch: string, inClass: boolean): string {
  if (inClass) return ']\\^-['.includes(ch) || ch === '/' ? `\\${ch}` : ch
  return SYNTAX.includes(ch) ? `\\${ch}` : ch
}

class Translator {
  private i = 0
  readonly names: Array<string | null> = []
  constructor(private readonly src: string) {}

  run(mode: Mode): string {
    const out = this.seq({ ...mode }, false)
    if (this.i < this.src.length) throw new Unsupported('unmatched close parenthesis')
    return out
  }

  private lit(ch: string, mode: Mode, inClass: boolean): string {
    const alt = mode.ci ? other(ch) : null
    if (alt === null) return escLit(ch, inClass)
    return inClass ? `${escLit(ch, true)}${escLit(alt, true)}` : `[${escLit(ch, true)}${escLit(alt, true)}]`
  }

  /** Up to the `)` closing the group (left for the caller) or the end of the pattern. */
  private seq(mode: Mode, inGroup: boolean): string {
    const s = this.src
    let out = ''
    while (this.i < s.length) {
      const c = s[this.i]!
      if (c === ')') {
        if (!inGroup) throw new Unsupported('unmatched close parenthesis')
        return out
      }
      if (mode.extended && /\s/.test(c)) {
        this.i++
      } else if (mode.extended && c === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++
      } else if (c === '\\' && s[this.i + 1] === 'Q') {
        const end = s.indexOf('\\E', this.i + 2)
        for (const ch of s.slice(this.i + 2, end < 0 ? s.length : end)) out += this.lit(ch, mode, false)
        this.i = end < 0 ? s.length : end + 2
      } else if (c === '\\') {
        const a = this.escape(false)
        out += 'lit' in a ? this.lit(a.lit, mode, false) : a.text
      } else if (c === '.') {
        out += mode.dotAll ? '[^]' : '[^\\n]'
        this.i++
      } else if (c === '^') {
        out += mode.multiline ? '(?<=^|\\n)' : '^'
        this.i++
      } else if (c === '$') {
        out += mode.multiline ? '(?=\\n|$)' : '(?=\\n?$)'
        this.i++
      } else if (c === '(') out += this.group(mode)
      else if (c === '[') out += this.charClass(mode)
      else if (c === '{') out += this.brace()
      else if (c === '}' || c === ']') {
        out += `\\${c}`
        this.i++
      } else if (c === '*' || c === '+' || c === '?') {
        if (s[this.i + 1] === '+') throw new Unsupported('possessive quantifiers are not supported')
        out += c
        this.i++
      } else if (c === '|') {
        out += c
        this.i++
      } else {
        const ch = String.fromCodePoint(s.codePointAt(this.i)!)
        out += this.lit(ch, mode, false)
        this.i += ch.length
      }
    }
    if (inGroup) throw new Unsupported('end pattern with unmatched parenthesis')
    return out
  }

  private close(): void {
    if (this.src[this.i] !== ')') throw new Unsupported('end pattern with unmatched parenthesis')
    this.i++
  }

  private group(mode: Mode): string {
    const rest = this.src.slice(this.i)
    if (rest.startsWith('(?#')) {
      const end = this.src.indexOf(')', this.i)
      if (end < 0) throw new Unsupported('end pattern in group')
      this.i = end + 1
      return ''
    }
    const named = /^\(\?(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest)
    if (named !== null) {
      const name = named[1] ?? named[2]!
      this.names.push(name)
      this.i += named[0].length
      const inner = this.seq({ ...mode }, true)
      this.close()
      return `(?<${name}>${inner})`
    }
    const look = /^\(\?(?::|=|!|<=|<!)/.exec(rest)
    if (look !== null) {
      this.i += look[0].length
      const inner = this.seq({ ...mode }, true)
      this.close()
      return `${look[0]}${inner})`
    }
    const opts = /^\(\?([imsx]*)(?:-([imsx]*))?(:|\))/.exec(rest)
    if (opts !== null && (opts[1] !== '' || (opts[2] ?? '') !== '')) {
      const m = opts[3] === ':' ? { ...mode } : mode
      const set = (letters: string, on: boolean): void => {
        for (const l of letters) {
          if (l === 'i') m.ci = on
          else if (l === 's') m.dotAll = on
          else if (l === 'm') m.multiline = on
          else m.extended = on
        }
      }
      set(opts[1]!, true)
      set(opts[2] ?? '', false)
      this.i += opts[0].length
      if (opts[3] === ')') return ''
      const inner = this.seq(m, true)
      this.close()
      return `(?:${inner})`
    }
    if (rest.startsWith('(?>')) throw new Unsupported('atomic groups are not supported')
    if (rest.startsWith('(?')) throw new Unsupported('undefined group option')
    this.names.push(null)
    this.i++
    const inner = this.seq({ ...mode }, true)
    this.close()
    return `(${inner})`
  }

  /** `{n}`, `{n,}`, `{n,m}` are quantifiers; any other brace is itself (Perl NT has no `{,n}`). */
  private brace(): string {
    const q = /^\{\d+(,\d*)?\}/.exec(this.src.slice(this.i))
    if (q === null) {
      this.i++
      return '\\{'
    }
    this.i += q[0].length
    if (this.src[this.i] === '+') throw new Unsupported('possessive quantifiers are not supported')
    return q[0]
  }

  private escape(inClass: boolean): Atom {
    const s = this.src
    const c = s[this.i + 1]
    if (c === undefined) throw new Unsupported('end pattern at escape')
    this.i += 2
    const rest = s.slice(this.i)
    if (LITERAL_ESC[c] !== undefined) return { lit: LITERAL_ESC[c]! }
    if (CLASS_ESC.has(c)) return { text: `\\${c}` }
    if (REFUSED[c] !== undefined) throw new Unsupported(REFUSED[c]!)
    if (c === 'x') {
      const m = /^\{([0-9a-fA-F]{1,8})\}|^[0-9a-fA-F]{1,2}/.exec(rest)
      if (m === null) throw new Unsupported('invalid code point value')
      this.i += m[0].length
      const cp = Number.parseInt(m[1] ?? m[0], 16)
      if (cp > 0x10ffff) throw new Unsupported('invalid code point value')
      return { lit: String.fromCodePoint(cp) }
    }
    if (c === '0') {
      const m = /^[0-7]{0,2}/.exec(rest)!
      this.i += m[0].length
      return { lit: String.fromCharCode(Number.parseInt(`0${m[0]}`, 8)) }
    }
    if (c === 'p' || c === 'P') {
      const m = /^\{(\^?)([A-Za-z_]+)\}/.exec(rest)
      if (m === null) return { lit: c }
      this.i += m[0].length
      return { text: `\\${(m[1] === '^') === (c === 'p') ? 'P' : 'p'}{${m[2]}}` }
    }
    if (inClass) {
      if (c === 'b') return { lit: '\b' }
      if (/[1-9ABzZNORk]/.test(c)) throw new Unsupported(`\\${c} in a character class is not supported`)
    } else {
      if (c === 'b' || c === 'B') return { text: `\\${c}` }
      if (c === 'A') return { text: '^' }
      if (c === 'z') return { text: '$' }
      if (c === 'Z') return { text: '(?=\\n?$)' }
      if (c === 'N') return { text: '[^\\n]' }
      if (c === 'O') return { text: '[^]' }
      if (c === 'R') return { text: '(?:\\r\\n|[\\n\\v\\f\\r\\u0085\\u2028\\u2029])' }
      const octal = /^[0-7]{2}/.exec(rest)
      if (/[1-7]/.test(c) && octal !== null) {
        // Three octal digits are a character, as Oniguruma reads them when no such group exists.
        this.i += 2
        return { lit: String.fromCharCode(Number.parseInt(c + octal[0], 8)) }
      }
      if (/[1-9]/.test(c)) {
        const d = /^\d*/.exec(rest)![0]
        this.i += d.length
        return { text: `\\${c}${d}` }
      }
      if (c === 'k') {
        const m = /^<([A-Za-z_]\w*)>/.exec(rest)
        if (m === null) return { lit: 'k' }
        this.i += m[0].length
        return { text: `\\k<${m[1]}>` }
      }
      if (c === 'g' && /^[<']/.test(rest)) throw new Unsupported('subexpression calls are not supported')
    }
    return { lit: c }
  }

  /** One member of a class: a literal (which may start a range) or a class escape. */
  private classAtom(): Atom {
    const s = this.src
    if (s[this.i] === '\\') return this.escape(true)
    const ch = String.fromCodePoint(s.codePointAt(this.i)!)
    this.i += ch.length
    return { lit: ch }
  }

  private charClass(mode: Mode): string {
    const s = this.src
    let o = '['
    this.i++
    if (s[this.i] === '^') {
      o += '^'
      this.i++
    }
    let first = true
    for (;;) {
      const c = s[this.i]
      if (c === undefined) throw new Unsupported('premature end of char-class')
      if (c === ']' && !first) {
        this.i++
        return `${o}]`
      }
      first = false
      if (c === '[') {
        const m = /^\[:([a-z]+):\]/.exec(s.slice(this.i))
        if (m === null || POSIX[m[1]!] === undefined)
          throw new Unsupported('nested character classes are not supported')
        o += POSIX[m[1]!]
        this.i += m[0].length
        continue
      }
      if (c === '&' && s[this.i + 1] === '&')
        throw new Unsupported('character class intersection is not supported')
      const a = this.classAtom()
      if (!('lit' in a)) {
        if (s[this.i] === '-' && s[this.i + 1] !== ']')
          throw new Unsupported('unmatched range specifier in char-class')
        o += a.text
        continue
      }
      if (s[this.i] === '-' && s[this.i + 1] !== ']' && s[this.i + 1] !== undefined) {
        this.i++
        const b = this.classAtom()
        if (!('lit' in b)) throw new Unsupported('invalid range in char-class')
        o += `${escLit(a.lit, true)}-${escLit(b.lit, true)}`
        const [la, lb] = [other(a.lit), other(b.lit)]
        if (mode.ci && la !== null && lb !== null && la <= lb) o += `${escLit(la, true)}-${escLit(lb, true)}`
        continue
      }
      o += this.lit(a.lit, mode, true)
    }
  }
}

/** The JavaScript pattern for src in mode, and each capturing group's name (null if unnamed). */
export function translate(src: string, mode: Mode): { out: string; names: Array<string | null> } {
  const t = new Translator(src)
  const out = t.run(mode)
  return { out, names: t.names }
}
