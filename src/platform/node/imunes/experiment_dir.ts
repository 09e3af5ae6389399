/**
 * Where background labs (experiments) are found: one unix-domain socket per experiment, named
 * after its id, in a runtime directory private to the user — `$VIRTNET_RUNTIME_DIR`, else
 * `$XDG_RUNTIME_DIR/virtnet`, else `/tmp/virtnet-UID` — made mode 0700 and refused when another
 * user owns it or others may write it (a socket there is a way into the user's labs). Nothing
 * listens on TCP. Also the wire format both ends speak: one JSON object per line.
 *
 * A socket whose experiment is gone (the process died without cleaning up) refuses connections;
 * listing experiments removes it and its log.
 */

import { randomBytes } from 'node:crypto'
import { lstatSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** IMUNES's experiment ids: `i` and five hex digits (`i1a2b3`). */
export function newEid(): string {
  return `i${randomBytes(3).toString('hex').slice(0, 5)}`
}

export const EID_FORMAT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/

export class RuntimeDirError extends Error {}

/** The runtime directory, created if missing; throws RuntimeDirError when it is not safe. */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0
  const dir =
    env.VIRTNET_RUNTIME_DIR ??
    (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'virtnet') : join(tmpdir(), `virtnet-${uid}`))
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (e) {
    throw new RuntimeDirError(`${dir}: ${(e as Error).message}`)
  }
  const st = lstatSync(dir)
  if (!st.isDirectory()) throw new RuntimeDirError(`${dir}: not a directory`)
  if (st.uid !== uid) throw new RuntimeDirError(`${dir}: owned by uid ${st.uid}, not ${uid}`)
  if ((st.mode & 0o022) !== 0) throw new RuntimeDirError(`${dir}: writable by others`)
  return dir
}

export function socketPath(dir: string, eid: string): string {
  return join(dir, `${eid}.sock`)
}

export function logPath(dir: string, eid: string): string {
  return join(dir, `${eid}.log`)
}

/** What an experiment says about itself (`info`). */
export interface ExperimentInfo {
  eid: string
  /** The topology's name. */
  name: string
  file: string
  /** Seconds since the epoch when it started. */
  started: number
  pid: number
  /** Every node, in topology order, with whether it has a shell (pc, host, router). */
  nodes: Array<{ name: string; jail: boolean }>
}

/** Frames: one JSON object per line. Data strings carry text; files travel as base64. */
export type Frame =
  | { t: 'exec'; node: string; argv: string[] }
  | { t: 'get'; node: string; path: string }
  | { t: 'put'; node: string; path: string; b64: string }
  | { t: 'info' }
  | { t: 'stop' }
  | { t: 'in'; d: string }
  | { t: 'eof' }
  | { t: 'sig'; n: number }
  | { t: 'read' }
  | { t: 'out'; d: string }
  | { t: 'err'; d: string }
  | { t: 'exit'; code: number }
  | { t: 'file'; b64: string }
  | { t: 'ok' }
  | { t: 'info'; info: ExperimentInfo }
  | { t: 'error'; msg: string; code: number }

/** Longest frame either end accepts: a file of 16 MiB in base64 and then some. */
export const MAX_FRAME = 24 * 1024 * 1024

/** Calls `onFrame` for each line-delimited JSON frame; a bad or oversized frame ends the socket. */
export function readFrames(sock: Socket, onFrame: (f: Frame) => void): void {
  let buf = ''
  sock.setEncoding('utf8')
  sock.on('data', (chunk: string) => {
    buf += chunk
    for (;;) {
      const nl = buf.indexOf('\n')
      if (nl < 0) break
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      let f: Frame
      try {
        f = JSON.parse(line) as Frame
      } catch {
        sock.destroy()
        return
      }
      if (typeof f !== 'object' || f === null || typeof f.t !== 'string') {
        sock.destroy()
        return
      }
      onFrame(f)
    }
    if (buf.length > MAX_FRAME) sock.destroy()
  })
}

/** Writes a frame; resolves when the socket can take more. */
export function sendFrame(sock: Socket, f: Frame): Promise<void> | undefined {
  if (sock.destroyed) return undefined
  return sock.write(`${JSON.stringify(f)}\n`) ? undefined : new Promise((r) => sock.once('drain', r))
}

/** Connects to an experiment's socket; rejects with the errno code (ENOENT, ECONNREFUSED). */
export function connectTo(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path)
    s.once('connect', () => {
      s.removeAllListeners('error')
      resolve(s)
    })
    s.once('error', reject)
  })
}

/** One request, one reply (info, get, put, stop). */
export async function request(path: string, f: Frame): Promise<Frame> {
  const s = await connectTo(path)
  return new Promise((resolve, reject) => {
    let got: Frame | null = null
    readFrames(s, (r) => {
      got ??= r
      s.end()
    })
    s.on('error', reject)
    s.on('close', () => (got === null ? reject(new Error('connection closed')) : resolve(got)))
    void sendFrame(s, f)
  })
}

/** The live experiments in `dir`, asking each for its info; sockets nobody answers are removed. */
export async function listExperiments(dir: string): Promise<ExperimentInfo[]> {
  const out: ExperimentInfo[] = []
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.sock')) continue
    const eid = f.slice(0, -5)
    const path = join(dir, f)
    try {
      const r = await request(path, { t: 'info' })
      if (r.t === 'info' && 'info' in r) out.push(r.info)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ECONNREFUSED' || code === 'ENOENT') {
        for (const p of [path, logPath(dir, eid)])
          try {
            unlinkSync(p)
          } catch {
            // already gone
          }
      }
    }
  }
  return out
}
