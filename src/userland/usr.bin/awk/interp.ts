/**
 * Runs a parsed awk program (parse.ts) over input text: records split by RS, fields by FS (a
 * blank, one literal character, or an ERE), the special variables (NR, NF, FNR, FS, OFS, ORS, RS,
 * FILENAME, SUBSEP, RSTART, RLENGTH, CONVFMT, OFMT, ENVIRON), POSIX's string/number/strnum
 * comparison rules, arrays, user functions and the builtins. Output goes through `emit`; files
 * are read and written through the callbacks the program gives, so this holds no I/O of its own.
 * A runaway program is stopped by a step budget rather than hanging the host.
 */

import { posixRegex } from '../../bin/sh/bltin/utils.js'
import type { Expr, Func, Program, Stmt } from './ast.js'
import { callBuiltin } from './builtins.js'
import { numToString, sprintf } from './format.js'
import { getField, rebuild, setField, setRecord, splitFields, splitRecords, splitWith } from './record.js'
import {
  type Arr,
  AwkError,
  arith,
  BreakSig,
  type Cell,
  ContinueSig,
  ESC,
  ExitSig,
  NextFileSig,
  NextSig,
  NUM_PREFIX,
  ReturnSig,
  StrNum,
  strnum,
  UNINIT,
  type Val,
} from './value.js'

export { AwkError }

export interface AwkIo {
  /** Output to stdout, or to a file/`/dev/stderr` for `print > f` (append: `>>` or later writes). */
  emit(dest: string | undefined, s: string, append: boolean): void
  /** A file's text for `getline < f`, or undefined. */
  readFile(path: string): string | undefined
  environ: ReadonlyMap<string, string>
}

/** Most statements and expressions one run may evaluate (a loop that never ends is stopped). */
const MAX_STEPS = 10_000_000

export class Awk {
  private readonly globals = new Map<string, Cell>()
  private frames: Map<string, Cell>[] = []
  rec = ''
  fields: string[] | undefined = undefined
  nf = 0
  private readonly reCache = new Map<string, RegExp>()
  private range = new Map<number, boolean>()
  opened = new Set<string>()
  /** Records still to read from each file `getline < file` has opened. */
  readonly getlineFiles = new Map<string, string[]>()
  private steps = 0
  seed = 0
  randState = 0
  private depth = 0
  /** The records of the current input still to be read (for getline). */
  private pending: string[] = []
  exitCode = 0

  constructor(
    private readonly prog: Program,
    private readonly io: AwkIo,
  ) {
    const g = this.globals
    g.set('FS', ' ')
    g.set('OFS', ' ')
    g.set('ORS', '\n')
    g.set('RS', '\n')
    g.set('NR', 0)
    g.set('FNR', 0)
    g.set('SUBSEP', '\x1c')
    g.set('CONVFMT', '%.6g')
    g.set('OFMT', '%.6g')
    g.set('RSTART', 0)
    g.set('RLENGTH', -1)
    g.set('FILENAME', '')
    const env: Arr = new Map()
    for (const [k, v] of io.environ) env.set(k, strnum(v))
    g.set('ENVIRON', env)
  }

  /** `-v name=value` and `name=value` operands: the value's escapes are processed, it is a strnum. */
  assignVar(name: string, value: string): void {
    this.setVar(name, strnum(value.replace(/\\(.)/g, (_m, c: string) => ESC[c] ?? c)))
  }

  // ---- running

  /** BEGIN actions; false if the program has no main items or END (input need not be read). */
  begin(): boolean {
    try {
      for (const it of this.prog.items) if (it.pattern === 'BEGIN') this.stmts(it.action!)
    } catch (e) {
      if (e instanceof ExitSig) {
        this.exitCode = e.code
        this.exited = true
        return false
      }
      throw e
    }
    return this.prog.items.some((it) => it.pattern !== 'BEGIN')
  }

  exited = false

  /** Runs the main items over one input's text. */
  input(name: string, text: string): void {
    if (this.exited) return
    this.setVar('FILENAME', name)
    this.setVar('FNR', 0)
    this.pending = splitRecords(this, text)
    try {
      while (this.pending.length) {
        setRecord(this, this.pending.shift()!)
        this.incr('NR')
        this.incr('FNR')
        try {
          this.mainItems()
        } catch (e) {
          if (e instanceof NextSig) continue
          throw e
        }
      }
    } catch (e) {
      if (e instanceof NextFileSig) return
      if (e instanceof ExitSig) {
        this.exitCode = e.code
        this.exited = true
        return
      }
      throw e
    }
  }

  end(): void {
    try {
      for (const it of this.prog.items) if (it.pattern === 'END') this.stmts(it.action!)
    } catch (e) {
      if (e instanceof ExitSig) this.exitCode = e.code
      else throw e
    }
  }

  /** Whether END should run: not after exit in BEGIN... (POSIX: exit in BEGIN still runs END). */
  private mainItems(): void {
    const items = this.prog.items
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!
      if (it.pattern === 'BEGIN' || it.pattern === 'END') continue
      let hit: boolean
      if (it.pattern === undefined) hit = true
      else if (Array.isArray(it.pattern)) {
        const on = this.range.get(i) ?? false
        if (!on) {
          hit = this.truthy(this.eval(it.pattern[0]))
          if (hit) this.range.set(i, !this.truthy(this.eval(it.pattern[1])))
        } else {
          hit = true
          if (this.truthy(this.eval(it.pattern[1]))) this.range.set(i, false)
        }
      } else hit = this.truthy(this.eval(it.pattern))
      if (!hit) continue
      if (it.action === undefined) this.print([], undefined)
      else this.stmts(it.action)
    }
  }

  /** `s` split as FS `fs` splits a record (record.ts); split() uses it too. */
  splitWith(s: string, fs: string): string[] {
    return splitWith(this, s, fs)
  }

  // ---- variables

  lookup(name: string): Map<string, Cell> {
    const fr = this.frames[this.frames.length - 1]
    return fr?.has(name) ? fr : this.globals
  }

  getVar(name: string): Val {
    if (name === 'NF') {
      splitFields(this)
      return this.nf
    }
    const c = this.lookup(name).get(name)
    if (c instanceof Map) throw new AwkError(`can't use array ${name} in scalar context`)
    return c ?? UNINIT
  }

  setVar(name: string, v: Val): void {
    if (name === 'NF') {
      const n = Math.max(0, Math.trunc(this.num(v)))
      const f = splitFields(this)
      while (f.length <= n) f.push('')
      f.length = n + 1
      this.nf = n
      rebuild(this)
      return
    }
    const scope = this.lookup(name)
    if (scope.get(name) instanceof Map) throw new AwkError(`can't assign to ${name}; it's an array name.`)
    scope.set(name, v)
  }

  private incr(name: string): void {
    this.setVar(name, this.num(this.getVar(name)) + 1)
  }

  array(name: string): Arr {
    const scope = this.lookup(name)
    const c = scope.get(name)
    if (c instanceof Map) return c
    if (c !== undefined && c !== UNINIT) throw new AwkError(`can't use scalar ${name} as array`)
    const a: Arr = new Map()
    scope.set(name, a)
    return a
  }

  private subscript(subs: readonly Expr[]): string {
    return subs.map((e) => this.str(this.eval(e))).join(this.str(this.getVar('SUBSEP')))
  }

  // ---- conversions

  num(v: Val): number {
    if (typeof v === 'number') return v
    if (v instanceof StrNum) {
      if (v.n !== undefined) return v.n
      v = v.s
    }
    const m = NUM_PREFIX.exec(v)
    return m ? Number(m[0]) : 0
  }

  str(v: Val, fmtVar = 'CONVFMT'): string {
    if (typeof v === 'string') return v
    if (v instanceof StrNum) return v.s
    return numToString(v, this.str(this.getVar(fmtVar)))
  }

  truthy(v: Val): boolean {
    if (typeof v === 'number') return v !== 0
    if (v instanceof StrNum) return v.n !== undefined ? v.n !== 0 : v.s !== ''
    return v !== ''
  }

  regex(src: string): RegExp {
    let re = this.reCache.get(src)
    if (re === undefined) {
      try {
        re = new RegExp(posixRegex(src, true))
      } catch {
        throw new AwkError(`syntax error in regular expression ${src}`)
      }
      if (this.reCache.size > 256) this.reCache.clear()
      this.reCache.set(src, re)
    }
    return re
  }

  reOf(e: Expr): RegExp {
    return e.k === 're' ? this.regex(e.src) : this.regex(this.str(this.eval(e)))
  }

  // ---- statements

  private stmts(list: readonly Stmt[]): void {
    for (const s of list) this.stmt(s)
  }

  private tick(): void {
    if (++this.steps > MAX_STEPS) throw new AwkError('program ran too long; stopped')
  }

  private stmt(s: Stmt): void {
    this.tick()
    switch (s.k) {
      case 'expr':
        this.eval(s.e)
        return
      case 'print':
        this.print(s.args, s.dest)
        return
      case 'printf': {
        if (!s.args.length) throw new AwkError('printf: no format')
        const vals = s.args.map((a) => this.eval(a))
        const text = sprintf(
          this.str(vals[0]!),
          vals.slice(1),
          (a) => this.num(a),
          (a) => this.str(a),
        )
        this.out(s.dest, text)
        return
      }
      case 'if':
        if (this.truthy(this.eval(s.c))) this.stmt(s.t)
        else if (s.f) this.stmt(s.f)
        return
      case 'while':
        while (this.truthy(this.eval(s.c))) if (this.loopBody(s.body)) break
        return
      case 'do':
        do {
          if (this.loopBody(s.body)) break
        } while (this.truthy(this.eval(s.c)))
        return
      case 'for':
        if (s.init) this.stmt(s.init)
        while (s.c === undefined || this.truthy(this.eval(s.c))) {
          if (this.loopBody(s.body)) break
          if (s.step) this.stmt(s.step)
        }
        return
      case 'forin': {
        const a = this.array(s.arr)
        for (const k of [...a.keys()]) {
          if (!a.has(k)) continue
          this.setVar(s.v, strnum(k))
          if (this.loopBody(s.body)) break
        }
        return
      }
      case 'block':
        this.stmts(s.body)
        return
      case 'next':
        throw new NextSig()
      case 'nextfile':
        throw new NextFileSig()
      case 'break':
        throw new BreakSig()
      case 'continue':
        throw new ContinueSig()
      case 'exit':
        throw new ExitSig(s.e ? Math.trunc(this.num(this.eval(s.e))) & 0xff : this.exitCode)
      case 'return':
        throw new ReturnSig(s.e ? this.eval(s.e) : UNINIT)
      case 'delete': {
        const a = this.array(s.name)
        if (s.subs === undefined) a.clear()
        else a.delete(this.subscript(s.subs))
        return
      }
    }
  }

  /** Runs a loop body; true when it broke out. */
  private loopBody(body: Stmt): boolean {
    try {
      this.stmt(body)
    } catch (e) {
      if (e instanceof BreakSig) return true
      if (e instanceof ContinueSig) return false
      throw e
    }
    return false
  }

  private print(args: readonly Expr[], dest: { op: string; e: Expr } | undefined): void {
    const parts = args.length ? args.map((a) => this.str(this.eval(a), 'OFMT')) : [this.rec]
    this.out(dest, parts.join(this.str(this.getVar('OFS'))) + this.str(this.getVar('ORS')))
  }

  private out(dest: { op: string; e: Expr } | undefined, text: string): void {
    if (dest === undefined) {
      this.io.emit(undefined, text, true)
      return
    }
    if (dest.op === '|') throw new AwkError('output to a command (print | "cmd") is not supported')
    const name = this.str(this.eval(dest.e))
    const append = dest.op === '>>' || this.opened.has(name)
    this.opened.add(name)
    this.io.emit(name, text, append)
  }

  // ---- expressions

  assignTo(e: Expr, v: Val): Val {
    switch (e.k) {
      case 'var':
        this.setVar(e.name, v)
        return v
      case 'field':
        setField(this, Math.trunc(this.num(this.eval(e.e))), this.str(v))
        return v
      case 'index':
        this.array(e.name).set(this.subscript(e.subs), v)
        return v
      default:
        throw new AwkError('assignment to a non-variable')
    }
  }

  private compare(a: Val, b: Val): number {
    const numeric = (v: Val) => typeof v === 'number' || (v instanceof StrNum && v.n !== undefined)
    if (numeric(a) && numeric(b)) {
      const x = this.num(a)
      const y = this.num(b)
      return x < y ? -1 : x > y ? 1 : 0
    }
    const x = this.str(a)
    const y = this.str(b)
    return x < y ? -1 : x > y ? 1 : 0
  }

  eval(e: Expr): Val {
    switch (e.k) {
      case 'num':
        return e.v
      case 'str':
        return e.v
      case 're':
        return this.regex(e.src).test(this.rec) ? 1 : 0
      case 'group':
        return this.eval(e.e)
      case 'var':
        return this.getVar(e.name)
      case 'field':
        return getField(this, Math.trunc(this.num(this.eval(e.e))))
      case 'index': {
        const a = this.array(e.name)
        const k = this.subscript(e.subs)
        const v = a.get(k)
        if (v === undefined) {
          a.set(k, UNINIT)
          return UNINIT
        }
        return v
      }
      case 'in':
        return this.array(e.name).has(this.subscript(e.subs)) ? 1 : 0
      case 'assign': {
        if (e.op === '=') return this.assignTo(e.lhs, this.copy(this.eval(e.rhs)))
        const r = this.num(this.eval(e.rhs))
        const l = this.num(this.eval(e.lhs))
        return this.assignTo(e.lhs, arith(e.op.slice(0, -1), l, r))
      }
      case 'cond':
        return this.truthy(this.eval(e.c)) ? this.eval(e.a) : this.eval(e.b)
      case 'un': {
        const v = this.eval(e.e)
        if (e.op === '!') return this.truthy(v) ? 0 : 1
        return e.op === '-' ? -this.num(v) : this.num(v)
      }
      case 'incdec': {
        const old = this.num(this.eval(e.e))
        const nv = e.op === '++' ? old + 1 : old - 1
        this.assignTo(e.e, nv)
        return e.post ? old : nv
      }
      case 'match': {
        const s = this.str(this.eval(e.e))
        return this.reOf(e.re).test(s) !== e.neg ? 1 : 0
      }
      case 'bin':
        return this.binary(e.op, e.a, e.b)
      case 'builtin':
        return this.builtin(e.name, e.args)
      case 'call':
        return this.call(e.name, e.args)
      case 'getline':
        return this.getline(e)
    }
  }

  /** A value as stored by assignment: strnums keep their string and numeric nature. */
  private copy(v: Val): Val {
    return v
  }

  private binary(op: string, ea: Expr, eb: Expr): Val {
    switch (op) {
      case '&&':
        return this.truthy(this.eval(ea)) && this.truthy(this.eval(eb)) ? 1 : 0
      case '||':
        return this.truthy(this.eval(ea)) || this.truthy(this.eval(eb)) ? 1 : 0
      case 'cat':
        return this.str(this.eval(ea)) + this.str(this.eval(eb))
    }
    const a = this.eval(ea)
    const b = this.eval(eb)
    switch (op) {
      case '<':
        return this.compare(a, b) < 0 ? 1 : 0
      case '<=':
        return this.compare(a, b) <= 0 ? 1 : 0
      case '>':
        return this.compare(a, b) > 0 ? 1 : 0
      case '>=':
        return this.compare(a, b) >= 0 ? 1 : 0
      case '==':
        return this.compare(a, b) === 0 ? 1 : 0
      case '!=':
        return this.compare(a, b) !== 0 ? 1 : 0
    }
    return arith(op, this.num(a), this.num(b))
  }

  private call(name: string, args: readonly Expr[]): Val {
    const f: Func | undefined = this.prog.funcs.get(name)
    if (f === undefined) throw new AwkError(`calling undefined function ${name}`)
    if (args.length > f.params.length)
      throw new AwkError(`function ${name} called with ${args.length} args, accepts only ${f.params.length}`)
    if (this.depth >= 1000) throw new AwkError(`function call nesting too deep in ${name}`)
    const frame = new Map<string, Cell>()
    for (let i = 0; i < f.params.length; i++) {
      const p = f.params[i]!
      const a = args[i]
      const c = a?.k === 'var' ? this.lookup(a.name).get(a.name) : undefined
      // Arrays are passed by reference, scalars by value.
      frame.set(p, a === undefined ? UNINIT : c instanceof Map ? c : this.eval(a))
    }
    this.frames.push(frame)
    this.depth++
    try {
      this.stmts(f.body)
      return UNINIT
    } catch (e) {
      if (e instanceof ReturnSig) return e.v
      throw e
    } finally {
      this.frames.pop()
      this.depth--
    }
  }

  private getline(e: Extract<Expr, { k: 'getline' }>): Val {
    let line: string | undefined
    if (e.file !== undefined) {
      const name = this.str(this.eval(e.file))
      const text = name === '-' || name === '/dev/stdin' ? undefined : this.io.readFile(name)
      if (text === undefined) return -1
      let recs = this.getlineFiles.get(name)
      if (recs === undefined) {
        recs = splitRecords(this, text)
        this.getlineFiles.set(name, recs)
      }
      line = recs.shift()
      if (line === undefined) return 0
    } else {
      line = this.pending.shift()
      if (line === undefined) return 0
      this.incr('NR')
      this.incr('FNR')
    }
    if (e.v === undefined) {
      setRecord(this, line)
      if (e.file !== undefined) this.incr('NR')
    } else this.assignTo(e.v, strnum(line))
    return 1
  }

  private builtin(name: string, args: readonly Expr[]): Val {
    return callBuiltin(this, name, args)
  }
}
