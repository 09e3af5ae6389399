/**
 * jq's `@format`s — @text @json @csv @tsv @sh @base64 @base64d @uri @html — applied to one value,
 * with jq 1.7's escapes and messages. A format string (`@csv "…\(f)…"`) formats each interpolated
 * value and leaves its literal text alone. Pure functions; failures are JqError.
 */

import { formatJson, formatNumber } from './json.js'
import { type J, JqError, kind, show } from './value.js'

function text(v: J): string {
  return typeof v === 'string' ? v : formatJson(v, true)
}

function row(v: J, what: string, cell: (x: J) => string, sep: string): string {
  if (!Array.isArray(v))
    throw new JqError(`${kind(v)} (${show(v)}) cannot be ${what}-formatted, only an array can be`)
  return v
    .map((x) => {
      if (Array.isArray(x) || x instanceof Map)
        throw new JqError(`${kind(x)} (${show(x)}) is not valid in a ${what} row`)
      if (x === null) return ''
      if (typeof x === 'number') return formatNumber(x)
      if (typeof x === 'boolean') return String(x)
      return cell(x)
    })
    .join(sep)
}

function shellQuote(x: J): string {
  if (Array.isArray(x) || x instanceof Map)
    throw new JqError(`${kind(x)} (${show(x)}) can not be escaped for shell`)
  if (typeof x === 'string') return `'${x.replace(/'/g, "'\\''")}'`
  return text(x)
}

/** UTF-8 bytes of s (the core has no TextEncoder: it is runtime-neutral). */
function utf8(s: string): Uint8Array {
  const out: number[] = []
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
  }
  return Uint8Array.from(out)
}

/** Text from UTF-8 bytes; a malformed sequence becomes U+FFFD, as jq's decoder does. */
function fromUtf8(b: Uint8Array): string {
  let out = ''
  for (let i = 0; i < b.length; ) {
    const x = b[i]!
    const n = x < 0x80 ? 0 : x >= 0xf0 && x < 0xf8 ? 3 : x >= 0xe0 ? 2 : x >= 0xc0 ? 1 : -1
    let c = n === 0 ? x : n === 1 ? x & 31 : n === 2 ? x & 15 : x & 7
    let ok = n >= 0 && i + n < b.length
    for (let k = 1; ok && k <= n; k++) {
      const y = b[i + k]
      if (y === undefined || (y & 0xc0) !== 0x80) ok = false
      else c = (c << 6) | (y & 63)
    }
    if (!ok) {
      out += '\ufffd'
      i++
      continue
    }
    out += String.fromCodePoint(c)
    i += n + 1
  }
  return out
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function base64(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '='
    out += i + 2 < bytes.length ? B64[n & 63]! : '='
  }
  return out
}

function base64d(s: string): string {
  const bytes: number[] = []
  let acc = 0
  let bits = 0
  for (const c of s) {
    if (c === '=') break
    const d = B64.indexOf(c)
    if (d < 0) throw new JqError(`string (${show(s)}) is not valid base64 data`)
    acc = (acc << 6) | d
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes.push((acc >> bits) & 0xff)
    }
  }
  return fromUtf8(Uint8Array.from(bytes))
}

const FORMATS: Readonly<Record<string, (v: J) => string>> = {
  text,
  json: (v) => formatJson(v, true),
  csv: (v) => row(v, 'csv', (s) => `"${(s as string).replace(/"/g, '""')}"`, ','),
  tsv: (v) =>
    row(
      v,
      'tsv',
      (s) =>
        (s as string).replace(
          /[\\\t\n\r]/g,
          (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!,
        ),
      '\t',
    ),
  sh: (v) => (Array.isArray(v) ? v.map(shellQuote).join(' ') : shellQuote(v)),
  base64: (v) => base64(utf8(text(v))),
  base64d: (v) => base64d(text(v)),
  // RFC 3986's unreserved characters stay (jq 1.7); every other byte is %XX.
  uri: (v) =>
    [...utf8(text(v))]
      .map((b) =>
        /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) && b < 128
          ? String.fromCharCode(b)
          : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join(''),
  html: (v) =>
    text(v).replace(
      /[<>&'"]/g,
      (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c]!,
    ),
}

export function isFormat(name: string): boolean {
  return name in FORMATS
}

/** `@name` applied to v; an unknown name is jq's compile error, checked before (isFormat). */
export function applyFormat(name: string, v: J): string {
  const f = FORMATS[name]
  if (f === undefined) throw new JqError(`${name} is not a valid format`)
  return f(v)
}
