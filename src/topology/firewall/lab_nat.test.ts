/**
 * The home-router lab of issue 9 from a lab file: a private 10.0.0.0/8 LAN behind a `kind: nat`
 * router with one public address, an ISP router that has no route back to the LAN, and a server
 * beyond it. The lab issues `ipfw nat 1 config if eth1 …` and the nat rule itself; the hosts ping,
 * and send TCP and UDP, to the server; a redirect_port exposes a LAN server; the server's own
 * counting rules show that it never sees a private address.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { consoleRun, silent } from '../../testing/lab_console.js'
import { loadTopology } from '../file/load.js'
import { Lab } from '../lab/emulator.js'

const HOME = `name: home
nodes:
  pc1:
    kind: pc
    interfaces: [ { name: eth0, address: 10.0.0.2/8 } ]
    routes: [ { to: default, via: 10.0.0.1 } ]
  gw:
    kind: nat
    interfaces:
      - { name: eth0, address: 10.0.0.1/8 }
      - { name: eth1, address: 198.51.100.1/24 }
    routes: [ { to: default, via: 198.51.100.254 } ]
    nat: { config: same_ports redirect_port tcp 10.0.0.2:80 8080 }
  isp:
    kind: router
    interfaces:
      - { name: eth0, address: 198.51.100.254/24 }
      - { name: eth1, address: 203.0.113.1/24 }
  srv:
    kind: host
    interfaces: [ { name: eth0, address: 203.0.113.10/24 } ]
    routes: [ { to: default, via: 203.0.113.1 } ]
    ipfw:
      - add 100 count ip from 10.0.0.0/8 to any
      - add 200 count ip from 198.51.100.1 to any
links:
  - { a: pc1, b: gw:eth0 }
  - { a: gw:eth1, b: isp:eth0 }
  - { a: isp:eth1, b: srv }
`

test('home router: hosts behind a kind: nat router reach a server; a redirect_port; no private address outside', async () => {
  const { topology } = loadTopology(HOME, 'home.yaml')
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const lab = Lab.build(host, topology)
  try {
    assert.deepEqual(await lab.start(silent), [])
    const { out } = await consoleRun(
      lab,
      'pc1 ping -c 2 203.0.113.10 > /dev/null; echo ping=$?',
      'srv nc -l 7000 > /dev/null &',
      'pc1 nc -l 80 > /dev/null &',
      'srv sleep 1',
      'pc1 echo hi | nc -N -w 2 203.0.113.10 7000; echo tcp=$?',
      'srv echo in | nc -N -w 2 198.51.100.1 8080; echo redirect=$?',
      'srv ipfw show 100 200',
    )
    const lines = out.split('\n')
    assert.deepEqual(lines.slice(0, 3), ['ping=0', 'tcp=0', 'redirect=0'])
    // The server counted nothing from the LAN's addresses, and everything from the public one.
    assert.match(lines[3]!, /^00100 +0 +0 count ip from 10\.0\.0\.0\/8 to any$/)
    assert.match(lines[4]!, /^00200 +[1-9]\d* +[1-9]\d* count ip from 198\.51\.100\.1 to any$/)
  } finally {
    lab.destroy()
    host.clock.stop()
  }
})

test('a nat router with a shaper: one_pass off, so packets are translated and then shaped', async () => {
  const shaped = HOME.replace(
    '    nat: { config: same_ports redirect_port tcp 10.0.0.2:80 8080 }\n',
    '    nat: { config: same_ports }\n    shaper: [ { interface: eth1, delay: 40ms }, { interface: eth1, direction: in, delay: 10ms } ]\n',
  )
  const { topology } = loadTopology(shaped, 'home-shaped.yaml')
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const lab = Lab.build(host, topology)
  try {
    assert.deepEqual(await lab.start(silent), [])
    const { out } = await consoleRun(
      lab,
      'gw sysctl -n net.inet.ip.fw.one_pass',
      'pc1 ping -c 1 203.0.113.10 | grep round-trip',
      'srv ipfw show 100 200',
    )
    const lines = out.split('\n')
    assert.equal(lines[0], '0')
    // The nat rule comes first in the chain and the pipes after it: the request is translated and
    // then waits 40 ms, the reply is translated back and then waits 10 ms. With one_pass on, a
    // translated packet would leave the chain at the nat rule and never be shaped.
    assert.match(lines[1]!, /^round-trip min\/avg\/max\/stddev = 50\.000\//)
    assert.match(lines[2]!, /^00100 +0 +0 count ip from 10\.0\.0\.0\/8 to any$/)
    assert.match(lines[3]!, /^00200 +1 +84 count ip from 198\.51\.100\.1 to any$/)
  } finally {
    lab.destroy()
    host.clock.stop()
  }
})
