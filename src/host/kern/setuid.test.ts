/**
 * setuid(2): root may become any user and the process table then shows it (ps, pgrep -u, kill's
 * uid check); a user may "become" itself only (EPERM otherwise); a bad uid is EINVAL.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { Host } from '../host.js'

test('setuid(2): root drops to a user, the process table follows; users cannot change uid', () => {
  const root = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 }).syscalls()
  const pid = root.procStart(() => {}, 'tayga', 'tayga -u nobody')
  const me = root.asProcess(pid)
  const user = me.setuid(65534)
  assert.equal(user.uid, 65534)
  assert.equal(user.ruid, 65534)
  const p = root.procList().find((x) => x.pid === pid)!
  assert.deepEqual([p.uid, p.ruid], [65534, 65534])
  // Now another user may not signal it, the same user may.
  assert.throws(() => root.withUid(1001).kill(pid, 0), /Operation not permitted/)
  root.withUid(65534).kill(pid, 0)
  assert.throws(() => user.setuid(0), /Operation not permitted/, 'no way back to root')
  assert.equal(user.setuid(65534).uid, 65534, 'unchanged is allowed')
  assert.throws(() => me.setuid(-1), /Invalid argument/)
  root.procExit(pid)
})
