/**
 * bgpd's configuration (FRR's `router bgp AS` node and its `address-family ipv4 unicast` sub-node)
 * as plain data, and its part of `show running-config`. The vty commands (bgp_cmds.ts) edit it;
 * bgpd reads it whenever it changes.
 *
 * Must not: touch the kernel; everything here is data.
 */

import { formatIpv4, prefixToMask } from '../../../../wire/addr.js'

/** FRR's `frr defaults traditional` timers. */
export const BGP_KEEPALIVE_S = 60
export const BGP_HOLD_S = 180
export const BGP_CONNECT_RETRY_S = 120
/**
 * Prefixes one neighbour may announce when no `maximum-prefix` is set: VirtNet's bound, so that a
 * flood cannot grow the RIB without end (FRR has no default limit).
 */
export const BGP_DEFAULT_MAX_PREFIX = 100_000

export const BGP_REDIST_SOURCES = ['connected', 'static', 'kernel', 'rip', 'ospf'] as const

export interface BgpNeighborConfig {
  /** Address as written (the peer's key). */
  addr: number
  /** `remote-as N`, `internal` (our AS) or `external` (any other); null before remote-as (a peer-group member). */
  remoteAs: number | 'internal' | 'external' | null
  description: string | null
  updateSource: string | null
  nextHopSelf: boolean
  ebgpMultihop: number | null
  maxPrefix: number | null
  /** `maximum-prefix N warning-only`. */
  maxPrefixWarnOnly: boolean
  weight: number | null
  /** `timers KEEPALIVE HOLD`. */
  timers: { keepalive: number; hold: number } | null
  shutdown: boolean
  /** `peer-group NAME` membership. */
  peerGroup: string | null
}

export interface BgpConfig {
  /** `router bgp AS`, or null when not configured. */
  as: number | null
  routerId: number | null
  /** `no bgp ebgp-requires-policy` (FRR ≥ 7.5 refuses eBGP routes without policy otherwise). */
  ebgpRequiresPolicy: boolean
  /** `network A.B.C.D/M` in order given (address already masked). */
  networks: Array<{ addr: number; len: number }>
  redistribute: Map<string, { metric: number | null }>
  neighbors: Map<number, BgpNeighborConfig>
  /** Peer groups by name (FRR's `neighbor NAME peer-group`), with their shared settings. */
  groups: Map<string, BgpNeighborConfig>
  /** `bgp network import-check`: a `network` is announced only while the RIB has the prefix. */
  importCheck: boolean
  /** `bgp default local-preference N`: LOCAL_PREF of paths that carry none (sent to iBGP peers). */
  localPref: number
  /** `timers bgp KEEPALIVE HOLD`. */
  timers: { keepalive: number; hold: number }
  /** Lines accepted for compatibility, kept for `show running-config` (no synchronization ...). */
  compat: string[]
}

export function newBgpConfig(): BgpConfig {
  return {
    as: null,
    routerId: null,
    ebgpRequiresPolicy: true,
    networks: [],
    redistribute: new Map(),
    neighbors: new Map(),
    groups: new Map(),
    importCheck: true,
    localPref: 100,
    timers: { keepalive: BGP_KEEPALIVE_S, hold: BGP_HOLD_S },
    compat: [],
  }
}

export function newNeighbor(addr: number): BgpNeighborConfig {
  return {
    addr,
    remoteAs: null,
    description: null,
    updateSource: null,
    nextHopSelf: false,
    ebgpMultihop: null,
    maxPrefix: null,
    maxPrefixWarnOnly: false,
    weight: null,
    timers: null,
    shutdown: false,
    peerGroup: null,
  }
}

/** A neighbour's settings with its peer group's filled in where it has none of its own. */
export function effective(c: BgpConfig, n: BgpNeighborConfig): BgpNeighborConfig {
  const g = n.peerGroup === null ? undefined : c.groups.get(n.peerGroup)
  if (g === undefined) return n
  return {
    ...n,
    remoteAs: n.remoteAs ?? g.remoteAs,
    description: n.description ?? g.description,
    updateSource: n.updateSource ?? g.updateSource,
    nextHopSelf: n.nextHopSelf || g.nextHopSelf,
    ebgpMultihop: n.ebgpMultihop ?? g.ebgpMultihop,
    maxPrefix: n.maxPrefix ?? g.maxPrefix,
    weight: n.weight ?? g.weight,
    timers: n.timers ?? g.timers,
    shutdown: n.shutdown || g.shutdown,
  }
}

function neighborLines(name: string, n: BgpNeighborConfig, af: string[], top: string[]): void {
  if (n.remoteAs !== null) top.push(` neighbor ${name} remote-as ${n.remoteAs}`)
  if (n.peerGroup !== null) top.push(` neighbor ${name} peer-group ${n.peerGroup}`)
  if (n.description !== null) top.push(` neighbor ${name} description ${n.description}`)
  if (n.shutdown) top.push(` neighbor ${name} shutdown`)
  if (n.ebgpMultihop !== null) top.push(` neighbor ${name} ebgp-multihop ${n.ebgpMultihop}`)
  if (n.updateSource !== null) top.push(` neighbor ${name} update-source ${n.updateSource}`)
  if (n.timers !== null) top.push(` neighbor ${name} timers ${n.timers.keepalive} ${n.timers.hold}`)
  if (n.nextHopSelf) af.push(`  neighbor ${name} next-hop-self`)
  if (n.weight !== null) af.push(`  neighbor ${name} weight ${n.weight}`)
  if (n.maxPrefix !== null)
    af.push(`  neighbor ${name} maximum-prefix ${n.maxPrefix}${n.maxPrefixWarnOnly ? ' warning-only' : ''}`)
}

/** The `router bgp` section of `show running-config` (FRR's layout: neighbours, then the address family). */
export function bgpRunningConfig(c: BgpConfig): string[] {
  if (c.as === null) return []
  const top = [`router bgp ${c.as}`]
  if (c.routerId !== null) top.push(` bgp router-id ${formatIpv4(c.routerId)}`)
  if (!c.ebgpRequiresPolicy) top.push(' no bgp ebgp-requires-policy')
  if (!c.importCheck) top.push(' no bgp network import-check')
  if (c.localPref !== 100) top.push(` bgp default local-preference ${c.localPref}`)
  if (c.timers.keepalive !== BGP_KEEPALIVE_S || c.timers.hold !== BGP_HOLD_S)
    top.push(` timers bgp ${c.timers.keepalive} ${c.timers.hold}`)
  const af: string[] = []
  for (const [name, g] of c.groups) {
    top.push(` neighbor ${name} peer-group`)
    neighborLines(name, g, af, top)
  }
  for (const n of c.neighbors.values()) neighborLines(formatIpv4(n.addr), n, af, top)
  const nets = c.networks.map((n) => `  network ${formatIpv4(n.addr)}/${n.len}`)
  const redist = [...c.redistribute].map(
    ([s, r]) => `  redistribute ${s}${r.metric === null ? '' : ` metric ${r.metric}`}`,
  )
  const body = [...nets, ...redist, ...af]
  const out = [...top, ' !']
  if (body.length > 0) out.push(' address-family ipv4 unicast', ...body, ' exit-address-family')
  out.push('exit')
  return out
}

/** `network A.B.C.D mask M.M.M.M` / `network A.B.C.D/M`, masked. */
export function maskedNetwork(addr: number, len: number): { addr: number; len: number } {
  return { addr: (addr & prefixToMask(len)) >>> 0, len }
}
