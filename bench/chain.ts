/**
 * The topology every latency and forwarding figure uses, for VirtNet and for the Linux baseline
 * alike: a source, R routers and a destination in a line, joined by point-to-point Ethernet links
 * (epair / veth). Link i is 198.18.i.0/24 (RFC 2544's benchmarking range), its left end .1 and its
 * right end .2. Every node routes by default to the right; routers beyond the first also route the
 * source's subnet back to the left, so replies find their way home.
 *
 * `chainPlan` is the address plan as data; `buildChain` realises it in a VirtNet host through the
 * syscall API, as `jail -c vnet`, `ifconfig` and `route add` would.
 */

import type { Host } from '../src/host/host.js'
import type { Syscalls } from '../src/host/syscalls.js'
import type { Ifnet } from '../src/stack/net/ifnet.js'
import type { Vnet } from '../src/stack/net/vnet.js'

export interface RoutePlan {
  readonly dst: number
  readonly prefixLen: number
  readonly gateway: number
}

export interface IfacePlan {
  readonly link: number
  /** `a` = left end of the link (.1), `b` = right end (.2). */
  readonly side: 'a' | 'b'
  readonly addr: number
}

export interface NodePlan {
  /** Suffix of the node's name: `src`, `r1` … `rN`, `dst`. */
  readonly name: string
  readonly router: boolean
  readonly ifaces: readonly IfacePlan[]
  readonly routes: readonly RoutePlan[]
}

export interface ChainPlan {
  readonly routers: number
  /** src, r1 … rN, dst: link i joins nodes[i] (side a) and nodes[i + 1] (side b). */
  readonly nodes: readonly NodePlan[]
  readonly srcAddr: number
  readonly dstAddr: number
  /** An address beyond the destination, which the destination (not a router) drops. */
  readonly beyondAddr: number
}

/** 198.18.link.host */
export function linkAddr(link: number, host: number): number {
  return ((198 << 24) | (18 << 16) | (link << 8) | host) >>> 0
}

export const LINK_PREFIX = 24
const BEYOND = ((198 << 24) | (19 << 16) | 1) >>> 0

function nodePlan(i: number, routers: number): NodePlan {
  const last = routers + 1
  const ifaces: IfacePlan[] = []
  if (i > 0) ifaces.push({ link: i - 1, side: 'b', addr: linkAddr(i - 1, 2) })
  if (i < last) ifaces.push({ link: i, side: 'a', addr: linkAddr(i, 1) })
  const routes: RoutePlan[] = []
  if (i < last) routes.push({ dst: 0, prefixLen: 0, gateway: linkAddr(i, 2) })
  else routes.push({ dst: 0, prefixLen: 0, gateway: linkAddr(i - 1, 1) })
  if (i > 1 && i < last)
    routes.push({ dst: linkAddr(0, 0), prefixLen: LINK_PREFIX, gateway: linkAddr(i - 1, 1) })
  const name = i === 0 ? 'src' : i === last ? 'dst' : `r${i}`
  return { name, router: i > 0 && i < last, ifaces, routes }
}

/** `direct`, `1 router`, `4 routers` */
export function routersText(routers: number): string {
  return routers === 0 ? 'direct' : `${routers} router${routers === 1 ? '' : 's'}`
}

export function chainPlan(routers: number): ChainPlan {
  const nodes = Array.from({ length: routers + 2 }, (_, i) => nodePlan(i, routers))
  return { routers, nodes, srcAddr: linkAddr(0, 1), dstAddr: linkAddr(routers, 2), beyondAddr: BEYOND }
}

/** A chain built in a VirtNet host. */
export interface Chain {
  readonly plan: ChainPlan
  /** Root inside the source and destination jails. */
  readonly src: Syscalls
  readonly dst: Syscalls
  readonly vnets: readonly Vnet[]
  /** The first router's interface facing the source (undefined without routers). */
  readonly ingress: Ifnet | undefined
  /** The destination's interface. */
  readonly egress: Ifnet
  /** Root inside every node, in plan order. */
  readonly nodes: readonly Syscalls[]
  /** Link i's halves: `a` in nodes[i], `b` in nodes[i + 1]. */
  readonly links: readonly { readonly a: string; readonly b: string }[]
}

function jailVnet(host: Host, jail: string): Vnet {
  return host.prison0.findDescendant(jail)!.vnet
}

/** Create the chain's jails, links, addresses and routes; `prefix` keeps names unique per host. */
export function buildChain(host: Host, prefix: string, routers: number): Chain {
  const plan = chainPlan(routers)
  const root = host.syscalls()
  const jails = plan.nodes.map((n) => `${prefix}${n.name}`)
  for (const j of jails)
    root.jailCreate([
      ['name', j],
      ['vnet', true],
      ['persist', true],
    ])
  // Link i: the `a` half goes left (nodes[i]), the `b` half right (nodes[i + 1]).
  const links = plan.nodes.slice(1).map((_, i) => {
    const a = root.ifCreate('epair')
    const b = `${a.slice(0, -1)}b`
    root.ifMoveToJail(a, jails[i]!)
    root.ifMoveToJail(b, jails[i + 1]!)
    return { a, b }
  })
  const inside = jails.map((j) => root.attach(j))
  plan.nodes.forEach((n, i) => {
    const sys = inside[i]!
    for (const f of n.ifaces) sys.ifAddAddr(links[f.link]![f.side], f.addr, LINK_PREFIX)
    for (const r of n.routes) sys.routeAdd(r)
    if (n.router) sys.sysctlSet('net.inet.ip.forwarding', '1')
  })
  // Echo replies are rate limited like any ICMP response (icmplim); a benchmark pings faster.
  const dst = inside[inside.length - 1]!
  dst.sysctlSet('net.inet.icmp.icmplim', '0')
  const vnets = jails.map((j) => jailVnet(host, j))
  const last = links[links.length - 1]!
  return {
    plan,
    src: inside[0]!,
    dst,
    vnets,
    ingress: routers > 0 ? vnets[1]!.ifByName(links[0]!.b) : undefined,
    egress: vnets[vnets.length - 1]!.ifByName(last.b)!,
    nodes: inside,
    links,
  }
}
