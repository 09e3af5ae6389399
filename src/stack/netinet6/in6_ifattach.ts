/**
 * Automatic IPv6 configuration of an interface coming up (FreeBSD's in6_ifattach / in6_if_up):
 * the loopback gets ::1/128 and fe80::1/64; an Ethernet interface with ND6_IFF_AUTO_LINKLOCAL gets
 * fe80::/64 with the modified EUI-64 identifier of its MAC (RFC 4862 §5.3, RFC 4291 App. A), whose
 * DAD starts after a random delay of up to MAX_RTR_SOLICITATION_DELAY (RFC 4861 §6.3.7, 1 s).
 * Interfaces with IPv6 disabled (if_bridge) and lagg ports get nothing. Called from inet6's event listeners.
 */

import { in6LinkLocalFromMac, in6Loopback, parseIpv6 } from '../../wire/inet6/in6_addr.js'
import { laggOfPort } from '../net/if/if_lagg.js'
import type { Ifnet } from '../net/ifnet.js'
import { in6AddAddr, in6Find, in6HasLinkLocal } from './in6.js'
import { ND6_IFF } from './in6_var.js'
import { in6if } from './ip6.js'

const LO_LINKLOCAL = parseIpv6('fe80::1')!
const MAX_RTR_SOLICITATION_DELAY_MS = 1000

export function in6IfUp(ifp: Ifnet): void {
  if (!ifp.up) return
  // A lagg(4) port carries the lagg's traffic: no address of its own, so no scope mix-up.
  if (laggOfPort(ifp) !== null) return
  const ii = in6if(ifp)
  if ((ii.ndFlags & ND6_IFF.IFDISABLED) !== 0) return
  if (ifp.type === 'loop') {
    const one = in6Loopback()
    if (in6Find(ifp, one) === undefined) in6AddAddr(ifp, one, 128)
    if ((ii.ndFlags & ND6_IFF.AUTO_LINKLOCAL) !== 0 && !in6HasLinkLocal(ifp))
      in6AddAddr(ifp, LO_LINKLOCAL, 64)
    return
  }
  if ((ii.ndFlags & ND6_IFF.AUTO_LINKLOCAL) === 0 || in6HasLinkLocal(ifp)) return
  const rng = ifp.vnet.env.rng.stream(`dad:${ifp.vnet.id}:${ifp.index}`)
  const delay = Math.floor((rng.u32() / 2 ** 32) * MAX_RTR_SOLICITATION_DELAY_MS)
  in6AddAddr(ifp, in6LinkLocalFromMac(ifidSource(ifp, rng.u32())), 64, 0, delay)
}

/**
 * Where the interface identifier comes from (get_ifid): the interface's own MAC, else (tun) the
 * first Ethernet interface of the vnet, else a random one (FreeBSD hashes the hostname).
 */
function ifidSource(ifp: Ifnet, random: number): number {
  if (ifp.type === 'ether') return ifp.mac
  for (const i of ifp.vnet.ifnets) if (i.type === 'ether') return i.mac
  return 0x020000000000 + (random % 0x1000000) * 0x100
}
