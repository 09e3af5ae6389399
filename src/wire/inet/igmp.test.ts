/** The IGMP wire helpers: Max Resp Code / QQIC decoding (RFC 3376 §4.1.1) and the Router Alert check. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { IGMP_RA_OPTION, igmpCodeValue, ipHasRouterAlert } from './igmp.js'

test('codes below 128 are literal; above, mantissa and exponent (RFC 3376 §4.1.1)', () => {
  assert.equal(igmpCodeValue(0), 0)
  assert.equal(igmpCodeValue(100), 100)
  assert.equal(igmpCodeValue(127), 127)
  // 0x80: exp 0, mant 0 → 0x10 << 3 = 128; 0xff: exp 7, mant 15 → 0x1f << 10 = 31744.
  assert.equal(igmpCodeValue(0x80), 128)
  assert.equal(igmpCodeValue(0x8a), (0x1a << 3) >>> 0)
  assert.equal(igmpCodeValue(0xff), 31744)
})

test('the Router Alert option is found among others, and malformed lists answer false', () => {
  const hdr = (opts: number[]) => {
    const b = new Uint8Array(20 + opts.length)
    b[0] = 0x40 | ((20 + opts.length) / 4)
    b.set(opts, 20)
    return b
  }
  assert.ok(ipHasRouterAlert(hdr([...IGMP_RA_OPTION]), 0, 24))
  // NOP, NOP, then RA.
  assert.ok(ipHasRouterAlert(hdr([1, 1, 148, 4, 0, 0, 0, 0]), 0, 28))
  // Record Route (7, length 7) then RA.
  assert.ok(ipHasRouterAlert(hdr([7, 7, 4, 0, 0, 0, 0, 148, 4, 0, 0, 0]), 0, 32))
  assert.ok(!ipHasRouterAlert(hdr([]), 0, 20))
  assert.ok(!ipHasRouterAlert(hdr([0, 0, 0, 0]), 0, 24))
  // RA with a wrong length, a length running past the header, a zero length.
  assert.ok(!ipHasRouterAlert(hdr([148, 3, 0, 0]), 0, 24))
  assert.ok(!ipHasRouterAlert(hdr([148, 8, 0, 0]), 0, 24))
  assert.ok(!ipHasRouterAlert(hdr([7, 0, 148, 4]), 0, 24))
})
