/**
 * Firewall sections in a running lab, in virtual time: the lab loads the modules it needs (and only
 * what the host lacks), nodes without rules keep passing traffic, a router's rules filter and count
 * what crosses it, a rule that the kernel refuses becomes a warning naming the entry, and tearing the
 * lab down leaves the host's modules and kernel environment as they were.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { consoleRun, silent } from '../../testing/lab_console.js'
import { loadTopology } from '../file/load.js'
import { Lab } from '../lab/emulator.js'

/** a — r — b, with r's firewall section given. */
function routed(fw: string): string {
  return `nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.2/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  r:
    kind: router
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.2.1/24 } ]
${fw}
  b: { kind: host, interfaces: [ { name: eth0, address: 10.0.2.2/24 } ], routes: [ { to: default, via: 10.0.2.1 } ] }
links:
  - { a: a, b: r:eth0 }
  - { a: r:eth1, b: b }
`
}

test('a router with ipfw rules: modules loaded by the lab, rules filter and count, teardown restores the host', async () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const root = host.syscalls()
  const { topology } = loadTopology(
    routed(`    ipfw:
      - add 100 deny icmp from 10.0.1.2 to 10.0.2.2 icmptypes 8
      - add 200 count udp from any to any 7777`),
    'lab.yaml',
  )
  const lab = Lab.build(host, topology)
  assert.deepEqual(
    root.kldstat().map((k) => k.module ?? k.name),
    ['kernel', 'ipfw'],
  )
  assert.deepEqual(await lab.start(silent), [])
  const r = await consoleRun(
    lab,
    'a ping -c 1 -t 2 10.0.2.2 > /dev/null; echo blocked=$?',
    'b ping -c 2 10.0.1.2 > /dev/null; echo other_way=$?',
    'a ping -c 1 10.0.1.1 > /dev/null; echo to_router=$?',
    'r ipfw show',
    'a ipfw list',
    'r sysctl net.inet.ip.fw.default_to_accept',
  )
  assert.equal(
    r.out,
    [
      'blocked=2',
      'other_way=0',
      'to_router=0',
      // a's request dies on the way in; b's two requests and a's two replies pass twice
      // (in and out), a's ping to the router once each way; no IPv6 (the links have no inet6
      // address, so IPv6 stays disabled on them, as on FreeBSD).
      '00100  1  84 deny icmp from 10.0.1.2 to 10.0.2.2 icmptypes 8',
      '00200  0   0 count udp from any to any 7777',
      '65535 10 840 allow ip from any to any',
      '65535 allow ip from any to any',
      'net.inet.ip.fw.default_to_accept: 1',
      '',
    ].join('\n'),
  )
  lab.destroy()
  assert.deepEqual(
    root.kldstat().map((k) => k.module ?? k.name),
    ['kernel'],
  )
  assert.deepEqual(root.kenvList(), [])
  host.clock.stop()
})

test('the lab loads only what the host lacks and leaves what it found; refused lines are warnings', async () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const root = host.syscalls()
  // Loaded by hand before the lab, with the firewall's own default (deny).
  root.kldload('ipfw')
  const { topology } = loadTopology(
    routed(`    nat: { outside: eth1 }
    shaper: [ { interface: eth1, bandwidth: 1Mbit } ]
    ipfw: [ 'add 300 allow ip from any to any', 'delete 400' ]`),
    'lab.yaml',
  )
  assert.deepEqual(topology.modules, ['ipfw', 'ipfw_nat', 'dummynet'])
  const lab = Lab.build(host, topology)
  assert.deepEqual(
    root.kldstat().map((k) => k.module ?? k.name),
    ['kernel', 'ipfw', 'libalias', 'ipfw_nat', 'dummynet'],
  )
  const warnings = await lab.start(silent)
  // A line the kernel refuses is reported with its entry and ipfw's own message; the rest still run.
  assert.ok(
    warnings.includes('r: nodes.r.ipfw[1]: ipfw delete 400: ipfw: rule 400 not found'),
    warnings.join('\n'),
  )
  const r = await consoleRun(lab, 'r ipfw list 300', 'r sysctl -n net.inet.ip.fw.one_pass')
  assert.equal(r.out, '00300 allow ip from any to any\n0\n')
  lab.destroy()
  assert.deepEqual(
    root.kldstat().map((k) => k.module ?? k.name),
    ['kernel', 'ipfw'],
  )
  assert.deepEqual(root.kenvList(), [])
  host.clock.stop()
})
