/**
 * IPv4 multicast socket options (FreeBSD's in_mcast.c, RFC 1112 §6-§7): a socket's multicast options
 * (struct ip_moptions) — the outgoing interface (IP_MULTICAST_IF), TTL (IP_MULTICAST_TTL, default 1),
 * loopback (IP_MULTICAST_LOOP, default on) and its group memberships (IP_ADD_MEMBERSHIP /
 * IP_DROP_MEMBERSHIP, at most IP_MAX_MEMBERSHIPS per socket) — and the membership test UDP input
 * uses to decide which sockets hear a datagram sent to a group. A socket's first join of a group on
 * an interface and its last leave are the interface's membership changes IGMP reports (igmp.ts);
 * closing the socket leaves its groups (inp_freemoptions).
 *
 * Must not: allocate on the input path (membership is a scan of a short array), or change anything
 * when a request fails.
 */

import { SysError } from '../../util/errno.js'
import { isMulticastIpv4 } from '../../wire/addr.js'
import { IFF, type Ifnet } from '../net/ifnet.js'
import { RTF } from '../net/route/route.js'
import type { Vnet } from '../net/vnet.js'
import { igmpJoinGroup, igmpLeaveGroup } from './igmp/igmp.js'
import type { Inpcb } from './in_pcb.js'

/** netinet/in.h option names (level IPPROTO_IP). */
export const IP_MULTICAST_IF = 9
export const IP_MULTICAST_TTL = 10
export const IP_MULTICAST_LOOP = 11
export const IP_ADD_MEMBERSHIP = 12
export const IP_DROP_MEMBERSHIP = 13
/** IP_MAX_MEMBERSHIPS (netinet/in.h): groups one socket may join. */
export const IP_MAX_MEMBERSHIPS = 4095
/** IP_DEFAULT_MULTICAST_TTL: a group datagram stays on the link unless asked otherwise (RFC 1112 §6.1). */
export const IP_DEFAULT_MULTICAST_TTL = 1

/**
 * struct ip_mreq / ip_mreqn: the group, and the interface by one of its addresses (INADDR_ANY: the
 * one the route to the group takes) or by index (ip_mreqn's imr_ifindex, which wins when non-zero).
 */
export interface IpMreq {
  multiaddr: number
  interface: number
  ifindex?: number
}

/** struct ip_moptions. */
export class IpMoptions {
  /** IP_MULTICAST_IF; null: route lookup. */
  ifp: Ifnet | null = null
  ttl = IP_DEFAULT_MULTICAST_TTL
  loop = true
  /** Joined groups: parallel arrays of group address and interface. */
  readonly groups: number[] = []
  readonly ifps: Ifnet[] = []

  /** imo_multi_filter, reduced to any-source membership: whether this socket joined dst on ifp. */
  member(ifp: Ifnet, dst: number): boolean {
    const g = this.groups
    for (let i = 0; i < g.length; i++) if (g[i] === dst && this.ifps[i] === ifp) return true
    return false
  }
}

/** inp_lookup_mcast_ifp: the interface a membership request names. */
function mcastIfp(v: Vnet, m: IpMreq, op: string): Ifnet {
  if (m.ifindex !== undefined && m.ifindex !== 0) {
    const ifp = v.ifByIndex(m.ifindex)
    if (ifp === undefined) throw new SysError('EADDRNOTAVAIL', op)
    return ifp
  }
  if (m.interface !== 0) {
    const ifa = v.localIfa(m.interface >>> 0)
    if (ifa === undefined) throw new SysError('EADDRNOTAVAIL', op)
    return ifa.ifp
  }
  const rt = v.routes.lookup(m.multiaddr >>> 0)
  if (rt !== null && (rt.flags & (RTF.REJECT | RTF.BLACKHOLE)) === 0) return rt.ifp
  // No route to the group: the first multicast-capable, non-loopback interface with an IPv4
  // address (inp_lookup_mcast_ifp's walk of in_ifaddrhead).
  for (const ifp of v.ifList)
    if ((ifp.flags & (IFF.LOOPBACK | IFF.MULTICAST)) === IFF.MULTICAST && ifp.addrCount > 0) return ifp
  throw new SysError('EADDRNOTAVAIL', op)
}

function checkMreq(m: unknown): IpMreq {
  const r = m as IpMreq
  const ok =
    typeof m === 'object' &&
    m !== null &&
    Number.isInteger(r.multiaddr) &&
    Number.isInteger(r.interface) &&
    (r.ifindex === undefined || Number.isInteger(r.ifindex))
  if (!ok) throw new SysError('EINVAL', 'setsockopt')
  return r
}

/**
 * inp_setmoptions: one multicast option on a socket whose options are `mo` (created by the caller
 * when null). Throws SysError having changed nothing.
 */
export function setMoption(v: Vnet, mo: IpMoptions, name: number, value: number | IpMreq): void {
  if (name === IP_ADD_MEMBERSHIP || name === IP_DROP_MEMBERSHIP) {
    const m = checkMreq(value)
    const group = m.multiaddr >>> 0
    if (!isMulticastIpv4(group)) throw new SysError('EINVAL', 'setsockopt')
    const ifp = mcastIfp(v, m, 'setsockopt')
    // Interfaces without IFF_MULTICAST cannot join (in_joingroup's if_addmulti fails).
    if ((ifp.flags & IFF.MULTICAST) === 0) throw new SysError('EADDRNOTAVAIL', 'setsockopt')
    let at = -1
    for (let i = 0; i < mo.groups.length; i++) if (mo.groups[i] === group && mo.ifps[i] === ifp) at = i
    if (name === IP_ADD_MEMBERSHIP) {
      if (at >= 0) throw new SysError('EADDRINUSE', 'setsockopt')
      if (mo.groups.length >= IP_MAX_MEMBERSHIPS) throw new SysError('ETOOMANYREFS', 'setsockopt')
      mo.groups.push(group)
      mo.ifps.push(ifp)
      igmpJoinGroup(ifp, group)
    } else {
      if (at < 0) throw new SysError('EADDRNOTAVAIL', 'setsockopt')
      mo.groups.splice(at, 1)
      mo.ifps.splice(at, 1)
      igmpLeaveGroup(ifp, group, v)
    }
    return
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new SysError('EINVAL', 'setsockopt')
  if (name === IP_MULTICAST_IF) {
    // INADDR_ANY goes back to choosing by route; anything else must be one of our addresses.
    if (value === 0) {
      mo.ifp = null
      return
    }
    const ifa = v.localIfa(value >>> 0)
    if (ifa === undefined) throw new SysError('EADDRNOTAVAIL', 'setsockopt')
    mo.ifp = ifa.ifp
  } else if (name === IP_MULTICAST_TTL) {
    if (value < 0 || value > 255) throw new SysError('EINVAL', 'setsockopt')
    mo.ttl = value
  } else if (name === IP_MULTICAST_LOOP) {
    if (value < 0 || value > 255) throw new SysError('EINVAL', 'setsockopt')
    mo.loop = value !== 0
  } else throw new SysError('ENOPROTOOPT', 'setsockopt')
}

/** inp_getmoptions for the value options; IP_MULTICAST_IF reads back the interface's first address. */
export function getMoption(mo: IpMoptions | null, name: number): number {
  if (name === IP_MULTICAST_TTL) return mo === null ? IP_DEFAULT_MULTICAST_TTL : mo.ttl
  if (name === IP_MULTICAST_LOOP) return mo === null || mo.loop ? 1 : 0
  if (name === IP_MULTICAST_IF) return mo?.ifp?.addrs[0]?.addr ?? 0
  throw new SysError('ENOPROTOOPT', 'getsockopt')
}

/** inp_freemoptions: a closing socket leaves every group it joined. */
export function freeMoptions(v: Vnet, mo: IpMoptions | null): void {
  if (mo === null) return
  for (let i = 0; i < mo.groups.length; i++) igmpLeaveGroup(mo.ifps[i]!, mo.groups[i]!, v)
  mo.groups.length = 0
  mo.ifps.length = 0
}

/**
 * in_pcbpurgeif0 over the given sockets (in_ifdetach passes the vnet's UDP ones): ifp is leaving its vnet
 * (moved to another jail, or destroyed). A socket stops sending through it (IP_MULTICAST_IF goes
 * back to choosing by route) and leaves every group it joined there, so no membership follows the
 * interface away or is found again when it comes back.
 */
export function inPcbPurgeIf(pcbs: Iterable<Inpcb>, ifp: Ifnet): void {
  const v = ifp.vnet
  for (const pcb of pcbs) {
    const mo = pcb.mopts
    if (mo === null) continue
    if (mo.ifp === ifp) mo.ifp = null
    for (let i = 0; i < mo.groups.length; )
      if (mo.ifps[i] === ifp) {
        const group = mo.groups[i]!
        mo.groups.splice(i, 1)
        mo.ifps.splice(i, 1)
        igmpLeaveGroup(ifp, group, v)
      } else i++
  }
}

export function isMoption(name: number): boolean {
  return name >= IP_MULTICAST_IF && name <= IP_DROP_MEMBERSHIP
}
