/**
 * cp(1): `cp [-R | -r] [-fipvn] source_file target_file` and `cp [-R] source_file ...
 * target_directory` in the process's file tree, with FreeBSD's messages (`cp: d is a directory (not
 * copied).`, `cp: t is not a directory`, `cp: s: No such file or directory`). copyPath is also
 * hcp's copy between two trees (a lab node's and the script's). Owners, modes and times are not
 * kept (the tree has none), so -p is accepted and changes nothing.
 */

import { getopt } from '../getopt.js'
import type { Command, FileSystem } from '../types.js'

const USAGE =
  'usage: cp [-R [-H | -L | -P]] [-f | -i | -n] [-alpsvx] source_file target_file\n       cp [-R [-H | -L | -P]] [-f | -i | -n] [-alpsvx] source_file ... target_directory\n'

/** A path in a file tree. */
export interface FsPath {
  readonly fs: FileSystem
  readonly path: string
}

/** `a/b/` → `b`; `/` → ``. */
export function baseName(path: string): string {
  const p = path.replace(/\/+$/, '')
  return p.slice(p.lastIndexOf('/') + 1)
}

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir.replace(/\/+$/, '')}/${name}`
}

/** Whether p is a directory of its tree (and not a file). */
export function isDir(p: FsPath): boolean {
  return !p.fs.has(p.path) && p.fs.readdir(p.path) !== undefined
}

/**
 * Copies `src` to `dst` as cp does with one source: into `dst/NAME` when dst is a directory (or
 * `intoDir` says it must be one), else to dst itself. A directory needs `recursive`; its tree is
 * made below the target. Errors are reported through `err` as `prog: ...`; returns false on any.
 */
export function copyPath(
  prog: string,
  src: FsPath,
  dst: FsPath,
  recursive: boolean,
  err: (s: string) => void,
  intoDir = false,
): boolean {
  const srcIsDir = src.path !== '/dev/null' && isDir(src)
  const text = srcIsDir ? undefined : src.fs.read(src.path)
  if (!srcIsDir && text === undefined) {
    err(`${prog}: ${src.path}: No such file or directory\n`)
    return false
  }
  if (srcIsDir && !recursive) {
    err(`${prog}: ${src.path} is a directory (not copied).\n`)
    return false
  }
  const dstIsDir = isDir(dst) || dst.path.endsWith('/')
  if (intoDir && !dstIsDir) {
    err(`${prog}: ${dst.path} is not a directory\n`)
    return false
  }
  // `cp -R dir/ target` copies the contents of dir, as FreeBSD's cp does for a trailing slash.
  const target =
    dstIsDir && !(srcIsDir && src.path.endsWith('/') && src.path !== '/')
      ? join(dst.path, baseName(src.path))
      : dst.path
  if (!srcIsDir) {
    if (!dst.fs.truncate(target) || !dst.fs.append(target, text!)) {
      err(`${prog}: ${target}: No space left on device\n`)
      return false
    }
    return true
  }
  return copyTree(prog, src, { fs: dst.fs, path: target }, err)
}

function copyTree(prog: string, src: FsPath, dst: FsPath, err: (s: string) => void): boolean {
  if (dst.fs.has(dst.path)) {
    err(`${prog}: ${dst.path}: Not a directory\n`)
    return false
  }
  if (!dst.fs.mkdir(dst.path)) {
    err(`${prog}: ${dst.path}: No space left on device\n`)
    return false
  }
  let ok = true
  for (const name of src.fs.readdir(src.path) ?? []) {
    const s = { fs: src.fs, path: join(src.path, name) }
    const d = { fs: dst.fs, path: join(dst.path, name) }
    if (isDir(s)) ok = copyTree(prog, s, d, err) && ok
    else {
      const text = s.fs.read(s.path)
      if (text === undefined) continue
      if (!d.fs.truncate(d.path) || !d.fs.append(d.path, text)) {
        err(`${prog}: ${d.path}: No space left on device\n`)
        return false
      }
    }
  }
  return ok
}

export const cp: Command = async (argv, io, proc) => {
  const g = getopt('cp', argv.slice(1), 'HLPRafilnprsvx')
  if (typeof g === 'string' || g.rest.length < 2) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 64
  }
  const recursive = g.opts.some(([o]) => o === 'R' || o === 'r' || o === 'a')
  const verbose = g.opts.some(([o]) => o === 'v')
  const sources = g.rest.slice(0, -1)
  const dst = { fs: proc.fs, path: g.rest[g.rest.length - 1]! }
  const err = (s: string) => void io.stderr.write(s)
  if (sources.length > 1 && !isDir(dst)) {
    io.stderr.write(`cp: ${dst.path} is not a directory\n`)
    return 1
  }
  let status = 0
  for (const s of sources) {
    if (!copyPath('cp', { fs: proc.fs, path: s }, dst, recursive, err, sources.length > 1)) status = 1
    else if (verbose) io.stdout.write(`${s} -> ${isDir(dst) ? join(dst.path, baseName(s)) : dst.path}\n`)
  }
  return status
}
