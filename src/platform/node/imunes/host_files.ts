/**
 * `virtnet sh --host-files`: the script's file system reads through to this machine's files (paths
 * relative to the working directory, as the script gives them), so `. ../common/procedures.sh` and
 * `imunes -b LAB.imn` find what is on disk. Everything written goes to the in-memory file system
 * only: a script can read the machine's files but never change them. Files past 16 MiB are not
 * read (nothing grows without bound).
 */

import { readdirSync, readFileSync, statSync } from 'node:fs'
import type { FileSystem } from '../../../userland/types.js'

const MAX_READ = 16 * 1024 * 1024

export class HostFilesFs implements FileSystem {
  constructor(private readonly mem: FileSystem) {}

  private disk(path: string): string | undefined {
    try {
      const st = statSync(path)
      if (!st.isFile() || st.size > MAX_READ) return undefined
      return readFileSync(path, 'utf8')
    } catch {
      return undefined
    }
  }

  read(path: string): string | undefined {
    return this.mem.has(path) || path === '/dev/null' ? this.mem.read(path) : this.disk(path)
  }

  has(path: string): boolean {
    return this.mem.has(path) || this.disk(path) !== undefined
  }

  list(): string[] {
    return this.mem.list()
  }

  truncate(path: string): boolean {
    return this.mem.truncate(path)
  }

  append(path: string, s: string): boolean {
    // Appending to a file that so far is only on disk starts from its contents, as a copy would.
    if (!this.mem.has(path)) {
      const old = this.disk(path)
      if (!this.mem.truncate(path)) return false
      if (old !== undefined && !this.mem.append(path, old)) return false
    }
    return this.mem.append(path, s)
  }

  remove(path: string): void {
    this.mem.remove(path)
  }

  mkdir(path: string): boolean {
    return this.mem.mkdir(path)
  }

  /** The machine's directory (for globs and cd) merged with what the script made in memory. */
  readdir(path: string): string[] | undefined {
    const mem = this.mem.readdir(path)
    let disk: string[] | undefined
    try {
      if (statSync(path === '' ? '.' : path).isDirectory()) disk = readdirSync(path === '' ? '.' : path)
    } catch {
      disk = undefined
    }
    if (disk === undefined) return mem
    return [...new Set([...(mem ?? []), ...disk])].sort()
  }

  rmdir(path: string): void {
    this.mem.rmdir(path)
  }
}
