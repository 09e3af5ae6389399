/**
 * ospfd's link-state database: its indexes (by advertising router, router id, network id) follow
 * every install, replacement and removal, lookups by numbers find what the key map holds, and the
 * age scan's due time is the earliest LSRefreshTime/MaxAge of what is in it.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  buildLsa,
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
    assert.equal(db.byAdv.get(0x01010101)?.size, 2)
    assert.equal(db.networks.get(0x0a000001)?.size, 1)
    // A newer instance replaces the old one everywhere.
    const b = db.install(rtr(0x01010101, INITIAL_SEQ + 1), 5)!
    assert.equal(db.size, 3)
    assert.equal(db.get(LsType.ROUTER, 0x01010101, 0x01010101), b)
    assert.equal(db.routers.get(0x01010101), b)
    assert.equal(db.byAdv.get(0x01010101)?.size, 2)
    db.delete(LsType.NETWORK, 0x0a000001, 0x01010101)
    assert.equal(db.networks.has(0x0a000001), false)
    assert.equal(db.get(LsType.NETWORK, 0x0a000001, 0x01010101), undefined)
    db.delete(LsType.ROUTER, 0x01010101, 0x01010101)
    assert.equal(db.routers.has(0x01010101), false)
    assert.equal(db.byAdv.has(0x01010101), false)
    assert.equal(db.size, 1)
    db.clear()
    assert.equal(db.size + db.routers.size + db.byAdv.size + db.networks.size, 0)
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
