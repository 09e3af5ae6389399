/**
 * uniq(1): `uniq [-c | -d | -D | -u] [-i] [-f fields] [-s chars] [input [output]]`: adjacent
 * repeated lines folded, counted (`-c`, right-aligned in four columns as FreeBSD prints them),
 * only repeated (`-d`, `-D`) or only unique (`-u`) ones shown.
 */

import { getopt } from '../../getopt.js'
import type { Command } from '../../types.js'
import { lines, readInputs } from './text_input.js'

const USAGE = 'usage: uniq [-c | -d | -D | -u] [-i] [-f fields] [-s chars] [input [output]]\n'

export const uniq: Command = async (argv, io, proc) => {
  const g = getopt('uniq', argv.slice(1), 'cdDuif:s:')
  if (typeof g === 'string' || g.rest.length > 2) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 1
  }
  const has = (c: string) => g.opts.some(([o]) => o === c)
  const num = (c: string) => Number(g.opts.filter(([o]) => o === c).pop()?.[1] ?? 0)
  const skipFields = num('f')
  const skipChars = num('s')
  if (!Number.isInteger(skipFields) || skipFields < 0 || !Number.isInteger(skipChars) || skipChars < 0) {
    io.stderr.write(
      `uniq: ${!Number.isInteger(skipFields) || skipFields < 0 ? 'field' : 'character'} skip value is invalid\n`,
    )
    return 1
  }
  const { texts, ok } = await readInputs('uniq', g.rest.slice(0, 1), io, proc)
  if (!ok) return 1
  const key = (l: string): string => {
    let s = l
    for (let i = 0; i < skipFields; i++) s = s.replace(/^[ \t]*[^ \t]*/, '')
    s = s.slice(skipChars)
    return has('i') ? s.toLowerCase() : s
  }
  let out = ''
  const all = lines(texts[0] ?? '')
  for (let i = 0; i < all.length; ) {
    let j = i + 1
    while (j < all.length && key(all[j]!) === key(all[i]!)) j++
    const n = j - i
    if (has('D')) {
      if (n > 1) for (let k = i; k < j; k++) out += `${all[k]}\n`
    } else if ((!has('d') || n > 1) && (!has('u') || n === 1))
      out += has('c') ? `${String(n).padStart(4)} ${all[i]}\n` : `${all[i]}\n`
    i = j
  }
  const dest = g.rest[1]
  if (dest !== undefined) {
    proc.fs.truncate(dest)
    proc.fs.append(dest, out)
  } else await io.stdout.write(out)
  return 0
}
