/**
 * ls(1) over the process's file tree: `ls [-1AaCdFlR] [file ...]`, one name a line (as ls writes
 * to a pipe), directories' contents sorted, `-l` with FreeBSD's long format (the tree keeps no
 * owners, modes or times: files are `-rw-r--r--` and directories `drwxr-xr-x`, root:wheel, at the
 * Epoch). A missing operand is `ls: f: No such file or directory` (status 1).
 */

import { getopt } from '../getopt.js'
import type { Command, FileSystem } from '../types.js'

const USAGE = 'usage: ls [-1AaCdFlR] [file ...]\n'

interface Opts {
  long: boolean
  all: boolean
  classify: boolean
  recurse: boolean
}

/** Octets of the file as stat(1) counts them (UTF-8). */
function utf8Length(s: string): number {
  let n = 0
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
  }
  return n
}

function entry(fs: FileSystem, path: string, name: string, o: Opts): string {
  const dir = !fs.has(path)
  const mark = o.classify && dir ? '/' : ''
  if (!o.long) return `${name}${mark}\n`
  const size = dir ? 512 : utf8Length(fs.read(path) ?? '')
  const mode = dir ? 'drwxr-xr-x' : '-rw-r--r--'
  return `${mode}  ${dir ? 2 : 1} root wheel ${String(size).padStart(5)} Jan  1  1970 ${name}${mark}\n`
}

function join(dir: string, name: string): string {
  return dir === '' || dir === '.' ? name : `${dir.replace(/\/+$/, '')}/${name}`
}

function listDir(fs: FileSystem, dir: string, o: Opts, out: string[]): void {
  const names = (fs.readdir(dir) ?? []).filter((n) => o.all || !n.startsWith('.'))
  if (o.long) out.push(`total ${names.length * 8}\n`)
  for (const n of names) out.push(entry(fs, join(dir, n), n, o))
  if (!o.recurse) return
  for (const n of names) {
    const p = join(dir, n)
    if (!fs.has(p)) {
      out.push(`\n${p}:\n`)
      listDir(fs, p, o, out)
    }
  }
}

export const ls: Command = async (argv, io, proc) => {
  const g = getopt('ls', argv.slice(1), '1AaCdFlR')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 64
  }
  const has = (c: string) => g.opts.some(([x]) => x === c)
  const o: Opts = { long: has('l'), all: has('a') || has('A'), classify: has('F'), recurse: has('R') }
  const fs = proc.fs
  const operands = g.rest.length > 0 ? g.rest : ['.']
  let status = 0
  const files: string[] = []
  const dirs: string[] = []
  for (const p of operands) {
    if (fs.has(p) || p === '/dev/null') files.push(p)
    else if (fs.readdir(p === '.' ? '' : p) !== undefined) (has('d') ? files : dirs).push(p)
    else {
      io.stderr.write(`ls: ${p}: No such file or directory\n`)
      status = 1
    }
  }
  const out: string[] = []
  for (const f of files.sort()) out.push(entry(fs, f, f, o))
  dirs.sort().forEach((d, i) => {
    if (operands.length > 1) out.push(`${i > 0 || files.length > 0 ? '\n' : ''}${d}:\n`)
    listDir(fs, d === '.' ? '' : d, o, out)
  })
  io.stdout.write(out.join(''))
  return status
}
