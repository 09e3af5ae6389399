/**
 * BridgeTable against a plain Map model: random sequences of learning, lookups, moves, removals by
 * port, eviction of the oldest and expiry keep the same contents, order and expiry times, through
 * growth and with addresses chosen to collide in the hash.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { writeMac } from '../../../wire/addr.js'
import { BridgeTable } from './bridge_table.js'

type Op =
  | { k: 'learn'; mac: number; port: number; t: number }
  | { k: 'removePort'; port: number }
  | { k: 'evict' }
  | { k: 'expire'; t: number; ttl: number }
  | { k: 'clear' }

test('BridgeTable behaves like an insertion-ordered map', () => {
  // Few distinct addresses (so they repeat) spread over all three words (so buckets collide).
  const mac = fc.constantFrom(
    ...Array.from({ length: 40 }, (_, i) => 0x020000000000 + ((i * 0x10001) % 0x1000000) * 97),
  )
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({ k: fc.constant('learn' as const), mac, port: fc.nat(3), t: fc.nat(100) }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('removePort' as const), port: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('evict' as const) }) },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant('expire' as const), t: fc.nat(200), ttl: fc.nat(100) }),
    },
    { weight: 1, arbitrary: fc.constant({ k: 'clear' as const }) },
  )
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
      const t = new BridgeTable<number>(max)
      const model = new Map<number, { port: number; seen: number }>()
      const buf = new Uint8Array(6)
      for (const o of ops) {
        if (o.k === 'learn') {
          writeMac(buf, 0, o.mac)
          const i = t.find(buf, 0)
          const m = model.get(o.mac)
          assert.equal(i >= 0, m !== undefined)
          if (i >= 0) {
            t.touch(i, o.t)
            t.move(i, o.port, o.t)
            m!.port = o.port
            m!.seen = o.t
          } else {
            const s = t.add(buf, 0, o.port, o.t)
            assert.equal(s >= 0, model.size < max)
            if (s >= 0) model.set(o.mac, { port: o.port, seen: o.t })
          }
        } else if (o.k === 'removePort') {
          t.removePort(o.port)
          for (const [k, v] of model) if (v.port === o.port) model.delete(k)
        } else if (o.k === 'evict') {
          assert.equal(t.evictOldest(), model.size > 0)
          const first = model.keys().next()
          if (!first.done) model.delete(first.value)
        } else if (o.k === 'expire') {
          let next = Number.POSITIVE_INFINITY
          for (const [k, v] of model)
            if (v.seen + o.ttl <= o.t) model.delete(k)
            else next = Math.min(next, v.seen + o.ttl)
          assert.equal(t.expire(o.t, o.ttl), next)
        } else {
          t.clear()
          model.clear()
        }
        assert.equal(t.size, model.size)
        assert.deepEqual(
          t.slots().map((i) => [t.mac(i), t.port(i), t.seen(i)]),
          [...model].map(([k, v]) => [k, v.port, v.seen]),
        )
      }
    }),
    { numRuns: 300, seed: 7 },
  )
})
