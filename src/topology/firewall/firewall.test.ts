/**
 * Lab files' firewall, NAT and shaper sections at load time: what ipfw lines each node gets, in
 * which order, which modules the lab will load, how a `kind: nat` router finds its outside
 * interface, and bad entries reported with file line and path before anything starts.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TopologyError } from '../file/diagnostics.js'
import { loadTopology } from '../file/load.js'
import { checkIpfwLine, ipfwWords } from './firewall.js'

function errorsOf(text: string): string[] {
  try {
    loadTopology(text, 'lab.yaml')
  } catch (e) {
    assert.ok(e instanceof TopologyError, String(e))
    return [...e.errors]
  }
  assert.fail('expected a TopologyError')
}

const HOME = `nodes:
  pc1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/8 } ], routes: [ { to: default, via: 10.0.0.1 } ] }
  gw:
    kind: nat
    interfaces:
      - { name: eth0, address: 10.0.0.1/8 }
      - { name: eth1, address: 198.51.100.1/24 }
    routes: [ { to: default, via: 198.51.100.254 } ]
  isp: { kind: router, interfaces: [ { name: eth0, address: 198.51.100.254/24 } ] }
links:
  - { a: pc1, b: gw:eth0 }
  - { a: gw:eth1, b: isp }
`

test('a nat node: ipfw nat on the interface toward its default route, ipfw and ipfw_nat loaded', () => {
  const { topology, warnings } = loadTopology(HOME, 'lab.yaml')
  assert.deepEqual(warnings, [])
  const gw = topology.nodes.find((n) => n.name === 'gw')!
  assert.equal(gw.kind, 'router')
  assert.equal(gw.forwarding, true)
  assert.deepEqual(gw.firewall, [
    { argv: ['nat', '1', 'config', 'if', 'eth1'], from: 'nodes.gw.nat' },
    {
      argv: ['add', '100', 'nat', '1', 'ip', 'from', 'any', 'to', 'any', 'via', 'eth1'],
      from: 'nodes.gw.nat',
    },
  ])
  assert.deepEqual(topology.modules, ['ipfw', 'ipfw_nat'])
  assert.equal(topology.nodes.find((n) => n.name === 'pc1')!.firewall, undefined)
  // A lab without any section loads nothing.
  const plain = loadTopology(HOME.replace('kind: nat', 'kind: router'), 'lab.yaml').topology
  assert.equal(plain.modules, undefined)
  assert.equal(plain.nodes.find((n) => n.name === 'gw')!.firewall, undefined)
})

test('nat, shaper and ipfw sections in order; one_pass off when a node has both NAT and pipes', () => {
  const { topology } = loadTopology(
    `nodes:
  r:
    kind: router
    interfaces: [ { name: eth0, address: 10.0.0.1/24 }, { name: eth1, address: 192.0.2.1/24 } ]
    nat: { outside: eth1, address: 192.0.2.1, config: same_ports deny_in, instance: 7, rule: 50 }
    shaper:
      - { interface: eth1, bandwidth: 2Mbit, delay: 20ms, loss: 1%, queue: 30, pipe: 1 }
      - { interface: eth1, direction: in, bandwidth: 512k }
      - { interface: eth0, bandwidth: 1500, rule: 900 }
    ipfw:
      - add 1000 deny tcp from any to any 25   # no mail
      - -q add 65000 allow ip from any to any
`,
    'lab.yaml',
  )
  const r = topology.nodes[0]!
  assert.deepEqual(
    r.firewall!.map((c) => `${c.from}: ${c.argv.join(' ')}`),
    [
      'nodes.r.shaper: disable one_pass',
      'nodes.r.nat: nat 7 config ip 192.0.2.1 same_ports deny_in',
      'nodes.r.nat: add 50 nat 7 ip from any to any via eth1',
      'nodes.r.shaper[0]: pipe 1 config bw 2Mbit/s delay 20 plr 0.01 queue 30',
      'nodes.r.shaper[0]: add 200 pipe 1 ip from any to any xmit eth1',
      'nodes.r.shaper[1]: pipe 2 config bw 512Kbit/s',
      'nodes.r.shaper[1]: add 210 pipe 2 ip from any to any recv eth1',
      'nodes.r.shaper[2]: pipe 3 config bw 1500bit/s',
      'nodes.r.shaper[2]: add 900 pipe 3 ip from any to any xmit eth0',
      'nodes.r.ipfw[0]: add 1000 deny tcp from any to any 25',
      'nodes.r.ipfw[1]: -q add 65000 allow ip from any to any',
    ],
  )
  assert.deepEqual(topology.modules, ['ipfw', 'ipfw_nat', 'dummynet'])
})

test('modules follow what the ipfw lines use: nat and pipe commands and actions', () => {
  const mods = (lines: string[]) =>
    loadTopology(`nodes:\n  r: { kind: router, ipfw: ${JSON.stringify(lines)} }\n`, 'lab.yaml').topology
      .modules
  assert.deepEqual(mods(['add allow ip from any to any']), ['ipfw'])
  assert.deepEqual(mods(['add 10 nat 1 ip from any to any']), ['ipfw', 'ipfw_nat'])
  assert.deepEqual(mods(['nat 1 config if eth0']), ['ipfw', 'ipfw_nat'])
  assert.deepEqual(mods(['add 10 queue 3 ip from any to any', 'sched 1 config type fifo']), [
    'ipfw',
    'dummynet',
  ])
  assert.deepEqual(mods(['pipe 1 config bw 1Mbit/s', 'add 5 nat 2 ip from any to any']), [
    'ipfw',
    'ipfw_nat',
    'dummynet',
  ])
})

test('bad entries: file line, path and ipfw’s own message; all reported at once', () => {
  assert.deepEqual(
    errorsOf(`nodes:
  r:
    kind: router
    interfaces: [ { name: eth0, address: 10.0.0.1/24 } ]
    ipfw:
      - add 100 allow ip from any to any
      - add 200 deny bogus from any to any
      - ipfw add 300 allow ip from any to any
      - flush
      - frobnicate
      - -x add 1 allow ip from any to any
      - nat
      - /etc/rc.firewall
      - ''
    nat: { outside: eth7 }
    shaper:
      - { interface: eth0, delay: 1500us }
      - { interface: eth3 }
  sw: { kind: switch, ipfw: [ 'add allow ip from any to any' ] }
  h: { kind: nat, interfaces: [ { name: eth0, address: 10.0.1.1/24 } ] }
`),
    [
      'lab.yaml:7: nodes.r.ipfw[1]: ipfw: unrecognised option [-1] bogus',
      "lab.yaml:8: nodes.r.ipfw[2]: the lab gives each line to ipfw: write it without 'ipfw'",
      "lab.yaml:9: nodes.r.ipfw[3]: flush asks for confirmation, which a lab cannot give: write '-f flush'",
      "lab.yaml:10: nodes.r.ipfw[4]: ipfw: bad command `frobnicate'",
      'lab.yaml:11: nodes.r.ipfw[5]: ipfw: illegal option -- x',
      'lab.yaml:12: nodes.r.ipfw[6]: ipfw: nat: missing instance number',
      'lab.yaml:13: nodes.r.ipfw[7]: a file of rules cannot be read by a lab; list its lines',
      'lab.yaml:14: nodes.r.ipfw[8]: empty line: give an ipfw command such as add, nat or pipe',
      'lab.yaml:15: nodes.r.nat.outside: r has no interface eth7',
      'lab.yaml:17: nodes.r.shaper[0].delay: dummynet delays are whole milliseconds below 10 s',
      'lab.yaml:18: nodes.r.shaper[1].interface: r has no interface eth3',
      'lab.yaml:19: nodes.sw.ipfw: a switch has no IP stack to filter with',
      "lab.yaml:20: nodes.h.kind: cannot tell the NAT's outside interface: give nat.outside, or a default route",
    ],
  )
})

test('ipfw lines split as ipfw reads a file: white space, # comments', () => {
  assert.deepEqual(ipfwWords('  add 10\tallow ip from any to any # why  '), [
    'add',
    '10',
    'allow',
    'ip',
    'from',
    'any',
    'to',
    'any',
  ])
  assert.deepEqual(checkIpfwLine(['-q', 'add', 'deny', 'icmp', 'from', 'any', 'to', 'any']), {
    modules: ['ipfw'],
  })
  assert.deepEqual(checkIpfwLine(['-f', 'flush']), { modules: ['ipfw'] })
  assert.deepEqual(checkIpfwLine(['add', 'allow', 'ip', 'from', 'any', 'to', 'any', 'bogus']), {
    error: 'ipfw: unrecognised option [-1] bogus',
  })
})
