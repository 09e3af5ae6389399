/**
 * PRIO on its own: the highest-priority backlogged queue (weight 0 first) always goes first and a
 * lower one waits for it to drain; equal priorities share one queue in arrival order; priorities
 * past 63 are clamped; a removed queue leaves the scheduler.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Mbuf, MbufPool } from '../../../../buf/mbuf.js'
import { Rng } from '../../../../util/rng.js'
import { DN_FS_DEFAULTS, FQ_CODEL_DEFAULTS } from './dn_h.js'
import { DnQueue, FlowId, FlowStats } from './dn_queue.js'
import type { DnSchedInst, SchedEnv } from './dn_sched.js'
import { PRIO, prioOf } from './dn_sched_prio.js'

const pool = new MbufPool()

function env(): SchedEnv {
  return { pool, rng: new Rng(1, 'prio-test'), ni: new FlowStats(), dropped: (m: Mbuf) => pool.put(m) }
}

function queue(weight: number): DnQueue {
  const q = new DnQueue()
  q.weight = weight
  return q
}

/** What ip_dn_io does: the queue the scheduler picks gets the packet, then the scheduler is told. */
function put(s: DnSchedInst, q: DnQueue, tag: number): DnQueue {
  const m = pool.get()
  m.len = 100
  m.stamp = tag
  const tq = s.queueFor === undefined ? q : s.queueFor(q)
  tq.append(m, 100)
  s.enqueue(tq, m, new FlowId(), 0)
  return tq
}

function drain(s: DnSchedInst): number[] {
  const out: number[] = []
  for (let m = s.dequeue(0); m !== null; m = s.dequeue(0)) {
    out.push(m.stamp)
    pool.put(m)
  }
  return out
}

test('PRIO: priority 0 is served first and a lower priority only once it is empty (strict)', () => {
  const s = PRIO.create(env(), new DnQueue(), FQ_CODEL_DEFAULTS)
  const low = queue(40)
  const mid = queue(7)
  const high = queue(0)
  put(s, low, 1)
  put(s, mid, 2)
  put(s, low, 3)
  put(s, high, 4)
  put(s, mid, 5)
  // The first dequeue takes the highest; a new high-priority arrival overtakes the waiting ones.
  const first = s.dequeue(0)!
  assert.equal(first.stamp, 4)
  pool.put(first)
  put(s, high, 6)
  assert.deepEqual(drain(s), [6, 2, 5, 1, 3])
  for (const q of [low, mid, high]) assert.equal(q.active, false)
})

test('PRIO: priorities 32..63 (the bitmap high word) order correctly among themselves and after 31', () => {
  const s = PRIO.create(env(), new DnQueue(), FQ_CODEL_DEFAULTS)
  put(s, queue(63), 1)
  put(s, queue(33), 2)
  put(s, queue(31), 3)
  put(s, queue(32), 4)
  assert.deepEqual(drain(s), [3, 4, 2, 1])
})

test('PRIO: queues of equal priority join the backlogged one and leave in arrival order', () => {
  const s = PRIO.create(env(), new DnQueue(), FQ_CODEL_DEFAULTS)
  const a = queue(5)
  const b = queue(5)
  assert.equal(put(s, a, 1), a)
  assert.equal(put(s, b, 2), a)
  assert.equal(put(s, a, 3), a)
  assert.equal(a.ni.len, 3)
  assert.equal(b.ni.len, 0)
  assert.deepEqual(drain(s), [1, 2, 3])
  // Once a drained, b may hold the priority itself.
  assert.equal(put(s, b, 4), b)
  assert.deepEqual(drain(s), [4])
})

test('PRIO: a removed queue leaves the scheduler; purge empties it', () => {
  const s = PRIO.create(env(), new DnQueue(), FQ_CODEL_DEFAULTS)
  const a = queue(1)
  const b = queue(2)
  put(s, a, 1)
  put(s, b, 2)
  s.removeQueue(a)
  pool.put(a.shift()!)
  assert.equal(a.active, false)
  assert.deepEqual(drain(s), [2])
  put(s, a, 3)
  s.purge(pool)
  assert.equal(s.dequeue(0), null)
  pool.put(a.shift()!)
})

test('PRIO: priorities beyond 63 are clamped to 63 (prio_new_fsk), in the flowset too', () => {
  assert.equal(prioOf(100), 63)
  assert.equal(prioOf(0), 0)
  assert.equal(PRIO.boundFs!({ ...DN_FS_DEFAULTS, weight: 100 }).weight, 63)
  const cfg = { ...DN_FS_DEFAULTS, weight: 9 }
  assert.equal(PRIO.boundFs!(cfg), cfg)
  const s = PRIO.create(env(), new DnQueue(), FQ_CODEL_DEFAULTS)
  put(s, queue(100), 1)
  put(s, queue(62), 2)
  assert.deepEqual(drain(s), [2, 1])
})
