/**
 * A jail's view of the file tree (chroot(2) at the jail's `path`): paths inside the jail are
 * resolved against `/`, `.` and `..` folded (never above the jail's root), then looked up under
 * the prefix in the file system of whoever made the jail. A jail with path `/var/imunes/i1/pc1`
 * writing `/tmp/f` writes the host's `/var/imunes/i1/pc1/tmp/f`, which is what `hcp` copies from
 * the host side; a sibling jail with another path cannot name it.
 *
 * Relative paths are taken from `/` (jexec chdirs to the jail's root). `/dev/null` stays the
 * device. It must not keep files of its own: everything lives in the base file system, whose
 * bounds (size, number of files) apply.
 */

import type { FileSystem } from '../types.js'
import { HIER, trimDir } from './fs_dirs.js'

/** `a/./b/../c` from `/` → `/a/c`; `..` at the root stays at the root. */
export function normalizePath(path: string): string {
  const out: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return `/${out.join('/')}`
}

export class ChrootFs implements FileSystem {
  /** The root without a trailing slash (`` for `/`). */
  private readonly root: string

  constructor(
    private readonly base: FileSystem,
    root: string,
  ) {
    const r = normalizePath(root)
    this.root = r === '/' ? '' : r
  }

  /** The base file system's path of a path inside the jail. */
  resolve(path: string): string {
    if (path === '/dev/null') return path
    return this.root + normalizePath(path)
  }

  read(path: string): string | undefined {
    return this.base.read(this.resolve(path))
  }

  has(path: string): boolean {
    return this.base.has(this.resolve(path))
  }

  list(): string[] {
    const prefix = `${this.root}/`
    return this.base
      .list()
      .filter((p) => p.startsWith(prefix))
      .map((p) => p.slice(this.root.length))
  }

  truncate(path: string): boolean {
    return this.base.truncate(this.resolve(path))
  }

  append(path: string, s: string): boolean {
    return this.base.append(this.resolve(path), s)
  }

  remove(path: string): void {
    this.base.remove(this.resolve(path))
  }

  mkdir(path: string): boolean {
    return this.base.mkdir(this.resolve(path))
  }

  readdir(path: string): string[] | undefined {
    // hier(7)'s directories exist in every jail's tree, made or not.
    return this.base.readdir(this.resolve(path)) ?? (HIER.has(trimDir(normalizePath(path))) ? [] : undefined)
  }

  rmdir(path: string): void {
    this.base.rmdir(this.resolve(path))
  }
}

/**
 * The file system a process attached to a jail sees: `fs` (the attaching process's) below the
 * jail's path, or `fs` itself for a jail at `/` (FreeBSD's default, where the jail shares its
 * creator's tree).
 */
export function jailFs(fs: FileSystem, path: string): FileSystem {
  return normalizePath(path) === '/' ? fs : new ChrootFs(fs, path)
}

/**
 * Whether `path` names a directory (cp's "target is a directory"): it ends in `/`, is one of
 * hier(7)'s, or `fs` has it (made, or something lies below it). `fs` may be left out when only the first
 * two can be known (a copy into another process's tree).
 */
export function isDirectory(path: string, fs?: FileSystem): boolean {
  if (path === '' || path.endsWith('/')) return true
  const p = normalizePath(path)
  if (HIER.has(p)) return true
  if (fs === undefined || fs.has(path)) return false
  return fs.readdir(path) !== undefined
}
