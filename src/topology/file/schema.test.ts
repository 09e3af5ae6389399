/**
 * The schema as the single source of truth: the committed schema/topology.schema.json is exactly what
 * schema.ts generates (run `npm run schema` after changing the format), and the unit and address
 * helpers accept precisely what the schema's patterns accept.
 */

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { formatIpv4 } from '../../wire/addr.js'
import {
  interfaceAddressProblem,
  isIpv6Prefix,
  normalizeMac,
  parseDestination,
  parsePrefix,
} from '../cidr.js'
import { PATTERNS, schemaJson } from './schema.js'
import { parseBandwidth, parseDuration, parseProbability } from './units.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

test('schema/topology.schema.json is up to date (npm run schema)', () => {
  const committed = readFileSync(resolve(ROOT, 'schema/topology.schema.json'), 'utf8')
  assert.equal(committed, schemaJson())
  const doc = JSON.parse(committed)
  assert.equal(doc.$schema, 'http://json-schema.org/draft-07/schema#')
  assert.deepEqual(doc.required, ['nodes'])
})

describe('units', () => {
  test('bandwidth', () => {
    const cases: [number | string, number | null][] = [
      [0, 0],
      [1500.4, 1500],
      ['64000', 64000],
      ['10Mbit', 10e6],
      ['10mbit', 10e6],
      ['1Gbps', 1e9],
      ['512k', 512e3],
      ['2.5 Mbit/s', 2.5e6],
      ['1e9', 1e9],
      ['100 bits', 100],
      ['1T', 1e12],
      ['10MB', null],
      ['fast', null],
      ['-1', null],
      ['', null],
      [-1, null],
      [Number.POSITIVE_INFINITY, null],
    ]
    for (const [v, want] of cases) assert.equal(parseBandwidth(v), want, String(v))
  })

  test('duration: numbers and bare strings are µs', () => {
    const cases: [number | string, number | null][] = [
      [0, 0],
      [30000, 30e6],
      [0.5, 500],
      ['30000', 30e6],
      ['10ms', 10e6],
      ['1.5 s', 1.5e9],
      ['250us', 250e3],
      ['250µs', 250e3],
      ['100ns', 100],
      ['10 min', null],
      ['ms', null],
      [-1, null],
    ]
    for (const [v, want] of cases) assert.equal(parseDuration(v), want, String(v))
  })

  test('probability: 0..1 or a percentage', () => {
    const cases: [number | string, number | null][] = [
      [0, 0],
      [1, 1],
      [0.25, 0.25],
      ['1%', 0.01],
      ['0.5 %', 0.005],
      ['100%', 1],
      ['100.0%', 1],
      ['100.5%', null],
      ['150%', null],
      ['0.5', null],
      [1.01, null],
      [-0.1, null],
    ]
    for (const [v, want] of cases) assert.equal(parseProbability(v), want, String(v))
  })

  test('the parsers accept exactly what the schema patterns accept (property)', () => {
    const chars = fc.constantFrom(...'0123456789.eE+-kKmMgGtTbitpsnuµ/% '.split(''))
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 12 }), (s) => {
        assert.equal(parseBandwidth(s) !== null, new RegExp(PATTERNS.bandwidth).test(s), `bandwidth ${s}`)
        assert.equal(parseDuration(s) !== null, new RegExp(PATTERNS.duration).test(s), `duration ${s}`)
        assert.equal(parseProbability(s) !== null, new RegExp(PATTERNS.percent).test(s), `percent ${s}`)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('addresses', () => {
  test('IPv4 prefixes agree with the schema pattern (property)', () => {
    const part = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.constantFrom('01', '00', '', 'x', '-1'),
    )
    fc.assert(
      fc.property(
        fc.tuple(part, part, part, part),
        fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom('', '08', 'a')),
        (p, len) => {
          const s = `${p.join('.')}/${len}`
          assert.equal(parsePrefix(s) !== null, new RegExp(PATTERNS.ipv4Prefix).test(s), s)
        },
      ),
      { numRuns: 2000 },
    )
  })

  test('destinations', () => {
    assert.deepEqual(parseDestination('default'), { addr: 0, len: 0 })
    assert.deepEqual(parseDestination('10.0.0.1'), { addr: 0x0a000001, len: 32 })
    assert.equal(formatIpv4(parseDestination('192.168.1.0/24')!.addr), '192.168.1.0')
    assert.equal(parseDestination('10.0.0/8'), null)
  })

  test('interface address problems', () => {
    const why = (s: string) => interfaceAddressProblem(parsePrefix(s)!)
    assert.equal(why('10.0.0.1/24'), null)
    assert.equal(why('10.0.0.0/31'), null)
    assert.equal(why('10.0.0.0/32'), null)
    assert.equal(why('10.0.0.255/24'), 'it is the broadcast address of 10.0.0.0/24')
    assert.equal(why('0.1.2.3/8'), 'addresses in 0.0.0.0/8 are not usable')
    assert.equal(why('250.0.0.1/8'), 'addresses in 240.0.0.0/4 are reserved')
    assert.equal(why('10.0.0.1/0'), 'a /0 prefix covers every address')
  })

  test('IPv6 prefixes', () => {
    for (const ok of [
      '::1/128',
      '::/0',
      'fc00:1::1/64',
      '2001:db8:0:0:0:0:0:1/64',
      '::ffff:192.0.2.1/96',
      'fe80::/10',
    ])
      assert.ok(isIpv6Prefix(ok), ok)
    for (const bad of [
      '::1',
      '1::2::3/64',
      '12345::/64',
      'fc00::/129',
      '1:2:3:4:5:6:7:8:9/64',
      ':/0',
      'g::/8',
      '::ffff:1.2.3/96',
    ])
      assert.ok(!isIpv6Prefix(bad), bad)
  })

  test('MACs', () => {
    assert.equal(normalizeMac('42:0:AA:0:0:1'), '42:00:aa:00:00:01')
    assert.equal(normalizeMac('42-00-aa-00-00-01'), '42:00:aa:00:00:01')
    assert.equal(normalizeMac('42:00:aa:00:00'), null)
  })
})
