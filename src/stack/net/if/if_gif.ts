/**
 * gif(4): the generic tunnel. IPv4 (protocol 4, RFC 2003) and IPv6 (protocol 41, RFC 4213) packets
 * inside IPv4, no header of its own; MTU 1280 (GIF_MTU), outer TTL 30 (net.inet.gif.ttl). A gif
 * that is an if_bridge member also carries the bridge's Ethernet frames as EtherIP (RFC 3378,
 * protocol 97).
 */

import type { Vnet } from '../vnet.js'
import type { IfCloner } from './if_clone.js'
import { IPPROTO_ETHERIP, IPPROTO_IPV4, IPPROTO_IPV6, type TunnelKind, tunnelIf } from './ip_tunnel.js'

/** GIF_MTU. */
export const GIF_MTU = 1280
/** GIF_TTL: net.inet.gif.ttl's default. */
export const GIF_TTL = 30

const gifKind: TunnelKind = {
  name: 'gif',
  ttl: GIF_TTL,
  outerProto: (_sc, version) => (version === 6 ? IPPROTO_IPV6 : IPPROTO_IPV4),
  encap: () => true,
  decap(_sc, m, proto) {
    if (proto === IPPROTO_ETHERIP) {
      // RFC 3378 §3: version 3 and 12 reserved bits that must be zero, then an Ethernet frame.
      if (m.len < 2 + 14 || m.data[m.off] !== 0x30 || m.data[m.off + 1] !== 0) return -1
      m.adj(2)
      return 1
    }
    // The inner version must be the one the outer protocol announces (in_gif_input).
    const version = m.len > 0 ? m.data[m.off]! >>> 4 : 0
    return (proto === IPPROTO_IPV4 && version === 4) || (proto === IPPROTO_IPV6 && version === 6) ? 1 : -1
  },
}

export const gifCloner: IfCloner = {
  name: 'gif',
  create(v: Vnet, unit: number) {
    return [tunnelIf(v, `gif${unit}`, gifKind, GIF_MTU)]
  },
}
