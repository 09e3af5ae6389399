/**
 * RFC 6052 §2.4's table of IPv4-embedded IPv6 addresses (192.0.2.33 under each prefix length),
 * both ways, and the §3.1 rule on the Well-Known Prefix.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseIpv4 } from '../addr.js'
import { formatIpv6, parseIpv6 } from '../inet6/in6_addr.js'
import { embed4, extract4, isNonGlobal4, isRfc6052Length, isWkp, matchesPrefix } from './rfc6052.js'

// RFC 6052 §2.4, Table: prefix, IPv4 address, IPv4-embedded IPv6 address.
const TABLE = [
  ['2001:db8::', 32, '2001:db8:c000:221::'],
  ['2001:db8:100::', 40, '2001:db8:1c0:2:21::'],
  ['2001:db8:122::', 48, '2001:db8:122:c000:2:2100::'],
  ['2001:db8:122:300::', 56, '2001:db8:122:3c0:0:221::'],
  ['2001:db8:122:344::', 64, '2001:db8:122:344:c0:2:2100:0'],
  ['2001:db8:122:344::', 96, '2001:db8:122:344::c000:221'],
  ['64:ff9b::', 96, '64:ff9b::c000:221'],
] as const

test('RFC 6052 §2.4: 192.0.2.33 under each prefix length, embedded and extracted', () => {
  const v4 = parseIpv4('192.0.2.33')!
  for (const [p, len, want] of TABLE) {
    const prefix = parseIpv6(p)!
    const out = new Uint8Array(20).fill(0xee)
    embed4(prefix, 0, len, v4, out, 2)
    assert.equal(formatIpv6(out, 2), want, `/${len}`)
    assert.equal(out[0], 0xee)
    assert.equal(out[18], 0xee, 'nothing written past the address')
    const a = parseIpv6(want)!
    assert.equal(extract4(a, 0, len), v4, `/${len}`)
    assert.ok(matchesPrefix(a, 0, prefix, 0, len))
  }
})

test('RFC 6052 §2.2: only 32, 40, 48, 56, 64 and 96; a non-zero u octet is no embedded address', () => {
  for (const n of [32, 40, 48, 56, 64, 96]) assert.ok(isRfc6052Length(n))
  for (const n of [0, 16, 33, 72, 80, 128]) assert.ok(!isRfc6052Length(n))
  const a = parseIpv6('2001:db8:1c0:2:21::')!
  a[8] = 1
  assert.ok(!matchesPrefix(a, 0, parseIpv6('2001:db8:100::')!, 0, 40))
})

test('RFC 6052 §3.1: the Well-Known Prefix and non-global IPv4 addresses', () => {
  assert.ok(isWkp(parseIpv6('64:ff9b::')!, 0, 96))
  assert.ok(!isWkp(parseIpv6('64:ff9b::')!, 0, 64))
  assert.ok(!isWkp(parseIpv6('2001::')!, 0, 96))
  for (const a of [
    '10.1.2.3',
    '172.16.0.1',
    '192.168.64.254',
    '127.0.0.1',
    '169.254.1.1',
    '100.64.0.1',
    '224.0.0.1',
  ])
    assert.ok(isNonGlobal4(parseIpv4(a)!), a)
  for (const a of ['8.8.8.8', '11.0.0.2', '172.32.0.1', '192.169.0.1', '100.128.0.1'])
    assert.ok(!isNonGlobal4(parseIpv4(a)!), a)
})
