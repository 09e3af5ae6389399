/**
 * The IPv6 header (RFC 8200 §3) and the fragment extension header (§4.5): a re-pointable view for the
 * data path, a writer for building packets, and the upper-layer pseudo-header sum (§8.1) that ICMPv6,
 * UDP and TCP checksums start from.
 *
 * The view allocates nothing and never throws; `point` checks only that the fixed 40 bytes are there,
 * `check` validates version and payload length the way ip6_input does before anything trusts them.
 * Must not: walk extension-header chains or reassemble (the stack's ip6_input and frag6 do).
 */

import { readU16, readU32, writeU16, writeU32 } from '../addr.js'
import { sum16 } from '../checksum.js'
import { WireView } from '../view.js'

export const IPV6_HDR_LEN = 40
/** RFC 8200 §5: every link carries at least 1280-byte packets. */
export const IPV6_MMTU = 1280
export const IPV6_DEFHLIM = 64
export const IPV6_MAXHLIM = 255

/** Next-header values (netinet/in.h IPPROTO_*). */
export const Ip6Nxt = {
  HOPOPTS: 0,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
} as const

/** Results of `Ipv6View.check`, in ip6_input's order (ip6s_toosmall, ip6s_badvers, ip6s_tooshort). */
export const Ipv6Check = { OK: 0, TOO_SHORT: 1, BAD_VERSION: 2, BAD_LEN: 3 } as const

export class Ipv6View extends WireView {
  protected readonly minLen = IPV6_HDR_LEN

  /** Version 6 and 40 + payloadLength <= len (len may exceed it: Ethernet padding). */
  check(): number {
    const b = this.buf
    const o = this.off
    if (!(o >= 0 && this.len >= IPV6_HDR_LEN && o + this.len <= b.length)) return Ipv6Check.TOO_SHORT
    if (b[o]! >>> 4 !== 6) return Ipv6Check.BAD_VERSION
    if (IPV6_HDR_LEN + readU16(b, o + 4) > this.len) return Ipv6Check.BAD_LEN
    return Ipv6Check.OK
  }

  get version(): number {
    return this.buf[this.off]! >>> 4
  }
  get trafficClass(): number {
    return (readU16(this.buf, this.off) >>> 4) & 0xff
  }
  get flowLabel(): number {
    return readU32(this.buf, this.off) & 0xfffff
  }
  get payloadLength(): number {
    return readU16(this.buf, this.off + 4)
  }
  get nextHeader(): number {
    return this.buf[this.off + 6]!
  }
  get hopLimit(): number {
    return this.buf[this.off + 7]!
  }
  set hopLimit(v: number) {
    this.buf[this.off + 7] = v
  }
  /** Offset of the source address in buf. */
  get srcOff(): number {
    return this.off + 8
  }
  /** Offset of the destination address in buf. */
  get dstOff(): number {
    return this.off + 24
  }
}

/**
 * Write a 40-byte header at buf[off]: version 6, traffic class `tc`, flow label `flow`.
 * Addresses are copied from (src, so) and (dst, dso).
 */
export function writeIpv6Header(
  buf: Uint8Array,
  off: number,
  src: Uint8Array,
  so: number,
  dst: Uint8Array,
  dso: number,
  nxt: number,
  hlim: number,
  plen: number,
  tc = 0,
  flow = 0,
): void {
  writeU32(buf, off, ((6 << 28) | ((tc & 0xff) << 20) | (flow & 0xfffff)) >>> 0)
  writeU16(buf, off + 4, plen)
  buf[off + 6] = nxt
  buf[off + 7] = hlim
  for (let i = 0; i < 16; i++) {
    buf[off + 8 + i] = src[so + i]!
    buf[off + 24 + i] = dst[dso + i]!
  }
}

/**
 * The unfolded sum of the upper-layer pseudo-header (RFC 8200 §8.1): source, destination, the
 * 32-bit upper-layer length and the next header, to be continued over the upper-layer packet.
 */
export function ipv6PseudoSum(
  src: Uint8Array,
  so: number,
  dst: Uint8Array,
  dso: number,
  len: number,
  nxt: number,
): number {
  let acc = sum16(src, so, 16)
  acc = sum16(dst, dso, 16, acc)
  return acc + (len >>> 16) + (len & 0xffff) + nxt
}

// Fragment header (RFC 8200 §4.5): next header, reserved, offset (13 bits, 8-byte units) | res | M, id.
export const IP6_FRAG_LEN = 8
export const IP6F_MORE = 0x0001
export const IP6F_OFF_MASK = 0xfff8

export class Ip6FragView extends WireView {
  protected readonly minLen = IP6_FRAG_LEN
  get nextHeader(): number {
    return this.buf[this.off]!
  }
  /** Fragment offset in bytes. */
  get offset(): number {
    return readU16(this.buf, this.off + 2) & IP6F_OFF_MASK
  }
  get more(): boolean {
    return (readU16(this.buf, this.off + 2) & IP6F_MORE) !== 0
  }
  get ident(): number {
    return readU32(this.buf, this.off + 4)
  }
}

export function writeIp6Frag(
  buf: Uint8Array,
  off: number,
  nxt: number,
  offset: number,
  more: boolean,
  id: number,
): void {
  buf[off] = nxt
  buf[off + 1] = 0
  writeU16(buf, off + 2, (offset & IP6F_OFF_MASK) | (more ? IP6F_MORE : 0))
  writeU32(buf, off + 4, id >>> 0)
}
