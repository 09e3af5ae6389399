/**
 * The shell's builtin commands: those that must change the shell itself (`set`, `export`, `exit`,
 * `wait`, `read`...), plus `echo`, `printf`, `sleep`, `test`/`[` and the text utilities of
 * utils.ts. A builtin gets the argv, the Io of its redirections and the shell; it returns a
 * status, or throws one of the control-flow signals. Everything else runs as a program via
 * `proc.spawn`.
 */

import { splitForRead } from '../expand.js'
import type { Interp } from '../interp.js'
import { jobs, kill, wait } from '../jobs.js'
import { isName } from '../parser.js'
import { runCommands, ScriptReader } from '../script.js'
import { BreakSig, ContinueSig, ExitSig, ReturnSig } from '../signals.js'
import { readLine, type ShIo } from '../streams.js'
import { cd, pwd } from './cd.js'
import { echo, printf } from './printf.js'
import { runTest } from './test_builtin.js'
import { TEXT_UTILS } from './utils.js'

/** `tested` is true where a failure must not trip `set -e` (for `eval`, `.`, `command`). */
export type Builtin = (argv: readonly string[], io: ShIo, sh: Interp, tested: boolean) => Promise<number>

/** Quotes a word for `set -x` output and the `set`/`export -p` listings. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'"
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
