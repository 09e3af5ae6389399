/**
 * `pingall -6`: end systems ping each other's first global IPv6 address once DAD has finished;
 * a node without IPv6 is unreachable (X), as a node without IPv4 is for `pingall`. Also checks that
 * an IMUNES lab's IPv6 static routes (croutes6) reach the model instead of being ignored.
 */

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { loadAny, loadTopology } from '../file/load.js'
import { Lab } from '../lab/emulator.js'
import { LabConsole } from './console.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

const LAB = `name: v6
nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24, ipv6: ["fd00::1/64"] } ] }
  b: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24, ipv6: ["fd00::2/64"] } ] }
  c: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.3/24 } ] }
  sw: { kind: switch }
links:
  - { a: a, b: sw }
  - { a: b, b: sw }
  - { a: c, b: sw }
`

test('pingall -6: pairs with IPv6 answer, a node without IPv6 does not', async () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 3 })
  const lab = Lab.build(host, loadTopology(LAB, 'v6.yaml').topology)
  const cap = { out: '', err: '' }
  const io = {
    stdin: { read: async () => null },
    stdout: { write: (s: string) => void (cap.out += s) },
    stderr: { write: (s: string) => void (cap.err += s) },
  }
  assert.deepEqual(await lab.start(() => io), [])
  const c = new LabConsole(lab, io)
  assert.equal(await c.runLine('pingall -6'), 1)
  assert.equal(
    cap.out,
    '*** Ping: testing ping6 reachability\na -> b X\nb -> a X\nc -> X X\n*** Results: 66% dropped (2/6 received)\n',
  )
  cap.out = ''
  assert.equal(await c.runLine('pingall -4'), 0)
  assert.match(cap.out, /\(6\/6 received\)/)
  assert.equal(host.env.netisr.errors, 0)
  lab.destroy()
})

test('an IMUNES lab keeps its IPv6 static routes', () => {
  const { topology, warnings } = loadAny(
    readFileSync(resolve(ROOT, 'examples/imunes/two-lans.imn'), 'utf8'),
    'two-lans.imn',
  )
  assert.deepEqual(warnings, [])
  assert.deepEqual(topology.nodes.find((n) => n.name === 'pc1')?.routes6, [{ to: '::/0', via: 'fc00:1::1' }])
})
