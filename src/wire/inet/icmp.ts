/**
 * ICMP for IPv4 (RFC 792): the 8-byte header (type, code, checksum, and the 32-bit "rest" whose meaning
 * depends on the type) followed by data. The checksum covers the whole ICMP message.
 *
 * The view allocates nothing and never throws; after `point` succeeds no accessor reads outside
 * [off, off+len). Building replies and errors (which bytes of the offending packet to quote, rate
 * limits) belongs to the stack.
 */

import { readU16, readU32, writeU32 } from '../addr.js'
import { checksum } from '../checksum.js'
import { WireView } from '../view.js'

export const ICMP_HDR_LEN = 8

export const IcmpType = {
  ECHO_REPLY: 0,
  UNREACH: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO: 8,
  ROUTER_ADVERT: 9,
  ROUTER_SOLICIT: 10,
  TIME_EXCEEDED: 11,
  PARAM_PROBLEM: 12,
  TIMESTAMP: 13,
  TIMESTAMP_REPLY: 14,
  MASKREQ: 17,
  MASKREPLY: 18,
} as const

export const UnreachCode = {
  NET: 0,
  HOST: 1,
  PROTOCOL: 2,
  PORT: 3,
  /** Fragmentation needed and DF set; the next-hop MTU is in the header (RFC 1191). */
  NEEDFRAG: 4,
  SRCFAIL: 5,
  NET_UNKNOWN: 6,
  HOST_UNKNOWN: 7,
  NET_PROHIB: 9,
  HOST_PROHIB: 10,
  FILTER_PROHIB: 13,
} as const

export const TimeExceededCode = { TTL: 0, REASSEMBLY: 1 } as const

/** Error messages, which quote the offending packet and must never be answered with another error. */
export function isIcmpError(type: number): boolean {
  return (
    type === IcmpType.UNREACH ||
    type === IcmpType.SOURCE_QUENCH ||
    type === IcmpType.REDIRECT ||
    type === IcmpType.TIME_EXCEEDED ||
    type === IcmpType.PARAM_PROBLEM
  )
}

export class IcmpView extends WireView {
  protected readonly minLen = ICMP_HDR_LEN

  get type(): number {
    return this.buf[this.off]
  }
  set type(v: number) {
    this.buf[this.off] = v
  }
  get code(): number {
    return this.buf[this.off + 1]
  }
  set code(v: number) {
    this.buf[this.off + 1] = v
  }
  get checksum(): number {
    return readU16(this.buf, this.off + 2)
  }
  set checksum(v: number) {
    this.buf[this.off + 2] = v >>> 8
    this.buf[this.off + 3] = v
  }
  /** Echo, echo reply, timestamp: identifier. */
  get ident(): number {
    return readU16(this.buf, this.off + 4)
  }
  /** Echo, echo reply, timestamp: sequence number. */
  get seq(): number {
    return readU16(this.buf, this.off + 6)
  }
  /** Unreachable with code NEEDFRAG: the next-hop MTU (RFC 1191); 0 from pre-RFC 1191 routers. */
  get nextHopMtu(): number {
    return readU16(this.buf, this.off + 6)
  }
  /** Redirect: the gateway address. */
  get gateway(): number {
    return readU32(this.buf, this.off + 4)
  }
  get payloadOffset(): number {
    return this.off + ICMP_HDR_LEN
  }

  /** True when the checksum over all len bytes is correct. */
  verify(): boolean {
    return checksum(this.buf, this.off, this.len) === 0
  }

  /** Computes and stores the checksum over all len bytes. */
  fillChecksum(): void {
    icmpFinish(this.buf, this.off, this.len)
  }
}

/** Writes the 8-byte header with a zero checksum; `rest32` is bytes 4..7 (ident << 16 | seq for echo). */
export function writeIcmpHeader(
  buf: Uint8Array,
  off: number,
  type: number,
  code: number,
  rest32: number,
): void {
  buf[off] = type
  buf[off + 1] = code
  buf[off + 2] = 0
  buf[off + 3] = 0
  writeU32(buf, off + 4, rest32)
}

/** Computes and stores the checksum of the ICMP message buf[off, off+len) (header and data). */
export function icmpFinish(buf: Uint8Array, off: number, len: number): void {
  buf[off + 2] = 0
  buf[off + 3] = 0
  const c = checksum(buf, off, len)
  buf[off + 2] = c >>> 8
  buf[off + 3] = c
}

export interface IcmpHeader {
  type: number
  code: number
  /** Bytes 4..7 as an unsigned 32-bit number. */
  rest: number
  payloadLength: number
}

/** Null when buf[off, off+len) is not in buf, shorter than 8 bytes, or fails the checksum. */
export function parseIcmp(buf: Uint8Array, off: number, len: number): IcmpHeader | null {
  const v = new IcmpView()
  if (!v.point(buf, off, len) || !v.verify()) return null
  return { type: v.type, code: v.code, rest: readU32(buf, off + 4), payloadLength: len - ICMP_HDR_LEN }
}
