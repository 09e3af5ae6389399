/**
 * The process and time system calls behind KernelApi: clock_gettime, getrandom, nanosleep,
 * sched_yield (a time slice charged as CPU time), fork/exit bookkeeping (maxproc, the descriptors a
 * process leaves open) and kill(2) with p_cansee / cr_cansignal.
 *
 * Must not: hand out a Syscalls of another credential (KernelApi does: asProcess, attach, exec).
 */

import type { ProcEntry } from '../../jail/prison.js'
import { Priv, privAllowed } from '../../jail/priv.js'
import { Socket, soclose } from '../../kern/socket.js'
import { SysError } from '../../util/errno.js'
import type { ProcInfo } from '../syscalls.js'
import { SLICE_NS, SLICE_STEPS } from '../syscalls.js'
import type { Caller } from './caller.js'
import { reapIfIdle } from './jails.js'

/** _SIG_MAXSIG: the highest signal number kill(2) accepts. */
const MAXSIG = 128

export function now(c: Caller): number {
  return c.host.clock.now()
}

export function getrandom(c: Caller, len: number): Uint8Array {
  if (!Number.isInteger(len) || len < 0 || len > 256) throw new SysError('EINVAL', 'getrandom')
  const out = new Uint8Array(len)
  for (let i = 0; i < len; i++) out[i] = c.host.entropy.u32() & 0xff
  return out
}

export function nanosleep(c: Caller, ns: number, until?: Promise<unknown>): Promise<void> {
  if (!(ns >= 0) || !Number.isFinite(ns)) throw new SysError('EINVAL', 'nanosleep')
  return c.host.clock.sleep(ns, until)
}

export function preempt(c: Caller, until?: Promise<unknown>, steps = SLICE_STEPS): Promise<void> {
  const clock = c.host.clock
  if (!(steps >= 0) || !Number.isFinite(steps)) throw new SysError('EINVAL', 'sched_yield')
  const ns = (steps * SLICE_NS) / SLICE_STEPS
  // cputime counts in microseconds, as FreeBSD's (RACCT_IN_MILLIONS).
  c.host.racct.add(c.cred.prison, 'cputime', ns / 1000, c.host.prison0)
  if (clock.mode === 'real') return clock.sleep(0, until)
  return clock.sleep(c.host.cpuRun(ns) - clock.now(), until)
}

export function procStart(c: Caller, kill: (signal: number) => void, comm = '', args = comm): number {
  const pr = c.prison
  const racct = c.host.racct
  const err = racct.procCheck(pr, c.ruid, c.host.prison0)
  if (err !== undefined) throw new SysError(err, 'fork')
  const pid = c.host.allocPid()
  racct.procAdd(pid, pr, c.ruid)
  pr.procs.set(pid, {
    uid: c.cred.uid,
    ruid: c.ruid,
    ppid: Math.max(c.pid, 0),
    comm,
    args,
    files: new Map(),
    kill,
    fib: c.fib,
  })
  return pid
}

/** setfib(2): EINVAL unless 0 <= fib < net.fibs of the caller's stack. */
export function setfib(c: Caller, fib: number): void {
  if (!Number.isInteger(fib) || fib < 0 || fib >= c.vnet.numFibs) throw new SysError('EINVAL', 'setfib')
  c.setFib(fib)
}

export function procExit(c: Caller, pid: number): void {
  c.host.racct.procExit(pid)
  const pr = c.cred.prison
  // exit1 closes the descriptors the process still holds (fdescfree): a program that ends
  // without closing its sockets, or is killed, does not leave them open.
  for (const f of pr.procs.get(pid)?.files.values() ?? []) if (f instanceof Socket) soclose(f)
  if (pr.procs.delete(pid)) reapIfIdle(c.host, pr)
}

export function kill(c: Caller, pid: number, signal: number): void {
  if (!Number.isInteger(signal) || signal < 0 || signal > MAXSIG) throw new SysError('EINVAL', 'kill')
  // p_cansee: a process sees those of its own jail and the jails below it, no others.
  const me = c.prison
  let target: ProcEntry | undefined
  for (const pr of [me, ...me.descendants()]) {
    target = pr.procs.get(pid)
    if (target !== undefined) break
  }
  if (target === undefined) throw new SysError('ESRCH', 'kill')
  // cr_cansignal: root, or a real or effective uid in common with the target's.
  const mine = [c.cred.uid, c.ruid]
  if (!privAllowed(c.cred, Priv.SIGNAL_DIFFCRED) && !mine.includes(target.uid) && !mine.includes(target.ruid))
    throw new SysError('EPERM', 'kill')
  if (signal !== 0) target.kill(signal)
}

/** kern.proc.all as the caller may see it (p_cansee): its jail's processes and those below. */
export function procList(c: Caller): ProcInfo[] {
  const out: ProcInfo[] = []
  for (const pr of [c.prison, ...c.prison.descendants()])
    for (const [pid, p] of pr.procs)
      out.push({ pid, ppid: p.ppid, comm: p.comm, args: p.args, uid: p.uid, ruid: p.ruid, jid: pr.jid })
  return out.sort((a, b) => a.pid - b.pid)
}
