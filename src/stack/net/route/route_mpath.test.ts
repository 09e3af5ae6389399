/**
 * Multipath routes (net.route.multipath): a second gateway for a prefix joins it as another path,
 * the same gateway or a non-gateway route is EEXIST, multipath=0 restores EEXIST for all; flows
 * spread over the paths by their hash (by weight) while one flow always takes one path; removing
 * one path leaves the others; a path whose interface is down is left out while another is up (IPv4
 * and IPv6); the per-FIB tables of a vnet are separate and grow only.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { ip } from '../../../testing/net.js'
import { shellWorld } from '../../../testing/shell.js'
import type { SysError } from '../../../util/errno.js'
import { flowHash, mpathSelect, Route, RouteTable, RTF } from './route.js'

function setup() {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const lo = host.vnet0.ifnets[0]!
  const t = new RouteTable()
  const gw = (dst: string, len: number, via: string) =>
    new Route(ip(dst), len, ip(via), lo, null, RTF.UP | RTF.GATEWAY | RTF.STATIC)
  return { host, t, gw, lo }
}

/** How many of n flows (varying source port) each path takes. */
function spread(t: RouteTable, dst: string, n: number): Map<number, number> {
  const counts = new Map<number, number>()
  for (let i = 0; i < n; i++) {
    const r = mpathSelect(t.lookup(ip(dst))!, flowHash(ip('192.0.2.9'), ip(dst), ((10000 + i) << 16) | 53))
    counts.set(r.gateway, (counts.get(r.gateway) ?? 0) + 1)
  }
  return counts
}

describe('multipath routes', () => {
  test('a second gateway joins the route; the same gateway, or an interface route, is EEXIST', () => {
    const { t, gw, lo } = setup()
    t.add(gw('198.51.100.0', 24, '192.0.2.1'))
    t.add(gw('198.51.100.0', 24, '192.0.2.2'))
    assert.equal(t.size, 2)
    assert.deepEqual(
      t.list().map((r) => r.gateway),
      [ip('192.0.2.1'), ip('192.0.2.2')],
    )
    assert.throws(
      () => t.add(gw('198.51.100.0', 24, '192.0.2.2')),
      (e: SysError) => e.code === 'EEXIST',
    )
    assert.throws(
      () => t.add(new Route(ip('198.51.100.0'), 24, 0, lo, null, RTF.UP)),
      (e: SysError) => e.code === 'EEXIST',
    )
    assert.equal(t.size, 2)
  })

  test('net.route.multipath=0: any second route to a prefix is EEXIST', () => {
    const { t, gw } = setup()
    t.multipath = 0
    t.add(gw('198.51.100.0', 24, '192.0.2.1'))
    assert.throws(
      () => t.add(gw('198.51.100.0', 24, '192.0.2.2')),
      (e: SysError) => e.code === 'EEXIST',
    )
  })

  test('many flows use both paths; one flow always the same one', () => {
    const { t, gw } = setup()
    t.add(gw('198.51.100.0', 24, '192.0.2.1'))
    t.add(gw('198.51.100.0', 24, '192.0.2.2'))
    const c = spread(t, '198.51.100.7', 1000)
    assert.equal(c.size, 2)
    for (const n of c.values()) assert.ok(n > 350, `uneven spread ${[...c.values()]}`)
    const h = flowHash(ip('192.0.2.9'), ip('198.51.100.7'), (40000 << 16) | 80)
    const first = mpathSelect(t.lookup(ip('198.51.100.7'))!, h)
    for (let i = 0; i < 100; i++) assert.equal(mpathSelect(t.lookup(ip('198.51.100.7'))!, h), first)
  })

  test('weights share the flows in proportion', () => {
    const { t, gw } = setup()
    t.add(gw('198.51.100.0', 24, '192.0.2.1'))
    const heavy = gw('198.51.100.0', 24, '192.0.2.2')
    heavy.weight = 3
    t.add(heavy)
    const c = spread(t, '198.51.100.7', 4000)
    const light = c.get(ip('192.0.2.1'))!
    const big = c.get(ip('192.0.2.2'))!
    assert.ok(big > 2 * light && big < 4 * light, `3:1 expected, got ${big}:${light}`)
  })

  test('removing one path keeps the other, then the prefix goes with the last', () => {
    const { t, gw, lo } = setup()
    const a = gw('198.51.100.0', 24, '192.0.2.1')
    const b = gw('198.51.100.0', 24, '192.0.2.2')
    t.add(a)
    t.add(b)
    assert.equal(t.remove(a), true)
    const left = t.lookup(ip('198.51.100.7'))
    assert.equal(left, b)
    assert.equal(b.mpNext, null)
    assert.equal(t.pathVia(b, ip('192.0.2.1')), undefined)
    assert.equal(lo.routes?.has(a), false)
    assert.equal(t.remove(b), true)
    assert.equal(t.lookup(ip('198.51.100.7')), null)
    assert.equal(t.size, 0)
  })
})

/** Host and jail j joined by two epairs, each side's loopback address reached over both. */
const ECMP = (v6: boolean) => {
  const [a0, b0, a1, b1, la, lb] = v6
    ? ['3fff:1::a/127', '3fff:1::b/127', '3fff:2::a/127', '3fff:2::b/127', '3fff:a::1', '3fff:b::1']
    : ['10.0.1.0/31', '10.0.1.1/31', '10.0.2.0/31', '10.0.2.1/31', '192.0.2.1', '192.0.2.2']
  const fam = v6 ? 'inet6' : 'inet'
  const r = v6 ? 'route -6' : 'route -4'
  const ad = (x: string) => x.slice(0, x.indexOf('/'))
  const host = v6 ? '/128' : '/32'
  return `
jail -c name=j vnet persist
ifconfig epair create >/dev/null; ifconfig epair create >/dev/null
ifconfig epair0b vnet j; ifconfig epair1b vnet j
ifconfig epair0a ${fam} ${a0} up; ifconfig epair1a ${fam} ${a1} up
jexec j ifconfig epair0b ${fam} ${b0} up; jexec j ifconfig epair1b ${fam} ${b1} up
ifconfig lo0 ${fam} ${la}${host} alias; jexec j ifconfig lo0 ${fam} ${lb}${host} up
${r} add ${lb}${host} ${ad(b0)} >/dev/null; ${r} add ${lb}${host} ${ad(b1)} >/dev/null
jexec j ${r} add ${la}${host} ${ad(a0)} >/dev/null; jexec j ${r} add ${la}${host} ${ad(a1)} >/dev/null
`
}

describe('multipath and interfaces going down', () => {
  for (const v6 of [false, true])
    test(`${v6 ? 'IPv6' : 'IPv4'}: flows leave a path whose interface is down, and come back`, async () => {
      const w = shellWorld(3)
      let r = await w.run(ECMP(v6))
      assert.equal(r.status, 0, r.err)
      const [src, dst] = v6 ? ['3fff:a::1', '3fff:b::1'] : ['192.0.2.1', '192.0.2.2']
      // Many flows (ping identifiers differ by run) before, while one link is down, and after.
      const pings = `for i in 1 2 3 4 5 6 7 8; do ping -c1 -t1 -S ${src} ${dst} >/dev/null || echo lost; done`
      r = await w.run(pings)
      assert.equal(r.out, '', r.err)
      r = await w.run(`ifconfig epair0a down; jexec j ifconfig epair0b down; ${pings}`)
      assert.equal(r.out, '', r.err)
      r = await w.run(
        `ifconfig epair0a up; jexec j ifconfig epair0b up; ifconfig epair1a down; jexec j ifconfig epair1b down; ${pings}`,
      )
      assert.equal(r.out, '', r.err)
      // Both links down: no path is left, the ping fails as it did before.
      r = await w.run(`ifconfig epair0a down; ping -c1 -t1 -S ${src} ${dst}`)
      assert.equal(r.status, 2)
    })

  test('with every path down the choice is the plain weighted one', () => {
    const { host, t } = setup()
    const e = host.vnet0.ifnets[0]!
    const path = (via: string) => new Route(ip('198.51.100.0'), 24, ip(via), e, null, RTF.UP | RTF.GATEWAY)
    t.add(path('192.0.2.1'))
    t.add(path('192.0.2.2'))
    const head = t.lookup(ip('198.51.100.7'))!
    const before = [0, 1, 2, 3].map((h) => mpathSelect(head, h).gateway)
    e.flags &= ~0x1
    assert.deepEqual(
      [0, 1, 2, 3].map((h) => mpathSelect(head, h).gateway),
      before,
    )
    assert.deepEqual(before, [ip('192.0.2.1'), ip('192.0.2.2'), ip('192.0.2.1'), ip('192.0.2.2')])
  })
})

describe('FIBs of a vnet', () => {
  test('net.fibs grows the tables, which are separate; it never shrinks', () => {
    const { host, gw } = setup()
    const v = host.vnet0
    assert.equal(v.numFibs, 1)
    v.growFibs(3)
    assert.equal(v.numFibs, 3)
    v.rt(2).add(gw('0.0.0.0', 0, '192.0.2.1'))
    assert.equal(v.rt(2).lookup(ip('203.0.113.1'))?.fib, 2)
    assert.equal(v.rt(0).lookup(ip('203.0.113.1')), null)
    assert.equal(v.rt(1).lookup(ip('203.0.113.1')), null)
    const sys = host.syscalls()
    assert.throws(
      () => sys.sysctlSet('net.fibs', '2'),
      (e: SysError) => e.code === 'ENOTCAPABLE',
    )
    assert.equal(v.numFibs, 3)
  })
})
