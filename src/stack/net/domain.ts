/**
 * How protocols plug into the link layer without the link layer knowing them (FreeBSD's netisr
 * protocol registration and eventhandlers): a protocol family registers its input routine per
 * EtherType and per loopback address family, provides IPv4's output over Ethernet (next-hop
 * resolution, ARP), and listens for address and interface events.
 * One registry per host, shared by all its vnets; filled once when the host starts.
 *
 * The link layer only calls what is registered here, so it imports nothing from a protocol family.
 * Lookups on the receive path scan a tiny array: no allocation, no hashing per frame.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import type { ErrnoName } from '../../util/errno.js'
import type { IfAddr, Ifnet, IfOutput } from './ifnet.js'
import type { Vnet } from './vnet.js'

/** A protocol's input routine; takes ownership of m (which starts at the protocol's header). */
export type ProtoInput = (ifp: Ifnet, m: Mbuf) => void

/**
 * IPv4 output for a tunnel driver (gif, gre: in_gif_output / in_gre_output): m is the payload after
 * the outer header, sent from `src` to `dst` as protocol `proto` with `ttl`, routed in v. Takes
 * ownership of m; returns the errno, or undefined.
 */
export type InetEncapOutput = (
  v: Vnet,
  m: Mbuf,
  src: number,
  dst: number,
  proto: number,
  ttl: number,
) => ErrnoName | undefined

/** The IPv6 counterpart (in6_gif_output / in6_gre_output): `ttl` is the outer hop limit. */
export type Inet6EncapOutput = (
  v: Vnet,
  m: Mbuf,
  src: Uint8Array,
  dst: Uint8Array,
  proto: number,
  ttl: number,
) => ErrnoName | undefined

/**
 * A protocol a kernel module registers above IP (ipproto_register / ip6proto_register, as carp(4)
 * does): m starts at the IP header, its own header at `off` (absolute offset in m.data). Takes
 * ownership of m.
 */
export type IpProtoInput = (ifp: Ifnet, m: Mbuf, off: number) => void

/**
 * A kernel UDP socket a tunnel driver holds in a vnet (geneve: socreate, udp_set_kernel_tunneling
 * and sobind), opened through the family that registered it so net/ knows no UDP.
 */
export interface UdpTunnelSocket {
  /**
   * IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP: the group (an IPv4 address, or 16 bytes) on ifp, or on the
   * interface the route to the group takes when ifp is null. Throws SysError, having changed nothing.
   */
  join(group: number | Uint8Array, ifp: Ifnet | null): void
  /** IP_DROP_MEMBERSHIP / IPV6_LEAVE_GROUP of what join took; nothing when it is no member. */
  leave(group: number | Uint8Array, ifp: Ifnet | null): void
  /** soclose: the port is free again and its memberships are left. */
  close(): void
}

/**
 * What the socket hands its driver (udp_tun_func_t): m at its outer IP header, the UDP header
 * `udpOff` bytes after m.off, its checksum verified. Takes ownership of m; never throws.
 */
export type UdpTunnelInput = (ifp: Ifnet, m: Mbuf, udpOff: number) => void

/** The outer header's settings for one datagram (the driver's ip_moptions and header fields). */
export interface UdpTunnelOut {
  ttl: number
  /** The whole TOS / traffic class byte (DSCP and ECN). */
  tos: number
  df: boolean
  /** The multicast interface (genevedev), null for the route's. Group datagrams never loop back. */
  mifp: Ifnet | null
}

/**
 * One family's tunnel sockets (A: the address, a number for IPv4, 16 bytes for IPv6). `output`
 * takes m at a UDP header whose ports the driver wrote, fills in length and checksum (IPv4: none,
 * as RFC 8926 §3.3 allows; IPv6: required, RFC 8200 §8.1), and sends it from src to dst. Takes
 * ownership of m; returns the errno, or undefined.
 */
export interface UdpTunnelFamily<A> {
  /** Bind laddr:port in v (laddr 0 / all-zero: any). Throws SysError (EADDRINUSE, EADDRNOTAVAIL). */
  open(v: Vnet, laddr: A, port: number, input: UdpTunnelInput): UdpTunnelSocket
  output(v: Vnet, m: Mbuf, src: A, dst: A, o: UdpTunnelOut): ErrnoName | undefined
}

export class Domains {
  /** Protocols above IPv4 and IPv6 registered by loadable modules, by protocol number. */
  private readonly ipProtos: Array<IpProtoInput | undefined> = new Array(256)
  private readonly ip6Protos: Array<IpProtoInput | undefined> = new Array(256)
  private readonly etherTypes: number[] = []
  private readonly etherInputs: ProtoInput[] = []
  /** Input for frames of interfaces without a link header (lo), by IP version nibble. */
  private readonly loopInputs: Array<ProtoInput | undefined> = new Array(16)
  private loopDefault: ProtoInput | undefined = undefined
  /** IPv4 over Ethernet: resolve the next hop's address, then frame (ether_output's AF_INET case). */
  private inetEtherOutput: IfOutput | undefined = undefined
  private inetEncapOutput: InetEncapOutput | undefined = undefined
  private inet6EncapOutput: Inet6EncapOutput | undefined = undefined
  private udpTun4: UdpTunnelFamily<number> | undefined = undefined
  private udpTun6: UdpTunnelFamily<Uint8Array> | undefined = undefined
  private readonly addrListeners: Array<(ifa: IfAddr, added: boolean) => void> = []
  private readonly lladdrListeners: Array<(ifp: Ifnet) => void> = []
  private readonly departureListeners: Array<(ifp: Ifnet) => void> = []
  private readonly linkUpListeners: Array<(ifp: Ifnet) => void> = []

  /** netisr_register for an EtherType. */
  registerEtherType(type: number, input: ProtoInput): void {
    if (this.etherTypes.includes(type)) throw new Error(`EtherType ${type} registered twice`)
    this.etherTypes.push(type)
    this.etherInputs.push(input)
  }

  /** ipproto_register (family 4) / ip6proto_register (6); EEXIST-like error when taken. */
  registerIpProto(family: 4 | 6, proto: number, input: IpProtoInput): void {
    const t = family === 4 ? this.ipProtos : this.ip6Protos
    if (t[proto & 255] !== undefined) throw new Error(`IP protocol ${proto} registered twice`)
    t[proto & 255] = input
  }

  unregisterIpProto(family: 4 | 6, proto: number): void {
    ;(family === 4 ? this.ipProtos : this.ip6Protos)[proto & 255] = undefined
  }

  /** The module's input for an IPv4 protocol, or undefined (raw sockets then, or no protocol). */
  ipProto(proto: number): IpProtoInput | undefined {
    return this.ipProtos[proto & 255]
  }

  ip6Proto(nxt: number): IpProtoInput | undefined {
    return this.ip6Protos[nxt & 255]
  }

  /** The input routine for an EtherType, or undefined (if_noproto). */
  etherInput(type: number): ProtoInput | undefined {
    const types = this.etherTypes
    for (let i = 0; i < types.length; i++) if (types[i] === type) return this.etherInputs[i]
    return undefined
  }

  /**
   * Input for packets on a link without a link header, by the IP version in their first nibble.
   * The first family registered also takes packets whose nibble names no family: FreeBSD's
   * if_simloop hands a packet to the family that sent it, whose input then counts a bad version.
   */
  registerLoop(version: number, input: ProtoInput): void {
    this.loopInputs[version & 15] = input
    this.loopDefault ??= input
  }

  loopInput(version: number): ProtoInput | undefined {
    return this.loopInputs[version & 15] ?? this.loopDefault
  }

  /** The family's output over Ethernet, which resolves the next hop itself (arpresolve). */
  registerEtherOutput(output: IfOutput): void {
    if (this.inetEtherOutput !== undefined) throw new Error('Ethernet output registered twice')
    this.inetEtherOutput = output
  }

  /** The registered output over Ethernet, or undefined when no family registered one. */
  etherOutput(): IfOutput | undefined {
    return this.inetEtherOutput
  }

  /** The family's output for tunnel drivers' outer packets (registered by inet). */
  registerEncapOutput(output: InetEncapOutput): void {
    if (this.inetEncapOutput !== undefined) throw new Error('encapsulation output registered twice')
    this.inetEncapOutput = output
  }

  encapOutput(): InetEncapOutput | undefined {
    return this.inetEncapOutput
  }

  /** The same for an IPv6 underlay (registered by inet6). */
  registerEncap6Output(output: Inet6EncapOutput): void {
    if (this.inet6EncapOutput !== undefined) throw new Error('IPv6 encapsulation output registered twice')
    this.inet6EncapOutput = output
  }

  encap6Output(): Inet6EncapOutput | undefined {
    return this.inet6EncapOutput
  }

  /** Kernel UDP tunnel sockets over IPv4 (registered by inet). */
  registerUdpTunnel4(f: UdpTunnelFamily<number>): void {
    if (this.udpTun4 !== undefined) throw new Error('IPv4 UDP tunnel sockets registered twice')
    this.udpTun4 = f
  }

  udpTunnel4(): UdpTunnelFamily<number> | undefined {
    return this.udpTun4
  }

  /** The same over IPv6 (registered by inet6). */
  registerUdpTunnel6(f: UdpTunnelFamily<Uint8Array>): void {
    if (this.udpTun6 !== undefined) throw new Error('IPv6 UDP tunnel sockets registered twice')
    this.udpTun6 = f
  }

  udpTunnel6(): UdpTunnelFamily<Uint8Array> | undefined {
    return this.udpTun6
  }

  /** ifaddr_event: an address was added to or removed from an interface. */
  onAddress(fn: (ifa: IfAddr, added: boolean) => void): void {
    this.addrListeners.push(fn)
  }

  /** ifnet_departure_event: an interface is leaving its vnet (moved or destroyed). */
  onDeparture(fn: (ifp: Ifnet) => void): void {
    this.departureListeners.push(fn)
  }

  /** iflladdr_event: an interface's link-layer address changed (SIOCSIFLLADDR). */
  onLladdr(fn: (ifp: Ifnet) => void): void {
    this.lladdrListeners.push(fn)
  }

  /** ifnet_link_event: an interface came up. */
  onLinkUp(fn: (ifp: Ifnet) => void): void {
    this.linkUpListeners.push(fn)
  }

  addressEvent(ifa: IfAddr, added: boolean): void {
    for (const fn of this.addrListeners) fn(ifa, added)
  }

  departureEvent(ifp: Ifnet): void {
    for (const fn of this.departureListeners) fn(ifp)
  }

  lladdrEvent(ifp: Ifnet): void {
    for (const fn of this.lladdrListeners) fn(ifp)
  }

  linkUpEvent(ifp: Ifnet): void {
    for (const fn of this.linkUpListeners) fn(ifp)
  }
}
