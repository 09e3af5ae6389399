/**
 * DNS messages (RFC 1035 §4): the header, questions and resource records, names with compression.
 * parseDns never throws: a malformed message (truncated, a label past 63 octets, a name past 255,
 * a compression pointer that does not point strictly backwards — the loop guard of RFC 1035
 * §4.1.4 — or too many records) comes back as an error for the caller to drop and count.
 * emitDns compresses names on output (RFC 1035 §4.1.4) and never builds more than 65,535 octets.
 *
 * Names are text in master-file form without the final dot (`www.example.com`, the root is ``),
 * octets that are not letters, digits, `-` or `_` written `\DDD` (and `.` and `\` escaped), so a
 * name survives a round trip whatever its labels hold. Compare names with dnsNameEq (RFC 1035
 * §2.3.3: case does not matter, and is kept).
 */

import { formatIpv4 } from '../addr.js'

export const DnsType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const

export const DNS_CLASS_IN = 1
export const DNS_PORT = 53

export const DnsRcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  NOTAUTH: 9,
} as const

export const DnsOpcode = { QUERY: 0, NOTIFY: 4 } as const

export const DNS_RCODE_NAMES: readonly string[] = Object.freeze([
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
])

const TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  41: 'OPT',
  251: 'IXFR',
  252: 'AXFR',
  255: 'ANY',
})

/** `A`, `MX` …, or RFC 3597's `TYPE123`. */
export function dnsTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`
}

/** `MX` → 15, `TYPE99` → 99; undefined for anything else. */
export function dnsTypeOf(name: string): number | undefined {
  const u = name.toUpperCase()
  for (const [k, v] of Object.entries(TYPE_NAMES)) if (v === u) return Number(k)
  const m = /^TYPE(\d{1,5})$/.exec(u)
  return m !== null && Number(m[1]) <= 0xffff ? Number(m[1]) : undefined
}

export interface DnsSoa {
  mname: string
  rname: string
  serial: number
  refresh: number
  retry: number
  expire: number
  minimum: number
}

/** Record data by kind; other types are kept as their raw octets (RFC 3597). */
export type DnsRData =
  | { readonly kind: 'a'; readonly addr: number }
  | { readonly kind: 'aaaa'; readonly addr: Uint8Array }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'mx'; readonly pref: number; readonly exchange: string }
  | ({ readonly kind: 'soa' } & Readonly<DnsSoa>)
  | { readonly kind: 'txt'; readonly strings: readonly string[] }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array }

export interface DnsRR {
  readonly name: string
  readonly type: number
  readonly class: number
  readonly ttl: number
  readonly data: DnsRData
}

export interface DnsQuestion {
  readonly name: string
  readonly type: number
  readonly class: number
}

export interface DnsMessage {
  id: number
  qr: boolean
  opcode: number
  aa: boolean
  tc: boolean
  rd: boolean
  ra: boolean
  rcode: number
  questions: DnsQuestion[]
  answers: DnsRR[]
  authority: DnsRR[]
  additional: DnsRR[]
}

export function newDnsMessage(id: number): DnsMessage {
  return {
    id,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: false,
    ra: false,
    rcode: 0,
    questions: [],
    answers: [],
    authority: [],
    additional: [],
  }
}

export const DNS_HEADER_LEN = 12
export const DNS_MAX_NAME = 255
export const DNS_MAX_LABEL = 63
/** Records accepted in one message: more than any 64 KiB message can hold at 11 octets each. */
const MAX_RECORDS = 6000
/** Compression pointers followed within one name (each must point backwards, so this is slack). */
const MAX_HOPS = 128

export type DnsParse = { ok: true; msg: DnsMessage } | { ok: false; error: string }

// ---- names

const PLAIN = /^[A-Za-z0-9_-]$/

/** Labels of a textual name (`\.`, `\DDD` understood); null when malformed. */
export function dnsLabels(name: string): Uint8Array[] | null {
  if (name === '' || name === '.') return []
  const labels: Uint8Array[] = []
  let cur: number[] = []
  let total = 1
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i)
    if (c === 0x2e) {
      if (cur.length === 0) return null
      labels.push(Uint8Array.from(cur))
      total += cur.length + 1
      cur = []
      if (i === name.length - 1) break
      continue
    }
    if (c === 0x5c) {
      const d = /^\d{3}/.exec(name.slice(i + 1, i + 4))
      if (d !== null) {
        c = Number(d[0])
        if (c > 255) return null
        i += 3
      } else if (i + 1 < name.length) c = name.charCodeAt(++i)
      else return null
    }
    if (c > 255) return null
    cur.push(c)
    if (cur.length > DNS_MAX_LABEL) return null
  }
  if (cur.length > 0) {
    labels.push(Uint8Array.from(cur))
    total += cur.length + 1
  }
  return total > DNS_MAX_NAME ? null : labels
}

function labelText(b: Uint8Array, off: number, len: number): string {
  let s = ''
  for (let i = 0; i < len; i++) {
    const c = b[off + i]!
    const ch = String.fromCharCode(c)
    s += PLAIN.test(ch) ? ch : c === 0x2e || c === 0x5c ? `\\${ch}` : `\\${String(c).padStart(3, '0')}`
  }
  return s
}

/** Case-insensitive name comparison (ASCII letters only, RFC 4343). */
export function dnsNameEq(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase()
}

/** `www.Example.COM.` → `www.example.com`: the key a name is looked up by. */
export function dnsKey(name: string): string {
  const n = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name
  return n.toLowerCase()
}

/** Whether `name` is `zone` or below it. */
export function dnsIsSubdomain(name: string, zone: string): boolean {
  const n = dnsKey(name)
  const z = dnsKey(zone)
  return z === '' || n === z || n.endsWith(`.${z}`)
}

/** `a.b.c` → `b.c`; `` stays ``. */
export function dnsParent(name: string): string {
  const k = name
  for (let i = 0; i < k.length; i++) {
    if (k[i] === '\\') i++
    else if (k[i] === '.') return k.slice(i + 1)
  }
  return ''
}

/** The name with its final dot, as dig and host print it (`.` for the root). */
export function dnsFqdn(name: string): string {
  return name === '' ? '.' : `${name}.`
}

interface NameRead {
  name: string
  end: number
}

/** Reads a possibly compressed name at off; null when malformed. */
function readName(b: Uint8Array, off: number, lim: number): NameRead | null {
  const parts: string[] = []
  let pos = off
  let end = -1
  let hops = 0
  let total = 1
  // Pointers must go strictly backwards of the label that holds them: no loops can form.
  let floor = off
  for (;;) {
    if (pos >= lim) return null
    const len = b[pos]!
    if (len === 0) {
      if (end < 0) end = pos + 1
      break
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= lim) return null
      const ptr = ((len & 0x3f) << 8) | b[pos + 1]!
      if (end < 0) end = pos + 2
      if (ptr >= floor || ++hops > MAX_HOPS) return null
      floor = ptr
      pos = ptr
      continue
    }
    if ((len & 0xc0) !== 0) return null
    if (pos + 1 + len > lim) return null
    total += len + 1
    if (total > DNS_MAX_NAME) return null
    parts.push(labelText(b, pos + 1, len))
    pos += 1 + len
  }
  return { name: parts.join('.'), end }
}

// ---- parse

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}

function readRData(b: Uint8Array, type: number, off: number, len: number, lim: number): DnsRData | null {
  const end = off + len
  const name = (o: number): NameRead | null => {
    const r = readName(b, o, lim)
    return r !== null && r.end <= end ? r : null
  }
  switch (type) {
    case DnsType.A:
      return len === 4 ? { kind: 'a', addr: u32(b, off) } : null
    case DnsType.AAAA:
      return len === 16 ? { kind: 'aaaa', addr: b.slice(off, end) } : null
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR: {
      const r = name(off)
      return r !== null && r.end === end ? { kind: 'name', name: r.name } : null
    }
    case DnsType.MX: {
      if (len < 3) return null
      const r = name(off + 2)
      return r !== null && r.end === end ? { kind: 'mx', pref: u16(b, off), exchange: r.name } : null
    }
    case DnsType.SOA: {
      const m = name(off)
      if (m === null) return null
      const r = name(m.end)
      if (r === null || r.end + 20 !== end) return null
      const o = r.end
      return {
        kind: 'soa',
        mname: m.name,
        rname: r.name,
        serial: u32(b, o),
        refresh: u32(b, o + 4),
        retry: u32(b, o + 8),
        expire: u32(b, o + 12),
        minimum: u32(b, o + 16),
      }
    }
    case DnsType.TXT: {
      const strings: string[] = []
      let o = off
      while (o < end) {
        const l = b[o]!
        if (o + 1 + l > end) return null
        strings.push(String.fromCharCode(...b.subarray(o + 1, o + 1 + l)))
        o += 1 + l
      }
      return strings.length > 0 ? { kind: 'txt', strings } : null
    }
    default:
      return { kind: 'raw', bytes: b.slice(off, end) }
  }
}

/** Parses a DNS message in b[off, off+len); never throws. */
export function parseDns(b: Uint8Array, off = 0, len = b.length - off): DnsParse {
  if (off < 0 || len < 0 || off + len > b.length) return { ok: false, error: 'bad bounds' }
  if (off !== 0 || len !== b.length) b = b.subarray(off, off + len)
  const lim = b.length
  if (lim < DNS_HEADER_LEN) return { ok: false, error: 'short header' }
  const flags = u16(b, 2)
  const counts = [u16(b, 4), u16(b, 6), u16(b, 8), u16(b, 10)] as const
  if (counts[0] + counts[1] + counts[2] + counts[3] > MAX_RECORDS)
    return { ok: false, error: 'too many records' }
  const msg = newDnsMessage(u16(b, 0))
  msg.qr = (flags & 0x8000) !== 0
  msg.opcode = (flags >> 11) & 0xf
  msg.aa = (flags & 0x0400) !== 0
  msg.tc = (flags & 0x0200) !== 0
  msg.rd = (flags & 0x0100) !== 0
  msg.ra = (flags & 0x0080) !== 0
  msg.rcode = flags & 0xf
  let pos = DNS_HEADER_LEN
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(b, pos, lim)
    if (n === null || n.end + 4 > lim) return { ok: false, error: 'bad question' }
    msg.questions.push({ name: n.name, type: u16(b, n.end), class: u16(b, n.end + 2) })
    pos = n.end + 4
  }
  const sections = [msg.answers, msg.authority, msg.additional]
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const n = readName(b, pos, lim)
      if (n === null || n.end + 10 > lim) return { ok: false, error: 'bad record' }
      const type = u16(b, n.end)
      const rdlen = u16(b, n.end + 8)
      const rdoff = n.end + 10
      if (rdoff + rdlen > lim) return { ok: false, error: 'bad rdata length' }
      const data = readRData(b, type, rdoff, rdlen, lim)
      if (data === null) return { ok: false, error: `bad ${dnsTypeName(type)} data` }
      sections[s]!.push({ name: n.name, type, class: u16(b, n.end + 2), ttl: u32(b, n.end + 4), data })
      pos = rdoff + rdlen
    }
  }
  return { ok: true, msg }
}

// ---- emit

class Writer {
  buf = new Uint8Array(512)
  len = 0
  /** Offsets of names already written, by lowercase suffix (RFC 1035 §4.1.4). */
  private readonly names = new Map<string, number>()
  overflow = false

  private room(n: number): boolean {
    if (this.len + n > 0xffff) {
      this.overflow = true
      return false
    }
    if (this.len + n > this.buf.length) {
      const nb = new Uint8Array(Math.min(0xffff, Math.max(this.buf.length * 2, this.len + n)))
      nb.set(this.buf.subarray(0, this.len))
      this.buf = nb
    }
    return true
  }

  u8(v: number): void {
    if (this.room(1)) this.buf[this.len++] = v & 0xff
  }

  u16(v: number): void {
    this.u8(v >> 8)
    this.u8(v)
  }

  u32(v: number): void {
    this.u16(v >>> 16)
    this.u16(v & 0xffff)
  }

  bytes(b: Uint8Array): void {
    if (!this.room(b.length)) return
    this.buf.set(b, this.len)
    this.len += b.length
  }

  /** Writes a name, reusing the longest suffix already written; false when it is malformed. */
  name(name: string, compress = true): boolean {
    const labels = dnsLabels(name)
    if (labels === null) return false
    for (let i = 0; i < labels.length; i++) {
      const key = labels
        .slice(i)
        .map((l) => String.fromCharCode(...l).toLowerCase())
        .join('\0')
      const at = compress ? this.names.get(key) : undefined
      if (at !== undefined) {
        this.u16(0xc000 | at)
        return true
      }
      if (this.len < 0x4000) this.names.set(key, this.len)
      this.u8(labels[i]!.length)
      this.bytes(labels[i]!)
    }
    this.u8(0)
    return true
  }
}

function writeRData(w: Writer, d: DnsRData): boolean {
  switch (d.kind) {
    case 'a':
      w.u32(d.addr >>> 0)
      return true
    case 'aaaa':
      if (d.addr.length !== 16) return false
      w.bytes(d.addr)
      return true
    case 'name':
      return w.name(d.name)
    case 'mx':
      w.u16(d.pref)
      return w.name(d.exchange)
    case 'soa':
      if (!w.name(d.mname) || !w.name(d.rname)) return false
      w.u32(d.serial >>> 0)
      w.u32(d.refresh >>> 0)
      w.u32(d.retry >>> 0)
      w.u32(d.expire >>> 0)
      w.u32(d.minimum >>> 0)
      return true
    case 'txt':
      for (const s of d.strings) {
        if (s.length > 255) return false
        w.u8(s.length)
        for (let i = 0; i < s.length; i++) w.u8(s.charCodeAt(i))
      }
      return true
    case 'raw':
      w.bytes(d.bytes)
      return true
  }
}

function writeRR(w: Writer, r: DnsRR): boolean {
  if (!w.name(r.name)) return false
  w.u16(r.type)
  w.u16(r.class)
  w.u32(r.ttl >>> 0)
  const lenAt = w.len
  w.u16(0)
  if (!writeRData(w, r.data)) return false
  const rdlen = w.len - lenAt - 2
  if (!w.overflow) {
    w.buf[lenAt] = rdlen >> 8
    w.buf[lenAt + 1] = rdlen & 0xff
  }
  return true
}

/**
 * Builds a message. With `max` (512 for UDP without EDNS, RFC 1035 §4.2.1), records that do not
 * fit are left out and TC set, as a server truncates. Null when a name or record cannot be
 * written (a label past 63 octets …) or the message would pass 65,535 octets.
 */
export function emitDns(m: DnsMessage, max = 0xffff): Uint8Array | null {
  const w = new Writer()
  w.u16(m.id)
  let flags = (m.opcode & 0xf) << 11
  if (m.qr) flags |= 0x8000
  if (m.aa) flags |= 0x0400
  if (m.tc) flags |= 0x0200
  if (m.rd) flags |= 0x0100
  if (m.ra) flags |= 0x0080
  flags |= m.rcode & 0xf
  w.u16(flags)
  w.u16(m.questions.length)
  w.u16(0)
  w.u16(0)
  w.u16(0)
  for (const q of m.questions) {
    if (!w.name(q.name)) return null
    w.u16(q.type)
    w.u16(q.class)
  }
  if (w.overflow || w.len > max) return null
  const sections = [m.answers, m.authority, m.additional]
  const counts = [0, 0, 0]
  let truncated = false
  let full = false
  for (let s = 0; s < 3 && !full; s++) {
    for (const r of sections[s]!) {
      const before = w.len
      if (!writeRR(w, r)) return null
      if (w.overflow || w.len > max) {
        // Nothing more is written, so no later name can point into what is dropped here.
        w.overflow = false
        w.len = before
        full = true
        // Leaving out additional records is not truncation (RFC 2181 §9).
        truncated = s < 2
        break
      }
      counts[s]!++
    }
  }
  const out = w.buf.slice(0, w.len)
  out[6] = counts[0]! >> 8
  out[7] = counts[0]! & 0xff
  out[8] = counts[1]! >> 8
  out[9] = counts[1]! & 0xff
  out[10] = counts[2]! >> 8
  out[11] = counts[2]! & 0xff
  if (truncated) out[2]! |= 0x02
  return out
}

/** Master-file text of record data (`10 mail.example.com.`, `30.0.0.4` …), as dig prints it. */
export function formatRData(d: DnsRData, formatAddr6: (a: Uint8Array) => string): string {
  switch (d.kind) {
    case 'a':
      return formatIpv4(d.addr)
    case 'aaaa':
      return formatAddr6(d.addr)
    case 'name':
      return dnsFqdn(d.name)
    case 'mx':
      return `${d.pref} ${dnsFqdn(d.exchange)}`
    case 'soa':
      return `${dnsFqdn(d.mname)} ${dnsFqdn(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`
    case 'txt':
      return d.strings.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(' ')
    case 'raw':
      return `\\# ${d.bytes.length} ${[...d.bytes].map((x) => x.toString(16).padStart(2, '0')).join('')}`
  }
}
