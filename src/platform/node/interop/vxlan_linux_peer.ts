/**
 * Test support for the Linux interop tests: a Linux vxlan interface in a fresh network namespace
 * joined to a vxlan interface in a lab node. Not part of the library; used only by *.test.ts.
 */

import assert from 'node:assert/strict'
import { parseIpv4 } from '../../../wire/addr.js'
import { createLab, type VirtLab, type VirtNode } from '../lab_api.js'
import { type NetnsPeer, type NetnsPeers, netnsUnavailable } from './netns_peer.js'

const ethtool = netnsUnavailable(['ethtool']) === undefined

const LAB = `
name: vxlan-linux
nodes:
  pc: { kind: pc }
links: []
`

/**
 * Linux's vxlan0 (VNI 42, 10.42.0.2/24) in a fresh namespace, and a vxlan interface at 10.42.0.1/24
 * in the lab's node `node` joined to it.
 */
export async function joined(
  peers: NetnsPeers,
  lab0 = LAB,
  node = 'pc',
): Promise<{ peer: NetnsPeer; lab: VirtLab; pc: VirtNode }> {
  const peer = peers.create()
  peer.vxlanToHost()
  peer.ip(['addr', 'add', '10.42.0.2/24', 'dev', 'vxlan0'])
  // Over a veth, Linux leaves the inner TCP/UDP checksum to "hardware" that never computes it
  // (CHECKSUM_PARTIAL crosses into our namespace as is): have vxlan0 checksum in software, as a
  // peer over a real NIC would deliver it. Our stack drops segments with a bad checksum.
  if (ethtool) await peer.exec(['ethtool', '-K', 'vxlan0', 'tx', 'off'])
  peer.ip(['link', 'set', 'vxlan0', 'up'])
  const lab = await createLab({ text: lab0 }, { clock: 'real' })
  const sys = lab.host.syscalls()
  // Host root makes the interface (its socket is the process's) and lends it to the jail.
  const name = sys.ifCreate('vxlan')
  sys.ifVxlanSet(name, { vni: 42, local: ip(peer.hostAddr), remote: ip(peer.nsAddr) })
  sys.ifMoveToJail(name, node)
  const pc = lab.node(node)
  const r = await pc.sh(`ifconfig ${name} inet 10.42.0.1/24 up`)
  assert.equal(r.status, 0, r.stderr)
  return { peer, lab, pc }
}

function ip(s: string): number {
  const a = parseIpv4(s)
  if (a === null) throw new Error(`not an IPv4 address: ${s}`)
  return a
}
