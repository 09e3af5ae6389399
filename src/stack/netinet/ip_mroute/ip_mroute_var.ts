/**
 * IPv4 multicast routing's per-vnet state (FreeBSD's netinet/ip_mroute.h and the VNET_DEFINEs of
 * ip_mroute.c): the socket option names and flags of multicast(4), the virtual interface table
 * (struct vif[MAXVIFS]), the multicast forwarding cache (struct mfc, hashed by origin and group as
 * MFCHASH does), pending upcalls' queued datagrams, and struct mrtstat.
 *
 * Must not: hold anything per packet beyond the bounded stall queues (MAX_UPQ datagrams per
 * pending entry, MFC_PENDING_MAX pending entries), or act on its own: ip_mroute.ts and
 * ip_mforward.ts change it.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { Timer } from '../../../util/clock.js'
import type { Ifnet } from '../../net/ifnet.js'
import { Slot, type Vnet, type VnetModule } from '../../net/vnet.js'
import type { RawPcb } from '../raw.js'

/** Socket option names at level IPPROTO_IP on the raw IGMP socket (netinet/ip_mroute.h). */
export const MRT_INIT = 100
export const MRT_DONE = 101
export const MRT_ADD_VIF = 102
export const MRT_DEL_VIF = 103
export const MRT_ADD_MFC = 104
export const MRT_DEL_MFC = 105
export const MRT_VERSION = 106
export const MRT_ASSERT = 107
export const MRT_API_SUPPORT = 109
export const MRT_API_CONFIG = 110
export const MRT_ADD_BW_UPCALL = 111
export const MRT_DEL_BW_UPCALL = 112

export function isMrtOption(name: number): boolean {
  return name >= MRT_INIT && name <= MRT_DEL_BW_UPCALL && name !== 108
}

/** MAXVIFS: vif numbers are 0..31. */
export const MAXVIFS = 32

/** vifctl flags. Tunnels and source routes are no longer supported (EOPNOTSUPP). */
export const VIFF_TUNNEL = 0x1
export const VIFF_SRCRT = 0x2
export const VIFF_REGISTER = 0x4

/** mfcctl2 per-vif flags and the API capabilities (MRT_API_SUPPORT / MRT_API_CONFIG). */
export const MRT_MFC_FLAGS_DISABLE_WRONGVIF = 1 << 0
export const MRT_MFC_FLAGS_BORDER_VIF = 1 << 1
export const MRT_MFC_FLAGS_ALL = MRT_MFC_FLAGS_DISABLE_WRONGVIF | MRT_MFC_FLAGS_BORDER_VIF
export const MRT_MFC_RP = 1 << 8
export const MRT_MFC_BW_UPCALL = 1 << 9
export const MRT_API_FLAGS_ALL = MRT_MFC_FLAGS_ALL | MRT_MFC_RP | MRT_MFC_BW_UPCALL
/** MRT_API_VERSION (0x0305) and what this kernel supports; bandwidth upcalls are not offered here. */
export const MRT_API_VERSION_NUM = 0x0305
export const MRT_API_SUPPORTED = MRT_MFC_FLAGS_ALL | MRT_MFC_RP

/** struct igmpmsg im_msgtype values: the kernel's upcalls. */
export const IGMPMSG_NOCACHE = 1
export const IGMPMSG_WRONGVIF = 2
export const IGMPMSG_WHOLEPKT = 3

/** struct vifctl. `rateLimit` must be 0: rate limiting is no longer supported (EINVAL). */
export interface VifCtl {
  vifi: number
  flags: number
  threshold: number
  rateLimit?: number
  /** vifc_lcl_addr: an address of the interface the vif stands for. */
  lclAddr: number
  rmtAddr?: number
}

/**
 * struct mfcctl (and mfcctl2 once MRT_API_CONFIG enabled flags): an (origin, group) entry, its
 * parent (incoming) vif and, per vif, the TTL a datagram must exceed to be sent there (0: not).
 */
export interface MfcCtl {
  origin: number
  group: number
  parent: number
  ttls: readonly number[]
  flags?: readonly number[]
  rp?: number
}

/** struct mrtstat (netstat -gs). */
export class MrtStat {
  mrts_mfc_lookups = 0
  mrts_mfc_misses = 0
  mrts_upcalls = 0
  mrts_no_route = 0
  mrts_bad_tunnel = 0
  mrts_cant_tunnel = 0
  mrts_wrong_if = 0
  mrts_upq_ovflw = 0
  mrts_cache_cleanups = 0
  mrts_drop_sel = 0
  mrts_q_overflow = 0
  mrts_pkt2large = 0
  mrts_upq_sockfull = 0
}

/** struct vif: one virtual interface (a physical one here; tunnels are gone from FreeBSD). */
export class Vif {
  flags = 0
  threshold = 0
  /** v_lcl_addr; 0 marks a free slot. */
  lclAddr = 0
  rmtAddr = 0
  ifp: Ifnet | null = null
  pktIn = 0
  pktOut = 0
  bytesIn = 0
  bytesOut = 0
}

/** A datagram held while the daemon is asked what to do with its flow (struct rtdetq). */
export interface Stalled {
  m: Mbuf
  ifp: Ifnet
}

/** struct mfc. A pending entry (an upcall outstanding) has datagrams in `stall` and parent -1. */
export class Mfc {
  parent = -1
  readonly ttls = new Uint8Array(MAXVIFS)
  readonly flags = new Uint8Array(MAXVIFS)
  rp = 0
  pktCnt = 0
  byteCnt = 0
  wrongIf = 0
  /** mfc_last_assert: clock time of the last WRONGVIF upcall (rate limited to one per 3 s). */
  lastAssert = Number.NEGATIVE_INFINITY
  /** Expiry ticks left while pending (UPCALL_EXPIRE ticks of EXPIRE_TIMEOUT); 0 once resolved. */
  expire = 0
  readonly stall: Stalled[] = []

  constructor(
    readonly origin: number,
    readonly group: number,
  ) {}
}

/** MFCHASHSIZE buckets. */
export const MFCHASHSIZE = 256
/** MAX_UPQ: datagrams held per pending entry. */
export const MAX_UPQ = 4
/** Pending (S,G) entries a vnet holds at once: a flood of new sources cannot grow the table past it. */
export const MFC_PENDING_MAX = 1024
/** EXPIRE_TIMEOUT (hz / 4) and UPCALL_EXPIRE: an unanswered upcall is dropped after 1.5 s. */
export const EXPIRE_TIMEOUT_NS = 250_000_000
export const UPCALL_EXPIRE = 6
/** pim_assert_interval: WRONGVIF upcalls per entry at most every 3 s. */
export const ASSERT_INTERVAL_NS = 3_000_000_000

/** MFCHASH(origin, group). */
export function mfcHash(o: number, g: number): number {
  return ((o >>> 20) ^ (o >>> 10) ^ o ^ (g >>> 20) ^ (g >>> 10) ^ g) & (MFCHASHSIZE - 1)
}

export class MrouteVnet {
  /** V_ip_mrouter: the socket that did MRT_INIT, or null when no daemon runs. */
  mrouter: RawPcb | null = null
  readonly vifs: Vif[] = Array.from({ length: MAXVIFS }, () => new Vif())
  numvifs = 0
  readonly mfc: Mfc[][] = Array.from({ length: MFCHASHSIZE }, () => [])
  /** Entries with an upcall outstanding. */
  pending = 0
  assert = 0
  apiConfig = 0
  readonly stats = new MrtStat()
  /** if_allmulti reference counts the vifs hold on their interfaces. */
  readonly allmulti = new Map<Ifnet, number>()
  /** expire_upcalls, while a daemon runs. */
  expireTimer: Timer | null = null

  constructor(readonly v: Vnet) {}

  /** mfc_find: a resolved entry for (origin, group), or undefined. */
  find(o: number, g: number): Mfc | undefined {
    const b = this.mfc[mfcHash(o, g)]!
    for (let i = 0; i < b.length; i++) {
      const rt = b[i]!
      if (rt.origin === o && rt.group === g && rt.stall.length === 0) return rt
    }
    return undefined
  }

  /** The entry for (origin, group) with an upcall outstanding, or undefined. */
  findPending(o: number, g: number): Mfc | undefined {
    const b = this.mfc[mfcHash(o, g)]!
    for (let i = 0; i < b.length; i++) {
      const rt = b[i]!
      if (rt.origin === o && rt.group === g && rt.stall.length !== 0) return rt
    }
    return undefined
  }

  /** The vif number whose interface is ifp, or -1. */
  vifOf(ifp: Ifnet): number {
    for (let i = 0; i < this.numvifs; i++) if (this.vifs[i]!.ifp === ifp) return i
    return -1
  }

  /** Every entry, resolved or pending, in bucket order. */
  entries(): Mfc[] {
    const out: Mfc[] = []
    for (const b of this.mfc) for (const rt of b) out.push(rt)
    return out
  }
}

/** The vnet's multicast routing state, created on first use. */
export function mrouteVnet(v: Vnet): MrouteVnet {
  let s = v.slots[Slot.MROUTE] as MrouteVnet | undefined
  if (s === undefined) {
    s = new MrouteVnet(v)
    v.slots[Slot.MROUTE] = s
  }
  return s
}

/** The state if a daemon runs in v (V_ip_mrouter != NULL), else null: the packet path's test. */
export function mrouterOf(v: Vnet): MrouteVnet | null {
  const s = v.slots[Slot.MROUTE] as MrouteVnet | undefined
  return s !== undefined && s.mrouter !== null ? s : null
}

/** Freeing the held datagrams is ip_mroute.ts's mrouterDone; the vnet's teardown calls it. */
export const mrouteModuleBase: Omit<VnetModule<MrouteVnet>, 'destroy'> = {
  name: 'ip_mroute',
  slot: Slot.MROUTE,
  sysctls: [],
  create: (v) => mrouteVnet(v),
}
