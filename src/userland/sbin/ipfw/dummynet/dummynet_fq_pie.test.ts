/**
 * The FQ_PIE scheduler as scripts on the routed lab (a — r — b, vnet jails) in virtual time: it
 * keeps a standing TCP queue short and a ping beside it fast where a FIFO does not, `ipfw sched
 * show` prints FreeBSD's parameter line (ipfw's defaults, ECN on; set values; the kernel's bounds),
 * and bad parameters fail as ipfw(8) fails.
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

test('fq_pie keeps a standing TCP queue short and a ping beside it fast, where a FIFO does not', async () => {
  const run = async (type: string) => {
    const host = virtualHost()
    const r = await sh(
      host,
      `${LAB}
jexec b nc -l 9000 > /dev/null &
jexec r ipfw pipe 1 config bw 1Mbit/s
jexec r ipfw sched 1 config pipe 1 type ${type}
jexec r ipfw queue 1 config sched 1 queue 100
jexec r ipfw -q add 100 queue 1 ip from 10.0.1.2 to any in
sleep 1
seq 1 300000 | jexec a nc -N 10.0.2.2 9000 &
sleep 6
jexec r ipfw sched show | tail -1
jexec a ping -q -c 20 -i 0.2 10.0.2.1 | grep round-trip
wait`,
    )
    assert.equal(r.err, '')
    const [flow, rtt] = r.out.split('\n')
    const f = flow!.trim().split(/\s+/)
    return { queued: Number(f[6]), drops: Number(f[8]), avgRtt: Number(rtt!.split('=')[1]!.split('/')[1]) }
  }
  const fifo = await run('fifo')
  const pie = await run('fq_pie')
  // The FIFO holds the TCP window and the ping waits behind it; PIE drops once the delay passes
  // its 15 ms target (RFC 8033), so TCP backs off, and the sparse ping flow goes first.
  assert.ok(fifo.queued >= 15 && fifo.drops === 0 && fifo.avgRtt > 200, JSON.stringify(fifo))
  assert.ok(pie.queued <= 10 && pie.drops > 0 && pie.avgRtt < 20, JSON.stringify(pie))
})

test('ipfw sched show prints fq_pie parameters as FreeBSD does; bad ones fail as ipfw(8)', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw sched 1 config type fq_pie
jexec r ipfw sched 1 show
jexec r ipfw sched 2 config type fq_pie target 5 tupdate 1500us alpha 0.3 beta 2 max_burst 1s max_ecnth 0.2 quantum 1000 limit 200 flows 64 noecn nocapdrop onoff dre noderand
jexec r ipfw sched 2 show
jexec r dnctl sched 3 config type FQ_PIE target 9s quantum 20000 limit 0 ts derand capdrop ecn
jexec r dnctl sched 3 show
jexec r ipfw sched 3 config type fq_pie alpha -1; echo rc=$?
jexec r ipfw sched 3 config type fq_pie tupdate 5m; echo rc=$?
jexec r ipfw sched 3 config type fq_codel max_burst 5; echo rc=$?`,
  )
  assert.equal(
    r.out,
    `00001: unlimited         0 ms burst 0
q65537  50 sl. 0 flows (1 buckets) sched 1 weight 0 lmax 0 pri 0 droptail
 sched 1 type FQ_PIE flags 0x0 0 buckets 0 active
  FQ_PIE target 15ms tupdate 15ms alpha 0.125 beta 1.25 max_burst 150ms max_ecnth 0.1 quantum 1514 limit 10240 flows 1024 ECN CapDrop TS Derand
00002: unlimited         0 ms burst 0
q65538  50 sl. 0 flows (1 buckets) sched 2 weight 0 lmax 0 pri 0 droptail
 sched 2 type FQ_PIE flags 0x0 0 buckets 0 active
  FQ_PIE target 5ms tupdate 1.5ms alpha 0.299927 beta 2 max_burst 1fs max_ecnth 0.2 quantum 1000 limit 200 flows 64 NoECN NoCapDrop OnOff DRE NoDerand
00003: unlimited         0 ms burst 0
q65539  50 sl. 0 flows (1 buckets) sched 3 weight 0 lmax 0 pri 0 droptail
 sched 3 type FQ_PIE flags 0x0 0 buckets 0 active
  FQ_PIE target 5fs tupdate 15ms alpha 0.125 beta 1.25 max_burst 150ms max_ecnth 0.1 quantum 9000 limit 1 flows 1024 ECN CapDrop TS Derand
rc=65
rc=65
rc=65
`,
  )
  assert.equal(
    r.err,
    `ipfw: alpha needs number

ipfw: tupdate needs time

ipfw: unrecognised option \`\`max_burst''
`,
  )
})

test('fq_codel times are read and printed as FreeBSD does: no unit is ms, us_to_time on show', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw sched 4 config type fq_codel target 7 interval 1500us
jexec r ipfw sched 4 show | grep FQ_CODEL
jexec r ipfw sched 5 config type fq_codel target 2s
jexec r ipfw sched 5 show | grep FQ_CODEL
jexec r ipfw sched 6 config type fq_codel interval 1h; echo rc=$?`,
  )
  assert.equal(
    r.out,
    `${[
      ' sched 4 type FQ_CODEL flags 0x0 0 buckets 0 active',
      ' FQ_CODEL target 7ms interval 1.5ms quantum 1514 limit 10240 flows 1024 NoECN',
      ' sched 5 type FQ_CODEL flags 0x0 0 buckets 0 active',
      ' FQ_CODEL target 2fs interval 100ms quantum 1514 limit 10240 flows 1024 NoECN',
      'rc=65',
    ].join('\n')}\n`,
  )
  assert.equal(r.err, 'ipfw: interval needs time\n\n')
})
