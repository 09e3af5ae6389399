/**
 * The TCP-MD5 signature (RFC 2385 §2.0): MD5 over the pseudo-header, the TCP header without options
 * and with a zero checksum, the segment's data, and the key; the 16 bytes go into option 19. An
 * endpoint is an IPv4 address (a number) or an IPv6 one (16 bytes); for IPv6 the pseudo-header is
 * source, destination, a 32-bit length and a 32-bit next header, as FreeBSD's tcp_signature_compute
 * and Linux's tcp_v6_md5_hash_headers both hash it (RFC 2385 names only IPv4's). Bytes in, bytes
 * out: the stack signs and checks with it, packetdrill forges and verifies. The MD5 itself comes
 * from @noble/hashes. Makes a hash object per call; never throws.
 */

import { md5 } from '@noble/hashes/legacy.js'
import { IpProto } from './ipv4.js'

/** TCPOLEN_SIGNATURE - 2: the digest's length. */
export const TCP_SIGLEN = 16

/** One end of a signed segment: an IPv4 address, or an IPv6 address's 16 bytes. */
export type SigAddr = number | Uint8Array

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24
  b[o + 1] = (v >>> 16) & 0xff
  b[o + 2] = (v >>> 8) & 0xff
  b[o + 3] = v & 0xff
}

/** The pseudo-header and the option-less fixed header with its checksum zeroed. */
function headers(src: SigAddr, dst: SigAddr, b: Uint8Array, off: number, len: number): Uint8Array {
  let ph: Uint8Array
  if (typeof src === 'number' || typeof dst === 'number') {
    ph = new Uint8Array(12 + 20)
    putU32(ph, 0, typeof src === 'number' ? src : 0)
    putU32(ph, 4, typeof dst === 'number' ? dst : 0)
    ph[9] = IpProto.TCP
    ph[10] = len >>> 8
    ph[11] = len & 0xff
  } else {
    ph = new Uint8Array(40 + 20)
    ph.set(src.subarray(0, 16), 0)
    ph.set(dst.subarray(0, 16), 16)
    putU32(ph, 32, len)
    ph[39] = IpProto.TCP
  }
  const h = ph.length - 20
  ph.set(b.subarray(off, off + 20), h)
  ph[h + 16] = 0
  ph[h + 17] = 0
  return ph
}

/**
 * The digest of the TCP segment b[off, off + len) from src to dst under key, written at out[outOff].
 * The segment's own digest bytes (wherever they are) are not covered: options are left out.
 */
export function tcpSignature(
  key: Uint8Array,
  src: SigAddr,
  dst: SigAddr,
  b: Uint8Array,
  off: number,
  len: number,
  out: Uint8Array,
  outOff: number,
): void {
  const h = md5.create()
  h.update(headers(src, dst, b, off, len))
  const thl = (b[off + 12]! >> 4) << 2
  if (len > thl) h.update(b.subarray(off + thl, off + len))
  h.update(key)
  out.set(h.digest(), outOff)
}

/** Whether the digest at b[sigOff] is the right one for the segment (tcp_signature_verify). */
export function tcpSignatureOk(
  key: Uint8Array,
  src: SigAddr,
  dst: SigAddr,
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
