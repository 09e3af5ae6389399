/**
 * SYN cookies: FreeBSD's flag encoding (MSS and window-scale tables, SACK bit), the MAC check that
 * accepts a genuine cookie and nothing else, and the two secrets' rotation (a cookie lives 15 to 30 s).
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Rng } from '../../../../util/rng.js'
import {
  type CookieFields,
  cookieFlags,
  decodeCookieFlags,
  SC_MSSTAB,
  SYNCOOKIE_LIFETIME,
  SynCookieSecrets,
} from './tcp_syncookie.js'

const FADDR = 0xc0000201
const LADDR = 0xc0a80001
const out = (): CookieFields => ({ mss: 0, wscale: -1, sack: false })

describe('syncookie flags', () => {
  test('MSS rounds down to the table; window scale to its table; absence is index 0', () => {
    const cases: Array<[number, number, boolean, CookieFields]> = [
      [1460, 7, true, { mss: 1460, wscale: 7, sack: true }],
      [1459, 3, false, { mss: 1452, wscale: 2, sack: false }],
      [9000, 14, true, { mss: 1460, wscale: 8, sack: true }],
      [536, 0, false, { mss: 536, wscale: 0, sack: false }],
      [0, -1, false, { mss: 216, wscale: -1, sack: false }],
      [100, 5, true, { mss: 216, wscale: 4, sack: true }],
    ]
    for (const [mss, ws, sack, want] of cases)
      assert.deepEqual(decodeCookieFlags(cookieFlags(mss, ws, sack), out()), want, `${mss} ${ws} ${sack}`)
    for (const m of SC_MSSTAB) assert.equal(decodeCookieFlags(cookieFlags(m, -1, false), out()).mss, m)
  })
})

describe('syncookie MAC', () => {
  test('a genuine cookie checks out with its flags; any change of tuple, irs, row or bits does not', () => {
    const s = new SynCookieSecrets(new Rng(7).stream('sc'), 0)
    const f = cookieFlags(1460, 6, true)
    const iss = s.generate(FADDR, LADDR, 40000, 80, 12345, f, 3)
    assert.equal(s.check(FADDR, LADDR, 40000, 80, 12345, iss, 3) & ~1, f)
    assert.equal(s.check(FADDR + 1, LADDR, 40000, 80, 12345, iss, 3), -1)
    assert.equal(s.check(FADDR, LADDR, 40001, 80, 12345, iss, 3), -1)
    assert.equal(s.check(FADDR, LADDR, 40000, 81, 12345, iss, 3), -1)
    assert.equal(s.check(FADDR, LADDR, 40000, 80, 12346, iss, 3), -1)
    assert.equal(s.check(FADDR, LADDR, 40000, 80, 12345, iss, 4), -1)
    // Flipping any bit of the ISN (the flags too, as they are bound into the MAC) fails.
    for (let b = 0; b < 32; b++)
      assert.equal(s.check(FADDR, LADDR, 40000, 80, 12345, (iss ^ (1 << b)) >>> 0, 3), -1)
  })

  test('the flags do not show on the wire as they are', () => {
    const s = new SynCookieSecrets(new Rng(8).stream('sc'), 0)
    const f = cookieFlags(1460, 6, true)
    const lows = new Set<number>()
    for (let irs = 0; irs < 64; irs++) lows.add(s.generate(FADDR, LADDR, 40000, 80, irs, f, 0) & 0xff)
    assert.ok(lows.size > 32)
  })

  test('secrets rotate every 15 s: a cookie survives one rotation, not two', () => {
    const s = new SynCookieSecrets(new Rng(9).stream('sc'), 100)
    const f = cookieFlags(1460, -1, false)
    const iss = s.generate(FADDR, LADDR, 40000, 80, 1, f, 0)
    s.catchUp(100 + SYNCOOKIE_LIFETIME - 1)
    assert.notEqual(s.check(FADDR, LADDR, 40000, 80, 1, iss, 0), -1)
    s.catchUp(100 + SYNCOOKIE_LIFETIME)
    assert.notEqual(
      s.check(FADDR, LADDR, 40000, 80, 1, iss, 0),
      -1,
      'one rotation: the old key is still there',
    )
    // New cookies use the new key.
    assert.notEqual(s.generate(FADDR, LADDR, 40000, 80, 1, f, 0), iss)
    s.catchUp(100 + 2 * SYNCOOKIE_LIFETIME)
    assert.equal(s.check(FADDR, LADDR, 40000, 80, 1, iss, 0), -1, 'two rotations: its key is gone')
  })

  test('catching up many periods at once equals rotating each period', () => {
    const a = new SynCookieSecrets(new Rng(10).stream('sc'), 0)
    const b = new SynCookieSecrets(new Rng(10).stream('sc'), 0)
    a.catchUp(10 * SYNCOOKIE_LIFETIME)
    for (let t = 1; t <= 10; t++) b.catchUp(t * SYNCOOKIE_LIFETIME)
    assert.equal(a.oddeven, b.oddeven)
    const f = cookieFlags(536, 2, false)
    // The newest key is the same draw in both only when the same number of draws were made, which
    // they are not; what must hold is that each accepts its own fresh cookies and the parity agrees.
    assert.notEqual(a.check(FADDR, LADDR, 1, 2, 3, a.generate(FADDR, LADDR, 1, 2, 3, f, 0), 0), -1)
    assert.notEqual(b.check(FADDR, LADDR, 1, 2, 3, b.generate(FADDR, LADDR, 1, 2, 3, f, 0), 0), -1)
  })
})
