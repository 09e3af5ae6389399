/**
 * Entry points of `virtnet sh`: `runScript` (a script, read and run a command at a time),
 * `ShellSession` (one line at a time, keeping state, for the REPL) and `sh`, the program
 * `sh [-eux] [-c SCRIPT [name [args...]]]` that other programs can spawn. Nothing thrown inside
 * the shell escapes these: every failure becomes a message on stderr and an exit status.
 */

import type { Command, InStream, Io, Proc } from '../../types.js'
import { BUILTINS, type Builtin } from './bltin/builtins.js'
import { errorText, Interp, type ShellConfig } from './interp.js'
import { SyntaxErr } from './lexer.js'
import { type List, parse } from './parser.js'
import { runCommands, ScriptReader } from './script.js'
import { AbortCtl, ExitSig, SIGINT, SIGTERM } from './signals.js'
import { PushbackIn, type ShIn, type ShIo } from './streams.js'

export interface ShellOptions {
  /** `set -e`. */
  errexit?: boolean
  /** `set -x`. */
  xtrace?: boolean
  /** `set -u`. */
  nounset?: boolean
  /** `$0` (default `sh`). */
  name?: string
  /** `$1`, `$2`, ... */
  args?: readonly string[]
  /** Names of the programs `proc.spawn` can run, for `help` and completion. */
  programs?: () => readonly string[]
  /**
   * Called every thousand commands so a long loop lets the host's event loop run (the platform
   * passes e.g. `() => new Promise(setImmediate)`); without it a busy loop never yields.
   */
  pause?: () => Promise<void>
  /** Start pid for background jobs run inside the shell (they have no process of their own). */
  firstInternalPid?: number
  /** Builtins an embedding adds (atf-sh's `atf_check`...), found after the shell's own. */
  builtins?: Readonly<Record<string, Builtin>>
}

function newShell(io: Io, proc: Proc, opts: ShellOptions, ctl: AbortCtl): { sh: Interp; io: ShIo } {
  const cfg: ShellConfig = {
    proc,
    fs: proc.fs,
    programs: opts.programs,
    pause: opts.pause,
    nextPid: opts.firstInternalPid ?? 100000,
    ticks: 0,
    builtins: opts.builtins,
  }
  const sh = new Interp(cfg, ctl)
  for (const [k, v] of proc.env) sh.vars.set(k, { value: v, exported: true })
  // FreeBSD's sh starts with IFS set (var.c's varinit), so scripts can save and restore it
  // (`o=$IFS; IFS=@; …; IFS=$o`) and still split fields afterwards.
  if (!sh.vars.has('IFS')) sh.vars.set('IFS', { value: ' \t\n', exported: false })
  sh.opts = { errexit: !!opts.errexit, xtrace: !!opts.xtrace, nounset: !!opts.nounset }
  sh.name = opts.name ?? 'sh'
  sh.params = [...(opts.args ?? [])]
  // The stdin every command shares must support pushback, for `read`.
  return { sh, io: { stdin: new PushbackIn(io.stdin), stdout: io.stdout, stderr: io.stderr } }
}

function syntaxError(io: Io, e: unknown): number {
  const msg = e instanceof SyntaxErr ? `line ${e.line}: ${e.message}` : errorText(e)
  io.stderr.write(`sh: ${msg}\n`)
  return 2
}

/**
 * Runs a script and resolves with its exit status. The script (a string, or a stream such as a
 * file) is read and run one complete command at a time, as FreeBSD's sh does: a syntax error
 * prints `sh: line N: syntax error: ...` and ends the script with status 2 after the commands
 * before it ran. When source is io.stdin itself, a command that reads stdin gets the script text
 * after itself. Killing `proc` stops the script (and its foreground children). Never rejects.
 */
export async function runScript(
  source: string | InStream,
  io: Io,
  proc: Proc,
  opts: ShellOptions = {},
): Promise<number> {
  const ctl = new AbortCtl()
  try {
    const { sh, io: shIo } = newShell(io, proc, opts, ctl)
    let runIo = shIo
    let reader: ScriptReader
    if (typeof source === 'string') reader = ScriptReader.of(source)
    else if (source !== io.stdin) reader = new ScriptReader(source, sh.wait)
    else {
      const r = new ScriptReader(shIo.stdin, sh.wait)
      const stdin: ShIn = {
        read: () => {
          const s = r.take()
          return s ? Promise.resolve(s) : shIo.stdin.read()
        },
        unread: (s) => shIo.stdin.unread(s),
      }
      runIo = { ...shIo, stdin }
      reader = r
    }
    const off = proc.onKill(() => ctl.abort(SIGTERM))
    if (proc.killed) ctl.abort(SIGTERM)
    try {
      sh.status = await sh.boundary(shIo.stderr, () => runCommands(reader, sh, runIo, false, 'sh'))
      return sh.status
    } finally {
      off()
    }
  } catch (e) {
    io.stderr.write(`sh: ${errorText(e)}\n`)
    return 1
  }
}

/**
 * An interactive shell: runs one input at a time, keeping variables, functions, `$?`, jobs and
 * in-memory files between them. Not reentrant: wait for runLine before calling it again.
 */
export class ShellSession {
  /** The status given to `exit` (or of the kill that ended the shell), once it has happened. */
  exited: number | undefined = undefined
  private readonly sh: Interp
  private readonly io: ShIo
  private readonly root = new AbortCtl()
  private line: AbortCtl | undefined = undefined

  constructor(io: Io, proc: Proc, opts: ShellOptions = {}) {
    const s = newShell(io, proc, opts, this.root)
    s.sh.cfg.interactive = true
    this.sh = s.sh
    this.io = s.io
    proc.onKill(() => this.root.abort(SIGTERM))
  }

  /** `$?`. */
  get status(): number {
    return this.sh.status
  }

  /** Runs one complete input (which may span lines); resolves with its status. Never rejects. */
  async runLine(text: string): Promise<number> {
    if (this.root.signal !== undefined) this.exited ??= 128 + this.root.signal
    if (this.exited !== undefined) return this.exited
    let list: List
    try {
      list = parse(text)
    } catch (e) {
      this.sh.status = syntaxError(this.io, e)
      return this.sh.status
    }
    const ctl = new AbortCtl(this.root)
    this.line = ctl
    this.sh.ctl = ctl
    let status: number
    try {
      status = await this.sh.runList(list, this.io, false)
    } catch (e) {
      status = this.sh.caught(e, this.io.stderr)
      // `exit`, `set -e` and a kill of the shell end the session; Ctrl-C and errors only the line.
      if (e instanceof ExitSig || this.root.signal !== undefined) this.exited = status
    } finally {
      ctl.dispose()
      this.line = undefined
      this.sh.ctl = this.root
    }
    this.sh.status = status
    return status
  }

  /** Ctrl-C: stops the running line (its foreground programs get SIGINT); jobs keep running. */
  interrupt(): void {
    this.line?.abort(SIGINT)
  }

  /** Whether text is an incomplete command (open quote, `if` without `fi`...): read another line. */
  needsMore(text: string): boolean {
    try {
      parse(text)
      return false
    } catch (e) {
      return e instanceof SyntaxErr && e.eof
    }
  }

  /** Command names (builtins, functions, programs) starting with prefix, sorted. */
  completions(prefix: string): string[] {
    const names = new Set([
      ...Object.keys(BUILTINS),
      ...this.sh.funcs.keys(),
      ...(this.sh.cfg.programs?.() ?? []),
    ])
    return [...names].filter((n) => n.startsWith(prefix)).sort()
  }
}

const USAGE = 'usage: sh [-eux] [-c string [name [arg ...]]]\n'

/**
 * Makes the `sh` program. Scripts come from `-c` or stdin: programs have no filesystem, so a FILE
 * operand cannot be opened (the platform CLI reads files and calls runScript itself).
 */
export function createSh(hooks: Pick<ShellOptions, 'programs' | 'pause'> = {}): Command {
  return async (argv, io, proc) => {
    const opts: ShellOptions = { ...hooks }
    let script: string | undefined
    let i = 1
    for (; i < argv.length; i++) {
      const a = argv[i]
      if (a === '--' || a === '-') {
        i++
        break
      }
      if (!/^[-+][a-zA-Z]+$/.test(a)) break
      for (const c of a.slice(1)) {
        if (c === 'e') opts.errexit = a[0] === '-'
        else if (c === 'x') opts.xtrace = a[0] === '-'
        else if (c === 'u') opts.nounset = a[0] === '-'
        else if (c === 'c' && a[0] === '-') script = ''
        else if (c !== 's') {
          io.stderr.write(`sh: ${a[0]}${c}: invalid option\n${USAGE}`)
          return 2
        }
      }
    }
    const rest = argv.slice(i)
    if (script !== undefined) {
      if (!rest.length) {
        io.stderr.write(`sh: -c: option requires an argument\n${USAGE}`)
        return 2
      }
      script = rest[0]
      opts.name = rest[1] ?? 'sh'
      opts.args = rest.slice(2)
    } else if (rest.length) {
      // `sh FILE ARGS...`: the script from the process's files, $0 its name.
      const text = proc.fs.read(rest[0]!)
      if (text === undefined) {
        io.stderr.write(`sh: cannot open ${rest[0]}: No such file or directory\n`)
        return 127
      }
      opts.name = rest[0]!
      opts.args = rest.slice(1)
      return runScript(text, io, proc, opts)
    } else return runScript(io.stdin, io, proc, opts)
    return runScript(script, io, proc, opts)
  }
}

/** The `sh` program, without a list of programs for `help`. */
export const sh: Command = createSh()
