/**
 * The input of a text filter program (cut, uniq, sed, xargs...): each operand's text from the
 * process's files, `-` (or none) meaning stdin, bounded in size. Missing files are reported the
 * BSD way (`prog: f: No such file or directory`) and skipped.
 */

import type { Io, Proc } from '../../types.js'

/** Most input one filter holds (like a variable of the shell). */
export const MAX_INPUT = 16 * 1024 * 1024

export async function readStdin(io: Io): Promise<string | undefined> {
  let s = ''
  for (let c = await io.stdin.read(); c !== null; c = await io.stdin.read()) {
    s += c
    if (s.length > MAX_INPUT) return undefined
  }
  return s
}

/** The texts of the operands (stdin when there are none); ok is false if any could not be read. */
export async function readInputs(
  prog: string,
  files: readonly string[],
  io: Io,
  proc: Proc,
): Promise<{ texts: string[]; ok: boolean }> {
  const texts: string[] = []
  let ok = true
  for (const f of files.length ? files : ['-']) {
    const t = f === '-' ? await readStdin(io) : proc.fs.read(f)
    if (t === undefined) {
      io.stderr.write(
        f === '-' ? `${prog}: stdin: File too large\n` : `${prog}: ${f}: No such file or directory\n`,
      )
      ok = false
    } else texts.push(t)
  }
  return { texts, ok }
}

/** Lines of a text, without the final newline's empty remainder. */
export function lines(text: string): string[] {
  const l = text.split('\n')
  if (l[l.length - 1] === '') l.pop()
  return l
}
