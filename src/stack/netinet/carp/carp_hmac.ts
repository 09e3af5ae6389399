/**
 * carp(4)'s authentication (carp_hmac_prepare / _generate / _verify): a SHA-1 HMAC keyed by `pass`
 * over version, type, vhid, the vhid's sorted addresses and the advertisement's 64-bit counter.
 * VRRPv3 vhids (RFC 9568 has no authentication) never use it.
 *
 * Must not: throw on the packet path.
 */

import { sha1 } from '@noble/hashes/legacy.js'
import { CARP_ADVERTISEMENT, CARP_VERSION, CarpOff } from '../../../wire/inet/carp.js'
import type { IfAddr } from '../../net/ifnet.js'
import { type CarpSoftc, isV6 } from './carp_var.js'

/**
 * The inner hash's fixed part: the key's ipad, version, type, vhid, then the vhid's IPv4 addresses
 * in ascending order and its IPv6 addresses in ascending byte order; and the key's opad.
 */
export function carpHmacPrepare(sc: CarpSoftc): void {
  const v4 = sc.ifas
    .filter((a): a is IfAddr => !isV6(a))
    .map((a) => a.addr >>> 0)
    .sort((a, b) => a - b)
  const v6 = sc.ifas
    .filter(isV6)
    .map((a) => a.addr)
    .sort((a, b) => {
      for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
      return 0
    })
  // carp_hmac_prepare skips equal addresses (it looks for the next one strictly greater).
  const u4 = v4.filter((a, i) => i === 0 || a !== v4[i - 1])
  const u6 = v6.filter((a, i) => i === 0 || a.some((x, j) => x !== v6[i - 1]![j]))
  const head = new Uint8Array(64 + 3 + 4 * u4.length + 16 * u6.length)
  for (let i = 0; i < 64; i++) {
    const k = i < sc.key.length ? sc.key[i]! : 0
    head[i] = k ^ 0x36
    sc.opad[i] = k ^ 0x5c
  }
  head[64] = CARP_VERSION
  head[65] = CARP_ADVERTISEMENT
  head[66] = sc.vhid & 0xff
  let o = 67
  for (const a of u4) {
    head[o] = a >>> 24
    head[o + 1] = a >>> 16
    head[o + 2] = a >>> 8
    head[o + 3] = a
    o += 4
  }
  for (const a of u6) {
    head.set(a.subarray(0, 16), o)
    o += 16
  }
  sc.hmacHead = head
}

/** The HMAC of the 8-byte counter at b[co] (carp_hmac_generate). */
export function carpHmac(sc: CarpSoftc, b: Uint8Array, co: number): Uint8Array {
  const inner = sha1
    .create()
    .update(sc.hmacHead)
    .update(b.subarray(co, co + 8))
    .digest()
  return sha1.create().update(sc.opad).update(inner).digest()
}

/** carp_hmac_verify: whether the advertisement at b[o] carries the HMAC of its counter. */
export function hmacOk(sc: CarpSoftc, b: Uint8Array, o: number): boolean {
  const md = carpHmac(sc, b, o + CarpOff.COUNTER)
  let diff = 0
  for (let i = 0; i < 20; i++) diff |= md[i]! ^ b[o + CarpOff.MD + i]!
  return diff === 0
}
