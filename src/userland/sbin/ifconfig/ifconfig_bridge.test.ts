/**
 * ifconfig with if_bridge against a real kernel: `bridge create`, `addm`/`deletem` with FreeBSD's
 * BRDGADD/BRDGDEL error messages, and `ifconfig bridge0` in FreeBSD 14's format with member lines.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { formatMac } from '../../../wire/addr.js'
import { runCmd } from '../../testkit.js'
import { ifconfig } from './ifconfig.js'

test('ifconfig bridge create, addm, deletem and the bridge listing', async () => {
  const sys = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 }).syscalls()
  const run = (line: string) => runCmd(ifconfig, line, sys)
  assert.deepEqual(await run('ifconfig bridge create'), { status: 0, out: 'bridge0\n', err: '' })
  sys.ifCreate('epair')
  sys.ifCreate('epair')
  assert.deepEqual(await run('ifconfig bridge0 addm epair0a addm epair1a up'), {
    status: 0,
    out: '',
    err: '',
  })
  await run('ifconfig bridge0 inet 192.0.2.1/24')
  const mac = formatMac(sys.ifGet('bridge0').mac!)
  const [p0, p1] = [sys.ifGet('epair0a').index, sys.ifGet('epair1a').index]
  assert.equal(
    (await run('ifconfig bridge0')).out,
    [
      'bridge0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500',
      '\toptions=0',
      `\tether ${mac}`,
      '\tinet 192.0.2.1 netmask 0xffffff00 broadcast 192.0.2.255',
      '\tid 00:00:00:00:00:00 priority 32768 hellotime 2 fwddelay 15',
      '\tmaxage 20 holdcnt 6 proto rstp maxaddr 2000 timeout 1200',
      '\troot id 00:00:00:00:00:00 priority 32768 ifcost 0 port 0',
      '\tmember: epair0a flags=143<LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>',
      `\t        ifmaxaddr 0 port ${p0} priority 128 path cost 2000`,
      '\tmember: epair1a flags=143<LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>',
      `\t        ifmaxaddr 0 port ${p1} priority 128 path cost 2000`,
      '\tgroups: bridge',
      '\tnd6 options=9<PERFORMNUD,IFDISABLED>',
      '',
    ].join('\n'),
  )
  assert.match(
    (await run('ifconfig epair0a')).out,
    /^epair0a: flags=1008942<BROADCAST,RUNNING,PROMISC,SIMPLEX,MULTICAST,LOWER_UP>/,
  )

  assert.deepEqual(await run('ifconfig bridge1 create'), { status: 0, out: '', err: '' })
  assert.deepEqual(await run('ifconfig bridge1 addm epair0a'), {
    status: 1,
    out: '',
    err: 'ifconfig: BRDGADD epair0a: Device busy\n',
  })
  assert.equal(
    (await run('ifconfig bridge1 addm nosuch0')).err,
    'ifconfig: BRDGADD nosuch0: No such file or directory\n',
  )
  assert.equal(
    (await run('ifconfig bridge1 deletem epair1a')).err,
    'ifconfig: BRDGDEL epair1a: No such file or directory\n',
  )
  assert.equal((await run('ifconfig bridge1 addm')).status, 1)
  assert.deepEqual(await run('ifconfig bridge0 deletem epair0a'), { status: 0, out: '', err: '' })
  assert.deepEqual(
    sys.ifGet('bridge0').members?.map((m) => m.name),
    ['epair1a'],
  )
  assert.deepEqual(await run('ifconfig bridge1 addm epair0a'), { status: 0, out: '', err: '' })
  assert.deepEqual(await run('ifconfig bridge0 destroy'), { status: 0, out: '', err: '' })
  assert.doesNotMatch((await run('ifconfig epair1a')).out, /PROMISC/)
  assert.match((await run('ifconfig -C')).out, /\bbridge\b/)
})
