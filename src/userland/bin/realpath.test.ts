/**
 * realpath(1) as FreeBSD's over the process's file tree: paths taken from the working directory,
 * `.`/`..`/slashes folded, every component required to exist and each but the last (or one followed
 * by a slash) to be a directory; `realpath: p: reason` per failure (silent with -q), exit 1 after
 * the others are printed; `.` when no operand; usage error exit 1.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { startProcess } from '../process.js'
import { makePrograms } from '../programs.js'
import { capture } from '../testkit.js'
import { runScript } from './sh/shell.js'
import { MemFs } from './sh/streams.js'

async function sh(script: string): Promise<{ out: string; err: string }> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const io = capture()
  const programs = makePrograms([['script', { run: (_a, sio, proc) => runScript(script, sio, proc) }]])
  await startProcess(host.syscalls(), ['script'], io, { programs, fs: new MemFs() }).done
  host.clock.stop()
  return { out: io.out(), err: io.err() }
}

test('realpath: absolute paths folded; relative ones from the working directory; no operand is .', async () => {
  const r = await sh(`
mkdir -p /w/d/e
touch /w/d/f
realpath /w//d/./e/ /w/d/e/../f /
cd /w/d
realpath e ../d/f . ..
realpath
cd e; realpath ../../d/e`)
  assert.equal(r.err, '')
  assert.equal(r.out, '/w/d/e\n/w/d/f\n/\n/w/d/e\n/w/d/f\n/w/d\n/w\n/w/d\n/w/d/e\n')
})

test('realpath: missing components and files used as directories fail; -q silences; status 1 at the end', async () => {
  const r = await sh(`
mkdir -p /w
touch /w/f
realpath /w/nope /w/f/ /w/f/x /w/f/.. "" /w; echo rc=$?
realpath -q /w/nope /w; echo rc=$?
realpath -x; echo rc=$?`)
  assert.equal(r.out, '/w\nrc=1\n/w\nrc=1\nrc=1\n')
  assert.equal(
    r.err,
    'realpath: /w/nope: No such file or directory\nrealpath: /w/f/: Not a directory\n' +
      'realpath: /w/f/x: Not a directory\nrealpath: /w/f/..: Not a directory\nrealpath: : No such file or directory\n' +
      'realpath: illegal option -- x\nusage: realpath [-q] [path ...]\n',
  )
})
