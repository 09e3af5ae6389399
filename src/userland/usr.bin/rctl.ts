/**
 * rctl(8): show, add and remove resource limits and show resource usage, as FreeBSD's does:
 * `rctl` (every rule), `rctl FILTER`, `rctl -a RULE`, `rctl -r FILTER`, `rctl -u jail:NAME`,
 * `rctl -l process:PID`, with `-h` for humanized numbers and `-n` for numeric ids. The kernel side
 * (parsing, matching, what can be limited) is in src/jail/rctl.ts; this expands subject aliases
 * (`j:` for `jail:`) and amounts with suffixes (`10k`), and prints what the kernel returns.
 */

import { asSysError, CmdError, lookupUser, runTool, usage } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = 'usage: rctl [ -h ] [-a rule | -l filter | -r filter | -u filter | filter]'

const ALIASES: Readonly<Record<string, string>> = {
  u: 'user',
  g: 'group',
  p: 'process',
  l: 'loginclass',
  c: 'loginclass',
  class: 'loginclass',
  j: 'jail',
}

/** expand_number(3): digits with an optional k/m/g/t/p/e suffix (powers of 1024). */
function expandNumber(s: string): number | null {
  const m = /^(\d+)([kmgtpe]?)$/i.exec(s)
  if (m === null) return null
  const n = Number(m[1]) * 1024 ** ' kmgtpe'.indexOf((m[2] || ' ').toLowerCase())
  return Number.isSafeInteger(n) ? n : null
}

/** expand_rule: subject aliases, user names to uids, amounts to plain numbers; a warning text on error. */
function expandRule(rule: string, resolveIds: boolean): string | { error: string } {
  const parts = rule.split(':')
  if (parts.length < 2) return { error: `malformed rule '${rule}': missing subject` }
  let subject = parts[0]!
  subject = ALIASES[subject.toLowerCase()] ?? subject
  let id = parts[1]!
  if (resolveIds && subject.toLowerCase() === 'user' && id !== '') {
    const uid = lookupUser(id)
    if (uid === null) {
      if (!/^\d/.test(id)) return { error: `malformed rule '${rule}': uknown user '${id}'` }
      if (!/^\d+$/.test(id))
        return { error: `malformed rule '${rule}': trailing characters after numerical id` }
    } else id = String(uid)
  }
  const rest = parts.slice(2)
  let expanded = [subject, id, ...rest].join(':')
  // The amount: what follows '=' in the fourth field, up to '/'.
  if (rest.length >= 2) {
    const m = /^([^=/]*)=([^/]*)(\/.*)?$/.exec(rest.slice(1).join(':'))
    if (m !== null && m[2] !== '') {
      const n = expandNumber(m[2]!)
      if (n === null) return { error: `malformed rule '${rule}': invalid numeric value '${m[2]}'` }
      expanded = `${subject}:${id}:${rest[0]}:${m[1]}=${n}${m[3] ?? ''}`
    }
  }
  return expanded
}

/** humanize_number(3) into 5 columns, HN_AUTOSCALE | HN_DECIMAL | HN_NOSPACE, as `rctl -h` uses it. */
export function humanize(n: number): string {
  const prefixes = ['', 'K', 'M', 'G', 'T', 'P', 'E']
  let q = Math.trunc(n)
  let rem = 0
  let i = 0
  while ((q >= 10000 || (q === 9999 && rem >= 512)) && i < prefixes.length - 1) {
    rem = q % 1024
    q = Math.trunc(q / 1024)
    i++
  }
  if (i > 0 && (q < 9 || (q === 9 && rem < 973))) {
    const tenths = Math.trunc((rem * 10 + 512) / 1024)
    return tenths >= 10 ? `${q + 1}.0${prefixes[i]}` : `${q}.${tenths}${prefixes[i]}`
  }
  return `${q + (i > 0 && rem >= 512 ? 1 : 0)}${prefixes[i]}`
}

/** The amount of a printed rule (`subject:id:resource:action=N[/per]`), humanized. */
function humanizeRule(rule: string): string {
  return rule.replace(
    /=(\d+)(\/[^:]*)?$/,
    (_m, n: string, per: string | undefined) => `=${humanize(Number(n))}${per ?? ''}`,
  )
}

export const rctl: Command = (argv, io, proc) =>
  runTool('rctl', io, () => {
    const r = getopt('rctl', argv.slice(1), 'ahlnru')
    if (typeof r === 'string') {
      io.stderr.write(`${r}\n`)
      usage(USAGE, 1)
    }
    const has = (f: string) => r.opts.some(([o]) => o === f)
    const [a, h, l, n, rm, u] = ['a', 'h', 'l', 'n', 'r', 'u'].map(has) as [
      boolean,
      boolean,
      boolean,
      boolean,
      boolean,
      boolean,
    ]
    if (Number(a) + Number(l) + Number(rm) + Number(u) > 1)
      throw new CmdError('at most one of -a, -l, -r, or -u may be specified')
    const sys = proc.sys
    const print = (rules: readonly string[]) => {
      for (const rule of rules) io.stdout.write(`${h ? humanizeRule(rule) : rule}\n`)
    }
    const failed = (what: string, e: unknown): number => {
      const err = asSysError(e)
      if (err.code === 'ENOSYS') {
        const on = (() => {
          try {
            return sys.sysctlGet('kern.racct.enable').value
          } catch {
            return undefined
          }
        })()
        if (on === undefined)
          throw new CmdError('RACCT/RCTL support not present in kernel; see rctl(8) for details')
        if (on === 0)
          throw new CmdError('RACCT/RCTL present, but disabled; enable using kern.racct.enable=1 tunable')
      }
      io.stderr.write(`rctl: ${what}: ${err.strerror}\n`)
      return 1
    }
    if (r.rest.length === 0) {
      if (a || l || rm || u) usage(USAGE, 1)
      try {
        print(sys.rctlGetRules('::'))
      } catch (e) {
        failed("failed to show rules for '::'", e)
      }
      return 0
    }
    let errors = 0
    for (const text of r.rest) {
      const rule = expandRule(text, !(a && n))
      if (typeof rule !== 'string') {
        io.stderr.write(`rctl: ${rule.error}\n`)
        errors++
        continue
      }
      try {
        if (a) sys.rctlAddRule(rule)
        else if (l) print(sys.rctlGetLimits(rule))
        else if (rm) sys.rctlRemoveRule(rule)
        else if (u)
          for (const line of sys.rctlGetRacct(rule)) {
            const [res, amount] = line.split('=') as [string, string]
            io.stdout.write(h ? `${res}=${humanize(Number(amount))}\n` : `${line}\n`)
          }
        else print(sys.rctlGetRules(rule))
      } catch (e) {
        const what = a
          ? 'failed to add rule'
          : l
            ? 'failed to get limits for'
            : rm
              ? 'failed to remove rule'
              : u
                ? 'failed to show resource consumption for'
                : 'failed to show rules for'
        errors += failed(`${what} '${text}'`, e)
      }
    }
    return errors
  })
