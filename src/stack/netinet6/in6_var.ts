/**
 * IPv6's per-interface and per-address records (FreeBSD's in6_var.h and nd6.h's nd_ifinfo): an
 * interface's inet6 addresses with their flags (tentative, duplicated ...), its ND6_IFF_* options,
 * and its neighbor cache. Hung off `Ifnet.inet6`, created on first use; net/ never looks inside.
 *
 * Addresses of scoped (link-local) kind are also kept with their zone embedded in bytes 2..3 (the
 * interface index), as KAME's kernel does: that `key` is what the local-address table and the FIB
 * compare, so fe80::1 on two links are two different keys. Must not: do I/O or arm timers.
 */

import type { Timer } from '../../util/clock.js'
import {
  type In6Addr,
  in6IsLinkLocal,
  in6IsMulticast,
  in6Masked,
  in6McastScope,
} from '../../wire/inet6/in6_addr.js'
import type { CarpRef, Ifnet } from '../net/ifnet.js'

/** IN6_IFF_* (netinet6/in6_var.h). */
export const IN6_IFF = {
  ANYCAST: 0x01,
  TENTATIVE: 0x02,
  DUPLICATED: 0x04,
  DETACHED: 0x08,
  DEPRECATED: 0x10,
  NODAD: 0x20,
  AUTOCONF: 0x40,
  TEMPORARY: 0x80,
  PREFER_SOURCE: 0x100,
} as const

/** ND6_IFF_* (netinet6/nd6.h). */
export const ND6_IFF = {
  PERFORMNUD: 0x1,
  ACCEPT_RTADV: 0x2,
  PREFER_SOURCE: 0x4,
  IFDISABLED: 0x8,
  DONT_SET_IFROUTE: 0x10,
  AUTO_LINKLOCAL: 0x20,
  NO_RADR: 0x40,
  NO_PREFER_IFACE: 0x80,
  NO_DAD: 0x100,
} as const

/** Whether an address (or multicast group) is scoped to one link and so needs a zone. */
export function in6NeedsZone(a: Uint8Array, o = 0): boolean {
  return in6IsLinkLocal(a, o) || (in6IsMulticast(a, o) && in6McastScope(a, o) <= 2)
}

/** Copy a at ao into key at 0 with the zone `index` embedded when a is scoped (in6_setscope). */
export function in6Key(key: Uint8Array, a: Uint8Array, ao: number, index: number): void {
  for (let i = 0; i < 16; i++) key[i] = a[ao + i]!
  if (in6NeedsZone(a, ao)) {
    key[2] = (index >>> 8) & 0xff
    key[3] = index & 0xff
  }
}

export class In6Ifaddr {
  readonly ifp: Ifnet
  /** The address as configured (no embedded zone). */
  readonly addr: In6Addr
  /** addr with its zone embedded when scoped: the key of the local-address table. */
  readonly key: In6Addr
  readonly prefixLen: number
  /** The prefix (addr masked to prefixLen), zone embedded when scoped. */
  readonly prefix: In6Addr
  flags: number
  /** Next address in the same local-table bucket. */
  hashNext: In6Ifaddr | null = null
  /** DAD in progress: probes still to send and the timer that sends them. */
  dadTimer: Timer | null = null
  dadLeft = 0
  /**
   * Lifetimes of an address from the prefix it was made for (in6_addrlifetime): absolute clock
   * times it becomes deprecated and invalid, 0 for never, with the lifetimes as last advertised.
   */
  plExpire = 0
  vlExpire = 0
  vltime = 0xffffffff
  pltime = 0xffffffff
  /** The timer that deprecates and then removes an address with lifetimes (nd6_prefix.ts). */
  ltTimer: Timer | null = null
  /** RFC 7217's DAD_Counter this address's identifier was made with; -1 when it is not stable. */
  dadCounter = -1
  /** The ND prefix an autoconfigured address belongs to (ia6_ndpr), owned by nd6_prefix.ts. */
  ndpr: unknown = null
  /** Called once when the address goes (the prefix drops its reference). */
  onPurge: ((ia: In6Ifaddr) => void) | null = null
  /** A point-to-point interface's peer (ia_dstaddr), with a /128 address; null otherwise. */
  dstaddr: In6Addr | null = null
  /** The vhid this address belongs to (ifa_carp), or null. */
  carp: CarpRef | null = null

  constructor(ifp: Ifnet, addr: In6Addr, prefixLen: number, flags: number) {
    this.ifp = ifp
    this.addr = addr
    this.key = new Uint8Array(16)
    in6Key(this.key, addr, 0, ifp.index)
    this.prefixLen = prefixLen
    this.prefix = in6Masked(this.key, prefixLen)
    this.flags = flags
  }

  /** Usable as a source and as a destination: neither tentative nor duplicated (RFC 4862 §5.4). */
  get usable(): boolean {
    return (this.flags & (IN6_IFF.TENTATIVE | IN6_IFF.DUPLICATED)) === 0
  }
}

/** Per-interface IPv6 state (in6_ifextra / nd_ifinfo). */
export class In6Ifinfo {
  /** ND6_IFF_* */
  ndFlags: number
  /** The addresses, in the order they were added (what ifconfig lists). */
  addrs: In6Ifaddr[] = []
  /** The neighbor cache of this link (nd6.ts), created on first use. */
  nd: unknown = null
  /** The entry nd6.ts found last: a stream of packets to one next hop skips the hash. */
  ndLast: unknown = null
  /** Current hop limit, base reachable time (ms) and retransmission timer (ms): nd_ifinfo. */
  curHlim = 64
  baseReachable = 30000
  reachable: number
  retrans = 1000
  linkMtu = 0
  /** Default routers and prefixes learned on this link by RA (nd6_rtr.ts), counted for the bounds. */
  nDefrouters = 0
  nPrefixes = 0
  /** Groups sockets joined here (in6_multi, in6_mcast.ts), with their reference counts. */
  readonly mcGroups: Uint8Array[] = []
  readonly mcRefs: number[] = []
  /** MLDv2 listener state (mld6.ts), created on the first report. */
  mld: unknown = null
  /** Unsolicited advertisements waiting for their turn (nd6_grand.ts), created on the first. */
  grand: unknown = null

  constructor(ndFlags: number, reachable: number) {
    this.ndFlags = ndFlags
    this.reachable = reachable
  }
}
