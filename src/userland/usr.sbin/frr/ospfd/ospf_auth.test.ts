/**
 * ospfd's authentication between two engines back to back, in virtual time: matching simple
 * passwords, MD5 keys and HMAC-SHA keys reach Full with every packet signed as appendix D says
 * (sequence numbers never decreasing); a wrong password, key, key id or AuType never gets past Down
 * and is counted by reason; a replayed older packet is dropped; the area's type applies where the
 * interface sets none, and message-digest without keys is null authentication (as FRR does).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseIpv4, readU16, readU32 } from '../../../../wire/addr.js'
import { parseOspf } from '../../../../wire/routing/ospf.js'
import { AuType, checkAuth, type OspfAuthExpect } from '../../../../wire/routing/ospf_auth.js'
import { resolveAuth } from './ospf_auth.js'
import { OspfEngine } from './ospf_engine.js'
import { routeKey } from './ospf_spf.js'
import { type IfDesc, NbrState } from './ospf_types.js'

const ip = (s: string): number => parseIpv4(s)!
const S = 1e9

function ifDesc(name: string, addr: string): IfDesc {
  return {
    name,
    addr: ip(addr),
    len: 24,
    area: 0,
    type: 'broadcast',
    cost: 10,
    hello: 10,
    dead: 40,
    retransmit: 5,
    priority: 1,
    passive: false,
    mtu: 1500,
    ifindex: 1,
  }
}

interface Wire {
  from: 'a' | 'b'
  pkt: Uint8Array
}

/** Two engines on one broadcast wire with the given authentication each, everything sent recorded. */
function pair(authA: OspfAuthExpect, authB: OspfAuthExpect) {
  const queue: Array<{ to: OspfEngine; src: number; dst: number; pkt: Uint8Array }> = []
  const wire: Wire[] = []
  let seed = 11
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0)
  const a: OspfEngine = new OspfEngine({
    send: (i, dst, pkt) => {
      wire.push({ from: 'a', pkt })
      queue.push({ to: b, src: i.addr, dst, pkt })
    },
    random,
  })
  const b: OspfEngine = new OspfEngine({
    send: (i, dst, pkt) => {
      wire.push({ from: 'b', pkt })
      queue.push({ to: a, src: i.addr, dst, pkt })
    },
    random,
  })
  a.setRouterId(ip('1.1.1.1'))
  b.setRouterId(ip('2.2.2.2'))
  let now = 1000 * S
  a.setInterfaces([ifDesc('e0', '10.0.0.1'), { ...ifDesc('lo1', '192.168.1.1'), type: 'loopback' }], now)
  b.setInterfaces([ifDesc('e0', '10.0.0.2'), { ...ifDesc('lo1', '192.168.2.1'), type: 'loopback' }], now)
  a.auth.setIf('e0', resolveAuth(authA.type, 0, authA.password, authA.keys))
  b.auth.setIf('e0', resolveAuth(authB.type, 0, authB.password, authB.keys))
  const deliver = (to: OspfEngine, src: number, pkt: Uint8Array) =>
    to.input(pkt, src, ip('224.0.0.5'), 'e0', now)
  const run = (seconds: number) => {
    const end = now + seconds * S
    while (now <= end) {
      a.tick(now)
      b.tick(now)
      while (queue.length > 0) {
        const m = queue.shift()!
        m.to.input(m.pkt, m.src, m.dst, 'e0', now)
      }
      now = Math.min(a.nextTimer(), b.nextTimer(), end + 1)
    }
  }
  const state = (e: OspfEngine) => [...e.ifs.get('e0')!.nbrs.values()].map((n) => n.state)
  return { a, b, run, wire, state, deliver }
}

const NONE: OspfAuthExpect = { type: AuType.NULL, password: '', keys: [] }
const simple = (password: string): OspfAuthExpect => ({ type: AuType.SIMPLE, password, keys: [] })
const md5 = (keyId: number, key: string): OspfAuthExpect => ({
  type: AuType.CRYPTO,
  password: '',
  keys: [{ keyId, algo: 'md5', key }],
})

test('simple password on both sides: Full, every packet AuType 1 with the password', () => {
  const p = pair(simple('pw'), simple('pw'))
  p.run(60)
  assert.deepEqual(p.state(p.a), [NbrState.FULL])
  assert.deepEqual(p.state(p.b), [NbrState.FULL])
  assert.ok(p.a.routes.has(routeKey(ip('192.168.2.1'), 32)))
  for (const w of p.wire) {
    assert.equal(readU16(w.pkt, 14), AuType.SIMPLE)
    assert.equal(Buffer.from(w.pkt.subarray(16, 24)).toString('latin1'), 'pw\0\0\0\0\0\0')
    assert.ok(parseOspf(w.pkt).ok)
  }
})

test('MD5 on both sides: Full; checksum zero, key id, 16-byte digest outside the length, sequence never decreasing', () => {
  const p = pair(md5(3, 'secret'), md5(3, 'secret'))
  p.run(60)
  assert.deepEqual(p.state(p.a), [NbrState.FULL])
  assert.deepEqual(p.state(p.b), [NbrState.FULL])
  assert.ok(p.b.routes.has(routeKey(ip('192.168.1.1'), 32)))
  const types = new Set<number>()
  const last = { a: 0, b: 0 }
  for (const w of p.wire) {
    const len = readU16(w.pkt, 2)
    assert.equal(w.pkt.length, len + 16)
    assert.equal(readU16(w.pkt, 12), 0)
    assert.equal(w.pkt[18], 3)
    assert.equal(w.pkt[19], 16)
    const seq = readU32(w.pkt, 20)
    assert.ok(seq > last[w.from], 'strictly increasing per sender')
    last[w.from] = seq
    assert.ok(checkAuth(w.pkt, md5(3, 'secret')).ok)
    types.add(w.pkt[1]!)
  }
  assert.deepEqual([...types].sort(), [1, 2, 3, 4, 5], 'every packet type was signed')
  assert.ok(last.a >= 1000, 'seeded from the clock in seconds (FRR)')
})

test('HMAC-SHA-256 keys (RFC 5709) on both sides: Full', () => {
  const k: OspfAuthExpect = { type: 2, password: '', keys: [{ keyId: 1, algo: 'hmac-sha-256', key: 'k' }] }
  const p = pair(k, k)
  p.run(60)
  assert.deepEqual(p.state(p.a), [NbrState.FULL])
  for (const w of p.wire) assert.equal(w.pkt.length, readU16(w.pkt, 2) + 32)
})

test('mismatches never get past Down, and are counted by reason', () => {
  const cases: Array<[OspfAuthExpect, OspfAuthExpect, string]> = [
    [simple('one'), simple('two'), 'auth-key'],
    [md5(1, 'one'), md5(1, 'two'), 'auth-digest'],
    [md5(1, 'same'), md5(2, 'same'), 'auth-key-id'],
    [md5(1, 'same'), NONE, 'auth-type'],
    [simple('x'), NONE, 'auth-type'],
  ]
  for (const [x, y, why] of cases) {
    const p = pair(x, y)
    p.run(120)
    assert.deepEqual(p.state(p.a), [], why)
    assert.deepEqual(p.state(p.b), [], why)
    assert.ok((p.a.counters.drops.get(why) ?? 0) >= 10, `${why}: ${[...p.a.counters.drops]}`)
    assert.equal(p.a.counters.rxPackets[1], 0)
  }
})

test('a replayed older packet from a neighbour is dropped (D.5.3), a newer one taken', () => {
  const p = pair(md5(1, 'k'), md5(1, 'k'))
  p.run(5)
  const old = p.wire.find((w) => w.from === 'b' && w.pkt[1] === 1)!.pkt
  p.run(60)
  assert.deepEqual(p.state(p.a), [NbrState.FULL])
  const before = p.a.counters.drops.get('auth-seq') ?? 0
  p.deliver(p.a, ip('10.0.0.2'), old)
  assert.equal(p.a.counters.drops.get('auth-seq'), before + 1)
  const fresh = [...p.wire].reverse().find((w) => w.from === 'b' && w.pkt[1] === 1)!.pkt
  const rx = p.a.counters.rxPackets[1]!
  p.deliver(p.a, ip('10.0.0.2'), fresh)
  assert.equal(p.a.counters.rxPackets[1], rx + 1, 'an equal sequence number is not a replay')
})

test('resolveAuth: the interface over the area; message-digest without keys is null; which key signs', () => {
  const keys = [{ keyId: 1, algo: 'md5' as const, key: 'k' }]
  const two = [...keys, { keyId: 2, algo: 'hmac-sha-1' as const, key: 'j' }]
  assert.equal(resolveAuth(2, 0, '', two).send?.keyId, 2, 'the last message-digest-key configured')
  assert.equal(resolveAuth(2, 0, '', two, true).send?.keyId, 1, "a key chain's lowest id")
  const none = resolveAuth(2, 0, '', [], true)
  assert.deepEqual([none.type, none.send], [2, null], 'a key chain without a key: still AuType 2')
  assert.equal(resolveAuth(null, 2, '', keys).type, 2)
  assert.equal(resolveAuth(null, 2, '', []).type, 0)
  assert.equal(resolveAuth(0, 2, '', keys).type, 0)
  assert.equal(resolveAuth(1, 0, 'pw', []).type, 1)
  assert.equal(resolveAuth(null, 1, 'pw', []).password, 'pw')
})
