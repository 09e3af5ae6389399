import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { guarded, hex, toHex } from '../testkit.js'
import { ARP_LEN, ArpOp, type ArpRepr, ArpView, emitArp, parseArp, writeArp } from './arp.js'

// ARP packets (after the 14-byte Ethernet header) captured with tcpdump on a Linux veth pair:
// 192.0.2.1 at 02:00:00:00:00:0a asks for 192.0.2.2, which answers from 02:00:00:00:00:0b.
const REQUEST = hex(
  '0001', //           htype 1 (Ethernet)
  '0800', //           ptype 0x0800 (IPv4)
  '06 04', //          hlen 6, plen 4
  '0001', //           op 1 (request)
  '0200 0000 000a', // sha 02:00:00:00:00:0a
  'c000 0201', //      spa 192.0.2.1
  '0000 0000 0000', // tha unknown (Linux sends zeros)
  'c000 0202', //      tpa 192.0.2.2
)
const REPLY = hex(
  '0001 0800 0604', // Ethernet / IPv4, 6 / 4
  '0002', //           op 2 (reply)
  '0200 0000 000b', // sha 02:00:00:00:00:0b
  'c000 0202', //      spa 192.0.2.2
  '0200 0000 000a', // tha 02:00:00:00:00:0a
  'c000 0201', //      tpa 192.0.2.1
)

describe('arp', () => {
  test('constants', () => {
    assert.equal(ARP_LEN, 28)
    assert.deepEqual(ArpOp, { REQUEST: 1, REPLY: 2 })
  })

  test('view over a real request', () => {
    const v = new ArpView()
    assert.equal(v.point(REQUEST, 0, REQUEST.length), true)
    assert.equal(v.htype, 1)
    assert.equal(v.ptype, 0x0800)
    assert.equal(v.hlen, 6)
    assert.equal(v.plen, 4)
    assert.equal(v.op, ArpOp.REQUEST)
    assert.equal(v.sha, 0x02000000000a)
    assert.equal(v.spa, 0xc0000201)
    assert.equal(v.tha, 0)
    assert.equal(v.tpa, 0xc0000202)
    assert.equal(v.isEthernetIpv4(), true)
  })

  test('view over a real reply inside a padded 60-byte frame', () => {
    const frame = new Uint8Array(60) // 14 + 28 + 18 bytes of padding
    frame.set(REPLY, 14)
    const v = new ArpView()
    assert.equal(v.point(frame, 14, 46), true)
    assert.equal(v.op, ArpOp.REPLY)
    assert.equal(v.sha, 0x02000000000b)
    assert.equal(v.spa, 0xc0000202)
    assert.equal(v.tha, 0x02000000000a)
    assert.equal(v.tpa, 0xc0000201)
    assert.deepEqual(parseArp(frame, 14, 46), {
      op: 2,
      sha: 0x02000000000b,
      spa: 0xc0000202,
      tha: 0x02000000000a,
      tpa: 0xc0000201,
    })
  })

  test('point refuses fewer than 28 bytes', () => {
    const v = new ArpView()
    assert.equal(v.point(REQUEST, 0, 27), false)
    assert.equal(v.point(REQUEST, 1, 28), false) // runs past the buffer
    assert.equal(parseArp(REQUEST, 0, 27), null)
  })

  test('parseArp accepts only Ethernet/IPv4 requests and replies', () => {
    assert.deepEqual(parseArp(REQUEST, 0, 28), {
      op: 1,
      sha: 0x02000000000a,
      spa: 0xc0000201,
      tha: 0,
      tpa: 0xc0000202,
    })
    const cases: Array<[number, number, string]> = [
      [0, 0x00, 'htype 6 (IEEE 802)'],
      [2, 0x86, 'ptype 0x86dd'],
      [4, 0x08, 'hlen 8'],
      [5, 0x10, 'plen 16'],
      [7, 0x03, 'op 3 (RARP request)'],
      [7, 0x00, 'op 0'],
    ]
    for (const [at, value, what] of cases) {
      const b = REQUEST.slice()
      b[at] = value
      if (at === 0) b[1] = 6
      const v = new ArpView()
      v.point(b, 0, 28)
      assert.equal(parseArp(b, 0, 28), null, what)
      if (at < 6) assert.equal(v.isEthernetIpv4(), false, what)
    }
  })

  test('emit and writeArp reproduce the captured bytes', () => {
    const r = parseArp(REPLY, 0, 28)!
    const out = new Uint8Array(28)
    emitArp(r, out, 0)
    assert.equal(toHex(out), toHex(REPLY))
    const out2 = new Uint8Array(30)
    writeArp(out2, 2, ArpOp.REQUEST, 0x02000000000a, 0xc0000201, 0, 0xc0000202)
    assert.equal(toHex(out2, 2), toHex(REQUEST))
  })

  test('property: random bytes never throw, and accessors stay inside the accepted window', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: -2, max: 42 }),
        fc.integer({ min: -2, max: 42 }),
        (bytes, off, len) => {
          const r = parseArp(bytes, off, len)
          const v = new ArpView()
          if (!v.point(bytes, off, len)) {
            assert.equal(r, null)
            return
          }
          v.point(guarded(bytes, off, off + len), off, len)
          const fields = { op: v.op, sha: v.sha, spa: v.spa, tha: v.tha, tpa: v.tpa }
          const ok = v.isEthernetIpv4() && (v.op === 1 || v.op === 2)
          assert.deepEqual(r, ok ? fields : null)
          assert.ok(v.htype >= 0 && v.ptype >= 0 && v.hlen >= 0 && v.plen >= 0)
        },
      ),
    )
  })

  test('property: emit then parse round trips', () => {
    const u32 = fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((x) => x >>> 0)
    const mac = fc.tuple(fc.integer({ min: 0, max: 0xffff }), u32).map(([hi, lo]) => hi * 2 ** 32 + lo)
    const repr = fc.record<ArpRepr>({ op: fc.constantFrom(1, 2), sha: mac, spa: u32, tha: mac, tpa: u32 })
    fc.assert(
      fc.property(repr, (r) => {
        const b = new Uint8Array(ARP_LEN)
        emitArp(r, b, 0)
        assert.deepEqual(parseArp(b, 0, ARP_LEN), { ...r })
      }),
    )
  })
})
