/**
 * Parses a packetdrill script into the tree of ast.ts; the front half of `virtnet packetdrill`
 * (it runs nothing). Written from the script language as the FreeBSD TCP suite uses it and from
 * packetdrill's documentation, not from packetdrill's source. Grammar (newlines are not
 * significant, except that an expression, an errno and a result note end at the end of the line):
 *
 *   script    := option* [SHELL] (event | directive)* [SHELL]    init and cleanup commands (no time)
 *   option    := --name[=value]                       at the start of a line
 *   directive := #ifdef NAME | #ifndef NAME | #else | #endif    NAME is a platform (`FreeBSD`)
 *   event     := time (packet | syscall | SHELL | PYTHON)
 *   time      := '*' | point [('...' | '~') point]    ...: a call that blocks; ~: any time between
 *   point     := ['+'] NUMBER                         seconds; '+' is relative to the previous event
 *   syscall   := NAME '(' [expr (',' expr)*] ')' '=' expr [ERRNO] ['(' any text ')']
 *   expr      := expr ('|' | '&' | '+' | '-' | '*' | '/') expr | '-' expr | INT | '...' | NAME
 *              | NAME '(' args ')' | STRING | '[' exprs ']' | '{' [NAME '='] expr, ... '}' | '(' expr ')'
 *   packet    := ('<' | '>') ['[' ecn ']'] ['(' ipfield N, ... ')'] flags seq ['!'] field* [tcpopts]
 *                ['/' 'udp' '(' PORT '>' PORT ')']
 *   flags     := [FSRPUEW]+ ['.'] | '.'              '.' is ACK
 *   seq       := N ':' N '(' N ')' | '...' '(' N ')' ! after seq: an absolute sequence number
 *   field     := 'ack' N | 'win' N | 'urg' N
 *   tcpopts   := '<' '...' '>' | '<' [opt (',' opt)*] '>'
 *   opt       := nop | eol | sackOK | mss N | wscale N | TS val N ecr N | sack (N:N)+ | md5 [valid|invalid]
 *   SHELL     := `...`  PYTHON := %{ ... }%  comments: // to the end of the line, /* ... *\/
 *
 * Events inside an #ifdef for another platform are parsed (so errors show everywhere) but left out.
 * The only exception thrown is PktSyntaxError (`FILE:LINE: syntax error: ...`).
 */

import type {
  Action,
  BinaryOp,
  EventTime,
  Expr,
  Script,
  ScriptEvent,
  ScriptOption,
  ShellAction,
  StructField,
} from './ast.js'
import { describe, intValue, Lexer, type Token } from './lexer.js'
import { parseTcpPacket } from './segment.js'

export { PktSyntaxError } from './lexer.js'

export interface ParseOptions {
  /** The name in error messages. */
  readonly file?: string
  /** Which `#ifdef NAME` blocks apply. Default 'FreeBSD', as the suite is written for it. */
  readonly platform?: string
}

/** Deeper nesting than this in an expression is refused rather than overflowing the stack. */
const MAX_DEPTH = 64

const PRECEDENCE: Readonly<Record<BinaryOp, number>> = Object.freeze({
  '|': 1,
  '&': 2,
  '+': 3,
  '-': 3,
  '*': 4,
  '/': 4,
})

export function parseScript(text: string, opts: ParseOptions = {}): Script {
  const lx = new Lexer(text, opts.file ?? '<script>')
  const platform = opts.platform ?? 'FreeBSD'
  const options: ScriptOption[] = []
  const events: ScriptEvent[] = []
  let init: ShellAction | null = null
  let cleanup: ShellAction | null = null
  let cleanupLine = 0
  let started = false
  /** One entry per open #ifdef: whether its current branch applies, and where it began. */
  const conds: { active: boolean; line: number; sawElse: boolean }[] = []
  const active = (): boolean => conds.every((c) => c.active)

  for (;;) {
    const t = lx.peek()
    if (t.kind === 'eof') break
    if (t.kind === 'directive') {
      lx.next()
      directive(lx, t, conds, platform)
    } else if (t.kind === 'option') {
      lx.next()
      if (started) throw lx.error(t.line, `option --${t.text} after the first event (options go at the top)`)
      const eq = t.text.indexOf('=')
      if (active())
        options.push(
          eq < 0
            ? { name: t.text, value: '', line: t.line }
            : { name: t.text.slice(0, eq), value: t.text.slice(eq + 1), line: t.line },
        )
    } else if (t.kind === 'shell' && !started && init === null) {
      lx.next()
      if (active()) init = { kind: 'shell', command: t.text, line: t.line }
    } else if (t.kind === 'shell' && started && cleanupLine === 0) {
      lx.next()
      cleanupLine = t.line
      if (active()) cleanup = { kind: 'shell', command: t.text, line: t.line }
    } else {
      if (cleanupLine)
        throw lx.error(
          t.line,
          `${describe(t)} after the cleanup command of line ${cleanupLine} (a command without a time ends the script)`,
        )
      started = true
      const ev = parseEvent(lx)
      if (active()) events.push(ev)
    }
  }
  const open = conds.at(-1)
  if (open) throw lx.error(open.line, "#ifdef without '#endif'")
  return { file: lx.file, options, init, events, cleanup }
}

function directive(
  lx: Lexer,
  t: Token,
  conds: { active: boolean; line: number; sawElse: boolean }[],
  platform: string,
): void {
  const [word = '', name, extra] = t.text.split(/\s+/)
  const needsName = word === 'ifdef' || word === 'ifndef'
  if (!needsName && word !== 'else' && word !== 'endif')
    throw lx.error(t.line, `unknown directive '#${word}'`)
  if ((needsName && !name) || (!needsName && name) || extra)
    throw lx.error(t.line, needsName ? `'#${word}' takes one name` : `'#${word}' takes no argument`)
  if (needsName) {
    conds.push({ active: (name === platform) === (word === 'ifdef'), line: t.line, sawElse: false })
    return
  }
  const top = conds.at(-1)
  if (!top) throw lx.error(t.line, `'#${word}' without '#ifdef'`)
  if (word === 'endif') conds.pop()
  else if (top.sawElse) throw lx.error(t.line, "second '#else' for one '#ifdef'")
  else conds[conds.length - 1] = { active: !top.active, line: top.line, sawElse: true }
}

function parseEvent(lx: Lexer): ScriptEvent {
  const line = lx.peek().line
  const time = parseTime(lx)
  return { line, time, action: parseAction(lx) }
}

function parseTime(lx: Lexer): EventTime {
  if (lx.acceptPunct('*')) return { kind: 'any' }
  const start = parsePoint(lx)
  const sep = lx.peek()
  if (sep.kind === 'punct' && (sep.text === '...' || sep.text === '~')) {
    lx.next()
    return { kind: sep.text === '...' ? 'span' : 'range', start, end: parsePoint(lx) }
  }
  return start.relative ? { kind: 'relative', usecs: start.usecs } : { kind: 'absolute', usecs: start.usecs }
}

function parsePoint(lx: Lexer): { relative: boolean; usecs: number } {
  const relative = lx.acceptPunct('+')
  const t = lx.peek()
  if (t.kind !== 'num')
    throw lx.error(
      t.line,
      `expected a time ('0.100', '+0.1' or '*') at the start of an event, found ${describe(t)}`,
    )
  lx.next()
  const m = /^(\d*)(?:\.(\d+))?$/.exec(t.text)
  if (!m) throw lx.error(t.line, `malformed time '${t.text}'`)
  const frac = m[2] ?? ''
  if (/[1-9]/.test(frac.slice(6))) throw lx.error(t.line, `time ${t.text} is finer than a microsecond`)
  const usecs = Number(m[1] || '0') * 1e6 + Number(frac.slice(0, 6).padEnd(6, '0'))
  if (!Number.isSafeInteger(usecs)) throw lx.error(t.line, `time ${t.text} is too large`)
  return { relative, usecs }
}

function parseAction(lx: Lexer): Action {
  const t = lx.peek()
  if (t.kind === 'punct' && (t.text === '<' || t.text === '>')) return parseTcpPacket(lx)
  if (t.kind === 'shell') {
    lx.next()
    return { kind: 'shell', command: t.text, line: t.line }
  }
  if (t.kind === 'python') {
    lx.next()
    return { kind: 'python', code: t.text }
  }
  if (t.kind === 'ident') return parseSyscall(lx)
  throw lx.error(
    t.line,
    `expected a packet ('<' or '>'), a system call, a backquoted command or %{ }% after the time, found ${describe(t)}`,
  )
}

function parseSyscall(lx: Lexer): Action {
  const name = lx.next()
  lx.expectPunct('(', `after '${name.text}'`)
  const args = parseList(lx, ')', 1)
  lx.expectPunct('=', `and the expected result after ${name.text}(...)`)
  // A symbol result followed by its note would read as a call, so no calls here.
  const result = parseExpr(lx, 0, false)
  let errno: string | null = null
  let note: string | null = null
  const e = lx.peek()
  if (e.kind === 'ident' && lx.sameLine()) errno = lx.next().text
  if (lx.isPunct('(') && lx.sameLine()) {
    lx.next()
    note = lx.rawUntilClose()
  }
  if (lx.sameLine())
    throw lx.error(lx.peek().line, `unexpected ${describe(lx.peek())} after the result of ${name.text}()`)
  return { kind: 'syscall', name: name.text, args, result, errno, note }
}

/** Comma-separated expressions up to `close` (consumed); the opener was consumed by the caller. */
function parseList(lx: Lexer, close: string, depth: number): Expr[] {
  const items: Expr[] = []
  if (lx.acceptPunct(close)) return items
  do items.push(parseExpr(lx, depth, true))
  while (lx.acceptPunct(','))
  lx.expectPunct(close, "or ',' in the list")
  return items
}

/**
 * An expression. At depth 0 (a result, outside any bracket) it ends at the end of the line, so the
 * next event's `+0.1` or `*` is not taken for an operator.
 */
function parseExpr(lx: Lexer, depth: number, calls: boolean, left?: Expr, minPrec = 1): Expr {
  let lhs = left ?? parseUnary(lx, depth, calls)
  for (;;) {
    const t = lx.peek()
    if (t.kind !== 'punct' || !Object.hasOwn(PRECEDENCE, t.text)) return lhs
    const op = t.text as BinaryOp
    const prec = PRECEDENCE[op]
    if (prec < minPrec || (depth === 0 && !lx.sameLine())) return lhs
    lx.next()
    const rhs = parseExpr(lx, depth, calls, undefined, prec + 1)
    lhs = { kind: 'binary', op, left: lhs, right: rhs, line: t.line }
  }
}

function parseUnary(lx: Lexer, depth: number, calls: boolean): Expr {
  const t = lx.peek()
  if (t.kind === 'punct' && t.text === '-') {
    lx.next()
    const operand = parseUnary(lx, deeper(lx, depth), calls)
    return operand.kind === 'int'
      ? { kind: 'int', value: -operand.value, line: t.line }
      : { kind: 'neg', operand, line: t.line }
  }
  return parsePrimary(lx, depth, calls)
}

function deeper(lx: Lexer, depth: number): number {
  if (depth >= MAX_DEPTH) throw lx.error(lx.peek().line, `expression nested deeper than ${MAX_DEPTH} levels`)
  return depth + 1
}

function parsePrimary(lx: Lexer, depth: number, calls: boolean): Expr {
  const t = lx.next()
  const line = t.line
  switch (t.kind) {
    case 'num': {
      const value = intValue(t.text)
      if (value === null) throw lx.error(line, `expected an integer, found '${t.text}'`)
      return { kind: 'int', value, line }
    }
    case 'string':
      return { kind: 'string', value: t.text, line }
    case 'ident':
      return identExpr(lx, t, depth, calls)
    case 'punct':
      if (t.text === '...') return { kind: 'ellipsis', line }
      if (t.text === '[') return { kind: 'array', items: parseList(lx, ']', deeper(lx, depth)), line }
      if (t.text === '{') return { kind: 'struct', fields: parseFields(lx, deeper(lx, depth)), line }
      if (t.text === '(') {
        const inner = parseExpr(lx, deeper(lx, depth), calls)
        lx.expectPunct(')', 'to close the parenthesis')
        return inner
      }
      break
  }
  throw lx.error(line, `expected an expression, found ${describe(t)}`)
}

/** A symbol, or a call `name(args)` when calls are allowed; the name token is already consumed. */
function identExpr(lx: Lexer, t: Token, depth: number, calls: boolean): Expr {
  if (!calls || !lx.isPunct('(')) return { kind: 'symbol', name: t.text, line: t.line }
  lx.next()
  return { kind: 'call', name: t.text, args: parseList(lx, ')', deeper(lx, depth)), line: t.line }
}

/** `{name=expr, expr, ...}` up to and including '}'. */
function parseFields(lx: Lexer, depth: number): StructField[] {
  const fields: StructField[] = []
  if (lx.acceptPunct('}')) return fields
  do {
    const t = lx.peek()
    if (t.kind === 'ident') {
      // One token of lookahead: read the name, then decide whether it was a field name.
      lx.next()
      if (lx.acceptPunct('=')) {
        fields.push({ name: t.text, value: parseExpr(lx, depth, true) })
        continue
      }
      fields.push({ name: null, value: parseExpr(lx, depth, true, identExpr(lx, t, depth, true)) })
    } else {
      fields.push({ name: null, value: parseExpr(lx, depth, true) })
    }
  } while (lx.acceptPunct(','))
  lx.expectPunct('}', "or ',' in the struct")
  return fields
}
