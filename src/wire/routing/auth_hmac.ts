/**
 * The keyed hashes of routing protocols' cryptographic authentication: MD5 and SHA-1/256/384/512
 * with their digest (L) and block sizes, and the HMAC both OSPFv2's RFC 5709 §3.3 and OSPFv3's
 * RFC 7166 §4.5 specify, whose key is hashed only when longer than L (RFC 2104 hashes a key only
 * when longer than the block), then zero-padded to the block. Hashes come from @noble/hashes.
 *
 * Must not: keep or change the buffers it is given.
 */

import { md5, sha1 } from '@noble/hashes/legacy.js'
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js'

export type RoutingHashAlgo = 'md5' | 'hmac-sha-1' | 'hmac-sha-256' | 'hmac-sha-384' | 'hmac-sha-512'

interface Hash {
  h: (b: Uint8Array) => Uint8Array
  len: number
  block: number
}

export const HASHES: Readonly<Record<RoutingHashAlgo, Hash>> = {
  md5: { h: md5, len: 16, block: 64 },
  'hmac-sha-1': { h: sha1, len: 20, block: 64 },
  'hmac-sha-256': { h: sha256, len: 32, block: 64 },
  'hmac-sha-384': { h: sha384, len: 48, block: 128 },
  'hmac-sha-512': { h: sha512, len: 64, block: 128 },
}

/** The digest's length of an algorithm. */
export function digestLen(algo: RoutingHashAlgo): number {
  return HASHES[algo].len
}

/** HMAC of text under the key bytes ks (RFC 5709 §3.3 / RFC 7166 §4.5). */
export function routingHmac(algo: RoutingHashAlgo, ks: Uint8Array, text: Uint8Array): Uint8Array {
  const { h, len, block } = HASHES[algo]
  const key = new Uint8Array(block)
  key.set(ks.length > len ? h(ks) : ks)
  const inner = new Uint8Array(block + text.length)
  for (let i = 0; i < block; i++) inner[i] = key[i]! ^ 0x36
  inner.set(text, block)
  const outer = new Uint8Array(block + len)
  for (let i = 0; i < block; i++) outer[i] = key[i]! ^ 0x5c
  outer.set(h(inner), block)
  return h(outer)
}
