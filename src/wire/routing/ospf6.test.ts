/**
 * OSPFv3 LSA bodies on the wire: an annotated Inter-Area-Router-LSA fixture (RFC 5340 §A.4.6), its
 * round trip through buildLsa6 and the Fletcher checksum, short bodies refused by the body check;
 * the V bit and virtual link type of a Router-LSA (§A.4.3); and RFC 7166's Authentication Trailer
 * checked against node:crypto's HMAC with the RFC's Apad and key; an NSSA-LSA (§A.4.9) with its P
 * bit and forwarding address, its translation and a stub area's default Inter-Area-Prefix-LSA,
 * each with the Fletcher checksum FRR 8.4's ospf6d gave the same LSA.
 */

import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { test } from 'node:test'
import { parseIpv4 } from '../addr.js'
import { parseIpv6 } from '../inet6/in6_addr.js'
import { lsaChecksumOk } from './ospf.js'
import {
  buildLsa6,
  emitOspf6,
  external6Body,
  interPrefix6Body,
  interRouter6Body,
  Link6,
  Ls6Type,
  lsa6BodyOk,
  OPTIONS6,
  PFX_P,
  parseExternal6,
  parseInterRouter6,
  parseRouter6,
  RTR6_B,
  RTR6_V,
  router6Body,
} from './ospf6.js'
import { appendTrailer, checkTrailer, type Ospf6AuthKey, trailerLen } from './ospf6_auth.js'

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

test('Authentication Trailer (RFC 7166): header, Apad, the keyed digest, and what fails', () => {
  const src = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
  const pkt = emitOspf6(1, ip('1.1.1.1'), 0, 0, new Uint8Array(20))
  const k: Ospf6AuthKey = { keyId: 7, algo: 'hmac-sha-256', key: 'ospf6-key' }
  const out = appendTrailer(pkt, src, k, 5, 9)
  assert.equal(out.length, pkt.length + trailerLen(k))
  assert.equal(trailerLen(k), 48)
  const t = pkt.length
  // type 1 | length 48 | reserved | SA ID 7 | sequence 5:9
  assert.deepEqual([...out.subarray(t, t + 16)], [0, 1, 0, 48, 0, 0, 0, 7, 0, 0, 0, 5, 0, 0, 0, 9])
  // §4.5: the digest field as Apad (source address, then 0x878FE1F3 ...), a key of K || 0x0001
  // (shorter than the digest, so used as it is) under ordinary HMAC.
  const text = out.slice()
  text.set(src, t + 16)
  for (let j = 16; j < 32; j++) text[t + 16 + j] = [0x87, 0x8f, 0xe1, 0xf3][(j - 16) % 4]!
  const key = Buffer.concat([Buffer.from('ospf6-key'), Buffer.of(0, 1)])
  assert.deepEqual([...out.subarray(t + 16)], [...createHmac('sha256', key).update(text).digest()])
  assert.deepEqual(checkTrailer(out, t, src, k), { ok: true, hi: 5, lo: 9 })
  // The checksum the kernel fills in later is not covered.
  const ck = out.slice()
  ck[12] = 0xab
  assert.equal(checkTrailer(ck, t, src, k).ok, true)
  const fail = (b: Uint8Array, kk: Ospf6AuthKey, s = src) => {
    const r = checkTrailer(b, t, s, kk)
    return r.ok ? 'ok' : r.reason
  }
  assert.equal(fail(out, { ...k, key: 'other' }), 'auth-digest')
  assert.equal(fail(out, { ...k, keyId: 8 }), 'auth-key-id')
  assert.equal(fail(out, { ...k, algo: 'hmac-sha-1' }), 'auth-type')
  assert.equal(fail(out.subarray(0, t), k), 'auth-missing')
  assert.equal(
    fail(out, k, Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2)),
    'auth-digest',
  )
  const body = out.slice()
  body[20] = body[20]! ^ 1
  assert.equal(fail(body, k), 'auth-digest')
  // A key longer than the digest is hashed first (§4.5), unlike plain HMAC's block-size rule.
  const long: Ospf6AuthKey = { keyId: 1, algo: 'md5', key: 'a-key-longer-than-16-bytes' }
  const o2 = appendTrailer(pkt, src, long, 0, 1)
  const t2 = o2.slice()
  t2.set(src, t + 16)
  const ks = Buffer.concat([Buffer.from(long.key), Buffer.of(0, 1)])
  const hk = createHash('md5').update(ks).digest()
  assert.deepEqual([...o2.subarray(t + 16)], [...createHmac('md5', hk).update(t2).digest()])
  assert.equal(checkTrailer(o2, t, src, long).ok, true)
})

test('NSSA-LSA (§A.4.9): E and F bits, P prefix option, forwarding address; checksums as FRR 8.4', () => {
  const fwd = parseIpv6('fd00:bc::2')!
  const pfx = { len: 64, options: PFX_P, metric: 0, addr: parseIpv6('fd00:99::')! }
  const body = external6Body(20, true, pfx, fwd)
  // E|F | metric 20 | len 64, options P, referenced type 0 | fd00:0099:: (8 bytes) | forwarding address
  assert.deepEqual([...body.subarray(0, 16)], [6, 0, 0, 20, 64, 8, 0, 0, 0xfd, 0, 0, 0x99, 0, 0, 0, 0])
  assert.deepEqual([...body.subarray(16)], [...fwd])
  // What FRR 8.4's ospf6d originated for `redistribute connected` in `area 0.0.0.1 nssa`
  // (show ipv6 ospf6 database type-7 detail: CheckSum 0x6ef0 Length 52), and its NSSA border
  // router's translation into the AS (as-external detail: 0xc67e, same body, its own Router ID).
  const t7 = buildLsa6({ age: 0, type: Ls6Type.NSSA, id: 1, advRtr: ip('3.3.3.3'), seq: -0x7fffffff }, body)
  assert.equal(t7.hdr.length, 52)
  assert.equal(t7.hdr.checksum, 0x6ef0)
  assert.ok(lsa6BodyOk(t7))
  const p = parseExternal6(t7.data)!
  assert.equal(p.metric, 20)
  assert.equal(p.type2, true)
  assert.equal(p.prefix.options, PFX_P)
  assert.deepEqual([...p.fwd!], [...fwd])
  const t5 = buildLsa6(
    { age: 0, type: Ls6Type.EXTERNAL, id: 1, advRtr: ip('2.2.2.2'), seq: -0x7fffffff },
    body,
  )
  assert.equal(t5.hdr.checksum, 0xc67e)
  // A stub area's default (area 0.0.0.1 stub on FRR: IAP 0.0.0.3 from 2.2.2.2, ::/0 metric 1).
  const def = interPrefix6Body(1, { len: 0, options: 0, metric: 0, addr: new Uint8Array(16) })
  const iap = buildLsa6(
    { age: 0, type: Ls6Type.INTER_PREFIX, id: 3, advRtr: ip('2.2.2.2'), seq: -0x7fffffff },
    def,
  )
  assert.equal(iap.hdr.length, 28)
  assert.equal(iap.hdr.checksum, 0x53df)
  // Cut inside the forwarding address: refused.
  const short = { hdr: { ...t7.hdr, length: 44 }, data: t7.data.subarray(0, 44) }
  assert.equal(parseExternal6(short.data), null)
  assert.equal(lsa6BodyOk(short), false)
  // Without F no forwarding address is read.
  assert.equal(
    parseExternal6(
      buildLsa6({ age: 0, type: Ls6Type.NSSA, id: 1, advRtr: 1, seq: 1 }, external6Body(1, false, pfx)).data,
    )!.fwd,
    null,
  )
})

test('LSA bodies of every type from random bytes: parsed or refused, never thrown', () => {
  // A fixed xorshift stream: the same bytes on every run.
  let x = 0x2007
  const next = () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
  const types = [...Object.values(Ls6Type), 0x2006, 0xffff]
  for (let n = 0; n < 3000; n++) {
    const len = 20 + (next() % 80)
    const data = new Uint8Array(len)
    for (let k = 0; k < len; k++) data[k] = next() & 0xff
    const type = types[next() % types.length]!
    const hdr = { age: 0, options: 0, type, id: 1, advRtr: 1, seq: 1, checksum: 0, length: len }
    const ok = lsa6BodyOk({ hdr, data })
    if (type === Ls6Type.NSSA || type === Ls6Type.EXTERNAL) assert.equal(ok, parseExternal6(data) !== null)
  }
})
