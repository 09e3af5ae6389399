/** StreamBuf against a model of its bytes: appends, drops, takes and copies across ring wraps and growth. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { StreamBuf } from './sockbuf.js'

/** The model: a plain array of the bytes the buffer should hold. */
type Op =
  | { kind: 'append'; len: number }
  | { kind: 'drop'; n: number }
  | { kind: 'take'; n: number; peek: boolean }

const ops = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant('append' as const),
      len: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 5000 })),
    }),
    fc.record({ kind: fc.constant('drop' as const), n: fc.integer({ min: 0, max: 3000 }) }),
    fc.record({
      kind: fc.constant('take' as const),
      n: fc.integer({ min: 0, max: 3000 }),
      peek: fc.boolean(),
    }),
  ),
  { maxLength: 60 },
)

test('a stream buffer keeps bytes in order across wraps and growth, never past hiwat', () => {
  fc.assert(
    fc.property(ops, fc.integer({ min: 1, max: 9000 }), (list: Op[], hiwat) => {
      const sb = new StreamBuf(hiwat)
      const model: number[] = []
      let next = 0
      for (const op of list) {
        if (op.kind === 'append') {
          const src = Uint8Array.from({ length: op.len + 3 }, () => next++ & 0xff)
          const stored = sb.append(src, 3, op.len)
          assert.equal(stored, Math.min(op.len, Math.max(0, hiwat - model.length)))
          model.push(...src.subarray(3, 3 + stored))
        } else if (op.kind === 'drop') {
          sb.drop(op.n)
          model.splice(0, op.n)
        } else {
          const got = sb.take(op.n, op.peek)
          const want = op.peek ? model.slice(0, op.n) : model.splice(0, op.n)
          assert.deepEqual([...got], want)
        }
        assert.equal(sb.cc, model.length)
        assert.ok(sb.cc <= hiwat)
        // copyOut from any offset sees the same bytes as the model.
        const from = model.length >> 1
        const out = new Uint8Array(model.length - from + 2)
        sb.copyOut(from, out, 2, model.length - from)
        assert.deepEqual([...out.subarray(2)], model.slice(from))
      }
    }),
    { numRuns: 300 },
  )
})

test('force appends what the window already promised, past hiwat', () => {
  const sb = new StreamBuf(10)
  assert.equal(sb.append(new Uint8Array(25).fill(7), 0, 25, true), 25)
  assert.equal(sb.cc, 25)
  assert.equal(sb.space, 0)
  assert.equal(sb.append(new Uint8Array(1), 0, 1), 0)
})
