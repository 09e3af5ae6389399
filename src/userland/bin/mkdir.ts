/**
 * mkdir(1) over the process's flat file table: `mkdir [-pv] [-m mode] directory ...`. The table
 * has no directories (a file's path names its place), so a directory always "exists" once named
 * and nothing is created; a path that is a file is `mkdir: P: File exists` (status 1), as it is
 * on FreeBSD. -m is accepted and ignored (there are no modes).
 */

import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = 'usage: mkdir [-pv] [-m mode] directory_name ...\n'

export const mkdir: Command = async (argv, io, proc) => {
  const g = getopt('mkdir', argv.slice(1), 'pvm:')
  if (typeof g === 'string' || g.rest.length === 0) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 64
  }
  const verbose = g.opts.some(([o]) => o === 'v')
  let status = 0
  for (const d of g.rest) {
    const p = d.replace(/\/+$/, '')
    if (p !== '' && proc.fs.has(p)) {
      io.stderr.write(`mkdir: ${d}: File exists\n`)
      status = 1
    } else if (verbose) io.stdout.write(`${d}\n`)
  }
  return status
}
