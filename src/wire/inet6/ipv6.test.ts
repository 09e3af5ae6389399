/**
 * IPv6 header, ICMPv6 and Neighbor Discovery wire formats against annotated hex fixtures whose
 * checksums were worked out independently (pseudo-header of RFC 8200 §8.1 summed by hand/script),
 * address text forms (RFC 4291 §2.2, RFC 5952), derived addresses (solicited-node, 33:33 MAC,
 * EUI-64), and random bytes: no parser reads out of bounds or throws.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { guarded, hex, toHex } from '../testkit.js'
import {
  ICMP6_HDR_LEN,
  icmp6Finish,
  icmp6Sum,
  ND_OPT_BAD,
  ND_OPT_NONE,
  NdOpt,
  ndOptLla,
  writeNdOptLla,
} from './icmpv6.js'
import {
  formatIpv6,
  in6CommonPrefixLen,
  in6LinkLocalFromMac,
  in6MaskLen,
  in6McastMac,
  in6PrefixEq,
  in6Scope,
  in6SolicitedNode,
  parseIpv6,
} from './in6_addr.js'
import { IPV6_HDR_LEN, Ip6FragView, Ip6Nxt, Ipv6Check, Ipv6View, writeIpv6Header } from './ipv6.js'

// ping6 fe80::2%if from fe80::1: echo request, ident 0x1234, seq 1, 8 bytes of data.
const ECHO = hex(
  '6000 0000', //                              version 6, traffic class 0, flow label 0
  '0010 3a 40', //                             payload length 16, next header 58 (ICMPv6), hop limit 64
  'fe80 0000 0000 0000 0000 0000 0000 0001', // source fe80::1
  'fe80 0000 0000 0000 0000 0000 0000 0002', // destination fe80::2
  '80 00 dee5', //                             type 128 (echo request), code 0, checksum
  '1234 0001', //                              identifier, sequence
  '6162 6364 6566 6768', //                    "abcdefgh"
)

// DAD probe for 2001:db8::2: from ::, to its solicited-node group, no source link-layer option.
const DAD_NS = hex(
  '6000 0000 0018 3a ff', //                   payload 24, ICMPv6, hop limit 255 (RFC 4861 §7.1.1)
  '0000 0000 0000 0000 0000 0000 0000 0000', // source ::
  'ff02 0000 0000 0000 0000 0001 ff00 0002', // ff02::1:ff00:2
  '87 00 4ceb 0000 0000', //                   type 135, code 0, checksum, reserved
  '2001 0db8 0000 0000 0000 0000 0000 0002', // target 2001:db8::2
)

// Solicited, override advertisement with a target link-layer address option.
const NA = hex(
  '6000 0000 0020 3a ff',
  '2001 0db8 0000 0000 0000 0000 0000 0002',
  '2001 0db8 0000 0000 0000 0000 0000 0001',
  '88 00 8a71', //                             type 136, code 0, checksum
  '6000 0000', //                              flags S (0x40) | O (0x20)
  '2001 0db8 0000 0000 0000 0000 0000 0002', // target
  '02 01 0200 0000 0002', //                   option 2 (target LLA), length 1 (8 bytes), 02:00:00:00:00:02
)

describe('IPv6 header', () => {
  test('fields of the fixtures', () => {
    const v = new Ipv6View()
    assert.ok(v.point(ECHO, 0, ECHO.length))
    assert.equal(v.check(), Ipv6Check.OK)
    assert.equal(v.version, 6)
    assert.equal(v.payloadLength, 16)
    assert.equal(v.nextHeader, Ip6Nxt.ICMPV6)
    assert.equal(v.hopLimit, 64)
    assert.equal(formatIpv6(ECHO, v.srcOff), 'fe80::1')
    assert.equal(formatIpv6(ECHO, v.dstOff), 'fe80::2')
  })

  test('check: short, wrong version, payload longer than the packet', () => {
    const v = new Ipv6View()
    assert.equal(v.point(ECHO, 0, 39), false)
    const bad = ECHO.slice()
    bad[0] = 0x45
    v.point(bad, 0, bad.length)
    assert.equal(v.check(), Ipv6Check.BAD_VERSION)
    v.point(ECHO, 0, ECHO.length - 1)
    assert.equal(v.check(), Ipv6Check.BAD_LEN)
  })

  test('writeIpv6Header reproduces the fixture header', () => {
    const b = new Uint8Array(IPV6_HDR_LEN)
    writeIpv6Header(b, 0, parseIpv6('fe80::1')!, 0, parseIpv6('fe80::2')!, 0, 58, 64, 16)
    assert.equal(toHex(b), toHex(ECHO, 0, IPV6_HDR_LEN))
  })
})

describe('ICMPv6 and ND', () => {
  test('checksums over the pseudo-header verify, and icmp6Finish recomputes them', () => {
    for (const p of [ECHO, DAD_NS, NA]) {
      assert.equal(icmp6Sum(p, 40, p.length - 40, p, 8, p, 24), 0, toHex(p))
      const c = p.slice()
      c[42] = 0
      c[43] = 0
      icmp6Finish(c, 40, c.length - 40, c, 8, c, 24)
      assert.equal(toHex(c), toHex(p))
    }
    const flipped = ECHO.slice()
    flipped[50] ^= 1
    assert.notEqual(icmp6Sum(flipped, 40, flipped.length - 40, flipped, 8, flipped, 24), 0)
  })

  test('link-layer address options: found, absent, malformed', () => {
    assert.equal(ndOptLla(NA, 64, 8, NdOpt.TARGET_LINKADDR), 0x020000000002)
    assert.equal(ndOptLla(NA, 64, 8, NdOpt.SOURCE_LINKADDR), ND_OPT_NONE)
    assert.equal(ndOptLla(DAD_NS, 64, 0, NdOpt.SOURCE_LINKADDR), ND_OPT_NONE)
    // Length zero (RFC 4861 §4.6: drop the packet) and an option running past the end.
    assert.equal(ndOptLla(hex('0100 0000 0000 0000'), 0, 8, 1), ND_OPT_BAD)
    assert.equal(ndOptLla(hex('0102 0000 0000 0000'), 0, 8, 1), ND_OPT_BAD)
    const b = new Uint8Array(8)
    writeNdOptLla(b, 0, NdOpt.SOURCE_LINKADDR, 0x02aabbccddee)
    assert.equal(toHex(b), '010102aabbccddee')
  })

  test('random bytes: views and option walks stay in bounds and never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(60), (bytes, start) => {
        const off = Math.min(start, bytes.length)
        const len = bytes.length - off
        const g = guarded(bytes, off, off + len)
        const v = new Ipv6View()
        if (v.point(g, off, len)) {
          v.check()
          void [v.version, v.trafficClass, v.flowLabel, v.payloadLength, v.nextHeader, v.hopLimit]
        }
        const f = new Ip6FragView()
        if (f.point(g, off, len)) void [f.nextHeader, f.offset, f.more, f.ident]
        const r = ndOptLla(g, off, len, NdOpt.SOURCE_LINKADDR)
        assert.ok(r === ND_OPT_BAD || r === ND_OPT_NONE || (r >= 0 && r <= 0xffffffffffff))
        if (len >= ICMP6_HDR_LEN + 40 && off + 40 <= bytes.length) icmp6Sum(g, off, len, g, off, g, off)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('addresses', () => {
  test('text forms: RFC 5952 canonical output, RFC 4291 input forms', () => {
    const cases: Array<[string, string]> = [
      ['::', '::'],
      ['::1', '::1'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
      ['fe80::0200:5eff:fe00:5301', 'fe80::200:5eff:fe00:5301'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
    ]
    for (const [input, out] of cases) assert.equal(formatIpv6(parseIpv6(input)!), out, input)
    for (const bad of [
      '',
      ':',
      '1::2::3',
      '12345::',
      '1:2:3:4:5:6:7:8:9',
      'g::1',
      '::1.2.3',
      '1:2:3:4:5:6:7::8:9',
    ])
      assert.equal(parseIpv6(bad), null, bad)
  })

  test('text forms round-trip for any address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
        assert.deepEqual(parseIpv6(formatIpv6(a)), a)
      }),
    )
  })

  test('solicited-node group, its MAC, EUI-64 link-local, scopes, prefixes', () => {
    const g = new Uint8Array(16)
    in6SolicitedNode(g, 0, parseIpv6('2001:db8::12:3456')!, 0)
    assert.equal(formatIpv6(g), 'ff02::1:ff12:3456')
    assert.equal(in6McastMac(g, 0), 0x3333ff123456)
    // RFC 4291 App. A: 02:00:5e:00:53:01 -> 0000:5eff:fe00:5301 (U/L bit inverted).
    assert.equal(formatIpv6(in6LinkLocalFromMac(0x02005e005301)), 'fe80::5eff:fe00:5301')
    assert.equal(formatIpv6(in6LinkLocalFromMac(0x00005e005301)), 'fe80::200:5eff:fe00:5301')
    assert.equal(in6Scope(parseIpv6('fe80::1')!), 2)
    assert.equal(in6Scope(parseIpv6('ff05::2')!), 5)
    assert.equal(in6Scope(parseIpv6('2001:db8::1')!), 14)
    assert.ok(in6PrefixEq(parseIpv6('2001:db8:ff00::')!, 0, parseIpv6('2001:db8:80ff::')!, 0, 33))
    assert.ok(!in6PrefixEq(parseIpv6('2001:db8:ff00::')!, 0, parseIpv6('2001:db8:7f00::')!, 0, 33))
    assert.equal(in6CommonPrefixLen(parseIpv6('2001:db8::1')!, 0, parseIpv6('2001:db8::3')!, 0), 126)
    assert.equal(in6MaskLen(parseIpv6('ffff:ffff:ffff:fffe::')!), 63)
    assert.equal(in6MaskLen(parseIpv6('ffff:0:ffff::')!), -1)
  })
})
