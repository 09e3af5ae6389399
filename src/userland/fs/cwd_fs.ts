/**
 * A process's working directory over its file tree: relative paths are taken from `cwd`, absolute
 * ones pass through. The shell's `cd` makes one, and the programs it starts inherit it (their
 * `proc.fs`). `cwd` may itself be relative (the starting directory is ``, whatever the tree takes
 * relative paths from, as `virtnet sh --host-files` takes them from the machine's own). It keeps no
 * files of its own.
 */

import type { FileSystem } from '../types.js'

/** `a/./b/../c` → `a/c`; leading `..` of a relative path stay; `` is the starting directory. */
export function foldPath(path: string): string {
  const abs = path.startsWith('/')
  const out: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop()
      else if (!abs) out.push('..')
    } else out.push(part)
  }
  return abs ? `/${out.join('/')}` : out.join('/')
}

/** `p` taken from directory `cwd`. */
export function joinPath(cwd: string, p: string): string {
  if (p.startsWith('/') || cwd === '') return p
  return foldPath(`${cwd}/${p}`)
}

export class CwdFs implements FileSystem {
  constructor(
    readonly base: FileSystem,
    readonly cwd: string,
  ) {}

  private at(p: string): string {
    return joinPath(this.cwd, p)
  }

  read(path: string): string | undefined {
    return this.base.read(this.at(path))
  }

  has(path: string): boolean {
    return this.base.has(this.at(path))
  }

  list(): string[] {
    return this.base.list()
  }

  truncate(path: string): boolean {
    return this.base.truncate(this.at(path))
  }

  append(path: string, s: string): boolean {
    return this.base.append(this.at(path), s)
  }

  remove(path: string): void {
    this.base.remove(this.at(path))
  }

  mkdir(path: string): boolean {
    return this.base.mkdir(this.at(path))
  }

  readdir(path: string): string[] | undefined {
    return this.base.readdir(this.at(path === '' ? '.' : path))
  }

  rmdir(path: string): void {
    this.base.rmdir(this.at(path))
  }
}
