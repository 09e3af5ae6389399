/**
 * What bgpd learns from the kernel (FRR's bgp_zebra.c and bgp_nexthop.c): the connected networks,
 * our own addresses and the router id from the interfaces; whether a path's next hop resolves and
 * through which gateway; and the locally originated paths of `network` (with its import check) and
 * `redistribute`. Functions of the daemon, run from its one pass per wake-up.
 *
 * Must not: change the kernel table (bgp_daemon.ts installs through zebra_fib.ts).
 */

import { prefixToMask } from '../../../../wire/addr.js'
import { CEASE_ADMIN_RESET, ORIGIN_IGP, ORIGIN_INCOMPLETE } from '../../../../wire/routing/bgp.js'
import { effective } from './bgp_config.js'
import type { BgpDaemon } from './bgp_daemon.js'
import { type BgpPath, prefixKey, WEIGHT_LOCAL } from './bgp_rib.js'

const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const RTF_GATEWAY = 0x2
const RTF_STATIC = 0x800
const RTF_PROTO1 = 0x8000

/** A connected network of an interface that is up (not a loopback). */
export interface Connected {
  net: number
  mask: number
  addr: number
  len: number
  ifName: string
}

/** Whether a path's next hop resolves, and to which FIB gateway (directly connected, or through a non-BGP route). */
export function resolve(d: BgpDaemon, path: BgpPath, multihop: number | null): void {
  const nh = path.attrs.nextHop >>> 0
  if (path.peer === null) {
    path.valid = true
    path.gw = 0
    return
  }
  if (d.ourAddrs.has(nh)) {
    path.valid = false
    return
  }
  for (const c of d.connected)
    if ((nh & c.mask) >>> 0 === c.net) {
      path.valid = true
      path.gw = nh
      return
    }
  // eBGP without multihop needs a connected next hop (FRR's connected check).
  if (!path.peer.ibgp && multihop === null) {
    path.valid = false
    return
  }
  let best: { len: number; gw: number } | null = null
  for (const r of d.sys.routeList()) {
    if ((r.flags & RTF_GATEWAY) === 0) continue
    if (d.fib.installed.has(`${r.dst >>> 0}/${r.prefixLen}`)) continue
    if ((nh & prefixToMask(r.prefixLen)) >>> 0 !== r.dst >>> 0) continue
    if (best === null || r.prefixLen > best.len) best = { len: r.prefixLen, gw: r.gateway >>> 0 }
  }
  path.valid = best !== null
  path.gw = best?.gw ?? 0
}

export function refresh(d: BgpDaemon): void {
  const c = d.cfg
  const ifs = d.sys.ifList()
  const connected: Connected[] = []
  const ours = new Set<number>()
  let highest = 0
  let loopHighest = 0
  for (const i of ifs)
    for (const a of i.addrs) {
      const addr = a.addr >>> 0
      ours.add(addr)
      if (addr >>> 24 === 127) continue
      if ((i.flags & IFF_LOOPBACK) !== 0) loopHighest = Math.max(loopHighest, addr)
      else highest = Math.max(highest, addr)
      if ((i.flags & IFF_UP) === 0 || (i.flags & IFF_LOOPBACK) !== 0) continue
      const mask = prefixToMask(a.prefixLen)
      connected.push({ net: (addr & mask) >>> 0, mask, addr, len: a.prefixLen, ifName: i.name })
    }
  d.connected = connected
  d.ourAddrs = ours
  // FRR's router id: configured, else the highest loopback address, else the highest address.
  const rid = c.routerId ?? (loopHighest || highest)
  if (rid !== d.rid && d.rid !== 0) for (const p of d.peers.values()) p.reset(CEASE_ADMIN_RESET)
  d.rid = rid
  d.syncPeers()
  originate(d)
  // Next hops may have come or gone with the interfaces.
  for (const [k, e] of d.rib)
    for (const p of e.paths) {
      if (p.peer === null) continue
      const before = `${p.valid}/${p.gw}`
      const n = d.cfg.neighbors.get(p.peer.addr)
      resolve(d, p, n === undefined ? null : effective(c, n).ebgpMultihop)
      if (`${p.valid}/${p.gw}` !== before) d.dirty.add(k)
    }
  // A neighbour whose network (re)appears is tried at once rather than at the next ConnectRetry
  // (FRR restarts a peer on its next hop becoming reachable).
  for (const p of d.peers.values()) {
    const reach = connected.some((x) => (p.addr & x.mask) >>> 0 === x.net)
    if (reach && !p.reachable && p.conns.length === 0 && (p.state === 'Active' || p.state === 'Connect'))
      p.connectAt = Math.max(1, d.now())
    p.reachable = reach
  }
  // fast-external-failover: an eBGP single-hop session whose network went away is down now.
  for (const p of d.peers.values()) {
    if (p.session === null || p.ibgp) continue
    const n = c.neighbors.get(p.addr)
    if (n === undefined || effective(c, n).ebgpMultihop !== null) continue
    if (!connected.some((x) => (p.addr & x.mask) >>> 0 === x.net))
      p.drop(p.session, 'Interface down (fast-external-failover)')
  }
}

/** Locally originated paths: `network` (import check: the RIB has the prefix) and `redistribute`. */
export function originate(d: BgpDaemon): void {
  const c = d.cfg
  const want = new Map<string, { addr: number; len: number; how: 'network' | 'redistribute'; med: number }>()
  const kernel = d.sys.routeList()
  const has = (addr: number, len: number) =>
    d.connected.some((x) => x.net === addr && x.len === len) ||
    kernel.some((r) => r.dst >>> 0 === addr && r.prefixLen === len && !d.fib.installed.has(`${addr}/${len}`))
  if (c.as !== null) {
    for (const n of c.networks)
      if (!c.importCheck || has(n.addr, n.len))
        want.set(prefixKey(n.addr, n.len), { addr: n.addr, len: n.len, how: 'network', med: 0 })
    const metric = (s: string) => c.redistribute.get(s)?.metric ?? 0
    if (c.redistribute.has('connected'))
      for (const x of d.connected) {
        const k = prefixKey(x.net, x.len)
        if (!want.has(k))
          want.set(k, { addr: x.net, len: x.len, how: 'redistribute', med: metric('connected') })
      }
    for (const r of kernel) {
      if ((r.flags & RTF_GATEWAY) === 0) continue
      const k = prefixKey(r.dst, r.prefixLen)
      if (d.fib.installed.has(k) || want.has(k)) continue
      const proto1 = (r.flags & RTF_PROTO1) !== 0
      const stat = (r.flags & RTF_STATIC) !== 0
      // Another daemon's routes (ripd, ospfd: RTF_PROTO1 without RTF_STATIC) count as rip/ospf.
      const src = proto1 && !stat ? null : stat ? 'static' : 'kernel'
      const ok =
        src === null ? c.redistribute.has('rip') || c.redistribute.has('ospf') : c.redistribute.has(src)
      if (ok)
        want.set(k, { addr: r.dst >>> 0, len: r.prefixLen, how: 'redistribute', med: metric(src ?? 'rip') })
    }
  }
  for (const [k, e] of d.rib) {
    const i = e.paths.findIndex((p) => p.peer === null)
    if (i < 0) continue
    const w = want.get(k)
    const cur = e.paths[i]!
    if (w === undefined) {
      e.paths.splice(i, 1)
      d.dirty.add(k)
    } else if (cur.local !== w.how || cur.attrs.med !== w.med) {
      e.paths[i] = localPath(d, w.how, w.med)
      d.dirty.add(k)
    }
    want.delete(k)
  }
  for (const [k, w] of want) {
    let e = d.rib.get(k)
    if (e === undefined) {
      e = { addr: w.addr, len: w.len, paths: [], best: null }
      d.rib.set(k, e)
    }
    e.paths.push(localPath(d, w.how, w.med))
    d.dirty.add(k)
  }
}

export function localPath(d: BgpDaemon, how: 'network' | 'redistribute', med: number): BgpPath {
  return {
    peer: null,
    attrs: {
      origin: how === 'network' ? ORIGIN_IGP : ORIGIN_INCOMPLETE,
      asPath: [],
      nextHop: 0,
      med,
      localPref: null,
      atomicAggregate: false,
      aggregator: null,
      unknown: [],
    },
    weight: WEIGHT_LOCAL,
    since: d.now(),
    valid: true,
    gw: 0,
    local: how,
  }
}
