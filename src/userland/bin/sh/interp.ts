/**
 * The interpreter: executes syntax trees against one shell's state (variables, functions,
 * positional parameters, options, `$?`, background jobs). A subshell — `( )`, `$(...)`, a pipeline
 * stage, a background job — is a clone of that state with its own AbortCtl; the in-memory files
 * are shared by all of them. Programs that are not builtins or functions run through `proc.spawn`.
 *
 * Every wait (a child, a pipe, a sleep) goes through the context's AbortCtl, so `kill`, Ctrl-C and
 * SIGPIPE stop execution promptly. Control flow (`break`, `return`, `exit`, `set -e`) unwinds by
 * throwing the classes of signals.ts, which `boundary` turns into exit statuses: nothing thrown
 * inside the shell escapes it. Each pipeline stage gets one Io; streams are never wrapped per write.
 * Simple commands and function calls are command.ts's (functions of the interpreter).
 */

import { SLICE_STEPS } from '../../../host/syscalls.js'
import { CwdFs } from '../../fs/cwd_fs.js'
import type { FileSystem, Job, OutStream, Proc } from '../../types.js'
import type { Builtin } from './bltin/builtins.js'
import { call, invoke, simple } from './command.js'
import { type ExpandHost, expandFields, expandPattern, expandString } from './expand.js'
import { glob } from './glob.js'
import { type BgJob, background, forkAll } from './jobs.js'
import type { List, Node } from './parser.js'
import { matchPattern } from './pattern.js'
import { withRedirs } from './redirect.js'
import {
  AbortCtl,
  Aborted,
  BreakSig,
  ContinueSig,
  ExitSig,
  FatalError,
  isControl,
  ReturnSig,
  SIGPIPE,
} from './signals.js'
import { Capture, MiB, Pipe, type ShIo } from './streams.js'

/** What a fork costs, in steps (1 ms of virtual CPU time: about what cloning a shell costs here). */
const FORK_STEPS = 10
/** Largest value of one variable, and most variables. */
const MAX_VALUE = 16 * MiB
const MAX_VARS = 65536
/** Largest command substitution output kept. */
const MAX_SUBST = 16 * MiB

/** Session-wide configuration and resources, shared by a shell and all its subshells. */
export interface ShellConfig {
  readonly proc: Proc
  readonly fs: FileSystem
  /** Names of the programs `proc.spawn` can start, for `help` and completion. */
  readonly programs?: () => readonly string[]
  /** Replaces the kernel's preemption (Syscalls.preempt) at the end of each time slice. */
  readonly pause?: () => Promise<void>
  /** Next pid for a background job run inside the shell (a function, a loop, a builtin). */
  nextPid: number
  /** Steps (commands, loop iterations) run so far, to end time slices. */
  ticks: number
  /** An interactive shell (ShellSession) ignores SIGINT, SIGQUIT and SIGTERM sent to itself. */
  interactive?: boolean
  /** Builtins the embedding adds (ShellOptions.builtins). */
  readonly builtins?: Readonly<Record<string, Builtin>>
}

export interface Var {
  readonly value: string
  readonly exported: boolean
}

export interface ShellOpts {
  errexit: boolean
  xtrace: boolean
  nounset: boolean
}

/**
 * Text for an error thrown by a command: strerror for a SysError; for JavaScript running out of
 * room (a RangeError: string too long, stack exhausted) FreeBSD's sh's "Out of space"; else its message.
 */
export function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && 'strerror' in e && typeof e.strerror === 'string') {
    return e.strerror
  }
  if (e instanceof RangeError) return OUT_OF_SPACE
  return e instanceof Error ? e.message : String(e)
}

/** FreeBSD's sh's message when memory runs out (memalloc.c); here also for the shell's own bounds. */
export const OUT_OF_SPACE = 'Out of space'

export class Interp {
  vars = new Map<string, Var>()
  funcs = new Map<string, Node>()
  params: string[] = []
  /** `$0`. */
  name = 'sh'
  opts: ShellOpts = { errexit: false, xtrace: false, nounset: false }
  /** `$?`. */
  status = 0
  /** `$!`. */
  lastBg: number | undefined = undefined
  jobs = new Map<number, BgJob>()
  jobCount = 0
  /** Function call depth and enclosing loops (of the current function). */
  depth = 0
  loops = 0
  /** Saved outer values of `local` variables, one frame per active function call. */
  locals: Map<string, Var | undefined>[] = []
  /** Status of the last command substitution of the current command (`x=$(false)` gives 1). */
  substStatus: number | undefined = undefined
  /**
   * Set on a forked subshell until it first runs shell code rather than starting a program: then it
   * pays for the fork (a step of CPU time and a turn of the run queue), so forking cannot livelock.
   */
  forkPending = false
  /** A forked subshell whose whole command is one simple command: the process a program execs over. */
  execRelease: (() => void) | undefined = undefined
  /** Set on a background job's shell: told what its command turned out to be (see background). */
  bgHook: ((job: Job | undefined) => void) | undefined = undefined

  constructor(
    readonly cfg: ShellConfig,
    public ctl: AbortCtl,
  ) {}

  get proc(): Proc {
    return this.cfg.proc
  }

  /**
   * The working directory `cd` set, taken from the tree's starting directory (`` until then); the
   * shell's own paths and the programs it starts see the tree from there.
   */
  get cwd(): string {
    return this.cwdFs?.cwd ?? ''
  }

  set cwd(dir: string) {
    this.cwdFs = dir === '' ? undefined : new CwdFs(this.cfg.fs, dir)
  }

  private cwdFs: CwdFs | undefined = undefined

  get fs(): FileSystem {
    return this.cwdFs ?? this.cfg.fs
  }

  /** `p`, or Aborted if this shell is killed first. */
  readonly wait = <T>(p: Promise<T>): Promise<T> => this.ctl.race(p)

  /** A subshell: a copy of this state that cannot change it. */
  clone(ctl: AbortCtl): Interp {
    const s = new Interp(this.cfg, ctl)
    s.vars = new Map(this.vars)
    s.funcs = new Map(this.funcs)
    s.params = this.params.slice()
    s.name = this.name
    s.opts = { ...this.opts }
    s.status = this.status
    s.lastBg = this.lastBg
    s.depth = this.depth
    s.cwdFs = this.cwdFs
    return s
  }

  // ---- variables

  getVar(name: string): string | undefined {
    return this.vars.get(name)?.value
  }

  setVar(name: string, value: string, exported?: boolean): void {
    if (value.length > MAX_VALUE) throw new FatalError(OUT_OF_SPACE)
    const old = this.vars.get(name)
    if (!old && this.vars.size >= MAX_VARS) throw new FatalError(OUT_OF_SPACE)
    this.vars.set(name, { value, exported: exported ?? old?.exported ?? false })
  }

  unsetVar(name: string): void {
    this.vars.delete(name)
  }

  /** Makes name a local variable of the innermost function call; false outside functions. */
  makeLocal(name: string): boolean {
    const frame = this.locals[this.locals.length - 1]
    if (!frame) return false
    if (!frame.has(name)) frame.set(name, this.vars.get(name))
    return true
  }

  /** A parameter's value: the specials, positional parameters, then variables. */
  param(name: string): string | undefined {
    switch (name) {
      case '?':
        return String(this.status)
      case '$':
        return String(this.proc.pid)
      case '!':
        return this.lastBg === undefined ? undefined : String(this.lastBg)
      case '#':
        return String(this.params.length)
      case '-':
        return (this.opts.errexit ? 'e' : '') + (this.opts.nounset ? 'u' : '') + (this.opts.xtrace ? 'x' : '')
      case '0':
        return this.name
      case '@':
      case '*':
        return this.params.join(' ')
    }
    if (/^[1-9][0-9]*$/.test(name)) return this.params[Number(name) - 1]
    return this.getVar(name)
  }

  /** The environment a child needs beyond the one its process inherits: changed exports and assigns. */
  childEnv(assigns: readonly [string, string][]): Map<string, string> | undefined {
    const env = new Map<string, string>()
    const base = this.proc.env
    for (const [k, v] of this.vars) if (v.exported && base.get(k) !== v.value) env.set(k, v.value)
    for (const [k, v] of assigns) env.set(k, v)
    return env.size ? env : undefined
  }

  expander(io: ShIo): ExpandHost {
    return {
      param: (n) => this.param(n),
      params: () => this.params,
      assign: (n, v) => this.setVar(n, v),
      commandSubst: (body) => this.commandSubst(body, io),
      nounset: this.opts.nounset,
      glob: (pat) => glob(this.fs, pat),
    }
  }

  private async commandSubst(body: List, io: ShIo): Promise<string> {
    const sub = this.clone(new AbortCtl(this.ctl))
    const out = new Capture(MAX_SUBST)
    try {
      this.substStatus = await sub.boundary(io.stderr, () =>
        sub.runList(body, { stdin: io.stdin, stdout: out, stderr: io.stderr }, false),
      )
    } finally {
      sub.ctl.dispose()
    }
    this.status = this.substStatus // `$?` right after `$(...)` is its status
    this.ctl.check()
    if (out.truncated) io.stderr.write(`sh: command substitution: output truncated to ${MAX_SUBST} bytes\n`)
    return out.text()
  }

  // ---- running

  /**
   * Runs fn as a (sub)shell: exit, return, fatal errors and aborts end it with a status instead of
   * propagating. Errors are reported on stderr.
   */
  async boundary(stderr: OutStream, fn: () => Promise<number>): Promise<number> {
    try {
      return await fn()
    } catch (e) {
      return this.caught(e, stderr)
    }
  }

  /** The exit status for something thrown out of a (sub)shell, reporting it if it is an error. */
  caught(e: unknown, stderr: OutStream): number {
    if (e instanceof ExitSig || e instanceof ReturnSig) return e.status
    if (e instanceof Aborted) return 128 + e.signal
    if (e instanceof BreakSig || e instanceof ContinueSig) return this.status
    if (e instanceof FatalError || e instanceof RangeError) {
      // Running out of room is fatal, as FreeBSD's error("Out of space") is.
      stderr.write(`sh: ${errorText(e)}\n`)
      return 2
    }
    stderr.write(`sh: ${errorText(e)}\n`)
    return 1
  }

  /** Runs a list in this shell; its status becomes `$?`. */
  async runList(list: List, io: ShIo, tested: boolean): Promise<number> {
    let status = 0
    for (const { node, bg } of list.items) {
      if (bg) {
        await background(this, node, io)
        status = this.status = 0
      } else status = await this.exec(node, io, tested)
    }
    return status
  }

  /**
   * Runs one node. `tested` is true where a failure must not trip `set -e`: conditions of
   * if/while/until, all but the last of an && || list, after `!`, and everything they call.
   */
  async exec(node: Node, io: ShIo, tested: boolean): Promise<number> {
    const s = await this.execNode(node, io, tested)
    this.status = s
    return s
  }

  private async execNode(node: Node, io: ShIo, tested: boolean): Promise<number> {
    if (this.forkPending && node.type !== 'simple') await this.payFork()
    switch (node.type) {
      case 'simple':
        return simple(this, node, io, tested)
      case 'list':
        return this.runList(node, io, tested)
      case 'pipeline':
        return this.pipeline(node, io, tested)
      case 'andor': {
        let s = await this.exec(node.first, io, true)
        for (let k = 0; k < node.rest.length; k++) {
          const { op, node: next } = node.rest[k]
          if ((op === '&&') !== (s === 0)) continue
          s = await this.exec(next, io, k === node.rest.length - 1 ? tested : true)
        }
        return s
      }
      case 'group':
        return withRedirs(this.fs, this.expander(io), node.redirs, io, (rio) =>
          this.runList(node.body, rio, tested),
        )
      case 'subshell':
        return withRedirs(this.fs, this.expander(io), node.redirs, io, async (rio) => {
          const sub = this.clone(new AbortCtl(this.ctl))
          let s: number
          try {
            s = await sub.boundary(rio.stderr, () => sub.runList(node.body, rio, tested))
          } finally {
            sub.ctl.dispose()
          }
          this.ctl.check()
          if (s !== 0 && !tested && this.opts.errexit) throw new ExitSig(s)
          return s
        })
      case 'if':
        return withRedirs(this.fs, this.expander(io), node.redirs, io, async (rio) => {
          for (const c of node.clauses) {
            if ((await this.runList(c.cond, rio, true)) === 0) return this.runList(c.body, rio, tested)
          }
          return node.else ? this.runList(node.else, rio, tested) : 0
        })
      case 'loop':
        return withRedirs(this.fs, this.expander(io), node.redirs, io, (rio) =>
          this.loop(
            async () => {
              const c = await this.runList(node.cond, rio, true)
              return (c === 0) !== node.until
            },
            rio,
            node.body,
            tested,
          ),
        )
      case 'for':
        return withRedirs(this.fs, this.expander(io), node.redirs, io, async (rio) => {
          const items = node.words ? await expandFields(node.words, this.expander(rio)) : this.params.slice()
          let k = 0
          return this.loop(
            async () => {
              if (k >= items.length) return false
              this.setVar(node.name, items[k++])
              return true
            },
            rio,
            node.body,
            tested,
          )
        })
      case 'case':
        return withRedirs(this.fs, this.expander(io), node.redirs, io, async (rio) => {
          const ex = this.expander(rio)
          const s = await expandString(node.word, ex)
          for (const item of node.items) {
            for (const pat of item.patterns) {
              if (matchPattern(await expandPattern(pat, ex), s)) return this.runList(item.body, rio, tested)
            }
          }
          return 0
        })
      case 'func':
        this.funcs.set(node.name, node.body)
        return 0
    }
  }

  /** A while/until/for loop: `more` decides whether to run the body again. */
  private async loop(more: () => Promise<boolean>, io: ShIo, body: List, tested: boolean): Promise<number> {
    let status = 0
    this.loops++
    try {
      for (;;) {
        await this.tick()
        if (!(await more())) break
        try {
          status = await this.runList(body, io, tested)
        } catch (e) {
          if (e instanceof BreakSig) {
            if (e.n > 1) throw new BreakSig(e.n - 1)
            break
          }
          if (e instanceof ContinueSig) {
            if (e.n > 1) throw new ContinueSig(e.n - 1)
            continue
          }
          throw e
        }
      }
    } finally {
      this.loops--
    }
    return status
  }

  /**
   * Checks for a kill before each command, and ends the time slice every SLICE_STEPS steps
   * (preemption: the kernel runs everyone else and the event loop, so no loop freezes the host).
   */
  async tick(): Promise<void> {
    this.ctl.check()
    if (++this.cfg.ticks % SLICE_STEPS === 0) {
      await (this.cfg.pause ? this.cfg.pause() : this.preempt())
      this.ctl.check()
    }
  }

  /** The kernel's end of slice, cut short (its timer given back) if this shell is killed meanwhile. */
  private preempt(steps?: number): Promise<void> {
    let off = (): unknown => undefined
    const aborted = new Promise<void>((r) => {
      off = this.ctl.onAbort(() => r())
    })
    return this.proc.sys.preempt(aborted, steps).finally(off)
  }

  /** See forkPending. */
  async payFork(): Promise<void> {
    if (!this.forkPending) return
    this.forkPending = false
    await (this.cfg.pause ? this.cfg.pause() : this.preempt(FORK_STEPS))
    this.ctl.check()
  }

  private async pipeline(
    node: Extract<Node, { type: 'pipeline' }>,
    io: ShIo,
    tested: boolean,
  ): Promise<number> {
    const t = tested || node.bang
    let status: number
    if (node.cmds.length === 1) status = await this.exec(node.cmds[0], io, t)
    else {
      const n = node.cmds.length
      const pipes = Array.from({ length: n - 1 }, () => new Pipe())
      // Every stage is a forked subshell; a fork that fails stops the pipeline before it starts.
      const subs = forkAll(this, node.cmds)
      const stages = node.cmds.map(async (cmd, k) => {
        const { sub, exit } = subs[k]!
        // The writer of a pipe whose reader has gone gets SIGPIPE at its next write, as in Unix.
        if (k < n - 1) pipes[k].onBroken = () => sub.ctl.abort(SIGPIPE)
        const stageIo: ShIo = {
          stdin: k ? pipes[k - 1] : io.stdin,
          stdout: k < n - 1 ? pipes[k] : io.stdout,
          stderr: io.stderr,
        }
        try {
          return await sub.boundary(io.stderr, () => sub.exec(cmd, stageIo, t))
        } finally {
          if (k < n - 1) pipes[k].close()
          if (k) pipes[k - 1].closeRead()
          sub.ctl.dispose()
          exit()
        }
      })
      status = (await Promise.all(stages))[n - 1]
      this.ctl.check()
    }
    if (node.bang) return status === 0 ? 1 : 0
    if (node.cmds.length > 1 && status !== 0 && !tested && this.opts.errexit) throw new ExitSig(status)
    return status
  }

  /** The pid a `wait`/`kill` operand names: a pid, or `%n` for job n. */
  jobPid(spec: string): number | undefined {
    if (/^[0-9]+$/.test(spec)) return Number(spec)
    const m = /^%([0-9]+)$/.exec(spec)
    if (m) for (const [pid, j] of this.jobs) if (j.n === Number(m[1])) return pid
    if (spec === '%%' || spec === '%+' || spec === '%') return [...this.jobs.keys()].pop()
    return undefined
  }

  /** Runs a command by name: special builtin, function, builtin, then program. */
  async invoke(
    argv: readonly string[],
    assigns: readonly [string, string][],
    io: ShIo,
    tested: boolean,
    noFunctions = false,
  ): Promise<number> {
    return invoke(this, argv, assigns, io, tested, noFunctions)
  }

  dispatch(job: Job | undefined): void {
    const hook = this.bgHook
    this.bgHook = undefined
    hook?.(job)
  }

  async runBuiltin(b: Builtin, argv: readonly string[], io: ShIo, tested: boolean): Promise<number> {
    try {
      return await b(argv, io, this, tested)
    } catch (e) {
      if (isControl(e)) throw e
      io.stderr.write(`sh: ${argv[0]}: ${errorText(e)}\n`)
      return 1
    }
  }

  /** Calls a shell function with its own positional parameters and `local` frame. */
  async call(name: string, body: Node, args: string[], io: ShIo, tested: boolean): Promise<number> {
    return call(this, name, body, args, io, tested)
  }
}
