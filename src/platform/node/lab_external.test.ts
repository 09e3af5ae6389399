/**
 * External nodes in lab files: a cable that leaves the lab as VXLAN. Two labs in one process joined
 * over the in-memory underlay (in real time: each lab has its own host and clock) answer each other's
 * pings; the file's mistakes get clear diagnostics.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MemUnderlayNet } from '../../stack/net/if/vxlan_underlay.js'
import { loadAny } from '../../topology/file/load.js'
import { createLab } from './lab_api.js'

function half(me: string, addr: string, local: string, remote: string): string {
  return `
name: half-${me}
nodes:
  ${me}: { kind: pc, interfaces: [ { name: eth0, address: ${addr}/24 } ] }
  sw: { kind: switch }
  far: { kind: external, vxlan: { vni: 100, local: ${local}, remote: ${remote} } }
links:
  - { a: ${me}, b: sw }
  - { a: far, b: sw }
`
}

describe('external nodes', () => {
  test('two labs joined by external VXLAN nodes ping across; teardown closes the sockets', async () => {
    const net = new MemUnderlayNet()
    // Real time: each lab's host has its own clock, and a virtual one only moves for its own waiters.
    const opts = { underlay: net, clock: 'real' as const }
    const a = await createLab({ text: half('pc1', '10.0.0.1', '198.18.0.1', '198.18.0.2') }, opts)
    // Another seed: MACs come from the seeded RNG, and two halves of one LAN must not share them.
    const b = await createLab(
      { text: half('pc2', '10.0.0.2', '198.18.0.2', '198.18.0.1') },
      { ...opts, seed: 2 },
    )
    try {
      assert.equal(net.bound, 2)
      const r = await a.node('pc1').sh('ping -c 2 -i 0.2 10.0.0.2')
      assert.equal(r.status, 0, r.stdout + r.stderr)
      assert.match(r.stdout, /2 packets received/)
      const back = await b.node('pc2').sh('ping -c 1 10.0.0.1')
      assert.equal(back.status, 0, back.stdout + back.stderr)
      // The external node's interface lives in the host's vnet0, where `nodes` names it.
      const v = a.host.syscalls().ifGet('vxlan0')
      assert.equal(v.vxlan?.vni, 100)
      assert.match(v.description, /external far/)
    } finally {
      a.close()
      b.close()
    }
    assert.equal(net.bound, 0)
  })

  test('diagnostics: vxlan on another kind, a second cable, a missing end point', () => {
    const bad = (text: string) => {
      try {
        loadAny(text, 'lab.yaml')
        return ''
      } catch (e) {
        return (e as Error).message
      }
    }
    assert.match(
      bad(`nodes:\n  a: { kind: pc, vxlan: { vni: 1, local: 1.2.3.4, remote: 1.2.3.5 } }\n`),
      /a pc has no VXLAN end point; only an external node does/,
    )
    assert.match(
      bad(`nodes:
  a: { kind: pc }
  b: { kind: pc }
  x: { kind: external, vxlan: { vni: 1, local: 1.2.3.4, remote: 1.2.3.5 } }
links:
  - { a: a, b: x }
  - { a: b, b: x }
`),
      /an external node takes one link; x has 2 \(join them with a switch\)/,
    )
    assert.match(
      bad(`nodes:\n  x: { kind: external, vxlan: { vni: 16777216, local: 1.2.3.4, remote: 1.2.3.5 } }\n`),
      /vni/,
    )
    const warned = loadAny(
      `nodes:\n  a: { kind: pc }\n  x: { kind: external }\nlinks:\n  - { a: a, b: x }\n`,
      'lab.yaml',
    )
    assert.match(
      warned.warnings.join('\n'),
      /an external node without vxlan: \{ vni, local, remote \} or rj45: \{ interface \} leads nowhere/,
    )
  })
})
