/**
 * lo0 as FreeBSD leaves it: the host's is up with 127.0.0.1/8 (rc(8) configured it at boot), while a
 * new vnet's is down and has no address (vnet_loif_init only creates it), so nothing reaches
 * 127.0.0.1 inside a fresh vnet jail until someone configures lo0; giving it an address brings it
 * up (loioctl's SIOCSIFADDR), and then loopback traffic flows.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { errnoOf, ip, ping } from '../../../testing/net.js'
import { IFF } from '../ifnet.js'

const LOCALHOST = ip('127.0.0.1')

function host(): Host {
  return new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
}

describe('lo0 in a new vnet', () => {
  test("the host's lo0 is up with 127.0.0.1/8", async () => {
    const sys = host().syscalls()
    const lo = sys.ifGet('lo0')
    assert.equal(lo.flags & IFF.UP, IFF.UP)
    assert.deepEqual(
      lo.addrs.map((a) => [a.addr, a.prefixLen]),
      [[LOCALHOST, 8]],
    )
    assert.ok((await ping(sys, LOCALHOST)) !== null)
  })

  test("a vnet jail's lo0 is down and bare until configured; an address brings it up", async () => {
    const root = host().syscalls()
    root.jailCreate([
      ['name', 'j'],
      ['vnet', true],
      ['persist', true],
    ])
    const j = root.attach('j')
    const lo = j.ifGet('lo0')
    assert.equal(lo.flags & IFF.UP, 0)
    assert.equal(lo.flags & IFF.LOOPBACK, IFF.LOOPBACK)
    assert.deepEqual(lo.addrs, [])
    // No address, no route: ping gets "No route to host".
    assert.equal(
      errnoOf(() => j.rawSocket(1).send(LOCALHOST, new Uint8Array(8))),
      'EHOSTUNREACH',
    )
    j.ifAddAddr('lo0', LOCALHOST, 8)
    assert.equal(j.ifGet('lo0').flags & IFF.UP, IFF.UP)
    assert.ok((await ping(j, LOCALHOST)) !== null)
  })
})
