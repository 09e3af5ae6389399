/**
 * From a schema-valid topology file to the resolved model (model.ts), with the checks a schema cannot
 * express: link endpoints naming existing nodes, each interface used by one link, unique names,
 * addresses that can be interface addresses, no address or MAC used twice, gateways on a connected
 * subnet, settings that a switch or hub cannot have. Bare `node` link endpoints get their interface
 * here, impairments are merged (defaults < link < link.ab/ba) and converted to fixed units, and auto
 * addressing/routing (auto.ts) is applied before the final checks, so they see the addresses the lab
 * will really have.
 *
 * `lenient` is for imported IMUNES labs: conflicts that IMUNES itself accepts (the same address on two
 * hosts, as anycast labs do; a gateway off every subnet) become warnings, because such a file must
 * still load.
 */

import { parseIpv4 } from '../../wire/addr.js'
import { applyAuto, DEFAULT_POOL, DEFAULT_PREFIX } from '../auto.js'
import {
  contains,
  formatPrefix,
  formatSubnet,
  interfaceAddressProblem,
  isGroupMac,
  isIpv6Prefix,
  networkOf,
  normalizeMac,
  overlaps,
  type Prefix,
  parseDestination,
  parsePrefix,
} from '../cidr.js'
import { resolveFirewalls } from '../firewall/firewall.js'
import { type AutoConfig, isL3, type TopoIface, type Topology, type TopoNode } from '../model.js'
import { bgpStartup, isisStartup, ospf6Startup, ospfStartup, ripngStartup, ripStartup } from '../routing.js'
import { type Diagnostics, type Path, show } from './diagnostics.js'
import { LOOPBACK, resolveLinks } from './normalize_links.js'
import type { AutoFile, IfaceFile, NodeFile, TopologyFile } from './schema.js'

export interface NormalizeOptions {
  /** Lab name when the file has none. */
  name: string
  /** IMUNES mode: tolerate what IMUNES tolerates (see the module comment). */
  lenient?: boolean
}

/** Shared state of one normalisation run. */
interface Ctx {
  diags: Diagnostics
  /** An error, or a warning in lenient mode. */
  problem: (path: Path, msg: string) => void
  /** Where each interface (`node:iface`) came from in the file, for messages about it. */
  origin: Map<string, Path>
  /** MAC -> `node iface` that has it. */
  macs: Map<string, string>
  ipv6: { count: number; first: Path | null }
  /** isisd routers so far (each one's default system ID is its number). */
  isis: { count: number }
}

/** Converts; adds errors and warnings to `diags`. The result is meaningful only without errors. */
export function normalize(file: TopologyFile, diags: Diagnostics, opts: NormalizeOptions): Topology {
  const ctx: Ctx = {
    diags,
    problem: (path, msg) => (opts.lenient ? diags.warn(path, msg) : diags.error(path, msg)),
    origin: new Map(),
    macs: new Map(),
    ipv6: { count: 0, first: null },
    isis: { count: 0 },
  }
  const auto = resolveAuto(file.auto, diags)
  const nodes = Object.keys(file.nodes).map((name) => resolveNode(ctx, name, file.nodes[name]!))

  const links = resolveLinks(file, new Map(nodes.map((n) => [n.name, n])), ctx.origin, diags)
  let topology: Topology = { name: file.name ?? opts.name, nodes, links, auto }
  if (!opts.lenient) {
    const linked = new Set(links.flatMap((l) => [`${l.a.node}:${l.a.iface}`, `${l.b.node}:${l.b.iface}`]))
    for (const n of nodes)
      for (const i of n.interfaces) {
        const p = ctx.origin.get(`${n.name}:${i.name}`)
        if (!linked.has(`${n.name}:${i.name}`) && p && p[2] === 'interfaces')
          diags.warn(p, `${i.name} is not connected by any link`)
      }
  }

  if (auto.addressing !== null || auto.defaultRoutes || auto.routes) {
    // On a broken file the final addresses are unknown, and checking gateways would only add noise.
    if (diags.errorCount > 0) return topology
    const r = applyAuto(topology, auto)
    for (const msg of r.problems) diags.error(['auto'], msg.replace(/^auto(?:\.addressing)?: /, ''))
    topology = r.topology
  }
  finalChecks(topology, ctx.origin, ctx.problem, diags)
  resolveFirewalls(topology, file, diags)
  return topology
}

function resolveNode(ctx: Ctx, name: string, f: NodeFile): TopoNode {
  const { diags, problem } = ctx
  const path: Path = ['nodes', name]
  // A nat node is a router whose NAT firewall.ts sets up.
  const kind = f.kind === 'nat' ? 'router' : f.kind
  const l3 = isL3(kind)
  const node: TopoNode = {
    name,
    kind,
    forwarding: l3 ? (f.forwarding ?? kind === 'router') : false,
    interfaces: [],
    routes: [],
    startup: [],
  }
  if (!l3) {
    const noStack = `a ${f.kind} has no IP stack`
    if (f.forwarding !== undefined) diags.error([...path, 'forwarding'], noStack)
    if (f.routes !== undefined) diags.error([...path, 'routes'], `${noStack}, so no routes`)
    if (f.startup !== undefined) diags.error([...path, 'startup'], `a ${f.kind} has no shell to run commands`)
    if (f.rip !== undefined && f.rip !== false)
      diags.error([...path, 'rip'], `${noStack}, so no routing daemon`)
    if (f.ospf !== undefined && f.ospf !== false)
      diags.error([...path, 'ospf'], `${noStack}, so no routing daemon`)
    if (f.ripng !== undefined && f.ripng !== false)
      diags.error([...path, 'ripng'], `${noStack}, so no routing daemon`)
  }

  for (const [i, fi] of (f.interfaces ?? []).entries()) {
    const ip: Path = [...path, 'interfaces', i]
    const dup = node.interfaces.findIndex((x) => x.name === fi.name)
    if (dup >= 0)
      diags.error([...ip, 'name'], `duplicate interface name '${fi.name}' (also interfaces[${dup}])`)
    else if (LOOPBACK.test(fi.name))
      diags.error([...ip, 'name'], `'${fi.name}' is a loopback name; every node has lo0 already`)
    else {
      node.interfaces.push(resolveIface(ctx, node, ip, fi))
      ctx.origin.set(`${name}:${fi.name}`, ip)
    }
  }
  // A vlan interface's parent is one of the node's own interfaces, not itself a vlan interface.
  for (const i of node.interfaces) {
    const dev = i.vlan?.dev
    if (dev === undefined || dev === null) continue
    const parent = node.interfaces.find((x) => x.name === dev)
    const at = [...(ctx.origin.get(`${name}:${i.name}`) ?? path), 'vlan', 'dev']
    if (parent === undefined)
      diags.error(at, `${i.name}: parent interface '${dev}' is not an interface of ${name}`)
    else if (parent.vlan !== undefined)
      diags.error(at, `${i.name}: parent interface '${dev}' is itself a vlan interface`)
  }
  checkOverlaps(node, ctx.origin, diags)
  resolveVxlan(ctx, node, path, f)
  if (!l3) return node

  for (const [i, r] of (f.routes ?? []).entries()) {
    const rp: Path = [...path, 'routes', i]
    const dest = parseDestination(r.to)
    if (!dest) {
      diags.error([...rp, 'to'], `${show(r.to)} is not 'default' or an IPv4 prefix`)
      continue
    }
    if (parseIpv4(r.via) === null) {
      diags.error([...rp, 'via'], `${show(r.via)} is not an IPv4 address`)
      continue
    }
    const to = formatPrefix(networkOf(dest), dest.len)
    if (networkOf(dest) !== dest.addr)
      diags.warn([...rp, 'to'], `${show(r.to)} has host bits set; using ${to}`)
    const prev = node.routes.findIndex((x) => x.to === to)
    if (prev >= 0) problem([...rp, 'to'], `a route to ${to} is already given (routes[${prev}])`)
    else node.routes.push({ to, via: r.via })
  }

  if (f.startup !== undefined) {
    const lines = typeof f.startup === 'string' ? f.startup.split('\n') : f.startup
    // A YAML block scalar ends in a newline; that is not an extra empty command.
    if (typeof f.startup === 'string' && lines[lines.length - 1] === '') lines.pop()
    node.startup = lines.map((l) => l.replace(/\r$/, ''))
  }
  // Daemons start before the node's own lines, which may go on to use them (vtysh) or run for long.
  if (l3 && f.bgp !== undefined) {
    node.startup = [...bgpStartup(f.bgp), ...node.startup]
    node.daemons = ['bgpd']
  }
  if (l3 && f.ospf !== undefined && f.ospf !== false) {
    node.startup = [...ospfStartup(f.ospf), ...node.startup]
    node.daemons = ['ospfd', ...(node.daemons ?? [])]
  }
  if (l3 && f.ospf6 !== undefined && f.ospf6 !== false) {
    const names = (f.interfaces ?? []).map((i) => i.name).filter((n) => !n.startsWith('lo'))
    node.startup = [...ospf6Startup(f.ospf6, names), ...node.startup]
    node.daemons = ['ospf6d', ...(node.daemons ?? [])]
  }
  if (l3 && f.isis !== undefined && f.isis !== false) {
    const names = (f.interfaces ?? []).map((i) => i.name).filter((n) => !n.startsWith('lo'))
    // A system ID from the node's place among the file's nodes, unique in the lab.
    const sysId = (++ctx.isis.count).toString().padStart(12, '0')
    node.startup = [...isisStartup(f.isis, names, sysId), ...node.startup]
    node.daemons = ['isisd', ...(node.daemons ?? [])]
  }
  if (l3 && f.ripng !== undefined && f.ripng !== false) {
    node.startup = [...ripngStartup(f.ripng), ...node.startup]
    node.daemons = ['ripngd', ...(node.daemons ?? [])]
  }
  if (l3 && f.rip !== undefined && f.rip !== false) {
    node.startup = [...ripStartup(f.rip), ...node.startup]
    node.daemons = ['ripd', ...(node.daemons ?? [])]
  }
  return node
}

/** An external node's VXLAN end point (ports defaulted) or rj45 interface; on any other kind, an error. */
function resolveVxlan(ctx: Ctx, node: TopoNode, path: Path, f: NodeFile): void {
  const v = f.vxlan
  if (node.kind !== 'external') {
    if (v !== undefined)
      ctx.diags.error([...path, 'vxlan'], `a ${f.kind} has no VXLAN end point; only an external node does`)
    if (f.rj45 !== undefined)
      ctx.diags.error(
        [...path, 'rj45'],
        `a ${f.kind} takes no machine's interface; only an external node does`,
      )
    return
  }
  const r = f.rj45
  if (r !== undefined) {
    if (v !== undefined) ctx.diags.error([...path, 'rj45'], 'an external node has vxlan or rj45, not both')
    else node.rj45 = { interface: r.interface, ...(r.vlan !== undefined && { vlan: r.vlan }) }
    return
  }
  if (v === undefined) {
    ctx.diags.warn(
      path,
      'an external node without vxlan: { vni, local, remote } or rj45: { interface } leads nowhere; its link stays unplugged',
    )
    return
  }
  if (parseIpv4(v.local)! >>> 28 === 0xe)
    ctx.diags.error([...path, 'vxlan', 'local'], `${v.local} is a multicast address`)
  node.vxlan = {
    vni: v.vni,
    local: v.local,
    localPort: v.localPort ?? 4789,
    remote: v.remote,
    remotePort: v.remotePort ?? 4789,
  }
}

function resolveIface(ctx: Ctx, node: TopoNode, ip: Path, fi: IfaceFile): TopoIface {
  const { diags, problem } = ctx
  const l3 = isL3(node.kind)
  const iface: TopoIface = {
    name: fi.name,
    addresses: [],
    ipv6: [],
    mac: null,
    mtu: l3 ? (fi.mtu ?? null) : null,
  }
  const written: [Path, string][] = []
  if (fi.address !== undefined) written.push([[...ip, 'address'], fi.address])
  for (const [k, a] of (fi.addresses ?? []).entries()) written.push([[...ip, 'addresses', k], a])
  if (!l3 && written.length > 0) diags.error(written[0]![0], `${node.kind} ports have no IP address`)
  else
    for (const [ap, a] of written) {
      const p = parsePrefix(a)
      if (!p) {
        diags.error(ap, `${show(a)} is not an IPv4 address/prefix`)
        continue
      }
      const why = interfaceAddressProblem(p)
      if (why) problem(ap, `${show(a)} cannot be an interface address: ${why}`)
      const text = formatPrefix(p.addr, p.len)
      if (iface.addresses.some((x) => parsePrefix(x)!.addr === p.addr))
        problem(ap, `${text} is given twice on ${fi.name}`)
      else iface.addresses.push(text)
    }
  for (const [k, a] of (fi.ipv6 ?? []).entries()) {
    if (!isIpv6Prefix(a)) diags.error([...ip, 'ipv6', k], `${show(a)} is not an IPv6 address/prefix`)
    else iface.ipv6.push(a)
    ctx.ipv6.count++
    ctx.ipv6.first ??= [...ip, 'ipv6']
  }
  if (fi.mac !== undefined) {
    const mac = normalizeMac(fi.mac)
    if (!l3) diags.error([...ip, 'mac'], `${node.kind} ports have no MAC address`)
    else if (mac === null) diags.error([...ip, 'mac'], `${show(fi.mac)} is not a MAC address`)
    else if (isGroupMac(fi.mac)) problem([...ip, 'mac'], `${mac} is a multicast MAC address`)
    else if (ctx.macs.has(mac)) problem([...ip, 'mac'], `${mac} is also the MAC of ${ctx.macs.get(mac)}`)
    else {
      ctx.macs.set(mac, `${node.name} ${fi.name}`)
      iface.mac = mac
    }
  }
  if (!l3 && fi.mtu !== undefined) diags.error([...ip, 'mtu'], `${node.kind} ports have no MTU of their own`)
  if (fi.vlan !== undefined) {
    const vp = [...ip, 'vlan']
    if (l3 && fi.vlan.dev === undefined)
      diags.error(vp, `${fi.name}: a vlan interface needs dev, its parent interface`)
    else if (l3 && fi.vlan.dev === fi.name)
      diags.error(vp, `${fi.name}: a vlan interface cannot be its own parent`)
    else if (!l3 && node.kind !== 'switch') diags.error(vp, `${node.kind} ports have no VLAN`)
    else if (!l3 && fi.vlan.dev !== undefined) diags.error(vp, `${node.kind} ports have no parent interface`)
    else iface.vlan = { tag: fi.vlan.tag, dev: l3 ? fi.vlan.dev! : null }
  }
  return iface
}

function resolveAuto(a: AutoFile | undefined, diags: Diagnostics): AutoConfig {
  const off: AutoConfig = { addressing: null, defaultRoutes: false, routes: false }
  if (a === undefined || a === false) return off
  const full = { pool: DEFAULT_POOL, prefix: DEFAULT_PREFIX }
  if (a === true) return { addressing: full, defaultRoutes: true, routes: true }
  let addressing: AutoConfig['addressing'] = null
  if (a.addressing === true) addressing = full
  else if (typeof a.addressing === 'object') {
    const poolText = a.addressing.pool ?? DEFAULT_POOL
    const prefix = a.addressing.prefix ?? DEFAULT_PREFIX
    const pool = parsePrefix(poolText)
    if (pool) {
      const canonical = formatSubnet(pool)
      if (canonical !== poolText)
        diags.warn(['auto', 'addressing', 'pool'], `${show(poolText)} has host bits set; using ${canonical}`)
      if (prefix < pool.len)
        diags.error(
          ['auto', 'addressing', 'prefix'],
          `/${prefix} subnets do not fit in the pool ${canonical}; use a prefix of ${pool.len} or more`,
        )
      addressing = { pool: canonical, prefix }
    }
  }
  return { addressing, defaultRoutes: a.defaultRoutes ?? false, routes: a.routes ?? false }
}

/** Overlapping subnets on two interfaces of one node confuse its routing table: warn. */
function checkOverlaps(node: TopoNode, origin: Map<string, Path>, diags: Diagnostics): void {
  const seen: { iface: string; p: Prefix }[] = []
  for (const i of node.interfaces)
    for (const a of i.addresses) {
      const p = parsePrefix(a)!
      const other = seen.find((s) => s.iface !== i.name && overlaps(s.p, p))
      if (other)
        diags.warn(
          origin.get(`${node.name}:${i.name}`) ?? ['nodes', node.name],
          `${a} on ${i.name} overlaps ${formatPrefix(other.p.addr, other.p.len)} on ${other.iface}`,
        )
      seen.push({ iface: i.name, p })
    }
}

// ---- checks on the final addresses ----

function finalChecks(
  t: Topology,
  origin: Map<string, Path>,
  problem: (path: Path, msg: string) => void,
  diags: Diagnostics,
): void {
  const where = (node: string, iface: string): Path => origin.get(`${node}:${iface}`) ?? ['nodes', node]
  const owner = new Map<number, string>()
  for (const n of t.nodes)
    for (const i of n.interfaces)
      for (const a of i.addresses) {
        const p = parsePrefix(a)!
        const prev = owner.get(p.addr)
        if (prev !== undefined)
          problem(where(n.name, i.name), `${i.name} address ${a} is also used by ${prev}`)
        else owner.set(p.addr, `${n.name} ${i.name}`)
      }

  for (const n of t.nodes) {
    const mine = n.interfaces.flatMap((i) => i.addresses.map((a) => parsePrefix(a)!))
    for (const [k, r] of n.routes.entries()) {
      const via = parseIpv4(r.via)!
      const path: Path = ['nodes', n.name, 'routes', k, 'via']
      if (mine.some((p) => p.addr === via))
        problem(path, `gateway ${r.via} is an address of ${n.name} itself`)
      else if (!mine.some((p) => contains(p, via))) {
        const nets = mine.map((p) => formatSubnet(p))
        problem(
          path,
          `gateway ${r.via} is not on a connected subnet of ${n.name}` +
            (nets.length ? ` (${nets.join(', ')})` : ' (it has no IPv4 address)'),
        )
      }
    }
  }

  // Two addressed ends of a plain cable that share no subnet cannot talk: almost surely a typo.
  const byName = new Map(t.nodes.map((n) => [n.name, n]))
  // An external node is the far end of one cable (its VXLAN interface has one wire side).
  const cables = new Map<string, number>()
  for (const l of t.links)
    for (const e of [l.a, l.b])
      if (byName.get(e.node)?.kind === 'external') cables.set(e.node, (cables.get(e.node) ?? 0) + 1)
  for (const [name, n] of cables)
    if (n > 1)
      problem(['nodes', name], `an external node takes one link; ${name} has ${n} (join them with a switch)`)
  for (const [k, l] of t.links.entries()) {
    const na = byName.get(l.a.node)!
    const nb = byName.get(l.b.node)!
    if (!isL3(na.kind) || !isL3(nb.kind)) continue
    const pa = na.interfaces.find((i) => i.name === l.a.iface)!.addresses.map((a) => parsePrefix(a)!)
    const pb = nb.interfaces.find((i) => i.name === l.b.iface)!.addresses.map((a) => parsePrefix(a)!)
    if (pa.length === 0 || pb.length === 0) continue
    if (!pa.some((x) => pb.some((y) => x.len === y.len && contains(x, y.addr))))
      diags.warn(
        ['links', k],
        `${l.a.node}:${l.a.iface} (${pa.map((p) => formatPrefix(p.addr, p.len)).join(', ')}) and ` +
          `${l.b.node}:${l.b.iface} (${pb.map((p) => formatPrefix(p.addr, p.len)).join(', ')}) share no subnet`,
      )
  }
}

/** A lab name from a file name: `labs/office.yaml` -> `office`, made a valid node-style name. */
export function labNameFrom(fileName: string): string {
  const base = (fileName.split(/[\\/]/).pop() ?? '').replace(/\.[^.]*$/, '')
  const cleaned = base.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 63)
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `lab${cleaned}`.slice(0, 63)
}
