/**
 * The OSPFv3 Authentication Trailer (RFC 7166): 16 bytes of header (type 1, length, Security
 * Association ID, 64-bit cryptographic sequence number) and an HMAC digest appended after the
 * OSPFv3 packet (outside its length, inside the IPv6 payload), announced by the AT bit (0x400) in
 * Hello and Database Description options. The digest (§4.5) is over the packet and the trailer with
 * the digest field set to Apad — the IPv6 source address, then 0x878FE1F3 repeated — keyed by the
 * key with the Cryptographic Protocol ID (1) appended, hashed first when longer than the digest.
 * The packet's checksum stays zero and is not verified (§4.2); the digest stands in for it, as in
 * FRR's ospf6d.
 * The hashes and HMAC are auth_hmac.ts's.
 *
 * Must not: throw on a packet it checks (a reason instead), or keep a buffer it is given.
 */

import { digestLen, type RoutingHashAlgo, routingHmac } from './auth_hmac.js'

/** The AT bit of the OSPFv3 options (§2.1). */
export const OPT6_AT = 0x400
export const AT_HDR_LEN = 16
/** Authentication Type 1: HMAC Cryptographic Authentication (§2.2). */
const AT_HMAC = 1
/** OSPFv3's Cryptographic Protocol ID (§4.5, IANA). */
const CRYPTO_PROTO_ID = 1

export type Ospf6HashAlgo = RoutingHashAlgo

export interface Ospf6AuthKey {
  keyId: number
  algo: Ospf6HashAlgo
  key: string
}

/** The trailer's length for a key (header and digest). */
export function trailerLen(k: Ospf6AuthKey): number {
  return AT_HDR_LEN + digestLen(k.algo)
}

/** §4.5's HMAC over `text` (whose digest field already holds Apad), keyed by the key and the Cryptographic Protocol ID. */
function digest(k: Ospf6AuthKey, text: Uint8Array): Uint8Array {
  const ks = new Uint8Array(k.key.length + 2)
  for (let i = 0; i < k.key.length; i++) ks[i] = k.key.charCodeAt(i) & 0xff
  ks[k.key.length] = CRYPTO_PROTO_ID >>> 8
  ks[k.key.length + 1] = CRYPTO_PROTO_ID & 0xff
  return routingHmac(k.algo, ks, text)
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
  const len = digestLen(k.algo)
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
  const len = digestLen(k.algo)
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
