/**
 * The routing table: longest-prefix match (hand-picked cases and a fast-check property against a
 * brute-force reference over random add/remove sequences), and connected routes that appear and
 * disappear with interface addresses, as FreeBSD's in_control keeps them (prefix route on the
 * interface, `UHS lo0` host route for the address itself, hand-over to another address of the same
 * prefix on removal).
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { ip, Net } from '../../../testing/net.js'
import { maskOf, Route, RouteTable, RTF } from './route.js'

const mkHost = () => new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })

function table() {
  const host = mkHost()
  const lo = host.vnet0.ifnets[0]!
  const t = new RouteTable()
  const add = (dst: string, len: number) => {
    const r = new Route(ip(dst), len, 0, lo, null, RTF.UP)
    t.add(r)
    return r
  }
  return { t, add, lo }
}

describe('RouteTable longest-prefix match', () => {
  test('prefers the longest matching prefix and falls back to default', () => {
    const { t, add } = table()
    const def = add('0.0.0.0', 0)
    const r8 = add('10.0.0.0', 8)
    const r24 = add('10.1.2.0', 24)
    const r32 = add('10.1.2.3', 32)
    assert.equal(t.lookup(ip('10.1.2.3')), r32)
    assert.equal(t.lookup(ip('10.1.2.4')), r24)
    assert.equal(t.lookup(ip('10.1.3.4')), r8)
    assert.equal(t.lookup(ip('11.0.0.1')), def)
    assert.equal(t.size, 4)
  })

  test('no default route: a miss is null', () => {
    const { t, add } = table()
    add('192.168.0.0', 16)
    assert.equal(t.lookup(ip('192.169.0.1')), null)
    assert.equal(t.lookup(ip('192.168.255.255'))?.prefixLen, 16)
  })

  test('destination is masked on insertion; duplicates are EEXIST', () => {
    const { t, add } = table()
    const r = add('10.1.2.3', 8)
    assert.equal(r.dst, ip('10.0.0.0'))
    assert.equal(t.get(ip('10.200.0.0'), 8), r)
    assert.throws(() => add('10.9.9.9', 8), { code: 'EEXIST' })
    assert.equal(t.size, 1)
  })

  test('remove only removes the exact route object and prunes empty lengths', () => {
    const { t, add, lo } = table()
    const r = add('10.0.0.0', 8)
    const other = new Route(ip('10.0.0.0'), 8, 0, lo, null, RTF.UP)
    assert.equal(t.remove(other), false)
    assert.equal(t.remove(r), true)
    assert.equal(t.remove(r), false)
    assert.equal(t.lookup(ip('10.0.0.1')), null)
    assert.equal(t.size, 0)
    assert.deepEqual(t.list(), [])
  })

  test('maskOf covers /0 and /32', () => {
    assert.equal(maskOf(0), 0)
    assert.equal(maskOf(32), 0xffffffff)
    assert.equal(maskOf(24), 0xffffff00)
    assert.equal(maskOf(1), 0x80000000)
  })

  test('list is ordered by destination then prefix length', () => {
    const { t, add } = table()
    add('10.0.0.0', 16)
    add('10.0.0.0', 8)
    add('9.0.0.0', 8)
    add('10.0.0.0', 24)
    assert.deepEqual(
      t.list().map((r) => `${r.dst}/${r.prefixLen}`),
      [`${ip('9.0.0.0')}/8`, `${ip('10.0.0.0')}/8`, `${ip('10.0.0.0')}/16`, `${ip('10.0.0.0')}/24`],
    )
  })

  test('property: lookup agrees with a brute-force reference over random add/remove sequences', () => {
    const host = mkHost()
    const lo = host.vnet0.ifnets[0]!
    // Addresses drawn from a small space so prefixes overlap and lookups often hit.
    const addr = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 255 }).map((x) => (0x0a000000 | (x << 8) | (x & 7)) >>> 0),
    )
    const op = fc.record({
      kind: fc.constantFrom('add', 'add', 'remove'),
      dst: addr,
      len: fc.oneof(fc.constantFrom(0, 8, 16, 24, 32), fc.integer({ min: 0, max: 32 })),
    })
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 60 }),
        fc.array(addr, { minLength: 1, maxLength: 30 }),
        (ops, probes) => {
          const t = new RouteTable()
          const ref = new Map<string, Route>()
          for (const o of ops) {
            const key = `${(o.dst & maskOf(o.len)) >>> 0}/${o.len}`
            if (o.kind === 'add') {
              const r = new Route(o.dst, o.len, 0, lo, null, RTF.UP)
              if (ref.has(key)) assert.throws(() => t.add(r), { code: 'EEXIST' })
              else {
                t.add(r)
                ref.set(key, r)
              }
            } else {
              const r = ref.get(key)
              if (r !== undefined) {
                assert.equal(t.remove(r), true)
                ref.delete(key)
              }
            }
          }
          assert.equal(t.size, ref.size)
          for (const p of [...probes, ...[...ref.values()].map((r) => r.dst)]) {
            let best: Route | null = null
            for (const r of ref.values())
              if (((p ^ r.dst) & r.mask) === 0 && (best === null || r.prefixLen > best.prefixLen)) best = r
            assert.equal(t.lookup(p), best)
          }
        },
      ),
      { seed: 42, numRuns: 300 },
    )
  })
})

describe('connected routes follow interface addresses', () => {
  const routes = (net: Net, j: string) =>
    net
      .sys(j)
      .routeList()
      .map(
        (r) =>
          `${r.dst >>> 24}.${(r.dst >>> 16) & 255}.${(r.dst >>> 8) & 255}.${r.dst & 255}/${r.prefixLen} ${r.ifName}`,
      )

  test('adding an address adds the prefix route and a host route via lo0; deleting removes both', () => {
    const net = new Net(mkHost(), { jails: ['a'], links: [['a', '', '', '']] })
    const a = net.sys('a')
    assert.deepEqual(routes(net, 'a'), ['127.0.0.1/32 lo0'])
    a.ifAddAddr('epair0a', ip('10.0.0.1'), 24)
    assert.deepEqual(routes(net, 'a'), ['10.0.0.0/24 epair0a', '10.0.0.1/32 lo0', '127.0.0.1/32 lo0'])
    const host = a.routeList().find((r) => r.prefixLen === 32 && r.dst === ip('10.0.0.1'))!
    assert.equal(host.flags & (RTF.HOST | RTF.STATIC), RTF.HOST | RTF.STATIC)
    a.ifDelAddr('epair0a', ip('10.0.0.1'))
    assert.deepEqual(routes(net, 'a'), ['127.0.0.1/32 lo0'])
  })

  test('a /32 address gets no separate prefix route; a /31 does', () => {
    const net = new Net(mkHost(), { jails: ['a'], links: [['a', '', '', '']] })
    const a = net.sys('a')
    a.ifAddAddr('epair0a', ip('10.0.0.1'), 32)
    assert.deepEqual(routes(net, 'a'), ['10.0.0.1/32 lo0', '127.0.0.1/32 lo0'])
    a.ifAddAddr('epair0a', ip('10.0.1.0'), 31, { alias: true })
    assert.deepEqual(routes(net, 'a'), [
      '10.0.0.1/32 lo0',
      '10.0.1.0/31 epair0a',
      '10.0.1.0/32 lo0',
      '127.0.0.1/32 lo0',
    ])
  })

  test('the prefix route moves to another address of the same prefix when one is removed', () => {
    const net = new Net(mkHost(), {
      jails: ['a'],
      links: [
        ['a', '', '', ''],
        ['a', '', '', ''],
      ],
    })
    const a = net.sys('a')
    a.ifAddAddr('epair0a', ip('10.0.0.1'), 24)
    a.ifAddAddr('epair1a', ip('10.0.0.2'), 24)
    // The second address of the prefix does not add a duplicate prefix route.
    assert.deepEqual(routes(net, 'a'), [
      '10.0.0.0/24 epair0a',
      '10.0.0.1/32 lo0',
      '10.0.0.2/32 lo0',
      '127.0.0.1/32 lo0',
    ])
    a.ifDelAddr('epair0a', ip('10.0.0.1'))
    assert.deepEqual(routes(net, 'a'), ['10.0.0.0/24 epair1a', '10.0.0.2/32 lo0', '127.0.0.1/32 lo0'])
    assert.equal(a.routeGet(ip('10.0.0.77')).ifAddr, ip('10.0.0.2'))
  })

  test('the same address on two interfaces: one loopback route, handed over when its owner goes', () => {
    const net = new Net(mkHost(), {
      jails: ['a'],
      links: [
        ['a', '', '', ''],
        ['a', '', '', ''],
      ],
    })
    const a = net.sys('a')
    a.ifAddAddr('epair0a', ip('10.0.0.1'), 24)
    // in_aifaddr_ioctl looks for the address on this interface only, so a second copy is allowed.
    a.ifAddAddr('epair1a', ip('10.0.0.1'), 24)
    assert.deepEqual(routes(net, 'a'), ['10.0.0.0/24 epair0a', '10.0.0.1/32 lo0', '127.0.0.1/32 lo0'])
    a.ifDelAddr('epair0a', ip('10.0.0.1'))
    assert.deepEqual(routes(net, 'a'), ['10.0.0.0/24 epair1a', '10.0.0.1/32 lo0', '127.0.0.1/32 lo0'])
    assert.equal(a.routeGet(ip('10.0.0.1')).ifAddr, ip('10.0.0.1'))
    a.ifDelAddr('epair1a', ip('10.0.0.1'))
    assert.deepEqual(routes(net, 'a'), ['127.0.0.1/32 lo0'])
  })

  test('replacing the first address (no alias) swaps its routes', () => {
    const net = new Net(mkHost(), { jails: ['a'], links: [['a', '10.0.0.1/24', '', '']] })
    const a = net.sys('a')
    a.ifAddAddr('epair0a', ip('192.168.5.1'), 16)
    assert.deepEqual(routes(net, 'a'), ['127.0.0.1/32 lo0', '192.168.0.0/16 epair0a', '192.168.5.1/32 lo0'])
    assert.deepEqual(
      a.ifGet('epair0a').addrs.map((x) => x.addr),
      [ip('192.168.5.1')],
    )
  })

  test('static routes through an interface go when it leaves the vnet; connected routes too', () => {
    const net = new Net(mkHost(), {
      jails: ['a'],
      links: [['a', '10.0.0.1/24', '', '10.0.0.2/24']],
      routes: { a: [['default', '10.0.0.2']] },
    })
    assert.equal(net.sys('a').routeGet(ip('8.8.8.8')).gateway, ip('10.0.0.2'))
    net.root.ifReclaimFromJail('epair0a', 'a')
    assert.deepEqual(routes(net, 'a'), ['127.0.0.1/32 lo0'])
    assert.throws(() => net.sys('a').routeGet(ip('8.8.8.8')), { code: 'ESRCH' })
  })

  test('a gateway that is one of our own addresses makes an interface route out of its interface', () => {
    const net = new Net(mkHost(), { jails: ['a'], links: [['a', '10.0.0.1/24', '', '']] })
    const a = net.sys('a')
    a.routeAdd({ dst: ip('192.0.2.0'), prefixLen: 24, gateway: ip('10.0.0.1') })
    const g = a.routeGet(ip('192.0.2.7'))
    assert.equal(g.ifName, 'epair0a', 'not lo0, whose host route reaches the address itself')
    assert.equal(g.gateway, 0)
    assert.equal(g.flags & RTF.GATEWAY, 0)
    assert.equal(g.ifAddr, ip('10.0.0.1'))
  })

  test('route add via a gateway that is not directly reachable is ENETUNREACH', () => {
    const net = new Net(mkHost(), { jails: ['a'], links: [['a', '10.0.0.1/24', '', '']] })
    assert.throws(
      () => net.sys('a').routeAdd({ dst: ip('10.9.0.0'), prefixLen: 16, gateway: ip('10.1.0.1') }),
      { code: 'ENETUNREACH' },
    )
  })
})

describe('RouteTable generation (rnh_gen)', () => {
  test('moves on add, rebind and remove, not on lookups', () => {
    const { t, add, lo } = table()
    const g0 = t.gen
    const r = add('10.0.0.0', 8)
    const g1 = t.gen
    assert.ok(g1 > g0)
    t.lookup(ip('10.1.2.3'))
    t.list()
    assert.equal(t.gen, g1)
    t.rebind(r, lo, null)
    const g2 = t.gen
    assert.ok(g2 > g1)
    t.remove(r)
    assert.ok(t.gen > g2)
  })
})
