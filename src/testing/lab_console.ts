/**
 * Test support for labs built from lab files: run console lines (`NODE command`) and read what
 * they printed, and the silent I/O a lab's startup lines get when the test does not look at them.
 */

import { LabConsole } from '../topology/console.js'
import type { Lab } from '../topology/emulator.js'
import type { Io } from '../userland/types.js'

/** Startup I/O that reads nothing and discards what is written. */
export const silent = (): Io => ({
  stdin: { read: async () => null },
  stdout: { write: () => {} },
  stderr: { write: () => {} },
})

/** Run console lines in order; what they wrote to stdout and stderr. */
export async function consoleRun(lab: Lab, ...lines: string[]): Promise<{ out: string; err: string }> {
  let out = ''
  let err = ''
  const c = new LabConsole(lab, {
    stdin: { read: async () => null },
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (err += s) },
  })
  for (const l of lines) await c.runLine(l)
  return { out, err }
}
