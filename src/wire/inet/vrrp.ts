/**
 * The VRRPv3 advertisement (RFC 9568 §5.2, FreeBSD 15's struct vrrpv3_header in ip_carp.h), which
 * carp(4) speaks for a vhid created with `carpver 3`: version and type nibbles, the virtual router
 * id, priority, the count of addresses, 4 reserved bits and a 12-bit Max Advertise Interval in
 * centiseconds, the checksum, then the addresses (4 or 16 bytes each). Unlike CARP's, the checksum
 * covers the IPv4 or IPv6 pseudo-header too (RFC 9568 §5.2.8). Offsets, constants, a writer and the
 * checksum; the stack reads the fields in place.
 *
 * Must not: validate beyond the layout (counting bad packets is the stack's), or allocate.
 */

import { checksum } from '../checksum.js'
import { ipv6PseudoSum } from '../inet6/ipv6.js'
import { ipv4PseudoHeaderSum } from './ipv4.js'

/** CARP_VERSION_VRRPv3: the version nibble that tells a VRRPv3 advertisement from CARP's 2. */
export const VRRP_VERSION = 3
export const VRRP_TYPE_ADVERTISEMENT = 1
/** sizeof(struct vrrpv3_header): the fixed part before the addresses. */
export const VRRP_HDR_LEN = 8
/** RFC 9568 §5.2.4: the default priority of a backup; 255 is the address owner's, 0 a resignation. */
export const VRRP_DEFAULT_PRIORITY = 100
export const VRRP_PRIO_OWNER = 255
/** RFC 9568 §5.2.7: the default Max Advertise Interval, 1 s in centiseconds; 12 bits at most. */
export const VRRP_DEFAULT_INTERVAL = 100
export const VRRP_MAX_INTERVAL = 0xfff

/** Field offsets from the start of the VRRP header. */
export const VrrpOff = {
  VERTYPE: 0,
  VRID: 1,
  PRIORITY: 2,
  COUNT: 3,
  MAXADV: 4,
  CKSUM: 6,
  ADDRS: 8,
} as const

/** Write the fixed part at b[o] (addresses follow at VrrpOff.ADDRS; the checksum is left zero). */
export function writeVrrpHeader(
  b: Uint8Array,
  o: number,
  vrid: number,
  priority: number,
  count: number,
  interval: number,
): void {
  b[o + VrrpOff.VERTYPE] = (VRRP_VERSION << 4) | VRRP_TYPE_ADVERTISEMENT
  b[o + VrrpOff.VRID] = vrid
  b[o + VrrpOff.PRIORITY] = priority
  b[o + VrrpOff.COUNT] = count
  b[o + VrrpOff.MAXADV] = (interval >>> 8) & 0x0f
  b[o + VrrpOff.MAXADV + 1] = interval & 0xff
  b[o + VrrpOff.CKSUM] = 0
  b[o + VrrpOff.CKSUM + 1] = 0
}

/** The Max Advertise Interval (centiseconds) of the header at b[o]; the reserved bits ignored. */
export function vrrpMaxAdvInt(b: Uint8Array, o: number): number {
  return ((b[o + VrrpOff.MAXADV]! & 0x0f) << 8) | b[o + VrrpOff.MAXADV + 1]!
}

function store(b: Uint8Array, o: number, c: number): void {
  b[o + VrrpOff.CKSUM] = c >>> 8
  b[o + VrrpOff.CKSUM + 1] = c & 0xff
}

/** The checksum of the `len`-byte message at b[o] sent from src to dst over IPv4, stored in place. */
export function vrrpFinish4(b: Uint8Array, o: number, len: number, src: number, dst: number): void {
  store(b, o, 0)
  store(b, o, checksum(b, o, len, ipv4PseudoHeaderSum(src >>> 0, dst >>> 0, 112, len)))
}

/** Whether the IPv4 message's checksum (pseudo-header included) verifies. */
export function vrrpCksumOk4(b: Uint8Array, o: number, len: number, src: number, dst: number): boolean {
  return checksum(b, o, len, ipv4PseudoHeaderSum(src >>> 0, dst >>> 0, 112, len)) === 0
}

/** Whether the IPv6 message's checksum verifies (src, dst: 16 bytes at so, dso). */
export function vrrpCksumOk6(
  b: Uint8Array,
  o: number,
  len: number,
  src: Uint8Array,
  so: number,
  dst: Uint8Array,
  dso: number,
): boolean {
  return checksum(b, o, len, ipv6PseudoSum(src, so, dst, dso, len, 112)) === 0
}
