/**
 * The small networks most stack tests start from, in virtual time, and a guard that fails a test
 * whose data path caught an exception (netisr.errors must stay 0). Node-side test support.
 */

import assert from 'node:assert/strict'
import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { Net } from './net.js'

/** a (10.0.0.1/len, epair0a) <-> b (10.0.0.2/len, epair0b). */
export function pairNet(seed: number, prefixLen = 24): Net {
  return new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
    jails: ['a', 'b'],
    links: [['a', `10.0.0.1/${prefixLen}`, 'b', `10.0.0.2/${prefixLen}`]],
  })
}

/** a (10.0.1.1) -- r (10.0.1.254 | 10.0.2.254) -- b (10.0.2.1), r forwarding, a and b routed via r. */
export function chainNet(seed: number): Net {
  return new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
    jails: ['a', 'r', 'b'],
    links: [
      ['a', '10.0.1.1/24', 'r', '10.0.1.254/24'],
      ['r', '10.0.2.254/24', 'b', '10.0.2.1/24'],
    ],
    routes: { a: [['default', '10.0.1.254']], b: [['default', '10.0.2.254']] },
    forwarding: ['r'],
  })
}

/** Remembers the Net a test built; `check()` (from afterEach) asserts its data path never threw. */
export function netisrGuard(): { track(n: Net): Net; check(): void } {
  let current: Net | null = null
  return {
    track(n) {
      current = n
      return n
    },
    check() {
      if (current === null) return
      const netisr = current.host.env.netisr
      current = null
      assert.equal(netisr.errors, 0, String(netisr.lastError))
    },
  }
}
