/**
 * UnitAlloc against a plain model (an array of booleans scanned from 0): random allocations, specific
 * allocations and frees must agree on every answer, including "full" (-1) at the maximum.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { UnitAlloc } from './unit_alloc.js'

test('UnitAlloc hands out the lowest free unit, as a scan from 0 would', () => {
  const op = fc.oneof(
    fc.constant({ kind: 'any' as const, unit: 0 }),
    fc.record({
      kind: fc.constantFrom('specific' as const, 'free' as const),
      unit: fc.integer({ min: 0, max: 20 }),
    }),
  )
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 20 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
      const a = new UnitAlloc(max)
      const model: boolean[] = new Array(max + 1).fill(false)
      for (const o of ops) {
        if (o.kind === 'any') {
          const want = model.indexOf(false)
          assert.equal(a.allocAny(), want)
          if (want >= 0) model[want] = true
        } else if (o.unit > max) continue
        else if (o.kind === 'specific') {
          assert.equal(a.allocSpecific(o.unit), !model[o.unit])
          model[o.unit] = true
        } else {
          a.free(o.unit)
          model[o.unit] = false
        }
        assert.equal(a.count, model.filter((x) => x).length)
        for (let u = 0; u <= max; u++) assert.equal(a.has(u), model[u], `has(${u})`)
      }
    }),
  )
})

test('UnitAlloc: full at max, and the one unit given back is the next handed out', () => {
  const a = new UnitAlloc(0x7fff)
  for (let i = 0; i <= 0x7fff; i++) assert.equal(a.allocAny(), i)
  assert.equal(a.allocAny(), -1)
  a.free(30000)
  a.free(5)
  a.free(5)
  assert.equal(a.allocAny(), 5)
  assert.equal(a.allocAny(), 30000)
  assert.equal(a.allocAny(), -1)
})
