/**
 * The IS-IS engine without a stack, in virtual time: engines joined by simulated wires (a LAN hands
 * each PDU to every other member, a p2p wire to the one other end) bring adjacencies Up (LAN and
 * RFC 5303 three-way p2p), elect the DIS by priority then SNPA, flood LSPs until the databases agree,
 * and route to each other's networks; a cut link reconverges around it. Then a fuzz: a few hundred
 * mutated and random PDUs from an adjacent neighbour never throw, are counted when dropped, and a
 * flood of distinct LSPs never grows the database past its limit.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseIpv4 } from '../../../../wire/addr.js'
import { Tlv } from '../../../../wire/routing/isis.js'
import { buildLsp, ipReachEntry, TlvWriter } from '../../../../wire/routing/isis_build.js'
import { IsisEngine } from './isis_engine.js'
import type { CircuitDesc } from './isis_types.js'

const ip = (s: string): number => parseIpv4(s)!
const S = 1e9

interface Port {
  e: IsisEngine
  ifName: string
  mac: number
}

/** Routers, wires and a virtual clock. */
function net() {
  const engines: IsisEngine[] = []
  const wires: Array<{ ports: Port[]; up: boolean }> = []
  const queue: Array<{ to: Port; src: number; pdu: Uint8Array }> = []
  const sent: Uint8Array[] = []
  let now = 0
  let seed = 11
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return seed
  }
  const router = (sysId: string, host: string, area = '490001') => {
    let e: IsisEngine
    e = new IsisEngine({
      send: (circuit, _dst, pdu) => {
        sent.push(pdu)
        const w = wires.find((x) => x.ports.some((p) => p.e === e && p.ifName === circuit))
        if (w === undefined || !w.up) return
        const me = w.ports.find((p) => p.e === e && p.ifName === circuit)!
        for (const p of w.ports) if (p !== me) queue.push({ to: p, src: me.mac, pdu: pdu.slice() })
      },
      random,
    })
    e.setSystem(sysId, [area], 3, host, now)
    engines.push(e)
    return e
  }
  const wire = (ports: Port[]) => {
    const w = { ports, up: true }
    wires.push(w)
    return w
  }
  let steps = 0
  const run = (seconds: number) => {
    const end = now + seconds * S
    while (now <= end) {
      steps++
      for (const e of engines) e.tick(now)
      while (queue.length > 0) {
        const m = queue.shift()!
        m.to.e.input(m.to.ifName, m.src, m.pdu, 0, m.pdu.length, now)
      }
      now = Math.max(now + 1e6, Math.min(end + 1, ...engines.map((e) => e.nextTimer())))
    }
  }
  return { router, wire, run, sent, now: () => now, steps: () => steps }
}

function circuit(name: string, mac: number, addr: string, over: Partial<CircuitDesc> = {}): CircuitDesc {
  const [a, l] = addr.split('/')
  return {
    name,
    ifindex: 1,
    mac,
    addrs: [{ addr: ip(a!), len: Number(l) }],
    levels: 3,
    p2p: false,
    passive: false,
    metric: 10,
    hello: 3,
    multiplier: 10,
    priority: 64,
    mtu: 1500,
    ...over,
  }
}

const route = (e: IsisEngine, p: string) => {
  const [a, l] = p.split('/')
  return e.routes.get(`${ip(a!)}/${l}`)
}

test('two routers point-to-point: three-way handshake Up at both levels, routes to the stub networks', () => {
  const n = net()
  const a = n.router('000000000001', 'a')
  const b = n.router('000000000002', 'b')
  a.setCircuits(
    [
      circuit('e0', 0xa1, '10.0.0.1/30', { p2p: true }),
      circuit('s0', 0xa2, '192.168.1.1/24', { passive: true }),
    ],
    0,
  )
  b.setCircuits(
    [
      circuit('e0', 0xb1, '10.0.0.2/30', { p2p: true }),
      circuit('s0', 0xb2, '192.168.2.1/24', { passive: true }),
    ],
    0,
  )
  n.wire([
    { e: a, ifName: 'e0', mac: 0xa1 },
    { e: b, ifName: 'e0', mac: 0xb1 },
  ])
  // The LSPs naming the adjacency wait out lsp-gen-interval (30 s) after the first ones.
  n.run(40)
  // Timers, not a busy loop: hellos every 3 s, PSNPs every 2 s, a few LSPs and SPFs.
  assert.ok(n.steps() < 400, `${n.steps()} steps for 40 s`)
  const adj = [...a.circuits.get('e0')!.adjs.values()]
  assert.equal(adj.length, 1)
  assert.equal(adj[0]!.state, 'Up')
  assert.equal(adj[0]!.levels, 3)
  const r = route(a, '192.168.2.0/24')
  assert.ok(r !== undefined, 'a routes to b stub')
  assert.equal(r.metric, 20)
  assert.equal(r.level, 1)
  assert.deepEqual(
    r.nextHops.map((h) => [h.gw, h.ifName]),
    [[ip('10.0.0.2'), 'e0']],
  )
  assert.equal(route(b, '192.168.1.0/24')?.nextHops[0]?.gw, ip('10.0.0.1'))
  // Both databases hold both LSPs at both levels, same sequence numbers.
  for (const l of [0, 1] as const) {
    assert.deepEqual([...a.lsdb[l].lsps.keys()].sort(), ['0000000000010000', '0000000000020000'])
    for (const [k, x] of a.lsdb[l].lsps) assert.equal(b.lsdb[l].get(k)?.seq, x.seq)
  }
})

test('three routers on a LAN: DIS by priority then SNPA, pseudonode LSP, routes through the LAN', () => {
  const n = net()
  const r1 = n.router('000000000001', 'r1')
  const r2 = n.router('000000000002', 'r2')
  const r3 = n.router('000000000003', 'r3')
  r1.setCircuits(
    [circuit('e0', 0x10, '10.1.0.1/24'), circuit('s0', 0x11, '172.16.1.1/24', { passive: true })],
    0,
  )
  r2.setCircuits([circuit('e0', 0x20, '10.1.0.2/24', { priority: 100 })], 0)
  r3.setCircuits(
    [circuit('e0', 0x30, '10.1.0.3/24'), circuit('s0', 0x31, '172.16.3.1/24', { passive: true })],
    0,
  )
  n.wire([
    { e: r1, ifName: 'e0', mac: 0x10 },
    { e: r2, ifName: 'e0', mac: 0x20 },
    { e: r3, ifName: 'e0', mac: 0x30 },
  ])
  n.run(40)
  for (const r of [r1, r2, r3]) {
    const c = r.circuits.get('e0')!
    assert.equal([...c.adjs.values()].filter((x) => x.state === 'Up').length, 4, 'two neighbours, two levels')
    assert.equal(c.lanId[0], `000000000002${r2.circuits.get('e0')!.id.toString(16).padStart(2, '0')}`)
  }
  assert.deepEqual(r2.circuits.get('e0')!.dis, [true, true])
  assert.deepEqual(r1.circuits.get('e0')!.dis, [false, false])
  const pn = `${r2.circuits.get('e0')!.lanId[0]}00`
  assert.ok(r1.lsdb[0].get(pn) !== undefined, 'the DIS pseudonode LSP reached r1')
  const r = route(r1, '172.16.3.0/24')
  assert.equal(r?.metric, 20)
  assert.equal(r?.nextHops[0]?.gw, ip('10.1.0.3'))
  // Without the priority, the highest SNPA (r3's 0x30) is DIS.
  const m = net()
  const s1 = m.router('000000000001', 's1')
  const s2 = m.router('000000000002', 's2')
  s1.setCircuits([circuit('e0', 0x40, '10.2.0.1/24')], 0)
  s2.setCircuits([circuit('e0', 0x30, '10.2.0.2/24')], 0)
  m.wire([
    { e: s1, ifName: 'e0', mac: 0x40 },
    { e: s2, ifName: 'e0', mac: 0x30 },
  ])
  m.run(40)
  assert.deepEqual(s1.circuits.get('e0')!.dis, [true, true])
  assert.deepEqual(s2.circuits.get('e0')!.dis, [false, false])
})

test('a cut link: routes move to the other path once the hold time runs out, and back when it heals', () => {
  const n = net()
  const r1 = n.router('000000000001', 'r1')
  const r2 = n.router('000000000002', 'r2')
  const r3 = n.router('000000000003', 'r3')
  // r1 — r2 (LAN, metric 10), r1 — r3 — r2 (p2p, metric 10 each); r2's stub 172.16.2.0/24.
  r1.setCircuits([circuit('e0', 0x10, '10.12.0.1/24'), circuit('e1', 0x11, '10.13.0.1/30', { p2p: true })], 0)
  r2.setCircuits(
    [
      circuit('e0', 0x20, '10.12.0.2/24'),
      circuit('e1', 0x21, '10.23.0.2/30', { p2p: true }),
      circuit('s0', 0x22, '172.16.2.1/24', { passive: true }),
    ],
    0,
  )
  r3.setCircuits(
    [circuit('e0', 0x30, '10.13.0.2/30', { p2p: true }), circuit('e1', 0x31, '10.23.0.1/30', { p2p: true })],
    0,
  )
  const lan = n.wire([
    { e: r1, ifName: 'e0', mac: 0x10 },
    { e: r2, ifName: 'e0', mac: 0x20 },
  ])
  n.wire([
    { e: r1, ifName: 'e1', mac: 0x11 },
    { e: r3, ifName: 'e0', mac: 0x30 },
  ])
  n.wire([
    { e: r2, ifName: 'e1', mac: 0x21 },
    { e: r3, ifName: 'e1', mac: 0x31 },
  ])
  n.run(40)
  assert.equal(route(r1, '172.16.2.0/24')?.metric, 20)
  assert.equal(route(r1, '172.16.2.0/24')?.nextHops[0]?.gw, ip('10.12.0.2'))
  lan.up = false
  n.run(40)
  const r = route(r1, '172.16.2.0/24')
  assert.equal(r?.metric, 30, 'around through r3')
  assert.equal(r?.nextHops[0]?.gw, ip('10.13.0.2'))
  lan.up = true
  n.run(40)
  assert.equal(route(r1, '172.16.2.0/24')?.nextHops[0]?.gw, ip('10.12.0.2'))
  assert.ok(n.steps() < 1000, `${n.steps()} steps for 120 s`)
})

test('fuzz: mutated and random PDUs from a neighbour never throw and are counted; the LSDB stays bounded', () => {
  const n = net()
  const a = n.router('000000000001', 'a')
  const b = n.router('000000000002', 'b')
  a.setCircuits([circuit('e0', 0xa1, '10.0.0.1/24')], 0)
  b.setCircuits(
    [circuit('e0', 0xb1, '10.0.0.2/24'), circuit('s0', 0xb2, '192.168.2.1/24', { passive: true })],
    0,
  )
  n.wire([
    { e: a, ifName: 'e0', mac: 0xa1 },
    { e: b, ifName: 'e0', mac: 0xb1 },
  ])
  n.run(40)
  assert.ok(route(a, '192.168.2.0/24') !== undefined)
  const samples = n.sent.slice(0, 60)
  let seed = 99
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return seed % k
  }
  const bHello = n.sent.find((p) => p[4] === 15 && p[14] === 2)!
  const before = a.dropped
  let fed = 0
  for (let i = 0; i < 400; i++) {
    let pdu: Uint8Array
    if (i % 4 === 3) pdu = Uint8Array.from({ length: rnd(200) }, () => rnd(256))
    else {
      pdu = samples[rnd(samples.length)]!.slice(0, 27 + rnd(200))
      for (let k = 0, m = 1 + rnd(4); k < m; k++) pdu[rnd(pdu.length)] = rnd(256)
    }
    // Now and then b's LAN hello whole, its last TLV claiming more than the PDU holds.
    if (i % 8 === 2) {
      pdu = bHello.slice()
      let t = 27
      while (t + 2 + pdu[t + 1]! < pdu.length) t += 2 + pdu[t + 1]!
      pdu[t + 1] = 255
    }
    a.input('e0', 0xb1, pdu, 0, pdu.length, n.now())
    fed++
  }
  assert.equal(fed, 400)
  assert.ok(a.dropped - before > 250, `dropped ${a.dropped - before} of 400`)
  for (const k of ['bad checksum', 'truncated tlv', 'not is-is'])
    assert.ok((a.drops.get(k) ?? 0) > 0, `${k}: ${[...a.drops]}`)
  // A flood of distinct valid LSPs: the database holds at most its limit.
  a.lsdb[0].limit = 50
  for (let i = 0; i < 200; i++) {
    const w = new TlvWriter()
    w.tlv(
      Tlv.EXT_IP_REACH,
      ipReachEntry({ addr: (0x0a000000 + i * 256) >>> 0, len: 24, metric: 10, down: false }),
    )
    const id = `${(0x100000 + i).toString(16).padStart(12, '0')}0000`
    const pdu = buildLsp(1, id, 1, 1200, 3, w.bytes())
    a.input('e0', 0xb1, pdu, 0, pdu.length, n.now())
  }
  assert.ok(a.lsdb[0].lsps.size <= 50, `${a.lsdb[0].lsps.size} LSPs`)
  assert.ok((a.drops.get('lsdb full') ?? 0) > 100)
  n.run(5)
  assert.ok(route(a, '192.168.2.0/24') !== undefined, 'still routing')
})

test('a restarted router outbids its old LSP instances; a big LSP goes out in fragments', () => {
  const n = net()
  const a = n.router('000000000001', 'a')
  const b = n.router('000000000002', 'b')
  // 300 stub networks on b: more than one LSP of 1497 bytes holds.
  const stubs = Array.from({ length: 300 }, (_, i) => ({ addr: (0xc0a80000 + i * 256 + 1) >>> 0, len: 24 }))
  a.setCircuits([circuit('e0', 0xa1, '10.0.0.1/24')], 0)
  b.setCircuits(
    [
      circuit('e0', 0xb1, '10.0.0.2/24'),
      { ...circuit('s0', 0xb2, '192.168.0.1/24', { passive: true }), addrs: stubs },
    ],
    0,
  )
  const w = n.wire([
    { e: a, ifName: 'e0', mac: 0xa1 },
    { e: b, ifName: 'e0', mac: 0xb1 },
  ])
  n.run(40)
  const frags = [...a.lsdb[0].lsps.keys()].filter((k) => k.startsWith('00000000000200'))
  assert.ok(frags.length >= 2, `${frags.length} fragments`)
  for (let i = 0; i < 300; i += 37) {
    const p = `192.${168 + (i >> 8)}.${i & 255}.0/24`
    assert.equal(route(a, p)?.metric, 20, p)
  }
  const before = a.lsdb[0].get('0000000000020000')!.seq
  assert.ok(before >= 1)
  // b restarts: a new engine with the same system ID starts again at sequence number 1.
  const b2 = n.router('000000000002', 'b')
  b2.setCircuits(
    [circuit('e0', 0xb1, '10.0.0.2/24'), circuit('s0', 0xb2, '172.16.9.1/24', { passive: true })],
    n.now(),
  )
  w.ports[1] = { e: b2, ifName: 'e0', mac: 0xb1 }
  b.setCircuits([], n.now())
  n.run(40)
  const mine = b2.lsdb[0].get('0000000000020000')!
  assert.ok(mine.seq > before, `new instance ${mine.seq} over the old ${before}`)
  assert.equal(a.lsdb[0].get('0000000000020000')?.seq, mine.seq)
  assert.equal(route(a, '172.16.9.0/24')?.metric, 20)
  assert.equal(route(a, '192.168.37.0/24'), undefined, "the old instance's networks are gone")
  const stale = [...a.lsdb[0].lsps.values()].filter(
    (l) => l.id.startsWith('00000000000200') && l.id !== '0000000000020000',
  )
  assert.ok(
    stale.every((l) => l.purged),
    'the fragments the new instance does not have are purged',
  )
})

test("lsp-gen-interval: FRR's throttle — the first LSP at once, the next no sooner than the interval after it", () => {
  const pair = (interval: number) => {
    const n = net()
    const a = n.router('000000000001', 'a')
    const b = n.router('000000000002', 'b')
    for (const e of [a, b]) e.gen.interval = [interval, interval]
    a.setCircuits([circuit('e0', 0xa1, '10.0.0.1/30', { p2p: true })], 0)
    b.setCircuits(
      [
        circuit('e0', 0xb1, '10.0.0.2/30', { p2p: true }),
        circuit('s0', 0xb2, '192.168.2.1/24', { passive: true }),
      ],
      0,
    )
    n.wire([
      { e: a, ifName: 'e0', mac: 0xa1 },
      { e: b, ifName: 'e0', mac: 0xb1 },
    ])
    return { n, a, b }
  }
  const own = (e: IsisEngine, l: 0 | 1) => e.lsdb[l].get(`${e.sysId}0000`)
  // The default 30 s: the first LSPs go out at t = 0, before any adjacency (FRR's lsp_generate at
  // `net`); the adjacency comes Up within seconds, but the LSP naming it waits until t = 30 s.
  const { n, a, b } = pair(30)
  n.run(0.01)
  assert.equal(own(a, 0)?.seq, 1)
  assert.equal(own(a, 0)?.tlvs.isReach.length, 0)
  n.run(10)
  assert.equal([...a.circuits.get('e0')!.adjs.values()][0]?.state, 'Up')
  n.run(19.8)
  assert.equal(own(a, 0)?.seq, 1, 'held back by lsp-gen-interval')
  // time(NULL) granularity: due (30 - whole seconds since the first) after the adjacency's change.
  const due0 = a.genDue(1)
  assert.ok(due0 >= 30 * S && due0 < 31 * S, `${due0 / S} s`)
  assert.equal(route(a, '192.168.2.0/24'), undefined)
  n.run(1.5)
  for (const l of [0, 1] as const) {
    assert.equal(own(a, l)?.seq, 2)
    assert.equal(own(a, l)?.tlvs.isReach[0]?.id, '00000000000200')
  }
  n.run(1)
  assert.equal(route(a, '192.168.2.0/24')?.metric, 20)
  // Long after the last generation a change goes out once 100 ms pass without another.
  n.run(100)
  const t0 = n.now()
  const seq = own(b, 0)!.seq
  b.setCircuits(
    [
      circuit('e0', 0xb1, '10.0.0.2/30', { p2p: true }),
      circuit('s0', 0xb2, '192.168.2.1/24', { passive: true }),
      circuit('s1', 0xb3, '192.168.3.1/24', { passive: true }),
    ],
    t0,
  )
  assert.equal(b.genDue(1), t0 + 0.1 * S)
  n.run(0.05)
  assert.equal(own(b, 0)!.seq, seq)
  n.run(0.1)
  assert.equal(own(b, 0)!.seq, seq + 1)
  // A second change right after: the interval again, counted in whole seconds from that generation.
  b.setCircuits([circuit('e0', 0xb1, '10.0.0.2/30', { p2p: true })], n.now())
  const due = b.genDue(1)
  assert.ok(due >= t0 + 29 * S && due <= t0 + 30.2 * S, `${(due - t0) / S} s`)
  n.run(25)
  assert.ok(route(a, '192.168.3.0/24') !== undefined, 'the first change has reached a')
  n.run(6)
  assert.equal(route(a, '192.168.3.0/24'), undefined, 'the second one too, an interval later')
  // `lsp-gen-interval 1`: the LSP naming the adjacency follows it within about a second.
  const fast = pair(1)
  fast.n.run(8)
  assert.equal(own(fast.a, 0)?.tlvs.isReach[0]?.id, '00000000000200')
  assert.equal(route(fast.a, '192.168.2.0/24')?.metric, 20)
})
