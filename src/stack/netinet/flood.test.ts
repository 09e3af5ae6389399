/**
 * Bounded memory under floods, in virtual time: the ARP hold queue toward one unresolved neighbour
 * (≤ maxhold) and toward many (the per-vnet entry cap), fragment floods with many datagram ids
 * (≤ maxfragpackets) and many fragments per id (≤ maxfragsperpacket), and raw socket receive queues.
 * Held buffer counts are asserted after every packet, and the pool and the clock's timer queue
 * return to their baselines once the timeouts have run. Tearing a jail down mid-flood leaves no
 * timer and no buffer of it behind, and a flood in one vnet does not stop another from working.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { netisrGuard, pairNet } from '../../testing/fixtures.js'
import { EtherType, ether, IpProto, icmpEcho, ipv4, pattern } from '../../testing/frames.js'
import { counter, errnoOf, ip, Net, ping } from '../../testing/net.js'
import { SEC } from '../../util/clock.js'
import { arp } from './arp/arp.js'
import { reass, reassHeld } from './ip/ip_reass.js'
import { RAW_QUEUE_MAX } from './raw.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const pair = (): Net => guard.track(pairNet(31, 16))

/** Let IPv6 duplicate address detection on the new links finish before a timer baseline is taken. */
const settle = (net: Net): Promise<void> => net.sleep(3 * SEC)

const A = ip('10.0.0.1')
const B = ip('10.0.0.2')

describe('ARP hold queue floods', () => {
  test('one unresolved neighbour: never more than maxhold buffers held', async () => {
    const net = pair()
    const a = net.sys('a')
    const pool = net.host.env.pool
    await settle(net)
    const timers0 = net.host.clock.pending
    const maxhold = a.sysctlGet('net.link.ether.inet.maxhold').value as number
    const s = a.rawSocket(1)
    for (let i = 0; i < 10_000; i++) {
      s.send(ip('10.0.9.9'), icmpEcho(1, i & 0xffff, pattern(64)))
      assert.ok(pool.inUse <= maxhold)
    }
    assert.equal(pool.inUse, maxhold)
    assert.equal(counter(a, 'arp', 'dropped'), 10_000 - maxhold)
    assert.equal(arp(net.vnet('a')).entries, 1)
    // `wait` (20 s) after its only request the entry goes, with its held packets and its timer.
    await net.sleep(19 * SEC)
    assert.equal(pool.inUse, maxhold)
    await net.sleep(2 * SEC)
    assert.equal(pool.inUse, 0)
    assert.equal(arp(net.vnet('a')).entries, 0)
    assert.equal(net.host.clock.pending, timers0)
    s.close()
  })

  test('many unresolved neighbours: the entry cap bounds entries and held buffers', async () => {
    const net = pair()
    const a = net.sys('a')
    const st = arp(net.vnet('a'))
    // The cap is a knob (VirtNet's own, net.route.max_routes's style) a vnet jail's root sets.
    a.sysctlSet('net.link.ether.inet.max_entries', '256')
    assert.equal(st.maxEntries, 256)
    assert.equal(
      errnoOf(() => a.sysctlSet('net.link.ether.inet.max_entries', '0')),
      'EINVAL',
    )
    assert.equal(net.sys('b').sysctlGet('net.link.ether.inet.max_entries').value, 16384, "b's own")
    a.sysctlSet('net.link.ether.inet.maxhold', '2')
    const pool = net.host.env.pool
    await settle(net)
    const timers0 = net.host.clock.pending
    const s = a.rawSocket(1)
    for (let i = 0; i < 3000; i++)
      for (let k = 0; k < 3; k++) {
        s.send((ip('10.0.16.0') + i) >>> 0, icmpEcho(1, k))
        assert.ok(st.entries <= 256)
        assert.ok(pool.inUse <= 256 * 2)
      }
    assert.equal(st.entries, 256)
    assert.equal(pool.inUse, 512)
    // One request per entry created (each new neighbour evicts the oldest unresolved one), not per packet.
    assert.equal(counter(a, 'arp', 'txrequests'), 1 + 3000)
    // A full table of unresolved neighbours still makes room for a real one.
    assert.ok((await ping(a, B)) !== null)
    // The unresolved ones time out; only a's entry for b and b's for a (and their expiry timers) stay.
    await net.sleep(30 * SEC)
    assert.equal(st.entries, 1)
    assert.equal(pool.inUse, 0)
    assert.equal(net.host.clock.pending, timers0 + 2)
    assert.ok((await ping(a, B)) !== null)
    s.close()
  })

  test('a full ARP table in one vnet does not stop another', async () => {
    // a -- b -- c: a floods its own table; b keeps talking to c.
    const net = guard.track(
      new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 33 }), {
        jails: ['a', 'b', 'c'],
        links: [
          ['a', '10.0.0.1/16', 'b', '10.0.0.2/16'],
          ['b', '10.1.0.1/24', 'c', '10.1.0.2/24'],
        ],
      }),
    )
    const st = arp(net.vnet('a'))
    st.maxEntries = 16
    const s = net.sys('a').rawSocket(1)
    for (let i = 0; i < 100; i++) s.send((ip('10.0.16.0') + i) >>> 0, icmpEcho(1, 1))
    assert.equal(st.entries, 16)
    assert.ok((await ping(net.sys('b'), ip('10.1.0.2'))) !== null)
    // a still answers b: learning b evicts the oldest unresolved entry.
    assert.ok((await ping(net.sys('b'), A, { timeoutNs: SEC })) !== null)
    assert.equal(st.entries, 16)
    s.close()
  })
})

describe('fragment floods', () => {
  const frag = (net: Net, id: number, offset: number, mf = true) => {
    const aIf = net.ifp('a', 'epair0a')
    const bMac = net.sys('b').ifGet('epair0b').mac!
    return ether(
      aIf.mac,
      bMac,
      EtherType.IPV4,
      ipv4({ src: B, dst: A, proto: IpProto.ICMP, id, mf, fragOffset: offset, payload: pattern(64, id) }),
    )
  }

  test('many ids: at most maxfragpackets datagrams and their fragments are held', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.inet.ip.maxfragpackets', '100')
    const pool = net.host.env.pool
    await settle(net)
    const timers0 = net.host.clock.pending
    const ifp = net.ifp('a', 'epair0a')
    for (let id = 0; id < 5000; id++) {
      net.inject(ifp, frag(net, id, 0))
      net.inject(ifp, frag(net, id, 64))
      assert.ok(reass(net.vnet('a')).queues.size <= 100)
      assert.ok(pool.inUse <= 200)
    }
    assert.equal(reassHeld(net.vnet('a')), 200)
    await net.sleep(31 * SEC)
    assert.equal(pool.inUse, 0)
    assert.equal(reass(net.vnet('a')).queues.size, 0)
    // What remains armed are the two ARP entries the time-exceeded replies created (a↔b).
    assert.equal(net.host.clock.pending, timers0 + arp(net.vnet('a')).entries + arp(net.vnet('b')).entries)
    assert.equal(counter(a, 'ip', 'ips_fragtimeout'), 200)
  })

  test('many fragments for one id: never more than maxfragsperpacket held', async () => {
    const net = pair()
    const a = net.sys('a')
    const max = a.sysctlGet('net.inet.ip.maxfragsperpacket').value as number
    const pool = net.host.env.pool
    const ifp = net.ifp('a', 'epair0a')
    for (let i = 0; i < 5000; i++) {
      net.inject(ifp, frag(net, 7, (i % 1000) * 64 + 64))
      assert.ok(reassHeld(net.vnet('a')) <= max)
      assert.ok(pool.inUse <= max)
    }
    assert.ok(counter(a, 'ip', 'ips_fragdropped') > 4000)
    await net.sleep(31 * SEC)
    assert.equal(pool.inUse, 0)
  })

  test('many ids with many fragments each: bounded by the product of the limits', async () => {
    const net = pair()
    const a = net.sys('a')
    a.sysctlSet('net.inet.ip.maxfragpackets', '50')
    a.sysctlSet('net.inet.ip.maxfragsperpacket', '8')
    const pool = net.host.env.pool
    const ifp = net.ifp('a', 'epair0a')
    for (let i = 0; i < 20_000; i++) {
      net.inject(ifp, frag(net, i % 300, ((i * 7) % 500) * 64 + 64))
      assert.ok(pool.inUse <= 50 * 8)
    }
    await net.sleep(31 * SEC)
    assert.equal(pool.inUse, 0)
    assert.ok((await ping(a, B, { size: 4000 })) !== null, 'reassembly still works afterwards')
  })
})

describe('raw socket queues', () => {
  test('an unread raw socket holds at most RAW_QUEUE_MAX datagrams and counts the rest', () => {
    const net = pair()
    const b = net.sys('b')
    const idle = b.rawSocket(253)
    const s = net.sys('a').rawSocket(253)
    for (let i = 0; i < 1000; i++) s.send(B, pattern(16))
    const pcb = (net.vnet('b').slots[4] as { pcbs: Array<{ queue: unknown[]; drops: number }> }).pcbs[0]!
    assert.equal(pcb.queue.length, RAW_QUEUE_MAX)
    assert.equal(pcb.drops, 1000 - RAW_QUEUE_MAX)
    assert.equal(net.host.env.pool.inUse, 0, 'raw sockets keep copies, never pool buffers')
    idle.close()
    s.close()
  })
})

describe('teardown under flood', () => {
  test('removing a jail mid-flood leaves none of its timers or buffers behind', async () => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 32 })
    const net = guard.track(new Net(host, { jails: ['b'] }))
    const timers0 = host.clock.pending
    const inUse0 = host.env.pool.inUse
    net.root.jailCreate([
      ['name', 'a'],
      ['vnet', true],
      ['persist', true],
    ])
    const e = net.root.ifCreate('epair')
    net.root.ifMoveToJail(e, 'a')
    net.root.ifMoveToJail('epair0b', 'b')
    const a = net.sys('a')
    a.ifAddAddr('epair0a', A, 16)
    net.sys('b').ifAddAddr('epair0b', B, 16)
    await settle(net)
    const s = a.rawSocket(1)
    for (let i = 0; i < 500; i++) s.send((ip('10.0.16.0') + i) >>> 0, icmpEcho(1, 1))
    const ifp = net.ifp('a', 'epair0a')
    const bMac = net.sys('b').ifGet('epair0b').mac!
    for (let id = 0; id < 300; id++)
      net.inject(
        ifp,
        ether(
          ifp.mac,
          bMac,
          EtherType.IPV4,
          ipv4({ src: B, dst: A, proto: 1, id, mf: true, payload: pattern(64) }),
        ),
      )
    const pending = s.recv(1000 * SEC)
    await net.sleep(SEC / 2)
    assert.ok(host.clock.pending > timers0 + 500)
    assert.ok(host.env.pool.inUse > inUse0 + 500)
    net.root.jailRemove('a')
    assert.equal(await pending, null)
    assert.equal(host.env.pool.inUse, inUse0)
    // Whatever ARP entries b holds (with their expiry timers) are b's own; nothing else may remain.
    const bTimers = arp(net.vnet('b')).entries
    assert.equal(host.clock.pending, timers0 + bTimers)
    // The lent epair0a is home again, unconfigured; after b's entries expire the clock is back to its baseline.
    assert.deepEqual(net.root.ifGet('epair0a').addrs, [])
    await net.sleep(2000 * SEC)
    assert.equal(host.clock.pending, timers0)
    assert.equal(host.env.netisr.errors, 0)
  })
})
