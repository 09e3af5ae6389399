/**
 * The server side of a background lab: a running Lab answered over its unix-domain socket
 * (experiment_dir.ts). `exec` runs a command in a node's jail as root — the argv as given, as
 * jexec execs it, or the shell when there is none — with its stdin read from the client on demand
 * (a `read` frame asks for the next chunk, so a command that never reads never consumes the
 * caller's input), its output sent back and its status last; the client hanging up kills it.
 * `get`/`put` read and write a file in a node's private tree (hcp), `info` describes the lab,
 * `stop` tears it down and ends the process.
 *
 * Every request is checked before anything runs: an unknown node or a switch is an `error` frame
 * with himage's message and status, never a crash of the lab.
 */

import { createServer, type Server, type Socket } from 'node:net'
import type { Lab } from '../../../topology/lab/emulator.js'
import { startProcess } from '../../../userland/process.js'
import type { InStream, Io, Job, OutStream } from '../../../userland/types.js'
import { isSysError } from '../../../util/errno.js'
import { type ExperimentInfo, type Frame, readFrames, sendFrame } from './experiment_dir.js'

/** Status of himage for a name that is no node, and for a node that is no jail (a switch). */
export const EXIT_NO_NODE = 2
export const EXIT_NOT_JAIL = 3

/** A file bigger than this is refused by hcp (the lab's whole tree is 64 MiB). */
const MAX_FILE = 16 * 1024 * 1024

/**
 * Bytes into the lab's files, which hold binary data (pcap files) one character per byte: valid
 * UTF-8 is taken as text, anything else byte for byte.
 */
export function bytesToText(b: Buffer): string {
  const text = b.toString('utf8')
  return Buffer.from(text, 'utf8').equals(b) ? text : b.toString('latin1')
}

/** A lab file's contents as bytes: text beyond Latin-1 as UTF-8, else one byte per character. */
export function textToBytes(s: string): Buffer {
  return /[^\u0000-\u00ff]/.test(s) ? Buffer.from(s, 'utf8') : Buffer.from(s, 'latin1')
}

export interface ServeOptions {
  info: Omit<ExperimentInfo, 'nodes'>
  /** Called once the lab is torn down after `stop`. */
  onStop: () => void
}

export class ExperimentServer {
  private readonly server: Server
  private readonly jobs = new Set<Job>()
  private stopping = false

  constructor(
    private readonly lab: Lab,
    private readonly opts: ServeOptions,
  ) {
    this.server = createServer((sock) => this.serve(sock))
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(path, () => {
        this.server.removeListener('error', reject)
        resolve()
      })
    })
  }

  info(): ExperimentInfo {
    return {
      ...this.opts.info,
      nodes: this.lab
        .nodes()
        .map((n) => ({ name: n.name, jail: n.ngId === null && n.vxlanIf === undefined })),
    }
  }

  /** Tears the lab down (idempotent): kills running commands, closes the socket, calls onStop. */
  stop(): void {
    if (this.stopping) return
    this.stopping = true
    for (const j of this.jobs) j.kill(9)
    this.lab.destroy()
    this.lab.host.clock.stop()
    // onStop removes the socket file and the log first: whoever waits for the socket to go sees both gone.
    this.opts.onStop()
    this.server.close()
  }

  private serve(sock: Socket): void {
    let first = true
    let onFrame: (f: Frame) => void = () => {}
    sock.on('error', () => sock.destroy())
    readFrames(sock, (f) => {
      if (!first) return onFrame(f)
      first = false
      onFrame = this.request(sock, f)
    })
  }

  /** Handles the first frame of a connection; returns the handler for the frames after it. */
  private request(sock: Socket, f: Frame): (f: Frame) => void {
    const reply = (r: Frame) => {
      void sendFrame(sock, r)
      sock.end()
    }
    switch (f.t) {
      case 'info':
        reply({ t: 'info', info: this.info() })
        break
      case 'stop':
        reply({ t: 'ok' })
        sock.once('close', () => this.stop())
        break
      case 'get': {
        const err = this.checkNode(f.node)
        if (err !== null) reply(err)
        else if (typeof f.path !== 'string') reply({ t: 'error', msg: 'bad request', code: 64 })
        else {
          const text = this.lab.nodeFs(f.node).read(f.path)
          if (text === undefined) reply({ t: 'error', msg: `${f.path}: No such file or directory`, code: 1 })
          else reply({ t: 'file', b64: textToBytes(text).toString('base64') })
        }
        break
      }
      case 'put': {
        const err = this.checkNode(f.node)
        if (err !== null) {
          reply(err)
          break
        }
        const bytes = Buffer.from(String(f.b64), 'base64')
        const fs = this.lab.nodeFs(f.node)
        if (typeof f.path !== 'string') reply({ t: 'error', msg: 'bad request', code: 64 })
        else if (bytes.length > MAX_FILE || !fs.truncate(f.path) || !fs.append(f.path, bytesToText(bytes)))
          reply({ t: 'error', msg: `${f.path}: No space left on device`, code: 1 })
        else reply({ t: 'ok' })
        break
      }
      case 'exec':
        return this.exec(sock, f)
      default:
        reply({ t: 'error', msg: `bad request '${f.t}'`, code: 64 })
    }
    return () => {}
  }

  private checkNode(node: unknown): Frame | null {
    if (typeof node !== 'string') return { t: 'error', msg: 'bad request', code: 64 }
    const n = this.lab.node(node)
    if (n === undefined)
      return { t: 'error', msg: `Error: cannot find node named ${node}`, code: EXIT_NO_NODE }
    if (n.ngId !== null || n.vxlanIf !== undefined)
      return { t: 'error', msg: `Node ${node} is not a jail.`, code: EXIT_NOT_JAIL }
    return null
  }

  private exec(sock: Socket, f: Frame & { t: 'exec' }): (f: Frame) => void {
    const err = this.checkNode(f.node)
    const argv = Array.isArray(f.argv) ? f.argv.map(String) : []
    if (err !== null) {
      void sendFrame(sock, err)
      sock.end()
      return () => {}
    }
    // stdin on demand: chunks the client sent, then its end of file.
    const chunks: string[] = []
    let eof = false
    let waiting: (() => void) | null = null
    const stdin: InStream = {
      read: async () => {
        if (chunks.length === 0 && !eof) {
          void sendFrame(sock, { t: 'read' })
          await new Promise<void>((r) => {
            waiting = r
          })
        }
        return chunks.shift() ?? null
      },
    }
    const out = (t: 'out' | 'err'): OutStream => ({ write: (d) => sendFrame(sock, { t, d }) })
    const io: Io = { stdin, stdout: out('out'), stderr: out('err') }
    let job: Job
    try {
      const cmd = argv.length === 0 ? ['sh'] : argv
      job = startProcess(this.lab.sys(f.node), cmd, io, {
        programs: this.lab.programs,
        fs: this.lab.nodeFs(f.node),
      })
    } catch (e) {
      if (!isSysError(e)) throw e
      // jexec's words when execvp fails.
      void sendFrame(sock, { t: 'err', d: `jexec: execvp: ${argv[0]}: No such file or directory\n` })
      void sendFrame(sock, { t: 'exit', code: 1 })
      sock.end()
      return () => {}
    }
    this.jobs.add(job)
    let done = false
    sock.once('close', () => {
      if (!done) job.kill(9)
    })
    void job.done.then((code) => {
      done = true
      this.jobs.delete(job)
      void sendFrame(sock, { t: 'exit', code })
      sock.end()
    })
    return (g) => {
      if (g.t === 'in' && typeof g.d === 'string') chunks.push(g.d)
      else if (g.t === 'eof') eof = true
      else if (g.t === 'sig' && Number.isInteger(g.n)) job.kill(g.n)
      else return
      const w = waiting
      waiting = null
      w?.()
    }
  }
}
