/**
 * IPv4 output (ip_output): route lookup, source address selection, header construction, and
 * fragmentation to the outgoing interface's MTU (RFC 791 §3.2, RFC 1812 §4.2.2.7). Used for locally
 * generated packets and, through ipSend, by forwarding. Returns an errno name instead of throwing;
 * the socket layer turns it into an error for the caller.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { ErrnoName } from '../../../util/errno.js'
import { ipMulticastMac, readU16, writeU16 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { IP_DF, IP_MF, IP_OFFMASK, IPV4_MIN_HDR, writeIpv4Header } from '../../../wire/inet/ipv4.js'
import { ETHER_HDR_LEN, EtherType, writeEthernetHeader } from '../../../wire/link/ethernet.js'
import type { Ifnet } from '../../net/ifnet.js'
import { PFIL } from '../../net/pfil.js'
import { flowHash, mpathSelect, type Route, RTF } from '../../net/route/route.js'
import type { Vnet } from '../../net/vnet.js'
import { ifOffloadsCsum, inDelayedCksum } from '../in_cksum.js'
import { ipMforward } from '../ip_mroute/ip_mforward.js'
import { mrouterOf } from '../ip_mroute/ip_mroute_var.js'
import { ip } from './ip.js'
import { ipInsertOptions, ipOptCopy } from './ip_options.js'

/** undefined on success (including "held for ARP" and blackholed), else the errno to report. */
export type OutError = ErrnoName | undefined

export interface IpOutOptions {
  ttl: number
  tos: number
  df: boolean
  /** 0 = pick from the route. */
  src: number
  /** SO_DONTROUTE: only directly connected destinations. */
  dontRoute: boolean
  /** Multicast destinations: IP_MULTICAST_IF (null or absent: by route) and IP_MULTICAST_LOOP. */
  mifp?: Ifnet | null
  mloop?: boolean
  /** IP_OPTIONS (checked by ipCheckPcbOpts: a multiple of 4 bytes, at most 40), or icmp_reflect's. */
  opts?: Uint8Array | null
  /** IP_VLAN_PCP: the frames' 802.1p priority (0..7), or -1 / absent for the interface's. */
  pcp?: number
}

/** The route a packet to dst takes in FIB fib (below net.fibs), or null; counts ips_noroute. */
export function routeFor(v: Vnet, dst: number, fib: number): Route | null {
  const rt = (fib === 0 ? v.routes : v.rtables[fib]!).lookup(dst)
  if (rt === null) ip(v).stats.ips_noroute++
  return rt
}

/** The ports word of a TCP or UDP header at off (source port high, as int32), else 0: part of a flow's hash. */
export function l4Ports(b: Uint8Array, off: number, proto: number): number {
  if ((proto !== 6 && proto !== 17) || off + 4 > b.length) return 0
  return (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!
}

/** Source address for packets along rt (rt_ifa, else the interface's first address). */
export function sourceFor(rt: Route): number {
  if (rt.ifa !== null) return rt.ifa.addr
  const a = rt.ifp.addrs[0]
  return a === undefined ? 0 : a.addr
}

/**
 * Send a locally generated datagram whose payload (transport header + data) is in m. Takes
 * ownership of m in every case.
 */
export function ipOutput(v: Vnet, m: Mbuf, dst: number, proto: number, o: IpOutOptions): OutError {
  const st = ip(v).stats
  const pool = v.env.pool
  if (dst >>> 28 === 0xe) return ipOutputMulticast(v, m, dst, proto, o)
  let rt = routeFor(v, dst, m.fib)
  // A multipath route: the flow's hash (addresses and, for TCP and UDP, ports) picks the path.
  if (rt !== null && rt.mpNext !== null)
    rt = mpathSelect(rt, flowHash(o.src, dst, l4Ports(m.data, m.off, proto)))
  if (rt === null || (o.dontRoute && (rt.flags & RTF.GATEWAY) !== 0)) {
    pool.put(m)
    return o.dontRoute ? 'ENETUNREACH' : 'EHOSTUNREACH'
  }
  if ((rt.flags & (RTF.REJECT | RTF.BLACKHOLE)) !== 0) {
    pool.put(m)
    return (rt.flags & RTF.REJECT) !== 0 ? 'EHOSTUNREACH' : undefined
  }
  const ifp = rt.ifp
  if (!ifp.up) {
    pool.put(m)
    return 'ENETDOWN'
  }
  const src = o.src !== 0 ? o.src : sourceFor(rt)
  if (src === 0) {
    pool.put(m)
    return 'EADDRNOTAVAIL'
  }
  if (!prependHeader(v, m, src, dst, proto, o)) {
    pool.put(m)
    return 'EMSGSIZE'
  }
  st.ips_localout++
  rt.use++
  const nextHop = (rt.flags & RTF.GATEWAY) !== 0 ? rt.gateway : dst
  const bcast = dst === 0xffffffff || (rt.ifa !== null && rt.ifa.broadcast === dst && rt.ifa.prefixLen < 31)
  const mtu = rt.mtu !== 0 && rt.mtu < ifp.mtu ? rt.mtu : ifp.mtu
  if (m.len > mtu && o.df) {
    st.ips_cantfrag++
    pool.put(m)
    return 'EMSGSIZE'
  }
  const err = ipSend(v, ifp, m, nextHop, bcast, mtu, false)
  // arpresolve: an unreachable gateway is "no route to host", an unreachable destination "host is down".
  return err === 'EHOSTDOWN' && (rt.flags & RTF.GATEWAY) !== 0 ? 'EHOSTUNREACH' : err
}

/** The IP header (and any options, ip_insertoptions) in front of m's payload; false if too long. */
function prependHeader(v: Vnet, m: Mbuf, src: number, dst: number, proto: number, o: IpOutOptions): boolean {
  const olen = o.opts?.length ?? 0
  if (!m.prepend(IPV4_MIN_HDR + olen) || m.len > 0xffff) return false
  const state = ip(v)
  const ident = state.ident
  state.ident = (ident + 1) & 0xffff
  writeIpv4Header(m.data, m.off, src, dst, proto, o.ttl, o.tos, ident, m.len - IPV4_MIN_HDR, o.df ? IP_DF : 0)
  if (olen !== 0) ipInsertOptions(m.data, m.off, o.opts!)
  m.csumValid = true
  m.linkBcast = false
  m.pcp = o.pcp ?? -1
  return true
}

/**
 * ip_output for a group destination (RFC 1112 §6.1): out of IP_MULTICAST_IF or, without it, the
 * interface of the route to the group; never through a gateway and never fragmented past DF. With
 * IP_MULTICAST_LOOP a copy comes back in on the same interface (ip_mloopback), where UDP gives it
 * to this host's members of the group.
 */
function ipOutputMulticast(v: Vnet, m: Mbuf, dst: number, proto: number, o: IpOutOptions): OutError {
  const pool = v.env.pool
  let ifp = o.mifp ?? null
  if (ifp === null) {
    const rt = routeFor(v, dst, m.fib)
    if (rt === null || (rt.flags & (RTF.REJECT | RTF.BLACKHOLE)) !== 0) {
      pool.put(m)
      return 'ENETUNREACH'
    }
    ifp = rt.ifp
  }
  if (!ifp.up) {
    pool.put(m)
    return 'ENETDOWN'
  }
  const src = o.src !== 0 ? o.src : (ifp.addrs[0]?.addr ?? 0)
  if (src === 0) {
    pool.put(m)
    return 'EADDRNOTAVAIL'
  }
  if (!prependHeader(v, m, src, dst, proto, o)) {
    pool.put(m)
    return 'EMSGSIZE'
  }
  const state = ip(v)
  state.stats.ips_localout++
  if (m.len > ifp.mtu && o.df) {
    state.stats.ips_cantfrag++
    pool.put(m)
    return 'EMSGSIZE'
  }
  if (o.mloop !== false) ipMloopback(ifp, m, dst)
  // A multicast router forwards what it sends itself as what it receives (ip_mforward from ip_output).
  const mr = mrouterOf(v)
  if (mr !== null && ipMforward(mr, ifp, m) !== 0) {
    pool.put(m)
    return undefined
  }
  return ipSend(v, ifp, m, dst, false, ifp.mtu, false)
}

/** ip_mloopback: a copy of a group datagram we send comes back in on ifp, as if from the wire. */
export function ipMloopback(ifp: Ifnet, m: Mbuf, dst: number): void {
  const copy = ifp.vnet.env.pool.dup(m)
  if (ifp.type === 'ether') {
    if (!copy.prepend(ETHER_HDR_LEN)) {
      ifp.vnet.env.pool.put(copy)
      return
    }
    writeEthernetHeader(copy.data, copy.off, ipMulticastMac(dst), ifp.mac, EtherType.IPV4)
  }
  ifp.receive(copy)
}

/** Hand a complete IP packet to the interface, fragmenting it if needed. Takes ownership of m. */
export function ipSend(
  v: Vnet,
  ifp: Ifnet,
  m: Mbuf,
  nextHop: number,
  bcast: boolean,
  mtu: number,
  forwarded: boolean,
): OutError {
  // pfil(9) output hooks, before fragmentation as in ip_output(); forwarded packets pass here too.
  const pf = v.pfilInet
  if (pf.nOut !== 0) {
    const r = pf.runOut(v, m, ifp)
    // Dropped by a filter: EACCES for a local sender; queued by dummynet: sent later, no error.
    if (r !== PFIL.PASS) return forwarded || r === PFIL.QUEUED ? undefined : 'EACCES'
    if (pf.nextHop !== 0) return ipSendVia(v, m, forwarded)
  }
  // The interface's hwassist: a deferred TCP checksum is finished here unless it may stay deferred.
  if (m.csumL4 && (m.len > mtu || !ifOffloadsCsum(ifp))) inDelayedCksum(m)
  if (m.len <= mtu) return ifp.output(ifp, m, nextHop, bcast, forwarded)
  return ipFragment(v, ifp, m, nextHop, bcast, mtu, forwarded)
}

/**
 * ipfw fwd on output: route toward the next hop the filter set instead of the destination
 * (ip_output's second pass with the IPFORWARD tag); the route's gateway, if any, is used to reach it.
 */
function ipSendVia(v: Vnet, m: Mbuf, forwarded: boolean): OutError {
  const pf = v.pfilInet
  const via = pf.nextHop
  pf.nextHop = 0
  const rt = routeFor(v, via, m.fib)
  if (rt === null || (rt.flags & (RTF.REJECT | RTF.BLACKHOLE)) !== 0 || !rt.ifp.up) {
    v.env.pool.put(m)
    return forwarded ? undefined : 'EHOSTUNREACH'
  }
  const ifp = rt.ifp
  const mtu = rt.mtu !== 0 && rt.mtu < ifp.mtu ? rt.mtu : ifp.mtu
  const nextHop = (rt.flags & RTF.GATEWAY) !== 0 ? rt.gateway : via
  if (m.len > mtu && (readU16(m.data, m.off + 6) & IP_DF) !== 0) {
    ip(v).stats.ips_cantfrag++
    v.env.pool.put(m)
    return forwarded ? undefined : 'EMSGSIZE'
  }
  if (m.csumL4 && (m.len > mtu || !ifOffloadsCsum(ifp))) inDelayedCksum(m)
  if (m.len <= mtu) return ifp.output(ifp, m, nextHop, false, forwarded)
  return ipFragment(v, ifp, m, nextHop, false, mtu, forwarded)
}

/**
 * Split m into fragments of at most mtu bytes (RFC 791 §3.2 "Fragmentation"). Each fragment carries
 * a copy of the header with offset and MF adjusted; the last keeps the original MF bit so that
 * fragments of fragments stay correct. The original DF must be clear (callers check).
 */
function ipFragment(
  v: Vnet,
  ifp: Ifnet,
  m: Mbuf,
  nextHop: number,
  bcast: boolean,
  mtu: number,
  forwarded: boolean,
): OutError {
  const st = ip(v).stats
  const pool = v.env.pool
  const buf = m.data
  const hlen = (buf[m.off]! & 0xf) << 2
  const chunk = (mtu - hlen) & ~7
  if (chunk < 8) {
    st.ips_cantfrag++
    pool.put(m)
    return 'EMSGSIZE'
  }
  const fo = readU16(buf, m.off + 6)
  const baseOff = (fo & IP_OFFMASK) << 3
  const origMf = (fo & IP_MF) !== 0
  const payload = m.len - hlen
  let err: OutError
  for (let done = 0; done < payload; done += chunk) {
    const n = Math.min(chunk, payload - done)
    const last = done + n >= payload
    const f = pool.get(hlen + n)
    const fb = f.data
    // The first fragment keeps every option; the others only those with the copied flag (ip_optcopy).
    let fh = hlen
    if (done === 0 || hlen === IPV4_MIN_HDR) fb.set(buf.subarray(m.off, m.off + hlen), f.off)
    else {
      fb.set(buf.subarray(m.off, m.off + IPV4_MIN_HDR), f.off)
      fh = IPV4_MIN_HDR + ipOptCopy(buf, m.off, fb, f.off)
      fb[f.off] = 0x40 | (fh >> 2)
    }
    fb.set(buf.subarray(m.off + hlen + done, m.off + hlen + done + n), f.off + fh)
    f.len = fh + n
    writeU16(fb, f.off + 2, fh + n)
    writeU16(fb, f.off + 6, ((baseOff + done) >> 3) | (last && !origMf ? 0 : IP_MF))
    writeU16(fb, f.off + 10, 0)
    writeU16(fb, f.off + 10, checksum(fb, f.off, fh))
    f.csumValid = true
    st.ips_ofragments++
    const e = ifp.output(ifp, f, nextHop, bcast, forwarded)
    if (e !== undefined) err = e
  }
  st.ips_fragmented++
  pool.put(m)
  return err
}
