/**
 * jot(1) and which(1), the two small tools FreeBSD's fibs_test.sh calls (`jot -r 1 0 65535` for a
 * random prefix, `which pfctl` to see whether a firewall is there): sequences, random values from
 * the seeded generator within their bounds, formats, errors; which's paths and exit status.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { runScript } from '../bin/sh/shell.js'
import { MemFs } from '../bin/sh/streams.js'
import { startProcess } from '../process.js'
import { makePrograms } from '../programs.js'
import { capture } from '../testkit.js'

async function sh(script: string, seed = 1): Promise<{ status: number; out: string; err: string }> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed })
  const io = capture()
  const programs = makePrograms([['script', { run: (_a, sio, proc) => runScript(script, sio, proc) }]])
  const status = await startProcess(host.syscalls(), ['script'], io, { programs, fs: new MemFs() }).done
  host.clock.stop()
  return { status, out: io.out(), err: io.err() }
}

test('jot: sequences by reps, begin, end and step; -s, -n, -w, -b; bad values', async () => {
  const r = await sh(`
jot 3
jot 3 5
jot - 2 4
jot 3 10 30
jot -s , 4 0
jot -w x%03d 2 7
jot -b y 2
jot -n 2 1; echo
jot 2 1.5; echo rc=$?
jot 2 a; echo rc=$?`)
  assert.equal(r.out, '1\n2\n3\n5\n6\n7\n2\n3\n4\n10\n20\n30\n0,1,2,3\nx007\nx008\ny\ny\n1\n2\nrc=1\nrc=1\n')
  assert.equal(r.err, 'jot: only integers are supported: 1.5\njot: bad begin value: a\n')
})

test('jot -r: values within [begin, end], repeatable from the seed, different across seeds', async () => {
  const a = await sh('jot -r 50 0 65535')
  const b = await sh('jot -r 50 0 65535')
  const c = await sh('jot -r 50 0 65535', 2)
  const vals = a.out.trim().split('\n').map(Number)
  assert.equal(vals.length, 50)
  assert.ok(vals.every((v) => Number.isInteger(v) && v >= 0 && v <= 65535))
  assert.ok(new Set(vals).size > 40)
  assert.equal(a.out, b.out)
  assert.notEqual(a.out, c.out)
  const d = await sh('jot -r 200 3 4')
  assert.deepEqual([...new Set(d.out.trim().split('\n'))].sort(), ['3', '4'])
  const e = await sh('jot -r 1 5 4; echo rc=$?')
  assert.equal(e.out, 'rc=1\n')
})

test('which: the hier(7) path of each program; 1 when one is missing; -s and -a', async () => {
  const r = await sh(`
which ifconfig netstat
which pfctl; echo rc=$?
which -s ifconfig pfctl; echo rc=$?
which /sbin/route /usr/bin/route; echo rc=$?
which; echo rc=$?`)
  assert.equal(r.out, '/sbin/ifconfig\n/usr/bin/netstat\nrc=1\nrc=1\n/sbin/route\nrc=1\nrc=1\n')
  assert.equal(r.err, 'usage: which [-as] program ...\n')
})
