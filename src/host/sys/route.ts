/**
 * What the syscall interface says about routes and ARP (net/route.h, if_arp.h): RTF_* flags,
 * route and ARP entries as route, netstat -r and arp see them. Types and constants only.
 */

export type { RouteEvent, RouteEventPath } from '../../stack/net/route/route_monitor.js'

import type { RouteEvent } from '../../stack/net/route/route_monitor.js'

/** A routing-socket listener (`route monitor`): each read is the next route event. */
export interface RouteMonitorFd {
  /** The next event, waiting for one; null once closed. */
  read(): Promise<RouteEvent | null>
  close(): void
}

/** RTF_* flags (net/route.h) as netstat -r shows them. */
export const RtFlag = {
  UP: 0x1, // U
  GATEWAY: 0x2, // G
  HOST: 0x4, // H
  REJECT: 0x8, // R
  STATIC: 0x800, // S
  BLACKHOLE: 0x1000, // B
  LLINFO: 0x400,
  /** The MTU was given with `-mtu` (route get shows FIXEDMTU; netstat has no letter for it). */
  FIXEDMTU: 0x80000,
  PINNED: 0x100000,
} as const

export interface RouteInfo {
  dst: number
  prefixLen: number
  /** Next hop for gateway routes; for interface routes, 0. */
  gateway: number
  /** For interface (connected) routes the link is named instead of a gateway: `link#N`. */
  gatewayIfIndex: number
  ifName: string
  flags: number
  mtu: number
  /** Packets sent through this route. */
  use: number
  /** The path's weight in a multipath route (1 unless `-weight N`). */
  weight?: number
  /** rmx_expire: the time_second the route is deleted at, 0 when it never expires. */
  expire?: number
  /** The index of the nexthop this path uses (nhop-kidx; netstat -rW's Nhop#). */
  nhIdx?: number
  /** The index of the nexthop group when the route has several paths (nhg-kidx), else 0. */
  nhgIdx?: number
}

/** One nexthop as `netstat -o` lists it (struct nhop_external and its addresses). */
export interface NhopInfo {
  idx: number
  /** `v4/resolve` (on-link) or `v4/gw`. */
  type: string
  /** The source address (nh_ifa). */
  ifa: number
  /** The gateway, for `v4/gw`. */
  gateway: number
  gatewayIsAddr: boolean
  /** The route flags the nexthop carries (no RTF_UP). */
  flags: number
  /** Packets sent through it. */
  use: number
  mtu: number
  ifName: string
  /** The interface owning the destination when it is not ifName (lo0 routes to our own addresses). */
  addrIfName: string
  refcnt: number
}

/** One nexthop group as `netstat -O` lists it. */
export interface NhgrpInfo {
  idx: number
  refcnt: number
  /** Its nexthops by index, with weights and their dataplane slots. */
  members: { nhIdx: number; weight: number; slots: number; gateway: string; ifName: string }[]
}

export interface RouteSpec {
  dst: number
  prefixLen: number
  gateway?: number
  /** `-interface IF`: route directly out of IF. */
  ifName?: string
  blackhole?: boolean
  reject?: boolean
  mtu?: number
  /** route(8)'s `-proto1` / `-proto2`: RTF_PROTO1 / RTF_PROTO2, as routing daemons mark their routes. */
  proto1?: boolean
  proto2?: boolean
  /** `-nostatic`: no RTF_STATIC, as for a route a daemon (not an administrator) added. */
  nostatic?: boolean
  /** `-weight N`: the path's share of a multipath route's flows. */
  weight?: number
  /** `-expire T` (rmx_expire): the time_second the route is deleted at; 0 or absent = never. */
  expire?: number
  /** `-xresolve`, `-sticky`, `-proxy` (RTF_XRESOLVE, RTF_STICKY, RTF_ANNOUNCE = RTF_PROTO2). */
  xresolve?: boolean
  sticky?: boolean
  proxy?: boolean
  /** `-ifa ADDR` (RTAX_IFA): the source address, which must be one of ours. */
  ifa?: number
  /** `-ifp IF` (RTAX_IFP): the interface to send through; a name no interface has is ignored. */
  ifp?: string
  /** `-prefsrc ADDR`: the source address for the route's packets, one of ours, on any interface. */
  prefsrc?: number
}

export interface ArpInfo {
  addr: number
  /** null while incomplete. */
  mac: number | null
  ifName: string
  permanent: boolean
  published: boolean
  /** Seconds until expiry, or -1 for permanent entries. */
  expiresIn: number
}
