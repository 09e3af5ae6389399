/**
 * Kernel UDP sockets for tunnel drivers (what geneve(4) does with socreate, udp_set_kernel_tunneling,
 * sobind and sosetopt in its vnet): an AF_INET or AF_INET6 UDP socket owned by no process, bound to
 * the driver's local address and port, whose every datagram goes to the driver's input hook, with
 * group memberships through the ordinary multicast options; and the driver's output, which finishes
 * the UDP header and sends it with the outer header's TTL, TOS and DF. Registered with the link
 * layer's domains (inetAttach, inet6Attach), so drivers in net/ reach UDP without knowing it.
 *
 * Like any bound socket they hold their port (netstat -a lists them, owner `?` in sockstat).
 * Output allocates nothing: the IP options objects are one per host, filled per datagram.
 *
 * Must not: throw on the data path; keep a reference to the caller's address arrays past a call.
 */

import { type Socket, soclose } from '../../kern/socket.js'
import { in6IsUnspecified } from '../../wire/inet6/in6_addr.js'
import type { UdpTunnelFamily, UdpTunnelInput, UdpTunnelOut, UdpTunnelSocket } from '../net/domain.js'
import type { Ifnet } from '../net/ifnet.js'
import type { Vnet } from '../net/vnet.js'
import { IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP, Ip6Moptions, setMoption6 } from '../netinet6/in6_mcast.js'
import type { Ip6OutOptions } from '../netinet6/ip6/ip6_output.js'
import { ip6Output } from '../netinet6/ip6/ip6_output.js'
import { udp6Socket, udp6Usrreqs } from '../netinet6/udp6_usrreq.js'
import { IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, IpMoptions, setMoption } from './in_mcast.js'
import { INP, type Inpcb } from './in_pcb.js'
import { type IpOutOptions, ipOutput } from './ip/ip_output.js'
import { type UdpTunnel, udpSetKernelTunneling, udpSocket, udpUsrreqs } from './udp.js'

const IPPROTO_UDP = 17

/** The hooks every tunnel socket carries: input to the driver, ICMP errors ignored (as geneve's NULL). */
function hooks(input: UdpTunnelInput): UdpTunnel {
  return {
    input: (_v, ifp, m, hlen) => input(ifp, m, hlen),
    input6: (_v, ifp, m, off) => input(ifp, m, off - m.off),
    ctlinput: () => {},
    ctlinput6: () => {},
  }
}

class TunnelSock implements UdpTunnelSocket {
  constructor(
    private readonly v: Vnet,
    private readonly so: Socket,
  ) {}

  join(group: number | Uint8Array, ifp: Ifnet | null): void {
    this.member(group, ifp, true)
  }

  leave(group: number | Uint8Array, ifp: Ifnet | null): void {
    try {
      this.member(group, ifp, false)
    } catch {
      // Not a member (any more): the interface it was joined on may have gone.
    }
  }

  private member(group: number | Uint8Array, ifp: Ifnet | null, join: boolean): void {
    const pcb = this.so.pcb as Inpcb
    if (typeof group === 'number') {
      pcb.mopts ??= new IpMoptions()
      setMoption(this.v, pcb.mopts, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, {
        multiaddr: group,
        interface: 0,
        ifindex: ifp?.index ?? 0,
      })
    } else {
      pcb.mopts6 ??= new Ip6Moptions()
      setMoption6(this.v, pcb.mopts6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, {
        multiaddr6: group.slice(0, 16),
        ifindex: ifp?.index ?? 0,
      })
    }
  }

  close(): void {
    soclose(this.so)
  }
}

/** Open a socket with `input` as its tunnel and bind it; a failed bind closes it again. */
function open(so: Socket, v: Vnet, input: UdpTunnelInput, bind: () => void): UdpTunnelSocket {
  try {
    udpSetKernelTunneling(so, hooks(input))
    bind()
  } catch (e) {
    soclose(so)
    throw e
  }
  return new TunnelSock(v, so)
}

/** IPv4: no UDP checksum (RFC 8926 §3.3 lets an IPv4 underlay send zero, as FreeBSD's geneve does). */
export function udpTunnel4(): UdpTunnelFamily<number> {
  const ipo: IpOutOptions = { ttl: 64, tos: 0, df: false, src: 0, dontRoute: false, mifp: null, mloop: false }
  return {
    open(v, laddr, port, input) {
      // The kernel's own socket: uid 0, no jail, any port.
      const so = udpSocket(v, null, 0, true)
      return open(so, v, input, () => udpUsrreqs.bind(so, { addr: laddr >>> 0, port }))
    },
    output(v, m, src, dst, o: UdpTunnelOut) {
      const b = m.data
      const u = m.off
      b[u + 4] = m.len >>> 8
      b[u + 5] = m.len & 0xff
      b[u + 6] = 0
      b[u + 7] = 0
      ipo.ttl = o.ttl
      ipo.tos = o.tos
      ipo.df = o.df
      ipo.src = src
      ipo.mifp = o.mifp
      // The tunnel's group datagrams are not heard by this host (imo_multicast_loop 0).
      ipo.mloop = false
      return ipOutput(v, m, dst >>> 0, IPPROTO_UDP, ipo)
    },
  }
}

/** IPv6: the checksum is required (RFC 8200 §8.1); ip6Output computes it over the pseudo-header. */
export function udpTunnel6(): UdpTunnelFamily<Uint8Array> {
  const o6: Ip6OutOptions = { hlim: 64, src: null, zone: 0, csumOff: 6, dontFrag: false, tclass: 0 }
  return {
    open(v, laddr, port, input) {
      const so = udp6Socket(v, null, 0, true)
      const pcb = so.pcb as Inpcb
      // IPV6_V6ONLY: an IPv4 underlay has its own socket on the same port.
      pcb.v6only = true
      pcb.vflag &= ~INP.IPV4
      return open(so, v, input, () =>
        udp6Usrreqs.bind(so, { addr: 0, port, addr6: laddr.slice(0, 16), scopeId: 0 }),
      )
    },
    output(v, m, src, dst, o: UdpTunnelOut) {
      const b = m.data
      const u = m.off
      b[u + 4] = m.len >>> 8
      b[u + 5] = m.len & 0xff
      o6.hlim = o.ttl
      o6.tclass = o.tos
      o6.dontFrag = o.df
      o6.src = in6IsUnspecified(src, 0) ? null : src
      // A group goes out of genevedev when one is set: the zone picks the interface.
      o6.zone = o.mifp?.index ?? 0
      return ip6Output(v, m, dst, 0, IPPROTO_UDP, o6)
    },
  }
}
