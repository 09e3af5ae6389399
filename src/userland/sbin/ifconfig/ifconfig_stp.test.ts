/**
 * ifconfig's spanning-tree and table words against a real kernel in virtual time: two bridges joined
 * by two epairs (a loop), `stp` on every member, and `ifconfig bridgeN` in FreeBSD 14's format with
 * the bridge, root and member lines; parameters, `-stp`, `static`/`addr`/`deladdr`, `span`, and
 * FreeBSD's messages for bad values and failed requests.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { SEC } from '../../../util/clock.js'
import { formatMac } from '../../../wire/addr.js'
import { runCmd } from '../../testkit.js'
import { ifconfig } from './ifconfig.js'

async function setup() {
  const sys = new Host(nodeClockDriver(), { clock: 'virtual', seed: 2 }).syscalls()
  const run = (line: string) => runCmd(ifconfig, line, sys)
  sys.ifCreate('bridge')
  sys.ifCreate('bridge')
  sys.ifCreate('epair')
  sys.ifCreate('epair')
  for (const i of ['epair0a', 'epair0b', 'epair1a', 'epair1b']) sys.ifSetUp(i, true)
  assert.deepEqual(await run('ifconfig bridge0 addm epair0a addm epair1a stp epair0a stp epair1a'), {
    status: 0,
    out: '',
    err: '',
  })
  assert.deepEqual(await run('ifconfig bridge1 addm epair0b addm epair1b stp epair0b stp epair1b up'), {
    status: 0,
    out: '',
    err: '',
  })
  await run('ifconfig bridge0 up')
  await sys.nanosleep(5 * SEC)
  return { sys, run }
}

test('ifconfig bridgeN with spanning tree: FreeBSD 14 lines, one blocked port', async () => {
  const { sys, run } = await setup()
  const mac = (n: string) => sys.ifGet(n).mac!
  // The bridge id is its lowest member address; the root is the bridge with the lower one.
  const id0 = Math.min(mac('epair0a'), mac('epair1a'))
  const id1 = Math.min(mac('epair0b'), mac('epair1b'))
  const [root, other] = id0 < id1 ? ['bridge0', 'bridge1'] : ['bridge1', 'bridge0']
  const rootId = formatMac(Math.min(id0, id1))
  const port = (n: string) => sys.ifGet(n).index
  const lines = (await run(`ifconfig ${root}`)).out.split('\n')
  const i = lines.findIndex((l) => l.startsWith('\tid '))
  const [m0, m1] = root === 'bridge0' ? ['epair0a', 'epair1a'] : ['epair0b', 'epair1b']
  assert.deepEqual(lines.slice(i, i + 9), [
    `\tid ${rootId} priority 32768 hellotime 2 fwddelay 15`,
    '\tmaxage 20 holdcnt 6 proto rstp maxaddr 2000 timeout 1200',
    `\troot id ${rootId} priority 32768 ifcost 0 port 0`,
    `\tmember: ${m0} flags=1c7<LEARNING,DISCOVER,STP,AUTOEDGE,PTP,AUTOPTP>`,
    `\t        ifmaxaddr 0 port ${port(m0)} priority 128 path cost 2000 proto rstp`,
    '\t        role designated state forwarding',
    `\tmember: ${m1} flags=1c7<LEARNING,DISCOVER,STP,AUTOEDGE,PTP,AUTOPTP>`,
    `\t        ifmaxaddr 0 port ${port(m1)} priority 128 path cost 2000 proto rstp`,
    '\t        role designated state forwarding',
  ])
  const out = (await run(`ifconfig ${other}`)).out
  assert.match(out, new RegExp(`\\troot id ${rootId} priority 32768 ifcost 2000 port \\d+\\n`))
  assert.equal(out.match(/role root state forwarding/g)?.length, 1)
  assert.equal(out.match(/role alternate state discarding/g)?.length, 1)

  // Parameters: rounded as bridgestp rounds them, refused as it refuses them.
  assert.deepEqual(await run(`ifconfig ${root} priority 4097 fwddelay 10 maxage 12 holdcnt 3`), {
    status: 0,
    out: '',
    err: '',
  })
  assert.match(
    (await run(`ifconfig ${root}`)).out,
    /\tid \S+ priority 4096 hellotime 2 fwddelay 10\n\tmaxage 12 holdcnt 3 proto rstp/,
  )
  assert.deepEqual(await run(`ifconfig ${root} hellotime 1`), {
    status: 1,
    out: '',
    err: 'ifconfig: BRDGSHT 1: Operation not permitted\n',
  })
  assert.equal((await run(`ifconfig ${root} fwddelay 3`)).err, 'ifconfig: BRDGSFD 3: Invalid argument\n')
  assert.equal((await run(`ifconfig ${root} priority 70000`)).err, 'ifconfig: invalid value: 70000\n')
  assert.equal((await run(`ifconfig ${root} priority 12x`)).err, 'ifconfig: invalid value: 12x\n')
  assert.equal((await run(`ifconfig ${root} proto foo`)).err, 'ifconfig: unknown stp protocol\n')
  assert.equal(
    (await run(`ifconfig ${root} stp nosuch0`)).err,
    'ifconfig: unable to get bridge flags: No such file or directory\n',
  )
  assert.deepEqual(await run(`ifconfig ${root} ifpriority ${m0} 130 ifpathcost ${m1} 0x64`), {
    status: 0,
    out: '',
    err: '',
  })
  let o = (await run(`ifconfig ${root}`)).out
  assert.match(o, new RegExp(`port ${port(m0)} priority 128 path cost 2000 proto rstp`))
  assert.match(o, new RegExp(`port ${port(m1)} priority 128 path cost 100 proto rstp`))
  assert.deepEqual(await run(`ifconfig ${root} proto stp hellotime 1 -stp ${m1} edge ${m0}`), {
    status: 0,
    out: '',
    err: '',
  })
  o = (await run(`ifconfig ${root}`)).out
  assert.match(o, /\tid \S+ priority 4096 hellotime 1 fwddelay 10\n\tmaxage 12 holdcnt 3 proto stp /)
  assert.match(
    o,
    new RegExp(`\\tmember: ${m0} flags=1e7<LEARNING,DISCOVER,STP,EDGE,AUTOEDGE,PTP,AUTOPTP>\\n`),
  )
  // Without STP a member shows no protocol, role or state.
  assert.match(
    o,
    new RegExp(
      `\\tmember: ${m1} flags=1c3<LEARNING,DISCOVER,AUTOEDGE,PTP,AUTOPTP>\\n\\t        ifmaxaddr 0 port ${port(m1)} priority 128 path cost 100\\n`,
    ),
  )
})

test('ifconfig static, addr, deladdr, flush, span, maxaddr, timeout, ifmaxaddr, private', async () => {
  const { run } = await setup()
  assert.deepEqual(await run('ifconfig bridge0 static epair0a 00:01:02:03:04:05 timeout 300 maxaddr 100'), {
    status: 0,
    out: '',
    err: '',
  })
  assert.match((await run('ifconfig bridge0')).out, /proto rstp maxaddr 100 timeout 300\n/)
  const addr = (await run('ifconfig bridge0 addr')).out
  assert.match(addr, /^00:01:02:03:04:05 Vlan0 epair0a 0 flags=1<STATIC>$/m)
  assert.deepEqual(await run('ifconfig bridge0 static epair0b 00:01:02:03:04:05'), {
    status: 1,
    out: '',
    err: 'ifconfig: BRDGSADDR epair0b: No such file or directory\n',
  })
  assert.equal(
    (await run('ifconfig bridge0 static epair0a 00:01:02:03:04')).err,
    'ifconfig: epair0a: invalid address: 00:01:02:03:04\n',
  )
  assert.equal(
    (await run('ifconfig bridge0 deladdr 00:01:02:03:04')).err,
    'ifconfig: invalid address: 00:01:02:03:04\n',
  )
  assert.equal(
    (await run('ifconfig bridge0 deladdr 00:01:02:03:04:06')).err,
    'ifconfig: BRDGDADDR 00:01:02:03:04:06: No such file or directory\n',
  )
  assert.deepEqual(await run('ifconfig bridge0 flush'), { status: 0, out: '', err: '' })
  assert.equal(
    (await run('ifconfig bridge0 addr')).out,
    '00:01:02:03:04:05 Vlan0 epair0a 0 flags=1<STATIC>\n',
  )
  assert.deepEqual(await run('ifconfig bridge0 deladdr 00:01:02:03:04:05 addr'), {
    status: 0,
    out: '',
    err: '',
  })
  assert.deepEqual(await run('ifconfig bridge0 ifmaxaddr epair0a 5 private epair0a'), {
    status: 0,
    out: '',
    err: '',
  })
  assert.match(
    (await run('ifconfig bridge0')).out,
    /\tmember: epair0a flags=9c7<LEARNING,DISCOVER,STP,PRIVATE,AUTOEDGE,PTP,AUTOPTP>\n\t {8}ifmaxaddr 5 port/,
  )
  await run('ifconfig epair2 create')
  assert.deepEqual(await run('ifconfig bridge0 span epair2a'), { status: 0, out: '', err: '' })
  assert.match(
    (await run('ifconfig bridge0')).out,
    /\tmember: epair2a flags=8<SPAN>\n\t {8}ifmaxaddr 0 port \d+ priority 0 path cost 0\n/,
  )
  assert.equal((await run('ifconfig bridge0 span epair2a')).err, 'ifconfig: BRDGADDS epair2a: Device busy\n')
  assert.deepEqual(await run('ifconfig bridge0 -span epair2a'), { status: 0, out: '', err: '' })
  assert.doesNotMatch((await run('ifconfig bridge0')).out, /epair2a/)
  assert.equal((await run('ifconfig bridge0 maxaddr -1')).err, 'ifconfig: invalid value: -1\n')
})
