/**
 * rctl(8) rules as the kernel reads and writes them (kern_rctl.c): `subject:id:resource:action=
 * amount/per`, where a filter may leave any part empty (`jail:a:`, `::`). Pure parsing, matching and
 * formatting; the rules live in Racct and the rctl syscalls are in host/kern/rctl_api.ts.
 *
 * Supported: the `jail` subject with the `deny` action, per jail. Other subjects (process, user,
 * loginclass), other actions (log, devctl, signals, throttle) and other `per` values are parsed as
 * FreeBSD names them but refused with EOPNOTSUPP, rather than accepted and silently ignored.
 */

import { SysError } from '../util/errno.js'
import type { Prison } from './prison.js'
import { NOT_DENIABLE, RACCT_RESOURCES, type RacctResource } from './racct.js'

const SUBJECTS = ['process', 'user', 'loginclass', 'jail'] as const
type Subject = (typeof SUBJECTS)[number]

const ACTIONS: ReadonlySet<string> = new Set(['deny', 'log', 'devctl', 'throttle'])
// biome-ignore format: a table of names
const SIGNALS: ReadonlySet<string> = new Set([
  'sighup', 'sigint', 'sigquit', 'sigill', 'sigtrap', 'sigabrt', 'sigemt', 'sigfpe', 'sigkill', 'sigbus',
  'sigsegv', 'sigsys', 'sigpipe', 'sigalrm', 'sigterm', 'sigurg', 'sigstop', 'sigtstp', 'sigcont',
  'sigchld', 'sigttin', 'sigttou', 'sigio', 'sigxcpu', 'sigxfsz', 'sigvtalrm', 'sigprof', 'sigwinch',
  'siginfo', 'sigusr1', 'sigusr2', 'sigthr',
])

/** A complete rule (what `rctl -a` adds). */
export interface RctlRule {
  readonly subject: 'jail'
  /** The jail's name as prison0 sees it (`a`, `a.b`); the jail need not exist yet. */
  readonly id: string
  readonly resource: RacctResource
  readonly action: 'deny'
  readonly amount: number
}

/** A filter: any part may be undefined (matches anything). */
export interface RctlFilter {
  subject?: Subject
  id?: string
  resource?: RacctResource
  action?: string
  amount?: number
  per?: Subject
}

const einval = (): SysError => new SysError('EINVAL', 'rctl')

/** rctl_string_to_rule: the kernel's parse of a rule or filter; EINVAL on any unknown part. */
export function parseFilter(text: string): RctlFilter {
  const parts = text.split(':')
  const [subject = '', id = '', resource = '', rest = ''] = parts
  if (parts.length > 4) throw einval()
  const f: RctlFilter = {}
  if (subject !== '') {
    if (!(SUBJECTS as readonly string[]).includes(subject)) throw einval()
    f.subject = subject as Subject
  }
  if (id !== '') f.id = id
  if (resource !== '') {
    if (!(RACCT_RESOURCES as readonly string[]).includes(resource)) throw einval()
    f.resource = resource as RacctResource
  }
  const m = /^([^=/]*)(?:=([^/]*))?(?:\/(.*))?$/.exec(rest)!
  const [, action = '', amount, per] = m
  if (action !== '') {
    if (!ACTIONS.has(action) && !SIGNALS.has(action)) throw einval()
    f.action = action
  }
  if (amount !== undefined && amount !== '') {
    if (!/^\d+$/.test(amount) || !Number.isSafeInteger(Number(amount))) throw einval()
    f.amount = Number(amount)
  }
  if (per !== undefined && per !== '') {
    if (!(SUBJECTS as readonly string[]).includes(per)) throw einval()
    f.per = per as Subject
  }
  return f
}

/** A fully specified rule we can enforce, from `rctl -a`; EINVAL if incomplete, EOPNOTSUPP if unsupported. */
export function parseRule(text: string): RctlRule {
  const f = parseFilter(text)
  if (f.subject === undefined || f.id === undefined || f.resource === undefined || f.action === undefined)
    throw einval()
  if (f.amount === undefined) throw einval()
  if (f.subject !== 'jail' || f.action !== 'deny' || (f.per !== undefined && f.per !== 'jail'))
    throw new SysError('EOPNOTSUPP', 'rctl')
  if (NOT_DENIABLE.has(f.resource)) throw new SysError('EOPNOTSUPP', 'rctl')
  return { subject: 'jail', id: f.id, resource: f.resource, action: 'deny', amount: f.amount }
}

/** rctl_rule_matches. */
export function ruleMatches(r: RctlRule, f: RctlFilter): boolean {
  return (
    (f.subject === undefined || f.subject === r.subject) &&
    (f.id === undefined || f.id === r.id) &&
    (f.resource === undefined || f.resource === r.resource) &&
    (f.action === undefined || f.action === r.action) &&
    (f.amount === undefined || f.amount === r.amount) &&
    (f.per === undefined || f.per === r.subject)
  )
}

/** Whether r names jail p (`root` is prison0, whose name is `0`). */
export function ruleSubjectMatches(r: RctlRule, p: Prison, root: Prison): boolean {
  return r.id === (p === root ? '0' : p.nameFrom(root))
}

/** rctl_rule_to_sbuf: `/per` only when it differs from the subject, which it never does here. */
export function formatRule(r: RctlRule): string {
  return `${r.subject}:${r.id}:${r.resource}:${r.action}=${r.amount}`
}
