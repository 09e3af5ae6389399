/**
 * The OSPFv3 Authentication Trailer (RFC 7166): 16 bytes of header (type 1, length, Security
 * Association ID, 64-bit cryptographic sequence number) and an HMAC digest appended after the
 * OSPFv3 packet (outside its length, inside the IPv6 payload), announced by the AT bit (0x400) in
 * Hello and Database Description options. The digest (§4.5) is over the packet and the trailer with
 * the digest field set to Apad — the IPv6 source address, then 0x878FE1F3 repeated — keyed by the
 * key with the Cryptographic Protocol ID (1) appended, hashed first when longer than the digest.
 * The packet's checksum stays zero and is not verified (§4.2); the digest stands in for it, as in
 * FRR's ospf6d.
 * Hashes come from @noble/hashes.
 *
 * Must not: throw on a packet it checks (a reason instead), or keep a buffer it is given.
 */

import { md5, sha1 } from '@noble/hashes/legacy.js'
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js'

/** The AT bit of the OSPFv3 options (§2.1). */
export const OPT6_AT = 0x400
export const AT_HDR_LEN = 16
/** Authentication Type 1: HMAC Cryptographic Authentication (§2.2). */
const AT_HMAC = 1
/** OSPFv3's Cryptographic Protocol ID (§4.5, IANA). */
const CRYPTO_PROTO_ID = 1

export type Ospf6HashAlgo = 'md5' | 'hmac-sha-1' | 'hmac-sha-256' | 'hmac-sha-384' | 'hmac-sha-512'

export interface Ospf6AuthKey {
  keyId: number
  algo: Ospf6HashAlgo
  key: string
}

const HASHES: Readonly<
  Record<Ospf6HashAlgo, { h: (b: Uint8Array) => Uint8Array; len: number; block: number }>
> = {
  md5: { h: md5, len: 16, block: 64 },
  'hmac-sha-1': { h: sha1, len: 20, block: 64 },
  'hmac-sha-256': { h: sha256, len: 32, block: 64 },
  'hmac-sha-384': { h: sha384, len: 48, block: 128 },
  'hmac-sha-512': { h: sha512, len: 64, block: 128 },
}

/** The trailer's length for a key (header and digest). */
export function trailerLen(k: Ospf6AuthKey): number {
  return AT_HDR_LEN + HASHES[k.algo].len
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** §4.5's HMAC over `text` (whose digest field already holds Apad). */
function digest(k: Ospf6AuthKey, text: Uint8Array): Uint8Array {
  const { h, len, block } = HASHES[k.algo]
  const ks = new Uint8Array(k.key.length + 2)
  for (let i = 0; i < k.key.length; i++) ks[i] = k.key.charCodeAt(i) & 0xff
  ks[k.key.length] = CRYPTO_PROTO_ID >>> 8
  ks[k.key.length + 1] = CRYPTO_PROTO_ID & 0xff
  const key = new Uint8Array(block)
  key.set(ks.length > len ? h(ks) : ks)
  const ipad = key.map((b) => b ^ 0x36)
  const opad = key.map((b) => b ^ 0x5c)
  return h(concat(opad, h(concat(ipad, text))))
}

function apad(src: Uint8Array, len: number): Uint8Array {
  const b = new Uint8Array(len)
  b.set(src.subarray(0, 16))
  const pat = [0x87, 0x8f, 0xe1, 0xf3]
  for (let i = 16; i < len; i++) b[i] = pat[(i - 16) % 4]!
  return b
}

/** The packet with a trailer signed for source address src, sequence number (hi, lo). */
export function appendTrailer(
  pkt: Uint8Array,
  src: Uint8Array,
  k: Ospf6AuthKey,
  hi: number,
  lo: number,
): Uint8Array {
  const len = HASHES[k.algo].len
  const out = new Uint8Array(pkt.length + AT_HDR_LEN + len)
  out.set(pkt)
  const t = pkt.length
  const w16 = (o: number, v: number) => {
    out[o] = v >>> 8
    out[o + 1] = v & 0xff
  }
  const w32 = (o: number, v: number) => {
    w16(o, v >>> 16)
    w16(o + 2, v & 0xffff)
  }
  w16(t, AT_HMAC)
  w16(t + 2, AT_HDR_LEN + len)
  w16(t + 6, k.keyId)
  w32(t + 8, hi >>> 0)
  w32(t + 12, lo >>> 0)
  out.set(apad(src, len), t + AT_HDR_LEN)
  out.set(digest(k, out), t + AT_HDR_LEN)
  return out
}

export type TrailerCheck = { ok: true; hi: number; lo: number } | { ok: false; reason: string }

/** The trailer after the OSPFv3 packet of `ospfLen` bytes in `payload`, checked against k. */
export function checkTrailer(
  payload: Uint8Array,
  ospfLen: number,
  src: Uint8Array,
  k: Ospf6AuthKey,
): TrailerCheck {
  const len = HASHES[k.algo].len
  const t = ospfLen
  if (payload.length < t + AT_HDR_LEN) return { ok: false, reason: 'auth-missing' }
  const r16 = (o: number) => (payload[o]! << 8) | payload[o + 1]!
  const r32 = (o: number) => ((r16(o) << 16) | r16(o + 2)) >>> 0
  if (r16(t) !== AT_HMAC || r16(t + 2) !== AT_HDR_LEN + len || payload.length < t + AT_HDR_LEN + len)
    return { ok: false, reason: 'auth-type' }
  if (r16(t + 6) !== k.keyId) return { ok: false, reason: 'auth-key-id' }
  const text = payload.slice(0, t + AT_HDR_LEN + len)
  text[12] = 0
  text[13] = 0
  text.set(apad(src, len), t + AT_HDR_LEN)
  const d = digest(k, text)
  let diff = 0
  for (let i = 0; i < len; i++) diff |= d[i]! ^ payload[t + AT_HDR_LEN + i]!
  if (diff !== 0) return { ok: false, reason: 'auth-digest' }
  return { ok: true, hi: r32(t + 8), lo: r32(t + 12) }
}
