/** `-j jail` for ifconfig, route, netstat and arp: the tool runs inside the jail, option removed. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { takeJailOption } from './jail_option.js'
import { startProcess } from './process.js'
import { programs } from './programs.js'
import { capture } from './testkit.js'

test('takeJailOption finds -j in the options only, clustered or not', () => {
  assert.deepEqual(takeJailOption(['ifconfig', '-j', 'a', 'lo0', 'up'], 'l'), {
    jail: 'a',
    argv: ['ifconfig', 'lo0', 'up'],
  })
  assert.deepEqual(takeJailOption(['netstat', '-rnja', '-f', 'inet'], 'rnf:'), {
    jail: 'a',
    argv: ['netstat', '-rn', '-f', 'inet'],
  })
  assert.deepEqual(takeJailOption(['netstat', '-f', 'inet', '-jb'], 'f:'), {
    jail: 'b',
    argv: ['netstat', '-f', 'inet'],
  })
  // -j's letter inside another option's value or after the operands is not the option.
  assert.equal(takeJailOption(['netstat', '-I', 'j0'], 'I:'), undefined)
  assert.equal(takeJailOption(['route', 'add', '-j', 'x'], 'n'), undefined)
  assert.equal(takeJailOption(['arp', '-j'], 'n'), 'option requires an argument -- j')
  // `--libxo STYLE` anywhere among the options is libxo's, not an operand.
  assert.deepEqual(takeJailOption(['netstat', '--libxo', 'json', '-j', 'a', '-i'], 'i'), {
    jail: 'a',
    argv: ['netstat', '--libxo', 'json', '-i'],
  })
  assert.deepEqual(takeJailOption(['arp', '--libxo=xml', '-ja', '-an'], 'an'), {
    jail: 'a',
    argv: ['arp', '--libxo=xml', '-an'],
  })
})

test('ifconfig/route/netstat/arp -j run in the jail; an unknown jail is an error', async () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const sys = host.syscalls()
  const run = async (line: string) => {
    const io = capture()
    const status = await startProcess(sys, line.split(' '), io, { programs }).done
    return { status, out: io.out(), err: io.err() }
  }
  await run('jail -c name=j persist vnet')
  await run('ifconfig epair create')
  await run('ifconfig epair0b vnet j')
  assert.equal((await run('ifconfig -j j epair0b 192.0.2.2/24 up')).status, 0)
  assert.equal((await run('ifconfig -j j -l')).out, 'lo0 epair0b\n')
  assert.equal((await run('ifconfig -l')).out, 'lo0 epair0a\n')
  assert.match((await run('route -j j -n get 192.0.2.9')).out, /interface: epair0b/)
  assert.match((await run('netstat -j j -rn -f inet')).out, /192\.0\.2\.0\/24 +link#2/)
  assert.equal((await run('arp -j j -an')).status, 0)
  assert.deepEqual(await run('ifconfig -j nosuch -l'), {
    status: 1,
    out: '',
    err: 'ifconfig: jail not found\n',
  })
  assert.equal((await run('netstat -j nosuch -rn')).err, 'netstat: Jail not found\n')
  host.clock.stop()
})
