import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { hex } from '../testkit.js'
import {
  DNS_CLASS_IN,
  DnsType,
  dnsIsSubdomain,
  dnsKey,
  dnsLabels,
  dnsParent,
  emitDns,
  newDnsMessage,
  parseDns,
} from './dns.js'

// A query for zpmMail.zpm.fer.hr A with RD, id 0x1234 (RFC 1035 §4.1).
const QUERY = hex(
  '1234 0100 0001 0000 0000 0000',
  '07 7a706d4d61696c 03 7a706d 03 666572 02 6872 00',
  '0001 0001',
)

describe('dns', () => {
  test('parses a query', () => {
    const r = parseDns(QUERY)
    assert.ok(r.ok)
    assert.equal(r.msg.id, 0x1234)
    assert.equal(r.msg.rd, true)
    assert.equal(r.msg.qr, false)
    assert.deepEqual(r.msg.questions, [{ name: 'zpmMail.zpm.fer.hr', type: 1, class: 1 }])
  })

  test('builds the same query octet for octet', () => {
    const m = newDnsMessage(0x1234)
    m.rd = true
    m.questions.push({ name: 'zpmMail.zpm.fer.hr', type: DnsType.A, class: DNS_CLASS_IN })
    assert.deepEqual(emitDns(m), QUERY)
  })

  test('compresses names on output and reads them back', () => {
    const m = newDnsMessage(7)
    m.qr = true
    m.aa = true
    m.questions.push({ name: 'zpm.fer.hr', type: DnsType.MX, class: 1 })
    m.answers.push({
      name: 'zpm.fer.hr',
      type: DnsType.MX,
      class: 1,
      ttl: 60000,
      data: { kind: 'mx', pref: 10, exchange: 'zpmMail.zpm.fer.hr' },
    })
    m.additional.push({
      name: 'ZPMMAIL.zpm.fer.hr',
      type: DnsType.A,
      class: 1,
      ttl: 60000,
      data: { kind: 'a', addr: 0x1e000004 },
    })
    const b = emitDns(m)!
    // The answer's owner is a pointer to the question's name at offset 12.
    const q = 12 + 12 + 4
    assert.equal(b[q], 0xc0)
    assert.equal(b[q + 1], 12)
    // The exchange is `zpmMail` then a pointer to zpm.fer.hr.
    assert.equal(b.length, 12 + 16 + (2 + 10 + 2 + 8 + 2) + (2 + 10 + 4))
    const r = parseDns(b)
    assert.ok(r.ok)
    assert.deepEqual(r.msg.answers[0]!.data, { kind: 'mx', pref: 10, exchange: 'zpmMail.zpm.fer.hr' })
    assert.equal(r.msg.additional[0]!.name, 'zpmMail.zpm.fer.hr')
    assert.equal(r.msg.aa, true)
  })

  test('SOA, TXT, AAAA, PTR and unknown types round-trip', () => {
    const m = newDnsMessage(1)
    const soa = {
      kind: 'soa',
      mname: 'a.b',
      rname: 'root.a.b',
      serial: 2002102801,
      refresh: 28,
      retry: 14,
      expire: 3600000,
      minimum: 0,
    } as const
    m.answers.push({ name: 'b', type: DnsType.SOA, class: 1, ttl: 1, data: soa })
    m.answers.push({
      name: 'b',
      type: DnsType.TXT,
      class: 1,
      ttl: 1,
      data: { kind: 'txt', strings: ['hello "x"', ''] },
    })
    m.answers.push({
      name: 'b',
      type: DnsType.AAAA,
      class: 1,
      ttl: 1,
      data: { kind: 'aaaa', addr: new Uint8Array(16).fill(1) },
    })
    m.answers.push({
      name: '4.0.0.30.in-addr.arpa',
      type: DnsType.PTR,
      class: 1,
      ttl: 1,
      data: { kind: 'name', name: 'www.zpm.fer.hr' },
    })
    m.answers.push({
      name: 'b',
      type: 99,
      class: 1,
      ttl: 1,
      data: { kind: 'raw', bytes: Uint8Array.of(1, 2, 3) },
    })
    const r = parseDns(emitDns(m)!)
    assert.ok(r.ok)
    assert.deepEqual(r.msg.answers, m.answers)
  })

  test('rejects pointer loops, forward pointers, long labels and truncation', () => {
    // A question whose name is a pointer to itself.
    assert.equal(parseDns(hex('0000 0000 0001 0000 0000 0000', 'c00c 0001 0001')).ok, false)
    // A pointer forward into the rest of the message.
    assert.equal(parseDns(hex('0000 0000 0001 0000 0000 0000', 'c00e 0001 0001 01 61 00')).ok, false)
    // Two names pointing at each other through a label.
    assert.equal(
      parseDns(hex('0000 0000 0002 0000 0000 0000', '01 61 c0 12 0001 0001 01 62 c0 0c 0001 0001')).ok,
      false,
    )
    // A 64-octet label.
    assert.equal(
      parseDns(hex('0000 0000 0001 0000 0000 0000', `40 ${'61'.repeat(64)} 00 0001 0001`)).ok,
      false,
    )
    assert.equal(parseDns(QUERY.subarray(0, QUERY.length - 1)).ok, false)
    assert.equal(parseDns(QUERY.subarray(0, 5)).ok, false)
    assert.equal(dnsLabels(`${'a'.repeat(64)}.b`), null)
    assert.equal(dnsLabels(`${'a.'.repeat(128)}`), null)
  })

  test('truncates to 512 octets with TC, leaving additional records out silently', () => {
    const m = newDnsMessage(1)
    m.qr = true
    m.questions.push({ name: 'x', type: DnsType.A, class: 1 })
    for (let i = 0; i < 60; i++)
      m.answers.push({ name: 'x', type: DnsType.A, class: 1, ttl: 1, data: { kind: 'a', addr: i } })
    const b = emitDns(m, 512)!
    assert.ok(b.length <= 512)
    const r = parseDns(b)
    assert.ok(r.ok && r.msg.tc && r.msg.answers.length === 30)
    m.answers.length = 1
    for (let i = 0; i < 60; i++)
      m.additional.push({ name: 'y', type: DnsType.A, class: 1, ttl: 1, data: { kind: 'a', addr: i } })
    const r2 = parseDns(emitDns(m, 512)!)
    assert.ok(r2.ok && !r2.msg.tc && r2.msg.additional.length > 0 && r2.msg.additional.length < 60)
  })

  test('names: escapes, keys, parents, subdomains', () => {
    assert.equal(dnsKey('WWW.Example.COM.'), 'www.example.com')
    assert.equal(dnsParent('a.b.c'), 'b.c')
    assert.equal(dnsParent('a\\.b.c'), 'c')
    assert.equal(dnsParent('c'), '')
    assert.ok(dnsIsSubdomain('mm.tel.fer.hr', 'fer.HR'))
    assert.ok(dnsIsSubdomain('x', ''))
    assert.ok(!dnsIsSubdomain('xfer.hr', 'fer.hr'))
    const m = newDnsMessage(1)
    m.questions.push({ name: 'a\\.b\\032c.d', type: 1, class: 1 })
    const r = parseDns(emitDns(m)!)
    assert.ok(r.ok)
    assert.equal(r.msg.questions[0]!.name, 'a\\.b\\032c.d')
  })

  test('random bytes and mutated messages never throw; what parses builds again', () => {
    const m = newDnsMessage(9)
    m.qr = true
    m.questions.push({ name: 'mm.tel.fer.hr', type: DnsType.A, class: 1 })
    m.answers.push({
      name: 'mm.tel.fer.hr',
      type: DnsType.A,
      class: 1,
      ttl: 60000,
      data: { kind: 'a', addr: 0x14000004 },
    })
    m.authority.push({
      name: 'tel.fer.hr',
      type: DnsType.NS,
      class: 1,
      ttl: 60000,
      data: { kind: 'name', name: 'dnsTel.tel.fer.hr' },
    })
    m.additional.push({
      name: 'dnsTel.tel.fer.hr',
      type: DnsType.A,
      class: 1,
      ttl: 60000,
      data: { kind: 'a', addr: 0x14000002 },
    })
    const good = emitDns(m)!
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: -2, max: 602 }),
        fc.integer({ min: -2, max: 602 }),
        (bytes, off, len) => {
          parseDns(bytes, off, len)
        },
      ),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 6,
        }),
        fc.integer({ min: 0, max: good.length }),
        (edits, len) => {
          const b = good.slice()
          for (const [i, v] of edits) b[i] = v
          const r = parseDns(b, 0, len)
          if (r.ok) {
            const again = emitDns(r.msg)
            if (again !== null) {
              const r2 = parseDns(again)
              assert.ok(r2.ok)
              assert.deepEqual(
                r2.msg.answers.map((x) => x.type),
                r.msg.answers.map((x) => x.type),
              )
            }
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})
