/**
 * DHCPv6 messages (RFC 8415): the client/server header (msg-type and a 24-bit transaction id,
 * §8) and the options a client and server exchange for addresses and configuration: CLIENTID and
 * SERVERID with their DUIDs (§11: DUID-LLT, DUID-EN, DUID-LL, DUID-UUID), IA_NA / IA_TA / IA_PD
 * with IAADDR and IAPREFIX inside (§21.4–21.6, §21.21–21.22), ORO, PREFERENCE, ELAPSED_TIME,
 * STATUS_CODE, RAPID_COMMIT, and the DNS options of RFC 3646 (DNS_SERVERS, DOMAIN_LIST). Other
 * options are kept as opaque (code, bytes) pairs in the order they came.
 *
 * `parseDhcp6` never throws: a malformed message (a short header, an option running past its
 * container, a fixed-size option of the wrong size, a bad domain name, too many options) yields a
 * named error for the daemon to count and drop. Relay messages (RELAY-FORW/REPL) are refused by name:
 * no relay agent is built here. What the options mean to a client or server is the daemon's business.
 */

import { utf8Decode, utf8Encode } from '../../util/utf8.js'
import { readU16, readU32, writeU16, writeU32 } from '../addr.js'

export const DHCP6_CLIENT_PORT = 546
export const DHCP6_SERVER_PORT = 547
/** All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1). */
export const ALL_DHCP_RELAY_AGENTS_AND_SERVERS = Uint8Array.of(
  0xff,
  2,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  0,
  2,
)
/** The largest message we build or accept. */
export const DHCP6_MAX_LEN = 4096
/** Bounds on what one message may carry, so a parse cannot grow without limit. */
export const DHCP6_MAX_IAS = 16
export const DHCP6_MAX_IA_ADDRS = 16
export const DHCP6_MAX_OTHER = 32
/** A DUID is at most 128 octets plus its 2-octet type (RFC 8415 §11.1). */
export const DUID_MAX_LEN = 130

export const Dhcp6Type = {
  SOLICIT: 1,
  ADVERTISE: 2,
  REQUEST: 3,
  CONFIRM: 4,
  RENEW: 5,
  REBIND: 6,
  REPLY: 7,
  RELEASE: 8,
  DECLINE: 9,
  RECONFIGURE: 10,
  INFORMATION_REQUEST: 11,
  RELAY_FORW: 12,
  RELAY_REPL: 13,
} as const

/** ISC's names for the message types (dhcpv6_type_names), as its logs print them. */
export const DHCP6_TYPE_NAMES: readonly string[] = [
  '',
  'Solicit',
  'Advertise',
  'Request',
  'Confirm',
  'Renew',
  'Rebind',
  'Reply',
  'Release',
  'Decline',
  'Reconfigure',
  'Information-request',
  'Relay-forward',
  'Relay-reply',
]

export const Dhcp6Opt = {
  CLIENTID: 1,
  SERVERID: 2,
  IA_NA: 3,
  IA_TA: 4,
  IAADDR: 5,
  ORO: 6,
  PREFERENCE: 7,
  ELAPSED_TIME: 8,
  RELAY_MSG: 9,
  AUTH: 11,
  UNICAST: 12,
  STATUS_CODE: 13,
  RAPID_COMMIT: 14,
  DNS_SERVERS: 23,
  DOMAIN_LIST: 24,
  IA_PD: 25,
  IAPREFIX: 26,
} as const

export const Dhcp6Status = {
  SUCCESS: 0,
  UNSPEC_FAIL: 1,
  NO_ADDRS_AVAIL: 2,
  NO_BINDING: 3,
  NOT_ON_LINK: 4,
  USE_MULTICAST: 5,
  NO_PREFIX_AVAIL: 6,
} as const

export const DHCP6_STATUS_NAMES: readonly string[] = [
  'Success',
  'UnspecFail',
  'NoAddrsAvail',
  'NoBinding',
  'NotOnLink',
  'UseMulticast',
  'NoPrefixAvail',
]

export const DuidType = { LLT: 1, EN: 2, LL: 3, UUID: 4 } as const
/** Hardware type 1 (Ethernet) in DUID-LLT and DUID-LL. */
export const DUID_HW_ETHER = 1
/** DUID-LLT's time counts seconds from 2000-01-01 00:00 UTC (RFC 8415 §11.2). */
export const DUID_TIME_EPOCH = 946684800

/** Why parseDhcp6 refused a message. */
export const Dhcp6Error = {
  TRUNCATED: 1,
  RELAY: 2,
  BAD_TYPE: 3,
  OPTION_OVERRUN: 4,
  BAD_OPTION_LEN: 5,
  BAD_DUID: 6,
  BAD_DOMAIN: 7,
  TOO_MANY: 8,
  TOO_LONG: 9,
} as const

export const DHCP6_ERROR_NAMES: readonly string[] = [
  '',
  'truncated header',
  'relay message',
  'bad message type',
  'option past its end',
  'bad option length',
  'bad DUID',
  'bad domain name',
  'too many options',
  'too long',
]

export interface Dhcp6StatusCode {
  code: number
  message: string
}

export interface Dhcp6IaAddr {
  addr: Uint8Array
  preferred: number
  valid: number
  status?: Dhcp6StatusCode
}

export interface Dhcp6IaPrefix {
  prefix: Uint8Array
  prefixLen: number
  preferred: number
  valid: number
  status?: Dhcp6StatusCode
}

export interface Dhcp6Ia {
  /** Dhcp6Opt.IA_NA, IA_TA or IA_PD. */
  type: number
  iaid: number
  /** T1 and T2 (0 for IA_TA, which has none). */
  t1: number
  t2: number
  addrs: Dhcp6IaAddr[]
  prefixes: Dhcp6IaPrefix[]
  status?: Dhcp6StatusCode
}

export interface Dhcp6Msg {
  type: number
  /** 24 bits. */
  xid: number
  clientId?: Uint8Array
  serverId?: Uint8Array
  ias: Dhcp6Ia[]
  oro?: number[]
  preference?: number
  /** Hundredths of a second since the client's first message of the exchange. */
  elapsed?: number
  status?: Dhcp6StatusCode
  rapidCommit: boolean
  dnsServers?: Uint8Array[]
  domainList?: string[]
  /** Options this module does not interpret, in arrival order. */
  other: Array<{ code: number; data: Uint8Array }>
}

export type Dhcp6Parse = { ok: true; msg: Dhcp6Msg } | { ok: false; error: number }

export function newDhcp6Msg(type: number, xid: number): Dhcp6Msg {
  return { type, xid: xid & 0xffffff, ias: [], rapidCommit: false, other: [] }
}

class Bad {
  constructor(readonly error: number) {}
}

function statusCode(b: Uint8Array, o: number, len: number): Dhcp6StatusCode {
  if (len < 2) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
  return { code: readU16(b, o), message: utf8Decode(b.subarray(o + 2, o + len)) }
}

function checkDuid(b: Uint8Array, o: number, len: number): Uint8Array {
  if (len < 2 || len > DUID_MAX_LEN) throw new Bad(Dhcp6Error.BAD_DUID)
  const t = readU16(b, o)
  if ((t === DuidType.LLT && len < 8) || (t === DuidType.LL && len < 4) || (t === DuidType.EN && len < 6))
    throw new Bad(Dhcp6Error.BAD_DUID)
  if (t === DuidType.UUID && len !== 18) throw new Bad(Dhcp6Error.BAD_DUID)
  return b.slice(o, o + len)
}

/** RFC 1035 §3.1 names, uncompressed (RFC 8415 §10), one after another; trailing dots dropped. */
function domainList(b: Uint8Array, o: number, len: number): string[] {
  const out: string[] = []
  const end = o + len
  while (o < end) {
    const labels: string[] = []
    let total = 0
    for (;;) {
      if (o >= end) throw new Bad(Dhcp6Error.BAD_DOMAIN)
      const l = b[o++]!
      if (l === 0) break
      if (l > 63 || o + l > end) throw new Bad(Dhcp6Error.BAD_DOMAIN)
      total += l + 1
      if (total > 255) throw new Bad(Dhcp6Error.BAD_DOMAIN)
      labels.push(String.fromCharCode(...b.subarray(o, o + l)))
      o += l
    }
    if (labels.length === 0) throw new Bad(Dhcp6Error.BAD_DOMAIN)
    if (out.length >= DHCP6_MAX_OTHER) throw new Bad(Dhcp6Error.TOO_MANY)
    out.push(labels.join('.'))
  }
  return out
}

/** Walks the options in b[o, end): calls visit(code, off, len) for each. */
function walk(
  b: Uint8Array,
  o: number,
  end: number,
  visit: (code: number, off: number, len: number) => void,
): void {
  while (o < end) {
    if (o + 4 > end) throw new Bad(Dhcp6Error.OPTION_OVERRUN)
    const code = readU16(b, o)
    const len = readU16(b, o + 2)
    if (o + 4 + len > end) throw new Bad(Dhcp6Error.OPTION_OVERRUN)
    visit(code, o + 4, len)
    o += 4 + len
  }
}

function ia(b: Uint8Array, code: number, o: number, len: number): Dhcp6Ia {
  const fixed = code === Dhcp6Opt.IA_TA ? 4 : 12
  if (len < fixed) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
  const r: Dhcp6Ia = {
    type: code,
    iaid: readU32(b, o),
    t1: fixed === 12 ? readU32(b, o + 4) : 0,
    t2: fixed === 12 ? readU32(b, o + 8) : 0,
    addrs: [],
    prefixes: [],
  }
  walk(b, o + fixed, o + len, (c, so, sl) => {
    if (c === Dhcp6Opt.STATUS_CODE) r.status = statusCode(b, so, sl)
    else if (c === Dhcp6Opt.IAADDR && code !== Dhcp6Opt.IA_PD) {
      if (sl < 24) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
      if (r.addrs.length >= DHCP6_MAX_IA_ADDRS) throw new Bad(Dhcp6Error.TOO_MANY)
      const a: Dhcp6IaAddr = {
        addr: b.slice(so, so + 16),
        preferred: readU32(b, so + 16),
        valid: readU32(b, so + 20),
      }
      walk(b, so + 24, so + sl, (c2, o2, l2) => {
        if (c2 === Dhcp6Opt.STATUS_CODE) a.status = statusCode(b, o2, l2)
      })
      r.addrs.push(a)
    } else if (c === Dhcp6Opt.IAPREFIX && code === Dhcp6Opt.IA_PD) {
      if (sl < 25) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
      if (r.prefixes.length >= DHCP6_MAX_IA_ADDRS) throw new Bad(Dhcp6Error.TOO_MANY)
      const plen = b[so + 8]!
      if (plen > 128) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
      const p: Dhcp6IaPrefix = {
        preferred: readU32(b, so),
        valid: readU32(b, so + 4),
        prefixLen: plen,
        prefix: b.slice(so + 9, so + 25),
      }
      walk(b, so + 25, so + sl, (c2, o2, l2) => {
        if (c2 === Dhcp6Opt.STATUS_CODE) p.status = statusCode(b, o2, l2)
      })
      r.prefixes.push(p)
    }
  })
  return r
}

/** Parse the DHCPv6 message b[off, off+len). Never throws. */
export function parseDhcp6(b: Uint8Array, off = 0, len = b.length - off): Dhcp6Parse {
  if (off < 0 || len < 4 || off + len > b.length) return { ok: false, error: Dhcp6Error.TRUNCATED }
  if (len > DHCP6_MAX_LEN) return { ok: false, error: Dhcp6Error.TOO_LONG }
  const type = b[off]!
  if (type === Dhcp6Type.RELAY_FORW || type === Dhcp6Type.RELAY_REPL)
    return { ok: false, error: Dhcp6Error.RELAY }
  if (type === 0 || type > Dhcp6Type.RELAY_REPL) return { ok: false, error: Dhcp6Error.BAD_TYPE }
  const msg = newDhcp6Msg(type, (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!)
  try {
    walk(b, off + 4, off + len, (code, o, l) => {
      switch (code) {
        case Dhcp6Opt.CLIENTID:
          msg.clientId = checkDuid(b, o, l)
          break
        case Dhcp6Opt.SERVERID:
          msg.serverId = checkDuid(b, o, l)
          break
        case Dhcp6Opt.IA_NA:
        case Dhcp6Opt.IA_TA:
        case Dhcp6Opt.IA_PD:
          if (msg.ias.length >= DHCP6_MAX_IAS) throw new Bad(Dhcp6Error.TOO_MANY)
          msg.ias.push(ia(b, code, o, l))
          break
        case Dhcp6Opt.ORO:
          if (l % 2 !== 0 || l > 2 * 128) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
          msg.oro = []
          for (let i = 0; i < l; i += 2) msg.oro.push(readU16(b, o + i))
          break
        case Dhcp6Opt.PREFERENCE:
          if (l !== 1) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
          msg.preference = b[o]!
          break
        case Dhcp6Opt.ELAPSED_TIME:
          if (l !== 2) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
          msg.elapsed = readU16(b, o)
          break
        case Dhcp6Opt.STATUS_CODE:
          msg.status = statusCode(b, o, l)
          break
        case Dhcp6Opt.RAPID_COMMIT:
          if (l !== 0) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
          msg.rapidCommit = true
          break
        case Dhcp6Opt.DNS_SERVERS:
          if (l % 16 !== 0 || l / 16 > DHCP6_MAX_OTHER) throw new Bad(Dhcp6Error.BAD_OPTION_LEN)
          msg.dnsServers = []
          for (let i = 0; i < l; i += 16) msg.dnsServers.push(b.slice(o + i, o + i + 16))
          break
        case Dhcp6Opt.DOMAIN_LIST:
          msg.domainList = domainList(b, o, l)
          break
        default:
          if (msg.other.length >= DHCP6_MAX_OTHER) throw new Bad(Dhcp6Error.TOO_MANY)
          msg.other.push({ code, data: b.slice(o, o + l) })
      }
    })
  } catch (e) {
    if (e instanceof Bad) return { ok: false, error: e.error }
    throw e
  }
  return { ok: true, msg }
}

/** A growing byte buffer for emit. */
class Out {
  b = new Uint8Array(256)
  n = 0
  room(k: number): void {
    if (this.n + k <= this.b.length) return
    const nb = new Uint8Array(Math.max(this.b.length * 2, this.n + k))
    nb.set(this.b.subarray(0, this.n))
    this.b = nb
  }
  u8(v: number): void {
    this.room(1)
    this.b[this.n++] = v
  }
  u16(v: number): void {
    this.room(2)
    writeU16(this.b, this.n, v)
    this.n += 2
  }
  u32(v: number): void {
    this.room(4)
    writeU32(this.b, this.n, v >>> 0)
    this.n += 4
  }
  bytes(v: Uint8Array): void {
    this.room(v.length)
    this.b.set(v, this.n)
    this.n += v.length
  }
  /** Starts an option; returns the offset of its length field for end(). */
  open(code: number): number {
    this.u16(code)
    this.u16(0)
    return this.n - 2
  }
  close(lenAt: number): void {
    writeU16(this.b, lenAt, this.n - lenAt - 2)
  }
}

function emitStatus(w: Out, s: Dhcp6StatusCode): void {
  const at = w.open(Dhcp6Opt.STATUS_CODE)
  w.u16(s.code)
  w.bytes(utf8Encode(s.message))
  w.close(at)
}

function emitDomain(w: Out, name: string): void {
  for (const l of name.split('.').filter((x) => x !== '')) {
    w.u8(l.length)
    for (let i = 0; i < l.length; i++) w.u8(l.charCodeAt(i) & 0xff)
  }
  w.u8(0)
}

/** The message's bytes. */
export function emitDhcp6(m: Dhcp6Msg): Uint8Array {
  const w = new Out()
  w.u8(m.type)
  w.u8((m.xid >>> 16) & 0xff)
  w.u16(m.xid & 0xffff)
  if (m.clientId !== undefined) {
    const at = w.open(Dhcp6Opt.CLIENTID)
    w.bytes(m.clientId)
    w.close(at)
  }
  if (m.serverId !== undefined) {
    const at = w.open(Dhcp6Opt.SERVERID)
    w.bytes(m.serverId)
    w.close(at)
  }
  if (m.elapsed !== undefined) {
    w.open(Dhcp6Opt.ELAPSED_TIME)
    w.b[w.n - 1] = 2
    w.u16(m.elapsed)
  }
  if (m.rapidCommit) w.open(Dhcp6Opt.RAPID_COMMIT)
  if (m.preference !== undefined) {
    w.open(Dhcp6Opt.PREFERENCE)
    w.b[w.n - 1] = 1
    w.u8(m.preference)
  }
  if (m.status !== undefined) emitStatus(w, m.status)
  for (const ia of m.ias) {
    const at = w.open(ia.type)
    w.u32(ia.iaid)
    if (ia.type !== Dhcp6Opt.IA_TA) {
      w.u32(ia.t1)
      w.u32(ia.t2)
    }
    for (const a of ia.addrs) {
      const aat = w.open(Dhcp6Opt.IAADDR)
      w.bytes(a.addr)
      w.u32(a.preferred)
      w.u32(a.valid)
      if (a.status !== undefined) emitStatus(w, a.status)
      w.close(aat)
    }
    for (const p of ia.prefixes) {
      const pat = w.open(Dhcp6Opt.IAPREFIX)
      w.u32(p.preferred)
      w.u32(p.valid)
      w.u8(p.prefixLen)
      w.bytes(p.prefix)
      if (p.status !== undefined) emitStatus(w, p.status)
      w.close(pat)
    }
    if (ia.status !== undefined) emitStatus(w, ia.status)
    w.close(at)
  }
  if (m.oro !== undefined) {
    const at = w.open(Dhcp6Opt.ORO)
    for (const c of m.oro) w.u16(c)
    w.close(at)
  }
  if (m.dnsServers !== undefined) {
    const at = w.open(Dhcp6Opt.DNS_SERVERS)
    for (const a of m.dnsServers) w.bytes(a)
    w.close(at)
  }
  if (m.domainList !== undefined) {
    const at = w.open(Dhcp6Opt.DOMAIN_LIST)
    for (const d of m.domainList) emitDomain(w, d)
    w.close(at)
  }
  for (const o of m.other) {
    const at = w.open(o.code)
    w.bytes(o.data)
    w.close(at)
  }
  return w.b.slice(0, w.n)
}

/** DUID-LLT for an Ethernet MAC, `time` in seconds since 2000-01-01 UTC (RFC 8415 §11.2). */
export function duidLlt(mac: number, time: number): Uint8Array {
  const d = new Uint8Array(14)
  writeU16(d, 0, DuidType.LLT)
  writeU16(d, 2, DUID_HW_ETHER)
  writeU32(d, 4, time >>> 0)
  for (let i = 0; i < 6; i++) d[8 + i] = Math.floor(mac / 2 ** (8 * (5 - i))) & 0xff
  return d
}

/** DUID-LL for an Ethernet MAC (RFC 8415 §11.4). */
export function duidLl(mac: number): Uint8Array {
  const d = new Uint8Array(10)
  writeU16(d, 0, DuidType.LL)
  writeU16(d, 2, DUID_HW_ETHER)
  for (let i = 0; i < 6; i++) d[4 + i] = Math.floor(mac / 2 ** (8 * (5 - i))) & 0xff
  return d
}

/** The Ethernet MAC inside a DUID-LLT or DUID-LL, else undefined (how ISC matches `hardware ethernet`). */
export function duidMac(d: Uint8Array): number | undefined {
  if (d.length < 4 || readU16(d, 2) !== DUID_HW_ETHER) return undefined
  const t = readU16(d, 0)
  const at = t === DuidType.LLT ? 8 : t === DuidType.LL ? 4 : -1
  if (at < 0 || d.length !== at + 6) return undefined
  let m = 0
  for (let i = 0; i < 6; i++) m = m * 256 + d[at + i]!
  return m
}

/** `00:01:00:01:…`, as ISC prints DUIDs and IAIDs. */
export function formatHexColons(d: Uint8Array): string {
  return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join(':')
}

export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
