/**
 * Test support for the wire tests only (no production module imports it): hex fixtures to bytes, a
 * guarded buffer that throws on any access outside a window, to prove a view never reads or writes
 * beyond what `point` accepted, and TCP views and options over fixtures. Runtime-neutral, like the
 * rest of the core.
 */

import { TcpOptions, TcpView } from './inet/tcp.js'

/** Parses hex digits, ignoring whitespace, e.g. `hex('4500 0054', '2b1b 4000')`. Throws on bad input. */
export function hex(...parts: string[]): Uint8Array {
  const s = parts.join('').replace(/\s+/g, '')
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`bad hex fixture: ${s}`)
  const out = new Uint8Array(s.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Formats bytes as lower-case hex without separators, for readable assertion failures. */
export function toHex(buf: Uint8Array, off = 0, len = buf.length - off): string {
  let s = ''
  for (let i = off; i < off + len; i++) s += buf[i].toString(16).padStart(2, '0')
  return s
}

function indexOf(p: string | symbol): number | null {
  if (typeof p !== 'string') return null
  const n = Number(p)
  return String(n) === p ? n : null // canonical numeric strings are what typed arrays treat as indices
}

/**
 * A stand-in for `buf` whose element reads and writes throw a RangeError outside [lo, hi). Everything
 * else (`length`) passes through.
 */
export function guarded(buf: Uint8Array, lo: number, hi: number): Uint8Array {
  const check = (p: string | symbol): void => {
    const i = indexOf(p)
    if (i !== null && !(Number.isInteger(i) && i >= lo && i < hi)) {
      throw new RangeError(`access to index ${String(p)} outside [${lo}, ${hi})`)
    }
  }
  return new Proxy(buf, {
    get(t, p) {
      check(p)
      return Reflect.get(t, p)
    },
    set(t, p, v) {
      check(p)
      return Reflect.set(t, p, v)
    },
  })
}

/** A TcpView over b[off, off + len); throws when `point` refuses it. */
export function tcpViewOf(b: Uint8Array, off = 0, len = b.length - off): TcpView {
  const v = new TcpView()
  if (!v.point(b, off, len)) throw new Error(`TcpView.point refused ${len} bytes at ${off}`)
  return v
}

/** The options of the TCP segment in b, as TcpView.parseOptions reads them. */
export function tcpOptionsOf(b: Uint8Array): TcpOptions {
  const to = new TcpOptions()
  tcpViewOf(b).parseOptions(to)
  return to
}

/** The fields of TcpOptions when a segment carries no option. */
export const TCP_NO_OPTIONS = {
  mss: null,
  wscale: null,
  sackPermitted: false,
  timestamp: null,
  sacks: [],
  signature: false,
}
