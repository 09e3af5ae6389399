/**
 * basename(1): `basename string [suffix]` and `basename [-a] [-s suffix] string [...]` print the
 * last component of each string as basename(3) finds it (trailing slashes ignored, `/` for a string
 * of slashes), less the suffix when the suffix is a proper tail of it. As FreeBSD's: exactly two
 * operands without -a or -s are a string and a suffix; more than one string, or -s, prints a line
 * for each; an empty first string prints one empty line and nothing else. Usage errors exit 1.
 * Pure string work: it never looks at the files.
 */

import { getopt } from '../../getopt.js'
import type { Command } from '../../types.js'

const USAGE = 'usage: basename string [suffix]\n       basename [-a] [-s suffix] string [...]\n'

/** basename(3): the last component of `p`, `/` for a run of slashes, `.` for an empty string. */
export function baseName(p: string): string {
  if (p === '') return '.'
  let end = p.length
  while (end > 1 && p[end - 1] === '/') end--
  if (end === 1 && p[0] === '/') return '/'
  const start = p.lastIndexOf('/', end - 1) + 1
  return p.slice(start, end)
}

export const basename: Command = async (argv, io) => {
  const g = getopt('basename', argv.slice(1), 'as:')
  if (typeof g === 'string' || g.rest.length === 0) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 1
  }
  const all = g.opts.some(([o]) => o === 'a')
  let suffix: string | undefined
  for (const [o, v] of g.opts) if (o === 's') suffix = v
  let strings = g.rest
  if (strings[0] === '') {
    io.stdout.write('\n')
    return 0
  }
  if (suffix === undefined && !all && strings.length === 2) {
    suffix = strings[1]
    strings = strings.slice(0, 1)
  }
  let out = ''
  for (const s of strings) {
    const b = baseName(s)
    // The suffix goes only when something is left of the name (basename.c's stripsuffix).
    const cut = suffix !== undefined && suffix !== '' && b.length > suffix.length && b.endsWith(suffix)
    out += `${cut ? b.slice(0, b.length - suffix!.length) : b}\n`
  }
  io.stdout.write(out)
  return 0
}
