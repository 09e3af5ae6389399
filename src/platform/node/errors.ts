/**
 * One-line messages for the two kinds of error the CLI meets outside the kernel: files it cannot
 * read or write, and command-line options node:util's parseArgs rejects. Both are shown as
 * `virtnet: …` in the words a FreeBSD user expects (strerror(3), getopt(3)), not Node's.
 */

import { Errno, type ErrnoName } from '../../util/errno.js'

/** `FILE: reason` for a failed fs call; the reason is strerror's text when the code has one. */
export function fileError(file: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code
  const known = code !== undefined && Object.hasOwn(Errno, code) ? Errno[code as ErrnoName][1] : null
  return `${file}: ${known ?? code ?? String(e)}`
}

/**
 * parseArgs's error as a short line, or null when `e` is not one. Its own messages run to three
 * sentences of advice about `--` that a shell user does not need.
 */
export function optionError(e: unknown): string | null {
  const code = (e as { code?: unknown }).code
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return null
  const msg = (e as Error).message
  // The option as the user can type it: `-c` of "Option '-c, --c <value>'", else the long form.
  const option = /^Option '(-[^',\s]+)/.exec(msg)?.[1]
  const unknown = /^Unknown option '([^']*)'/.exec(msg)
  if (unknown !== null) return `unknown option '${unknown[1]}'`
  const unexpected = /^Unexpected argument '([^']*)'/.exec(msg)
  if (unexpected !== null) return `unexpected argument '${unexpected[1]}'`
  if (option !== undefined && msg.includes('argument missing'))
    return `option '${option}' requires an argument`
  if (option !== undefined && msg.includes('ambiguous'))
    return `option '${option}': an argument starting with '-' must be written ${option.startsWith('--') ? `${option}=VALUE` : `${option}VALUE`}`
  return msg.split('\n')[0]!
}
