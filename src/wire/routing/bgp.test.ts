import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hex } from '../testkit.js'
import {
  AS_SEQUENCE,
  AS_SET,
  AS_TRANS,
  asPathLength,
  BgpFramer,
  ERR_HEADER,
  ERR_OPEN,
  ERR_UPDATE,
  formatAsPath,
  HDR_BAD_LENGTH,
  HDR_BAD_TYPE,
  HDR_NOT_SYNC,
  OPEN_BAD_HOLD,
  OPEN_BAD_VERSION,
  type PathAttrs,
  parseMessage,
  UPD_BAD_NETWORK,
  UPD_MALFORMED_LIST,
  UPD_UNRECOGNIZED_WELLKNOWN,
} from './bgp.js'
import {
  buildKeepalive,
  buildNotification,
  buildOpen,
  buildRouteRefresh,
  buildUpdates,
  encodeAttrs,
} from './bgp_build.js'

const MARKER = 'ff'.repeat(16)

function attrs(over: Partial<PathAttrs> = {}): PathAttrs {
  return {
    origin: 0,
    asPath: [{ type: AS_SEQUENCE, asns: [65001, 4200000000] }],
    nextHop: 0x0a000001,
    med: 5,
    localPref: 200,
    atomicAggregate: true,
    aggregator: { as: 65001, id: 0x01020304 },
    unknown: [{ flags: 0xc0, type: 8, value: Uint8Array.of(0xff, 0xff, 0xff, 0x01) }],
    ...over,
  }
}

test('OPEN: capabilities offered and read back; a 4-octet AS goes as AS_TRANS in My AS', () => {
  const b = buildOpen(4200000000, 180, 0x0a000001)
  const r = parseMessage(b, true)
  assert.ok(r.ok)
  assert.equal(r.msg.type, 'open')
  if (r.msg.type !== 'open') return
  assert.equal(r.msg.myAs, AS_TRANS)
  assert.equal(r.msg.as4, 4200000000)
  assert.equal(r.msg.hold, 180)
  assert.equal(r.msg.id, 0x0a000001)
  assert.ok(r.msg.routeRefresh && r.msg.mpIpv4)
})

test('OPEN: a small AS in My AS; FRR-like byte layout', () => {
  const b = buildOpen(65001, 180, 0x01010101)
  // version 4, AS fde9, hold 00b4, id, 3 params of capability
  assert.equal(
    Buffer.from(b).toString('hex'),
    `${MARKER}00310104fde900b40101010114020601040001000102020200020641040000fde9`,
  )
})

test('OPEN errors: version, hold time 1..2, unsupported parameter, short', () => {
  const b = buildOpen(65001, 180, 1)
  const v = b.slice()
  v[19] = 3
  const r1 = parseMessage(v, true)
  assert.ok(!r1.ok && r1.err.code === ERR_OPEN && r1.err.subcode === OPEN_BAD_VERSION)
  assert.deepEqual([...(r1.ok ? [] : r1.err.data)], [0, 4])
  const h = b.slice()
  h[23] = 2
  const r2 = parseMessage(h, true)
  assert.ok(!r2.ok && r2.err.subcode === OPEN_BAD_HOLD)
  const short = hex(MARKER, '001c01', '04fde900b40101010100').slice(0, 28)
  short[17] = 28
  const r3 = parseMessage(short, true)
  assert.ok(!r3.ok && r3.err.code === ERR_HEADER && r3.err.subcode === HDR_BAD_LENGTH)
})

test('UPDATE: every attribute round-trips; unknown optional transitive kept with Partial', () => {
  const a = attrs({
    asPath: [
      { type: AS_SEQUENCE, asns: [1, 2] },
      { type: AS_SET, asns: [3, 4] },
    ],
  })
  const enc = encodeAttrs(a, true)
  const msgs = buildUpdates([{ addr: 0x0a010000, len: 16 }], enc, [
    { addr: 0xc0a80100, len: 24 },
    { addr: 0, len: 0 },
  ])
  assert.equal(msgs.length, 2)
  const w = parseMessage(msgs[0]!, true)
  assert.ok(w.ok && w.msg.type === 'update')
  if (!w.ok || w.msg.type !== 'update') return
  assert.deepEqual(w.msg.withdrawn, [{ addr: 0x0a010000, len: 16 }])
  assert.equal(w.msg.attrs, null)
  const u = parseMessage(msgs[1]!, true)
  assert.ok(u.ok && u.msg.type === 'update')
  if (!u.ok || u.msg.type !== 'update') return
  assert.equal(u.msg.treatAsWithdraw, false)
  assert.deepEqual(u.msg.nlri, [
    { addr: 0xc0a80100, len: 24 },
    { addr: 0, len: 0 },
  ])
  const got = u.msg.attrs!
  assert.deepEqual(got.asPath, a.asPath)
  assert.equal(formatAsPath(got.asPath), '1 2 {3,4}')
  assert.equal(asPathLength(got.asPath), 3)
  assert.equal(got.med, 5)
  assert.equal(got.localPref, 200)
  assert.equal(got.atomicAggregate, true)
  assert.deepEqual(got.aggregator, { as: 65001, id: 0x01020304 })
  assert.equal(got.unknown.length, 1)
  assert.equal(got.unknown[0]!.flags, 0xe0)
  assert.deepEqual([...got.unknown[0]!.value], [0xff, 0xff, 0xff, 0x01])
})

test('UPDATE: 2-octet AS_PATH when the session is not 4-octet', () => {
  const enc = encodeAttrs(attrs({ asPath: [{ type: AS_SEQUENCE, asns: [65001, 4200000000] }] }), false)
  const [m] = buildUpdates([], enc, [{ addr: 0x0a000000, len: 8 }])
  const r = parseMessage(m!, false)
  assert.ok(r.ok && r.msg.type === 'update')
  if (r.ok && r.msg.type === 'update') assert.deepEqual(r.msg.attrs!.asPath[0]!.asns, [65001, AS_TRANS])
})

test('UPDATE: many prefixes split into messages of at most 4096 bytes', () => {
  const nlri = Array.from({ length: 2000 }, (_, i) => ({ addr: (0x0a000000 + i * 256) >>> 0, len: 24 }))
  const msgs = buildUpdates(nlri, encodeAttrs(attrs(), true), nlri)
  assert.ok(msgs.length >= 4)
  let w = 0
  let n = 0
  for (const m of msgs) {
    assert.ok(m.length <= 4096)
    const r = parseMessage(m, true)
    assert.ok(r.ok && r.msg.type === 'update')
    if (r.ok && r.msg.type === 'update') {
      w += r.msg.withdrawn.length
      n += r.msg.nlri.length
    }
  }
  assert.equal(w, 2000)
  assert.equal(n, 2000)
})

function update(attrHex: string, nlriHex = '180a0101'): Uint8Array {
  const a = hex(attrHex)
  const n = hex(nlriHex)
  const len = 23 + a.length + n.length
  return hex(
    MARKER,
    len.toString(16).padStart(4, '0'),
    '02',
    '0000',
    a.length.toString(16).padStart(4, '0'),
    attrHex,
    nlriHex,
  )
}

const ORIGIN = '40010100'
const PATH = '4002060201' + '0000fde9'
const NH = '4003040a000001'

test('RFC 7606: missing or malformed mandatory attributes are treat-as-withdraw, not a reset', () => {
  for (const [attrsHex, why] of [
    [PATH + NH, 'ORIGIN missing'],
    [ORIGIN + NH, 'AS_PATH missing'],
    [ORIGIN + PATH, 'NEXT_HOP missing'],
    ['40010103' + PATH + NH, 'ORIGIN 3'],
    [ORIGIN + '4002060201' + '0000fd' + NH, 'malformed AS_PATH'],
    [ORIGIN + PATH + '400305' + '0a00000100', 'NEXT_HOP length'],
    [ORIGIN + PATH + '40030400000000', 'NEXT_HOP 0'],
    [ORIGIN + PATH + NH + '80040300000a', 'MULTI_EXIT_DISC length'],
    [ORIGIN + PATH + NH + '0004040000000a', 'attribute 4 flags 0x0'],
  ] as const) {
    const r = parseMessage(update(attrsHex), true)
    assert.ok(r.ok && r.msg.type === 'update', why)
    if (r.ok && r.msg.type === 'update') {
      assert.equal(r.msg.treatAsWithdraw, true, why)
      assert.deepEqual(r.msg.nlri, [{ addr: 0x0a010100, len: 24 }], why)
    }
  }
})

test('RFC 7606: a bad ATOMIC_AGGREGATE or AGGREGATOR is discarded; a repeated attribute keeps the first', () => {
  const r = parseMessage(update(ORIGIN + PATH + NH + '400601ff' + 'c00703000001' + '40010102'), true)
  assert.ok(r.ok && r.msg.type === 'update')
  if (r.ok && r.msg.type === 'update') {
    assert.equal(r.msg.treatAsWithdraw, false)
    assert.equal(r.msg.attrs!.atomicAggregate, false)
    assert.equal(r.msg.attrs!.aggregator, null)
    assert.equal(r.msg.attrs!.origin, 0)
    assert.equal(r.msg.notes.length, 3)
  }
})

test('UPDATE errors that reset the session: bad lengths, prefixes, unknown well-known attribute', () => {
  const m = update(ORIGIN + PATH + NH)
  const bad1 = m.slice()
  bad1[19] = 0xff // withdrawn length past the message
  let r = parseMessage(bad1, true)
  assert.ok(!r.ok && r.err.code === ERR_UPDATE && r.err.subcode === UPD_MALFORMED_LIST)
  r = parseMessage(update(ORIGIN + PATH + NH, '210a010101ff'), true)
  assert.ok(!r.ok && r.err.subcode === UPD_BAD_NETWORK)
  r = parseMessage(update(ORIGIN + PATH + NH, '180a01'), true)
  assert.ok(!r.ok && r.err.subcode === UPD_BAD_NETWORK)
  r = parseMessage(update(`${ORIGIN + PATH + NH}4063020102`), true)
  assert.ok(!r.ok && r.err.subcode === UPD_UNRECOGNIZED_WELLKNOWN)
  assert.deepEqual(r.ok ? [] : [...r.err.data], [0x40, 0x63, 2, 1, 2])
})

test('header errors: marker, length, type; NOTIFICATION, KEEPALIVE and ROUTE-REFRESH parse', () => {
  const k = buildKeepalive()
  const bad = k.slice()
  bad[3] = 0
  let r = parseMessage(bad, true)
  assert.ok(!r.ok && r.err.subcode === HDR_NOT_SYNC)
  const t = k.slice()
  t[18] = 9
  r = parseMessage(t, true)
  assert.ok(!r.ok && r.err.subcode === HDR_BAD_TYPE)
  assert.deepEqual(r.ok ? [] : [...r.err.data], [9])
  r = parseMessage(buildNotification(6, 2, Uint8Array.of(1)), true)
  assert.ok(r.ok && r.msg.type === 'notification' && r.msg.code === 6 && r.msg.subcode === 2)
  assert.ok(parseMessage(k, true).ok)
  r = parseMessage(buildRouteRefresh(), true)
  assert.ok(r.ok && r.msg.type === 'refresh' && r.msg.afi === 1 && r.msg.safi === 1)
})

test('framer: messages cut out of a stream delivered a byte at a time; bad marker/length are final', () => {
  const f = new BgpFramer()
  const stream = [
    buildOpen(65001, 180, 1),
    buildKeepalive(),
    ...buildUpdates([], encodeAttrs(attrs(), true), [{ addr: 0x0a000000, len: 8 }]),
  ]
  const all = Uint8Array.from(stream.flatMap((m) => [...m]))
  const got: Uint8Array[] = []
  for (const byte of all) {
    assert.ok(f.push(Uint8Array.of(byte)))
    for (let m = f.next(); m !== null; m = f.next()) {
      assert.ok(m instanceof Uint8Array)
      got.push(m)
    }
  }
  assert.deepEqual(
    got.map((m) => m.length),
    stream.map((m) => m.length),
  )
  const g = new BgpFramer()
  g.push(hex(MARKER, '1001', '04'))
  const e = g.next()
  assert.ok(e !== null && !(e instanceof Uint8Array) && e.code === ERR_HEADER && e.subcode === HDR_BAD_LENGTH)
  assert.equal(g.next(), null)
  const h = new BgpFramer()
  h.push(hex('00'.repeat(19)))
  const e2 = h.next()
  assert.ok(e2 !== null && !(e2 instanceof Uint8Array) && e2.subcode === HDR_NOT_SYNC)
})

test('fuzz: random and mutated messages parse or give an error, never throw', () => {
  let seed = 12345
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed >>> 8
  }
  const seeds = [
    buildOpen(65001, 180, 1),
    buildKeepalive(),
    buildNotification(3, 1),
    buildRouteRefresh(),
    ...buildUpdates([{ addr: 0x0a000000, len: 8 }], encodeAttrs(attrs(), true), [
      { addr: 0x0b000000, len: 8 },
    ]),
  ]
  let ok = 0
  let errs = 0
  for (let i = 0; i < 20000; i++) {
    const base = seeds[i % seeds.length]!
    const m = base.slice()
    const flips = 1 + (rnd() % 4)
    for (let k = 0; k < flips; k++) m[19 + (rnd() % Math.max(1, m.length - 19))] = rnd() & 0xff
    for (const as4 of [true, false]) {
      const r = parseMessage(m, as4)
      if (r.ok) ok++
      else errs++
    }
    // Whole random frames through the framer too.
    const f = new BgpFramer()
    const junk = new Uint8Array(rnd() % 64).map(() => rnd() & 0xff)
    f.push(m)
    f.push(junk)
    for (let n = f.next(); n !== null; n = f.next()) if (n instanceof Uint8Array) parseMessage(n, true)
  }
  assert.ok(ok > 0 && errs > 0)
})
