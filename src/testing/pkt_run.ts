/**
 * Runs a packetdrill script written by a test (never one of FreeBSD's suite, which are run as they
 * are by cli_packetdrill.test.ts) against a fresh host in virtual time, and hands back the result
 * with the host's syscalls, so the test can read the stack's counters afterwards. Tests only.
 */

import { Host } from '../host/host.js'
import type { Syscalls } from '../host/syscalls.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { MemFs } from '../userland/bin/sh/streams.js'
import { startProcess } from '../userland/process.js'
import { makePrograms } from '../userland/programs.js'
import { capture } from '../userland/testkit.js'
import type { Command } from '../userland/types.js'
import { type RunResult, runText } from '../userland/usr.bin/packetdrill/run.js'

export async function runPkt(text: string, seed = 3): Promise<{ r: RunResult; sys: Syscalls }> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed })
  let result: RunResult | null = null
  const main: Command = async (_argv, _io, proc) => {
    result = await runText(proc, 'test.pkt', text, {})
    return 0
  }
  const programs = makePrograms([['pd', { run: main }]])
  await startProcess(host.syscalls(), ['pd'], capture(), { programs, fs: new MemFs() }).done
  host.clock.stop()
  return { r: result!, sys: host.syscalls() }
}
