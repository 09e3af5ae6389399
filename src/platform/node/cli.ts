#!/usr/bin/env node

/**
 * The `virtnet` command: `sh` (the FreeBSD-style shell over a fresh host), `demo`, `run` (a topology
 * file as a running lab, cli/run.ts), `gen` (topology generators, cli/gen.ts) and `packetdrill`
 * (TCP test scripts, each against a fresh host, cli_packetdrill.ts). The platform's entry point:
 * only here and in those three are files read, process arguments parsed and the process exited.
 */

import { parseArgs } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { Host } from '../../host/host.js'
import type { Syscalls } from '../../host/syscalls.js'
import type { UdpUnderlayProvider } from '../../stack/net/if/vxlan_underlay.js'
import type { RealLinkProvider } from '../../stack/net/real_link.js'
import { runScript, ShellSession } from '../../userland/bin/sh/shell.js'
import { MemFs } from '../../userland/bin/sh/streams.js'
import { runDemo } from '../../userland/demo.js'
import { type Program, startProcess } from '../../userland/process.js'
import { makePrograms } from '../../userland/programs.js'
import type { Command, FileSystem, InStream, Io } from '../../userland/types.js'
import type { ClockMode } from '../../util/clock.js'
import { ATF_USAGE, mainAtf } from './cli/atf.js'
import { GEN_USAGE, mainGen } from './cli/gen.js'
import { mainPacketdrill, PACKETDRILL_USAGE } from './cli/packetdrill.js'
import { replIo, runRepl } from './cli/repl.js'
import { mainRun, RUN_USAGE } from './cli/run.js'
import { nodeClockDriver } from './clock_driver.js'
import { fileError, optionError } from './errors.js'
import { mainServe } from './imunes/cli_experiment.js'
import { startExperiment, stopExperiment } from './imunes/experiment_control.js'
import { HostFilesFs } from './imunes/host_files.js'
import { labPrograms } from './imunes/in_process.js'
import { nodeLinkRelay } from './link_relay.js'
import { exitWhenFlushed, fileInput, nodeStdio } from './stdio.js'
import { nodeUdpUnderlay } from './udp_underlay.js'

const USAGE = `usage: virtnet sh [--clock virtual|real] [--seed N] [--host-files] [-e] [-x] [-c SCRIPT [NAME [ARGS...]] | FILE [ARGS...]]
       virtnet demo [--clock virtual|real] [--seed N]
       ${RUN_USAGE}
       virtnet run -d FILE [--seed N]    (in the background: prints the experiment id)
       virtnet stop EID
       ${GEN_USAGE}
       ${PACKETDRILL_USAGE}
       ${ATF_USAGE}
       virtnet help`

const EX_USAGE = 64

function fail(msg: string, code = EX_USAGE): never {
  process.stderr.write(`virtnet: ${msg}\n${USAGE}\n`)
  process.exit(code)
}

function hostOptions(values: { clock?: string; seed?: string }): {
  clock: ClockMode
  seed: number
  memoryBytes: number
  underlay: UdpUnderlayProvider
  realLinks: RealLinkProvider
} {
  const clock = values.clock ?? 'virtual'
  if (clock !== 'virtual' && clock !== 'real') fail(`--clock: expected virtual or real, got '${clock}'`)
  const seedText = values.seed ?? '1'
  if (!/^\d+$/.test(seedText) || Number(seedText) > 0xffffffff)
    fail(`--seed: expected an integer 0..4294967295, got '${seedText}'`)
  // The JavaScript heap is the machine every jail shares: it sizes kern.maxproc.
  // vxlan interfaces host root brings up bind real UDP sockets of this process.
  return {
    clock,
    seed: Number(seedText),
    memoryBytes: getHeapStatistics().heap_size_limit,
    underlay: nodeUdpUnderlay(),
    // Host root's tap is the machine's TAP device; rj45 nodes take the machine's interfaces.
    realLinks: nodeLinkRelay(),
  }
}

/** Run `command` as the first process (pid 1's stand-in) of a fresh host; resolves with its status. */
function runAsInit(
  sys: Syscalls,
  name: string,
  command: Command,
  io: Io,
  argv: readonly string[] = [name],
  extra: ReadonlyArray<readonly [string, Program]> = [],
  fs?: FileSystem,
): Promise<number> {
  // The program registry plus this entry point under its own name, so `sh` inside stays the real sh.
  const programs = makePrograms([...extra, [name, { run: command } satisfies Program]])
  return startProcess(sys, argv, io, { programs, ...(fs !== undefined ? { fs } : {}) }).done
}

async function mainSh(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      clock: { type: 'string' },
      seed: { type: 'string' },
      c: { type: 'string', short: 'c' },
      e: { type: 'boolean', short: 'e' },
      x: { type: 'boolean', short: 'x' },
      'host-files': { type: 'boolean' },
    },
    allowPositionals: true,
  })
  // Scripts run in virtual time; at the prompt a person waits, so `ping` should tick once a second.
  const script = values.c !== undefined || positionals.length > 0
  const host = new Host(
    nodeClockDriver(),
    hostOptions({ ...values, clock: values.clock ?? (script ? 'virtual' : 'real') }),
  )
  const sys = host.syscalls()
  const flags = [...(values.e ? ['-e'] : []), ...(values.x ? ['-x'] : [])]
  // IMUNES's commands build labs in this host; --host-files lets the script read this machine's files.
  const labs = labPrograms(host)
  const fs = values['host-files'] ? new HostFilesFs(new MemFs()) : undefined
  if (values.c !== undefined)
    return runAsInit(
      sys,
      'sh',
      makePrograms().get('sh')!.run,
      nodeStdio(),
      ['sh', ...flags, '-c', values.c, ...positionals],
      labs,
      fs,
    )
  if (positionals.length > 0) {
    const [file, ...rest] = positionals as [string, ...string[]]
    let input: InStream
    try {
      input = fileInput(file)
    } catch (e) {
      process.stderr.write(`virtnet: ${fileError(file, e)}\n`)
      return 127
    }
    // The file is read as the script runs (FreeBSD's sh reads a command, runs it, reads on).
    const names = [...makePrograms(labs).keys()].sort()
    const script: Command = (_argv, io, proc) =>
      runScript(input, io, proc, {
        name: file,
        args: rest,
        errexit: values.e ?? false,
        xtrace: values.x ?? false,
        programs: () => names,
      })
    return runAsInit(sys, '-sh', script, nodeStdio(), ['-sh', file, ...rest], labs, fs)
  }
  const interactive: Command = async (_argv, io, proc) => {
    const session = new ShellSession(io, proc, { errexit: values.e ?? false, xtrace: values.x ?? false })
    return runRepl(session, {
      prompt: proc.sys.uid === 0 ? 'virtnet# ' : '$ ',
      jails: () => proc.sys.jailList().map((j) => j.name),
    })
  }
  return runAsInit(sys, '-sh', interactive, replIo(), ['-sh'], labs, fs)
}

async function mainDemo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { clock: { type: 'string' }, seed: { type: 'string' } } })
  const host = new Host(nodeClockDriver(), {
    ...hostOptions({ clock: values.clock ?? 'real', seed: values.seed }),
    hostname: 'host',
  })
  return runAsInit(host.syscalls(), 'demo', (_argv, io, proc) => runDemo(io, proc), nodeStdio())
}

/** Runs a background-lab step; its failures are thrown as [message, status]. */
async function experimentStep(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn()
  } catch (e) {
    if (!Array.isArray(e)) throw e
    process.stderr.write(`virtnet: ${e[0]}\n`)
    return e[1] as number
  }
}

/** `virtnet run -d FILE [--seed N]`: the lab in a background process; prints its experiment id. */
async function mainRunDetached(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      d: { type: 'boolean', short: 'd' },
      detach: { type: 'boolean' },
      seed: { type: 'string' },
      eid: { type: 'string' },
    },
    allowPositionals: true,
  })
  if (positionals.length !== 1) fail(positionals.length === 0 ? 'run: FILE expected' : 'run: one FILE only')
  if (values.seed !== undefined) hostOptions({ seed: values.seed })
  return experimentStep(async () => {
    const started = await startExperiment(positionals[0]!, values.seed, values.eid)
    for (const w of started.warnings) process.stderr.write(`virtnet: warning: ${w}\n`)
    process.stdout.write(`${started.eid}\n`)
    return 0
  })
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  try {
    switch (cmd) {
      case 'sh':
        return await mainSh(rest)
      case 'demo':
        return await mainDemo(rest)
      case 'run':
        if (rest.includes('-d') || rest.includes('--detach')) return await mainRunDetached(rest)
        return await mainRun(rest, hostOptions, fail)
      case 'stop':
        if (rest.length !== 1) return fail('stop: one experiment id expected')
        return await experimentStep(() => stopExperiment(rest[0]!).then(() => 0))
      case '_serve':
        return await mainServe(rest)
      case 'gen':
        return mainGen(rest, fail)
      case 'packetdrill':
        return await mainPacketdrill(rest, fail)
      case 'atf':
        return await mainAtf(rest, fail)
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`)
        return 0
      case undefined:
        return fail('missing command')
      default:
        return fail(`unknown command '${cmd}'`)
    }
  } catch (e) {
    const msg = optionError(e)
    if (msg !== null) fail(msg)
    throw e
  }
}

main(process.argv.slice(2)).then(exitWhenFlushed, (e) => {
  process.stderr.write(
    `virtnet: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  )
  exitWhenFlushed(70)
})
