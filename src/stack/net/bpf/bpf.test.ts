/**
 * bpf descriptors: records with stamps, lengths and direction; snaplen; the filter counting what it
 * saw and rejecting without storing; BIOCSDIRECTION; the two bounded buffers dropping and counting
 * when the reader falls behind; a TCP checksum left to an in-process peer finished in the copy;
 * detaching; and a capture point with no listener doing nothing.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MbufPool } from '../../../buf/mbuf.js'
import { Clock, type ClockDriver } from '../../../util/clock.js'
import { checksum } from '../../../wire/checksum.js'
import { ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { BpfD, BpfDirection, BpfIf, type BpfRecord, DLT } from './bpf.js'

function clock(): { clock: Clock; wall: { ns: number } } {
  const wall = { ns: 0 }
  const driver: ClockDriver = { wallNs: () => wall.ns, defer: () => {}, after: () => 0, cancel: () => {} }
  return { clock: new Clock('real', driver), wall }
}

function collect(d: BpfD): { len: number; wire: number; out: boolean; stamp: number; first: number }[] {
  const got: { len: number; wire: number; out: boolean; stamp: number; first: number }[] = []
  d.read((r: BpfRecord) =>
    got.push({ len: r.caplen, wire: r.wirelen, out: r.out, stamp: r.stamp, first: r.buf[r.off]! }),
  )
  return got
}

test('records, snaplen, filter counts, direction', () => {
  const { clock: c, wall } = clock()
  const bif = new BpfIf('em0', DLT.EN10MB)
  const d = new BpfD(c, 4096)
  d.snaplen = 10
  d.filter = (b, o) => b[o] !== 9
  bif.attach(d)
  assert.equal(bif.n, 1)
  const pkt = (first: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? first : i))
  wall.ns = 5_000
  bif.tap(pkt(1, 60), 0, 60, false)
  wall.ns = 7_000
  bif.tap(pkt(9, 60), 0, 60, true)
  bif.tap(pkt(2, 8), 0, 8, true)
  assert.deepEqual([d.rcount, d.fcount, d.dcount], [3, 2, 0])
  assert.deepEqual(collect(d), [
    { len: 10, wire: 60, out: false, stamp: 5_000, first: 1 },
    { len: 8, wire: 8, out: true, stamp: 7_000, first: 2 },
  ])
  assert.deepEqual(collect(d), [])
  d.direction = BpfDirection.IN
  bif.tap(pkt(3, 20), 0, 20, true)
  bif.tap(pkt(4, 20), 0, 20, false)
  assert.deepEqual(
    collect(d).map((r) => r.first),
    [4],
  )
  d.close()
  assert.equal(bif.n, 0)
  bif.tap(pkt(5, 20), 0, 20, false)
  assert.equal(d.rcount, 4)
})

test('two bounded buffers: a slow reader loses packets, counted, never more memory', () => {
  const { clock: c } = clock()
  const bif = new BpfIf('em0', DLT.EN10MB)
  const d = new BpfD(c, 4096)
  bif.attach(d)
  const p = new Uint8Array(1000)
  // 1020 bytes a record: four fill the store buffer, four more the second, the rest are dropped.
  for (let i = 0; i < 12; i++) bif.tap(p, 0, 1000, false)
  assert.equal(d.dcount, 4)
  assert.equal(collect(d).length, 4)
  assert.equal(collect(d).length, 4)
  assert.equal(collect(d).length, 0)
  bif.tap(p, 0, 1000, false)
  assert.equal(collect(d).length, 1)
  assert.deepEqual([d.rcount, d.fcount, d.dcount], [13, 13, 4])
})

test('a delayed TCP checksum is finished in the captured copy, not in the packet', () => {
  const { clock: c } = clock()
  const pool = new MbufPool()
  const m = pool.get(100)
  const f = new Uint8Array(14 + 20 + 24)
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0])
  f.set([0x45, 0, 0, 44, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14)
  f.set([0, 80, 0, 81, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4], 34)
  m.data.set(f, m.off)
  m.len = f.length
  m.csumL4 = true
  const bif = new BpfIf('em0', DLT.EN10MB)
  const d = new BpfD(c, 4096)
  bif.attach(d)
  bif.mtap(m, true)
  let sum = -1
  d.read((r) => {
    sum = checksum(r.buf, r.off + 34, 24, ipv4PseudoHeaderSum(0x0a000001, 0x0a000002, 6, 24))
  })
  assert.equal(sum, 0, 'the copy verifies')
  assert.equal(m.data[m.off + 34 + 16], 0, 'the packet itself is untouched')
})

test('detachAll: the descriptor knows its point went away', () => {
  const { clock: c } = clock()
  const bif = new BpfIf({ name: 'epair0a' }, DLT.EN10MB)
  const d = new BpfD(c, 4096)
  bif.attach(d)
  assert.equal(d.bif, bif)
  assert.equal(bif.name, 'epair0a')
  bif.detachAll()
  assert.equal(d.bif, null)
  assert.equal(bif.n, 0)
})
