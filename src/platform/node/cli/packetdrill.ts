/**
 * `virtnet packetdrill [--tolerance_usecs N] [-v] FILE|DIR ...`: runs packetdrill scripts (a
 * directory stands for every `*.pkt` below it, in name order), each in a fresh host in virtual time,
 * as root in that host's own stack. Prints `FILE: ok` or `FILE: FAILED line N: ...` per script and a
 * total; exits 0 only when every script passed, 1 otherwise, 64 on a usage error. The platform part
 * only reads files and makes hosts: running a script is the userland program's job (packetdrill/run.ts).
 */

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Host } from '../../../host/host.js'
import { MemFs } from '../../../userland/bin/sh/streams.js'
import { startProcess } from '../../../userland/process.js'
import { makePrograms } from '../../../userland/programs.js'
import type { Command, Io } from '../../../userland/types.js'
import {
  parseArgs,
  type RunOptions,
  type RunResult,
  resultLine,
  runText,
  totalLine,
} from '../../../userland/usr.bin/packetdrill/run.js'
import { nodeClockDriver } from '../clock_driver.js'
import { fileError } from '../errors.js'

export const PACKETDRILL_USAGE = 'virtnet packetdrill [--tolerance_usecs N] [-v] FILE|DIR ...'

/** Every `*.pkt` file below dir, sorted. */
export function pktFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) =>
      e.isDirectory() ? pktFiles(join(dir, e.name)) : e.name.endsWith('.pkt') ? [join(dir, e.name)] : [],
    )
}

/**
 * Run one script's text in a fresh host (virtual time, seed fixed so a run repeats exactly);
 * `trace` receives the -v lines.
 */
export async function runInFreshHost(
  name: string,
  text: string,
  opts: RunOptions,
  seed = 1,
): Promise<RunResult> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed, hostname: 'packetdrill' })
  let result: RunResult = { ok: false, line: 0, message: 'did not run' }
  const main: Command = async (_argv, _io, proc) => {
    result = await runText(proc, name, text, opts)
    return result.ok ? 0 : 1
  }
  const io: Io = {
    stdin: { read: async () => null },
    stdout: { write: () => {} },
    stderr: { write: () => {} },
  }
  const programs = makePrograms([['packetdrill', { run: main }]])
  await startProcess(host.syscalls(), ['packetdrill', name], io, { programs, fs: new MemFs() }).done
  host.clock.stop()
  return result
}

export async function mainPacketdrill(args: string[], fail: (msg: string) => never): Promise<number> {
  const parsed = parseArgs(args)
  if (typeof parsed === 'string') fail(`packetdrill: ${parsed}`)
  const files: string[] = []
  for (const f of parsed.files) {
    try {
      files.push(...(statSync(f).isDirectory() ? pktFiles(f) : [f]))
    } catch (e) {
      process.stderr.write(`virtnet: packetdrill: ${fileError(f, e)}\n`)
      return 1
    }
  }
  let passed = 0
  const trace = (l: string): void => void process.stdout.write(`${l}\n`)
  for (const f of files) {
    let r: RunResult
    try {
      r = await runInFreshHost(f, readFileSync(f, 'utf8'), { ...parsed.opts, trace })
    } catch (e) {
      r = { ok: false, line: 0, message: fileError(f, e).slice(f.length + 2) }
    }
    if (r.ok) passed++
    process.stdout.write(`${resultLine(f, r)}\n`)
  }
  process.stdout.write(`${totalLine(files.length, passed)}\n`)
  return passed === files.length ? 0 : 1
}
