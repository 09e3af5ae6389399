/**
 * The IPv6 part of the syscall boundary (Syscalls.inet6): SIOCAIFADDR_IN6 / SIOCDIFADDR_IN6, the
 * ND6_IFF_* interface options, the inet6 routing socket (RTM_ADD/DELETE/GET for AF_INET6), the
 * neighbor cache as ndp(8) sees it, raw ICMPv6 sockets, and the ip6/icmp6 counters. Addresses are
 * 16-byte arrays; link-scoped ones travel with a scope id (the interface index), as sin6_scope_id.
 */

import type { Mf6cCtl, Mif6Ctl } from '../../stack/netinet6/ip6_mroute/ip6_mroute_var.js'

export interface In6AddrInfo {
  addr: Uint8Array
  prefixLen: number
  /** IN6_IFF_* (tentative, duplicated, anycast ...). */
  flags: number
  /** The interface index for link-local addresses, else 0. */
  scopeId: number
  /** Seconds left of the preferred and valid lifetimes (null: infinite), for addresses that have them. */
  lifetimes?: { pltime: number | null; vltime: number | null }
  /** A point-to-point interface's peer address. */
  dst?: Uint8Array
  /** The carp(4) vhid the address belongs to. */
  vhid?: number
}

export interface Route6Info {
  dst: Uint8Array
  prefixLen: number
  /** Next hop of a gateway route, else null (netstat shows `link#N`). */
  gateway: Uint8Array | null
  /** The scope of a link-local destination or gateway: the interface index. */
  scopeId: number
  gatewayIfIndex: number
  ifName: string
  flags: number
  mtu: number
  use: number
  /** Seconds until a redirect's route expires (netstat's Expire column), 0 = never. */
  expire?: number
}

export interface Route6Spec {
  dst: Uint8Array
  prefixLen: number
  gateway?: Uint8Array
  /** Zone of a link-local gateway or destination (`fe80::1%epair0a`). */
  scopeId?: number
  /** `-interface IF`. */
  ifName?: string
  blackhole?: boolean
  reject?: boolean
  /** RTF_PROTO1 (`-proto1`): a routing daemon's route, as zebra marks them. */
  proto1?: boolean
  /** Without RTF_STATIC: a route a daemon learned rather than one configured. */
  nostatic?: boolean
  /** `-mtu N` (RTF_FIXEDMTU when non-zero), `-weight N`, `-expire T` (a time_second), as for IPv4. */
  mtu?: number
  weight?: number
  expire?: number
  /** `-xresolve`, `-sticky`, `-proxy` (RTF_PROTO2), kept and shown. */
  xresolve?: boolean
  sticky?: boolean
  proxy?: boolean
}

export interface NdpInfo {
  addr: Uint8Array
  scopeId: number
  /** null while incomplete. */
  mac: number | null
  ifName: string
  /** ND6_LLINFO_*: 0 incomplete, 1 reachable, 2 stale, 3 delay, 4 probe. */
  state: number
  isRouter: boolean
  permanent: boolean
  /** Published for proxy NDP (`ndp -s ... proxy`). */
  proxy?: boolean
  /** Seconds until the state ends, -1 when never. */
  expiresIn: number
}

/** A default router learned from RAs (struct in6_defrouter, what `ndp -r` prints). */
export interface DefrouterInfo {
  addr: Uint8Array
  ifName: string
  ifIndex: number
  /** The RA's flags byte: M 0x80, O 0x40, preference 0x18. */
  flags: number
  rtlifetime: number
  /** Seconds until it expires. */
  expiresIn: number
  installed: boolean
}

/** A prefix learned from RAs (struct in6_prefix, what `ndp -p` prints). */
export interface PrefixInfo {
  prefix: Uint8Array
  /** The interface index of a link-local prefix (its zone), else 0. */
  scopeId: number
  prefixLen: number
  ifName: string
  raOnlink: boolean
  raAuto: boolean
  /** NDPRF_ONLINK */
  onlink: boolean
  vltime: number
  pltime: number
  /** Seconds until it expires; null for never. Negative once expired. */
  expiresIn: number | null
  refcnt: number
  /** Advertising routers with their neighbor state (ND6_LLINFO_*), -3 when the cache has none. */
  advrtrs: { addr: Uint8Array; ifName: string; state: number }[]
}

/** What a raw ICMPv6 socket receives. */
export interface Raw6Packet {
  /** The ICMPv6 message, header included. */
  data: Uint8Array
  src: Uint8Array
  dst: Uint8Array
  hlim: number
  scopeId: number
  time: number
  ifName: string
}

export interface Send6Options {
  hlim?: number
  src?: Uint8Array
  /** Zone of a link-scoped destination: an interface index. */
  scopeId?: number
  /** IPV6_DONTFRAG. */
  dontFrag?: boolean
}

/** A raw IPv6 socket (socket(AF_INET6, SOCK_RAW, proto)): ICMPv6 unless another protocol is named. */
export interface Raw6Socket {
  /**
   * Send a message of the socket's protocol (the checksum filled in by the kernel for ICMPv6 and
   * where IPV6_CHECKSUM says); returns the source address used.
   */
  send(dst: Uint8Array, msg: Uint8Array, opts?: Send6Options): Uint8Array
  recv(timeoutNs: number): Promise<Raw6Packet | null>
  /**
   * IPPROTO_IPV6 options: IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP (a struct ipv6_mreq), IPV6_MULTICAST_*,
   * and IPV6_CHECKSUM (the checksum's offset, -1 for none; not for ICMPv6, whose is fixed). On an
   * ICMPv6 socket the IPv6 multicast routing options (with the ip6_mroute module and
   * PRIV_NETINET_MROUTE; EOPNOTSUPP without the module): MRT6_INIT (1), MRT6_DONE, MRT6_ADD_MIF
   * (struct mif6ctl), MRT6_DEL_MIF (a mif number), MRT6_ADD_MFC / MRT6_DEL_MFC (struct mf6cctl),
   * MRT6_PIM; the kernel's upcalls then arrive on recv as a struct mrt6msg (the packet's IPv6 header
   * with im6_mbz 0 at byte 1, im6_msgtype at 2, im6_mif at 3).
   */
  setsockopt(
    level: number,
    name: number,
    value: number | { multiaddr6: Uint8Array; ifindex: number } | Mif6Ctl | Mf6cCtl,
  ): void
  /**
   * getsockopt(2) at IPPROTO_IPV6: IPV6_MULTICAST_IF/HOPS/LOOP, and MRT6_PIM for the multicast
   * router's socket (EACCES from any other, EOPNOTSUPP without ip6_mroute).
   */
  getsockopt(level: number, name: number): number
  close(): void
}

export type Proto6Name = 'ip6' | 'icmp6'

/** What SIOCAIFADDR_IN6 carries besides the address (in6_aliasreq's flags and lifetimes). */
export interface In6AddOpts {
  anycast?: boolean
  /** A point-to-point peer (prefixLen 128). */
  dst?: Uint8Array
  /** IN6_IFF_AUTOCONF, IN6_IFF_PREFER_SOURCE, IN6_IFF_DEPRECATED as `ifconfig` sets them. */
  autoconf?: boolean
  preferSource?: boolean
  deprecated?: boolean
  /** Lifetimes in seconds; absent is ND6_INFINITE_LIFETIME. */
  pltime?: number
  vltime?: number
  /** The carp(4) vhid (`inet6 add vhid N ADDR`): SIOCAIFADDR_IN6's ifra_vhid. */
  vhid?: number
}

export interface Inet6Syscalls {
  /** SIOCAIFADDR_IN6. Without `alias` nothing is replaced (FreeBSD adds inet6 addresses). */
  addAddr(ifName: string, addr: Uint8Array, prefixLen: number, opts?: In6AddOpts): void
  /** SIOCDIFADDR_IN6. */
  delAddr(ifName: string, addr: Uint8Array): void
  /** The inet6 groups ifName listens to (getifmaddrs, what ifmcstat prints). */
  mcastGroups(ifName: string): Uint8Array[]
  /** The MLD version ifName speaks: 1 while an MLDv1 querier is present (net.inet6.mld.ifinfo). */
  mldVersion(ifName: string): 1 | 2
  /** SIOCSIFINFO_IN6: set and clear ND6_IFF_* bits. */
  setNdFlags(ifName: string, set: number, clear: number): void
  routeList(): Route6Info[]
  routeAdd(spec: Route6Spec): void
  /** RTM_CHANGE: the prefix's route (every path of it) becomes the one spec describes; ESRCH when none. */
  routeChange(spec: Route6Spec): void
  /** With a gateway only that path of a multipath route goes; without one, the whole route. */
  routeDelete(dst: Uint8Array, prefixLen: number, scopeId?: number, gateway?: Uint8Array): void
  /** RTM_GET: the route a packet to dst takes, with the source address it would get. */
  routeGet(dst: Uint8Array, scopeId?: number): Route6Info & { ifAddr: Uint8Array | null }
  ndpList(): NdpInfo[]
  /** RTM_ADD of a permanent entry; `proxy` publishes it (LLE_PUB, `ndp -s ... proxy`). */
  ndpSet(addr: Uint8Array, scopeId: number, mac: number, proxy?: boolean): void
  ndpDelete(addr: Uint8Array, scopeId: number): void
  /** The default router list (ICMPV6CTL_ND6_DRLIST). */
  defrouterList(): DefrouterInfo[]
  /** The prefix list (ICMPV6CTL_ND6_PRLIST). */
  prefixList(): PrefixInfo[]
  /** SIOCSRTRFLUSH_IN6 / SIOCSPFXFLUSH_IN6. */
  routerFlush(): void
  prefixFlush(): void
  /** socket(AF_INET6, SOCK_RAW, proto); proto defaults to IPPROTO_ICMPV6. */
  rawSocket(proto?: number): Raw6Socket
  protoStats(proto: Proto6Name): ReadonlyArray<readonly [string, number]>
}
