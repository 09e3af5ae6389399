/**
 * date(1): `date [-u] [-r seconds] [+format]` prints the host clock's time (seconds since the
 * epoch; a host without a real-time clock starts at 1970-01-01, and in virtual time runs as the
 * clock does) in UTC, with strftime(3)'s common conversions. Setting the clock is refused as for a
 * jail: the host's clock is not the lab's to change.
 */

import { civilTime, DAY_NAMES, MONTH_NAMES } from '../../util/civil_time.js'
import { CmdError, EX, optsOrUsage, runTool } from '../common.js'
import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = `usage: date [-jnRu] [-I[date|hours|minutes|seconds|ns]] [-f input_fmt]
            [ -z output_zone ] [-r filename|seconds] [-v[+|-]val[y|m|w|d|H|M|S]]
            [[[[mm]dd]HH]MM[[cc]yy][.SS] | new_date] [+output_fmt]`

const DEFAULT_FORMAT = '%a %b %e %H:%M:%S %Z %Y'

function pad(n: number, width = 2, fill = '0'): string {
  return String(n).padStart(width, fill)
}

/** strftime(3) in UTC for the conversions scripts use; an unknown one is printed as is. */
export function strftime(format: string, secs: number): string {
  const t = civilTime(secs)
  const yday = Math.floor((Date.UTC(t.year, t.month - 1, t.day) - Date.UTC(t.year, 0, 1)) / 86400000) + 1
  let out = ''
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!
    if (c !== '%' || i + 1 === format.length) {
      out += c
      continue
    }
    const k = format[++i]!
    switch (k) {
      case 'a':
        out += DAY_NAMES[t.weekday]
        break
      case 'A':
        out += ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][t.weekday]
        break
      case 'b':
      case 'h':
        out += MONTH_NAMES[t.month - 1]
        break
      case 'C':
        out += pad(Math.floor(t.year / 100))
        break
      case 'd':
        out += pad(t.day)
        break
      case 'D':
        out += `${pad(t.month)}/${pad(t.day)}/${pad(t.year % 100)}`
        break
      case 'e':
        out += pad(t.day, 2, ' ')
        break
      case 'F':
        out += `${t.year}-${pad(t.month)}-${pad(t.day)}`
        break
      case 'H':
        out += pad(t.hour)
        break
      case 'I':
        out += pad(((t.hour + 11) % 12) + 1)
        break
      case 'j':
        out += pad(yday, 3)
        break
      case 'k':
        out += pad(t.hour, 2, ' ')
        break
      case 'm':
        out += pad(t.month)
        break
      case 'M':
        out += pad(t.minute)
        break
      case 'n':
        out += '\n'
        break
      case 'p':
        out += t.hour < 12 ? 'AM' : 'PM'
        break
      case 'R':
        out += `${pad(t.hour)}:${pad(t.minute)}`
        break
      case 's':
        out += String(Math.floor(secs))
        break
      case 'S':
        out += pad(t.second)
        break
      case 't':
        out += '\t'
        break
      case 'T':
        out += `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`
        break
      case 'u':
        out += String(t.weekday === 0 ? 7 : t.weekday)
        break
      case 'w':
        out += String(t.weekday)
        break
      case 'y':
        out += pad(t.year % 100)
        break
      case 'Y':
        out += String(t.year)
        break
      case 'z':
        out += '+0000'
        break
      case 'Z':
        out += 'UTC'
        break
      case '%':
        out += '%'
        break
      default:
        out += `%${k}`
    }
  }
  return out
}

export const date: Command = (argv, io, proc) =>
  runTool('date', io, () => {
    const { opts, rest } = optsOrUsage(getopt('date', argv.slice(1), 'jnRur:'), USAGE, 1)
    let secs = Math.floor(proc.sys.now() / 1e9)
    let format = DEFAULT_FORMAT
    for (const [f, v] of opts) {
      if (f === 'R') format = '%a, %d %b %Y %T %z'
      if (f === 'r') {
        if (!/^-?\d+$/.test(v)) throw new CmdError(`${v}: No such file or directory`)
        secs = Number(v)
      }
    }
    const ops = [...rest]
    if (ops.length > 0 && ops[ops.length - 1]!.startsWith('+')) format = ops.pop()!.slice(1)
    if (ops.length > 1) throw new CmdError(`${USAGE}`, 1, true)
    if (ops.length === 1) {
      if (!/^\d{4,12}(\.\d\d)?$/.test(ops[0]!)) throw new CmdError('illegal time format', 1)
      if (!opts.some(([f]) => f === 'j'))
        throw new CmdError('settimeofday (timeval): Operation not permitted', EX.ERR)
    }
    io.stdout.write(`${strftime(format, secs)}\n`)
    return 0
  })
