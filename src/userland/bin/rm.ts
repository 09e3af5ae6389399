/**
 * rm(1) over the process's files: `rm [-dfiPRrvWx] file ...`. Missing files are
 * `rm: f: No such file or directory` and status 1 unless -f; with no operand, -f alone is silent
 * and anything else prints the usage (status 64). Directories do not exist in the flat file
 * table, so -r and -R change nothing here; -i, -P, -W, -x are accepted and ignored.
 */

import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = 'usage: rm [-f | -i] [-dIPRrvWx] file ...\n       unlink [--] file\n'

export const rm: Command = async (argv, io, proc) => {
  const g = getopt('rm', argv.slice(1), 'dfiIPRrvWx')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 64
  }
  const flags = new Set(g.opts.map(([o]) => o))
  // -i after -f (or -f after -i) wins, as in rm.c.
  const last = (c: string): number => g.opts.map(([o]) => o).lastIndexOf(c)
  const force = last('f') > last('i')
  if (g.rest.length === 0) {
    if (force) return 0
    io.stderr.write(USAGE)
    return 64
  }
  let status = 0
  for (const f of g.rest) {
    if (f === '/dev/null') continue
    if (!proc.fs.has(f)) {
      if (!force) {
        io.stderr.write(`rm: ${f}: No such file or directory\n`)
        status = 1
      }
      continue
    }
    proc.fs.remove(f)
    if (flags.has('v')) io.stdout.write(`${f}\n`)
  }
  return status
}
