/**
 * What `dgram`'s API takes and gives: the option, bind and address records, message data (a string,
 * a buffer or a list of them) and its checks, with Node's errors for bad arguments
 * (ERR_INVALID_ARG_TYPE, ERR_BUFFER_OUT_OF_BOUNDS, ERR_SOCKET_DGRAM_NOT_RUNNING).
 *
 * Must not: touch a socket; dgram.ts does.
 */

import type { LookupFunction } from './jail_context.js'
import { nodeError } from './node_errors.js'

export type SocketType = 'udp4' | 'udp6'

export interface SocketOptions {
  type: SocketType
  reuseAddr?: boolean
  /** Accepted for compatibility: SO_REUSEPORT is what reuseAddr sets here already. */
  reusePort?: boolean
  ipv6Only?: boolean
  recvBufferSize?: number
  sendBufferSize?: number
  lookup?: LookupFunction
  signal?: AbortSignal
}

export interface RemoteInfo {
  address: string
  family: 'IPv4' | 'IPv6'
  port: number
  size: number
}

export interface AddressInfo {
  address: string
  family: 'IPv4' | 'IPv6'
  port: number
}

export interface BindOptions {
  port?: number
  address?: string
  exclusive?: boolean
  fd?: number
}

export type SendCallback = (error: Error | null, bytes?: number) => void

type Data = string | ArrayBufferView

export type Msg = Data | readonly Data[]

/** The largest datagram a receive takes (UDP's 64 KiB less its header, as libuv's buffer). */
export const RECV_MAX = 65536

/** libuv's strerror texts for the codes buffer-size calls can fail with. */
export const UV_TEXT: Record<string, string> = {
  EBADF: 'bad file descriptor',
  ENOBUFS: 'no buffer space available',
  EINVAL: 'invalid argument',
}

export function notRunning(): Error {
  return nodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running')
}

export function toBuffer(d: Data): Buffer {
  if (typeof d === 'string') return Buffer.from(d)
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength)
}

export function isData(d: unknown): d is Data {
  return typeof d === 'string' || ArrayBuffer.isView(d)
}

export function invalidBuffer(name: string, v: unknown): Error {
  return nodeError(
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${String(v)}`,
    TypeError,
  )
}

/** sliceBuffer: `offset`/`length` select part of one buffer or string. */
export function sliceBuffer(buffer: unknown, offset: unknown, length: unknown): Buffer {
  if (!isData(buffer)) throw invalidBuffer('buffer', buffer)
  const b = toBuffer(buffer)
  const off = Number(offset) >>> 0
  const len = Number(length) >>> 0
  if (off > b.length)
    throw nodeError('ERR_BUFFER_OUT_OF_BOUNDS', '"offset" is outside of buffer bounds', RangeError)
  if (off + len > b.length)
    throw nodeError('ERR_BUFFER_OUT_OF_BOUNDS', '"length" is outside of buffer bounds', RangeError)
  return b.subarray(off, off + len)
}
