/**
 * The table's longest-prefix match against a brute-force reference on seeded random prefixes
 * (nested, overlapping, /0 and /32, 0.0.0.0 and 255.255.255.255 edges), through adds, updates,
 * deletes and flushes; the limit; and the per-vnet namespace (kernel indexes, references, names).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { SysError } from '../../../../util/errno.js'
import { Rng } from '../../../../util/rng.js'
import { IpfwTable, IpfwTables } from './ip_fw_table.js'

interface P {
  addr: number
  len: number
  value: number
}

const maskOf = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0)

/** The reference: scan every prefix, keep the longest that covers a. */
function brute(list: P[], a: number): number {
  let best: P | null = null
  for (const p of list)
    if ((a & maskOf(p.len)) >>> 0 === p.addr && (best === null || p.len > best.len)) best = p
  return best === null ? -1 : best.value
}

function lookupValue(t: IpfwTable, a: number): number {
  const i = t.lookup(a)
  return i < 0 ? -1 : t.value(i)
}

test('longest-prefix match agrees with brute force on random nested prefixes, through changes', () => {
  const rng = new Rng(42)
  const t = new IpfwTable('1', 0, 1, 0)
  const ref = new Map<string, P>()
  // Prefixes clustered under a few /8s so they nest and overlap.
  const bases = [0x0a000000, 0xc0a80000, 0x00000000, 0xff000000]
  const randPrefix = (): P => {
    const len = rng.int(33)
    const base = bases[rng.int(bases.length)]!
    const addr = ((base | (rng.u32() & 0x00ffffff)) & maskOf(len)) >>> 0
    return { addr, len, value: rng.int(1000) }
  }
  for (let round = 0; round < 20; round++) {
    for (let k = 0; k < 50; k++) {
      const p = randPrefix()
      const key = `${p.addr}/${p.len}`
      if (rng.int(4) === 0 && ref.size > 0) {
        const victim = [...ref.values()][rng.int(ref.size)]!
        assert.equal(t.delete(victim), 'deleted')
        ref.delete(`${victim.addr}/${victim.len}`)
      } else if (ref.has(key)) {
        assert.equal(t.add(p, false), 'exists')
        assert.equal(t.add(p, true), 'updated')
        ref.set(key, p)
      } else {
        assert.equal(t.add(p, false), 'added')
        ref.set(key, p)
      }
    }
    const list = [...ref.values()]
    const probes = [0, 0xffffffff, 0x0a000000, 0x0affffff, 0xc0a80001]
    for (const p of list) probes.push(p.addr, (p.addr + 2 ** (32 - p.len) - 1) >>> 0, (p.addr - 1) >>> 0)
    for (let k = 0; k < 200; k++) probes.push((bases[rng.int(4)]! | (rng.u32() & 0xffffff)) >>> 0)
    for (const a of probes) assert.equal(lookupValue(t, a), brute(list, a), `address ${a >>> 0}`)
    assert.equal(t.count, ref.size)
  }
  t.flush()
  assert.equal(t.lookup(0x0a000001), -1)
})

test('entries are masked to their length, listed by address then length; the limit refuses more', () => {
  const t = new IpfwTable('x', 0, 1, 2)
  assert.equal(t.add({ addr: 0x0a0102ff, len: 24, value: 1 }, false), 'added')
  assert.equal(t.add({ addr: 0x0a000000, len: 8, value: 2 }, false), 'added')
  assert.equal(t.add({ addr: 0x0b000000, len: 8, value: 3 }, false), 'limit')
  assert.deepEqual(t.list(), [
    { addr: 0x0a000000, len: 8, value: 2 },
    { addr: 0x0a010200, len: 24, value: 1 },
  ])
  assert.equal(t.delete({ addr: 0x0a010203, len: 24, value: 0 }), 'deleted')
  assert.equal(lookupValue(t, 0x0a010203), 2)
})

test('the namespace: kernel indexes reuse the lowest free, references pin tables, names are checked', () => {
  const ts = new IpfwTables()
  assert.equal(ts.create('1', 0, 'addr', 0).kidx, 1)
  assert.equal(ts.create('b', 0, 'addr', 0).kidx, 2)
  assert.throws(
    () => ts.create('1', 0, 'addr', 0),
    (e: SysError) => e.code === 'EEXIST',
  )
  assert.throws(
    () => ts.create('bad name', 0, 'addr', 0),
    (e: SysError) => e.code === 'EINVAL',
  )
  assert.throws(
    () => ts.create('m', 0, 'mac', 0),
    (e: SysError) => e.code === 'EOPNOTSUPP',
  )
  ts.ref('c', 'addr')
  assert.equal(ts.get('c')?.kidx, 3)
  assert.throws(
    () => ts.destroy('c'),
    (e: SysError) => e.code === 'EBUSY',
  )
  ts.unref('c')
  ts.destroy('1')
  assert.equal(ts.create('10', 0, 'addr', 0).kidx, 1)
  assert.deepEqual(
    ts.all().map((t) => t.name),
    ['b', 'c', '10'],
  )
  assert.throws(
    () => ts.destroy('nope'),
    (e: SysError) => e.code === 'ESRCH',
  )
})
