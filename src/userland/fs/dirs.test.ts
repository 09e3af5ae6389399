/**
 * Directories in the process's file tree: mkdir [-p], ls, cp [-R] with several sources, rm -r,
 * test -d, the shell's cd/pwd and pathname expansion, and the limit on files (directories count).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { MemFs } from '../bin/sh/streams.js'
import { startProcess } from '../process.js'
import { programs } from '../programs.js'
import { capture, type RunResult } from '../testkit.js'

async function sh(script: string, fs = new MemFs()): Promise<RunResult> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const io = capture()
  const status = await startProcess(host.syscalls(), ['sh', '-c', script], io, { programs, fs }).done
  return { status, out: io.out(), err: io.err() }
}

test('mkdir -p, ls, cp of several files into a directory, cp -R, rm -r', async () => {
  const r = await sh(`
mkdir /x/y; echo "rc=$?"
mkdir -p /var/named/etc/namedb; echo "rc=$?"
mkdir /var/named/etc/namedb; echo "rc=$?"
mkdir -p /var/named/etc/namedb; echo "rc=$?"
echo one > /tmp/a; echo two > /tmp/b
cp /tmp/a /tmp/b /var/named/etc/namedb; echo "rc=$?"
ls /var/named/etc/namedb
cp /tmp/a /tmp/b /tmp/a; echo "rc=$?"
cp /var/named /tmp/n; echo "rc=$?"
cp -R /var/named /tmp/n; echo "rc=$?"
ls -R /tmp/n
cat /tmp/n/etc/namedb/b
rm /tmp/n; echo "rc=$?"
rm -r /tmp/n; echo "rc=$?"
ls /tmp/n; echo "rc=$?"
test -d /var/named/etc && echo dir
test -d /tmp/a || echo notdir
cp /dev/null /tmp/a; wc -c < /tmp/a`)
  assert.equal(
    r.out,
    [
      'rc=1',
      'rc=0',
      'rc=1',
      'rc=0',
      'rc=0',
      'a',
      'b',
      'rc=1',
      'rc=1',
      'rc=0',
      'etc',
      '',
      '/tmp/n/etc:',
      'namedb',
      '',
      '/tmp/n/etc/namedb:',
      'a',
      'b',
      'two',
      'rc=1',
      'rc=0',
      'rc=1',
      'dir',
      'notdir',
      '       0',
      '',
    ].join('\n'),
  )
  assert.match(r.err, /mkdir: \/x\/y: No such file or directory/)
  assert.match(r.err, /mkdir: \/var\/named\/etc\/namedb: File exists/)
  assert.match(r.err, /cp: \/tmp\/a is not a directory/)
  assert.match(r.err, /cp: \/var\/named is a directory \(not copied\)\./)
  assert.match(r.err, /rm: \/tmp\/n: is a directory/)
  assert.match(r.err, /ls: \/tmp\/n: No such file or directory/)
})

test('cd, pwd, cd - and pathname expansion; a pattern matching nothing stays', async () => {
  const r = await sh(`
mkdir -p /d/sub; echo 1 > /d/f1; echo 2 > /d/f2; echo 3 > /d/.hidden; echo 4 > /d/sub/g
cd /d; pwd
echo *
echo f?
echo "*" '*'
echo /d/*/g
echo nomatch*
cd sub; cat g; cd ..; pwd
cd -
cd /nonexistent; echo "rc=$?"
cd /d/f1; echo "rc=$?"
(cd /; pwd); pwd
cd /d; sh -c 'cat f1'; ls`)
  assert.equal(
    r.out,
    [
      '/d',
      'f1 f2 sub',
      'f1 f2',
      '* *',
      '/d/sub/g',
      'nomatch*',
      '4',
      '/d',
      '/d/sub',
      'rc=2',
      'rc=2',
      '/',
      '/d/sub',
      '1',
      'f1',
      'f2',
      'sub',
      '',
    ].join('\n'),
  )
  assert.match(r.err, /cd: \/nonexistent: No such file or directory/)
  assert.match(r.err, /cd: \/d\/f1: Not a directory/)
})

test('a directory counts as a file toward the limit', async () => {
  const fs = new MemFs(1024, 3)
  assert.equal(fs.mkdir('/a'), true)
  assert.equal(fs.mkdir('/b'), true)
  assert.equal(fs.truncate('/a/f'), true)
  assert.equal(fs.mkdir('/c'), false)
  assert.equal(fs.truncate('/g'), false)
  assert.deepEqual(fs.readdir('/'), ['a', 'b'])
  fs.rmdir('/b')
  assert.deepEqual(fs.readdir('/'), ['a'])
  assert.equal(fs.readdir('/a/f'), undefined)
  assert.deepEqual(fs.readdir('/tmp'), [])
})
