/**
 * IGMP host side (RFC 3376 with RFC 3376 §7 compatibility for IGMPv1 and IGMPv2 queriers), as
 * FreeBSD's igmp.c runs it: a group's first membership on an interface is an initial join, its
 * last a final leave. In IGMPv3 mode each is a State-Change Report (CHANGE_TO_EXCLUDE_MODE {} /
 * CHANGE_TO_INCLUDE_MODE {}) sent at the next fast tick and repeated [Robustness Variable] times in
 * all, the repeats IGMP_RANDOM_DELAY(uri × 5) ticks apart (§5.1); records of several groups due in
 * the same tick share one report. In IGMPv1/v2 mode a join sends one v1/v2 report to the group
 * and a leave (v2 only, and only while we were the last to report) a Leave Group to 224.0.0.2
 * (RFC 2236 §3). Reports go out with TTL 1, the Router Alert option (net.inet.igmp.sendra) and, for
 * v3, TOS 0xc0 and DF to 224.0.0.22; 224.0.0.1 and, without net.inet.igmp.sendlocal,
 * 224.0.0.0/24 are never reported, nor is anything on a loopback or non-multicast interface.
 *
 * The timers are FreeBSD's ticks: the fast callout (200 ms) serves General Query answers, group
 * query answers and state-change retransmissions; the slow one (500 ms) runs down the Older
 * Version Querier Present timers (§7.2.1) and falls back to net.inet.igmp.default_version.
 * Input is igmp_input.ts. Must not: throw, or send anything while no timer says so.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { MS } from '../../../util/clock.js'
import { checksum } from '../../../wire/checksum.js'
import {
  IGMP_GROUPREC_LEN,
  IGMP_MINLEN,
  IGMP_RA_OPTION,
  IGMP_V3_REPORT_HDR_LEN,
  IgmpRec,
  IgmpType,
  INADDR_ALLHOSTS_GROUP,
  INADDR_ALLRPTS_GROUP,
  INADDR_ALLRTRS_GROUP,
  IPTOS_PREC_INTERNETCONTROL,
} from '../../../wire/inet/igmp.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { IFF, type Ifnet } from '../../net/ifnet.js'
import type { Vnet } from '../../net/vnet.js'
import { ipOutput } from '../ip/ip_output.js'
import {
  IGIF,
  IGMP_FASTHZ,
  IGMP_MAX_RESPONSE_BURST,
  IGMP_MAX_RESPONSE_PACKETS,
  IGMP_RESPONSE_BURST_INTERVAL,
  IGMP_SLOWHZ,
  IGMP_V1V2_MAX_RI,
  IgmpIfinfo,
  IgmpState,
  type IgmpVnet,
  InMulti,
  igmpVnet,
} from './igmp_var.js'

const FAST_NS = (1000 / IGMP_FASTHZ) * MS
const SLOW_NS = (1000 / IGMP_SLOWHZ) * MS
/** IGMP_LEADINGSPACE: IP header, Router Alert, report header. */
const IGMP_LEADINGSPACE = 20 + 4 + IGMP_V3_REPORT_HDR_LEN

/** The interface's igmp_ifsoftc, made on first use with the default version (igmp_domifattach). */
export function igmpIfinfo(ifp: Ifnet): IgmpIfinfo {
  const s = igmpVnet(ifp.vnet)
  let igi = s.ifs.get(ifp)
  if (igi === undefined) {
    igi = new IgmpIfinfo(ifp, s.defaultVersion)
    if ((ifp.flags & IFF.MULTICAST) === 0) igi.flags |= IGIF.SILENT
    s.ifs.set(ifp, igi)
  }
  return igi
}

/** The igmp_ifsoftc if there is one (ifmcstat asks without creating it). */
export function igmpIfinfoPeek(ifp: Ifnet): IgmpIfinfo | undefined {
  return igmpVnet(ifp.vnet).ifs.get(ifp)
}

/** igmp_isgroupreported: never 224.0.0.1; 224.0.0.0/24 only with net.inet.igmp.sendlocal. */
function reported(s: IgmpVnet, group: number): boolean {
  if (group >>> 0 === INADDR_ALLHOSTS_GROUP) return false
  return s.sendlocal !== 0 || group >>> 8 !== 0xe00000
}

/** Start the fast callout at the next 200 ms tick if it is not running. */
export function igmpKickFast(s: IgmpVnet): void {
  s.fast ??= s.v.env.clock.timer(() => fastTimeout(s))
  if (s.fast.armed) return
  const now = s.v.env.clock.now()
  s.fast.arm(FAST_NS - (now % FAST_NS))
}

/** The same for the slow callout, needed while a querier-present timer runs or a fallback is due. */
export function igmpKickSlow(s: IgmpVnet): void {
  let need = false
  for (const igi of s.ifs.values())
    if (igi.v1Timer > 0 || igi.v2Timer > 0 || (s.defaultVersion === 3 && igi.version !== 3)) need = true
  if (!need) {
    s.slow?.cancel()
    return
  }
  s.slow ??= s.v.env.clock.timer(() => slowTimeout(s))
  if (s.slow.armed) return
  const now = s.v.env.clock.now()
  s.slow.arm(SLOW_NS - (now % SLOW_NS))
}

/**
 * in_joingroup: one more membership of `group` on ifp; the first starts its IGMP life cycle
 * (igmp_initial_join). A join while the group is still leaving starts it afresh.
 */
export function igmpJoinGroup(ifp: Ifnet, group: number): void {
  const g = group >>> 0
  const igi = igmpIfinfo(ifp)
  let inm = igi.find(g)
  if (inm !== undefined && inm.state !== IgmpState.LEAVING_MEMBER) {
    inm.refs++
    return
  }
  if (inm === undefined) {
    inm = new InMulti(g, ifp)
    igi.groups.unshift(inm)
  } else inm.refs = 1
  initialJoin(igmpVnet(ifp.vnet), igi, inm)
}

/**
 * in_leavegroup: one membership fewer; the last ends the life cycle (igmp_final_leave). `v` is the
 * stack the membership was taken in: an interface lent to another vnet since keeps that one's.
 */
export function igmpLeaveGroup(ifp: Ifnet, group: number, v: Vnet = ifp.vnet): void {
  if (ifp.vnet !== v) return
  const igi = igmpIfinfoPeek(ifp)
  const inm = igi?.find(group >>> 0)
  if (igi === undefined || inm === undefined || inm.state === IgmpState.LEAVING_MEMBER) return
  if (--inm.refs > 0) return
  finalLeave(igmpVnet(ifp.vnet), igi, inm)
  if (inm.state !== IgmpState.LEAVING_MEMBER) release(igi, inm)
}

/** Whether ifp listens to group (inm_lookup, for input filtering and ifmcstat). */
export function igmpIsMember(ifp: Ifnet, group: number): boolean {
  const inm = igmpIfinfoPeek(ifp)?.find(group >>> 0)
  return inm !== undefined && inm.state !== IgmpState.LEAVING_MEMBER
}

function release(igi: IgmpIfinfo, inm: InMulti): void {
  const i = igi.groups.indexOf(inm)
  if (i >= 0) igi.groups.splice(i, 1)
}

function initialJoin(s: IgmpVnet, igi: IgmpIfinfo, inm: InMulti): void {
  const ifp = igi.ifp
  if ((ifp.flags & IFF.LOOPBACK) !== 0 || (igi.flags & IGIF.SILENT) !== 0 || !reported(s, inm.group)) {
    inm.state = IgmpState.SILENT_MEMBER
    inm.timer = 0
    return
  }
  inm.state = IgmpState.REPORTING_MEMBER
  if (igi.version !== 3) {
    inm.state = IgmpState.IDLE_MEMBER
    if (
      sendV1v2(
        s,
        ifp,
        inm.group,
        igi.version === 2 ? IgmpType.V2_MEMBERSHIP_REPORT : IgmpType.V1_MEMBERSHIP_REPORT,
      )
    ) {
      // FreeBSD arms the timer though an IDLE member's expiry sends nothing: while it runs, a v1
      // query leaves the group alone (igmp_input_v1_query skips running timers).
      inm.timer = s.randomDelay(IGMP_V1V2_MAX_RI * IGMP_FASTHZ)
      s.currentStateTimers = true
      igmpKickFast(s)
    }
    return
  }
  inm.scType = IgmpRec.CHANGE_TO_EXCLUDE_MODE
  inm.scrv = (igi.flags & IGIF.LOOPBACK) !== 0 ? 1 : igi.rv
  inm.sctimer = 1
  s.stateChangeTimers = true
  igmpKickFast(s)
}

function finalLeave(s: IgmpVnet, igi: IgmpIfinfo, inm: InMulti): void {
  switch (inm.state) {
    case IgmpState.REPORTING_MEMBER:
    case IgmpState.IDLE_MEMBER:
    case IgmpState.G_QUERY_PENDING_MEMBER:
    case IgmpState.SG_QUERY_PENDING_MEMBER:
      if (igi.version === 2) {
        sendV1v2(s, igi.ifp, inm.group, IgmpType.V2_LEAVE_GROUP)
        inm.state = IgmpState.NOT_MEMBER
      } else if (igi.version === 3) {
        inm.timer = 0
        inm.scrv = (igi.flags & IGIF.LOOPBACK) !== 0 ? 1 : igi.rv
        inm.scType = IgmpRec.CHANGE_TO_INCLUDE_MODE
        inm.state = IgmpState.LEAVING_MEMBER
        inm.sctimer = 1
        s.stateChangeTimers = true
        igmpKickFast(s)
      }
      break
    default:
      // Not reported, already leaving, or suppressed by another member's report: nothing to say.
      break
  }
}

/** igmp_set_version (§7.2.1): a v1 or v2 querier was heard; the older one wins. */
export function igmpSetVersion(s: IgmpVnet, igi: IgmpIfinfo, version: number): void {
  if (version === 1 || version === 2) {
    // Older Version Querier Present Timeout: rv × qi + qri, in slow ticks. qri is whatever the last
    // v3 query left there, in tenths of a second, as FreeBSD computes it.
    const t = (igi.rv * igi.qi + igi.qri) * IGMP_SLOWHZ
    igi.v1Timer = version === 1 ? t : 0
    igi.v2Timer = version === 2 ? t : 0
  }
  if (igi.v1Timer === 0 && igi.v2Timer > 0) {
    if (igi.version !== 2) {
      igi.version = 2
      cancelLinkTimers(igi)
    }
  } else if (igi.v1Timer > 0 && igi.version !== 1) {
    igi.version = 1
    cancelLinkTimers(igi)
  }
  igmpKickSlow(s)
}

/** igmp_v3_cancel_link_timers: entering compatibility mode drops every pending v3 answer. */
function cancelLinkTimers(igi: IgmpIfinfo): void {
  igi.v3Timer = 0
  igi.gq.length = 0
  for (const inm of [...igi.groups]) {
    if (inm.state === IgmpState.LEAVING_MEMBER) {
      release(igi, inm)
      continue
    }
    if (inm.state === IgmpState.G_QUERY_PENDING_MEMBER || inm.state === IgmpState.SG_QUERY_PENDING_MEMBER)
      inm.state = IgmpState.REPORTING_MEMBER
    inm.sctimer = 0
    inm.timer = 0
    inm.scType = 0
  }
}

/** igmp_v2_update_group: a v2 query asks for a report within `timer` fast ticks. */
export function igmpV2UpdateGroup(s: IgmpVnet, inm: InMulti, timer: number): void {
  const st = inm.state
  if (st === IgmpState.SLEEPING_MEMBER) {
    inm.state = IgmpState.AWAKENING_MEMBER
    return
  }
  // A reporting member whose report is due within the new delay keeps it.
  if (st === IgmpState.REPORTING_MEMBER && inm.timer !== 0 && inm.timer <= timer) return
  if (
    st === IgmpState.REPORTING_MEMBER ||
    st === IgmpState.SG_QUERY_PENDING_MEMBER ||
    st === IgmpState.G_QUERY_PENDING_MEMBER ||
    st === IgmpState.IDLE_MEMBER ||
    st === IgmpState.LAZY_MEMBER ||
    st === IgmpState.AWAKENING_MEMBER
  ) {
    inm.state = IgmpState.REPORTING_MEMBER
    inm.timer = s.randomDelay(timer)
    s.currentStateTimers = true
    igmpKickFast(s)
  }
}

/** Forget an interface leaving its vnet or going away (igmp_ifdetach + igmp_domifdetach). */
export function igmpIfDetach(ifp: Ifnet): void {
  igmpVnet(ifp.vnet).ifs.delete(ifp)
}

// ---- the callouts ----

function fastTimeout(s: IgmpVnet): void {
  if (s.interfaceTimers) {
    s.interfaceTimers = false
    for (const igi of s.ifs.values()) {
      if (igi.v3Timer === 0) continue
      if (--igi.v3Timer === 0) dispatchGeneralQuery(s, igi)
      else s.interfaceTimers = true
    }
  }
  if (s.currentStateTimers || s.stateChangeTimers) {
    s.currentStateTimers = false
    s.stateChangeTimers = false
    for (const igi of s.ifs.values()) {
      if (igi.version !== 3) {
        for (const inm of igi.groups) v1v2GroupTimer(s, igi, inm)
        continue
      }
      const uri = s.randomDelay(igi.uri * IGMP_FASTHZ)
      const qrq: number[][] = []
      const scq: number[][] = []
      for (const inm of [...igi.groups]) v3GroupTimers(s, igi, inm, uri, qrq, scq)
      for (const p of qrq) sendV3(s, igi.ifp, p)
      for (const p of scq) sendV3(s, igi.ifp, p)
    }
  }
  if (s.interfaceTimers || s.currentStateTimers || s.stateChangeTimers) igmpKickFast(s)
}

function v1v2GroupTimer(s: IgmpVnet, igi: IgmpIfinfo, inm: InMulti): void {
  if (inm.timer === 0) return
  if (--inm.timer !== 0) {
    s.currentStateTimers = true
    return
  }
  if (inm.state !== IgmpState.REPORTING_MEMBER) return
  inm.state = IgmpState.IDLE_MEMBER
  sendV1v2(
    s,
    igi.ifp,
    inm.group,
    igi.version === 2 ? IgmpType.V2_MEMBERSHIP_REPORT : IgmpType.V1_MEMBERSHIP_REPORT,
  )
}

/** Records per report within the interface's MTU (IGMP_LEADINGSPACE ahead of them). */
function maxRecs(ifp: Ifnet): number {
  return Math.max(1, Math.floor((ifp.mtu - IGMP_LEADINGSPACE) / IGMP_GROUPREC_LEN))
}

/** Append a record to the last packet of q while it has room, else start a new one. */
function enqueue(q: number[][], ifp: Ifnet, group: number, type: number, limit: number): boolean {
  const tail = q[q.length - 1]
  if (tail !== undefined && tail.length / 2 < maxRecs(ifp)) {
    tail.push(group, type)
    return true
  }
  if (q.length >= limit) return false
  q.push([group, type])
  return true
}

function v3GroupTimers(
  s: IgmpVnet,
  igi: IgmpIfinfo,
  inm: InMulti,
  uri: number,
  qrq: number[][],
  scq: number[][],
): void {
  let answer = false
  let change = false
  if (inm.timer !== 0) {
    if (--inm.timer === 0) answer = true
    else s.currentStateTimers = true
  }
  if (inm.sctimer !== 0) {
    if (--inm.sctimer === 0) change = true
    else s.stateChangeTimers = true
  }
  if (!answer && !change) return
  if (inm.state === IgmpState.G_QUERY_PENDING_MEMBER || inm.state === IgmpState.SG_QUERY_PENDING_MEMBER) {
    if (answer) {
      // A group query's answer always travels alone (igmp_v3_enqueue_group_record's
      // is_group_query); a group-and-source one has no recorded sources to report here.
      if (inm.state === IgmpState.G_QUERY_PENDING_MEMBER) qrq.push([inm.group, IgmpRec.MODE_IS_EXCLUDE])
      inm.state = IgmpState.REPORTING_MEMBER
    }
  } else if (inm.state !== IgmpState.REPORTING_MEMBER && inm.state !== IgmpState.LEAVING_MEMBER) return
  if (!change) return
  if (--inm.scrv > 0) {
    inm.sctimer = uri
    s.stateChangeTimers = true
  }
  if (inm.scType !== 0) enqueue(scq, igi.ifp, inm.group, inm.scType, Number.POSITIVE_INFINITY)
  if (inm.scrv <= 0) inm.scType = 0
  if (inm.state === IgmpState.LEAVING_MEMBER && inm.scrv <= 0) {
    inm.state = IgmpState.NOT_MEMBER
    if (inm.refs <= 0) release(igi, inm)
  }
}

/** igmp_v3_dispatch_general_query: every reported group's MODE_IS_EXCLUDE, in bursts. */
function dispatchGeneralQuery(s: IgmpVnet, igi: IgmpIfinfo): void {
  if (igi.gq.length === 0) {
    for (const inm of igi.groups) {
      switch (inm.state) {
        case IgmpState.REPORTING_MEMBER:
        case IgmpState.IDLE_MEMBER:
        case IgmpState.LAZY_MEMBER:
        case IgmpState.SLEEPING_MEMBER:
        case IgmpState.AWAKENING_MEMBER:
          inm.state = IgmpState.REPORTING_MEMBER
          enqueue(igi.gq, igi.ifp, inm.group, IgmpRec.MODE_IS_EXCLUDE, IGMP_MAX_RESPONSE_PACKETS)
          break
        default:
          break
      }
    }
  }
  for (let n = 0; n < IGMP_MAX_RESPONSE_BURST && igi.gq.length > 0; n++) sendV3(s, igi.ifp, igi.gq.shift()!)
  if (igi.gq.length > 0) {
    igi.v3Timer = 1 + s.randomDelay(IGMP_RESPONSE_BURST_INTERVAL)
    s.interfaceTimers = true
  }
}

/** igmp_slowtimo: the querier-present timers (igmp_v1v2_process_querier_timers). */
function slowTimeout(s: IgmpVnet): void {
  const dv = s.defaultVersion
  for (const igi of s.ifs.values()) {
    if (igi.v1Timer === 0 && igi.v2Timer === 0) {
      if (dv === 3 && igi.version !== 3) igi.version = 3
    } else if (igi.v1Timer === 0 && igi.v2Timer > 0) {
      if (dv === 3 && s.v2enable === 0) {
        igi.v2Timer = 0
        igi.version = 3
      } else {
        igi.v2Timer--
        if (dv === 2 && igi.version !== 2) {
          igi.version = 2
          cancelLinkTimers(igi)
        }
      }
    } else if (igi.v1Timer > 0) {
      if (dv === 3 && s.v1enable === 0) {
        igi.v1Timer = 0
        igi.version = 3
      } else igi.v1Timer--
      igi.v2Timer = 0
    }
  }
  igmpKickSlow(s)
}

// ---- output (igmp_intr) ----

function send(s: IgmpVnet, ifp: Ifnet, v: Vnet, m: Mbuf, dst: number, v3: boolean): boolean {
  const err = ipOutput(v, m, dst, IpProto.IGMP, {
    ttl: 1,
    tos: v3 ? IPTOS_PREC_INTERNETCONTROL : 0,
    df: v3,
    src: 0,
    dontRoute: false,
    mifp: ifp,
    // imo_multicast_loop is set only while a multicast router runs.
    mloop: false,
    opts: s.sendra !== 0 ? (IGMP_RA_OPTION as Uint8Array) : null,
  })
  if (err !== undefined) return false
  s.stats.igps_snd_reports++
  return true
}

/** igmp_v1v2_queue_report: a v1/v2 report to the group, or a Leave Group to 224.0.0.2. */
function sendV1v2(s: IgmpVnet, ifp: Ifnet, group: number, type: number): boolean {
  if (!ifp.up) return false
  const v = ifp.vnet
  const m = v.env.pool.get()
  const b = m.data
  const o = m.off
  b[o] = type
  b[o + 1] = 0
  b[o + 2] = 0
  b[o + 3] = 0
  writeGroup(b, o + 4, group)
  const sum = checksum(b, o, IGMP_MINLEN)
  b[o + 2] = sum >>> 8
  b[o + 3] = sum & 0xff
  m.len = IGMP_MINLEN
  return send(s, ifp, v, m, type === IgmpType.V2_LEAVE_GROUP ? INADDR_ALLRTRS_GROUP : group, false)
}

/** One IGMPv3 report carrying the (group, record type) pairs of `recs`, to 224.0.0.22. */
function sendV3(s: IgmpVnet, ifp: Ifnet, recs: readonly number[]): void {
  if (!ifp.up || recs.length === 0) return
  const v = ifp.vnet
  const m = v.env.pool.get()
  const b = m.data
  const o = m.off
  const n = recs.length / 2
  const len = IGMP_V3_REPORT_HDR_LEN + n * IGMP_GROUPREC_LEN
  b.fill(0, o, o + len)
  b[o] = IgmpType.V3_MEMBERSHIP_REPORT
  b[o + 6] = n >>> 8
  b[o + 7] = n & 0xff
  for (let i = 0; i < n; i++) {
    const r = o + IGMP_V3_REPORT_HDR_LEN + i * IGMP_GROUPREC_LEN
    b[r] = recs[2 * i + 1]!
    writeGroup(b, r + 4, recs[2 * i]!)
  }
  const sum = checksum(b, o, len)
  b[o + 2] = sum >>> 8
  b[o + 3] = sum & 0xff
  m.len = len
  send(s, ifp, v, m, INADDR_ALLRPTS_GROUP, true)
}

function writeGroup(b: Uint8Array, o: number, g: number): void {
  b[o] = g >>> 24
  b[o + 1] = (g >>> 16) & 0xff
  b[o + 2] = (g >>> 8) & 0xff
  b[o + 3] = g & 0xff
}
