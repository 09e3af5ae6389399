/**
 * ARP (RFC 826) for Ethernet hardware and IPv4 protocol addresses only: the 28-byte packet after the
 * Ethernet header.
 *
 * The view reads fields in place and allocates nothing; after `point` succeeds no accessor reads outside
 * [off, off+len). It does not judge the packet: `isEthernetIpv4` and `parseArp` do. Nothing here throws
 * or touches any ARP cache.
 */

import { readMac, readU16, readU32, writeMac, writeU16, writeU32 } from '../addr.js'
import { WireView } from '../view.js'

export const ARP_LEN = 28

export const ArpOp = { REQUEST: 1, REPLY: 2 } as const

const HTYPE_ETHER = 1
const PTYPE_IPV4 = 0x0800

export class ArpView extends WireView {
  protected readonly minLen = ARP_LEN

  /** Hardware type: 1 for Ethernet. */
  get htype(): number {
    return readU16(this.buf, this.off)
  }
  /** Protocol type: an EtherType, 0x0800 for IPv4. */
  get ptype(): number {
    return readU16(this.buf, this.off + 2)
  }
  get hlen(): number {
    return this.buf[this.off + 4]
  }
  get plen(): number {
    return this.buf[this.off + 5]
  }
  get op(): number {
    return readU16(this.buf, this.off + 6)
  }
  /** Sender hardware address. */
  get sha(): number {
    return readMac(this.buf, this.off + 8)
  }
  /** Sender protocol address. */
  get spa(): number {
    return readU32(this.buf, this.off + 14)
  }
  /** Target hardware address. */
  get tha(): number {
    return readMac(this.buf, this.off + 18)
  }
  /** Target protocol address. */
  get tpa(): number {
    return readU32(this.buf, this.off + 24)
  }

  /** htype 1, ptype 0x0800, hlen 6, plen 4: the only kind this stack speaks. */
  isEthernetIpv4(): boolean {
    const b = this.buf
    const o = this.off
    return (
      readU16(b, o) === HTYPE_ETHER && readU16(b, o + 2) === PTYPE_IPV4 && b[o + 4] === 6 && b[o + 5] === 4
    )
  }
}

export interface ArpRepr {
  op: number
  sha: number
  spa: number
  tha: number
  tpa: number
}

/** Null unless buf[off, off+len) holds an Ethernet/IPv4 ARP request or reply. */
export function parseArp(buf: Uint8Array, off: number, len: number): ArpRepr | null {
  const v = new ArpView()
  if (!v.point(buf, off, len) || !v.isEthernetIpv4()) return null
  const op = v.op
  if (op !== ArpOp.REQUEST && op !== ArpOp.REPLY) return null
  return { op, sha: v.sha, spa: v.spa, tha: v.tha, tpa: v.tpa }
}

/** Writes the 28-byte packet; the caller ensures room. */
export function emitArp(r: ArpRepr, buf: Uint8Array, off: number): void {
  writeArp(buf, off, r.op, r.sha, r.spa, r.tha, r.tpa)
}

/** Allocation-free form of `emitArp` for the hot path. */
export function writeArp(
  buf: Uint8Array,
  off: number,
  op: number,
  sha: number,
  spa: number,
  tha: number,
  tpa: number,
): void {
  writeU16(buf, off, HTYPE_ETHER)
  writeU16(buf, off + 2, PTYPE_IPV4)
  buf[off + 4] = 6
  buf[off + 5] = 4
  writeU16(buf, off + 6, op)
  writeMac(buf, off + 8, sha)
  writeU32(buf, off + 14, spa)
  writeMac(buf, off + 18, tha)
  writeU32(buf, off + 24, tpa)
}
