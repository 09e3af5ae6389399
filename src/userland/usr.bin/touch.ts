/**
 * touch(1) over the process's files: `touch [-acm] [-r file] [-t time] file ...` creates each file
 * that does not exist (empty) unless -c. The flat file table keeps no times, so touching an
 * existing file changes nothing; -a, -m, -r, -t, -d and -h are accepted for that reason.
 */

import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE =
  'usage: touch [-A [-][[hh]mm]SS] [-achm] [-r file] [-t [[CC]YY]MMDDhhmm[.SS]]\n       [-d YYYY-MM-DDThh:mm:SS[.frac][tz]] file ...\n'

export const touch: Command = async (argv, io, proc) => {
  const g = getopt('touch', argv.slice(1), 'A:achmr:t:d:')
  if (typeof g === 'string' || g.rest.length === 0) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 64
  }
  const noCreate = g.opts.some(([o]) => o === 'c')
  let status = 0
  for (const f of g.rest) {
    if (f === '/dev/null' || proc.fs.has(f) || noCreate) continue
    if (!proc.fs.truncate(f)) {
      io.stderr.write(`touch: ${f}: Too many open files\n`)
      status = 1
    }
  }
  return status
}
