/**
 * Processes: run a program (a `Command`) with a Proc of its own — a pid from the kernel, an
 * environment, sleeps on the host clock, child processes (in another jail or as another user) —
 * and give the caller a Job to wait for or kill.
 *
 * Killing a process resolves its `done` at once with 128+signal, wakes its sleeps and runs its kill
 * handlers; the program notices through `proc.killed` and its output no longer matters. A signal
 * the program catches (`proc.onSignal`) runs its handler instead, and the program goes on. A program
 * that throws ends with `name: strerror` (SysError, status 1) or `name: internal error: message`
 * (status 70, EX_SOFTWARE). Setuid programs run with uid 0 whoever starts them. A process shares its
 * file system with the processes it starts; one started in a jail sees the tree below the jail's
 * `path` (chroot_fs.ts).
 *
 * Runtime-neutral: time and waiting go through the syscall API only.
 */

import type { Syscalls } from '../host/syscalls.js'
import { isSysError, SysError } from '../util/errno.js'
import { MemFs } from './bin/sh/streams.js'
import { jailFs } from './fs/chroot_fs.js'
import { CwdFs } from './fs/cwd_fs.js'
import { processName, programName } from './paths.js'
import type { Program } from './programs.js'
import type { Command, FileSystem, Io, Job, Proc, SpawnOptions } from './types.js'

export type { Program } from './programs.js'

export interface StartOptions {
  programs: ReadonlyMap<string, Program>
  env?: ReadonlyMap<string, string>
  /** The shell, for `sh` when the registry has none (it lives above the registry). */
  shell?: Command
  /** The file system to share; a process started without one gets an empty one of its own. */
  fs?: FileSystem
}

const SIGTERM = 15
const SIGKILL = 9
const SIGSTOP = 17
const EX_SOFTWARE = 70

/**
 * Commands this shell has built in that FreeBSD also installs as programs (/bin/cat,
 * /usr/bin/grep): exec'd by name (jexec, nohup, himage) they run as the shell running just them.
 */
const BUILTIN_PROGRAMS: ReadonlySet<string> = new Set([
  '[',
  'cat',
  'echo',
  'false',
  'grep',
  'head',
  'kill',
  'printf',
  'seq',
  'sleep',
  'sort',
  'tail',
  'tee',
  'test',
  'tr',
  'true',
  'wc',
])

function lookup(path: string, opts: StartOptions): Program | undefined {
  // execvp(3) of `/sbin/route` runs route: the program FreeBSD installs there (paths.ts).
  const name = programName(path)
  if (name === undefined) return undefined
  const p = opts.programs.get(name)
  if (p !== undefined) return p
  const shell = opts.programs.get('sh')?.run ?? opts.shell
  if (name === 'sh') return shell === undefined ? undefined : { run: shell }
  if (shell === undefined || !BUILTIN_PROGRAMS.has(name)) return undefined
  // `sh -c '"$@"' cat cat FILE`: $0 is the name, "$@" the whole command.
  return { run: (argv, io, proc) => shell(['sh', '-c', '"$@"', name, ...argv], io, proc) }
}

/**
 * The file tree a process attaching to `jail` sees: chroot to the jail's path, and for a nested
 * jail (`a.b`) to each ancestor's in turn, as each path was given relative to its creator's root.
 */
function jailRoot(sys: Syscalls, jail: string, fs: FileSystem): FileSystem {
  const parts = sys.jailGet(jail).name.split('.')
  let out = fs
  for (let i = 1; i <= parts.length; i++) out = jailFs(out, sys.jailGet(parts.slice(0, i).join('.')).path)
  return out
}

/**
 * Starts `argv` as a process of the credential `sys`. Throws SysError(ENOENT, 'execvp') when no
 * program has that name.
 */
export function startProcess(sys: Syscalls, argv: readonly string[], io: Io, opts: StartOptions): Job {
  const program = lookup(argv[0] ?? '', opts)
  if (program === undefined) throw new SysError('ENOENT', 'execvp')
  // The program sees its own name, as getprogname(3) gives the last component of the path.
  const name = programName(argv[0] ?? '') ?? ''
  if (name !== argv[0]) argv = [name, ...argv.slice(1)]
  // execve: the kernel applies a set-user-ID bit (ping, traceroute).
  sys = sys.exec(name)

  let killed = false
  let finished = false
  let resolveDone!: (status: number) => void
  const done = new Promise<number>((r) => {
    resolveDone = r
  })
  const handlers = new Set<() => void>()
  let wake!: () => void
  const killedPromise = new Promise<void>((r) => {
    wake = r
  })

  const finish = (status: number): void => {
    if (finished) return
    finished = true
    sys.procExit(pid)
    resolveDone(status)
  }
  // Signals the program catches (sigaction): delivering one runs its handler instead of killing.
  const catchers = new Map<number, () => void>()
  const kill = (signal: number = SIGTERM): void => {
    if (finished || killed) return
    const caught = catchers.get(signal)
    if (caught !== undefined) {
      caught()
      return
    }
    killed = true
    wake()
    for (const fn of [...handlers]) fn()
    handlers.clear()
    finish(128 + signal)
  }
  // kill(2) from any process (the shell's `kill $$` included) and jail removal (SIGKILL) land here.
  const pid = sys.procStart((signal) => kill(signal), processName(name), argv.join(' '))
  // From here on the kernel knows which process calls: the sockets it opens are its descriptors.
  sys = sys.asProcess(pid)

  const fs = opts.fs ?? new MemFs()
  const proc: Proc = {
    pid,
    sys,
    env: new Map(opts.env),
    fs,
    get killed() {
      return killed
    },
    sleep(ns: number, until?: Promise<unknown>): Promise<void> {
      if (killed) return Promise.resolve()
      return sys.nanosleep(ns, until === undefined ? killedPromise : Promise.race([until, killedPromise]))
    },
    onKill(fn: () => void): () => void {
      handlers.add(fn)
      return () => handlers.delete(fn)
    },
    onSignal(signal: number, fn: () => void): () => void {
      if (signal === SIGKILL || signal === SIGSTOP) throw new SysError('EINVAL', 'sigaction')
      catchers.set(signal, fn)
      return () => {
        if (catchers.get(signal) === fn) catchers.delete(signal)
      }
    },
    spawn(childArgv: readonly string[], childIo: Io, so: SpawnOptions = {}): Job {
      // jail_attach(2) before execvp(3), as jexec does: a refused attach is reported first.
      let childSys = sys
      let childFs = fs
      if (so.jail !== undefined) {
        childSys = sys.attach(so.jail, so.uid)
        childFs = jailRoot(sys, so.jail, fs)
      } else {
        if (so.uid !== undefined) childSys = sys.withUid(so.uid)
        if (so.cwd !== undefined && so.cwd !== '') childFs = new CwdFs(fs, so.cwd)
      }
      if (so.root !== undefined) childFs = jailFs(childFs, so.root)
      const env = new Map(proc.env)
      for (const [k, v] of so.env ?? []) env.set(k, v)
      return startProcess(childSys, childArgv, childIo, { ...opts, env, fs: childFs })
    },
    has(n: string): boolean {
      return lookup(n, opts) !== undefined
    },
  }

  const run = async (): Promise<number> => {
    try {
      const status = await program.run(argv, io, proc)
      return Number.isInteger(status) ? status & 0xff : EX_SOFTWARE
    } catch (e) {
      if (killed) return 0
      if (isSysError(e)) {
        io.stderr.write(`${name}: ${e.strerror}\n`)
        return 1
      }
      io.stderr.write(`${name}: internal error: ${e instanceof Error ? e.message : String(e)}\n`)
      return EX_SOFTWARE
    }
  }
  void run().then(finish)

  return { pid, done, kill }
}
