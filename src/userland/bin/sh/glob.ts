/**
 * Pathname expansion (POSIX XCU 2.13.3) over the shell's file tree: a pattern is matched one
 * component at a time against the names `readdir` gives, a component without `*?[` taken as it is,
 * names starting with `.` matched only by a pattern starting with `.`, results sorted. Bounded: at
 * most MAX_GLOB paths.
 */

import type { FileSystem } from '../../types.js'
import { matchPattern } from './pattern.js'

const MAX_GLOB = 16384

/** Whether a pattern component has an unescaped `*`, `?` or `[`. */
function magic(part: string): boolean {
  for (let i = 0; i < part.length; i++) {
    const c = part[i]
    if (c === '\\') i++
    else if (c === '*' || c === '?' || c === '[') return true
  }
  return false
}

function literal(part: string): string {
  return part.replace(/\\(.)/g, '$1')
}

export function glob(fs: FileSystem, pattern: string): string[] {
  const abs = pattern.startsWith('/')
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0)
  if (abs) parts.shift()
  let paths: string[] = [abs ? '/' : '']
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    const next: string[] = []
    const join = (dir: string, name: string) =>
      dir === '' ? name : dir === '/' ? `/${name}` : `${dir}/${name}`
    for (const dir of paths) {
      if (!magic(part)) {
        const p = join(dir, literal(part))
        if (i === parts.length - 1 ? fs.has(p) || fs.readdir(p) !== undefined : fs.readdir(p) !== undefined)
          next.push(p)
        continue
      }
      const names = fs.readdir(dir === '' ? '.' : dir) ?? []
      for (const n of names) {
        if (n.startsWith('.') && !part.startsWith('.')) continue
        if (!matchPattern(part, n)) continue
        if (i < parts.length - 1 && fs.readdir(join(dir, n)) === undefined) continue
        next.push(join(dir, n))
        if (next.length > MAX_GLOB) return []
      }
    }
    paths = next
    if (paths.length === 0) return []
  }
  if (pattern.endsWith('/')) paths = paths.filter((p) => !fs.has(p)).map((p) => `${p}/`)
  return paths.sort()
}
