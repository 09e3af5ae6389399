/**
 * Automatic addressing and routing, checked the way a packet would: a small independent forwarding
 * simulation (its own segment computation, on-link delivery, longest-prefix match over the static
 * routes, forwarding only on routers) must get from every end system to every address of every other
 * node, on chains, stars, trees, rings and random trees; addresses must be unique; the result must be
 * deterministic and idempotent and leave whatever the file gave alone.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { prefixToMask } from '../wire/addr.js'
import { autoAddress, segments } from './auto.js'
import { parsePrefix } from './cidr.js'
import { TopologyError } from './file/diagnostics.js'
import { loadTopology } from './file/load.js'
import type { TopologyFile } from './file/schema.js'
import type { AutoConfig, Topology } from './model.js'

const ALL: AutoConfig = { addressing: { pool: '10.0.0.0/8', prefix: 24 }, defaultRoutes: true, routes: true }

/** A topology from nodes `name:kind` and links `a-b` (bare endpoints), without auto. */
function build(nodes: string[], links: string[], extra: Partial<TopologyFile> = {}): Topology {
  const file: TopologyFile = {
    nodes: Object.fromEntries(
      nodes.map((n) => {
        const [name, kind] = n.split(':') as [string, TopologyFile['nodes'][string]['kind']]
        return [name, { kind }]
      }),
    ),
    links: links.map((l) => {
      const [a, b] = l.split('-') as [string, string]
      return { a, b }
    }),
    ...extra,
  }
  return loadTopology(JSON.stringify(file), 'gen.json').topology
}

// ---- an independent forwarding simulation ----

interface Owner {
  node: string
  seg: number
}

function simulator(t: Topology) {
  // Segments by flooding: an L3 interface is its own port; a switch/hub joins all its ports.
  const kinds = new Map(t.nodes.map((n) => [n.name, n.kind]))
  const l2 = (node: string) => kinds.get(node) === 'switch' || kinds.get(node) === 'hub'
  const port = (node: string, iface: string) => (l2(node) ? node : `${node}:${iface}`)
  const adj = new Map<string, string[]>()
  for (const l of t.links) {
    const a = port(l.a.node, l.a.iface)
    const b = port(l.b.node, l.b.iface)
    adj.set(a, [...(adj.get(a) ?? []), b])
    adj.set(b, [...(adj.get(b) ?? []), a])
  }
  const segOf = new Map<string, number>()
  let next = 0
  for (const start of adj.keys()) {
    if (segOf.has(start)) continue
    const stack = [start]
    segOf.set(start, next)
    while (stack.length)
      for (const n of adj.get(stack.pop()!) ?? []) if (!segOf.has(n)) segOf.set(n, next) && stack.push(n)
    next++
  }
  const owners = new Map<number, Owner>()
  for (const n of t.nodes)
    for (const i of n.interfaces) {
      const seg = segOf.get(`${n.name}:${i.name}`)
      for (const a of i.addresses)
        if (seg !== undefined) owners.set(parsePrefix(a)!.addr, { node: n.name, seg })
    }
  const nodes = new Map(t.nodes.map((n) => [n.name, n]))
  const inNet = (net: { addr: number; len: number }, a: number) =>
    ((net.addr ^ a) & prefixToMask(net.len)) >>> 0 === 0

  /** Follows the packet hop by hop; returns the path, or null when it is dropped or loops. */
  return (from: string, dst: number): string[] | null => {
    let cur = from
    const path = [cur]
    for (let hop = 0; hop < 64; hop++) {
      const n = nodes.get(cur)!
      const mine = n.interfaces.flatMap((i) =>
        i.addresses.map((a) => ({ p: parsePrefix(a)!, seg: segOf.get(`${n.name}:${i.name}`) })),
      )
      if (mine.some((m) => m.p.addr === dst)) return path
      if (cur !== from && !n.forwarding) return null
      // On-link first, then the longest matching route.
      let nextHop: number | null = null
      if (!mine.some((m) => inNet(m.p, dst))) {
        let best = -1
        for (const r of n.routes) {
          const to = parsePrefix(r.to)!
          if (to.len > best && inNet(to, dst)) {
            best = to.len
            nextHop = parsePrefix(`${r.via}/32`)!.addr
          }
        }
        if (nextHop === null) return null
      } else nextHop = dst
      const out = mine.find((m) => inNet(m.p, nextHop!))
      const owner = owners.get(nextHop)
      if (!out || !owner || owner.seg !== out.seg) return null
      cur = owner.node
      path.push(cur)
    }
    return null
  }
}

/** Every end system reaches every address of every pc/host/router; returns the failures. */
function unreachable(t: Topology): string[] {
  const walk = simulator(t)
  const bad: string[] = []
  const ends = t.nodes.filter((n) => n.kind === 'pc' || n.kind === 'host')
  for (const src of ends)
    for (const dst of t.nodes)
      for (const i of dst.interfaces)
        for (const a of i.addresses)
          if (!walk(src.name, parsePrefix(a)!.addr)) bad.push(`${src.name} -> ${a}`)
  return bad
}

function allAddresses(t: Topology): string[] {
  return t.nodes.flatMap((n) => n.interfaces.flatMap((i) => i.addresses.map((a) => a.split('/')[0]!)))
}

function assertGood(t: Topology): void {
  const addrs = allAddresses(t)
  assert.equal(new Set(addrs).size, addrs.length, 'addresses are unique')
  for (const n of t.nodes)
    if (n.kind !== 'switch' && n.kind !== 'hub')
      for (const i of n.interfaces) assert.ok(i.addresses.length > 0, `${n.name}:${i.name} has an address`)
  assert.deepEqual(unreachable(t), [])
}

// ---- shapes ----

function chain(routers: number): Topology {
  const nodes = ['pcA:pc', 'pcB:pc', ...Array.from({ length: routers }, (_, i) => `r${i}:router`)]
  const links = [
    'pcA-r0',
    ...Array.from({ length: routers - 1 }, (_, i) => `r${i}-r${i + 1}`),
    `r${routers - 1}-pcB`,
  ]
  return build(nodes, links)
}

function star(lans: number, hosts: number): Topology {
  const nodes = ['core:router']
  const links: string[] = []
  for (let l = 0; l < lans; l++) {
    nodes.push(`sw${l}:switch`)
    links.push(`core-sw${l}`)
    for (let h = 0; h < hosts; h++) {
      nodes.push(`h${l}x${h}:${h % 2 ? 'host' : 'pc'}`)
      links.push(`h${l}x${h}-sw${l}`)
    }
  }
  return build(nodes, links)
}

/** Routers in a tree given by parent indexes; every router gets a pc, leaves a hub LAN of two. */
function tree(parents: number[]): Topology {
  const nodes = ['r0:router', 'p0:pc']
  const links = ['r0-p0']
  parents.forEach((p, i) => {
    const r = i + 1
    nodes.push(`r${r}:router`, `p${r}:pc`)
    links.push(`r${p}-r${r}`, `p${r}-r${r}`)
  })
  const leaves = [...Array(parents.length + 1).keys()].filter((r) => !parents.includes(r))
  for (const r of leaves) {
    nodes.push(`hub${r}:hub`, `q${r}a:host`, `q${r}b:pc`)
    links.push(`r${r}-hub${r}`, `q${r}a-hub${r}`, `q${r}b-hub${r}`)
  }
  return build(nodes, links)
}

describe('autoAddress', () => {
  test('a chain: numbering by segment, routers first, routes along the chain', () => {
    const t = autoAddress(chain(3), ALL)
    const byName = new Map(t.nodes.map((n) => [n.name, n]))
    const addrs = (n: string) => byName.get(n)!.interfaces.map((i) => `${i.name}=${i.addresses.join(',')}`)
    assert.deepEqual(addrs('pcA'), ['eth0=10.0.0.2/24'])
    assert.deepEqual(addrs('r0'), ['eth0=10.0.0.1/24', 'eth1=10.0.1.1/24'])
    assert.deepEqual(addrs('r1'), ['eth0=10.0.1.2/24', 'eth1=10.0.2.1/24'])
    assert.deepEqual(addrs('r2'), ['eth0=10.0.2.2/24', 'eth1=10.0.3.1/24'])
    assert.deepEqual(addrs('pcB'), ['eth0=10.0.3.2/24'])
    assert.deepEqual(byName.get('pcA')!.routes, [{ to: '0.0.0.0/0', via: '10.0.0.1' }])
    assert.deepEqual(byName.get('r1')!.routes, [
      { to: '10.0.0.0/24', via: '10.0.1.1' },
      { to: '10.0.3.0/24', via: '10.0.2.2' },
    ])
    assertGood(t)
  })

  test('long chains, stars and trees: every end system reaches every address', () => {
    for (const t of [
      chain(1),
      chain(12),
      star(1, 1),
      star(6, 5),
      tree([0, 0, 1, 1, 2, 2]),
      tree([0, 1, 2, 3]),
    ])
      assertGood(autoAddress(t, ALL))
  })

  test('the simulation does catch missing routes', () => {
    const t = chain(3)
    assert.ok(unreachable(autoAddress(t, { ...ALL, routes: false })).length > 0)
    assert.ok(unreachable(autoAddress(t, { ...ALL, defaultRoutes: false })).length > 0)
  })

  test('a ring of routers (a cycle) gets loop-free shortest-path routes', () => {
    const n = 7
    const nodes = [...Array(n).keys()].flatMap((i) => [`r${i}:router`, `p${i}:pc`])
    const links = [...Array(n).keys()].flatMap((i) => [`r${i}-r${(i + 1) % n}`, `p${i}-r${i}`])
    const t = autoAddress(build(nodes, links), ALL)
    assertGood(t)
    const walk = simulator(t)
    // Opposite sides of the ring are 3 router hops apart, not 4.
    const target = parsePrefix(t.nodes.find((x) => x.name === 'p3')!.interfaces[0]!.addresses[0]!)!.addr
    assert.equal(walk('p0', target)!.length, 6)
  })

  test('random trees of routers (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 0, maxLength: 14 }).map((xs) => xs.map((x, i) => x % (i + 1))),
        (parents) => assertGood(autoAddress(tree(parents), ALL)),
      ),
      { numRuns: 60 },
    )
  })

  test('deterministic and idempotent; the input is not changed', () => {
    const t = star(3, 4)
    const before = JSON.stringify(t)
    const once = autoAddress(t, ALL)
    assert.equal(JSON.stringify(t), before)
    assert.deepEqual(autoAddress(star(3, 4), ALL), once)
    assert.deepEqual(autoAddress(once, ALL), once)
  })

  test('what the file gives is kept: addresses, their subnets, routes', () => {
    const t = build(['a:pc', 'b:pc', 'r:router', 's:switch'], ['a-s', 'b-s', 'r-s'])
    t.nodes[0]!.interfaces[0]!.addresses.push('192.168.5.7/24')
    t.nodes[2]!.routes.push({ to: '0.0.0.0/0', via: '192.168.5.7' })
    const out = autoAddress(t, ALL)
    const get = (n: string) => out.nodes.find((x) => x.name === n)!
    assert.deepEqual(get('a').interfaces[0]!.addresses, ['192.168.5.7/24'])
    // The segment already uses 192.168.5.0/24: the others join it, from the lowest free address.
    assert.deepEqual(get('r').interfaces[0]!.addresses, ['192.168.5.1/24'])
    assert.deepEqual(get('b').interfaces[0]!.addresses, ['192.168.5.2/24'])
    assert.deepEqual(get('r').routes, [{ to: '0.0.0.0/0', via: '192.168.5.7' }])
    assert.deepEqual(get('a').routes, [{ to: '0.0.0.0/0', via: '192.168.5.1' }])
  })

  test('subnets already used elsewhere are skipped; a big segment gets a bigger block', () => {
    const nodes = ['r:router', 's:switch', 'x:pc', ...Array.from({ length: 300 }, (_, i) => `h${i}:pc`)]
    const links = ['x-r', 'r-s', ...Array.from({ length: 300 }, (_, i) => `h${i}-s`)]
    const t = build(nodes, links)
    t.nodes.find((n) => n.name === 'x')!.interfaces[0]!.addresses.push('10.0.0.9/24')
    const out = autoAddress(t, ALL)
    const r = out.nodes.find((n) => n.name === 'r')!
    assert.deepEqual(
      r.interfaces.map((i) => i.addresses[0]),
      ['10.0.0.1/24', '10.0.2.1/23'],
    )
    assertGood(out)
  })

  test('the pool can run out', () => {
    const t = build(['a:pc', 'b:pc', 'c:pc'], ['a-b', 'b-c'])
    assert.throws(
      () => autoAddress(t, { ...ALL, addressing: { pool: '192.168.0.0/24', prefix: 24 } }),
      (e: unknown) =>
        e instanceof TopologyError &&
        e.message === 'auto.addressing: the pool 192.168.0.0/24 has no free /24 left for b:eth1, c:eth0',
    )
  })

  test('segments: a switch joins its links, unlinked interfaces are in none', () => {
    const t = build(['a:pc', 'b:pc', 's:switch', 'h:hub', 'c:pc'], ['a-s', 's-h', 'h-b', 'c-a'])
    t.nodes[4]!.interfaces.push({ name: 'spare', addresses: [], ipv6: [], mac: null, mtu: null })
    assert.deepEqual(
      segments(t).map((s) => ({ members: s.members.map((m) => `${m.node}:${m.iface}`), links: s.links })),
      [
        { members: ['a:eth0', 'b:eth0'], links: [0, 1, 2] },
        { members: ['a:eth1', 'c:eth0'], links: [3] },
      ],
    )
  })

  test('auto in a file is applied by loadTopology', () => {
    const { topology } = loadTopology(
      `auto: { addressing: { pool: 172.16.0.0/12, prefix: 30 }, routes: true, defaultRoutes: true }
nodes: { a: { kind: pc }, r: { kind: router }, b: { kind: host } }
links: [{ a: a, b: r }, { a: r, b: b }]
`,
      'auto.yaml',
    )
    assert.deepEqual(allAddresses(topology), ['172.16.0.2', '172.16.0.1', '172.16.0.5', '172.16.0.6'])
    assertGood(topology)
  })
})
