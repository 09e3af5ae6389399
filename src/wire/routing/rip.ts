/**
 * RIP messages (RFC 2453 §3.6 and §4): a 4-byte header (command, version, must-be-zero) and up to 25
 * route entries of 20 bytes (address family, route tag, address, mask, next hop, metric). Version 1
 * entries (RFC 1058) use the same layout with the tag, mask and next hop zero. An entry with address
 * family 0xFFFF is authentication (RFC 2453 §4.1), which this parser reports but never interprets.
 *
 * A re-pointable view for reading in place, a plain Repr for building, and `parseRip` / `emitRip`
 * between them. Parsing never throws: a malformed message yields a named error for the daemon to
 * count. Semantic checks that need the daemon's state (source on a connected network, port 520) are
 * the daemon's.
 */

import { readU16, readU32, writeU16, writeU32 } from '../addr.js'
import { WireView } from '../view.js'

export const RIP_PORT = 520
/** 224.0.0.9 (RFC 2453 §4.5). */
export const RIP_GROUP = 0xe0000009
export const RIP_HDR_LEN = 4
export const RIP_ENTRY_LEN = 20
/** RFC 2453 §3.6: at most 25 entries in a 512-byte datagram. */
export const RIP_MAX_ENTRIES = 25
export const RIP_INFINITY = 16
export const RIP_AF_INET = 2
export const RIP_AF_AUTH = 0xffff

export const RipCommand = { REQUEST: 1, RESPONSE: 2 } as const

/** Why a message is malformed, in the order the checks run. */
export const RipError = {
  OK: 0,
  /** Shorter than a header, or the entries are not a whole number of 20-byte entries. */
  BAD_LENGTH: 1,
  BAD_COMMAND: 2,
  /** Version 0 (RFC 2453 §3.6: discarded). */
  BAD_VERSION: 3,
  /** Version 1 with must-be-zero fields set (RFC 1058 §3.4). */
  BAD_ZERO: 4,
  TOO_MANY_ENTRIES: 5,
} as const

export interface RipEntry {
  /** Address family identifier: 2 for IP, 0 in a whole-table request, 0xFFFF for authentication. */
  afi: number
  tag: number
  addr: number
  mask: number
  nextHop: number
  metric: number
}

export interface RipRepr {
  command: number
  version: number
  entries: RipEntry[]
}

export class RipView extends WireView {
  protected readonly minLen = RIP_HDR_LEN

  get command(): number {
    return this.buf[this.off]!
  }
  get version(): number {
    return this.buf[this.off + 1]!
  }
  get mbz(): number {
    return readU16(this.buf, this.off + 2)
  }
  /** Whole entries in the window. */
  get entryCount(): number {
    return Math.floor((this.len - RIP_HDR_LEN) / RIP_ENTRY_LEN)
  }
  private at(i: number, field: number): number {
    return this.off + RIP_HDR_LEN + i * RIP_ENTRY_LEN + field
  }
  afi(i: number): number {
    return readU16(this.buf, this.at(i, 0))
  }
  tag(i: number): number {
    return readU16(this.buf, this.at(i, 2))
  }
  addr(i: number): number {
    return readU32(this.buf, this.at(i, 4))
  }
  mask(i: number): number {
    return readU32(this.buf, this.at(i, 8))
  }
  nextHop(i: number): number {
    return readU32(this.buf, this.at(i, 12))
  }
  metric(i: number): number {
    return readU32(this.buf, this.at(i, 16))
  }

  /** The message's structural validity, one of RipError. */
  check(): number {
    const inside = this.off >= 0 && this.off + this.len <= this.buf.length
    if (!inside || this.len < RIP_HDR_LEN || (this.len - RIP_HDR_LEN) % RIP_ENTRY_LEN !== 0)
      return RipError.BAD_LENGTH
    const c = this.command
    if (c !== RipCommand.REQUEST && c !== RipCommand.RESPONSE) return RipError.BAD_COMMAND
    if (this.version === 0) return RipError.BAD_VERSION
    if (this.entryCount > RIP_MAX_ENTRIES) return RipError.TOO_MANY_ENTRIES
    if (this.version === 1) {
      if (this.mbz !== 0) return RipError.BAD_ZERO
      for (let i = 0; i < this.entryCount; i++)
        if (this.tag(i) !== 0 || this.mask(i) !== 0 || this.nextHop(i) !== 0) return RipError.BAD_ZERO
    }
    return RipError.OK
  }
}

export type RipParse = { ok: true; rip: RipRepr } | { ok: false; error: number }

/** Parse a RIP message from b[off, off+len); never throws. */
export function parseRip(b: Uint8Array, off = 0, len = b.length - off): RipParse {
  const v = new RipView()
  if (!v.point(b, off, len)) return { ok: false, error: RipError.BAD_LENGTH }
  const e = v.check()
  if (e !== RipError.OK) return { ok: false, error: e }
  const entries: RipEntry[] = []
  for (let i = 0; i < v.entryCount; i++)
    entries.push({
      afi: v.afi(i),
      tag: v.tag(i),
      addr: v.addr(i),
      mask: v.mask(i),
      nextHop: v.nextHop(i),
      metric: v.metric(i),
    })
  return { ok: true, rip: { command: v.command, version: v.version, entries } }
}

/** The bytes of a message; entries past 25 are the caller's mistake and are still written. */
export function emitRip(r: RipRepr): Uint8Array {
  const b = new Uint8Array(RIP_HDR_LEN + r.entries.length * RIP_ENTRY_LEN)
  b[0] = r.command
  b[1] = r.version
  let o = RIP_HDR_LEN
  for (const e of r.entries) {
    writeU16(b, o, e.afi)
    writeU16(b, o + 2, e.tag)
    writeU32(b, o + 4, e.addr >>> 0)
    writeU32(b, o + 8, e.mask >>> 0)
    writeU32(b, o + 12, e.nextHop >>> 0)
    writeU32(b, o + 16, e.metric >>> 0)
    o += RIP_ENTRY_LEN
  }
  return b
}

/** RFC 2453 §3.9.1: a request for the whole table is one entry of family 0 and metric 16. */
export function isWholeTableRequest(r: RipRepr): boolean {
  const e = r.entries[0]
  return r.entries.length === 1 && e !== undefined && e.afi === 0 && e.metric === RIP_INFINITY
}
