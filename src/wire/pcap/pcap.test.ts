/**
 * Capture files: what the writers produce reads back through the reader, field for field, in both
 * formats; and a damaged file gives libpcap's messages, never a crash, keeping the packets before it.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LinkType, PcapngWriter, PcapWriter } from './pcap.js'
import { openCapture, PcapFormatError } from './pcap_read.js'

const frame = (n: number, len: number): Uint8Array =>
  Uint8Array.from({ length: len }, (_, i) => (i * 7 + n) & 0xff)

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

function all(bytes: Uint8Array) {
  const f = openCapture(bytes)
  const ps = []
  for (let p = f.next(); p !== null; p = f.next()) ps.push(p)
  return { f, ps }
}

test('pcap: header, records, microsecond stamps, snapped lengths', () => {
  const w = new PcapWriter(LinkType.EN10MB, 96)
  const a = frame(1, 60)
  const b = frame(2, 200)
  const bytes = concat([
    w.header(),
    w.record(1_500_000_123, a, 0, 60, 60),
    w.record(2_000_000_999, b, 0, 96, 200),
  ])
  assert.deepEqual([...bytes.subarray(0, 4)], [0xd4, 0xc3, 0xb2, 0xa1])
  const { f, ps } = all(bytes)
  assert.equal(f.format, 'pcap')
  assert.deepEqual(f.interfaces, [{ linktype: 1, snaplen: 96, name: '', tsPerSec: 1e6 }])
  assert.equal(ps.length, 2)
  assert.deepEqual([ps[0]!.sec, ps[0]!.nsec, ps[0]!.caplen, ps[0]!.wirelen], [1, 500_000_000, 60, 60])
  assert.deepEqual([ps[1]!.sec, ps[1]!.nsec, ps[1]!.caplen, ps[1]!.wirelen], [2, 0, 96, 200])
  assert.deepEqual([...ps[1]!.data], [...b.subarray(0, 96)])
})

test('pcap: nanosecond magic keeps nanoseconds', () => {
  const w = new PcapWriter(LinkType.NULL, 65535, true)
  const { f, ps } = all(concat([w.header(), w.record(3_000_000_007, frame(0, 24), 0, 24, 24)]))
  assert.equal(f.nanos, true)
  assert.equal(f.interfaces[0]!.linktype, 0)
  assert.deepEqual([ps[0]!.sec, ps[0]!.nsec], [3, 7])
})

test('pcapng: SHB, one IDB per interface with name and tsresol, EPBs with direction', () => {
  const w = new PcapngWriter()
  const i0 = w.addInterface('epair0a', LinkType.EN10MB)
  const i1 = w.addInterface('lo0', LinkType.NULL, 1000)
  const x = frame(3, 61)
  const bytes = concat([
    w.header(),
    i0.block,
    i1.block,
    w.packet(i0.id, 5_123_456_789, x, 0, 61, 61, true),
    w.packet(i1.id, 6_000_000_001, x, 0, 10, 61),
    w.packet(i0.id, 7_000_000_000, x, 0, 61, 61, false),
  ])
  for (let at = 0; at < bytes.length; ) {
    const total = new DataView(bytes.buffer).getUint32(at + 4, true)
    assert.equal(total % 4, 0)
    at += total
  }
  const { f, ps } = all(bytes)
  assert.equal(f.format, 'pcapng')
  assert.deepEqual(
    f.interfaces.map((i) => [i.name, i.linktype, i.snaplen, i.tsPerSec]),
    [
      ['epair0a', 1, 262144, 1e9],
      ['lo0', 0, 1000, 1e9],
    ],
  )
  assert.deepEqual(
    ps.map((p) => [p.ifIndex, p.sec, p.nsec, p.caplen, p.wirelen, p.out]),
    [
      [0, 5, 123_456_789, 61, 61, true],
      [1, 6, 1, 10, 61, undefined],
      [0, 7, 0, 61, 61, false],
    ],
  )
  assert.deepEqual([...ps[0]!.data], [...x])
  assert.throws(() => w.packet(2, 0, x, 0, 1, 1), RangeError)
})

test('reader: truncated and corrupt files give libpcap messages and keep earlier packets', () => {
  const w = new PcapWriter(LinkType.EN10MB)
  const good = concat([
    w.header(),
    w.record(1e9, frame(0, 60), 0, 60, 60),
    w.record(2e9, frame(1, 60), 0, 60, 60),
  ])
  const err = (bytes: Uint8Array): [number, string] => {
    let n = 0
    try {
      const f = openCapture(bytes)
      while (f.next() !== null) n++
    } catch (e) {
      assert.ok(e instanceof PcapFormatError)
      return [n, e.message]
    }
    return [n, '']
  }
  assert.deepEqual(err(good.subarray(0, 3)), [
    0,
    'truncated dump file; tried to read 4 file header bytes, only got 3',
  ])
  assert.deepEqual(err(good.subarray(0, 10)), [
    0,
    'truncated dump file; tried to read 20 file header bytes, only got 6',
  ])
  assert.deepEqual(err(good.subarray(0, 24 + 76 + 3)), [
    1,
    'truncated dump file; tried to read 16 header bytes, only got 3',
  ])
  assert.deepEqual(err(good.subarray(0, 24 + 76 + 16 + 5)), [
    1,
    'truncated dump file; tried to read 60 captured bytes, only got 5',
  ])
  assert.deepEqual(err(new TextEncoder().encode('hello, world')), [0, 'unknown file format'])
  const huge = good.slice()
  new DataView(huge.buffer).setUint32(24 + 8, 0x7fffffff, true)
  assert.deepEqual(err(huge), [0, 'invalid packet capture length 2147483647, bigger than maximum of 262144'])
  assert.deepEqual(err(good), [2, ''])

  const g = new PcapngWriter()
  const idb = g.addInterface('em0', 1)
  const ng = concat([g.header(), idb.block, g.packet(0, 1, frame(0, 60), 0, 60, 60)])
  assert.deepEqual(err(ng.subarray(0, ng.length - 8)), [
    0,
    `truncated pcapng dump file; tried to read 92 bytes, only got 84`,
  ])
  const noIdb = concat([g.header(), g.packet(0, 1, frame(0, 60), 0, 60, 60)])
  assert.deepEqual(err(noIdb), [0, 'the capture file has no Interface Description Blocks'])
  const badLen = ng.slice()
  new DataView(badLen.buffer).setUint32(ng.length - 92 + 4, 8, true)
  assert.deepEqual(err(badLen), [0, 'block in pcapng dump file has a length of 8 < 12'])
  // Random bytes after a valid header never crash the reader.
  let seed = 7
  for (let i = 0; i < 300; i++) {
    const junk = ng.slice()
    for (let k = 0; k < 6; k++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      junk[seed % junk.length] = seed & 0xff
    }
    err(junk)
  }
})
