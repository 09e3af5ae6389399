/**
 * FQ-PIE on its own: a new sparse flow goes before a backlogged one, the limit drops from the
 * longest sub-queue, the drop probability follows RFC 8033 §4.2 with auto-tuning, CapDrop and
 * decay, nothing is dropped within the burst allowance, a standing queue is then dropped from, and
 * with ECN an ECN-capable flow is marked instead; ipfw's parameters are defaulted and bounded.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Mbuf, MbufPool } from '../../../../buf/mbuf.js'
import { type CountingSchedEnv, countingSchedEnv } from '../../../../testing/dn_sched_env.js'
import { MS } from '../../../../util/clock.js'
import { FQ_CODEL_DEFAULTS, FQ_PIE_DEFAULTS, type FqPieCfg, PIE_FLAGS } from './dn_h.js'
import { DnQueue, FlowId } from './dn_queue.js'
import { FQ_PIE, type FqPieInst, fqPieResolve, PIE_MAX_PROB, PieFlow } from './dn_sched_fq_pie.js'

const pool = new MbufPool()

function env(): CountingSchedEnv {
  return countingSchedEnv(pool, 7, 'fq-pie-test')
}

/** An IPv4 packet of len bytes with the given ECN bits. */
function pkt(len: number, ecn = 0): Mbuf {
  const m = pool.get()
  m.len = len
  m.data[m.off] = 0x45
  m.data[m.off + 1] = ecn
  return m
}

function fidOf(src: number): FlowId {
  const f = new FlowId()
  f.proto = 17
  f.src = src
  f.dst = 0x0a000001
  f.sport = 1000
  f.dport = 2000
  return f
}

function inst(cfg: Partial<FqPieCfg> = {}): [FqPieInst, ReturnType<typeof env>] {
  const e = env()
  const s = FQ_PIE.create(e, new DnQueue(), FQ_CODEL_DEFAULTS, { ...FQ_PIE_DEFAULTS, ...cfg }) as FqPieInst
  return [s, e]
}

test('FQ-PIE: a new sparse flow is served before a backlogged old one', () => {
  const [s] = inst()
  const bulk = fidOf(1)
  for (let i = 0; i < 20; i++) s.enqueue(null, pkt(1500), bulk, 0)
  // The bulk flow overdraws its quantum (1514) with two packets, goes to the old list at the next
  // dequeue and sends its third packet from there.
  for (let i = 0; i < 3; i++) pool.put(s.dequeue(0)!)
  const sparse = pkt(100)
  s.enqueue(null, sparse, fidOf(2), 0)
  assert.equal(s.dequeue(0), sparse)
  s.purge(pool)
})

test('FQ-PIE: over its limit it drops the head of the longest sub-queue', () => {
  const [s, e] = inst({ limit: 10 })
  const first = pkt(1500)
  assert.equal(s.enqueue(null, first, fidOf(1), 0), true)
  for (let i = 0; i < 9; i++) s.enqueue(null, pkt(1500), fidOf(1), 0)
  assert.equal(e.drops, 0)
  const thin = pkt(100)
  assert.equal(s.enqueue(null, thin, fidOf(2), 0), true)
  assert.equal(e.drops, 1)
  assert.equal(e.last, first)
  assert.equal(s.backlog, 10)
  s.purge(pool)
})

test('FQ-PIE: the drop probability follows RFC 8033 (auto-tuned steps, CapDrop, decay)', () => {
  const [s] = inst()
  const f = new PieFlow()
  f.pieActive = true
  // 25 ms of delay against a 15 ms target from nothing: α·10 ms + β·25 ms = 0.0325, scaled
  // down by 2048 while the probability is below 10^-6 (RFC 8033 §5.2).
  f.currentQdelay = 25000
  s.calculateDropProb(f)
  const want = (0.0325 / 2048) * PIE_MAX_PROB
  assert.ok(Math.abs(f.dropProb - want) < 2, `${f.dropProb} vs ${want}`)
  assert.equal(f.qdelayOld, 25000)
  // The burst allowance shrinks by tupdate per update.
  f.burstAllowance = 20000
  s.calculateDropProb(f)
  assert.equal(f.burstAllowance, 5000)
  // At 10% and more, one update adds at most 2% (CapDrop)...
  f.dropProb = Math.floor(PIE_MAX_PROB / 10)
  f.currentQdelay = 1_000_000
  f.qdelayOld = 0
  s.calculateDropProb(f)
  assert.equal(f.dropProb, Math.floor(PIE_MAX_PROB / 10) + Math.floor(PIE_MAX_PROB / 50))
  // ...and never more than 1.
  for (let i = 0; i < 100; i++) s.calculateDropProb(f)
  assert.equal(f.dropProb, PIE_MAX_PROB)
  // Without CapDrop the same step is the full α·985 ms + β·1000 ms.
  const [n] = inst({ flags: 0 })
  const g = new PieFlow()
  g.pieActive = true
  g.dropProb = Math.floor(PIE_MAX_PROB / 10)
  g.currentQdelay = 1_000_000
  n.calculateDropProb(g)
  assert.ok(g.dropProb > Math.floor(PIE_MAX_PROB / 10) + Math.floor(PIE_MAX_PROB / 50), `${g.dropProb}`)
  // An empty queue (no delay now or before) falls by α·15 ms (scaled by 32 between 0.01% and
  // 0.1%), then decays by 1/64 per update.
  f.currentQdelay = 0
  f.qdelayOld = 0
  f.dropProb = 1 << 20
  s.calculateDropProb(f)
  const down = (1 << 20) - Math.floor(((0.125 * 0.015) / 32) * PIE_MAX_PROB)
  assert.ok(Math.abs(f.dropProb - (down - Math.floor(down / 64))) < 2, `${f.dropProb}`)
})

test('FQ-PIE: within the burst allowance nothing is dropped, even at probability 1', () => {
  const [s, e] = inst({ flags: PIE_FLAGS.CAPDROP })
  const fid = fidOf(1)
  for (let i = 0; i < 5; i++) s.enqueue(null, pkt(1500), fid, 0)
  const f = s.flows.find((x) => x.ni.len > 0)!
  assert.equal(f.burstAllowance, 150000)
  f.dropProb = PIE_MAX_PROB
  f.qdelayOld = 100000
  for (let i = 0; i < 5; i++) s.enqueue(null, pkt(1500), fid, 0)
  assert.equal(e.drops, 0)
  f.burstAllowance = 0
  for (let i = 0; i < 5; i++) s.enqueue(null, pkt(1500), fid, 0)
  assert.equal(e.drops, 5)
  s.purge(pool)
})

/** A standing queue: two packets in every 12 ms, one out; returns the times (ms) of drops/marks. */
function standing(s: FqPieInst, e: ReturnType<typeof env>, ecn: number): { drops: number[]; marks: number } {
  const f = fidOf(1)
  const drops: number[] = []
  let marks = 0
  let t = 0
  for (let i = 0; i < 150; i++) {
    const before = e.drops
    s.enqueue(null, pkt(1500, ecn), f, t)
    s.enqueue(null, pkt(1500, ecn), f, t)
    if (e.drops > before) drops.push(t / MS)
    t += 12 * MS
    const m = s.dequeue(t)
    if (m !== null) {
      if ((m.data[m.off + 1]! & 3) === 3) marks++
      pool.put(m)
    }
  }
  s.purge(pool)
  return { drops, marks }
}

test('FQ-PIE: no drop within the 150 ms burst allowance, then a standing queue is dropped from', () => {
  const [s, e] = inst({ flags: PIE_FLAGS.CAPDROP | PIE_FLAGS.DERAND })
  const { drops } = standing(s, e, 0)
  assert.ok(drops.length >= 5, `${drops}`)
  // The allowance runs out after 150 ms of updates (RFC 8033 §4.4).
  assert.ok(drops[0]! >= 150, `${drops}`)
})

test('FQ-PIE: with ECN an ECN-capable flow is marked instead of dropped; without ECN it is dropped', () => {
  const flags = PIE_FLAGS.CAPDROP | PIE_FLAGS.DERAND | PIE_FLAGS.ECN
  // max_ecnth 1: marking never gives way to dropping (the safeguard is tested by its default below).
  const [s, e] = inst({ flags, maxEcnth: 8192 })
  const r = standing(s, e, 2)
  assert.equal(r.drops.length, 0, `${r.drops}`)
  assert.ok(r.marks >= 5, `${r.marks}`)
  // Not ECN-capable: dropped even with ECN on.
  const [s2, e2] = inst({ flags })
  assert.ok(standing(s2, e2, 0).drops.length >= 5)
  // Past the ECN safeguard (here 50%), a queue that keeps growing is dropped from despite ECN.
  const [s3, e3] = inst({ flags, maxEcnth: 4096 })
  const r3 = standing(s3, e3, 2)
  assert.ok(r3.marks >= 1 && r3.drops.length >= 1, `${r3.marks} ${r3.drops}`)
})

test('FQ-PIE: ipfw -1 fields take the kernel defaults and the rest is clamped (fq_pie_config)', () => {
  const c = fqPieResolve({
    target: -1,
    tupdate: 0,
    maxBurst: 9_000_000,
    maxEcnth: -1,
    alpha: 8 * 8192,
    beta: -1,
    flags: -1,
    quantum: 10000,
    limit: 0,
    flows: -1,
  })
  assert.deepEqual(c, {
    target: 15000,
    tupdate: 1,
    maxBurst: 5_000_000,
    maxEcnth: 819,
    alpha: 7 * 8192,
    beta: 10240,
    flags: 0,
    quantum: 9000,
    limit: 1,
    flows: 1024,
  })
})
