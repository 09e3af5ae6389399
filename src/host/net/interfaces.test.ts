/**
 * Interfaces and sysctls through the syscall API: cloning (`epair`, `lo`, explicit units, unit reuse),
 * destroying an epair from either half (the partner goes too, wherever it is), moving into a child
 * jail and reclaiming (configuration is lost, as if_vmove does), rename, MTU, MAC, up/down, and
 * per-vnet sysctl isolation (a knob set in one vnet changes no other; global knobs are read-only).
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { icmpEcho } from '../../testing/frames.js'
import { errnoOf, ip, Net, ping, snapshot } from '../../testing/net.js'
import { Host } from '../host.js'

const mkHost = () => new Host(nodeClockDriver(), { clock: 'virtual', seed: 12 })
const names = (xs: Array<{ name: string }>) => xs.map((x) => x.name)

describe('cloning and destroying', () => {
  test('epair creates two halves with MACs ending in 0a/0b; units are the lowest free', () => {
    const host = mkHost()
    const sys = host.syscalls()
    assert.equal(sys.ifCreate('epair'), 'epair0a')
    assert.equal(sys.ifCreate('epair'), 'epair1a')
    assert.deepEqual(names(sys.ifList()), ['lo0', 'epair0a', 'epair0b', 'epair1a', 'epair1b'])
    const a = sys.ifGet('epair0a')
    const b = sys.ifGet('epair0b')
    assert.equal(a.mac! % 256, 0x0a)
    assert.equal(b.mac! % 256, 0x0b)
    assert.equal(a.mac! - 1, b.mac! - 2)
    assert.equal(a.mtu, 1500)
    sys.ifDestroy('epair0a')
    assert.equal(sys.ifCreate('epair'), 'epair0a', 'unit 0 is free again')
  })

  test('explicit units, EEXIST for a taken one, EINVAL for unknown cloners, ENOSPC above IF_MAXUNIT', () => {
    const host = mkHost()
    const sys = host.syscalls()
    assert.equal(sys.ifCreate('epair7'), 'epair7a')
    assert.equal(
      errnoOf(() => sys.ifCreate('epair7')),
      'EEXIST',
    )
    assert.equal(sys.ifCreate('lo'), 'lo1')
    assert.equal(
      errnoOf(() => sys.ifCreate('lo0')),
      'EEXIST',
    )
    assert.equal(
      errnoOf(() => sys.ifCreate('bogus')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.ifCreate('epair99999')),
      'ENOSPC',
    )
    assert.equal(
      errnoOf(() => sys.ifCreate('epair32768')),
      'ENOSPC',
    )
    assert.equal(sys.ifCreate('epair32767'), 'epair32767a')
    assert.equal(
      errnoOf(() => sys.ifCreate('epair99999999999')),
      'EINVAL',
      'beyond INT_MAX: a bad name',
    )
  })

  test('units stop at IF_MAXUNIT: the 32,769th epair is ENOSPC and changes nothing; a freed unit is reused', () => {
    const host = mkHost()
    const sys = host.syscalls()
    for (let i = 0; i <= 32767; i++) sys.ifCreate('epair')
    const before = sys.ifList().length
    assert.equal(before, 1 + 2 * 32768)
    assert.equal(
      errnoOf(() => sys.ifCreate('epair')),
      'ENOSPC',
    )
    assert.equal(sys.ifList().length, before)
    sys.ifDestroy('epair4711b')
    sys.ifDestroy('epair17a')
    assert.equal(sys.ifCreate('epair'), 'epair17a', 'the lowest free unit first')
    assert.equal(sys.ifCreate('epair'), 'epair4711a')
    assert.equal(
      errnoOf(() => sys.ifCreate('epair')),
      'ENOSPC',
    )
    // Other cloners and other vnets have units of their own.
    assert.equal(sys.ifCreate('lo'), 'lo1')
  })

  test('an automatic unit passes over names taken by a renamed interface', () => {
    const host = mkHost()
    const sys = host.syscalls()
    sys.ifCreate('lo')
    sys.ifRename('lo1', 'epair0b')
    assert.equal(sys.ifCreate('epair'), 'epair1a')
    assert.equal(
      errnoOf(() => sys.ifCreate('epair0')),
      'EEXIST',
    )
    sys.ifRename('epair0b', 'lo1')
    assert.equal(sys.ifCreate('epair'), 'epair0a', 'the passed-over unit stayed free')
  })

  test('destroying either half destroys both, even with the partner in a jail', () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a'], links: [['a', '10.0.0.1/24', '', '10.0.0.2/24']] })
    net.root.ifDestroy('epair0b')
    assert.deepEqual(names(net.root.ifList()), ['lo0'])
    assert.deepEqual(names(net.sys('a').ifList()), ['lo0'])
    assert.deepEqual(
      net
        .sys('a')
        .routeList()
        .map((r) => r.ifName),
      ['lo0'],
      'routes of the vanished half went with it',
    )
    assert.equal(host.env.netisr.errors, 0)
  })

  test('lo0 cannot be destroyed; a lent epair end can, taking the other end (if_clone_destroy); missing ones are ENXIO', () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a'], links: [['a', '', '', '']] })
    const a = net.sys('a')
    assert.equal(
      errnoOf(() => a.ifDestroy('lo0')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => a.ifDestroy('epair0b')),
      'ENXIO',
    )
    assert.equal(
      errnoOf(() => net.root.ifDestroy('lo0')),
      'EINVAL',
    )
    a.ifCreate('lo')
    a.ifDestroy('lo1')
    assert.deepEqual(names(a.ifList()), ['lo0', 'epair0a'])
    a.ifDestroy('epair0a')
    assert.deepEqual(names(a.ifList()), ['lo0'])
    assert.ok(!names(net.root.ifList()).includes('epair0b'), 'the host end went with it')
  })
})

describe('move and reclaim', () => {
  test('moving loses addresses and routes and leaves the interface down; reclaim brings it back', async () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a', 'b'], links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']] })
    assert.ok((await ping(net.sys('a'), ip('10.0.0.2'))) !== null)
    net.root.ifReclaimFromJail('epair0a', 'a')
    const info = net.root.ifGet('epair0a')
    assert.deepEqual(info.addrs, [])
    assert.equal(info.flags & 1, 0)
    assert.deepEqual(names(net.sys('a').ifList()), ['lo0'])
    assert.deepEqual(net.sys('a').arpList(), [], 'ARP entries of the interface went with it')
    net.root.ifMoveToJail('epair0a', 'b')
    assert.deepEqual(names(net.sys('b').ifList()), ['lo0', 'epair0b', 'epair0a'])
    assert.equal(host.env.netisr.errors, 0)
  })

  test('move targets: non-vnet jail and lo0 are EINVAL, unknown jail ENOENT, name clash EEXIST', () => {
    const host = mkHost()
    const sys = host.syscalls()
    sys.jailCreate([
      ['name', 'plain'],
      ['persist', true],
    ])
    sys.jailCreate([
      ['name', 'v'],
      ['vnet', true],
      ['persist', true],
    ])
    sys.attach('v').ifCreate('epair')
    sys.ifCreate('epair')
    const before = snapshot(host)
    assert.equal(
      errnoOf(() => sys.ifMoveToJail('epair0a', 'plain')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.ifMoveToJail('lo0', 'v')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.ifMoveToJail('epair0a', 'nope')),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => sys.ifMoveToJail('epair0a', 'v')),
      'EEXIST',
    )
    assert.equal(
      errnoOf(() => sys.ifMoveToJail('nope0', 'v')),
      'ENXIO',
    )
    assert.equal(
      errnoOf(() => sys.ifReclaimFromJail('lo0', 'v')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.ifReclaimFromJail('nope0', 'v')),
      'ENXIO',
    )
    assert.deepEqual(snapshot(host), before)
  })
})

describe('interface settings', () => {
  test('rename keeps routes and traffic working under the new name', async () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a', 'b'], links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']] })
    const a = net.sys('a')
    a.ifRename('epair0a', 'net0')
    assert.deepEqual(names(a.ifList()), ['lo0', 'net0'])
    assert.ok(a.routeList().some((r) => r.ifName === 'net0'))
    assert.ok((await ping(a, ip('10.0.0.2'))) !== null)
    assert.equal(
      errnoOf(() => a.ifRename('net0', 'lo0')),
      'EEXIST',
    )
    assert.equal(
      errnoOf(() => a.ifRename('net0', '')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => a.ifRename('net0', 'x'.repeat(16))),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => a.ifRename('net0', 'bad name')),
      'EINVAL',
    )
    // The renamed interface still goes home under its new name when the jail dies.
    net.root.jailRemove('a')
    assert.ok(names(net.root.ifList()).includes('net0'))
  })

  test('MAC: unicast only; hwaddr keeps the original', () => {
    const host = mkHost()
    const sys = host.syscalls()
    sys.ifCreate('epair')
    const hw = sys.ifGet('epair0a').hwaddr
    sys.ifSetMac('epair0a', 0x020000001234)
    assert.equal(sys.ifGet('epair0a').mac, 0x020000001234)
    assert.equal(sys.ifGet('epair0a').hwaddr, hw)
    assert.equal(
      errnoOf(() => sys.ifSetMac('epair0a', 0x010000001234)),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.ifSetMac('lo0', 0x020000001234)),
      'EINVAL',
    )
  })

  test('down interfaces neither send (ENETDOWN) nor receive', async () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a', 'b'], links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']] })
    const a = net.sys('a')
    a.ifSetUp('epair0a', false)
    // An epair keeps running with its link up whatever IFF_UP says (epair_ioctl ignores SIOCSIFFLAGS).
    assert.equal(a.ifGet('epair0a').status, 'active')
    assert.equal(a.ifGet('epair0a').flags & 0x41, 0x40)
    const s = a.rawSocket(1)
    assert.equal(
      errnoOf(() => s.send(ip('10.0.0.2'), icmpEcho(1, 1))),
      'ENETDOWN',
    )
    s.close()
    const idrops = a.ifGet('epair0a').stats.idrops
    assert.equal(await ping(net.sys('b'), ip('10.0.0.1'), { timeoutNs: 1e9 }), null)
    assert.ok(a.ifGet('epair0a').stats.idrops > idrops)
    a.ifSetUp('epair0a', true)
    assert.ok((await ping(net.sys('b'), ip('10.0.0.1'))) !== null)
  })

  test('address rules: no multicast or broadcast, bad prefix EINVAL (a duplicate on another interface is allowed: route.test)', () => {
    const host = mkHost()
    const sys = host.syscalls()
    sys.ifCreate('epair')
    sys.ifAddAddr('epair0a', ip('10.0.0.1'), 24)
    const before = snapshot(host)
    assert.equal(
      errnoOf(() => sys.ifAddAddr('epair0b', ip('224.0.0.1'), 24)),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.ifAddAddr('epair0b', 0xffffffff, 24)),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.ifAddAddr('epair0b', ip('10.0.1.1'), 33)),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.ifDelAddr('epair0b', ip('10.0.1.1'))),
      'EADDRNOTAVAIL',
    )
    assert.deepEqual(snapshot(host), before)
  })

  test('deleting the address a gateway route was bound to removes that route too (in_ifadown)', () => {
    const host = mkHost()
    const net = new Net(host, {
      jails: ['a', 'b'],
      links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']],
      routes: { a: [['default', '10.0.0.2']] },
    })
    const a = net.sys('a')
    a.ifAddAddr('epair0a', ip('10.0.0.3'), 24, { alias: true })
    a.ifDelAddr('epair0a', ip('10.0.0.1'))
    // No stale source address: the route bound to 10.0.0.1 is gone; the prefix moved to 10.0.0.3.
    assert.equal(
      errnoOf(() => a.routeGet(ip('8.8.8.8'))),
      'ESRCH',
    )
    assert.equal(a.routeGet(ip('10.0.0.2')).ifAddr, ip('10.0.0.3'))
  })
})

describe('sysctl isolation', () => {
  test('a vnet knob set in one vnet changes no other', () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a', 'b'] })
    net.sys('a').sysctlSet('net.inet.ip.forwarding', '1')
    net.sys('b').sysctlSet('net.inet.ip.ttl', '32')
    assert.equal(net.sys('a').sysctlGet('net.inet.ip.forwarding').value, 1)
    assert.equal(net.sys('b').sysctlGet('net.inet.ip.forwarding').value, 0)
    assert.equal(net.root.sysctlGet('net.inet.ip.forwarding').value, 0)
    assert.equal(net.sys('a').sysctlGet('net.inet.ip.ttl').value, 64)
    assert.equal(net.root.sysctlGet('net.inet.ip.ttl').value, 64)
  })

  test('the default TTL is used for output', async () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a', 'b'], links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']] })
    net.sys('b').sysctlSet('net.inet.ip.ttl', '17')
    assert.equal((await ping(net.sys('a'), ip('10.0.0.2')))?.ttl, 17)
  })

  test('global knobs read everywhere, write nowhere; unknown names ENOENT; bad values EINVAL', () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a'] })
    assert.equal(net.sys('a').sysctlGet('kern.features.vimage').value, 1)
    assert.equal(
      errnoOf(() => net.root.sysctlSet('kern.features.vimage', '0')),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => net.root.sysctlSet('net.inet.ip.nonesuch', '0')),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => net.root.sysctlSet('net.inet.ip.forwarding', '2')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => net.root.sysctlSet('net.inet.ip.forwarding', 'yes')),
      'EINVAL',
    )
    assert.equal(net.root.sysctlSet('net.inet.ip.forwarding', '0x1').value, 1)
    assert.ok(net.root.sysctlList('net.inet.ip').every((d) => d.name.startsWith('net.inet.ip.')))
    assert.equal(
      errnoOf(() => net.root.sysctlList('net.nonesuch')),
      'ENOENT',
    )
  })
})
