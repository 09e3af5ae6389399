/**
 * The shell's builtin commands: those that must change the shell itself (`set`, `export`, `exit`,
 * `wait`, `read`...), plus `echo`, `printf`, `sleep`, `test`/`[` and the text utilities of
 * utils.ts. A builtin gets the argv, the Io of its redirections and the shell; it returns a
 * status, or throws one of the control-flow signals. Everything else runs as a program via
 * `proc.spawn`.
 */

import { parseIntmax } from './arith.js'
import { cd, pwd } from './cd.js'
import { splitForRead } from './expand.js'
import { errorText, type Interp } from './interp.js'
import { isName } from './parser.js'
import { runCommands, ScriptReader } from './script.js'
import {
  BreakSig,
  ContinueSig,
  ExitSig,
  ReturnSig,
  SIGNALS,
  SIGTERM,
  signalName,
  signalNumber,
} from './signals.js'
import { PIPE_SIZE, put, readLine, type ShIo } from './streams.js'
import { runTest } from './test_builtin.js'
import { TEXT_UTILS } from './utils.js'

/** `tested` is true where a failure must not trip `set -e` (for `eval`, `.`, `command`). */
export type Builtin = (argv: readonly string[], io: ShIo, sh: Interp, tested: boolean) => Promise<number>

/** Quotes a word for `set -x` output and the `set`/`export -p` listings. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'"
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
}

/**
 * Backslash escapes of `echo -e`, `%b` (octal as \0NNN) and printf formats (octal as \NNN);
 * `stop` is set by `\c`, which ends all output.
 */
function unescapes(s: string, octalNeedsZero: boolean): { text: string; stop: boolean } {
  let text = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c !== '\\' || i + 1 >= s.length) {
      text += c
      continue
    }
    const n = s[++i]
    if (n === 'c') return { text, stop: true }
    if (Object.hasOwn(ESCAPES, n)) text += ESCAPES[n]
    else if (octalNeedsZero && n === '0') {
      const m = /^[0-7]{0,3}/.exec(s.slice(i + 1))![0]
      text += String.fromCharCode(Number.parseInt(m || '0', 8))
      i += m.length
    } else if (!octalNeedsZero && n >= '0' && n <= '7') {
      const m = /^[0-7]{1,3}/.exec(s.slice(i))![0]
      text += String.fromCharCode(Number.parseInt(m, 8))
      i += m.length - 1
    } else text += '\\' + n
  }
  return { text, stop: false }
}

const echo: Builtin = async (argv, io, sh) => {
  let i = 1
  let newline = true
  let escapes = false
  for (; i < argv.length && /^-[neE]+$/.test(argv[i]); i++) {
    for (const c of argv[i].slice(1)) {
      if (c === 'n') newline = false
      else escapes = c === 'e'
    }
  }
  let text = argv.slice(i).join(' ')
  if (escapes) {
    const r = unescapes(text, true)
    text = r.text
    if (r.stop) newline = false
  }
  await put(io.stdout, newline ? text + '\n' : text, sh.wait)
  return 0
}

const INT_MAX = 2147483647n
const INT_MAX_N = 2147483647
/** Widest printf field (and integer precision) built: as long as a variable may be. */
const MAX_FIELD = 16 * 1024 * 1024

/** The digits of v in base, at least prec of them (C: `%.0d` of 0 is empty). */
function intDigits(v: bigint, base: number, prec: number | undefined): string {
  if (prec === 0 && v === 0n) return ''
  const s = v.toString(base)
  return prec !== undefined && s.length < prec ? s.padStart(prec, '0') : s
}

const printf: Builtin = async (argv, io, sh) => {
  if (argv.length < 2) {
    io.stderr.write('usage: printf format [arguments ...]\n')
    return 1
  }
  const fmt = argv[1]
  const args = argv.slice(2)
  let ai = 0
  let status = 0
  let out = ''
  const num = (a: string | undefined): bigint => {
    if (a === undefined || a === '') return 0n
    if (a[0] === "'" || a[0] === '"') return BigInt(a.codePointAt(1) ?? 0)
    const v = parseIntmax(a)
    if (v?.range) {
      io.stderr.write(`printf: ${a}: Result too large\n`)
      status = 1
    }
    if (v !== undefined) return v.value
    io.stderr.write(`printf: ${a}: expected numeric value\n`)
    status = 1
    const lead = /^\s*[+-]?[0-9]+/.exec(a)
    return lead ? (parseIntmax(lead[0])?.value ?? 0n) : 0n
  }
  /** A `*` width or precision: an int, as C's printf takes it. */
  const star = (a: string | undefined): number | undefined => {
    const v = num(a)
    if (v >= -INT_MAX - 1n && v <= INT_MAX) return Number(v)
    io.stderr.write(`printf: ${a}: Result too large\n`)
    return undefined
  }
  for (;;) {
    const start = ai
    for (let i = 0; i < fmt.length; i++) {
      const c = fmt[i]
      if (c === '\\') {
        const m = /^\\([0-7]{1,3}|.)/s.exec(fmt.slice(i))!
        const r = unescapes(m[0], false)
        if (r.stop) {
          await put(io.stdout, out, sh.wait)
          return status
        }
        out += r.text
        i += m[0].length - 1
        continue
      }
      if (c !== '%') {
        out += c
        continue
      }
      if (fmt[i + 1] === '%') {
        out += '%'
        i++
        continue
      }
      const m = /^%([-+ #0]*)(\*|[0-9]+)?(?:\.(\*|[0-9]*))?([diouxXcsbeEfgG])/.exec(fmt.slice(i))
      if (!m) {
        io.stderr.write(`printf: illegal format character ${fmt[i + 1] ?? ''}\n`)
        await put(io.stdout, out, sh.wait)
        return 1
      }
      i += m[0].length - 1
      let flags = m[1]
      let width = m[2] === '*' ? star(args[ai++]) : m[2] ? Number(m[2]) : 0
      let prec = m[3] === '*' ? star(args[ai++]) : m[3] !== undefined ? Number(m[3] || '0') : undefined
      if (width === undefined || (m[3] === '*' && prec === undefined)) {
        await put(io.stdout, out, sh.wait)
        return 1
      }
      if (width < 0) {
        flags += '-' // a negative `*` width means left-justified, as in C
        width = -width
      }
      if (prec !== undefined && prec < 0) prec = undefined
      const conv = m[4]
      if (width > INT_MAX_N || (prec ?? 0) > INT_MAX_N) {
        // C's printf fails on a field over INT_MAX (EOVERFLOW) and FreeBSD's prints nothing for it.
        ai++
        continue
      }
      if (width > MAX_FIELD || (prec !== undefined && prec > MAX_FIELD && 'diouxXeEfgG'.includes(conv))) {
        // FreeBSD's would try to allocate it; here a field is bounded like a variable.
        await put(io.stdout, out, sh.wait)
        io.stderr.write('printf: Cannot allocate memory\n')
        return 1
      }
      const arg = args[ai++]
      let s: string
      let numeric = true
      switch (conv) {
        case 's':
          s = arg ?? ''
          if (prec !== undefined) s = s.slice(0, prec)
          numeric = false
          break
        case 'b': {
          const r = unescapes(arg ?? '', true)
          s = r.text
          numeric = false
          if (r.stop) {
            await put(io.stdout, out + s, sh.wait)
            return status
          }
          break
        }
        case 'c':
          s = (arg ?? '')[0] ?? ''
          numeric = false
          break
        case 'd':
        case 'i': {
          const v = num(arg)
          s = intDigits(v < 0n ? -v : v, 10, prec)
          s = (v < 0n ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + s
          break
        }
        case 'e':
        case 'E':
        case 'f':
        case 'g':
        case 'G': {
          const v = Number(arg ?? 0)
          const p = prec ?? 6
          // JavaScript stops at 100 digits; C goes on (with zeros beyond a double's exact digits).
          const q = Math.min(p, 100)
          s =
            conv === 'f'
              ? v.toFixed(q) + '0'.repeat(p - q)
              : conv.toLowerCase() === 'e'
                ? v.toExponential(q).replace(/e/, '0'.repeat(p - q) + 'e')
                : String(Number(v.toPrecision(q || 1)))
          s = s.replace(/e([+-])(\d)$/, 'e$10$2') // C prints at least two exponent digits
          if (conv === 'E' || conv === 'G') s = s.toUpperCase()
          if (v >= 0 && flags.includes('+')) s = '+' + s
          break
        }
        default: {
          const v = BigInt.asUintN(64, num(arg))
          const base = conv === 'o' ? 8 : conv === 'u' ? 10 : 16
          s = intDigits(v, base, prec)
          if (conv === 'X') s = s.toUpperCase()
          if (flags.includes('#') && v !== 0n && base !== 10)
            s = (base === 8 ? '0' : conv === 'X' ? '0X' : '0x') + s
        }
      }
      if (s.length < width) {
        if (flags.includes('-')) s = s.padEnd(width)
        else if (flags.includes('0') && numeric && (prec === undefined || !'diouxX'.includes(conv))) {
          const sign = /^[-+ ]/.test(s) ? s[0] : ''
          s = sign + s.slice(sign.length).padStart(width - sign.length, '0')
        } else s = s.padStart(width)
      }
      out += s
      if (out.length >= PIPE_SIZE) {
        // Many arguments make much output: hand it on as it grows instead of building it whole.
        await put(io.stdout, out, sh.wait)
        out = ''
      }
    }
    // The format is reused while arguments remain (and it consumed some).
    if (ai === start || ai >= args.length) break
  }
  await put(io.stdout, out, sh.wait)
  return status
}

function badNumber(io: ShIo, prog: string, a: string): number {
  io.stderr.write(`${prog}: Illegal number: ${a}\n`)
  return 2
}

/** `break`/`continue`/`return`/`exit`/`shift` operand: a non-negative integer. */
function count(a: string | undefined, dflt: number): number | undefined {
  if (a === undefined) return dflt
  return /^[0-9]+$/.test(a) ? Number(a) : undefined
}

const exitB: Builtin = async (argv, io, sh) => {
  const n = count(argv[1], sh.status)
  if (n === undefined) throw new ExitSig(badNumber(io, 'exit', argv[1]))
  throw new ExitSig(n & 255)
}

const returnB: Builtin = async (argv, io, sh) => {
  const n = count(argv[1], sh.status)
  if (n === undefined) return badNumber(io, 'return', argv[1])
  throw new ReturnSig(n & 255)
}

const loopJump =
  (Sig: typeof BreakSig | typeof ContinueSig): Builtin =>
  async (argv, io, sh) => {
    const n = count(argv[1], 1)
    if (n === undefined || n === 0) return badNumber(io, argv[0], argv[1])
    if (!sh.loops) return 0 // outside a loop: nothing to do, as in FreeBSD sh
    throw new Sig(Math.min(n, sh.loops))
  }

const shift: Builtin = async (argv, io, sh) => {
  const n = count(argv[1], 1)
  if (n === undefined) return badNumber(io, 'shift', argv[1])
  if (n > sh.params.length) {
    io.stderr.write("shift: can't shift that many\n")
    return 1
  }
  sh.params = sh.params.slice(n)
  return 0
}

const OPTION_NAMES: Readonly<Record<string, 'errexit' | 'xtrace' | 'nounset'>> = {
  e: 'errexit',
  x: 'xtrace',
  u: 'nounset',
  errexit: 'errexit',
  xtrace: 'xtrace',
  nounset: 'nounset',
}

const set: Builtin = async (argv, io, sh) => {
  if (argv.length === 1) {
    for (const [k, v] of [...sh.vars].sort(([a], [b]) => (a < b ? -1 : 1))) {
      io.stdout.write(`${k}=${shQuote(v.value)}\n`)
    }
    return 0
  }
  let i = 1
  let newParams = false
  for (; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      i++
      newParams = true
      break
    }
    if (!/^[-+][a-zA-Z]+$/.test(a)) break
    const on = a[0] === '-'
    for (const c of a.slice(1)) {
      const name = c === 'o' ? argv[++i] : c
      const opt = name === undefined ? undefined : OPTION_NAMES[name]
      if (opt === undefined) {
        if (c === 'o' && name === undefined) {
          for (const o of ['errexit', 'nounset', 'xtrace'] as const) {
            io.stdout.write(`${o.padEnd(16)}${sh.opts[o] ? 'on' : 'off'}\n`)
          }
          continue
        }
        io.stderr.write(`set: ${c === 'o' ? name : a[0] + c}: invalid option\n`)
        return 2
      }
      sh.opts[opt] = on
    }
  }
  if (newParams || i < argv.length) sh.params = argv.slice(i)
  return 0
}

/** `NAME[=value]` operands of export/local. */
function assignments(
  argv: readonly string[],
  io: ShIo,
  fn: (name: string, value: string | undefined) => void,
): number {
  let status = 0
  for (const a of argv.slice(1)) {
    const eq = a.indexOf('=')
    const name = eq < 0 ? a : a.slice(0, eq)
    if (!isName(name)) {
      io.stderr.write(`${argv[0]}: ${name}: bad variable name\n`)
      status = 1
      continue
    }
    fn(name, eq < 0 ? undefined : a.slice(eq + 1))
  }
  return status
}

const exportB: Builtin = async (argv, io, sh) => {
  if (argv.length === 1 || (argv.length === 2 && argv[1] === '-p')) {
    for (const [k, v] of [...sh.vars].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (v.exported) io.stdout.write(`export ${k}=${shQuote(v.value)}\n`)
    }
    return 0
  }
  return assignments(argv, io, (name, value) => {
    const v = value ?? sh.getVar(name)
    if (v === undefined)
      sh.vars.set(name, { value: '', exported: true }) // exported, though still empty
    else sh.setVar(name, v, true)
  })
}

const local: Builtin = async (argv, io, sh) =>
  assignments(argv, io, (name, value) => {
    if (!sh.makeLocal(name)) throw new Error('not in a function')
    if (value !== undefined) sh.setVar(name, value)
  })

const unset: Builtin = async (argv, _io, sh) => {
  let fns = false
  for (const a of argv.slice(1)) {
    if (a === '-f') fns = true
    else if (a === '-v') fns = false
    else if (fns) sh.funcs.delete(a)
    else sh.unsetVar(a)
  }
  return 0
}

/** Parses and runs text in the current shell a command at a time, as FreeBSD's evalstring (`eval`, `.`). */
function runText(text: string, prog: string, io: ShIo, sh: Interp, tested: boolean): Promise<number> {
  return runCommands(ScriptReader.of(text), sh, io, tested, prog)
}

const evalB: Builtin = async (argv, io, sh, tested) =>
  runText(argv.slice(1).join(' '), 'eval', io, sh, tested)

const dot: Builtin = async (argv, io, sh, tested) => {
  const file = argv[1]
  if (file === undefined) {
    io.stderr.write('.: usage: . file\n')
    return 2
  }
  const text = sh.fs.read(file)
  if (text === undefined) {
    io.stderr.write(`.: ${file}: No such file or directory\n`)
    return 1
  }
  return runText(text, file, io, sh, tested)
}

const command: Builtin = async (argv, io, sh, tested) => {
  if (argv[1] === '-v' || argv[1] === '-V') {
    let status = 0
    for (const name of argv.slice(2)) {
      const kind = Object.hasOwn(BUILTINS, name)
        ? 'a shell builtin'
        : sh.funcs.has(name)
          ? 'a shell function'
          : sh.proc.has(name)
            ? 'a program'
            : undefined
      if (kind === undefined) status = 1
      else io.stdout.write(argv[1] === '-v' ? name + '\n' : `${name} is ${kind}\n`)
    }
    return status
  }
  const args = argv.slice(argv[1] === '--' ? 2 : 1)
  return args.length ? sh.invoke(args, [], io, tested, true) : 0
}

const read: Builtin = async (argv, io, sh) => {
  let raw = false
  let i = 1
  for (; i < argv.length && argv[i][0] === '-'; i++) {
    if (argv[i] === '-r') raw = true
    else if (argv[i] === '-p' && i + 1 < argv.length) io.stderr.write(argv[++i])
    else if (argv[i] === '--') {
      i++
      break
    } else {
      io.stderr.write(`read: ${argv[i]}: invalid option\n`)
      return 2
    }
  }
  const names = argv.length > i ? argv.slice(i) : ['REPLY']
  const bad = names.find((n) => !isName(n))
  if (bad) {
    io.stderr.write(`read: ${bad}: bad variable name\n`)
    return 2
  }
  let line = ''
  let status = 0
  for (;;) {
    const l = await readLine(io.stdin, sh.wait)
    if (!l) {
      status = 1
      break
    }
    line += l.line
    if (!l.eol) status = 1
    // Without -r, a backslash at the end of a line continues it on the next one.
    const trailing = /\\+$/.exec(line)?.[0].length ?? 0
    if (raw || !l.eol || trailing % 2 === 0) break
    line = line.slice(0, -1)
  }
  const values = splitForRead(line, names.length, sh.getVar('IFS'), raw)
  for (const [k, n] of names.entries()) sh.setVar(n, values[k])
  return status
}

/** Seconds (fractions allowed, optional s/m/h/d suffix) to nanoseconds, exactly for decimals. */
export function parseDuration(s: string): number | undefined {
  const m = /^([0-9]*)(?:\.([0-9]*))?([smhd]?)$/.exec(s)
  if (!m || (m[1] === '' && !m[2])) return undefined
  const ns = Number(m[1] || '0') * 1e9 + Number((m[2] ?? '').padEnd(9, '0').slice(0, 9))
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[3] as '' | 's' | 'm' | 'h' | 'd']
  return ns * unit
}

const sleep: Builtin = async (argv, io, sh) => {
  if (argv.length < 2) {
    io.stderr.write('usage: sleep number[unit] ...\n')
    return 1
  }
  let ns = 0
  for (const a of argv.slice(1)) {
    const d = parseDuration(a)
    if (d === undefined) {
      io.stderr.write(`sleep: invalid time interval: ${a}\n`)
      return 1
    }
    ns += d
  }
  // A killed job's sleep hands its timer back, or virtual time would run on for a sleeper long gone.
  let off = (): void => {}
  const aborted = new Promise<void>((resolve) => {
    off = sh.ctl.onAbort(() => resolve())
  })
  try {
    await sh.wait(sh.proc.sleep(Math.min(ns, Number.MAX_SAFE_INTEGER), aborted))
  } finally {
    off()
  }
  return 0
}

const wait: Builtin = async (argv, _io, sh) => {
  if (argv.length === 1) {
    await sh.wait(Promise.all([...sh.jobs.values()].map((j) => j.done)))
    sh.jobs.clear()
    return 0
  }
  let status = 0
  for (const a of argv.slice(1)) {
    const pid = sh.jobPid(a)
    const job = pid === undefined ? undefined : sh.jobs.get(pid)
    if (pid === undefined || !job) {
      status = 127 // not a child of this shell
      continue
    }
    status = await sh.wait(job.done)
    sh.jobs.delete(pid)
  }
  return status
}

/** SIGINT, SIGQUIT, SIGTERM: what an interactive shell ignores (sh(1), setsignal). */
const IGNORED_INTERACTIVE: ReadonlySet<number> = new Set([2, 3, 15])

const kill: Builtin = async (argv, io, sh) => {
  const usage = () => {
    io.stderr.write('usage: kill [-s signal_name] pid ...\n       kill -l [exit_status]\n')
    return 2
  }
  let sig = SIGTERM
  let i = 1
  const a = argv[1]
  if (a === '-l') {
    const n = argv[2]
    if (n === undefined) io.stdout.write(Object.keys(SIGNALS).join(' ') + '\n')
    else {
      const name = signalName(Number(n) > 128 ? Number(n) - 128 : Number(n))
      if (!name) {
        io.stderr.write(`kill: unknown signal ${n}\n`)
        return 1
      }
      io.stdout.write(name + '\n')
    }
    return 0
  }
  if (a === '-s' || a === '-n') {
    const s = argv[2] === undefined ? undefined : signalNumber(argv[2])
    if (s === undefined) return argv[2] === undefined ? usage() : unknownSignal(io, argv[2])
    sig = s
    i = 3
  } else if (a !== undefined && a[0] === '-' && a !== '--') {
    const s = signalNumber(a.slice(1))
    if (s === undefined) return unknownSignal(io, a.slice(1))
    sig = s
    i = 2
  }
  if (argv[i] === '--') i++
  if (i >= argv.length) return usage()
  let status = 0
  for (const t of argv.slice(i)) {
    const pid = sh.jobPid(t)
    const job = pid === undefined ? undefined : sh.jobs.get(pid)
    if (pid === undefined) {
      io.stderr.write(`kill: ${t}: illegal process id\n`)
      status = 2
    } else if (job && job.status === undefined) job.kill(sig)
    else if (pid === sh.proc.pid && sh.cfg.interactive && IGNORED_INTERACTIVE.has(sig)) {
      // FreeBSD's interactive sh ignores these; `kill $$` at the prompt does nothing.
    } else if (job) {
      io.stderr.write(`kill: ${t}: No such process\n`)
      status = 1
    } else {
      // Not a job of this shell: kill(2), which also reaches the shell itself (`kill $$`) and any
      // other process the credential may signal.
      try {
        sh.proc.sys.kill(pid, sig)
      } catch (e) {
        io.stderr.write(`kill: ${t}: ${errorText(e)}\n`)
        status = 1
      }
    }
  }
  return status
}

function unknownSignal(io: ShIo, s: string): number {
  io.stderr.write(`kill: unknown signal ${s}; valid signals:\n${Object.keys(SIGNALS).join(' ')}\n`)
  return 2
}

const jobs: Builtin = async (_argv, io, sh) => {
  for (const [pid, j] of sh.jobs) {
    const state = j.status === undefined ? 'Running' : j.status ? `Done(${j.status})` : 'Done'
    io.stdout.write(`[${j.n}] ${pid} ${state}\n`)
  }
  return 0
}

const test: Builtin = async (argv, io, sh) => {
  const r = runTest(argv, sh.fs)
  if (r.error) io.stderr.write(`${argv[0]}: ${r.error}\n`)
  return r.status
}

/** Words wrapped to lines of at most width columns, indented by two. */
function columns(words: readonly string[], width = 78): string {
  let out = ''
  let line = ' '
  for (const w of words) {
    if (line.length + 1 + w.length > width) {
      out += line + '\n'
      line = ' '
    }
    line += ' ' + w
  }
  return line.trim() ? out + line + '\n' : out
}

const help: Builtin = async (_argv, io, sh) => {
  const programs = sh.cfg.programs?.() ?? []
  io.stdout.write('Shell builtins:\n' + columns(Object.keys(BUILTINS).sort()))
  if (programs.length) io.stdout.write('Programs:\n' + columns([...programs].sort()))
  return 0
}

const ok: Builtin = async () => 0
const fail: Builtin = async () => 1

/** Special builtins (POSIX 2.14): found before functions; assignments before them persist. */
export const SPECIAL: Readonly<Record<string, true>> = Object.freeze({
  ':': true,
  '.': true,
  break: true,
  continue: true,
  eval: true,
  exit: true,
  export: true,
  return: true,
  set: true,
  shift: true,
  unset: true,
})

export const BUILTINS: Readonly<Record<string, Builtin>> = Object.freeze({
  ':': ok,
  '.': dot,
  '[': test,
  break: loopJump(BreakSig),
  cd,
  command,
  continue: loopJump(ContinueSig),
  echo,
  eval: evalB,
  exit: exitB,
  export: exportB,
  false: fail,
  help,
  jobs,
  kill,
  local,
  printf,
  pwd,
  read,
  return: returnB,
  set,
  shift,
  sleep,
  test,
  true: ok,
  unset,
  wait,
  ...TEXT_UTILS,
})
