/**
 * The background lab process, `virtnet _serve EID FILE` (an internal command that
 * experiment_control.ts starts detached): builds the lab in real time, serves it on its unix-domain
 * socket (experiment_server.ts), tells its starter over the IPC channel whether it came up, and
 * runs until stopped. Its output (node startup messages, warnings) goes to EID.log in the runtime
 * directory.
 */

import { readFileSync, unlinkSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { Host } from '../../../host/host.js'
import { isTopologyError } from '../../../topology/file/diagnostics.js'
import { loadAny } from '../../../topology/file/load.js'
import { Lab } from '../../../topology/lab/emulator.js'
import { LabError } from '../../../topology/lab/lab_var.js'
import type { Io, OutStream } from '../../../userland/types.js'
import { nodeClockDriver } from '../clock_driver.js'
import { nodeLinkRelay } from '../link_relay.js'
import { nodeUdpUnderlay } from '../udp_underlay.js'
import type { Ready } from './experiment_control.js'
import { EID_FORMAT, logPath, runtimeDir, socketPath } from './experiment_dir.js'
import { ExperimentServer } from './experiment_server.js'

const EX_USAGE = 64
const EX_DATAERR = 65
const EX_NOINPUT = 66

function lines(prefix: string, to: OutStream): OutStream {
  return { write: (s) => to.write(s.replace(/^(?=.)/gm, prefix)) }
}

/** `virtnet _serve EID FILE [--seed N]`: the background lab process. Resolves when it is stopped. */
export async function mainServe(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { seed: { type: 'string' } },
    allowPositionals: true,
  })
  const [eid, file] = positionals
  const tell = (r: Ready) => process.send?.(r)
  if (eid === undefined || file === undefined || !EID_FORMAT.test(eid)) {
    tell({ ok: false, msg: 'usage: virtnet _serve EID FILE', code: EX_USAGE })
    return EX_USAGE
  }
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    tell({ ok: false, msg: `${file}: ${(e as Error).message}`, code: EX_NOINPUT })
    return EX_NOINPUT
  }
  let loaded: ReturnType<typeof loadAny>
  try {
    loaded = loadAny(text, file)
  } catch (e) {
    if (!isTopologyError(e)) throw e
    tell({ ok: false, msg: e.errors.join('\n'), code: EX_DATAERR })
    return EX_DATAERR
  }
  const seed = values.seed ?? '1'
  const host = new Host(nodeClockDriver(), {
    clock: 'real',
    seed: /^\d+$/.test(seed) ? Number(seed) : 1,
    memoryBytes: getHeapStatistics().heap_size_limit,
    underlay: nodeUdpUnderlay(),
    realLinks: nodeLinkRelay(),
  })
  let lab: Lab
  try {
    lab = Lab.build(host, loaded.topology, { eid })
  } catch (e) {
    if (!(e instanceof LabError)) throw e
    host.clock.stop()
    tell({ ok: false, msg: `${file}: ${e.message}`, code: 1 })
    return 1
  }
  const log: OutStream = { write: (s) => void process.stdout.write(s) }
  const startupIo = (node: string): Io => ({
    stdin: { read: async () => null },
    stdout: lines(`${node}: `, log),
    stderr: lines(`${node}: `, log),
  })
  const warnings = [...loaded.warnings, ...(await lab.start(startupIo))]
  for (const w of warnings) log.write(`warning: ${w}\n`)
  const dir = runtimeDir()
  const sock = socketPath(dir, eid)
  let stopped!: () => void
  const done = new Promise<void>((r) => {
    stopped = r
  })
  const server = new ExperimentServer(lab, {
    info: { eid, name: loaded.topology.name, file, started: Math.floor(Date.now() / 1000), pid: process.pid },
    onStop: () => {
      for (const p of [sock, logPath(dir, eid)])
        try {
          unlinkSync(p)
        } catch {
          // gone already
        }
      stopped()
    },
  })
  try {
    await server.listen(sock)
  } catch (e) {
    tell({ ok: false, msg: `${sock}: ${(e as Error).message}`, code: 1 })
    lab.destroy()
    host.clock.stop()
    return 1
  }
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, () => server.stop())
  tell({ ok: true, warnings })
  if (process.connected) process.disconnect()
  await done
  return 0
}
