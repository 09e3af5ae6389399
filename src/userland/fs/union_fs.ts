/**
 * A node's tree over a shared base, as IMUNES on FreeBSD mounts each node's private layer over
 * the common vroot (unionfs): reads fall through to the base where the node has no file of its
 * own, writes always go to the node's layer (appending to a base file copies it up first), and a
 * directory lists both layers' names. So a user added to the base (`chroot /var/imunes/vroot pw
 * useradd …`) is seen by every node, while a node's own files stay its own. Removing a file that
 * only the base has leaves it visible (no whiteouts). Keeps no files of its own.
 */

import type { FileSystem } from '../types.js'

export class UnionFs implements FileSystem {
  constructor(
    private readonly upper: FileSystem,
    private readonly lower: FileSystem,
  ) {}

  read(path: string): string | undefined {
    return this.upper.has(path) || path === '/dev/null' ? this.upper.read(path) : this.lower.read(path)
  }

  has(path: string): boolean {
    return this.upper.has(path) || this.lower.has(path)
  }

  list(): string[] {
    const own = this.upper.list()
    const seen = new Set(own)
    return [...own, ...this.lower.list().filter((p) => !seen.has(p))]
  }

  truncate(path: string): boolean {
    return this.upper.truncate(path)
  }

  append(path: string, s: string): boolean {
    if (!this.upper.has(path)) {
      const old = this.lower.read(path)
      if (!this.upper.truncate(path)) return false
      if (old !== undefined && !this.upper.append(path, old)) return false
    }
    return this.upper.append(path, s)
  }

  remove(path: string): void {
    this.upper.remove(path)
  }

  mkdir(path: string): boolean {
    return this.upper.mkdir(path)
  }

  readdir(path: string): string[] | undefined {
    const a = this.upper.readdir(path)
    const b = this.lower.readdir(path)
    if (a === undefined) return b
    if (b === undefined) return a
    return [...new Set([...a, ...b])].sort()
  }

  rmdir(path: string): void {
    this.upper.rmdir(path)
  }
}
