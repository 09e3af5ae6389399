import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { formatIpv6 } from '../inet6/in6_addr.js'
import { hex, toHex } from '../testkit.js'
import {
  emitRipng,
  isWholeTableRequest,
  nextHopRte,
  parseRipng,
  RIPNG_INFINITY,
  RIPNG_METRIC_NEXTHOP,
  RipngCommand,
  RipngError,
  type RipngRepr,
  ripngMaxRtes,
  wholeTableRequest,
} from './ripng.js'

// A RIPng response (RFC 2080 §2.1) as a router sends it to ff02::9: a next-hop RTE naming
// fe80::1, then two routes, the second poisoned (metric 16).
const RESPONSE = hex(
  '02 01 0000', //                             command 2 (response), version 1, must be zero
  'fe80 0000 0000 0000 0000 0000 0000 0001', // next hop fe80::1
  '0000 00 ff', //                             tag 0, prefix length 0, metric 0xff: a next-hop RTE
  'fc00 0001 0000 0000 0000 0000 0000 0000', // fc00:1::
  '0007 40 02', //                             tag 7, /64, metric 2
  '2001 0db8 0000 0000 0000 0000 0000 0000', // 2001:db8::
  '0000 20 10', //                             tag 0, /32, metric 16: unreachable
)

describe('RIPng wire format', () => {
  test('parses the annotated response RTE by RTE and emits the same bytes', () => {
    const r = parseRipng(RESPONSE)
    assert.ok(r.ok)
    assert.equal(r.ripng.command, RipngCommand.RESPONSE)
    assert.equal(r.ripng.version, 1)
    const rtes = r.ripng.rtes.map((e) => [formatIpv6(e.prefix), e.tag, e.len, e.metric])
    assert.deepEqual(rtes, [
      ['fe80::1', 0, 0, RIPNG_METRIC_NEXTHOP],
      ['fc00:1::', 7, 64, 2],
      ['2001:db8::', 0, 32, RIPNG_INFINITY],
    ])
    assert.equal(toHex(emitRipng(r.ripng)), toHex(RESPONSE))
    assert.deepEqual(nextHopRte(r.ripng.rtes[0]!.prefix), r.ripng.rtes[0])
  })

  test('a whole-table request is recognised, and only that one', () => {
    const req = emitRipng({ command: 1, version: 1, rtes: wholeTableRequest() })
    assert.equal(toHex(req), toHex(hex('01 01 0000', '00'.repeat(16), '0000 00 10')))
    const p = parseRipng(req)
    assert.ok(p.ok && isWholeTableRequest(p.ripng))
    const specific = req.slice()
    specific[4] = 0xfc // a prefix: a request for that route
    const q = parseRipng(specific)
    assert.ok(q.ok && !isWholeTableRequest(q.ripng))
  })

  test('malformed messages are named, not thrown', () => {
    assert.deepEqual(parseRipng(RESPONSE, 0, 3), { ok: false, error: RipngError.BAD_LENGTH })
    assert.deepEqual(parseRipng(RESPONSE, 0, 30), { ok: false, error: RipngError.BAD_LENGTH })
    assert.deepEqual(parseRipng(RESPONSE, 60, 10), { ok: false, error: RipngError.BAD_LENGTH })
    const cmd = RESPONSE.slice()
    cmd[0] = 3
    assert.deepEqual(parseRipng(cmd), { ok: false, error: RipngError.BAD_COMMAND })
    const ver = RESPONSE.slice()
    ver[1] = 2
    assert.deepEqual(parseRipng(ver), { ok: false, error: RipngError.BAD_VERSION })
    const mbz = RESPONSE.slice()
    mbz[3] = 1
    assert.deepEqual(parseRipng(mbz), { ok: false, error: RipngError.BAD_ZERO })
    // An empty response (header only) is well formed.
    assert.ok(parseRipng(RESPONSE, 0, 4).ok)
  })

  test('the RTE count per datagram follows the MTU (§2.1)', () => {
    assert.equal(ripngMaxRtes(1500), 72)
    assert.equal(ripngMaxRtes(1280), 61)
  })

  test('fuzz: random bytes never throw; a parse agrees with the length and header rules', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: -2, max: 202 }),
        fc.integer({ min: -2, max: 202 }),
        (bytes, off, len) => {
          const r = parseRipng(bytes, off, len)
          const fits = off >= 0 && len >= 4 && off + len <= bytes.length && (len - 4) % 20 === 0
          if (!fits) return assert.deepEqual(r, { ok: false, error: RipngError.BAD_LENGTH })
          const good =
            (bytes[off] === 1 || bytes[off] === 2) &&
            bytes[off + 1] === 1 &&
            bytes[off + 2] === 0 &&
            bytes[off + 3] === 0
          assert.equal(r.ok, good)
          if (r.ok) assert.equal(r.ripng.rtes.length, (len - 4) / 20)
        },
      ),
    )
  })

  test('fuzz: mutated valid messages never throw and round trip when they parse', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(63), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (muts) => {
          const b = RESPONSE.slice()
          for (const [i, x] of muts) b[i] = x
          const r = parseRipng(b)
          if (r.ok) assert.equal(toHex(emitRipng(r.ripng)), toHex(b))
        },
      ),
    )
  })

  test('emit then parse round trips', () => {
    const rte = fc.record({
      prefix: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      tag: fc.integer({ min: 0, max: 0xffff }),
      len: fc.integer({ min: 0, max: 255 }),
      metric: fc.integer({ min: 0, max: 255 }),
    })
    fc.assert(
      fc.property(fc.constantFrom(1, 2), fc.array(rte, { maxLength: 30 }), (command, rtes) => {
        const r: RipngRepr = { command, version: 1, rtes: rtes.map((e) => ({ ...e })) }
        assert.deepEqual(parseRipng(emitRipng(r)), { ok: true, ripng: r })
      }),
    )
  })
})
