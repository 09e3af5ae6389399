/**
 * basename(1) and dirname(1) as FreeBSD's: basename(3)/dirname(3) on slashes, roots and empty
 * strings; basename's suffix as a second operand or -s, only when something is left; -a and -s
 * for several strings; usage errors with exit 1.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { runScript } from '../../bin/sh/shell.js'
import { MemFs } from '../../bin/sh/streams.js'
import { startProcess } from '../../process.js'
import { makePrograms } from '../../programs.js'
import { capture } from '../../testkit.js'
import { baseName } from './basename.js'
import { dirName } from './dirname.js'

async function sh(script: string): Promise<{ out: string; err: string }> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const io = capture()
  const programs = makePrograms([['script', { run: (_a, sio, proc) => runScript(script, sio, proc) }]])
  await startProcess(host.syscalls(), ['script'], io, { programs, fs: new MemFs() }).done
  host.clock.stop()
  return { out: io.out(), err: io.err() }
}

test('basename(3) and dirname(3) on the edge cases POSIX lists', () => {
  const cases: Array<[string, string, string]> = [
    ['', '.', '.'],
    ['/', '/', '/'],
    ['//', '/', '/'],
    ['usr', 'usr', '.'],
    ['usr/', 'usr', '.'],
    ['/usr/', 'usr', '/'],
    ['/usr/lib', 'lib', '/usr'],
    ['//usr//lib//', 'lib', '//usr'],
    ['a//b', 'b', 'a'],
    ['//a', 'a', '/'],
    ['.', '.', '.'],
    ['..', '..', '.'],
  ]
  for (const [p, b, d] of cases) {
    assert.equal(baseName(p), b, `basename ${JSON.stringify(p)}`)
    assert.equal(dirName(p), d, `dirname ${JSON.stringify(p)}`)
  }
})

test('basename: suffix operand or -s, stripped only from a longer name; -a; empty string; usage', async () => {
  const r = await sh(`
basename /usr/src/ip6.c .c
basename /usr/src/.c .c
basename /usr/src/x.c x.c
basename -s .c a.c /b/c.c d.h
basename -a /a/ /b/c //
basename a b c
basename "" more
basename; echo rc=$?
basename -z x; echo rc=$?`)
  assert.equal(r.out, 'ip6\n.c\nx.c\na\nc\nd.h\na\nc\n/\na\nb\nc\n\nrc=1\nrc=1\n')
  assert.equal(
    r.err,
    'usage: basename string [suffix]\n       basename [-a] [-s suffix] string [...]\n' +
      'basename: illegal option -- z\nusage: basename string [suffix]\n       basename [-a] [-s suffix] string [...]\n',
  )
})

test('dirname: one line per string; no options; usage exits 1', async () => {
  const r = await sh(`
dirname /usr/lib/ a/b// c /
dirname; echo rc=$?
dirname -a x; echo rc=$?
dirname -- -a/b`)
  assert.equal(r.out, '/usr\na\n.\n/\nrc=1\nrc=1\n-a\n')
  assert.equal(
    r.err,
    'usage: dirname string [...]\ndirname: illegal option -- a\nusage: dirname string [...]\n',
  )
})
