/**
 * realpath(1): `realpath [-q] [path ...]` prints each path resolved as realpath(3) does — taken from
 * the working directory, `.`, `..` and repeated slashes folded component by component — or, when a
 * component is missing (`No such file or directory`, an empty path too) or a file stands where a
 * directory must (`Not a directory`), warns `realpath: path: reason` (not with -q) and exits 1 at
 * the end. No operand means `.`. The file tree has no symbolic links, so there are none to follow.
 * A working directory with no absolute name (a `--host-files` script's starting directory) leaves a
 * relative operand relative. Reads only.
 */

import { CwdFs } from '../fs/cwd_fs.js'
import { getopt } from '../getopt.js'
import type { Command, FileSystem } from '../types.js'

const USAGE = 'usage: realpath [-q] [path ...]\n'

type Resolved = { path: string } | { error: string }

function isDir(fs: FileSystem, p: string): boolean {
  return p === '/' || p === '' || (!fs.has(p) && fs.readdir(p) !== undefined)
}

/** realpath(3) over the process's tree: `path` from `cwd`, each component checked as it is walked. */
export function resolvePath(fs: FileSystem, cwd: string, path: string): Resolved {
  if (path === '') return { error: 'No such file or directory' }
  const abs = path.startsWith('/') || cwd.startsWith('/')
  const parts = (path.startsWith('/') || cwd === '' ? [] : cwd.split('/').filter((c) => c !== '')) as string[]
  const comps = path.split('/')
  // A trailing slash asks for a directory, as if the path ended in `/.`.
  for (let i = 0; i < comps.length; i++) {
    const c = comps[i]!
    const last = i === comps.length - 1
    if (c === '' && !last) continue
    const here = (abs ? '/' : '') + parts.join('/')
    if (c === '' || c === '.') {
      if (!isDir(fs, here)) return { error: 'Not a directory' }
      continue
    }
    if (c === '..') {
      if (!isDir(fs, here)) return { error: 'Not a directory' }
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop()
      else if (!abs) parts.push('..')
      continue
    }
    if (!isDir(fs, here)) return { error: 'Not a directory' }
    parts.push(c)
    const next = (abs ? '/' : '') + parts.join('/')
    if (!fs.has(next) && fs.readdir(next) === undefined) return { error: 'No such file or directory' }
  }
  const out = (abs ? '/' : '') + parts.join('/')
  return { path: out === '' ? '.' : out }
}

export const realpath: Command = async (argv, io, proc) => {
  const g = getopt('realpath', argv.slice(1), 'q')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 1
  }
  const quiet = g.opts.length > 0
  const cwd = proc.fs instanceof CwdFs ? proc.fs.cwd : ''
  // Names are resolved against the tree below any working directory: CwdFs would add it twice.
  const fs = proc.fs instanceof CwdFs ? proc.fs.base : proc.fs
  let status = 0
  for (const p of g.rest.length > 0 ? g.rest : ['.']) {
    const r = resolvePath(fs, cwd, p)
    if ('path' in r) await io.stdout.write(`${r.path}\n`)
    else {
      status = 1
      if (!quiet) await io.stderr.write(`realpath: ${p}: ${r.error}\n`)
    }
  }
  return status
}
