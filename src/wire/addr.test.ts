import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  BROADCAST_MAC,
  formatIpv4,
  formatMac,
  INADDR_ANY,
  INADDR_BROADCAST,
  isLoopbackIpv4,
  isMulticastIpv4,
  isMulticastMac,
  maskToPrefix,
  parseIpv4,
  parseMac,
  prefixToMask,
  readMac,
  readU16,
  readU32,
  writeMac,
  writeU16,
  writeU32,
} from './addr.js'
import { hex, toHex } from './testkit.js'

const u32 = fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((x) => x >>> 0)
const mac48 = fc.tuple(fc.integer({ min: 0, max: 0xffff }), u32).map(([hi, lo]) => hi * 0x100000000 + lo)

describe('addr: integers in bytes', () => {
  test('big-endian 16 and 32 bits, unsigned', () => {
    const b = hex('ffff fffe 0102 0304')
    assert.equal(readU16(b, 0), 0xffff)
    assert.equal(readU32(b, 0), 0xfffffffe) // not negative
    assert.equal(readU32(b, 4), 0x01020304)
    assert.equal(readU16(b, 5), 0x0203)
    const w = new Uint8Array(8)
    writeU16(w, 1, 0xabcd)
    writeU32(w, 3, 0xc0000201)
    assert.equal(toHex(w), '00abcdc0000201' + '00')
    writeU32(w, 3, -1) // signed input writes the same bits
    assert.equal(readU32(w, 3), 0xffffffff)
  })

  test('MAC addresses from a real frame (02:00:00:00:00:0b, and the IGMP group 01:00:5e:00:00:16)', () => {
    const b = hex('0200 0000 000b 0100 5e00 0016')
    assert.equal(readMac(b, 0), 0x02000000000b)
    assert.equal(readMac(b, 6), 0x01005e000016)
    const w = new Uint8Array(12)
    writeMac(w, 0, 0x02000000000b)
    writeMac(w, 6, BROADCAST_MAC)
    assert.equal(toHex(w), '02000000000bffffffffffff')
    assert.equal(readMac(w, 6), BROADCAST_MAC)
  })

  test('property: write/read round trips', () => {
    fc.assert(
      fc.property(u32, mac48, fc.integer({ min: 0, max: 0xffff }), (a, m, s) => {
        const b = new Uint8Array(12)
        writeU32(b, 0, a)
        writeMac(b, 4, m)
        writeU16(b, 10, s)
        assert.equal(readU32(b, 0), a)
        assert.equal(readMac(b, 4), m)
        assert.equal(readU16(b, 10), s)
      }),
    )
  })
})

describe('addr: predicates and constants', () => {
  test('constants', () => {
    assert.equal(BROADCAST_MAC, 2 ** 48 - 1)
    assert.equal(INADDR_ANY, 0)
    assert.equal(INADDR_BROADCAST, 0xffffffff)
  })

  test('multicast MAC is the I/G bit', () => {
    assert.equal(isMulticastMac(BROADCAST_MAC), true)
    assert.equal(isMulticastMac(0x01005e000016), true) // IPv4 multicast 224.0.0.22
    assert.equal(isMulticastMac(0x333300000016), true) // IPv6 multicast
    assert.equal(isMulticastMac(0x02000000000a), false) // locally administered unicast
    assert.equal(isMulticastMac(0xfeffffffffff), false)
    assert.equal(isMulticastMac(0), false)
  })

  test('IPv4 multicast 224/4 and loopback 127/8', () => {
    assert.equal(isMulticastIpv4(parseIpv4('224.0.0.22')!), true)
    assert.equal(isMulticastIpv4(parseIpv4('239.255.255.255')!), true)
    assert.equal(isMulticastIpv4(parseIpv4('223.255.255.255')!), false)
    assert.equal(isMulticastIpv4(parseIpv4('240.0.0.0')!), false)
    assert.equal(isMulticastIpv4(INADDR_BROADCAST), false)
    assert.equal(isLoopbackIpv4(parseIpv4('127.0.0.1')!), true)
    assert.equal(isLoopbackIpv4(parseIpv4('127.255.255.255')!), true)
    assert.equal(isLoopbackIpv4(parseIpv4('128.0.0.1')!), false)
    assert.equal(isLoopbackIpv4(parseIpv4('126.255.255.255')!), false)
  })
})

describe('addr: netmasks', () => {
  test('prefixToMask', () => {
    assert.equal(prefixToMask(0), 0)
    assert.equal(prefixToMask(1), 0x80000000)
    assert.equal(prefixToMask(8), 0xff000000)
    assert.equal(prefixToMask(24), 0xffffff00)
    assert.equal(prefixToMask(31), 0xfffffffe)
    assert.equal(prefixToMask(32), 0xffffffff)
    assert.equal(prefixToMask(-3), 0) // clamped
    assert.equal(prefixToMask(40), 0xffffffff)
  })

  test('maskToPrefix', () => {
    assert.equal(maskToPrefix(0), 0)
    assert.equal(maskToPrefix(0xffffffff), 32)
    assert.equal(maskToPrefix(0xffffff00), 24)
    assert.equal(maskToPrefix(-256), 24) // signed form of ffffff00
    assert.equal(maskToPrefix(0xfffffffe), 31)
    assert.equal(maskToPrefix(0x80000000), 1)
    assert.equal(maskToPrefix(0xff00ff00), -1)
    assert.equal(maskToPrefix(0x000000ff), -1)
    assert.equal(maskToPrefix(0x7fffffff), -1)
    assert.equal(maskToPrefix(1), -1)
  })

  test('property: every prefix round trips; other masks give -1', () => {
    for (let len = 0; len <= 32; len++) assert.equal(maskToPrefix(prefixToMask(len)), len)
    const masks = new Set(Array.from({ length: 33 }, (_, len) => prefixToMask(len)))
    fc.assert(
      fc.property(fc.oneof(u32, fc.constantFrom(...masks)), (m) => {
        const p = maskToPrefix(m)
        assert.equal(p !== -1, masks.has(m))
        if (p !== -1) assert.equal(prefixToMask(p), m)
      }),
    )
  })
})

describe('addr: IPv4 text', () => {
  test('valid dotted quads', () => {
    assert.equal(parseIpv4('0.0.0.0'), 0)
    assert.equal(parseIpv4('255.255.255.255'), 0xffffffff)
    assert.equal(parseIpv4('192.0.2.1'), 0xc0000201)
    assert.equal(parseIpv4('198.51.100.254'), 0xc63364fe)
    assert.equal(parseIpv4('10.0.0.10'), 0x0a00000a)
  })

  test('everything else is rejected', () => {
    for (const s of [
      '',
      '1',
      '1.2',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.',
      '.1.2.3',
      '1..2.3',
      '256.0.0.1',
      '1.2.3.1000',
      '01.2.3.4', // leading zero: octal to inet_aton, rejected by inet_pton
      '1.2.3.04',
      '+1.2.3.4',
      '-1.2.3.4',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '0x7f.0.0.1',
      '127.1',
      '1.2.3.4/24',
      '1,2,3,4',
      '１.2.3.4', // full-width digit
    ]) {
      assert.equal(parseIpv4(s), null, JSON.stringify(s))
    }
  })

  test('format', () => {
    assert.equal(formatIpv4(0xc0000201), '192.0.2.1')
    assert.equal(formatIpv4(0), '0.0.0.0')
    assert.equal(formatIpv4(0xffffffff), '255.255.255.255')
    assert.equal(formatIpv4(-1), '255.255.255.255') // signed input
  })

  test('property: format/parse round trip, and parse never throws', () => {
    fc.assert(fc.property(u32, (a) => assert.equal(parseIpv4(formatIpv4(a)), a)))
    const chars = fc.constantFrom(...'0123456789..x+- '.split(''))
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: chars }), fc.string({ unit: 'binary' })), (s) => {
        const a = parseIpv4(s)
        if (a !== null) {
          assert.ok(Number.isInteger(a) && a >= 0 && a <= 0xffffffff)
          assert.equal(formatIpv4(a), s) // strict: only the canonical form parses
        }
      }),
    )
  })
})

describe('addr: MAC text', () => {
  test('accepted forms', () => {
    assert.equal(parseMac('02:00:00:00:00:0a'), 0x02000000000a)
    assert.equal(parseMac('ff:ff:ff:ff:ff:ff'), BROADCAST_MAC)
    assert.equal(parseMac('FF:FF:FF:FF:FF:FF'), BROADCAST_MAC)
    assert.equal(parseMac('0:1:2:3:4:5'), 0x000102030405) // ether_aton's single digits
    assert.equal(parseMac('a:b:c:d:e:f'), 0x0a0b0c0d0e0f)
    assert.equal(parseMac('02-00-5E-10-00-01'), 0x02005e100001)
    assert.equal(parseMac('0:00:5e:0:1:ab'), 0x00005e0001ab)
  })

  test('rejected forms', () => {
    for (const s of [
      '',
      '02:00:00:00:00',
      '02:00:00:00:00:0a:0b',
      '02:00:00:00:00:',
      ':02:00:00:00:00:0a',
      '02::00:00:00:0a',
      '002:00:00:00:00:0a',
      '02:00:00:00:00:0g',
      '02:00-00:00:00:0a', // mixed separators
      '02.00.00.00.00.0a',
      '0200.0000.000a',
      '02000000000a',
      ' 02:00:00:00:00:0a',
      '02:00:00:00:00:0a ',
    ]) {
      assert.equal(parseMac(s), null, JSON.stringify(s))
    }
  })

  test('format: lower case, two digits, colons', () => {
    assert.equal(formatMac(0x02000000000a), '02:00:00:00:00:0a')
    assert.equal(formatMac(BROADCAST_MAC), 'ff:ff:ff:ff:ff:ff')
    assert.equal(formatMac(0), '00:00:00:00:00:00')
    assert.equal(formatMac(0x0a0b0c0d0e0f), '0a:0b:0c:0d:0e:0f')
  })

  test('property: format/parse round trip, and parse never throws', () => {
    fc.assert(fc.property(mac48, (m) => assert.equal(parseMac(formatMac(m)), m)))
    const chars = fc.constantFrom(...'0129afAFg:-. '.split(''))
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: chars }), fc.string({ unit: 'binary' })), (s) => {
        const m = parseMac(s)
        if (m !== null) assert.ok(Number.isInteger(m) && m >= 0 && m <= BROADCAST_MAC)
      }),
    )
  })
})
