/**
 * DHCPv6 codec: hand-assembled RFC 8415 bytes parse to what they say, messages round-trip, DUID
 * helpers agree with §11, and random, mutated and truncated input is refused by name, never thrown.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseIpv6 } from '../inet6/in6_addr.js'
import {
  DHCP6_MAX_IAS,
  Dhcp6Error,
  Dhcp6Opt,
  Dhcp6Status,
  Dhcp6Type,
  duidLl,
  duidLlt,
  duidMac,
  emitDhcp6,
  formatHexColons,
  newDhcp6Msg,
  parseDhcp6,
} from './dhcp6.js'

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!, (x) => Number.parseInt(x, 16))
const a6 = (s: string) => parseIpv6(s)!

/** A SOLICIT as ISC's dhclient -6 sends it, assembled by hand from RFC 8415 §8, §21.2, §21.4, §21.7, §21.9. */
const SOLICIT = hex(`
  01 12 34 56
  0001 000e 0001 0001 2c8f 1a00 4200 aa00 000a
  0008 0002 0000
  0006 0004 0017 0018
  0003 000c aa00 000a 0000 0e10 0000 1518
`)

test('a hand-assembled SOLICIT parses to its fields', () => {
  const p = parseDhcp6(SOLICIT)
  assert.ok(p.ok)
  const m = p.msg
  assert.equal(m.type, Dhcp6Type.SOLICIT)
  assert.equal(m.xid, 0x123456)
  assert.equal(formatHexColons(m.clientId!), '00:01:00:01:2c:8f:1a:00:42:00:aa:00:00:0a')
  assert.equal(duidMac(m.clientId!), 0x4200aa00000a)
  assert.equal(m.elapsed, 0)
  assert.deepEqual(m.oro, [Dhcp6Opt.DNS_SERVERS, Dhcp6Opt.DOMAIN_LIST])
  assert.equal(m.ias.length, 1)
  assert.deepEqual(
    { ...m.ias[0]!, addrs: m.ias[0]!.addrs.length },
    { type: Dhcp6Opt.IA_NA, iaid: 0xaa00000a, t1: 3600, t2: 5400, addrs: 0, prefixes: [] },
  )
  assert.equal(m.serverId, undefined)
  assert.equal(m.rapidCommit, false)
})

test('emit writes the same bytes for the same message, and a full REPLY round-trips', () => {
  const p = parseDhcp6(SOLICIT)
  assert.ok(p.ok)
  // emit orders CLIENTID, ELAPSED, IA, ORO: the hand-made message in that order comes back identical.
  const reordered = hex(`
    01 12 34 56
    0001 000e 0001 0001 2c8f 1a00 4200 aa00 000a
    0008 0002 0000
    0003 000c aa00 000a 0000 0e10 0000 1518
    0006 0004 0017 0018
  `)
  assert.deepEqual(emitDhcp6(p.msg), reordered)

  const r = newDhcp6Msg(Dhcp6Type.REPLY, 0xabcdef)
  r.clientId = duidLlt(0x4200aa00000a, 12345)
  r.serverId = duidLl(0x4200aa000007)
  r.preference = 255
  r.rapidCommit = true
  r.status = { code: Dhcp6Status.SUCCESS, message: 'ok' }
  r.ias.push({
    type: Dhcp6Opt.IA_NA,
    iaid: 7,
    t1: 100,
    t2: 160,
    addrs: [{ addr: a6('fc00:3::105'), preferred: 27000, valid: 43200, status: { code: 0, message: '' } }],
    prefixes: [],
  })
  r.ias.push({
    type: Dhcp6Opt.IA_PD,
    iaid: 8,
    t1: 0,
    t2: 0,
    addrs: [],
    prefixes: [{ prefix: a6('fc00:99::'), prefixLen: 56, preferred: 1, valid: 2 }],
  })
  r.ias.push({
    type: Dhcp6Opt.IA_TA,
    iaid: 9,
    t1: 0,
    t2: 0,
    addrs: [],
    prefixes: [],
    status: { code: 2, message: 'none' },
  })
  r.dnsServers = [a6('fc00:3::53'), a6('fe80::1')]
  r.domainList = ['example.org', 'lab']
  r.other.push({ code: 82, data: Uint8Array.of(0, 0, 0, 60) })
  const back = parseDhcp6(emitDhcp6(r))
  assert.ok(back.ok)
  assert.deepEqual(back.msg, r)
})

test('DUIDs: LLT carries the type, hardware type, time and MAC; LL has no time; others have no MAC', () => {
  assert.equal(
    formatHexColons(duidLlt(0x020000000001, 0x01020304)),
    '00:01:00:01:01:02:03:04:02:00:00:00:00:01',
  )
  assert.equal(formatHexColons(duidLl(0x020000000001)), '00:03:00:01:02:00:00:00:00:01')
  assert.equal(duidMac(duidLl(0x020000000001)), 0x020000000001)
  assert.equal(duidMac(hex('0002 0000 0009 0102')), undefined)
})

test('malformed messages are refused by name', () => {
  const cases: Array<[string, number]> = [
    ['01 00 00', Dhcp6Error.TRUNCATED],
    ['0c 00 00 00', Dhcp6Error.RELAY],
    ['00 00 00 01', Dhcp6Error.BAD_TYPE],
    ['0e 00 00 01', Dhcp6Error.BAD_TYPE],
    ['01 00 00 01 0008 0003 000000', Dhcp6Error.BAD_OPTION_LEN],
    ['01 00 00 01 0008 0004 0000', Dhcp6Error.OPTION_OVERRUN],
    ['01 00 00 01 00', Dhcp6Error.OPTION_OVERRUN],
    ['01 00 00 01 0001 0001 00', Dhcp6Error.BAD_DUID],
    ['01 00 00 01 0001 0004 0001 0001', Dhcp6Error.BAD_DUID],
    ['01 00 00 01 000e 0001 00', Dhcp6Error.BAD_OPTION_LEN],
    ['01 00 00 01 0003 0008 0000 0001 0000 0000', Dhcp6Error.BAD_OPTION_LEN],
    ['01 00 00 01 0003 0010 0000 0001 0000 0000 0000 0000 0005 0000', Dhcp6Error.BAD_OPTION_LEN],
    ['01 00 00 01 0018 0003 02 61 62', Dhcp6Error.BAD_DOMAIN],
    ['01 00 00 01 0018 0001 00', Dhcp6Error.BAD_DOMAIN],
    ['01 00 00 01 0017 0004 00000000', Dhcp6Error.BAD_OPTION_LEN],
  ]
  for (const [h, e] of cases) {
    const p = parseDhcp6(hex(h))
    assert.ok(!p.ok, h)
    assert.equal(p.error, e, h)
  }
  // More IAs than the bound.
  const many = [hex('01 00 00 01')]
  for (let i = 0; i <= DHCP6_MAX_IAS; i++)
    many.push(hex(`0003 000c ${i.toString(16).padStart(8, '0')} 00000000 00000000`))
  const b = new Uint8Array(many.reduce((n, x) => n + x.length, 0))
  let o = 0
  for (const x of many) {
    b.set(x, o)
    o += x.length
  }
  const p = parseDhcp6(b)
  assert.ok(!p.ok && p.error === Dhcp6Error.TOO_MANY)
})

test('random, mutated and truncated messages never throw', () => {
  let seed = 12345
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed / 2 ** 32
  }
  const r = newDhcp6Msg(Dhcp6Type.REPLY, 1)
  r.clientId = duidLlt(1, 2)
  r.serverId = duidLl(3)
  r.ias.push({
    type: Dhcp6Opt.IA_NA,
    iaid: 1,
    t1: 1,
    t2: 2,
    addrs: [{ addr: a6('fc00::1'), preferred: 1, valid: 2 }],
    prefixes: [],
  })
  r.dnsServers = [a6('fc00::53')]
  r.domainList = ['a.b']
  const good = emitDhcp6(r)
  let refused = 0
  for (let i = 0; i < 20000; i++) {
    let b: Uint8Array
    if (i % 3 === 0) b = Uint8Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256))
    else if (i % 3 === 1) {
      b = good.slice()
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++)
        b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256)
    } else b = good.slice(0, Math.floor(rnd() * good.length))
    const p = parseDhcp6(b)
    if (!p.ok) refused++
    else emitDhcp6(p.msg)
  }
  assert.ok(refused > 10000, `${refused} refused`)
})
