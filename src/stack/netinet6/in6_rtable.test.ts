/**
 * The inet6 FIB against a brute-force longest-prefix match: random prefixes added and removed while
 * the same destinations are looked up again and again, so every answer the lookup cache gives after
 * a change is checked against the table as it now is.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { in6PrefixEq } from '../../wire/inet6/in6_addr.js'
import type { Ifnet } from '../net/ifnet.js'
import { Rib6, Route6 } from './in6_rtable.js'

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
