/**
 * `virtnet gen`: topology generators in the spirit of Mininet's built-in topologies (linear, single,
 * tree, torus) and IMUNES's TopoGen (chains, stars, rings, grids, cliques of routers and pcs). A
 * generated lab is self-contained: every address and static route is written out, none is left to
 * load-time `auto`, and `pingall` passes on it.
 *
 * Two flavours of the same shapes ("cores" joined in a chain, ring, grid, tree, clique or random
 * graph, with end systems hanging off them):
 *
 * - `switch` (Mininet): the cores are switches and the end systems hosts h1, h2, … in one subnet,
 *   10.0.0.0/8 from 10.0.0.1 up, as Mininet numbers them. No routes at all. Only for loop-free
 *   shapes: a ring, grid or clique of switches is a bridging loop (ng_bridge would mute links, and
 *   frames would be lost), so those refuse this flavour.
 * - `router` (TopoGen): the cores are routers r1, r2, … and each end system pc1, pc2, … has its own
 *   /30 to its router. Router k owns an aligned block of addresses holding every /30 it owns (those
 *   to its pcs, and to the cores it links to first), and routes aggregate over blocks (route_agg.ts),
 *   so a router has O(log N) routes in chains, rings, grids and trees: blocks are numbered so that a
 *   tree's subtrees and a grid's rows are aligned ranges, the busiest next hop becomes the default
 *   route. Cliques and random graphs route per destination block (N - 1 routes per router).
 *
 * Pure: no I/O; randomness (the `random` shape) from the seeded util Rng.
 */

import { Rng } from '../../util/rng.js'
import { formatIpv4 } from '../../wire/addr.js'
import { aggregate, type HopRange } from './route_agg.js'

export const SHAPES = ['chain', 'star', 'ring', 'grid', 'tree', 'clique', 'random'] as const
export type Shape = (typeof SHAPES)[number]
export type GenKind = 'switch' | 'router'

/** Shapes whose cores form a cycle: switches would loop. */
const LOOPY: ReadonlySet<Shape> = new Set<Shape>(['ring', 'grid', 'clique', 'random'])

/** Positional arguments per shape, for usage messages. */
export const SHAPE_ARGS: Readonly<Record<Shape, string>> = Object.freeze({
  chain: 'N',
  star: 'N',
  ring: 'N',
  grid: 'ROWS COLS',
  tree: 'DEPTH FANOUT',
  clique: 'N',
  random: 'N P',
})

export interface GenSpec {
  shape: Shape
  /** chain, star, ring, clique: [N]; grid: [ROWS, COLS]; tree: [DEPTH, FANOUT]; random: [N, P]. */
  args: readonly number[]
  /** Default: switch for chain, star and tree (no routes needed), router for the others. */
  kind?: GenKind
  /** End systems per core (chain, ring, grid, clique, random; default 1). */
  hosts?: number
  /** For `random`. */
  seed?: number
  /** Lab name (default: shape and arguments, `tree-3-2`). */
  name?: string
  /** Written as `defaults.impair`: every link gets them. Strings in the file's syntax. */
  impair?: { bandwidth?: string; delay?: string; loss?: string }
  /** The command line, for the header comment. */
  command?: string
}

export interface GenIface {
  name: string
  address: string
}

export interface GenNode {
  name: string
  kind: 'pc' | 'router' | 'switch'
  ifaces: GenIface[]
  routes: Array<{ to: string; via: string }>
}

export interface GenLab {
  name: string
  /** One-line summary for the header comment. */
  summary: string
  command: string
  impair: GenSpec['impair'] | null
  nodes: GenNode[]
  /** Endpoints as `node:iface`. */
  links: Array<{ a: string; b: string }>
}

/** Thrown for arguments that make no lab; the message is for the user. */
export class GenError extends Error {
  override readonly name = 'GenError'
}

/** The cores' graph: edges in link order, end systems per core, and routing by block-index ranges. */
interface Shaped {
  cores: number
  edges: Array<readonly [number, number]>
  hosts: number[]
  /** Block index of each core (router flavour). */
  index: (k: number) => number
  /** Size of the index space, a power of two. */
  total: number
  /** Next hops of core k by destination block range (router flavour). */
  ranges: (k: number) => HopRange[]
}

function nextPow2(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

function intArg(spec: GenSpec, i: number, what: string, min: number, max: number): number {
  const v = spec.args[i]
  if (v === undefined || !Number.isInteger(v) || v < min || v > max)
    throw new GenError(`${spec.shape}: ${what} must be an integer ${min}..${max}`)
  return v
}

/** Chain, ring, clique, random, star: core indices are the block indices. */
function identity(n: number): Pick<Shaped, 'index' | 'total'> {
  return { index: (k) => k, total: nextPow2(n) }
}

function chain(n: number, hosts: number): Shaped {
  return {
    cores: n,
    edges: Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as const),
    hosts: new Array<number>(n).fill(hosts),
    ...identity(n),
    ranges: (k) => [
      { lo: 0, hi: k - 1, hop: k - 1 },
      { lo: k + 1, hi: n - 1, hop: k + 1 },
    ],
  }
}

function star(n: number): Shaped {
  return { cores: 1, edges: [], hosts: [n], ...identity(1), ranges: () => [] }
}

/** Indices from..from+count-1 modulo n, as at most two ranges. */
function wrapped(from: number, count: number, n: number, hop: number): HopRange[] {
  if (count <= 0) return []
  const lo = from % n
  const hi = lo + count - 1
  if (hi < n) return [{ lo, hi, hop }]
  return [
    { lo, hi: n - 1, hop },
    { lo: 0, hi: hi - n, hop },
  ]
}

function ring(n: number, hosts: number): Shaped {
  // Shortest way round: the nearer half clockwise, the rest the other way.
  const cw = Math.floor((n - 1) / 2)
  return {
    cores: n,
    edges: Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as const),
    hosts: new Array<number>(n).fill(hosts),
    ...identity(n),
    ranges: (k) => [
      ...wrapped(k + 1, cw, n, (k + 1) % n),
      ...wrapped(k + 1 + cw, n - 1 - cw, n, (k + n - 1) % n),
    ],
  }
}

function grid(rows: number, cols: number, hosts: number): Shaped {
  const cpad = nextPow2(cols)
  const id = (r: number, c: number) => r * cols + c
  const edges: Array<readonly [number, number]> = []
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols) edges.push([id(r, c), id(r, c + 1)])
      if (r + 1 < rows) edges.push([id(r, c), id(r + 1, c)])
    }
  const total = nextPow2(rows) * cpad
  return {
    cores: rows * cols,
    edges,
    hosts: new Array<number>(rows * cols).fill(hosts),
    // A row is one aligned range, so "rows above" and "rows below" aggregate.
    index: (k) => Math.floor(k / cols) * cpad + (k % cols),
    total,
    // Dimension order: first to the destination's row (up or down), then along it.
    ranges: (k) => {
      const r = Math.floor(k / cols)
      const c = k % cols
      const row = r * cpad
      const out: HopRange[] = []
      if (r > 0) out.push({ lo: 0, hi: row - 1, hop: id(r - 1, c) })
      if (r + 1 < rows) out.push({ lo: row + cpad, hi: total - 1, hop: id(r + 1, c) })
      if (c > 0) out.push({ lo: row, hi: row + c - 1, hop: id(r, c - 1) })
      if (c + 1 < cols) out.push({ lo: row + c + 1, hi: row + cpad - 1, hop: id(r, c + 1) })
      return out
    },
  }
}

function tree(depth: number, fanout: number): Shaped {
  // pad[l]: index space of a subtree whose root is at level l (1 = the root); children sit at
  // multiples of pad[l + 1] after their parent, so every subtree is one aligned range.
  const pad = new Array<number>(depth + 2).fill(1)
  for (let l = depth - 1; l >= 1; l--) pad[l] = nextPow2((fanout + 1) * pad[l + 1]!)
  const base: number[] = []
  const level: number[] = []
  const parent: number[] = []
  const children: number[][] = []
  const edges: Array<readonly [number, number]> = []
  const hosts: number[] = []
  // Mininet's TreeTopo numbering: switches (and hosts) in preorder.
  const add = (l: number, b: number, p: number): void => {
    const k = base.length
    base.push(b)
    level.push(l)
    parent.push(p)
    children.push([])
    hosts.push(l === depth ? fanout : 0)
    if (p >= 0) {
      children[p]!.push(k)
      edges.push([p, k])
    }
    if (l < depth) for (let i = 0; i < fanout; i++) add(l + 1, b + (i + 1) * pad[l + 1]!, k)
  }
  add(1, 0, -1)
  const total = pad[1]!
  return {
    cores: base.length,
    edges,
    hosts,
    index: (k) => base[k]!,
    total,
    ranges: (k) => {
      const b = base[k]!
      const end = b + pad[level[k]!]!
      const out: HopRange[] = children[k]!.map((c) => ({
        lo: base[c]!,
        hi: base[c]! + pad[level[c]!]! - 1,
        hop: c,
      }))
      if (parent[k]! >= 0)
        out.push({ lo: 0, hi: b - 1, hop: parent[k]! }, { lo: end, hi: total - 1, hop: parent[k]! })
      return out
    },
  }
}

/** Per-destination next hops by breadth-first search (cliques, random graphs). */
function bfsRanges(n: number, edges: ReadonlyArray<readonly [number, number]>): (k: number) => HopRange[] {
  const adj: number[][] = Array.from({ length: n }, () => [])
  for (const [a, b] of edges) {
    adj[a]!.push(b)
    adj[b]!.push(a)
  }
  return (k) => {
    const first = new Int32Array(n).fill(-1)
    first[k] = k
    const queue = [k]
    for (let q = 0; q < queue.length; q++) {
      const u = queue[q]!
      for (const v of adj[u]!)
        if (first[v] === -1) {
          first[v] = u === k ? v : first[u]!
          queue.push(v)
        }
    }
    const out: HopRange[] = []
    for (let d = 0; d < n; d++) if (d !== k && first[d]! >= 0) out.push({ lo: d, hi: d, hop: first[d]! })
    return out
  }
}

function clique(n: number, hosts: number): Shaped {
  const edges: Array<readonly [number, number]> = []
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) edges.push([i, j])
  return {
    cores: n,
    edges,
    hosts: new Array<number>(n).fill(hosts),
    ...identity(n),
    ranges: bfsRanges(n, edges),
  }
}

/** A random spanning tree (so the lab is connected), plus every other pair with probability p. */
function random(n: number, p: number, hosts: number, seed: number): Shaped {
  const rng = new Rng(seed, 'gen/random')
  const edges: Array<readonly [number, number]> = []
  const has = new Set<number>()
  for (let i = 1; i < n; i++) {
    const j = rng.int(i)
    edges.push([j, i])
    has.add(j * n + i)
  }
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) if (!has.has(i * n + j) && rng.float() < p) edges.push([i, j])
  return {
    cores: n,
    edges,
    hosts: new Array<number>(n).fill(hosts),
    ...identity(n),
    ranges: bfsRanges(n, edges),
  }
}

/** The largest lab the generators write (nodes): a file beyond this is no longer a lab to read. */
const MAX_NODES = 1_000_000

function shape(spec: GenSpec, hosts: number): Shaped {
  switch (spec.shape) {
    case 'chain':
      return chain(intArg(spec, 0, 'N', 1, MAX_NODES), hosts)
    case 'star':
      return star(intArg(spec, 0, 'N', 1, MAX_NODES))
    case 'ring':
      return ring(intArg(spec, 0, 'N', 3, MAX_NODES), hosts)
    case 'grid': {
      const r = intArg(spec, 0, 'ROWS', 1, 10_000)
      const c = intArg(spec, 1, 'COLS', 1, 10_000)
      if (r * c < 2) throw new GenError('grid: needs at least two nodes')
      return grid(r, c, hosts)
    }
    case 'tree': {
      const d = intArg(spec, 0, 'DEPTH', 1, 20)
      const f = intArg(spec, 1, 'FANOUT', 1, 1000)
      if (f ** d > MAX_NODES) throw new GenError(`tree: ${f}^${d} hosts is more than ${MAX_NODES}`)
      return tree(d, f)
    }
    case 'clique':
      return clique(intArg(spec, 0, 'N', 2, 2000), hosts)
    case 'random': {
      const n = intArg(spec, 0, 'N', 2, 10_000)
      const p = spec.args[1]
      if (p === undefined || !(p >= 0 && p <= 1)) throw new GenError('random: P must be a probability 0..1')
      return random(n, p, hosts, spec.seed ?? 1)
    }
  }
}

/** Generates the lab `spec` describes; throws GenError for impossible arguments. */
export function generate(spec: GenSpec): GenLab {
  const kind: GenKind = spec.kind ?? (LOOPY.has(spec.shape) ? 'router' : 'switch')
  if (kind === 'switch' && LOOPY.has(spec.shape))
    throw new GenError(`${spec.shape}: switches joined in a cycle form a bridging loop; use --kind router`)
  const hosts = spec.hosts ?? 1
  if (!Number.isInteger(hosts) || hosts < 0 || hosts > 10_000)
    throw new GenError('--hosts must be an integer 0..10000')
  const s = shape(spec, hosts)
  const totalHosts = s.hosts.reduce((a, b) => a + b, 0)
  if (s.cores + totalHosts > MAX_NODES) throw new GenError(`more than ${MAX_NODES} nodes`)
  const lab = kind === 'switch' ? switched(s) : routed(s)
  const name = spec.name ?? `${spec.shape}-${spec.args.join('-').replace(/\./g, '_')}`
  const links = lab.links.length
  return {
    ...lab,
    name,
    command: spec.command ?? '',
    impair: spec.impair !== undefined && Object.keys(spec.impair).length > 0 ? spec.impair : null,
    summary: [
      counted(s.cores, kind === 'switch' ? 'switch' : 'router', kind === 'switch' ? 'switches' : 'routers'),
      counted(totalHosts, kind === 'switch' ? 'host' : 'pc', kind === 'switch' ? 'hosts' : 'pcs'),
      counted(links, 'link', 'links'),
    ].join(', '),
  }
}

function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** Interface names handed out per node in link order: eth0, eth1, … */
class Ports {
  private readonly next = new Map<string, number>()
  take(node: string): string {
    const k = this.next.get(node) ?? 0
    this.next.set(node, k + 1)
    return `eth${k}`
  }
}

function switched(s: Shaped): Pick<GenLab, 'nodes' | 'links'> {
  const nodes: GenNode[] = []
  const links: GenLab['links'] = []
  const ports = new Ports()
  const sw = (k: number) => `s${k + 1}`
  for (let k = 0; k < s.cores; k++) nodes.push({ name: sw(k), kind: 'switch', ifaces: [], routes: [] })
  for (const [a, b] of s.edges)
    links.push({ a: `${sw(a)}:${ports.take(sw(a))}`, b: `${sw(b)}:${ports.take(sw(b))}` })
  if (s.hosts.reduce((x, y) => x + y, 0) > 2 ** 24 - 2) throw new GenError('more hosts than 10.0.0.0/8 holds')
  let h = 0
  for (let k = 0; k < s.cores; k++)
    for (let i = 0; i < s.hosts[k]!; i++) {
      h++
      const name = `h${h}`
      nodes.push({
        name,
        kind: 'pc',
        ifaces: [{ name: 'eth0', address: `${formatIpv4(0x0a000000 + h)}/8` }],
        routes: [],
      })
      links.push({ a: `${name}:eth0`, b: `${sw(k)}:${ports.take(sw(k))}` })
    }
  return { nodes, links }
}

function routed(s: Shaped): Pick<GenLab, 'nodes' | 'links'> {
  // Subnets each core owns: its first-named edges and its pcs, one /30 each.
  const owned = new Array<number>(s.cores).fill(0)
  for (const [a] of s.edges) owned[a]!++
  for (let k = 0; k < s.cores; k++) owned[k]! += s.hosts[k]
  const blockSize = 4 * nextPow2(Math.max(1, ...owned))
  if (s.total * blockSize > 2 ** 24)
    throw new GenError(`too large: ${s.total} address blocks of ${blockSize} do not fit in 10.0.0.0/8`)
  const blockBits = Math.log2(blockSize)
  const net = (k: number) => 0x0a000000 + s.index(k) * blockSize
  const used = new Array<number>(s.cores).fill(0)
  /** The next /30 of core k: [owner's address, other end's address]. */
  const subnet = (k: number): [number, number] => {
    const base = net(k) + 4 * used[k]!++
    return [base + 1, base + 2]
  }
  const r = (k: number) => `r${k + 1}`
  const routers: GenNode[] = Array.from({ length: s.cores }, (_, k) => ({
    name: r(k),
    kind: 'router' as const,
    ifaces: [],
    routes: [],
  }))
  const pcs: GenNode[] = []
  const links: GenLab['links'] = []
  const ports = new Ports()
  const addr = (a: number) => `${formatIpv4(a)}/30`
  /** The neighbour's address on the edge to it, per core: gateway for routes through it. */
  const gateway: Array<Map<number, number>> = Array.from({ length: s.cores }, () => new Map())
  for (const [a, b] of s.edges) {
    const [x, y] = subnet(a)
    const ia = ports.take(r(a))
    const ib = ports.take(r(b))
    routers[a]!.ifaces.push({ name: ia, address: addr(x) })
    routers[b]!.ifaces.push({ name: ib, address: addr(y) })
    if (!gateway[a]!.has(b)) gateway[a]!.set(b, y)
    if (!gateway[b]!.has(a)) gateway[b]!.set(a, x)
    links.push({ a: `${r(a)}:${ia}`, b: `${r(b)}:${ib}` })
  }
  let p = 0
  for (let k = 0; k < s.cores; k++)
    for (let i = 0; i < s.hosts[k]!; i++) {
      const [x, y] = subnet(k)
      const name = `pc${++p}`
      const ir = ports.take(r(k))
      routers[k]!.ifaces.push({ name: ir, address: addr(x) })
      pcs.push({
        name,
        kind: 'pc',
        ifaces: [{ name: 'eth0', address: addr(y) }],
        routes: [{ to: 'default', via: formatIpv4(x) }],
      })
      links.push({ a: `${r(k)}:${ir}`, b: `${name}:eth0` })
    }
  for (let k = 0; k < s.cores; k++) {
    const own = s.index(k)
    const ranges = [...s.ranges(k), { lo: own, hi: own, hop: -1 }]
    for (const route of aggregate(ranges, s.total)) {
      const via = formatIpv4(gateway[k]!.get(route.hop)!)
      if (route.block === null) routers[k]!.routes.push({ to: 'default', via })
      else {
        const len = 32 - blockBits - Math.log2(route.block.count)
        routers[k]!.routes.push({
          to: `${formatIpv4(0x0a000000 + route.block.index * blockSize)}/${len}`,
          via,
        })
      }
    }
  }
  return { nodes: [...routers, ...pcs], links }
}

// ---- JSON ----

/** The lab as a JSON topology file: the same content as formatLabYaml, for fast loading of big labs. */
export function formatLabJson(g: GenLab): string {
  const nodes: Record<string, unknown> = {}
  for (const n of g.nodes) {
    const node: Record<string, unknown> = { kind: n.kind }
    if (n.ifaces.length > 0) node.interfaces = n.ifaces.map((i) => ({ name: i.name, address: i.address }))
    if (n.routes.length > 0) node.routes = n.routes
    nodes[n.name] = node
  }
  const file = {
    name: g.name,
    ...(g.impair === null || g.impair === undefined
      ? {}
      : {
          defaults: {
            // Bare numbers are numbers in the file format (µs, bit/s, probability), as in the YAML.
            impair: Object.fromEntries(
              Object.entries(g.impair)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, /^\d+(\.\d+)?$/.test(v!) ? Number(v) : v]),
            ),
          },
        }),
    nodes,
    links: g.links,
  }
  return `${JSON.stringify(file, null, 1)}\n`
}

// ---- YAML ----

function flowIfaces(ifaces: readonly GenIface[]): string {
  return `[ ${ifaces.map((i) => `{ name: ${i.name}, address: ${i.address} }`).join(', ')} ]`
}

function flowRoutes(routes: GenNode['routes']): string {
  return `[ ${routes.map((r) => `{ to: ${r.to}, via: ${r.via} }`).join(', ')} ]`
}

/** The lab as a topology file (docs/topology.md): one line per switch, pc and link. */
export function formatLabYaml(g: GenLab): string {
  const out: string[] = [
    `# Generated by virtnet gen${g.command === '' ? '' : ` (${g.command})`}: ${g.summary}.`,
    '# Addresses and routes are written out; `virtnet run FILE -c pingall` checks them.',
    `name: ${g.name}`,
  ]
  if (g.impair !== null && g.impair !== undefined) {
    const f = Object.entries(g.impair)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${/^\d+(\.\d+)?$/.test(v!) ? v : `'${v}'`}`)
    out.push('defaults:', `  impair: { ${f.join(', ')} }`)
  }
  out.push('nodes:')
  for (const n of g.nodes) {
    if (n.kind === 'switch') out.push(`  ${n.name}: { kind: switch }`)
    else if (n.kind === 'pc')
      out.push(
        `  ${n.name}: { kind: pc, interfaces: ${flowIfaces(n.ifaces)}${n.routes.length > 0 ? `, routes: ${flowRoutes(n.routes)}` : ''} }`,
      )
    else {
      out.push(`  ${n.name}:`, '    kind: router')
      if (n.ifaces.length > 0) {
        out.push('    interfaces:')
        for (const i of n.ifaces) out.push(`      - { name: ${i.name}, address: ${i.address} }`)
      }
      if (n.routes.length > 0) {
        out.push('    routes:')
        for (const r of n.routes) out.push(`      - { to: ${r.to}, via: ${r.via} }`)
      }
    }
  }
  out.push(g.links.length > 0 ? 'links:' : 'links: []')
  for (const l of g.links) out.push(`  - { a: ${l.a}, b: ${l.b} }`)
  return `${out.join('\n')}\n`
}
