/** utf8Encode / utf8Decode agree with the platform's TextEncoder / TextDecoder on any input. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { utf8Decode, utf8Encode } from './utf8.js'

test('encoding matches TextEncoder, including astral characters and lone surrogates', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      assert.deepEqual(utf8Encode(s), new TextEncoder().encode(s))
    }),
    { numRuns: 2000 },
  )
  assert.deepEqual([...utf8Encode('é€😀')], [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80])
})

test('decoding matches TextDecoder on valid and invalid bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      assert.equal(utf8Decode(b), new TextDecoder().decode(b))
    }),
    { numRuns: 5000 },
  )
  assert.equal(utf8Decode(new Uint8Array([0x68, 0xc3, 0xa9, 0xff])), 'hé\ufffd')
})
