/**
 * IPv6 endpoints in the transport protocols' tables (FreeBSD's in6_pcb.c): AF_INET6 sockets share
 * their protocol's InpcbTable (V_tcbinfo / V_udbinfo) with AF_INET ones, as in FreeBSD, so a port
 * is one port whatever the family. Binding follows in6_pcbbind (scoped link-local addresses,
 * IPV6_V6ONLY, v4-mapped addresses turning the endpoint into an IPv4 one), connecting in6_pcbconnect,
 * and the input path's in6_pcblookup walks the same port-keyed chains the IPv4 lookup does,
 * comparing the 16-byte addresses. No allocation on lookups.
 */

import { SO, type SockAddrIn } from '../../kern/socket.js'
import { SysError } from '../../util/errno.js'
import { readU32 } from '../../wire/addr.js'
import {
  in6Copy,
  in6Eq,
  in6Hash,
  in6IsLinkLocal,
  in6IsMulticast,
  in6IsUnspecified,
  in6IsV4Mapped,
} from '../../wire/inet6/in6_addr.js'
import {
  INADDR_ANY,
  INP,
  type Inpcb,
  type InpcbTable,
  IPPORT_RESERVED,
  soOptions,
} from '../netinet/in_pcb.js'
import { prisonCheckIp6, prisonLocalIp6 } from './in6_jail.js'
import { in6Key } from './in6_var.js'
import { ip6 } from './ip6/ip6.js'

/**
 * The number an IPv6 endpoint keeps in laddr / faddr: 0 for the unspecified address, else a
 * non-zero 32-bit digest (equal addresses, equal digests; the bytes decide).
 */
export function in6Digest(a: Uint8Array, o = 0): number {
  if (in6IsUnspecified(a, o)) return 0
  return (in6Hash(a, o) | 1) >>> 0
}

/** The IPv4 address of a v4-mapped address. */
export function in6V4(a: Uint8Array, o = 0): number {
  return readU32(a, o + 12)
}

/** Write ::ffff:v4 at d[o]. */
export function in6SetV4Mapped(d: Uint8Array, o: number, v4: number): void {
  d.fill(0, o, o + 10)
  d[o + 10] = 0xff
  d[o + 11] = 0xff
  d[o + 12] = v4 >>> 24
  d[o + 13] = (v4 >>> 16) & 0xff
  d[o + 14] = (v4 >>> 8) & 0xff
  d[o + 15] = v4 & 0xff
}

/** Make pcb an AF_INET6 endpoint (tcp6_usr_attach / udp6_attach): IPv6, V6ONLY as `v6only`. */
export function in6PcbInit(pcb: Inpcb, v6only: boolean): void {
  pcb.laddr6 = new Uint8Array(16)
  pcb.faddr6 = new Uint8Array(16)
  pcb.vflag = INP.IPV6PROTO | INP.IPV6
  pcb.v6only = v6only
}

/** Whether pcb currently speaks IPv6 (its IPv4 endpoints are v4-mapped ones). */
export function inpIsV6(pcb: Inpcb): boolean {
  return (pcb.vflag & INP.IPV6) !== 0
}

/**
 * in6_pcblookup_local: an endpoint bound to laddr:lport speaking IPv6; with `wildcard` either side
 * may be the unspecified address and the most specific match wins.
 */
export function in6PcbLookupLocal(
  t: InpcbTable,
  la: Uint8Array,
  lport: number,
  wildcard: boolean,
): Inpcb | null {
  const lany = in6IsUnspecified(la, 0)
  let best: Inpcb | null = null
  let bestScore = 3
  for (let p = t.portHead(lport); p !== null; p = p.portNext) {
    if ((p.vflag & INP.IPV6) === 0 || p.laddr6 === null) continue
    const pany = in6IsUnspecified(p.laddr6, 0)
    if (!wildcard) {
      if (p.faddr === INADDR_ANY && in6Eq(p.laddr6, 0, la, 0)) return p
      continue
    }
    let score = 0
    if (p.faddr !== INADDR_ANY) score++
    if (!pany) {
      if (lany) score++
      else if (!in6Eq(p.laddr6, 0, la, 0)) continue
    } else if (!lany) score++
    if (score < bestScore) {
      best = p
      bestScore = score
      if (score === 0) break
    }
  }
  return best
}

/**
 * in6_pcblookup for an arriving segment or datagram (addresses as they sit in the packet): the
 * connected endpoint of the four-tuple, else one bound to the destination, else a wildcard one
 * (a jail's wildcard endpoint hears only its own addresses: in6_pcblookup_hash_wild_locked).
 */
export function in6PcbLookup(
  t: InpcbTable,
  fa: Uint8Array,
  fo: number,
  fport: number,
  la: Uint8Array,
  lo: number,
  lport: number,
  wildcard = true,
): Inpcb | null {
  for (let p = t.exactHead(lport, fport); p !== null; p = p.hashNext) {
    if ((p.vflag & INP.IPV6) === 0 || p.faddr6 === null || p.laddr6 === null) continue
    if (in6Eq(p.faddr6, 0, fa, fo) && in6Eq(p.laddr6, 0, la, lo)) return p
  }
  if (!wildcard) return null
  let wild: Inpcb | null = null
  for (let p = t.unconnectedHead(lport); p !== null; p = p.hashNext) {
    if ((p.vflag & INP.IPV6) === 0 || p.laddr6 === null) continue
    if (in6Eq(p.laddr6, 0, la, lo)) return p
    if (wild === null && in6IsUnspecified(p.laddr6, 0) && prisonCheckIp6(p.jail, la, lo)) wild = p
  }
  return wild
}

function portCheck(pcb: Inpcb, found: Inpcb | null): void {
  const reuseport = (pcb.so.options & SO.REUSEPORT) !== 0
  if (found !== null && found !== pcb && !(reuseport && (soOptions(found) & SO.REUSEPORT) !== 0))
    throw new SysError('EADDRINUSE', 'bind')
}

/**
 * in6_pcbbind (tcp6_usr_bind / udp6_bind): a v4-mapped address makes the endpoint an IPv4 one
 * (EINVAL under IPV6_V6ONLY); the unspecified address speaks IPv4 too unless V6ONLY; any other
 * must be a usable local address, link-local ones with their zone. A jail sharing the stack binds
 * only its own addresses (prison_local_ip6).
 */
export function in6PcbBind(t: InpcbTable, pcb: Inpcb, la: Uint8Array, zone: number, lport: number): void {
  const l6 = pcb.laddr6
  if (l6 === null) throw new SysError('EAFNOSUPPORT', 'bind')
  if (pcb.lport !== 0) throw new SysError('EINVAL', 'bind')
  if (in6IsV4Mapped(la, 0)) {
    if (pcb.v6only) throw new SysError('EINVAL', 'bind')
    const save = pcb.vflag
    pcb.vflag = INP.IPV6PROTO | INP.IPV4
    try {
      t.bind(pcb, in6V4(la), lport)
    } catch (e) {
      pcb.vflag = save
      throw e
    }
    in6Copy(l6, 0, la, 0)
    return
  }
  if (pcb.jail !== null) la = prisonLocalIp6(pcb.jail, la, pcb.v6only)
  const any = in6IsUnspecified(la, 0)
  if (!any) {
    if (in6IsMulticast(la, 0)) {
      // A group address: the socket hears the group's datagrams on that port.
    } else {
      if (in6IsLinkLocal(la, 0) && zone === 0) throw new SysError('EINVAL', 'bind')
      const st = ip6(pcb.vnet)
      in6Key(st.keyOut, la, 0, in6IsLinkLocal(la, 0) ? zone : 0)
      const ia = st.localByKey(st.keyOut, 0)
      if (ia === undefined || !ia.usable) throw new SysError('EADDRNOTAVAIL', 'bind')
    }
  }
  const dual = any && !pcb.v6only
  const wildcard = (pcb.so.options & (SO.REUSEADDR | SO.REUSEPORT)) === 0
  if (lport === 0)
    lport = t.ephemeral(
      (p) =>
        in6PcbLookupLocal(t, la, p, wildcard) !== null ||
        (dual && t.lookupLocal(INADDR_ANY, p, wildcard) !== null),
    )
  else {
    if (lport < IPPORT_RESERVED && !pcb.rights.reservedPorts) throw new SysError('EACCES', 'bind')
    portCheck(pcb, in6PcbLookupLocal(t, la, lport, wildcard))
    if (dual) portCheck(pcb, t.lookupLocal(INADDR_ANY, lport, wildcard))
  }
  pcb.vflag = INP.IPV6PROTO | INP.IPV6 | (dual ? INP.IPV4 : 0)
  in6Copy(l6, 0, la, 0)
  pcb.laddr = in6Digest(la)
  pcb.lport = lport
  if (in6IsLinkLocal(la, 0)) pcb.zone = zone
  t.hash(pcb)
}

/**
 * in6_pcbconnect: the foreign address (not v4-mapped: the caller turned those into IPv4 connects),
 * an ephemeral port first if unbound, and `src` (the selected source) when the local address is
 * unspecified. The endpoint then speaks IPv6 only.
 */
export function in6PcbConnect(
  t: InpcbTable,
  pcb: Inpcb,
  fa: Uint8Array,
  zone: number,
  fport: number,
  src: Uint8Array,
): void {
  const l6 = pcb.laddr6
  const f6 = pcb.faddr6
  if (l6 === null || f6 === null) throw new SysError('EAFNOSUPPORT', 'connect')
  if (fport === 0) throw new SysError('EADDRNOTAVAIL', 'connect')
  if (pcb.lport === 0) in6PcbBind(t, pcb, l6, pcb.zone, 0)
  t.unhash(pcb)
  if (in6IsUnspecified(l6, 0)) in6Copy(l6, 0, src, 0)
  in6Copy(f6, 0, fa, 0)
  pcb.vflag = INP.IPV6PROTO | INP.IPV6
  pcb.laddr = in6Digest(l6)
  pcb.faddr = in6Digest(f6)
  pcb.fport = fport
  if (zone !== 0) pcb.zone = zone
  t.hash(pcb)
}

/** Back to unconnected (udp6_disconnect), keeping the port. */
export function in6PcbDisconnect(t: InpcbTable, pcb: Inpcb, keepLaddr: boolean): void {
  const l6 = pcb.laddr6
  const f6 = pcb.faddr6
  if (l6 === null || f6 === null) return
  t.unhash(pcb)
  f6.fill(0)
  pcb.faddr = INADDR_ANY
  pcb.fport = 0
  if (!keepLaddr) {
    l6.fill(0)
    pcb.laddr = INADDR_ANY
    if (!pcb.v6only) pcb.vflag |= INP.IPV4
  }
  if (pcb.lport !== 0) t.hash(pcb)
}

/** An endpoint of a connection a listener accepted (syncache_socket for AF_INET6 listeners). */
export function in6PcbSetConn(
  t: InpcbTable,
  pcb: Inpcb,
  la: Uint8Array,
  lport: number,
  fa: Uint8Array,
  fport: number,
  zone: number,
): void {
  const l6 = pcb.laddr6
  const f6 = pcb.faddr6
  if (l6 === null || f6 === null) return
  in6Copy(l6, 0, la, 0)
  in6Copy(f6, 0, fa, 0)
  pcb.vflag = INP.IPV6PROTO | INP.IPV6
  pcb.laddr = in6Digest(l6)
  pcb.faddr = in6Digest(f6)
  pcb.lport = lport
  pcb.fport = fport
  pcb.zone = zone
  t.hash(pcb)
}

/** The IPv6 address of a sockaddr given to an AF_INET6 socket (an AF_INET one is taken v4-mapped). */
export function sockIn6(inp: Inpcb, sa: SockAddrIn, op: string): Uint8Array {
  if (sa.addr6 !== undefined) {
    if (sa.addr6.length !== 16) throw new SysError('EINVAL', op)
    return sa.addr6
  }
  if (inp.v6only) throw new SysError('EAFNOSUPPORT', op)
  const a = new Uint8Array(16)
  in6SetV4Mapped(a, 0, sa.addr >>> 0)
  return a
}

/** A sockaddr_in6 for one end of an AF_INET6 endpoint (v4-mapped while it speaks IPv4). */
export function in6Sockaddr(inp: Inpcb, a6: Uint8Array, a4: number, port: number): SockAddrIn {
  if ((inp.vflag & INP.IPV6) === 0) {
    const m = new Uint8Array(16)
    if (a4 !== INADDR_ANY) in6SetV4Mapped(m, 0, a4)
    return { addr: a4, port, addr6: m, scopeId: 0 }
  }
  return { addr: 0, port, addr6: a6.slice(), scopeId: in6IsLinkLocal(a6, 0) ? inp.zone : 0 }
}
