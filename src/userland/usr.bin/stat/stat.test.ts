/**
 * stat(1) from the shell, against FreeBSD's formats: the default line, `-f` conversions as
 * FreeBSD's own tests use them (%z, %N, %p, %Sp, %u/%g, %n), -n, -q, -s and the missing-file error.
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

async function sh(script: string): Promise<{ status: number; out: string; err: string }> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const io = capture()
  const programs = makePrograms([['script', { run: (_a, sio, proc) => runScript(script, sio, proc) }]])
  const status = await startProcess(host.syscalls(), ['script'], io, { programs, fs: new MemFs() }).done
  host.clock.stop()
  return { status, out: io.out(), err: io.err() }
}

test('stat -f: size, name, octal and symbolic mode, owner, %n, widths and flags', async () => {
  const r = await sh(`
printf 'hello\\n' > f
: > empty
stat -f %z f
stat -f '%N %z' empty f
stat -f '%p %Sp %u %g %Su:%Sg' f
stat -f '%#o%n' f; stat -f '%Op|%OLp|%#OLp|%SHp|%SMp|%SLp' f
stat -f '[%5z][%-5z][%05z][%.3z]' f
stat -n -f %z f; echo ' after'
stat -f '%Sp %HT' /dev/null
/usr/bin/stat -f %z f
`)
  assert.equal(r.err, 'stat: %#o: bad format\n')
  assert.equal(
    r.out,
    [
      '6',
      'empty 0',
      'f 6',
      '100644 -rw-r--r-- 0 0 root:wheel',
      '100644|644|0644|rw-|r--|r--',
      '[    6][6    ][00006][006]',
      '6 after',
      'crw-rw-rw- Character Device',
      '6',
      '',
    ].join('\n'),
  )
})

test('stat: the default line and -s; missing files fail (status 1), -q silences them', async () => {
  const r = await sh(`
printf 'abc' > f
stat f
stat -s f
stat nosuch f; echo "status $?"
stat -q nosuch; echo "status $?"
`)
  assert.equal(r.err, 'stat: nosuch: stat: No such file or directory\n')
  const lines = r.out.split('\n')
  assert.match(
    lines[0]!,
    /^\d+ \d+ -rw-r--r-- 1 root wheel 0 3 "Jan {2}1 00:00:00 1970" "Jan {2}1 00:00:00 1970" "Jan {2}1 00:00:00 1970" "Jan {2}1 00:00:00 1970" 4096 8 0 f$/,
  )
  assert.match(
    lines[1]!,
    /^st_dev=\d+ st_ino=\d+ st_mode=0100644 st_nlink=1 st_uid=0 st_gid=0 st_rdev=0 st_size=3 st_atime=0 st_mtime=0 st_ctime=0 st_birthtime=0 st_blksize=4096 st_blocks=8 st_flags=0$/,
  )
  assert.match(lines[2]!, /^\d+ \d+ -rw-r--r-- .* f$/)
  assert.deepEqual(lines.slice(3), ['status 1', 'status 1', ''])
})
