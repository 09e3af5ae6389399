/**
 * Address changes are incremental (issue: 8k aliases took 10 s, 16k took 47 s, 100k never ended,
 * because each change rebuilt every address of the vnet). Without clocks: countVisits counts the
 * elements of arrays, maps and sets a call walks, and one alias added or removed must walk the same
 * small number whether the interface has 200 aliases or 2,000. Also checks that the indexes kept
 * for this (local addresses, broadcast counts, prefix owners, routes by address) stay correct.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../host/host.js'
import type { Syscalls } from '../../host/syscalls.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { errnoOf, ip } from '../../testing/net.js'
import { countVisits } from '../../testing/visits.js'
import { RTF } from './route/route.js'

/** A host whose epair0a has n /32 aliases (10.1.x.y) and n aliases sharing 10.2.0.0/16. */
function withAliases(n: number): { host: Host; sys: Syscalls } {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 3 })
  const sys = host.syscalls()
  sys.ifCreate('epair')
  for (let i = 1; i <= n; i++) {
    sys.ifAddAddr('epair0a', (ip('10.1.0.0') + i) >>> 0, 32, { alias: true })
    sys.ifAddAddr('epair0a', (ip('10.2.0.0') + i) >>> 0, 16, { alias: true })
  }
  return { host, sys }
}

/** Elements walked by each per-alias operation on an interface that already has n aliases of each kind. */
function perAliasVisits(n: number): Record<string, number> {
  const { sys } = withAliases(n)
  const v = (fn: () => void) => countVisits(fn).visits
  return {
    addHost: v(() => sys.ifAddAddr('epair0a', ip('10.3.0.1'), 32, { alias: true })),
    delHost: v(() => sys.ifDelAddr('epair0a', ip('10.3.0.1'))),
    addShared: v(() => sys.ifAddAddr('epair0a', ip('10.2.255.1'), 16, { alias: true })),
    // The first 10.2/16 address owns the prefix route: removing it hands the route to the next one.
    delPrefixOwner: v(() => sys.ifDelAddr('epair0a', ip('10.2.0.1'))),
    duplicateRefused: v(() => errnoOf(() => sys.ifAddAddr('lo0', ip('10.1.0.7'), 32, { alias: true }))),
  }
}

describe('address changes do not rebuild every address', () => {
  test('one alias added or removed walks as much with 2,000 aliases as with 200', () => {
    const small = perAliasVisits(200)
    const big = perAliasVisits(2000)
    for (const k of Object.keys(small)) {
      assert.ok(big[k]! <= small[k]! + 8, `${k}: ${small[k]} visits with 200 aliases, ${big[k]} with 2,000`)
      assert.ok(big[k]! < 200, `${k}: ${big[k]} visits is a scan`)
    }
  })

  test('the prefix route passes to the next address on the prefix, then goes with the last one', () => {
    const { host, sys } = withAliases(3)
    const v = host.vnet0
    const owner = () => v.routes.get(ip('10.2.0.0'), 16)?.ifa?.addr
    assert.equal(owner(), ip('10.2.0.1'))
    sys.ifDelAddr('epair0a', ip('10.2.0.1'))
    assert.equal(owner(), ip('10.2.0.2'))
    sys.ifDelAddr('epair0a', ip('10.2.0.2'))
    sys.ifDelAddr('epair0a', ip('10.2.0.3'))
    assert.equal(v.routes.get(ip('10.2.0.0'), 16), undefined)
    assert.equal(v.isBroadcast(ip('10.2.255.255')), false, 'no address left on 10.2/16')
    assert.equal(v.isLocal(ip('10.1.0.2')), true)
    assert.equal(v.routes.get(ip('10.1.0.2'), 32)!.flags & RTF.HOST, RTF.HOST)
  })

  test('the broadcast address stays while any address of its subnet remains', () => {
    const { host, sys } = withAliases(2)
    const v = host.vnet0
    assert.equal(v.isBroadcast(ip('10.2.255.255')), true)
    sys.ifDelAddr('epair0a', ip('10.2.0.1'))
    assert.equal(v.isBroadcast(ip('10.2.255.255')), true)
    sys.ifDelAddr('epair0a', ip('10.2.0.2'))
    assert.equal(v.isBroadcast(ip('10.2.255.255')), false)
  })

  test('the addresses are listed in the order they were added, also after removals and re-adds', () => {
    const { sys } = withAliases(2)
    sys.ifDelAddr('epair0a', ip('10.1.0.1'))
    sys.ifAddAddr('epair0a', ip('10.1.0.1'), 32, { alias: true })
    assert.deepEqual(
      sys.ifGet('epair0a').addrs.map((a) => a.addr),
      ['10.2.0.1', '10.1.0.2', '10.2.0.2', '10.1.0.1'].map(ip),
    )
    // Without `alias`, the first address is the one replaced.
    sys.ifAddAddr('epair0a', ip('10.9.0.1'), 24)
    assert.deepEqual(
      sys.ifGet('epair0a').addrs.map((a) => a.addr),
      ['10.1.0.2', '10.2.0.2', '10.1.0.1', '10.9.0.1'].map(ip),
    )
  })

  test('destroying an interface with many aliases is linear in them', () => {
    const cost = (n: number) => {
      const { sys } = withAliases(n)
      return countVisits(() => sys.ifDestroy('epair0a')).visits
    }
    const a = cost(500)
    const b = cost(1000)
    assert.ok(b <= 2.2 * a, `destroy: ${a} visits with 500 aliases of each kind, ${b} with 1,000`)
  })
})
