/**
 * A lab file's shaper section on a router: the lab issues `ipfw pipe N config bw … delay …` and the
 * pipe rules itself, and a ping across the router takes the pipe's delay, exactly, in virtual time
 * (one direction shaped, so the round trip grows by one delay plus the serialisation of the
 * request at the pipe's rate).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { consoleRun, silent } from '../../testing/lab_console.js'
import { loadTopology } from '../file/load.js'
import { Lab } from '../lab/emulator.js'

const SHAPED = `nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.2/24 } ], routes: [ { to: default, via: 10.0.1.1 } ] }
  r:
    kind: router
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: eth1, address: 10.0.2.1/24 } ]
    shaper:
      - { interface: eth1, bandwidth: 1Mbit, delay: 30ms }
  b: { kind: host, interfaces: [ { name: eth0, address: 10.0.2.2/24 } ], routes: [ { to: default, via: 10.0.2.1 } ] }
links:
  - { a: a, b: r:eth0 }
  - { a: r:eth1, b: b }
`

test('a shaper section: the pipe delays what leaves the interface, and counts it', async () => {
  const { topology } = loadTopology(SHAPED, 'shaped.yaml')
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const lab = Lab.build(host, topology)
  try {
    assert.deepEqual(await lab.start(silent), [])
    const { out } = await consoleRun(
      lab,
      'a ping -c 1 10.0.2.2 | grep round-trip',
      'b ping -c 1 10.0.1.2 | grep round-trip',
      'r ipfw show 200',
    )
    const lines = out.split('\n')
    // a -> b: the request waits 30 ms and 84 bytes at 1 Mbit/s (0.672 ms) in the pipe.
    assert.match(lines[0]!, /^round-trip min\/avg\/max\/stddev = 30\.67\d\//)
    // b -> a: the reply is shaped the same way.
    assert.match(lines[1]!, /^round-trip min\/avg\/max\/stddev = 30\.67\d\//)
    assert.match(lines[2]!, /^00200 2 168 pipe 1 ip from any to any xmit eth1$/)
  } finally {
    lab.destroy()
    host.clock.stop()
  }
})
