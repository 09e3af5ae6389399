/**
 * Ethernet II framing (IEEE 802.3 / RFC 894): destination, source, EtherType; no FCS, no VLAN parsing
 * (a tagged frame simply shows EtherType 0x8100).
 *
 * The view reads and writes fields in place and allocates nothing; after `point` succeeds no accessor
 * reads outside [off, off+len). Nothing here throws; it never pads, checks ETHER_MIN_LEN, or looks past
 * the 14-byte header.
 */

import { readMac, readU16, writeMac, writeU16 } from '../addr.js'
import { WireView } from '../view.js'

export const ETHER_HDR_LEN = 14
/** Minimum frame length without the FCS; shorter frames are padded by the sender. */
export const ETHER_MIN_LEN = 60

export const EtherType = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, IPV6: 0x86dd } as const

export class EthernetView extends WireView {
  protected readonly minLen = ETHER_HDR_LEN

  get dst(): number {
    return readMac(this.buf, this.off)
  }
  set dst(mac: number) {
    writeMac(this.buf, this.off, mac)
  }
  get src(): number {
    return readMac(this.buf, this.off + 6)
  }
  set src(mac: number) {
    writeMac(this.buf, this.off + 6, mac)
  }
  get ethertype(): number {
    return readU16(this.buf, this.off + 12)
  }
  set ethertype(t: number) {
    writeU16(this.buf, this.off + 12, t)
  }
  get payloadOffset(): number {
    return this.off + ETHER_HDR_LEN
  }
  get payloadLength(): number {
    return this.len - ETHER_HDR_LEN
  }
}

export interface EthernetRepr {
  dst: number
  src: number
  ethertype: number
}

export function parseEthernet(buf: Uint8Array, off: number, len: number): EthernetRepr | null {
  if (!(off >= 0 && len >= ETHER_HDR_LEN && off + len <= buf.length)) return null
  return { dst: readMac(buf, off), src: readMac(buf, off + 6), ethertype: readU16(buf, off + 12) }
}

/** Writes the 14-byte header; the caller ensures room. */
export function emitEthernet(r: EthernetRepr, buf: Uint8Array, off: number): void {
  writeEthernetHeader(buf, off, r.dst, r.src, r.ethertype)
}

/** Allocation-free form of `emitEthernet` for the hot path. */
export function writeEthernetHeader(
  buf: Uint8Array,
  off: number,
  dst: number,
  src: number,
  ethertype: number,
): void {
  writeMac(buf, off, dst)
  writeMac(buf, off + 6, src)
  writeU16(buf, off + 12, ethertype)
}
