/**
 * carp_best_ifa: the source address of a vhid's advertisements (CARP's and VRRPv3's) on its
 * interface — not a carp address if the interface has another, and for IPv6 a link-local one toward
 * the group or a link-local peer (RFC 9568 §5.1.2.1), a global one toward a peer beyond the link.
 *
 * Must not: pick an address of another interface.
 */

import { in6IsLinkLocal, in6IsMulticast } from '../../../wire/inet6/in6_addr.js'
import type { IfAddr, Ifnet } from '../../net/ifnet.js'
import type { In6Ifaddr, In6Ifinfo } from '../../netinet6/in6_var.js'

/** The IPv4 source: the first address not of a vhid, else one whose vhid is MASTER, else the first. */
export function bestIfa4(ifp: Ifnet): number {
  let best: IfAddr | undefined
  for (const a of ifp.addrs)
    if (
      best === undefined ||
      (best.carp !== null && (a.carp === null || (a.carp.isMaster && !best.carp.isMaster)))
    )
      best = a
  return best === undefined ? 0 : best.addr
}

/** The IPv6 source toward dst: usable, not a carp address, link-local unless dst is beyond the link. */
export function bestIfa6(ifp: Ifnet, dst: Uint8Array): Uint8Array | null {
  const ii = ifp.inet6 as In6Ifinfo | null
  if (ii === null) return null
  const wantGlobal = !in6IsMulticast(dst, 0) && !in6IsLinkLocal(dst, 0)
  let best: In6Ifaddr | null = null
  let bestRank = -1
  for (const a of ii.addrs) {
    if (!a.usable) continue
    const rank = (a.carp === null ? 2 : 0) + (wantGlobal === !in6IsLinkLocal(a.addr, 0) ? 1 : 0)
    if (rank > bestRank) {
      best = a
      bestRank = rank
    }
  }
  return best === null ? null : best.addr
}
