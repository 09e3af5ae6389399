/**
 * dummynet's schedulers and queues on their own: WF2Q+ shares in proportion to weights, RR by
 * quantum, FIFO keeps order, FQ-CoDel serves a new sparse flow first, drops from the fattest flow
 * at its limit and starts CoDel drops only after `interval` above `target`; RED and gentle RED
 * follow their thresholds; flow tables never exceed their bound.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Mbuf, MbufPool } from '../../../../buf/mbuf.js'
import { type CountingSchedEnv, countingSchedEnv } from '../../../../testing/dn_sched_env.js'
import { MS } from '../../../../util/clock.js'
import { Rng } from '../../../../util/rng.js'
import { FQ_CODEL_DEFAULTS } from './dn_h.js'
import { DnQueue, FlowId, FlowTable, redDrops } from './dn_queue.js'
import { FIFO } from './dn_sched.js'
import { FQ_CODEL } from './dn_sched_fq_codel.js'
import { RR } from './dn_sched_rr.js'
import { WF2Q } from './dn_sched_wf2q.js'

const pool = new MbufPool()

function env(): CountingSchedEnv {
  return countingSchedEnv(pool, 1, 'dn-test')
}

function pkt(len: number, tag = 0): Mbuf {
  const m = pool.get()
  m.len = len
  m.data[m.off] = 0x45
  m.data[m.off + 1] = 0
  m.stamp = tag
  return m
}

function queue(weight: number, lmax = 0): DnQueue {
  const q = new DnQueue()
  q.weight = weight
  q.lmax = lmax
  return q
}

test('WF2Q+: two backlogged queues of weight 99 and 1 share 99:1, and weight 3:1 shares 3:1', () => {
  for (const [wa, wb, n, ea] of [
    [99, 1, 1000, 990],
    [3, 1, 400, 300],
  ] as const) {
    const s = WF2Q.create(env(), new DnQueue(), FQ_CODEL_DEFAULTS)
    const a = queue(wa)
    const b = queue(wb)
    const fid = new FlowId()
    for (let i = 0; i < n; i++)
      for (const q of [a, b]) {
        const m = pkt(1000)
        q.append(m, 1000)
        s.enqueue(q, m, fid, 0)
      }
    for (let i = 0; i < n; i++) pool.put(s.dequeue(0)!)
    // What each queue sent is what it no longer holds.
    assert.equal(n - a.ni.len, ea)
    assert.equal(n - b.ni.len, n - ea)
  }
})

test('WF2Q+ is work-conserving: an idle queue leaves the whole link to the other', () => {
  const s = WF2Q.create(env(), new DnQueue(), FQ_CODEL_DEFAULTS)
  const a = queue(1)
  const b = queue(99)
  const fid = new FlowId()
  for (let i = 0; i < 5; i++) {
    const m = pkt(1500)
    a.append(m, 1500)
    s.enqueue(a, m, fid, 0)
  }
  for (let i = 0; i < 5; i++) assert.notEqual(s.dequeue(0), null)
  assert.equal(s.dequeue(0), null)
  assert.equal(b.active, false)
})

test('RR: deficit round robin serves bytes in proportion to weight × lmax', () => {
  const s = RR.create(env(), new DnQueue(), FQ_CODEL_DEFAULTS)
  const a = queue(1, 1000)
  const b = queue(2, 1000)
  const fid = new FlowId()
  for (let i = 0; i < 300; i++)
    for (const q of [a, b]) {
      const m = pkt(500)
      q.append(m, 500)
      s.enqueue(q, m, fid, 0)
    }
  for (let i = 0; i < 300; i++) pool.put(s.dequeue(0)!)
  // 300 packets served: quanta of 1000 and 2000 bytes are 2 and 4 packets per round.
  assert.equal(300 - a.ni.len, 100)
  assert.equal(300 - b.ni.len, 200)
})

test('FIFO: packets leave in arrival order', () => {
  const own = new DnQueue()
  const s = FIFO.create(env(), own, FQ_CODEL_DEFAULTS)
  const fid = new FlowId()
  for (let i = 1; i <= 3; i++) {
    const m = pkt(100, i)
    own.append(m, 100)
    s.enqueue(own, m, fid, 0)
  }
  assert.deepEqual(
    [1, 2, 3].map(() => s.dequeue(0)!.stamp),
    [0, 0, 0].map((_, i) => i + 1),
  )
  assert.equal(s.dequeue(0), null)
})

function fidOf(src: number): FlowId {
  const f = new FlowId()
  f.proto = 17
  f.src = src
  f.dst = 0x0a000001
  f.sport = 1000
  f.dport = 2000
  return f
}

test('FQ-CoDel: a new sparse flow is served before a backlogged old one (RFC 8290 §4.2)', () => {
  const e = env()
  const s = FQ_CODEL.create(e, new DnQueue(), FQ_CODEL_DEFAULTS)
  const bulk = fidOf(1)
  for (let i = 0; i < 20; i++) s.enqueue(null, pkt(1500, 0), bulk, 0)
  // The bulk flow uses up its quantum and moves to the old list.
  pool.put(s.dequeue(0)!)
  pool.put(s.dequeue(0)!)
  const sparse = pkt(100)
  s.enqueue(null, sparse, fidOf(2), 0)
  assert.equal(s.dequeue(0), sparse)
})

test('FQ-CoDel: at its limit it drops from the head of the fattest flow', () => {
  const e = env()
  const s = FQ_CODEL.create(e, new DnQueue(), { ...FQ_CODEL_DEFAULTS, limit: 10 })
  const first = pkt(1500)
  assert.equal(s.enqueue(null, first, fidOf(1), 0), true)
  for (let i = 0; i < 9; i++) s.enqueue(null, pkt(1500), fidOf(1), 0)
  assert.equal(e.drops, 0)
  // The 11th packet (of another, thin flow) is kept; the fat flow's oldest goes.
  const thin = pkt(100)
  assert.equal(s.enqueue(null, thin, fidOf(2), 0), true)
  assert.equal(e.drops, 1)
  assert.equal(e.last, first)
})

test('FQ-CoDel: no drop until the sojourn stayed above target for an interval, then drops come faster', () => {
  const e = env()
  const s = FQ_CODEL.create(e, new DnQueue(), FQ_CODEL_DEFAULTS)
  const f = fidOf(1)
  // A standing queue: 2 packets enter every 12 ms, 1 leaves; sojourn grows past 5 ms at once.
  const dropsAt: number[] = []
  let t = 0
  for (let i = 0; i < 100; i++) {
    s.enqueue(null, pkt(1500), f, t)
    s.enqueue(null, pkt(1500), f, t)
    t += 12 * MS
    const before = e.drops
    const m = s.dequeue(t)
    if (m !== null) pool.put(m)
    if (e.drops > before) dropsAt.push(t / MS)
  }
  assert.ok(dropsAt.length >= 3, `${dropsAt}`)
  // The first drop only after 100 ms above target (RFC 8289 "interval").
  assert.ok(dropsAt[0]! >= 100, `${dropsAt}`)
  // Control law: the gaps between drops shrink (interval / √count).
  const gaps = dropsAt.slice(1).map((x, i) => x - dropsAt[i]!)
  assert.ok(gaps[gaps.length - 1]! <= gaps[0]!, `${gaps}`)
})

test('RED: no drop below min_th, always above max_th; gentle RED ramps to 1 up to 2·max_th', () => {
  const rng = new Rng(3, 'red')
  const r = { gentle: false, wq: 1, minTh: 5, maxTh: 10, maxP: 0.1, maxPktSize: 1500 }
  const q = new DnQueue()
  const fill = (n: number) => {
    while (q.ni.len < n) q.append(pkt(100), 100)
    while (q.ni.len > n) pool.put(q.shift()!)
  }
  fill(3)
  for (let i = 0; i < 100; i++) assert.equal(redDrops(q, r, false, 100, 0, 0, rng), false)
  fill(12)
  for (let i = 0; i < 20; i++) assert.equal(redDrops(q, r, false, 100, 0, 0, rng), true)
  // Gentle: at 12 slots (between max_th and 2·max_th) some pass, some drop.
  const g = { ...r, gentle: true }
  let dropped = 0
  for (let i = 0; i < 1000; i++) if (redDrops(q, g, false, 100, 0, 0, rng)) dropped++
  assert.ok(dropped > 100 && dropped < 1000, `${dropped}`)
  fill(25)
  for (let i = 0; i < 20; i++) assert.equal(redDrops(q, g, false, 100, 0, 0, rng), true)
  fill(0)
})

test('flow tables: lookups by masked id and owner, a hard limit, removal', () => {
  const t = new FlowTable<DnQueue>(4, 3)
  const mask = { proto: 0xff, src: 0xffffff00, dst: 0, sport: 0, dport: 0, extra: false }
  const pktFid = fidOf(0x0a000105)
  const key = new FlowId()
  key.set(mask, pktFid, 7)
  assert.equal(key.src, 0x0a000100)
  assert.equal(key.dst, 0)
  for (let owner = 1; owner <= 3; owner++) {
    const q = new DnQueue()
    q.owner = owner
    q.fid.copy(key)
    t.add(q)
  }
  assert.equal(t.full, true)
  assert.equal(t.find(key, 2)!.owner, 2)
  assert.equal(t.find(key, 4), null)
  t.removeWhere((q) => q.owner === 2)
  assert.equal(t.count, 2)
  assert.equal(t.find(key, 2), null)
  assert.equal(t.full, false)
})
