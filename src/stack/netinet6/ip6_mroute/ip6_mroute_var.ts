/**
 * IPv6 multicast routing's per-vnet state (FreeBSD's netinet6/ip6_mroute.h and the VNET state of
 * ip6_mroute.c): the MRT6_* option names, the multicast interface table (struct mif6[MAXMIFS]),
 * the forwarding cache (struct mf6c: origin, group, parent mif and the set of outgoing mifs),
 * datagrams held while an upcall is pending, and struct mrt6stat.
 *
 * Must not: hold more than the bounded stall queues (MAX_UPQ6 per pending entry, MF6C_PENDING_MAX
 * pending entries), or act on its own: ip6_mroute.ts and ip6_mforward.ts change it.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { Timer } from '../../../util/clock.js'
import type { Ifnet } from '../../net/ifnet.js'
import { Slot, type Vnet } from '../../net/vnet.js'
import type { Raw6Pcb } from '../raw_ip6.js'

/** Socket option names at level IPPROTO_IPV6 on the raw ICMPv6 socket (netinet6/ip6_mroute.h). */
export const MRT6_INIT = 100
export const MRT6_DONE = 101
export const MRT6_ADD_MIF = 102
export const MRT6_DEL_MIF = 103
export const MRT6_ADD_MFC = 104
export const MRT6_DEL_MFC = 105
export const MRT6_PIM = 107

export function isMrt6Option(name: number): boolean {
  return name >= MRT6_INIT && name <= MRT6_DEL_MFC
}

/** MAXMIFS: mif numbers 0..63. */
export const MAXMIFS = 64
/** mif6ctl flags: a PIM register interface. */
export const MIFF_REGISTER = 0x1

/** struct mrt6msg im6_msgtype values. */
export const MRT6MSG_NOCACHE = 1
export const MRT6MSG_WRONGMIF = 2
export const MRT6MSG_WHOLEPKT = 3

/** struct mif6ctl: the mif number, flags and the physical interface's index. */
export interface Mif6Ctl {
  mifi: number
  flags: number
  pifi: number
}

/** struct mf6cctl: (origin, group), the parent mif and the mifs to forward on (if_set, as a list). */
export interface Mf6cCtl {
  origin: Uint8Array
  group: Uint8Array
  parent: number
  ifset: readonly number[]
}

/** struct mrt6stat (netstat -gs). */
export class Mrt6Stat {
  mrt6s_mfc_lookups = 0
  mrt6s_mfc_misses = 0
  mrt6s_upcalls = 0
  mrt6s_no_route = 0
  mrt6s_bad_tunnel = 0
  mrt6s_cant_tunnel = 0
  mrt6s_wrong_if = 0
  mrt6s_upq_ovflw = 0
  mrt6s_cache_cleanups = 0
  mrt6s_drop_sel = 0
  mrt6s_q_overflow = 0
  mrt6s_pkt2large = 0
  mrt6s_upq_sockfull = 0
}

/** struct mif6. */
export class Mif6 {
  flags = 0
  /** m6_ifp; null marks a free slot. */
  ifp: Ifnet | null = null
  pktIn = 0
  pktOut = 0
  bytesIn = 0
  bytesOut = 0
}

export interface Stalled6 {
  m: Mbuf
  ifp: Ifnet
}

/** struct mf6c; pending (an upcall outstanding) while `stall` holds datagrams, parent then -1. */
export class Mf6c {
  parent = -1
  /** mf6c_ifset. */
  readonly ifset = new Uint8Array(MAXMIFS)
  pktCnt = 0
  byteCnt = 0
  wrongIf = 0
  lastAssert = Number.NEGATIVE_INFINITY
  expire = 0
  readonly stall: Stalled6[] = []

  constructor(
    readonly origin: Uint8Array,
    readonly group: Uint8Array,
  ) {}
}

export const MF6CTBLSIZ = 256
export const MAX_UPQ6 = 4
export const MF6C_PENDING_MAX = 1024
export const EXPIRE_TIMEOUT6_NS = 250_000_000
export const UPCALL_EXPIRE6 = 6
export const ASSERT_INTERVAL6_NS = 3_000_000_000

/** MF6CHASH: the origin's and group's bytes folded. */
export function mf6cHash(o: Uint8Array, oo: number, g: Uint8Array, go: number): number {
  let h = 0
  for (let i = 0; i < 16; i++) h ^= o[oo + i]! ^ g[go + i]!
  return h & (MF6CTBLSIZ - 1)
}

function eq16(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 0; i < 16; i++) if (a[ao + i] !== b[bo + i]) return false
  return true
}

export class Mroute6Vnet {
  /** V_ip6_mrouter. */
  mrouter: Raw6Pcb | null = null
  readonly mifs: Mif6[] = Array.from({ length: MAXMIFS }, () => new Mif6())
  nummifs = 0
  readonly mfc: Mf6c[][] = Array.from({ length: MF6CTBLSIZ }, () => [])
  pending = 0
  /** MRT6_PIM: WRONGMIF upcalls on. */
  pim = 0
  readonly stats = new Mrt6Stat()
  readonly allmulti = new Map<Ifnet, number>()
  expireTimer: Timer | null = null

  constructor(readonly v: Vnet) {}

  /** A resolved entry for the (origin, group) at o[oo] and g[go]. */
  find(o: Uint8Array, oo: number, g: Uint8Array, go: number, pending = false): Mf6c | undefined {
    const b = this.mfc[mf6cHash(o, oo, g, go)]!
    for (let i = 0; i < b.length; i++) {
      const rt = b[i]!
      if ((rt.stall.length !== 0) === pending && eq16(rt.origin, 0, o, oo) && eq16(rt.group, 0, g, go))
        return rt
    }
    return undefined
  }

  mifOf(ifp: Ifnet): number {
    for (let i = 0; i < this.nummifs; i++) if (this.mifs[i]!.ifp === ifp) return i
    return -1
  }

  entries(): Mf6c[] {
    const out: Mf6c[] = []
    for (const b of this.mfc) for (const rt of b) out.push(rt)
    return out
  }
}

export function mroute6Vnet(v: Vnet): Mroute6Vnet {
  let s = v.slots[Slot.MROUTE6] as Mroute6Vnet | undefined
  if (s === undefined) {
    s = new Mroute6Vnet(v)
    v.slots[Slot.MROUTE6] = s
  }
  return s
}

/** The state if a daemon runs in v (V_ip6_mrouter != NULL), else null. */
export function mrouter6Of(v: Vnet): Mroute6Vnet | null {
  const s = v.slots[Slot.MROUTE6] as Mroute6Vnet | undefined
  return s !== undefined && s.mrouter !== null ? s : null
}
