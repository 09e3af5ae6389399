/**
 * The lab's timers: Node's setTimeout/setInterval semantics on the host clock — exact virtual
 * instants, repetition, clearing, refresh, ref/unref deciding whether a pending timer keeps virtual
 * time flowing, and a callback's continuations running at its instant even when the clock has more
 * events due right after it.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { MS } from '../../../util/clock.js'
import { nodeClockDriver } from '../clock_driver.js'
import { LabTimers } from './vtimers.js'

function fresh() {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  return { clock: host.clock, timers: new LabTimers(host.clock) }
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

test('setTimeout fires at its virtual instant; setInterval repeats until cleared; clearTimeout cancels', async () => {
  const { clock, timers } = fresh()
  const seen: string[] = []
  timers.setTimeout((x: string) => seen.push(`t ${x} ${clock.now() / MS}`), 1500, 'a')
  const cancelled = timers.setTimeout(() => seen.push('never'), 100)
  timers.clearTimeout(cancelled)
  let n = 0
  const iv = timers.setInterval(() => {
    seen.push(`i ${clock.now() / MS}`)
    if (++n === 3) timers.clearInterval(iv)
  }, 400)
  await timers.sleep(2000)
  assert.deepEqual(seen, ['i 400', 'i 800', 'i 1200', 't a 1500'])
  assert.equal(clock.now(), 2000 * MS)
})

test('an unref()d timer does not make time pass; ref() again and it fires; refresh() restarts it', async () => {
  const { clock, timers } = fresh()
  let fired = -1
  const t = timers.setTimeout(() => {
    fired = clock.now() / MS
  }, 1000)
  t.unref()
  assert.equal(t.hasRef(), false)
  await turns(20)
  assert.equal(clock.now(), 0)
  await timers.sleep(300)
  t.refresh()
  t.ref()
  await turns(20)
  assert.equal(fired, 1300)
})

test("a callback's promise continuations run at its instant, before events due just after it", async () => {
  const { clock, timers } = fresh()
  // Plain timers (a pipe's frames, say) due 1 ms apart after the lab timer: they do not wake anyone.
  for (let i = 1; i <= 100; i++) clock.timer(() => {}).arm((5000 + i) * MS)
  const keep = timers.sleep(10_000)
  const at = await new Promise<number>((resolve) => {
    timers.setTimeout(() => resolve(0), 5000).unref()
  }).then(() => clock.now() / MS)
  assert.equal(at, 5000)
  await keep
})
