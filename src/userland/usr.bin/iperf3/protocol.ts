/**
 * The iperf3 wire protocol (esnet/iperf's iperf_api.c, iperf_tcp.c, iperf_udp.c), so that a
 * stock iperf3 can be the peer: the 37-byte cookie (36 characters of a base32 alphabet and a
 * NUL) that opens the control connection and every TCP data connection, the one-byte states the
 * control connection carries, the parameters and results as JSON behind a 4-byte big-endian
 * length, the UDP "connect" datagram and its reply, and the 12-byte header of UDP test packets.
 *
 * Pure encoding and decoding; the programs do the I/O.
 */

import { utf8Decode, utf8Encode } from '../../../util/utf8.js'
import { type StreamFd, type StreamReader, writeAll } from '../../lib/libc/stream_io.js'

/** Control states (iperf_api.h), as the signed byte sent on the control connection. */
export const STATE = {
  TEST_START: 1,
  TEST_RUNNING: 2,
  TEST_END: 4,
  PARAM_EXCHANGE: 9,
  CREATE_STREAMS: 10,
  SERVER_TERMINATE: 11,
  CLIENT_TERMINATE: 12,
  EXCHANGE_RESULTS: 13,
  DISPLAY_RESULTS: 14,
  IPERF_START: 15,
  IPERF_DONE: 16,
  ACCESS_DENIED: -1,
  SERVER_ERROR: -2,
} as const

export const COOKIE_SIZE = 37
const COOKIE_CHARS = 'abcdefghijklmnopqrstuvwxyz234567'

/** make_cookie: 36 characters from the base32 alphabet and a NUL, from `random` (36+ bytes). */
export function makeCookie(random: Uint8Array): Uint8Array {
  const out = new Uint8Array(COOKIE_SIZE)
  for (let i = 0; i < COOKIE_SIZE - 1; i++) out[i] = COOKIE_CHARS.charCodeAt(random[i]! % 32)
  return out
}

export function cookieText(c: Uint8Array): string {
  let s = ''
  for (let i = 0; i < c.length && c[i] !== 0; i++) s += String.fromCharCode(c[i]!)
  return s
}

export function sameCookie(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** The UDP stream's "connect" datagram and the server's reply, as a little-endian host sends them. */
export const UDP_CONNECT_MSG = Uint8Array.of(0x39, 0x38, 0x37, 0x36)
export const UDP_CONNECT_REPLY = Uint8Array.of(0x36, 0x37, 0x38, 0x39)
/** Replies of servers before 3.11 (987654321 in host order). */
export const LEGACY_UDP_CONNECT_REPLY = Uint8Array.of(0xb1, 0x68, 0xde, 0x3a)

export async function sendState(fd: StreamFd, state: number): Promise<void> {
  await writeAll(fd, Uint8Array.of(state & 0xff))
}

/** The next state byte (signed), or null when the peer closed the connection. */
export async function readState(r: StreamReader): Promise<number | null> {
  const b = await r.readExact(1)
  if (b === null) return null
  return b[0]! > 127 ? b[0]! - 256 : b[0]!
}

/** JSON_write: the length (4 bytes, network order), then the JSON text. */
export async function jsonWrite(fd: StreamFd, obj: unknown): Promise<void> {
  const body = utf8Encode(JSON.stringify(obj))
  const out = new Uint8Array(4 + body.length)
  new DataView(out.buffer).setUint32(0, body.length)
  out.set(body, 4)
  await writeAll(fd, out)
}

/** JSON_read: null when the connection ends first or the text is not a JSON object. */
export async function jsonRead(r: StreamReader): Promise<Record<string, unknown> | null> {
  const len = await r.readExact(4)
  if (len === null) return null
  const n = new DataView(len.buffer, len.byteOffset, 4).getUint32(0)
  if (n > 16 * 1024 * 1024) return null
  const body = await r.readExact(n)
  if (body === null) return null
  try {
    const v: unknown = JSON.parse(utf8Decode(body))
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** The test parameters the client sends (send_parameters); only what this iperf3 uses is typed. */
export interface Params {
  udp: boolean
  time: number
  bytes: number
  parallel: number
  reverse: boolean
  len: number
  bandwidth: number
}

export function paramsJson(p: Params): Record<string, unknown> {
  const j: Record<string, unknown> = p.udp ? { udp: true } : { tcp: true }
  j.omit = 0
  j.time = p.time
  if (p.bytes !== 0) j.num = p.bytes
  j.parallel = p.parallel
  if (p.reverse) j.reverse = true
  j.len = p.len
  if (p.bandwidth !== 0) j.bandwidth = p.bandwidth
  j.pacing_timer = 1000
  j.client_version = IPERF_VERSION
  return j
}

export function paramsFrom(j: Record<string, unknown>): Params {
  const num = (k: string): number => (typeof j[k] === 'number' ? Math.trunc(j[k] as number) : 0)
  return {
    udp: j.udp !== undefined,
    time: num('time'),
    bytes: num('num'),
    parallel: Math.max(1, num('parallel')),
    reverse: j.reverse !== undefined,
    len: num('len'),
    bandwidth: num('bandwidth'),
  }
}

export const IPERF_VERSION = '3.9'

/** One stream's line of the results exchanged at the end (send_results / get_results). */
export interface StreamResult {
  id: number
  bytes: number
  retransmits: number
  jitter: number
  errors: number
  packets: number
  start_time: number
  end_time: number
}

/** UDP test packet header: seconds, microseconds and the packet's number, each 32 bits, big-endian. */
export const UDP_HEADER = 12

export function writeUdpHeader(buf: Uint8Array, nowNs: number, count: number): void {
  const v = new DataView(buf.buffer, buf.byteOffset, UDP_HEADER)
  const us = Math.floor(nowNs / 1000)
  v.setUint32(0, Math.floor(us / 1e6) >>> 0)
  v.setUint32(4, us % 1e6)
  v.setUint32(8, count >>> 0)
}

export function readUdpHeader(buf: Uint8Array): { sentNs: number; count: number } | null {
  if (buf.length < UDP_HEADER) return null
  const v = new DataView(buf.buffer, buf.byteOffset, UDP_HEADER)
  return { sentNs: v.getUint32(0) * 1e9 + v.getUint32(4) * 1000, count: v.getUint32(8) }
}
