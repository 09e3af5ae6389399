/**
 * The shapes isisd's engine works with: a circuit as the daemon describes it (an interface with its
 * IS-IS settings), the engine's circuit state (adjacencies, DIS, timers) and an adjacency.
 *
 * Must not: hold behaviour; this is types and small pure helpers.
 */

import type { IsisKey } from '../../../../wire/routing/isis_auth.js'
import type { IsisLevels } from './isis_config.js'

export const SEC_NS = 1e9

/** What isisd hands the engine for each interface running IS-IS. */
export interface CircuitDesc {
  name: string
  ifindex: number
  mac: number
  /** IPv4 addresses of the interface (all announced; the first is the IIH's interface address). */
  addrs: ReadonlyArray<{ addr: number; len: number }>
  /** `ip router isis` (IPv4 announced; true when left out) and `ipv6 router isis` (RFC 5308). */
  ipv4?: boolean
  ipv6?: boolean
  /** IPv6: link-local addresses (in hellos) and global ones with their prefix lengths (in LSPs). */
  linkLocal6?: readonly Uint8Array[]
  addrs6?: ReadonlyArray<{ addr: Uint8Array; len: number }>
  /** `isis password`: hellos sent with it and accepted only with it. */
  password?: IsisKey | null
  /** Levels the circuit runs: the router's is-type and the circuit-type together. */
  levels: IsisLevels
  p2p: boolean
  passive: boolean
  metric: number
  hello: number
  multiplier: number
  priority: number
  mtu: number
}

export type AdjState = 'Initializing' | 'Up'

export interface Adj {
  sysId: string
  /** Levels the adjacency serves: 1 or 2 on a LAN (one adjacency per level), 1-3 on p2p. */
  levels: number
  mac: number
  state: AdjState
  /** When the holding time runs out (host clock ns). */
  expires: number
  holdTime: number
  priority: number
  /** The LAN ID its IIH names (LAN), or its local circuit ID (p2p). */
  lanId: string
  circuitType: number
  ipAddrs: number[]
  /** Its IPv6 link-local addresses (TLV 232 of its hellos): IPv6 next hops. */
  ip6Addrs: Uint8Array[]
  areas: string[]
  since: number
  /** p2p: RFC 5303's extended circuit ID of the neighbour. */
  extCircuitId: number
}

export interface Circuit {
  desc: CircuitDesc
  /** Local circuit ID, 1..255, the pseudonode byte when this IS is the DIS. */
  id: number
  /** LAN: key `L:sysId` per level; p2p: key `sysId`. */
  adjs: Map<string, Adj>
  /** Whether this IS is the DIS, per level (index 0 for level 1). */
  dis: [boolean, boolean]
  /** The LAN ID this IS reports (14 hex digits), per level. */
  lanId: [string, string]
  nextHello: [number, number]
  nextCsnp: [number, number]
  nextPsnp: number
  /** DIS election waits two hello intervals after the circuit comes up (ISO 10589 §8.4.5). */
  electAfter: number
  up: number
}

export function levelMask(l: 1 | 2): number {
  return l
}

/** Whether a circuit or adjacency with levels `have` takes part in level `l`. */
export function atLevel(have: number, l: 1 | 2): boolean {
  return (have & l) !== 0
}

/** Up adjacencies of a circuit at a level. */
export function upAdjs(c: Circuit, l: 1 | 2): Adj[] {
  const out: Adj[] = []
  for (const a of c.adjs.values()) if (a.state === 'Up' && atLevel(a.levels, l)) out.push(a)
  return out
}
