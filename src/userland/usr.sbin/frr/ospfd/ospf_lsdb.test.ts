/**
 * ospfd's link-state database: its indexes (by advertising router, router id, network id) follow
 * every install, replacement and removal (an advertising router's few entries in an array, many in a
 * Map, counts by type), lookups by numbers find what the key map holds, and the
 * age scan's due time is the earliest LSRefreshTime/MaxAge of what is in it.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  buildLsa,
  externalLsaBody,
  INITIAL_SEQ,
  Link,
  LS_REFRESH_TIME,
  LsType,
  MAX_AGE,
  networkLsaBody,
  OPT_E,
  routerLsaBody,
} from '../../../../wire/routing/ospf.js'
import { Lsdb, SEC_NS } from './ospf_lsdb.js'

const rtr = (rid: number, seq = INITIAL_SEQ, age = 0) =>
  buildLsa(
    { age, options: OPT_E, type: LsType.ROUTER, id: rid, advRtr: rid, seq },
    routerLsaBody(0, [{ id: 0x0a000000, data: 0xffffff00, type: Link.STUB, metric: 10 }]),
  )
const net = (id: number, dr: number, age = 0) =>
  buildLsa(
    { age, options: OPT_E, type: LsType.NETWORK, id, advRtr: dr, seq: INITIAL_SEQ },
    networkLsaBody(0xffffff00, [dr, 0x02020202]),
  )

/** Entries in an index slot (an array or a Map). */
const count = (x: { values(): Iterable<unknown> } | undefined): number =>
  x === undefined ? 0 : [...x.values()].length

describe('Lsdb indexes', () => {
  test('install, replace and delete keep every index in step with the key map', () => {
    const db = new Lsdb(100)
    const a = db.install(rtr(0x01010101), 0)!
    db.install(net(0x0a000001, 0x01010101), 0)
    db.install(rtr(0xc0a80001), 0)
    assert.equal(db.size, 3)
    assert.equal(db.get(LsType.ROUTER, 0x01010101, 0x01010101), a)
    assert.equal(db.routers.get(0x01010101), a)
    assert.equal(db.routers.get(0xc0a80001)!.lsa.hdr.advRtr >>> 0, 0xc0a80001)
    assert.equal(count(db.byAdv.get(0x01010101)), 2)
    assert.equal(count(db.networks.get(0x0a000001)), 1)
    assert.deepEqual(
      [db.countOf(LsType.ROUTER), db.countOf(LsType.NETWORK), db.countOf(LsType.SUMMARY)],
      [2, 1, 0],
    )
    // A newer instance replaces the old one everywhere.
    const b = db.install(rtr(0x01010101, INITIAL_SEQ + 1), 5)!
    assert.equal(db.size, 3)
    assert.equal(db.countOf(LsType.ROUTER), 2)
    assert.equal(db.get(LsType.ROUTER, 0x01010101, 0x01010101), b)
    assert.equal(db.routers.get(0x01010101), b)
    assert.equal(count(db.byAdv.get(0x01010101)), 2)
    db.delete(LsType.NETWORK, 0x0a000001, 0x01010101)
    assert.equal(db.networks.has(0x0a000001), false)
    assert.equal(db.get(LsType.NETWORK, 0x0a000001, 0x01010101), undefined)
    assert.equal(db.countOf(LsType.NETWORK), 0)
    db.delete(LsType.ROUTER, 0x01010101, 0x01010101)
    assert.equal(db.routers.has(0x01010101), false)
    assert.equal(db.byAdv.has(0x01010101), false)
    assert.equal(db.size, 1)
    assert.equal(db.countOf(LsType.ROUTER), 1)
    db.clear()
    assert.equal(db.size + db.routers.size + db.byAdv.size + db.networks.size, 0)
    assert.equal(db.countOf(LsType.ROUTER), 0)
  })

  test('update writes a newer instance into the entry: the same object in every index, its age and parse new', () => {
    const db = new Lsdb(100)
    const a = db.install(rtr(0x01010101), 0)!
    db.install(net(0x0a000001, 0x01010101), 0)
    const newer = buildLsa(
      {
        age: 7,
        options: OPT_E,
        type: LsType.ROUTER,
        id: 0x01010101,
        advRtr: 0x01010101,
        seq: INITIAL_SEQ + 1,
      },
      routerLsaBody(0, [
        { id: 0x0a000001, data: 0x0a000002, type: Link.TRANSIT, metric: 10 },
        { id: 0x0b000000, data: 0xffffff00, type: Link.STUB, metric: 20 },
      ]),
    )
    const got = db.update(a, newer, 9 * SEC_NS)
    assert.equal(got, a)
    assert.equal(a.lsa, newer)
    assert.equal(a.rcvAge, 7)
    assert.equal(a.rcvTime, 9 * SEC_NS)
    assert.deepEqual(
      a.router?.links.map((l) => l.type),
      [Link.TRANSIT, Link.STUB],
    )
    assert.equal(db.get(LsType.ROUTER, 0x01010101, 0x01010101), a)
    assert.equal(db.routers.get(0x01010101), a)
    assert.equal(db.size, 2)
    assert.equal(count(db.byAdv.get(0x01010101)), 2)
    assert.equal(db.countOf(LsType.ROUTER), 1)
    // A MaxAge instance written in is due for the age scan at once.
    db.update(a, { hdr: { ...newer.hdr, age: MAX_AGE }, data: newer.data }, 12 * SEC_NS)
    assert.equal(db.dueAt, 12 * SEC_NS)
  })

  test('many LSAs of one advertising router: each found by numbers, in order, before and after removals', () => {
    const db = new Lsdb(100)
    const ext = (k: number, seq = 1) =>
      buildLsa(
        { age: 0, options: OPT_E, type: LsType.EXTERNAL, id: 0xac100000 + k * 256, advRtr: 0x03030303, seq },
        externalLsaBody(0xffffff00, true, 20, 0, 0),
      )
    const got = Array.from({ length: 20 }, (_, k) => db.install(ext(k), 0)!)
    // Replacing one past the switch to a Map keeps its place.
    got[3] = db.install(ext(3, 2), 0)!
    assert.equal(count(db.byAdv.get(0x03030303)), 20)
    for (let k = 0; k < 20; k++)
      assert.equal(db.get(LsType.EXTERNAL, 0xac100000 + k * 256, 0x03030303), got[k])
    assert.deepEqual([...db.byAdv.get(0x03030303)!.values()], got)
    for (let k = 0; k < 20; k += 2) db.delete(LsType.EXTERNAL, 0xac100000 + k * 256, 0x03030303)
    for (let k = 0; k < 20; k++)
      assert.equal(
        db.get(LsType.EXTERNAL, 0xac100000 + k * 256, 0x03030303),
        k % 2 === 0 ? undefined : got[k],
      )
    for (let k = 1; k < 20; k += 2) db.delete(LsType.EXTERNAL, 0xac100000 + k * 256, 0x03030303)
    assert.equal(db.byAdv.has(0x03030303), false)
    assert.equal(db.size, 0)
  })

  test('the age scan is due at the earliest LSRefreshTime or MaxAge, and at once for a MaxAge LSA', () => {
    const db = new Lsdb(100)
    assert.equal(db.dueAt, Number.POSITIVE_INFINITY)
    db.install(rtr(0x01010101, INITIAL_SEQ, 100), 7 * SEC_NS)
    assert.equal(db.dueAt, 7 * SEC_NS + (LS_REFRESH_TIME - 100) * SEC_NS)
    const first = 7 * SEC_NS + (LS_REFRESH_TIME - 100) * SEC_NS
    // Past LSRefreshTime already: due when it reaches MaxAge, later than the first.
    db.install(rtr(0x02020202, INITIAL_SEQ, LS_REFRESH_TIME + 10), 0)
    assert.equal(db.dueAt, first)
    db.deleteKey([...db.map.keys()][0]!)
    db.recomputeDue()
    assert.equal(db.dueAt, (MAX_AGE - LS_REFRESH_TIME - 10) * SEC_NS)
    db.install(net(0x0a000001, 0x02020202, MAX_AGE), 3 * SEC_NS)
    assert.equal(db.dueAt, 3 * SEC_NS)
    db.delete(LsType.NETWORK, 0x0a000001, 0x02020202)
    db.recomputeDue()
    assert.equal(db.dueAt, (MAX_AGE - LS_REFRESH_TIME - 10) * SEC_NS)
  })
})
