/**
 * 802.1p priorities on Ethernet in virtual time (FreeBSD's if_pcp / IP_VLAN_PCP, PR 270736): with
 * `ifconfig IF pcp N` every frame leaves priority-tagged (802.1Q, VID 0) and the peer takes it as
 * untagged; a socket's IP_VLAN_PCP overrides the interface's value without a second tag; `-pcp`
 * sends untagged again; on a vlan interface the priority goes into the vlan's own tag.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { BpfFd } from '../../host/syscalls.js'
import { netisrGuard, pairNet } from '../../testing/fixtures.js'
import { IpProto, icmpEcho } from '../../testing/frames.js'
import { errnoOf, ip, type Net, ping } from '../../testing/net.js'
import { SEC } from '../../util/clock.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const B = ip('10.0.0.2')

/** EtherType and TCI (or -1) of the IPv4 frames read from fd, in order. */
async function frames(fd: BpfFd): Promise<Array<[number, number]>> {
  const out: Array<[number, number]> = []
  await fd.read((r) => {
    const b = r.buf
    const o = r.off
    const type = (b[o + 12]! << 8) | b[o + 13]!
    const inner = type === 0x8100 ? (b[o + 16]! << 8) | b[o + 17]! : type
    if (inner === 0x0800) out.push([type, type === 0x8100 ? (b[o + 14]! << 8) | b[o + 15]! : -1])
  }, 0)
  return out
}

describe('if_pcp and IP_VLAN_PCP', () => {
  test('pcp 3: frames leave priority-tagged (VID 0), the peer answers; a socket priority replaces it', async () => {
    const net: Net = guard.track(pairNet(41))
    const a = net.sys('a')
    const fd = net.sys('b').bpfOpen('epair0b', { direction: 'in' })
    a.ifSetPcp('epair0a', 3)
    assert.ok((await ping(a, B)) !== null, 'a priority-tagged echo is answered')
    const s = a.rawSocket(IpProto.ICMP)
    s.send(B, icmpEcho(9, 1), { vlanPcp: 5 })
    await net.sleep(SEC)
    s.close()
    assert.deepEqual(await frames(fd), [
      [0x8100, 3 << 13],
      [0x8100, 5 << 13],
    ])
    a.ifSetPcp('epair0a', -1)
    assert.ok((await ping(a, B)) !== null)
    assert.deepEqual(await frames(fd), [[0x0800, -1]])
    fd.close()
  })

  test('out of range is EINVAL; a vnet jail root may set it', () => {
    const net: Net = guard.track(pairNet(42))
    const a = net.sys('a')
    assert.equal(
      errnoOf(() => a.ifSetPcp('epair0a', 8)),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => a.ifSetPcp('epair0a', -2)),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => a.ifSetPcp('epair0a', 7)),
      'ok',
    )
    const s = a.rawSocket(IpProto.ICMP)
    assert.equal(
      errnoOf(() => s.send(B, icmpEcho(1, 1), { vlanPcp: 9 })),
      'EINVAL',
    )
    s.close()
  })

  test('on a vlan the priority is the vlan tag’s, and a socket’s wins there too', async () => {
    const net: Net = guard.track(pairNet(43))
    const a = net.sys('a')
    const b = net.sys('b')
    for (const [sys, parent, addr] of [
      [a, 'epair0a', '10.1.0.1'],
      [b, 'epair0b', '10.1.0.2'],
    ] as const) {
      sys.ifCreate('vlan0')
      sys.ifVlanSet('vlan0', { tag: 42, parent, proto: 0x8100 })
      sys.ifAddAddr('vlan0', ip(addr), 24)
      sys.ifSetUp('vlan0', true)
    }
    a.ifSetPcp('vlan0', 6)
    const fd = b.bpfOpen('epair0b', { direction: 'in' })
    assert.ok((await ping(a, ip('10.1.0.2'))) !== null)
    const s = a.rawSocket(IpProto.ICMP)
    s.send(ip('10.1.0.2'), icmpEcho(9, 1), { vlanPcp: 2 })
    await net.sleep(SEC)
    s.close()
    assert.deepEqual(await frames(fd), [
      [0x8100, (6 << 13) | 42],
      [0x8100, (2 << 13) | 42],
    ])
    fd.close()
  })
})
