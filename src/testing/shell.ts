/**
 * Test support: a script run by VirtNet's sh on a fresh virtual-clock host, as `virtnet sh` runs
 * one, for tests that check what a user would type and see. Tests only.
 */

import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { runScript } from '../userland/bin/sh/shell.js'
import { MemFs } from '../userland/bin/sh/streams.js'
import { startProcess } from '../userland/process.js'
import { makePrograms } from '../userland/programs.js'
import { capture, type RunResult } from '../userland/testkit.js'

/** A script run by VirtNet's sh on a fresh virtual-clock host (seed 1), as `virtnet sh` runs one. */
export async function shOnHost(script: string, fs = new MemFs()): Promise<RunResult> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const io = capture()
  const programs = makePrograms([['script', { run: (_a, sio, proc) => runScript(script, sio, proc) }]])
  const status = await startProcess(host.syscalls(), ['script'], io, { programs, fs }).done
  host.clock.stop()
  return { status, out: io.out(), err: io.err() }
}
