/**
 * IS-IS SPF for one level (ISO 10589 Annex C.2, RFC 5305 wide metrics): Dijkstra over the systems
 * and pseudonodes of the level's LSDB, each link used only when its far end lists it back (the
 * two-way check, C.2.4 step 0), then the IPv4 prefixes (TLV 135) and IPv6 prefixes (TLV 236, RFC
 * 5308 §5: the same tree) of every system reached, at the system's distance plus the prefix's
 * metric; IPv6 next hops are the neighbours' link-local addresses from their hellos. First hops come from this IS's adjacencies: a
 * neighbour on a LAN is reached through the adjacency on the circuit whose pseudonode the path takes.
 *
 * Must not: touch the kernel or the LSDB; it reads both through what it is given.
 */

import { formatIpv6 } from '../../../../wire/inet6/in6_addr.js'
import { MAX_PATH_METRIC, MAX_WIDE_LINK_METRIC } from '../../../../wire/routing/isis.js'
import type { Lsdb } from './isis_lsdb.js'
import { type Circuit, upAdjs } from './isis_types.js'

export interface NextHop {
  gw: number
  /** The neighbour's IPv6 link-local address, null when its hellos gave none. */
  gw6: Uint8Array | null
  ifName: string
  sysId: string
}

export interface IsisRoute6 {
  addr: Uint8Array
  len: number
  metric: number
  level: 1 | 2
  /** Empty for this IS's own prefixes. */
  nextHops: NextHop[]
  /** The prefix's up/down bit (RFC 5308 §2): it came down from level 2. */
  down: boolean
}

export interface IsisRoute {
  addr: number
  len: number
  metric: number
  level: 1 | 2
  /** Empty for this IS's own prefixes. */
  nextHops: NextHop[]
  /** The prefix's up/down bit (RFC 5302 §3.3): it came down from level 2. */
  down: boolean
}

/** Per reached system: distance and first hops (`show isis topology`). */
export interface SpfVertex {
  id: string
  dist: number
  nextHops: NextHop[]
}

function gwOf(c: Circuit, ipAddrs: readonly number[]): number {
  for (const a of ipAddrs)
    for (const m of c.desc.addrs) {
      const mask = m.len === 0 ? 0 : (0xffffffff << (32 - m.len)) >>> 0
      if (((a ^ m.addr) & mask) >>> 0 === 0) return a
    }
  return ipAddrs[0] ?? 0
}

/** The IS reachability entries of a node's live fragments. */
function links(db: Lsdb, node: string): Array<{ id: string; metric: number }> {
  const out: Array<{ id: string; metric: number }> = []
  for (const l of db.fragments(node)) for (const r of l.tlvs.isReach) out.push(r)
  return out
}

export function spf(
  db: Lsdb,
  self: string,
  circuits: ReadonlyMap<string, Circuit>,
): { routes: Map<string, IsisRoute>; routes6: Map<string, IsisRoute6>; vertices: SpfVertex[] } {
  const level = db.level
  const root = `${self}00`
  const dist = new Map<string, number>([[root, 0]])
  const hops = new Map<string, NextHop[]>([[root, []]])
  const done = new Set<string>()
  const order: SpfVertex[] = []
  const hasBack = (from: string, to: string) => links(db, to).some((r) => r.id === from)
  for (;;) {
    let v: string | null = null
    let best = Number.POSITIVE_INFINITY
    for (const [k, d] of dist)
      if (!done.has(k) && (d < best || (d === best && v !== null && k < v))) {
        v = k
        best = d
      }
    if (v === null) break
    done.add(v)
    const vh = hops.get(v) ?? []
    order.push({ id: v, dist: best, nextHops: vh })
    for (const r of links(db, v)) {
      if (r.metric > MAX_WIDE_LINK_METRIC || done.has(r.id)) continue
      if (!hasBack(v, r.id)) continue
      const d = best + r.metric
      let nh: NextHop[]
      const pn = r.id.slice(12) !== '00'
      if (v === root) {
        nh = []
        // Our own LAN's pseudonode carries no first hop: its neighbours get theirs below.
        if (!pn)
          for (const c of circuits.values())
            if (c.desc.p2p)
              for (const a of upAdjs(c, level))
                if (a.sysId === r.id.slice(0, 12))
                  nh.push({
                    gw: gwOf(c, a.ipAddrs),
                    gw6: a.ip6Addrs[0] ?? null,
                    ifName: c.desc.name,
                    sysId: a.sysId,
                  })
      } else if (v.slice(12) !== '00' && hops.get(v)?.length === 0 && dist.get(v) !== undefined) {
        // A pseudonode of one of our own LANs: the neighbour itself is the first hop.
        nh = []
        for (const c of circuits.values())
          if (!c.desc.p2p && c.lanId[level - 1] === v)
            for (const a of upAdjs(c, level))
              if (a.sysId === r.id.slice(0, 12))
                nh.push({
                  gw: gwOf(c, a.ipAddrs),
                  gw6: a.ip6Addrs[0] ?? null,
                  ifName: c.desc.name,
                  sysId: a.sysId,
                })
      } else nh = vh
      if (nh.length === 0 && !(pn && v === root)) continue
      const cur = dist.get(r.id)
      if (cur === undefined || d < cur) {
        dist.set(r.id, d)
        hops.set(r.id, [...nh])
      } else if (d === cur) {
        const h = hops.get(r.id)!
        for (const x of nh) if (!h.some((y) => same(x, y))) h.push(x)
      }
    }
  }
  const routes = new Map<string, IsisRoute>()
  for (const vx of order) {
    if (vx.id.slice(12) !== '00') continue
    for (const l of db.fragments(vx.id))
      for (const p of l.tlvs.ipReach) {
        const metric = vx.dist + p.metric
        if (metric > MAX_PATH_METRIC) continue
        const k = `${p.addr}/${p.len}`
        const cur = routes.get(k)
        // RFC 5302 §3.4: a prefix without the up/down bit beats one with it, whatever the metric.
        if (cur !== undefined && cur.down !== p.down && p.down) continue
        if (cur === undefined || metric < cur.metric || cur.down !== p.down)
          routes.set(k, { addr: p.addr, len: p.len, metric, level, nextHops: [...vx.nextHops], down: p.down })
        else if (metric === cur.metric && cur.nextHops.length > 0)
          for (const x of vx.nextHops) if (!cur.nextHops.some((y) => same(x, y))) cur.nextHops.push(x)
      }
  }
  for (const r of routes.values()) r.nextHops.sort((a, b) => a.gw - b.gw)
  const routes6 = new Map<string, IsisRoute6>()
  for (const vx of order) {
    if (vx.id.slice(12) !== '00') continue
    // Only neighbours that gave an IPv6 address can forward IPv6 (RFC 5308 §5).
    const hops = vx.nextHops.filter((h) => h.gw6 !== null)
    if (vx.nextHops.length > 0 && hops.length === 0) continue
    for (const l of db.fragments(vx.id))
      for (const p of l.tlvs.ip6Reach) {
        const metric = vx.dist + p.metric
        if (metric > MAX_PATH_METRIC) continue
        const k = `${formatIpv6(p.addr)}/${p.len}`
        const cur = routes6.get(k)
        if (cur !== undefined && cur.down !== p.down && p.down) continue
        if (cur === undefined || metric < cur.metric || cur.down !== p.down)
          routes6.set(k, { addr: p.addr, len: p.len, metric, level, nextHops: [...hops], down: p.down })
        else if (metric === cur.metric && cur.nextHops.length > 0)
          for (const x of hops) if (!cur.nextHops.some((y) => same(x, y))) cur.nextHops.push(x)
      }
  }
  return { routes, routes6, vertices: order }
}

function same(x: NextHop, y: NextHop): boolean {
  return y.gw === x.gw && y.ifName === x.ifName && y.sysId === x.sysId
}
