/**
 * Background labs (experiments), the platform side: `virtnet run -d FILE` / `imunes -b FILE` start
 * a detached node process that builds the lab in real time and serves it on a unix-domain socket
 * (experiment_server.ts); the starter waits until the lab is up (or failed), prints the experiment
 * id and returns. `virtnet stop EID` / `imunes -b -e EID` stop one. The serving process is
 * `virtnet _serve EID FILE`, an internal command; its output (node startup messages, warnings)
 * goes to EID.log in the runtime directory.
 */

import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, unlinkSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { Host } from '../../../host/host.js'
import { isTopologyError } from '../../../topology/diagnostics.js'
import { Lab, LabError } from '../../../topology/emulator.js'
import { loadAny } from '../../../topology/load.js'
import type { Io, OutStream } from '../../../userland/types.js'
import { nodeClockDriver } from '../clock_driver.js'
import { nodeUdpUnderlay } from '../udp_underlay.js'
import {
  EID_FORMAT,
  type ExperimentInfo,
  listExperiments,
  logPath,
  newEid,
  RuntimeDirError,
  request,
  runtimeDir,
  socketPath,
} from './experiment_dir.js'
import { ExperimentServer } from './experiment_server.js'

const EX_USAGE = 64
const EX_DATAERR = 65
const EX_NOINPUT = 66

/** How long the starter waits for the lab to come up. */
const START_TIMEOUT_MS = 120_000

export interface Started {
  eid: string
  warnings: string[]
}

/** The outcome the serving process reports to its starter over the IPC channel. */
type Ready = { ok: true; warnings: string[] } | { ok: false; msg: string; code: number }

function cliPath(): string {
  return fileURLToPath(new URL('../cli.js', import.meta.url))
}

/**
 * Starts FILE as a background experiment; resolves with its id once it is up, or rejects with
 * [message, status] (the file cannot be read, has errors, the lab cannot be built).
 */
export async function startExperiment(
  file: string,
  seed: string | undefined,
  eid?: string,
): Promise<Started> {
  const dir = runtimeDir()
  let id = eid ?? newEid()
  if (eid === undefined) while ((await listExperiments(dir)).some((x) => x.eid === id)) id = newEid()
  else if ((await listExperiments(dir)).some((x) => x.eid === id))
    throw [`experiment ${id} is already running`, 1] as const
  const log = openSync(logPath(dir, id), 'w', 0o600)
  const args = [cliPath(), '_serve', id, resolve(file), ...(seed !== undefined ? ['--seed', seed] : [])]
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log, 'ipc'] })
  closeSync(log)
  const ready = await new Promise<Ready>((res) => {
    const timer = setTimeout(
      () => res({ ok: false, msg: 'the lab did not start in time', code: 1 }),
      START_TIMEOUT_MS,
    )
    child.once('message', (m) => {
      clearTimeout(timer)
      res(m as Ready)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      res({ ok: false, msg: `the lab process exited (status ${code}); see ${logPath(dir, id)}`, code: 1 })
    })
  })
  if (child.connected) child.disconnect()
  child.unref()
  if (!ready.ok) {
    if (child.exitCode === null) child.kill()
    throw [ready.msg, ready.code] as const
  }
  return { eid: id, warnings: ready.warnings }
}

/** Stops experiment `eid`; rejects with [message, status] when there is none. */
export async function stopExperiment(eid: string): Promise<void> {
  const dir = runtimeDir()
  if (!EID_FORMAT.test(eid)) throw [`${eid}: bad experiment id`, EX_USAGE] as const
  const path = socketPath(dir, eid)
  try {
    await request(path, { t: 'stop' })
  } catch {
    await listExperiments(dir) // removes it if stale
    throw [`experiment ${eid} is not running`, 1] as const
  }
  // The server removes its socket as it exits; wait briefly so a following list does not see it.
  for (let i = 0; i < 50; i++) {
    if (!existsSync(path)) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

export async function experiments(): Promise<ExperimentInfo[]> {
  return listExperiments(runtimeDir())
}

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

export { RuntimeDirError }
