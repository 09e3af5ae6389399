/**
 * chmod(1): `chmod [-fhv] [-R [-H|-L|-P]] mode file ...` with octal and symbolic modes
 * (`[ugoa]*[+-=][rwxXstugo]*`, comma-separated). The flat file table keeps no modes (stat shows
 * -rw-r--r--), so chmod checks what FreeBSD checks — the mode's syntax (`chmod: Invalid file mode:
 * 9`) and each file's existence — and changes nothing.
 */

import { getopt } from '../getopt.js'
import type { Command } from '../types.js'
import { exists } from '../usr.sbin/chown.js'

const USAGE = 'usage: chmod [-fhv] [-R [-H | -L | -P]] mode file ...\n'

/** setmode(3)'s grammar. */
export function validMode(m: string): boolean {
  if (/^[0-7]+$/.test(m)) return Number.parseInt(m, 8) <= 0o7777
  return m.split(',').every((clause) => /^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+$/.test(clause))
}

export const chmod: Command = async (argv, io, proc) => {
  // A symbolic mode may begin with `-` (`chmod -w f`): getopt stops at the first such operand.
  const args = argv.slice(1)
  let i = 0
  const flags: string[] = []
  for (; i < args.length; i++) {
    const a = args[i]!
    if (a === '--') {
      i++
      break
    }
    if (!/^-[fhvRHLP]+$/.test(a)) break
    flags.push(a)
  }
  const g = getopt('chmod', flags, 'fhvRHLP')
  const rest = args.slice(i)
  if (typeof g === 'string' || rest.length < 2) {
    io.stderr.write(`${typeof g === 'string' ? `${g}\n` : ''}${USAGE}`)
    return 1
  }
  const mode = rest[0]!
  if (!validMode(mode)) {
    io.stderr.write(`chmod: Invalid file mode: ${mode}\n`)
    return 1
  }
  const quiet = g.opts.some(([f]) => f === 'f')
  let status = 0
  for (const f of rest.slice(1)) {
    if (exists(proc.fs, f)) continue
    if (!quiet) io.stderr.write(`chmod: ${f}: No such file or directory\n`)
    status = 1
  }
  return status
}
