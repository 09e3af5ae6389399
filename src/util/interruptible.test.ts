/** interruptible: settles with the promise or the interruption, and always disarms. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { interruptible } from './interruptible.js'

test('the promise wins: its value, and the interruption is disarmed', async () => {
  let armed = 0
  const v = await interruptible(Promise.resolve(7), () => {
    armed++
    return () => armed--
  })
  assert.equal(v, 7)
  assert.equal(armed, 0)
})

test('the interruption wins; a rejection of the promise is passed on when it comes first', async () => {
  let disarmed = false
  const v = await interruptible<number | null>(new Promise(() => {}), (resolve) => {
    resolve(null)
    return () => {
      disarmed = true
    }
  })
  assert.equal(v, null)
  assert.equal(disarmed, false, 'the never-settling promise leaves the listener to its owner')
  await assert.rejects(
    interruptible(Promise.reject(new Error('boom')), () => () => {}),
    /boom/,
  )
})
