/**
 * tcpdump's OSPF one-liners (print-ospf.c's ospf_print for OSPFv2 over IPv4, print-ospf6.c's
 * ospf6_print for OSPFv3 over IPv6, rewritten): version, packet type and length; -v adds nothing
 * more yet. Reads only the bytes it was given; never throws on packet bytes.
 */

import { be16 } from './print_bytes.js'

/** type2str: the five packet types (RFC 2328 §A.3.1, RFC 5340 §A.3.1 share them). */
const OSPF_TYPES = ['', 'Hello', 'Database Description', 'LS-Request', 'LS-Update', 'LS-Ack'] as const
/** Authentication type 2 (RFC 2328 §D.3): a 16-byte message digest follows the OSPF packet. */
const OSPF_AUTH_MD5 = 2
const OSPF_AUTH_MD5_LEN = 16

/**
 * ospf_print: `len` is the IP payload length; with MD5 authentication the digest trailer is not
 * part of the OSPF packet (§D.4.3), so it comes off, and the length shown is the packet's own.
 */
export function ospfPrint(b: Uint8Array, cp: number, end: number, len: number): string {
  // The authentication type is the last field read before printing (offset 14 of the header).
  if (end < cp + 16) return '[|ospf2]'
  const shown = be16(b, cp + 14) === OSPF_AUTH_MD5 ? (len - OSPF_AUTH_MD5_LEN) >>> 0 : len
  const t = b[cp + 1]!
  return `OSPFv${b[cp]}, ${OSPF_TYPES[t] || `unknown LS-type ${t}`}, length ${shown}`
}

/** ospf6_print's one line: version, packet type, the payload length. */
export function ospf6Print(b: Uint8Array, cp: number, end: number, len: number): string {
  if (end < cp + 2) return '[|ospf3]'
  const t = b[cp + 1]!
  return `OSPFv${b[cp]}, ${OSPF_TYPES[t] || `unknown packet type (${t})`}, length ${len}`
}
