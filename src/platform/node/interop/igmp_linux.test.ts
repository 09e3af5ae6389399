/**
 * IGMP against the Linux kernel: in a fresh network namespace a Linux bridge with IGMP snooping and
 * its own querier (IGMPv3) has a vxlan port whose underlay reaches a VirtNet jail's vxlan interface.
 * The jail joins a group: the bridge's snooping learns it from our reports (`bridge mdb show`), and
 * its queries reach us and are counted. Linux joins a group itself (`ip addr … autojoin`): its
 * IGMPv3 report arrives valid (checksum, TTL, Router Alert) in our counters. Real time; skips
 * without root, `ip`, `bridge` or working network namespaces.
 */

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AF_INET, IP_ADD_MEMBERSHIP, IPPROTO_IP, SOCK, type SocketFd } from '../../../host/syscalls.js'
import { parseIpv4 } from '../../../wire/addr.js'
import { createLab, type VirtLab, type VirtNode } from '../lab_api.js'
import { type NetnsPeer, NetnsPeers, netnsUnavailable } from './netns_peer.js'

const why = netnsUnavailable(['bridge'])

const LAB = `
name: igmp-linux
nodes:
  pc: { kind: pc }
links: []
`

function stat(pc: VirtNode, k: string): number {
  return Number(pc.sys.protoStats('igmp').find(([n]) => n === k)?.[1] ?? 0)
}

async function until(probe: () => Promise<boolean> | boolean, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await probe()) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

describe('IGMP against a Linux snooping bridge and querier', { skip: why ?? false, timeout: 120_000 }, () => {
  let peers: NetnsPeers
  let peer: NetnsPeer
  let lab: VirtLab
  let pc: VirtNode
  let fd: SocketFd | null = null
  before(async () => {
    peers = new NetnsPeers()
    peer = peers.create()
    try {
      peer.vxlanToHost()
      peer.ip(['link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '1', 'mcast_querier', '1'])
      peer.ip(['link', 'set', 'br0', 'type', 'bridge', 'mcast_igmp_version', '3'])
      peer.ip(['link', 'set', 'br0', 'type', 'bridge', 'mcast_startup_query_interval', '100'])
      peer.ip(['link', 'set', 'vxlan0', 'master', 'br0'])
      peer.ip(['addr', 'add', '10.42.0.2/24', 'dev', 'br0'])
      peer.ip(['link', 'set', 'vxlan0', 'up'])
      peer.ip(['link', 'set', 'br0', 'up'])
      lab = await createLab({ text: LAB }, { clock: 'real' })
      const sys = lab.host.syscalls()
      const name = sys.ifCreate('vxlan')
      sys.ifVxlanSet(name, { vni: 42, local: parseIpv4(peer.hostAddr)!, remote: parseIpv4(peer.nsAddr)! })
      sys.ifMoveToJail(name, 'pc')
      pc = lab.node('pc')
      const r = await pc.sh(`ifconfig ${name} inet 10.42.0.1/24 up`)
      assert.equal(r.status, 0, r.stderr)
    } catch (e) {
      peers.destroyAll()
      throw e
    }
  })
  after(() => {
    fd?.close()
    lab?.close()
    peers?.destroyAll()
  })

  test("our join shows in the Linux bridge's snooping table; its queries reach us", async () => {
    fd = pc.sys.socket(AF_INET, SOCK.DGRAM)
    fd.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, {
      multiaddr: parseIpv4('239.1.2.3')!,
      interface: parseIpv4('10.42.0.1')!,
    })
    let mdb = ''
    const learnt = await until(async () => {
      const r = await peer.exec(['bridge', 'mdb', 'show', 'dev', 'br0'])
      mdb = r.stdout
      return /239\.1\.2\.3/.test(mdb)
    })
    assert.ok(learnt, `bridge mdb: ${mdb}`)
    assert.match(mdb, /port vxlan0 grp 239\.1\.2\.3/)
    // The bridge's startup queries (IGMPv3, from 0.0.0.0) arrive valid and are counted.
    assert.ok(await until(() => stat(pc, 'igps_rcv_v3_queries') > 0), 'no query from the Linux querier')
    assert.equal(stat(pc, 'igps_rcv_badsum') + stat(pc, 'igps_rcv_badttl') + stat(pc, 'igps_rcv_tooshort'), 0)
  })

  test("Linux's own IGMPv3 report arrives valid, with the Router Alert option", async () => {
    const before = stat(pc, 'igps_rcv_total')
    peer.ip(['addr', 'add', '239.9.9.9/32', 'dev', 'br0', 'autojoin'])
    assert.ok(await until(() => stat(pc, 'igps_rcv_total') > before), 'nothing from Linux')
    assert.equal(stat(pc, 'igps_rcv_badsum') + stat(pc, 'igps_rcv_badttl'), 0)
    assert.equal(stat(pc, 'igps_rcv_nora'), 0)
  })
})
