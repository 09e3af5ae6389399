/**
 * VLANs in labs: a switch's `vlan: { tag }` ports are access ports of that VLAN (an ng_vlan between
 * cable and bridge), its other ports trunks; a node's `vlan: { tag, dev }` interface is vlan(4) on
 * its own interface. Hosts of different VLANs on one subnet do not reach each other, a host with
 * vlan interfaces on a trunk reaches each VLAN, and the tag is on the trunk's wire. IMUNES's own
 * vlanswitch lab (../shared/imunes-examples) loads unchanged and isolates its VLANs the same way;
 * that case is skipped with a message when the collection is absent. Bad VLAN settings are errors.
 */

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { LabConsole } from '../console/console.js'
import { TopologyError } from '../file/diagnostics.js'
import { loadAny, loadTopology } from '../file/load.js'
import { Lab } from './emulator.js'

async function run(lab: Lab, ...lines: string[]): Promise<{ out: string; statuses: number[] }> {
  let out = ''
  const c = new LabConsole(lab, {
    stdin: { read: async () => null },
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (out += s) },
  })
  const statuses: number[] = []
  for (const l of lines) statuses.push(await c.runLine(l))
  return { out, statuses }
}

const LAB = `nodes:
  a4: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.4/24 } ] }
  a6: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.6/24 } ] }
  b4: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.14/24 } ] }
  h:
    kind: host
    interfaces:
      - { name: eth0 }
      - { name: v4, address: 10.0.0.10/24, vlan: { tag: 4, dev: eth0 } }
      - { name: v6, address: 10.0.6.10/24, vlan: { tag: 6, dev: eth0 } }
  sw:
    kind: switch
    interfaces:
      - { name: p1, vlan: { tag: 4 } }
      - { name: p2, vlan: { tag: 6 } }
      - { name: p3, vlan: { tag: 4 } }
      - { name: trunk }
links:
  - { a: a4, b: sw:p1 }
  - { a: a6, b: sw:p2 }
  - { a: b4, b: sw:p3 }
  - { a: sw:trunk, b: h:eth0 }
`

describe('VLANs in labs', () => {
  test('access ports isolate VLANs on one subnet; the trunk carries each VLAN to the host', async () => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 2 })
    const { topology } = loadTopology(LAB, 'vlan.yaml')
    const lab = Lab.build(host, topology)
    const r = await run(
      lab,
      'a4 ping -c 1 10.0.0.14',
      'a4 ping -c 1 -t 2 10.0.0.6',
      'h ping -c 1 10.0.0.4',
      'h ifconfig v4',
      'a6 ifconfig eth0 10.0.6.6/24',
      'h ping -c 1 10.0.6.6',
      'h ping -c 1 -t 2 10.0.0.6',
    )
    assert.deepEqual(r.statuses, [0, 2, 0, 0, 0, 0, 2], r.out)
    assert.match(r.out, /\tvlan: 4 vlanproto: 802.1q vlanpcp: 0 parent interface: eth0\n/)
    // Tagged on the trunk: the host's eth0 saw the replies of both VLANs, its vlans each one's.
    const hv = host.allJails().find((j) => j.name === 'h')!.vnet
    assert.ok(hv.ifByName('v4')!.stats.ipackets > 0)
    assert.ok(hv.ifByName('v6')!.stats.ipackets > 0)
    assert.equal(host.env.netisr.errors, 0)
    lab.destroy()
  })

  test('bad VLAN settings are errors naming the interface', () => {
    const bad = (yaml: string, re: RegExp) => {
      assert.throws(
        () => loadTopology(yaml, 'bad.yaml'),
        (e: unknown) => e instanceof TopologyError && re.test(e.message),
      )
    }
    bad(
      'nodes:\n  h: { kind: host, interfaces: [ { name: v4, vlan: { tag: 4 } } ] }\n',
      /a vlan interface needs dev/,
    )
    bad(
      'nodes:\n  h: { kind: host, interfaces: [ { name: v4, vlan: { tag: 4, dev: eth9 } } ] }\n',
      /parent interface 'eth9' is not an interface of h/,
    )
    bad(
      'nodes:\n  x: { kind: hub, interfaces: [ { name: p1, vlan: { tag: 4 } } ] }\n',
      /hub ports have no VLAN/,
    )
    bad(
      'nodes:\n  s: { kind: switch, interfaces: [ { name: p1, vlan: { tag: 4, dev: p2 } } ] }\n',
      /switch ports have no parent interface/,
    )
  })
})

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const IMN = resolve(
  ROOT,
  process.env.IMUNES_EXAMPLES ?? '../shared/imunes-examples',
  'functional_tests/vlanswitch/topo.imn',
)
const ABSENT = existsSync(IMN)
  ? undefined
  : `${IMN} absent (set IMUNES_EXAMPLES to IMUNES's example collection)`

test(
  'imunes-examples functional_tests/vlanswitch: VLAN 4 and VLAN 6 reach the host, not each other',
  { skip: ABSENT },
  async () => {
    const { topology, warnings } = loadAny(readFileSync(IMN, 'utf8'), 'topo.imn')
    assert.deepEqual(warnings, [])
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
    const lab = Lab.build(host, topology)
    const r = await run(
      lab,
      // Duplicate address detection first (RFC 4862): the IPv6 addresses are tentative for a second.
      'host sleep 2',
      'host ping -c 1 10.0.0.20',
      'host ping6 -c 1 fc00::21',
      'pc-4 ping -c 1 -t 2 10.0.0.21',
      'pc-6 ping6 -c 1 -t 2 fc00::20',
    )
    assert.deepEqual(r.statuses, [0, 0, 0, 2, 2], r.out)
    lab.destroy()
  },
)
