/**
 * which(1): `which [-as] program ...` prints where each program is found on root's default PATH
 * (/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin), the hier(7) places VirtNet's
 * programs live (paths.ts); an absolute or relative path is printed when it names a program. Exit
 * 0 when every program was found, 1 otherwise; -s prints nothing. Reads only.
 */

import { getopt } from '../getopt.js'
import { programName, programPaths } from '../paths.js'
import type { Command } from '../types.js'

const USAGE = 'usage: which [-as] program ...\n'

export const which: Command = async (argv, io, proc) => {
  const g = getopt('which', argv.slice(1), 'as')
  if (typeof g === 'string' || g.rest.length === 0) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 1
  }
  const all = g.opts.some(([o]) => o === 'a')
  const silent = g.opts.some(([o]) => o === 's')
  let status = 0
  for (const p of g.rest) {
    let found: string[]
    if (p.includes('/')) {
      const name = programName(p)
      found = name !== undefined && proc.has(name) ? [p] : []
    } else found = proc.has(p) ? programPaths(p) : []
    if (found.length === 0) status = 1
    else if (!silent) io.stdout.write(`${(all ? found : found.slice(0, 1)).join('\n')}\n`)
  }
  return status
}
