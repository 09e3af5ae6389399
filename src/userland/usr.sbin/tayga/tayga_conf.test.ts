/**
 * tayga.conf(5) parsing: the file IMUNES's nat64.start writes (leading blanks and tabs included),
 * the ipv6-addr TAYGA derives from the prefix, and TAYGA's refusals.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatIpv4 } from '../../../wire/addr.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { parseTaygaConf, type TaygaConfig } from './tayga_conf.js'

const IMUNES =
  'tun-device\ttun0\n ipv4-addr\t192.168.64.0\n dynamic-pool\t192.168.64.0/24\n prefix\t\t2001::/96\n data-dir\t/var/db/tayga\n\n map\t\t192.168.64.254\tfc00::20\n'

const ok = (text: string): TaygaConfig => {
  const c = parseTaygaConf(text, '/usr/local/etc/tayga.conf')
  assert.ok(typeof c !== 'string', String(c))
  return c
}

test("IMUNES's generated tayga.conf", () => {
  const c = ok(IMUNES)
  assert.equal(c.tunDevice, 'tun0')
  assert.equal(formatIpv4(c.ipv4Addr), '192.168.64.0')
  assert.equal(formatIpv6(c.ipv6Addr), '2001::c0a8:4000', 'ipv6-addr: ipv4-addr mapped into the prefix')
  assert.deepEqual([formatIpv6(c.prefix!.addr), c.prefix!.len], ['2001::', 96])
  assert.deepEqual([formatIpv4(c.pool!.addr), c.pool!.len], ['192.168.64.0', 24])
  assert.equal(c.dataDir, '/var/db/tayga')
  assert.equal(c.maps.length, 1)
  assert.equal(formatIpv4(c.maps[0]!.v4), '192.168.64.254')
  assert.equal(formatIpv6(c.maps[0]!.v6), 'fc00::20')
  assert.equal(c.offlinkMtu, 1280)
})

test("TAYGA's refusals, one message each", () => {
  const f = (text: string): string => {
    const c = parseTaygaConf(text, 'tayga.conf')
    assert.equal(typeof c, 'string', text)
    return c as string
  }
  const base = 'tun-device tun0\nipv4-addr 192.168.64.1\n'
  assert.equal(
    f(`${base}prefix 2001::/80\n`),
    'NAT prefix length must be 32, 40, 48, 56, 64 or 96 only, aborting...',
  )
  assert.equal(f(`${base}bogus 1\n`), 'Unknown directive "bogus" on line 3 of tayga.conf, aborting...')
  assert.equal(f(`${base}prefix\n`), 'Incorrect number of arguments on line 3')
  assert.equal(f('tun-device tun0\nprefix 2001::/96\n'), 'Error: no ipv4-addr directive found')
  assert.equal(f(base), 'Error: no translation maps or NAT64 prefix configured')
  assert.equal(
    f(`${base}ipv4-addr 10.0.0.1\nprefix 2001::/96\n`),
    'Error: duplicate ipv4-addr directive on line 3',
  )
  assert.equal(
    f(`${base}prefix 2001::/96\ndynamic-pool 10.0.0.0/32\n`),
    'Cannot use a prefix longer than /31 in dynamic-pool directive, aborting...',
  )
  assert.equal(
    f(`${base}prefix 2001::/96\ndynamic-pool 10.0.0.1/24\n`),
    'Expected an IPv4 prefix but found "10.0.0.1/24" on line 4',
  )
  assert.equal(
    f(`${base}prefix 2001::/96\nmap 10.0.0.0/24 fc00::/120\nmap 10.0.0.5 fc01::5\n`),
    'Error: IPv4 address in map directive on line 5 conflicts with earlier definition of 10.0.0.0/24 from line 4',
  )
  assert.equal(
    f(`${base}prefix 2001::/96\nmap 10.0.0.0/24 fc00::/112\n`),
    'IPv4 and IPv6 subnet must be of the same size, but found 10.0.0.0/24 and fc00::/112 on line 4',
  )
  assert.equal(
    f('tun-device tun0\nipv4-addr 10.0.0.1\nprefix 64:ff9b::/96\n'),
    'Error: ipv6-addr directive must be specified if prefix is 64:ff9b::/96 and ipv4-addr is a non-global (RFC 1918) address',
  )
  assert.equal(f(`${base}prefix 2001::/96\ndata-dir var/db\n`), 'Error: data-dir must be an absolute path')
  assert.equal(
    f(`${base}prefix 2001::/96\nipv6-addr 2001::1\n`),
    'Error: ipv6-addr cannot reside within configured prefix 2001::/96',
  )
  assert.equal(
    f(`${base}map 10.0.0.9 fe80::1\n`),
    'Cannot use reserved address fe80::1 in map directive, aborting...',
  )
})

test('comments, blank lines and case-insensitive directive names', () => {
  const c = ok(
    '# a comment\n\nTUN-DEVICE nat64\nipv4-addr 192.0.2.1  # ours\nprefix 64:ff9b::/96\nipv6-addr 2001:db8::1\n',
  )
  assert.equal(c.tunDevice, 'nat64')
  assert.equal(formatIpv6(c.ipv6Addr), '2001:db8::1')
  assert.equal(c.pool, null)
})
