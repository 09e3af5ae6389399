/**
 * ospf6d's interface and neighbour records (RFC 5340 §4.1.2, §4.1.3; RFC 2328 §9, §10 as amended),
 * shared by the engine (ospf6_engine.ts), its neighbour machine (ospf6_nbr.ts), SPF and `show`.
 * OSPFv3 names neighbours, DR and BDR by Router ID on every link type and links by Interface ID.
 *
 * Must not: hold behaviour; these are records.
 */

import type { Prefix6 } from '../../../../wire/routing/ospf6.js'
import type { Ospf6AuthKey } from '../../../../wire/routing/ospf6_auth.js'
import type { FsmNbr } from '../ospfd/ospf_nbr_fsm.js'

export { NBR_STATE_NAMES, NbrState } from '../ospfd/ospf_types.js'

export type If6State = 'Down' | 'Loopback' | 'Waiting' | 'PointToPoint' | 'DROther' | 'BDR' | 'DR'

/** What the daemon tells the engine about one OSPFv3 interface (from ifconfig and the configuration). */
export interface If6Desc {
  name: string
  /** The Interface ID (§4.1.2): the kernel's ifindex, as FRR uses. */
  ifId: number
  linkLocal: Uint8Array
  /** The interface's global prefixes (masked), announced in Link- and Intra-Area-Prefix-LSAs. */
  prefixes: Prefix6[]
  /** Its global addresses as configured (a virtual link's endpoint announces one, §4.4.3.9). */
  globals?: Uint8Array[]
  area: number
  type: 'broadcast' | 'point-to-point' | 'loopback' | 'virtual'
  cost: number
  hello: number
  dead: number
  retransmit: number
  priority: number
  passive: boolean
  mtu: number
  /** `ipv6 ospf6 authentication key-id N hash-algo A key K` (RFC 7166), or none. */
  auth?: Ospf6AuthKey | null
}

/** A neighbour: what the state machine keeps (ospfd/ospf_nbr_fsm.ts), with its link-local address. */
export interface Nbr6 extends FsmNbr<Uint8Array> {
  /** The neighbour's Interface ID (its Hellos'). */
  ifId: number
  /** The last Authentication Trailer sequence number it sent (high, low), RFC 7166 §4.1. */
  atSeq?: [number, number]
}

export interface Ospf6If extends If6Desc {
  state: If6State
  dr: number
  bdr: number
  /** Neighbours by Router ID. */
  nbrs: Map<number, Nbr6>
  helloAt: number
  waitAt: number
  /** Packets dropped for their Authentication Trailer (FRR's `Packet drop Rx`). */
  atRxDrops?: number
  /** A virtual link's (RFC 5340 §4.7): what its transit area's tree says of the far end. */
  vl?: VirtualLink6
}

/** A virtual link (`area X virtual-link A.B.C.D`) as the transit area's shortest-path tree sees it. */
export interface VirtualLink6 {
  transit: number
  peer: number
  /** The peer's global address (an LA-bit prefix of its, §4.4.3.9): where everything goes. */
  peerAddr: Uint8Array | null
  /** Our global address the packets leave from (the one we announce with the LA bit). */
  src: Uint8Array | null
  /** Next hops to the peer through the transit area; empty while it is unreachable. */
  hops: Array<{ gw: Uint8Array | null; ifName: string; ifIndex: number }>
}

export function newNbr6(routerId: number, addr: Uint8Array, now: number): Nbr6 {
  return {
    routerId,
    ifId: 0,
    addr,
    priority: 0,
    dr: 0,
    bdr: 0,
    options: 0,
    state: 0,
    deadAt: now,
    since: now,
    master: false,
    ddSeq: 0,
    lastRcvd: null,
    lastSent: null,
    lastSentMore: false,
    ddRxmtAt: Number.POSITIVE_INFINITY,
    summary: [],
    requests: new Map(),
    lsrKeys: [],
    lsrRxmtAt: Number.POSITIVE_INFINITY,
    retrans: new Map(),
    retransAt: Number.POSITIVE_INFINITY,
    events: 0,
  }
}
