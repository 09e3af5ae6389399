/**
 * Jail lifecycle through the syscall API: nesting under `children.max` (counted over all descendants,
 * as FreeBSD's pr_childcount), names and jids relative to the viewer, non-persistent jails dying with
 * their last process or child, `vnet.interface` at creation (validated before anything changes),
 * removal that returns lent interfaces to their home vnet, destroys the ones created inside and
 * takes child jails along, and leaves no timer, buffer or socket of the jail behind.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { reassHeld } from '../../stack/netinet/ip/ip_reass.js'
import { EtherType, ether, icmpEcho, ipv4, pattern } from '../../testing/frames.js'
import { errnoOf, ip, Net, snapshot } from '../../testing/net.js'
import { SEC } from '../../util/clock.js'
import { formatIpv4 } from '../../wire/addr.js'
import { Host } from '../host.js'
import type { JailInfo, Syscalls } from '../syscalls.js'

/** `jail -c name=NAME persist PARAMS…` as `who`. */
function mkJail(who: Syscalls, name: string, ...params: Array<readonly [string, string | true]>): JailInfo {
  return who.jailCreate([['name', name], ['persist', true], ...params])
}

const mkHost = () => new Host(nodeClockDriver(), { clock: 'virtual', seed: 11 })
const names = (xs: Array<{ name: string }>) => xs.map((x) => x.name)

describe('cpuset.id', () => {
  test('each jail has its own root cpuset, the lowest free id above the kernel sets, reused after removal', () => {
    const sys = mkHost().syscalls()
    const cpuset = (j: JailInfo) => j.params.find(([k]) => k === 'cpuset.id')?.[1]
    const a = mkJail(sys, 'a')
    const b = mkJail(sys, 'b', ['vnet', true])
    assert.deepEqual([cpuset(a), cpuset(b)], ['3', '4'])
    sys.jailRemove('a')
    assert.equal(cpuset(mkJail(sys, 'c')), '3')
    assert.equal(cpuset(mkJail(sys, 'd')), '5')
  })
})

describe('nesting and children.max', () => {
  test('a jail may create children up to children.max, counting grandchildren too', () => {
    const host = mkHost()
    const sys = host.syscalls()
    sys.jailCreate([
      ['name', 'a'],
      ['vnet', true],
      ['persist', true],
      ['children.max', '2'],
    ])
    const a = sys.attach('a')
    a.jailCreate([
      ['name', 'b'],
      ['vnet', true],
      ['persist', true],
      ['children.max', '1'],
    ])
    mkJail(sys.attach('a.b'), 'c')
    // a now has two descendants (b and b.c): its limit is reached.
    assert.equal(
      errnoOf(() => mkJail(a, 'd')),
      'EPERM',
    )
    assert.equal(sys.jailGet('a').childrenCur, 2)
    assert.deepEqual(names(sys.jailList()), ['a', 'a.b', 'a.b.c'])
  })

  test('a jail cannot give a child more nesting room than it has itself', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a', ['children.max', '3'])
    const a = sys.attach('a')
    assert.equal(
      errnoOf(() => mkJail(a, 'b', ['children.max', '3'])),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => mkJail(a, 'b', ['children.max', '2'])),
      'ok',
    )
    assert.equal(
      errnoOf(() => a.jailModify('b', [['children.max', '5']])),
      'EPERM',
    )
  })

  test('the default children.max of a jail is 0', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a')
    assert.equal(
      errnoOf(() => mkJail(sys.attach('a'), 'b')),
      'EPERM',
    )
  })

  test('names and jids are relative to the viewer; a jail sees neither itself nor its parent', () => {
    const host = mkHost()
    const sys = host.syscalls()
    const ja = sys.jailCreate([
      ['name', 'a'],
      ['vnet', true],
      ['persist', true],
      ['children.max', '5'],
    ])
    const jb = sys.attach('a').jailCreate([
      ['name', 'b'],
      ['vnet', true],
      ['persist', true],
    ])
    assert.equal(jb.name, 'b')
    assert.equal(sys.jailGet('a.b').jid, jb.jid)
    assert.equal(sys.jailGet(String(jb.jid)).name, 'a.b')
    assert.equal(sys.jailGet('a.b').parent, ja.jid)
    const a = sys.attach('a')
    assert.deepEqual(names(a.jailList()), ['b'])
    assert.equal(a.jailGet('b').parent, 0)
    assert.equal(a.jailGet(String(jb.jid)).name, 'b')
    assert.equal(
      errnoOf(() => a.jailGet('a')),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => a.jailGet(String(ja.jid))),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => a.jailGet('a.b')),
      'ENOENT',
    )
    // From b, nothing at all is visible.
    assert.deepEqual(sys.attach('a.b').jailList(), [])
    assert.equal(
      errnoOf(() => sys.attach('a.b').jailGet('b')),
      'ENOENT',
    )
    // Creating by dotted name from the host places it under a.
    mkJail(sys, 'a.c')
    assert.deepEqual(names(a.jailList()), ['b', 'c'])
    assert.equal(sys.attach('a.c').jailName, 'a.c')
  })

  test('duplicate names are EEXIST; bad names and parameters EINVAL; unknown parameters ENOENT', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a')
    const before = snapshot(host)
    assert.equal(
      errnoOf(() => mkJail(sys, 'a')),
      'EEXIST',
    )
    assert.equal(
      errnoOf(() => mkJail(sys, '42')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.jailCreate([['persist', true]])),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() =>
        sys.jailCreate([
          ['name', 'x'],
          ['persist', 'maybe'],
        ]),
      ),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() =>
        sys.jailCreate([
          ['name', 'x'],
          ['frobnicate', '1'],
        ]),
      ),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => mkJail(sys, 'nope.x')),
      'ENOENT',
    )
    assert.deepEqual(snapshot(host), before)
  })

  test('a name or hostname longer than MAXHOSTNAMELEN-1 is ENAMETOOLONG, the full name counted', () => {
    const host = mkHost()
    const sys = host.syscalls()
    const x = (n: number) => 'x'.repeat(n)
    mkJail(sys, 'a', ['children.max', '1'])
    const before = snapshot(host)
    assert.equal(
      errnoOf(() => mkJail(sys, x(256))),
      'ENAMETOOLONG',
    )
    assert.equal(
      errnoOf(() => mkJail(sys, 'b', ['host.hostname', x(256)])),
      'ENAMETOOLONG',
    )
    assert.equal(
      errnoOf(() => sys.jailModify('a', [['host.hostname', x(256)]])),
      'ENAMETOOLONG',
    )
    // `a.` + 254 characters is 256 long in prison0, whether named from the host or from inside a.
    assert.equal(
      errnoOf(() => mkJail(sys, `a.${x(254)}`)),
      'ENAMETOOLONG',
    )
    assert.equal(
      errnoOf(() => mkJail(sys.attach('a'), x(254))),
      'ENAMETOOLONG',
    )
    assert.deepEqual(snapshot(host), before)
    mkJail(sys.attach('a'), x(253))
    mkJail(sys, x(255), ['host.hostname', x(255)])
    assert.deepEqual(
      sys.jailList().map((j) => j.name.length),
      [1, 255, 255],
    )
  })
})

describe('non-persistent jails', () => {
  test('a jail created without persist and without processes is gone at once', () => {
    const host = mkHost()
    const sys = host.syscalls()
    sys.jailCreate([
      ['name', 'a'],
      ['vnet', true],
    ])
    assert.deepEqual(sys.jailList(), [])
    assert.equal(host.vnet0.ifnets.length, 1)
  })

  test('a non-persistent jail lives while it has a process', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a')
    const a = sys.attach('a')
    let killed = 0
    const pid = a.procStart(() => killed++)
    sys.jailModify('a', [['persist', 'false']])
    assert.deepEqual(names(sys.jailList()), ['a'])
    a.procExit(pid)
    assert.deepEqual(sys.jailList(), [])
    assert.equal(killed, 0, 'an exiting process is not killed')
    assert.equal(
      errnoOf(() => a.getHostname()),
      'ESRCH',
    )
  })

  test('removing a jail kills its processes and those of its children', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a', ['children.max', '1'])
    mkJail(sys, 'a.b')
    const killed: string[] = []
    sys.attach('a').procStart(() => killed.push('a'))
    sys.attach('a.b').procStart(() => killed.push('b'))
    sys.jailRemove('a')
    assert.deepEqual(killed, ['b', 'a'])
    assert.deepEqual(sys.jailList(), [])
  })

  test('a non-persistent parent dies when its last child is removed', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a', ['children.max', '1'])
    mkJail(sys, 'a.b')
    sys.jailModify('a', [['persist', 'false']])
    assert.deepEqual(names(sys.jailList()), ['a', 'a.b'], 'the child keeps it alive')
    sys.jailRemove('a.b')
    assert.deepEqual(sys.jailList(), [])
  })
})

describe('vnet.interface and removal', () => {
  test('vnet.interface moves interfaces in at creation', () => {
    const host = mkHost()
    const sys = host.syscalls()
    const e = sys.ifCreate('epair')
    sys.jailCreate([
      ['name', 'a'],
      ['vnet', true],
      ['persist', true],
      ['vnet.interface', e],
    ])
    assert.deepEqual(names(sys.attach('a').ifList()), ['lo0', 'epair0a'])
    assert.deepEqual(names(sys.ifList()), ['lo0', 'epair0b'])
  })

  test('a bad vnet.interface creates no jail and moves nothing', () => {
    const host = mkHost()
    const sys = host.syscalls()
    sys.ifCreate('epair')
    const before = snapshot(host)
    assert.equal(
      errnoOf(() =>
        sys.jailCreate([
          ['name', 'a'],
          ['vnet', true],
          ['persist', true],
          ['vnet.interface', 'epair0a'],
          ['vnet.interface', 'nope0'],
        ]),
      ),
      'ENXIO',
    )
    assert.equal(
      errnoOf(() => mkJail(sys, 'a', ['vnet.interface', 'epair0a'])),
      'EINVAL',
      'vnet.interface needs vnet',
    )
    assert.equal(
      errnoOf(() =>
        sys.jailCreate([
          ['name', 'a'],
          ['vnet', true],
          ['persist', true],
          ['vnet.interface', 'epair0a'],
          ['vnet.interface', 'epair0a'],
        ]),
      ),
      'EINVAL',
    )
    assert.deepEqual(snapshot(host), before)
  })

  test('removal returns lent interfaces home (unconfigured, down) and destroys interfaces created inside', () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a'], links: [['a', '10.0.0.1/24', '', '10.0.0.2/24']] })
    const a = net.sys('a')
    const own = a.ifCreate('epair')
    // The auto-numbered unit skips the name taken by the lent epair0a.
    assert.equal(own, 'epair1a')
    a.ifCreate('lo')
    net.sys('').jailRemove('a')
    const info = net.root.ifGet('epair0a')
    assert.deepEqual(info.addrs, [])
    assert.equal(info.flags & 1, 0, 'down after the move')
    assert.deepEqual(names(net.root.ifList()), ['lo0', 'epair0b', 'epair0a'])
    // Nothing of a's epair1 or lo1 shows up at home; the unit is free again here.
    assert.equal(net.root.ifCreate('epair'), 'epair1a')
  })

  test('removing a parent removes its children; interfaces lent down two levels go home', () => {
    const host = mkHost()
    const net = new Net(host, { jails: ['a', 'a.b'], links: [['a.b', '10.0.0.1/24', '', '10.0.0.2/24']] })
    assert.deepEqual(names(net.sys('a.b').ifList()), ['lo0', 'epair0a'])
    net.root.jailRemove('a')
    assert.deepEqual(net.root.jailList(), [])
    assert.deepEqual(names(net.root.ifList()), ['lo0', 'epair0b', 'epair0a'])
    assert.ok(net.vnet('').ifByName('epair0a') !== undefined)
  })

  test('an epair created in a jail with one half lent to its child is destroyed whole', () => {
    const host = mkHost()
    const sys = host.syscalls()
    sys.jailCreate([
      ['name', 'a'],
      ['vnet', true],
      ['persist', true],
      ['children.max', '1'],
    ])
    const a = sys.attach('a')
    a.jailCreate([
      ['name', 'b'],
      ['vnet', true],
      ['persist', true],
    ])
    a.ifCreate('epair')
    a.ifMoveToJail('epair0b', 'b')
    sys.jailRemove('a')
    assert.deepEqual(names(sys.ifList()), ['lo0'])
  })

  test('a lent interface renamed to a name its home uses comes back renamed; the parent keeps its own', () => {
    // jail -c name=a vnet persist; ifconfig epair create; ifconfig epair0b 10.0.0.1/24 up;
    // ifconfig epair0a vnet a; jexec a ifconfig epair0a name epair0b; jail -r a
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a', ['vnet', true])
    sys.ifCreate('epair')
    sys.ifAddAddr('epair0b', ip('10.0.0.1'), 24)
    sys.ifMoveToJail('epair0a', 'a')
    sys.attach('a').ifRename('epair0a', 'epair0b')
    const before = sys.ifGet('epair0b')
    const routes = sys.routeList()
    sys.jailRemove('a')
    // The host's epair0b is untouched: same index, address and routes; the pair still links them.
    assert.deepEqual(sys.ifGet('epair0b'), before)
    assert.deepEqual(sys.routeList(), routes)
    assert.deepEqual(names(sys.ifList()), ['lo0', 'epair0b', 'epair0a'])
    assert.equal(host.vnet0.ifByName('epair0a')!.peer, host.vnet0.ifByName('epair0b'))
    // Both names taken at home: the returning interface gets a free one, and nothing is destroyed.
    mkJail(sys, 'b', ['vnet', true])
    sys.ifMoveToJail('epair0a', 'b')
    sys.ifRename('epair0b', 'epair0a')
    sys.jailRemove('b')
    assert.deepEqual(names(sys.ifList()), ['lo0', 'epair0a', 'epair0a_1'])
    assert.deepEqual(sys.ifGet('epair0a').addrs, before.addrs)
  })

  test('a returning interface never takes the name of one of the parent’s interfaces', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a', ['vnet', true])
    sys.ifCreate('epair')
    sys.ifCreate('epair')
    sys.ifMoveToJail('epair0a', 'a')
    sys.ifMoveToJail('epair1a', 'a')
    const a = sys.attach('a')
    // Inside, the jail swaps names and takes a host name; the host renames meanwhile too.
    a.ifRename('epair0a', 'tmp')
    a.ifRename('epair1a', 'epair0a')
    a.ifRename('tmp', 'epair1b')
    sys.ifRename('epair0b', 'epair1a')
    const host1b = host.vnet0.ifByName('epair1b')!
    sys.jailRemove('a')
    assert.equal(host.vnet0.ifByName('epair1b'), host1b, 'the host keeps its epair1b')
    assert.equal(host.vnet0.ifnets.length, 5)
    assert.equal(new Set(names(sys.ifList())).size, 5, 'names stay unique')
  })

  test('removal stops the jail’s timers, frees its buffers and closes its sockets', async () => {
    const host = mkHost()
    const net = new Net(host, { jails: [], links: [] })
    const timers0 = host.clock.pending
    const inUse0 = host.env.pool.inUse
    net.root.jailCreate([
      ['name', 'a'],
      ['vnet', true],
      ['persist', true],
    ])
    const a = net.sys('a')
    a.ifCreate('epair')
    a.ifAddAddr('epair0a', ip('10.0.0.1'), 24)
    a.sysctlSet('net.inet.ip.fragttl', '1000')
    const s = a.rawSocket(1)
    // Packets held by ARP (nobody answers on the unpaired epair0b side)...
    for (let i = 0; i < 5; i++) s.send(ip('10.0.0.99'), icmpEcho(1, i))
    // ...a reassembly queue, and a temporary ARP entry with its expiry timer.
    a.arpSet(ip('10.0.0.5'), 0x020000000005, { temp: true })
    const ifp = net.ifp('a', 'epair0a')
    const frag = ipv4({
      src: ip('10.0.0.5'),
      dst: ip('10.0.0.1'),
      proto: 1,
      mf: true,
      payload: icmpEcho(1, 1, pattern(16)),
    })
    net.inject(ifp, ether(ifp.mac, 0x020000000005, EtherType.IPV4, frag))
    assert.equal(reassHeld(net.vnet('a')), 1)
    const recv = s.recv(100 * SEC)
    assert.ok(host.clock.pending > timers0)
    assert.ok(host.env.pool.inUse > inUse0)
    net.root.jailRemove('a')
    assert.equal(await recv, null, 'a blocked receive returns when the socket closes')
    assert.equal(host.clock.pending, timers0)
    assert.equal(host.env.pool.inUse, inUse0)
    assert.equal(host.env.netisr.errors, 0)
    assert.equal(
      errnoOf(() => a.ifList()),
      'ESRCH',
    )
    assert.equal(
      errnoOf(() => s.send(ip('10.0.0.99'), icmpEcho(1, 9))),
      'EBADF',
    )
  })
})

describe('jail parameters', () => {
  test('hostname is per jail and inherited at creation', () => {
    const host = mkHost()
    const sys = host.syscalls()
    sys.setHostname('gw')
    mkJail(sys, 'a')
    mkJail(sys, 'b', ['host.hostname', 'bee'])
    assert.equal(sys.attach('a').getHostname(), 'gw')
    assert.equal(sys.attach('b').getHostname(), 'bee')
    sys.jailModify('a', [['host.hostname', 'ay']])
    assert.equal(sys.attach('a').getHostname(), 'ay')
    assert.equal(sys.getHostname(), 'gw')
  })

  test('vnet cannot be changed after creation; modify cannot add interfaces', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a')
    sys.ifCreate('epair')
    assert.equal(
      errnoOf(() => sys.jailModify('a', [['vnet', true]])),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.jailModify('a', [['vnet.interface', 'epair0a']])),
      'EINVAL',
    )
    assert.equal(sys.jailGet('a').vnet, false)
  })

  test('a non-vnet jail shares its parent’s stack', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a')
    assert.equal(host.prison0.findDescendant('a')!.vnet, host.vnet0)
    sys.ifCreate('lo')
    assert.ok(
      sys
        .attach('a')
        .ifList()
        .some((i) => i.name === 'lo1'),
    )
  })

  test('a jail restricted to some addresses of a shared stack passes on only a subset of them', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a', ['children.max', '2'], ['ip4.addr', '192.0.2.1,192.0.2.2'])
    const a = sys.attach('a')
    mkJail(a, 'b', ['ip4.addr', '192.0.2.2'])
    const before = snapshot(host)
    assert.equal(
      errnoOf(() => mkJail(a, 'c', ['ip4.addr', '192.0.2.9'])),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => a.jailModify('b', [['ip4.addr', '192.0.2.1,198.51.100.1']])),
      'EPERM',
    )
    assert.deepEqual(snapshot(host), before)
  })
})

/** Host 10.0.0.1 (and the jail's 10.0.0.5) on epair0a, vnet jail b at 10.0.0.2; jail p shares vnet0. */
function shared(): Net {
  const net = new Net(mkHost(), { jails: ['b'], links: [['', '10.0.0.1/24', 'b', '10.0.0.2/24']] })
  net.root.ifAddAddr('epair0a', ip('10.0.0.5'), 32, { alias: true })
  mkJail(net.root, 'p', ['allow.raw_sockets', '1'], ['ip4.addr', '10.0.0.5'])
  return net
}

describe('raw sockets in a jail without its own vnet', () => {
  test('they see only datagrams addressed to the jail', async () => {
    const net = shared()
    const jailed = net.sys('p').rawSocket(1)
    const mine = net.root.rawSocket(1)
    // The host's own ping: its reply is for 10.0.0.1, which is not the jail's address.
    mine.send(ip('10.0.0.2'), icmpEcho(1, 1, pattern(8)), { src: ip('10.0.0.1') })
    await net.sleep(SEC / 10)
    assert.ok((await mine.recv(0)) !== null)
    assert.equal(await jailed.recv(0), null)
    // The jail's own ping is answered to 10.0.0.5 and reaches it.
    assert.equal(jailed.send(ip('10.0.0.2'), icmpEcho(2, 1, pattern(8))), ip('10.0.0.5'))
    await net.sleep(SEC / 10)
    const got = await jailed.recv(0)
    assert.ok(got !== null && got.dst === ip('10.0.0.5'))
    jailed.close()
    mine.close()
  })

  test('they cannot send from an address that is not the jail’s', () => {
    const net = shared()
    const jailed = net.sys('p').rawSocket(1)
    assert.equal(
      errnoOf(() => jailed.send(ip('10.0.0.2'), icmpEcho(3, 1, pattern(8)), { src: ip('10.0.0.1') })),
      'EADDRNOTAVAIL',
    )
    jailed.close()
  })
})

describe('a jail without its own vnet sees only what concerns its own addresses', () => {
  const dsts = (sys: Syscalls) => sys.routeList().map((r) => `${formatIpv4(r.dst)}/${r.prefixLen}`)

  test('routes: only host routes to its own addresses, in the dump and in RTM_GET (can_export_rte)', () => {
    const net = shared()
    net.root.routeAdd({ dst: ip('172.16.0.0'), prefixLen: 12, gateway: ip('127.0.0.1') })
    net.root.routeAdd({ dst: ip('198.51.100.7'), prefixLen: 32, gateway: ip('10.0.0.2') })
    net.root.routeAdd({ dst: 0, prefixLen: 0, gateway: ip('10.0.0.2') })
    const p = net.sys('p')
    for (const who of [p, p.withUid(65534)]) {
      assert.deepEqual(dsts(who), ['10.0.0.5/32'])
      for (const hidden of ['172.16.1.1', '10.0.0.2', '10.0.0.1', '198.51.100.7', '127.0.0.1', '8.8.8.8'])
        assert.equal(
          errnoOf(() => who.routeGet(ip(hidden))),
          'ESRCH',
          hidden,
        )
      assert.equal(who.routeGet(ip('10.0.0.5')).ifName, 'lo0')
    }
    // Without addresses it sees no route at all; the host and a vnet jail still see all of theirs.
    mkJail(net.root, 'q')
    assert.deepEqual(dsts(net.sys('q')), [])
    assert.equal(dsts(net.root).length, net.vnet('').routes.list().length)
    assert.ok(dsts(net.sys('b')).includes('10.0.0.0/24'))
  })

  test('ARP: only entries for its own addresses', () => {
    const net = shared()
    net.root.arpSet(ip('10.0.0.9'), 0x020000000009)
    assert.deepEqual(
      net.root.arpList().map((e) => formatIpv4(e.addr)),
      ['10.0.0.1', '10.0.0.5', '10.0.0.9'],
    )
    const p = net.sys('p').withUid(65534)
    assert.deepEqual(
      p.arpList().map((e) => formatIpv4(e.addr)),
      ['10.0.0.5'],
    )
    assert.equal(
      errnoOf(() => p.arpGet(ip('10.0.0.9'))),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => p.arpGet(ip('10.0.0.1'))),
      'ENOENT',
    )
    assert.equal(p.arpGet(ip('10.0.0.5')).ifName, 'epair0a')
  })

  test('source address selection gives a jail its own address (connect + getsockname)', () => {
    const net = shared()
    assert.equal(net.root.sourceAddr(ip('10.0.0.2')), ip('10.0.0.1'))
    assert.equal(net.sys('p').sourceAddr(ip('10.0.0.2')), ip('10.0.0.5'))
    assert.equal(
      errnoOf(() => net.sys('p').sourceAddr(ip('203.0.113.1'))),
      'ENETUNREACH',
    )
    mkJail(net.root, 'q')
    assert.equal(
      errnoOf(() => net.sys('q').sourceAddr(ip('10.0.0.2'))),
      'EADDRNOTAVAIL',
    )
  })
})

describe('kill(2)', () => {
  test('reaches the processes of the caller’s jail and below: others’ only as root or with a uid in common', () => {
    const host = mkHost()
    const sys = host.syscalls()
    mkJail(sys, 'a')
    mkJail(sys, 'b')
    const got: string[] = []
    const a = sys.attach('a')
    const pRoot = a.procStart((s) => got.push(`root:${s}`))
    const pUser = a.withUid(1001).procStart((s) => got.push(`user:${s}`))
    const pHost = sys.procStart((s) => got.push(`host:${s}`))
    const nobody = a.withUid(65534)
    assert.equal(
      errnoOf(() => nobody.kill(pRoot, 15)),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => nobody.kill(pUser, 0)),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => sys.attach('b').kill(pRoot, 9)),
      'ESRCH',
      'a sibling’s process is invisible',
    )
    assert.equal(
      errnoOf(() => a.kill(pHost, 9)),
      'ESRCH',
      'so is the parent’s',
    )
    assert.equal(
      errnoOf(() => a.kill(99999, 9)),
      'ESRCH',
    )
    for (const bad of [-1, 129, 1.5])
      assert.equal(
        errnoOf(() => a.kill(pRoot, bad)),
        'EINVAL',
      )
    a.kill(pRoot, 0)
    a.withUid(1001).kill(pUser, 15)
    sys.kill(pRoot, 2)
    assert.deepEqual(got, ['user:15', 'root:2'])
  })

  test('the user who started a set-user-ID program may signal it; another user may not', () => {
    const host = mkHost()
    const sys = host.syscalls()
    let got = 0
    const pid = sys
      .withUid(1001)
      .exec('ping')
      .procStart((s) => {
        got = s
      })
    assert.equal(
      errnoOf(() => sys.withUid(1002).kill(pid, 2)),
      'EPERM',
    )
    sys.withUid(1001).kill(pid, 2)
    assert.equal(got, 2)
  })
})
