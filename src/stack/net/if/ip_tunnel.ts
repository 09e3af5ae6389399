/**
 * What gif(4) and gre(4) share: a point-to-point interface without a link header whose packets
 * travel inside IPv4 datagrams between two tunnel end points (`ifconfig gifN tunnel SRC DST`), and
 * the lookup that gives an arriving IPv4-in-IPv4 (protocol 4), IPv6-in-IPv4 (41) or GRE (47)
 * datagram to the tunnel whose end points it matches (FreeBSD's ip_encap: outer source = our
 * tunnel's destination, outer destination = its source). The underlay is IPv4 (`tunnel A B`) or
 * IPv6 (`inet6 tunnel A B`, in6_gif / in6_gre: next header 4, 41 or 47 after the IPv6 header).
 *
 * The driver's encapsulation (the gif or gre header) is a `TunnelKind`. A packet is encapsulated
 * at most net.link.gif.max_nesting (gif) or net.link.gre.max_nesting (gre) times, per-vnet knobs
 * with FreeBSD's default 1 (the count covers both drivers' encapsulations, where FreeBSD counts
 * each driver's own tags): one routed back into a tunnel after it left one
 * (the route to the far end points through the tunnel itself) is dropped and counted, as
 * gif_check_nesting does by the packet's tags, not looped. The count belongs to the packet, not
 * the tunnel, so a reply that comes back at once (in-process links deliver synchronously) and
 * makes the stack send again through the same tunnel goes out.
 *
 * The outer datagram leaves through the output inet or inet6 registers (domain.ts), so net/ knows
 * no protocol family; inet6's input calls encap6Input as inet's calls encapInput.
 *
 * Must not: throw on the data path, allocate per packet, or deliver a datagram to a tunnel that is
 * down or unconfigured.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { readU32 } from '../../../wire/addr.js'
import { in6Eq } from '../../../wire/inet6/in6_addr.js'
import { IFF, type IfDriver, Ifnet, type LinkEndpoint } from '../ifnet.js'
import { intKnob } from '../sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../vnet.js'

/**
 * The per-vnet nesting limits (V_max_gif_nesting, V_max_gre_nesting: MAX_GIF_NEST, MAX_GRE_NEST).
 * Bounded here at 32: in-process links deliver synchronously, so a tunnel loop allowed to nest
 * without end would nest the call stack with it.
 */
export class TunnelVnet {
  gifMaxNesting = 1
  greMaxNesting = 1
}

const MAX_NESTING_LIMIT = 32

export const tunnelModule: VnetModule<TunnelVnet> = {
  name: 'if_tunnel',
  slot: Slot.TUNNEL,
  create: () => new TunnelVnet(),
  sysctls: [
    intKnob('net.link.gif.max_nesting', 'Max nested tunnels', (v) => tunnelVnet(v), 'gifMaxNesting', {
      min: 0,
      max: MAX_NESTING_LIMIT,
    }),
    intKnob('net.link.gre.max_nesting', 'Max nested tunnels', (v) => tunnelVnet(v), 'greMaxNesting', {
      min: 0,
      max: MAX_NESTING_LIMIT,
    }),
  ],
}

export function tunnelVnet(v: Vnet): TunnelVnet {
  return vstate(v, tunnelModule)
}

/** gif_check_nesting: may m, encapsulated m.tunnels times so far, go through one more of ifp's kind? */
function nestingAllowed(sc: TunnelSoftc, m: Mbuf): boolean {
  const t = tunnelVnet(sc.ifp.vnet)
  return m.tunnels < (sc.kind.name === 'gre' ? t.greMaxNesting : t.gifMaxNesting)
}

/** IPPROTO_IPV4, IPPROTO_IPV6, IPPROTO_GRE. */
export const IPPROTO_IPV4 = 4
export const IPPROTO_IPV6 = 41
export const IPPROTO_GRE = 47
export const IPPROTO_UDP = 17
/** IPPROTO_ETHERIP: Ethernet frames of a bridged gif (RFC 3378). */
export const IPPROTO_ETHERIP = 97
/** GRE_UDPENCAP, the GRESOPTS bit of GRE-in-UDP (RFC 8086), and its destination port GRE_UDPPORT. */
export const GRE_UDPENCAP = 0x4
export const GRE_UDPPORT = 4754

/** How a tunnel driver wraps and unwraps packets. */
export interface TunnelKind {
  readonly name: 'gif' | 'gre'
  /** The outer IP protocol a packet of inner version `v` (4 or 6) is carried in. */
  outerProto(sc: TunnelSoftc, version: number): number
  /** Add the driver's header in front of the inner packet; false when it cannot (counted by the caller). */
  encap(sc: TunnelSoftc, m: Mbuf, version: number): boolean
  /**
   * Whether a datagram of outer protocol `proto` whose payload starts at m.off belongs to sc; when
   * it does and is well formed, remove the driver's header (m.off at the inner packet) and return
   * 1; 0 when it is not sc's; -1 when it is sc's but malformed (the caller counts and drops it).
   */
  decap(sc: TunnelSoftc, m: Mbuf, proto: number): number
  /** The outer TTL (gif: net.inet.gif.ttl's default 30; gre: the IP default 64). */
  readonly ttl: number
}

/** The softc of a gif or gre interface. */
export class TunnelSoftc implements LinkEndpoint {
  readonly ifp: Ifnet
  readonly kind: TunnelKind
  /** The underlay: 0 while unconfigured, 4 or 6. */
  af: 0 | 4 | 6 = 0
  /** IPv4 tunnel end points (host order), when af is 4. */
  src = 0
  dst = 0
  /** IPv6 tunnel end points, when af is 6. */
  readonly src6 = new Uint8Array(16)
  readonly dst6 = new Uint8Array(16)
  /** gre: the RFC 2890 key, 0 for none. */
  key = 0
  /** gre: GRE_ENABLE_CSUM (1) and GRE_ENABLE_SEQ (2), set by GRESOPTS. */
  opts = 0
  /** gre: the next RFC 2890 sequence number sent. */
  oseq = 0
  /** gre: the GRE-in-UDP source port (GRESPORT, `udpport N`), 0 for one derived from each flow. */
  port = 0

  constructor(ifp: Ifnet, kind: TunnelKind) {
    this.ifp = ifp
    this.kind = kind
  }

  get configured(): boolean {
    return this.af !== 0
  }

  /** gif_transmit / gre_transmit: wrap and send by the outer route. */
  transmit(m: Mbuf): void {
    const ifp = this.ifp
    const pool = ifp.vnet.env.pool
    const version = m.len > 0 ? m.data[m.off]! >>> 4 : 0
    if (
      !nestingAllowed(this, m) ||
      !this.configured ||
      (version !== 4 && version !== 6) ||
      !this.kind.encap(this, m, version)
    ) {
      ifp.stats.oerrors++
      pool.put(m)
      return
    }
    const domains = ifp.vnet.env.domains
    const output = this.af === 4 ? domains.encapOutput() : undefined
    const output6 = this.af === 6 ? domains.encap6Output() : undefined
    if (output === undefined && output6 === undefined) {
      ifp.stats.oerrors++
      pool.put(m)
      return
    }
    m.linkBcast = false
    // The outer datagram is routed by the tunnel's FIB (`tunnelfib`, sc->gif_fibnum).
    m.fib = ifp.tunnelFib
    m.tunnels++
    const proto = this.kind.outerProto(this, version)
    // The outer hop limit is the outer TTL's counterpart (gif: net.inet6.ip6.gif_hlim, 30; gre: 64).
    const err =
      output !== undefined
        ? output(ifp.vnet, m, this.src, this.dst, proto, this.kind.ttl)
        : output6!(ifp.vnet, m, this.src6, this.dst6, proto, this.kind.ttl)
    if (err !== undefined) ifp.stats.oerrors++
  }

  /**
   * gif_transmit's AF_LINK case: an Ethernet frame the bridge this gif belongs to sends through it,
   * behind RFC 3378's 2-byte EtherIP header (version 3, reserved zero), as IP protocol 97.
   */
  transmitEther(m: Mbuf): void {
    const ifp = this.ifp
    const domains = ifp.vnet.env.domains
    const output = this.af === 4 ? domains.encapOutput() : undefined
    const output6 = this.af === 6 ? domains.encap6Output() : undefined
    if (
      !nestingAllowed(this, m) ||
      this.kind.name !== 'gif' ||
      (ifp.flags & IFF.UP) === 0 ||
      (output === undefined && output6 === undefined) ||
      !m.prepend(2)
    ) {
      ifp.stats.oerrors++
      ifp.vnet.env.pool.put(m)
      return
    }
    m.data[m.off] = 0x30
    m.data[m.off + 1] = 0
    ifp.stats.opackets++
    ifp.stats.obytes += m.len
    m.linkBcast = false
    m.fib = ifp.tunnelFib
    m.tunnels++
    const err =
      output !== undefined
        ? output(ifp.vnet, m, this.src, this.dst, IPPROTO_ETHERIP, this.kind.ttl)
        : output6!(ifp.vnet, m, this.src6, this.dst6, IPPROTO_ETHERIP, this.kind.ttl)
    if (err !== undefined) ifp.stats.oerrors++
  }

  /**
   * gif_input's EtherIP case: the frame goes to the bridge the gif is a member of (BRIDGE_INPUT);
   * a gif in no bridge has nowhere to put it and drops it.
   */
  inputEther(m: Mbuf): void {
    const ifp = this.ifp
    const tap = ifp.tap
    if (tap === null || m.len < 14) {
      ifp.stats.idrops++
      ifp.vnet.env.pool.put(m)
      return
    }
    ifp.stats.ipackets++
    ifp.stats.ibytes += m.len
    m.rcvif = ifp
    m.linkBcast = (m.data[m.off]! & 1) !== 0
    // Its encapsulations were the sender's: to this stack it arrives as a new packet.
    m.tunnels = 0
    if (!tap.input(ifp, m)) ifp.vnet.env.pool.put(m)
  }

  /** A datagram of ours, outer header removed: into the stack as received on the tunnel. */
  input(m: Mbuf): void {
    const ifp = this.ifp
    m.linkBcast = false
    // What was known of the outer header's checksum says nothing of the inner one's.
    m.csumValid = false
    m.tunnels = 0
    ifp.receive(m)
  }

  ifDetached(): void {}
}

export function tunnelOf(ifp: Ifnet): TunnelSoftc | null {
  return ifp.link instanceof TunnelSoftc ? ifp.link : null
}

/** SIOCSIFPHYADDR: set the end points; the interface runs from now on. */
export function tunnelSet(sc: TunnelSoftc, src: number, dst: number): void {
  sc.af = 4
  sc.src = src >>> 0
  sc.dst = dst >>> 0
  sc.src6.fill(0)
  sc.dst6.fill(0)
  sc.ifp.flags |= IFF.RUNNING
}

/** SIOCSIFPHYADDR_IN6 (`inet6 tunnel SRC DST`): IPv6 end points. */
export function tunnelSet6(sc: TunnelSoftc, src: Uint8Array, dst: Uint8Array): void {
  sc.af = 6
  sc.src = 0
  sc.dst = 0
  sc.src6.set(src.subarray(0, 16))
  sc.dst6.set(dst.subarray(0, 16))
  sc.ifp.flags |= IFF.RUNNING
}

/** SIOCDIFPHYADDR (`deletetunnel`). */
export function tunnelDelete(sc: TunnelSoftc): void {
  sc.af = 0
  sc.src = 0
  sc.dst = 0
  sc.src6.fill(0)
  sc.dst6.fill(0)
  sc.ifp.flags &= ~IFF.RUNNING
}

/**
 * encap4_input: give an IPv4 datagram of protocol 4, 41 or 47 (m at its IP header, `hlen` long) to
 * the tunnel it belongs to. True when a tunnel took it (delivered, or dropped and counted there);
 * false when none matches, so the caller goes on as for any other protocol.
 */
export function encapInput(v: Vnet, m: Mbuf, hlen: number, proto: number): boolean {
  const b = m.data
  const osrc = readU32(b, m.off + 12)
  const odst = readU32(b, m.off + 16)
  const ifs = v.ifList
  for (let i = 0; i < ifs.length; i++) {
    const sc = tunnelOf(ifs[i]!)
    if (sc === null || sc.af !== 4 || sc.dst !== osrc || sc.src !== odst) continue
    if (tryTunnel(v, sc, m, hlen, proto)) return true
  }
  return false
}

/**
 * in_gre_udp_input: a UDP datagram to GRE_UDPPORT (m at its IP header, `hlen` long, checksum
 * already verified) for a gre tunnel with `udpencap` whose end points it matches. True when a tunnel
 * took it; false leaves it to UDP's sockets.
 */
export function encapUdpInput(v: Vnet, m: Mbuf, hlen: number): boolean {
  const b = m.data
  const osrc = readU32(b, m.off + 12)
  const odst = readU32(b, m.off + 16)
  const ifs = v.ifList
  for (let i = 0; i < ifs.length; i++) {
    const sc = tunnelOf(ifs[i]!)
    if (sc === null || sc.af !== 4 || (sc.opts & GRE_UDPENCAP) === 0) continue
    if (sc.dst !== osrc || sc.src !== odst) continue
    if (tryTunnel(v, sc, m, hlen + 8, IPPROTO_UDP)) return true
  }
  return false
}

/**
 * in6_gre_udp_input: encapUdpInput for a UDP datagram over IPv6 (m at its IPv6 header, the UDP
 * header `hlen` bytes in, checksum already verified).
 */
export function encapUdp6Input(v: Vnet, m: Mbuf, hlen: number): boolean {
  const b = m.data
  const ifs = v.ifList
  for (let i = 0; i < ifs.length; i++) {
    const sc = tunnelOf(ifs[i]!)
    if (sc === null || sc.af !== 6 || (sc.opts & GRE_UDPENCAP) === 0) continue
    if (!in6Eq(sc.dst6, 0, b, m.off + 8) || !in6Eq(sc.src6, 0, b, m.off + 24)) continue
    if (tryTunnel(v, sc, m, hlen + 8, IPPROTO_UDP)) return true
  }
  return false
}

/**
 * encap6_input: the same for an IPv6 packet (m at its IPv6 header) whose upper-layer header, of
 * next header 4, 41 or 47, starts `hlen` bytes in (after any extension headers).
 */
export function encap6Input(v: Vnet, m: Mbuf, hlen: number, proto: number): boolean {
  const b = m.data
  const ifs = v.ifList
  for (let i = 0; i < ifs.length; i++) {
    const sc = tunnelOf(ifs[i]!)
    if (sc === null || sc.af !== 6) continue
    if (!in6Eq(sc.dst6, 0, b, m.off + 8) || !in6Eq(sc.src6, 0, b, m.off + 24)) continue
    if (tryTunnel(v, sc, m, hlen, proto)) return true
  }
  return false
}

/** Offer m (outer header `hlen` long) to sc; true when sc took it (delivered or dropped). */
function tryTunnel(v: Vnet, sc: TunnelSoftc, m: Mbuf, hlen: number, proto: number): boolean {
  // A gre tunnel hears GRE, or GRE in UDP when it has udpencap, never the other.
  const udp = sc.kind.name === 'gre' && (sc.opts & GRE_UDPENCAP) !== 0
  if ((sc.kind.name === 'gre') !== (proto === IPPROTO_GRE || proto === IPPROTO_UDP)) return false
  if (udp !== (proto === IPPROTO_UDP)) return false
  m.adj(hlen)
  const r = sc.kind.decap(sc, m, proto)
  if (r === 0) {
    // Not this tunnel's after all (another GRE key): put the header back and look further.
    m.prepend(hlen)
    return false
  }
  if (r < 0 || !sc.ifp.up) {
    if (r < 0) sc.ifp.stats.ierrors++
    else sc.ifp.stats.idrops++
    v.env.pool.put(m)
    return true
  }
  if (proto === IPPROTO_ETHERIP) sc.inputEther(m)
  else sc.input(m)
  return true
}

/**
 * No link header and no neighbour to resolve: the packet goes to the softc as it is, past any
 * bridge the gif belongs to (gif_output calls gif_transmit, never the bridge).
 */
function tunnelOutput(ifp: Ifnet, m: Mbuf): undefined {
  ifp.transmitToLink(m)
  return undefined
}

/** Interfaces of a tunnel driver: DLT_NULL like tun, the largest MTU an IPv4 datagram allows. */
export const tunnelDriver: IfDriver = { type: 'tun', output: tunnelOutput, maxMtu: 65535 - 20 }

/** A new, unconfigured tunnel interface. */
export function tunnelIf(v: Vnet, name: string, kind: TunnelKind, mtu: number): Ifnet {
  const ifp = new Ifnet(v, name, tunnelDriver, kind.name, 0, mtu, IFF.POINTOPOINT | IFF.MULTICAST)
  ifp.link = new TunnelSoftc(ifp, kind)
  return ifp
}
