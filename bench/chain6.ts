/**
 * The same chain as chain.ts, numbered for IPv6 as well: link i is 2001:2:0:i::/64 (RFC 5180's
 * benchmarking prefix 2001:2::/48), its left end ::1 and its right end ::2, with the same routes as
 * the IPv4 plan. Duplicate address detection is off and every neighbour is a static ND entry, so the
 * first packet of a measurement finds everything resolved, as ARP is for the IPv4 rows.
 */

import type { Chain } from './chain.js'

/** 2001:2:0:link::host */
export function linkAddr6(link: number, host: number): Uint8Array {
  const a = new Uint8Array(16)
  a[0] = 0x20
  a[1] = 0x01
  a[3] = 0x02
  a[6] = link >> 8
  a[7] = link & 0xff
  a[15] = host
  return a
}

export const LINK_PREFIX6 = 64
/** An address beyond the destination (2001:2:ff::1), which the destination (not a router) drops. */
export function beyondAddr6(): Uint8Array {
  const a = linkAddr6(0, 1)
  a[5] = 0xff
  return a
}

export function srcAddr6(): Uint8Array {
  return linkAddr6(0, 1)
}

export function dstAddr6(chain: Chain): Uint8Array {
  return linkAddr6(chain.plan.routers, 2)
}

const ANY6 = new Uint8Array(16)

/** Number the chain for IPv6, route it as the IPv4 plan does and fill every neighbour cache. */
export function addInet6(chain: Chain): void {
  const last = chain.nodes.length - 1
  chain.nodes.forEach((sys, i) => {
    sys.sysctlSet('net.inet6.ip6.dad_count', '0')
    if (i > 0) sys.inet6.addAddr(chain.links[i - 1]!.b, linkAddr6(i - 1, 2), LINK_PREFIX6)
    if (i < last) sys.inet6.addAddr(chain.links[i]!.a, linkAddr6(i, 1), LINK_PREFIX6)
  })
  chain.nodes.forEach((sys, i) => {
    // Default to the right, the destination back to the left.
    const gateway = i < last ? linkAddr6(i, 2) : linkAddr6(i - 1, 1)
    sys.inet6.routeAdd({ dst: ANY6, prefixLen: 0, gateway })
    if (i > 1 && i < last)
      sys.inet6.routeAdd({ dst: linkAddr6(0, 0), prefixLen: LINK_PREFIX6, gateway: linkAddr6(i - 1, 1) })
    if (i > 0 && i < last) sys.sysctlSet('net.inet6.ip6.forwarding', '1')
  })
  chain.links.forEach((l, i) => {
    const a = chain.vnets[i]!.ifByName(l.a)!
    const b = chain.vnets[i + 1]!.ifByName(l.b)!
    chain.nodes[i]!.inet6.ndpSet(linkAddr6(i, 2), 0, b.mac)
    chain.nodes[i + 1]!.inet6.ndpSet(linkAddr6(i, 1), 0, a.mac)
  })
}
