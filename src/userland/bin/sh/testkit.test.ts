/**
 * Test fixtures for the shell tests (no tests of its own): a fake Proc whose programs are tiny
 * async functions, a fake virtual clock for `sleep`, and captured Io.
 */

import { SysError } from '../../../util/errno.js'
import type { FileSystem, Io, Job, Proc, SpawnOptions } from '../../types.js'
import { runScript, type ShellOptions } from './shell.js'
import { MemFs } from './streams.js'

/** A virtual clock: time advances only when nothing else can run. */
export class FakeClock {
  now = 0
  private timers: { at: number; seq: number; fire: () => void }[] = []
  private seq = 0

  /** Calls fire after ns of virtual time; returns a cancel function. */
  after(ns: number, fire: () => void): () => void {
    const t = { at: this.now + ns, seq: this.seq++, fire }
    this.timers.push(t)
    return () => {
      this.timers = this.timers.filter((x) => x !== t)
    }
  }

  /** Runs p to completion, firing the earliest timer whenever everything else is idle. */
  async run<T>(p: Promise<T>, maxSteps = 100000): Promise<T> {
    let settled = false
    p.then(
      () => {
        settled = true
      },
      () => {
        settled = true
      },
    )
    for (let i = 0; i < maxSteps; i++) {
      await new Promise((r) => setImmediate(r))
      if (settled) return p
      if (!this.timers.length) throw new Error('deadlock: the script waits for something that never comes')
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const t = this.timers.shift()!
      this.now = t.at
      t.fire()
    }
    throw new Error('too many steps')
  }
}

export type FakeCmd = (argv: readonly string[], io: Io, proc: FakeProc) => Promise<number>

export interface Call {
  argv: string[]
  opts: SpawnOptions | undefined
  pid: number
  at: number
}

export class World {
  readonly clock = new FakeClock()
  readonly calls: Call[] = []
  nextPid = 100
  /** Programs whose spawn throws this error. */
  readonly spawnErrors = new Map<string, Error>()

  constructor(readonly cmds: Record<string, FakeCmd>) {}

  argvs(): string[][] {
    return this.calls.map((c) => c.argv)
  }
}

export class FakeProc implements Proc {
  /** The syscalls the shell makes itself: the end of a time slice (a zero-delay timer) and fork. */
  get sys(): never {
    return {
      preempt: () => new Promise<void>((r) => this.world.clock.after(0, r)),
      procStart: () => this.world.nextPid++,
      procExit: () => {},
      kill: (pid: number, sig: number): void => {
        if (pid !== this.pid) throw new SysError('ESRCH', 'kill')
        this.kill(sig)
      },
    } as never
  }
  killed = false
  killedBy: number | undefined
  private readonly killFns = new Set<() => void>()

  constructor(
    readonly world: World,
    readonly pid: number,
    readonly env = new Map<string, string>(),
    readonly fs: FileSystem = new MemFs(),
  ) {}

  sleep(ns: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.killed) return resolve()
      const off = this.onKill(() => {
        cancel()
        resolve()
      })
      const cancel = this.world.clock.after(ns, () => {
        off()
        resolve()
      })
    })
  }

  onKill(fn: () => void): () => void {
    this.killFns.add(fn)
    return () => this.killFns.delete(fn)
  }

  onSignal(): () => void {
    return () => {}
  }

  kill(sig: number): void {
    if (this.killed) return
    this.killed = true
    this.killedBy = sig
    for (const fn of [...this.killFns]) fn()
  }

  spawn(argv: readonly string[], io: Io, opts?: SpawnOptions): Job {
    const cmd = this.world.cmds[argv[0]]
    if (!cmd) throw new SysError('ENOENT', 'execve')
    const err = this.world.spawnErrors.get(argv[0])
    if (err) throw err
    const env = new Map([...this.env, ...(opts?.env ?? [])])
    const child = new FakeProc(this.world, this.world.nextPid++, env, this.fs)
    this.world.calls.push({ argv: [...argv], opts, pid: child.pid, at: this.world.clock.now })
    let finished = false
    let resolveDone!: (s: number) => void
    const done = new Promise<number>((r) => {
      resolveDone = r
    })
    const finish = (s: number) => {
      if (finished) return
      finished = true
      resolveDone(s)
    }
    cmd(argv, io, child).then(finish, (e: unknown) => {
      io.stderr.write(`${argv[0]}: ${e instanceof Error ? e.message : String(e)}\n`)
      finish(1)
    })
    return {
      pid: child.pid,
      done,
      kill: (sig = 15) => {
        child.kill(sig)
        finish(128 + sig)
      },
    }
  }

  has(name: string): boolean {
    return Object.hasOwn(this.world.cmds, name)
  }
}

/** An Io with the given stdin text (delivered in one chunk) whose output is captured. */
export function captureIo(input?: string): Io & { out(): string; err(): string } {
  let out = ''
  let err = ''
  let pending = input
  return {
    stdin: {
      read: async () => {
        const s = pending
        pending = undefined
        return s ?? null
      },
    },
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (err += s) },
    out: () => out,
    err: () => err,
  }
}

/** Fake FreeBSD programs: enough for the shell's tests. */
export function fakePrograms(): Record<string, FakeCmd> {
  let epair = 0
  return {
    ifconfig: async (argv, io) => {
      if (argv[1] === 'epair' && argv[2] === 'create') {
        io.stdout.write(`epair${epair++}a\n`)
        return 0
      }
      if (argv[2] === 'vnet' && argv[3]) return 0
      io.stderr.write('ifconfig: bad arguments\n')
      return 1
    },
    jexec: async (argv, io, proc) => {
      const inner = proc.world.cmds[argv[2]]
      if (!inner) {
        io.stderr.write(`jexec: execvp: ${argv[2]}: No such file or directory\n`)
        return 1
      }
      return inner(argv.slice(2), io, proc)
    },
    ping: async (argv, io, proc) => {
      const count = Number(argv[argv.indexOf('-c') + 1] || 1)
      const host = argv[argv.length - 1]
      io.stdout.write(`PING ${host} (${host}): 56 data bytes\n`)
      for (let i = 0; i < count; i++) {
        io.stdout.write(`64 bytes from ${host}: icmp_seq=${i} ttl=64 time=0.1 ms\n`)
        if (i < count - 1) await proc.sleep(1e9)
        if (proc.killed) return 2
      }
      io.stdout.write(`\n--- ${host} ping statistics ---\n`)
      io.stdout.write(`${count} packets transmitted, ${count} packets received, 0.0% packet loss\n`)
      return 0
    },
    /** Runs until killed, like `nc -l`. */
    server: async (_argv, io, proc) => {
      io.stdout.write('listening\n')
      while (!proc.killed) await proc.sleep(1e9)
      return 0
    },
    /** Prints its environment (sorted), for export/assignment tests. */
    env: async (_argv, io, proc) => {
      for (const [k, v] of [...proc.env].sort()) io.stdout.write(`${k}=${v}\n`)
      return 0
    },
    /** Prints its stdin upper-cased, as it arrives. */
    upper: async (_argv, io) => {
      for (let c = await io.stdin.read(); c !== null; c = await io.stdin.read())
        io.stdout.write(c.toUpperCase())
      return 0
    },
    /** Writes lines until killed (bounded so a broken test cannot hang). */
    yes: async (_argv, io, proc) => {
      for (let i = 0; i < 100000 && !proc.killed; i++) {
        io.stdout.write('y\n')
        await Promise.resolve()
      }
      return 0
    },
    /** Exits with argv[1]. */
    exitwith: async (argv) => Number(argv[1] ?? 0),
    /** Throws a plain error. */
    crash: async () => {
      throw new Error('boom')
    },
  }
}

export interface RunResult {
  status: number
  out: string
  err: string
  world: World
  proc: FakeProc
}

/** Runs a script against fake programs on a fake clock. */
export async function run(
  script: string,
  opts: {
    input?: string
    cmds?: Record<string, FakeCmd>
    shell?: ShellOptions
    env?: Record<string, string>
  } = {},
): Promise<RunResult> {
  const world = new World({ ...fakePrograms(), ...opts.cmds })
  const proc = new FakeProc(world, 1, new Map(Object.entries(opts.env ?? {})))
  const io = captureIo(opts.input)
  const status = await world.clock.run(runScript(script, io, proc, opts.shell))
  return { status, out: io.out(), err: io.err(), world, proc }
}
