/**
 * jail and jls: parameters as the kernel receives them, jail(8)'s notes and messages, and jls's
 * tables and `-n` lines (booleans as `name` / `noname`).
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { JailInfo } from '../../../host/syscalls.js'
import { SysError } from '../../../util/errno.js'
import { fakeSys, ip4, jailInfo, runCmd } from '../../testkit.js'
import { jail, parseJailParams } from './jail.js'
import { formatJailParams, formatJlsRow, JLS_HEADER, jls } from './jls.js'

function kernel(jails: JailInfo[], extra: Record<string, unknown> = {}) {
  return fakeSys({
    jailList: () => jails,
    jailGet: (n: string) => {
      const j = jails.find((x) => x.name === n || String(x.jid) === n)
      if (j === undefined) throw new SysError('ENOENT', 'jail_get', `jail "${n}" not found`)
      return j
    },
    jailCreate: (p: ReadonlyArray<readonly [string, string | true]>) =>
      jailInfo(7, String(p.find(([k]) => k === 'name')?.[1])),
    jailModify: () => jailInfo(3, 'j1'),
    jailRemove: () => {},
    ...extra,
  })
}

describe('jail', () => {
  test('parameters go to the kernel as pairs', async () => {
    assert.deepEqual(parseJailParams(['name=j1', 'vnet', 'persist', 'children.max=2', 'host.hostname=a b']), [
      ['name', 'j1'],
      ['vnet', true],
      ['persist', true],
      ['children.max', '2'],
      ['host.hostname', 'a b'],
    ])
    const k = kernel([])
    assert.deepEqual(await runCmd(jail, 'jail -c name=j1 vnet persist vnet.interface=epair0b', k.sys), {
      status: 0,
      out: 'j1: created\n',
      err: '',
    })
    assert.deepEqual(k.calls.find(([n]) => n === 'jailCreate')?.[1], [
      [
        ['name', 'j1'],
        ['vnet', true],
        ['persist', true],
        ['vnet.interface', 'epair0b'],
      ],
    ])
    assert.equal((await runCmd(jail, 'jail -qc name=j2 persist', k.sys)).out, '')
    assert.equal((await runCmd(jail, 'jail -ic name=j3 persist', k.sys)).out, '7\nj3: created\n')
  })

  test('modify and remove', async () => {
    const k = kernel([jailInfo(3, 'j1')])
    assert.deepEqual(await runCmd(jail, 'jail -m name=j1 children.max=4', k.sys), {
      status: 0,
      out: 'j1: updated\n',
      err: '',
    })
    assert.deepEqual(k.calls.find(([n]) => n === 'jailModify')?.[1], ['j1', [['children.max', '4']]])
    assert.deepEqual(await runCmd(jail, 'jail -r j1', k.sys), { status: 0, out: '', err: '' })
  })

  test("jail(8)'s messages", async () => {
    const k = kernel([jailInfo(3, 'j1')], {
      jailCreate: () => {
        throw new SysError('EPERM', 'jail_set', 'prison0: children.max exceeded')
      },
      jailRemove: () => {
        throw new SysError('EPERM', 'jail_remove')
      },
    })
    assert.deepEqual(await runCmd(jail, 'jail -r nosuch', k.sys), {
      status: 1,
      out: '',
      err: 'jail: "nosuch" not found\n',
    })
    assert.equal((await runCmd(jail, 'jail -m name=nosuch persist', k.sys)).err, 'jail: "nosuch" not found\n')
    assert.equal((await runCmd(jail, 'jail -c name=j1 persist', k.sys)).err, 'jail: "j1" already exists\n')
    assert.equal(
      (await runCmd(jail, 'jail -c name=j9 persist', k.sys)).err,
      'jail: j9: prison0: children.max exceeded\n',
    )
    assert.equal(
      (await runCmd(jail, 'jail -r j1', k.sys)).err,
      'jail: j1: jail_remove: Operation not permitted\n',
    )
    assert.equal((await runCmd(jail, 'jail', k.sys)).status, 1)
  })
})

describe('jls', () => {
  const j1 = jailInfo(3, 'j1')
  const j2 = jailInfo(4, 'web', {
    hostname: 'web.example.org',
    path: '/jails/web',
    ip4: [ip4('192.0.2.80')],
    vnet: false,
  })

  test('the default table', async () => {
    assert.equal(JLS_HEADER, '   JID  IP Address      Hostname                      Path\n')
    assert.equal(formatJlsRow(j1), '     3                  j1                            /\n')
    assert.equal(formatJlsRow(j2), '     4  192.0.2.80      web.example.org               /jails/web\n')
    assert.equal(
      formatJlsRow(j2, true),
      ' web             192.0.2.80      web.example.org               /jails/web\n',
    )
    const k = kernel([j1, j2])
    assert.equal((await runCmd(jls, 'jls', k.sys)).out, JLS_HEADER + formatJlsRow(j1) + formatJlsRow(j2))
  })

  test('-n: sorted name=value pairs, booleans bare', () => {
    assert.equal(
      formatJailParams(
        j1,
        ['jid', 'name', 'persist', 'allow.raw_sockets', 'ip4.addr', 'host.hostname'],
        true,
        false,
      ),
      'jid=3 name=j1 persist allow.noraw_sockets ip4.addr= host.hostname=j1\n',
    )
    assert.equal(formatJailParams(j1, ['name', 'persist', 'ip4.addr'], false, false), 'j1 true -\n')
  })

  test('-n of everything, chosen parameters, -j', async () => {
    const k = kernel([j1])
    assert.equal(
      (await runCmd(jls, 'jls -n', k.sys)).out,
      'jid=3 name=j1 parent=0 path=/ persist vnet=new allow.noraw_sockets children.cur=0 children.max=0 host.hostname=j1 ip4.addr=\n',
    )
    assert.equal((await runCmd(jls, 'jls -j j1 name vnet', k.sys)).out, 'j1 new\n')
    assert.equal((await runCmd(jls, 'jls -n name', k.sys)).out, 'name=j1\n')
    assert.deepEqual(await runCmd(jls, 'jls -j nosuch', k.sys), {
      status: 1,
      out: '',
      err: 'jls: jail "nosuch" not found\n',
    })
    assert.equal((await runCmd(jls, 'jls frob', k.sys)).err, 'jls: unknown parameter: frob\n')
  })

  test('-v', async () => {
    const k = kernel([j2])
    assert.equal(
      (await runCmd(jls, 'jls -v', k.sys)).out,
      '   JID  Hostname                      Path\n        Name                          State\n        CPUSetID\n        IP Address(es)\n' +
        '     4  web.example.org               /jails/web\n        web                           ACTIVE\n        0\n        192.0.2.80\n',
    )
  })
})
