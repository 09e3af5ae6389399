/**
 * stf(4): 6to4 (RFC 3056). An interface with a 2002:V4ADDR::/N address carries IPv6 inside IPv4
 * (protocol 41) with no configured far end: each packet's outer destination is the IPv4 address
 * embedded in its IPv6 destination when that is a 6to4 address, else in its next hop's (a 6to4
 * relay as default router), and its outer source the address embedded in the interface's own
 * 6to4 address, which must be one of this vnet's IPv4 addresses (stf_getsrcifa6). Arriving
 * protocol-41 datagrams no gif(4) claims are taken when their outer destination is that address
 * and their source lies within the interface's prefix mapped to IPv4 (stf_encapcheck: a /16 6to4
 * prefix accepts any source, a /32 only 192.0.x.x-style /16 neighbours), then checked as
 * stf_checkaddr4/6 do (no multicast, broadcast or unspecified outer source; no IPv4-mapped or
 * -compatible inner source; a 6to4 inner source must embed the outer one).
 *
 * FreeBSD keeps it in net/if_stf.c; it lives beside inet6 here because it reads the interface's
 * IPv6 addresses, which net/ does not know. Must not: throw on the data path or allocate per
 * packet; what it cannot send or accept is dropped and counted on the interface.
 */

import type { Mbuf } from '../../buf/mbuf.js'
import { readU32 } from '../../wire/addr.js'
import type { IfCloner } from '../net/if/if_clone.js'
import { IFF, type IfDriver, Ifnet, type LinkEndpoint } from '../net/ifnet.js'
import type { Vnet } from '../net/vnet.js'
import type { In6Ifaddr } from './in6_var.js'

/** IPV6_MMTU: stf's MTU. */
export const STF_MTU = 1280
/** IPPROTO_IPV6, the outer protocol. */
const IPPROTO_IPV6 = 41
/** The outer TTL: ip_defttl, as stf_output leaves it to ip_output. */
const STF_TTL = 64

/** Whether the 16 bytes at b[o] are a 6to4 address (2002::/16). */
function is6to4(b: Uint8Array, o: number): boolean {
  return b[o] === 0x20 && b[o + 1] === 0x02
}

/** The IPv4 address a 6to4 address embeds (bytes 2 to 5). */
function v4Of(b: Uint8Array, o: number): number {
  return readU32(b, o + 2)
}

/** IN_MULTICAST, INADDR_ANY, INADDR_BROADCAST and 127/8: never a 6to4 peer (stf_checkaddr4). */
function badV4(a: number): boolean {
  return a === 0 || a === 0xffffffff || a >>> 28 === 0xe || a >>> 24 === 127
}

export class StfSoftc implements LinkEndpoint {
  readonly ifp: Ifnet

  constructor(ifp: Ifnet) {
    this.ifp = ifp
  }

  /** The interface's first 6to4 address whose IPv4 address is this vnet's (stf_getsrcifa6). */
  srcIfa(): In6Ifaddr | null {
    const ii = this.ifp.inet6 as { addrs: In6Ifaddr[] } | null
    if (ii === null) return null
    for (const ia of ii.addrs) {
      if (!is6to4(ia.addr, 0)) continue
      if (localV4(this.ifp.vnet, v4Of(ia.addr, 0))) return ia
    }
    return null
  }

  /** Without a next hop there is nothing to send to: only output6 sends. */
  transmit(m: Mbuf): void {
    this.ifp.stats.oerrors++
    this.ifp.vnet.env.pool.put(m)
  }

  /**
   * stf_output: m is an IPv6 packet (header at m.off) for next hop nh[nho]; wrap it in IPv4 toward
   * the 6to4 address its destination, or else its next hop, embeds. Takes ownership of m.
   */
  output6(m: Mbuf, nh: Uint8Array, nho: number): 'ENETDOWN' | 'ENETUNREACH' | 'EADDRNOTAVAIL' | undefined {
    const ifp = this.ifp
    const pool = ifp.vnet.env.pool
    const output = ifp.vnet.env.domains.encapOutput()
    const b = m.data
    let err: 'ENETDOWN' | 'ENETUNREACH' | 'EADDRNOTAVAIL' | undefined
    let dst = 0
    const ia = (ifp.flags & IFF.UP) === 0 ? null : this.srcIfa()
    if ((ifp.flags & IFF.UP) === 0 || output === undefined) err = 'ENETDOWN'
    else if (ia === null) err = 'EADDRNOTAVAIL'
    else if (is6to4(b, m.off + 24)) dst = v4Of(b, m.off + 24)
    else if (is6to4(nh, nho)) dst = v4Of(nh, nho)
    else err = 'ENETUNREACH'
    if (err !== undefined || ia === null || output === undefined) {
      ifp.stats.oerrors++
      pool.put(m)
      return err
    }
    ifp.stats.opackets++
    ifp.stats.obytes += m.len
    m.linkBcast = false
    m.fib = ifp.fib
    m.tunnels++
    if (output(ifp.vnet, m, v4Of(ia.addr, 0), dst, IPPROTO_IPV6, STF_TTL) !== undefined) ifp.stats.oerrors++
    return undefined
  }

  /**
   * stf_encapcheck: whether an IPv4 datagram (m at its header, hlen long) from osrc to odst belongs
   * to this interface.
   */
  claims(osrc: number, odst: number): boolean {
    const ia = this.srcIfa()
    if (ia === null || (this.ifp.flags & IFF.UP) === 0) return false
    if (v4Of(ia.addr, 0) !== odst) return false
    // The 6to4 prefix length less the 16 bits of 2002::/16 is the IPv4 mask the source must match.
    const bits = Math.max(0, Math.min(32, ia.prefixLen - 16))
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
    return (odst & mask) >>> 0 === (osrc & mask) >>> 0
  }

  /** stf_input: the outer header (hlen) removed, the inner IPv6 packet checked and received. */
  input(m: Mbuf, hlen: number, osrc: number): void {
    const ifp = this.ifp
    m.adj(hlen)
    const b = m.data
    const o = m.off
    let ok = m.len >= 40 && b[o]! >>> 4 === 6 && !badV4(osrc)
    if (ok) {
      // stf_checkaddr6: no IPv4-mapped (::ffff:0:0/96) or -compatible (::/96) inner source.
      let zero = true
      for (let i = 0; i < 10; i++) if (b[o + 8 + i] !== 0) zero = false
      if (zero && ((b[o + 18] === 0 && b[o + 19] === 0) || (b[o + 18] === 0xff && b[o + 19] === 0xff)))
        ok = false
      // A 6to4 source embeds the IPv4 address it came from.
      if (is6to4(b, o + 8) && v4Of(b, o + 8) !== osrc) ok = false
    }
    if (!ok) {
      ifp.stats.ierrors++
      ifp.vnet.env.pool.put(m)
      return
    }
    m.linkBcast = false
    m.csumValid = false
    m.tunnels = 0
    ifp.receive(m)
  }

  ifDetached(): void {}
}

/** Whether a is one of v's IPv4 interface addresses. */
function localV4(v: Vnet, a: number): boolean {
  for (const ifp of v.ifList) for (const ifa of ifp.addrs) if (ifa.addr === a) return true
  return false
}

/**
 * The IPv4 input side (encap4_input's stf entry): a protocol-41 datagram no gif claimed, m at its
 * IPv4 header (hlen long). True when an stf interface took it (delivered or dropped and counted).
 */
export function stfInput(v: Vnet, m: Mbuf, hlen: number): boolean {
  const b = m.data
  const osrc = readU32(b, m.off + 12)
  const odst = readU32(b, m.off + 16)
  for (const ifp of v.ifList) {
    const sc = ifp.link
    if (!(sc instanceof StfSoftc) || !sc.claims(osrc, odst)) continue
    sc.input(m, hlen, osrc)
    return true
  }
  return false
}

/** The stf softc of ifp, or null. */
export function stfOf(ifp: Ifnet): StfSoftc | null {
  return ifp.link instanceof StfSoftc ? ifp.link : null
}

/** A DLT_NULL interface like gif's; IPv6 leaves only through output6, which ip6Send calls. */
const stfDriver: IfDriver = {
  type: 'tun',
  output: (ifp, m) => {
    ifp.transmitToLink(m)
    return undefined
  },
  maxMtu: 65535 - 20,
}

export const stfCloner: IfCloner = {
  name: 'stf',
  create(v: Vnet, unit: number) {
    const ifp = new Ifnet(v, `stf${unit}`, stfDriver, 'stf', 0, STF_MTU, 0)
    ifp.link = new StfSoftc(ifp)
    return [ifp]
  },
}
