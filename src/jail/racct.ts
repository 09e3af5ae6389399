/**
 * Resource accounting (FreeBSD's racct(9)): usage counters per jail, hierarchical as in FreeBSD (a
 * jail's usage also counts toward every ancestor up to prison0), checked against the host's built-in
 * limits and the rctl(8) rules of each jail on the way before anything is charged. Other kernel code
 * calls `add` where an object is created (a process, a socket, an interface, a route) and `sub` where
 * it goes away; a refused `add` charges nothing, and the caller fails with the errno it gets.
 *
 * Built-in limits hold whatever kern.racct.enable says, because one process holds every jail:
 * kern.maxproc (the last 10 slots are prison0 root's, PRIV_MAXPROC), kern.maxprocperuid (root is
 * exempt, PRIV_PROC_LIMIT), kern.maxfiles. rctl rules (jail subject, deny action) come on top.
 * Rules apply to the jail they name and, unlike FreeBSD where only the process's own jail's rules
 * are enforced, to every descendant too, so a parent's limit bounds its whole subtree.
 *
 * Memory (memoryuse) is not counted incrementally: a jail's share is estimated on demand from the
 * objects its vnet holds (see MEM_COST), so objects that vanish with an interface or a vnet can never
 * leave a stale charge. Must not be called per packet.
 */

import type { ErrnoName } from '../util/errno.js'
import type { Prison } from './prison.js'
import { type RctlRule, ruleSubjectMatches } from './rctl.js'

/** FreeBSD's resources (sys/racct.h) in its order, which `rctl -u` follows; nsockets is VirtNet's. */
export const RACCT_RESOURCES = [
  'cputime',
  'datasize',
  'stacksize',
  'coredumpsize',
  'memoryuse',
  'memorylocked',
  'maxproc',
  'openfiles',
  'vmemoryuse',
  'pseudoterminals',
  'swapuse',
  'nthr',
  'msgqqueued',
  'msgqsize',
  'nmsgq',
  'nsem',
  'nsemop',
  'nshm',
  'shmsize',
  'wallclock',
  'pcpu',
  'readbps',
  'writebps',
  'readiops',
  'writeiops',
  // Reserved for sockets (a rule can be set now; usage stays 0 until sockets exist).
  'nsockets',
] as const

export type RacctResource = (typeof RACCT_RESOURCES)[number]

/** Resources that a deny rule cannot limit (no RACCT_DENIABLE in FreeBSD): EOPNOTSUPP. */
export const NOT_DENIABLE: ReadonlySet<RacctResource> = new Set([
  'cputime',
  'wallclock',
  'readbps',
  'writebps',
  'readiops',
  'writeiops',
])

/** The errno a refused charge gives, as FreeBSD's callers of racct_add choose it. */
const DENY_ERRNO: Readonly<Partial<Record<RacctResource, ErrnoName>>> = {
  maxproc: 'EAGAIN',
  nthr: 'EAGAIN',
  openfiles: 'EMFILE',
  memoryuse: 'ENOMEM',
  nsockets: 'ENOBUFS',
}

/**
 * Estimated bytes per object for memoryuse: what the JavaScript objects behind each cost, rounded up
 * (an ifnet with its queues and counters, a route entry, an address, a process's shell state).
 */
export const MEM_COST = { ifnet: 4096, route: 256, ifaddr: 256, proc: 64 * 1024 } as const

/** What a vnet holds, for the memoryuse estimate (the host supplies it; jail/ must not import stack/). */
export type MemCounter = (pr: Prison) => number

export interface RacctLimits {
  /** kern.maxproc. */
  maxproc: number
  /** kern.maxprocperuid. */
  maxprocperuid: number
  /** kern.maxfiles. */
  maxfiles: number
}

/** kern.maxproc from the memory the process may use: one slot per 256 KiB, between 128 and 65536. */
export function defaultMaxproc(memoryBytes: number): number {
  return Math.max(128, Math.min(65536, Math.floor(memoryBytes / (256 * 1024))))
}

const IDX: ReadonlyMap<RacctResource, number> = new Map(RACCT_RESOURCES.map((r, i) => [r, i]))

export class Racct {
  /** kern.racct.enable: a loader tunable; only rctl(2) depends on it, the built-in limits do not. */
  readonly enabled: boolean
  readonly limits: RacctLimits
  /** rctl rules in the order they were added. */
  readonly rules: RctlRule[] = []
  private readonly usage = new WeakMap<Prison, Float64Array>()
  /** Live processes: pid → its jail and real uid (for kern.maxprocperuid). */
  private readonly procs = new Map<number, { pr: Prison; ruid: number }>()
  private readonly perUid = new Map<number, number>()
  private readonly memOf: MemCounter

  constructor(enabled: boolean, limits: RacctLimits, memOf: MemCounter) {
    this.enabled = enabled
    this.limits = limits
    this.memOf = memOf
  }

  private counters(pr: Prison): Float64Array {
    let c = this.usage.get(pr)
    if (c === undefined) {
      c = new Float64Array(RACCT_RESOURCES.length)
      this.usage.set(pr, c)
    }
    return c
  }

  /** Processes alive in the whole host (kern.proc count). */
  get nprocs(): number {
    return this.procs.size
  }

  /** Usage of pr and its descendants. */
  get(pr: Prison, res: RacctResource): number {
    if (res === 'memoryuse') {
      let sum = this.memOf(pr) + this.counters(pr)[IDX.get('maxproc')!]! * MEM_COST.proc
      for (const d of pr.descendants()) sum += this.memOf(d)
      return sum
    }
    return this.counters(pr)[IDX.get(res)!]!
  }

  /** The deny rule pr's charge of `amount` would break, on pr or an ancestor; undefined if none. */
  private denied(pr: Prison, res: RacctResource, amount: number, root: Prison): boolean {
    if (this.rules.length === 0) return false
    for (let p: Prison | null = pr; p !== null; p = p.parent) {
      let used: number | undefined
      for (const r of this.rules) {
        if (r.resource !== res || !ruleSubjectMatches(r, p, root)) continue
        used ??= this.get(p, res)
        if (used + amount > r.amount) return true
      }
    }
    return false
  }

  /**
   * Charge `amount` of `res` to pr (and its ancestors) if no rule denies it; otherwise charge nothing
   * and return the errno. `root` is prison0, for rule names. For memoryuse nothing is stored: the
   * caller creates the object, which the estimate then sees.
   */
  add(pr: Prison, res: RacctResource, amount: number, root: Prison): ErrnoName | undefined {
    if (this.denied(pr, res, amount, root)) return DENY_ERRNO[res] ?? 'EAGAIN'
    if (res !== 'memoryuse') this.adjust(pr, res, amount)
    return undefined
  }

  sub(pr: Prison, res: RacctResource, amount: number): void {
    if (res !== 'memoryuse') this.adjust(pr, res, -amount)
  }

  private adjust(pr: Prison, res: RacctResource, delta: number): void {
    const i = IDX.get(res)!
    for (let p: Prison | null = pr; p !== null; p = p.parent) this.counters(p)[i]! += delta
  }

  /**
   * fork(2)'s checks, in FreeBSD's order (kern_fork.c): kern.maxproc (prison0's root may use the
   * last 10 slots, PRIV_MAXPROC), kern.maxprocperuid for the real uid (root exempt, PRIV_PROC_LIMIT,
   * which jails have too), then the rctl rules. EAGAIN when a limit is reached; records nothing.
   */
  procCheck(pr: Prison, ruid: number, root: Prison): ErrnoName | undefined {
    const n = this.procs.size + 1
    if (n >= this.limits.maxproc || (n >= this.limits.maxproc - 10 && (ruid !== 0 || pr.parent !== null)))
      return 'EAGAIN'
    if (ruid !== 0 && (this.perUid.get(ruid) ?? 0) + 1 > this.limits.maxprocperuid) return 'EAGAIN'
    if (this.denied(pr, 'maxproc', 1, root) || this.denied(pr, 'nthr', 1, root)) return 'EAGAIN'
    return undefined
  }

  /** Record a process procCheck allowed. */
  procAdd(pid: number, pr: Prison, ruid: number): void {
    this.adjust(pr, 'maxproc', 1)
    this.adjust(pr, 'nthr', 1)
    this.perUid.set(ruid, (this.perUid.get(ruid) ?? 0) + 1)
    this.procs.set(pid, { pr, ruid })
  }

  /** The jail of a live process, for `rctl -l process:PID`. */
  procJail(pid: number): Prison | undefined {
    return this.procs.get(pid)?.pr
  }

  /** A process ended (or its jail went away): give back what procStart charged. Idempotent. */
  procExit(pid: number): void {
    const p = this.procs.get(pid)
    if (p === undefined) return
    this.procs.delete(pid)
    this.adjust(p.pr, 'maxproc', -1)
    this.adjust(p.pr, 'nthr', -1)
    const n = (this.perUid.get(p.ruid) ?? 1) - 1
    if (n === 0) this.perUid.delete(p.ruid)
    else this.perUid.set(p.ruid, n)
  }

  /** Open files of the whole host (kern.openfiles). */
  openfiles(root: Prison): number {
    return this.get(root, 'openfiles')
  }

  /**
   * socket(2)/open(2), as falloc: ENFILE past kern.maxfiles, or past 90% of it unless prison0's root
   * (PRIV_MAXFILES); then the rules (EMFILE).
   */
  fileOpen(pr: Prison, ruid: number, root: Prison): ErrnoName | undefined {
    const n = this.openfiles(root) + 1
    const max = this.limits.maxfiles
    if (n > max || (n > Math.floor((max * 9) / 10) && (ruid !== 0 || pr.parent !== null))) return 'ENFILE'
    return this.add(pr, 'openfiles', 1, root)
  }
}
