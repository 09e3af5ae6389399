/**
 * Each node of a lab has its own file tree, as IMUNES gives every node a private vroot: console
 * lines and startup scripts of a node see the files its earlier lines wrote, other nodes do not,
 * the host sees them all under /var/imunes/EID/NODE, and removing a node removes its files.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { LabConsole } from '../console/console.js'
import { loadTopology } from '../file/load.js'
import { Lab } from './emulator.js'
import { LabError } from './lab_var.js'

const LAB = `name: files
nodes:
  pc1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ], startup: [ "echo booted > /var/log/boot" ] }
  pc2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
  sw1: { kind: switch }
links:
  - { a: pc1, b: sw1 }
  - { a: pc2, b: sw1 }
`

test('node files: private per node, kept across console lines, visible to the host, removed with the node', async () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const lab = Lab.build(host, loadTopology(LAB, 'files.yaml').topology, { eid: 'i12345' })
  await lab.start(() => ({
    stdin: { read: async () => null },
    stdout: { write: () => {} },
    stderr: { write: () => {} },
  }))
  let out = ''
  let err = ''
  const c = new LabConsole(lab, {
    stdin: { read: async () => null },
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (err += s) },
  })
  assert.equal(await c.runLine('pc1 echo hello > /tmp/f'), 0)
  assert.equal(await c.runLine('pc1 cat /tmp/f /var/log/boot'), 0)
  assert.equal(await c.runLine('pc2 cat /tmp/f'), 1)
  assert.equal(out, 'hello\nbooted\n')
  assert.equal(err, 'cat: /tmp/f: No such file or directory\n')
  assert.deepEqual(lab.files.list().sort(), [
    '/var/imunes/i12345/pc1/tmp/f',
    '/var/imunes/i12345/pc1/var/log/boot',
  ])
  const jail = host.syscalls().jailGet('pc1')
  assert.equal(jail.path, '/var/imunes/i12345/pc1')
  lab.removeNode('pc1')
  assert.deepEqual(lab.files.list(), [])
  await c.close()
  lab.destroy()
  host.clock.stop()
})

test('a bad experiment id is refused before anything is built', () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  assert.throws(() => Lab.build(host, loadTopology(LAB, 'files.yaml').topology, { eid: '../x' }), LabError)
  assert.deepEqual(host.syscalls().jailList(), [])
  host.clock.stop()
})
