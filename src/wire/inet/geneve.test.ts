import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { guarded, hex, toHex } from '../testkit.js'
import {
  emitGeneve,
  GENEVE_HDR_LEN,
  GENEVE_PROTO_ETHER,
  GeneveCheck,
  geneveCheck,
  geneveOptLen,
  geneveProto,
  geneveVni,
  parseGeneve,
  writeGeneveHeader,
} from './geneve.js'

// RFC 8926 §3.4's layout, one field per line: an Ethernet payload on VNI 0x123456 with two options
// (§3.5): a non-critical one of class 0x0102 type 0x03 with 4 bytes of data, and one with no data.
const WITH_OPTIONS = hex(
  '03', //      Ver 0 (2 bits), Opt Len 3 (6 bits): 12 bytes of options
  '40', //      O 0, C 1 (critical options present), Rsvd 0
  '6558', //    Protocol Type: Transparent Ethernet Bridging
  '123456', //  VNI
  '00', //      Reserved
  '0102 03 01', // option class 0x0102, type 3 (not critical), R 0, Length 1 (4 bytes)
  'deadbeef', //  its data
  'ffff 7f 00', // class 0xffff, type 0x7f, no data
)

// The header geneve(4) sends: no options, no flags, an IPv4 payload (genevemode l3) on VNI 1.
const PLAIN_L3 = hex('00 00 0800 000001 00')

describe('geneve: header (RFC 8926 §3.4)', () => {
  test('fields of an annotated header with options', () => {
    assert.equal(geneveCheck(WITH_OPTIONS, 0, WITH_OPTIONS.length), GeneveCheck.OK)
    assert.equal(geneveOptLen(WITH_OPTIONS, 0), 12)
    assert.equal(geneveProto(WITH_OPTIONS, 0), GENEVE_PROTO_ETHER)
    assert.equal(geneveVni(WITH_OPTIONS, 0), 0x123456)
    assert.deepEqual(parseGeneve(WITH_OPTIONS), {
      version: 0,
      oam: false,
      critical: true,
      proto: 0x6558,
      vni: 0x123456,
      options: [
        { cls: 0x0102, type: 3, data: hex('deadbeef') },
        { cls: 0xffff, type: 0x7f, data: new Uint8Array(0) },
      ],
    })
  })

  test('emit is parse inverted, byte for byte', () => {
    assert.equal(toHex(emitGeneve(parseGeneve(WITH_OPTIONS)!)), toHex(WITH_OPTIONS))
    assert.equal(toHex(emitGeneve(parseGeneve(PLAIN_L3)!)), toHex(PLAIN_L3))
  })

  test('writeGeneveHeader: version 0, no options, reserved fields zero', () => {
    const b = new Uint8Array(10).fill(0xee)
    writeGeneveHeader(b, 1, 0x0800, 1)
    assert.equal(toHex(b), `ee${toHex(PLAIN_L3)}ee`)
    writeGeneveHeader(b, 1, GENEVE_PROTO_ETHER, 0xffffff)
    assert.equal(toHex(b, 1, 8), '00006558ffffff00')
  })

  test('the reserved bits are ignored on receipt (§3.4)', () => {
    const b = PLAIN_L3.slice()
    b[1] = 0x3f // Rsvd
    b[7] = 0xff // Reserved after the VNI
    assert.equal(geneveCheck(b, 0, b.length), GeneveCheck.OK)
    assert.equal(geneveVni(b, 0), 1)
  })
})

describe('geneve: check, in the order a receiver drops', () => {
  test('TOO_SHORT: fewer than 8 bytes, or fewer than Opt Len announces', () => {
    assert.equal(geneveCheck(PLAIN_L3, 0, 7), GeneveCheck.TOO_SHORT)
    assert.equal(geneveCheck(WITH_OPTIONS, 0, WITH_OPTIONS.length - 1), GeneveCheck.TOO_SHORT)
    assert.equal(geneveCheck(PLAIN_L3, 4, 8), GeneveCheck.TOO_SHORT) // past the buffer
  })

  test('BAD_VERSION: any version but 0', () => {
    for (const v of [1, 2, 3]) {
      const b = PLAIN_L3.slice()
      b[0] = v << 6
      assert.equal(geneveCheck(b, 0, b.length), GeneveCheck.BAD_VERSION)
    }
  })

  test('OAM: the O bit marks a control message', () => {
    const b = PLAIN_L3.slice()
    b[1] = 0x80
    assert.equal(geneveCheck(b, 0, b.length), GeneveCheck.OAM)
  })

  test('BAD_OPTIONS: an option longer than the options area', () => {
    const b = WITH_OPTIONS.slice()
    b[11] = 3 // the first option claims 12 bytes of data: 4 + 12 > the 12-byte options area
    assert.equal(geneveCheck(b, 0, b.length), GeneveCheck.BAD_OPTIONS)
    const c = hex('01 00 6558 000001 00', '0102 03') // Opt Len 1 but only 3 bytes of option header
    assert.equal(geneveCheck(c, 0, c.length), GeneveCheck.TOO_SHORT)
  })

  test('CRITICAL: an option with the critical bit, with or without the C bit (§3.5)', () => {
    const b = WITH_OPTIONS.slice()
    b[18] = 0xff // the second option's type: critical
    assert.equal(geneveCheck(b, 0, b.length), GeneveCheck.CRITICAL)
    b[1] = 0
    assert.equal(geneveCheck(b, 0, b.length), GeneveCheck.CRITICAL)
    // The C bit with no critical option: parsed, nothing to refuse.
    assert.equal(geneveCheck(WITH_OPTIONS, 0, WITH_OPTIONS.length), GeneveCheck.OK)
  })

  test('emit refuses what no header can carry', () => {
    const base = parseGeneve(PLAIN_L3)!
    assert.throws(() => emitGeneve({ ...base, vni: 1 << 24 }), RangeError)
    assert.throws(
      () => emitGeneve({ ...base, options: [{ cls: 1, type: 1, data: new Uint8Array(3) }] }),
      RangeError,
    )
    assert.throws(
      () => emitGeneve({ ...base, options: Array(3).fill({ cls: 1, type: 1, data: new Uint8Array(124) }) }),
      RangeError,
    )
  })

  test('random bytes: never throws, never reads outside what it is given', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(8), (bytes, cut) => {
        const len = Math.max(0, bytes.length - cut)
        const b = guarded(bytes, 0, len)
        const c = geneveCheck(b, 0, len)
        assert.ok(c >= GeneveCheck.OK && c <= GeneveCheck.CRITICAL)
        const r = parseGeneve(bytes, 0, len)
        if (c === GeneveCheck.OK) {
          assert.ok(r !== null)
          assert.equal(toHex(emitGeneve(r)), toHex(bytes, 0, GENEVE_HDR_LEN + geneveOptLen(bytes, 0)))
        }
      }),
    )
  })
})
