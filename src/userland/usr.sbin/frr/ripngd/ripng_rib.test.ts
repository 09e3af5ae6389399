/**
 * ripngd's table on its own (RFC 2080 §2.4.2), time passed in: next-hop RTEs (§2.1.1), the RTE
 * checks, the metric increment, timeout → poison → garbage collection, split horizon and poisoned
 * reverse in the RTEs of an update, and the route limit.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { formatIpv6, parseIpv6 } from '../../../../wire/inet6/in6_addr.js'
import { nextHopRte, type RipngRte } from '../../../../wire/routing/ripng.js'
import { SEC_NS } from '../lib/rip_table.js'
import { type RipngIface, RipngRib, type RipngRoute } from './ripng_rib.js'

const v6 = (s: string): Uint8Array => parseIpv6(s)!
const S = SEC_NS
const N1 = v6('fe80::1')
const N2 = v6('fe80::2')

const iface = (name: string, index: number): RipngIface => ({
  name,
  index,
  linkLocal: v6(`fe80::${index}:0`),
  prefixes: [],
  mtu: 1500,
  passive: false,
  poison: false,
  splitHorizon: true,
})
const eth0 = iface('eth0', 1)
const eth1 = iface('eth1', 2)

const rte = (prefix: string, metric: number): RipngRte => {
  const [a, l] = prefix.split('/')
  return { prefix: v6(a!), tag: 0, len: Number(l), metric }
}

function fib() {
  const log: string[] = []
  return {
    log,
    install: (r: RipngRoute) => void log.push(`+${formatIpv6(r.addr)}/${r.len} via ${formatIpv6(r.nextHop)}`),
    uninstall: (r: RipngRoute) => void log.push(`-${formatIpv6(r.addr)}/${r.len}`),
  }
}

describe('ripngd table', () => {
  test('learned with metric + 1; a next-hop RTE applies to the RTEs after it; bad RTEs counted', () => {
    const f = fib()
    const rib = new RipngRib(f)
    rib.response(
      eth0,
      N1,
      [
        rte('fc00:1::/64', 1),
        nextHopRte(v6('fe80::99')),
        rte('fc00:2::/64', 2),
        // A global next hop means "the sender" (§2.1.1).
        nextHopRte(v6('2001:db8::1')),
        rte('fc00:3::1/64', 3),
        rte('fe80::/64', 1),
        rte('ff02::/16', 1),
        rte('fc00:4::/64', 0),
        rte('fc00:5::/64', 17),
        { prefix: v6('fc00:6::'), tag: 0, len: 129, metric: 1 },
      ],
      0,
    )
    assert.deepEqual(f.log, [
      '+fc00:1::/64 via fe80::1',
      '+fc00:2::/64 via fe80::99',
      // Host bits past the prefix length are cleared.
      '+fc00:3::/64 via fe80::1',
    ])
    assert.equal(rib.routes.get('fc00:2::/64')!.metric, 3)
    assert.equal(rib.counters.badRoutes, 5)
  })

  test('timeout at 180 s poisons the route (metric 16, out of the FIB); garbage collection 120 s later', () => {
    const f = fib()
    const rib = new RipngRib(f)
    rib.response(eth0, N1, [rte('fc00:9::/64', 1)], 0)
    rib.clearChanged()
    rib.response(eth0, N1, [rte('fc00:9::/64', 1)], 100 * S)
    rib.tick(279 * S)
    assert.equal(rib.routes.get('fc00:9::/64')!.metric, 2)
    rib.tick(280 * S)
    const r = rib.routes.get('fc00:9::/64')!
    assert.equal(r.metric, 16)
    assert.ok(rib.pendingTrigger, 'a triggered update announces the poisoned route')
    assert.deepEqual(rib.updateFor(eth1, true), [{ prefix: r.addr, tag: 0, len: 64, metric: 16 }])
    assert.deepEqual(f.log, ['+fc00:9::/64 via fe80::1', '-fc00:9::/64'])
    rib.tick(399 * S)
    assert.equal(rib.routes.size, 1)
    rib.tick(400 * S)
    assert.equal(rib.routes.size, 0)
  })

  test('a better metric from another neighbour wins; the same neighbour is believed either way', () => {
    const rib = new RipngRib(fib())
    rib.response(eth0, N1, [rte('fc00:9::/64', 3)], 0)
    rib.response(eth1, N2, [rte('fc00:9::/64', 5)], S)
    assert.equal(formatIpv6(rib.routes.get('fc00:9::/64')!.nextHop), 'fe80::1')
    rib.response(eth1, N2, [rte('fc00:9::/64', 1)], 2 * S)
    const r = rib.routes.get('fc00:9::/64')!
    assert.equal(formatIpv6(r.nextHop), 'fe80::2')
    assert.equal(r.ifName, 'eth1')
    rib.response(eth1, N2, [rte('fc00:9::/64', 7)], 3 * S)
    assert.equal(r.metric, 8)
  })

  test('split horizon leaves a route out of its own interface; poisoned reverse sends it with 16', () => {
    const rib = new RipngRib(fib())
    rib.syncLocal([{ addr: v6('fc00:1::'), len: 64, origin: 'connected', ifName: 'eth1', metric: 1 }], 0)
    rib.response(eth0, N1, [rte('fc00:9::/64', 1)], 0)
    const show = (rtes: RipngRte[]) => rtes.map((e) => `${formatIpv6(e.prefix)}/${e.len}=${e.metric}`)
    assert.deepEqual(show(rib.updateFor(eth0, false)), ['fc00:1::/64=1'])
    assert.deepEqual(show(rib.updateFor({ ...eth0, poison: true }, false)), [
      'fc00:1::/64=1',
      'fc00:9::/64=16',
    ])
    assert.deepEqual(show(rib.updateFor({ ...eth0, splitHorizon: false }, false)), [
      'fc00:1::/64=1',
      'fc00:9::/64=2',
    ])
    assert.deepEqual(show(rib.updateFor(eth1, false)), ['fc00:1::/64=1', 'fc00:9::/64=2'])
  })

  test('the table stops at maxRoutes; what does not fit is counted', () => {
    const f = fib()
    const rib = new RipngRib(f)
    rib.maxRoutes = 50
    const rtes: RipngRte[] = []
    for (let i = 0; i < 72; i++) rtes.push(rte(`fc00:${i.toString(16)}::/64`, 1))
    rib.response(eth0, N1, rtes, 0)
    assert.equal(rib.routes.size, 50)
    assert.equal(rib.counters.tableFull, 22)
    assert.equal(f.log.length, 50)
  })
})
