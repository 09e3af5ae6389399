/**
 * The PRIO scheduler as a script on the routed lab (a — r — b, vnet jails) in virtual time: on a
 * saturated 1 Mbit/s pipe the queue of priority 0 (its `weight`, as in FreeBSD) takes the whole
 * link while the priority-1 queue starves, swapping the weights swaps the outcome, and `ipfw sched
 * show` names the type. Priorities past 63 are shown clamped, as FreeBSD's prio_new_fsk does.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED, sh, virtualHost } from '../../../../testing/net_lab.js'

const LAB = `${ROUTED}
kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw dummynet
jexec a ping -c 1 10.0.2.2 > /dev/null
jexec a ping -c 1 10.0.2.1 > /dev/null
`

/** Two pings of 1000-byte packets at 4 Mbit/s each into a 1 Mbit/s PRIO pipe for one second. */
async function run(w1: number, w2: number): Promise<{ out: string; sent: number[] }> {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 1 config bw 1Mbit/s
jexec r ipfw sched 1 config type prio
jexec r ipfw queue 1 config sched 1 weight ${w1}
jexec r ipfw queue 2 config sched 1 weight ${w2}
jexec r ipfw -q add 100 queue 1 icmp from 10.0.1.2 to 10.0.2.2 in
jexec r ipfw -q add 110 queue 2 icmp from 10.0.1.2 to 10.0.2.1 in
jexec a ping -q -c 500 -i 0.002 -s 972 10.0.2.2 > /dev/null &
jexec a ping -q -c 500 -i 0.002 -s 972 10.0.2.1 > /dev/null &
sleep 1
jexec r ipfw queue show
jexec r ipfw sched show
wait`,
  )
  assert.equal(r.err, '')
  const flows = r.out.split('\n').filter((l) => l.startsWith('  0 ip'))
  // Delivered = offered - queued - dropped, per queue (and the scheduler's total last).
  const sent = flows.map((l) => {
    const f = l.trim().split(/\s+/)
    return Number(f[4]) - Number(f[6]) - Number(f[8])
  })
  return { out: r.out, sent }
}

test('PRIO: the priority-0 queue takes a saturated 1 Mbit/s pipe, priority 1 starves; swapped, the other way', async () => {
  const a = await run(0, 1)
  assert.equal(a.sent.length, 3, a.out)
  // About 1 s of the link, 125 packets of 1000 bytes, nearly all for queue 1: queue 2 only got
  // what went before queue 1's first packet arrived.
  assert.ok(a.sent[0]! >= 120 && a.sent[0]! <= 127, `${a.sent}`)
  assert.ok(a.sent[1]! <= 2, `${a.sent}`)
  assert.match(a.out, /^q00001 {2}50 sl\. 1 flows \(1 buckets\) sched 1 weight 0 lmax 0 pri 0 droptail$/m)
  assert.match(a.out, /^ sched 1 type PRIO flags 0x0 0 buckets 1 active\n {3}Children flowsets: 1 2 \n/m)
  const b = await run(1, 0)
  assert.ok(b.sent[1]! >= 120 && b.sent[1]! <= 127, `${b.sent}`)
  assert.ok(b.sent[0]! <= 2, `${b.sent}`)
})

test('PRIO: a weight past 63 is clamped to the lowest priority in the flowset', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw sched 3 config type prio
jexec r ipfw queue 7 config sched 3 weight 90
jexec r ipfw queue 7 show`,
  )
  assert.equal(r.err, '')
  assert.match(r.out, /^q00007 {2}50 sl\. 0 flows \(1 buckets\) sched 3 weight 63 lmax 0 pri 0 droptail$/m)
})
