/**
 * BOOTP/DHCP messages (RFC 951, RFC 2131 §2, options RFC 2132): the 236-byte fixed part (op, htype,
 * hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname, file), the magic
 * cookie 99.130.83.99 and the options that follow it, with the sname and file fields read as more
 * options when option 52 says they are overloaded (RFC 2132 §9.3), and repeated options
 * concatenated (RFC 3396).
 *
 * `parseDhcp` never throws: a malformed message yields a named error for the daemon to count. It
 * reads at most the datagram it is given and stops at option 255; an option running past the end
 * is an error, not a short read. `emitDhcp` builds a message padded to BOOTP's 300 bytes (what
 * both ISC's and FreeBSD's programs send), splitting options longer than 255 bytes (RFC 3396).
 * What the options mean to a client or a server is the daemon's business, not this module's.
 */

import { readU16, readU32, writeU16, writeU32 } from '../addr.js'

export const DHCP_SERVER_PORT = 67
export const DHCP_CLIENT_PORT = 68
/** op .. file: everything before the cookie. */
export const BOOTP_FIXED_LEN = 236
/** 99.130.83.99 (RFC 2131 §3). */
export const DHCP_MAGIC = 0x63825363
/** RFC 951's 300-byte message (BOOTP_MIN_LEN): shorter ones are padded. */
export const BOOTP_MIN_LEN = 300
/** The largest message we build or accept: an Ethernet MTU less the IP and UDP headers. */
export const DHCP_MAX_LEN = 1500 - 20 - 8
/** The broadcast bit of `flags` (RFC 2131 §2, figure 2). */
export const BOOTP_BROADCAST = 0x8000

export const BootOp = { REQUEST: 1, REPLY: 2 } as const
/** htype 1, hlen 6: Ethernet (RFC 1700). */
export const HTYPE_ETHER = 1

/** Option 53's values (RFC 2132 §9.6). */
export const DhcpType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const

/** The names ISC's and FreeBSD's programs log (`DHCPDISCOVER`), by option 53's value. */
export const DHCP_TYPE_NAMES: readonly string[] = [
  '',
  'DHCPDISCOVER',
  'DHCPOFFER',
  'DHCPREQUEST',
  'DHCPDECLINE',
  'DHCPACK',
  'DHCPNAK',
  'DHCPRELEASE',
  'DHCPINFORM',
]

/** Option codes (RFC 2132). */
export const DhcpOpt = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTERS: 3,
  DNS: 6,
  HOSTNAME: 12,
  DOMAIN_NAME: 15,
  BROADCAST: 28,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAM_LIST: 55,
  MESSAGE: 56,
  MAX_SIZE: 57,
  T1: 58,
  T2: 59,
  CLIENT_ID: 61,
  END: 255,
} as const

/** Why a message is malformed, in the order the checks run. */
export const DhcpError = {
  OK: 0,
  /** Shorter than the fixed part and the cookie, or longer than DHCP_MAX_LEN. */
  BAD_LENGTH: 1,
  /** op neither 1 nor 2. */
  BAD_OP: 2,
  /** hlen past chaddr's 16 bytes. */
  BAD_HLEN: 3,
  /** No magic cookie: plain BOOTP, which neither program here serves. */
  NO_COOKIE: 4,
  /** An option's length runs past the end of its field. */
  TRUNCATED_OPTION: 5,
  /** Option 53 missing, not one byte, or not 1..8. */
  BAD_TYPE: 6,
} as const

export interface DhcpRepr {
  op: number
  htype: number
  hlen: number
  hops: number
  xid: number
  secs: number
  flags: number
  ciaddr: number
  yiaddr: number
  siaddr: number
  giaddr: number
  /** 16 bytes; the first hlen are the client's hardware address. */
  chaddr: Uint8Array
  sname: string
  file: string
  /** By code, in the order first seen; repeated codes concatenated. PAD and END are not kept. */
  options: Map<number, Uint8Array>
}

/** Anything carrying parsed options (a message, a client's recorded lease). */
export interface DhcpOptions {
  options: Map<number, Uint8Array>
}

export type DhcpParse = { ok: true; msg: DhcpRepr } | { ok: false; error: number }

/** Where option parsing of one field stopped: END seen, or the field's end, or an error. */
const Walk = { END: 0, EOF: 1, ERR: 2 } as const
type Walk = (typeof Walk)[keyof typeof Walk]

/** Options in b[from, to) added to `into`; stops at END. */
function walkOptions(b: Uint8Array, from: number, to: number, into: Map<number, Uint8Array>): Walk {
  let i = from
  while (i < to) {
    const code = b[i]!
    if (code === DhcpOpt.PAD) {
      i++
      continue
    }
    if (code === DhcpOpt.END) return Walk.END
    if (i + 1 >= to) return Walk.ERR
    const len = b[i + 1]!
    if (i + 2 + len > to) return Walk.ERR
    const data = b.slice(i + 2, i + 2 + len)
    const old = into.get(code)
    if (old === undefined) into.set(code, data)
    else {
      // RFC 3396 §7: the values of all instances, concatenated in order. Bounded by the datagram.
      const joined = new Uint8Array(old.length + len)
      joined.set(old, 0)
      joined.set(data, old.length)
      into.set(code, joined)
    }
    i += 2 + len
  }
  return Walk.EOF
}

/** NUL-terminated text of a fixed field (sname, file); printable bytes as Latin-1. */
function fieldText(b: Uint8Array, off: number, len: number): string {
  let s = ''
  for (let i = off; i < off + len; i++) {
    const c = b[i]!
    if (c === 0) break
    s += String.fromCharCode(c)
  }
  return s
}

/** Parse a DHCP message from b[off, off+len) (a UDP payload); never throws. */
export function parseDhcp(b: Uint8Array, off = 0, len = b.length - off): DhcpParse {
  if (off < 0 || len < BOOTP_FIXED_LEN + 4 || off + len > b.length || len > 0xffff)
    return { ok: false, error: DhcpError.BAD_LENGTH }
  const op = b[off]!
  if (op !== BootOp.REQUEST && op !== BootOp.REPLY) return { ok: false, error: DhcpError.BAD_OP }
  const hlen = b[off + 2]!
  if (hlen > 16) return { ok: false, error: DhcpError.BAD_HLEN }
  if (readU32(b, off + BOOTP_FIXED_LEN) !== DHCP_MAGIC) return { ok: false, error: DhcpError.NO_COOKIE }
  const options = new Map<number, Uint8Array>()
  if (walkOptions(b, off + BOOTP_FIXED_LEN + 4, off + len, options) === Walk.ERR)
    return { ok: false, error: DhcpError.TRUNCATED_OPTION }
  // RFC 2132 §9.3: 1 = file holds options, 2 = sname does, 3 = both; file is read first.
  const overload = options.get(DhcpOpt.OVERLOAD)
  const ov = overload !== undefined && overload.length === 1 ? overload[0]! : 0
  if ((ov & 1) !== 0 && walkOptions(b, off + 108, off + 236, options) === Walk.ERR)
    return { ok: false, error: DhcpError.TRUNCATED_OPTION }
  if ((ov & 2) !== 0 && walkOptions(b, off + 44, off + 108, options) === Walk.ERR)
    return { ok: false, error: DhcpError.TRUNCATED_OPTION }
  const t = options.get(DhcpOpt.MESSAGE_TYPE)
  if (t === undefined || t.length !== 1 || t[0]! < 1 || t[0]! > 8)
    return { ok: false, error: DhcpError.BAD_TYPE }
  return {
    ok: true,
    msg: {
      op,
      htype: b[off + 1]!,
      hlen,
      hops: b[off + 3]!,
      xid: readU32(b, off + 4),
      secs: readU16(b, off + 8),
      flags: readU16(b, off + 10),
      ciaddr: readU32(b, off + 12),
      yiaddr: readU32(b, off + 16),
      siaddr: readU32(b, off + 20),
      giaddr: readU32(b, off + 24),
      chaddr: b.slice(off + 28, off + 44),
      sname: (ov & 2) !== 0 ? '' : fieldText(b, off + 44, 64),
      file: (ov & 1) !== 0 ? '' : fieldText(b, off + 108, 128),
      options,
    },
  }
}

/** The message's size once emitted (before padding to BOOTP_MIN_LEN). */
function optionsLength(r: DhcpRepr): number {
  let n = 0
  for (const [code, v] of r.options) {
    if (code === DhcpOpt.PAD || code === DhcpOpt.END) continue
    // An empty value still takes one instance; a long one takes ceil(len / 255).
    const parts = v.length === 0 ? 1 : Math.ceil(v.length / 255)
    n += parts * 2 + v.length
  }
  return n
}

/**
 * The message as bytes: fixed part, cookie, options in the map's order (message type first if the
 * builder put it first), END, padded with zeros to BOOTP_MIN_LEN. RangeError past DHCP_MAX_LEN (a
 * builder's mistake, never a peer's).
 */
export function emitDhcp(r: DhcpRepr): Uint8Array {
  const len = BOOTP_FIXED_LEN + 4 + optionsLength(r) + 1
  if (len > DHCP_MAX_LEN) throw new RangeError(`DHCP message of ${len} bytes`)
  const b = new Uint8Array(Math.max(len, BOOTP_MIN_LEN))
  b[0] = r.op
  b[1] = r.htype
  b[2] = r.hlen
  b[3] = r.hops
  writeU32(b, 4, r.xid >>> 0)
  writeU16(b, 8, r.secs)
  writeU16(b, 10, r.flags)
  writeU32(b, 12, r.ciaddr >>> 0)
  writeU32(b, 16, r.yiaddr >>> 0)
  writeU32(b, 20, r.siaddr >>> 0)
  writeU32(b, 24, r.giaddr >>> 0)
  b.set(r.chaddr.subarray(0, 16), 28)
  for (let i = 0; i < r.sname.length && i < 63; i++) b[44 + i] = r.sname.charCodeAt(i) & 0xff
  for (let i = 0; i < r.file.length && i < 127; i++) b[108 + i] = r.file.charCodeAt(i) & 0xff
  writeU32(b, BOOTP_FIXED_LEN, DHCP_MAGIC)
  let at = BOOTP_FIXED_LEN + 4
  for (const [code, v] of r.options) {
    if (code === DhcpOpt.PAD || code === DhcpOpt.END) continue
    let i = 0
    do {
      const n = Math.min(255, v.length - i)
      b[at] = code
      b[at + 1] = n
      b.set(v.subarray(i, i + n), at + 2)
      at += 2 + n
      i += n
    } while (i < v.length)
  }
  b[at] = DhcpOpt.END
  return b
}

/** A fresh message with the fixed fields zero and no options. */
export function newDhcp(op: number, xid: number, mac: number): DhcpRepr {
  const chaddr = new Uint8Array(16)
  for (let i = 0; i < 6; i++) chaddr[i] = Math.floor(mac / 2 ** (8 * (5 - i))) % 256
  return {
    op,
    htype: HTYPE_ETHER,
    hlen: 6,
    hops: 0,
    xid: xid >>> 0,
    secs: 0,
    flags: 0,
    ciaddr: 0,
    yiaddr: 0,
    siaddr: 0,
    giaddr: 0,
    chaddr,
    sname: '',
    file: '',
    options: new Map(),
  }
}

/** The client's Ethernet address, or -1 when htype/hlen do not say Ethernet. */
export function dhcpChaddrMac(r: DhcpRepr): number {
  if (r.htype !== HTYPE_ETHER || r.hlen !== 6) return -1
  let m = 0
  for (let i = 0; i < 6; i++) m = m * 256 + r.chaddr[i]!
  return m
}

/** Option 53's value (parseDhcp guarantees it is there). */
export function dhcpType(r: DhcpOptions): number {
  return r.options.get(DhcpOpt.MESSAGE_TYPE)?.[0] ?? 0
}

/** A one-address option (1, 50, 54 ...), or undefined when absent or not four bytes. */
export function dhcpOptAddr(r: DhcpOptions, code: number): number | undefined {
  const v = r.options.get(code)
  return v === undefined || v.length !== 4 ? undefined : readU32(v, 0)
}

/** An address-list option (3, 6): whole addresses only; undefined when absent or not a multiple of 4. */
export function dhcpOptAddrs(r: DhcpOptions, code: number): number[] | undefined {
  const v = r.options.get(code)
  if (v === undefined || v.length === 0 || v.length % 4 !== 0) return undefined
  const out: number[] = []
  for (let i = 0; i < v.length; i += 4) out.push(readU32(v, i))
  return out
}

/** A 32-bit number option (51, 58, 59). */
export function dhcpOptU32(r: DhcpOptions, code: number): number | undefined {
  return dhcpOptAddr(r, code)
}

/** A text option (12, 15, 56), Latin-1, up to the first NUL. */
export function dhcpOptText(r: DhcpOptions, code: number): string | undefined {
  const v = r.options.get(code)
  return v === undefined ? undefined : fieldText(v, 0, v.length)
}

export function optAddr(a: number): Uint8Array {
  const b = new Uint8Array(4)
  writeU32(b, 0, a >>> 0)
  return b
}

export function optAddrs(as: readonly number[]): Uint8Array {
  const b = new Uint8Array(4 * as.length)
  for (let i = 0; i < as.length; i++) writeU32(b, 4 * i, as[i]! >>> 0)
  return b
}

export function optU32(n: number): Uint8Array {
  return optAddr(n)
}

export function optText(s: string): Uint8Array {
  const b = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff
  return b
}
