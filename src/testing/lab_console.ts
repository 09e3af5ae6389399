/**
 * Test support for labs built from lab files: boot one in virtual time, run console lines (`NODE
 * command`) and read what they printed, and the silent I/O a lab's startup lines get when the test
 * does not look at them.
 */

import assert from 'node:assert/strict'
import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { LabConsole } from '../topology/console/console.js'
import { loadAny } from '../topology/file/load.js'
import { Lab } from '../topology/lab/emulator.js'
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

/** A started lab with a console whose every line's output the test reads. */
export interface BootedLab {
  readonly lab: Lab
  readonly host: Host
  readonly console: LabConsole
  /** Virtual seconds from start until the lab reported itself settled. */
  readonly settledAt: number
  /** Run a console line; its status and what it printed (stdout and stderr). */
  line(text: string): Promise<{ status: number; out: string }>
  sleep(s: number): Promise<void>
  /** Tear the lab down and check nothing is left on the clock. */
  destroy(): void
}

/**
 * Build and start a lab file (YAML, JSON or .imn, by `fileName`) in virtual time; the start must report
 * no failures and, unless `chatty`, print nothing.
 */
export async function bootLab(
  text: string,
  seed: number,
  { fileName = 'lab.yaml', chatty = false }: { fileName?: string; chatty?: boolean } = {},
): Promise<BootedLab> {
  const { topology } = loadAny(text, fileName)
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed })
  const lab = Lab.build(host, topology)
  let out = ''
  const io: Io = {
    stdin: { read: async () => null },
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (out += s) },
  }
  const t0 = host.clock.now()
  assert.deepEqual(await lab.start(() => io), [], out)
  if (!chatty) assert.equal(out, '', 'startup prints nothing')
  const console = new LabConsole(lab, io)
  return {
    lab,
    host,
    console,
    settledAt: (host.clock.now() - t0) / 1e9,
    async line(text) {
      out = ''
      const status = await console.runLine(text)
      return { status, out }
    },
    sleep: (s) => host.syscalls().nanosleep(s * 1e9),
    destroy() {
      lab.destroy()
      assert.equal(host.clock.pending, 0, 'nothing left on the clock')
    },
  }
}

/** A console line running vtysh on `node` with one `-c` per line. */
export const vtyshLine = (node: string, ...lines: string[]): string =>
  `${node} vtysh ${lines.map((l) => `-c '${l}'`).join(' ')}`
