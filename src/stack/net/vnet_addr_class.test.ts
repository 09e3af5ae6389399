/**
 * The packet path's memoised answers stay true to the control plane: Vnet.addrClass (ip_input's
 * "ours, or a broadcast of ours") follows every address added and removed, including after the
 * answer was memoised, and an interface's cached MAC halves (Ethernet input and output) follow
 * `ifconfig IF ether`.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { ip } from '../../testing/net.js'
import { ADDR_BCAST, ADDR_LOCAL } from './vnet.js'

function host(): Host {
  return new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
}

test('addrClass answers as isLocal and isBroadcast do, before and after each address change', () => {
  const h = host()
  const sys = h.syscalls()
  const v = h.vnet0
  sys.ifCreate('epair')
  const probes = ['10.0.0.1', '10.0.0.255', '10.0.0.7', '10.0.1.1', '10.0.1.3', '192.0.2.1'].map(ip)
  const check = (when: string): void => {
    for (const a of probes) {
      const want = (v.isLocal(a) ? ADDR_LOCAL : 0) | (v.isBroadcast(a) ? ADDR_BCAST : 0)
      // Twice: the first answer fills the memo, the second comes from it.
      assert.equal(v.addrClass(a), want, `${when}: ${a.toString(16)}`)
      assert.equal(v.addrClass(a), want, `${when}, memoised: ${a.toString(16)}`)
    }
  }
  check('no address')
  sys.ifAddAddr('epair0a', ip('10.0.0.1'), 24)
  assert.equal(v.addrClass(ip('10.0.0.1')), ADDR_LOCAL)
  assert.equal(v.addrClass(ip('10.0.0.255')), ADDR_BCAST)
  check('10.0.0.1/24')
  sys.ifAddAddr('epair0b', ip('10.0.1.1'), 30, { alias: true })
  assert.equal(v.addrClass(ip('10.0.1.3')), ADDR_BCAST)
  check('and 10.0.1.1/30')
  sys.ifDelAddr('epair0a', ip('10.0.0.1'))
  assert.equal(v.addrClass(ip('10.0.0.1')), 0)
  assert.equal(v.addrClass(ip('10.0.0.255')), 0)
  check('10.0.0.1 removed')
  sys.ifDelAddr('epair0b', ip('10.0.1.1'))
  check('all removed')
  h.clock.stop()
})

test('addrClass keeps apart addresses that share a memo slot', () => {
  const h = host()
  const sys = h.syscalls()
  const v = h.vnet0
  sys.ifCreate('epair')
  sys.ifAddAddr('epair0a', ip('10.0.0.1'), 24)
  // 64 slots: of 256 addresses in a row many collide; each keeps its own answer.
  for (let round = 0; round < 2; round++)
    for (let i = 0; i < 256; i++) {
      const a = (ip('10.0.0.0') + i) >>> 0
      const want = i === 1 ? ADDR_LOCAL : i === 255 ? ADDR_BCAST : 0
      assert.equal(v.addrClass(a), want, `10.0.0.${i}`)
    }
  h.clock.stop()
})

test("an interface's MAC halves follow ifconfig ether", () => {
  const h = host()
  const sys = h.syscalls()
  sys.ifCreate('epair')
  const ifp = h.vnet0.ifByName('epair0a')!
  const check = (): void => {
    assert.equal(ifp.macHi, Math.floor(ifp.mac / 0x100000000))
    assert.equal(ifp.macLo, ifp.mac | 0)
  }
  check()
  sys.ifSetMac('epair0a', 0x02_ab_cd_ef_12_34)
  assert.equal(ifp.mac, 0x02_ab_cd_ef_12_34)
  assert.equal(ifp.macHi, 0x02ab)
  assert.equal(ifp.macLo, 0xcdef1234 | 0)
  check()
  h.clock.stop()
})
