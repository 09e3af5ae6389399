/**
 * igmp_input (FreeBSD's igmp.c, RFC 3376 §4, §5.2, §7): a received IGMP message is counted, checked
 * (length, checksum, TTL 1 except DVMRP) and dropped when bad; a query schedules our answer — a v1
 * query (8 bytes, code 0) or v2 query (8 bytes) switches the interface to that compatibility
 * version and makes each group report within its Max Resp Time, a v3 query (12 bytes or more) is
 * answered in IGMPv3 mode after IGMP_RANDOM_DELAY of its Max Resp Code (General: every group in
 * one Current-State report; Group-Specific: that group alone). Another host's v1/v2 report for a
 * group we belong to suppresses our pending report (and our Leave Group); v2 and v3 reports
 * without the Router Alert option are counted. Every valid message then goes to raw IGMP sockets
 * (rip_input), as mrouted and igmpproxy read them.
 *
 * Group-and-Source-Specific queries are counted and rate-limited per group by
 * net.inet.igmp.gsrdelay but never answered: our memberships are all any-source, and FreeBSD
 * records only sources it holds filter state for. Must not: throw, or keep the packet.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SEC } from '../../../util/clock.js'
import { readU16, readU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import {
  IGMP_MINLEN,
  IGMP_V3_QUERY_MINLEN,
  IgmpType,
  INADDR_ALLHOSTS_GROUP,
  igmpCodeValue,
  ipHasRouterAlert,
} from '../../../wire/inet/igmp.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { IFF, type Ifnet } from '../../net/ifnet.js'
import { rawInput } from '../raw.js'
import { igmpIfinfo, igmpKickFast, igmpSetVersion, igmpV2UpdateGroup } from './igmp.js'
import {
  IGIF,
  IGMP_FASTHZ,
  IGMP_RV_INIT,
  IGMP_V1V2_MAX_RI,
  type IgmpIfinfo,
  IgmpState,
  type IgmpVnet,
  type InMulti,
  igmpVnet,
} from './igmp_var.js'

/** IGMP_TIMER_SCALE: Max Resp Codes count tenths of a second. */
const IGMP_TIMER_SCALE = 10

/** An IPv4 datagram of protocol 2 for this host, its IGMP message `hlen` bytes in. Takes m. */
export function igmpInput(ifp: Ifnet, m: Mbuf, hlen: number): void {
  const v = ifp.vnet
  const s = igmpVnet(v)
  const st = s.stats
  st.igps_rcv_total++
  const b = m.data
  const o = m.off
  const io = o + hlen
  const len = m.len - hlen
  if (len < IGMP_MINLEN) {
    st.igps_rcv_tooshort++
    v.env.pool.put(m)
    return
  }
  if (checksum(b, io, len) !== 0) {
    st.igps_rcv_badsum++
    v.env.pool.put(m)
    return
  }
  const type = b[io]!
  // Link-scope control traffic has TTL 1; DVMRP probes (mrinfo, mtrace) may come from afar.
  if (type !== IgmpType.DVMRP && b[o + 8] !== 1) {
    st.igps_rcv_badttl++
    v.env.pool.put(m)
    return
  }
  let ok = true
  if (type === IgmpType.MEMBERSHIP_QUERY) {
    if (len === IGMP_MINLEN) {
      st.igps_rcv_v1v2_queries++
      if (b[io + 1] === 0) {
        if (s.v1enable !== 0) v1Query(s, ifp, b, o, io)
      } else if (s.v2enable !== 0) v2Query(s, ifp, b, o, io)
    } else if (len >= IGMP_V3_QUERY_MINLEN) {
      st.igps_rcv_v3_queries++
      if (len < IGMP_V3_QUERY_MINLEN + 4 * readU16(b, io + 10)) {
        st.igps_rcv_tooshort++
        v.env.pool.put(m)
        return
      }
      v3Query(s, ifp, b, o, io)
    } else {
      st.igps_rcv_tooshort++
      v.env.pool.put(m)
      return
    }
  } else if (type === IgmpType.V1_MEMBERSHIP_REPORT) {
    if (s.v1enable !== 0) ok = v1v2Report(s, ifp, b, o, io, 1)
  } else if (type === IgmpType.V2_MEMBERSHIP_REPORT) {
    if (s.v2enable !== 0) {
      if (!ipHasRouterAlert(b, o, hlen)) st.igps_rcv_nora++
      ok = v1v2Report(s, ifp, b, o, io, 2)
    }
  } else if (type === IgmpType.V3_MEMBERSHIP_REPORT) {
    // Hosts need not process v3 reports: v3 has no report suppression.
    if (!ipHasRouterAlert(b, o, hlen)) st.igps_rcv_nora++
  }
  if (!ok) {
    v.env.pool.put(m)
    return
  }
  rawInput(v, ifp, m, IpProto.IGMP)
  v.env.pool.put(m)
}

/** The groups a query reaches: those of the interface in a reported state. */
function igiFor(ifp: Ifnet): IgmpIfinfo | null {
  const igi = igmpIfinfo(ifp)
  // IGIF_LOOPBACK interfaces redirect their own reports and ignore queries.
  return (igi.flags & IGIF.LOOPBACK) !== 0 ? null : igi
}

/** igmp_input_v1_query: always general; it must go to 224.0.0.1 with group 0 (RFC 1112). */
function v1Query(s: IgmpVnet, ifp: Ifnet, b: Uint8Array, o: number, io: number): void {
  if (readU32(b, o + 16) !== INADDR_ALLHOSTS_GROUP || readU32(b, io + 4) !== 0) {
    s.stats.igps_rcv_badqueries++
    return
  }
  s.stats.igps_rcv_gen_queries++
  const igi = igiFor(ifp)
  if (igi === null) return
  igmpSetVersion(s, igi, 1)
  for (const inm of igi.groups) {
    if (inm.timer !== 0) continue
    if (
      inm.state === IgmpState.NOT_MEMBER ||
      inm.state === IgmpState.SILENT_MEMBER ||
      inm.state === IgmpState.LEAVING_MEMBER
    )
      continue
    inm.state = IgmpState.REPORTING_MEMBER
    inm.timer = s.randomDelay(IGMP_V1V2_MAX_RI * IGMP_FASTHZ)
    s.currentStateTimers = true
  }
  igmpKickFast(s)
}

/** igmp_input_v2_query: general (to 224.0.0.1 only) or for one group. */
function v2Query(s: IgmpVnet, ifp: Ifnet, b: Uint8Array, o: number, io: number): void {
  const group = readU32(b, io + 4)
  if (group === 0) {
    if (readU32(b, o + 16) !== INADDR_ALLHOSTS_GROUP) return
    s.stats.igps_rcv_gen_queries++
  } else s.stats.igps_rcv_group_queries++
  const igi = igiFor(ifp)
  // RFC 3376 §7.2.1: a v1 querier outranks a v2 one.
  if (igi === null || igi.version === 1) return
  igmpSetVersion(s, igi, 2)
  const timer = Math.max(1, Math.floor((b[io + 1]! * IGMP_FASTHZ) / IGMP_TIMER_SCALE))
  for (const inm of igi.groups) if (group === 0 || inm.group === group) igmpV2UpdateGroup(s, inm, timer)
}

/** igmp_input_v3_query (RFC 3376 §5.2). */
function v3Query(s: IgmpVnet, ifp: Ifnet, b: Uint8Array, o: number, io: number): void {
  const maxresp = igmpCodeValue(b[io + 1]!)
  // §4.1.6: a Robustness Variable below 2 is not usable on the wire.
  let qrv = b[io + 8]! & 7
  if (qrv < 2) qrv = IGMP_RV_INIT
  const qqi = igmpCodeValue(b[io + 9]!)
  const timer = Math.max(1, Math.floor((maxresp * IGMP_FASTHZ) / IGMP_TIMER_SCALE))
  const nsrc = readU16(b, io + 10)
  const group = readU32(b, io + 4)
  const st = s.stats
  if (group === 0) {
    st.igps_rcv_gen_queries++
    // General Queries go to 224.0.0.1; one with sources has no defined meaning.
    if (readU32(b, o + 16) !== INADDR_ALLHOSTS_GROUP || nsrc > 0) {
      st.igps_rcv_badqueries++
      return
    }
  } else if (nsrc === 0) st.igps_rcv_group_queries++
  else st.igps_rcv_gsr_queries++
  const igi = igiFor(ifp)
  // §7.2.1: while in compatibility mode, v3 queries are ignored.
  if (igi === null || igi.version !== 3) return
  igmpSetVersion(s, igi, 3)
  igi.rv = qrv
  igi.qi = qqi
  igi.qri = maxresp
  if (group === 0) {
    // An earlier pending answer stands; otherwise (re)schedule the interface's.
    if (igi.v3Timer === 0 || igi.v3Timer >= timer) {
      igi.v3Timer = s.randomDelay(timer)
      s.interfaceTimers = true
      igmpKickFast(s)
    }
    return
  }
  const inm = igi.find(group)
  if (inm === undefined) return
  if (nsrc > 0) {
    // ratecheck(&inm_lastgsrtv, &igmp_gsrdelay).
    const now = s.v.env.clock.now()
    if (inm.lastGsr >= 0 && now - inm.lastGsr < s.gsrdelay * SEC) {
      st.igps_drop_gsr_queries++
      return
    }
    inm.lastGsr = now
  }
  if (igi.v3Timer !== 0 && igi.v3Timer < timer) return
  v3GroupQuery(s, inm, timer, nsrc)
}

/** igmp_input_v3_group_query: only a member that reports answers. */
function v3GroupQuery(s: IgmpVnet, inm: InMulti, timer: number, nsrc: number): void {
  const st = inm.state
  if (
    st !== IgmpState.REPORTING_MEMBER &&
    st !== IgmpState.G_QUERY_PENDING_MEMBER &&
    st !== IgmpState.SG_QUERY_PENDING_MEMBER
  )
    return
  if (nsrc === 0) {
    let t = timer
    if (st === IgmpState.G_QUERY_PENDING_MEMBER || st === IgmpState.SG_QUERY_PENDING_MEMBER)
      t = Math.min(inm.timer, timer)
    inm.state = IgmpState.G_QUERY_PENDING_MEMBER
    inm.timer = s.randomDelay(t)
    s.currentStateTimers = true
    igmpKickFast(s)
    return
  }
  if (st === IgmpState.G_QUERY_PENDING_MEMBER) {
    inm.timer = s.randomDelay(Math.min(inm.timer, timer))
    s.currentStateTimers = true
    igmpKickFast(s)
  }
  // No source filter state: nothing recorded, nothing to report (inm_nsrc is 0).
}

/**
 * igmp_input_v1_report / igmp_input_v2_report: another member's report for a group we belong to
 * stops our pending one. Returns false for a report that is not for its own group (dropped,
 * counted in igps_rcv_badreports).
 */
function v1v2Report(s: IgmpVnet, ifp: Ifnet, b: Uint8Array, o: number, io: number, version: number): boolean {
  const src = readU32(b, o + 12)
  const first = ifp.addrs[0]
  // Our own v2 report looped back: fast leave depends on not hearing ourselves.
  if (version === 2 && first !== undefined && first.addr >>> 0 === src) return true
  const st = s.stats
  st.igps_rcv_reports++
  if ((ifp.flags & IFF.LOOPBACK) !== 0) return true
  const group = readU32(b, io + 4)
  if (group >>> 28 !== 0xe || group !== readU32(b, o + 16)) {
    st.igps_rcv_badreports++
    return false
  }
  // RFC 3376 §4.2.13: booting hosts may report from 0.0.0.0; daemons that cannot tell the
  // interface get the subnet's address instead (net.inet.igmp.recvifkludge).
  if (s.recvifkludge !== 0 && src === 0 && first !== undefined) {
    const net = first.net >>> 0
    b[o + 12] = net >>> 24
    b[o + 13] = (net >>> 16) & 0xff
    b[o + 14] = (net >>> 8) & 0xff
    b[o + 15] = net & 0xff
  }
  const igi = igmpIfinfo(ifp)
  const inm = igi.find(group)
  if (inm === undefined) return true
  st.igps_rcv_ourreports++
  // In v3 mode a legacy report suppresses nothing; FreeBSD's net.inet.igmp.legacysupp path
  // (igmp_v3_suppress_group_record) returns before doing anything, so it is not modelled.
  if (igi.version === 3) return true
  inm.timer = 0
  switch (inm.state) {
    case IgmpState.REPORTING_MEMBER:
      if (version === 1) inm.state = igi.version === 1 ? IgmpState.LAZY_MEMBER : IgmpState.SLEEPING_MEMBER
      else inm.state = IgmpState.LAZY_MEMBER
      break
    case IgmpState.IDLE_MEMBER:
    case IgmpState.AWAKENING_MEMBER:
      inm.state = version === 1 ? IgmpState.SLEEPING_MEMBER : IgmpState.LAZY_MEMBER
      break
    case IgmpState.LAZY_MEMBER:
      if (version === 1) inm.state = IgmpState.SLEEPING_MEMBER
      break
    default:
      break
  }
  return true
}
