/**
 * OSPFv2 authentication on the wire (RFC 2328 appendix D, RFC 5709): a simple password goes in the
 * 64-bit field and the checksum still verifies; keyed MD5 and HMAC-SHA digests agree with
 * node:crypto's over the same bytes (including RFC 5709's hashed long key); the header carries Key
 * ID, Auth Data Len and sequence number with a zero checksum and the digest outside the length; and
 * each way a packet can fail is told apart.
 */

import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { test } from 'node:test'
import { readU16, readU32 } from '../addr.js'
import { emitOspf, helloBody, OspfType, parseOspf } from './ospf.js'
import { AuType, checkAuth, type OspfCryptoKey, signCrypto, signSimple } from './ospf_auth.js'

const hello = () =>
  emitOspf(
    OspfType.HELLO,
    0x01010101,
    0,
    helloBody({
      mask: 0xffffff00,
      helloInterval: 10,
      options: 2,
      priority: 1,
      deadInterval: 40,
      dr: 0,
      bdr: 0,
      neighbors: [0x02020202],
    }),
  )

test('simple password: AuType 1, the key zero-padded to 8 bytes, checksum still valid', () => {
  const p = hello()
  const s = signSimple(p, 'secret')
  assert.equal(readU16(s, 14), AuType.SIMPLE)
  assert.deepEqual([...s.subarray(16, 24)], [...Buffer.from('secret\0\0')])
  assert.ok(parseOspf(s).ok, 'checksum over the packet without the auth field')
  assert.equal(readU16(p, 14), 0, 'the packet given is left alone')
  assert.deepEqual(checkAuth(s, { type: 1, password: 'secret', keys: [] }), { ok: true, seq: 0 })
  assert.deepEqual(checkAuth(s, { type: 1, password: 'secreT', keys: [] }), { ok: false, reason: 'auth-key' })
  assert.deepEqual(checkAuth(s, { type: 0, password: '', keys: [] }), { ok: false, reason: 'auth-type' })
})

test('keyed MD5 (D.4.3): header fields, checksum zero, digest = MD5(packet | key padded to 16) after the length', () => {
  const p = hello()
  const k: OspfCryptoKey = { keyId: 7, algo: 'md5', key: 'abc' }
  const s = signCrypto(p, k, 0x12345678)
  const len = readU16(s, 2)
  assert.equal(len, p.length, 'the digest is not counted in the length')
  assert.equal(s.length, len + 16)
  assert.equal(readU16(s, 12), 0)
  assert.equal(readU16(s, 14), AuType.CRYPTO)
  assert.equal(readU16(s, 16), 0)
  assert.equal(s[18], 7)
  assert.equal(s[19], 16)
  assert.equal(readU32(s, 20), 0x12345678)
  const key = Buffer.alloc(16)
  key.write('abc')
  const want = createHash('md5').update(s.subarray(0, len)).update(key).digest()
  assert.deepEqual(Buffer.from(s.subarray(len)), want)
  assert.ok(parseOspf(s).ok)
  const e = { type: 2, password: '', keys: [k] }
  assert.deepEqual(checkAuth(s, e), { ok: true, seq: 0x12345678 })
  const bad = s.slice()
  bad[30]! ^= 1
  assert.deepEqual(checkAuth(bad, e), { ok: false, reason: 'auth-digest' })
  assert.deepEqual(checkAuth(s, { ...e, keys: [{ ...k, keyId: 8 }] }), { ok: false, reason: 'auth-key-id' })
  assert.deepEqual(checkAuth(s, { ...e, keys: [{ ...k, key: 'abd' }] }), { ok: false, reason: 'auth-digest' })
  assert.deepEqual(checkAuth(s.subarray(0, len + 8), e), { ok: false, reason: 'auth-length' })
  const ck = s.slice()
  ck[13] = 1
  assert.deepEqual(checkAuth(ck, e), { ok: false, reason: 'checksum' })
  assert.deepEqual(checkAuth(s, { ...e, keys: [{ ...k, algo: 'hmac-sha-1' }] }), {
    ok: false,
    reason: 'auth-length',
  })
})

test('HMAC-SHA (RFC 5709 §3.3): HMAC over packet | Apad, a key longer than the digest hashed first', () => {
  const apad = (n: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => [0x87, 0x8f, 0xe1, 0xf3][i % 4]!))
  const cases: Array<[OspfCryptoKey, string, number]> = [
    [{ keyId: 1, algo: 'hmac-sha-1', key: 'k1' }, 'sha1', 20],
    [{ keyId: 2, algo: 'hmac-sha-256', key: 'key-two' }, 'sha256', 32],
    [{ keyId: 3, algo: 'hmac-sha-384', key: 'x' }, 'sha384', 48],
    [{ keyId: 4, algo: 'hmac-sha-512', key: 'y'.repeat(100) }, 'sha512', 64],
  ]
  for (const [k, h, n] of cases) {
    const s = signCrypto(hello(), k, 5)
    const len = readU16(s, 2)
    assert.equal(s[19], n)
    const key = k.key.length > n ? createHash(h).update(k.key).digest() : Buffer.from(k.key)
    const want = createHmac(h, key).update(s.subarray(0, len)).update(apad(n)).digest()
    assert.deepEqual(Buffer.from(s.subarray(len)), want, k.algo)
    assert.deepEqual(checkAuth(s, { type: 2, password: '', keys: [k] }), { ok: true, seq: 5 })
  }
  // 40 bytes: longer than SHA-1's 20 (RFC 5709 hashes it) but shorter than its block (plain HMAC would not).
  const k: OspfCryptoKey = { keyId: 9, algo: 'hmac-sha-1', key: 'z'.repeat(40) }
  const s = signCrypto(hello(), k, 1)
  const len = readU16(s, 2)
  const want = createHmac('sha1', createHash('sha1').update(k.key).digest())
    .update(s.subarray(0, len))
    .update(apad(20))
    .digest()
  assert.deepEqual(Buffer.from(s.subarray(len)), want)
})
