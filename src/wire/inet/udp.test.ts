import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { guarded, hex, toHex } from '../testkit.js'
import {
  emitUdp,
  parseUdp,
  UDP_HDR_LEN,
  UdpCheck,
  type UdpRepr,
  UdpView,
  udpFinish,
  writeUdpHeader,
} from './udp.js'

const A = 0xc0000201 // 192.0.2.1
const B = 0xc0000202 // 192.0.2.2
const NS = 0xc0000235 // 192.0.2.53

// The 5-byte datagram of ipv4.test.ts (captured on a Linux veth, which offloaded the checksum and left
// the folded pseudo-header sum 8422 in the field), with the finished checksum worked out there:
//   8422 + cffa + 0009 + 000d + 6865 + 6c6c + 6f00 (odd byte padded) = 0x29803 -> 9805, ~ = 67fa
const HELLO = hex(
  'cffa', //        source port 53242
  '0009', //        destination port 9 (discard)
  '000d', //        length 13: 8 + 5
  '67fa', //        checksum
  '6865 6c6c 6f', // "hello"
)
// The same datagram from a sender that computed no checksum (RFC 768: the field is 0).
const HELLO_NOSUM = hex('cffa 0009 000d 0000 6865 6c6c 6f')

// A DNS query for example.com A, 192.0.2.1:40000 -> 192.0.2.53:53 (RFC 1035 §4.1).
//   pseudo c000 + 0201 + c000 + 0235 + 0011 + 0025 = 0x1846c; with the datagram 0x40a9d -> 0aa1,
//   ~ = f55e
const DNS_QUERY = hex(
  '9c40 0035 0025 f55e', //     ports 40000 -> 53, length 37, checksum
  '1a2b 0100 0001 0000 0000 0000', // id, RD, one question
  '07 6578616d706c65 03 636f6d 00', // example.com
  '0001 0001', //                   type A, class IN
)

// A datagram whose checksum computes to 0, so it is sent as ffff (RFC 768): 2 bytes of data chosen so.
//   pseudo c000 + 0201 + c000 + 0202 + 0011 + 000a, + cffa + 0009 + 000a + abd2 = 0x2fffd -> ffff,
//   ~ = 0000
const SUM_ZERO = hex('cffa 0009 000a ffff abd2')

function viewOf(b: Uint8Array, off = 0, len = b.length - off): UdpView {
  const v = new UdpView()
  assert.equal(v.point(b, off, len), true)
  return v
}

describe('udp: constants', () => {
  test('values', () => {
    assert.equal(UDP_HDR_LEN, 8)
    assert.deepEqual(UdpCheck, { OK: 0, TOO_SHORT: 1, BAD_LEN: 2, BAD_CHECKSUM: 3 })
  })
})

describe('udp: real datagrams', () => {
  test('hello: every field', () => {
    const v = viewOf(HELLO)
    assert.equal(v.check(true, A, B), UdpCheck.OK)
    assert.equal(v.srcPort, 53242)
    assert.equal(v.dstPort, 9)
    assert.equal(v.length, 13)
    assert.equal(v.checksum, 0x67fa)
    assert.equal(v.hasChecksum, true)
    assert.equal(v.payloadOffset, 8)
    assert.equal(v.payloadLength, 5)
    assert.deepEqual(parseUdp(HELLO, 0, 13, A, B), { srcPort: 53242, dstPort: 9, payloadLength: 5 })
  })

  test('a DNS query', () => {
    const v = viewOf(DNS_QUERY)
    assert.equal(v.check(true, A, NS), UdpCheck.OK)
    assert.equal(v.dstPort, 53)
    assert.equal(v.payloadLength, 29)
    assert.equal(v.check(true, A, B), UdpCheck.BAD_CHECKSUM) // the pseudo header counts
  })

  test('checksum 0: none computed, accepted unchecked', () => {
    const v = viewOf(HELLO_NOSUM)
    assert.equal(v.hasChecksum, false)
    assert.equal(v.check(true, A, B), UdpCheck.OK)
    assert.equal(v.check(true, 0, 0), UdpCheck.OK)
    assert.deepEqual(parseUdp(HELLO_NOSUM, 0, 13, A, B), { srcPort: 53242, dstPort: 9, payloadLength: 5 })
  })

  test('a computed 0 is sent as ffff, and ffff verifies', () => {
    const b = SUM_ZERO.slice()
    b[6] = 0x12
    udpFinish(b, 0, b.length, A, B)
    assert.equal(toHex(b), toHex(SUM_ZERO))
    assert.equal(viewOf(SUM_ZERO).check(true, A, B), UdpCheck.OK)
  })
})

describe('udp: check (udp_input order)', () => {
  test('TOO_SHORT (udps_hdrops): fewer than 8 bytes', () => {
    const v = new UdpView()
    assert.equal(v.point(HELLO, 0, 7), false)
    assert.equal(v.check(true, A, B), UdpCheck.TOO_SHORT)
    assert.equal(v.point(HELLO, 6, 8), false)
    assert.equal(v.check(false, A, B), UdpCheck.TOO_SHORT)
  })

  test('BAD_LEN (udps_badlen): length below 8 or beyond the IP payload', () => {
    const b = HELLO.slice()
    b[5] = 14 // one more than there is
    assert.equal(viewOf(b).check(false, A, B), UdpCheck.BAD_LEN)
    b[5] = 7
    assert.equal(viewOf(b).check(false, A, B), UdpCheck.BAD_LEN)
    assert.equal(viewOf(HELLO, 0, 12).check(true, A, B), UdpCheck.BAD_LEN)
  })

  test('a length shorter than the IP payload is fine: the rest is not the datagram', () => {
    const b = new Uint8Array(20)
    b.set(HELLO)
    b.fill(0x55, 13)
    const v = viewOf(b)
    assert.equal(v.check(true, A, B), UdpCheck.OK) // the checksum covers only the 13 bytes
    assert.equal(v.payloadLength, 5)
  })

  test('BAD_CHECKSUM (udps_badsum): after the length, only when asked', () => {
    const b = HELLO.slice()
    b[12] ^= 1
    assert.equal(viewOf(b).check(true, A, B), UdpCheck.BAD_CHECKSUM)
    assert.equal(viewOf(b).check(false, A, B), UdpCheck.OK)
    b[5] = 14
    assert.equal(viewOf(b).check(true, A, B), UdpCheck.BAD_LEN)
    assert.equal(parseUdp(HELLO, 0, 13, A, NS), null)
  })
})

describe('udp: building and modifying', () => {
  test('emitUdp + udpFinish reproduce the fixtures', () => {
    const out = new Uint8Array(2 + DNS_QUERY.length)
    const r: UdpRepr = { srcPort: 40000, dstPort: 53, payloadLength: 29 }
    assert.equal(emitUdp(r, out, 2), 8)
    out.set(DNS_QUERY.subarray(8), 10)
    udpFinish(out, 2, DNS_QUERY.length, A, NS)
    assert.equal(toHex(out, 2), toHex(DNS_QUERY))
    const h = new Uint8Array(13)
    writeUdpHeader(h, 0, 53242, 9, 5)
    h.set(HELLO.subarray(8), 8)
    viewOf(h).fillChecksum(A, B)
    assert.equal(toHex(h), toHex(HELLO))
  })

  test('setters; fillChecksum stays inside len when the length field lies', () => {
    const b = HELLO.slice()
    const v = viewOf(b)
    v.srcPort = 1
    v.dstPort = 2
    v.length = 9
    v.checksum = 0xbeef
    assert.deepEqual([v.srcPort, v.dstPort, v.length, v.checksum], [1, 2, 9, 0xbeef])
    v.fillChecksum(A, B)
    assert.equal(v.check(true, A, B), UdpCheck.OK)
    const w = viewOf(guarded(HELLO.slice(), 0, 13), 0, 13)
    w.length = 200
    w.fillChecksum(A, B) // reads 13 bytes, not 200
  })
})

describe('udp: properties', () => {
  const u16 = fc.integer({ min: 0, max: 0xffff })
  const u32 = fc.integer({ min: 0, max: 0xffffffff })

  test('emit then parse round trips, and the field is never 0', () => {
    fc.assert(
      fc.property(
        fc.record({ srcPort: u16, dstPort: u16 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.nat(8),
        u32,
        u32,
        (ports, data, off, src, dst) => {
          const r: UdpRepr = { srcPort: ports.srcPort, dstPort: ports.dstPort, payloadLength: data.length }
          const b = new Uint8Array(off + 8 + data.length)
          emitUdp(r, b, off)
          b.set(data, off + 8)
          udpFinish(b, off, 8 + data.length, src, dst)
          assert.notEqual(viewOf(b, off).checksum, 0)
          assert.deepEqual(parseUdp(b, off, b.length - off, src, dst), r)
        },
      ),
    )
  })

  test('random bytes never throw, and the view stays inside the accepted window', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: -2, max: 42 }),
        fc.integer({ min: -2, max: 42 }),
        (bytes, off, len) => {
          const r = parseUdp(bytes, off, len, A, B)
          const v = new UdpView()
          if (!v.point(bytes, off, len)) {
            assert.equal(r, null)
            assert.equal(v.check(true, A, B), UdpCheck.TOO_SHORT)
            return
          }
          v.point(guarded(bytes, off, off + len), off, len)
          const code = v.check(true, A, B)
          assert.equal(code === UdpCheck.OK, r !== null)
          if (code === UdpCheck.OK)
            assert.ok(v.payloadLength >= 0 && v.payloadOffset + v.payloadLength <= off + len)
          for (const x of [v.srcPort, v.dstPort, v.length, v.checksum])
            assert.ok(Number.isInteger(x) && x >= 0)
          v.fillChecksum(A, B)
          v.srcPort = 7
        },
      ),
    )
  })
})
