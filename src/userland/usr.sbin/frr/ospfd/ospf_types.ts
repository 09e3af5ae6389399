/**
 * ospfd's interface and neighbour records (RFC 2328 §9, §10) and the states they go through, shared
 * by the protocol engine (ospf_engine.ts), its neighbour machine (ospf_nbr.ts) and `show` (ospf_show.ts).
 *
 * Must not: hold behaviour; these are records.
 */

import type { FsmNbr } from './ospf_nbr_fsm.js'

export const NbrState = {
  DOWN: 0,
  ATTEMPT: 1,
  INIT: 2,
  TWO_WAY: 3,
  EXSTART: 4,
  EXCHANGE: 5,
  LOADING: 6,
  FULL: 7,
} as const
export const NBR_STATE_NAMES = [
  'Down',
  'Attempt',
  'Init',
  '2-Way',
  'ExStart',
  'Exchange',
  'Loading',
  'Full',
] as const

export type IfState = 'Down' | 'Loopback' | 'Waiting' | 'Point-To-Point' | 'DROther' | 'Backup' | 'DR'

/** What the daemon tells the engine about one OSPF interface (from ifconfig and the configuration). */
export interface IfDesc {
  name: string
  addr: number
  len: number
  area: number
  type: 'broadcast' | 'point-to-point' | 'loopback' | 'virtual'
  cost: number
  hello: number
  dead: number
  retransmit: number
  priority: number
  passive: boolean
  mtu: number
  ifindex: number
}

/** A neighbour: what the state machine keeps (ospf_nbr_fsm.ts), known by its interface address. */
export type Nbr = FsmNbr<number>

export interface OspfIf extends IfDesc {
  state: IfState
  mask: number
  dr: number
  bdr: number
  nbrs: Map<number, Nbr>
  helloAt: number
  waitAt: number
  /** The network-LSA sequence number last originated for this interface (for `show`). */
  netSeq: number
  /** A virtual link's own state (ospf_vlink.ts); absent on real interfaces. */
  vl?: VirtualLink
}

/** What a virtual link (RFC 2328 §15) learns from its transit area's shortest-path tree. */
export interface VirtualLink {
  transit: number
  peer: number
  /** The peer's address in the transit area (unicast destination of everything we send it). */
  peerAddr: number
  /** Next hops to the peer through the transit area; empty while it is unreachable. */
  hops: Array<{ gw: number; ifName: string }>
}

export function newNbr(addr: number, routerId: number, now: number): Nbr {
  return {
    routerId,
    addr,
    priority: 0,
    dr: 0,
    bdr: 0,
    options: 0,
    state: NbrState.DOWN,
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
