/**
 * What the daemons of one router share with the command interpreter: each daemon's configuration
 * and the control hooks a running daemon registers so that configuration changes reach it.
 *
 * Must not: hold anything but configuration and hooks (the daemons own their protocol state).
 */

import { type BgpConfig, newBgpConfig } from './bgpd/bgp_config.js'
import { type IsisConfig, newIsisConfig } from './isisd/isis_config.js'
import type { KeyChains } from './lib/keychain.js'
import { newOspf6Config, type Ospf6Config } from './ospf6d/ospf6_config.js'
import { newOspfConfig, type OspfConfig } from './ospfd/ospf_config.js'
import { newRipConfig, type RipConfig } from './ripd/rip_config.js'
import { newRipngConfig, type RipngConfig } from './ripngd/ripng_config.js'

/** What the daemon behind the vty offers; null when vtysh runs without ripd. */
export interface RipControl {
  /** The configuration changed: apply it (interfaces, timers) now. */
  changed(): void
  showRip(): string
  showRipStatus(): string
  /** Learned routes by `a.b.c.d/len`: metric and install time (host clock ns). */
  ripRoutes(): ReadonlyMap<string, { metric: number; since: number }>
}

/** What ospfd offers its vty (ospf_cmds.ts); null when the session is not ospfd's. */
export interface OspfControl {
  changed(): void
  showOspf(): string
  showNeighbor(detail: boolean): string
  showRoute(): string
  showDatabase(): string
  showInterface(name: string | null): string
  /** Routes by `a.b.c.d/len`: cost, install time, whether OSPF's own (connected) network. */
  ospfRoutes(): ReadonlyMap<string, { cost: number; since: number; direct: boolean; ifName: string }>
}

/** What ospf6d offers its vty (ospf6d/ospf6_cmds.ts); null when the session is not ospf6d's. */
export interface Ospf6Control {
  changed(): void
  showOspf6(): string
  showNeighbor6(): string
  showRoute6(): string
  showDatabase6(): string
  showInterface6(name: string | null): string
  /** Routes by `prefix/len`: cost, install time, whether a prefix of its own links, interface. */
  ospf6Routes(): ReadonlyMap<string, { cost: number; since: number; direct: boolean; ifName: string }>
}

/** What isisd offers its vty (isisd/isis_cmds.ts); null when the session is not isisd's. */
export interface IsisControl {
  changed(): void
  showNeighbor(): string
  showDatabase(detail: boolean): string
  showRoute(): string
  showSummary(): string
  /** Routes in the FIB by `a.b.c.d/len`: metric and install time. */
  isisRoutes(): ReadonlyMap<string, { metric: number; since: number }>
  /** IPv6 routes (RFC 5308) in the FIB by `prefix/len`: metric and install time. */
  isisRoutes6(): ReadonlyMap<string, { metric: number; since: number }>
}

/** What ripngd offers its vty (ripngd/ripng_cmds.ts); null when the session is not ripngd's. */
export interface RipngControl {
  changed(): void
  showRipng(): string
  showRipngStatus(): string
  /** Installed routes by `prefix/len`: metric and install time (host clock ns). */
  ripngRoutes(): ReadonlyMap<string, { metric: number; since: number }>
}

/** What bgpd offers its vty (bgpd/bgp_cmds.ts); null when the session is not bgpd's. */
export interface BgpControl {
  changed(): void
  showBgp(): string
  showSummary(): string
  showNeighbors(addr: number | null): string
  /** `clear ip bgp`: what to print (FRR's error for an unknown neighbour). */
  clear(addr: number | null): string
  /** Installed routes by `a.b.c.d/len`: distance (20 eBGP, 200 iBGP), MED, install time. */
  bgpRoutes(): ReadonlyMap<string, { distance: number; metric: number; since: number }>
}

/** What the configuration holds across vty sessions (each daemon keeps one; vtysh alone a fresh one). */
export interface FrrState {
  hostname: string
  rip: RipConfig
  ospf: OspfConfig
  ripng: RipngConfig
  ospf6: Ospf6Config
  bgp: BgpConfig
  isis: IsisConfig
  /** `key chain` blocks (lib/keychain.ts). */
  keychains: KeyChains
  /** `ip address` lines given per interface, as written. */
  ifAddrs: Map<string, string[]>
  /** Interfaces mentioned in the configuration, in order. */
  ifOrder: string[]
  /** `ip route PREFIX GW` lines. */
  staticRoutes: string[]
}

export function newFrrState(hostname: string): FrrState {
  return {
    hostname,
    rip: newRipConfig(),
    ospf: newOspfConfig(),
    ripng: newRipngConfig(),
    ospf6: newOspf6Config(),
    bgp: newBgpConfig(),
    isis: newIsisConfig(),
    keychains: new Map(),
    ifAddrs: new Map(),
    ifOrder: [],
    staticRoutes: [],
  }
}
