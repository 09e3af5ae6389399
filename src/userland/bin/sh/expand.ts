/**
 * Word expansion (POSIX XCU 2.6): parameter expansion with its `${...}` operators, command
 * substitution, arithmetic expansion, field splitting on IFS, pathname expansion (through the
 * host's glob, over the shell's file tree) and quote removal. There is no tilde expansion.
 * Expansion reads and writes shell state only through ExpandHost; errors throw FatalError.
 */

import { evalArith } from './arith.js'
import { isName, type List, type Word, type WordPart } from './parser.js'
import { quotePattern, type TrimOp, trimPattern } from './pattern.js'
import { FatalError } from './signals.js'

/** What expansion needs from the shell. */
export interface ExpandHost {
  /** A parameter other than `@`/`*`: a variable, `?`, `$`, `!`, `#`, `-`, `0`, `1`... */
  param(name: string): string | undefined
  /** The positional parameters, for `$@` and `$*`. */
  params(): readonly string[]
  /** Assigns a variable (`${x:=y}`, `$((x=1))`). */
  assign(name: string, value: string): void
  /** Runs a command substitution and returns its output. */
  commandSubst(body: List): Promise<string>
  /** `set -u`: expanding an unset variable is an error. */
  readonly nounset: boolean
  /** Pathname expansion: the paths a pattern matches, sorted (none: the word stays). */
  glob?(pattern: string): string[]
}

/**
 * A piece of an expanded word. `split` pieces came from unquoted expansions and are subject to
 * field splitting; `quoted` pieces came from quotes and match literally in patterns. null is a
 * hard field break (between the parameters of `$@`).
 */
type Piece = { readonly text: string; readonly split: boolean; readonly quoted: boolean } | null

const DEFAULT_IFS = ' \t\n'

async function expandParts(parts: readonly WordPart[], host: ExpandHost, out: Piece[]): Promise<void> {
  for (const p of parts) {
    switch (p.type) {
      case 'lit':
        out.push({ text: p.text, split: false, quoted: p.quoted })
        break
      case 'param': {
        const before = out.length
        await expandParam(p, host, out)
        // A quoted expansion yielding nothing is still an (empty) field; only "$@" may vanish.
        const atSign = p.name === '@' && p.op === '' && !p.length
        if (p.quoted && out.length === before && !atSign) out.push({ text: '', split: false, quoted: true })
        break
      }
      case 'cmd': {
        const text = (await host.commandSubst(p.body)).replace(/\n+$/, '')
        out.push({ text, split: !p.quoted, quoted: p.quoted })
        break
      }
      case 'arith': {
        const expr = await expandString(p.expr, host)
        const v = evalArith(expr, { get: (n) => host.param(n), set: (n, v) => host.assign(n, v) })
        out.push({ text: String(v), split: !p.quoted, quoted: p.quoted })
        break
      }
    }
  }
}

/** The word of `${x:-word}` etc., as pieces in the context of the enclosing expansion. */
async function argPieces(
  arg: Word | undefined,
  quoted: boolean,
  host: ExpandHost,
  out: Piece[],
): Promise<void> {
  if (!arg) return
  const inner: Piece[] = []
  await expandParts(arg.parts, host, inner)
  for (const pc of inner) {
    // Unquoted text in the word of an unquoted expansion is split like any expansion result.
    if (pc === null) out.push(pc)
    else if (quoted) out.push({ text: pc.text, split: false, quoted: true })
    else out.push(pc.quoted ? pc : { text: pc.text, split: true, quoted: false })
  }
}

type ParamPart = Extract<WordPart, { type: 'param' }>

async function expandParam(p: ParamPart, host: ExpandHost, out: Piece[]): Promise<void> {
  const { name, op, quoted } = p
  const push = (text: string) => out.push({ text, split: !quoted, quoted })
  let value: string | undefined
  if (name === '@' || name === '*') {
    const ps = host.params()
    if (p.length) return void push(String(ps.length))
    if (op === '') {
      if (name === '*' && quoted) {
        const ifs = host.param('IFS')
        return void push(ps.join(ifs === undefined ? ' ' : (ifs[0] ?? '')))
      }
      ps.forEach((v, i) => {
        if (i) out.push(null)
        out.push({ text: v, split: !quoted, quoted })
      })
      return
    }
    value = ps.length ? ps.join(' ') : undefined
  } else value = host.param(name)

  const unset = value === undefined
  const empty = unset || value === ''
  const missing = op.startsWith(':') ? empty : unset
  switch (op) {
    case '':
    case '%':
    case '%%':
    case '#':
    case '##':
      if (unset && host.nounset && (isName(name) || /^[1-9]/.test(name))) {
        throw new FatalError(`${name}: parameter not set`)
      }
      if (p.length) return void push(String(value?.length ?? 0))
      if (op === '') return void push(value ?? '')
      return void push(trimPattern(value ?? '', await expandPattern(p.arg!, host), op as TrimOp))
    case '-':
    case ':-':
      if (missing) return argPieces(p.arg, quoted, host, out)
      return void push(value!)
    case '=':
    case ':=':
      if (missing) {
        if (!isName(name)) throw new FatalError(`${name}: cannot assign in this way`)
        value = p.arg ? await expandString(p.arg, host) : ''
        host.assign(name, value)
      }
      return void push(value!)
    case '?':
    case ':?':
      if (missing) {
        const msg = p.arg ? await expandString(p.arg, host) : ''
        throw new FatalError(
          `${name}: ${msg || (op === '?' ? 'parameter not set' : 'parameter null or not set')}`,
        )
      }
      return void push(value!)
    case '+':
    case ':+':
      if (!missing) return argPieces(p.arg, quoted, host, out)
      return
  }
}

/** Field splitting (POSIX 2.6.5) of pieces into fields, with quote removal already done. */
/** A field after splitting: its text, the same as a pattern, and whether it has unquoted `*?[`. */
interface Field {
  text: string
  pat: string
  magic: boolean
}

function splitFields(pieces: readonly Piece[], ifs: string): Field[] {
  const fields: Field[] = []
  let cur = ''
  let pat = ''
  let magic = false
  let has = false // the current field exists (has text or came from quotes)
  let delim: 'none' | 'ws' | 'other' = 'none' // what ended the previous field, while !has
  const end = () => {
    fields.push({ text: cur, pat, magic })
    cur = ''
    pat = ''
    magic = false
    has = false
  }
  const add = (text: string, quoted: boolean) => {
    cur += text
    if (quoted) pat += quotePattern(text)
    else {
      pat += text
      if (/[*?[]/.test(text)) magic = true
    }
  }
  for (const p of pieces) {
    if (p === null) {
      if (has) end()
      delim = 'none'
      continue
    }
    if (!p.split || !ifs) {
      add(p.text, p.quoted)
      if (p.text || p.quoted) {
        has = true
        delim = 'none'
      }
      continue
    }
    for (const c of p.text) {
      if (!ifs.includes(c)) {
        add(c, false)
        has = true
        delim = 'none'
      } else if (c === ' ' || c === '\t' || c === '\n') {
        if (has) {
          end()
          delim = 'ws'
        }
      } else if (has) {
        end()
        delim = 'other'
      } else if (delim === 'ws') {
        delim = 'other' // whitespace around a non-whitespace IFS char is part of one delimiter
      } else {
        fields.push({ text: '', pat: '', magic: false }) // two non-whitespace delimiters in a row delimit an empty field
        delim = 'other'
      }
    }
  }
  if (has) fields.push({ text: cur, pat, magic })
  return fields
}

/** Expands words into command arguments: fields split on IFS, empty unquoted results removed. */
export async function expandFields(words: readonly Word[], host: ExpandHost): Promise<string[]> {
  const out: string[] = []
  for (const w of words) {
    // Fast path: a plain literal word needs no expansion.
    const lit = w.parts.length === 1 && w.parts[0].type === 'lit' ? w.parts[0] : undefined
    if (lit !== undefined && (lit.quoted || !/[*?[]/.test(lit.text))) {
      out.push(lit.text)
      continue
    }
    const pieces: Piece[] = []
    await expandParts(w.parts, host, pieces)
    const ifs = host.param('IFS') ?? DEFAULT_IFS
    for (const f of splitFields(pieces, ifs)) {
      // Pathname expansion (2.6.6): a pattern that matches nothing stays as it is.
      const names = f.magic && host.glob !== undefined ? host.glob(f.pat) : []
      if (names.length > 0) out.push(...names)
      else out.push(f.text)
    }
  }
  return out
}

/** Expands a word to one string, without field splitting (assignments, redirections, `case`). */
export async function expandString(w: Word, host: ExpandHost): Promise<string> {
  const pieces: Piece[] = []
  await expandParts(w.parts, host, pieces)
  return pieces.map((p) => (p === null ? ' ' : p.text)).join('')
}

/** Expands a word into a shell pattern: quoted characters are escaped so they match literally. */
export async function expandPattern(w: Word, host: ExpandHost): Promise<string> {
  const pieces: Piece[] = []
  await expandParts(w.parts, host, pieces)
  return pieces.map((p) => (p === null ? ' ' : p.quoted ? quotePattern(p.text) : p.text)).join('')
}

/** Splits a line for `read` into n values: the last one takes the rest of the line (POSIX read). */
export function splitForRead(line: string, n: number, ifs: string | undefined, raw: boolean): string[] {
  const sep = ifs ?? DEFAULT_IFS
  const isWs = (c: string) => sep.includes(c) && (c === ' ' || c === '\t' || c === '\n')
  // Unescape first, remembering which characters were escaped: those never delimit.
  const chars: { c: string; lit: boolean }[] = []
  for (let i = 0; i < line.length; i++) {
    if (!raw && line[i] === '\\' && i + 1 < line.length) chars.push({ c: line[++i], lit: true })
    else chars.push({ c: line[i], lit: false })
  }
  const delim = (k: number) => !chars[k].lit && sep.includes(chars[k].c)
  const text = (a: number, b: number) =>
    chars
      .slice(a, b)
      .map((x) => x.c)
      .join('')
  const out: string[] = []
  let i = 0
  const skipWs = () => {
    while (i < chars.length && !chars[i].lit && isWs(chars[i].c)) i++
  }
  skipWs()
  while (out.length < n - 1 && i < chars.length) {
    const start = i
    while (i < chars.length && !delim(i)) i++
    out.push(text(start, i))
    skipWs()
    if (i < chars.length && delim(i) && !isWs(chars[i].c)) {
      i++
      skipWs()
    }
  }
  let end = chars.length
  while (end > i && !chars[end - 1].lit && isWs(chars[end - 1].c)) end--
  out.push(text(i, end))
  while (out.length < n) out.push('')
  return out
}
