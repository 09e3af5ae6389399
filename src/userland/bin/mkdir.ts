/**
 * mkdir(1): `mkdir [-pv] [-m mode] directory ...` in the process's file tree. Without -p an
 * existing directory or file is `mkdir: P: File exists` and a missing parent `mkdir: P: No such
 * file or directory` (status 1), as on FreeBSD; -p makes what is missing and is quiet about what
 * exists. -m is accepted and ignored (the tree keeps no modes). A full tree is `No space left on
 * device`.
 */

import { getopt } from '../getopt.js'
import type { Command } from '../types.js'

const USAGE = 'usage: mkdir [-pv] [-m mode] directory_name ...\n'

/** `a/b/c` → `a/b`; `/a` → `/`; `a` → `` (the working directory). */
export function parentDir(path: string): string {
  const p = path.replace(/\/+$/, '')
  const slash = p.lastIndexOf('/')
  return slash < 0 ? '' : slash === 0 ? '/' : p.slice(0, slash)
}

export const mkdir: Command = async (argv, io, proc) => {
  const g = getopt('mkdir', argv.slice(1), 'pvm:')
  if (typeof g === 'string' || g.rest.length === 0) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 64
  }
  const verbose = g.opts.some(([o]) => o === 'v')
  const parents = g.opts.some(([o]) => o === 'p')
  const fs = proc.fs
  let status = 0
  const fail = (d: string, why: string) => {
    io.stderr.write(`mkdir: ${d}: ${why}\n`)
    status = 1
  }
  for (const d of g.rest) {
    const p = d.replace(/\/+$/, '') || '/'
    if (fs.has(p)) {
      fail(d, 'File exists')
      continue
    }
    if (fs.readdir(p) !== undefined) {
      if (!parents) fail(d, 'File exists')
      continue
    }
    const parent = parentDir(p)
    if (!parents && parent !== '' && fs.readdir(parent) === undefined) {
      fail(d, fs.has(parent) ? 'Not a directory' : 'No such file or directory')
      continue
    }
    if (parents) {
      // Each missing ancestor, outermost first, as mkdir -p builds the path.
      const chain: string[] = []
      for (let q = parent; q !== '' && q !== '/' && fs.readdir(q) === undefined; q = parentDir(q)) {
        if (fs.has(q)) break
        chain.unshift(q)
      }
      const blocked = chain.length > 0 && fs.has(parentDir(chain[0]!))
      if (blocked) {
        fail(d, 'Not a directory')
        continue
      }
      let ok = true
      for (const q of chain) {
        if (!fs.mkdir(q)) {
          ok = false
          break
        }
        if (verbose) io.stdout.write(`${q}\n`)
      }
      if (!ok) {
        fail(d, 'No space left on device')
        continue
      }
    }
    if (!fs.mkdir(p)) fail(d, 'No space left on device')
    else if (verbose) io.stdout.write(`${d}\n`)
  }
  return status
}
