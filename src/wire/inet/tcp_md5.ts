/**
 * The TCP-MD5 signature (RFC 2385 §2.0): MD5 over the pseudo-header, the TCP header without options
 * and with a zero checksum, the segment's data, and the key; the 16 bytes go into option 19. Bytes
 * in, bytes out: the stack signs and checks with it, packetdrill forges and verifies. The MD5 itself
 * comes from @noble/hashes. Makes a hash object per call; never throws.
 */

import { md5 } from '@noble/hashes/legacy.js'
import { IpProto } from './ipv4.js'

/** TCPOLEN_SIGNATURE - 2: the digest's length. */
export const TCP_SIGLEN = 16

/**
 * The digest of the TCP segment b[off, off + len) from src to dst under key, written at out[outOff].
 * The segment's own digest bytes (wherever they are) are not covered: options are left out.
 */
export function tcpSignature(
  key: Uint8Array,
  src: number,
  dst: number,
  b: Uint8Array,
  off: number,
  len: number,
  out: Uint8Array,
  outOff: number,
): void {
  const h = md5.create()
  const ph = new Uint8Array(12 + 20)
  ph[0] = src >>> 24
  ph[1] = (src >>> 16) & 0xff
  ph[2] = (src >>> 8) & 0xff
  ph[3] = src & 0xff
  ph[4] = dst >>> 24
  ph[5] = (dst >>> 16) & 0xff
  ph[6] = (dst >>> 8) & 0xff
  ph[7] = dst & 0xff
  ph[9] = IpProto.TCP
  ph[10] = len >>> 8
  ph[11] = len & 0xff
  // The fixed header, checksum zeroed.
  ph.set(b.subarray(off, off + 20), 12)
  ph[12 + 16] = 0
  ph[12 + 17] = 0
  h.update(ph)
  const thl = (b[off + 12]! >> 4) << 2
  if (len > thl) h.update(b.subarray(off + thl, off + len))
  h.update(key)
  out.set(h.digest(), outOff)
}

/** Whether the digest at b[sigOff] is the right one for the segment (tcp_signature_verify). */
export function tcpSignatureOk(
  key: Uint8Array,
  src: number,
  dst: number,
  b: Uint8Array,
  off: number,
  len: number,
  sigOff: number,
): boolean {
  const want = new Uint8Array(TCP_SIGLEN)
  tcpSignature(key, src, dst, b, off, len, want, 0)
  let diff = 0
  for (let i = 0; i < TCP_SIGLEN; i++) diff |= want[i]! ^ b[sigOff + i]!
  return diff === 0
}
