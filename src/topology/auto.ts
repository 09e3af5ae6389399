/**
 * Automatic addressing and routing: a pure function from a topology to one where every end system can
 * reach every other, for labs that only draw the wiring. The algorithm (docs/topology.md repeats it):
 *
 * 1. Segments. Links join interfaces; a switch or hub joins all links attached to it. Each resulting
 *    broadcast domain with at least one pc/host/router interface is a segment. Segments are numbered
 *    by the first link (file order) that belongs to them.
 * 2. Addressing. In segment order, the interfaces of pc/host/router nodes that have no IPv4 address get
 *    one. If some interface on the segment already has an address, its subnet is used; otherwise the
 *    next free, aligned subnet of the pool is taken (default 10.0.0.0/8 in /24s; a segment too big for
 *    the prefix gets the smallest block that fits), skipping subnets that overlap any address already
 *    in the lab. Hosts are numbered from the lowest free address, routers first (node order, then
 *    interface order), then end systems.
 * 3. Default routes. An end system without a default route gets one via the first router (its
 *    interface order, then the segment's router order) that shares a subnet with it on one of its
 *    segments.
 * 4. Router routes. Routers are vertices of a graph whose edges are shared subnets on a segment
 *    (neighbours in segment order, then the segment's router order). For every subnet of the lab that a router is not attached to and has no route for, a breadth-first
 *    search from it finds the nearest router attached to that subnet (ties: search order), and the
 *    route goes via the first hop of that path. Each hop strictly shortens the distance, so the routes
 *    are loop-free on any graph, not only trees.
 *
 * Nothing already in the file is changed: existing addresses and routes are kept, and running the
 * function twice gives the same result as running it once.
 */

import { formatIpv4 } from '../wire/addr.js'
import {
  contains,
  formatPrefix,
  formatSubnet,
  networkOf,
  overlaps,
  type Prefix,
  parsePrefix,
} from './cidr.js'
import { TopologyError } from './file/diagnostics.js'
import { type AutoConfig, cloneTopology, type Endpoint, isL3, type Topology, type TopoNode } from './model.js'

export const DEFAULT_POOL = '10.0.0.0/8'
export const DEFAULT_PREFIX = 24

export interface Segment {
  /** Interfaces of pc/host/router nodes on this broadcast domain: routers first, then end systems. */
  members: Endpoint[]
  /** Indexes into topology.links. */
  links: number[]
}

/**
 * Fills in addresses and routes as `config` (default: the topology's own `auto`) asks. Throws a
 * TopologyError only when the address pool is too small for the lab.
 */
export function autoAddress(t: Topology, config: AutoConfig = t.auto): Topology {
  const { topology, problems } = applyAuto(t, config)
  if (problems.length > 0) throw new TopologyError(problems)
  return topology
}

/** autoAddress without the throw: the result and what could not be done, for the loaders. */
export function applyAuto(t: Topology, config: AutoConfig): { topology: Topology; problems: string[] } {
  const out = cloneTopology(t)
  const problems: string[] = []
  const segs = segments(out)
  if (config.addressing) assignAddresses(out, segs, config.addressing, problems)
  if (config.defaultRoutes) addDefaultRoutes(out, segs, () => true)
  if (config.routes) addRouterRoutes(out, segs)
  return { topology: out, problems }
}

// ---- segments ----

/** Broadcast domains of the topology, in the order of the first link of each. */
export function segments(t: Topology): Segment[] {
  const kinds = new Map(t.nodes.map((n) => [n.name, n.kind]))
  // A switch or hub is one vertex for all its ports; an L3 interface is a vertex of its own.
  const key = (e: Endpoint) => (isL3(kinds.get(e.node) ?? 'hub') ? `${e.node}:${e.iface}` : e.node)
  const parent = new Map<string, string>()
  const find = (k: string): string => {
    let r = k
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!
    let c = k
    while (c !== r) {
      const next = parent.get(c)!
      parent.set(c, r)
      c = next
    }
    return r
  }
  for (const l of t.links) {
    const a = find(key(l.a))
    const b = find(key(l.b))
    if (!parent.has(a)) parent.set(a, a)
    if (!parent.has(b)) parent.set(b, b)
    if (a !== b) parent.set(b, a)
  }
  const byRoot = new Map<string, Segment>()
  const order: Segment[] = []
  t.links.forEach((l, i) => {
    const root = find(key(l.a))
    let seg = byRoot.get(root)
    if (!seg) {
      seg = { members: [], links: [] }
      byRoot.set(root, seg)
      order.push(seg)
    }
    seg.links.push(i)
  })
  // Members in the documented order: routers first, then end systems; each in node and interface order.
  for (const pass of [true, false])
    for (const n of t.nodes) {
      if (!isL3(n.kind) || (n.kind === 'router') !== pass) continue
      for (const i of n.interfaces) {
        const k = `${n.name}:${i.name}`
        if (!parent.has(k)) continue // not on any link
        byRoot.get(find(k))?.members.push({ node: n.name, iface: i.name })
      }
    }
  return order.filter((s) => s.members.length > 0)
}

// ---- addressing ----

function assignAddresses(
  t: Topology,
  segs: Segment[],
  cfg: { pool: string; prefix: number },
  problems: string[],
): void {
  const pool = parsePrefix(cfg.pool)
  if (!pool) {
    problems.push(`auto.addressing.pool: '${cfg.pool}' is not an IPv4 prefix`)
    return
  }
  const poolNet = networkOf(pool)
  const poolEnd = poolNet + 2 ** (32 - pool.len) // exclusive
  const nodes = new Map(t.nodes.map((n) => [n.name, n]))
  const ifaceOf = (e: Endpoint) => nodes.get(e.node)!.interfaces.find((i) => i.name === e.iface)!
  const used: Prefix[] = [] // subnets in use anywhere
  const usedAddrs = new Set<number>()
  for (const n of t.nodes)
    for (const i of n.interfaces)
      for (const a of i.addresses) {
        const p = parsePrefix(a)
        if (!p) continue
        used.push(p)
        usedAddrs.add(p.addr)
      }
  let cursor = poolNet
  for (const seg of segs) {
    const needing = seg.members.filter((m) => ifaceOf(m).addresses.length === 0)
    if (needing.length === 0) continue
    // A subnet somebody on the segment already has (the first one in member order), else a new one.
    let subnet: Prefix | null = null
    for (const m of seg.members) {
      const first = ifaceOf(m).addresses[0]
      if (first) {
        subnet = parsePrefix(first)
        break
      }
    }
    if (!subnet) {
      const hostBits = Math.max(32 - cfg.prefix, Math.ceil(Math.log2(needing.length + 2)))
      const size = 2 ** hostBits
      let candidate = Math.ceil(cursor / size) * size
      while (
        candidate + size <= poolEnd &&
        used.some((u) => overlaps(u, { addr: candidate, len: 32 - hostBits }))
      )
        candidate += size
      if (candidate + size > poolEnd || hostBits > 32 - pool.len) {
        const where = needing.map((m) => `${m.node}:${m.iface}`).join(', ')
        problems.push(`auto.addressing: the pool ${cfg.pool} has no free /${32 - hostBits} left for ${where}`)
        continue
      }
      subnet = { addr: candidate, len: 32 - hostBits }
      used.push(subnet)
      cursor = candidate + size
    }
    const net = networkOf(subnet)
    const size = 2 ** (32 - subnet.len)
    // /31 and /32 have no network and broadcast addresses to skip (RFC 3021).
    const first = subnet.len <= 30 ? net + 1 : net
    const last = subnet.len <= 30 ? net + size - 2 : net + size - 1
    let next = first
    for (const m of needing) {
      while (next <= last && usedAddrs.has(next >>> 0)) next++
      if (next > last) {
        problems.push(
          `auto.addressing: no free address left in ${formatSubnet(subnet)} for ${m.node}:${m.iface}`,
        )
        break
      }
      ifaceOf(m).addresses.push(formatPrefix(next >>> 0, subnet.len))
      usedAddrs.add(next >>> 0)
      next++
    }
  }
}

// ---- routes ----

interface Addressed {
  node: TopoNode
  iface: string
  prefixes: Prefix[]
}

function addressedMembers(nodes: Map<string, TopoNode>, seg: Segment): Addressed[] {
  return seg.members.map((m) => {
    const node = nodes.get(m.node)!
    const iface = node.interfaces.find((i) => i.name === m.iface)!
    return { node, iface: m.iface, prefixes: iface.addresses.flatMap((a) => parsePrefix(a) ?? []) }
  })
}

/** A gateway address of `b` on-link for `a`: b's address in a subnet that a also has. */
function sharedGateway(a: Prefix[], b: Prefix[]): number | null {
  for (const pa of a) for (const pb of b) if (pa.len === pb.len && contains(pa, pb.addr)) return pb.addr
  return null
}

const hasDefault = (n: TopoNode) => n.routes.some((r) => r.to === '0.0.0.0/0')

/**
 * Default routes for end systems that have none, toward the first router sharing a subnet with them
 * on one of their segments (their interface order, then the segment's router order). `want` selects
 * the nodes (the IMUNES importer asks per node).
 */
export function addDefaultRoutes(t: Topology, segs: Segment[], want: (n: TopoNode) => boolean): void {
  const segOf = new Map<string, Addressed[]>()
  const nodes = new Map(t.nodes.map((n) => [n.name, n]))
  for (const s of segs) {
    const members = addressedMembers(nodes, s)
    for (const m of members) segOf.set(`${m.node.name}:${m.iface}`, members)
  }
  for (const n of t.nodes) {
    if (!isL3(n.kind) || n.kind === 'router' || hasDefault(n) || !want(n)) continue
    let via: number | null = null
    for (const i of n.interfaces) {
      const members = segOf.get(`${n.name}:${i.name}`)
      if (!members) continue
      const mine = i.addresses.flatMap((a) => parsePrefix(a) ?? [])
      for (const m of members) {
        if (m.node.kind !== 'router') continue
        via = sharedGateway(mine, m.prefixes)
        if (via !== null) break
      }
      if (via !== null) break
    }
    if (via !== null) n.routes.push({ to: '0.0.0.0/0', via: formatIpv4(via) })
  }
}

function addRouterRoutes(t: Topology, segs: Segment[]): void {
  const routers = t.nodes.filter((n) => n.kind === 'router')
  // Edges: router -> (neighbour router, gateway address), in segment order, then router order.
  const edges = new Map<TopoNode, { to: TopoNode; via: number }[]>(routers.map((r) => [r, []]))
  const nodes = new Map(t.nodes.map((n) => [n.name, n]))
  for (const s of segs) {
    const members = addressedMembers(nodes, s).filter((m) => m.node.kind === 'router')
    for (const a of members)
      for (const b of members) {
        if (a.node === b.node) continue
        const via = sharedGateway(a.prefixes, b.prefixes)
        if (via !== null) edges.get(a.node)!.push({ to: b.node, via })
      }
  }
  // Every subnet of the lab (canonical text, in node and interface order) and the routers on it.
  const subnets: string[] = []
  const attached = new Map<string, TopoNode[]>()
  for (const n of t.nodes) {
    if (!isL3(n.kind)) continue
    for (const i of n.interfaces)
      for (const a of i.addresses) {
        const p = parsePrefix(a)
        if (!p) continue
        const key = formatSubnet(p)
        let on = attached.get(key)
        if (!on) {
          on = []
          attached.set(key, on)
          subnets.push(key)
        }
        if (n.kind === 'router' && !on.includes(n)) on.push(n)
      }
  }
  for (const r of routers) {
    // Breadth-first search; rank is the visiting order, firstHop the gateway of the edge leaving r.
    const rank = new Map<TopoNode, number>([[r, 0]])
    const firstHop = new Map<TopoNode, number>()
    const queue: TopoNode[] = [r]
    for (let head = 0; head < queue.length; head++) {
      const cur = queue[head]!
      for (const e of edges.get(cur)!) {
        if (rank.has(e.to)) continue
        rank.set(e.to, rank.size)
        firstHop.set(e.to, cur === r ? e.via : firstHop.get(cur)!)
        queue.push(e.to)
      }
    }
    const routed = new Set(r.routes.map((x) => x.to))
    for (const to of subnets) {
      const on = attached.get(to)!
      if (on.includes(r) || routed.has(to)) continue
      let target: TopoNode | null = null
      for (const x of on) if (rank.has(x) && (target === null || rank.get(x)! < rank.get(target)!)) target = x
      if (target) r.routes.push({ to, via: formatIpv4(firstHop.get(target)!) })
    }
  }
}
