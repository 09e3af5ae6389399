/**
 * What the syscall interface says about routes and ARP (net/route.h, if_arp.h): RTF_* flags,
 * route and ARP entries as route, netstat -r and arp see them. Types and constants only.
 */

/** RTF_* flags (net/route.h) as netstat -r shows them. */
export const RtFlag = {
  UP: 0x1, // U
  GATEWAY: 0x2, // G
  HOST: 0x4, // H
  REJECT: 0x8, // R
  STATIC: 0x800, // S
  BLACKHOLE: 0x1000, // B
  LLINFO: 0x400,
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
