/**
 * lighttpd(8) 1.4 as a static-file server: `lighttpd -f FILE [-D] [-t] [-v]` reads lighttpd.conf
 * (lighttpd_conf.ts), checks it, and — unless `-D` — leaves a daemon serving the document root
 * over the stack's TCP with HTTP/1.1 (RFC 9112): GET and HEAD, index files, MIME types by
 * longest suffix, 301 to a directory's slash form, 403 for `url.access-deny` and excluded
 * extensions (there is no CGI here), 404, 400/405/501/505 for bad requests, persistent
 * connections with limits, the pid file, the error log and the access log (lighttpd's default
 * accesslog.format). Settings it does not know are reported by name and ignored, as are modules
 * it does not have. Must not: serve a path above the document root.
 */

import { AF_INET, type SockAddrIn, type SocketFd } from '../../../host/syscalls.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { utf8Decode, utf8Encode } from '../../../util/utf8.js'
import { anyHost, sockHost } from '../../common.js'
import { normalizePath } from '../../fs/chroot_fs.js'
import { getopt } from '../../getopt.js'
import { resolveHost } from '../../lib/libc/hosts.js'
import { latin1Bytes, StreamReader, writeAll } from '../../lib/libc/stream_io.js'
import { acceptLoop, listenTcp, probeBind } from '../../lib/libc/tcp_server.js'
import { clfDate, httpDate, logStamp } from '../../lib/libc/time_fmt.js'
import { HeadError, keepAlive, readHead } from '../../lib/libhttp/http_head.js'
import type { Command, Io, Proc } from '../../types.js'
import {
  ConfError,
  confList,
  confMap,
  confString,
  type LighttpdConf,
  parseLighttpdConf,
} from './lighttpd_conf.js'

export const VERSION = 'lighttpd/1.4.76'
const USAGE = `${VERSION} - a light and fast webserver
usage:
 -f <name>  filename of the config-file
 -m <name>  module directory (default: /usr/local/lib/lighttpd)
 -i <secs>  graceful shutdown after <secs> of inactivity
 -1         process single (one) request on stdin socket, then exit
 -p         print the parsed config-file in internal form, and exit
 -t         test config-file syntax, then exit
 -tt        test config-file syntax, load and init modules, then exit
 -D         don't go to background (default: go to background)
 -v         show version
 -V         show compile-time features
 -h         show this help
`

/** Keys this server acts on, or reads without needing to act (their effect is built in). */
const KNOWN: ReadonlySet<string> = new Set([
  'server.document-root',
  'server.port',
  'server.bind',
  'server.modules',
  'server.pid-file',
  'server.errorlog',
  'server.tag',
  'server.max-keep-alive-requests',
  'server.max-keep-alive-idle',
  'server.max-read-idle',
  'server.max-connections',
  'server.range-requests',
  'server.username',
  'server.groupname',
  'server.use-ipv6',
  'server.event-handler',
  'index-file.names',
  'mimetype.assign',
  'accesslog.filename',
  'url.access-deny',
  'static-file.exclude-extensions',
  'cgi.assign',
  'dir-listing.activate',
])

/** Modules whose work this server does (or whose absence changes nothing it serves). */
const MODULES: ReadonlySet<string> = new Set([
  'mod_access',
  'mod_accesslog',
  'mod_indexfile',
  'mod_staticfile',
  'mod_dirlisting',
])

const REASONS: ReadonlyMap<number, string> = new Map([
  [200, 'OK'],
  [301, 'Moved Permanently'],
  [400, 'Bad Request'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [411, 'Length Required'],
  [413, 'Payload Too Large'],
  [414, 'URI Too Long'],
  [431, 'Request Header Fields Too Large'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [505, 'HTTP Version Not Supported'],
])

const METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
  'PATCH',
])
const MAX_BODY = 1 << 20
const MAX_CONNS = 256

/** What the server needs from the configuration, checked. */
export interface Site {
  docroot: string
  port: number
  bind: string | undefined
  index: string[]
  mime: Map<string, string>
  deny: string[]
  exclude: string[]
  pidFile: string | undefined
  errorLog: string | undefined
  accessLog: string | undefined
  tag: string
  maxRequests: number
  idleNs: number
  readIdleNs: number
  warnings: string[]
}

function int(c: LighttpdConf, key: string, dflt: number): number {
  const v = c.values.get(key)
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : dflt
}

/** The site from a parsed configuration; throws ConfError as lighttpd refuses to start. */
export function siteOf(c: LighttpdConf): Site {
  const warnings: string[] = []
  for (const k of c.values.keys())
    if (!KNOWN.has(k) && !k.startsWith('var.')) warnings.push(`WARNING: unknown config-key: ${k} (ignored)`)
  for (const m of confList(c, 'server.modules'))
    if (!MODULES.has(m)) warnings.push(`${m}: not available here (ignored)`)
  for (const s of c.skipped) warnings.push(`${s}: conditional settings are not applied here`)
  const docroot = confString(c, 'server.document-root')
  if (docroot === undefined || docroot === '') throw new ConfError('document-root is not set')
  const port = int(c, 'server.port', 80)
  if (!(port > 0 && port < 65536)) throw new ConfError(`invalid server.port: ${port}`)
  return {
    docroot: docroot.replace(/\/+$/, ''),
    port,
    bind: confString(c, 'server.bind'),
    index: c.values.has('index-file.names') ? confList(c, 'index-file.names') : ['index.html'],
    mime: confMap(c, 'mimetype.assign'),
    deny: confList(c, 'url.access-deny'),
    exclude: confList(c, 'static-file.exclude-extensions'),
    pidFile: confString(c, 'server.pid-file'),
    errorLog: confString(c, 'server.errorlog'),
    accessLog: confString(c, 'accesslog.filename'),
    tag: confString(c, 'server.tag') ?? VERSION,
    maxRequests: int(c, 'server.max-keep-alive-requests', 1000),
    idleNs: int(c, 'server.max-keep-alive-idle', 5) * SEC,
    readIdleNs: int(c, 'server.max-read-idle', 60) * SEC,
    warnings,
  }
}

/** Longest matching suffix wins; `""` is the default; none at all gives application/octet-stream. */
export function mimeType(site: Site, path: string): string {
  let best = ''
  let type: string | undefined
  for (const [suffix, t] of site.mime)
    if (path.endsWith(suffix) && (type === undefined || suffix.length > best.length)) {
      best = suffix
      type = t
    }
  return type ?? 'application/octet-stream'
}

function errorBody(status: number): string {
  const title = `${status} ${REASONS.get(status) ?? ''}`
  return `<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
         "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>${title}</title>
 </head>
 <body>
  <h1>${title}</h1>
 </body>
</html>
`
}

export interface Reply {
  status: number
  headers: Array<[string, string]>
  body: Uint8Array
}

/** Percent-decoding of a path (RFC 3986 §2.1); null for a bad escape or an encoded NUL or slash-dot trick. */
function decodePath(p: string): string | null {
  if (!/^(?:[^%]|%[0-9A-Fa-f]{2})*$/.test(p)) return null
  const bytes: number[] = []
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '%') {
      bytes.push(Number.parseInt(p.slice(i + 1, i + 3), 16))
      i += 2
    } else for (const b of utf8Encode(p[i]!)) bytes.push(b)
  }
  if (bytes.includes(0)) return null
  return utf8Decode(new Uint8Array(bytes))
}

/** The response to one request for a static file, without Date/Server/Connection. */
export function respond(proc: Proc, site: Site, method: string, target: string, host: string): Reply {
  const error = (status: number, extra: Array<[string, string]> = []): Reply => ({
    status,
    headers: [['Content-Type', 'text/html'], ...extra],
    body: utf8Encode(errorBody(status)),
  })
  if (!METHODS.has(method)) return error(501)
  let path = target
  const abs = /^https?:\/\/[^/]*(\/.*)?$/i.exec(target)
  if (abs !== null) path = abs[1] ?? '/'
  if (method === 'OPTIONS' && path === '*')
    return { status: 200, headers: [['Allow', 'OPTIONS, GET, HEAD, POST']], body: new Uint8Array(0) }
  if (!path.startsWith('/')) return error(400)
  path = path.replace(/[?#].*$/, '')
  const decoded = decodePath(path)
  if (decoded === null) return error(400)
  const rel = normalizePath(decoded) + (decoded.endsWith('/') && decoded !== '/' ? '/' : '')
  if (method === 'OPTIONS')
    return { status: 200, headers: [['Allow', 'OPTIONS, GET, HEAD, POST']], body: new Uint8Array(0) }
  if (site.deny.some((s) => s !== '' && rel.endsWith(s))) return error(403)
  let file = site.docroot + rel
  if (rel.endsWith('/')) {
    const idx = site.index.map((n) => file + n).find((f) => proc.fs.has(f))
    if (idx === undefined) return error(proc.fs.readdir(file) !== undefined ? 403 : 404)
    file = idx
  } else if (!proc.fs.has(file)) {
    if (proc.fs.readdir(file) !== undefined) return error(301, [['Location', `http://${host}${rel}/`]])
    return error(404)
  }
  if (site.exclude.some((s) => file.endsWith(s))) return error(403)
  if (method !== 'GET' && method !== 'HEAD') return error(405, [['Allow', 'OPTIONS, GET, HEAD']])
  const body = utf8Encode(proc.fs.read(file) ?? '')
  return {
    status: 200,
    headers: [
      ['Content-Type', mimeType(site, file)],
      ['ETag', `"${etag(body)}"`],
      ['Last-Modified', httpDate(0)],
      ['Accept-Ranges', 'bytes'],
    ],
    body,
  }
}

/** A weak content hash (FNV-1a) standing in for lighttpd's inode/mtime/size ETag. */
function etag(b: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193) >>> 0
  return h
}

interface Logs {
  access(line: string): void
}

/** Serves one connection: requests until close, an error, the idle limit or the request limit. */
export async function serveConnection(
  proc: Proc,
  site: Site,
  fd: SocketFd,
  from: SockAddrIn,
  logs: Logs,
): Promise<void> {
  // One reader for the connection: a pipelined request may already sit in its buffer.
  const reader = new StreamReader(fd, site.readIdleNs)
  for (let n = 1; ; n++) {
    // The first request may take server.max-read-idle to come, later ones max-keep-alive-idle.
    if (n > 1) reader.timeoutNs = site.idleNs
    let head: Awaited<ReturnType<typeof readHead>>
    let status = 0
    try {
      head = await readHead(reader, { maxLine: 8192, maxFields: 100 })
    } catch (e) {
      if (e instanceof HeadError) status = 400
      else if (isSysError(e)) return
      else throw e
      head = null
    }
    if (head === null && status === 0) return
    const now = Math.floor(proc.sys.now() / SEC)
    const m = head === null ? null : /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP\/\d\.\d)$/.exec(head.start)
    let reply: Reply
    let persist = false
    let method = 'GET'
    const version = m?.[3] ?? 'HTTP/1.0'
    const host = head?.headers.get('host') ?? ''
    if (m === null || head === null) reply = respondError(400)
    else if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') reply = respondError(505)
    else if (version === 'HTTP/1.1' && !head.headers.has('host')) reply = respondError(400)
    else {
      method = m[1]!
      const te = head.headers.get('transfer-encoding')
      const len = head.headers.get('content-length')
      if (te !== undefined) reply = respondError(411)
      else if (len !== undefined && !/^\d+$/.test(len)) reply = respondError(400)
      else if (len !== undefined && Number(len) > MAX_BODY) reply = respondError(413)
      else {
        // A request body is read and dropped: no handler here takes one.
        if (len !== undefined && Number(len) > 0 && (await reader.readExact(Number(len))) === null) return
        reply = respond(proc, site, method, m[2]!, host)
        persist = keepAlive(version, head.headers) && n < site.maxRequests
      }
    }
    const lines = [
      `${version === 'HTTP/1.0' ? 'HTTP/1.0' : 'HTTP/1.1'} ${reply.status} ${REASONS.get(reply.status) ?? ''}`,
    ]
    for (const [k, v] of reply.headers) lines.push(`${k}: ${v}`)
    lines.push(`Content-Length: ${reply.body.length}`)
    if (version === 'HTTP/1.0' && persist) lines.push('Connection: keep-alive')
    else if (!persist) lines.push('Connection: close')
    lines.push(`Date: ${httpDate(now)}`, `Server: ${site.tag}`, '', '')
    try {
      await writeAll(fd, latin1Bytes(lines.join('\r\n')))
      if (method !== 'HEAD' && reply.body.length > 0) await writeAll(fd, reply.body)
    } catch (e) {
      if (isSysError(e)) return
      throw e
    }
    const ua = head?.headers.get('user-agent') ?? '-'
    const ref = head?.headers.get('referer') ?? '-'
    logs.access(
      `${sockHost(from)} ${host || '-'} - ${clfDate(now)} "${head?.start ?? '-'}" ${reply.status} ${method === 'HEAD' ? 0 : reply.body.length} "${ref}" "${ua}"`,
    )
    if (!persist) return
  }
}

function respondError(status: number): Reply {
  return { status, headers: [['Content-Type', 'text/html']], body: utf8Encode(errorBody(status)) }
}

function append(proc: Proc, path: string | undefined, line: string): void {
  if (path !== undefined) proc.fs.append(path, `${line}\n`)
}

const nullOut = { write: () => {} }

export const lighttpd: Command = async (argv, io, proc) => {
  const g = getopt('lighttpd', argv.slice(1), 'f:m:i:1ptDvVh')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 255
  }
  let conf: string | undefined
  let foreground = false
  let test = 0
  for (const [f, a] of g.opts) {
    if (f === 'f') conf = a
    else if (f === 'D') foreground = true
    else if (f === 't') test++
    else if (f === 'p') test = 1
    else if (f === 'v' || f === 'V') {
      io.stdout.write(`${VERSION} - a light and fast webserver\n`)
      return 0
    } else if (f === 'h') {
      io.stdout.write(USAGE)
      return 0
    }
  }
  const err = (s: string): number => {
    io.stderr.write(`${s}\n`)
    return 255
  }
  if (conf === undefined) return err('No configuration available. Try using -f option.')
  const text = proc.fs.read(conf)
  if (text === undefined)
    return err(`(configfile.c) opening configfile ${conf} failed: No such file or directory`)
  let site: Site
  try {
    site = siteOf(parseLighttpdConf(text, conf))
  } catch (e) {
    if (!(e instanceof ConfError)) throw e
    return err(`(configfile.c) ${e.message}`)
  }
  if (test > 0) {
    io.stdout.write('Syntax OK\n')
    return 0
  }
  for (const w of site.warnings) io.stderr.write(`(server.c) ${w}\n`)
  const local = site.bind === undefined ? anyHost(AF_INET) : resolveHost(proc, site.bind)
  if (local === null)
    return err(`(network.c) getaddrinfo failed: hostname nor servname provided, or not known '${site.bind}'`)
  if (!foreground) {
    try {
      probeBind(proc, local, site.port)
    } catch (e) {
      if (!isSysError(e)) throw e
      return err(`(network.c) bind() ${site.bind ?? '0.0.0.0'}:${site.port}: ${e.strerror}`)
    }
    // daemon(3): the child serves; this process has checked what it could and returns.
    proc.spawn(['lighttpd', '-D', '-f', conf], {
      stdin: { read: async () => null },
      stdout: nullOut,
      stderr: nullOut,
    })
    return 0
  }
  return serve(proc, io, site, local)
}

async function serve(
  proc: Proc,
  io: Io,
  site: Site,
  local: NonNullable<ReturnType<typeof resolveHost>>,
): Promise<number> {
  let s: SocketFd
  try {
    s = listenTcp(proc, local, site.port, 1024)
  } catch (e) {
    if (!isSysError(e)) throw e
    io.stderr.write(`(network.c) bind() ${site.bind ?? '0.0.0.0'}:${site.port}: ${e.strerror}\n`)
    return 255
  }
  const stamp = () => logStamp(Math.floor(proc.sys.now() / SEC))
  if (site.pidFile !== undefined && proc.fs.truncate(site.pidFile))
    proc.fs.append(site.pidFile, `${proc.pid}\n`)
  append(proc, site.errorLog, `${stamp()}: (server.c) server started (${VERSION})`)
  const logs: Logs = { access: (line) => append(proc, site.accessLog, line) }
  await acceptLoop(proc, s, MAX_CONNS, (fd, from) => serveConnection(proc, site, fd, from, logs))
  if (site.pidFile !== undefined) proc.fs.remove(site.pidFile)
  return 0
}
