/**
 * RFC 7217 stable, semantically opaque interface identifiers for SLAAC (net.inet6.ip6.use_stableaddr):
 * instead of the MAC's modified EUI-64, an autoconfigured address takes the leftmost 64 bits of
 * SHA-256(Prefix | Net_Iface | DAD_Counter | secret_key) (§5; no Network_ID), Net_Iface being the
 * interface's name. The same prefix on the same interface always gives the same address, another
 * prefix an unrelated one, and nothing of the MAC shows. A reserved identifier (RFC 5453: all zeros,
 * the subnet-router anycast, 0200:5eff:fe00:0000/40 and the top 128) moves on to the next counter,
 * and a duplicate found by DAD gets the next counter's address beside it, up to
 * net.inet6.ip6.stableaddr_maxretries times (§6). The secret key is the vnet's own, drawn once from
 * its seeded randomness (FreeBSD derives it from the host's UUID). Must not: be used on the
 * per-packet path.
 */

import { sha256 } from '@noble/hashes/sha2.js'
import type { Ifnet } from '../net/ifnet.js'
import { ip6 } from './ip6/ip6.js'

/** The secret key (§5's secret_key): 128 bits, made on first use and kept for the vnet's life. */
function secretKey(ifp: Ifnet): Uint8Array {
  const s = ip6(ifp.vnet)
  if (s.stableSecret === null) {
    const rng = ifp.vnet.env.rng.stream(`stableaddr:${ifp.vnet.id}`)
    const k = new Uint8Array(16)
    for (let i = 0; i < 16; i += 4) {
      const w = rng.u32()
      k[i] = w >>> 24
      k[i + 1] = (w >>> 16) & 0xff
      k[i + 2] = (w >>> 8) & 0xff
      k[i + 3] = w & 0xff
    }
    s.stableSecret = k
  }
  return s.stableSecret
}

/** RFC 5453's reserved interface identifiers (and the subnet-router anycast, RFC 4291 §2.6.1). */
function reserved(iid: Uint8Array): boolean {
  if (iid.every((b) => b === 0)) return true
  if (iid[0] === 0x02 && iid[1] === 0x00 && iid[2] === 0x5e && iid[3] === 0xff && iid[4] === 0xfe) return true
  return iid[0] === 0xfd && iid.subarray(1, 7).every((b) => b === 0xff) && (iid[7]! & 0x80) === 0x80
}

/**
 * The 64-bit identifier for a /64 `prefix` on ifp at DAD counter `counter` (raised past reserved
 * values); returns the identifier and the counter it was made with.
 */
export function stableIfid(ifp: Ifnet, prefix: Uint8Array, counter: number): [Uint8Array, number] {
  // Interface names are ASCII (ifconfig refuses others).
  const name = Uint8Array.from(ifp.name, (ch) => ch.charCodeAt(0) & 0xff)
  const key = secretKey(ifp)
  for (let c = counter; ; c++) {
    const msg = new Uint8Array(8 + name.length + 1 + key.length)
    msg.set(prefix.subarray(0, 8), 0)
    msg.set(name, 8)
    msg[8 + name.length] = c & 0xff
    msg.set(key, 9 + name.length)
    const iid = sha256(msg).subarray(0, 8)
    if (!reserved(iid) || c - counter > 255) return [iid, c]
  }
}
