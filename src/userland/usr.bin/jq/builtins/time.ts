/**
 * jq's date builtins: gmtime/localtime, mktime, strftime/strflocaltime, strptime and now, on
 * jq's "broken down time" arrays ([year, month 0-11, day, hours, minutes, seconds, weekday,
 * yearday]). Every VirtNet host keeps UTC, so the local forms are the UTC ones. The clock is the
 * evaluator's host's (virtual time in a lab); nothing else here reads or writes. Failures are
 * JqError with jq 1.7's wording.
 */

import {
  civilTime,
  DAY_FULL_NAMES,
  DAY_NAMES,
  MONTH_FULL_NAMES,
  MONTH_NAMES,
} from '../../../../util/civil_time.js'
import { type J, JqError } from '../value.js'
import type { Builtin } from './core.js'

/** [year, month 0–11, day, hour, minute, second, weekday, day of the year] of whole seconds, UTC. */
function brokenDown(secs: number): number[] {
  const c = civilTime(secs)
  const yday = (Date.UTC(c.year, c.month - 1, c.day) - Date.UTC(c.year, 0, 1)) / 86_400_000
  return [c.year, c.month - 1, c.day, c.hour, c.minute, c.second, c.weekday, yday]
}

function gmtime(v: J): J[] {
  // Beyond ±8.64e12 s a JavaScript date (and so jq's own range here) ends.
  if (typeof v !== 'number' || !(Math.abs(v) <= 8.64e12)) throw new JqError('gmtime() requires a number')
  const whole = Math.floor(v)
  const t = brokenDown(whole)
  t[5] = t[5]! + (v - whole)
  return t
}

/** A broken-down time's fields as numbers (jq wants at least the first six). */
function fields(v: J, what: string): number[] {
  if (!Array.isArray(v) || v.length < 6 || v.some((x) => typeof x !== 'number')) throw new JqError(what)
  return v as number[]
}

function timegm(t: readonly number[]): number {
  return Math.floor(Date.UTC(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, Math.floor(t[5]!)) / 1000)
}

const pad = (n: number, w = 2, c = '0'): string => String(Math.trunc(n)).padStart(w, c)

function strftime(v: J, fmt: J, fn: string): string {
  if (typeof fmt !== 'string') throw new JqError(`${fn}/1 requires a string format`)
  const t = fields(typeof v === 'number' ? gmtime(v) : v, `${fn}/1 requires parsed datetime inputs`)
  // Weekday and yearday from the date itself, as timegm() normalises them in jq.
  const [Y, M, D, h, m, s, wday, yday] = brokenDown(timegm(t)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const conv: Record<string, () => string> = {
    Y: () => String(Y),
    C: () => pad(Y / 100),
    y: () => pad(Y % 100),
    m: () => pad(M + 1),
    d: () => pad(D),
    e: () => pad(D, 2, ' '),
    H: () => pad(h),
    k: () => pad(h, 2, ' '),
    I: () => pad(h % 12 === 0 ? 12 : h % 12),
    l: () => pad(h % 12 === 0 ? 12 : h % 12, 2, ' '),
    M: () => pad(m),
    S: () => pad(s),
    j: () => pad(yday + 1, 3),
    a: () => DAY_NAMES[wday]!,
    A: () => DAY_FULL_NAMES[wday]!,
    b: () => MONTH_NAMES[M]!,
    h: () => MONTH_NAMES[M]!,
    B: () => MONTH_FULL_NAMES[M]!,
    p: () => (h < 12 ? 'AM' : 'PM'),
    Z: () => 'UTC',
    z: () => '+0000',
    s: () => String(timegm(t)),
    u: () => String(wday === 0 ? 7 : wday),
    w: () => String(wday),
    U: () => pad(Math.floor((yday + 7 - wday) / 7)),
    W: () => pad(Math.floor((yday + 7 - ((wday + 6) % 7)) / 7)),
    T: () => `${pad(h)}:${pad(m)}:${pad(s)}`,
    R: () => `${pad(h)}:${pad(m)}`,
    D: () => `${pad(M + 1)}/${pad(D)}/${pad(Y % 100)}`,
    F: () => `${Y}-${pad(M + 1)}-${pad(D)}`,
    c: () => `${DAY_NAMES[wday]!} ${MONTH_NAMES[M]!} ${pad(D, 2, ' ')} ${pad(h)}:${pad(m)}:${pad(s)} ${Y}`,
    x: () => `${pad(M + 1)}/${pad(D)}/${pad(Y % 100)}`,
    X: () => `${pad(h)}:${pad(m)}:${pad(s)}`,
    n: () => '\n',
    t: () => '\t',
    '%': () => '%',
  }
  return fmt.replace(/%([A-Za-z%])/g, (all, c: string) => conv[c]?.() ?? all)
}

/** strptime(3) for the conversions scripts use; the whole string must be consumed. */
function strptime(v: J, fmt: J): J[] {
  if (typeof v !== 'string' || typeof fmt !== 'string')
    throw new JqError('strptime/1 requires string inputs and arguments')
  const fail = (): never => {
    throw new JqError(`date "${v}" does not match format "${fmt}"`)
  }
  const t = { Y: 1900, M: 0, D: 1, h: 0, m: 0, s: 0, pm: -1, epoch: Number.NaN, off: 0 }
  let i = 0
  const int = (max: number): number => {
    const m = new RegExp(`^[+-]?\\d{1,${max}}`).exec(v.slice(i))
    if (m === null) return fail()
    i += m[0].length
    return Number(m[0])
  }
  const name = (list: readonly string[]): number => {
    const rest = v.slice(i).toLowerCase()
    for (let k = 0; k < list.length; k++)
      for (const n of [list[k]!, list[k]!.slice(0, 3)])
        if (rest.startsWith(n.toLowerCase())) {
          i += n.length
          return k
        }
    return fail()
  }
  const expanded = fmt.replace(
    /%([TDFR])/g,
    (_a, c: string) => ({ T: '%H:%M:%S', D: '%m/%d/%y', F: '%Y-%m-%d', R: '%H:%M' })[c]!,
  )
  for (let k = 0; k < expanded.length; k++) {
    const c = expanded[k]!
    if (/\s/.test(c)) {
      while (i < v.length && /\s/.test(v[i]!)) i++
      continue
    }
    if (c !== '%') {
      if (v[i] !== c) fail()
      i++
      continue
    }
    const d = expanded[++k]
    if (d === 'Y') t.Y = int(4)
    else if (d === 'y') t.Y = ((n) => (n < 69 ? 2000 + n : 1900 + n))(int(2))
    else if (d === 'm') t.M = int(2) - 1
    else if (d === 'd' || d === 'e') {
      while (v[i] === ' ') i++
      t.D = int(2)
    } else if (d === 'H') t.h = int(2)
    else if (d === 'I') t.h = int(2) % 12
    else if (d === 'M') t.m = int(2)
    else if (d === 'S') t.s = int(2)
    else if (d === 'j') int(3)
    else if (d === 'b' || d === 'B' || d === 'h') t.M = name(MONTH_FULL_NAMES)
    else if (d === 'a' || d === 'A') name(DAY_FULL_NAMES)
    else if (d === 'p') t.pm = name(['AM', 'PM'])
    else if (d === 's') t.epoch = int(20)
    else if (d === 'Z') {
      const m = /^[A-Za-z]+/.exec(v.slice(i))
      if (m === null) fail()
      i += m![0].length
    } else if (d === 'z') {
      const m = /^([+-])(\d\d):?(\d\d)|^Z/.exec(v.slice(i))
      if (m === null) fail()
      i += m![0].length
      if (m![1] !== undefined) t.off = (m![1] === '-' ? -1 : 1) * (Number(m![2]) * 60 + Number(m![3])) * 60
    } else if (d === '%') {
      if (v[i] !== '%') fail()
      i++
    } else fail()
  }
  if (i !== v.length) fail()
  if (t.pm === 1) t.h += 12
  const secs = Number.isNaN(t.epoch) ? timegm([t.Y, t.M, t.D, t.h, t.m, t.s]) - t.off : t.epoch
  return gmtime(secs)
}

export const TIME_BUILTINS: Readonly<Record<string, Builtin>> = {
  'now/0': (ev) => [ev.host.now()],
  'gmtime/0': (_e, _a, v) => [gmtime(v)],
  'localtime/0': (_e, _a, v) => [gmtime(v)],
  'mktime/0': (_e, _a, v) => [timegm(fields(v, 'mktime requires array of 6 numbers'))],
  'strftime/1': function* (ev, [f], v, env) {
    for (const fmt of ev.ev(f!, v, env)) yield strftime(v, fmt, 'strftime')
  },
  'strflocaltime/1': function* (ev, [f], v, env) {
    for (const fmt of ev.ev(f!, v, env)) yield strftime(v, fmt, 'strflocaltime')
  },
  'strptime/1': function* (ev, [f], v, env) {
    for (const fmt of ev.ev(f!, v, env)) yield strptime(v, fmt)
  },
}
