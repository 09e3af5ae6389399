/**
 * ospfd's interface and neighbour records (RFC 2328 §9, §10) and the states they go through, shared
 * by the protocol engine (ospf_engine.ts), its neighbour machine (ospf_nbr.ts) and `show` (ospf_show.ts).
 *
 * Must not: hold behaviour; these are records.
 */

import type { Lsa, LsaHeader } from '../../../../wire/routing/ospf.js'

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
  type: 'broadcast' | 'point-to-point' | 'loopback'
  cost: number
  hello: number
  dead: number
  retransmit: number
  priority: number
  passive: boolean
  mtu: number
  ifindex: number
}

export interface Nbr {
  routerId: number
  addr: number
  priority: number
  /** DR and BDR as its last Hello declared them (interface addresses). */
  dr: number
  bdr: number
  options: number
  state: number
  /** Host-clock ns: inactivity timer, state change time. */
  deadAt: number
  since: number
  master: boolean
  ddSeq: number
  /** The last DD received (flags, seq) for duplicate detection, and the last one sent. */
  lastRcvd: { flags: number; seq: number; options: number } | null
  lastSent: Uint8Array | null
  /** Whether our last DD had the M bit. */
  lastSentMore: boolean
  ddRxmtAt: number
  summary: LsaHeader[]
  requests: Map<string, LsaHeader>
  /** Keys of the outstanding Link State Request, and when it is resent. */
  lsrKeys: string[]
  lsrRxmtAt: number
  retrans: Map<string, Lsa>
  retransAt: number
  /** Adjacencies formed here before (for `show` and counters). */
  events: number
}

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
