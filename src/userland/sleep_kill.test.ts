/**
 * A killed sleeper gives its timer back: virtual time must not run on for a process (or an in-shell
 * job) that no longer exists.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { startProcess } from './process.js'
import { makePrograms } from './programs.js'

async function run(script: string): Promise<{ host: Host; status: number; out: string }> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  let out = ''
  const io = {
    stdin: { read: async () => null },
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (out += s) },
  }
  const job = startProcess(host.syscalls(), ['sh', '-c', script], io, { programs: makePrograms() })
  return { host, status: await job.done, out }
}

test('killing an in-shell sleeping job cancels its timer', async () => {
  const { host, status } = await run('sleep 100 & kill $!; wait; sleep 1')
  assert.equal(status, 0)
  assert.equal(host.clock.now(), 1e9)
  assert.equal(host.clock.pending, 0)
})

test('killing a sleeping program cancels its timer', async () => {
  const { host, status, out } = await run(
    'ping -c 100 -i 10 -q 127.0.0.1 > /dev/null & sleep 2; kill $!; wait; sleep 1',
  )
  assert.equal(status, 0, out)
  assert.equal(host.clock.now(), 3e9)
  assert.equal(host.clock.pending, 0)
})
