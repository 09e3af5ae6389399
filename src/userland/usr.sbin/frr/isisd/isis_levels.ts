/**
 * IS-IS between its two levels (ISO 10589 §7.2.9-10, RFC 1195 §3.2, RFC 5302 §3): what a level-1-2
 * router tells each level about the other, and what a level-1 router makes of it.
 * - The ATT bit (0x08, attached by the default metric) in the L1 LSPs of a level-1-2 router, set as
 *   FRR sets it: `attached-bit send` (the default) and a level-2 adjacency Up.
 * - RFC 1195 §3.2: a level-1-2 router's L2 LSP lists the IP prefixes its area reaches (its level-1
 *   routes) at their level-1 metric, up/down bit clear (RFC 5302 §3.3: only prefixes that did not
 *   come down from level 2 go up). FRR's isisd (to 10.x) leaves this out (FRRouting/frr issues
 *   1965, 6966, 9033), so it is VirtNet's behaviour here, not FRR's.
 * - RFC 5302 §3.3 (RFC 5305 §4 for TLV 135, RFC 5308 §2 for IPv6): with `redistribute ipv4|ipv6
 *   isis level-2 into level-1` a level-1-2 router puts the level-2 routes that are not intra-area
 *   into its level-1 LSP with the up/down bit set, at their level-2 metric (or the one configured);
 *   prefixes with the bit set never go back up (leakUp), and rank below level-2 routes (RFC 5302
 *   §3.4: the engine's mergeRoutes and SPF's tie-break). FRR's released isisd has no such command
 *   (its YANG model refuses `redistribute ... isis`, frr-isisd.yang; its SNMP agent answers
 *   isisSysL2toL1Leaking false); the syntax is Cisco's, as FRR's open pull request #15863 proposes.
 * - A router running level 1 with no level-2 adjacency Up takes a default route (0.0.0.0/0, ::/0)
 *   towards the nearest level-1 system whose LSP has the ATT bit, at its distance, as FRR's SPF
 *   does unless `attached-bit receive ignore`.
 *
 * Must not: touch the LSDB or the kernel; the engine calls these with what they need.
 */

import { type IpReach, MAX_PATH_METRIC } from '../../../../wire/routing/isis.js'
import type { Ip6Reach } from '../../../../wire/routing/isis_ipv6.js'
import type { Lsdb } from './isis_lsdb.js'
import type { IsisRoute, IsisRoute6, NextHop, SpfVertex } from './isis_spf.js'
import { type Circuit, upAdjs } from './isis_types.js'

/** LSP flags (ISO 10589 §9.9): the ATT bit of the default metric, and the IS type of levels 1 and 1-2. */
export const LSP_ATT = 0x08
const IS_TYPE_L1 = 1
const IS_TYPE_L2 = 3

/** FRR's `attached-bit send` (on by default) and `attached-bit receive ignore` (off). */
export interface AttachedBit {
  send: boolean
  receiveIgnore: boolean
}

/** Whether any circuit has an Up level-2 adjacency (FRR's isis_level2_adj_up). */
export function level2AdjUp(circuits: Iterable<Circuit>): boolean {
  for (const c of circuits) if (upAdjs(c, 2).length > 0) return true
  return false
}

/** The flags byte of this router's LSPs at `level`. */
export function lspFlags(
  isType: number,
  level: 1 | 2,
  att: AttachedBit,
  circuits: Iterable<Circuit>,
): number {
  const type = isType === 1 ? IS_TYPE_L1 : IS_TYPE_L2
  if (level === 1 && isType === 3 && att.send && level2AdjUp(circuits)) return type | LSP_ATT
  return type
}

/** RFC 1195 §3.2: the level-1 routes a level-1-2 router announces in its level-2 LSP. */
export function leakUp(
  l1: ReadonlyMap<string, IsisRoute>,
  l1v6: ReadonlyMap<string, IsisRoute6>,
): { ip: IpReach[]; ip6: Ip6Reach[] } {
  const ip: IpReach[] = []
  const ip6: Ip6Reach[] = []
  // This IS's own prefixes are its circuits' (isis_origin.ts), never a stale SPF's.
  for (const r of l1.values())
    if (r.len > 0 && !r.down && r.nextHops.length > 0)
      ip.push({ addr: r.addr, len: r.len, metric: r.metric, down: false })
  for (const r of l1v6.values())
    if (r.len > 0 && !r.down && r.nextHops.length > 0)
      ip6.push({ addr: r.addr, len: r.len, metric: r.metric, down: false, external: false })
  ip.sort((a, b) => a.addr - b.addr || a.len - b.len)
  return { ip, ip6 }
}

/** `redistribute ipv4|ipv6 isis level-2 into level-1 [metric N]`: on, with its metric or null. */
export interface LeakDown {
  ipv4: { metric: number | null } | null
  ipv6: { metric: number | null } | null
}

/**
 * RFC 5302 §3.3: the level-2 routes a level-1-2 router announces in its level-1 LSP, up/down bit
 * set — those through a neighbour for which level 1 has no route of its own (an intra-area one).
 */
export function leakDown(
  leak: LeakDown,
  l1: ReadonlyMap<string, IsisRoute>,
  l2: ReadonlyMap<string, IsisRoute>,
  l1v6: ReadonlyMap<string, IsisRoute6>,
  l2v6: ReadonlyMap<string, IsisRoute6>,
): { ip: IpReach[]; ip6: Ip6Reach[] } {
  const ip: IpReach[] = []
  const ip6: Ip6Reach[] = []
  const metric = (m: number, set: number | null) => (set === null ? Math.min(m, MAX_PATH_METRIC) : set)
  if (leak.ipv4 !== null)
    for (const [k, r] of l2) {
      const intra = l1.get(k)
      if (r.len === 0 || r.nextHops.length === 0 || (intra !== undefined && !intra.down)) continue
      ip.push({ addr: r.addr, len: r.len, metric: metric(r.metric, leak.ipv4.metric), down: true })
    }
  if (leak.ipv6 !== null)
    for (const [k, r] of l2v6) {
      const intra = l1v6.get(k)
      if (r.len === 0 || r.nextHops.length === 0 || (intra !== undefined && !intra.down)) continue
      ip6.push({
        addr: r.addr,
        len: r.len,
        metric: metric(r.metric, leak.ipv6.metric),
        down: true,
        external: false,
      })
    }
  ip.sort((a, b) => a.addr - b.addr || a.len - b.len)
  return { ip, ip6 }
}

const DEFAULT6 = new Uint8Array(16)

/**
 * A level-1 SPF's default routes: towards the nearest systems (all at that distance) whose LSP
 * has the ATT bit, unless this router has a level-2 adjacency Up or ignores the bit.
 */
export function attachedDefault(
  db: Lsdb,
  vertices: readonly SpfVertex[],
  self: string,
  att: AttachedBit,
  circuits: Iterable<Circuit>,
  routes: Map<string, IsisRoute>,
  routes6: Map<string, IsisRoute6>,
): void {
  if (att.receiveIgnore || level2AdjUp(circuits)) return
  let best = Number.POSITIVE_INFINITY
  const hops: NextHop[] = []
  for (const v of vertices) {
    if (v.id.slice(12) !== '00' || v.id.startsWith(self) || v.dist > best || v.nextHops.length === 0) continue
    const frag0 = db.get(`${v.id}00`)
    if (frag0 === undefined || frag0.purged || (frag0.flags & LSP_ATT) === 0) continue
    if (v.dist < best) hops.length = 0
    best = v.dist
    for (const h of v.nextHops) if (!hops.some((x) => x.gw === h.gw && x.ifName === h.ifName)) hops.push(h)
  }
  if (hops.length === 0) return
  hops.sort((a, b) => a.gw - b.gw)
  if (!routes.has('0/0'))
    routes.set('0/0', { addr: 0, len: 0, metric: best, level: 1, nextHops: hops, down: false })
  const hops6 = hops.filter((h) => h.gw6 !== null)
  if (hops6.length > 0 && !routes6.has('::/0'))
    routes6.set('::/0', { addr: DEFAULT6, len: 0, metric: best, level: 1, nextHops: hops6, down: false })
}
