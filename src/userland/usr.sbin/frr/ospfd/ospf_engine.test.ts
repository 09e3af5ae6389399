/**
 * The OSPF protocol engine without a stack: two engines wired back to back (each one's packets
 * handed to the other) reach Full and compute each other's networks; then a fuzz of what a Full
 * neighbour may send (random and mutated packets of every type) never throws, is counted when
 * dropped, and never grows the database past its limit; flooding gathers and acknowledges; the
 * router-LSA an adjacency brings reaches the neighbour without a retransmission.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parseIpv4 } from '../../../../wire/addr.js'
import {
  ALL_SPF_ROUTERS,
  buildLsa,
  emitOspf,
  externalLsaBody,
  helloBody,
  LsType,
  lsuBody,
  OPT_E,
  OspfType,
} from '../../../../wire/routing/ospf.js'
import { OspfEngine } from './ospf_engine.js'
import { routeKey } from './ospf_spf.js'
import type { IfDesc } from './ospf_types.js'

const ip = (s: string): number => parseIpv4(s)!
const S = 1e9

function ifDesc(name: string, addr: string): IfDesc {
  return {
    name,
    addr: ip(addr),
    len: 24,
    area: 0,
    type: 'point-to-point',
    cost: 10,
    hello: 10,
    dead: 40,
    retransmit: 5,
    priority: 1,
    passive: false,
    mtu: 1500,
    ifindex: 1,
  }
}

/** Two engines on one wire, a packet queue between them, and a virtual clock. */
function pair() {
  const queue: Array<{ to: OspfEngine; src: number; dst: number; pkt: Uint8Array; ifName: string }> = []
  let seed = 7
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0)
  const a: OspfEngine = new OspfEngine({
    send: (i, dst, pkt) => queue.push({ to: b, src: i.addr, dst, pkt, ifName: 'e0' }),
    random,
  })
  const b: OspfEngine = new OspfEngine({
    send: (i, dst, pkt) => queue.push({ to: a, src: i.addr, dst, pkt, ifName: 'e0' }),
    random,
  })
  a.setRouterId(ip('1.1.1.1'))
  b.setRouterId(ip('2.2.2.2'))
  let now = 0
  a.setInterfaces([ifDesc('e0', '10.0.0.1'), { ...ifDesc('lo1', '192.168.1.1'), type: 'loopback' }], now)
  b.setInterfaces([ifDesc('e0', '10.0.0.2'), { ...ifDesc('lo1', '192.168.2.1'), type: 'loopback' }], now)
  const run = (seconds: number) => {
    const end = now + seconds * S
    while (now <= end) {
      a.tick(now)
      b.tick(now)
      while (queue.length > 0) {
        const m = queue.shift()!
        m.to.input(m.pkt, m.src, m.dst, m.ifName, now)
      }
      now = Math.min(a.nextTimer(), b.nextTimer(), end + 1)
    }
  }
  return { a, b, run, now: () => now }
}

test('two engines back to back: Full, and each routes to the other loopback through it', () => {
  const { a, b, run } = pair()
  run(20)
  const full = (e: OspfEngine) => [...e.ifs.get('e0')!.nbrs.values()].map((n) => n.state)
  assert.deepEqual(full(a), [7])
  assert.deepEqual(full(b), [7])
  const r = a.routes.get(routeKey(ip('192.168.2.1'), 32))
  assert.ok(r !== undefined, [...a.routes.keys()].join(' '))
  assert.deepEqual(r.nextHops, [{ gw: ip('10.0.0.2'), ifName: 'e0' }])
  assert.equal(r.cost, 10)
  assert.equal(b.routes.get(routeKey(ip('192.168.1.1'), 32))?.nextHops[0]?.gw, ip('10.0.0.1'))
})

test('fuzz: what a Full neighbour sends never throws, is counted when bad, never overfills the database', () => {
  const { a, run, now } = pair()
  run(20)
  a.maxLsa = 40
  a.external.limit = 40
  const ext = (k: number) =>
    buildLsa(
      {
        age: 1,
        options: OPT_E,
        type: LsType.EXTERNAL,
        id: (ip('172.16.0.0') + k * 256) >>> 0,
        advRtr: ip('2.2.2.2'),
        seq: -0x7ffffff0,
      },
      externalLsaBody(ip('255.255.255.0'), true, 20, 0, 0),
    )
  const valid = [
    emitOspf(OspfType.LSU, ip('2.2.2.2'), 0, lsuBody([ext(1), ext(2)])),
    emitOspf(OspfType.LSACK, ip('2.2.2.2'), 0, ext(3).data.subarray(0, 20)),
  ]
  let dropsBefore = 0
  for (const v of a.counters.drops.values()) dropsBefore += v
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 120 }),
        fc
          .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(120), fc.nat(255)), { maxLength: 4 }))
          .map(([p, edits]) => {
            const b = p.slice()
            for (const [at, x] of edits) if (at < b.length) b[at] = x
            return b
          }),
      ),
      (pkt) => {
        a.input(pkt, ip('10.0.0.2'), ALL_SPF_ROUTERS, 'e0', now())
      },
    ),
    { numRuns: 2000 },
  )
  // A flood of new external LSAs from the neighbour: the database stops at its limit.
  const many = Array.from({ length: 100 }, (_, k) => ext(k + 10))
  for (let k = 0; k < many.length; k += 10)
    a.input(
      emitOspf(OspfType.LSU, ip('2.2.2.2'), 0, lsuBody(many.slice(k, k + 10))),
      ip('10.0.0.2'),
      ALL_SPF_ROUTERS,
      'e0',
      now(),
    )
  assert.ok(a.external.size <= 40, `external LSAs: ${a.external.size}`)
  assert.ok(a.external.refused > 0)
  let drops = 0
  for (const v of a.counters.drops.values()) drops += v
  assert.ok(drops > dropsBefore, 'bad packets counted')
  // The adjacency survived everything.
  run(20)
  assert.equal([...a.ifs.get('e0')!.nbrs.values()][0]?.state, 7)
})

test('flooding gathers: 40 LSAs arriving in 40 updates leave in as few updates as fit', () => {
  // A line a - b - c of point-to-point links; the packets of each engine go to the one across.
  type Sent = { from: OspfEngine; ifName: string; src: number; dst: number; pkt: Uint8Array }
  const queue: Sent[] = []
  let seed = 11
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0)
  const mk = (): OspfEngine => {
    const e: OspfEngine = new OspfEngine({
      send: (i, dst, pkt) => queue.push({ from: e, ifName: i.name, src: i.addr, dst, pkt }),
      random,
    })
    return e
  }
  const a = mk()
  const b = mk()
  const c = mk()
  const across = (s: Sent): [OspfEngine, string] | null =>
    s.from === a ? [b, 'e0'] : s.from === c ? [b, 'e1'] : s.ifName === 'e0' ? [a, 'e0'] : [c, 'e0']
  a.setRouterId(ip('1.1.1.1'))
  b.setRouterId(ip('2.2.2.2'))
  c.setRouterId(ip('3.3.3.3'))
  a.setInterfaces([ifDesc('e0', '10.0.0.1')], 0)
  b.setInterfaces([ifDesc('e0', '10.0.0.2'), ifDesc('e1', '10.0.1.1')], 0)
  c.setInterfaces([ifDesc('e0', '10.0.1.2')], 0)
  let now = 0
  let fromB = 0
  const run = (until: number) => {
    while (now <= until) {
      for (const e of [a, b, c]) e.tick(now)
      while (queue.length > 0) {
        const s = queue.shift()!
        if (s.from === b && s.ifName === 'e1' && s.pkt[1] === OspfType.LSU) fromB++
        const [to, ifName] = across(s)!
        to.input(s.pkt, s.src, s.dst, ifName, now)
      }
      now = Math.min(a.nextTimer(), b.nextTimer(), c.nextTimer(), until + 1)
    }
  }
  run(60 * S)
  assert.equal([...c.ifs.get('e0')!.nbrs.values()][0]?.state, 7)
  const ext = (k: number) =>
    buildLsa(
      {
        age: 1,
        options: OPT_E,
        type: LsType.EXTERNAL,
        id: (ip('172.16.0.0') + k * 256) >>> 0,
        advRtr: ip('9.9.9.9'),
        seq: 1,
      },
      externalLsaBody(ip('255.255.255.0'), true, 20, 0, 0),
    )
  fromB = 0
  for (let k = 0; k < 40; k++)
    b.input(
      emitOspf(OspfType.LSU, ip('1.1.1.1'), 0, lsuBody([ext(k)])),
      ip('10.0.0.1'),
      ALL_SPF_ROUTERS,
      'e0',
      now,
    )
  run(now + S)
  // 40 LSAs of 36 bytes: two updates of at most 1,400 bytes of LSAs each, not forty.
  assert.equal(fromB, 2)
  assert.equal(c.external.size, 40)
  // Each arrived one hop older than b got it.
  assert.ok([...c.external.map.values()].every((x) => x.rcvAge === 2))
})

test('a flood out of two interfaces of one area is one update built once, sent on each', () => {
  // b between a and c on point-to-point links: what b floods from a third neighbour goes to both.
  type Sent = { from: OspfEngine; ifName: string; src: number; dst: number; pkt: Uint8Array }
  const queue: Sent[] = []
  let seed = 5
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0)
  const mk = (): OspfEngine => {
    const e: OspfEngine = new OspfEngine({
      send: (i, dst, pkt) => queue.push({ from: e, ifName: i.name, src: i.addr, dst, pkt }),
      random,
    })
    return e
  }
  const a = mk()
  const b = mk()
  const c = mk()
  const across = (s: Sent): [OspfEngine, string] =>
    s.from === a ? [b, 'e0'] : s.from === c ? [b, 'e1'] : s.ifName === 'e0' ? [a, 'e0'] : [c, 'e0']
  a.setRouterId(ip('1.1.1.1'))
  b.setRouterId(ip('2.2.2.2'))
  c.setRouterId(ip('3.3.3.3'))
  a.setInterfaces([ifDesc('e0', '10.0.0.1')], 0)
  b.setInterfaces([ifDesc('e0', '10.0.0.2'), ifDesc('e1', '10.0.1.1'), ifDesc('e2', '10.0.2.1')], 0)
  c.setInterfaces([ifDesc('e0', '10.0.1.2')], 0)
  let now = 0
  const fromB: Sent[] = []
  const run = (until: number) => {
    while (now <= until) {
      for (const e of [a, b, c]) e.tick(now)
      while (queue.length > 0) {
        const s = queue.shift()!
        if (s.from === b && s.pkt[1] === OspfType.LSU) fromB.push(s)
        // b's e2 leads nowhere: a stub for the LSA's neighbour, which never answers.
        if (s.from === b && s.ifName === 'e2') continue
        const [to, ifName] = across(s)
        to.input(s.pkt, s.src, s.dst, ifName, now)
      }
      now = Math.min(a.nextTimer(), b.nextTimer(), c.nextTimer(), until + 1)
    }
  }
  run(60 * S)
  assert.equal([...a.ifs.get('e0')!.nbrs.values()][0]?.state, 7)
  assert.equal([...c.ifs.get('e0')!.nbrs.values()][0]?.state, 7)
  // An external LSA arriving from a neighbour b has on e2 (Full there by hand: it only sends).
  const e2 = b.ifs.get('e2')!
  b.input(
    emitOspf(
      OspfType.HELLO,
      ip('9.9.9.9'),
      0,
      helloBody({
        mask: 0,
        helloInterval: 10,
        options: OPT_E,
        priority: 1,
        deadInterval: 40,
        dr: 0,
        bdr: 0,
        neighbors: [ip('2.2.2.2')],
      }),
    ),
    ip('10.0.2.2'),
    ALL_SPF_ROUTERS,
    'e2',
    now,
  )
  const n = e2.nbrs.get(ip('10.0.2.2'))!
  n.state = 7
  fromB.length = 0
  const ext = buildLsa(
    { age: 1, options: OPT_E, type: LsType.EXTERNAL, id: ip('172.16.0.0'), advRtr: ip('9.9.9.9'), seq: 1 },
    externalLsaBody(ip('255.255.255.0'), true, 20, 0, 0),
  )
  b.input(
    emitOspf(OspfType.LSU, ip('9.9.9.9'), 0, lsuBody([ext])),
    ip('10.0.2.2'),
    ALL_SPF_ROUTERS,
    'e2',
    now,
  )
  run(now + S)
  // One update out of e0 and one out of e1: the same bytes (one packet object), each LSA aged a hop.
  const out = fromB.filter((s) => s.ifName !== 'e2')
  assert.deepEqual(
    out.map((s) => s.ifName),
    ['e0', 'e1'],
  )
  assert.equal(out[0]!.pkt, out[1]!.pkt)
  assert.equal(a.external.size, 1)
  assert.equal(c.external.size, 1)
  assert.equal([...c.external.map.values()][0]!.rcvAge, 2)
})

test('an LSA two neighbours flood to each other at once is acknowledged, not left to be retransmitted', () => {
  // A triangle a, b, c of point-to-point links; each engine's packets are delivered right after its
  // own timers run, so b's gathered flood reaches c before c sends its own.
  type Sent = { from: OspfEngine; ifName: string; src: number; dst: number; pkt: Uint8Array }
  const queue: Sent[] = []
  let seed = 5
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0)
  const mk = (): OspfEngine => {
    const e: OspfEngine = new OspfEngine({
      send: (i, dst, pkt) => queue.push({ from: e, ifName: i.name, src: i.addr, dst, pkt }),
      random,
    })
    return e
  }
  const a = mk()
  const b = mk()
  const c = mk()
  // a.e0 - b.e0, b.e1 - c.e0, c.e1 - a.e1
  const wire = new Map<OspfEngine, Record<string, [OspfEngine, string]>>([
    [a, { e0: [b, 'e0'], e1: [c, 'e1'] }],
    [b, { e0: [a, 'e0'], e1: [c, 'e0'] }],
    [c, { e0: [b, 'e1'], e1: [a, 'e1'] }],
  ])
  a.setRouterId(ip('1.1.1.1'))
  b.setRouterId(ip('2.2.2.2'))
  c.setRouterId(ip('3.3.3.3'))
  a.setInterfaces([ifDesc('e0', '10.0.0.1'), ifDesc('e1', '10.0.2.2')], 0)
  b.setInterfaces([ifDesc('e0', '10.0.0.2'), ifDesc('e1', '10.0.1.1')], 0)
  c.setInterfaces([ifDesc('e0', '10.0.1.2'), ifDesc('e1', '10.0.2.1')], 0)
  let now = 0
  let bToC = 0
  const deliver = () => {
    while (queue.length > 0) {
      const s = queue.shift()!
      if (s.from === b && s.ifName === 'e1' && s.pkt[1] === OspfType.LSU) bToC++
      const [to, ifName] = wire.get(s.from)![s.ifName]!
      to.input(s.pkt, s.src, s.dst, ifName, now)
    }
  }
  const run = (until: number) => {
    while (now <= until) {
      for (const e of [a, b, c]) {
        e.tick(now)
        deliver()
      }
      now = Math.min(a.nextTimer(), b.nextTimer(), c.nextTimer(), until + 1)
    }
  }
  run(60 * S)
  const nbrOn = (e: OspfEngine, ifName: string) => [...e.ifs.get(ifName)!.nbrs.values()][0]!
  assert.equal(nbrOn(b, 'e1').state, 7)
  assert.equal(nbrOn(c, 'e0').state, 7)
  const x = buildLsa(
    { age: 1, options: OPT_E, type: LsType.EXTERNAL, id: ip('172.16.0.0'), advRtr: ip('9.9.9.9'), seq: 1 },
    externalLsaBody(ip('255.255.255.0'), true, 20, 0, 0),
  )
  // The same LSA reaches b and c from a at the same time (as if a had flooded it); each floods it on to the other.
  bToC = 0
  b.input(emitOspf(OspfType.LSU, ip('1.1.1.1'), 0, lsuBody([x])), ip('10.0.0.1'), ALL_SPF_ROUTERS, 'e0', now)
  c.input(emitOspf(OspfType.LSU, ip('1.1.1.1'), 0, lsuBody([x])), ip('10.0.2.2'), ALL_SPF_ROUTERS, 'e1', now)
  run(now + 2 * S)
  // b's flood reached c first: c left its own copy out, and acknowledged b's instead.
  assert.equal(bToC, 1)
  assert.equal(nbrOn(b, 'e1').retrans.size, 0)
  assert.equal(nbrOn(c, 'e0').retrans.size, 0)
  // Nothing is sent again at the RxmtInterval.
  run(now + 10 * S)
  assert.equal(bToC, 1)
})

test('the router-LSA made as an adjacency comes up is taken by the neighbour at once, not at the retransmission', () => {
  // The exchange hands b a's first router-LSA; a's next one (with the link to b) must come later
  // than MinLSArrival after that, or b drops it (§13 step 5a) and has it only 5 s later, resent.
  const { a, b, run, now } = pair()
  run(5)
  const full = () => [...a.ifs.get('e0')!.nbrs.values()].some((n) => n.state === 7)
  while (!full()) run(0.01)
  const fullAt = now()
  run(2)
  const e = b.area(0).lsdb.get(LsType.ROUTER, ip('1.1.1.1'), ip('1.1.1.1'))
  assert.ok(e !== undefined)
  const p2p = e.router!.links.filter((l) => l.type === 1 && l.id >>> 0 === ip('2.2.2.2'))
  assert.equal(p2p.length, 1, `b's copy of a's router-LSA ${JSON.stringify(e.router!.links)}`)
  assert.ok(
    e.rcvTime - fullAt < 2 * S && e.rcvTime - fullAt >= 1 * S,
    `taken ${(e.rcvTime - fullAt) / S} s after Full`,
  )
  // One instance for the adjacency: the first one and this one, nothing in between.
  assert.equal(e.lsa.hdr.seq, -0x7fffffff + 1)
  // Acknowledged (b's delayed ack, 1 s) long before a's RxmtInterval would resend it.
  run(1.5)
  assert.equal([...a.ifs.get('e0')!.nbrs.values()][0]!.retrans.size, 0)
})
