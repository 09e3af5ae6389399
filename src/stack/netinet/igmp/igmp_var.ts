/**
 * IGMP's per-vnet and per-interface state (FreeBSD's igmp_var.h and the VNET_DEFINEs of igmp.c):
 * struct igmpstat, the net.inet.igmp.* knobs, one igmp_ifsoftc per interface that has used IPv4
 * multicast (its compatibility version, the querier's robustness and intervals, the Older Version
 * Querier Present timers) and the in_multi records of the groups it listens to, each with its
 * IGMP state, report timer and pending state-change retransmissions.
 *
 * Timers count ticks as FreeBSD's do: fast ticks of 200 ms (IGMP_FASTHZ) for reports, slow ticks
 * of 500 ms (IGMP_SLOWHZ) for the querier-present timers; one callout of each per vnet runs only
 * while some count is non-zero. Must not: hold anything per packet, or grow beyond the groups
 * joined and the interfaces of the vnet.
 */

import type { Timer } from '../../../util/clock.js'
import type { Rng } from '../../../util/rng.js'
import type { Ifnet } from '../../net/ifnet.js'
import { Slot, type Vnet } from '../../net/vnet.js'

export const IGMP_FASTHZ = 5
export const IGMP_SLOWHZ = 2
/** IGMP_V1V2_MAX_RI: seconds within which a v1/v2 report answers a v1 query (RFC 2236 §3). */
export const IGMP_V1V2_MAX_RI = 10
/** Defaults of a new interface (IGMP_RV_INIT, IGMP_QI_INIT, IGMP_QRI_INIT, IGMP_URI_INIT). */
export const IGMP_RV_INIT = 2
export const IGMP_QI_INIT = 125
export const IGMP_QRI_INIT = 10
export const IGMP_URI_INIT = 3
/** General Query answers: packets per burst, bursts' spacing in fast ticks, packets queued at most. */
export const IGMP_MAX_RESPONSE_BURST = 4
export const IGMP_RESPONSE_BURST_INTERVAL = IGMP_FASTHZ >> 1
export const IGMP_MAX_RESPONSE_PACKETS = 16

/** igi_flags. */
export const IGIF = { SILENT: 0x1, LOOPBACK: 0x2 } as const

/** inm_state (netinet/igmp_var.h). */
export const IgmpState = {
  NOT_MEMBER: 0,
  SILENT_MEMBER: 1,
  REPORTING_MEMBER: 2,
  IDLE_MEMBER: 3,
  LAZY_MEMBER: 4,
  SLEEPING_MEMBER: 5,
  AWAKENING_MEMBER: 6,
  G_QUERY_PENDING_MEMBER: 7,
  SG_QUERY_PENDING_MEMBER: 8,
  LEAVING_MEMBER: 9,
} as const

/** struct igmpstat, in its field order (what netstat -s -p igmp prints). */
export class IgmpStats {
  igps_rcv_total = 0
  igps_rcv_tooshort = 0
  igps_rcv_badttl = 0
  igps_rcv_badsum = 0
  igps_rcv_v1v2_queries = 0
  igps_rcv_v3_queries = 0
  igps_rcv_badqueries = 0
  igps_rcv_gen_queries = 0
  igps_rcv_group_queries = 0
  igps_rcv_gsr_queries = 0
  igps_drop_gsr_queries = 0
  igps_rcv_reports = 0
  igps_rcv_badreports = 0
  igps_rcv_ourreports = 0
  igps_rcv_nora = 0
  igps_snd_reports = 0
}

/**
 * struct in_multi, any-source only: VirtNet has no source-filter API, so every membership is
 * EXCLUDE {} and its records carry no sources.
 */
export class InMulti {
  /** Memberships holding it (sockets and the kernel's own joins). */
  refs = 1
  state: number = IgmpState.NOT_MEMBER
  /** inm_timer: fast ticks until a v1/v2 report or a group query's answer, 0 when idle. */
  timer = 0
  /** inm_sctimer / inm_scrv: the next state-change (re)transmission and how many remain. */
  sctimer = 0
  scrv = 0
  /** The record type of the pending state change (CHANGE_TO_EXCLUDE / _INCLUDE), 0 for none. */
  scType = 0
  /** inm_lastgsrtv: when the last Group-and-Source query was accepted (ns), -1 never. */
  lastGsr = -1

  constructor(
    readonly group: number,
    readonly ifp: Ifnet,
  ) {}
}

/** struct igmp_ifsoftc. */
export class IgmpIfinfo {
  version: number
  flags = 0
  rv = IGMP_RV_INIT
  qi = IGMP_QI_INIT
  qri = IGMP_QRI_INIT
  uri = IGMP_URI_INIT
  /** Older Version Querier Present timers (slow ticks) and the General Query answer (fast ticks). */
  v1Timer = 0
  v2Timer = 0
  v3Timer = 0
  /** if_multiaddrs for AF_INET: newest first, as if_addmulti inserts at the head. */
  readonly groups: InMulti[] = []
  /** igi_gq: General Query answer packets (their groups) still to send. */
  readonly gq: number[][] = []

  constructor(
    readonly ifp: Ifnet,
    version: number,
  ) {
    this.version = version
  }

  find(group: number): InMulti | undefined {
    for (const inm of this.groups) if (inm.group === group) return inm
    return undefined
  }
}

export class IgmpVnet {
  readonly stats = new IgmpStats()
  recvifkludge = 1
  sendra = 1
  sendlocal = 1
  v1enable = 1
  v2enable = 1
  legacysupp = 0
  defaultVersion = 3
  /** net.inet.igmp.gsrdelay, seconds. */
  gsrdelay = 10
  readonly ifs = new Map<Ifnet, IgmpIfinfo>()
  /** V_interface_timers_running, V_current_state_timers_running, V_state_change_timers_running. */
  interfaceTimers = false
  currentStateTimers = false
  stateChangeTimers = false
  readonly rng: Rng
  /** Set by igmp.ts: the fast and slow callouts. */
  fast: Timer | null = null
  slow: Timer | null = null

  constructor(readonly v: Vnet) {
    this.rng = v.env.rng.stream(`igmp:${v.id}`)
  }

  /** IGMP_RANDOM_DELAY(x): 1..x ticks. */
  randomDelay(x: number): number {
    return this.rng.int(Math.max(x, 1)) + 1
  }
}

export function igmpVnet(v: Vnet): IgmpVnet {
  let s = v.slots[Slot.IGMP] as IgmpVnet | undefined
  if (s === undefined) {
    s = new IgmpVnet(v)
    v.slots[Slot.IGMP] = s
  }
  return s
}
