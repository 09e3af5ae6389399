/**
 * IS-IS authentication (ISO 10589 §9.5 TLV 10): cleartext passwords (type 1) and HMAC-MD5 (type 54,
 * RFC 5304 §2). The TLV goes first in a PDU; an HMAC-MD5 digest is computed over the whole PDU with
 * the digest's 16 bytes zero and, in an LSP, the checksum and remaining lifetime zero too (so that
 * aging in flight does not break it), and an LSP's checksum is computed after the digest is in.
 * The MD5 comes from @noble/hashes, as TCP-MD5's does.
 *
 * Must not: throw on a PDU it is asked to check (false instead), or keep any buffer it is given.
 */

import { hmac } from '@noble/hashes/hmac.js'
import { md5 } from '@noble/hashes/legacy.js'
import { fletcher } from './isis.js'

export const TLV_AUTH = 10
export const AUTH_CLEAR = 1
export const AUTH_HMAC_MD5 = 54
const DIGEST = 16

export interface IsisKey {
  type: 'clear' | 'md5'
  password: string
}

/** What a parse found of TLV 10: its type and where its value (after the type byte) sits. */
export interface AuthTlv {
  type: number
  /** Offset of the value from the PDU's first byte, and its length. */
  off: number
  len: number
}

function bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff
  return b
}

/** TLV 10 as it goes into a PDU before signing: the password, or a zero digest to be filled in. */
export function authTlv(k: IsisKey): Uint8Array {
  const v = k.type === 'clear' ? bytes(k.password).subarray(0, 254) : new Uint8Array(DIGEST)
  const b = new Uint8Array(3 + v.length)
  b[0] = TLV_AUTH
  b[1] = 1 + v.length
  b[2] = k.type === 'clear' ? AUTH_CLEAR : AUTH_HMAC_MD5
  b.set(v, 3)
  return b
}

function isLsp(pdu: Uint8Array): boolean {
  const t = pdu[4]! & 0x1f
  return t === 18 || t === 20
}

function digest(pdu: Uint8Array, at: number, password: string): Uint8Array {
  const c = pdu.slice()
  c.fill(0, at, at + DIGEST)
  if (isLsp(c)) {
    c.fill(0, 10, 12)
    c.fill(0, 24, 26)
  }
  return hmac(md5, bytes(password), c)
}

/**
 * Fill in the HMAC-MD5 digest of a PDU whose first TLV (at `tlvOff`) is an authTlv of k, and redo an
 * LSP's checksum; nothing to do for a cleartext password.
 */
export function signPdu(pdu: Uint8Array, tlvOff: number, k: IsisKey): void {
  if (k.type !== 'md5' || pdu[tlvOff] !== TLV_AUTH) return
  const at = tlvOff + 3
  pdu.set(digest(pdu, at, k.password), at)
  if (isLsp(pdu)) {
    const ck = fletcher(pdu, 12, pdu.length, 24)
    pdu[24] = ck >>> 8
    pdu[25] = ck & 0xff
  }
}

/**
 * Whether a received PDU carries k's authentication: 'ok', 'type' (none, or of another type: FRR's
 * auth type failure) or 'fail' (the password or digest differs).
 */
export function checkAuth(pdu: Uint8Array, a: AuthTlv | null, k: IsisKey): 'ok' | 'type' | 'fail' {
  const want = k.type === 'clear' ? AUTH_CLEAR : AUTH_HMAC_MD5
  if (a === null || a.type !== want) return 'type'
  if (a.off + a.len > pdu.length) return 'fail'
  if (k.type === 'clear') {
    const p = bytes(k.password).subarray(0, 254)
    if (a.len !== p.length) return 'fail'
    for (let i = 0; i < p.length; i++) if (pdu[a.off + i] !== p[i]) return 'fail'
    return 'ok'
  }
  if (a.len !== DIGEST) return 'fail'
  const d = digest(pdu, a.off, k.password)
  let diff = 0
  for (let i = 0; i < DIGEST; i++) diff |= d[i]! ^ pdu[a.off + i]!
  return diff === 0 ? 'ok' : 'fail'
}
