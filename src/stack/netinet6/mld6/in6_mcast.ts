/**
 * IPv6 multicast socket options (FreeBSD's in6_mcast.c, RFC 3493 §5.2): a socket's struct
 * ip6_moptions — the outgoing interface (IPV6_MULTICAST_IF, an interface index), hop limit
 * (IPV6_MULTICAST_HOPS, default 1), loopback (IPV6_MULTICAST_LOOP) and its any-source group
 * memberships (IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP, struct ipv6_mreq) — the interface-level
 * membership counts ip6_input consults (in6_joingroup's in6_multi, refcounted per interface), and the
 * test udp6_input uses to decide which sockets hear a group datagram.
 *
 * The first join of a group on an interface and the last leave are MLDv2 state changes (mld6.ts);
 * VirtNet's switches still forward every group to every port.
 *
 * Must not: allocate on the input path (membership is a scan of short arrays), or change anything
 * when a request fails.
 */

import { SysError } from '../../../util/errno.js'
import { in6Eq, in6IsMulticast, in6McastScope } from '../../../wire/inet6/in6_addr.js'
import { IFF, type Ifnet } from '../../net/ifnet.js'
import type { Vnet } from '../../net/vnet.js'
import { type In6Ifinfo, in6Key } from '../in6_var.js'
import { ip6 } from '../ip6/ip6.js'
import { mldJoin, mldLeave } from './mld6.js'

/** netinet6/in6.h option names (level IPPROTO_IPV6). */
export const IPV6_MULTICAST_IF = 9
export const IPV6_MULTICAST_HOPS = 10
export const IPV6_MULTICAST_LOOP = 11
export const IPV6_JOIN_GROUP = 12
export const IPV6_LEAVE_GROUP = 13
/** IPV6_MAX_MEMBERSHIPS (netinet6/in6_var.h). */
export const IPV6_MAX_MEMBERSHIPS = 4095
/** IPV6_DEFAULT_MULTICAST_HOPS. */
export const IPV6_DEFAULT_MULTICAST_HOPS = 1

/** struct ipv6_mreq: the group and the interface index (0: the one the route to the group takes). */
export interface Ipv6Mreq {
  multiaddr6: Uint8Array
  ifindex: number
}

/** struct ip6_moptions. */
export class Ip6Moptions {
  /** IPV6_MULTICAST_IF; null: the destination's zone or route. */
  ifp: Ifnet | null = null
  hlim = IPV6_DEFAULT_MULTICAST_HOPS
  loop = true
  /** Joined groups: parallel arrays of group address and interface. */
  readonly groups: Uint8Array[] = []
  readonly ifps: Ifnet[] = []

  /** im6o_mc_filter, any-source only: whether this socket joined the group at b[o] on ifp. */
  member(ifp: Ifnet, b: Uint8Array, o: number): boolean {
    const g = this.groups
    for (let i = 0; i < g.length; i++) if (this.ifps[i] === ifp && in6Eq(g[i]!, 0, b, o)) return true
    return false
  }
}

/** Whether some socket of this stack joined the group at b[o] on ifp (in6m_lookup). */
export function in6IfJoined(ifp: Ifnet, b: Uint8Array, o: number): boolean {
  const ii = ifp.inet6 as In6Ifinfo | null
  if (ii === null) return false
  const g = ii.mcGroups
  for (let i = 0; i < g.length; i++) if (in6Eq(g[i]!, 0, b, o)) return true
  return false
}

/** in6_joingroup for the kernel itself (a proxy NDP entry's solicited-node group), refcounted. */
export function in6IfJoin(ifp: Ifnet, group: Uint8Array): void {
  ifJoin(ifp, group, 1)
}

export function in6IfLeave(ifp: Ifnet, group: Uint8Array): void {
  ifJoin(ifp, group, -1)
}

function ifJoin(ifp: Ifnet, group: Uint8Array, delta: 1 | -1): void {
  const ii = ifp.inet6 as In6Ifinfo | null
  if (ii === null) return
  const g = ii.mcGroups
  for (let i = 0; i < g.length; i++)
    if (in6Eq(g[i]!, 0, group, 0)) {
      ii.mcRefs[i]! += delta
      if (ii.mcRefs[i]! <= 0) {
        g.splice(i, 1)
        ii.mcRefs.splice(i, 1)
        mldLeave(ifp, group)
      }
      return
    }
  if (delta > 0) {
    g.push(group.slice())
    ii.mcRefs.push(1)
    mldJoin(ifp, group)
  }
}

/** The interface of the route to a group, if there is one (control plane: allocates a key). */
function mcastRouteIf(v: Vnet, group: Uint8Array): Ifnet | undefined {
  const key = new Uint8Array(16)
  in6Key(key, group, 0, 0)
  return ip6(v).rib.lookup(key)?.ifp
}

function checkMreq(m: unknown): Ipv6Mreq {
  const r = m as Ipv6Mreq
  const ok =
    typeof m === 'object' &&
    m !== null &&
    r.multiaddr6 instanceof Uint8Array &&
    r.multiaddr6.length === 16 &&
    Number.isInteger(r.ifindex)
  if (!ok) throw new SysError('EINVAL', 'setsockopt')
  return r
}

/**
 * ip6_setmoptions: one multicast option on a socket whose options are `mo`. Throws SysError having
 * changed nothing.
 */
export function setMoption6(v: Vnet, mo: Ip6Moptions, name: number, value: number | Ipv6Mreq): void {
  if (name === IPV6_JOIN_GROUP || name === IPV6_LEAVE_GROUP) {
    const m = checkMreq(value)
    if (!in6IsMulticast(m.multiaddr6, 0)) throw new SysError('EINVAL', 'setsockopt')
    // in6p_lookup_mcast_ifp: without an index, the interface the route to the group takes; a
    // link-scoped group needs its interface ("scope id required").
    const ifp =
      m.ifindex !== 0
        ? v.ifByIndex(m.ifindex)
        : in6McastScope(m.multiaddr6, 0) > 2
          ? mcastRouteIf(v, m.multiaddr6)
          : undefined
    if (ifp === undefined) throw new SysError(m.ifindex === 0 ? 'EADDRNOTAVAIL' : 'ENXIO', 'setsockopt')
    if ((ifp.flags & IFF.MULTICAST) === 0 || ifp.inet6 === null)
      throw new SysError('EADDRNOTAVAIL', 'setsockopt')
    let at = -1
    for (let i = 0; i < mo.groups.length; i++)
      if (mo.ifps[i] === ifp && in6Eq(mo.groups[i]!, 0, m.multiaddr6, 0)) at = i
    if (name === IPV6_JOIN_GROUP) {
      if (at >= 0) throw new SysError('EADDRINUSE', 'setsockopt')
      if (mo.groups.length >= IPV6_MAX_MEMBERSHIPS) throw new SysError('ENOBUFS', 'setsockopt')
      mo.groups.push(m.multiaddr6.slice())
      mo.ifps.push(ifp)
      ifJoin(ifp, m.multiaddr6, 1)
    } else {
      if (at < 0) throw new SysError('EADDRNOTAVAIL', 'setsockopt')
      ifJoin(ifp, mo.groups[at]!, -1)
      mo.groups.splice(at, 1)
      mo.ifps.splice(at, 1)
    }
    return
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new SysError('EINVAL', 'setsockopt')
  if (name === IPV6_MULTICAST_IF) {
    if (value === 0) {
      mo.ifp = null
      return
    }
    const ifp = v.ifByIndex(value)
    if (ifp === undefined) throw new SysError('ENXIO', 'setsockopt')
    mo.ifp = ifp
  } else if (name === IPV6_MULTICAST_HOPS) {
    // -1 restores the default (ip6_setmoptions).
    if (value < -1 || value > 255) throw new SysError('EINVAL', 'setsockopt')
    mo.hlim = value === -1 ? IPV6_DEFAULT_MULTICAST_HOPS : value
  } else if (name === IPV6_MULTICAST_LOOP) {
    if (value < 0 || value > 1) throw new SysError('EINVAL', 'setsockopt')
    mo.loop = value !== 0
  } else throw new SysError('ENOPROTOOPT', 'setsockopt')
}

export function getMoption6(mo: Ip6Moptions | null, name: number): number {
  if (name === IPV6_MULTICAST_HOPS) return mo === null ? IPV6_DEFAULT_MULTICAST_HOPS : mo.hlim
  if (name === IPV6_MULTICAST_LOOP) return mo === null || mo.loop ? 1 : 0
  if (name === IPV6_MULTICAST_IF) return mo?.ifp?.index ?? 0
  throw new SysError('ENOPROTOOPT', 'getsockopt')
}

export function isMoption6(name: number): boolean {
  return name >= IPV6_MULTICAST_IF && name <= IPV6_LEAVE_GROUP
}

/**
 * in6_pcbpurgeif0 for one socket's options (in6_ifdetach): ifp is leaving its vnet, so the socket
 * stops sending through it (IPV6_MULTICAST_IF) and leaves every group it joined there.
 */
export function in6MoptionsPurgeIf(mo: Ip6Moptions, ifp: Ifnet): void {
  if (mo.ifp === ifp) mo.ifp = null
  for (let i = 0; i < mo.groups.length; )
    if (mo.ifps[i] === ifp) {
      ifJoin(ifp, mo.groups[i]!, -1)
      mo.groups.splice(i, 1)
      mo.ifps.splice(i, 1)
    } else i++
}

/** On close (in6_pcbfree): the socket's memberships leave their interfaces. */
export function freeMoptions6(mo: Ip6Moptions | null): void {
  if (mo === null) return
  for (let i = 0; i < mo.groups.length; i++) ifJoin(mo.ifps[i]!, mo.groups[i]!, -1)
  mo.groups.length = 0
  mo.ifps.length = 0
}
