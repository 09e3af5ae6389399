/**
 * Background jobs and subshell processes (FreeBSD sh's jobs.c): `&`, the fork of a pipeline stage
 * or a job (a process of the kernel's, so process limits hold), the job table, and the builtins that
 * use it: `wait`, `kill` and `jobs`.
 *
 * Must not: grow without bound (finished, unwaited jobs are forgotten past MAX_JOBS).
 */

import { isSysError } from '../../../util/errno.js'
import type { Job } from '../../types.js'
import type { Builtin } from './bltin/builtins.js'
import { errorText, type Interp } from './interp.js'
import type { Node, Word } from './parser.js'
import { AbortCtl, FatalError, SIGKILL, SIGNALS, SIGTERM, signalName, signalNumber } from './signals.js'
import { PushbackIn, type ShIo } from './streams.js'

/** Background jobs remembered for `wait` beyond which finished, unwaited ones are forgotten. */
const MAX_JOBS = 256

export interface BgJob {
  /** Job number for `%n`. */
  readonly n: number
  readonly done: Promise<number>
  kill(sig: number): void
  status: number | undefined
}

function wordHasCmd(w: Word): boolean {
  return w.parts.some(
    (p) => p.type === 'cmd' || (p.type === 'param' && p.arg !== undefined && wordHasCmd(p.arg)),
  )
}

export const wait: Builtin = async (argv, _io, sh) => {
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

export const kill: Builtin = async (argv, io, sh) => {
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

export const jobs: Builtin = async (_argv, io, sh) => {
  for (const [pid, j] of sh.jobs) {
    const state = j.status === undefined ? 'Running' : j.status ? `Done(${j.status})` : 'Done'
    io.stdout.write(`[${j.n}] ${pid} ${state}\n`)
  }
  return 0
}

/**
 * `cmd &`. The job runs in a clone of this shell with stdin from /dev/null. If it is a simple
 * command that turns out to be a program, `$!` is that program's pid; otherwise (a builtin, a
 * function, a compound command) the job runs inside the shell under a pid of its own.
 */
export async function background(sh: Interp, node: Node, io: ShIo): Promise<void> {
  const sub = sh.clone(new AbortCtl())
  // fork(2): the job is a process of its own, counted against the kernel's process limits.
  const forked = fork(sh, sub.ctl)
  sub.forkPending = true
  if (node.type === 'simple') sub.execRelease = forked.exit
  const bgIo: ShIo = { stdin: new PushbackIn(null), stdout: io.stdout, stderr: io.stderr }
  let dispatched!: (job: Job | undefined) => void
  const started = new Promise<Job | undefined>((r) => {
    dispatched = r
  })
  // Waiting for the dispatch must not wait on a command substitution: `$!` is needed at once.
  const direct =
    node.type === 'simple' && ![...node.words, ...node.assigns.map((a) => a.value)].some(wordHasCmd)
  if (direct) sub.bgHook = dispatched
  else dispatched(undefined)
  const done = sub
    .boundary(io.stderr, () => sub.exec(node, bgIo, true))
    .finally(() => {
      dispatched(undefined)
      sub.ctl.dispose()
      forked.exit()
    })
  const child = await started
  // A program started directly replaces the forked shell (exec), so it counts once.
  if (child !== undefined) forked.exit()
  const pid = child?.pid ?? forked.pid
  addJob(sh, pid, done, child ? (sig) => child.kill(sig) : (sig) => sub.ctl.abort(sig))
  sh.lastBg = pid
}

/**
 * fork(2) for a subshell that runs inside this shell (a background job, a pipeline stage): a
 * process of the kernel's, so process limits hold and removing the jail kills it. A refused fork is
 * FreeBSD sh's fatal `Cannot fork: Resource temporarily unavailable`.
 */
export function fork(sh: Interp, ctl: AbortCtl): { pid: number; exit: () => void } {
  sh.ctl.check()
  const sys = sh.proc.sys
  let pid: number
  try {
    // A forked shell is a `sh` (p_comm) until it execs a program.
    pid = sys.procStart(() => ctl.abort(SIGKILL), 'sh')
  } catch (e) {
    if (isSysError(e)) throw new FatalError(`Cannot fork: ${e.strerror}`)
    throw e
  }
  let live = true
  return {
    pid,
    exit: () => {
      if (live) sys.procExit(pid)
      live = false
    },
  }
}

/** n forked subshells of this shell, or none (and a fatal error) if one fork fails. */
export function forkAll(sh: Interp, cmds: readonly Node[]): Array<{ sub: Interp; exit: () => void }> {
  const out: Array<{ sub: Interp; exit: () => void }> = []
  try {
    for (let k = 0; k < cmds.length; k++) {
      const sub = sh.clone(new AbortCtl(sh.ctl))
      const { exit } = fork(sh, sub.ctl)
      out.push({ sub, exit })
      sub.forkPending = true
      if (cmds[k]!.type === 'simple') sub.execRelease = exit
    }
  } catch (e) {
    for (const { sub, exit } of out) {
      exit()
      sub.ctl.dispose()
    }
    throw e
  }
  return out
}

export function addJob(sh: Interp, pid: number, done: Promise<number>, kill: (sig: number) => void): void {
  const job: BgJob = { n: ++sh.jobCount, done, kill, status: undefined }
  void done.then((s) => {
    job.status = s
  })
  sh.jobs.set(pid, job)
  if (sh.jobs.size <= MAX_JOBS) return
  for (const [p, j] of sh.jobs) {
    if (j.status !== undefined) sh.jobs.delete(p)
    if (sh.jobs.size <= MAX_JOBS / 2) break
  }
}
