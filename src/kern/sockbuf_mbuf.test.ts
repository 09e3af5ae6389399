/**
 * MbufSockBuf against a model of its bytes: received mbufs appended (chained or compressed into the
 * last one), copies appended, reads into a buffer, peeks, drops and copies at any offset; every
 * mbuf goes back to the pool once read or flushed, and the memory bound closes the window.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { HEADROOM, MbufPool } from '../buf/mbuf.js'
import { MbufSockBuf } from './sockbuf_mbuf.js'

const ops = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant('mbuf' as const),
      len: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 9000 })),
      hdr: fc.integer({ min: 0, max: 60 }),
    }),
    fc.record({
      kind: fc.constant('copy' as const),
      len: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 5000 })),
    }),
    fc.record({
      kind: fc.constant('read' as const),
      n: fc.integer({ min: 0, max: 6000 }),
      peek: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('drop' as const), n: fc.integer({ min: 0, max: 3000 }) }),
    fc.record({
      kind: fc.constant('copyOut' as const),
      from: fc.integer({ min: 0, max: 4000 }),
      n: fc.integer({ min: 0, max: 4000 }),
    }),
  ),
  { maxLength: 60 },
)

test('a receive buffer of mbufs keeps the bytes in order and gives every mbuf back', () => {
  fc.assert(
    fc.property(ops, (list) => {
      const pool = new MbufPool()
      const sb = new MbufSockBuf(1 << 20, pool)
      const model: number[] = []
      let next = 0
      const bytes = (n: number) => {
        const out = new Uint8Array(n)
        for (let i = 0; i < n; i++) out[i] = next++ & 0xff
        return out
      }
      for (const op of list) {
        if (op.kind === 'mbuf') {
          // A received segment: headers in front of the payload, which is all the buffer keeps.
          const m = pool.get(op.hdr + op.len)
          const payload = bytes(op.len)
          m.data.fill(0xee, m.off, m.off + op.hdr)
          m.data.set(payload, m.off + op.hdr)
          m.len = op.hdr + op.len
          sb.appendMbuf(m, m.off + op.hdr, op.len)
          model.push(...payload)
        } else if (op.kind === 'copy') {
          const src = bytes(op.len + 3)
          sb.append(src, 3, op.len)
          model.push(...src.subarray(3))
        } else if (op.kind === 'read') {
          const dst = new Uint8Array(op.n + 2).fill(0x55)
          const n = sb.readInto(dst, 2, op.n, op.peek)
          const want = Math.min(op.n, model.length)
          assert.equal(n, want)
          assert.deepEqual([...dst.subarray(2, 2 + n)], model.slice(0, n))
          assert.equal(dst[0], 0x55)
          if (2 + n < dst.length) assert.equal(dst[2 + n], 0x55)
          if (!op.peek) model.splice(0, n)
        } else if (op.kind === 'drop') {
          sb.drop(op.n)
          model.splice(0, op.n)
        } else {
          const from = Math.min(op.from, model.length)
          const n = Math.min(op.n, model.length - from)
          const dst = new Uint8Array(n)
          sb.copyOut(from, dst, 0, n)
          assert.deepEqual([...dst], model.slice(from, from + n))
        }
        assert.equal(sb.cc, model.length)
        // Emptied mbufs never linger in the chain: memory is held exactly while bytes are.
        assert.equal(sb.mbcnt === 0, sb.cc === 0)
        assert.ok(sb.mbcnt >= sb.cc)
      }
      assert.deepEqual([...sb.take(model.length, true)], model)
      sb.flush()
      assert.equal(sb.cc, 0)
      assert.equal(sb.mbcnt, 0)
      assert.equal(pool.inUse, 0, 'every mbuf is back in the pool')
    }),
  )
})

test('a received segment stays in its own mbuf: no copy, and the reader gets the payload only', () => {
  const pool = new MbufPool()
  const sb = new MbufSockBuf(65536, pool)
  const m = pool.get(1500)
  m.len = 40 + 1000
  for (let i = 0; i < 1000; i++) m.data[m.off + 40 + i] = i & 0xff
  sb.appendMbuf(m, m.off + 40, 1000)
  // The mbuf itself is what the buffer holds: a byte changed in it is what the reader sees.
  m.data[HEADROOM + 40] = 0xab
  const out = new Uint8Array(1000)
  assert.equal(sb.readInto(out, 0, 1000, false), 1000)
  assert.equal(out[0], 0xab)
  assert.equal(out[999], 999 & 0xff)
  assert.equal(pool.inUse, 0, 'read to the end, the mbuf went back to the pool')
})

test('small segments are compressed into the last mbuf instead of each holding a cluster', () => {
  const pool = new MbufPool()
  const sb = new MbufSockBuf(65536, pool)
  for (let i = 0; i < 100; i++) {
    const m = pool.get(41)
    m.data[m.off + 40] = i
    m.len = 41
    sb.appendMbuf(m, m.off + 40, 1)
  }
  assert.equal(sb.cc, 100)
  assert.equal(pool.inUse, 1, 'one mbuf holds all hundred bytes')
  assert.deepEqual(
    [...sb.take(100, false)],
    Array.from({ length: 100 }, (_, i) => i),
  )
  assert.equal(pool.inUse, 0)
})

test('the space offered is bounded by buffer memory as well as by bytes (sb_mbmax)', () => {
  const pool = new MbufPool()
  const hiwat = 4096
  const sb = new MbufSockBuf(hiwat, pool)
  assert.equal(sb.space, hiwat)
  // 600-byte payloads are too big to compress: each pins a 2 KB cluster.
  let appended = 0
  while (sb.space > 0 && appended < 100) {
    const m = pool.get(640)
    m.len = 640
    sb.appendMbuf(m, m.off + 40, 600)
    appended++
    assert.ok(sb.space <= Math.max(hiwat - sb.cc, 0))
  }
  assert.ok(sb.cc <= hiwat + 600, `held ${sb.cc} bytes`)
  sb.flush()
  assert.equal(sb.space, hiwat)
  assert.equal(pool.inUse, 0)
  // Tiny payloads that cannot be compressed (each arrives when the last mbuf is full) close the
  // window through mbmax long before hiwat bytes are held.
  const tiny = new MbufSockBuf(1 << 16, pool)
  let n = 0
  while (tiny.space > 0 && n < 10000) {
    const m = pool.get(2000)
    m.len = 2000
    // Fill the last mbuf to the end so the next byte cannot be compressed into it.
    tiny.appendMbuf(m, m.data.length - 1, 1)
    n++
  }
  assert.ok(tiny.space === 0 && tiny.cc < 1 << 16, `closed at ${tiny.cc} bytes after ${n} segments`)
  tiny.flush()
  assert.equal(pool.inUse, 0)
})
