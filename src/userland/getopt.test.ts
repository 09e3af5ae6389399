/**
 * getopt(3) and the numeric conversions: BSD semantics (clusters, attached and separate
 * arguments, `--`, no permutation) and FreeBSD's error wording.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { getopt, numArg, strtod, strtol, strtonum } from './getopt.js'

describe('getopt', () => {
  test('clustered flags, attached and separate arguments', () => {
    assert.deepEqual(getopt('ping', ['-qnc3', '-i', '0.5', 'host'], 'c:i:qn'), {
      opts: [
        ['q', ''],
        ['n', ''],
        ['c', '3'],
        ['i', '0.5'],
      ],
      rest: ['host'],
    })
  })

  test('stops at the first operand (no permutation) and after --', () => {
    assert.deepEqual(getopt('x', ['-a', 'op', '-b'], 'ab'), { opts: [['a', '']], rest: ['op', '-b'] })
    assert.deepEqual(getopt('x', ['-a', '--', '-b'], 'ab'), { opts: [['a', '']], rest: ['-b'] })
    assert.deepEqual(getopt('x', ['-', '-a'], 'a'), { opts: [], rest: ['-', '-a'] })
  })

  test('an option argument may start with a dash', () => {
    assert.deepEqual(getopt('x', ['-c', '-1'], 'c:'), { opts: [['c', '-1']], rest: [] })
  })

  test("FreeBSD's messages", () => {
    assert.equal(getopt('ping', ['-x'], 'c:'), 'ping: illegal option -- x')
    assert.equal(getopt('ping', ['-c'], 'c:'), 'ping: option requires an argument -- c')
    assert.equal(getopt('ping', ['-:'], 'c:'), 'ping: illegal option -- :')
  })
})

describe('numeric conversions', () => {
  test('strtol with C prefixes, whole string only', () => {
    assert.equal(strtol('42'), 42)
    assert.equal(strtol('0x1f'), 31)
    assert.equal(strtol('010'), 8)
    assert.equal(strtol('-7'), -7)
    assert.equal(strtol('08'), null)
    assert.equal(strtol('12x'), null)
    assert.equal(strtol(''), null)
    assert.equal(strtol('0x'), null)
    assert.equal(strtol('0'), 0)
  })

  test('strtonum reports invalid / too small / too large', () => {
    assert.equal(strtonum('5', 1, 10), 5)
    assert.equal(strtonum('x', 1, 10), 'invalid')
    assert.equal(strtonum('0', 1, 10), 'too small')
    assert.equal(strtonum('11', 1, 10), 'too large')
    assert.equal(strtonum('0x5', 1, 10), 'invalid')
  })

  test('strtod', () => {
    assert.equal(strtod('0.5'), 0.5)
    assert.equal(strtod('.25'), 0.25)
    assert.equal(strtod('1e3'), 1000)
    assert.equal(strtod('1.5s'), null)
    assert.equal(strtod(''), null)
  })

  test("numArg words errors like ping's", () => {
    assert.equal(numArg('ping', 'count of packets to transmit', '3', { min: 1 }), 3)
    assert.equal(
      numArg('ping', 'count of packets to transmit', 'x', { min: 1 }),
      "ping: invalid count of packets to transmit: `x'",
    )
    assert.equal(numArg('ping', 'TTL', '256', { min: 0, max: 255 }), "ping: invalid TTL: `256'")
    assert.equal(numArg('ping', 'timing interval', '0.2', { float: true }), 0.2)
  })
})
