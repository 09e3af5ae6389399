/** jail(8)'s exec.* pseudo-parameters and command=, run by jail(8) itself around creation. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { MemFs } from '../../bin/sh/streams.js'
import { startProcess } from '../../process.js'
import { programs } from '../../programs.js'
import { capture } from '../../testkit.js'

test('exec.prestart/start/poststart and command= run in order, where they belong', async () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const sys = host.syscalls()
  const fs = new MemFs()
  const run = async (argv: string[]) => {
    const io = capture()
    const status = await startProcess(sys, argv, io, { programs, fs }).done
    return { status, out: io.out(), err: io.err() }
  }
  const r = await run([
    'jail',
    '-c',
    'name=j',
    'persist',
    'vnet',
    'exec.prestart=echo pre $(hostname)',
    'exec.start=echo start; ifconfig -l',
    'exec.poststart=echo post',
  ])
  assert.deepEqual(r, { status: 0, out: 'pre virtnet\nj: created\nstart\nlo0\npost\n', err: '' })
  // command= takes the rest of the line; without persist the jail goes with its last process.
  const c = await run(['jail', '-c', 'name=k', 'host.hostname=kk', 'command=sh', '-c', 'echo in $(hostname)'])
  assert.deepEqual(c, { status: 0, out: 'k: created\nin kk\n', err: '' })
  assert.equal((await run(['jls', '-j', 'k'])).status, 1)
  // A failing exec.start removes the jail again.
  const f = await run(['jail', '-c', 'name=m', 'persist', 'exec.start=exit 3'])
  assert.deepEqual(f, { status: 1, out: 'm: created\n', err: 'jail: m: exec.start: failed\n' })
  assert.equal((await run(['jls', '-j', 'm'])).status, 1)
  assert.equal(
    (await run(['jail', '-c', 'name=n', 'exec.clean'])).err,
    'jail: exec.clean: not supported by VirtNet\n',
  )
  host.clock.stop()
})
