import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { checksum, fold } from '../checksum.js'
import { guarded, hex, toHex } from '../testkit.js'
import {
  emitIpv4,
  flagsAndOffset,
  IP_DF,
  IP_MF,
  IP_OFFMASK,
  IPV4_MIN_HDR,
  IpProto,
  Ipv4Check,
  type Ipv4Repr,
  Ipv4View,
  ipv4PseudoHeaderSum,
  parseIpv4Header,
  writeIpv4Header,
} from './ipv4.js'

// Packets captured with tcpdump on Linux veths (A 192.0.2.1 -- R 192.0.2.254 | 198.51.100.254 -- C
// 198.51.100.2, R's second link with MTU 1280). Checksums worked by hand: sum the header's words with
// the checksum field left out, fold the carries back in, complement.

// `ping 192.0.2.2`: 84 bytes, DF, TTL 64, ICMP.
//   4500 + 0054 + 2b1b + 4000 + 4001 + c000 + 0201 + c000 + 0202 = 0x27473 -> 7475, ~ = 8b8a
const ECHO_REQUEST = hex(
  '45', //          version 4, IHL 5 (20 bytes)
  '00', //          TOS
  '0054', //        total length 84
  '2b1b', //        ident
  '4000', //        flags DF, offset 0
  '40 01', //       TTL 64, protocol 1 (ICMP)
  '8b8a', //        header checksum
  'c000 0201', //   src 192.0.2.1
  'c000 0202', //   dst 192.0.2.2
  // ICMP echo request, 64 bytes (see icmp.test.ts)
  '0800 70fc 0dae 0001 4c68 086b 0000 0000 58ae 0d00 0000 0000',
  '1011 1213 1415 1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 3637',
)

// `ping -M dont -s 1600 198.51.100.2` from A, fragmented by A itself (ident 862d).
// First fragment: total length 1276, MF, offset 0.
//   4500 + 04fc + 862d + 2000 + 4001 + c000 + 0201 + c633 + 6402 = 0x31c60 -> 1c63, ~ = e39c
const FRAG1_HDR = hex('4500 04fc 862d 2000 4001 e39c c000 0201 c633 6402')
// Last fragment: total length 372, offset field 0x9d = 157 units of 8 = 1256 bytes, no MF.
//   4500 + 0174 + 862d + 009d + 4001 + c000 + 0201 + c633 + 6402 = 0x2f975 -> f977, ~ = 0688
const FRAG2_HDR = hex('4500 0174 862d 009d 4001 0688 c000 0201 c633 6402')

// IGMPv3 report from Linux: IHL 6 for the Router Alert option, TOS 0xc0, TTL 1, DF.
//   46c0 + 0028 + 0000 + 4000 + 0102 + c000 + 0201 + e000 + 0016 + 9404 + 0000 = 0x2be05 -> be07,
//   ~ = 41f8 (the option words count too)
const IGMP = hex(
  '46c0 0028 0000 4000 0102 41f8 c000 0201 e000 0016', // dst 224.0.0.22
  '9404 0000', //                                         option 148 (Router Alert), length 4, value 0
  '2200 e8f9 0000 0001 0400 0000 ef01 0203', //           IGMPv3 report: change to exclude 239.1.2.3
)

// A 5-byte UDP datagram ("hello") to 192.0.2.2 port 9: 33 bytes, shorter than an Ethernet payload.
//   4500 + 0021 + 56bc + 4000 + 4011 + c000 + 0201 + c000 + 0202 = 0x29ff1 -> 9ff3, ~ = 600c
// Its UDP checksum field holds 8422: veth offloads the UDP checksum, so Linux left the folded
// pseudo-header sum there for the "hardware" to finish:
//   c000 + 0201 + c000 + 0202 + 0011 (protocol) + 000d (UDP length) = 0x18421 -> 8422
const UDP_HELLO = hex(
  '4500 0021 56bc 4000 4011 600c c000 0201 c000 0202',
  'cffa 0009 000d 8422', // UDP: sport 53242, dport 9, length 13, checksum (partial, see above)
  '6865 6c6c 6f', //        "hello"
)

// The time-exceeded error R sent back for `ping -t 1`: TOS 0xc0, no DF.
//   45c0 + 0070 + 37cc + 0000 + 4001 + c000 + 02fe + c000 + 0201 = 0x242fc -> 42fe, ~ = bd01
const TIME_EXCEEDED_HDR = hex('45c0 0070 37cc 0000 4001 bd01 c000 02fe c000 0201')

/** A header followed by zeros up to its total length, for headers captured without their payload. */
function padToTotalLength(hdr: Uint8Array): Uint8Array {
  const b = new Uint8Array((hdr[2] << 8) | hdr[3])
  b.set(hdr)
  return b
}

function viewOf(b: Uint8Array, off = 0, len = b.length - off): Ipv4View {
  const v = new Ipv4View()
  assert.equal(v.point(b, off, len), true)
  return v
}

describe('ipv4: constants', () => {
  test('values', () => {
    assert.equal(IPV4_MIN_HDR, 20)
    assert.deepEqual(IpProto, { ICMP: 1, IGMP: 2, TCP: 6, UDP: 17, ICMPV6: 58 })
    assert.equal(IP_DF, 0x4000)
    assert.equal(IP_MF, 0x2000)
    assert.equal(IP_OFFMASK, 0x1fff)
    assert.deepEqual(Ipv4Check, {
      OK: 0,
      TOO_SHORT: 1,
      BAD_VERSION: 2,
      BAD_HLEN: 3,
      BAD_LEN: 4,
      BAD_CHECKSUM: 5,
    })
  })
})

describe('ipv4: view over real packets', () => {
  test('echo request', () => {
    const v = viewOf(ECHO_REQUEST)
    assert.equal(v.check(true), Ipv4Check.OK)
    assert.equal(v.version, 4)
    assert.equal(v.headerLength, 20)
    assert.equal(v.tos, 0)
    assert.equal(v.totalLength, 84)
    assert.equal(v.ident, 0x2b1b)
    assert.equal(v.df, true)
    assert.equal(v.mf, false)
    assert.equal(v.fragOffset, 0)
    assert.equal(v.ttl, 64)
    assert.equal(v.protocol, IpProto.ICMP)
    assert.equal(v.checksum, 0x8b8a)
    assert.equal(v.src, 0xc0000201)
    assert.equal(v.dst, 0xc0000202)
    assert.equal(v.payloadOffset, 20)
    assert.equal(v.payloadLength, 64)
  })

  test('fragments: MF and offsets in bytes', () => {
    const f1 = viewOf(padToTotalLength(FRAG1_HDR))
    assert.equal(f1.check(true), Ipv4Check.OK)
    assert.equal(f1.mf, true)
    assert.equal(f1.df, false)
    assert.equal(f1.fragOffset, 0)
    assert.equal(f1.payloadLength, 1256)
    const f2 = viewOf(padToTotalLength(FRAG2_HDR))
    assert.equal(f2.check(true), Ipv4Check.OK)
    assert.equal(f2.mf, false)
    assert.equal(f2.fragOffset, 1256) // 0x9d * 8: right after the first fragment's 1256 bytes
    assert.equal(f2.payloadLength, 352) // 1256 + 352 = 1608 = 8 (ICMP header) + 1600
    assert.equal(f2.ident, f1.ident)
  })

  test('options: IHL 6 moves the payload', () => {
    const v = viewOf(IGMP)
    assert.equal(v.check(true), Ipv4Check.OK)
    assert.equal(v.headerLength, 24)
    assert.equal(v.tos, 0xc0)
    assert.equal(v.ttl, 1)
    assert.equal(v.protocol, IpProto.IGMP)
    assert.equal(v.dst, 0xe0000016)
    assert.equal(v.payloadOffset, 24)
    assert.equal(v.payloadLength, 16)
    const r = parseIpv4Header(IGMP, 0, IGMP.length)
    assert.equal(r?.payloadLength, 16)
  })

  test('Ethernet padding: len may exceed totalLength', () => {
    const frame = new Uint8Array(60) // 14 + 33 + 13 bytes of padding
    frame.set(UDP_HELLO, 14)
    const v = viewOf(frame, 14, 46)
    assert.equal(v.check(true), Ipv4Check.OK)
    assert.equal(v.totalLength, 33)
    assert.equal(v.payloadOffset, 34)
    assert.equal(v.payloadLength, 13)
    assert.equal(v.protocol, IpProto.UDP)
  })

  test('pseudo header: Linux left exactly the folded pseudo-header sum in the offloaded UDP checksum', () => {
    const v = viewOf(UDP_HELLO)
    const acc = ipv4PseudoHeaderSum(v.src, v.dst, v.protocol, v.payloadLength)
    assert.equal(acc, 0x18421)
    assert.equal(fold(acc), 0x8422)
    // The finished checksum the NIC would have written: pseudo header + UDP header (checksum 0) + data.
    //   8422 + cffa + 0009 + 000d + 6865 + 6c6c + 6f00 = 0x29803 -> 9805, ~ = 67fa
    const udp = UDP_HELLO.slice(20)
    udp[6] = 0
    udp[7] = 0
    assert.equal(checksum(udp, 0, 13, acc), 0x67fa)
  })

  test('an ICMP error from a router: TOS 0xc0, no flags', () => {
    const v = viewOf(padToTotalLength(TIME_EXCEEDED_HDR))
    assert.equal(v.check(true), Ipv4Check.OK)
    assert.equal(v.tos, 0xc0)
    assert.equal(v.df || v.mf, false)
    assert.equal(v.src, 0xc00002fe)
    assert.equal(v.payloadLength, 92)
  })
})

describe('ipv4: check', () => {
  function corrupt(at: number, value: number, fix = true): Ipv4View {
    const b = ECHO_REQUEST.slice()
    b[at] = value
    const v = viewOf(b)
    if (fix) v.fillChecksum()
    return v
  }

  test('each failure, in ip_input order', () => {
    const short = new Ipv4View()
    assert.equal(short.point(ECHO_REQUEST, 0, 19), false)
    assert.equal(short.check(true), Ipv4Check.TOO_SHORT)
    assert.equal(corrupt(0, 0x65).check(true), Ipv4Check.BAD_VERSION)
    assert.equal(corrupt(0, 0x44).check(true), Ipv4Check.BAD_HLEN) // IHL 4: 16 bytes
    assert.equal(corrupt(0, 0x40, false).check(false), Ipv4Check.BAD_HLEN) // IHL 0
    const b = ECHO_REQUEST.slice()
    b[0] = 0x4f // IHL 15: 60 bytes, more than the 40 we show
    assert.equal(viewOf(b, 0, 40).check(false), Ipv4Check.BAD_HLEN)
    assert.equal(corrupt(11, 0x8b, false).check(true), Ipv4Check.BAD_CHECKSUM)
    assert.equal(corrupt(3, 0x55).check(true), Ipv4Check.BAD_LEN) // total length 85 > 84 bytes
    assert.equal(corrupt(3, 0x13).check(true), Ipv4Check.BAD_LEN) // total length 19 < header
    assert.equal(corrupt(3, 0x14).check(true), Ipv4Check.OK) // 20: an empty payload is fine
  })

  test('the checksum is judged before the lengths, and only when asked', () => {
    const v = corrupt(3, 0x55, false)
    assert.equal(v.check(true), Ipv4Check.BAD_CHECKSUM)
    assert.equal(v.check(false), Ipv4Check.BAD_LEN)
    assert.equal(corrupt(10, 0, false).check(false), Ipv4Check.OK)
  })

  test('parseIpv4Header returns null unless check(true) is OK', () => {
    assert.equal(parseIpv4Header(ECHO_REQUEST, 0, 83), null)
    assert.equal(parseIpv4Header(ECHO_REQUEST, 0, 19), null)
    assert.equal(parseIpv4Header(ECHO_REQUEST, 70, 20), null) // not an IPv4 header there
    const b = ECHO_REQUEST.slice()
    b[10] ^= 1
    assert.equal(parseIpv4Header(b, 0, 84), null)
  })
})

describe('ipv4: modifying in place', () => {
  test('decrementTtl updates the checksum incrementally (RFC 1624) to the recomputed value', () => {
    const b = padToTotalLength(FRAG1_HDR)
    const v = viewOf(b)
    v.decrementTtl()
    // ~e39c + ~4001 + 3f01 = 1c63 + bffe + 3f01 = 0x11b62 -> 1b63, ~ = e49c; in full:
    // 4500 + 04fc + 862d + 2000 + 3f01 + c000 + 0201 + c633 + 6402 = 0x31b60 -> 1b63, ~ = e49c
    assert.equal(v.ttl, 63)
    assert.equal(v.checksum, 0xe49c)
    assert.equal(v.check(true), Ipv4Check.OK)
  })

  test('decrementTtl leaves a TTL of 0 alone', () => {
    const b = ECHO_REQUEST.slice()
    const v = viewOf(b)
    v.ttl = 0
    v.fillChecksum()
    const before = toHex(b, 0, 20)
    v.decrementTtl()
    assert.equal(toHex(b, 0, 20), before)
  })

  test('setters and fillChecksum: rewriting a source address like NAT would', () => {
    const b = ECHO_REQUEST.slice()
    const v = viewOf(b)
    v.src = 0xcb007101 // 203.0.113.1
    v.dst = 0xc0000203
    v.ident = 0xbeef
    v.totalLength = 80
    v.ttl = 9
    assert.equal(v.check(true), Ipv4Check.BAD_CHECKSUM) // setters leave the checksum alone
    v.fillChecksum()
    assert.equal(v.check(true), Ipv4Check.OK)
    assert.equal(v.src, 0xcb007101)
    assert.equal(v.dst, 0xc0000203)
    assert.equal(v.ident, 0xbeef)
    assert.equal(v.totalLength, 80)
    assert.equal(v.ttl, 9)
    v.checksum = 0x1234
    assert.equal(v.checksum, 0x1234)
  })

  test('setFragment', () => {
    const b = ECHO_REQUEST.slice()
    const v = viewOf(b)
    v.setFragment(1256, true, false)
    assert.equal(toHex(b, 6, 2), '209d')
    assert.equal(v.fragOffset, 1256)
    assert.equal(v.mf, true)
    assert.equal(v.df, false)
    v.setFragment(0, false, true)
    assert.equal(toHex(b, 6, 2), '4000')
    v.setFragment(65528, true, true)
    assert.equal(toHex(b, 6, 2), '7fff')
    assert.equal(flagsAndOffset(1256, false, false), 0x009d)
  })
})

describe('ipv4: building', () => {
  test('emitIpv4 and writeIpv4Header reproduce captured headers', () => {
    const r: Ipv4Repr = {
      src: 0xc0000201,
      dst: 0xc0000202,
      protocol: IpProto.ICMP,
      ttl: 64,
      tos: 0,
      ident: 0x2b1b,
      df: true,
      mf: false,
      fragOffset: 0,
      payloadLength: 64,
    }
    const out = new Uint8Array(22)
    assert.equal(emitIpv4(r, out, 2), 20)
    assert.equal(toHex(out, 2), toHex(ECHO_REQUEST, 0, 20))
    assert.deepEqual(parseIpv4Header(ECHO_REQUEST, 0, ECHO_REQUEST.length), r)

    writeIpv4Header(out, 0, 0xc0000201, 0xc6336402, 1, 64, 0, 0x862d, 352, flagsAndOffset(1256, false, false))
    assert.equal(toHex(out, 0, 20), toHex(FRAG2_HDR))
  })
})

describe('ipv4: properties', () => {
  const u32 = fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((x) => x >>> 0)
  const u8 = fc.integer({ min: 0, max: 255 })
  const u16 = fc.integer({ min: 0, max: 0xffff })
  const repr = fc.record<Ipv4Repr>({
    src: u32,
    dst: u32,
    protocol: u8,
    ttl: u8,
    tos: u8,
    ident: u16,
    df: fc.boolean(),
    mf: fc.boolean(),
    fragOffset: fc.integer({ min: 0, max: IP_OFFMASK }).map((x) => x * 8),
    payloadLength: fc.integer({ min: 0, max: 0xffff - 20 }),
  })

  test('emit then parse round trips', () => {
    fc.assert(
      fc.property(repr, fc.nat(16), (r, off) => {
        const b = new Uint8Array(off + 20 + r.payloadLength)
        emitIpv4(r, b, off)
        assert.deepEqual(parseIpv4Header(b, off, b.length - off), { ...r })
      }),
    )
  })

  test('decrementTtl gives the same checksum as recomputing', () => {
    fc.assert(
      fc.property(repr, (r) => {
        fc.pre(r.ttl > 0)
        const b = new Uint8Array(20 + r.payloadLength)
        emitIpv4(r, b, 0)
        const v = viewOf(b)
        v.decrementTtl()
        const incremental = v.checksum
        v.fillChecksum()
        assert.equal(incremental, v.checksum)
        assert.equal(v.ttl, r.ttl - 1)
      }),
    )
  })

  test('random bytes never throw, and the view stays inside the accepted window', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: -2, max: 82 }),
        fc.integer({ min: -2, max: 82 }),
        fc.boolean(),
        (bytes, off, len, patch) => {
          if (patch && bytes.length > 0) bytes[Math.max(0, Math.min(off, bytes.length - 1))] = 0x45
          const r = parseIpv4Header(bytes, off, len)
          const v = new Ipv4View()
          const pointed = v.point(bytes, off, len)
          if (!pointed) {
            assert.equal(r, null)
            assert.equal(v.check(true), Ipv4Check.TOO_SHORT)
            return
          }
          v.point(guarded(bytes, off, off + len), off, len)
          const code = v.check(true)
          assert.equal(code === Ipv4Check.OK, r !== null)
          assert.equal(v.check(false) === Ipv4Check.OK || code !== Ipv4Check.OK, true)
          if (code === Ipv4Check.OK) {
            assert.ok(v.payloadOffset + v.payloadLength <= off + len)
            assert.ok(v.payloadLength >= 0)
          }
          for (const x of [v.version, v.headerLength, v.tos, v.totalLength, v.ident, v.fragOffset]) {
            assert.ok(Number.isInteger(x) && x >= 0)
          }
          for (const x of [v.ttl, v.protocol, v.checksum, v.src, v.dst, v.payloadOffset, v.payloadLength]) {
            assert.ok(Number.isInteger(x))
          }
          void v.df
          void v.mf
          v.decrementTtl()
          v.fillChecksum()
          v.setFragment(8, true, false)
          v.ttl = 3
          v.totalLength = 20
        },
      ),
    )
  })
})
