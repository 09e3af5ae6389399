import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { seqAdd, seqDiff, seqGeq, seqGt, seqLeq, seqLt, seqMax, seqMin, tstmpGeq, tstmpLt } from './seq.js'

describe('seq: comparisons modulo 2^32', () => {
  test('ordinary numbers', () => {
    assert.equal(seqLt(1, 2), true)
    assert.equal(seqLt(2, 1), false)
    assert.equal(seqLt(5, 5), false)
    assert.equal(seqLeq(5, 5), true)
    assert.equal(seqGt(2, 1), true)
    assert.equal(seqGeq(5, 5), true)
    assert.equal(seqGeq(4, 5), false)
  })

  test('across the wrap: 0xffffffff comes just before 0', () => {
    assert.equal(seqLt(0xffffffff, 0), true)
    assert.equal(seqGt(0, 0xffffffff), true)
    assert.equal(seqLt(0xfffffff0, 0x10), true)
    assert.equal(seqLeq(0xfffffff0, 0x10), true)
    assert.equal(seqGeq(0x10, 0xfffffff0), true)
    assert.equal(seqMax(0xfffffff0, 0x10), 0x10)
    assert.equal(seqMin(0xfffffff0, 0x10), 0xfffffff0)
    assert.equal(seqMax(3, 7), 7)
    assert.equal(seqMin(3, 7), 3)
  })

  test('half the space apart: the signed distance decides, as (int)(a - b) does in C', () => {
    assert.equal(seqLt(0, 0x7fffffff), true)
    assert.equal(seqLt(0x7fffffff, 0), false)
    // Exactly 2^31 apart the distance is -2^31 both ways, so each is "before" the other, as in C.
    assert.equal(seqLt(0, 0x80000000), true)
    assert.equal(seqLt(0x80000000, 0), true)
    assert.equal(seqDiff(0, 0x80000000), -0x80000000)
    assert.equal(seqDiff(0x80000000, 0), -0x80000000)
  })

  test('seqAdd and seqDiff stay in u32 / i32', () => {
    assert.equal(seqAdd(0xffffffff, 1), 0)
    assert.equal(seqAdd(0, -1), 0xffffffff)
    assert.equal(seqAdd(0xfffffff0, 0x20), 0x10)
    assert.equal(seqDiff(0x10, 0xfffffff0), 0x20)
    assert.equal(seqDiff(0xfffffff0, 0x10), -0x20)
  })

  test('timestamps order the same way (PAWS, RFC 7323 §5.3)', () => {
    assert.equal(tstmpLt(0xffffff00, 5), true)
    assert.equal(tstmpGeq(5, 0xffffff00), true)
    assert.equal(tstmpGeq(5, 5), true)
    assert.equal(tstmpLt(5, 5), false)
  })
})

describe('seq: properties', () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff })
  const step = fc.integer({ min: 1, max: 0x7fffffff })

  test('a + n is after a for 0 < n < 2^31, wherever a is', () => {
    fc.assert(
      fc.property(u32, step, (a, n) => {
        const b = seqAdd(a, n)
        assert.ok(b >= 0 && b <= 0xffffffff)
        assert.equal(seqLt(a, b), true)
        assert.equal(seqLeq(a, b), true)
        assert.equal(seqGt(b, a), true)
        assert.equal(seqGeq(b, a), true)
        assert.equal(seqGt(a, b), false)
        assert.equal(seqDiff(b, a), n)
        assert.equal(seqDiff(a, b), -n)
        assert.equal(seqMax(a, b), b)
        assert.equal(seqMin(b, a), a)
        assert.equal(seqAdd(b, -n), a)
      }),
    )
  })
})
