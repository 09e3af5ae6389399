/**
 * TAYGA's address mapping: static maps (hosts and subnets), the prefix, the Well-Known Prefix
 * rule, and the dynamic pool — which addresses it hands out, that a mapping is stable, that the
 * pool is bounded and an expired mapping is reused.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { parseTaygaConf, type TaygaConfig } from './tayga_conf.js'
import { DYN_LEASE_NS, TaygaMap } from './tayga_map.js'

function conf(text: string): TaygaConfig {
  const c = parseTaygaConf(text, 'tayga.conf')
  assert.ok(typeof c !== 'string', String(c))
  return c
}

const to6 = (m: TaygaMap, a: string): string | null => {
  const out = new Uint8Array(16)
  return m.map4to6(parseIpv4(a)!, out, 0) ? formatIpv6(out) : null
}
const to4 = (m: TaygaMap, a: string, source = false): string | null => {
  const r = m.map6to4(parseIpv6(a)!, 0, source)
  return r < 0 ? null : formatIpv4(r)
}

test('static maps (host and subnet), the prefix, and the own address pair', () => {
  const m = new TaygaMap(
    conf(
      'tun-device tun0\nipv4-addr 192.168.64.1\nprefix 2001::/96\nmap 192.168.64.254 fc00::20\nmap 10.9.0.0/24 fd00:9::/120\n',
    ),
    () => 0,
  )
  assert.equal(to6(m, '192.168.64.254'), 'fc00::20')
  assert.equal(to4(m, 'fc00::20'), '192.168.64.254')
  assert.equal(to6(m, '10.9.0.77'), 'fd00:9::4d')
  assert.equal(to4(m, 'fd00:9::4d'), '10.9.0.77')
  assert.equal(to6(m, '10.0.0.20'), '2001::a00:14')
  assert.equal(to4(m, '2001::a00:14'), '10.0.0.20')
  assert.equal(to6(m, '192.168.64.1'), '2001::c0a8:4001')
  assert.equal(to4(m, 'fc00::99'), null, 'no pool: an unknown IPv6 source has no address')
})

test('RFC 6052 §3.1: the Well-Known Prefix carries only global IPv4 addresses', () => {
  const m = new TaygaMap(
    conf('tun-device tun0\nipv4-addr 192.0.2.1\nipv6-addr 2001:db8::1\nprefix 64:ff9b::/96\n'),
    () => 0,
  )
  assert.equal(to6(m, '8.8.8.8'), '64:ff9b::808:808')
  assert.equal(to6(m, '10.0.0.1'), null)
  assert.equal(to4(m, '64:ff9b::a00:1'), null)
  assert.equal(to4(m, '64:ff9b::808:808'), '8.8.8.8')
  const lax = new TaygaMap(
    conf(
      'tun-device tun0\nipv4-addr 192.0.2.1\nipv6-addr 2001:db8::1\nprefix 64:ff9b::/96\nwkpf-strict no\n',
    ),
    () => 0,
  )
  assert.equal(to6(lax, '10.0.0.1'), '64:ff9b::a00:1')
})

test('the dynamic pool: reserved addresses skipped, mappings stable, bounded, expired ones reused', () => {
  let now = 0
  const assigned: string[] = []
  const m = new TaygaMap(
    conf(
      'tun-device tun0\nipv4-addr 10.64.0.1\nprefix 2001::/96\ndynamic-pool 10.64.0.0/29\nmap 10.64.0.5 fc00::5\n',
    ),
    () => now,
    (e) => void assigned.push(`${formatIpv4(e.v4)} ${formatIpv6(e.v6)}`),
  )
  const got = new Set<string>()
  for (let i = 1; i <= 5; i++) {
    const a = to4(m, `fd00::${i}`, true)
    assert.ok(a !== null, `host ${i}`)
    got.add(a)
  }
  // .0 (lowest), .1 (ipv4-addr) and .5 (a static map) are never handed out: 5 addresses remain.
  assert.deepEqual([...got].sort(), ['10.64.0.2', '10.64.0.3', '10.64.0.4', '10.64.0.6', '10.64.0.7'])
  assert.equal(assigned.length, 5)
  assert.equal(to4(m, 'fd00::3', true), to4(m, 'fd00::3'), 'the same address again')
  assert.equal(to4(m, 'fd00::99', true), null, 'the pool is full')
  assert.equal(to4(m, 'fd00::98'), null, 'a destination never takes a pool address')
  const back = to4(m, 'fd00::2')!
  assert.equal(to6(m, back), 'fd00::2', 'the pool address maps back to its host')
  assert.equal(to6(m, '10.64.0.0'), null, 'an unassigned pool address has no host')
  assert.equal(m.entries().length, 5)
  // Past the lease of all but one, a new host takes the least recently used expired address.
  now = DYN_LEASE_NS / 2
  to4(m, 'fd00::4')
  now = DYN_LEASE_NS + 1
  const fresh = to4(m, 'fd00::99', true)
  assert.ok(fresh !== null && fresh !== to4(m, 'fd00::4'))
  assert.equal(m.entries().length, 5, 'never more than the pool')
  assert.equal(to6(m, fresh), 'fd00::99')
})
