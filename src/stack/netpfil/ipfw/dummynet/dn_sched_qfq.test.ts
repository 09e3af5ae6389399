/**
 * QFQ on its own: backlogged queues share in proportion to their weights (also across groups and
 * with unequal packet sizes), an idle queue leaves the link to the others, a queue taken away while
 * backlogged leaves a consistent scheduler, the virtual time is rebased without changing shares,
 * and the group index and flowset bounds are FreeBSD's.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MbufPool } from '../../../../buf/mbuf.js'
import { DN_FS_DEFAULTS } from './dn_h.js'
import { DnQueue } from './dn_queue.js'
import { QFQ, QfqInst, qfqBoundFs, qfqCalcIndex } from './dn_sched_qfq.js'

const pool = new MbufPool()

function queue(weight: number, lmax = 1500): DnQueue {
  const q = new DnQueue()
  q.weight = weight
  q.lmax = lmax
  return q
}

function put(s: QfqInst, q: DnQueue, len: number): void {
  const m = pool.get()
  m.len = len
  q.append(m, len)
  s.enqueue(q, m)
}

/** Fill each queue with n packets of its size, serve `serve` packets; bytes sent per queue. */
function share(s: QfqInst, qs: DnQueue[], lens: number[], n: number, serve: number): number[] {
  for (let i = 0; i < n; i++) for (let k = 0; k < qs.length; k++) put(s, qs[k]!, lens[k]!)
  for (let i = 0; i < serve; i++) {
    const m = s.dequeue()
    assert.notEqual(m, null)
    pool.put(m!)
  }
  // What each queue sent is what it no longer holds.
  return qs.map((q, k) => (n - q.ni.len) * lens[k]!)
}

test('QFQ: weights 3:1 and 99:1 share a backlogged link 3:1 and 99:1', () => {
  for (const [wa, wb, serve, ea] of [
    [3, 1, 400, 300],
    [99, 1, 1000, 990],
  ] as const) {
    const s = QFQ.create(null as never, new DnQueue(), null as never) as QfqInst
    const a = queue(wa)
    const b = queue(wb)
    const sent = share(s, [a, b], [1000, 1000], 1000, serve)
    assert.ok(Math.abs(sent[0]! / 1000 - ea) <= 2, `${sent}`)
    s.purge()
    a.purge(pool)
    b.purge(pool)
  }
})

test('QFQ: four groups (weights 1, 2, 4, 8) and unequal packet sizes still share by weight', () => {
  const s = new QfqInst()
  const qs = [queue(1), queue(2), queue(4), queue(8)]
  const lens = [1500, 700, 1000, 64]
  const sent = share(s, qs, lens, 4000, 3000)
  const total = sent.reduce((x, y) => x + y, 0)
  // Each within one maximum-size packet per flow of its weighted share (QFQ's bound is a few).
  qs.forEach((q, k) => {
    const want = (total * q.weight) / 15
    assert.ok(Math.abs(sent[k]! - want) <= 6 * 1500, `${k}: ${sent} (want ${want})`)
  })
  assert.equal(qfqCalcIndex(2 ** 30, 1500), 19)
  s.purge()
  for (const q of qs) q.purge(pool)
})

test('QFQ is work-conserving: an idle queue leaves the whole link to the other', () => {
  const s = new QfqInst()
  const a = queue(1)
  const b = queue(100)
  for (let i = 0; i < 5; i++) put(s, a, 1500)
  for (let i = 0; i < 5; i++) pool.put(s.dequeue()!)
  assert.equal(s.dequeue(), null)
  assert.equal(a.active, false)
  assert.equal(b.active, false)
  // Back to backlogged later: served again at once.
  put(s, b, 100)
  assert.notEqual(s.dequeue(), null)
  assert.equal(s.dequeue(), null)
})

test('QFQ: a backlogged queue taken away leaves the others served and the scheduler consistent', () => {
  const s = new QfqInst()
  const a = queue(1)
  const b = queue(5)
  const c = queue(5, 200)
  for (let i = 0; i < 10; i++) for (const q of [a, b, c]) put(s, q, 200)
  for (let i = 0; i < 4; i++) pool.put(s.dequeue()!)
  s.removeQueue(b)
  b.purge(pool)
  assert.equal(b.active, false)
  const rest = a.ni.len + c.ni.len
  let n = 0
  for (let m = s.dequeue(); m !== null; m = s.dequeue()) {
    pool.put(m)
    n++
  }
  // Every packet of the other two comes out, and then the scheduler is empty.
  assert.equal(n, rest)
  assert.equal(a.ni.len + c.ni.len, 0)
  assert.ok(s.bitmaps.every((x) => x === 0))
  assert.ok(s.groups.every((g) => g.fullSlots === 0))
})

test('QFQ: the virtual time is rebased below 2^51 and shares stay the same', () => {
  const s = new QfqInst()
  s.V = 2 ** 51 - 1000 * 8192 * 10
  const a = queue(3)
  const b = queue(1)
  const sent = share(s, [a, b], [1000, 1000], 1000, 400)
  assert.ok(s.V < 2 ** 51, `${s.V}`)
  assert.ok(Math.abs(sent[0]! / 1000 - 300) <= 2, `${sent}`)
  s.purge()
  a.purge(pool)
  b.purge(pool)
})

test('QFQ: group index about log2(lmax/weight), and qfq_new_fsk bounds', () => {
  // weight 1, 1500 bytes: the largest group; 1024 bytes is an exact power of two, one lower.
  assert.equal(qfqCalcIndex(2 ** 30, 1500), 19)
  assert.equal(qfqCalcIndex(2 ** 30, 1024), 18)
  assert.equal(qfqCalcIndex(2 ** 14, 1500), 3)
  assert.equal(qfqCalcIndex(2 ** 14, 1), 0)
  const b = qfqBoundFs({ ...DN_FS_DEFAULTS, weight: 0, lmax: 0 })
  assert.deepEqual([b.weight, b.lmax], [1, 1500])
  assert.equal(qfqBoundFs({ ...DN_FS_DEFAULTS, weight: 5, lmax: 3000 }).lmax, 2000)
})
