/**
 * The LSA cache shared by a lab's ospfd processes: the same bytes give the same object (checked and
 * parsed once), any other bytes — another age, a flipped bit, a cut — give their own; a bad LSA is
 * never reported good however often it comes; the table starts over past its limit; and two
 * engines sharing one cache still reach Full and route as two with their own.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parseIpv4 } from '../../../../wire/addr.js'
import {
  buildLsa,
  emitOspf,
  Link,
  LsType,
  lsaKey,
  lsuBody,
  OPT_E,
  OspfType,
  parseOspf,
  parseRouterLsa,
  routerLsaBody,
  withAge,
} from '../../../../wire/routing/ospf.js'
import { OspfEngine } from './ospf_engine.js'
import { LsaCache, lsaFacts } from './ospf_lsa_cache.js'
import { routeKey } from './ospf_spf.js'
import type { IfDesc } from './ospf_types.js'

const ip = (s: string): number => parseIpv4(s)!

const lsa = buildLsa(
  { age: 3, options: OPT_E, type: LsType.ROUTER, id: ip('1.1.1.1'), advRtr: ip('1.1.1.1'), seq: 5 },
  routerLsaBody(0, [
    { id: ip('10.0.0.2'), data: ip('10.0.0.1'), type: Link.TRANSIT, metric: 10 },
    { id: ip('10.0.1.0'), data: ip('255.255.255.0'), type: Link.STUB, metric: 10 },
  ]),
)

/** The LSAs of one update as a router receives them, through the cache. */
function received(cache: LsaCache, lsas: Parameters<typeof lsuBody>[0]) {
  const p = parseOspf(emitOspf(OspfType.LSU, 9, 0, lsuBody(lsas)), (b, off, len) => cache.lsa(b, off, len))
  assert.ok(p.ok && p.body.type === 4)
  return p.body.lsas
}

test('the same bytes are one object, checked and parsed once; other bytes are their own', () => {
  const cache = new LsaCache()
  const [a] = received(cache, [lsa])
  const [b] = received(cache, [lsa])
  assert.equal(a, b)
  assert.notEqual(a, lsa, "a copy of the packet, not the sender's object")
  assert.deepEqual(a!.data, lsa.data)
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a!.hdr))
  assert.equal(cache.factsOf(a!), cache.factsOf(b!))
  assert.ok(cache.factsOf(a!).ok)
  assert.deepEqual(cache.factsOf(a!).router, parseRouterLsa(lsa.data))
  // Another age (one more hop): its own object, though the contents are the same.
  const [older] = received(cache, [withAge(lsa, 4)])
  assert.notEqual(older, a)
  assert.equal(older!.hdr.age, 4)
  assert.equal(cache.hits, 1)
  assert.equal(cache.misses, 2)
  // Both instances, and an acknowledgment's header, are keyed by one string object.
  assert.equal(cache.factsOf(older!).key, cache.factsOf(a!).key)
  const k = cache.keyOf(lsa.hdr.type, lsa.hdr.id, lsa.hdr.advRtr)
  assert.equal(k, cache.factsOf(a!).key)
  assert.equal(k, lsaKey(lsa.hdr.type, lsa.hdr.id, lsa.hdr.advRtr))
  assert.notEqual(cache.keyOf(LsType.NETWORK, lsa.hdr.id, lsa.hdr.advRtr), k)
})

test('a changed byte is never handed out as the good LSA, nor ever reported good', () => {
  fc.assert(
    // Any byte but the age and the length (which would cut the update differently).
    fc.property(
      fc.integer({ min: 2, max: lsa.data.length - 3 }),
      fc.integer({ min: 1, max: 255 }),
      (i, x) => {
        const at = i < 18 ? i : i + 2
        const cache = new LsaCache()
        const [good] = received(cache, [lsa])
        const bad = { hdr: lsa.hdr, data: lsa.data.slice() }
        bad.data[at] = bad.data[at]! ^ x
        for (let k = 0; k < 2; k++) {
          const [got] = received(cache, [bad])
          assert.notEqual(got, good)
          assert.deepEqual(got!.data, bad.data)
          assert.equal(cache.factsOf(got!).ok, lsaFacts(got!).ok)
        }
        assert.ok(cache.factsOf(good!).ok)
      },
    ),
    { numRuns: 300 },
  )
})

test('past its limit the table starts over; what was handed out stays as it was', () => {
  const cache = new LsaCache(4)
  const seen = []
  for (let seq = 1; seq <= 10; seq++) {
    const l = buildLsa({ ...lsa.hdr, seq }, lsa.data.subarray(20))
    const [got] = received(cache, [l])
    seen.push(got!)
    assert.deepEqual(got!.data, l.data)
  }
  // The last ones are still shared; the first ones were forgotten and come back as new objects.
  const [again] = received(cache, [buildLsa({ ...lsa.hdr, seq: 10 }, lsa.data.subarray(20))])
  assert.equal(again, seen[9])
  const [first] = received(cache, [buildLsa({ ...lsa.hdr, seq: 1 }, lsa.data.subarray(20))])
  assert.notEqual(first, seen[0])
  assert.deepEqual(first!.data, seen[0]!.data)
})

test('two engines sharing one cache reach Full and route to each other', () => {
  const cache = new LsaCache()
  const ifd = (name: string, addr: string): IfDesc => ({
    name,
    addr: ip(addr),
    len: 24,
    area: 0,
    type: 'point-to-point',
    cost: 10,
    hello: 10,
    dead: 40,
    retransmit: 5,
    priority: 1,
    passive: false,
    mtu: 1500,
    ifindex: 1,
  })
  const queue: Array<{ to: OspfEngine; src: number; dst: number; pkt: Uint8Array }> = []
  let seed = 3
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0)
  const a: OspfEngine = new OspfEngine({
    send: (i, dst, pkt) => queue.push({ to: b, src: i.addr, dst, pkt }),
    random,
    lsaCache: cache,
  })
  const b: OspfEngine = new OspfEngine({
    send: (i, dst, pkt) => queue.push({ to: a, src: i.addr, dst, pkt }),
    random,
    lsaCache: cache,
  })
  a.setRouterId(ip('1.1.1.1'))
  b.setRouterId(ip('2.2.2.2'))
  a.setInterfaces([ifd('e0', '10.0.0.1'), { ...ifd('lo1', '192.168.1.1'), type: 'loopback' }], 0)
  b.setInterfaces([ifd('e0', '10.0.0.2'), { ...ifd('lo1', '192.168.2.1'), type: 'loopback' }], 0)
  let now = 0
  while (now <= 60e9) {
    a.tick(now)
    b.tick(now)
    while (queue.length > 0) {
      const m = queue.shift()!
      m.to.input(m.pkt, m.src, m.dst, 'e0', now)
    }
    now = Math.min(a.nextTimer(), b.nextTimer(), 60e9 + 1)
  }
  assert.equal(a.routes.get(routeKey(ip('192.168.2.1'), 32))?.nextHops[0]?.gw, ip('10.0.0.2'))
  assert.equal(b.routes.get(routeKey(ip('192.168.1.1'), 32))?.nextHops[0]?.gw, ip('10.0.0.1'))
  assert.ok(cache.misses > 0)
})
