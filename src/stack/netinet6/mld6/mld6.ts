/**
 * MLDv2 listener side (RFC 3810, FreeBSD's mld6.c for the any-source case): when an interface
 * starts listening to a group — the solicited-node group of each of its addresses, or a group a
 * socket joined (ff02::1:2 for dhcpd -6, ff02::9 for ripngd …) — it sends an unsolicited
 * State-Change Report (CHANGE_TO_EXCLUDE_MODE, no sources) and repeats it [Robustness Variable]
 * times in all, each after a random delay of up to the Unsolicited Report Interval (§6.1); leaving
 * sends CHANGE_TO_INCLUDE_MODE the same way. A General or Group-Specific Query (from a link-local
 * source, hop limit 1) is answered with a Current-State Report (MODE_IS_EXCLUDE) after a random
 * delay of up to its Maximum Response Delay (§6.2, §6.3). Reports go to ff02::16 with hop limit 1
 * and a Router Alert hop-by-hop option (§5.2.14), from the link-local address, or from :: while
 * that is still tentative (RFC 3590). ff02::1 and interface-local groups are never reported (§6).
 *
 * MLDv1 compatibility (RFC 3810 §8, RFC 2710), as mld6.c: a 24-byte MLDv1 Query switches the
 * interface to MLDv1 for the Older Version Querier Present Timeout (§9.12: 2 × 125 s + 10 s),
 * dropping pending MLDv2 work; meanwhile MLDv2 queries are ignored, a join sends one MLDv1 Report
 * to the group, a query makes each group report after a random delay unless another listener's
 * Report for it is heard first (RFC 2710 §4: we are then not the last reporter), and a leave sends
 * Done only if we were the last to report. Done goes to the group itself, as FreeBSD's
 * mld_v1_transmit_report addresses every MLDv1 message (ip6_dst = the group), not to ff02::2 as
 * RFC 2710 §3 says: a router listening to all multicast hears it either way, and a snooping
 * switch sees it on the group's own MAC. net.inet6.mld.v1enable=0 ignores MLDv1 queries and reports;
 * net.inet6.mld.v2enable=0 ignores MLDv2 queries.
 *
 * Randomness comes from the vnet's seeded stream, time from its clock. The pending work per
 * interface is bounded by the groups it listens to. Must not: throw on a query, or send on
 * interfaces that are not Ethernet.
 */

import type { Timer } from '../../../util/clock.js'
import { MS } from '../../../util/clock.js'
import type { Rng } from '../../../util/rng.js'
import { Icmp6Type, icmp6Finish } from '../../../wire/inet6/icmpv6.js'
import {
  in6Eq,
  in6IsLinkLocal,
  in6IsMulticast,
  in6IsUnspecified,
  in6McastMac,
  in6SolicitedNode,
} from '../../../wire/inet6/in6_addr.js'
import { IPV6_HDR_LEN, Ip6Nxt, writeIpv6Header } from '../../../wire/inet6/ipv6.js'
import { EtherType } from '../../../wire/link/ethernet.js'
import { etherSend } from '../../net/ether.js'
import type { Ifnet } from '../../net/ifnet.js'
import { PFIL } from '../../net/pfil.js'
import { icmp6, icmp6Stats } from '../icmp6.js'
import { IN6_IFF, type In6Ifinfo } from '../in6_var.js'

/** MLDv2 record types (RFC 3810 §5.2.12). */
export const MldRec = { MODE_IS_INCLUDE: 1, MODE_IS_EXCLUDE: 2, TO_INCLUDE: 3, TO_EXCLUDE: 4 } as const
/** ff02::16, All MLDv2-capable routers. */
export const MLDV2_ROUTERS = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16)
/** [Robustness Variable] and [Unsolicited Report Interval] (§9.1, §9.11). */
export const MLD_ROBUSTNESS = 2
export const MLD_UNSOLICITED_REPORT_INTERVAL_MS = 1000
/** Older Version Querier Present Timeout: [Robustness] × [Query Interval] + [Query Response Interval] (§9.12). */
export const MLD_OLDER_QUERIER_MS = (MLD_ROBUSTNESS * 125 + 10) * 1000
/** Records per report: 20 bytes each within the 1280-byte minimum MTU. */
const MAX_RECORDS = 60
/** The hop-by-hop header: next header ICMPv6, Router Alert (MLD, value 0), PadN of 2. */
const HBH = Uint8Array.of(Ip6Nxt.ICMPV6, 0, 5, 2, 0, 0, 1, 0)
/** ff02::1, where an MLDv1 General Query must be sent. */
const ALL_NODES = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)

/**
 * A group's MLDv1 state where it differs from "idle, and we reported last" (the default): a report
 * due at `at`, or `lazy` after another listener's report (we then send no Done on leaving).
 */
interface V1Group {
  group: Uint8Array
  at: number
  lazy: boolean
}

interface Change {
  group: Uint8Array
  type: number
  left: number
}

/** Per-interface MLD state (struct mld_ifsoftc). */
export class MldIf {
  readonly timer: Timer
  readonly rng: Rng
  /** State changes still to (re)send. */
  readonly changes: Change[] = []
  changeAt = Number.POSITIVE_INFINITY
  /** When the answer to a General Query is due. */
  generalAt = Number.POSITIVE_INFINITY
  /** Groups a Group-Specific Query asked about, answered at groupAt. */
  readonly asked: Uint8Array[] = []
  groupAt = Number.POSITIVE_INFINITY
  /** MLDv1 compatibility until this time (the Older Version Querier Present timer), 0 = never. */
  v1Until = 0
  /** Groups whose MLDv1 state is not the default (bounded by the groups listened to). */
  readonly v1: V1Group[] = []

  constructor(readonly ifp: Ifnet) {
    const v = ifp.vnet
    this.rng = v.env.rng.stream(`mld:${v.id}:${ifp.index}`)
    this.timer = v.env.clock.timer(() => mldTimer(this))
  }
}

function mldIf(ifp: Ifnet): MldIf | null {
  const ii = ifp.inet6 as In6Ifinfo | null
  if (ii === null || ifp.type !== 'ether') return null
  ii.mld ??= new MldIf(ifp)
  return ii.mld as MldIf
}

/** Whether a group is ever reported: not ff02::1, not interface-local (§6). */
function reportable(g: Uint8Array): boolean {
  const scope = g[1]! & 0xf
  if (scope <= 1) return false
  for (let i = 2; i < 15; i++) if (g[i] !== 0) return true
  return !(scope === 2 && g[15] === 1)
}

/** The groups ifp listens to: solicited-node groups of its addresses and sockets' groups. */
export function mldGroups(ifp: Ifnet): Uint8Array[] {
  const ii = ifp.inet6 as In6Ifinfo | null
  if (ii === null) return []
  const out: Uint8Array[] = []
  const add = (g: Uint8Array) => {
    if (reportable(g) && !out.some((x) => in6Eq(x, 0, g, 0))) out.push(g)
  }
  for (const ia of ii.addrs) {
    const g = new Uint8Array(16)
    in6SolicitedNode(g, 0, ia.addr, 0)
    add(g)
  }
  for (const g of ii.mcGroups) add(g)
  return out
}

/**
 * The MLD version the interface speaks now (mli_version): 1 while an MLDv1 querier was heard within
 * the Older Version Querier Present Timeout. Reverting to 2 forgets the MLDv1 group state.
 */
function version(s: MldIf): 1 | 2 {
  if (s.v1Until === 0) return 2
  if (s.ifp.vnet.env.clock.now() < s.v1Until) return 1
  s.v1Until = 0
  s.v1.length = 0
  return 2
}

/** The MLD version ifp speaks (ifmcstat's `mldv1`/`mldv2`). */
export function mldVersion(ifp: Ifnet): 1 | 2 {
  const ii = ifp.inet6 as In6Ifinfo | null
  const s = ii?.mld as MldIf | null | undefined
  return s === null || s === undefined ? 2 : version(s)
}

function rearm(s: MldIf): void {
  let at = Math.min(s.changeAt, s.generalAt, s.groupAt)
  for (const g of s.v1) if (g.at < at) at = g.at
  if (at === Number.POSITIVE_INFINITY) s.timer.cancel()
  else s.timer.arm(at - s.ifp.vnet.env.clock.now())
}

/** A state change for `group` on ifp: send now, repeat up to the robustness count (§6.1). */
function stateChange(ifp: Ifnet, group: Uint8Array, type: number): void {
  if (!reportable(group)) return
  const s = mldIf(ifp)
  if (s === null) return
  if (version(s) === 1) {
    v1StateChange(s, group, type === MldRec.TO_EXCLUDE)
    rearm(s)
    return
  }
  const at = s.changes.findIndex((c) => in6Eq(c.group, 0, group, 0))
  if (at >= 0) s.changes.splice(at, 1)
  s.changes.push({ group: group.slice(0, 16), type, left: MLD_ROBUSTNESS })
  sendChanges(s)
  rearm(s)
}

export function mldJoin(ifp: Ifnet, group: Uint8Array): void {
  stateChange(ifp, group, MldRec.TO_EXCLUDE)
}

export function mldLeave(ifp: Ifnet, group: Uint8Array): void {
  stateChange(ifp, group, MldRec.TO_INCLUDE)
}

function sendChanges(s: MldIf): void {
  const recs: Array<[Uint8Array, number]> = []
  for (const c of s.changes) {
    recs.push([c.group, c.type])
    c.left--
  }
  for (let i = s.changes.length - 1; i >= 0; i--) if (s.changes[i]!.left <= 0) s.changes.splice(i, 1)
  if (recs.length > 0) mldSendReport(s.ifp, recs)
  s.changeAt =
    s.changes.length === 0
      ? Number.POSITIVE_INFINITY
      : s.ifp.vnet.env.clock.now() + s.rng.int(MLD_UNSOLICITED_REPORT_INTERVAL_MS) * MS
}

/**
 * MLDv1 join and leave (mld_initial_join, mld_final_leave): a join reports once at once; a leave
 * sends Done unless another listener's report made us lazy.
 */
function v1StateChange(s: MldIf, group: Uint8Array, join: boolean): void {
  const i = s.v1.findIndex((g) => in6Eq(g.group, 0, group, 0))
  const lazy = i >= 0 && s.v1[i]!.lazy
  if (i >= 0) s.v1.splice(i, 1)
  if (join) mldSendV1(s.ifp, Icmp6Type.MLD_LISTENER_REPORT, group)
  else if (!lazy) mldSendV1(s.ifp, Icmp6Type.MLD_LISTENER_DONE, group)
}

/** Enter MLDv1 compatibility (mld_set_version): restart the timer, drop pending MLDv2 work. */
function enterV1(s: MldIf): void {
  const now = s.ifp.vnet.env.clock.now()
  if (version(s) === 2) {
    s.changes.length = 0
    s.changeAt = Number.POSITIVE_INFINITY
    s.generalAt = Number.POSITIVE_INFINITY
    s.asked.length = 0
    s.groupAt = Number.POSITIVE_INFINITY
  }
  s.v1Until = now + MLD_OLDER_QUERIER_MS * MS
}

/** mld_v1_update_group: a report for `group` within maxMs, unless one is due sooner already. */
function v1Update(s: MldIf, group: Uint8Array, maxMs: number): void {
  const now = s.ifp.vnet.env.clock.now()
  let g = s.v1.find((x) => in6Eq(x.group, 0, group, 0))
  if (g !== undefined && g.at !== Number.POSITIVE_INFINITY && g.at <= now + maxMs * MS) return
  if (g === undefined) {
    g = { group: group.slice(0, 16), at: 0, lazy: false }
    s.v1.push(g)
  }
  g.lazy = false
  g.at = now + s.rng.int(Math.max(maxMs, 1)) * MS
}

function mldTimer(s: MldIf): void {
  const now = s.ifp.vnet.env.clock.now()
  if (version(s) === 1) {
    // Reports now due; the group goes back to its default state (idle, last reporter).
    for (let i = s.v1.length - 1; i >= 0; i--) {
      const g = s.v1[i]!
      if (g.at > now) continue
      s.v1.splice(i, 1)
      mldSendV1(s.ifp, Icmp6Type.MLD_LISTENER_REPORT, g.group)
    }
  }
  if (now >= s.changeAt) sendChanges(s)
  if (now >= s.generalAt) {
    s.generalAt = Number.POSITIVE_INFINITY
    const gs = mldGroups(s.ifp)
    if (gs.length > 0)
      mldSendReport(
        s.ifp,
        gs.map((g) => [g, MldRec.MODE_IS_EXCLUDE]),
      )
  }
  if (now >= s.groupAt) {
    s.groupAt = Number.POSITIVE_INFINITY
    const listening = mldGroups(s.ifp)
    const gs = s.asked.filter((g) => listening.some((x) => in6Eq(x, 0, g, 0)))
    s.asked.length = 0
    if (gs.length > 0)
      mldSendReport(
        s.ifp,
        gs.map((g) => [g, MldRec.MODE_IS_EXCLUDE]),
      )
  }
  rearm(s)
}

/** Maximum Response Code to milliseconds (§5.1.3). */
export function mldMaxRespMs(code: number): number {
  if (code < 32768) return code
  return ((code & 0xfff) | 0x1000) << (((code >>> 12) & 7) + 3)
}

/**
 * A Multicast Listener Query at b[io, io+len), the IPv6 header at ip (source, destination, hop
 * limit read from it). Returns false when it is invalid (the caller counts it); schedules the
 * answer otherwise. A 24-byte query is MLDv1's and switches the interface to MLDv1.
 */
export function mldQueryInput(ifp: Ifnet, b: Uint8Array, ip: number, io: number, len: number): boolean {
  const src = ip + 8
  // §5.1.14: a query must come from a link-local address with hop limit 1; v1 queries are 24 bytes.
  if (len < 24 || b[ip + 7] !== 1 || !in6IsLinkLocal(b, src) || (len > 24 && len < 28)) return false
  const s = mldIf(ifp)
  if (s === null) return true
  const v1 = len === 24
  const knobs = icmp6(ifp.vnet)
  if (v1 ? knobs.mldV1enable === 0 : knobs.mldV2enable === 0) return true
  const code = (b[io + 4]! << 8) | b[io + 5]!
  const maxMs = v1 ? code : mldMaxRespMs(code)
  const general = in6IsUnspecified(b, io + 8)
  if (v1) {
    // RFC 2710 §5: a General Query goes to ff02::1; mld6.c ignores it otherwise.
    if (general && !in6Eq(b, ip + 24, ALL_NODES, 0)) return true
    enterV1(s)
    const listening = mldGroups(ifp)
    for (const g of listening) if (general || in6Eq(g, 0, b, io + 8)) v1Update(s, g, maxMs)
    rearm(s)
    return true
  }
  // §8.2.1: while an MLDv1 querier is present, MLDv2 queries are ignored.
  if (version(s) === 1) return true
  const now = ifp.vnet.env.clock.now()
  const at = now + s.rng.int(Math.max(maxMs, 1)) * MS
  if (general) {
    if (at < s.generalAt) s.generalAt = at
  } else {
    const g = b.slice(io + 8, io + 24)
    if (!mldGroups(ifp).some((x) => in6Eq(x, 0, g, 0))) return true
    if (!s.asked.some((x) => in6Eq(x, 0, g, 0))) s.asked.push(g)
    if (at < s.groupAt) s.groupAt = at
  }
  rearm(s)
  return true
}

/**
 * Another listener's MLDv1 Report (mld_v1_input_report): in MLDv1 mode it suppresses our pending
 * report for that group and makes us lazy (no Done on leaving). Reports from a non-link-local
 * source, or not sent to their own group, are ignored, as are our own and all of them in MLDv2 mode.
 */
export function mldReportInput(ifp: Ifnet, b: Uint8Array, ip: number, io: number, len: number): void {
  if (len < 24 || icmp6(ifp.vnet).mldV1enable === 0) return
  const src = ip + 8
  if (!in6IsLinkLocal(b, src) && !in6IsUnspecified(b, src)) return
  if (!in6IsMulticast(b, io + 8) || !in6Eq(b, io + 8, b, ip + 24)) return
  const s = mldIf(ifp)
  if (s === null || version(s) === 2) return
  const ii = ifp.inet6 as In6Ifinfo
  if (ii.addrs.some((a) => in6Eq(a.addr, 0, b, src))) return
  if (!mldGroups(ifp).some((g) => in6Eq(g, 0, b, io + 8))) return
  let g = s.v1.find((x) => in6Eq(x.group, 0, b, io + 8))
  if (g === undefined) {
    g = { group: b.slice(io + 8, io + 24), at: 0, lazy: true }
    s.v1.push(g)
  }
  g.at = Number.POSITIVE_INFINITY
  g.lazy = true
  rearm(s)
}

/** The link-local address reports leave from, or :: while there is none ready (RFC 3590). */
function reportSource(ifp: Ifnet): Uint8Array {
  const ii = ifp.inet6 as In6Ifinfo | null
  const ia = ii?.addrs.find(
    (a) => in6IsLinkLocal(a.addr, 0) && (a.flags & (IN6_IFF.TENTATIVE | IN6_IFF.DUPLICATED)) === 0,
  )
  return ia?.addr ?? new Uint8Array(16)
}

/** One or more MLDv2 Reports carrying these (group, record type) pairs. */
export function mldSendReport(ifp: Ifnet, recs: ReadonlyArray<readonly [Uint8Array, number]>): void {
  if (ifp.type !== 'ether' || !ifp.up) return
  const v = ifp.vnet
  const src = reportSource(ifp)
  for (let first = 0; first < recs.length; first += MAX_RECORDS) {
    const n = Math.min(MAX_RECORDS, recs.length - first)
    const m = v.env.pool.get()
    const b = m.data
    const h = m.off + IPV6_HDR_LEN
    b.set(HBH, h)
    const o = h + HBH.length
    const len = 8 + 20 * n
    b[o] = Icmp6Type.MLDV2_LISTENER_REPORT
    b[o + 1] = 0
    b[o + 4] = 0
    b[o + 5] = 0
    b[o + 6] = n >>> 8
    b[o + 7] = n & 0xff
    for (let i = 0; i < n; i++) {
      const r = o + 8 + 20 * i
      const [g, type] = recs[first + i]!
      b[r] = type
      b[r + 1] = 0
      b[r + 2] = 0
      b[r + 3] = 0
      b.set(g.subarray(0, 16), r + 4)
    }
    icmp6Finish(b, o, len, src, 0, MLDV2_ROUTERS, 0)
    writeIpv6Header(b, m.off, src, 0, MLDV2_ROUTERS, 0, Ip6Nxt.HOPOPTS, 1, HBH.length + len)
    m.len = IPV6_HDR_LEN + HBH.length + len
    icmp6Stats(v).icp6s_outhist[Icmp6Type.MLDV2_LISTENER_REPORT]!++
    const pf = v.pfilInet6
    if (pf.nOut !== 0 && pf.runOut(v, m, ifp) !== PFIL.PASS) continue
    etherSend(ifp, m, in6McastMac(MLDV2_ROUTERS, 0), EtherType.IPV6)
  }
}

/**
 * One MLDv1 Report or Done for `group`, sent to the group itself (mld_v1_transmit_report), with
 * the Router Alert option and hop limit 1 like MLDv2's.
 */
export function mldSendV1(ifp: Ifnet, type: number, group: Uint8Array): void {
  if (ifp.type !== 'ether' || !ifp.up) return
  const v = ifp.vnet
  const src = reportSource(ifp)
  const dst = group
  const m = v.env.pool.get()
  const b = m.data
  const o = m.off + IPV6_HDR_LEN + HBH.length
  b.set(HBH, m.off + IPV6_HDR_LEN)
  b.fill(0, o, o + 8)
  b[o] = type
  b.set(group.subarray(0, 16), o + 8)
  icmp6Finish(b, o, 24, src, 0, dst, 0)
  writeIpv6Header(b, m.off, src, 0, dst, 0, Ip6Nxt.HOPOPTS, 1, HBH.length + 24)
  m.len = IPV6_HDR_LEN + HBH.length + 24
  icmp6Stats(v).icp6s_outhist[type]!++
  const pf = v.pfilInet6
  if (pf.nOut !== 0 && pf.runOut(v, m, ifp) !== PFIL.PASS) return
  etherSend(ifp, m, in6McastMac(dst, 0), EtherType.IPV6)
}

/** Forget the interface's MLD state (interface leaving its vnet or going away). */
export function mldDetach(ifp: Ifnet): void {
  const ii = ifp.inet6 as In6Ifinfo | null
  const s = ii?.mld as MldIf | null | undefined
  if (s === null || s === undefined) return
  s.timer.cancel()
  ii!.mld = null
}
