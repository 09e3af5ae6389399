/**
 * Best-path selection step by step in FRR's order, and the attributes a path carries out to eBGP and
 * iBGP peers (RFC 4271 §5.1, §9.1): each test changes one thing between two otherwise equal paths.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AS_SEQUENCE, AS_SET, type PathAttrs } from '../../../../wire/routing/bgp.js'
import {
  type BgpPath,
  comparePaths,
  exportAttrs,
  hasLoop,
  type PathSource,
  type RibEntry,
  selectBest,
  WEIGHT_LOCAL,
} from './bgp_rib.js'

function attrs(over: Partial<PathAttrs> = {}): PathAttrs {
  return {
    origin: 0,
    asPath: [{ type: AS_SEQUENCE, asns: [65002] }],
    nextHop: 0x0a000002,
    med: null,
    localPref: null,
    atomicAggregate: false,
    aggregator: null,
    unknown: [],
    ...over,
  }
}

function peer(over: Partial<PathSource> = {}): PathSource {
  return { addr: 0x0a000002, remoteId: 0x02020202, remoteAs: 65002, ibgp: false, ...over }
}

function path(over: Partial<BgpPath> = {}, a: Partial<PathAttrs> = {}, p: Partial<PathSource> = {}): BgpPath {
  return { peer: peer(p), attrs: attrs(a), weight: 0, since: 0, valid: true, gw: 0x0a000002, ...over }
}

/** a must win over b, whichever comes first. */
function wins(a: BgpPath, b: BgpPath, why: string): void {
  assert.ok(comparePaths(a, b) < 0, why)
  assert.ok(comparePaths(b, a) > 0, why)
  const e: RibEntry = { addr: 0, len: 0, paths: [b, a], best: null }
  selectBest(e)
  assert.equal(e.best, a, why)
}

test('each step of the decision, in order', () => {
  wins(path({ weight: 10 }, { asPath: [{ type: AS_SEQUENCE, asns: [1, 2, 3] }] }), path(), 'weight first')
  wins(
    path({}, { localPref: 200, asPath: [{ type: AS_SEQUENCE, asns: [1, 2] }] }),
    path({}, { localPref: 150 }),
    'local preference',
  )
  wins(path({}, { localPref: null }), path({}, { localPref: 99 }), 'missing LOCAL_PREF is the default 100')
  const local: BgpPath = { ...path({ weight: 0 }, { asPath: [] }), peer: null }
  wins(local, path({}, { asPath: [] }), 'locally originated')
  wins(
    path({}, { asPath: [{ type: AS_SEQUENCE, asns: [1] }] }),
    path({}, { asPath: [{ type: AS_SEQUENCE, asns: [1, 2] }] }),
    'shorter AS path',
  )
  wins(
    path(
      {},
      {
        asPath: [
          { type: AS_SEQUENCE, asns: [1] },
          { type: AS_SET, asns: [5, 6, 7] },
        ],
      },
    ),
    path({}, { asPath: [{ type: AS_SEQUENCE, asns: [1, 2, 3] }] }),
    'an AS_SET counts one',
  )
  wins(path({}, { origin: 0 }), path({}, { origin: 2 }), 'IGP over incomplete')
  wins(
    path({}, { med: 5 }, { addr: 9, remoteId: 9 }),
    path({}, { med: 10 }, { addr: 1, remoteId: 1 }),
    'lower MED, same neighbour AS',
  )
  // MED from different neighbouring ASes is not compared: the router id decides.
  wins(
    path({}, { med: 50, asPath: [{ type: AS_SEQUENCE, asns: [65003] }] }, { remoteId: 1 }),
    path({}, { med: 10, asPath: [{ type: AS_SEQUENCE, asns: [65004] }] }, { remoteId: 2 }),
    'MED only within one neighbouring AS',
  )
  wins(
    path({}, {}, { ibgp: false, remoteId: 9 }),
    path({}, { localPref: 100 }, { ibgp: true, remoteId: 1 }),
    'eBGP over iBGP',
  )
  wins(path({}, {}, { remoteId: 1, addr: 9 }), path({}, {}, { remoteId: 2, addr: 1 }), 'lowest router id')
  wins(path({}, {}, { addr: 1 }), path({}, {}, { addr: 2 }), 'lowest peer address')
  assert.equal(WEIGHT_LOCAL, 32768)
})

test('a path whose next hop does not resolve is never best; none valid leaves no best', () => {
  const good = path({ weight: 0 }, {}, { addr: 2 })
  const bad = path({ weight: 100, valid: false }, {}, { addr: 1 })
  const e: RibEntry = { addr: 0, len: 0, paths: [bad, good], best: null }
  assert.equal(selectBest(e), true)
  assert.equal(e.best, good)
  good.valid = false
  assert.equal(selectBest(e), true)
  assert.equal(e.best, null)
})

test('export: eBGP prepends our AS, next hop self, drops LOCAL_PREF and a foreign MED', () => {
  const p = path({}, { med: 7, localPref: 300, asPath: [{ type: AS_SEQUENCE, asns: [65002, 65005] }] })
  const out = exportAttrs(
    p,
    { addr: 0x0b000001, ibgp: false, nextHopSelf: false, localAddr: 0x0b000002, localPref: 100 },
    65001,
  )
  assert.ok(out !== null)
  assert.deepEqual(out.asPath, [{ type: AS_SEQUENCE, asns: [65001, 65002, 65005] }])
  assert.equal(out.nextHop, 0x0b000002)
  assert.equal(out.localPref, null)
  assert.equal(out.med, null)
  // Our own path keeps its MED; a path starting with an AS_SET gets a new sequence in front.
  const local: BgpPath = { ...path({}, { med: 0, asPath: [{ type: AS_SET, asns: [1, 2] }] }), peer: null }
  const o2 = exportAttrs(
    local,
    { addr: 0x0b000001, ibgp: false, nextHopSelf: false, localAddr: 5, localPref: 100 },
    65001,
  )!
  assert.equal(o2.med, 0)
  assert.deepEqual(o2.asPath, [
    { type: AS_SEQUENCE, asns: [65001] },
    { type: AS_SET, asns: [1, 2] },
  ])
})

test('export: iBGP keeps next hop and path, adds LOCAL_PREF; iBGP-learned never goes to iBGP; never back to its source', () => {
  const ebgpLearned = path({}, {}, { ibgp: false })
  const to = { addr: 0x0c000001, ibgp: true, nextHopSelf: false, localAddr: 0x0c000002, localPref: 150 }
  const out = exportAttrs(ebgpLearned, to, 65001)!
  assert.equal(out.nextHop, 0x0a000002)
  assert.equal(out.localPref, 150)
  assert.deepEqual(out.asPath, [{ type: AS_SEQUENCE, asns: [65002] }])
  assert.equal(exportAttrs(ebgpLearned, { ...to, nextHopSelf: true }, 65001)!.nextHop, 0x0c000002)
  const ibgpLearned = path({}, { localPref: 120 }, { ibgp: true, remoteAs: 65001 })
  assert.equal(exportAttrs(ibgpLearned, to, 65001), null)
  assert.equal(exportAttrs(ebgpLearned, { ...to, addr: 0x0a000002 }, 65001), null)
  // To eBGP it goes, with our AS in front.
  const e = exportAttrs(ibgpLearned, { ...to, ibgp: false }, 65001)!
  assert.deepEqual(e.asPath[0]!.asns, [65001, 65002])
})

test('AS path loop detection', () => {
  assert.equal(hasLoop([{ type: AS_SEQUENCE, asns: [1, 65001, 3] }], 65001), true)
  assert.equal(hasLoop([{ type: AS_SET, asns: [65001] }], 65001), true)
  assert.equal(hasLoop([{ type: AS_SEQUENCE, asns: [1, 2] }], 65001), false)
})
