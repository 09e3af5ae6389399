/**
 * The rctl(2) syscalls (rctl_add_rule, rctl_remove_rule, rctl_get_rules, rctl_get_limits,
 * rctl_get_racct) behind KernelApi: ENOSYS while kern.racct.enable is 0, EPERM for anyone but
 * prison0's root, then the rules of src/jail/rctl.ts over the accounting of src/jail/racct.ts.
 */

import type { Prison } from '../../jail/prison.js'
import { type Cred, Priv, type PrivName, privCheck } from '../../jail/priv.js'
import { RACCT_RESOURCES, type Racct } from '../../jail/racct.js'
import { formatRule, parseFilter, parseRule, ruleMatches, ruleSubjectMatches } from '../../jail/rctl.js'
import { SysError } from '../../util/errno.js'
import type { Host } from '../host.js'

/** Every rctl call: ENOSYS while kern.racct.enable is 0, then the privilege (prison0's root only). */
function entry(host: Host, cred: Cred, p: PrivName): Racct {
  const racct = host.racct
  if (!racct.enabled) throw new SysError('ENOSYS', 'rctl')
  privCheck(cred, p, 'rctl')
  return racct
}

/** The jail a `jail:NAME` subject names (`0` is prison0); undefined for a name not in use. */
function jailNamed(host: Host, id: string): Prison | undefined {
  return id === '0' ? host.prison0 : host.prison0.findDescendant(id)
}

export function rctlAddRule(host: Host, cred: Cred, rule: string): void {
  const racct = entry(host, cred, Priv.RCTL_ADD_RULE)
  const r = parseRule(rule)
  const i = racct.rules.findIndex((o) => o.id === r.id && o.resource === r.resource && o.action === r.action)
  if (i >= 0) racct.rules.splice(i, 1, r)
  else racct.rules.push(r)
}

export function rctlRemoveRule(host: Host, cred: Cred, filter: string): void {
  const racct = entry(host, cred, Priv.RCTL_REMOVE_RULE)
  const f = parseFilter(filter)
  const keep = racct.rules.filter((r) => !ruleMatches(r, f))
  if (keep.length === racct.rules.length) throw new SysError('ESRCH', 'rctl')
  racct.rules.splice(0, racct.rules.length, ...keep)
}

export function rctlGetRules(host: Host, cred: Cred, filter: string): string[] {
  const racct = entry(host, cred, Priv.RCTL_GET_RULES)
  const f = parseFilter(filter)
  return racct.rules.filter((r) => ruleMatches(r, f)).map(formatRule)
}

export function rctlGetLimits(host: Host, cred: Cred, filter: string): string[] {
  const racct = entry(host, cred, Priv.RCTL_GET_LIMITS)
  const f = parseFilter(filter)
  if (f.subject === undefined) throw new SysError('EINVAL', 'rctl')
  if (f.subject !== 'process') throw new SysError('EOPNOTSUPP', 'rctl')
  const pr = f.id !== undefined && /^\d+$/.test(f.id) ? racct.procJail(Number(f.id)) : undefined
  if (pr === undefined) throw new SysError(f.id === undefined ? 'EINVAL' : 'ESRCH', 'rctl')
  const root = host.prison0
  const out: string[] = []
  // A jail's rules bind its descendants too (see racct.ts), nearest jail first.
  for (let p: Prison | null = pr; p !== null; p = p.parent)
    for (const r of racct.rules) if (ruleSubjectMatches(r, p, root)) out.push(formatRule(r))
  return out
}

export function rctlGetRacct(host: Host, cred: Cred, filter: string): string[] {
  const racct = entry(host, cred, Priv.RCTL_GET_RACCT)
  const f = parseFilter(filter)
  if (f.subject !== 'jail') throw new SysError(f.subject === undefined ? 'EINVAL' : 'EOPNOTSUPP', 'rctl')
  if (f.id === undefined) throw new SysError('EINVAL', 'rctl')
  const pr = jailNamed(host, f.id)
  return RACCT_RESOURCES.map((res) => {
    const n = pr === undefined ? 0 : racct.get(pr, res)
    // cputime is kept in microseconds and shown in seconds (RACCT_IS_IN_MILLIONS).
    return `${res}=${res === 'cputime' ? Math.floor(n / 1e6) : n}`
  })
}
