/**
 * IS-IS wire format: every PDU kind round-trips through build and parse with its TLVs; the LSP's
 * Fletcher checksum verifies and fails on any changed byte it covers but not on the lifetime; §7.3.16's
 * instance comparison; and a fuzz of the parser (random bytes, truncated and mutated PDUs) that never
 * throws.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseIpv4 } from '../addr.js'
import { fletcher, lspChecksumOk, lspCompare, P2pState, parseIsis, setLspLifetime, Tlv } from './isis.js'
import {
  areasValue,
  buildCsnp,
  buildLanIih,
  buildLsp,
  buildP2pIih,
  buildPsnp,
  ipAddrsValue,
  ipReachEntry,
  isReachEntry,
  lspEntriesValue,
  macsValue,
  p2pAdjValue,
  TlvWriter,
  textValue,
} from './isis_build.js'

const ip = (s: string): number => parseIpv4(s)!

test('LAN IIH: header fields, TLVs, padding to the size asked', () => {
  const w = new TlvWriter()
    .tlv(Tlv.AREA, areasValue(['490001']))
    .tlv(Tlv.IS_NEIGHBORS, macsValue([0x4200aa000003]))
    .tlv(Tlv.IP_INT_ADDR, ipAddrsValue([ip('172.16.12.1')]))
  const pdu = buildLanIih({
    level: 2,
    circuitType: 3,
    sourceId: '172016001001',
    holdTime: 30,
    priority: 64,
    lanId: '17201600200201',
    tlvs: w.bytes(),
    padTo: 1497,
  })
  assert.equal(pdu.length, 1497)
  const r = parseIsis(pdu, 0, pdu.length)
  assert.ok(r.ok && r.pdu.type === 'iih')
  assert.deepEqual(r.pdu.iih, {
    kind: 'lan',
    level: 2,
    circuitType: 3,
    sourceId: '172016001001',
    holdTime: 30,
    priority: 64,
    lanId: '17201600200201',
    localCircuitId: 1,
  })
  assert.deepEqual(r.pdu.tlvs.areas, ['490001'])
  assert.deepEqual(r.pdu.tlvs.neighborMacs, [0x4200aa000003])
  assert.deepEqual(r.pdu.tlvs.ipAddrs, [ip('172.16.12.1')])
})

test('p2p IIH with the three-way adjacency TLV', () => {
  const w = new TlvWriter().tlv(
    Tlv.P2P_ADJ,
    p2pAdjValue({
      state: P2pState.INITIALIZING,
      extCircuitId: 7,
      nbrSysId: '000000000002',
      nbrExtCircuitId: 9,
    }),
  )
  const pdu = buildP2pIih({
    circuitType: 2,
    sourceId: '000000000001',
    holdTime: 9,
    localCircuitId: 4,
    tlvs: w.bytes(),
    padTo: 0,
  })
  const r = parseIsis(pdu, 0, pdu.length)
  assert.ok(r.ok && r.pdu.type === 'iih')
  assert.equal(r.pdu.iih.kind, 'p2p')
  assert.equal(r.pdu.iih.localCircuitId, 4)
  assert.deepEqual(r.pdu.tlvs.p2p, {
    state: 1,
    extCircuitId: 7,
    nbrSysId: '000000000002',
    nbrExtCircuitId: 9,
  })
})

test('LSP: TLVs round-trip, the checksum verifies, covers the body and ID, not the lifetime', () => {
  const w = new TlvWriter()
    .tlv(Tlv.HOSTNAME, textValue('R1'))
    .tlv(Tlv.EXT_IS_REACH, isReachEntry({ id: '17201600200201', metric: 10 }))
    .tlv(
      Tlv.EXT_IP_REACH,
      Uint8Array.from([
        ...ipReachEntry({ addr: ip('172.16.1.0'), len: 24, metric: 10, down: false }),
        ...ipReachEntry({ addr: ip('10.0.0.0'), len: 8, metric: 20, down: true }),
        ...ipReachEntry({ addr: 0, len: 0, metric: 1, down: false }),
        ...ipReachEntry({ addr: ip('192.0.2.1'), len: 32, metric: 5, down: false }),
      ]),
    )
  const pdu = buildLsp(1, '1720160010010000', 3, 1200, 3, w.bytes())
  assert.ok(lspChecksumOk(pdu, 0, pdu.length))
  const r = parseIsis(pdu, 0, pdu.length)
  assert.ok(r.ok && r.pdu.type === 'lsp')
  assert.equal(r.pdu.lsp.id, '1720160010010000')
  assert.equal(r.pdu.lsp.seq, 3)
  assert.equal(r.pdu.lsp.lifetime, 1200)
  assert.equal(r.pdu.tlvs.hostname, 'R1')
  assert.deepEqual(r.pdu.tlvs.isReach, [{ id: '17201600200201', metric: 10 }])
  assert.deepEqual(r.pdu.tlvs.ipReach, [
    { addr: ip('172.16.1.0'), len: 24, metric: 10, down: false },
    { addr: ip('10.0.0.0'), len: 8, metric: 20, down: true },
    { addr: 0, len: 0, metric: 1, down: false },
    { addr: ip('192.0.2.1'), len: 32, metric: 5, down: false },
  ])
  setLspLifetime(pdu, 17)
  assert.ok(lspChecksumOk(pdu, 0, pdu.length), 'the lifetime is outside the checksum')
  for (const at of [12, 20, 27, pdu.length - 1]) {
    const bad = pdu.slice()
    bad[at] ^= 0x40
    assert.ok(!lspChecksumOk(bad, 0, bad.length), `byte ${at}`)
    const p = parseIsis(bad, 0, bad.length)
    assert.ok(!p.ok, `byte ${at}`)
  }
  // The checksum over the region from the LSP ID, with its own two bytes taken as zero.
  assert.equal(fletcher(pdu, 12, pdu.length, 24), (pdu[24]! << 8) | pdu[25]!)
})

test('CSNP and PSNP: ranges and LSP entries', () => {
  const entries = [
    { lifetime: 1190, id: '0000000000010000', seq: 2, checksum: 0x1234 },
    { lifetime: 0, id: '0000000000020100', seq: 1, checksum: 0 },
  ]
  const w = new TlvWriter().tlv(Tlv.LSP_ENTRIES, lspEntriesValue(entries))
  const b = buildCsnp(2, '000000000001', '0000000000000000', 'ffffffffffffffff', w.bytes())
  const c = parseIsis(b, 0, b.length)
  assert.ok(c.ok && c.pdu.type === 'snp')
  assert.deepEqual(c.pdu.snp, {
    level: 2,
    kind: 'csnp',
    sourceId: '000000000001',
    start: '0000000000000000',
    end: 'ffffffffffffffff',
  })
  assert.deepEqual(c.pdu.tlvs.entries, entries)
  const p = buildPsnp(1, '000000000002', w.bytes())
  const q = parseIsis(p, 0, p.length)
  assert.ok(q.ok && q.pdu.type === 'snp' && q.pdu.snp.kind === 'psnp' && q.pdu.snp.level === 1)
  assert.deepEqual(q.pdu.tlvs.entries, entries)
})

test('§7.3.16: a higher sequence number is newer; at equal numbers a purge is', () => {
  assert.equal(lspCompare(5, 100, 4, 1200), 1)
  assert.equal(lspCompare(4, 100, 5, 0), -1)
  assert.equal(lspCompare(5, 0, 5, 900), 1)
  assert.equal(lspCompare(5, 300, 5, 900), 0)
  assert.equal(lspCompare(0xfffffff0, 1, 2, 1), 1, 'sequence numbers are unsigned')
})

test('fuzz: random bytes and mutated PDUs never throw; bad ones give a reason', () => {
  const lsp = buildLsp(
    2,
    '0000000000010000',
    1,
    1200,
    3,
    new TlvWriter().tlv(Tlv.AREA, areasValue(['490001'])).bytes(),
  )
  const iih = buildLanIih({
    level: 1,
    circuitType: 1,
    sourceId: '000000000001',
    holdTime: 30,
    priority: 64,
    lanId: '00000000000101',
    tlvs: new TlvWriter().tlv(Tlv.AREA, areasValue(['490001'])).bytes(),
    padTo: 100,
  })
  let seed = 5
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return seed % k
  }
  let bad = 0
  for (let i = 0; i < 2000; i++) {
    let b: Uint8Array
    if (i % 3 === 0) b = Uint8Array.from({ length: rnd(120) }, () => rnd(256))
    else {
      b = (i % 2 === 0 ? lsp : iih).slice(0, rnd(130))
      for (let k = 0; k < 3; k++) if (b.length > 0) b[rnd(b.length)] = rnd(256)
    }
    const r = parseIsis(b, 0, b.length)
    if (!r.ok) {
      bad++
      assert.ok(r.reason.length > 0)
    }
  }
  assert.ok(bad > 1000, `${bad} rejected`)
})
