/**
 * TCP-MD5 signatures (RFC 2385; FreeBSD's netipsec/xform_tcp.c): the 16-byte digest of option 19
 * (wire/tcp_md5.ts) is made with the association's key for the segment's addresses: tcp_output,
 * tcp_respond and the syncache sign; tcp_input checks.
 *
 * Runs only for connections that asked for TCP_MD5SIG with the tcpmd5 module loaded; a hash
 * object is made per signed segment (FreeBSD hashes per segment too). Never throws.
 */

import { type TcpOptions, TOF } from '../../wire/inet/tcp.js'
import { tcpSignature, tcpSignatureOk } from '../../wire/inet/tcp_md5.js'
import type { Vnet } from '../net/vnet.js'
import { keyDb } from './key.js'

/**
 * TCPMD5_OUTPUT for a segment whose header writer left TOF.SIGNATURE set (it fitted): the digest
 * under the key for src → dst goes at to.sigOffset. False when the segment must not go (no module,
 * no association), as FreeBSD frees it then.
 */
export function tcpMd5Output(
  v: Vnet,
  to: TcpOptions,
  src: number,
  dst: number,
  b: Uint8Array,
  off: number,
  len: number,
): boolean {
  if ((to.flags & TOF.SIGNATURE) === 0) return true
  const key = v.env.tcpmd5.enabled ? keyDb(v).lookup(src, dst) : null
  if (key === null) return false
  tcpSignature(key, src, dst, b, off, len, b, to.sigOffset)
  return true
}

/**
 * TCPMD5_INPUT for a segment to a socket that asked for signatures: it must carry one, made with
 * the key for its src → dst (tcp_input drops it silently otherwise).
 */
export function tcpMd5Input(
  v: Vnet,
  to: TcpOptions,
  src: number,
  dst: number,
  b: Uint8Array,
  off: number,
  len: number,
): boolean {
  if ((to.flags & TOF.SIGNATURE) === 0 || to.sigOffset < 0) return false
  const key = v.env.tcpmd5.enabled ? keyDb(v).lookup(src, dst) : null
  return key !== null && tcpSignatureOk(key, src, dst, b, off, len, to.sigOffset)
}
