import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { updateChecksum16 } from '../checksum.js'
import { guarded, hex, toHex } from '../testkit.js'
import {
  ICMP_HDR_LEN,
  IcmpType,
  IcmpView,
  icmpFinish,
  isIcmpError,
  parseIcmp,
  TimeExceededCode,
  UnreachCode,
  writeIcmpHeader,
} from './icmp.js'
import { IpProto, Ipv4Check, Ipv4View } from './ipv4.js'

// ICMP messages (after the IPv4 header) captured with tcpdump on Linux veths: A 192.0.2.1, its peer
// 192.0.2.2, and a router 192.0.2.254 towards 198.51.100.0/24 over a link with MTU 1280.

// `ping -c 1 192.0.2.2` (iputils): 8-byte header, then a 16-byte struct timeval and the bytes 0x10..0x37.
//   0800 + 0dae + 0001 + 4c68 + 086b + 58ae + 0d00 + (1011 + 1213 + ... + 3637) = 0x38f00 -> 8f03,
//   ~ = 70fc
const ECHO_DATA = hex(
  '4c68 086b 0000 0000 58ae 0d00 0000 0000', // timeval (little-endian seconds, microseconds)
  '1011 1213 1415 1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 3637',
)
const ECHO_REQUEST = hex(
  '08', //   type 8 (echo)
  '00', //   code 0
  '70fc', // checksum
  '0dae', // identifier 3502
  '0001', // sequence 1
  toHex(ECHO_DATA),
)
// The kernel's answer: the same message with type 0 and checksum 78fc.
const ECHO_REPLY = hex('0000 78fc 0dae 0001', toHex(ECHO_DATA))

// Port unreachable for a 5-byte UDP datagram to port 9; Linux quotes the whole 33-byte datagram, so
// the message has an odd length (41). The quoted IP header is valid, so its words sum to -0 and drop out:
//   0303 + cffa + 0009 + 000d + 8422 + 6865 + 6c6c + 6f00 (odd byte padded) = 0x29b06 -> 9b08, ~ = 64f7
const PORT_UNREACH = hex(
  '03 03 64f7', //   type 3 (unreachable), code 3 (port), checksum
  '0000 0000', //    unused
  '4500 0021 56bc 4000 4011 600c c000 0201 c000 0202', // quoted IPv4 header (UDP)
  'cffa 0009 000d 8422 6865 6c6c 6f', //                  quoted UDP header and "hello"
)

// Time exceeded from the router for `ping -t 1`, quoting the whole 84-byte echo request. The quoted IP
// header and the quoted ICMP message are each valid and sum to -0, so the checksum is just ~0b00 = f4ff.
const TIME_EXCEEDED = hex(
  '0b 00 f4ff 0000 0000', // type 11, code 0 (TTL), checksum, unused
  '4500 0054 862c 4000 0101 0746 c000 0201 c633 6402', // quoted header: TTL 1, to 198.51.100.2
  '0800 c1ae 0e06 0001 5a68 086b 0000 0000 fba3 0b00 0000 0000',
  '1011 1213 1415 1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 3637',
)

/**
 * "Fragmentation needed" from the router for `ping -M do -s 1300 198.51.100.2`, 556 bytes (the error
 * datagram is capped at 576). tcpdump showed the first bytes; the rest is the quoted echo request,
 * whose data iputils fills predictably, so it is rebuilt here and the captured checksum 870f proves it:
 *   0304 + 0500 + (the 528 quoted ICMP bytes) = 0x81786f -> 78f0, ~ = 870f (quoted IP header: -0)
 */
function needFrag(): Uint8Array {
  const head = hex(
    '03 04 870f', // type 3, code 4 (fragmentation needed and DF set), checksum
    '0000 0500', //  unused, next-hop MTU 1280 (RFC 1191)
    '4500 0530 0000 4000 4001 4996 c000 0201 c633 6402', // quoted header: 1328 bytes, DF
    '0800 e511 0e07 0001', // quoted echo request header
    '5a68 086b 0000 0000 b3af 0b00 0000 0000', // its timeval
  )
  const b = new Uint8Array(556)
  b.set(head)
  for (let i = 16; i < 520; i++) b[8 + 28 + i] = i & 0xff // iputils data pattern: byte i holds i
  return b
}

function viewOf(b: Uint8Array, off = 0, len = b.length - off): IcmpView {
  const v = new IcmpView()
  assert.equal(v.point(b, off, len), true)
  return v
}

describe('icmp: constants', () => {
  test('values', () => {
    assert.equal(ICMP_HDR_LEN, 8)
    assert.equal(IcmpType.ECHO_REPLY, 0)
    assert.equal(IcmpType.ECHO, 8)
    assert.equal(IcmpType.TIME_EXCEEDED, 11)
    assert.equal(IcmpType.TIMESTAMP_REPLY, 14)
    assert.equal(UnreachCode.NEEDFRAG, 4)
    assert.equal(UnreachCode.FILTER_PROHIB, 13)
    assert.deepEqual(TimeExceededCode, { TTL: 0, REASSEMBLY: 1 })
  })

  test('isIcmpError: unreachable, source quench, redirect, time exceeded, parameter problem', () => {
    const errors = [3, 4, 5, 11, 12]
    for (let t = 0; t < 256; t++) assert.equal(isIcmpError(t), errors.includes(t), `type ${t}`)
  })
})

describe('icmp: real messages', () => {
  test('echo request from Linux ping', () => {
    const v = viewOf(ECHO_REQUEST)
    assert.equal(v.type, IcmpType.ECHO)
    assert.equal(v.code, 0)
    assert.equal(v.checksum, 0x70fc)
    assert.equal(v.ident, 3502)
    assert.equal(v.seq, 1)
    assert.equal(v.payloadOffset, 8)
    assert.equal(v.verify(), true)
    assert.deepEqual(parseIcmp(ECHO_REQUEST, 0, 64), {
      type: 8,
      code: 0,
      rest: 0x0dae0001,
      payloadLength: 56,
    })
  })

  test('turning the request into the reply in place gives the kernel bytes, incrementally or not', () => {
    const b = new Uint8Array(20 + 64) // behind an IPv4 header, as in a packet buffer
    b.set(ECHO_REQUEST, 20)
    const v = viewOf(b, 20, 64)
    v.type = IcmpType.ECHO_REPLY
    v.checksum = updateChecksum16(v.checksum, 0x0800, 0x0000)
    assert.equal(toHex(b, 20), toHex(ECHO_REPLY))
    v.checksum = 0xdead
    v.fillChecksum()
    assert.equal(toHex(b, 20), toHex(ECHO_REPLY))
    assert.equal(viewOf(ECHO_REPLY).verify(), true)
  })

  test('writeIcmpHeader + icmpFinish build the captured echo request', () => {
    const b = new Uint8Array(64)
    b.set(ECHO_DATA, 8)
    writeIcmpHeader(b, 0, IcmpType.ECHO, 0, ((3502 << 16) | 1) >>> 0)
    assert.equal(toHex(b, 0, 8), '080000000dae0001')
    icmpFinish(b, 0, 64)
    assert.equal(toHex(b), toHex(ECHO_REQUEST))
  })

  test('port unreachable: odd length, quoting the UDP datagram', () => {
    const v = viewOf(PORT_UNREACH)
    assert.equal(PORT_UNREACH.length, 41)
    assert.equal(v.verify(), true)
    assert.equal(v.type, IcmpType.UNREACH)
    assert.equal(v.code, UnreachCode.PORT)
    assert.equal(isIcmpError(v.type), true)
    assert.deepEqual(parseIcmp(PORT_UNREACH, 0, 41), { type: 3, code: 3, rest: 0, payloadLength: 33 })
    const ip = new Ipv4View()
    assert.equal(ip.point(PORT_UNREACH, v.payloadOffset, 33), true)
    assert.equal(ip.check(true), Ipv4Check.OK)
    assert.equal(ip.protocol, IpProto.UDP)
    assert.equal(ip.dst, 0xc0000202)
    assert.equal((PORT_UNREACH[ip.payloadOffset + 2] << 8) | PORT_UNREACH[ip.payloadOffset + 3], 9)
    const b = PORT_UNREACH.slice()
    b[2] = 0
    b[3] = 0
    icmpFinish(b, 0, 41)
    assert.equal(toHex(b), toHex(PORT_UNREACH))
  })

  test('time exceeded in transit quotes the packet whose TTL ran out', () => {
    const v = viewOf(TIME_EXCEEDED)
    assert.equal(v.verify(), true)
    assert.equal(v.type, IcmpType.TIME_EXCEEDED)
    assert.equal(v.code, TimeExceededCode.TTL)
    const ip = new Ipv4View()
    ip.point(TIME_EXCEEDED, v.payloadOffset, TIME_EXCEEDED.length - 8)
    assert.equal(ip.check(true), Ipv4Check.OK)
    assert.equal(ip.ttl, 1)
    assert.equal(ip.dst, 0xc6336402)
  })

  test('fragmentation needed carries the next-hop MTU', () => {
    const b = needFrag()
    const v = viewOf(b)
    assert.equal(v.verify(), true) // the rebuilt message matches the captured checksum
    assert.equal(v.checksum, 0x870f)
    assert.equal(v.type, IcmpType.UNREACH)
    assert.equal(v.code, UnreachCode.NEEDFRAG)
    assert.equal(v.nextHopMtu, 1280)
    const ip = new Ipv4View()
    ip.point(b, 8, 548)
    assert.equal(ip.df, true)
    assert.equal(ip.totalLength, 1328)
    // The quote is truncated, so it fails the length check; error handling reads it field by field.
    assert.equal(ip.check(true), Ipv4Check.BAD_LEN)
  })

  test('redirect carries a gateway (built, not captured)', () => {
    const b = new Uint8Array(8 + 28)
    b.set(hex('4500 0054 2b1b 4000 4001 8b8a c000 0201 c000 0202 0800 70fc 0dae 0001'), 8)
    writeIcmpHeader(b, 0, IcmpType.REDIRECT, 1, 0xc00002fd) // redirect for host, to 192.0.2.253
    icmpFinish(b, 0, b.length)
    const v = viewOf(b)
    assert.equal(v.verify(), true)
    assert.equal(v.gateway, 0xc00002fd)
    assert.equal(parseIcmp(b, 0, b.length)?.rest, 0xc00002fd)
  })

  test('parseIcmp: null when short, outside the buffer, or with a bad checksum', () => {
    assert.equal(parseIcmp(ECHO_REQUEST, 0, 7), null)
    assert.equal(parseIcmp(ECHO_REQUEST, 60, 8), null)
    assert.equal(parseIcmp(ECHO_REQUEST, 0, 63), null) // checksum covers all 64 bytes
    const b = ECHO_REQUEST.slice()
    b[63] ^= 0x80
    assert.equal(parseIcmp(b, 0, 64), null)
    assert.equal(viewOf(b).verify(), false)
    assert.equal(new IcmpView().point(ECHO_REQUEST, 0, 7), false)
  })
})

describe('icmp: properties', () => {
  test('build then parse round trips', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((x) => x >>> 0),
        fc.uint8Array({ maxLength: 100 }),
        fc.nat(8),
        (type, code, rest, payload, off) => {
          const len = 8 + payload.length
          const b = new Uint8Array(off + len)
          b.set(payload, off + 8)
          writeIcmpHeader(b, off, type, code, rest)
          icmpFinish(b, off, len)
          assert.deepEqual(parseIcmp(b, off, len), { type, code, rest, payloadLength: payload.length })
          const v = viewOf(b, off, len)
          assert.equal(v.verify(), true)
          assert.equal(v.ident, rest >>> 16)
          assert.equal(v.seq, rest & 0xffff)
          assert.equal(v.nextHopMtu, rest & 0xffff)
          assert.equal(v.gateway, rest)
        },
      ),
    )
  })

  test('random bytes never throw, and the view stays inside the accepted window', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 60 }),
        fc.integer({ min: -2, max: 62 }),
        fc.integer({ min: -2, max: 62 }),
        (bytes, off, len) => {
          const r = parseIcmp(bytes, off, len)
          const v = new IcmpView()
          if (!v.point(bytes, off, len)) {
            assert.equal(r, null)
            return
          }
          v.point(guarded(bytes, off, off + len), off, len)
          assert.equal(r !== null, v.verify())
          const fields = [
            v.type,
            v.code,
            v.checksum,
            v.ident,
            v.seq,
            v.nextHopMtu,
            v.gateway,
            v.payloadOffset,
          ]
          for (const x of fields) assert.ok(Number.isInteger(x) && x >= 0)
          v.type = 0
          v.code = 0
          v.checksum = 0
          v.fillChecksum()
          assert.equal(v.verify(), true)
        },
      ),
    )
  })
})
