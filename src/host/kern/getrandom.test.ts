/** getrandom(2): the host's seeded generator, reproducible per seed, bounded in size. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { Host } from '../host.js'

const host = (seed: number): Host => new Host(nodeClockDriver(), { clock: 'virtual', seed })

test('getrandom(2): bytes from the seeded host generator, the same for the same seed; EINVAL past 256', () => {
  const one = host(9).syscalls()
  const x = one.getrandom(36)
  assert.equal(x.length, 36)
  assert.deepEqual(x, host(9).syscalls().getrandom(36))
  assert.notDeepEqual(x, one.getrandom(36))
  assert.throws(() => one.getrandom(257), /Invalid argument/)
})
