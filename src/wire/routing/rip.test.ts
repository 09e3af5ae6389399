import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { guarded, hex, toHex } from '../testkit.js'
import {
  emitRip,
  isWholeTableRequest,
  parseRip,
  RIP_INFINITY,
  RipCommand,
  RipError,
  type RipRepr,
  RipView,
} from './rip.js'

// A RIPv2 response (RFC 2453 §4) with two routes, as a router on 10.0.12.0/24 sends it to 224.0.0.9.
const RESPONSE = hex(
  '02 02 0000', //           command 2 (response), version 2, must be zero
  '0002 0000', //            AFI 2 (IP), route tag 0
  '0a00 1700', //            10.0.23.0
  'ffff ff00', //            255.255.255.0
  '0000 0000', //            next hop 0.0.0.0: via the sender
  '0000 0001', //            metric 1
  '0002 0007', //            AFI 2, route tag 7
  'c0a8 0000', //            192.168.0.0
  'ffff 0000', //            /16
  '0a00 0c03', //            next hop 10.0.12.3
  '0000 0010', //            metric 16: unreachable (poisoned)
)
// RFC 2453 §3.9.1: "send me your whole table" — one entry, AFI 0, metric 16.
const WHOLE_TABLE = hex('01 02 0000', '0000 0000 00000000 00000000 00000000 00000010')
// RFC 1058 version 1 response: tag, mask and next hop must be zero.
const V1 = hex('02 01 0000', '0002 0000 0a000100 00000000 00000000 00000002')

describe('RIP wire format', () => {
  test('parses the annotated response field by field', () => {
    const r = parseRip(RESPONSE)
    assert.ok(r.ok)
    assert.equal(r.rip.command, RipCommand.RESPONSE)
    assert.equal(r.rip.version, 2)
    assert.deepEqual(r.rip.entries, [
      { afi: 2, tag: 0, addr: 0x0a001700, mask: 0xffffff00, nextHop: 0, metric: 1 },
      { afi: 2, tag: 7, addr: 0xc0a80000, mask: 0xffff0000, nextHop: 0x0a000c03, metric: 16 },
    ])
    assert.equal(toHex(emitRip(r.rip)), toHex(RESPONSE))
  })

  test('a whole-table request is recognised; version 1 is accepted when its zero fields are zero', () => {
    const w = parseRip(WHOLE_TABLE)
    assert.ok(w.ok && isWholeTableRequest(w.rip))
    const v1 = parseRip(V1)
    assert.ok(v1.ok && v1.rip.version === 1)
    const bad = V1.slice()
    bad[12] = 0xff // a mask in a v1 entry
    assert.deepEqual(parseRip(bad), { ok: false, error: RipError.BAD_ZERO })
  })

  test('malformed messages are named, not thrown', () => {
    assert.deepEqual(parseRip(RESPONSE, 0, 3), { ok: false, error: RipError.BAD_LENGTH })
    assert.deepEqual(parseRip(RESPONSE, 0, 30), { ok: false, error: RipError.BAD_LENGTH })
    const cmd = RESPONSE.slice()
    cmd[0] = 9
    assert.deepEqual(parseRip(cmd), { ok: false, error: RipError.BAD_COMMAND })
    const ver = RESPONSE.slice()
    ver[1] = 0
    assert.deepEqual(parseRip(ver), { ok: false, error: RipError.BAD_VERSION })
    const big: RipRepr = {
      command: 2,
      version: 2,
      entries: Array.from({ length: 26 }, () => ({
        afi: 2,
        tag: 0,
        addr: 0,
        mask: 0,
        nextHop: 0,
        metric: 1,
      })),
    }
    assert.deepEqual(parseRip(emitRip(big)), { ok: false, error: RipError.TOO_MANY_ENTRIES })
  })

  test('random bytes never throw, and the view stays inside the accepted window', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120 }),
        fc.integer({ min: -2, max: 122 }),
        fc.integer({ min: -2, max: 122 }),
        (bytes, off, len) => {
          const r = parseRip(bytes, off, len)
          const v = new RipView()
          if (!v.point(bytes, off, len)) {
            assert.equal(r.ok, false)
            return
          }
          v.point(guarded(bytes, off, off + len), off, len)
          const e = v.check()
          assert.equal(r.ok, e === RipError.OK)
          if (r.ok) for (let i = 0; i < v.entryCount; i++) assert.ok(v.metric(i) >= 0 && v.afi(i) >= 0)
        },
      ),
    )
  })

  test('emit then parse round trips', () => {
    const entry = fc.record({
      afi: fc.constant(2),
      tag: fc.integer({ min: 0, max: 0xffff }),
      addr: fc.integer({ min: 0, max: 0xffffffff }),
      mask: fc.integer({ min: 0, max: 0xffffffff }),
      nextHop: fc.integer({ min: 0, max: 0xffffffff }),
      metric: fc.integer({ min: 1, max: RIP_INFINITY }),
    })
    fc.assert(
      fc.property(fc.constantFrom(1, 2), fc.array(entry, { maxLength: 25 }), (command, entries) => {
        const r: RipRepr = { command, version: 2, entries: entries.map((e) => ({ ...e })) }
        assert.deepEqual(parseRip(emitRip(r)), { ok: true, rip: r })
      }),
    )
  })
})
