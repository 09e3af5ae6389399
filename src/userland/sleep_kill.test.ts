/**
 * A killed sleeper gives its timer back: virtual time must not run on for a process (or an in-shell
 * job) that no longer exists. And the shell's `kill` reaches processes through kill(2), the shell
 * itself included (`kill $$`).
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

test('kill $$ ends the shell with 128+signal, as on FreeBSD', async () => {
  const k = await run('kill -9 $$; echo not reached')
  assert.deepEqual([k.status, k.out], [137, ''])
  const t = await run('kill $$; echo not reached')
  assert.deepEqual([t.status, t.out], [143, ''])
  const z = await run('kill -0 $$ && echo alive')
  assert.deepEqual([z.status, z.out], [0, 'alive\n'])
  assert.equal(k.host.clock.pending, 0)
})

test('kill reaches a process that is not a job of this shell only where kill(2) allows', async () => {
  // The background jexec is a job of the outer shell, not of the inner one, which must ask the kernel.
  const r = await run(
    [
      'jail -c name=j persist >/dev/null',
      'ping -c 100 -i 10 -q 127.0.0.1 > /dev/null & p=$!',
      'jexec j sh -c "kill $p"; echo "from the jail: $?"',
      'sh -c "kill -0 $p" && echo "root sees it"',
      'sh -c "kill -9 $p"; wait $p; echo "ping ended with $?"',
    ].join('\n'),
  )
  assert.match(r.out, /^kill: \d+: No such process\nfrom the jail: 1\nroot sees it\nping ended with 137\n$/)
  assert.equal(r.status, 0)
})
