/**
 * ifconfig's carp(4) words against a real kernel in virtual time: `vhid N [advskew S] [pass P]
 * ADDR`, `inet6 add vhid N ADDR`, `vhid N state master|backup`, `peer`, the status lines (the
 * address's ` vhid N`, `carp: STATE vhid N advbase B advskew S`, the peer line, the key with -k),
 * and FreeBSD's messages for words without a vhid, bad values and a kernel without carp.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { SEC } from '../../../util/clock.js'
import { runCmd } from '../../testkit.js'
import { ifconfig } from './ifconfig.js'

function setup(load = true) {
  const sys = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 }).syscalls()
  if (load) sys.kldload('carp')
  sys.ifCreate('epair')
  const run = (line: string) => runCmd(ifconfig, line, sys)
  return { sys, run }
}

const ok = { status: 0, out: '', err: '' }

test('an address with a vhid, its state and the status lines', async () => {
  const { sys, run } = setup()
  assert.deepEqual(await run('ifconfig epair0a 192.0.2.2/24 up'), ok)
  assert.deepEqual(await run('ifconfig epair0a vhid 3 advskew 100 pass s3cret 192.0.2.1/24 alias'), ok)
  let out = (await run('ifconfig epair0a')).out
  assert.match(out, /\tinet 192\.0\.2\.1 netmask 0xffffff00 broadcast 192\.0\.2\.255 vhid 3\n/)
  assert.match(out, /\tcarp: BACKUP vhid 3 advbase 1 advskew 100\n\t {6}peer 224\.0\.0\.18 peer6 ff02::12\n/)
  assert.match(out, /PROMISC/)
  await sys.nanosleep(5 * SEC)
  out = (await run('ifconfig epair0a')).out
  assert.match(out, /\tcarp: MASTER vhid 3 advbase 1 advskew 100\n/)
  assert.doesNotMatch(out, /key/)
  assert.match(
    (await run('ifconfig -k epair0a')).out,
    /carp: MASTER vhid 3 advbase 1 advskew 100 key "s3cret"\n/,
  )
  assert.deepEqual(await run('ifconfig epair0a vhid 3 state backup'), ok)
  assert.match((await run('ifconfig epair0a')).out, /carp: BACKUP vhid 3/)
  assert.deepEqual(await run('ifconfig epair0a vhid 3 state MASTER advbase 2'), ok)
  assert.match((await run('ifconfig epair0a')).out, /carp: MASTER vhid 3 advbase 2 advskew 100\n/)
  assert.deepEqual(await run('ifconfig epair0a vhid 3 peer 192.0.2.9 peer6 2001:db8::9'), ok)
  assert.match((await run('ifconfig epair0a')).out, /\t {6}peer 192\.0\.2\.9 peer6 2001:db8::9\n/)
  assert.deepEqual(await run('ifconfig epair0a vhid 3 mcast mcast6'), ok)
  assert.match((await run('ifconfig epair0a')).out, /peer 224\.0\.0\.18 peer6 ff02::12/)
  // Removing the address removes the vhid with it.
  assert.deepEqual(await run('ifconfig epair0a 192.0.2.1 -alias'), ok)
  assert.doesNotMatch((await run('ifconfig epair0a')).out, /carp|PROMISC/)
})

test('inet6 addresses with a vhid', async () => {
  const { sys, run } = setup()
  assert.deepEqual(await run('ifconfig epair0a inet6 2001:db8::1:2/64 up no_dad'), ok)
  assert.deepEqual(await run('ifconfig epair0a inet6 add vhid 1 2001:db8::1/64'), ok)
  await sys.nanosleep(4 * SEC)
  const out = (await run('ifconfig epair0a')).out
  assert.match(out, /\tinet6 2001:db8::1 prefixlen 64 vhid 1\n/)
  assert.match(out, /carp: MASTER vhid 1 advbase 1 advskew 0\n/)
})

test("FreeBSD's messages", async () => {
  const { run } = setup()
  assert.deepEqual(await run('ifconfig epair0a advskew 10 vhid 1'), {
    status: 1,
    out: '',
    err: 'ifconfig: advskew needs vhid\n',
  })
  assert.deepEqual(await run('ifconfig epair0a pass x'), {
    status: 1,
    out: '',
    err: 'ifconfig: passwd needs vhid\n',
  })
  assert.deepEqual(await run('ifconfig epair0a vhid 256'), {
    status: 1,
    out: '',
    err: 'ifconfig: vhid must be greater than 0 and less than 255\n',
  })
  assert.deepEqual(await run('ifconfig epair0a vhid 1 state bogus'), {
    status: 1,
    out: '',
    err: 'ifconfig: unknown state\n',
  })
  assert.deepEqual(await run('ifconfig epair0a vhid 1 peer nowhere'), {
    status: 1,
    out: '',
    err: 'ifconfig: Invalid IPv4 address nowhere\n',
  })
  assert.deepEqual(await run('ifconfig epair0a vhid 1 advskew 300'), {
    status: 1,
    out: '',
    err: 'ifconfig: SIOCSVH: Invalid argument\n',
  })
  assert.deepEqual(await run('ifconfig lo0 vhid 1'), {
    status: 1,
    out: '',
    err: 'ifconfig: SIOCGVH: Operation not supported\n',
  })
  const { run: bare } = setup(false)
  assert.deepEqual(await bare('ifconfig epair0a vhid 1 192.0.2.1/24'), {
    status: 1,
    out: '',
    err: 'ifconfig: SIOCGVH: Protocol not supported\n',
  })
})

test('VRRPv3 mode: carpver 3, vrrpprio, vrrpinterval and the vrrp: status line', async () => {
  const { sys, run } = setup()
  assert.deepEqual(await run('ifconfig epair0a 192.0.2.202/24 up'), ok)
  assert.deepEqual(
    await run('ifconfig epair0a add vhid 1 carpver 3 vrrpprio 120 vrrpinterval 50 192.0.2.1/24'),
    ok,
  )
  let out = (await run('ifconfig epair0a')).out
  assert.match(out, /\tinet 192\.0\.2\.1 netmask 0xffffff00 broadcast 192\.0\.2\.255 vhid 1\n/)
  assert.match(out, /\tvrrp: BACKUP vrid 1 prio 120 interval 50\n/)
  assert.doesNotMatch(out, /carp:|peer /)
  // Master_Down_Interval: 3 × 50 cs + (256 - 120) × 50 / 256 cs = 1.76 s with nobody else.
  await sys.nanosleep(1.7 * SEC)
  assert.match((await run('ifconfig epair0a')).out, /\tvrrp: BACKUP vrid 1/)
  await sys.nanosleep(0.1 * SEC)
  assert.match((await run('ifconfig epair0a')).out, /\tvrrp: MASTER vrid 1 prio 120 interval 50\n/)
  // A later line changes the priority and keeps the mode; switching the mode needs a new vhid.
  assert.deepEqual(await run('ifconfig epair0a vhid 1 vrrpprio 200'), ok)
  out = (await run('ifconfig epair0a')).out
  assert.match(out, /\tvrrp: MASTER vrid 1 prio 200 interval 50\n/)
  assert.deepEqual(await run('ifconfig epair0a vhid 1 carpver 2'), {
    status: 1,
    out: '',
    err: 'ifconfig: SIOCSVH: Invalid argument\n',
  })
})

test('VRRPv3 words: FreeBSD messages for bad values and a missing vhid', async () => {
  const { run } = setup()
  for (const [line, msg] of [
    ['ifconfig epair0a carpver 3', 'carpver needs vhid'],
    ['ifconfig epair0a vrrpprio 10', 'vrrpprio needs vhid'],
    ['ifconfig epair0a vhid 1 carpver 4', 'version 4 is not supported'],
    ['ifconfig epair0a vhid 1 carpver 3 vrrpprio 256', 'vrrpprio must be between 0 and 255'],
    [
      'ifconfig epair0a vhid 1 carpver 3 vrrpinterval 0',
      'vrrpinterval must be greater than 0 and less than 4095',
    ],
    ['ifconfig epair0a vhid 1 carpver', "'carpver' requires argument"],
  ] as const)
    assert.deepEqual(await run(line), { status: 1, out: '', err: `ifconfig: ${msg}\n` }, line)
})
