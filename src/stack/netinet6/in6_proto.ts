/**
 * The inet6 domain (FreeBSD's in6_proto.c and netinet6's SYSINITs): registers IPv6 input with the
 * link layer by EtherType 0x86dd and for loopback packets of version 6, configures interfaces as
 * they come up or get their first address (link-local, ::1), forgets their IPv6 state as they leave
 * a vnet, and lists the per-vnet state of every inet6 protocol in initialisation order. The host
 * calls `inet6Attach` once; nothing else wires netinet6 into net.
 */

import { EtherType } from '../../wire/link/ethernet.js'
import type { Domains } from '../net/domain.js'
import type { Ifnet } from '../net/ifnet.js'
import type { VnetModule } from '../net/vnet.js'
import { type UdpVnet, udpModule } from '../netinet/udp.js'
import { udpTunnel6 } from '../netinet/udp_tunnel.js'
import { frag6Module } from './frag6/frag6_reass.js'
import { icmp6Module } from './icmp6.js'
import { in6IfPurge } from './in6.js'
import { in6IfUp } from './in6_ifattach.js'
import { type In6Ifinfo, ND6_IFF } from './in6_var.js'
import { ip6Module } from './ip6/ip6.js'
import { ip6Input } from './ip6/ip6_input.js'
import { ip6Output } from './ip6/ip6_output.js'
import { mroute6IfDetach, mroute6Module } from './ip6_mroute/ip6_mroute.js'
import { in6MoptionsPurgeIf } from './mld6/in6_mcast.js'
import { nd6IfDetach, nd6Module } from './nd6/nd6.js'
import { nd6GrandLladdr } from './nd6/nd6_grand.js'
import { nd6RtrIfDetach } from './nd6/nd6_rtr.js'
import { type Raw6Vnet, raw6Module } from './raw_ip6.js'

/** Every inet6 module, in initialisation order (destroyed in reverse). */
export const INET6_MODULES: readonly VnetModule<unknown>[] = [
  ip6Module,
  nd6Module,
  icmp6Module,
  frag6Module,
  raw6Module,
  mroute6Module,
] as VnetModule<unknown>[]

function ifDeparture(ifp: Ifnet): void {
  // in6_ifdetach: in6_pcbpurgeif0 over the UDP and raw sockets before the interface's own state.
  const v = ifp.vnet
  const us = v.slots[udpModule.slot] as UdpVnet | undefined
  if (us !== undefined)
    for (const p of us.pcbs.all()) if (p.mopts6 !== null) in6MoptionsPurgeIf(p.mopts6, ifp)
  const rs = v.slots[raw6Module.slot] as Raw6Vnet | undefined
  if (rs !== undefined) for (const p of rs.pcbs) if (p.mo !== null) in6MoptionsPurgeIf(p.mo, ifp)
  mroute6IfDetach(ifp)
  if (ifp.inet6 === null) return
  nd6RtrIfDetach(ifp)
  nd6IfDetach(ifp)
  in6IfPurge(ifp)
  ifp.inet6 = null
}

export function inet6Attach(d: Domains): void {
  d.registerEtherType(EtherType.IPV6, (ifp, m) => ip6Input(ifp.vnet, ifp, m))
  d.registerLoop(6, (ifp, m) => ip6Input(ifp.vnet, ifp, m))
  // gif and gre over an IPv6 underlay send their outer packets through here (in6_gif_output,
  // in6_gre_output): the tunnel's own source, no upper-layer checksum of ours.
  d.registerEncap6Output((v, m, src, dst, proto, hlim) =>
    ip6Output(v, m, dst, 0, proto, { hlim, src, zone: 0, csumOff: -1 }),
  )
  // geneve's kernel sockets over IPv6.
  d.registerUdpTunnel6(udpTunnel6())
  d.onLinkUp(in6IfUp)
  // An IPv4 address brings an Ethernet interface up without a link event (ether_ioctl): attach then.
  d.onAddress((ifa, added) => {
    if (added) in6IfUp(ifa.ifp)
  })
  d.onDeparture(ifDeparture)
  // nd6_iflladdr: the neighbors learn the new address from unsolicited advertisements (GRAND).
  d.onLladdr((ifp) => {
    const ii = ifp.inet6 as In6Ifinfo | null
    if (ii !== null && ifp.up && (ii.ndFlags & ND6_IFF.IFDISABLED) === 0) nd6GrandLladdr(ii)
  })
}
