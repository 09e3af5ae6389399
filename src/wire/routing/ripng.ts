/**
 * RIPng messages (RFC 2080 §2.1): a 4-byte header (command, version 1, must-be-zero) and route table
 * entries (RTEs) of 20 bytes — IPv6 prefix (16), route tag (2), prefix length (1), metric (1). An RTE
 * with metric 0xFF is a next-hop RTE (§2.1.1): its prefix field is the next hop (:: = the sender) for
 * the RTEs that follow it, until the next next-hop RTE.
 *
 * Parsing never throws: a malformed message yields a named error the daemon counts. Per-entry checks
 * (prefix length ≤ 128, metric 1..16, no multicast or link-local prefix) and the datagram's source,
 * port and hop-limit checks (§2.4) need the daemon's state and are the daemon's.
 */

import { readU16, writeU16 } from '../addr.js'

export const RIPNG_PORT = 521
/** ff02::9, all RIP routers (RFC 2080 §2.5.1). */
export const RIPNG_GROUP = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9])
export const RIPNG_HDR_LEN = 4
export const RIPNG_RTE_LEN = 20
export const RIPNG_VERSION = 1
export const RIPNG_INFINITY = 16
/** The metric that marks a next-hop RTE (§2.1.1). */
export const RIPNG_METRIC_NEXTHOP = 0xff
/**
 * RTEs in one datagram: as many as fit in the link MTU (§2.1); for 1500 bytes,
 * (1500 - 40 IPv6 - 8 UDP - 4 header) / 20 = 72. Receivers take any count that fits the datagram.
 */
export function ripngMaxRtes(mtu: number): number {
  return Math.max(1, Math.floor((mtu - 40 - 8 - RIPNG_HDR_LEN) / RIPNG_RTE_LEN))
}

export const RipngCommand = { REQUEST: 1, RESPONSE: 2 } as const

/** Why a message is malformed, in the order the checks run. */
export const RipngError = {
  OK: 0,
  /** Shorter than a header, or not a whole number of 20-byte RTEs. */
  BAD_LENGTH: 1,
  BAD_COMMAND: 2,
  /** Anything but version 1 (FRR's ripngd drops them). */
  BAD_VERSION: 3,
  /** Must-be-zero header bytes set. */
  BAD_ZERO: 4,
} as const

export interface RipngRte {
  /** The prefix, or for a next-hop RTE the next hop. 16 bytes. */
  prefix: Uint8Array
  tag: number
  len: number
  /** 1..16, or RIPNG_METRIC_NEXTHOP. */
  metric: number
}

export interface RipngRepr {
  command: number
  version: number
  rtes: RipngRte[]
}

export type RipngParse = { ok: true; ripng: RipngRepr } | { ok: false; error: number }

/** Parse a RIPng message from b[off, off+len); never throws. */
export function parseRipng(b: Uint8Array, off = 0, len = b.length - off): RipngParse {
  if (
    !Number.isInteger(off) ||
    !Number.isInteger(len) ||
    off < 0 ||
    len < RIPNG_HDR_LEN ||
    off + len > b.length ||
    (len - RIPNG_HDR_LEN) % RIPNG_RTE_LEN !== 0
  )
    return { ok: false, error: RipngError.BAD_LENGTH }
  const command = b[off]!
  if (command !== RipngCommand.REQUEST && command !== RipngCommand.RESPONSE)
    return { ok: false, error: RipngError.BAD_COMMAND }
  const version = b[off + 1]!
  if (version !== RIPNG_VERSION) return { ok: false, error: RipngError.BAD_VERSION }
  if (readU16(b, off + 2) !== 0) return { ok: false, error: RipngError.BAD_ZERO }
  const rtes: RipngRte[] = []
  for (let o = off + RIPNG_HDR_LEN; o < off + len; o += RIPNG_RTE_LEN)
    rtes.push({ prefix: b.slice(o, o + 16), tag: readU16(b, o + 16), len: b[o + 18]!, metric: b[o + 19]! })
  return { ok: true, ripng: { command, version, rtes } }
}

/** The bytes of a message (the caller splits RTEs by ripngMaxRtes). */
export function emitRipng(r: RipngRepr): Uint8Array {
  const b = new Uint8Array(RIPNG_HDR_LEN + r.rtes.length * RIPNG_RTE_LEN)
  b[0] = r.command
  b[1] = r.version
  let o = RIPNG_HDR_LEN
  for (const e of r.rtes) {
    b.set(e.prefix.subarray(0, 16), o)
    writeU16(b, o + 16, e.tag)
    b[o + 18] = e.len
    b[o + 19] = e.metric
    o += RIPNG_RTE_LEN
  }
  return b
}

/** A next-hop RTE (§2.1.1) for `nextHop` (:: = "the originator of this advertisement"). */
export function nextHopRte(nextHop: Uint8Array): RipngRte {
  return { prefix: nextHop, tag: 0, len: 0, metric: RIPNG_METRIC_NEXTHOP }
}

/** §2.4.1: a request for the whole table is one RTE, prefix ::, length 0, metric 16. */
export function isWholeTableRequest(r: RipngRepr): boolean {
  const e = r.rtes[0]
  return (
    r.rtes.length === 1 &&
    e !== undefined &&
    e.len === 0 &&
    e.metric === RIPNG_INFINITY &&
    e.prefix.every((x) => x === 0)
  )
}

/** The RTEs of a whole-table request. */
export function wholeTableRequest(): RipngRte[] {
  return [{ prefix: new Uint8Array(16), tag: 0, len: 0, metric: RIPNG_INFINITY }]
}
