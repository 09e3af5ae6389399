/**
 * iperf3's number formats against values its own output shows: unit_snprintf's four places and
 * adaptive units, the K/M/G parsers (1024-based sizes, 1000-based rates) and C's %.2g.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { gfmt, interval, unitFormat, unitParse } from './units.js'

test('unit_snprintf: bytes in 1024 steps, bits in 1000 steps, always four places', () => {
  assert.equal(unitFormat(117_440_512, 'A'), ' 112 MByte')
  assert.equal(unitFormat(1_181_116_006, 'A'), '1.10 GByte')
  assert.equal(unitFormat(131072, 'A'), ' 128 KByte')
  assert.equal(unitFormat(0, 'A'), '0.00 Byte')
  assert.equal(unitFormat(117_625_000, 'a'), ' 941 Mbit')
  assert.equal(unitFormat(131_072, 'a'), '1.05 Mbit')
  assert.equal(unitFormat(1_250_000_000 / 8, 'a'), '1.25 Gbit')
  assert.equal(unitFormat((99.96 * 1000) / 8, 'a'), ' 100 Kbit')
  assert.equal(unitFormat(45.5 * 1024, 'A'), '45.5 KByte')
})

test('unit_atof and unit_atof_rate: sizes count in 1024s, rates in 1000s', () => {
  assert.equal(unitParse('10M'), 10 * 1024 * 1024)
  assert.equal(unitParse('128K'), 131072)
  assert.equal(unitParse('1.5k'), 1536)
  assert.equal(unitParse('10M', true), 10_000_000)
  assert.equal(unitParse('2g', true), 2_000_000_000)
  assert.ok(Number.isNaN(unitParse('ten')))
  assert.ok(Number.isNaN(unitParse('10X')))
})

test("C's %.2g and the interval's %6.2f-%-6.2f", () => {
  assert.equal(gfmt(0, 2), '0')
  assert.equal(gfmt(12.345, 2), '12')
  assert.equal(gfmt(1.5, 2), '1.5')
  assert.equal(gfmt(0.052, 2), '0.052')
  assert.equal(gfmt(100, 2), '1e+02')
  assert.equal(gfmt(0.00001234, 2), '1.2e-05')
  assert.equal(interval(0, 1), '  0.00-1.00  ')
  assert.equal(interval(9, 10), '  9.00-10.00 ')
})
