/**
 * `virtnet run FILE [--clock virtual|real] [--seed N] [-c LINE]... [--script FILE]...`: loads a
 * topology (YAML, JSON or IMUNES .imn), builds the lab in a fresh host, runs the nodes' startup
 * commands, then either runs the given console lines in command-line order and exits, or opens the
 * lab console at a `virtnet>` prompt (src/topology/console/console.ts has the commands).
 *
 * Exit status: that of `exit N`, else the first failing line's, else 0; 64 for usage errors, 65
 * (EX_DATAERR) for a topology with errors — reported as `file:line: path: reason`, nothing started —
 * 66 (EX_NOINPUT) for a file that cannot be read, 1 when the lab cannot be built.
 */

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { Host, type HostOptions } from '../../../host/host.js'
import { type ConsoleFiles, LabConsole } from '../../../topology/console/console.js'
import { isTopologyError } from '../../../topology/file/diagnostics.js'
import { loadAny } from '../../../topology/file/load.js'
import { Lab } from '../../../topology/lab/emulator.js'
import { LabError } from '../../../topology/lab/lab_var.js'
import type { Io, OutStream } from '../../../userland/types.js'
import type { ClockMode } from '../../../util/clock.js'
import { nodeClockDriver } from '../clock_driver.js'
import { fileError } from '../errors.js'
import { nodeStdio } from '../stdio.js'
import { replIo, runRepl } from './repl.js'

/** `capture -w FILE` writes real files, relative to the working directory. */
const realFiles: ConsoleFiles = {
  write: (path, bytes, append) => (append ? appendFileSync(path, bytes) : writeFileSync(path, bytes)),
}

export const RUN_USAGE =
  'virtnet run FILE [--clock virtual|real] [--seed N] [--max-memory SIZE] [-c "LINE"]... [--script FILE]...'

/**
 * What a lab keeps per node and per link, for the check before building. Measured: `virtnet gen tree
 * 3 10` (1,111 switches and hosts, 1,110 links) built and started, heap + external growth after full
 * collections (node --expose-gc): 8.3 KB per node with its link. Rounded up, split per node and link.
 */
const NODE_BYTES = 8 * 1024
const LINK_BYTES = 4 * 1024
const MB = 1024 * 1024

/** The default budget: half the machine's memory, and no more than 3/4 of V8's heap limit. */
function defaultMaxMemory(): number {
  return Math.floor(Math.min(totalmem() / 2, (getHeapStatistics().heap_size_limit * 3) / 4))
}

/** `512M`, `2G`, `1048576`: bytes, or null when malformed. */
function parseSize(text: string): number | null {
  const m = /^(\d+)([KMG]?)B?$/i.exec(text.trim())
  if (m === null) return null
  const unit = { '': 1, K: 1024, M: MB, G: 1024 * MB }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G']
  const n = Number(m[1]) * unit
  return Number.isSafeInteger(n) && n > 0 ? n : null
}

const EX_DATAERR = 65
const EX_NOINPUT = 66

function err(msg: string): void {
  process.stderr.write(`virtnet: ${msg}\n`)
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    err(fileError(file, e))
    return null
  }
}

/** Writes whole lines, each prefixed (a node's startup output: `pc1: …`). */
function prefixed(prefix: string, to: OutStream): OutStream {
  let partial = ''
  return {
    write: (s) => {
      const text = partial + s
      const lines = text.split('\n')
      partial = lines.pop()!
      for (const l of lines) to.write(`${prefix}${l}\n`)
    },
  }
}

function startupIo(node: string): Io {
  const stderr: OutStream = { write: (s) => void process.stderr.write(s) }
  const out = prefixed(`${node}: `, stderr)
  return { stdin: { read: async () => null }, stdout: out, stderr: out }
}

/** Resolves with the process exit status. `fail` prints a usage error and exits. */
export async function mainRun(
  args: string[],
  hostOptions: (v: { clock?: string; seed?: string }) => HostOptions & { clock: ClockMode; seed: number },
  fail: (msg: string) => never,
): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args,
    options: {
      clock: { type: 'string' },
      seed: { type: 'string' },
      c: { type: 'string', short: 'c', multiple: true },
      script: { type: 'string', multiple: true },
      'max-memory': { type: 'string' },
    },
    allowPositionals: true,
    tokens: true,
  })
  if (positionals.length !== 1) fail(positionals.length === 0 ? 'run: FILE expected' : 'run: one FILE only')
  const file = positionals[0]!
  let maxMemory = defaultMaxMemory()
  if (values['max-memory'] !== undefined) {
    const m = parseSize(values['max-memory'])
    if (m === null) fail(`--max-memory: expected a size such as 512M or 2G, got '${values['max-memory']}'`)
    maxMemory = m
  }
  const text = readText(file)
  if (text === null) return EX_NOINPUT

  // Console lines in command-line order; script files are read before anything starts.
  const lines: string[] = []
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined) continue
    if (t.name === 'c') lines.push(t.value)
    else if (t.name === 'script') {
      const s = readText(t.value)
      if (s === null) return EX_NOINPUT
      lines.push(...s.split('\n'))
    }
  }
  const scripted = values.c !== undefined || values.script !== undefined

  let loaded: ReturnType<typeof loadAny>
  try {
    loaded = loadAny(text, file)
  } catch (e) {
    if (!isTopologyError(e)) throw e
    for (const line of e.errors) process.stderr.write(`${line}\n`)
    return EX_DATAERR
  }
  for (const w of loaded.warnings) err(`warning: ${w}`)
  // Refuse a lab that cannot fit before building it: V8 aborts the process (rc 134) when it runs out.
  const need = loaded.topology.nodes.length * NODE_BYTES + loaded.topology.links.length * LINK_BYTES
  if (need > maxMemory) {
    err(`lab needs about ${Math.ceil(need / MB)} MB, more than --max-memory ${Math.floor(maxMemory / MB)} MB`)
    return 1
  }

  // Given lines run reproducibly in virtual time; at the prompt, time is the wall clock's.
  const host = new Host(
    nodeClockDriver(),
    hostOptions({ clock: values.clock ?? (scripted ? 'virtual' : 'real'), seed: values.seed }),
  )
  let lab: Lab
  try {
    lab = Lab.build(host, loaded.topology)
  } catch (e) {
    if (!(e instanceof LabError)) throw e
    err(`${file}: ${e.message}`)
    host.clock.stop()
    return 1
  }
  try {
    for (const w of await lab.start(startupIo)) err(`warning: ${w}`)
    if (scripted) {
      const console = new LabConsole(lab, nodeStdio(), realFiles)
      try {
        let first = 0
        for (const line of lines) {
          const status = await console.runLine(line)
          if (console.exited !== undefined) return console.exited
          if (status !== 0 && first === 0) first = status
        }
        return first
      } finally {
        await console.close()
      }
    }
    const console = new LabConsole(lab, replIo(), realFiles)
    process.stdout.write(
      `${loaded.topology.name}: ${lab.nodes().length} nodes, ${lab.links().length} links; type help for commands\n`,
    )
    try {
      return await runRepl(console, { prompt: 'virtnet> ', complete: (line) => console.complete(line) })
    } finally {
      await console.close()
    }
  } finally {
    lab.destroy()
    host.clock.stop()
  }
}
