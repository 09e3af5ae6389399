/**
 * The UDP header (RFC 768): a re-pointable view for the data path, a Repr for tests and tools, and the
 * checksum over the IPv4 pseudo header with RFC 768's two special values: a checksum field of 0 means the
 * sender computed none, and a computed checksum of 0 is sent as 0xffff (its one's complement twin).
 *
 * The view allocates nothing and never throws. `point` checks only that the 8-byte header is there;
 * `check` validates the length field and the checksum the way FreeBSD's udp_input does. Counting
 * (udps_nosum and the rest), port lookup and ICMP errors belong to the stack.
 */

import { readU16, writeU16 } from '../addr.js'
import { checksum } from '../checksum.js'
import { WireView } from '../view.js'
import { IpProto, ipv4PseudoHeaderSum } from './ipv4.js'

export const UDP_HDR_LEN = 8

/**
 * Results of `UdpView.check`, in udp_input's order; each names the struct udpstat counter FreeBSD
 * raises: TOO_SHORT is udps_hdrops, BAD_LEN udps_badlen, BAD_CHECKSUM udps_badsum. A datagram without a
 * checksum is OK (udp_input counts udps_nosum for it: see `hasChecksum`).
 */
export const UdpCheck = { OK: 0, TOO_SHORT: 1, BAD_LEN: 2, BAD_CHECKSUM: 3 } as const

export class UdpView extends WireView {
  protected readonly minLen = UDP_HDR_LEN

  /**
   * Validates the datagram, returning one of `UdpCheck`: at least 8 bytes; 8 <= length <= len (len is
   * the IP payload length; a shorter UDP length is allowed and the rest is not the datagram's, as
   * udp_input trims it); then, when `verifyChecksum` and the checksum field is not 0, the checksum over
   * the pseudo header (src, dst) and the `length` bytes.
   */
  check(verifyChecksum: boolean, src: number, dst: number): number {
    const b = this.buf
    const o = this.off
    if (!(o >= 0 && this.len >= UDP_HDR_LEN && o + this.len <= b.length)) return UdpCheck.TOO_SHORT
    const ulen = readU16(b, o + 4)
    if (ulen < UDP_HDR_LEN || ulen > this.len) return UdpCheck.BAD_LEN
    if (verifyChecksum && readU16(b, o + 6) !== 0) {
      if (checksum(b, o, ulen, ipv4PseudoHeaderSum(src, dst, IpProto.UDP, ulen)) !== 0)
        return UdpCheck.BAD_CHECKSUM
    }
    return UdpCheck.OK
  }

  get srcPort(): number {
    return readU16(this.buf, this.off)
  }
  set srcPort(v: number) {
    writeU16(this.buf, this.off, v)
  }
  get dstPort(): number {
    return readU16(this.buf, this.off + 2)
  }
  set dstPort(v: number) {
    writeU16(this.buf, this.off + 2, v)
  }
  /** The length field: header and data, in bytes. */
  get length(): number {
    return readU16(this.buf, this.off + 4)
  }
  set length(v: number) {
    writeU16(this.buf, this.off + 4, v)
  }
  get checksum(): number {
    return readU16(this.buf, this.off + 6)
  }
  set checksum(v: number) {
    writeU16(this.buf, this.off + 6, v)
  }
  /** False when the sender computed no checksum (field 0). */
  get hasChecksum(): boolean {
    return readU16(this.buf, this.off + 6) !== 0
  }
  get payloadOffset(): number {
    return this.off + UDP_HDR_LEN
  }
  /** length - 8: meaningful once `check` returned OK. */
  get payloadLength(): number {
    return this.length - UDP_HDR_LEN
  }

  /** Computes and stores the checksum over the pseudo header and `length` bytes (never beyond len). */
  fillChecksum(src: number, dst: number): void {
    udpFinish(this.buf, this.off, Math.min(this.length, this.len), src, dst)
  }
}

/** Writes the 8-byte header (length = 8 + payloadLength) with a zero checksum; returns 8. */
export function writeUdpHeader(
  buf: Uint8Array,
  off: number,
  srcPort: number,
  dstPort: number,
  payloadLength: number,
): number {
  writeU16(buf, off, srcPort)
  writeU16(buf, off + 2, dstPort)
  writeU16(buf, off + 4, UDP_HDR_LEN + payloadLength)
  buf[off + 6] = 0
  buf[off + 7] = 0
  return UDP_HDR_LEN
}

/**
 * Computes and stores the checksum of the datagram buf[off, off+len) (header and data) from src to
 * dst. A computed 0 is stored as 0xffff: 0 in the field would say "no checksum" (RFC 768).
 */
export function udpFinish(buf: Uint8Array, off: number, len: number, src: number, dst: number): void {
  buf[off + 6] = 0
  buf[off + 7] = 0
  const c = checksum(buf, off, len, ipv4PseudoHeaderSum(src, dst, IpProto.UDP, len))
  writeU16(buf, off + 6, c === 0 ? 0xffff : c)
}

export interface UdpRepr {
  srcPort: number
  dstPort: number
  payloadLength: number
}

/** Writes r's header with a zero checksum; returns 8. The data goes after it, then `udpFinish`. */
export function emitUdp(r: UdpRepr, buf: Uint8Array, off: number): number {
  return writeUdpHeader(buf, off, r.srcPort, r.dstPort, r.payloadLength)
}

/**
 * The datagram in buf[off, off+len) (len: the IP payload length) from src to dst, or null unless it
 * passes `check(true)`. A datagram without a checksum is accepted, as udp_input accepts it.
 */
export function parseUdp(
  buf: Uint8Array,
  off: number,
  len: number,
  src: number,
  dst: number,
): UdpRepr | null {
  const v = new UdpView()
  v.point(buf, off, len)
  if (v.check(true, src, dst) !== UdpCheck.OK) return null
  return { srcPort: v.srcPort, dstPort: v.dstPort, payloadLength: v.payloadLength }
}
