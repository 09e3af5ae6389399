/**
 * The inet domain (FreeBSD's in_proto.c and the SYSINITs of netinet): registers IPv4 and ARP with
 * the link layer (input by EtherType, IPv4's output over Ethernet through ARP), hooks ARP to address
 * and interface events, and lists the per-vnet state of every inet protocol in initialisation order.
 * The host calls `inetAttach` once; nothing else wires netinet into net.
 */

import { EtherType } from '../../wire/link/ethernet.js'
import type { Domains } from '../net/domain.js'
import type { VnetModule } from '../net/vnet.js'
import { arpAnnounce, arpIfDetach, arpInput, arpModule, etherOutputIp } from './arp/arp.js'
import { arpIfInit, garpIfDetach, garpStop } from './arp/arp_garp.js'
import { icmpModule } from './icmp.js'
import { igmpIfDetach } from './igmp/igmp.js'
import { igmpModule } from './igmp/igmp_sysctl.js'
import { inPcbPurgeIf } from './in_mcast.js'
import { ipModule } from './ip/ip.js'
import { ipInput } from './ip/ip_input.js'
import { ipOutput } from './ip/ip_output.js'
import { reassModule } from './ip/ip_reass.js'
import { mrouteIfDetach, mrouteModule } from './ip_mroute/ip_mroute.js'
import { rawModule } from './raw.js'
import { tcpModule } from './tcp/tcp_sysctl.js'
import { type UdpVnet, udpModule } from './udp.js'
import { udpTunnel4 } from './udp_tunnel.js'

/** Every inet module, in initialisation order (destroyed in reverse). */
export const INET_MODULES: readonly VnetModule<unknown>[] = [
  arpModule,
  ipModule,
  icmpModule,
  igmpModule,
  reassModule,
  rawModule,
  mrouteModule,
  udpModule,
  tcpModule,
] as VnetModule<unknown>[]

export function inetAttach(d: Domains): void {
  d.registerEtherType(EtherType.IPV4, (ifp, m) => ipInput(ifp.vnet, ifp, m))
  d.registerEtherType(EtherType.ARP, arpInput)
  d.registerLoop(4, (ifp, m) => ipInput(ifp.vnet, ifp, m))
  d.registerEtherOutput(etherOutputIp)
  // gif and gre send their outer datagrams through here (in_gif_output, in_gre_output).
  d.registerEncapOutput((v, m, src, dst, proto, ttl) =>
    ipOutput(v, m, dst, proto, { ttl, tos: 0, df: false, src, dontRoute: false }),
  )
  // geneve's kernel sockets over IPv4.
  d.registerUdpTunnel4(udpTunnel4())
  // A new address is announced with a gratuitous ARP, and so is every address when the link comes up.
  // Not a carp address (arp_ifinit): its vhid announces it with the virtual MAC on becoming MASTER.
  d.onAddress((ifa, added) => {
    if (!added) garpStop(ifa)
    else if (ifa.ifp.type === 'ether' && ifa.ifp.up && ifa.carp === null) arpIfInit(ifa)
  })
  d.onLinkUp((ifp) => {
    if (ifp.type === 'ether') for (const a of ifp.addrs) if (a.carp === null) arpAnnounce(ifp, a.addr)
  })
  // arp_handle_ifllchange: a new link-layer address is announced for every address at once.
  d.onLladdr((ifp) => {
    if (ifp.type === 'ether' && ifp.up)
      for (const a of ifp.addrs) if (a.carp === null) arpAnnounce(ifp, a.addr)
  })
  d.onDeparture((ifp) => {
    // in_ifdetach: the sockets' memberships first, then the interface's own IGMP state.
    const us = ifp.vnet.slots[udpModule.slot] as UdpVnet | undefined
    if (us !== undefined) inPcbPurgeIf(us.pcbs.all(), ifp)
    garpIfDetach(ifp)
    arpIfDetach(ifp)
    igmpIfDetach(ifp)
    mrouteIfDetach(ifp)
  })
}
