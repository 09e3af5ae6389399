/**
 * BGP-4 messages (RFC 4271) as they travel on a TCP stream: the 19-byte header (all-ones marker,
 * length 19..4096, type), OPEN with capabilities (RFC 5492: multiprotocol IPv4 unicast RFC 4760,
 * route refresh RFC 2918, 4-octet AS RFC 6793), UPDATE with its path attributes, NOTIFICATION,
 * KEEPALIVE and ROUTE-REFRESH; a framer that cuts the byte stream into messages (bgp_build.ts builds them).
 *
 * A message that breaks the rules parses to the NOTIFICATION code/subcode/data RFC 4271 §6 asks
 * for. Attribute errors that RFC 7606 lets a speaker survive do not end the session: the UPDATE is
 * kept with `treatAsWithdraw` set (its NLRI are withdrawn instead) or the bad attribute dropped
 * (`discarded`).
 *
 * Must not: throw on any input (every read is bounds-checked first), or buffer more than one
 * maximal message per stream.
 */

import { readU16, readU32, writeU16 } from '../addr.js'

export const BGP_PORT = 179

export const BGP_HDR_LEN = 19

export const BGP_MAX_LEN = 4096

export const BGP_VERSION = 4

/** RFC 6793: the 2-octet stand-in for a 4-octet AS. */
export const AS_TRANS = 23456

export const MSG_OPEN = 1

export const MSG_UPDATE = 2

export const MSG_NOTIFICATION = 3

export const MSG_KEEPALIVE = 4

export const MSG_ROUTE_REFRESH = 5

// NOTIFICATION error codes and subcodes (RFC 4271 §4.5, §6; RFC 4486 for Cease).
export const ERR_HEADER = 1

export const ERR_OPEN = 2

export const ERR_UPDATE = 3

export const ERR_HOLD = 4

export const ERR_FSM = 5

export const ERR_CEASE = 6

export const HDR_NOT_SYNC = 1

export const HDR_BAD_LENGTH = 2

export const HDR_BAD_TYPE = 3

export const OPEN_BAD_VERSION = 1

export const OPEN_BAD_AS = 2

export const OPEN_BAD_ID = 3

export const OPEN_UNSUP_PARAM = 4

export const OPEN_BAD_HOLD = 6

export const UPD_MALFORMED_LIST = 1

export const UPD_UNRECOGNIZED_WELLKNOWN = 2

export const UPD_MISSING_WELLKNOWN = 3

export const UPD_FLAGS = 4

export const UPD_LENGTH = 5

export const UPD_BAD_ORIGIN = 6

export const UPD_BAD_NEXTHOP = 8

export const UPD_OPTIONAL = 9

export const UPD_BAD_NETWORK = 10

export const UPD_MALFORMED_ASPATH = 11

export const CEASE_MAX_PREFIX = 1

export const CEASE_ADMIN_SHUTDOWN = 2

export const CEASE_PEER_UNCONFIG = 3

export const CEASE_ADMIN_RESET = 4

export const CEASE_COLLISION = 7

export const ATTR_ORIGIN = 1

export const ATTR_AS_PATH = 2

export const ATTR_NEXT_HOP = 3

export const ATTR_MED = 4

export const ATTR_LOCAL_PREF = 5

export const ATTR_ATOMIC_AGGREGATE = 6

export const ATTR_AGGREGATOR = 7

export const ATTR_MP_REACH = 14

export const ATTR_MP_UNREACH = 15

export const ATTR_AS4_PATH = 17

export const ATTR_AS4_AGGREGATOR = 18

export const F_OPTIONAL = 0x80

export const F_TRANSITIVE = 0x40

const F_PARTIAL = 0x20

export const F_EXTLEN = 0x10

export const AS_SET = 1

export const AS_SEQUENCE = 2

export const CAP_MP = 1

export const CAP_ROUTE_REFRESH = 2

export const CAP_AS4 = 65

export const AFI_IPV4 = 1

export const SAFI_UNICAST = 1

export const ORIGIN_IGP = 0

export const ORIGIN_EGP = 1

export const ORIGIN_INCOMPLETE = 2

export interface Prefix {
  addr: number
  len: number
}

export interface AsSegment {
  type: typeof AS_SET | typeof AS_SEQUENCE
  asns: number[]
}

/** An attribute VirtNet does not interpret, passed on when optional transitive (with Partial set). */
export interface RawAttr {
  flags: number
  type: number
  value: Uint8Array
}

export interface PathAttrs {
  origin: number
  asPath: AsSegment[]
  nextHop: number
  med: number | null
  localPref: number | null
  atomicAggregate: boolean
  aggregator: { as: number; id: number } | null
  /** Optional transitive attributes not understood here (COMMUNITY ...), in arrival order. */
  unknown: RawAttr[]
}

export interface OpenMsg {
  type: 'open'
  version: number
  /** The 2-octet My Autonomous System field (AS_TRANS when the speaker's AS needs 4 octets). */
  myAs: number
  hold: number
  id: number
  /** The 4-octet AS capability's value, or null when not offered. */
  as4: number | null
  routeRefresh: boolean
  mpIpv4: boolean
  /** Capability codes offered and not understood here (ignored, RFC 5492 §3). */
  otherCaps: number[]
}

export interface UpdateMsg {
  type: 'update'
  withdrawn: Prefix[]
  /** null when the UPDATE carries no path attributes (withdrawals only). */
  attrs: PathAttrs | null
  nlri: Prefix[]
  /** RFC 7606: an attribute was malformed in a way that keeps the session; the NLRI are withdrawn. */
  treatAsWithdraw: boolean
  /** Why (treat-as-withdraw or attribute discard), for counters and logs. */
  notes: string[]
}

export interface NotificationMsg {
  type: 'notification'
  code: number
  subcode: number
  data: Uint8Array
}

export type BgpMsg =
  | OpenMsg
  | UpdateMsg
  | NotificationMsg
  | { type: 'keepalive' }
  | { type: 'refresh'; afi: number; safi: number }

/** What a peer must be told about a message that breaks the rules (and why, for logs). */
export interface BgpError {
  code: number
  subcode: number
  data: Uint8Array
  why: string
}

export type ParseResult = { ok: true; msg: BgpMsg } | { ok: false; err: BgpError }

export const EMPTY = new Uint8Array(0)

function fail(code: number, subcode: number, why: string, data: Uint8Array = EMPTY): ParseResult {
  return { ok: false, err: { code, subcode, data, why } }
}

/** The attribute as it arrived (flags, type, length, value): the data of an UPDATE error. */
function attrBytes(b: Uint8Array, at: number, end: number): Uint8Array {
  return b.slice(at, Math.min(end, b.length))
}

// ---- framing ----

/**
 * Cuts a TCP byte stream into BGP messages. push() what recv() returned, then call next() until it
 * answers null. A bad marker or length is a header error; after one the stream is finished.
 */
export class BgpFramer {
  private buf = new Uint8Array(BGP_MAX_LEN * 2)
  private have = 0
  private failed = false

  /** Append received bytes; false when there is no room (the caller did not drain with next()). */
  push(data: Uint8Array): boolean {
    if (this.failed) return false
    if (this.have + data.length > this.buf.length) {
      if (this.have + data.length > BGP_MAX_LEN + 65536 + BGP_MAX_LEN) return false
      const n = new Uint8Array(Math.max(this.buf.length * 2, this.have + data.length))
      n.set(this.buf.subarray(0, this.have))
      this.buf = n
    }
    this.buf.set(data, this.have)
    this.have += data.length
    return true
  }

  /** The next whole message (header included), a header error, or null when more bytes are needed. */
  next(): Uint8Array | BgpError | null {
    if (this.failed || this.have < BGP_HDR_LEN) return null
    const b = this.buf
    for (let i = 0; i < 16; i++)
      if (b[i] !== 0xff) {
        this.failed = true
        return { code: ERR_HEADER, subcode: HDR_NOT_SYNC, data: EMPTY, why: 'marker not all ones' }
      }
    const len = readU16(b, 16)
    if (len < BGP_HDR_LEN || len > BGP_MAX_LEN) {
      this.failed = true
      return { code: ERR_HEADER, subcode: HDR_BAD_LENGTH, data: b.slice(16, 18), why: `length ${len}` }
    }
    if (this.have < len) return null
    const msg = b.slice(0, len)
    b.copyWithin(0, len, this.have)
    this.have -= len
    // Give back a buffer a burst grew, once it has drained.
    if (this.have === 0 && b.length > BGP_MAX_LEN * 2) this.buf = new Uint8Array(BGP_MAX_LEN * 2)
    return msg
  }
}

// ---- parsing ----

/** Parse one whole message (as BgpFramer.next() gives it). `as4`: AS numbers in AS_PATH take 4 octets. */
export function parseMessage(b: Uint8Array, as4: boolean): ParseResult {
  if (b.length < BGP_HDR_LEN) return fail(ERR_HEADER, HDR_BAD_LENGTH, 'short message')
  for (let i = 0; i < 16; i++) if (b[i] !== 0xff) return fail(ERR_HEADER, HDR_NOT_SYNC, 'bad marker')
  const len = readU16(b, 16)
  const type = b[18]!
  if (len !== b.length || len > BGP_MAX_LEN)
    return fail(ERR_HEADER, HDR_BAD_LENGTH, 'length', b.slice(16, 18))
  const badLen = () => fail(ERR_HEADER, HDR_BAD_LENGTH, `length ${len} for type ${type}`, b.slice(16, 18))
  switch (type) {
    case MSG_OPEN:
      return len < 29 ? badLen() : parseOpen(b)
    case MSG_UPDATE:
      return len < 23 ? badLen() : parseUpdate(b, as4)
    case MSG_NOTIFICATION:
      if (len < 21) return badLen()
      return {
        ok: true,
        msg: { type: 'notification', code: b[19]!, subcode: b[20]!, data: b.slice(21) },
      }
    case MSG_KEEPALIVE:
      return len !== BGP_HDR_LEN ? badLen() : { ok: true, msg: { type: 'keepalive' } }
    case MSG_ROUTE_REFRESH:
      if (len !== 23) return badLen()
      return { ok: true, msg: { type: 'refresh', afi: readU16(b, 19), safi: b[22]! } }
    default:
      return fail(ERR_HEADER, HDR_BAD_TYPE, `type ${type}`, b.slice(18, 19))
  }
}

function parseOpen(b: Uint8Array): ParseResult {
  const version = b[19]!
  if (version !== BGP_VERSION) {
    const d = new Uint8Array(2)
    writeU16(d, 0, BGP_VERSION)
    return fail(ERR_OPEN, OPEN_BAD_VERSION, `version ${version}`, d)
  }
  const msg: OpenMsg = {
    type: 'open',
    version,
    myAs: readU16(b, 20),
    hold: readU16(b, 22),
    id: readU32(b, 24),
    as4: null,
    routeRefresh: false,
    mpIpv4: false,
    otherCaps: [],
  }
  const optLen = b[28]!
  if (29 + optLen !== b.length)
    return fail(ERR_HEADER, HDR_BAD_LENGTH, 'optional parameters length', b.slice(16, 18))
  if (msg.hold === 1 || msg.hold === 2) return fail(ERR_OPEN, OPEN_BAD_HOLD, `hold time ${msg.hold}`)
  // RFC 6286: any non-zero identifier; RFC 4271 asked for a valid unicast address.
  if (msg.id === 0) return fail(ERR_OPEN, OPEN_BAD_ID, 'BGP identifier 0')
  let at = 29
  while (at < b.length) {
    if (at + 2 > b.length) return fail(ERR_OPEN, 0, 'optional parameter truncated')
    const ptype = b[at]!
    const plen = b[at + 1]!
    const end = at + 2 + plen
    if (end > b.length) return fail(ERR_OPEN, 0, 'optional parameter truncated')
    if (ptype !== 2) return fail(ERR_OPEN, OPEN_UNSUP_PARAM, `optional parameter ${ptype}`)
    for (let c = at + 2; c < end; ) {
      if (c + 2 > end) return fail(ERR_OPEN, 0, 'capability truncated')
      const code = b[c]!
      const clen = b[c + 1]!
      const v = c + 2
      if (v + clen > end) return fail(ERR_OPEN, 0, 'capability truncated')
      if (code === CAP_AS4 && clen === 4) msg.as4 = readU32(b, v)
      else if (code === CAP_ROUTE_REFRESH) msg.routeRefresh = true
      else if (code === CAP_MP && clen === 4) {
        if (readU16(b, v) === AFI_IPV4 && b[v + 3] === SAFI_UNICAST) msg.mpIpv4 = true
      } else if (!msg.otherCaps.includes(code) && msg.otherCaps.length < 64) msg.otherCaps.push(code)
      c = v + clen
    }
    at = end
  }
  return { ok: true, msg }
}

/** Prefixes packed as (length, significant octets); null when one does not fit (RFC 4271 §4.3). */
function parsePrefixes(b: Uint8Array, at: number, end: number, out: Prefix[]): boolean {
  while (at < end) {
    const len = b[at]!
    if (len > 32) return false
    const n = (len + 7) >> 3
    if (at + 1 + n > end) return false
    let a = 0
    for (let i = 0; i < 4; i++) a = (a << 8) | (i < n ? b[at + 1 + i]! : 0)
    // Bits past the length are ignored (RFC 4271 §4.3: "trailing bits ... irrelevant").
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0
    out.push({ addr: (a & mask) >>> 0, len })
    at += 1 + n
  }
  return true
}

function parseAsPath(v: Uint8Array, width: 2 | 4): AsSegment[] | null {
  const segs: AsSegment[] = []
  let at = 0
  while (at < v.length) {
    if (at + 2 > v.length) return null
    const type = v[at]!
    const count = v[at + 1]!
    if ((type !== AS_SET && type !== AS_SEQUENCE) || count === 0) return null
    if (at + 2 + count * width > v.length) return null
    const asns: number[] = []
    for (let i = 0; i < count; i++) {
      const o = at + 2 + i * width
      asns.push(width === 4 ? readU32(v, o) : readU16(v, o))
    }
    segs.push({ type, asns })
    at += 2 + count * width
  }
  return segs
}

/** Expected flags (optional, transitive) of the attributes interpreted here. */
const KNOWN_FLAGS: Record<number, number> = {
  [ATTR_ORIGIN]: F_TRANSITIVE,
  [ATTR_AS_PATH]: F_TRANSITIVE,
  [ATTR_NEXT_HOP]: F_TRANSITIVE,
  [ATTR_MED]: F_OPTIONAL,
  [ATTR_LOCAL_PREF]: F_TRANSITIVE,
  [ATTR_ATOMIC_AGGREGATE]: F_TRANSITIVE,
  [ATTR_AGGREGATOR]: F_OPTIONAL | F_TRANSITIVE,
}

function parseUpdate(b: Uint8Array, as4: boolean): ParseResult {
  const wlen = readU16(b, 19)
  const wEnd = 21 + wlen
  if (wEnd + 2 > b.length) return fail(ERR_UPDATE, UPD_MALFORMED_LIST, 'withdrawn routes length')
  const alen = readU16(b, wEnd)
  const aStart = wEnd + 2
  const aEnd = aStart + alen
  if (aEnd > b.length) return fail(ERR_UPDATE, UPD_MALFORMED_LIST, 'total path attribute length')
  const msg: UpdateMsg = {
    type: 'update',
    withdrawn: [],
    attrs: null,
    nlri: [],
    treatAsWithdraw: false,
    notes: [],
  }
  if (!parsePrefixes(b, 21, wEnd, msg.withdrawn)) return fail(ERR_UPDATE, UPD_BAD_NETWORK, 'withdrawn prefix')
  if (!parsePrefixes(b, aEnd, b.length, msg.nlri)) return fail(ERR_UPDATE, UPD_BAD_NETWORK, 'NLRI prefix')
  if (alen === 0) {
    if (msg.nlri.length > 0)
      return {
        ok: true,
        msg: { ...msg, treatAsWithdraw: true, notes: ['NLRI without path attributes'] },
      }
    return { ok: true, msg }
  }
  const a: PathAttrs = {
    origin: -1,
    asPath: [],
    nextHop: 0,
    med: null,
    localPref: null,
    atomicAggregate: false,
    aggregator: null,
    unknown: [],
  }
  let sawAsPath = false
  let sawNextHop = false
  const seen = new Set<number>()
  const withdraw = (why: string) => {
    msg.treatAsWithdraw = true
    msg.notes.push(why)
  }
  for (let at = aStart; at < aEnd; ) {
    if (at + 3 > aEnd) return fail(ERR_UPDATE, UPD_MALFORMED_LIST, 'attribute header truncated')
    const flags = b[at]!
    const type = b[at + 1]!
    const ext = (flags & F_EXTLEN) !== 0
    if (ext && at + 4 > aEnd) return fail(ERR_UPDATE, UPD_MALFORMED_LIST, 'attribute header truncated')
    const len = ext ? readU16(b, at + 2) : b[at + 2]!
    const v0 = at + (ext ? 4 : 3)
    const end = v0 + len
    // RFC 7606 §4: an attribute running past the attribute field leaves nothing to trust but the
    // field's end, and the NLRI stay locatable: treat-as-withdraw.
    if (end > aEnd) {
      withdraw(`attribute ${type} overruns the attribute field`)
      break
    }
    const v = b.subarray(v0, end)
    const raw = attrBytes(b, at, end)
    at = end
    // RFC 7606 §3.g: a repeated attribute — all but the first are discarded.
    if (seen.has(type)) {
      msg.notes.push(`attribute ${type} repeated`)
      continue
    }
    seen.add(type)
    const want = KNOWN_FLAGS[type]
    if (want !== undefined && (flags & (F_OPTIONAL | F_TRANSITIVE)) !== want) {
      withdraw(`attribute ${type} flags 0x${flags.toString(16)}`)
      continue
    }
    switch (type) {
      case ATTR_ORIGIN:
        if (len !== 1 || v[0]! > 2) withdraw(len !== 1 ? 'ORIGIN length' : `ORIGIN ${v[0]}`)
        else a.origin = v[0]!
        break
      case ATTR_AS_PATH: {
        const p = parseAsPath(v, as4 ? 4 : 2)
        sawAsPath = true
        if (p === null) withdraw('malformed AS_PATH')
        else a.asPath = p
        break
      }
      case ATTR_NEXT_HOP:
        sawNextHop = true
        if (len !== 4) withdraw('NEXT_HOP length')
        else {
          a.nextHop = readU32(v, 0)
          const top = a.nextHop >>> 24
          // §6.3: not a valid host address — 0.0.0.0, loopback, class D/E.
          if (a.nextHop === 0 || top === 127 || top >= 224) withdraw(`NEXT_HOP ${a.nextHop >>> 0}`)
        }
        break
      case ATTR_MED:
        if (len !== 4) withdraw('MULTI_EXIT_DISC length')
        else a.med = readU32(v, 0)
        break
      case ATTR_LOCAL_PREF:
        if (len !== 4) withdraw('LOCAL_PREF length')
        else a.localPref = readU32(v, 0)
        break
      case ATTR_ATOMIC_AGGREGATE:
        // RFC 7606 §7.6: a bad length is an attribute discard.
        if (len !== 0) msg.notes.push('ATOMIC_AGGREGATE length; discarded')
        else a.atomicAggregate = true
        break
      case ATTR_AGGREGATOR: {
        const w = as4 ? 8 : 6
        if (len !== w) msg.notes.push('AGGREGATOR length; discarded')
        else a.aggregator = { as: as4 ? readU32(v, 0) : readU16(v, 0), id: readU32(v, w - 4) }
        break
      }
      case ATTR_MP_REACH:
      case ATTR_MP_UNREACH:
      case ATTR_AS4_PATH:
      case ATTR_AS4_AGGREGATOR:
        // IPv4 unicast travels in the classic fields; AS4_* only matter to 2-octet speakers.
        break
      default:
        if ((flags & F_OPTIONAL) === 0)
          return fail(ERR_UPDATE, UPD_UNRECOGNIZED_WELLKNOWN, `well-known attribute ${type}`, raw)
        if ((flags & F_TRANSITIVE) !== 0 && a.unknown.length < 32)
          a.unknown.push({ flags: flags | F_PARTIAL, type, value: v.slice() })
    }
  }
  if (msg.nlri.length > 0 && !msg.treatAsWithdraw) {
    // §6.3 / RFC 7606 §3.d: a missing well-known mandatory attribute is treat-as-withdraw.
    if (a.origin < 0) withdraw('ORIGIN missing')
    else if (!sawAsPath) withdraw('AS_PATH missing')
    else if (!sawNextHop) withdraw('NEXT_HOP missing')
  }
  if (a.origin < 0) a.origin = ORIGIN_INCOMPLETE
  msg.attrs = a
  return { ok: true, msg }
}

/** RFC 4271 §9.1.2.2 a): AS_SET counts one, each AS_SEQUENCE member one. */
export function asPathLength(p: readonly AsSegment[]): number {
  let n = 0
  for (const s of p) n += s.type === AS_SET ? 1 : s.asns.length
  return n
}

/** The AS path as FRR prints it: `65001 65002 {65003,65004}`. */
export function formatAsPath(p: readonly AsSegment[]): string {
  return p.map((s) => (s.type === AS_SET ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' ')
}
