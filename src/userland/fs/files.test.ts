/**
 * One file system per process tree: what the shell writes with a redirection, the programs it
 * starts read (`ngctl -f FILE`), and a child shell's files are its parent's — against a real
 * kernel (a virtual-clock Host).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { startProcess } from '../process.js'
import { programs } from '../programs.js'
import { capture, type RunResult } from '../testkit.js'

async function sh(script: string): Promise<RunResult> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const io = capture()
  const status = await startProcess(host.syscalls(), ['sh', '-c', script], io, { programs }).done
  return { status, out: io.out(), err: io.err() }
}

test('ngctl -f reads the commands the shell wrote to a file', async () => {
  const r = await sh(`
printf 'mkpeer . hub h0 in\\nname .:h0 myhub\\n# a comment\\nlist\\n' > /tmp/ng.cmds
ngctl -n ctl -f /tmp/ng.cmds; echo "rc=$?"
ngctl -f /tmp/missing; echo "rc=$?"
printf 'bogus\\n' > /tmp/bad; ngctl -f /tmp/bad; echo "rc=$?"`)
  assert.equal(
    r.out,
    [
      'There are 2 total nodes:',
      '  Name: ctl             Type: socket          ID: 00000001   Num hooks: 1',
      '  Name: myhub           Type: hub             ID: 00000002   Num hooks: 1',
      'rc=0',
      'rc=66',
      'rc=71',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    'ngctl: /tmp/missing: No such file or directory\nngctl: "bogus": unknown command\nngctl: line 1: error in file\n',
  )
})

test('a child process shares the file system: sh -c and jexec see and write the same files', async () => {
  const r = await sh(`
sh -c 'echo from-child > /tmp/a'
cat /tmp/a
jail -c name=j vnet persist >/dev/null
echo list > /tmp/cmds
jexec j ngctl -n inj -f /tmp/cmds`)
  assert.equal(r.err, '')
  assert.equal(
    r.out,
    'from-child\nThere are 1 total nodes:\n  Name: inj             Type: socket          ID: 00000001   Num hooks: 0\n',
  )
})
