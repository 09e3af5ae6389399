/**
 * No process can freeze the host: a busy loop is preempted after a bounded number of steps, its
 * yields charge virtual CPU time (so other processes' sleeps still expire), and signals reach it.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { ShellSession } from './bin/sh/shell.js'
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

test('a busy loop in a jail does not freeze the host: sleep 1 expires and alive prints', async () => {
  const { host, status, out } = await run(
    'jail -c name=a persist >/dev/null; jexec -U nobody a sh -c "while :; do :; done" & sleep 1; echo alive; jail -r a; wait',
  )
  assert.equal(out, 'alive\n')
  assert.equal(status, 0, out)
  assert.equal(host.clock.pending, 0)
})

/** A ShellSession (the interactive shell) as the first process of a fresh host, with its output. */
function session(clock: 'virtual' | 'real'): Promise<{ s: ShellSession; out: () => string; host: Host }> {
  const host = new Host(nodeClockDriver(), { clock, seed: 1 })
  let out = ''
  const io = {
    stdin: { read: async () => null },
    stdout: { write: (t: string) => void (out += t) },
    stderr: { write: (t: string) => void (out += t) },
  }
  return new Promise((resolve) => {
    startProcess(host.syscalls(), ['-sh'], io, {
      programs: new Map([
        ...makePrograms(),
        [
          '-sh',
          {
            run: (_a, pio, proc) => {
              resolve({ s: new ShellSession(pio, proc), out: () => out, host })
              return new Promise<number>(() => {})
            },
          },
        ],
      ]),
    })
  })
}

/** What readline does on Ctrl-C: a macrotask (an I/O callback), which only runs if the loop yields. */
const ctrlC = (s: ShellSession): void => void setImmediate(() => s.interrupt())

for (const clock of ['virtual', 'real'] as const) {
  test(`Ctrl-C stops a busy loop at the prompt (${clock} clock)`, async () => {
    const { s } = await session(clock)
    const running = s.runLine('while :; do :; done')
    ctrlC(s)
    assert.equal(await running, 130)
    assert.equal(await s.runLine('echo ok'), 0)
  })

  test(`Ctrl-C reaches a looping sh in a jail (${clock} clock)`, async () => {
    const { s, out, host } = await session(clock)
    await s.runLine('jail -c name=a persist > /dev/null')
    const running = s.runLine('jexec -U nobody a sh -c "f() { while :; do :; done; }; f"')
    ctrlC(s)
    assert.equal(await running, 130)
    assert.equal(await s.runLine('jls -j a jid'), 0)
    assert.equal(out(), '1\n')
    assert.equal(host.prison0.child('a')?.procs.size, 0)
  })
}

test('a recursive function loop without commands in between is preempted too', async () => {
  const { status, out, host } = await run(
    'f() { g; }; g() { :; }; h() { while :; do f; done; }; h & sleep 2; kill $!; wait; echo done',
  )
  assert.equal(out, 'done\n')
  assert.equal(status, 0)
  assert.equal(host.clock.now() >= 2e9, true)
  assert.equal(host.clock.pending, 0)
})
