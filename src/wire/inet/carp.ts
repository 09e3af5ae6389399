/**
 * The CARP advertisement (FreeBSD's netinet/ip_carp.h, 36 bytes after the IPv4 or IPv6 header):
 * version and type nibbles, vhid, advskew, authlen, a reserved byte, advbase, the Internet checksum
 * over the 36 bytes, a 64-bit counter and the SHA-1 HMAC. Offsets, constants and a writer; the
 * stack reads the fields in place (the header has no variable part to walk).
 *
 * Must not: validate beyond the layout (counting bad packets is the stack's), or allocate.
 */

import { checksum } from '../checksum.js'

/** IPPROTO_CARP: the IP protocol / next header number (shared with VRRP). */
export const IPPROTO_CARP = 112
/** sizeof(struct carp_header). */
export const CARP_HDR_LEN = 36
/** CARP_DFLTTL: advertisements leave with TTL / hop limit 255 and arrive with it on a link. */
export const CARP_DFLTTL = 255
export const CARP_VERSION = 2
export const CARP_ADVERTISEMENT = 1
/** carp_authlen: counter and digest in 32-bit words. */
export const CARP_AUTHLEN = 7
/** CARP_KEY_LEN: the key (the `pass` phrase, NUL-padded) is 20 bytes. */
export const CARP_KEY_LEN = 20
/** CARP_MAXVHID, CARP_MAXSKEW, CARP_DFLTINTV (the default advbase, seconds). */
export const CARP_MAXVHID = 255
export const CARP_MAXSKEW = 240
export const CARP_DFLTINTV = 1
/** INADDR_CARP_GROUP 224.0.0.18 and the IPv6 group ff02::12. */
export const INADDR_CARP_GROUP = 0xe0000012
export const IN6ADDR_CARP_GROUP: Readonly<Uint8Array> = Uint8Array.of(
  0xff,
  0x02,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0x12,
)

/** Field offsets from the start of the CARP header. */
export const CarpOff = {
  VERTYPE: 0,
  VHID: 1,
  ADVSKEW: 2,
  AUTHLEN: 3,
  PAD: 4,
  ADVBASE: 5,
  CKSUM: 6,
  COUNTER: 8,
  MD: 16,
} as const

/** The virtual router MAC 00:00:5e:00:01:VHID (RFC 5798 §7.3's form, which CARP borrows). */
export function carpMac(vhid: number): number {
  return 0x00005e000100 + (vhid & 0xff)
}

/** Whether the 6 bytes at b[o] have a virtual router MAC's form (carp_forus's first test). */
export function isCarpMac(b: Uint8Array, o: number): boolean {
  return b[o] === 0 && b[o + 1] === 0 && b[o + 2] === 0x5e && b[o + 3] === 0 && b[o + 4] === 1
}

/**
 * Write the fixed part of an advertisement at b[o] (counter, digest and checksum are filled in by
 * carpFinish once the counter is known).
 */
export function writeCarpHeader(
  b: Uint8Array,
  o: number,
  vhid: number,
  advskew: number,
  advbase: number,
): void {
  b[o + CarpOff.VERTYPE] = (CARP_VERSION << 4) | CARP_ADVERTISEMENT
  b[o + CarpOff.VHID] = vhid
  b[o + CarpOff.ADVSKEW] = advskew
  b[o + CarpOff.AUTHLEN] = CARP_AUTHLEN
  b[o + CarpOff.PAD] = 0
  b[o + CarpOff.ADVBASE] = advbase
  b[o + CarpOff.CKSUM] = 0
  b[o + CarpOff.CKSUM + 1] = 0
}

/** The checksum over the 36 bytes at b[o], stored in place (carp_send_ad's in_cksum). */
export function carpFinish(b: Uint8Array, o: number): void {
  b[o + CarpOff.CKSUM] = 0
  b[o + CarpOff.CKSUM + 1] = 0
  const c = checksum(b, o, CARP_HDR_LEN)
  b[o + CarpOff.CKSUM] = c >>> 8
  b[o + CarpOff.CKSUM + 1] = c & 0xff
}
