/**
 * ripd's table on a manual clock (RFC 2453 §3.9): learning and updating routes, the 180 s timeout
 * and 120 s garbage collection, metric 16, a better route from another neighbour, our own routes
 * winning, split horizon with and without poisoned reverse, bad entries counted, the table bound.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseIpv4, prefixToMask } from '../../../../wire/addr.js'
import type { RipEntry } from '../../../../wire/routing/rip.js'
import { type FibSink, type RipIface, RipRib, type RipRoute, SEC_NS } from './rip_rib.js'

const ip = (s: string): number => parseIpv4(s)!
const S = SEC_NS

function fib(): FibSink & { log: string[] } {
  const log: string[] = []
  return {
    log,
    install: (r: RipRoute) => void log.push(`+${r.addr.toString(16)}/${r.len} via ${r.nextHop.toString(16)}`),
    uninstall: (r: RipRoute) => void log.push(`-${r.addr.toString(16)}/${r.len}`),
  }
}

const eth0: RipIface = {
  name: 'eth0',
  addrs: [{ addr: ip('10.0.0.1'), len: 24 }],
  passive: false,
  poison: false,
  splitHorizon: true,
}
const eth1: RipIface = { ...eth0, name: 'eth1', addrs: [{ addr: ip('10.0.1.1'), len: 24 }] }

function entry(prefix: string, metric: number, nextHop = 0): RipEntry {
  const [a, l] = prefix.split('/')
  return { afi: 2, tag: 0, addr: ip(a!), mask: prefixToMask(Number(l)), nextHop: nextHop, metric }
}

const N2 = ip('10.0.0.2')
const N3 = ip('10.0.0.3')

describe('ripd routing table', () => {
  test('a learned route: installed with metric+1, refreshed, timed out at 180 s, deleted 120 s later', () => {
    const f = fib()
    const rib = new RipRib(f)
    rib.response(eth0, N2, 2, [entry('192.168.5.0/24', 1)], 0)
    const r = rib.routes.get(`${ip('192.168.5.0')}/24`)!
    assert.equal(r.metric, 2)
    assert.equal(r.nextHop, N2)
    assert.deepEqual(f.log, ['+c0a80500/24 via a000002'])
    assert.ok(rib.pendingTrigger)
    // Refreshed at 100 s: the timeout moves to 280 s.
    rib.response(eth0, N2, 2, [entry('192.168.5.0/24', 1)], 100 * S)
    rib.tick(279 * S)
    assert.equal(r.metric, 2)
    rib.tick(280 * S)
    assert.equal(r.metric, 16)
    assert.deepEqual(f.log, ['+c0a80500/24 via a000002', '-c0a80500/24'])
    // Still announced (as unreachable) until garbage collection.
    assert.equal(rib.updateFor(eth1, false)[0]!.metric, 16)
    rib.tick(399 * S)
    assert.equal(rib.routes.size, 1)
    rib.tick(400 * S)
    assert.equal(rib.routes.size, 0)
  })

  test('metric 16 from the same neighbour starts deletion at once; a better one from another switches', () => {
    const f = fib()
    const rib = new RipRib(f)
    rib.response(eth0, N2, 2, [entry('192.168.5.0/24', 3)], 0)
    rib.response(eth0, N3, 2, [entry('192.168.5.0/24', 5)], 1 * S)
    const r = rib.routes.get(`${ip('192.168.5.0')}/24`)!
    assert.equal(r.from, N2, 'a worse route from someone else changes nothing')
    rib.response(eth0, N3, 2, [entry('192.168.5.0/24', 1)], 2 * S)
    assert.equal(r.from, N3)
    assert.equal(r.metric, 2)
    rib.response(eth0, N3, 2, [entry('192.168.5.0/24', 16)], 3 * S)
    assert.equal(r.metric, 16)
    assert.equal(r.gcAt, 123 * S)
    // During garbage collection any live route replaces it.
    rib.response(eth0, N2, 2, [entry('192.168.5.0/24', 7)], 4 * S)
    assert.equal(r.metric, 8)
    assert.equal(r.gcAt, Number.POSITIVE_INFINITY)
  })

  test('a next hop on the interface network is used; one elsewhere means the sender', () => {
    const rib = new RipRib(fib())
    rib.response(
      eth0,
      N2,
      2,
      [entry('192.168.5.0/24', 1, ip('10.0.0.9')), entry('192.168.6.0/24', 1, ip('8.8.8.8'))],
      0,
    )
    assert.equal(rib.routes.get(`${ip('192.168.5.0')}/24`)!.nextHop, ip('10.0.0.9'))
    assert.equal(rib.routes.get(`${ip('192.168.6.0')}/24`)!.nextHop, N2)
  })

  test('our own routes are never replaced, and leave through the deletion process', () => {
    const f = fib()
    const rib = new RipRib(f)
    rib.syncLocal([{ addr: ip('10.0.0.0'), len: 24, origin: 'connected', ifName: 'eth0', metric: 1 }], 0)
    rib.response(eth0, N2, 2, [entry('10.0.0.0/24', 1)], 0)
    assert.equal(rib.routes.get(`${ip('10.0.0.0')}/24`)!.origin, 'connected')
    assert.deepEqual(f.log, [])
    rib.syncLocal([], 5 * S)
    assert.equal(rib.routes.get(`${ip('10.0.0.0')}/24`)!.metric, 16)
  })

  test('split horizon leaves out what eth0 taught us; poisoned reverse sends it as 16; others get it', () => {
    const rib = new RipRib(fib())
    rib.syncLocal([{ addr: ip('10.0.1.0'), len: 24, origin: 'connected', ifName: 'eth1', metric: 1 }], 0)
    rib.response(eth0, N2, 2, [entry('192.168.5.0/24', 1)], 0)
    const show = (es: RipEntry[]) => es.map((e) => `${e.addr.toString(16)}:${e.metric}`)
    assert.deepEqual(show(rib.updateFor(eth0, false)), ['a000100:1'])
    assert.deepEqual(show(rib.updateFor({ ...eth0, poison: true }, false)), ['a000100:1', 'c0a80500:16'])
    assert.deepEqual(show(rib.updateFor({ ...eth0, splitHorizon: false }, false)), [
      'a000100:1',
      'c0a80500:2',
    ])
    assert.deepEqual(show(rib.updateFor(eth1, false)), ['a000100:1', 'c0a80500:2'])
    rib.clearChanged()
    assert.deepEqual(rib.updateFor(eth1, true), [])
  })

  test('bad entries are counted and skipped; the rest of the message is used', () => {
    const rib = new RipRib(fib())
    const bad: RipEntry[] = [
      entry('127.0.0.0/8', 1),
      entry('224.0.0.0/4', 1),
      entry('192.168.5.0/24', 0),
      entry('192.168.5.0/24', 17),
      { ...entry('192.168.5.0/24', 1), mask: 0xff00ff00 },
      entry('192.168.5.1/24', 1),
      { ...entry('192.168.5.0/24', 1), afi: 7 },
    ]
    rib.response(
      eth0,
      N2,
      2,
      [...bad, entry('192.168.9.0/24', 1), { ...entry('0.0.0.0/0', 0), afi: 0xffff }],
      0,
    )
    assert.equal(rib.counters.badRoutes, bad.length)
    assert.deepEqual(
      [...rib.routes.values()].map((r) => r.addr),
      [ip('192.168.9.0')],
    )
  })

  test('version 1 entries take their class mask', () => {
    const rib = new RipRib(fib())
    rib.response(
      eth0,
      N2,
      1,
      [
        { ...entry('172.16.0.0/16', 1), mask: 0 },
        { ...entry('10.1.2.3/32', 1), mask: 0 },
      ],
      0,
    )
    assert.deepEqual(
      [...rib.routes.values()].map((r) => `${r.addr.toString(16)}/${r.len}`),
      ['ac100000/16', 'a010203/32'],
    )
  })

  test('the table is bounded: announcements past maxRoutes are counted and dropped', () => {
    const rib = new RipRib(fib())
    rib.maxRoutes = 10
    const many = Array.from({ length: 25 }, (_, i) => entry(`192.168.${i}.0/24`, 1))
    rib.response(eth0, N2, 2, many, 0)
    assert.equal(rib.routes.size, 10)
    assert.equal(rib.counters.tableFull, 15)
  })
})
