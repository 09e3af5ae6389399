/**
 * OSPFv2 wire format: every packet type round-trips through emit and parse; the packet checksum
 * leaves out the authentication field and catches a flipped bit; the LSA Fletcher checksum verifies
 * (and fails on any changed byte but the age), reduced per 4 KB as byte by byte; §13.1's instance
 * comparison; updates of a slice of LSAs aged on the wire; and a fuzz of the parser
 * (random bytes, mutated valid packets) that never throws and never reads past the length it checked.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { parseIpv4 } from '../addr.js'
import {
  ackBody,
  buildLsa,
  DD_I,
  DD_M,
  DD_MS,
  ddBody,
  emitAck,
  emitLsu,
  emitOspf,
  externalLsaBody,
  helloBody,
  Link,
  LsType,
  lsaChecksum,
  lsaChecksumOk,
  lsaCompare,
  lsaCompareAged,
  lsrBody,
  lsuBody,
  MAX_AGE,
  networkLsaBody,
  OPT_E,
  OspfType,
  parseExternalLsa,
  parseNetworkLsa,
  parseOspf,
  parseRouterLsa,
  routerLsaBody,
  routerLsaFits,
  withAge,
} from './ospf.js'

const ip = (s: string): number => parseIpv4(s)!

const routerLsa = buildLsa(
  { age: 1, options: OPT_E, type: LsType.ROUTER, id: ip('1.1.1.1'), advRtr: ip('1.1.1.1'), seq: -0x7fffffff },
  routerLsaBody(2, [
    { id: ip('10.0.0.2'), data: ip('10.0.0.1'), type: Link.TRANSIT, metric: 10 },
    { id: ip('10.0.1.0'), data: ip('255.255.255.0'), type: Link.STUB, metric: 10 },
  ]),
)

describe('OSPF packets', () => {
  test('Hello round-trips; the checksum is over the packet without the authentication field', () => {
    const body = helloBody({
      mask: ip('255.255.255.0'),
      helloInterval: 10,
      options: OPT_E,
      priority: 1,
      deadInterval: 40,
      dr: ip('10.0.0.2'),
      bdr: 0,
      neighbors: [ip('2.2.2.2'), ip('3.3.3.3')],
    })
    const p = emitOspf(OspfType.HELLO, ip('1.1.1.1'), 0, body)
    assert.equal(p.length, 24 + 20 + 8)
    const r = parseOspf(p)
    assert.ok(r.ok)
    assert.equal(r.hdr.routerId, ip('1.1.1.1'))
    assert.ok(r.body.type === 1)
    assert.deepEqual(r.body.hello.neighbors, [ip('2.2.2.2'), ip('3.3.3.3')])
    assert.equal(r.body.hello.dr, ip('10.0.0.2'))
    // An authentication field that is not zero does not change the checksum (D.4.1) ...
    const auth = p.slice()
    auth[20] = 0x55
    assert.ok(parseOspf(auth).ok)
    // ... but any other bit does.
    for (const at of [1, 5, 9, 30, p.length - 1]) {
      const bad = p.slice()
      bad[at] = bad[at]! ^ 0x10
      const q = parseOspf(bad)
      assert.ok(!q.ok, `byte ${at}`)
    }
  })

  test('DD, LSR, LSU and LSAck round-trip', () => {
    const dd = parseOspf(
      emitOspf(
        OspfType.DD,
        1,
        0,
        ddBody({
          mtu: 1500,
          options: OPT_E,
          flags: DD_I | DD_M | DD_MS,
          seq: 0xdeadbeef,
          headers: [routerLsa.hdr],
        }),
      ),
    )
    assert.ok(dd.ok && dd.body.type === 2)
    assert.equal(dd.body.dd.seq, 0xdeadbeef)
    assert.equal(dd.body.dd.flags, 7)
    assert.deepEqual(dd.body.dd.headers, [routerLsa.hdr])
    const lsr = parseOspf(emitOspf(OspfType.LSR, 1, 0, lsrBody([{ type: 1, id: 5, advRtr: 6 }])))
    assert.ok(lsr.ok && lsr.body.type === 3)
    assert.deepEqual(lsr.body.reqs, [{ type: 1, id: 5, advRtr: 6 }])
    const net = buildLsa(
      { age: 0, options: OPT_E, type: LsType.NETWORK, id: ip('10.0.0.2'), advRtr: 2, seq: 5 },
      networkLsaBody(ip('255.255.255.0'), [1, 2]),
    )
    const lsu = parseOspf(emitOspf(OspfType.LSU, 1, 0, lsuBody([routerLsa, net])))
    assert.ok(lsu.ok && lsu.body.type === 4)
    assert.equal(lsu.body.lsas.length, 2)
    assert.deepEqual(lsu.body.lsas[1]!.data, net.data)
    assert.deepEqual(parseNetworkLsa(net.data), { mask: ip('255.255.255.0'), routers: [1, 2] })
    const ack = parseOspf(emitOspf(OspfType.LSACK, 1, 0, ackBody([routerLsa.hdr, net.hdr])))
    assert.ok(ack.ok && ack.body.type === 5)
    assert.deepEqual(ack.body.headers, [routerLsa.hdr, net.hdr])
  })

  test('an LSU whose LSAs run past its length is refused', () => {
    const body = lsuBody([routerLsa])
    body[3] = 2
    assert.deepEqual(parseOspf(emitOspf(OspfType.LSU, 1, 0, body)), { ok: false, reason: 'length' })
  })
})

describe('LSAs', () => {
  test('the Fletcher checksum verifies and catches any change but the age', () => {
    assert.ok(lsaChecksumOk(routerLsa.data))
    assert.ok(lsaChecksumOk(withAge(routerLsa, 900).data), 'age is outside the checksum')
    for (let at = 2; at < routerLsa.data.length; at++) {
      const bad = routerLsa.data.slice()
      bad[at] = bad[at]! ^ 0x01
      assert.ok(!lsaChecksumOk(bad), `byte ${at}`)
    }
    const ext = buildLsa(
      { age: 0, options: OPT_E, type: LsType.EXTERNAL, id: ip('172.16.0.0'), advRtr: 3, seq: 1 },
      externalLsaBody(ip('255.255.0.0'), true, 20, 0, 7),
    )
    assert.ok(lsaChecksumOk(ext.data))
    assert.deepEqual(parseExternalLsa(ext.data), {
      mask: ip('255.255.0.0'),
      type2: true,
      metric: 20,
      fwd: 0,
      tag: 7,
    })
    assert.deepEqual(parseRouterLsa(routerLsa.data)?.links.length, 2)
  })

  test('§13.1: newer by sequence, then checksum, then MaxAge, then age more than 15 min apart', () => {
    const h = routerLsa.hdr
    assert.equal(lsaCompare({ ...h, seq: h.seq + 1 }, h), 1)
    assert.equal(lsaCompare(h, { ...h, checksum: h.checksum + 1 }), -1)
    assert.equal(lsaCompare({ ...h, age: MAX_AGE }, h), 1)
    assert.equal(lsaCompare({ ...h, age: 10 }, { ...h, age: 1000 }), 1)
    assert.equal(lsaCompare({ ...h, age: 10 }, { ...h, age: 800 }), 0)
  })
})

describe('LSAs at scale', () => {
  /** The Fletcher sums reduced after every byte (RFC 2328 §12.1.7 as written). */
  const byteWise = (d: Uint8Array): number => {
    let c0 = 0
    let c1 = 0
    for (let i = 2; i < d.length; i++) {
      c0 = (c0 + (i === 16 || i === 17 ? 0 : d[i]!)) % 255
      c1 = (c1 + c0) % 255
    }
    let x = ((d.length - 2 - 14 - 1) * c0 - c1) % 255
    if (x <= 0) x += 255
    let y = 510 - c0 - x
    if (y > 255) y -= 255
    return ((x & 0xff) << 8) | (y & 0xff)
  }

  test('the checksum with sums reduced per 4 KB equals the byte-wise one, up to the largest LSA', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 9000 }), (d) => {
        assert.equal(lsaChecksum(d), byteWise(d))
      }),
      { numRuns: 200 },
    )
    const big = new Uint8Array(0xffff).fill(0xff)
    assert.equal(lsaChecksum(big), byteWise(big))
  })

  test('an update of a slice of LSAs, aged on the wire, parses back to them', () => {
    const lsas = [routerLsa, withAge(routerLsa, MAX_AGE), withAge(routerLsa, 7)]
    const p = parseOspf(emitOspf(OspfType.LSU, 1, 0, lsuBody(lsas, 1, 3, 1)))
    assert.ok(p.ok && p.body.type === 4)
    assert.deepEqual(
      p.body.lsas.map((l) => l.hdr.age),
      [MAX_AGE, 8],
    )
    // The age is outside the checksum: still good, the LSAs given are unchanged.
    assert.ok(p.body.lsas.every((l) => lsaChecksumOk(l.data)))
    assert.equal(lsas[2]!.hdr.age, 7)
  })

  test('emitLsu and emitAck build the very bytes of emitOspf over lsuBody and ackBody', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: MAX_AGE }), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.integer({ min: 0, max: 3 }),
        (ages, cut, ageBy) => {
          const lsas = ages.map((a) => withAge(routerLsa, a))
          const from = cut % lsas.length
          const lsu = emitLsu(ip('9.9.9.9'), 3, lsas, from, lsas.length, ageBy)
          assert.deepEqual(
            lsu,
            emitOspf(OspfType.LSU, ip('9.9.9.9'), 3, lsuBody(lsas, from, lsas.length, ageBy)),
          )
          const hs = lsas.map((l) => l.hdr)
          const ack = emitAck(ip('9.9.9.9'), 3, hs, from, hs.length)
          assert.deepEqual(ack, emitOspf(OspfType.LSACK, ip('9.9.9.9'), 3, ackBody(hs.slice(from))))
          assert.ok(parseOspf(lsu).ok && parseOspf(ack).ok)
        },
      ),
    )
  })

  test("lsaCompareAged is lsaCompare with the age given apart; routerLsaFits is parseRouterLsa's check", () => {
    const h = routerLsa.hdr
    for (const [a, b] of [
      [{ ...h, seq: h.seq + 1 }, h],
      [h, { ...h, checksum: h.checksum + 1 }],
      [{ ...h, age: MAX_AGE }, h],
      [
        { ...h, age: 10 },
        { ...h, age: 1000 },
      ],
      [
        { ...h, age: 10 },
        { ...h, age: 800 },
      ],
      [h, { ...h, age: MAX_AGE }],
    ] as const)
      assert.equal(lsaCompareAged(a, { ...b, age: -1 }, b.age), lsaCompare(a, b))
    assert.ok(routerLsaFits(routerLsa.data))
    for (let len = 0; len < routerLsa.data.length + 8; len++) {
      const d = new Uint8Array(len)
      d.set(routerLsa.data.subarray(0, Math.min(len, routerLsa.data.length)))
      assert.equal(routerLsaFits(d), parseRouterLsa(d) !== null, `length ${len}`)
    }
  })
})

describe('parser fuzz', () => {
  test('random bytes never throw and what parses has a sane length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const r = parseOspf(b)
        if (r.ok) assert.ok(r.hdr.length <= b.length)
      }),
      { numRuns: 3000 },
    )
  })

  test('mutated valid packets either parse consistently or give a reason', () => {
    const valid = [
      emitOspf(OspfType.LSU, 1, 0, lsuBody([routerLsa])),
      emitOspf(
        OspfType.DD,
        1,
        0,
        ddBody({ mtu: 1500, options: 2, flags: 0, seq: 9, headers: [routerLsa.hdr] }),
      ),
    ]
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(120),
        (p, edits, cut) => {
          const b = p.slice(0, Math.max(0, p.length - cut))
          for (const [at, v] of edits) if (at < b.length) b[at] = v
          const r = parseOspf(b)
          if (!r.ok) assert.equal(typeof r.reason, 'string')
          else if (r.body.type === 4) for (const l of r.body.lsas) assert.equal(l.data.length, l.hdr.length)
        },
      ),
      { numRuns: 3000 },
    )
  })
})
