import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { checksum, fold, sum16, updateChecksum16 } from './checksum.js'
import { hex } from './testkit.js'

/** Reference: the RFC 1071 definition, word by word, folding as it goes. */
function naiveChecksum(b: Uint8Array): number {
  let s = 0
  for (let i = 0; i < b.length; i += 2) {
    s += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0)
    if (s > 0xffff) s = (s & 0xffff) + 1
  }
  return ~s & 0xffff
}

// The IPv4 header of a real echo request sent by Linux ping (192.0.2.1 -> 192.0.2.2), checksum 8b8a:
//   4500 + 0054 + 2b1b + 4000 + 4001 + c000 + 0201 + c000 + 0202 = 0x27473 -> 0x7475, ~ = 0x8b8a
const IP_HDR = hex('4500 0054 2b1b 4000 4001 8b8a c000 0201 c000 0202')

describe('checksum', () => {
  test('RFC 1071 section 3 example: 0001 f203 f4f5 f6f7', () => {
    const b = hex('0001 f203 f4f5 f6f7')
    // 0001 + f203 + f4f5 + f6f7 = 0x2ddf0; fold: ddf0 + 2 = ddf2; ~ = 220d
    assert.equal(sum16(b, 0, 8), 0x2ddf0)
    assert.equal(fold(0x2ddf0), 0xddf2)
    assert.equal(checksum(b, 0, 8), 0x220d)
  })

  test('odd length pads the trailing byte with zero', () => {
    const b = hex('0102 03')
    assert.equal(sum16(b, 0, 3), 0x0102 + 0x0300)
    assert.equal(sum16(b, 2, 1), 0x0300)
    assert.equal(sum16(b, 0, 0), 0)
    assert.equal(checksum(b, 0, 0), 0xffff)
  })

  test('real IPv4 header: computing with the field zeroed gives the captured 8b8a, verifying gives 0', () => {
    assert.equal(checksum(IP_HDR, 0, 20), 0)
    const b = IP_HDR.slice()
    b[10] = 0
    b[11] = 0
    assert.equal(sum16(b, 0, 20), 0x27473)
    assert.equal(fold(0x27473), 0x7475)
    assert.equal(checksum(b, 0, 20), 0x8b8a)
  })

  test('accumulators chain across regions, and honour the offset', () => {
    const b = new Uint8Array(24)
    b.set(IP_HDR, 4)
    assert.equal(sum16(b, 4, 20), sum16(IP_HDR, 0, 20))
    assert.equal(checksum(b, 14, 10, sum16(b, 4, 10)), 0)
  })

  test('fold handles accumulators beyond 32 bits', () => {
    assert.equal(fold(0), 0)
    assert.equal(fold(0xffff), 0xffff)
    assert.equal(fold(0x10000), 1)
    assert.equal(fold(0x1_0000_0000), 1) // 2^32 = 65536 * 65536: 0 + 65536 -> 1
    assert.equal(fold(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER % 0xffff || 0xffff)
  })

  test('RFC 1624 section 4 example: eqn. 3 gives 0x0000 where eqn. 2 gave 0xffff', () => {
    // HC = dd2f, m = 5555, m' = 3285: ~HC + ~m + m' = 22d0 + aaaa + 3285 = ffff; ~ = 0000
    assert.equal(updateChecksum16(0xdd2f, 0x5555, 0x3285), 0x0000)
  })

  test('RFC 1624 on real data: Linux turned echo request 70fc into echo reply 78fc', () => {
    // Only the type/code word changes (0800 -> 0000): ~70fc + ~0800 + 0000 = 8f03 + f7ff = 18702
    // -> 8703, ~ = 78fc, exactly the checksum of the reply the kernel sent.
    assert.equal(updateChecksum16(0x70fc, 0x0800, 0x0000), 0x78fc)
  })

  test('property: sum16/checksum match the word-by-word RFC 1071 definition', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        assert.equal(checksum(b, 0, b.length), naiveChecksum(b))
        const s = fold(sum16(b, 0, b.length))
        assert.ok(s >= 0 && s <= 0xffff)
      }),
    )
  })

  test('property: splitting at an even offset adds up', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(100), (b, k) => {
        const cut = Math.min(2 * k, b.length & ~1)
        assert.equal(sum16(b, cut, b.length - cut, sum16(b, 0, cut)), sum16(b, 0, b.length))
      }),
    )
  })

  test('property: a region containing its own checksum verifies to 0', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 200 }), fc.nat(), (b, k) => {
        const at = 2 * (k % (b.length >> 1))
        b[at] = 0
        b[at + 1] = 0
        const c = checksum(b, 0, b.length)
        b[at] = c >>> 8
        b[at + 1] = c & 0xff
        assert.equal(checksum(b, 0, b.length), 0)
      }),
    )
  })

  test('property: fold keeps the value modulo 0xffff and never folds a non-zero sum to 0', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (x) => {
        const f = fold(x)
        assert.ok(f >= 0 && f <= 0xffff)
        assert.equal(f % 0xffff, x % 0xffff)
        if (x > 0) assert.notEqual(f, 0)
      }),
    )
  })

  test('property: the incremental update equals recomputing', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 2, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffff }),
        (b, k, newWord) => {
          const words = b.length >> 1
          const at = 2 * (k % words)
          const old = checksum(b, 0, 2 * words)
          const oldWord = (b[at] << 8) | b[at + 1]
          b[at] = newWord >>> 8
          b[at + 1] = newWord & 0xff
          // Only all-zero data differs (+0 vs -0); no real header is all zero.
          fc.pre(b.subarray(0, 2 * words).some((x) => x !== 0))
          assert.equal(updateChecksum16(old, oldWord, newWord), checksum(b, 0, 2 * words))
        },
      ),
    )
  })

  test("property: with a 32-bit view (an Mbuf's data32) every offset and length folds to the same checksum", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 1600 }),
        fc.nat(),
        fc.nat(),
        fc.nat(0xfffff),
        (bytes, a, b, acc) => {
          const mem = new Uint8Array((bytes.length + 3) & ~3)
          mem.set(bytes)
          const w32 = new Uint32Array(mem.buffer)
          const off = bytes.length === 0 ? 0 : a % bytes.length
          const len = bytes.length - off === 0 ? 0 : b % (bytes.length - off + 1)
          assert.equal(checksum(mem, off, len, acc, w32), checksum(mem, off, len, acc))
          assert.equal(fold(sum16(mem, off, len, acc, w32)), fold(sum16(mem, off, len, acc)))
        },
      ),
    )
  })

  test('a 32-bit view on long regions: all ones, all zeros and a 64 KB segment agree with the byte loop', () => {
    for (const fill of [0x00, 0xff, 0x5a]) {
      const mem = new Uint8Array(65536 + 8).fill(fill)
      const w32 = new Uint32Array(mem.buffer)
      for (const [off, len] of [
        [2, 65536],
        [4, 65535],
        [6, 1460],
        [0, 64],
      ] as const)
        assert.equal(
          checksum(mem, off, len, 0x1234, w32),
          checksum(mem, off, len, 0x1234),
          `${fill} ${off} ${len}`,
        )
    }
  })
})
