/**
 * file(1): what a file holds, by its first bytes, in file's words (FreeBSD's contrib/file magic)
 * for the kinds VirtNet's nodes write: pcap captures (tcpdump -w, either byte order, microsecond
 * or nanosecond stamps, with link type and snap length), pcapng, gzip, ELF, shell scripts, JSON,
 * ASCII / UTF-8 text (CRLF and no-terminator notes), empty files, directories and otherwise
 * `data`. `-b` leaves the name out; `-E` makes an unreadable file an error (status 1). Files are
 * the process's (latin1 characters for bytes, as tcpdump writes them). Must not: read past the
 * first MAGIC_BYTES bytes to decide (file's own bound).
 */

import { isDirectory } from '../../fs/chroot_fs.js'
import { getopt } from '../../getopt.js'
import type { Io, Proc } from '../../types.js'

const MAGIC_BYTES = 1048576

/** pcap link types (LINKTYPE_*) and file's names for them. */
const LINKTYPES: ReadonlyMap<number, string> = new Map([
  [0, 'No link-layer encapsulation'],
  [1, 'Ethernet'],
  [9, 'PPP'],
  [12, 'Raw IP'],
  [101, 'Raw IP'],
  [105, '802.11'],
  [108, 'OpenBSD loopback'],
  [113, 'Linux cooked v1'],
  [127, '802.11 with radiotap header'],
  [228, 'Raw IPv4'],
  [229, 'Raw IPv6'],
  [276, 'Linux cooked v2'],
])

function u32(s: string, k: number, le: boolean): number {
  const b = [0, 1, 2, 3].map((i) => s.charCodeAt(k + i) & 255)
  return le
    ? b[3]! * 0x1000000 + (b[2]! << 16) + (b[1]! << 8) + b[0]!
    : b[0]! * 0x1000000 + (b[1]! << 16) + (b[2]! << 8) + b[3]!
}
function u16(s: string, k: number, le: boolean): number {
  const a = s.charCodeAt(k) & 255
  const b = s.charCodeAt(k + 1) & 255
  return le ? (b << 8) | a : (a << 8) | b
}

function pcap(s: string): string | null {
  if (s.length < 24) return null
  for (const le of [false, true]) {
    const m = u32(s, 0, le)
    const ts = m === 0xa1b2c3d4 ? 'microsecond ts' : m === 0xa1b23c4d ? 'nanosecond ts' : null
    if (ts === null) continue
    // file's magic says "microseconds" in its big-endian line and "microsecond" in the other.
    const what = le ? ts : ts.replace('microsecond ts', 'microseconds ts')
    const lt = u32(s, 20, le) & 0x03ffffff
    const name = LINKTYPES.get(lt) ?? `linktype#${lt}`
    return `pcap capture file, ${what} (${le ? 'little' : 'big'}-endian) - version ${u16(s, 4, le)}.${u16(s, 6, le)} (${name}, capture length ${u32(s, 16, le)})`
  }
  return null
}

/** Whether the bytes (one per character) are well-formed UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
function validUtf8(s: string): boolean {
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i)
    if (c < 0x80) {
      i++
      continue
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1
    if (n < 0 || i + n >= s.length) return false
    const c1 = s.charCodeAt(i + 1)
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 > 0x9f) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 > 0x8f)
    )
      return false
    for (let k = 1; k <= n; k++) if ((s.charCodeAt(i + k) & 0xc0) !== 0x80) return false
    i += n + 1
  }
  return true
}

function text(s: string): string | null {
  let utf8 = false
  // Characters past U+00FF: the file was read as UTF-8 already (a file of this machine's).
  let decoded = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 9 || c === 10 || c === 13 || c === 12 || c === 27 || (c >= 32 && c < 127)) continue
    if (c >= 0x80) {
      utf8 = true
      if (c > 0xff) decoded = true
      continue
    }
    return null
  }
  if (utf8 && !decoded) {
    // Bytes as characters: valid UTF-8 sequences only.
    if (!validUtf8(s)) return null
  }
  const kind = utf8 ? 'Unicode text, UTF-8 text' : 'ASCII text'
  let script = ''
  const first = s.slice(0, s.indexOf('\n') < 0 ? s.length : s.indexOf('\n'))
  if (/^#!\s*\/bin\/sh\b/.test(first)) script = 'POSIX shell script, '
  else if (/^#!\s*\S*\/(env\s+)?(ba)?sh\b/.test(first)) script = 'Bourne-Again shell script, '
  else if (/^\s*[[{]/.test(s)) {
    try {
      JSON.parse(s)
      return 'JSON text data'
    } catch {
      // Not JSON after all: plain text.
    }
  }
  const notes: string[] = []
  if (s.includes('\r\n')) notes.push('with CRLF line terminators')
  if (!s.includes('\n') && !s.includes('\r')) notes.push('with no line terminators')
  return `${script}${kind}${script ? ' executable' : ''}${notes.length > 0 ? `, ${notes.join(', ')}` : ''}`
}

/** What file(1) would say about these contents. */
export function describe(s: string): string {
  if (s.length === 0) return 'empty'
  const p = pcap(s)
  if (p !== null) return p
  if (s.length >= 12 && (u32(s, 0, false) === 0x0a0d0d0a || u32(s, 0, true) === 0x0a0d0d0a)) {
    const le = u32(s, 8, true) === 0x1a2b3c4d
    if (le || u32(s, 8, false) === 0x1a2b3c4d)
      return `pcapng capture file - version ${u16(s, 12, le)}.${u16(s, 14, le)}`
  }
  if (s.charCodeAt(0) === 0x1f && s.charCodeAt(1) === 0x8b) return 'gzip compressed data'
  if (s.startsWith('\x7fELF')) return 'ELF'
  return text(s) ?? 'data'
}

export async function file(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const g = getopt('file', argv.slice(1), 'bELhz')
  if (typeof g === 'string' || g.rest.length === 0) {
    if (typeof g === 'string') io.stderr.write(`${g}\n`)
    io.stderr.write(
      'Usage: file [-bcdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]\n            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]\n            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]\n            <file> ...\n',
    )
    return 1
  }
  const brief = g.opts.some(([o]) => o === 'b')
  const strict = g.opts.some(([o]) => o === 'E')
  let status = 0
  for (const name of g.rest) {
    const head = brief ? '' : `${name}: `
    const s = proc.fs.read(name)
    if (s === undefined) {
      if (isDirectory(name, proc.fs)) {
        await io.stdout.write(`${head}directory\n`)
        continue
      }
      if (strict) {
        io.stderr.write(`file: cannot open \`${name}' (No such file or directory)\n`)
        status = 1
      } else await io.stdout.write(`${head}cannot open \`${name}' (No such file or directory)\n`)
      continue
    }
    await io.stdout.write(`${head}${describe(s.length > MAGIC_BYTES ? s.slice(0, MAGIC_BYTES) : s)}\n`)
  }
  return status
}
