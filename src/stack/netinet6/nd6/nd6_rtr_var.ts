/**
 * The state Router Advertisements build in a vnet (FreeBSD's V_nd_defrouter and V_nd_prefix lists,
 * struct nd_defrouter and struct nd_prefix): default routers with their lifetimes and preference,
 * prefixes with their on-link and autonomous flags, lifetimes and advertising routers. Lives on
 * Ip6Vnet, created on first use; every entry has one timer of its own. Bounded per interface by
 * net.inet6.ip6.maxifdefrouters / maxifprefixes (In6Ifinfo's counts). Must not: process messages
 * (nd6_rtr.ts, nd6_prefix.ts do).
 */

import type { Timer } from '../../../util/clock.js'
import type { In6Addr } from '../../../wire/inet6/in6_addr.js'
import { NdRouterOpts } from '../../../wire/inet6/nd_router.js'
import type { Ifnet } from '../../net/ifnet.js'
import type { Vnet } from '../../net/vnet.js'
import type { Route6 } from '../in6_fib/in6_rtable.js'
import { ip6 } from '../ip6/ip6.js'

export class NdDefrouter {
  readonly ifp: Ifnet
  /** The router's link-local address (no zone: it is on ifp). */
  readonly addr: In6Addr
  /** The RA's flags byte (M, O, preference). */
  raflags = 0
  /** Router lifetime (s) as last advertised. */
  rtlifetime = 0
  /** Absolute clock time the entry expires. */
  expire = 0
  /** Our default route through this router, while it is the selected one. */
  route: Route6 | null = null
  timer: Timer | null = null

  constructor(ifp: Ifnet, addr: In6Addr) {
    this.ifp = ifp
    this.addr = addr
  }

  get installed(): boolean {
    return this.route !== null
  }
}

export class NdPrefix {
  readonly ifp: Ifnet
  /** The prefix, masked to plen (global scope: link-local prefixes are never taken). */
  readonly prefix: In6Addr
  readonly plen: number
  /** The L and A bits as advertised (never turned from 1 back to 0 by a later RA). */
  raOnlink = false
  raAuto = false
  /** Lifetimes (s) as last advertised; the prefix goes at `expire` (0: never). */
  vltime = 0
  pltime = 0
  expire = 0
  /** NDPRF_ONLINK: the prefix route is in the FIB. */
  onlink = false
  /** The prefix route we installed (null when someone else's was already there). */
  route: Route6 | null = null
  /** Routers that advertised it. */
  advrtrs: NdDefrouter[] = []
  /** Autoconfigured addresses made from it. */
  refcnt = 0
  timer: Timer | null = null

  constructor(ifp: Ifnet, prefix: In6Addr, plen: number) {
    this.ifp = ifp
    this.prefix = prefix
    this.plen = plen
  }
}

export class Nd6Rtr {
  /** Ordered by router preference, then by arrival (defrtrlist_update's order). */
  defrouters: NdDefrouter[] = []
  prefixes: NdPrefix[] = []
  /** Option scratch for RA/RS input. */
  readonly opts = new NdRouterOpts()
  /** Scratch for a prefix read out of an option. */
  readonly pfx = new Uint8Array(16)
}

export function nd6rtr(v: Vnet): Nd6Rtr {
  const s = ip6(v)
  let r = s.nd6rtr as Nd6Rtr | null
  if (r === null) {
    r = new Nd6Rtr()
    s.nd6rtr = r
  }
  return r
}

/** The lists if they exist (for readers that must not create them). */
export function nd6rtrIfAny(v: Vnet): Nd6Rtr | null {
  return ip6(v).nd6rtr as Nd6Rtr | null
}
