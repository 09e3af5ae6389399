/**
 * The resolved topology: what every loader (YAML, JSON, IMUNES `.imn`) produces and what the emulator
 * runner and the generators consume. Unlike the file format (schema.ts), nothing here is optional or
 * in mixed units: every link endpoint names a real interface, every interface a node uses is listed,
 * impairments are numbers in fixed units per direction, and defaults are filled in — so the runner
 * never has to know how a value was spelled.
 */

export const NODE_KINDS = ['pc', 'host', 'router', 'switch', 'hub', 'external'] as const
export type NodeKind = (typeof NODE_KINDS)[number]

/**
 * End systems and routers have an IP stack (a vnet jail); switches and hubs only forward frames; an
 * external node is the far side of one cable, reached over VXLAN (another VirtNet process, a Linux
 * kernel, a real network).
 */
export function isL3(kind: NodeKind): boolean {
  return kind === 'pc' || kind === 'host' || kind === 'router'
}

export interface Topology {
  /** Lab name: the file's `name`, else the file name without directory and extension. */
  name: string
  /** In file order. Names are unique. */
  nodes: TopoNode[]
  /** In file order. */
  links: TopoLink[]
  /** What the file asked for; loadTopology has already applied it (see auto.ts). */
  auto: AutoConfig
  /**
   * Kernel modules the lab loads before it starts (`ipfw`, `ipfw_nat`, `ipdivert`, `dummynet`, in that order),
   * for nodes' firewall, NAT and shaper sections (firewall.ts) or IMUNES scripts that use ipfw or natd;
   * absent when the lab needs none.
   */
  modules?: string[]
}

export interface AutoConfig {
  /** Address pool and per-segment prefix length, or null when addresses are not assigned. */
  addressing: { pool: string; prefix: number } | null
  /** End systems get a default route toward a router on one of their segments. */
  defaultRoutes: boolean
  /** Routers get static routes to every subnet of the lab along shortest paths. */
  routes: boolean
}

export interface TopoNode {
  name: string
  kind: NodeKind
  /** net.inet.ip.forwarding: true for routers unless the file says otherwise, false for end systems. */
  forwarding: boolean
  /** Declared interfaces first (file order), then those created for link endpoints. */
  interfaces: TopoIface[]
  /** IPv4 static routes, installed after addresses. */
  routes: TopoRoute[]
  /** IPv6 static routes (`::/0` for default, gateway an IPv6 address), installed after routes. */
  routes6?: TopoRoute[]
  /** Shell command lines run in order, inside the node's jail, after interfaces and routes are up. */
  startup: string[]
  /**
   * ipfw(8) commands from the node's `nat`, `shaper` and `ipfw` sections, run in order before the
   * startup lines (firewall.ts); absent when the node has none.
   */
  firewall?: FirewallCmd[]
  /**
   * Routing daemons the startup lines start (`ripd`, `ospfd`); the lab waits for their routes to settle once
   * the startup lines have run. Absent when the node runs none.
   */
  daemons?: string[]
  /** An external node's VXLAN end point; absent on other kinds (and on an external left unconnected). */
  vxlan?: TopoVxlan
  /**
   * IMUNES's `services` (services.ts: ssh, ftp, telnet, tcpdump) with the node's IMUNES id, which
   * names its runtime directory and captures; absent when it runs none.
   */
  services?: { names: string[]; id: string }
  /** An external node bridged onto an interface of the machine (IMUNES's rj45); absent otherwise. */
  rj45?: TopoRj45
}

/** Where an rj45 external node's cable goes: the machine's interface, raw, maybe one VLAN of it. */
export interface TopoRj45 {
  interface: string
  vlan?: number
}

/** Where an external node's cable goes: a VXLAN (RFC 7348) tunnel from a real UDP socket of the host. */
export interface TopoVxlan {
  vni: number
  /** Our underlay address (`0.0.0.0`: any) and port. */
  local: string
  localPort: number
  /** The peer's underlay address, or a multicast group, and port. */
  remote: string
  remotePort: number
}

/** One ipfw(8) command the lab runs in a node. */
export interface FirewallCmd {
  /** The arguments after `ipfw`. */
  argv: string[]
  /** Where it comes from in the file, for messages: `nodes.r1.ipfw[2]`. */
  from: string
}

export interface TopoIface {
  name: string
  /** IPv4 `a.b.c.d/len`, canonical text; the first is the primary address. */
  addresses: string[]
  /** IPv6 `addr/len` as written, configured after the IPv4 addresses. */
  ipv6: string[]
  /** `xx:xx:xx:xx:xx:xx` lower case, or null for a generated one. */
  mac: string | null
  /** null: the interface default (1500). */
  mtu: number | null
  /**
   * 802.1Q: on a pc, host or router a vlan(4) interface with this tag on interface `dev`; on a switch
   * port (dev null) an access port of that VLAN. Absent: an ordinary interface, or a trunk port.
   */
  vlan?: { tag: number; dev: string | null }
}

export interface TopoRoute {
  /** Destination prefix, canonical (`0.0.0.0/0` for default, host bits cleared). */
  to: string
  /** IPv4 gateway, on a connected subnet of the node. */
  via: string
}

export interface Endpoint {
  node: string
  iface: string
}

export interface TopoLink {
  a: Endpoint
  b: Endpoint
  /** false: the link starts unplugged (no carrier). */
  up: boolean
  /** No shaping element at all (IMUNES `direct`); ab/ba are then the neutral impairment. */
  direct: boolean
  /** Impairment of frames travelling from a to b. */
  ab: Impairment
  /** Impairment of frames travelling from b to a. */
  ba: Impairment
}

export type JitterDist = 'uniform' | 'normal'
export type Discipline = 'fifo' | 'drr' | 'wfq'
export type DropPolicy = 'tail' | 'head'

/** Gilbert-Elliott two-state loss: probabilities per packet. */
export interface Gilbert {
  /** Good -> Bad transition. */
  p: number
  /** Bad -> Good transition. */
  r: number
  /** Delivery probability in the Bad state. */
  h: number
  /** Delivery probability in the Good state. */
  k: number
}

/** One direction of a link. See docs/topology.md for the exact semantics of each field. */
export interface Impairment {
  /** bit/s; 0 = unlimited (no serialisation delay). */
  bandwidth: number
  /** Propagation delay in ns (the host clock's unit). */
  delayNs: number
  /** Delay variation in ns: half-width (uniform) or standard deviation (normal). */
  jitterNs: number
  jitterDist: JitterDist
  /** Per-packet loss probability, 0..1 (ignored when gilbert is set). */
  loss: number
  gilbert: Gilbert | null
  /** Bit error rate: probability that a given bit is corrupted; a frame with an error is dropped. */
  ber: number
  /** Probability that a frame is delivered twice. */
  duplicate: number
  /** Probability that a frame skips the delay and overtakes frames ahead of it. */
  reorder: number
  /** Queue limit in packets, or null for the pipe's default. */
  queue: number | null
  /** Queue limit in bytes, or null for none. */
  queueBytes: number | null
  discipline: Discipline
  drop: DropPolicy
}

/** The neutral impairment: a perfect wire. */
export function noImpairment(): Impairment {
  return {
    bandwidth: 0,
    delayNs: 0,
    jitterNs: 0,
    jitterDist: 'uniform',
    loss: 0,
    gilbert: null,
    ber: 0,
    duplicate: 0,
    reorder: 0,
    queue: null,
    queueBytes: null,
    discipline: 'fifo',
    drop: 'tail',
  }
}

/** Deep copy (the model is plain data), for functions that return a changed topology. */
export function cloneTopology(t: Topology): Topology {
  return {
    name: t.name,
    auto: { ...t.auto, addressing: t.auto.addressing && { ...t.auto.addressing } },
    ...(t.modules && { modules: [...t.modules] }),
    nodes: t.nodes.map((n) => ({
      ...n,
      interfaces: n.interfaces.map((i) => ({ ...i, addresses: [...i.addresses], ipv6: [...i.ipv6] })),
      routes: n.routes.map((r) => ({ ...r })),
      ...(n.routes6 && { routes6: n.routes6.map((r) => ({ ...r })) }),
      startup: [...n.startup],
      ...(n.firewall && { firewall: n.firewall.map((c) => ({ argv: [...c.argv], from: c.from })) }),
      ...(n.vxlan && { vxlan: { ...n.vxlan } }),
      ...(n.rj45 && { rj45: { ...n.rj45 } }),
      ...(n.daemons && { daemons: [...n.daemons] }),
    })),
    links: t.links.map((l) => ({
      ...l,
      a: { ...l.a },
      b: { ...l.b },
      ab: { ...l.ab, gilbert: l.ab.gilbert && { ...l.ab.gilbert } },
      ba: { ...l.ba, gilbert: l.ba.gilbert && { ...l.ba.gilbert } },
    })),
  }
}
