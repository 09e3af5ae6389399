/**
 * The head of an HTTP/1.1 message (RFC 9112 §2–5): a start line, then header fields up to an
 * empty line, read from a stream socket. One parser for both sides: fetch(1) reads responses
 * with it, lighttpd requests. Field names are lower-cased; repeated fields are joined with `, `
 * (RFC 9110 §5.3). Bounded: a line past `maxLine` bytes or more than `maxFields` fields is an
 * error (HeadError), as is a field line without a colon or with space before it (§5.1).
 */

import type { StreamReader } from '../libc/stream_io.js'

export class HeadError extends Error {}

export interface Head {
  start: string
  headers: Map<string, string>
}

export interface HeadLimits {
  maxLine?: number
  maxFields?: number
}

/**
 * Reads a message head; null when the stream ends before a start line (a closed keep-alive
 * connection). Leading empty lines are skipped (RFC 9112 §2.2's robustness rule).
 */
export async function readHead(reader: StreamReader, limits: HeadLimits = {}): Promise<Head | null> {
  const maxLine = limits.maxLine ?? 8192
  const maxFields = limits.maxFields ?? 100
  let start = await reader.readLine(maxLine)
  while (start === '') start = await reader.readLine(maxLine)
  if (start === null) return null
  const headers = new Map<string, string>()
  for (let n = 0; ; n++) {
    const line = await reader.readLine(maxLine)
    if (line === null) throw new HeadError('end of stream in the header')
    if (line === '') return { start, headers }
    if (n >= maxFields) throw new HeadError('too many header fields')
    const c = line.indexOf(':')
    if (c <= 0 || /\s/.test(line[c - 1]!)) throw new HeadError('bad header field')
    const name = line.slice(0, c).toLowerCase()
    const value = line.slice(c + 1).trim()
    const old = headers.get(name)
    headers.set(name, old === undefined ? value : `${old}, ${value}`)
  }
}

/** Whether the connection persists after this message (RFC 9112 §9.3). */
export function keepAlive(version: string, headers: ReadonlyMap<string, string>): boolean {
  const tokens = (headers.get('connection') ?? '').toLowerCase().split(/\s*,\s*/)
  if (tokens.includes('close')) return false
  return version === 'HTTP/1.1' || tokens.includes('keep-alive')
}
