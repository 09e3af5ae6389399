/**
 * gre(4): Generic Routing Encapsulation over IPv4 (protocol 47): RFC 2784's 4-byte header (flags
 * and version, protocol type 0x0800 or 0x86dd) with RFC 2890's optional key (`grekey N`, the K bit
 * and 4 more bytes). MTU 1476 (GREMTU). On input the version must be 0 and no routing present; a
 * checksum field (C bit) is skipped; the key, or its absence as key 0, must be the tunnel's, so
 * two tunnels between the same end points are told apart by key.
 */

import { readU16, readU32 } from '../../../wire/addr.js'
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
const ETHERTYPE_IP = 0x0800
const ETHERTYPE_IPV6 = 0x86dd

const greKind: TunnelKind = {
  name: 'gre',
  ttl: 64,
  outerProto: () => IPPROTO_GRE,
  encap(sc, m, version) {
    const keyed = sc.key !== 0
    if (!m.prepend(keyed ? 8 : 4)) return false
    const b = m.data
    const o = m.off
    const flags = keyed ? GRE_KP : 0
    const type = version === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP
    b[o] = flags >>> 8
    b[o + 1] = flags & 0xff
    b[o + 2] = type >>> 8
    b[o + 3] = type & 0xff
    if (keyed) {
      b[o + 4] = sc.key >>> 24
      b[o + 5] = (sc.key >>> 16) & 0xff
      b[o + 6] = (sc.key >>> 8) & 0xff
      b[o + 7] = sc.key & 0xff
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

export const greCloner: IfCloner = {
  name: 'gre',
  create(v: Vnet, unit: number) {
    return [tunnelIf(v, `gre${unit}`, greKind, GREMTU)]
  },
}
