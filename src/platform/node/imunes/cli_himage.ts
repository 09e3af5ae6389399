/**
 * IMUNES's commands for driving background labs from any shell, installed as their own programs:
 *
 * - `himage [-nt|-b] NODE[@EID] [COMMAND ...]`: COMMAND (or a shell) as root in the node's jail,
 *   stdin/stdout/stderr passed through, its exit status returned; `himage -l` lists the running
 *   experiments, `-ln` with their nodes; `-e`/`-n`/`-v`/`-d NODE` print the eid, node name, jail
 *   name and path. A NODE without @EID must name a node of exactly one running experiment.
 *   Errors are himage's: `Error: cannot find node named X` (2), `Node X is not a jail.` (3).
 * - `hcp [-p] SRC DST`: copies a file, either side `NODE[@EID]:PATH` or a path on this machine.
 * - `imunes -b FILE` starts FILE as an experiment and prints `Experiment ID = EID` last;
 *   `imunes -b -e EID` stops one.
 *
 * Here the process's arguments are parsed and its streams read and written; the lab is in the
 * experiment's own process (experiment_server.ts).
 */

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { basename, join } from 'node:path'
import { isDirectory } from '../../../userland/fs/chroot_fs.js'
import { experiments, startExperiment, stopExperiment } from './experiment_control.js'
import {
  connectTo,
  EID_FORMAT,
  type ExperimentInfo,
  type Frame,
  RuntimeDirError,
  readFrames,
  request,
  runtimeDir,
  sendFrame,
  socketPath,
} from './experiment_dir.js'

/** A failure with its message (printed as is) and exit status. */
class Fail {
  constructor(
    readonly msg: string,
    readonly code: number,
  ) {}
}

interface Target {
  eid: string
  node: string
}

/** `NODE@EID` or `NODE` (found in the one experiment that has it). */
async function resolveNode(spec: string): Promise<Target> {
  const at = spec.indexOf('@')
  const node = at < 0 ? spec : spec.slice(0, at)
  const eid = at < 0 ? undefined : spec.slice(at + 1)
  if (node === '' || (eid !== undefined && !EID_FORMAT.test(eid)))
    throw new Fail(`Error: cannot find node named ${spec}`, 2)
  const all = await experiments()
  const having = all.filter(
    (x) => (eid === undefined || x.eid === eid) && x.nodes.some((n) => n.name === node),
  )
  if (having.length === 0) throw new Fail(`Error: cannot find node named ${spec}`, 2)
  if (having.length > 1)
    throw new Fail(
      `Error: ${spec} is not a unique name.\nIt is used (at least) for nodes:\n${having.map((x) => `${node}@${x.eid}`).join('\n')}`,
      1,
    )
  const x = having[0]!
  if (!x.nodes.find((n) => n.name === node)!.jail) throw new Fail(`Node ${node} is not a jail.`, 3)
  return { eid: x.eid, node }
}

const SIGNALS: ReadonlyArray<[NodeJS.Signals, number]> = [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
]

/** Runs argv in the node, passing this process's streams through; resolves with the status. */
async function execIn(t: Target, argv: string[]): Promise<number> {
  let sock: Socket
  try {
    sock = await connectTo(socketPath(runtimeDir(), t.eid))
  } catch {
    throw new Fail(`Error: cannot find node named ${t.node}@${t.eid}`, 2)
  }
  return new Promise((resolve) => {
    let status: number | null = null
    let stdinEnded = false
    const handlers = SIGNALS.map(([name, n]) => {
      const h = () => void sendFrame(sock, { t: 'sig', n })
      process.on(name, h)
      return () => process.off(name, h)
    })
    // stdin is read only when the command asks (a `read` frame), one chunk at a time.
    const readOne = () => {
      if (stdinEnded) return void sendFrame(sock, { t: 'eof' })
      const chunk = process.stdin.read() as Buffer | null
      if (chunk !== null) return void sendFrame(sock, { t: 'in', d: chunk.toString('utf8') })
      process.stdin.once('readable', readOne)
    }
    process.stdin.once('end', () => {
      stdinEnded = true
    })
    readFrames(sock, (f: Frame) => {
      if (f.t === 'out') {
        if (!process.stdout.write(f.d)) {
          sock.pause()
          process.stdout.once('drain', () => sock.resume())
        }
      } else if (f.t === 'err') process.stderr.write(f.d)
      else if (f.t === 'read') {
        // Wait for 'end' to be seen: read() returns null both at the end and when nothing is buffered.
        if (process.stdin.readableEnded) stdinEnded = true
        readOne()
      } else if (f.t === 'exit') status = f.code
      else if (f.t === 'error') {
        process.stderr.write(`${f.msg}\n`)
        status = f.code
      }
    })
    sock.on('error', () => {})
    sock.on('close', () => {
      for (const off of handlers) off()
      process.stdin.removeListener('readable', readOne)
      process.stdin.pause()
      process.stdin.unref?.()
      resolve(status ?? 1)
    })
    void sendFrame(sock, { t: 'exec', node: t.node, argv })
  })
}

const HIMAGE_HELP = `
Command himage runs a command in a node of a running experiment (like jexec).
The node is named as in the topology: node or node@eid.

Usage:
  himage node[@eid] [command ...]   (no command: a shell)
  himage -e node[@eid]  ---> experiment id
  himage -n node[@eid]  ---> node name
  himage -v node[@eid]  ---> jail name
  himage -d node[@eid]  ---> file tree of the node
  himage -l             ---> running experiments with their names and start times
  himage -ln            ---> running experiments with their nodes
  himage -b, -nt        ---> accepted and ignored
`

function listLine(x: ExperimentInfo, nodes: boolean): string {
  const when = new Date(x.started * 1000).toISOString().replace('T', ' ').slice(0, 19)
  return `${x.eid} [${nodes ? x.nodes.map((n) => n.name).join(', ') : `${x.name} - ${when}`}]`
}

export async function mainHimage(args: string[]): Promise<number> {
  if (args[0] === '-b' || args[0] === '-nt') args = args.slice(1)
  const [first, ...rest] = args
  if (first === undefined || first === '-h') {
    process.stdout.write(HIMAGE_HELP)
    return 0
  }
  if (first === '-l' || first === '-ln') {
    for (const x of await experiments()) process.stdout.write(`${listLine(x, first === '-ln')}\n`)
    return 0
  }
  if (
    first === '-e' ||
    first === '-n' ||
    first === '-v' ||
    first === '-d' ||
    first === '-j' ||
    first === '-i'
  ) {
    if (rest[0] === undefined) throw new Fail(`himage: option requires an argument -- ${first.slice(1)}`, 2)
    const t = await resolveNode(rest[0])
    const out =
      first === '-e'
        ? t.eid
        : first === '-n'
          ? t.node
          : first === '-d'
            ? `/var/imunes/${t.eid}/${t.node}`
            : `${t.node}`
    process.stdout.write(`${out}\n`)
    return 0
  }
  if (first.startsWith('-')) {
    process.stdout.write(`himage: illegal option -- ${first.slice(1)}\n${HIMAGE_HELP}`)
    return 2
  }
  return execIn(await resolveNode(first), rest)
}

/** `NODE[@EID]:PATH` → target and path; a plain path → null. */
function remote(spec: string): { node: string; path: string } | null {
  const colon = spec.indexOf(':')
  if (colon <= 0 || spec.slice(0, colon).includes('/')) return null
  return { node: spec.slice(0, colon), path: spec.slice(colon + 1) }
}

async function getFile(spec: { node: string; path: string }): Promise<Buffer> {
  const t = await resolveNode(spec.node)
  const r = await request(socketPath(runtimeDir(), t.eid), { t: 'get', node: t.node, path: spec.path })
  if (r.t === 'error') throw new Fail(`hcp: ${r.msg}`, 1)
  if (r.t !== 'file') throw new Fail('hcp: bad reply', 1)
  return Buffer.from(r.b64, 'base64')
}

async function putFile(spec: { node: string; path: string }, bytes: Buffer, srcName: string): Promise<void> {
  const t = await resolveNode(spec.node)
  const path = isDirectory(spec.path) ? `${spec.path.replace(/\/*$/, '')}/${srcName}` : spec.path
  const r = await request(socketPath(runtimeDir(), t.eid), {
    t: 'put',
    node: t.node,
    path,
    b64: bytes.toString('base64'),
  })
  if (r.t === 'error') throw new Fail(`hcp: ${r.msg}`, 1)
}

const HCP_USAGE = 'usage: hcp [-p] [-r] [node[@eid]:]source_file ... [node[@eid]:]target'

/** Files below a local directory, as paths relative to it (bounded: a lab holds 16,384 files). */
function localTree(dir: string, rel = '', out: string[] = []): string[] {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`
    if (e.isDirectory()) localTree(dir, r, out)
    else if (e.isFile()) out.push(r)
    if (out.length > 16384) throw new Fail(`hcp: ${dir}: too many files`, 1)
  }
  return out
}

async function hcpOne(src: string, dst: string, recursive: boolean, many: boolean): Promise<void> {
  const rs = remote(src)
  const rd = remote(dst)
  if (rs === null && rd !== null) {
    let st: ReturnType<typeof statSync>
    try {
      st = statSync(src)
    } catch {
      throw new Fail(`hcp: ${src}: No such file or directory`, 1)
    }
    if (st.isDirectory()) {
      if (!recursive) throw new Fail(`hcp: ${src} is a directory (not copied).`, 1)
      // cp -r DIR node:TARGET: the tree lands below TARGET/DIR (files make their directories).
      const base = `${rd.path.replace(/\/*$/, '')}/${basename(src)}`
      for (const f of localTree(src))
        await putFile({ node: rd.node, path: `${base}/${f}` }, readFileSync(join(src, f)), basename(f))
      return
    }
  }
  let bytes: Buffer
  if (rs !== null) bytes = await getFile(rs)
  else
    try {
      bytes = readFileSync(src)
    } catch (e) {
      throw new Fail(
        `hcp: ${src}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`,
        1,
      )
    }
  const name = basename(rs?.path ?? src)
  if (rd !== null)
    await putFile(many && !rd.path.endsWith('/') ? { node: rd.node, path: `${rd.path}/` } : rd, bytes, name)
  else {
    let path = dst
    try {
      if (statSync(dst).isDirectory()) path = join(dst, name)
    } catch {
      // a new file
    }
    try {
      writeFileSync(path, bytes)
    } catch (e) {
      throw new Fail(`hcp: ${dst}: ${(e as Error).message}`, 1)
    }
  }
}

export async function mainHcp(args: string[]): Promise<number> {
  const isOpt = (a: string) => /^-[pfvrR]+$/.test(a)
  const ops = args.filter((a) => !isOpt(a))
  const bad = ops.find((a) => a.startsWith('-') && a.length > 1)
  if (bad !== undefined) throw new Fail(`hcp: ${bad}: option not supported\n${HCP_USAGE}`, 64)
  if (ops.length < 2) throw new Fail(HCP_USAGE, 64)
  const recursive = args.some((a) => isOpt(a) && /[rR]/.test(a))
  const dst = ops[ops.length - 1]!
  for (const src of ops.slice(0, -1)) await hcpOne(src, dst, recursive, ops.length > 2)
  return 0
}

const IMUNES_USAGE = 'usage: imunes [-b] [-e eid] [--seed N] [file]'

export async function mainImunes(args: string[]): Promise<number> {
  let batch = false
  let eid: string | undefined
  let seed: string | undefined
  const files: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === '-b' || a === '--batch' || a === '-batch') batch = true
    else if (a === '-e' || a === '-eid' || a === '--eid') {
      eid = args[++i]
      if (eid === undefined) throw new Fail(`imunes: ${a}: missing argument\n${IMUNES_USAGE}`, 64)
    } else if (a === '--seed') seed = args[++i]
    else if (a === '-h' || a === '--help') {
      process.stdout.write(`${IMUNES_USAGE}\n`)
      return 0
    } else if (a.startsWith('-')) throw new Fail(`imunes: unknown option ${a}\n${IMUNES_USAGE}`, 64)
    else files.push(a)
  }
  if (!batch) throw new Fail('imunes: VirtNet has no GUI; run labs with -b (or use virtnet run)', 64)
  if (files.length > 1) throw new Fail(IMUNES_USAGE, 64)
  if (files.length === 0) {
    if (eid === undefined) throw new Fail(IMUNES_USAGE, 64)
    try {
      await stopExperiment(eid)
    } catch (e) {
      if (Array.isArray(e)) throw new Fail(`imunes: ${e[0]}`, e[1] as number)
      throw e
    }
    process.stdout.write(`Terminated experiment ${eid}.\n`)
    return 0
  }
  try {
    const started = await startExperiment(files[0]!, seed, eid)
    for (const w of started.warnings) process.stderr.write(`imunes: warning: ${w}\n`)
    process.stdout.write(`Experiment ID = ${started.eid}\n`)
    return 0
  } catch (e) {
    if (Array.isArray(e)) throw new Fail(`imunes: ${e[0]}`, e[1] as number)
    throw e
  }
}

/** Runs one of the mains, printing a Fail as its message and leaving with its status. */
export async function runMain(tool: string, main: (args: string[]) => Promise<number>): Promise<void> {
  let code: number
  try {
    code = await main(process.argv.slice(2))
  } catch (e) {
    if (e instanceof Fail) {
      process.stderr.write(`${e.msg}\n`)
      code = e.code
    } else if (e instanceof RuntimeDirError) {
      process.stderr.write(`${tool}: ${e.message}\n`)
      code = 71
    } else {
      process.stderr.write(
        `${tool}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      )
      code = 70
    }
  }
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}
