/**
 * What FreeBSD's alias_db.h declares for the link table (alias_db.ts): link types, TCP states,
 * lifetimes and the lifetime of a link by type and state, the placeholder ports, the link flags and
 * table limits, the per-type counters, and the two hashes (StartPointOut, StartPointIn) the links are
 * chained by.
 *
 * Must not: hold state; the table is alias_db.ts.
 */

/** Link types: a protocol number, or one of libalias's own (above IPPROTO_MAX). */
export const LINK = {
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  FRAGMENT_ID: 257,
  FRAGMENT_PTR: 258,
  ADDR: 259,
} as const

/** ALIAS_TCP_STATE_*: each direction of a TCP link. */
export const TCPS = { NOT_CONNECTED: 0, CONNECTED: 1, DISCONNECTED: 2 } as const

/** Lifetimes in seconds (alias_db.h). */
export const EXPIRE = {
  ICMP: 60,
  UDP: 60,
  PROTO: 60,
  FRAGMENT_ID: 10,
  FRAGMENT_PTR: 30,
  TCP_DEAD: 10,
  TCP_SINGLEDEAD: 90,
  TCP_INITIAL: 300,
  TCP_CONNECTED: 86400,
} as const

/** Placeholder ports for links that have none (any value but 0, which means "unknown"). */
export const NO_DEST_PORT = 1
export const NO_SRC_PORT = 1
/** AddLink's alias_port_param asking GetNewPort for a free port. */
export const GET_ALIAS_PORT = -1

export const F_UNKNOWN_DEST_ADDR = 1
export const F_UNKNOWN_DEST_PORT = 2
export const F_PARTIAL = 3
export const F_PERMANENT = 4
/** GET_NEW_PORT_MAX_ATTEMPTS. */
export const PORT_TRIES = 20
export const FIRST_CAP = 64
/** Stale links looked at before a full table refuses a new one. */
export const RECLAIM_TRIES = 8

/** Live links per type (the counters ShowAliasStats prints). */
export class LinkCounts {
  icmp = 0
  udp = 0
  tcp = 0
  proto = 0
  fragId = 0
  fragPtr = 0
}

export function hashOut(src: number, dst: number, sport: number, dport: number, type: number): number {
  let h = Math.imul(src ^ 0x5bd1e995, 0x9e3779b1) ^ dst
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) ^ ((sport << 16) | dport)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ type
  return h ^ (h >>> 16)
}

export function hashIn(alias: number, aport: number, type: number): number {
  let h = Math.imul(alias ^ 0x27d4eb2f, 0x9e3779b1) ^ ((aport << 16) | type)
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b)
  return h ^ (h >>> 13)
}

/** A new link's lifetime in seconds by its type (TCP: until its state says otherwise). */
export function lifetime(type: number): number {
  switch (type) {
    case LINK.ICMP:
      return EXPIRE.ICMP
    case LINK.UDP:
      return EXPIRE.UDP
    case LINK.TCP:
      return EXPIRE.TCP_INITIAL
    case LINK.FRAGMENT_ID:
      return EXPIRE.FRAGMENT_ID
    case LINK.FRAGMENT_PTR:
      return EXPIRE.FRAGMENT_PTR
    default:
      return EXPIRE.PROTO
  }
}
