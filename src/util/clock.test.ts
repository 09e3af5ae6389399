import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Clock, type ClockDriver } from './clock.js'

/** A driver whose wall time and deferred tasks the test steps by hand. */
function manualDriver(): { driver: ClockDriver; wall: { ns: number }; runDeferred: () => void } {
  const wall = { ns: 1_000 }
  let queue: Array<() => void> = []
  return {
    wall,
    driver: {
      wallNs: () => wall.ns,
      defer: (fn) => {
        queue.push(fn)
      },
      after: () => 0,
      cancel: () => {},
    },
    runDeferred: () => {
      const q = queue
      queue = []
      for (const fn of q) fn()
    },
  }
}

test('coarseNow in real mode: one wall-clock reading per event-loop turn, fresh in the next', () => {
  const { driver, wall, runDeferred } = manualDriver()
  const clock = new Clock('real', driver)
  wall.ns += 5_000
  assert.equal(clock.coarseNow(), 5_000)
  wall.ns += 7_000
  assert.equal(clock.coarseNow(), 5_000, 'same turn: the first reading')
  assert.equal(clock.now(), 12_000, 'now() stays exact')
  runDeferred()
  assert.equal(clock.coarseNow(), 12_000, 'next turn: read again')
})

test('coarseNow in virtual mode is the exact virtual time', async () => {
  const { driver, runDeferred } = manualDriver()
  const clock = new Clock('virtual', driver)
  assert.equal(clock.coarseNow(), 0)
  const t = clock.wakeTimer(() => {})
  t.arm(3_000)
  runDeferred()
  assert.equal(clock.now(), 3_000)
  assert.equal(clock.coarseNow(), 3_000)
})

test('runNow in real mode: one wall-clock reading per synchronous run, fresh after an await', async () => {
  const { driver, wall } = manualDriver()
  const clock = new Clock('real', driver)
  wall.ns += 5_000
  assert.equal(clock.runNow(), 5_000)
  wall.ns += 7_000
  assert.equal(clock.runNow(), 5_000, 'same run: the first reading')
  assert.equal(clock.now(), 12_000, 'now() stays exact')
  await Promise.resolve()
  assert.equal(clock.runNow(), 12_000, 'after a microtask checkpoint: read again')
  wall.ns += 1_000
  await null
  assert.equal(clock.runNow(), 13_000)
})

test('runNow in virtual mode is the exact virtual time', () => {
  const { driver, runDeferred } = manualDriver()
  const clock = new Clock('virtual', driver)
  const t = clock.wakeTimer(() => {})
  t.arm(4_000)
  runDeferred()
  assert.equal(clock.runNow(), 4_000)
})
