/**
 * OSPFv3 LSA bodies on the wire: an annotated Inter-Area-Router-LSA fixture (RFC 5340 §A.4.6), its
 * round trip through buildLsa6 and the Fletcher checksum, short bodies refused by the body check;
 * and the V bit and virtual link type of a Router-LSA (§A.4.3).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseIpv4 } from '../addr.js'
import { lsaChecksumOk } from './ospf.js'
import {
  buildLsa6,
  interRouter6Body,
  Link6,
  Ls6Type,
  lsa6BodyOk,
  OPTIONS6,
  parseInterRouter6,
  parseRouter6,
  RTR6_B,
  RTR6_V,
  router6Body,
} from './ospf6.js'

const ip = (s: string) => parseIpv4(s)!

test('Inter-Area-Router-LSA: options, metric and destination Router ID (§A.4.6)', () => {
  const b = interRouter6Body(OPTIONS6, 0x010203, ip('1.1.1.1'))
  // 0 | options (V6 E R = 0x000013) | 0 | metric 0x010203 | destination 1.1.1.1
  assert.deepEqual([...b], [0, 0, 0, 0x13, 0, 1, 2, 3, 1, 1, 1, 1])
  const lsa = buildLsa6(
    { age: 0, type: Ls6Type.INTER_ROUTER, id: ip('1.1.1.1'), advRtr: ip('2.2.2.2'), seq: -0x7fffffff },
    b,
  )
  assert.equal(lsa.data.length, 32)
  assert.ok(lsaChecksumOk(lsa.data))
  assert.ok(lsa6BodyOk(lsa))
  assert.deepEqual(parseInterRouter6(lsa.data), {
    options: OPTIONS6,
    metric: 0x010203,
    destRid: ip('1.1.1.1'),
  })
  const short = { hdr: { ...lsa.hdr, length: 28 }, data: lsa.data.subarray(0, 28) }
  assert.equal(parseInterRouter6(short.data), null)
  assert.equal(lsa6BodyOk(short), false)
})

test('Router-LSA: the V and B bits and a virtual link (type 4)', () => {
  const body = router6Body(RTR6_V | RTR6_B, [
    { type: Link6.VIRTUAL, metric: 20, ifId: 0x40000000, nbrIfId: 0x40000001, nbrRid: ip('4.4.4.4') },
  ])
  assert.equal(body[0], 5)
  assert.deepEqual([...body.subarray(4, 8)], [4, 0, 0, 20])
  const lsa = buildLsa6({ age: 0, type: Ls6Type.ROUTER, id: 0, advRtr: ip('2.2.2.2'), seq: 1 }, body)
  const r = parseRouter6(lsa.data)
  assert.deepEqual(r, {
    flags: RTR6_V | RTR6_B,
    links: [{ type: 4, metric: 20, ifId: 0x40000000, nbrIfId: 0x40000001, nbrRid: ip('4.4.4.4') }],
  })
})
