/**
 * ifconfig: FreeBSD 14's listing format, the order settings are applied in, FreeBSD's error
 * messages, and that a command failing validation makes no state-changing call.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SysError } from '../../../util/errno.js'
import { epairIf, fakeSys, ip4, jailInfo, loIf, runCmd } from '../../testkit.js'
import { ifconfig } from './ifconfig.js'
import { formatInterface } from './ifconfig_status.js'

const EPAIR = [
  'epair0a: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500',
  '\toptions=8<VLAN_MTU>',
  '\tether 02:00:00:00:00:0c',
  '\tinet 192.0.2.1 netmask 0xffffff00 broadcast 192.0.2.255',
  '\tinet6 fe80::ff:fe00:c%epair0a prefixlen 64 scopeid 0x2',
  '\tgroups: epair',
  '\tmedia: Ethernet 10Gbase-T (10Gbase-T <full-duplex>)',
  '\tstatus: active',
  '\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>',
  '',
].join('\n')

const LO0 = [
  'lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> metric 0 mtu 16384',
  '\toptions=680003<RXCSUM,TXCSUM,LINKSTATE,RXCSUM_IPV6,TXCSUM_IPV6>',
  '\tinet 127.0.0.1 netmask 0xff000000',
  '\tinet6 ::1 prefixlen 128',
  '\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x1',
  '\tgroups: lo',
  '\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>',
  '',
].join('\n')

/** A kernel with lo0 and epair0a, recording calls. */
function kernel(extra: Record<string, unknown> = {}) {
  const ifs = [loIf(1), epairIf('epair0a', 2, ['192.0.2.1/24'])]
  return fakeSys({
    ifList: () => ifs,
    ifGet: (n: string) => {
      const i = ifs.find((x) => x.name === n)
      if (i === undefined) throw new SysError('ENXIO', 'SIOCGIFFLAGS')
      return i
    },
    ifCloners: () => ['epair', 'lo'],
    jailGet: (n: string) => {
      if (n !== 'j1') throw new SysError('ENOENT', 'jail_get')
      return jailInfo(3, 'j1')
    },
    ...extra,
  })
}

describe('ifconfig output', () => {
  test('an epair end and lo0 as FreeBSD 14 prints them', () => {
    assert.equal(formatInterface(epairIf('epair0a', 2, ['192.0.2.1/24'])), EPAIR)
    assert.equal(formatInterface(loIf()), LO0)
  })

  test('hwaddr appears once the MAC was changed', () => {
    const ifi = { ...epairIf('epair0a', 2, ['192.0.2.1/24']), mac: 0x020000000042 }
    assert.match(formatInterface(ifi), /\tether 02:00:00:00:00:42\n\thwaddr 02:00:00:00:00:0c\n/)
  })

  test('a fresh epair end: down, no carrier flag, no address', () => {
    const ifi = epairIf('epair1b', 5, [], { flags: 0x8802, status: 'no carrier', description: 'to j1' })
    const text = formatInterface(ifi)
    assert.match(
      text,
      /^epair1b: flags=8802<BROADCAST,SIMPLEX,MULTICAST> metric 0 mtu 1500\n\tdescription: to j1\n/,
    )
    assert.match(text, /\tstatus: no carrier\n/)
    assert.doesNotMatch(text, /inet /)
  })

  test('listing all, one, -l, -C, an address family', async () => {
    const k = kernel()
    assert.deepEqual(await runCmd(ifconfig, 'ifconfig', k.sys), { status: 0, out: LO0 + EPAIR, err: '' })
    assert.equal((await runCmd(ifconfig, 'ifconfig -a', k.sys)).out, LO0 + EPAIR)
    assert.equal((await runCmd(ifconfig, 'ifconfig epair0a', k.sys)).out, EPAIR)
    assert.equal((await runCmd(ifconfig, 'ifconfig -l', k.sys)).out, 'lo0 epair0a\n')
    assert.equal((await runCmd(ifconfig, 'ifconfig -C', k.sys)).out, 'epair lo\n')
    const inet = await runCmd(ifconfig, 'ifconfig epair0a inet', k.sys)
    assert.equal(
      inet.out,
      'epair0a: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500\n' +
        '\toptions=8<VLAN_MTU>\n\tinet 192.0.2.1 netmask 0xffffff00 broadcast 192.0.2.255\n',
    )
    assert.deepEqual(k.mutations(), [])
  })

  test('an unknown interface', async () => {
    const k = kernel()
    const r = await runCmd(ifconfig, 'ifconfig epair9a', k.sys)
    assert.deepEqual(r, { status: 1, out: '', err: 'ifconfig: interface epair9a does not exist\n' })
  })
})

describe('ifconfig changes', () => {
  test('settings apply in order, the address last, with a parsed netmask', async () => {
    const k = kernel({
      ifSetUp: () => {},
      ifSetMtu: () => {},
      ifAddAddr: () => {},
      ifSetDescription: () => {},
    })
    const r = await runCmd(
      ifconfig,
      'ifconfig epair0a inet 198.51.100.7 netmask 0xffffff00 mtu 9000 up description x',
      k.sys,
    )
    assert.deepEqual(r, { status: 0, out: '', err: '' })
    const muts = k.calls.filter(([n]) => k.mutations().includes(n))
    assert.deepEqual(muts, [
      ['ifSetMtu', ['epair0a', 9000]],
      ['ifSetUp', ['epair0a', true]],
      ['ifSetDescription', ['epair0a', 'x']],
      ['ifAddAddr', ['epair0a', ip4('198.51.100.7'), 24, { alias: false }]],
    ])
  })

  test('alias with broadcast, -alias and delete', async () => {
    const k = kernel({ ifAddAddr: () => {}, ifDelAddr: () => {} })
    await runCmd(ifconfig, 'ifconfig epair0a 10.0.0.1/8 broadcast 10.255.255.255 alias', k.sys)
    await runCmd(ifconfig, 'ifconfig epair0a 10.0.0.1 -alias', k.sys)
    await runCmd(ifconfig, 'ifconfig epair0a 10.0.0.1 delete', k.sys)
    assert.deepEqual(
      k.calls.filter(([n]) => n === 'ifAddAddr' || n === 'ifDelAddr'),
      [
        ['ifAddAddr', ['epair0a', ip4('10.0.0.1'), 8, { alias: true, broadcast: ip4('10.255.255.255') }]],
        ['ifDelAddr', ['epair0a', ip4('10.0.0.1')]],
        ['ifDelAddr', ['epair0a', ip4('10.0.0.1')]],
      ],
    )
  })

  test('create prints the new name; a named unit that keeps its name prints nothing', async () => {
    const k = kernel({ ifCreate: (n: string) => (n === 'epair' ? 'epair1a' : n), ifRename: () => {} })
    assert.deepEqual(await runCmd(ifconfig, 'ifconfig epair create', k.sys), {
      status: 0,
      out: 'epair1a\n',
      err: '',
    })
    assert.deepEqual(await runCmd(ifconfig, 'ifconfig lo1 create', k.sys), { status: 0, out: '', err: '' })
    assert.equal((await runCmd(ifconfig, 'ifconfig epair create name foo', k.sys)).out, 'foo\n')
    assert.equal(
      (await runCmd(ifconfig, 'ifconfig epair0a create', k.sys)).err,
      'ifconfig: interface epair0a already exists\n',
    )
  })

  test('a created interface is destroyed again when a later step fails', async () => {
    const k = kernel({
      ifCreate: () => 'epair1a',
      ifRename: () => {
        throw new SysError('EEXIST', 'SIOCSIFNAME')
      },
      ifDestroy: () => {},
    })
    assert.deepEqual(await runCmd(ifconfig, 'ifconfig epair create name epair0a', k.sys), {
      status: 1,
      out: '',
      err: 'ifconfig: ioctl SIOCSIFNAME (set name): File exists\n',
    })
    assert.deepEqual(k.mutations(), ['ifCreate', 'ifRename', 'ifDestroy'])
    assert.deepEqual(k.calls.find(([n]) => n === 'ifDestroy')?.[1], ['epair1a'])
  })

  test('-vnet takes back an interface that is not in our vnet', async () => {
    const k = kernel({ ifReclaimFromJail: () => {} })
    assert.deepEqual(await runCmd(ifconfig, 'ifconfig epair5b -vnet j1', k.sys), {
      status: 0,
      out: '',
      err: '',
    })
    assert.deepEqual(k.calls.find(([n]) => n === 'ifReclaimFromJail')?.[1], ['epair5b', 'j1'])
  })

  test('without a mask: warning and the classful default', async () => {
    const k = kernel({ ifAddAddr: () => {} })
    const r = await runCmd(ifconfig, 'ifconfig epair0a 172.16.5.1', k.sys)
    assert.equal(r.status, 0)
    assert.match(
      r.err,
      /WARNING: setting interface address without mask is deprecated,\ndefault mask may not be correct\./,
    )
    assert.deepEqual(k.calls.find(([n]) => n === 'ifAddAddr')?.[1], [
      'epair0a',
      ip4('172.16.5.1'),
      16,
      { alias: false },
    ])
  })

  test('vnet and -vnet name the jail', async () => {
    const k = kernel({ ifMoveToJail: () => {}, ifReclaimFromJail: () => {} })
    assert.equal((await runCmd(ifconfig, 'ifconfig epair0a vnet j1', k.sys)).status, 0)
    assert.deepEqual(k.calls.find(([n]) => n === 'ifMoveToJail')?.[1], ['epair0a', 'j1'])
    const r = await runCmd(ifconfig, 'ifconfig epair0a vnet nosuch', k.sys)
    assert.deepEqual(r, { status: 1, out: '', err: 'ifconfig: jail "nosuch" not found\n' })
  })

  test('kernel errors read like FreeBSD', async () => {
    const eperm = () => {
      throw new SysError('EPERM', 'x')
    }
    const k = kernel({
      ifAddAddr: eperm,
      ifSetMtu: () => {
        throw new SysError('EINVAL', 'SIOCSIFMTU')
      },
      ifCreate: () => {
        throw new SysError('EEXIST', 'SIOCIFCREATE2')
      },
      ifDestroy: eperm,
    })
    assert.deepEqual(await runCmd(ifconfig, 'ifconfig epair0a 10.0.0.1/24', k.sys), {
      status: 1,
      out: '',
      err: 'ifconfig: ioctl (SIOCAIFADDR): Operation not permitted\n',
    })
    assert.equal(
      (await runCmd(ifconfig, 'ifconfig epair0a mtu 20', k.sys)).err,
      'ifconfig: ioctl SIOCSIFMTU (set mtu): Invalid argument\n',
    )
    assert.equal(
      (await runCmd(ifconfig, 'ifconfig epair7 create', k.sys)).err,
      'ifconfig: SIOCIFCREATE2 (epair7): File exists\n',
    )
    assert.equal(
      (await runCmd(ifconfig, 'ifconfig epair0a destroy', k.sys)).err,
      'ifconfig: SIOCIFDESTROY: Operation not permitted\n',
    )
  })

  test('invalid input makes no change at all', async () => {
    const bad = [
      ['ifconfig epair0a up 1.2.3.4/33', 'ifconfig: 1.2.3.4/33: bad value (width too large)\n'],
      ['ifconfig epair0a up 1.2.3.400/24', 'ifconfig: 1.2.3.400: bad value\n'],
      ['ifconfig epair0a up mtu abc', 'ifconfig: ioctl SIOCSIFMTU (set mtu): Invalid argument\n'],
      ['ifconfig epair0a up ether zz:zz', 'ifconfig: malformed link-level address\n'],
      ['ifconfig epair0a up 10.0.0.1 netmask 255.0.255.0', 'ifconfig: 255.0.255.0: bad value\n'],
      ['ifconfig epair0a down vnet nosuch', 'ifconfig: jail "nosuch" not found\n'],
      ['ifconfig epair0a up mtu', "ifconfig: 'mtu' requires argument\n"],
    ] as const
    for (const [line, err] of bad) {
      const k = kernel({ ifSetUp: () => {}, ifSetMtu: () => {}, ifAddAddr: () => {}, ifSetMac: () => {} })
      const r = await runCmd(ifconfig, line, k.sys)
      assert.deepEqual([r.status, r.err], [1, err], line)
      assert.deepEqual(k.mutations(), [], line)
    }
  })
})
