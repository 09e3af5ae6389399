/**
 * if_bridge(4) in virtual time: three vnet jails whose epairs meet in `bridge0` in the host ping each
 * other and the bridge's own address; unicast is forwarded to one member only once learned; member
 * checks (EBUSY, EEXIST, ENOENT, EINVAL) change nothing; deletem, destroying the bridge, destroying a
 * member and moving a member to another vnet all release membership; addresses age out; a vnet
 * jail's root may run its own bridge, a jail without a vnet and a non-root user may not.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { IfFlag } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { errnoOf, ip, Net, ping, snapshot } from '../../../testing/net.js'
import { SEC } from '../../../util/clock.js'
import { IcmpType } from '../../../wire/inet/icmp.js'
import { IFBIF_DEFAULT } from './bridge_member.js'
import { BRIDGE_RTABLE_TIMEOUT, bridgeOf } from './if_bridge.js'

let current: Net | null = null

afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

/**
 * Jails a, b, c with 10.0.0.1-3/24 on epairNa; the epairNb halves stay in the host, up, as members
 * of bridge0 (up, 10.0.0.254/24).
 */
function lan(): Net {
  const net = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 3 }), {
    jails: ['a', 'b', 'c'],
    links: [
      ['a', '10.0.0.1/24', '', ''],
      ['b', '10.0.0.2/24', '', ''],
      ['c', '10.0.0.3/24', '', ''],
    ],
  })
  current = net
  const r = net.root
  assert.equal(r.ifCreate('bridge'), 'bridge0')
  for (const m of ['epair0b', 'epair1b', 'epair2b']) {
    r.ifBridgeAdd('bridge0', m)
    r.ifSetUp(m, true)
  }
  r.ifAddAddr('bridge0', ip('10.0.0.254'), 24)
  return net
}

const replied = async (p: ReturnType<typeof ping>) => (await p)?.type === IcmpType.ECHO_REPLY

describe('if_bridge', () => {
  test('three jails ping each other and the bridge address through bridge0', async () => {
    const net = lan()
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'))))
    assert.ok(await replied(ping(net.sys('b'), ip('10.0.0.3'))))
    assert.ok(await replied(ping(net.sys('c'), ip('10.0.0.1'))))
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.254'))))
    assert.ok(await replied(ping(net.root, ip('10.0.0.3'))))
    assert.equal(net.host.env.pool.inUse, 0)
  })

  test('once learned, unicast goes out of one member only', async () => {
    const net = lan()
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'))))
    const out = (n: string) => net.root.ifGet(n).stats.opackets
    const before = ['epair0b', 'epair1b', 'epair2b'].map(out)
    for (let i = 0; i < 5; i++) assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'), { seq: i + 2 })))
    const after = ['epair0b', 'epair1b', 'epair2b'].map(out)
    assert.deepEqual(
      after.map((v, i) => v - before[i]!),
      [5, 5, 0],
    )
  })

  test('ifconfig data: members with flags 0x143, members promiscuous, the bridge an Ethernet interface', () => {
    const net = lan()
    const br = net.root.ifGet('bridge0')
    assert.deepEqual(
      br.members?.map((m) => [m.name, m.flags]),
      [
        ['epair0b', IFBIF_DEFAULT],
        ['epair1b', IFBIF_DEFAULT],
        ['epair2b', IFBIF_DEFAULT],
      ],
    )
    assert.equal(IFBIF_DEFAULT, 0x143)
    assert.equal(br.members?.[0]?.port, net.root.ifGet('epair0b').index)
    assert.deepEqual(br.groups, ['bridge'])
    assert.notEqual(br.mac, null)
    assert.ok((net.root.ifGet('epair1b').flags & IfFlag.PROMISC) !== 0)
    assert.equal(net.root.ifGet('epair1b').members, undefined)
    assert.ok(net.root.ifCloners().includes('bridge'))
  })

  test('membership errors: EBUSY, EEXIST, ENOENT, EINVAL — and nothing changes', () => {
    const net = lan()
    const r = net.root
    assert.equal(r.ifCreate('bridge'), 'bridge1')
    r.ifCreate('epair')
    const before = snapshot(net.host)
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('bridge1', 'epair0b')),
      'EBUSY',
    )
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('bridge0', 'epair0b')),
      'EEXIST',
    )
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('bridge0', 'nosuch0')),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('bridge0', 'lo0')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('bridge0', 'bridge0')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('bridge0', 'bridge1')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('epair3a', 'epair3b')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('bridge7', 'epair3b')),
      'ENXIO',
    )
    assert.equal(
      errnoOf(() => r.ifBridgeDelete('bridge1', 'epair0b')),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => r.ifBridgeDelete('bridge0', 'epair3b')),
      'ENOENT',
    )
    // epair0a lives in jail a: not visible here.
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('bridge1', 'epair0a')),
      'ENOENT',
    )
    assert.deepEqual(snapshot(net.host), before)
    assert.equal(r.ifGet('bridge1').members?.length, 0)
  })

  test('a later member takes the bridge MTU set by the first', () => {
    const net = lan()
    const r = net.root
    r.ifCreate('bridge')
    r.ifCreate('epair')
    r.ifSetMtu('epair3a', 9000)
    r.ifBridgeAdd('bridge1', 'epair3a')
    assert.equal(r.ifGet('bridge1').mtu, 9000)
    r.ifBridgeAdd('bridge1', 'epair3b')
    assert.equal(r.ifGet('epair3b').mtu, 9000)
  })

  test('deletem releases the member: no more bridging through it', async () => {
    const net = lan()
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.3'))))
    net.root.ifBridgeDelete('bridge0', 'epair2b')
    const ep = net.ifp('', 'epair2b')
    assert.equal(ep.tap, null)
    assert.equal(ep.flags & IfFlag.PROMISC, 0)
    assert.deepEqual(
      net.root.ifGet('bridge0').members?.map((m) => m.name),
      ['epair0b', 'epair1b'],
    )
    assert.equal(await ping(net.sys('a'), ip('10.0.0.3'), { seq: 2 }), null)
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'))))
    // It can join again.
    net.root.ifBridgeAdd('bridge0', 'epair2b')
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.3'), { seq: 3 })))
  })

  test('destroying the bridge releases every member', () => {
    const net = lan()
    const members = ['epair0b', 'epair1b', 'epair2b'].map((n) => net.ifp('', n))
    const sc = bridgeOf(net.ifp('', 'bridge0'))!
    net.root.ifDestroy('bridge0')
    for (const m of members) {
      assert.equal(m.tap, null)
      assert.equal(m.flags & IfFlag.PROMISC, 0)
    }
    assert.equal(sc.members.length, 0)
    assert.equal(sc.table.size, 0)
    // Free to join another bridge.
    assert.equal(net.root.ifCreate('bridge'), 'bridge0')
    net.root.ifBridgeAdd('bridge0', 'epair0b')
  })

  test('a member destroyed or moved to another vnet leaves the bridge', async () => {
    const net = lan()
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'))))
    net.root.ifDestroy('epair1b')
    net.root.ifMoveToJail('epair2b', 'c')
    assert.deepEqual(
      net.root.ifGet('bridge0').members?.map((m) => m.name),
      ['epair0b'],
    )
    assert.equal(net.ifp('c', 'epair2b').tap, null)
    const sc = bridgeOf(net.ifp('', 'bridge0'))!
    for (const i of sc.table.slots()) assert.equal(sc.table.port(i).ifp.name, 'epair0b')
  })

  test('learned addresses age out after the timeout; the timer stops with the table empty', async () => {
    const net = lan()
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'))))
    const sc = bridgeOf(net.ifp('', 'bridge0'))!
    assert.ok(sc.table.size >= 2)
    // The last frames come at ~2 s: the jails' unsolicited advertisements when their link-local
    // addresses pass DAD (GRAND).
    await net.sleep((BRIDGE_RTABLE_TIMEOUT + 3) * SEC)
    assert.equal(sc.table.size, 0)
    assert.equal(net.host.clock.pending, 0, 'no timer left: ARP entries and bridge addresses are gone')
  })

  test('removing a jail that bridges a borrowed interface returns it free of the bridge', () => {
    const net = lan()
    const r = net.root
    r.ifCreate('epair')
    r.ifMoveToJail('epair3a', 'a')
    const a = net.sys('a')
    assert.equal(a.ifCreate('bridge'), 'bridge0')
    a.ifBridgeAdd('bridge0', 'epair3a')
    const sc = bridgeOf(net.ifp('a', 'bridge0'))!
    r.jailRemove('a')
    const ep = net.ifp('', 'epair3a')
    assert.equal(ep.tap, null)
    assert.equal(sc.members.length, 0)
    r.ifBridgeAdd('bridge0', 'epair3a')
  })
})

describe('if_bridge privileges', () => {
  test("a vnet jail's root runs its own bridge; a jail without a vnet and non-root users may not", async () => {
    const net = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 4 }), { jails: ['v'] })
    current = net
    const v = net.sys('v')
    assert.equal(v.ifCreate('bridge'), 'bridge0')
    v.ifCreate('epair')
    v.ifBridgeAdd('bridge0', 'epair0a')
    v.ifBridgeDelete('bridge0', 'epair0a')
    // The host's own bridge0 is a different interface, untouched by the jail's.
    assert.equal(
      errnoOf(() => net.root.ifGet('bridge0')),
      'ENXIO',
    )

    net.root.jailCreate([
      ['name', 'plain'],
      ['persist', true],
    ])
    net.root.ifCreate('bridge')
    net.root.ifCreate('epair')
    const before = snapshot(net.host)
    const plain = net.root.attach('plain')
    assert.equal(
      errnoOf(() => plain.ifBridgeAdd('bridge0', 'epair0a')),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => plain.ifBridgeDelete('bridge0', 'epair0a')),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => plain.ifCreate('bridge')),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => net.host.syscalls(1001).ifBridgeAdd('bridge0', 'epair0a')),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => net.sys('v').withUid(1001).ifBridgeAdd('bridge0', 'epair0a')),
      'EPERM',
    )
    assert.deepEqual(snapshot(net.host), before)
  })
})
