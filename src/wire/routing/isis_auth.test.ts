/**
 * IS-IS TLV 10 and RFC 5308's TLVs on the wire: an annotated TLV 236 fixture, IPv6 addresses and
 * prefixes round-trip through build and parse (bits past the length cleared, sub-TLVs skipped, short
 * ones refused); cleartext passwords; RFC 5304 HMAC-MD5 digests checked against node:crypto's HMAC
 * over the PDU with the digest, checksum and lifetime zeroed, an LSP's checksum still valid after
 * signing and its lifetime free to age; wrong keys, other types and missing TLVs told apart.
 */

import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { parseIpv6 } from '../inet6/in6_addr.js'
import { lspChecksumOk, parseIsis, setLspLifetime, Tlv } from './isis.js'
import { AUTH_HMAC_MD5, authTlv, checkAuth, type IsisKey, signPdu } from './isis_auth.js'
import { buildLanIih, buildLsp, TlvWriter } from './isis_build.js'
import { ip6AddrsValue, ip6ReachEntry, NLPID_IPV6 } from './isis_ipv6.js'

const v6 = (s: string) => parseIpv6(s)!
const MD5: IsisKey = { type: 'md5', password: 'secret' }

function lsp(body: Uint8Array, key: IsisKey | null): Uint8Array {
  const t = key === null ? new Uint8Array(0) : authTlv(key)
  const all = new Uint8Array(t.length + body.length)
  all.set(t)
  all.set(body, t.length)
  const pdu = buildLsp(1, '000000000001' + '0000', 7, 1200, 3, all)
  if (key !== null) signPdu(pdu, 27, key)
  return pdu
}

test('TLV 236 fixture: metric, U/X/S flags, length, prefix bytes', () => {
  // metric 10 | flags: X | len 48 | fc00:0001:0002 (6 bytes)
  const e = ip6ReachEntry({ addr: v6('fc00:1:2::'), len: 48, metric: 10, down: false, external: true })
  assert.deepEqual([...e], [0, 0, 0, 10, 0x40, 48, 0xfc, 0x00, 0x00, 0x01, 0x00, 0x02])
})

test('IPv6 TLVs round-trip; bits past a length are cleared, sub-TLVs skipped, short ones refused', () => {
  const reach = [
    ip6ReachEntry({ addr: v6('fc00:1::'), len: 64, metric: 20, down: true, external: false }),
    // /61 with stray bits past the length, then a sub-TLV block (S bit) of 3 bytes.
    Uint8Array.of(0, 0, 0, 5, 0x20, 61, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x07, 3, 1, 1, 0),
  ]
  const body = new Uint8Array(reach[0]!.length + reach[1]!.length)
  body.set(reach[0]!)
  body.set(reach[1]!, reach[0]!.length)
  const w = new TlvWriter()
    .tlv(Tlv.PROTOCOLS, Uint8Array.of(0xcc, NLPID_IPV6))
    .tlv(Tlv.IPV6_INT_ADDR, ip6AddrsValue([v6('fc00:12::1'), v6('fc00:99::1')]))
    .tlv(Tlv.IPV6_REACH, body)
  const pdu = buildLsp(2, '000000000002' + '0000', 1, 1200, 3, w.bytes())
  const p = parseIsis(pdu, 0, pdu.length)
  assert.ok(p.ok && p.pdu.type === 'lsp')
  const t = p.pdu.tlvs
  assert.deepEqual(t.protocols, [0xcc, 0x8e])
  assert.deepEqual(
    t.ip6Addrs.map((a) => [...a]),
    [[...v6('fc00:12::1')], [...v6('fc00:99::1')]],
  )
  assert.equal(t.ip6Reach.length, 2)
  assert.deepEqual(
    { ...t.ip6Reach[0]!, addr: [...t.ip6Reach[0]!.addr] },
    {
      addr: [...v6('fc00:1::')],
      len: 64,
      metric: 20,
      down: true,
      external: false,
    },
  )
  assert.deepEqual([...t.ip6Reach[1]!.addr], [...v6('2001:db8::')], 'the /61 masked')
  assert.equal(t.ip6Reach[1]!.metric, 5)
  // Cut short: an address of 15 bytes, a prefix longer than its bytes, a length past 128.
  for (const [code, v] of [
    [Tlv.IPV6_INT_ADDR, new Uint8Array(15)],
    [Tlv.IPV6_REACH, Uint8Array.of(0, 0, 0, 1, 0, 64, 0xfc)],
    [Tlv.IPV6_REACH, Uint8Array.of(0, 0, 0, 1, 0, 129)],
  ] as const) {
    const bad = buildLsp(1, '0000000000020000', 1, 1200, 3, new TlvWriter().tlv(code, v).bytes())
    const r = parseIsis(bad, 0, bad.length)
    assert.equal(r.ok, false)
  }
})

test('cleartext password: accepted as written, refused otherwise', () => {
  const k: IsisKey = { type: 'clear', password: 'foo' }
  const pdu = lsp(Uint8Array.of(Tlv.HOSTNAME, 1, 0x61), k)
  assert.deepEqual([...pdu.subarray(27, 33)], [10, 4, 1, 0x66, 0x6f, 0x6f])
  const p = parseIsis(pdu, 0, pdu.length)
  assert.ok(p.ok)
  assert.equal(checkAuth(pdu, p.pdu.tlvs.auth, k), 'ok')
  assert.equal(checkAuth(pdu, p.pdu.tlvs.auth, { type: 'clear', password: 'fob' }), 'fail')
  assert.equal(checkAuth(pdu, p.pdu.tlvs.auth, { type: 'clear', password: 'fooo' }), 'fail')
  assert.equal(checkAuth(pdu, p.pdu.tlvs.auth, MD5), 'type')
})

test('HMAC-MD5 LSP (RFC 5304 §2): digest over the PDU with digest, checksum and lifetime zero', () => {
  const pdu = lsp(Uint8Array.of(Tlv.HOSTNAME, 2, 0x72, 0x31), MD5)
  assert.deepEqual([...pdu.subarray(27, 30)], [10, 17, AUTH_HMAC_MD5])
  const z = pdu.slice()
  z.fill(0, 30, 46)
  z.fill(0, 10, 12)
  z.fill(0, 24, 26)
  const want = createHmac('md5', 'secret').update(z).digest()
  assert.deepEqual([...pdu.subarray(30, 46)], [...want])
  assert.ok(lspChecksumOk(pdu, 0, pdu.length), 'the checksum covers the digest')
  const p = parseIsis(pdu, 0, pdu.length)
  assert.ok(p.ok && p.pdu.tlvs.auth !== null)
  assert.deepEqual(p.pdu.tlvs.auth, { type: AUTH_HMAC_MD5, off: 30, len: 16 })
  assert.equal(checkAuth(pdu, p.pdu.tlvs.auth, MD5), 'ok')
  // Aging in flight changes neither.
  setLspLifetime(pdu, 900)
  assert.equal(checkAuth(pdu, p.pdu.tlvs.auth, MD5), 'ok')
  assert.equal(checkAuth(pdu, p.pdu.tlvs.auth, { type: 'md5', password: 'Secret' }), 'fail')
  assert.equal(checkAuth(pdu, p.pdu.tlvs.auth, { type: 'clear', password: 'secret' }), 'type')
  // Any covered byte changed: the digest no longer holds.
  const t = pdu.slice()
  t[47] = t[47]! ^ 1
  assert.equal(checkAuth(t, p.pdu.tlvs.auth, MD5), 'fail')
  // No TLV 10 at all.
  const none = lsp(Uint8Array.of(Tlv.HOSTNAME, 1, 0x61), null)
  const q = parseIsis(none, 0, none.length)
  assert.ok(q.ok)
  assert.equal(checkAuth(none, q.pdu.tlvs.auth, MD5), 'type')
})

test('HMAC-MD5 hello: the digest covers the padding; the checksum and lifetime bytes are not zeroed', () => {
  const w = new TlvWriter()
    .tlv(Tlv.AUTH, authTlv(MD5).subarray(2))
    .tlv(Tlv.AREA, Uint8Array.of(3, 0x49, 0, 1))
  const pdu = buildLanIih({
    level: 1,
    circuitType: 3,
    sourceId: '000000000001',
    holdTime: 30,
    priority: 64,
    lanId: '00000000000101',
    tlvs: w.bytes(),
    padTo: 200,
  })
  signPdu(pdu, 27, MD5)
  const z = pdu.slice()
  z.fill(0, 30, 46)
  assert.deepEqual([...pdu.subarray(30, 46)], [...createHmac('md5', 'secret').update(z).digest()])
  const p = parseIsis(pdu, 0, pdu.length)
  assert.ok(p.ok)
  assert.equal(checkAuth(pdu, p.pdu.tlvs.auth, MD5), 'ok')
  const t = pdu.slice()
  t[190] = 1
  assert.equal(checkAuth(t, p.pdu.tlvs.auth, MD5), 'fail', 'a changed padding byte')
})
