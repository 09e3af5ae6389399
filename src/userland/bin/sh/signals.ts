/**
 * How shell execution stops early: the control-flow unwinders (`break`, `continue`, `return`,
 * `exit`), fatal shell errors, and AbortCtl — the kill/interrupt switch of one execution context.
 * The unwinders are thrown by builtins and caught by the interpreter; none of them may escape the
 * shell's entry points. Pure control logic: no I/O here.
 */

import { interruptible } from '../../../util/interruptible.js'

/** `break N`: unwinds N enclosing loops. */
export class BreakSig {
  constructor(readonly n: number) {}
}

/** `continue N`: unwinds to the next iteration of the Nth enclosing loop. */
export class ContinueSig {
  constructor(readonly n: number) {}
}

/** `return [n]` from a function (or from the top level of a script, which ends it). */
export class ReturnSig {
  constructor(readonly status: number) {}
}

/** `exit [n]`, or `set -e` tripping: ends the current (sub)shell. */
export class ExitSig {
  constructor(readonly status: number) {}
}

/**
 * An error that ends the current (sub)shell with status 2, as POSIX requires of a non-interactive
 * shell: `${x?}` on an unset x, arithmetic errors, too deep function recursion. The message is
 * printed once, as `sh: message`, where the shell catches it.
 */
export class FatalError extends Error {}

/** Thrown out of whatever an aborted context was waiting for; the context ends with 128+signal. */
export class Aborted {
  constructor(readonly signal: number) {}
}

/** FreeBSD signal numbers (signal(3)), for `kill` and for 128+signal statuses. */
export const SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  EMT: 7,
  FPE: 8,
  KILL: 9,
  BUS: 10,
  SEGV: 11,
  SYS: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  URG: 16,
  STOP: 17,
  TSTP: 18,
  CONT: 19,
  CHLD: 20,
  TTIN: 21,
  TTOU: 22,
  IO: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  INFO: 29,
  USR1: 30,
  USR2: 31,
}

export const SIGINT = 2
export const SIGKILL = 9
export const SIGPIPE = 13
export const SIGTERM = 15

/** Signal number for `TERM`, `SIGTERM`, `15`; undefined if unknown. */
export function signalNumber(s: string): number | undefined {
  if (/^\d+$/.test(s)) {
    const n = Number(s)
    return n >= 0 && n <= 31 ? n : undefined
  }
  const name = s.toUpperCase().replace(/^SIG/, '')
  return Object.hasOwn(SIGNALS, name) ? SIGNALS[name] : undefined
}

export function signalName(n: number): string | undefined {
  for (const [name, num] of Object.entries(SIGNALS)) if (num === n) return name
  return undefined
}

/**
 * The kill switch of one execution context (a script, a REPL line, a pipeline stage, a background
 * job). Aborting a context aborts its children; waits made through `race` end with Aborted, and
 * foreground programs are killed through `onAbort` listeners. A child must be disposed when it
 * ends so its parent does not keep a listener per finished child.
 */
export class AbortCtl {
  signal: number | undefined = undefined
  private readonly fns = new Set<(sig: number) => void>()
  private readonly unlink: (() => void) | undefined

  constructor(parent?: AbortCtl) {
    this.unlink = parent?.onAbort((sig) => this.abort(sig))
  }

  /** Call fn on abort (at once if already aborted); returns an unregister function. */
  onAbort(fn: (sig: number) => void): () => void {
    if (this.signal !== undefined) {
      fn(this.signal)
      return () => {}
    }
    this.fns.add(fn)
    return () => this.fns.delete(fn)
  }

  abort(sig: number): void {
    if (this.signal !== undefined) return
    this.signal = sig
    const fns = [...this.fns]
    this.fns.clear()
    for (const fn of fns) fn(sig)
  }

  /** Throw Aborted if this context has been aborted. */
  check(): void {
    if (this.signal !== undefined) throw new Aborted(this.signal)
  }

  /** p, unless this context is aborted first (then Aborted is thrown). */
  race<T>(p: Promise<T>): Promise<T> {
    return interruptible(p, (_resolve, reject) => this.onAbort((sig) => reject(new Aborted(sig))))
  }

  dispose(): void {
    this.unlink?.()
  }
}

/** Whether `e` is one of the throws that unwind the shell rather than a command's error. */
export function isControl(e: unknown): boolean {
  return (
    e instanceof BreakSig ||
    e instanceof ContinueSig ||
    e instanceof ReturnSig ||
    e instanceof ExitSig ||
    e instanceof Aborted ||
    e instanceof FatalError ||
    e instanceof RangeError // out of room: fatal, like FatalError (see caught)
  )
}
