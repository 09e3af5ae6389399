/**
 * The inet6 FIB against a brute-force longest-prefix match: random prefixes added and removed while
 * the same destinations are looked up again and again, so every answer the lookup cache gives after
 * a change is checked against the table as it now is. Multipath groups (net.route.multipath): who
 * may join, removal of a middle path and of the head, weighted selection, the route limit.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { in6PrefixEq } from '../../../wire/inet6/in6_addr.js'
import type { Ifnet } from '../../net/ifnet.js'
import { RTF } from '../../net/route/route.js'
import { mpathSelect6, Rib6, Route6 } from './in6_rtable.js'

/** The table never looks at a route's interface; one object stands for it. */
const IFP = { name: 'epair0a' } as unknown as Ifnet

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
    return s / 2 ** 32
  }
}

function bruteLpm(routes: readonly Route6[], key: Uint8Array): Route6 | null {
  let best: Route6 | null = null
  for (const r of routes)
    if (in6PrefixEq(r.dst, 0, key, 0, r.prefixLen) && (best === null || r.prefixLen > best.prefixLen))
      best = r
  return best
}

test('lookups match a brute-force LPM while routes come and go (cache invalidated on every change)', () => {
  const rand = rng(7)
  const rib = new Rib6()
  const live: Route6[] = []
  // Few distinct leading bytes, so prefixes nest and keys collide in the cache's 16 slots.
  const addr = () => {
    const a = new Uint8Array(16)
    a[0] = 0x20
    a[1] = 0x01
    for (let i = 2; i < 16; i++) a[i] = rand() < 0.7 ? 0 : Math.floor(rand() * 4)
    return a
  }
  const keys = Array.from({ length: 64 }, addr)
  const lens = [0, 16, 32, 48, 56, 64, 96, 127, 128]
  for (let step = 0; step < 3000; step++) {
    if (live.length > 0 && rand() < 0.4) {
      const r = live.splice(Math.floor(rand() * live.length), 1)[0]!
      assert.equal(rib.remove(r), true)
    } else {
      const r = new Route6(
        keys[Math.floor(rand() * keys.length)]!,
        lens[Math.floor(rand() * lens.length)]!,
        null,
        IFP,
        null,
        0,
      )
      if (rib.get(r.dst, r.prefixLen) === undefined) {
        rib.add(r)
        live.push(r)
      }
    }
    for (let i = 0; i < 8; i++) {
      const k = keys[Math.floor(rand() * keys.length)]!
      assert.equal(rib.lookup(k), bruteLpm(live, k), `step ${step}`)
    }
  }
  assert.equal(rib.size, live.length)
})

/** A gateway route to 2001:db8:9::/64 via 2001:db8::N on ifp. */
function via(n: number, ifp: Ifnet = IFP, weight = 1): Route6 {
  const dst = new Uint8Array(16)
  dst.set([0x20, 0x01, 0x0d, 0xb8, 0, 9])
  const gw = new Uint8Array(16)
  gw.set([0x20, 0x01, 0x0d, 0xb8])
  gw[15] = n
  const r = new Route6(dst, 64, gw, ifp, null, RTF.UP | RTF.GATEWAY | RTF.STATIC)
  r.weight = weight
  return r
}

test('multipath: paths join a group only with multipath and a new gateway; removing the head leaves its heir', () => {
  const rib = new Rib6()
  const a = via(1)
  const b = via(2)
  const c = via(3)
  rib.add(a, true)
  assert.throws(() => rib.add(via(2)), { code: 'EEXIST' }, 'without multipath a second gateway is EEXIST')
  rib.add(b, true)
  assert.throws(() => rib.add(via(2), true), { code: 'EEXIST' }, 'the same gateway twice')
  const direct = new Route6(a.dst, 64, null, IFP, null, RTF.UP)
  assert.throws(() => rib.add(direct, true), { code: 'EEXIST' }, 'an interface route never joins a group')
  rib.add(c, true)
  assert.equal(rib.size, 3)
  assert.deepEqual(rib.list(), [a, b, c])
  assert.equal(rib.lookup(a.dst), a)
  assert.equal(rib.pathVia(a, c.gateway!), c)
  // A middle path goes alone.
  assert.equal(rib.remove(b), true)
  assert.deepEqual(rib.list(), [a, c])
  assert.equal(rib.remove(b), false, 'removed once')
  // The head goes: the next path answers lookups in its place.
  assert.equal(rib.remove(a), true)
  assert.equal(rib.lookup(a.dst), c)
  assert.equal(rib.get(a.dst, 64), c)
  assert.equal(c.mpNext, null)
  assert.equal(rib.remove(c), true)
  assert.equal(rib.lookup(a.dst), null)
  assert.equal(rib.size, 0)
})

test('multipath: mpathSelect6 shares flows by weight and a hash keeps to its path', () => {
  const rib = new Rib6()
  const a = via(1, IFP, 1)
  const b = via(2, IFP, 3)
  rib.add(a, true)
  rib.add(b, true)
  const head = rib.lookup(a.dst)!
  assert.equal(mpathSelect6(via(9), 12345).gateway![15], 9, 'an ordinary route is its own path')
  let toB = 0
  const rand = rng(11)
  for (let i = 0; i < 4000; i++) {
    const h = Math.floor(rand() * 2 ** 32) | 0
    const p = mpathSelect6(head, h)
    assert.equal(mpathSelect6(head, h), p)
    if (p === b) toB++
  }
  assert.ok(toB > 2700 && toB < 3300, `weight 3 of 4 takes about 3000 of 4000 flows: ${toB}`)
})

test('multipath: the route limit counts every path', () => {
  const rib = new Rib6()
  rib.maxRoutes = 2
  rib.add(via(1), true)
  rib.add(via(2), true)
  assert.throws(() => rib.add(via(3), true), { code: 'ENOBUFS' })
  assert.equal(rib.size, 2)
})
