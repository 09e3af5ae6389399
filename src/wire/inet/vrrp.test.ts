import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { parseIpv4 } from '../addr.js'
import { parseIpv6 } from '../inet6/in6_addr.js'
import { hex, toHex } from '../testkit.js'
import {
  VRRP_HDR_LEN,
  VrrpOff,
  vrrpCksumOk4,
  vrrpCksumOk6,
  vrrpFinish4,
  vrrpMaxAdvInt,
  writeVrrpHeader,
} from './vrrp.js'

// RFC 9568 §5.2 over IPv4, one field per line: VRID 1 at priority 100 for 192.0.2.1, advertising
// every 100 cs, sent from 192.0.2.202 to 224.0.0.18. The checksum (§5.2.8) was worked out by hand
// over the pseudo-header c000 02ca e000 0012 0070 000c and the message.
const ADVERT4 = hex(
  '31', //   Version 3, Type 1 (ADVERTISEMENT)
  '01', //   Virtual Rtr ID 1
  '64', //   Priority 100
  '01', //   Count IPvX Addr 1
  '0064', // Rsvd 0, Max Adver Int 100 cs
  '053e', // Checksum
  'c0000201', // 192.0.2.1
)

// The same over IPv6 from fe80::1 to ff02::12 for 2001:db8::1: the pseudo-header is RFC 8200 §8.1's.
const ADVERT6 = hex('31 01 64 01 0064 3ec0', '20010db8000000000000000000000001')

describe('VRRPv3 advertisement', () => {
  test('the IPv4 fixture: written field by field, its checksum includes the pseudo-header', () => {
    const b = new Uint8Array(12)
    writeVrrpHeader(b, 0, 1, 100, 1, 100)
    b.set(hex('c0000201'), VrrpOff.ADDRS)
    vrrpFinish4(b, 0, 12, parseIpv4('192.0.2.202')!, parseIpv4('224.0.0.18')!)
    assert.equal(toHex(b), toHex(ADVERT4))
    assert.ok(vrrpCksumOk4(ADVERT4, 0, 12, parseIpv4('192.0.2.202')!, parseIpv4('224.0.0.18')!))
    // Another source gives another checksum: CARP's header-only sum would not notice.
    assert.ok(!vrrpCksumOk4(ADVERT4, 0, 12, parseIpv4('192.0.2.203')!, parseIpv4('224.0.0.18')!))
    assert.equal(vrrpMaxAdvInt(ADVERT4, 0), 100)
  })

  test('the IPv6 fixture verifies against its pseudo-header', () => {
    const src = parseIpv6('fe80::1')!
    const dst = parseIpv6('ff02::12')!
    assert.ok(vrrpCksumOk6(ADVERT6, 0, ADVERT6.length, src, 0, dst, 0))
    const bad = ADVERT6.slice()
    bad[VrrpOff.PRIORITY] = 101
    assert.ok(!vrrpCksumOk6(bad, 0, bad.length, src, 0, dst, 0))
  })

  test('Max Advertise Interval is 12 bits: the reserved nibble is written zero and read past', () => {
    const b = new Uint8Array(VRRP_HDR_LEN)
    writeVrrpHeader(b, 0, 7, 255, 0, 0xfff)
    assert.equal(toHex(b.subarray(0, 6)), '3107ff000fff')
    b[VrrpOff.MAXADV] |= 0xf0
    assert.equal(vrrpMaxAdvInt(b, 0), 0xfff)
  })

  test('random bytes never make the readers throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: VRRP_HDR_LEN, maxLength: 64 }), (b) => {
        vrrpMaxAdvInt(b, 0)
        vrrpCksumOk4(b, 0, b.length, 1, 2)
        vrrpCksumOk6(b, 0, b.length, new Uint8Array(16), 0, new Uint8Array(16), 0)
      }),
    )
  })
})
