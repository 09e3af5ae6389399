/**
 * rm(1) over the process's files: `rm [-dfiPRrvWx] file ...`. Missing files are
 * `rm: f: No such file or directory` and status 1 unless -f; with no operand, -f alone is silent
 * and anything else prints the usage (status 64). A directory needs -r/-R (everything below it
 * goes, then the directory) or -d (only when empty), else `rm: d: is a directory`; -i, -P, -W, -x
 * are accepted and ignored.
 */

import { getopt } from '../getopt.js'
import type { Command, FileSystem } from '../types.js'

const USAGE = 'usage: rm [-f | -i] [-dIPRrvWx] file ...\n       unlink [--] file\n'

/** Removes everything below `dir` and then `dir`, depth first (rm -r's fts walk). */
function removeTree(fs: FileSystem, dir: string, visit: (p: string) => void): void {
  const base = dir === '/' ? '' : dir.replace(/\/+$/, '')
  for (const name of fs.readdir(dir) ?? []) {
    const p = `${base}/${name}`
    if (fs.has(p)) {
      fs.remove(p)
      visit(p)
    } else removeTree(fs, p, visit)
  }
  fs.rmdir(dir)
  visit(dir)
}

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
    const entries = proc.fs.has(f) ? undefined : proc.fs.readdir(f)
    if (entries !== undefined) {
      if (flags.has('r') || flags.has('R'))
        removeTree(proc.fs, f, (p) => {
          if (flags.has('v')) io.stdout.write(`${p}\n`)
        })
      else if (flags.has('d') && entries.length === 0) {
        proc.fs.rmdir(f)
        if (flags.has('v')) io.stdout.write(`${f}\n`)
      } else {
        io.stderr.write(`rm: ${f}: ${flags.has('d') ? 'Directory not empty' : 'is a directory'}\n`)
        status = 1
      }
      continue
    }
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
