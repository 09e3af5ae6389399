import assert from 'node:assert/strict'
import { test } from 'node:test'
import { errnoOf } from '../testing/net.js'
import { DEVCTL_QUEUE, Devctl } from './devctl.js'

test('devctl: events by scope, one reader per scope, bounded queue, close wakes the reader', async () => {
  const d = new Devctl()
  // Nobody listens: nothing is kept.
  d.notify(1, 'CARP', '1@em0', 'MASTER')
  const all = d.open(null)
  const v2 = d.open(2)
  assert.equal(
    errnoOf(() => d.open(2)),
    'EBUSY',
  )
  d.notify(1, 'CARP', '1@em0', 'MASTER')
  d.notify(2, 'CARP', '2@em1', 'BACKUP', 'extra=1')
  assert.equal(await all.read(), '!system=CARP subsystem=1@em0 type=MASTER')
  assert.equal(await all.read(), '!system=CARP subsystem=2@em1 type=BACKUP extra=1')
  assert.equal(await v2.read(), '!system=CARP subsystem=2@em1 type=BACKUP extra=1')
  assert.equal(v2.pending, 0)
  // A waiting read gets the next event.
  const next = v2.read()
  d.notify(2, 'CARP', '2@em1', 'INIT')
  assert.equal(await next, '!system=CARP subsystem=2@em1 type=INIT')
  for (let i = 0; i < DEVCTL_QUEUE + 5; i++) d.notify(2, 'X', String(i), 'T')
  assert.equal(v2.pending, DEVCTL_QUEUE)
  assert.equal(await v2.read(), '!system=X subsystem=5 type=T')
  const waiting = all.read()
  all.close()
  v2.close()
  // all had queued events: its pending read took the first; after close nothing more.
  assert.equal(typeof (await waiting), 'string')
  assert.equal(await v2.read(), '!system=X subsystem=6 type=T')
  // Closed readers free their scope; a read waiting on an empty queue ends with null.
  const r = d.open(2)
  const blocked = r.read()
  r.close()
  assert.equal(await blocked, null)
  assert.equal(await r.read(), null)
})
