/**
 * vxlan(4) against the Linux kernel: a network namespace holds a Linux vxlan interface whose
 * underlay is a veth to this process's namespace (198.18.0.0/15), and a VirtNet jail's vxlan
 * interface binds a real UDP socket on our end of it. Then Linux and VirtNet ping each other (small
 * and 4000-byte, so fragments cross both ways) and resolve each other with ARP. Runs in real time;
 * skips without root, `ip` or working network namespaces. Every namespace is removed afterwards,
 * also when a test fails.
 */

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { formatMac } from '../../wire/addr.js'
import { createLab, type VirtLab, type VirtNode } from './lab_api.js'
import { type NetnsPeer, NetnsPeers, netnsUnavailable } from './netns_peer.js'

const why = netnsUnavailable(['ping'])

const LAB = `
name: vxlan-linux
nodes:
  pc: { kind: pc }
links: []
`

/** Linux's vxlan0 (VNI 42, 10.42.0.2/24) in a fresh namespace, and a jail `pc` at 10.42.0.1 joined to it. */
async function joined(peers: NetnsPeers): Promise<{ peer: NetnsPeer; lab: VirtLab; pc: VirtNode }> {
  const peer = peers.create()
  peer.ip([
    'link',
    'add',
    'vxlan0',
    'type',
    'vxlan',
    'id',
    '42',
    'remote',
    peer.hostAddr,
    'local',
    peer.nsAddr,
    'dstport',
    '4789',
  ])
  peer.ip(['addr', 'add', '10.42.0.2/24', 'dev', 'vxlan0'])
  peer.ip(['link', 'set', 'vxlan0', 'up'])
  const lab = await createLab({ text: LAB }, { clock: 'real' })
  const sys = lab.host.syscalls()
  // Host root makes the interface (its socket is the process's) and lends it to the jail.
  const name = sys.ifCreate('vxlan')
  sys.ifVxlanSet(name, { vni: 42, local: ip(peer.hostAddr), remote: ip(peer.nsAddr) })
  sys.ifMoveToJail(name, 'pc')
  const pc = lab.node('pc')
  const r = await pc.sh(`ifconfig ${name} inet 10.42.0.1/24 up`)
  assert.equal(r.status, 0, r.stderr)
  return { peer, lab, pc }
}

function ip(s: string): number {
  const p = s.split('.').map(Number)
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0
}

describe('vxlan against the Linux kernel', { skip: why ?? false, timeout: 120_000 }, () => {
  let peers: NetnsPeers
  let w: { peer: NetnsPeer; lab: VirtLab; pc: VirtNode }
  before(async () => {
    peers = new NetnsPeers()
    try {
      w = await joined(peers)
    } catch (e) {
      peers.destroyAll()
      throw e
    }
  })
  after(() => {
    w?.lab.close()
    peers?.destroyAll()
  })

  test('Linux pings a VirtNet jail, small and 4000 bytes (fragments both ways)', async () => {
    const small = await w.peer.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '10.42.0.1'])
    assert.equal(small.code, 0, small.stdout + small.stderr)
    assert.match(small.stdout, /3 packets transmitted, 3 received/)
    const big = await w.peer.exec(['ping', '-c', '2', '-i', '0.2', '-W', '2', '-s', '4000', '10.42.0.1'])
    assert.equal(big.code, 0, big.stdout + big.stderr)
    assert.match(big.stdout, /4008 bytes from 10\.42\.0\.1/)
  })

  test('a VirtNet jail pings Linux, small and 4000 bytes', async () => {
    const small = await w.pc.sh('ping -c 3 -i 0.2 10.42.0.2')
    assert.equal(small.status, 0, small.stdout + small.stderr)
    assert.match(small.stdout, /3 packets transmitted, 3 packets received/)
    const big = await w.pc.sh('ping -c 2 -i 0.2 -s 4000 10.42.0.2')
    assert.equal(big.status, 0, big.stdout + big.stderr)
    assert.match(big.stdout, /4008 bytes from 10\.42\.0\.2/)
  })

  test('ARP both ways: each side has learned the other’s vxlan MAC', async () => {
    const linuxMac = /link\/ether ([0-9a-f:]{17})/.exec(w.peer.ip(['link', 'show', 'vxlan0']))![1]!
    const ours = formatMac(w.pc.sys.ifGet('vxlan0').mac!)
    const neigh = w.peer.ip(['neigh', 'show', '10.42.0.1', 'dev', 'vxlan0'])
    assert.match(neigh, new RegExp(`lladdr ${ours}`))
    const arp = await w.pc.sh('arp -an')
    assert.match(arp.stdout, new RegExp(`\\(10\\.42\\.0\\.2\\) at ${linuxMac} on vxlan0`))
    // Linux's vxlan learned our MAC behind our underlay address (its fdb), and we learned its.
    assert.match(w.peer.ip(['link', 'show', 'vxlan0']), /vxlan0/)
    const fdb = await w.peer.exec(['bridge', 'fdb', 'show', 'dev', 'vxlan0'])
    if (fdb.code === 0)
      assert.match(fdb.stdout, new RegExp(`${ours} dst ${w.peer.hostAddr.replace(/\./g, '\\.')}`))
    const v = await w.pc.sh('ifconfig -v vxlan0')
    assert.match(v.stdout, /ftable: cnt 1 /)
  })
})
