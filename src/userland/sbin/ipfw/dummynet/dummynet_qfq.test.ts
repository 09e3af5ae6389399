/**
 * The QFQ scheduler as a script on the routed lab (a — r — b, vnet jails) in virtual time: it
 * shares a saturated 1 Mbit/s pipe 3:1 between queues of weight 3 and 1, `ipfw queue show` prints
 * the lmax qfq_new_fsk set (1500) and `ipfw sched show` names the type.
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

test('QFQ shares a saturated 1 Mbit/s pipe 3:1 between queues of weight 3 and 1', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 1 config bw 1Mbit/s
jexec r ipfw sched 1 config type qfq
jexec r ipfw queue 1 config sched 1 weight 1
jexec r ipfw queue 2 config sched 1 weight 3
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
  // Delivered = offered - queued - dropped, per queue.
  const sent = flows.map((l) => {
    const f = l.trim().split(/\s+/)
    return Number(f[4]) - Number(f[6]) - Number(f[8])
  })
  assert.equal(sent.length, 3, r.out)
  // About 1 s of the link: 125 packets of 1000 bytes, shared 1:3.
  assert.ok(sent[0]! + sent[1]! >= 120 && sent[0]! + sent[1]! <= 128, `${sent}`)
  const ratio = sent[1]! / sent[0]!
  assert.ok(ratio > 2.7 && ratio < 3.3, `ratio ${ratio} (${sent})`)
  assert.match(r.out, /^q00002 {2}50 sl\. 1 flows \(1 buckets\) sched 1 weight 3 lmax 1500 pri 0 droptail$/m)
  assert.match(r.out, /^ sched 1 type QFQ flags 0x0 0 buckets 1 active\n {3}Children flowsets: 1 2 \n/m)
})
