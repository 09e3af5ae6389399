/**
 * ng_pipe's queue structures on their own: the mbuf ring and the delay line against plain-array
 * models under random operations, and the inbound queue's disciplines (DRR shares bytes, not frames;
 * WFQ interleaves; overflow truncates the longest sub-queue at the chosen end; sub-queues are
 * recycled).
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { type Mbuf, MbufPool } from '../buf/mbuf.js'
import { DelayLine, FlowQueues, MbufRing } from './pipe_queue.js'

const pool = new MbufPool()

function frame(len: number, tag: number): Mbuf {
  const m = pool.get(len)
  m.len = len
  m.stamp = tag
  return m
}

describe('MbufRing', () => {
  test('behaves like an array under random push / shift / pop', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 300 }), (ops) => {
        const ring = new MbufRing()
        const model: Mbuf[] = []
        let tag = 0
        for (const op of ops) {
          if (op === 0 || model.length === 0) {
            const m = frame(1, tag++)
            ring.push(m)
            model.push(m)
          } else if (op === 1) assert.equal(ring.shift(), model.shift())
          else assert.equal(ring.pop(), model.pop())
          assert.equal(ring.size, model.length)
          if (model.length > 0) assert.equal(ring.peek(), model[0])
        }
        for (const m of model) pool.put(m)
      }),
    )
  })
})

describe('DelayLine', () => {
  test('pops in time order, first in first out among equal times, across random interleavings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 })), { maxLength: 400 }),
        (ops) => {
          const line = new DelayLine()
          const model: Array<{ t: number; m: Mbuf }> = []
          let tag = 0
          for (const [push, t] of ops) {
            if (push || model.length === 0) {
              const m = frame(10, tag++)
              line.push(m, t)
              // Stable insertion after every entry with time <= t.
              let i = model.length
              while (i > 0 && model[i - 1]!.t > t) i--
              model.splice(i, 0, { t, m })
            } else {
              assert.equal(line.peekTime(), model[0]!.t)
              assert.equal(line.pop(), model.shift()!.m)
            }
            assert.equal(line.size, model.length)
            assert.equal(line.bytes, model.length * 10)
          }
          for (const { m } of model) pool.put(m)
        },
      ),
    )
  })
})

describe('FlowQueues', () => {
  test('FIFO: one sub-queue, arrival order', () => {
    const q = new FlowQueues()
    for (let i = 0; i < 5; i++) q.add(frame(100, i), 0, 0)
    assert.equal(q.flows, 1)
    assert.deepEqual(
      [0, 1, 2, 3, 4].map(() => q.take(0).stamp),
      [0, 1, 2, 3, 4],
    )
    assert.equal(q.frames + q.bytes + q.flows, 0)
  })

  test('DRR shares bytes: a flow of small frames sends many per large frame of the other', () => {
    const q = new FlowQueues()
    q.quantum = 1500
    for (let i = 0; i < 40; i++) q.add(frame(1500, 1), 1, 0)
    for (let i = 0; i < 600; i++) q.add(frame(100, 2), 2, 0)
    const bytes = [0, 0, 0]
    for (let i = 0; i < 300; i++) {
      const m = q.take(0)
      bytes[m.stamp]! += m.len
      pool.put(m)
    }
    assert.ok(Math.abs(bytes[1]! - bytes[2]!) <= 1500, `bytes ${bytes}`)
  })

  test('WFQ with equal frames alternates between backlogged flows', () => {
    const q = new FlowQueues()
    q.wfqNsPerByte = 8
    for (let i = 0; i < 10; i++) q.add(frame(500, 1), 1, 0)
    for (let i = 0; i < 10; i++) q.add(frame(500, 2), 2, 0)
    const order: number[] = []
    for (let t = 1; t <= 10; t++) {
      const m = q.take(t * 4000)
      order.push(m.stamp)
      pool.put(m)
    }
    assert.deepEqual(order, [1, 2, 1, 2, 1, 2, 1, 2, 1, 2])
  })

  test('overflow truncates the longest sub-queue, at its tail or its head', () => {
    for (const head of [false, true]) {
      const q = new FlowQueues()
      q.quantum = 2048
      q.add(frame(100, 10), 1, 0)
      for (let i = 0; i < 3; i++) q.add(frame(100, 20 + i), 2, 0)
      const m = q.dropOne(head)
      assert.equal(m.stamp, head ? 20 : 22)
      pool.put(m)
      // Ties go to the sub-queue earlier in the round.
      q.add(frame(100, 11), 1, 0)
      const n = q.dropOne(head)
      assert.equal(n.stamp, head ? 10 : 11)
      pool.put(n)
      while (q.frames > 0) pool.put(q.take(0))
      assert.equal(q.flows, 0)
    }
  })

  test('sub-queues are recycled: many short-lived flows keep a bounded number of Flow objects', () => {
    const q = new FlowQueues()
    q.quantum = 2048
    const inUse = pool.inUse
    const internals = q as unknown as { spare: unknown[]; byHash: Map<number, unknown> }
    for (let round = 0; round < 100; round++) {
      for (let f = 0; f < 10; f++) q.add(frame(64, f), round * 10 + f, 0)
      assert.equal(q.flows, 10)
      while (q.frames > 0) pool.put(q.take(0))
      assert.ok(internals.byHash.size + internals.spare.length <= 64 + 10, 'bounded')
    }
    assert.equal(q.flows, 0)
    assert.equal(pool.inUse, inUse)
    // A returning flow is new again: a full DRR quantum, at the tail of the round.
    q.add(frame(64, 1), 5, 0)
    q.add(frame(64, 2), 6, 0)
    assert.equal(q.take(0).stamp, 1)
  })
})
