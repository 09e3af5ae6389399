/**
 * OSPFv2 authentication on the wire (RFC 2328 appendix D): the header's AuType and 64-bit
 * authentication field for simple passwords (AuType 1, D.4.2) and cryptographic authentication
 * (AuType 2, D.4.3): Key ID, Auth Data Len and a non-decreasing 32-bit cryptographic sequence
 * number in the header, the checksum left zero, and a digest appended after the packet, not counted
 * in its length. Keyed MD5 is D.4.3's (MD5 over the packet then the key padded to 16 bytes);
 * HMAC-SHA-1/256/384/512 are RFC 5709's (§3.3: HMAC over the packet then Apad, 0x878FE1F3 repeated
 * to the digest's length, keyed by the key hashed when longer than the digest: auth_hmac.ts).
 *
 * Must not: change a packet it is given (signing returns a new one), or throw on one it checks.
 */

import { md5 } from '@noble/hashes/legacy.js'
import { readU16, readU32, writeU16, writeU32 } from '../addr.js'
import { checksum, sum16 } from '../checksum.js'
import { digestLen, type RoutingHashAlgo, routingHmac } from './auth_hmac.js'

export const AuType = { NULL: 0, SIMPLE: 1, CRYPTO: 2 } as const
export const SIMPLE_KEY_LEN = 8
export const MD5_KEY_LEN = 16
const HDR_LEN = 24

export type OspfAuthAlgo = RoutingHashAlgo

export interface OspfCryptoKey {
  keyId: number
  algo: OspfAuthAlgo
  key: string
}

function bytes(s: string, len: number): Uint8Array {
  const b = new Uint8Array(len)
  for (let i = 0; i < len && i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff
  return b
}

/** D.4.1's checksum: the packet but the 64-bit authentication field, checksum field as zero. */
function headerChecksum(p: Uint8Array, len: number): number {
  const acc = sum16(p, 14, 2, sum16(p, 0, 12))
  return checksum(p, HDR_LEN, len - HDR_LEN, acc)
}

/** The digest of the first `len` bytes of p under k (D.4.3 keyed MD5, or RFC 5709 HMAC-SHA). */
function digest(k: OspfCryptoKey, p: Uint8Array, len: number): Uint8Array {
  if (k.algo === 'md5') {
    const text = new Uint8Array(len + MD5_KEY_LEN)
    text.set(p.subarray(0, len))
    text.set(bytes(k.key, MD5_KEY_LEN), len)
    return md5(text)
  }
  // RFC 5709 §3.3: over the packet, then Apad (0x878FE1F3 repeated) as long as the digest.
  const dl = digestLen(k.algo)
  const text = new Uint8Array(len + dl)
  text.set(p.subarray(0, len))
  for (let i = 0; i < dl; i++) text[len + i] = [0x87, 0x8f, 0xe1, 0xf3][i & 3]!
  return routingHmac(k.algo, bytes(k.key, k.key.length), text)
}

/** Packet p (built with null authentication) with AuType 1 and the password (D.4.2), re-checksummed. */
export function signSimple(p: Uint8Array, password: string): Uint8Array {
  const out = p.slice()
  writeU16(out, 14, AuType.SIMPLE)
  out.set(bytes(password, SIMPLE_KEY_LEN), 16)
  writeU16(out, 12, headerChecksum(out, readU16(out, 2)))
  return out
}

/**
 * Packet p (built with null authentication) signed with k and sequence number seq (D.4.3): the
 * checksum zero, Key ID, Auth Data Len and sequence number in the header, the digest after it.
 */
export function signCrypto(p: Uint8Array, k: OspfCryptoKey, seq: number): Uint8Array {
  const len = readU16(p, 2)
  const dl = digestLen(k.algo)
  const out = new Uint8Array(len + dl)
  out.set(p.subarray(0, len))
  writeU16(out, 12, 0)
  writeU16(out, 14, AuType.CRYPTO)
  writeU16(out, 16, 0)
  out[18] = k.keyId
  out[19] = dl
  writeU32(out, 20, seq >>> 0)
  out.set(digest(k, out, len), len)
  return out
}

/** What the receiving interface expects (D.5): its AuType and, by type, the password or the keys. */
export interface OspfAuthExpect {
  type: number
  password: string
  keys: readonly OspfCryptoKey[]
}

export type OspfAuthCheck = { ok: true; seq: number } | { ok: false; reason: string }

const OK_NULL: OspfAuthCheck = { ok: true, seq: 0 }

/**
 * Packet p's authentication checked against what the interface expects (D.5): the AuType must be
 * the interface's; a password must match all 8 bytes; a cryptographic packet must have a zero
 * checksum, a key of ours with that Key ID and Auth Data Len, room for the digest after its length,
 * and the digest. The sequence number is the caller's to compare with the neighbour's (D.5.3).
 * The header checksum of AuType 0 and 1 packets is parseOspf's to check.
 */
export function checkAuth(p: Uint8Array, e: OspfAuthExpect): OspfAuthCheck {
  const type = readU16(p, 14)
  if (type !== e.type) return { ok: false, reason: 'auth-type' }
  if (type === AuType.NULL) return OK_NULL
  if (type === AuType.SIMPLE) {
    const want = bytes(e.password, SIMPLE_KEY_LEN)
    for (let i = 0; i < SIMPLE_KEY_LEN; i++)
      if (p[16 + i] !== want[i]) return { ok: false, reason: 'auth-key' }
    return OK_NULL
  }
  if (readU16(p, 12) !== 0) return { ok: false, reason: 'checksum' }
  const k = e.keys.find((x) => x.keyId === p[18])
  if (k === undefined) return { ok: false, reason: 'auth-key-id' }
  const len = readU16(p, 2)
  const dl = digestLen(k.algo)
  if (p[19] !== dl || p.length < len + dl) return { ok: false, reason: 'auth-length' }
  const d = digest(k, p, len)
  let diff = 0
  for (let i = 0; i < dl; i++) diff |= d[i]! ^ p[len + i]!
  if (diff !== 0) return { ok: false, reason: 'auth-digest' }
  return { ok: true, seq: readU32(p, 20) }
}
