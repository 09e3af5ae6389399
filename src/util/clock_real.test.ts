/**
 * The real-time clock's waiting strategy, on a scripted driver: wall time moves only when the clock
 * reads it (a fixed step per reading, as a busy-wait sees it) or blocks (the time asked for plus a
 * fixed OS lateness), so every run is the same. What is checked: deadlines are met to the reading,
 * timers fire in deadline order, cancelled ones never fire, periodic timers do not drift, the thread
 * is never blocked longer than one bounded stretch per event-loop turn, and an idle clock asks the
 * platform for nothing but one OS timer.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Clock, type ClockDriver, MS, US } from './clock.js'

interface Scripted {
  driver: ClockDriver
  wall: { ns: number }
  /** Run the deferred tasks queued so far (one event-loop turn's check phase). */
  turn(): number
  /** Fire the pending OS timer, first moving the wall clock to its due time. */
  fireOsTimer(): boolean
  blocks: number[]
  osTimers: number[]
  deferred(): number
}

/**
 * readStepNs: wall time per reading; lateNs: how late every block wakes. The busy-wait calibrates
 * its plain loop to one reading per microsecond: a step under 1 µs makes it take that loop for
 * faster than it is and run up to a million real iterations per reading (minutes of CPU).
 */
function scripted(readStepNs: number, lateNs: number, withBlock = true): Scripted {
  const wall = { ns: 1_000_000 }
  let queue: Array<() => void> = []
  let os: { at: number; fn: () => void } | null = null
  const blocks: number[] = []
  const osTimers: number[] = []
  const driver: ClockDriver = {
    wallNs: () => {
      wall.ns += readStepNs
      return wall.ns
    },
    defer: (fn) => {
      queue.push(fn)
    },
    after: (ms, fn) => {
      osTimers.push(ms)
      os = { at: wall.ns + ms * MS, fn }
      return os
    },
    cancel: (h) => {
      if (os === h) os = null
    },
  }
  if (withBlock)
    driver.block = (ns) => {
      blocks.push(ns)
      wall.ns += ns + lateNs
    }
  return {
    driver,
    wall,
    blocks,
    osTimers,
    deferred: () => queue.length,
    turn: () => {
      const q = queue
      queue = []
      for (const fn of q) fn()
      return q.length
    },
    fireOsTimer: () => {
      const t = os
      if (t === null) return false
      os = null
      if (wall.ns < t.at) wall.ns = t.at
      t.fn()
      return true
    },
  }
}

/** Drive the loop (OS timer, then deferred turns) until `done` or nothing is left to run. */
function runUntil(s: Scripted, done: () => boolean, maxTurns = 10_000): number {
  let turns = 0
  while (!done() && turns < maxTurns) {
    if (s.deferred() > 0) s.turn()
    else if (!s.fireOsTimer()) break
    turns++
  }
  return turns
}

test('real clock: a deadline is met within one wall-clock reading, by blocking then a short busy-wait', () => {
  const s = scripted(100, 50 * US)
  const clock = new Clock('real', s.driver)
  let firedAt = -1
  const t = clock.timer(() => {
    firedAt = clock.now()
  })
  t.arm(10 * MS)
  const deadline = t.deadline
  runUntil(s, () => firedAt >= 0)
  assert.ok(firedAt >= deadline, `fired ${firedAt - deadline} ns early`)
  assert.ok(firedAt - deadline <= 200, `fired ${firedAt - deadline} ns late`)
  assert.equal(s.osTimers.length, 1, 'one OS timer for the far part')
  assert.ok(s.blocks.length > 0, 'the near part blocks instead of spinning')
  for (const b of s.blocks) assert.ok(b <= MS, `one block of ${b} ns: I/O would wait that long`)
})

test('real clock: the busy-wait margin follows how late blocks wake', () => {
  const late = 40 * US
  const s = scripted(1_000, late)
  const clock = new Clock('real', s.driver)
  let n = 0
  const t = clock.timer(() => {
    n++
    t.arm(7 * MS)
  })
  t.arm(7 * MS)
  runUntil(s, () => n >= 1000)
  const spin = (clock as unknown as { spinNs: number }).spinNs
  assert.ok(spin >= late, `margin ${spin} ns is below the OS lateness: the deadline would be missed`)
  assert.ok(spin <= late + 20 * US, `margin ${spin} ns: spins far longer than the lateness needs`)
})

test('real clock: timers fire in deadline order, ties in arming order; cancelled ones never', () => {
  const s = scripted(1_000, 30 * US)
  const clock = new Clock('real', s.driver)
  const order: string[] = []
  const mk = (name: string, at: number) => {
    const t = clock.timer(() => order.push(name))
    t.arm(at)
    return t
  }
  mk('c', 5 * MS)
  mk('a', 3 * MS)
  const x = mk('x', 4 * MS)
  mk('b1', 4 * MS)
  mk('b2', 4 * MS)
  mk('d', 5 * MS + 50 * US)
  x.cancel()
  runUntil(s, () => clock.pending === 0)
  assert.deepEqual(order, ['a', 'b1', 'b2', 'c', 'd'])
})

test('real clock: after a timer fires, the next one is waited for in a later turn', () => {
  const s = scripted(1_000, 30 * US)
  const clock = new Clock('real', s.driver)
  const turnsAt: number[] = []
  let turn = 0
  for (const at of [3 * MS, 3 * MS + 100 * US]) clock.timer(() => turnsAt.push(turn)).arm(at)
  while (clock.pending > 0 && turn < 10_000) {
    if (s.deferred() > 0) s.turn()
    else s.fireOsTimer()
    turn++
  }
  assert.equal(turnsAt.length, 2)
  assert.ok(turnsAt[1]! > turnsAt[0]!, 'woken code (promise continuations, I/O) runs between them')
})

test('real clock: a periodic timer re-armed from its deadline does not drift', () => {
  const s = scripted(1_000, 45 * US)
  const clock = new Clock('real', s.driver)
  const period = 3 * MS
  let n = 0
  const t = clock.timer(() => {
    n++
    t.armAt(t.deadline + period)
  })
  t.arm(period)
  const first = t.deadline
  runUntil(s, () => n >= 100)
  assert.equal(t.deadline, first + 100 * period)
  assert.ok(clock.now() - (first + 99 * period) < 5 * US, 'the 100th firing is on time')
})

test('real clock idle: no timers asks nothing of the platform; a far timer only one OS timer', () => {
  const s = scripted(1_000, 30 * US)
  const clock = new Clock('real', s.driver)
  assert.equal(s.deferred(), 0)
  assert.equal(s.osTimers.length, 0)
  const t = clock.timer(() => {})
  t.arm(60_000 * MS)
  assert.equal(s.deferred(), 0, 'no polling while the deadline is far')
  assert.equal(s.blocks.length, 0)
  assert.equal(s.osTimers.length, 1)
  assert.ok(s.osTimers[0]! >= 59_997 && s.osTimers[0]! < 60_000)
  t.cancel()
  assert.equal(s.fireOsTimer(), false, 'the OS timer went with the last armed timer')
})

test('real clock: a deadline too close for an OS timer is polled for, never overshot by one', () => {
  const s = scripted(1_000, 30 * US)
  const clock = new Clock('real', s.driver)
  const t = clock.timer(() => {})
  t.arm(2 * MS + 500 * US)
  assert.equal(s.osTimers.length, 0, 'Node would round a 0.5 ms timer up to 1 ms')
  assert.equal(s.deferred(), 1)
})

test('real clock without a blocking driver: polls from the event loop and busy-waits only the end', () => {
  const s = scripted(1_000, 0, false)
  const clock = new Clock('real', s.driver)
  let firedAt = -1
  const t = clock.timer(() => {
    firedAt = clock.now()
  })
  t.arm(5 * MS)
  runUntil(s, () => firedAt >= 0, 100_000)
  assert.ok(firedAt >= t.deadline && firedAt - t.deadline <= 1_000)
})

test('real clock: a turn that found the loop busy polls without blocking', () => {
  const s = scripted(1_000, 30 * US)
  const clock = new Clock('real', s.driver)
  clock.timer(() => {}).arm(2 * MS)
  s.turn()
  const before = s.blocks.length
  assert.ok(before > 0)
  s.wall.ns += 500 * US // other callbacks ran between the polls
  s.turn()
  assert.equal(s.blocks.length, before, 'no block right after other work')
  s.turn()
  assert.ok(s.blocks.length > before, 'blocks again once the loop comes straight back')
})
