/**
 * fetch(1): retrieve a file by URL, as FreeBSD's fetch does through libfetch — an HTTP/1.1 GET over
 * TCP (Host, User-Agent and `Connection: close`), bodies delimited by Content-Length, chunked
 * transfer coding or the end of the connection, redirects followed up to libfetch's limit
 * (MAX_REDIRECT requests; `-A` follows none), written to a file (`-o file`, or the URL's last path
 * component, or `fetch.out`) or to standard output (`-o -`). Errors use fetch's wording
 * (`URL: Not Found`, `URL: Connection refused`, `transfer timed out`, `... appears to be
 * truncated`) and exit 1. `-q` hides the transfer report, `-v` narrates, `-T` bounds the wait.
 *
 * Files and standard output are text here, so bodies are carried as UTF-8, as nc does.
 */

import { SOCK, type SocketFd } from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { CmdError, runTool } from '../../common.js'
import { getopt } from '../../getopt.js'
import { lookupHost } from '../../lib/libc/hosts.js'
import { latin1Bytes, StreamReader, writeAll } from '../../lib/libc/stream_io.js'
import { Utf8Stream } from '../../lib/libc/utf8_stream.js'
import { type Head, HeadError, readHead } from '../../lib/libhttp/http_head.js'
import type { Command, Io, Proc } from '../../types.js'

const USAGE = [
  'usage: fetch [-146AadFlMmnPpqRrsUv] [-B bytes] [-N file] [-o file] [-S bytes]',
  '       [-T seconds] [-w seconds] [-i file] URL ...',
  '       fetch [-146AadFlMmnPpqRrsUv] [-B bytes] [-N file] [-o file] [-S bytes]',
  '       [-T seconds] [-w seconds] [-i file] -h host -f file [-c dir]',
].join('\n')

/** libfetch's MAX_REDIRECT: requests made for one URL, the first included. */
export const MAX_REDIRECT = 20
/** fetch's TIMEOUT: the default HTTP_TIMEOUT, in seconds. */
const TIMEOUT = 120

/** http.errors: the reason libfetch gives for each status (fetchLastErrString). */
const HTTP_ERRORS: ReadonlyMap<number, string> = new Map([
  [300, 'Multiple Choices'],
  [301, 'Moved Permanently'],
  [302, 'Moved Temporarily'],
  [303, 'See Other'],
  [304, 'Not Modified'],
  [305, 'Use Proxy'],
  [307, 'Temporary Redirect'],
  [308, 'Permanent Redirect'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [402, 'Payment Required'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [406, 'Not Acceptable'],
  [407, 'Proxy Authentication Required'],
  [408, 'Request Time-out'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [411, 'Length Required'],
  [412, 'Precondition Failed'],
  [413, 'Request Entity Too Large'],
  [414, 'Request-URI Too Large'],
  [415, 'Unsupported Media Type'],
  [416, 'Requested Range Not Satisfiable'],
  [417, 'Expectation Failed'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Time-out'],
  [505, 'HTTP Version not supported'],
  [999, 'Protocol error'],
])

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

export interface Url {
  scheme: string
  host: string
  port: number
  /** The document: path and query, `/` at least. */
  doc: string
}

/** fetchParseURL for http URLs; null on a parse error. Relative references resolve against `base`. */
export function parseUrl(s: string, base?: Url): Url | null {
  // An IPv6 literal comes in brackets (RFC 3986 §3.2.2); the host keeps it without them.
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]/]*\]|[^/:?#]*)(?::(\d*))?([^#]*)/.exec(s)
  if (m === null) {
    if (base === undefined || s === '') return null
    const doc = s.startsWith('/') ? s : base.doc.replace(/[^/]*$/, '') + s
    return { ...base, doc }
  }
  const scheme = m[1]!.toLowerCase()
  const port = m[3] === undefined || m[3] === '' ? defaultPort(scheme) : Number(m[3])
  if (!(port >= 0 && port <= 65535)) return null
  const doc = m[4] === '' ? '/' : m[4]!.startsWith('/') ? m[4]! : `/${m[4]}`
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!
  return { scheme, host, port, doc }
}

function defaultPort(scheme: string): number {
  return scheme === 'https' ? 443 : scheme === 'ftp' ? 21 : 80
}

/** A failure as fetchLastErrString words it. */
class FetchError extends Error {}

interface Opts {
  out: string | null
  verbose: number
  noRedirect: boolean
  once: boolean
  sizeOnly: boolean
  expectSize: number
  /** Seconds; 0 for HTTP_TIMEOUT's value. */
  timeout: number
}

interface Response {
  fd: SocketFd
  reader: StreamReader
  status: number
  headers: Map<string, string>
  /** Content-Length, or -1. */
  size: number
  chunked: boolean
}

function options(argv: readonly string[]): { o: Opts; urls: string[] } {
  const r = getopt('fetch', argv.slice(1), '146AaB:bc:dFf:Hh:i:lMmN:nPpo:qRrS:sT:tUvw:')
  if (typeof r === 'string') throw new CmdError(`${r}\n${USAGE}`, 1, true)
  const o: Opts = {
    out: null,
    verbose: 1,
    noRedirect: false,
    once: false,
    sizeOnly: false,
    expectSize: 0,
    timeout: 0,
  }
  const num = (arg: string, what: string): number => {
    if (!/^-?\d+$/.test(arg)) throw new CmdError(`invalid ${what} (${arg})`)
    return Number(arg)
  }
  for (const [f, arg] of r.opts) {
    if (f === 'o') o.out = arg
    else if (f === 'q') o.verbose = 0
    else if (f === 'v') o.verbose++
    else if (f === 'A') o.noRedirect = true
    else if (f === '1') o.once = true
    else if (f === 's') o.sizeOnly = true
    else if (f === 'S') o.expectSize = num(arg, 'size')
    else if (f === 'T') o.timeout = num(arg, 'timeout')
    else if (f === 'B') num(arg, 'buffer size')
    else if (f === 'w') num(arg, 'delay')
    else if (f === 'h' || f === 'f' || f === 'c' || f === 'i' || f === '6')
      throw new CmdError(`-${f}: not supported by this fetch`)
    // The rest (-4 -a -d -F -l -M -m -N -n -P -p -R -r -U) change nothing for HTTP here.
  }
  if (r.rest.length === 0) throw new CmdError(USAGE, 1, true)
  return { o, urls: r.rest }
}

/** The sockets a transfer has open: closed at once when its alarm goes off or it is killed. */
type Live = Set<SocketFd>

/** One HTTP/1.1 exchange up to the end of the headers. */
async function request(
  proc: Proc,
  io: Io,
  url: Url,
  o: Opts,
  timeoutNs: number,
  live: Live,
): Promise<Response> {
  if (url.scheme !== 'http') throw new FetchError('Invalid URL scheme')
  if (o.verbose > 1) io.stderr.write(`looking up ${url.host}\n`)
  const addr = await lookupHost(proc, url.host)
  if (addr === null) throw new FetchError('No address record')
  if (o.verbose > 1) io.stderr.write(`connecting to ${url.host}:${url.port}\n`)
  const fd = proc.sys.socket(addr.family, SOCK.STREAM)
  live.add(fd)
  try {
    await fd.connect({ ...addr.sa, port: url.port })
    if (o.verbose > 1)
      io.stderr.write(
        `requesting http://${url.host.includes(':') ? `[${url.host}]` : url.host}${portSuffix(url)}${url.doc}\n`,
      )
    const req =
      `GET ${url.doc} HTTP/1.1\r\n` +
      `Host: ${url.host.includes(':') ? `[${url.host}]` : url.host}${portSuffix(url)}\r\n` +
      'User-Agent: fetch libfetch/2.0\r\n' +
      'Connection: close\r\n\r\n'
    await writeAll(fd, latin1Bytes(req))
    const reader = new StreamReader(fd, timeoutNs)
    let head: Head | null
    try {
      head = await readHead(reader)
    } catch (e) {
      if (e instanceof HeadError) throw new FetchError('Protocol error')
      throw e
    }
    const status = parseStatus(head?.start ?? null)
    const headers = head!.headers
    const len = headers.get('content-length')
    const size = len !== undefined && /^\d+$/.test(len) ? Number(len) : -1
    const chunked = (headers.get('transfer-encoding') ?? '').toLowerCase() === 'chunked'
    return { fd, reader, status, headers, size: chunked ? -1 : size, chunked }
  } catch (e) {
    fd.close()
    live.delete(fd)
    throw e
  }
}

function portSuffix(url: Url): string {
  return url.port === defaultPort(url.scheme) ? '' : `:${url.port}`
}

/** http_get_reply: `HTTP/1.x NNN reason`; 999 for anything else. */
function parseStatus(line: string | null): number {
  const m = line === null ? null : /^HTTP(?:\/1\.[01])? (\d{3})/.exec(line)
  if (m === null) throw new FetchError('Protocol error')
  return Number(m[1])
}

/** The GET with its redirects: the response whose body is the document. */
async function get(
  proc: Proc,
  io: Io,
  start: Url,
  o: Opts,
  timeoutNs: number,
  live: Live,
): Promise<Response> {
  let url = start
  const n = o.noRedirect ? 1 : MAX_REDIRECT
  let last = 0
  for (let i = 0; i < n; i++) {
    const r = await request(proc, io, url, o, timeoutNs, live)
    last = r.status
    if (r.status === 200) return r
    r.fd.close()
    live.delete(r.fd)
    if (!REDIRECTS.has(r.status)) throw new FetchError(HTTP_ERRORS.get(r.status) ?? 'Unknown HTTP error')
    const loc = r.headers.get('location')
    const next = loc === undefined ? null : parseUrl(loc, url)
    if (next === null) throw new FetchError(HTTP_ERRORS.get(r.status)!)
    if (o.verbose > 1) io.stderr.write(`${HTTP_ERRORS.get(r.status)}: ${loc}\n`)
    url = next
  }
  throw new FetchError(HTTP_ERRORS.get(last)!)
}

/** The body's bytes as they arrive; null at its end. A broken chunk framing is a protocol error. */
async function* body(r: Response): AsyncGenerator<Uint8Array> {
  if (!r.chunked) {
    let left = r.size
    while (left !== 0) {
      const b = await r.reader.read(left > 0 ? Math.min(left, 65536) : 65536)
      if (b.length === 0) return
      if (left > 0) left -= b.length
      yield b
    }
    return
  }
  for (;;) {
    const line = await r.reader.readLine()
    const m = line === null ? null : /^([0-9A-Fa-f]+)/.exec(line)
    if (m === null) throw new FetchError('Protocol error')
    let left = Number.parseInt(m[1]!, 16)
    if (left === 0) return
    while (left > 0) {
      const b = await r.reader.read(Math.min(left, 65536))
      if (b.length === 0) return
      left -= b.length
      yield b
    }
    const crlf = await r.reader.readLine()
    if (crlf === null || crlf !== '') throw new FetchError('Protocol error')
  }
}

/** stat_bytes(): `%4d %cB` with 1024-steps once above 9999. */
export function statBytes(n: number): string {
  const prefixes = ' kMGTP'
  let i = 0
  while (n > 9999 && i < prefixes.length - 1) {
    n = Math.floor(n / 1024)
    i++
  }
  return `${String(n).padStart(4)} ${prefixes[i]}B`
}

function statBps(bytes: number, ns: number): string {
  if (ns <= 0) return '?? Bps'
  return `${statBytes(Math.floor(bytes / (ns / SEC)))}ps`
}

async function fetchOne(proc: Proc, io: Io, urlText: string, path: string, o: Opts): Promise<boolean> {
  const warn = (s: string): void => void io.stderr.write(`fetch: ${s}\n`)
  if (urlText === '') {
    warn('empty URL')
    return false
  }
  const url = parseUrl(urlText)
  if (url === null) {
    warn(`${urlText}: parse error`)
    return false
  }
  const timeoutNs = (o.timeout !== 0 ? o.timeout : TIMEOUT) * SEC
  // alarm(timeout) around the request: connecting and the headers must be done by then.
  const deadline = proc.sys.now() + timeoutNs
  const live: Live = new Set()
  const closeAll = (): void => {
    for (const fd of live) fd.close()
    live.clear()
  }
  const offKill = proc.onKill(closeAll)
  try {
    return await transfer(proc, io, urlText, url, path, o, timeoutNs, deadline, live)
  } finally {
    offKill()
    closeAll()
  }
}

async function transfer(
  proc: Proc,
  io: Io,
  urlText: string,
  url: Url,
  path: string,
  o: Opts,
  timeoutNs: number,
  deadline: number,
  live: Live,
): Promise<boolean> {
  const warn = (s: string): void => void io.stderr.write(`fetch: ${s}\n`)
  const toStdout = path === '-'
  let r: Response
  try {
    r = await withDeadline(proc, deadline, get(proc, io, url, o, timeoutNs, live), () => {
      for (const fd of live) fd.close()
    })
  } catch (e) {
    if (e === TIMED_OUT || (isSysError(e) && e.code === 'EAGAIN')) warn('transfer timed out')
    else if (e instanceof FetchError) warn(`${urlText}: ${e.message}`)
    else if (isSysError(e)) warn(`${urlText}: ${e.strerror}`)
    else throw e
    return false
  }
  if (o.sizeOnly) {
    io.stdout.write(r.size === -1 ? 'Unknown\n' : `${r.size}\n`)
    return true
  }
  if (o.expectSize !== 0) {
    if (r.size === -1) warn(`${urlText}: size unknown`)
    else if (r.size !== o.expectSize) {
      warn(`${urlText}: size mismatch: expected ${o.expectSize}, actual ${r.size}`)
      return false
    }
  }
  if (r.size === -1 && !toStdout && o.verbose > 0) warn(`${urlText}: size of remote file is not known`)
  if (o.verbose > 1 && r.size !== -1) io.stderr.write(`remote size / mtime: ${r.size} / 0\n`)
  if (!toStdout && !proc.fs.truncate(path)) {
    warn(`${path}: open(): Too many open files`)
    return false
  }
  const start = proc.sys.now()
  if (o.verbose > 0) io.stderr.write(path.padEnd(46))
  let count = 0
  let timedOut = false
  const text = new Utf8Stream()
  try {
    for await (const b of body(r)) {
      count += b.length
      const s = text.push(b)
      if (toStdout) await io.stdout.write(s)
      else proc.fs.append(path, s)
    }
  } catch (e) {
    if (isSysError(e) && (e.code === 'EAGAIN' || e.code === 'ETIMEDOUT')) timedOut = true
    else if (e instanceof FetchError || isSysError(e)) {
      if (o.verbose > 0)
        io.stderr.write(`        ${statBytes(count)} ${statBps(count, proc.sys.now() - start)}\n`)
      warn(`${urlText}: ${e instanceof FetchError ? e.message : e.strerror}`)
      if (!toStdout) proc.fs.remove(path)
      return false
    } else throw e
  }
  const tail = text.end()
  if (toStdout) await io.stdout.write(tail)
  else proc.fs.append(path, tail)
  if (o.verbose > 0)
    io.stderr.write(`        ${statBytes(count)} ${statBps(count, proc.sys.now() - start)}\n`)
  if (timedOut) warn('transfer timed out')
  if (r.size !== -1 && count < r.size) {
    warn(`${path} appears to be truncated: ${count}/${r.size} bytes`)
    return false
  }
  if (timedOut) {
    warn(`${path} may be truncated`)
    return false
  }
  return true
}

const TIMED_OUT = Symbol('timeout')

/** Races `p` against the process's alarm at `deadline`: then `onAlarm` runs and TIMED_OUT is thrown. */
async function withDeadline<T>(proc: Proc, deadline: number, p: Promise<T>, onAlarm: () => void): Promise<T> {
  let settled = false
  const done = p.finally(() => {
    settled = true
  })
  // The loser of the race must not surface as an unhandled rejection.
  done.catch(() => {})
  await proc.sleep(Math.max(0, deadline - proc.sys.now()), done)
  if (!settled) {
    onAlarm()
    throw TIMED_OUT
  }
  return done
}

export const fetch: Command = (argv, io, proc) =>
  runTool('fetch', io, async () => {
    const { o, urls } = options(argv)
    let status = 0
    for (const u of urls) {
      const slash = u.lastIndexOf('/')
      const base = slash < 0 ? u : u.slice(slash + 1)
      const path = o.out ?? (base === '' ? 'fetch.out' : base)
      const ok = await fetchOne(proc, io, u, path, o)
      if (proc.killed) return 1
      if (ok && o.once) return 0
      if (!ok) status = 1
    }
    return status
  })
