/**
 * The rules' counters as the chain keeps them (RuleCounters, a slot per rule): counts stay with
 * their rule when rules are added in front of it, deleted around it or moved to another set; a
 * deleted rule's slot is reused, and the deleted rule object no longer reaches it; `zero` clears one
 * range or all; counts past 2^31 stay exact.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { virtualHost } from '../../../testing/net_lab.js'
import { IpfwChain } from './ip_fw_chain.js'
import { RuleCounters, SINK } from './ip_fw_counters.js'
import { A, type IpfwRuleSpec } from './ip_fw_rule.js'

function spec(num: number, action: number = A.COUNT): IpfwRuleSpec {
  return {
    num,
    set: 0,
    prob: 1,
    log: false,
    logAmount: 0,
    insns: [],
    action: action as IpfwRuleSpec['action'],
    actionArg: 0,
    fwdAddr: 0,
    fwdPort: 0,
  }
}

/** Count one packet of len bytes on the rule numbered num, as the packet path does. */
function hit(ch: IpfwChain, num: number, len: number, now = 5): void {
  const r = ch.rules.find((f) => f.num === num)!
  ch.ctr.count(r.cs, len, now)
}

const counts = (ch: IpfwChain) => ch.rules.map((r) => [r.num, r.pcnt, r.bcnt, r.timestamp])

test('RuleCounters: slots start zeroed, are reused after release, and grow past the first capacity', () => {
  const c = new RuleCounters(2)
  const a = c.alloc()
  assert.notEqual(a, SINK, 'slot 0 is the sink, never a rule')
  c.count(a, 100, 7)
  c.count(a, 50, 9)
  assert.deepEqual([c.pkts[a], c.bytes[a], c.ts[a]], [2, 150, 9])
  const more = Array.from({ length: 40 }, () => c.alloc())
  assert.equal(new Set([a, ...more]).size, 41)
  assert.equal(c.live, 41)
  c.release(a)
  assert.equal(c.live, 40)
  const again = c.alloc()
  assert.equal(again, a, 'the freed slot comes back')
  assert.deepEqual([c.pkts[again], c.bytes[again], c.ts[again]], [0, 0, 0], 'zeroed for its new rule')
  c.release(SINK)
  assert.equal(c.live, 41, 'releasing the sink frees nothing')
})

test('counters move with their rules: adding in front, deleting around, moving to another set', () => {
  const ch = new IpfwChain(virtualHost().vnet0, { defaultToAccept: true })
  ch.add([spec(100), spec(300)])
  hit(ch, 100, 60)
  hit(ch, 300, 40)
  hit(ch, 300, 40, 8)
  ch.add([spec(200), spec(50)])
  assert.deepEqual(counts(ch), [
    [50, 0, 0, 0],
    [100, 1, 60, 5],
    [200, 0, 0, 0],
    [300, 2, 80, 8],
    [65535, 0, 0, 0],
  ])
  const r100 = ch.rules[1]!
  assert.equal(ch.delete(50, 100, -1), 2)
  assert.equal(r100.cs, SINK, 'a deleted rule counts in the sink')
  // The new rule may take the deleted one's slot: it starts from zero, and the old object's
  // counting (a stale reference) never reaches it.
  ch.add([spec(400)])
  ch.ctr.count(r100.cs, 1000, 9)
  assert.deepEqual(counts(ch), [
    [200, 0, 0, 0],
    [300, 2, 80, 8],
    [400, 0, 0, 0],
    [65535, 0, 0, 0],
  ])
  hit(ch, 200, 20)
  ch.setMove(300, 3, true, false)
  const moved = ch.rules.find((r) => r.num === 300)!
  assert.equal(moved.set, 3)
  assert.deepEqual([moved.pcnt, moved.bcnt, moved.timestamp], [2, 80, 8], 'set move keeps the counters')
  hit(ch, 300, 10, 11)
  assert.deepEqual([moved.pcnt, moved.bcnt, moved.timestamp], [3, 90, 11])
  assert.equal(ch.ctr.live, ch.rules.length, 'one slot per rule, none leaked')
  ch.flush()
  assert.equal(ch.ctr.live, 1, 'flush frees all but the default rule')
})

test('zero clears a range of rules or all of them, and big counts stay exact', () => {
  const ch = new IpfwChain(virtualHost().vnet0, { defaultToAccept: true })
  ch.add([spec(100), spec(200), spec(300)])
  for (const n of [100, 200, 300, 65535]) hit(ch, n, n)
  assert.equal(ch.zero(150, 250), 1)
  assert.deepEqual(counts(ch), [
    [100, 1, 100, 5],
    [200, 0, 0, 0],
    [300, 1, 300, 5],
    [65535, 1, 65535, 5],
  ])
  // 2^31 bytes and more: a count that would have left the small-integer range.
  const r = ch.rules[0]!
  for (let k = 0; k < 40_000; k++) ch.ctr.count(r.cs, 65535, 6)
  assert.equal(r.bcnt, 100 + 40_000 * 65535)
  assert.equal(r.pcnt, 40_001)
  assert.equal(ch.zero(0, 0), 4)
  assert.deepEqual(
    counts(ch).map((c) => c.slice(1)),
    [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ],
  )
})
