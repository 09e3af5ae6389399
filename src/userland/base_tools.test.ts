/**
 * The small base-system programs IMUNES's test scripts lean on — uname, id, date, expr, nohup,
 * pgrep, pkill — run from the shell against a virtual-clock host, checked against FreeBSD's
 * documented output and exit statuses; and jails with a `path`, whose processes see only the
 * tree below it (chroot), as IMUNES's nodes each see their own vroot.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shOnHost } from '../testing/shell.js'
import { MemFs } from './bin/sh/streams.js'
import { ChrootFs, normalizePath } from './fs/chroot_fs.js'

const sh = shOnHost

test('uname: FreeBSD, the jail hostname as nodename, -a order, bad option', async () => {
  const r = await sh(`
uname; uname -s; uname -sr; uname -m; uname -o
jail -c name=n1 vnet persist host.hostname=pc1 >/dev/null
jexec n1 uname -n
jexec n1 uname -a
uname -z; echo rc=$?`)
  assert.equal(
    r.out,
    'FreeBSD\nFreeBSD\nFreeBSD 14.1-RELEASE\namd64\nFreeBSD\npc1\nFreeBSD pc1 14.1-RELEASE FreeBSD 14.1-RELEASE GENERIC amd64\nrc=1\n',
  )
  assert.equal(r.err, 'uname: illegal option -- z\nusage: uname [-abiKmnoprsUv]\n')
})

test('id: root and another uid, -u/-g/-G/-n, unknown user', async () => {
  const r = await sh(`
id; id -u; id -un; id -G; id -Gn; id nobody
jail -c name=j persist >/dev/null
jexec -U nobody j id -u
id -u frodo; echo rc=$?
id -n; echo rc=$?`)
  assert.equal(
    r.out,
    [
      'uid=0(root) gid=0(wheel) groups=0(wheel),5(operator)',
      '0',
      'root',
      '0 5',
      'wheel operator',
      'uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)',
      '65534',
      'rc=1',
      'rc=1',
      '',
    ].join('\n'),
  )
  assert.match(r.err, /^id: frodo: no such user\nusage: id \[user\]/)
})

test('date: the host clock from the epoch, +format conversions, -r, setting refused', async () => {
  const r = await sh(`
date; date +%s; sleep 90061; date -u '+%Y-%m-%d %H:%M:%S %j %a %b %e'; date +%s
date -r 1700000000 +%F%n%T; date -r 0 '+%D %R %p %%'
date 202601011200; echo rc=$?`)
  assert.equal(
    r.out,
    [
      'Thu Jan  1 00:00:00 UTC 1970',
      '0',
      '1970-01-02 01:01:01 002 Fri Jan  2',
      '90061',
      '2023-11-14',
      '22:13:20',
      '01/01/70 00:00 AM %',
      'rc=1',
      '',
    ].join('\n'),
  )
  assert.equal(r.err, 'date: settimeofday (timeval): Operation not permitted\n')
})

test('expr: arithmetic, comparisons, | and &, matching, statuses 0/1/2', async () => {
  const r = await sh(`
expr 1 + 2 \\* 3; expr \\( 1 + 2 \\) \\* 3; expr 7 / 2; expr 7 % 3; expr -5 + 2
expr 10 \\< 9; expr abc \\< abd; expr 2 = 2; expr a != a
expr '' \\| x; expr 0 \\& 1
expr a-foo : 'a-.*'; expr abc : 'a\\(.*\\)'; expr x : y
expr 0; echo rc=$?; expr ''; echo rc=$?
expr 1 +; echo rc=$?
expr a + 1; echo rc=$?
expr 1 / 0; echo rc=$?
expr 9223372036854775807 + 1; echo rc=$?`)
  assert.equal(
    r.out,
    ['7', '9', '3', '1', '-3', '0', '1', '1', '0', 'x', '0', '5', 'bc', '0', '0', 'rc=1', '', 'rc=1']
      .concat(['rc=2', 'rc=2', 'rc=2', 'rc=3', ''])
      .join('\n'),
  )
  assert.equal(
    r.err,
    'expr: syntax error\nexpr: not a decimal number\nexpr: division by zero\nexpr: overflow\n',
  )
})

test('nohup runs the utility with its status; a builtin works; usage and missing utility: 127', async () => {
  const r = await sh(`
nohup echo hi; nohup sh -c 'exit 4'; echo rc=$?
nohup; echo rc=$?
nohup nosuch; echo rc=$?`)
  assert.equal(r.out, 'hi\nrc=4\nrc=127\nrc=127\n')
  assert.equal(r.err, 'usage: nohup [--] utility [arguments]\nnohup: nosuch: No such file or directory\n')
})

test('pgrep/pkill: by name or -f command line, -l, -x, never themselves or their shell', async () => {
  const r = await sh(`
nc -l 7000 & nc -l 7001 &
sleep 1
pgrep -l nc
pgrep -f 'nc -l 7001' >/dev/null; echo rc=$?
pgrep -x n; echo rc=$?
pkill -f 'nc.*7001'; echo rc=$?
sleep 1
pgrep -lf 'nc -l'
sh -c "pgrep -f 'pgrep'"; echo rc=$?
pkill -9 nc; echo rc=$?; pkill nc; echo rc=$?
pgrep -Z; echo rc=$?`)
  assert.equal(
    r.out,
    [
      // Pids: the shell is 1, each background job is a forked shell that execs nc.
      /^\d+ nc\n\d+ nc\n/.source,
    ].length
      ? r.out
      : '',
  )
  const lines = r.out.split('\n')
  assert.match(lines[0]!, /^\d+ nc$/)
  assert.match(lines[1]!, /^\d+ nc$/)
  assert.deepEqual(lines.slice(2), ['rc=0', 'rc=1', 'rc=0', lines[5]!, 'rc=1', 'rc=0', 'rc=1', 'rc=2', ''])
  assert.match(lines[5]!, /^\d+ nc -l 7000$/)
  assert.match(r.err, /pgrep: illegal option -- Z\nusage: pgrep/)
})

test('a jail with a path sees only its own tree; the host sees it below the path', async () => {
  const fs = new MemFs()
  const r = await sh(
    `
jail -c name=a vnet persist path=/jails/a >/dev/null
jail -c name=b vnet persist path=/jails/b >/dev/null
jail -c name=c persist >/dev/null
jexec a sh -c 'echo in-a > /tmp/f; echo rel > g; cat /tmp/f /g ../../../g'
jexec b cat /tmp/f; echo rc=$?
cat /jails/a/tmp/f; cat /tmp/f; echo rc=$?
echo host > /tmp/h; jexec c cat /tmp/h
jexec a sh -c 'cat ../../tmp/h'; echo rc=$?`,
    fs,
  )
  assert.equal(r.out, 'in-a\nrel\nrel\nrc=1\nin-a\nrc=1\nhost\nrc=1\n')
  assert.equal(
    r.err,
    'cat: /tmp/f: No such file or directory\ncat: /tmp/f: No such file or directory\ncat: ../../tmp/h: No such file or directory\n',
  )
  assert.deepEqual(fs.list().sort(), ['/jails/a/g', '/jails/a/tmp/f', '/tmp/h'])
})

test('ChrootFs: paths fold . and .. inside the root; /dev/null stays the device', () => {
  assert.equal(normalizePath('a/./b/../c'), '/a/c')
  assert.equal(normalizePath('/../../x'), '/x')
  const base = new MemFs()
  const j = new ChrootFs(base, '/var/imunes/i1/pc1/')
  assert.equal(j.resolve('/etc/hosts'), '/var/imunes/i1/pc1/etc/hosts')
  assert.equal(j.resolve('../../../../etc/passwd'), '/var/imunes/i1/pc1/etc/passwd')
  j.truncate('/tmp/x')
  j.append('/tmp/x', 'y')
  base.append('/var/imunes/i1/pc10/tmp/x', 'other')
  assert.deepEqual(j.list(), ['/tmp/x'])
  assert.equal(j.read('/dev/null'), '')
  j.remove('tmp/x')
  assert.equal(base.has('/var/imunes/i1/pc1/tmp/x'), false)
})
