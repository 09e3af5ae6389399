/** `arp -S` as FreeBSD's: set() deletes first, so a replaced entry is reported as deleted. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { startProcess } from '../../process.js'
import { programs } from '../../programs.js'
import { capture } from '../../testkit.js'

test('arp -S replaces an entry and says it deleted the old one; -S of a new one says none was there', async () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const sys = host.syscalls()
  const run = async (line: string) => {
    const io = capture()
    const status = await startProcess(sys, line.split(' '), io, { programs }).done
    return { status, out: io.out(), err: io.err() }
  }
  await run('ifconfig epair create')
  await run('ifconfig epair0a 198.51.100.1/24 up')
  assert.deepEqual(await run('arp -S 198.51.100.2 0:0:0:0:0:1'), {
    status: 0,
    out: '',
    err: 'arp: delete: cannot locate 198.51.100.2\n',
  })
  assert.deepEqual(await run('arp -S 198.51.100.2 0:0:0:0:0:2'), {
    status: 0,
    out: '198.51.100.2 (198.51.100.2) deleted\n',
    err: '',
  })
  assert.match((await run('arp -n 198.51.100.2')).out, /at 00:00:00:00:00:02 on epair0a permanent/)
  host.clock.stop()
})
