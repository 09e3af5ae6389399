/**
 * The OSPFv3 engine without a stack, in virtual time: engines joined by simulated links (a packet to
 * a group reaches every other interface on the link, a unicast the one with that link-local address,
 * each packet's checksum as the engine computed it) reach Full, elect DR and BDR by Router
 * ID, compute each other's prefixes, reconverge when a link is cut, flush withdrawn LSAs at MaxAge,
 * age a dead router's LSAs out; then mutated, truncated and random packets never throw, are counted
 * when dropped, and never grow the database past its limit.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parseIpv4 } from '../../../../wire/addr.js'
import { formatIpv6, in6Eq, in6Masked, parseIpv6 } from '../../../../wire/inet6/in6_addr.js'
import { MAX_AGE } from '../../../../wire/routing/ospf.js'
import {
  ALL_SPF_ROUTERS6,
  buildLsa6,
  emitOspf6,
  external6Body,
  fillOspf6Checksum,
  Ls6Type,
  lsu6Body,
  ospf6Checksum,
  parseOspf6,
} from '../../../../wire/routing/ospf6.js'
import { ageOf } from '../ospfd/ospf_lsdb.js'
import { Ospf6Engine } from './ospf6_engine.js'
import { type If6Desc, NbrState } from './ospf6_types.js'

const S = 1e9
const ip6 = (s: string): Uint8Array => parseIpv6(s)!

interface Port {
  r: number
  ifName: string
  ll: Uint8Array
}

/** Routers and links; ports on a link hear each other while the link is up. */
function net(n: number, opts: { maxLsa?: number } = {}) {
  const queue: Array<{ to: number; src: Uint8Array; dst: Uint8Array; pkt: Uint8Array; ifName: string }> = []
  const links: Array<{ ports: Port[]; up: boolean }> = []
  const descs: If6Desc[][] = []
  let seed = 11
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0)
  const engines: Ospf6Engine[] = []
  let now = 0
  for (let r = 0; r < n; r++) {
    const e = new Ospf6Engine(
      {
        send: (i, dst, pkt) => {
          const link = links.find((l) => l.ports.some((p) => p.r === r && p.ifName === i.name))
          if (link === undefined || !link.up) return
          for (const p of link.ports) {
            if (p.r === r && p.ifName === i.name) continue
            if (dst[0] !== 0xff && !in6Eq(dst, 0, p.ll, 0)) continue
            const c = pkt.slice()
            queue.push({ to: p.r, src: i.linkLocal, dst, pkt: c, ifName: p.ifName })
          }
        },
        random,
      },
      opts.maxLsa,
    )
    e.setRouterId(parseIpv4(`0.0.0.${r + 1}`)!)
    engines.push(e)
    descs.push([
      {
        name: 'lo0',
        ifId: 1,
        linkLocal: ip6(`fe80::${r + 1}:1`),
        prefixes: [{ len: 128, options: 0, metric: 0, addr: ip6(`fc00:ff::${r + 1}`) }],
        area: 0,
        type: 'loopback',
        cost: 10,
        hello: 10,
        dead: 40,
        retransmit: 5,
        priority: 1,
        passive: false,
        mtu: 16384,
      },
    ])
  }
  const link = (rs: number[], prefix: string, type: 'broadcast' | 'point-to-point' = 'broadcast') => {
    const ports: Port[] = []
    for (const r of rs) {
      const k = descs[r]!.length
      const d: If6Desc = {
        name: `eth${k - 1}`,
        ifId: k + 1,
        linkLocal: ip6(`fe80::${r + 1}:${k + 1}`),
        prefixes: [{ len: 64, options: 0, metric: 0, addr: in6Masked(ip6(prefix), 64) }],
        area: 0,
        type,
        cost: 10,
        hello: 10,
        dead: 40,
        retransmit: 5,
        priority: 1,
        passive: false,
        mtu: 1500,
      }
      descs[r]!.push(d)
      ports.push({ r, ifName: d.name, ll: d.linkLocal })
    }
    links.push({ ports, up: true })
    return links.length - 1
  }
  const start = () => {
    for (const [r, e] of engines.entries()) e.setInterfaces(descs[r]!, now)
  }
  const run = (seconds: number) => {
    const end = now + seconds * S
    while (now <= end) {
      for (const e of engines) e.tick(now)
      while (queue.length > 0) {
        const m = queue.shift()!
        engines[m.to]!.input(m.pkt, m.src, m.dst, m.ifName, now)
      }
      now = Math.min(...engines.map((e) => e.nextTimer()), end + 1)
    }
  }
  const route = (r: number, p: string) => engines[r]!.routes.get(p)
  return { engines, link, links, start, run, route, now: () => now, descs }
}

const gw = (r: { nextHops: Array<{ gw: Uint8Array | null }> } | undefined) =>
  r === undefined ? 'none' : r.nextHops.map((h) => (h.gw === null ? 'direct' : formatIpv6(h.gw))).join(',')

test('point-to-point: Full, and each routes to the other loopback through its link-local address', () => {
  const t = net(2)
  t.link([0, 1], 'fc00:1::', 'point-to-point')
  t.start()
  t.run(60)
  const [a, b] = t.engines
  assert.equal([...a!.ifs.get('eth0')!.nbrs.values()][0]?.state, NbrState.FULL)
  assert.equal([...b!.ifs.get('eth0')!.nbrs.values()][0]?.state, NbrState.FULL)
  const r = t.route(0, 'fc00:ff::2/128')
  assert.equal(gw(r), 'fe80::2:2')
  assert.equal(r?.cost, 10)
  assert.equal(t.route(0, 'fc00:1::/64')?.direct, true)
  assert.equal(gw(t.route(1, 'fc00:ff::1/128')), 'fe80::1:2')
})

test('broadcast: DR and BDR by Router ID, DROthers 2-Way between themselves, routes through the LAN', () => {
  const t = net(4)
  t.link([0, 1, 2, 3], 'fc00:10::')
  t.start()
  t.run(90)
  const rid = (n: number) => parseIpv4(`0.0.0.${n}`)!
  for (const e of t.engines) {
    const i = e.ifs.get('eth0')!
    assert.equal(i.dr, rid(4), 'highest Router ID is DR')
    assert.equal(i.bdr, rid(3))
  }
  assert.equal(t.engines[3]!.ifs.get('eth0')!.state, 'DR')
  assert.equal(t.engines[2]!.ifs.get('eth0')!.state, 'BDR')
  const e0 = t.engines[0]!.ifs.get('eth0')!
  assert.equal(e0.nbrs.get(rid(2))?.state, NbrState.TWO_WAY)
  assert.equal(e0.nbrs.get(rid(4))?.state, NbrState.FULL)
  assert.equal(e0.nbrs.get(rid(3))?.state, NbrState.FULL)
  // Router 1 reaches router 2's loopback straight across the LAN (not through the DR).
  assert.equal(gw(t.route(0, 'fc00:ff::2/128')), 'fe80::2:2')
  assert.equal(t.route(0, 'fc00:ff::2/128')?.cost, 10)
  // The Network-LSA and its Intra-Area-Prefix-LSA are the DR's.
  const db = t.engines[0]!.areas.get(0)!.lsdb
  assert.ok(db.get(Ls6Type.NETWORK, 2, rid(4)) !== undefined)
  assert.ok(db.get(Ls6Type.INTRA_PREFIX, 2, rid(4)) !== undefined)
})

test('a chain with a shortcut: cutting the shortcut reconverges through the long way', () => {
  const t = net(3)
  t.link([0, 1], 'fc00:1::', 'point-to-point')
  t.link([1, 2], 'fc00:2::', 'point-to-point')
  const short = t.link([0, 2], 'fc00:3::', 'point-to-point')
  t.start()
  t.run(60)
  assert.equal(t.route(0, 'fc00:ff::3/128')?.cost, 10)
  assert.equal(gw(t.route(0, 'fc00:ff::3/128')), 'fe80::3:3')
  t.links[short]!.up = false
  t.run(50)
  const r = t.route(0, 'fc00:ff::3/128')
  assert.equal(r?.cost, 20)
  assert.equal(gw(r), 'fe80::2:2')
  assert.equal(t.route(0, 'fc00:3::/64')?.direct, true, 'its own prefix stays connected')
})

test('a withdrawn AS-external route is flushed at MaxAge; a dead router ages out', () => {
  const t = net(2)
  t.link([0, 1], 'fc00:1::', 'point-to-point')
  t.start()
  t.engines[1]!.setExternals([{ addr: ip6('2001:db8::'), len: 32, metric: 20, type2: true }])
  t.run(60)
  const r = t.route(0, '2001:db8::/32')
  assert.equal(r?.kind, 'ext2')
  assert.equal(r?.cost2, 20)
  const ext = () =>
    [...t.engines[0]!.external.map.values()].find((x) => x.lsa.hdr.advRtr === parseIpv4('0.0.0.2'))
  assert.ok(ext() !== undefined)
  t.engines[1]!.setExternals([])
  t.run(2)
  const gone = ext()
  assert.ok(gone === undefined || ageOf(gone, t.now()) >= MAX_AGE, 'flushed by premature aging')
  t.run(60)
  assert.equal(t.route(0, '2001:db8::/32'), undefined)
  assert.equal(ext(), undefined, 'removed once acknowledged')
  // Router 2 goes silent: its neighbour is lost at the dead interval, its LSAs age out in an hour.
  t.links[0]!.up = false
  t.run(45)
  assert.equal(t.engines[0]!.ifs.get('eth0')!.nbrs.size, 0)
  assert.equal(t.route(0, 'fc00:ff::2/128'), undefined)
  t.run(MAX_AGE + 30)
  const left = [...t.engines[0]!.areas.get(0)!.lsdb.map.values()].filter(
    (x) => x.lsa.hdr.advRtr === parseIpv4('0.0.0.2'),
  )
  assert.deepEqual(left, [])
})

test('malformed, mutated and random packets never throw, are counted, and the database stays bounded', () => {
  const t = net(2, { maxLsa: 40 })
  t.link([0, 1], 'fc00:1::', 'point-to-point')
  t.start()
  t.run(60)
  const a = t.engines[0]!
  const src = ip6('fe80::2:2')
  const good: Uint8Array[] = []
  const sum = (p: Uint8Array) => {
    fillOspf6Checksum(p, src, ALL_SPF_ROUTERS6)
    return p
  }
  const rid = parseIpv4('0.0.0.2')!
  for (let k = 0; k < 5; k++) {
    const lsas = [0, 1, 2].map((j) =>
      buildLsa6(
        { age: 1, type: Ls6Type.EXTERNAL, id: 1000 + k * 3 + j, advRtr: rid, seq: -0x7fffffff },
        external6Body(5, true, { len: 64, options: 0, metric: 0, addr: ip6(`2001:db8:${k}:${j}::`) }),
      ),
    )
    good.push(sum(emitOspf6(4, rid, 0, 0, lsu6Body(lsas))))
  }
  const before = [...a.counters.drops.values()].reduce((x, y) => x + y, 0)
  // A bad checksum and a truncation are dropped and counted.
  const bad = good[0]!.slice()
  bad[30]! ^= 0xff
  a.input(bad, src, ALL_SPF_ROUTERS6, 'eth0', t.now())
  a.input(good[0]!.subarray(0, 10), src, ALL_SPF_ROUTERS6, 'eth0', t.now())
  assert.equal(a.counters.drops.get('checksum'), 1)
  assert.equal(a.counters.drops.get('short'), 1)
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: good.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat(),
      fc.boolean(),
      (which, flips, cut, fix) => {
        const p = good[which]!.slice()
        for (const [at, v] of flips) p[at % p.length] = v
        const q = p.subarray(0, Math.max(0, p.length - (cut % 40)))
        // Mutations with a right checksum reach the parsers behind it.
        const pkt = fix && q.length >= 16 ? sum(q.slice()) : q
        a.input(pkt, src, ALL_SPF_ROUTERS6, 'eth0', t.now())
        t.run(0.5)
      },
    ),
    { numRuns: 300, seed: 42 },
  )
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
      a.input(junk, src, ALL_SPF_ROUTERS6, 'eth0', t.now())
    }),
    { numRuns: 200, seed: 43 },
  )
  const after = [...a.counters.drops.values()].reduce((x, y) => x + y, 0)
  assert.ok(after > before + 200, `drops counted (${after - before})`)
  assert.ok(a.lsaCount() <= 40 * (a.areas.size + a.links.size + 1))
  assert.ok(a.external.size <= 40)
  // The junk's own sanity: what parses is what the wire says.
  assert.equal(parseOspf6(good[0]!).ok, true)
  assert.equal(ospf6Checksum(good[0]!, src, ALL_SPF_ROUTERS6), 0)
})
