/**
 * Per-interface driver behaviour (IfDriver): ip_output hands every packet to the interface's own
 * output routine (if_output) with the next hop, one call per fragment; Ethernet's output is the one
 * the inet family registers (ARP), and without one a packet is refused and counted; SIOCSIFMTU
 * takes up to the MTU limit the driver declares: lo 65536, tun 65535 (TUNMRU), Ethernet 9000.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Mbuf } from '../../buf/mbuf.js'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { counter, errnoOf, ip } from '../../testing/net.js'
import { readU16, readU32 } from '../../wire/addr.js'
import { Domains } from './domain.js'
import { epairCloner } from './if/if_epair.js'
import { IFF, type IfDriver, Ifnet, ifAddAddr, ifAttach, ifSetUp } from './ifnet.js'
import { vnetCreate } from './lifecycle.js'

function newHost(): Host {
  return new Host(nodeClockDriver(), { clock: 'virtual', seed: 11 })
}

describe('if_output: the interface carries its own output routine', () => {
  /** A driver whose output records what ip_output hands it (and gives the buffer back). */
  function recordingHost() {
    const host = newHost()
    const sent: Array<{ nextHop: number; bcast: boolean; forwarded: boolean; dst: number; len: number }> = []
    const driver: IfDriver = {
      type: 'ether',
      maxMtu: 1234,
      output(ifp: Ifnet, m: Mbuf, nextHop: number, bcast: boolean, forwarded: boolean) {
        sent.push({
          nextHop,
          bcast,
          forwarded,
          dst: readU32(m.data, m.off + 16),
          len: readU16(m.data, m.off + 2),
        })
        ifp.vnet.env.pool.put(m)
        return undefined
      },
    }
    const v = host.vnet0
    const ifp = new Ifnet(v, 'rec0', driver, 'rec', v.env.newMac(), 1500, IFF.BROADCAST | IFF.MULTICAST)
    ifAttach(v, ifp)
    ifSetUp(ifp, true)
    ifAddAddr(ifp, ip('10.9.0.1'), 24)
    return { host, sys: host.syscalls(), sent }
  }

  test('a directly connected destination, a gateway, and fragments each go through it', () => {
    const { sys, sent } = recordingHost()
    sys.routeAdd({ dst: ip('198.51.100.0'), prefixLen: 24, gateway: ip('10.9.0.254') })
    const raw = sys.rawSocket(253)
    raw.send(ip('10.9.0.7'), new Uint8Array(100))
    raw.send(ip('198.51.100.9'), new Uint8Array(100))
    raw.send(ip('10.9.0.255'), new Uint8Array(10))
    assert.deepEqual(sent, [
      { nextHop: ip('10.9.0.7'), bcast: false, forwarded: false, dst: ip('10.9.0.7'), len: 120 },
      { nextHop: ip('10.9.0.254'), bcast: false, forwarded: false, dst: ip('198.51.100.9'), len: 120 },
      { nextHop: ip('10.9.0.255'), bcast: true, forwarded: false, dst: ip('10.9.0.255'), len: 30 },
    ])
    sent.length = 0
    sys.ifSetMtu('rec0', 600)
    raw.send(ip('10.9.0.7'), new Uint8Array(1000))
    assert.deepEqual(
      sent.map((s) => [s.nextHop, s.len]),
      [
        [ip('10.9.0.7'), 596],
        [ip('10.9.0.7'), 444],
      ],
    )
    raw.close()
  })

  test('SIOCSIFMTU takes up to the limit the driver declares', () => {
    const { sys } = recordingHost()
    sys.ifSetMtu('rec0', 1234)
    assert.equal(sys.ifGet('rec0').mtu, 1234)
    assert.equal(
      errnoOf(() => sys.ifSetMtu('rec0', 1235)),
      'EINVAL',
    )
  })
})

describe('ether_output: the family registered for Ethernet resolves the next hop', () => {
  test('with inet: ARP holds the packet and asks for the next hop', () => {
    const host = newHost()
    const sys = host.syscalls()
    const name = `${sys.ifCreate('epair').slice(0, -1)}a`
    sys.ifAddAddr(name, ip('10.8.0.1'), 24)
    sys.ifSetUp(name, true)
    const ifp = host.vnet0.ifByName(name)!
    // Coming up already announced the address (a gratuitous request).
    const before = counter(sys, 'arp', 'txrequests')
    const m = host.env.pool.get(20)
    m.len = 20
    assert.equal(ifp.output(ifp, m, ip('10.8.0.2'), false, false), undefined)
    assert.equal(counter(sys, 'arp', 'txrequests'), before + 1)
    assert.equal(sys.arpList().filter((e) => e.addr === ip('10.8.0.2') && e.mac === null).length, 1)
  })

  test('with no family registered: EAFNOSUPPORT, counted, the buffer back in the pool', () => {
    const host = newHost()
    const env = { ...host.env, domains: new Domains() }
    const v = vnetCreate(99, 'bare', env)
    const [a] = epairCloner.create(v, 0)
    ifAttach(v, a!)
    ifSetUp(a!, true)
    const inUse = env.pool.inUse
    const m = env.pool.get(20)
    m.len = 20
    assert.equal(a!.output(a!, m, ip('10.8.0.2'), false, false), 'EAFNOSUPPORT')
    assert.equal(a!.stats.oerrors, 1)
    assert.equal(env.pool.inUse, inUse)
  })
})

describe('each cloner declares its maximum MTU', () => {
  for (const [create, name, max] of [
    ['lo', 'lo1', 65536],
    ['tun', 'tun0', 65535],
    ['epair', 'epair0a', 9000],
    ['bridge', 'bridge0', 9000],
  ] as const) {
    test(`${name}: ${max}`, () => {
      const sys = newHost().syscalls()
      assert.equal(sys.ifCreate(create), name)
      sys.ifSetMtu(name, max)
      assert.equal(sys.ifGet(name).mtu, max)
      assert.equal(
        errnoOf(() => sys.ifSetMtu(name, max + 1)),
        'EINVAL',
      )
      assert.equal(sys.ifGet(name).mtu, max)
      assert.equal(
        errnoOf(() => sys.ifSetMtu(name, 71)),
        'EINVAL',
      )
    })
  }
})
