/**
 * gre(4): Generic Routing Encapsulation over IPv4 (protocol 47): RFC 2784's 4-byte header (flags
 * and version, protocol type 0x0800 or 0x86dd) with RFC 2890's optional key (`grekey N`, the K bit
 * and 4 more bytes). MTU 1476 (GREMTU). On input the version must be 0 and no routing present; a
 * checksum field (C bit) is skipped; the key, or its absence as key 0, must be the tunnel's, so
 * two tunnels between the same end points are told apart by key. `enable_csum` adds RFC 2784's
 * checksum over the GRE header and payload, `enable_seq` RFC 2890's sequence number; neither is
 * checked on input, as FreeBSD's gre_input only skips them.
 */

import { readU16, readU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import type { IfCloner } from '../if_clone.js'
import type { Vnet } from '../vnet.js'
import { IPPROTO_GRE, type TunnelKind, tunnelIf } from './ip_tunnel.js'

/** GREMTU. */
export const GREMTU = 1476
const GRE_CP = 0x8000
const GRE_RP = 0x4000
const GRE_KP = 0x2000
const GRE_SP = 0x1000
const GRE_VERS = 0x0007
/** GRESOPTS bits (net/if_gre.h). */
export const GRE_ENABLE_CSUM = 0x1
export const GRE_ENABLE_SEQ = 0x2
export const GRE_OPTMASK = GRE_ENABLE_CSUM | GRE_ENABLE_SEQ
const ETHERTYPE_IP = 0x0800
const ETHERTYPE_IPV6 = 0x86dd

const greKind: TunnelKind = {
  name: 'gre',
  ttl: 64,
  outerProto: () => IPPROTO_GRE,
  encap(sc, m, version) {
    const keyed = sc.key !== 0
    const csum = (sc.opts & GRE_ENABLE_CSUM) !== 0
    const seq = (sc.opts & GRE_ENABLE_SEQ) !== 0
    // RFC 2784 / 2890 order: flags, type, [checksum, reserved1], [key], [sequence number].
    const hlen = 4 + (csum ? 4 : 0) + (keyed ? 4 : 0) + (seq ? 4 : 0)
    if (!m.prepend(hlen)) return false
    const b = m.data
    const o = m.off
    const flags = (csum ? GRE_CP : 0) | (keyed ? GRE_KP : 0) | (seq ? GRE_SP : 0)
    const type = version === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP
    b[o] = flags >>> 8
    b[o + 1] = flags & 0xff
    b[o + 2] = type >>> 8
    b[o + 3] = type & 0xff
    let p = o + 4
    if (csum) {
      b.fill(0, p, p + 4)
      p += 4
    }
    if (keyed) {
      writeU32(b, p, sc.key)
      p += 4
    }
    if (seq) {
      writeU32(b, p, sc.oseq)
      sc.oseq = (sc.oseq + 1) >>> 0
    }
    if (csum) {
      // RFC 2784 §2.5: the one's complement sum of the GRE header and payload, field zero.
      const c = checksum(b, o, m.len)
      b[o + 4] = c >>> 8
      b[o + 5] = c & 0xff
    }
    return true
  },
  decap(sc, m, _proto) {
    if (m.len < 4) return -1
    const b = m.data
    const o = m.off
    const flags = readU16(b, o)
    if ((flags & (GRE_RP | GRE_VERS)) !== 0) return -1
    let hlen = 4
    if ((flags & GRE_CP) !== 0) hlen += 4
    let key = 0
    if ((flags & GRE_KP) !== 0) {
      if (m.len < hlen + 4) return -1
      key = readU32(b, o + hlen) >>> 0
      hlen += 4
    }
    if ((flags & GRE_SP) !== 0) hlen += 4
    if (key !== sc.key) return 0
    if (m.len < hlen + 1) return -1
    const type = readU16(b, o + 2)
    const version = b[o + hlen]! >>> 4
    if (!((type === ETHERTYPE_IP && version === 4) || (type === ETHERTYPE_IPV6 && version === 6))) return -1
    m.adj(hlen)
    return 1
  },
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24
  b[o + 1] = (v >>> 16) & 0xff
  b[o + 2] = (v >>> 8) & 0xff
  b[o + 3] = v & 0xff
}

export const greCloner: IfCloner = {
  name: 'gre',
  create(v: Vnet, unit: number) {
    return [tunnelIf(v, `gre${unit}`, greKind, GREMTU)]
  },
}
