/**
 * Process and resource limits: a fork bomb in a jail hits kern.maxproc / kern.maxprocperuid / the
 * jail's rctl limit (EAGAIN, `sh: Cannot fork: ...`) and the host stays alive; rctl(8) adds, lists,
 * removes rules and shows usage as FreeBSD's does; a limit refuses with FreeBSD's errno and changes
 * nothing else; only prison0's root may use rctl; kern.racct.enable=0 disables rctl only.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { type ShResult, sh } from '../../testing/net_lab.js'
import { Host, type HostOptions } from '../host.js'

async function run(script: string, opts: HostOptions = {}): Promise<{ host: Host } & ShResult> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1, ...opts })
  return { host, ...(await sh(host, script)) }
}

const CANNOT_FORK = 'sh: Cannot fork: Resource temporarily unavailable\n'

test('a fork bomb in a jail stops at kern.maxproc and the host lives on', async () => {
  const { host, status, out, err } = await run(
    'jail -c name=a persist > /dev/null; jexec -U nobody a sh -c "f(){ f & f & }; f"; sleep 1; echo alive; jail -r a; echo removed',
    { memoryBytes: 64 * 1024 * 1024 },
  )
  assert.equal(host.racct.limits.maxproc, 256)
  assert.equal(out, 'alive\nremoved\n')
  assert.equal(status, 0)
  assert.ok(err.length > 0 && err.split(CANNOT_FORK).join('') === '', err.slice(0, 200))
  assert.equal(host.racct.nprocs, 0)
  assert.equal(host.clock.pending, 0)
})

test('kern.maxprocperuid limits a user; root is exempt; kern.maxproc is read-only', async () => {
  const { status, out, err } = await run(
    [
      'sysctl kern.maxprocperuid=3',
      'jail -c name=a persist > /dev/null',
      'jexec -U nobody a sh -c "sleep 1 & sleep 1 & sleep 1 & wait"; echo nobody=$?',
      'jexec a sh -c "sleep 1 & sleep 1 & sleep 1 & wait"; echo root=$?',
      'sleep 2; jail -r a',
      'sysctl kern.maxproc=5',
    ].join('\n'),
    { memoryBytes: 64 * 1024 * 1024 },
  )
  assert.equal(out, 'kern.maxprocperuid: 230 -> 3\nnobody=2\nroot=0\n')
  assert.equal(err, `${CANNOT_FORK}sysctl: oid 'kern.maxproc' is read only\n`)
  assert.equal(status, 1)
})

test('rctl maxproc: the jail (and its children) get EAGAIN at the limit, other jails do not', async () => {
  const { status, out, err } = await run(
    [
      'jail -c name=a persist children.max=1 > /dev/null; jail -c name=a.b persist > /dev/null',
      'jail -c name=c persist > /dev/null',
      'rctl -a jail:a:maxproc:deny=2',
      'rctl',
      'jexec a sh -c "sleep 1 & echo \\$!; wait"; echo a=$?',
      'jexec a.b sh -c "sleep 1 & sleep 1 & wait"; echo b=$?',
      'jexec c sh -c "sleep 1 & sleep 1 & wait"; echo c=$?',
      'rctl -r jail:a:maxproc',
      'jexec a sh -c "sleep 1 & sleep 1 & wait"; echo a=$?',
      'rctl',
    ].join('\n'),
  )
  assert.equal(err, CANNOT_FORK)
  assert.match(out, /^jail:a:maxproc:deny=2\n\d+\na=0\nb=2\nc=0\na=0\n$/)
  assert.equal(status, 0)
})

test('rctl -u prints FreeBSD usage lines; -h humanizes; -l lists a process limits', async () => {
  const { status, out, err } = await run(
    [
      'jail -c name=a vnet persist > /dev/null',
      'rctl -a jail:a:memoryuse:deny=1g',
      'rctl -h',
      'jexec a sh -c "rctl -l process:\\$\\$"',
      'rctl -l process:$$',
      'rctl -u jail:a',
      'rctl -hu jail:a | grep memoryuse',
      'rctl -u jail:nosuch | grep maxproc',
    ].join('\n'),
  )
  assert.equal(err, "rctl: failed to get limits for 'process:" + err.split("'process:")[1])
  assert.match(err, /Operation not permitted\n$/)
  const lines = out.split('\n')
  assert.equal(lines[0], 'jail:a:memoryuse:deny=1024M')
  // rctl -l for the host shell: no rules bind prison0.
  assert.deepEqual(lines.slice(1, 27), [
    'cputime=0',
    'datasize=0',
    'stacksize=0',
    'coredumpsize=0',
    // lo0 (4096), without an address in a new vnet; no process left in the jail.
    'memoryuse=4096',
    'memorylocked=0',
    'maxproc=0',
    'openfiles=0',
    'vmemoryuse=0',
    'pseudoterminals=0',
    'swapuse=0',
    'nthr=0',
    'msgqqueued=0',
    'msgqsize=0',
    'nmsgq=0',
    'nsem=0',
    'nsemop=0',
    'nshm=0',
    'shmsize=0',
    'wallclock=0',
    'pcpu=0',
    'readbps=0',
    'writebps=0',
    'readiops=0',
    'writeiops=0',
    'nsockets=0',
  ])
  assert.deepEqual(lines.slice(27), ['memoryuse=4096', 'vmemoryuse=0', 'maxproc=0', ''])
  assert.equal(status, 0)
})

test('rctl refuses jails, users, malformed and unsupported rules with FreeBSD messages', async () => {
  const { out, err } = await run(
    [
      'jail -c name=a vnet persist > /dev/null',
      'jexec a rctl -a jail:a:maxproc:deny=1; echo $?',
      'jexec a rctl -u jail:a; echo $?',
      'su() { :; }',
      'rctl -a jail:a:cputime:deny=1; echo $?',
      'rctl -a jail:a:foo:deny=1; echo $?',
      'rctl -a j:a:maxproc:deny=1x; echo $?',
      'rctl -a abc; echo $?',
      'rctl -a jail:a:maxproc:log=1; echo $?',
      'rctl -a -u jail:a; echo $?',
      'rctl -r jail:a; echo $?',
      'rctl -x; echo $?',
      'rctl -a j:a:openfiles:deny=1k; rctl jail:a',
    ].join('\n'),
  )
  assert.equal(out, '1\n1\n1\n1\n1\n1\n1\n1\n1\n1\njail:a:openfiles:deny=1024\n')
  assert.equal(
    err,
    [
      "rctl: failed to add rule 'jail:a:maxproc:deny=1': Operation not permitted",
      "rctl: failed to show resource consumption for 'jail:a': Operation not permitted",
      "rctl: failed to add rule 'jail:a:cputime:deny=1': Operation not supported",
      "rctl: failed to add rule 'jail:a:foo:deny=1': Invalid argument",
      "rctl: malformed rule 'j:a:maxproc:deny=1x': invalid numeric value '1x'",
      "rctl: malformed rule 'abc': missing subject",
      "rctl: failed to add rule 'jail:a:maxproc:log=1': Operation not supported",
      'rctl: at most one of -a, -l, -r, or -u may be specified',
      "rctl: failed to remove rule 'jail:a': No such process",
      'rctl: illegal option -- x',
      'usage: rctl [ -h ] [-a rule | -l filter | -r filter | -u filter | filter]',
      '',
    ].join('\n'),
  )
})

test('with kern.racct.enable=0 rctl says so, and the built-in limits still hold', async () => {
  const { out, err } = await run('rctl -u jail:a; echo $?; sysctl -n kern.racct.enable', { racct: false })
  assert.equal(out, '1\n0\n')
  assert.equal(err, 'rctl: RACCT/RCTL present, but disabled; enable using kern.racct.enable=1 tunable\n')
})

test('memoryuse: interfaces, addresses and routes past the limit fail with ENOMEM/ENOBUFS, nothing changes', async () => {
  const { out, err } = await run(
    [
      'jail -c name=a vnet persist > /dev/null',
      // The jail holds 4096 bytes, a process in it 64 KiB, an epair 8 KiB, an address with its routes 768 B.
      'rctl -a jail:a:memoryuse:deny=78988',
      'jexec a ifconfig epair create; echo $?',
      'jexec a ifconfig epair create; echo $?',
      'jexec a ifconfig epair0a 10.0.0.1/24; echo $?',
      'jexec a route add 10.1.0.0/16 10.0.0.2; echo $?',
      'jexec a ifconfig epair0a alias 10.0.1.1/24; echo $?',
      'rctl -u jail:a | grep memoryuse',
      'jexec a ifconfig -l; jexec a netstat -rn | grep -c 10.1',
    ].join('\n'),
  )
  assert.equal(
    out,
    'epair0a\n0\n1\n0\nadd net 10.1.0.0/16: gateway 10.0.0.2\n0\n1\nmemoryuse=13312\nvmemoryuse=0\nlo0 epair0a epair0b\n1\n',
  )
  assert.equal(
    err,
    'ifconfig: SIOCIFCREATE2 (epair): Cannot allocate memory\nifconfig: ioctl (SIOCAIFADDR): No buffer space available\n',
  )
})

test('openfiles: sockets past the limit fail with EMFILE, kern.maxfiles with ENFILE', async () => {
  const { out, err } = await run(
    [
      'jail -c name=a vnet persist > /dev/null',
      'jexec a ifconfig lo0 inet 127.0.0.1/8',
      'rctl -a jail:a:openfiles:deny=0',
      'jexec a ping -c1 127.0.0.1 > /dev/null; echo $?',
      'rctl -r jail:a',
      'jexec a ping -c1 127.0.0.1 > /dev/null; echo $?',
      'sysctl kern.maxfiles=1 > /dev/null',
      'jexec a ngctl list > /dev/null; echo $?',
      'sysctl -n kern.openfiles',
    ].join('\n'),
  )
  assert.equal(out, '71\n0\n71\n0\n')
  assert.equal(
    err,
    "ping: ssend socket: Too many open files\nngctl: can't create node: Too many open files in system\n",
  )
})
