import assert from 'node:assert/strict'
import { test } from 'node:test'
import { civilTime, DAY_NAMES, MONTH_NAMES } from './civil_time.js'

const text = (secs: number): string => {
  const t = civilTime(secs)
  const p2 = (n: number) => String(n).padStart(2, '0')
  return `${DAY_NAMES[t.weekday]} ${MONTH_NAMES[t.month - 1]} ${p2(t.day)} ${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)} ${t.year}`
}

test('civilTime: the epoch, a leap day, a day in 2026 and the second before the epoch (checked with Python datetime)', () => {
  assert.equal(text(0), 'Thu Jan 01 00:00:00 1970')
  assert.equal(text(951782400), 'Tue Feb 29 00:00:00 2000')
  assert.equal(text(1796472000), 'Sat Dec 05 12:00:00 2026')
  assert.equal(text(-1), 'Wed Dec 31 23:59:59 1969')
})
