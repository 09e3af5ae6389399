/**
 * gif(4): the generic tunnel. IPv4 (protocol 4, RFC 2003) and IPv6 (protocol 41, RFC 4213) packets
 * inside IPv4, no header of its own; MTU 1280 (GIF_MTU), outer TTL 30 (net.inet.gif.ttl).
 */

import type { IfCloner } from '../if_clone.js'
import type { Vnet } from '../vnet.js'
import { IPPROTO_IPV4, IPPROTO_IPV6, type TunnelKind, tunnelIf } from './ip_tunnel.js'

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
