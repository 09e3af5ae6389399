/**
 * arp, sysctl and hostname: output lines, FreeBSD's messages, and no change on bad input.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { SysctlInfo } from '../../../host/syscalls.js'
import { SysError } from '../../../util/errno.js'
import { hostname, trimHostname } from '../../bin/hostname.js'
import { sysctl } from '../../sbin/sysctl/sysctl.js'
import { epairIf, fakeSys, ip4, runCmd } from '../../testkit.js'
import { arp, formatArpEntry } from './arp.js'

const ENTRIES = [
  {
    addr: ip4('192.0.2.254'),
    mac: 0x020000000001,
    ifName: 'epair0a',
    permanent: false,
    published: false,
    expiresIn: 1199,
  },
  {
    addr: ip4('192.0.2.1'),
    mac: 0x02000000000c,
    ifName: 'epair0a',
    permanent: true,
    published: false,
    expiresIn: -1,
  },
  { addr: ip4('192.0.2.9'), mac: null, ifName: 'epair0a', permanent: false, published: false, expiresIn: 0 },
]

describe('arp', () => {
  test('entries as print_entry shows them', () => {
    assert.deepEqual(ENTRIES.map(formatArpEntry), [
      '? (192.0.2.254) at 02:00:00:00:00:01 on epair0a expires in 1199 seconds [ethernet]\n',
      '? (192.0.2.1) at 02:00:00:00:00:0c on epair0a permanent [ethernet]\n',
      '? (192.0.2.9) at (incomplete) on epair0a expired [ethernet]\n',
    ])
    assert.match(formatArpEntry({ ...ENTRIES[1]!, published: true }), /permanent published \[ethernet\]/)
  })

  const kernel = (extra: Record<string, unknown> = {}) =>
    fakeSys({
      arpList: () => ENTRIES,
      ifList: () => [epairIf('epair0a', 2, ['192.0.2.1/24'])],
      arpDelete: () => {},
      arpSet: () => {},
      ...extra,
    })

  test('-an, one address, a missing one', async () => {
    const k = kernel()
    assert.equal((await runCmd(arp, 'arp -an', k.sys)).out, ENTRIES.map(formatArpEntry).join(''))
    assert.equal((await runCmd(arp, 'arp 192.0.2.254', k.sys)).out, formatArpEntry(ENTRIES[0]!))
    assert.deepEqual(await runCmd(arp, 'arp 192.0.2.77', k.sys), {
      status: 1,
      out: '192.0.2.77 (192.0.2.77) -- no entry\n',
      err: '',
    })
  })

  test('-d one, -d -a (our own addresses stay), -s', async () => {
    const k = kernel()
    assert.equal((await runCmd(arp, 'arp -d 192.0.2.254', k.sys)).out, '192.0.2.254 (192.0.2.254) deleted\n')
    const all = await runCmd(arp, 'arp -d -a', k.sys)
    assert.equal(all.out, '192.0.2.254 (192.0.2.254) deleted\n192.0.2.9 (192.0.2.9) deleted\n')
    assert.deepEqual(await runCmd(arp, 'arp -s 192.0.2.50 02:00:00:00:00:50 temp pub', k.sys), {
      status: 0,
      out: '',
      err: '',
    })
    assert.deepEqual(k.calls.find(([n]) => n === 'arpSet')?.[1], [
      ip4('192.0.2.50'),
      0x020000000050,
      { temp: true, pub: true },
    ])
  })

  test('errors: bad MAC, unknown host, EPERM, no entry to delete', async () => {
    let k = kernel()
    assert.deepEqual(await runCmd(arp, 'arp -s 192.0.2.50 zz:00', k.sys), {
      status: 1,
      out: '',
      err: "arp: invalid Ethernet address 'zz:00'\n",
    })
    assert.equal((await runCmd(arp, 'arp -s foo 02:00:00:00:00:50', k.sys)).err, 'arp: foo: Unknown host\n')
    assert.deepEqual(k.mutations(), [])
    k = kernel({
      arpSet: () => {
        throw new SysError('EPERM', 'RTM_ADD')
      },
      arpDelete: () => {
        throw new SysError('ENOENT', 'RTM_DELETE')
      },
    })
    assert.equal(
      (await runCmd(arp, 'arp -s 192.0.2.50 02:00:00:00:00:50', k.sys)).err,
      'arp: writing to routing socket: Operation not permitted\n',
    )
    assert.deepEqual(await runCmd(arp, 'arp -d 192.0.2.51', k.sys), {
      status: 1,
      out: '',
      err: 'arp: delete: cannot locate 192.0.2.51\n',
    })
  })
})

describe('sysctl', () => {
  const knobs: SysctlInfo[] = [
    {
      name: 'kern.features.vimage',
      value: 1,
      description: 'VIMAGE kernel virtualization',
      kind: 'int',
      writable: false,
    },
    {
      name: 'net.inet.ip.forwarding',
      value: 0,
      description: 'Enable IP forwarding between interfaces',
      kind: 'int',
      writable: true,
    },
    {
      name: 'net.inet.ip.ttl',
      value: 64,
      description: 'Maximum TTL on IP packets',
      kind: 'int',
      writable: true,
    },
  ]
  const kernel = (extra: Record<string, unknown> = {}) =>
    fakeSys({
      sysctlGet: (n: string) => {
        const k = knobs.find((x) => x.name === n)
        if (k === undefined) throw new SysError('ENOENT', 'sysctl')
        return k
      },
      // As the kernel (sysctl_api.ts): an unknown prefix is ENOENT, not an empty list.
      sysctlList: (p?: string) => {
        const l = knobs.filter((k) => p === undefined || k.name.startsWith(`${p}.`) || k.name === p)
        if (l.length === 0) throw new SysError('ENOENT', 'sysctl')
        return l
      },
      sysctlSet: (n: string, v: string) => ({ ...knobs.find((x) => x.name === n)!, value: Number(v) }),
      ...extra,
    })

  test('read one, a prefix, -n, -d, -N, -e, -a', async () => {
    const k = kernel()
    assert.equal(
      (await runCmd(sysctl, 'sysctl net.inet.ip.forwarding', k.sys)).out,
      'net.inet.ip.forwarding: 0\n',
    )
    assert.equal(
      (await runCmd(sysctl, 'sysctl net.inet.ip', k.sys)).out,
      'net.inet.ip.forwarding: 0\nnet.inet.ip.ttl: 64\n',
    )
    assert.equal((await runCmd(sysctl, 'sysctl -n net.inet.ip.ttl', k.sys)).out, '64\n')
    assert.equal(
      (await runCmd(sysctl, 'sysctl -d net.inet.ip.forwarding', k.sys)).out,
      'net.inet.ip.forwarding: Enable IP forwarding between interfaces\n',
    )
    assert.equal(
      (await runCmd(sysctl, 'sysctl -N net.inet.ip', k.sys)).out,
      'net.inet.ip.forwarding\nnet.inet.ip.ttl\n',
    )
    assert.equal((await runCmd(sysctl, 'sysctl -e net.inet.ip.ttl', k.sys)).out, 'net.inet.ip.ttl=64\n')
    assert.equal((await runCmd(sysctl, 'sysctl -a', k.sys)).out.split('\n').length, 4)
  })

  test('set prints old -> new', async () => {
    const k = kernel()
    assert.deepEqual(await runCmd(sysctl, 'sysctl net.inet.ip.forwarding=1', k.sys), {
      status: 0,
      out: 'net.inet.ip.forwarding: 0 -> 1\n',
      err: '',
    })
    assert.equal((await runCmd(sysctl, 'sysctl -n net.inet.ip.forwarding=1', k.sys)).out, '0 -> 1\n')
  })

  test('errors: unknown oid, read only, not an integer, EPERM; nothing changes', async () => {
    let k = kernel()
    assert.deepEqual(await runCmd(sysctl, 'sysctl foo', k.sys), {
      status: 1,
      out: '',
      err: "sysctl: unknown oid 'foo'\n",
    })
    assert.deepEqual(await runCmd(sysctl, 'sysctl foo=1', k.sys), {
      status: 1,
      out: '',
      err: "sysctl: unknown oid 'foo'\n",
    })
    assert.equal((await runCmd(sysctl, 'sysctl -q foo', k.sys)).err, '')
    assert.equal((await runCmd(sysctl, 'sysctl -i foo', k.sys)).status, 0)
    assert.equal(
      (await runCmd(sysctl, 'sysctl kern.features.vimage=0', k.sys)).err,
      "sysctl: oid 'kern.features.vimage' is read only\n",
    )
    assert.equal(
      (await runCmd(sysctl, 'sysctl net.inet.ip.ttl=abc', k.sys)).err,
      "sysctl: invalid integer 'abc'\n",
    )
    assert.equal(
      (await runCmd(sysctl, 'sysctl net.inet=1', k.sys)).err,
      "sysctl: oid 'net.inet' isn't a leaf node\n",
    )
    assert.equal((await runCmd(sysctl, 'sysctl foo bar', k.sys)).status, 2)
    assert.deepEqual(k.mutations(), [])
    k = kernel({
      sysctlSet: () => {
        throw new SysError('EPERM', 'sysctl')
      },
    })
    // As parse() does: the old value is shown before the write is tried, its line ended on failure.
    assert.deepEqual(await runCmd(sysctl, 'sysctl net.inet.ip.forwarding=1', k.sys), {
      status: 1,
      out: 'net.inet.ip.forwarding: 0\n',
      err: 'sysctl: net.inet.ip.forwarding=1: Operation not permitted\n',
    })
  })
})

describe('hostname', () => {
  test('print, -s, -d, set, EPERM', async () => {
    assert.equal(trimHostname('a.b.c', true, false), 'a')
    assert.equal(trimHostname('a.b.c', false, true), 'b.c')
    const k = fakeSys({
      getHostname: () => 'gw.example.org',
      setHostname: (n: string) => {
        if (n === 'x') throw new SysError('EPERM', 'sethostname')
      },
    })
    assert.equal((await runCmd(hostname, 'hostname', k.sys)).out, 'gw.example.org\n')
    assert.equal((await runCmd(hostname, 'hostname -s', k.sys)).out, 'gw\n')
    assert.deepEqual(await runCmd(hostname, 'hostname r1', k.sys), { status: 0, out: '', err: '' })
    assert.deepEqual(await runCmd(hostname, 'hostname x', k.sys), {
      status: 1,
      out: '',
      err: 'hostname: sethostname: Operation not permitted\n',
    })
    assert.equal(
      (await runCmd(hostname, 'hostname -s -d', k.sys)).err,
      'usage: hostname [-f] [-s | -d] [name-of-host]\n',
    )
  })
})
