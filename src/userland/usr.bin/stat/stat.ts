/**
 * stat(1) over the process's files: `stat [-Lnq] [-f format | -l | -r | -s] [-t timefmt]
 * file ...`, with FreeBSD's default line, its `-r` and `-s` formats and the `-f` conversions
 * (`%[#+-0 ][width][.prec][DOUXFS][HML]datum`, plus `%n`, `%t`, `%%`, `%@`).
 *
 * The flat file table keeps no owners, modes, links or times, so every file is a regular
 * `-rw-r--r--` file of root:wheel with one link, all its times at the Epoch; st_ino is its place
 * in the table. `/dev/null` is the character device FreeBSD has. Read-only: it changes nothing.
 */

import { strftime } from '../../bin/date.js'
import { getopt } from '../../getopt.js'
import type { Command, FileSystem } from '../../types.js'

const USAGE = 'usage: stat [-FLnq] [-f format | -l | -r | -s | -x] [-t timefmt] [file|handle ...]\n'

const DEF_FORMAT = '%d %i %Sp %l %Su %Sg %r %z "%Sa" "%Sm" "%Sc" "%SB" %k %b %#Xf %N'
const RAW_FORMAT = '%d %i %#p %l %u %g %r %z %a %m %c %B %k %b %f %N'
const LS_FORMAT = '%Sp %l %Su %Sg %Z %Sm %N%SY'
const SHELL_FORMAT =
  'st_dev=%d st_ino=%i st_mode=%#p st_nlink=%l st_uid=%u st_gid=%g st_rdev=%r st_size=%z ' +
  'st_atime=%a st_mtime=%m st_ctime=%c st_birthtime=%B st_blksize=%k st_blocks=%b st_flags=%f'
const TIME_FORMAT = '%b %e %T %Y'

/** What lstat(2) would say of one file. */
interface StatInfo {
  dev: number
  ino: number
  mode: number
  nlink: number
  uid: number
  gid: number
  rdev: number
  size: number
  time: number
  blksize: number
  blocks: number
}

const S_IFCHR = 0o020000
const S_IFREG = 0o100000

function lstat(fs: FileSystem, path: string): StatInfo | undefined {
  // /dev/null: devfs's null device, major 0 minor 0x13 as FreeBSD numbers it.
  if (path === '/dev/null')
    return {
      dev: 0x5a,
      ino: 0x13,
      mode: S_IFCHR | 0o666,
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: 0x13,
      size: 0,
      time: 0,
      blksize: 4096,
      blocks: 0,
    }
  const text = fs.read(path)
  if (text === undefined) return undefined
  const size = utf8Length(text)
  return {
    dev: 0x5b,
    ino: fs.list().indexOf(path) + 2,
    mode: S_IFREG | 0o644,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: 0,
    size,
    time: 0,
    blksize: 4096,
    blocks: Math.ceil(size / 4096) * 8,
  }
}

/** The file's size in bytes: its text as UTF-8. */
function utf8Length(s: string): number {
  let n = 0
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
  }
  return n
}

/** strmode(3): `-rw-r--r--` (the type letter and nine permission bits). */
function strmode(mode: number): string {
  const type = (mode & 0o170000) === S_IFCHR ? 'c' : '-'
  let s = type
  for (let shift = 6; shift >= 0; shift -= 3) {
    const b = (mode >> shift) & 7
    s += `${b & 4 ? 'r' : '-'}${b & 2 ? 'w' : '-'}${b & 1 ? 'x' : '-'}`
  }
  return s
}

const NAMES: Readonly<Record<number, string>> = { 0: 'root' }
const GROUPS: Readonly<Record<number, string>> = { 0: 'wheel' }

interface Spec {
  flags: string
  width: number | undefined
  prec: number | undefined
  ofmt: string
  sub: string
  datum: string
}

/** One conversion, or an error message (FreeBSD's `%…: bad format`). */
function convert(sp: Spec, st: StatInfo, name: string, timefmt: string): string | { err: string } {
  const { ofmt, sub, datum } = sp
  let num: number | undefined
  let str: string | undefined
  switch (datum) {
    case 'd':
      num = st.dev
      break
    case 'i':
      num = st.ino
      break
    case 'l':
      num = st.nlink
      break
    case 'r':
      num = sub === 'H' ? (st.rdev >> 8) & 0xff : sub === 'L' ? st.rdev & 0xff : st.rdev
      break
    case 'z':
    case 'Z':
      num = st.size
      break
    case 'k':
      num = st.blksize
      break
    case 'b':
      num = st.blocks
      break
    case 'v':
      num = 0
      break
    case 'f':
      if (ofmt === 'S') str = '-'
      else num = 0
      break
    case 'u':
    case 'g': {
      const id = datum === 'u' ? st.uid : st.gid
      if (ofmt === 'S') str = (datum === 'u' ? NAMES : GROUPS)[id] ?? String(id)
      else num = id
      break
    }
    case 'p':
      if (ofmt === 'S') {
        const m = strmode(st.mode)
        str = sub === 'H' ? m.slice(1, 4) : sub === 'M' ? m.slice(4, 7) : sub === 'L' ? m.slice(7, 10) : m
      } else
        num =
          sub === 'H'
            ? (st.mode >> 12) & 0o17
            : sub === 'M'
              ? (st.mode >> 9) & 7
              : sub === 'L'
                ? st.mode & 0o777
                : st.mode
      break
    case 'a':
    case 'm':
    case 'c':
    case 'B':
      if (ofmt === 'S') str = strftime(timefmt, st.time)
      else num = st.time
      break
    case 'N':
      str = name
      break
    case 'T':
      str = sub === 'H' ? ((st.mode & 0o170000) === S_IFCHR ? 'Character Device' : 'Regular File') : ''
      break
    case 'Y':
      str = ''
      break
    default:
      return { err: 'bad format' }
  }
  if (str !== undefined) {
    if (sp.prec !== undefined) str = str.slice(0, sp.prec)
    return pad(str, sp, false)
  }
  // Numbers: U by default, p in octal.
  const form = ofmt === '' || ofmt === 'S' ? (datum === 'p' ? 'O' : 'U') : ofmt
  let digits = form === 'O' ? num!.toString(8) : form === 'X' ? num!.toString(16) : String(num)
  if (sp.prec !== undefined) digits = digits.padStart(sp.prec, '0')
  let prefix = ''
  if (sp.flags.includes('#') && num !== 0) prefix = form === 'O' ? '0' : form === 'X' ? '0x' : ''
  if (form === 'D' && sp.flags.includes('+')) prefix = '+'
  else if (form === 'D' && sp.flags.includes(' ')) prefix = ' '
  return pad(prefix + digits, sp, sp.flags.includes('0') && !sp.flags.includes('-'), prefix.length)
}

function pad(s: string, sp: Spec, zero: boolean, keep = 0): string {
  const w = sp.width ?? 0
  if (s.length >= w) return s
  if (sp.flags.includes('-')) return s + ' '.repeat(w - s.length)
  if (zero) return s.slice(0, keep) + '0'.repeat(w - s.length) + s.slice(keep)
  return ' '.repeat(w - s.length) + s
}

const SPEC = /^%([#+\- 0]*)([0-9]*)(?:\.([0-9]*))?([DOUXFS]?)([HML]?)(.)/

/** Expands a format for one file, or returns `{ err }` for a bad conversion. */
export function formatStat(
  format: string,
  st: StatInfo,
  name: string,
  fileNo: number,
  timefmt = TIME_FORMAT,
): string | { err: string } {
  let out = ''
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!
    if (c !== '%') {
      out += c
      continue
    }
    const next = format[i + 1]
    if (next === 'n' || next === 't' || next === '%' || next === '@') {
      out += next === 'n' ? '\n' : next === 't' ? '\t' : next === '%' ? '%' : String(fileNo)
      i++
      continue
    }
    const m = SPEC.exec(format.slice(i))
    if (m === null) return { err: `${format.slice(i)}: bad format` }
    const spec: Spec = {
      flags: m[1]!,
      width: m[2] !== '' ? Number(m[2]) : undefined,
      prec: m[3] !== undefined ? Number(m[3] || 0) : undefined,
      ofmt: m[4]!,
      sub: m[5]!,
      datum: m[6]!,
    }
    // %N, %T and %Y are strings; %Y given explicitly with S gets its ` -> ` only for a link.
    if (spec.ofmt === '' && (spec.datum === 'N' || spec.datum === 'T' || spec.datum === 'Y')) spec.ofmt = 'S'
    const r = convert(spec, st, name, timefmt)
    if (typeof r !== 'string') return { err: `${m[0]}: bad format` }
    out += r
    i += m[0].length - 1
  }
  return out
}

export const stat: Command = async (argv, io, proc) => {
  const g = getopt('stat', argv.slice(1), 'f:lLnqrst:')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 1
  }
  let format = DEF_FORMAT
  let timefmt = TIME_FORMAT
  let newline = true
  let quiet = false
  let chosen = 0
  for (const [o, v] of g.opts) {
    if (o === 'n') newline = false
    else if (o === 'q') quiet = true
    else if (o === 't') timefmt = v!
    else if (o === 'L') continue
    else {
      chosen++
      format = o === 'f' ? v! : o === 'r' ? RAW_FORMAT : o === 's' ? SHELL_FORMAT : LS_FORMAT
    }
  }
  if (chosen > 1) {
    io.stderr.write(USAGE)
    return 1
  }
  if (g.rest.length === 0) {
    io.stderr.write('stat: (stdin): fstat: Bad file descriptor\n')
    return 1
  }
  let status = 0
  let fileNo = 0
  for (const f of g.rest) {
    const st = lstat(proc.fs, f)
    if (st === undefined) {
      if (!quiet) io.stderr.write(`stat: ${f}: stat: No such file or directory\n`)
      status = 1
      continue
    }
    const r = formatStat(format, st, f, fileNo++, timefmt)
    if (typeof r !== 'string') {
      io.stderr.write(`stat: ${r.err}\n`)
      return 1
    }
    io.stdout.write(newline ? `${r}\n` : r)
  }
  return status
}
