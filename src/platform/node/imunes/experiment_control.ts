/**
 * Starting, stopping and listing background labs from the outside (`virtnet run -d`, `imunes -b`,
 * `himage -l`): the starter spawns `virtnet _serve EID FILE` detached (cli_experiment.ts builds and
 * serves the lab there), waits until the lab is up or failed, and returns its id. Kept apart from
 * the lab code so that himage and hcp, which run for every command, load only this much.
 */

import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  EID_FORMAT,
  type ExperimentInfo,
  listExperiments,
  logPath,
  newEid,
  request,
  runtimeDir,
  socketPath,
} from './experiment_dir.js'

const EX_USAGE = 64

/** How long the starter waits for the lab to come up. */
const START_TIMEOUT_MS = 120_000

export interface Started {
  eid: string
  warnings: string[]
}

/** The outcome the serving process reports to its starter over the IPC channel. */
export type Ready = { ok: true; warnings: string[] } | { ok: false; msg: string; code: number }

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
