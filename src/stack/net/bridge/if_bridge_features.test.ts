/**
 * if_bridge(4)'s table and port features in virtual time: static entries never age nor move and
 * survive `flush` but not `flushall`; private members do not talk to each other; a span port gets a
 * copy of what the bridge sees until `-span`; `ifmaxaddr` refuses new sources beyond the limit;
 * lowering `maxaddr` trims learned entries; `net.link.bridge.inherit_mac` and `member_ifaddrs`.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { BridgeCmd } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { errnoOf, ip, Net, ping } from '../../../testing/net.js'
import { SEC } from '../../../util/clock.js'
import { IcmpType } from '../../../wire/inet/icmp.js'
import { IFBIF } from './bridge_member.js'
import { IFBAF_STATIC } from './bridge_table.js'
import { bridgeOf } from './if_bridge.js'

let current: Net | null = null

afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

/** Jails a, b, c (10.0.0.1-3/24 on epairNa) on bridge0 in the host; jail d holds epair3a, unaddressed. */
function lan(): Net {
  const net = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 4 }), {
    jails: ['a', 'b', 'c', 'd'],
    links: [
      ['a', '10.0.0.1/24', '', ''],
      ['b', '10.0.0.2/24', '', ''],
      ['c', '10.0.0.3/24', '', ''],
      ['d', '', '', ''],
    ],
  })
  current = net
  const r = net.root
  r.ifCreate('bridge')
  for (const m of ['epair0b', 'epair1b', 'epair2b']) {
    r.ifBridgeAdd('bridge0', m)
    r.ifSetUp(m, true)
  }
  r.ifSetUp('epair3b', true)
  net.sys('d').ifSetUp('epair3a', true)
  r.ifSetUp('bridge0', true)
  return net
}

const cmd = (net: Net, c: BridgeCmd) => net.root.ifBridgeCmd('bridge0', c)
const replied = async (p: ReturnType<typeof ping>) => (await p)?.type === IcmpType.ECHO_REPLY
const MAC = 0x000102030405

/** An Ethernet frame from `src` to broadcast, type 0x88b5 (local experimental). */
function frameFrom(src: number): Uint8Array {
  const f = new Uint8Array(60).fill(0xff, 0, 6)
  for (let i = 0; i < 6; i++) f[6 + i] = Math.floor(src / 2 ** (8 * (5 - i))) % 256
  f[12] = 0x88
  f[13] = 0xb5
  return f
}

describe('if_bridge features', () => {
  test('static entries never age or move; flush keeps them, flushall does not; deladdr', async () => {
    const net = lan()
    cmd(net, { op: 'BRDGSTO', value: 10 })
    cmd(net, { op: 'BRDGSADDR', member: 'epair0b', mac: MAC })
    assert.equal(
      errnoOf(() => cmd(net, { op: 'BRDGSADDR', member: 'epair3b', mac: MAC })),
      'ENOENT',
    )
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'))))
    const addrs = () => net.root.ifBridgeAddrs('bridge0')
    assert.equal(addrs().length, 3)
    const st = addrs().find((x) => x.mac === MAC)!
    assert.deepEqual(st, { mac: MAC, vlan: 0, ifname: 'epair0b', expire: 0, flags: IFBAF_STATIC })
    assert.ok(addrs().some((x) => x.flags === 0 && x.expire > 0 && x.expire <= 10))
    // Heard from on another member: a static entry stays where it was put.
    net.inject(net.ifp('', 'epair2b'), frameFrom(MAC))
    await net.sleep(60 * SEC)
    assert.deepEqual(addrs(), [st])
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'))))
    cmd(net, { op: 'BRDGFLUSH', all: false })
    assert.deepEqual(addrs(), [st])
    cmd(net, { op: 'BRDGFLUSH', all: true })
    assert.deepEqual(addrs(), [])
    cmd(net, { op: 'BRDGSADDR', member: 'epair1b', mac: MAC })
    assert.equal(
      errnoOf(() => cmd(net, { op: 'BRDGDADDR', mac: MAC + 1 })),
      'ENOENT',
    )
    cmd(net, { op: 'BRDGDADDR', mac: MAC })
    assert.deepEqual(addrs(), [])
  })

  test('private members do not talk to each other, but do to the others', async () => {
    const net = lan()
    for (const m of ['epair0b', 'epair1b'])
      cmd(net, { op: 'BRDGSIFFLGS', member: m, set: IFBIF.PRIVATE, clear: 0 })
    assert.ok((net.root.ifGet('bridge0').members![0]!.flags & IFBIF.PRIVATE) !== 0)
    assert.equal(await replied(ping(net.sys('a'), ip('10.0.0.2'))), false)
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.3'))))
    assert.ok(await replied(ping(net.sys('b'), ip('10.0.0.3'))))
    // Once both are learned, unicast between them is not forwarded either.
    assert.equal(await replied(ping(net.sys('b'), ip('10.0.0.1'))), false)
    cmd(net, { op: 'BRDGSIFFLGS', member: 'epair1b', set: 0, clear: IFBIF.PRIVATE })
    assert.ok(await replied(ping(net.sys('b'), ip('10.0.0.1'))))
  })

  test('a span port gets a copy of every frame until -span', async () => {
    const net = lan()
    cmd(net, { op: 'BRDGADDS', member: 'epair3b' })
    assert.equal(
      errnoOf(() => cmd(net, { op: 'BRDGADDS', member: 'epair3b' })),
      'EBUSY',
    )
    assert.equal(
      errnoOf(() => net.root.ifBridgeAdd('bridge0', 'epair3b')),
      'EBUSY',
    )
    assert.equal(
      errnoOf(() => cmd(net, { op: 'BRDGADDS', member: 'epair0b' })),
      'EBUSY',
    )
    const span = net.root.ifGet('bridge0').members!.find((m) => m.name === 'epair3b')!
    assert.equal(span.flags, IFBIF.SPAN)
    const seen = () => net.ifp('d', 'epair3a').stats.ipackets
    const s0 = seen()
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'))))
    // ARP request and reply, echo request and reply: all received by the bridge, all copied.
    assert.equal(seen() - s0, 4)
    cmd(net, { op: 'BRDGDELS', member: 'epair3b' })
    assert.equal(
      errnoOf(() => cmd(net, { op: 'BRDGDELS', member: 'epair3b' })),
      'EINVAL',
    )
    const s1 = seen()
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'), { seq: 2 })))
    assert.equal(seen(), s1)
    assert.equal(net.ifp('', 'epair3b').tap, null)
  })

  test('ifmaxaddr refuses sources beyond the limit; lowering maxaddr trims learned entries', async () => {
    const net = lan()
    const sc = bridgeOf(net.ifp('', 'bridge0'))!
    assert.equal(
      errnoOf(() => cmd(net, { op: 'BRDGSIFAMAX', member: 'epair3b', value: 1 })),
      'ENOENT',
    )
    // Start from an empty table once the jails' own announcements are over.
    await net.sleep(5 * SEC)
    cmd(net, { op: 'BRDGFLUSH', all: false })
    cmd(net, { op: 'BRDGSIFAMAX', member: 'epair2b', value: 2 })
    const in2 = net.ifp('', 'epair2b')
    const out0 = net.ifp('', 'epair0b').stats.opackets
    for (let i = 1; i <= 4; i++) net.inject(in2, frameFrom(MAC + i))
    await net.sleep(SEC)
    const mb = sc.memberOf(in2)!
    assert.equal(sc.table.countPort(mb), 2)
    assert.equal(mb.addrExceeded, 2)
    // Only the two learned sources' frames were flooded on.
    assert.equal(net.ifp('', 'epair0b').stats.opackets - out0, 2)
    assert.equal(net.root.ifGet('bridge0').members!.find((m) => m.name === 'epair2b')!.ifmaxaddr, 2)
    // The limit is full: c's own address is refused too, so c cannot answer; a and b still talk.
    assert.equal(await replied(ping(net.sys('a'), ip('10.0.0.3'))), false)
    assert.ok(await replied(ping(net.sys('a'), ip('10.0.0.2'))))
    assert.equal(sc.table.size, 4)
    cmd(net, { op: 'BRDGSADDR', member: 'epair1b', mac: MAC })
    cmd(net, { op: 'BRDGSCACHE', value: 2 })
    assert.equal(net.root.ifGet('bridge0').bridge!.maxaddr, 2)
    // The oldest learned entries go; the static one stays.
    assert.equal(sc.table.size, 2)
    assert.ok(net.root.ifBridgeAddrs('bridge0').some((x) => x.mac === MAC))
    cmd(net, { op: 'BRDGSCACHE', value: 2000 })
  })

  test('net.link.bridge.inherit_mac: the bridge takes its first member address and gives it back', () => {
    const net = lan()
    const r = net.root
    r.sysctlSet('net.link.bridge.inherit_mac', '1')
    const b = r.ifCreate('bridge')
    const own = r.ifGet(b).mac
    r.ifCreate('epair')
    r.ifBridgeAdd(b, 'epair4a')
    r.ifBridgeAdd(b, 'epair4b')
    assert.equal(r.ifGet(b).mac, r.ifGet('epair4a').mac)
    r.ifBridgeDelete(b, 'epair4a')
    assert.equal(r.ifGet(b).mac, r.ifGet('epair4b').mac)
    r.ifBridgeDelete(b, 'epair4b')
    assert.equal(r.ifGet(b).mac, own)
    // Off (the default), the bridge keeps its own.
    r.sysctlSet('net.link.bridge.inherit_mac', '0')
    r.ifBridgeAdd(b, 'epair4a')
    assert.equal(r.ifGet(b).mac, own)
  })

  test('net.link.bridge.member_ifaddrs=0: an interface with addresses cannot join', () => {
    const net = lan()
    const r = net.root
    assert.equal(r.sysctlGet('net.link.bridge.member_ifaddrs').value, 1)
    r.sysctlSet('net.link.bridge.member_ifaddrs', '0')
    r.ifCreate('epair')
    r.ifAddAddr('epair4a', ip('192.0.2.1'), 24)
    assert.equal(
      errnoOf(() => r.ifBridgeAdd('bridge0', 'epair4a')),
      'EINVAL',
    )
    r.ifBridgeAdd('bridge0', 'epair4b')
    assert.equal(
      errnoOf(() => r.sysctlSet('net.link.bridge.member_ifaddrs', '2')),
      'EINVAL',
    )
  })
})
