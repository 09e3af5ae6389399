/**
 * dummynet through ipfw and dnctl, as scripts on the routed lab (a — r — b, vnet jails) in virtual
 * time: delay and rate exact to the microsecond on ping RTTs, queue overflow drops counted to the
 * packet, plr within its confidence interval, one_pass, WF2Q+ weights, per-flow masks and their
 * bound, fq_codel against a FIFO under a standing TCP queue, FreeBSD's netpfil/common/dummynet.sh
 * (pipe and queue, ipfw variant) as our own script, and the commands' output, errors and privileges.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { dummynet } from '../../../../stack/netpfil/ipfw/dummynet/dn_module.js'
import { ROUTED, sh, virtualHost } from '../../../../testing/net_lab.js'

/** The routed lab with ipfw (default accept) and dummynet loaded, and ARP warm on the a–b path. */
const LAB = `${ROUTED}
kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw dummynet
jexec a ping -c 1 10.0.2.2 > /dev/null
jexec a ping -c 1 10.0.2.1 > /dev/null
`

function stats(out: string): string[] {
  return out.split('\n').filter((l) => /packets transmitted|round-trip/.test(l))
}

test('delay and rate are exact: 50 ms each way, 8 ms per 1000-byte packet at 1 Mbit/s, queueing adds up', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 1 config delay 50
jexec r ipfw -q add 100 pipe 1 ip from 10.0.1.2 to any in
jexec a ping -c 2 10.0.2.2
jexec r ipfw -q add 110 pipe 1 ip from any to 10.0.1.2 out
jexec a ping -c 2 10.0.2.2
jexec r ipfw -q flush
jexec r ipfw pipe 1 config bw 1Mbit/s
jexec r ipfw -q add 100 pipe 1 icmp from 10.0.1.2 to any in
jexec a ping -c 2 -s 972 10.0.2.2
jexec a ping -c 10 -i 0.004 -s 972 10.0.2.2`,
  )
  assert.equal(r.err, '')
  assert.deepEqual(stats(r.out), [
    '2 packets transmitted, 2 packets received, 0.0% packet loss',
    'round-trip min/avg/max/stddev = 50.000/50.000/50.000/0.000 ms',
    '2 packets transmitted, 2 packets received, 0.0% packet loss',
    'round-trip min/avg/max/stddev = 100.000/100.000/100.000/0.000 ms',
    // 1000 bytes = 8000 bits at 10^6 bit/s: the request leaves the pipe when its last bit does.
    '2 packets transmitted, 2 packets received, 0.0% packet loss',
    'round-trip min/avg/max/stddev = 8.000/8.000/8.000/0.000 ms',
    // Offered every 4 ms, served every 8 ms: the k-th waits 4k ms more (8, 12, ..., 44 ms).
    '10 packets transmitted, 10 packets received, 0.0% packet loss',
    'round-trip min/avg/max/stddev = 8.000/26.000/44.000/11.489 ms',
  ])
})

test('a full queue drops and counts: 20 packets at 1 ms into 5 slots at 8.4 ms each lose 12', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 1 config bw 1Mbit/s queue 5
jexec r ipfw -q add 100 pipe 1 icmp from 10.0.1.2 to any in
jexec a ping -c 20 -i 0.001 -s 1022 10.0.2.2 | grep transmitted
jexec r ipfw pipe show
jexec r ipfw pipe 1 show
jexec r sysctl net.inet.ip.dummynet.io_pkt net.inet.ip.dummynet.io_pkt_drop net.inet.ip.dummynet.io_pkt_fast
jexec r ipfw show 100`,
  )
  assert.equal(r.err, '')
  // Arrivals at 0..19 ms, departures every 8.4 ms: p0 goes on the link, p1-p5 queue, p6-p8 find it
  // full, p9 and p17 take the slots freed at 8.4 and 16.8 ms; the other 12 are dropped.
  const show = [
    '00001:   1.000 Mbit/s    0 ms burst 0',
    'q131073   5 sl. 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0 droptail',
    ' sched 65537 type FIFO flags 0x0 0 buckets 1 active',
    '  0 ip           0.0.0.0/0             0.0.0.0/0       20    21000  0    0  12',
  ]
  assert.equal(
    r.out,
    [
      '20 packets transmitted, 8 packets received, 60.0% packet loss',
      ...show,
      ...show,
      'net.inet.ip.dummynet.io_pkt: 20',
      'net.inet.ip.dummynet.io_pkt_drop: 12',
      'net.inet.ip.dummynet.io_pkt_fast: 0',
      '00100 20 21000 pipe 1 icmp from 10.0.1.2 to any in',
      '',
    ].join('\n'),
  )
})

test('an unlimited pipe without delay passes packets straight through (io_pkt_fast)', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 1 config
jexec r ipfw -q add 100 pipe 1 ip from any to any
jexec a ping -c 3 10.0.2.2 | grep round-trip
jexec r sysctl net.inet.ip.dummynet.io_pkt net.inet.ip.dummynet.io_pkt_fast net.inet.ip.dummynet.io_pkt_drop`,
  )
  assert.equal(
    r.out,
    [
      'round-trip min/avg/max/stddev = 0.000/0.000/0.000/0.000 ms',
      // Request and reply, each in and out of r; no IPv6, the links having no inet6 address
      // (IPv6 stays disabled, nd6_ifattach).
      'net.inet.ip.dummynet.io_pkt: 12',
      'net.inet.ip.dummynet.io_pkt_fast: 12',
      'net.inet.ip.dummynet.io_pkt_drop: 0',
      '',
    ].join('\n'),
  )
})

test('plr 0.5 loses about half: 1000 pings within the 99.9% interval of Binomial(1000, 0.5)', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 1 config plr 0.5
jexec r ipfw pipe show | head -2
jexec r ipfw -q add 100 pipe 1 icmp from 10.0.1.2 to any in
jexec a ping -q -c 1000 -i 0.01 10.0.2.2 | grep transmitted`,
  )
  const lines = r.out.split('\n')
  assert.equal(lines[0], '00001: unlimited         0 ms burst 0')
  assert.equal(
    lines[1],
    'q131073  50 sl.plr 0.500000 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0 droptail',
  )
  const got = Number(/(\d+) packets received/.exec(lines[2]!)![1])
  // σ = √(1000·¼) ≈ 15.8; ±3.3σ.
  assert.ok(got >= 448 && got <= 552, `received ${got}`)
})

test('reinjection: one_pass=1 leaves ipfw after the pipe, one_pass=0 resumes after the pipe rule', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 1 config delay 10
jexec r ipfw -q add 100 pipe 1 icmp from 10.0.1.2 to any in
jexec r ipfw -q add 200 deny icmp from 10.0.1.2 to any in
jexec a ping -c 1 -t 2 10.0.2.2 > /dev/null; echo one_pass=$?
jexec r ipfw disable one_pass
jexec a ping -c 1 -t 2 10.0.2.2 > /dev/null; echo resumed=$?
jexec r ipfw -q delete 200
jexec r ipfw -q add 200 count icmp from 10.0.1.2 to any in
jexec a ping -c 1 10.0.2.2 | grep round-trip
jexec r ipfw show 100 200`,
  )
  assert.equal(
    r.out,
    [
      'one_pass=0',
      'resumed=2',
      'round-trip min/avg/max/stddev = 10.000/10.000/10.000/0.000 ms',
      '00100 3 252 pipe 1 icmp from 10.0.1.2 to any in',
      '00200 1  84 count icmp from 10.0.1.2 to any in',
      '',
    ].join('\n'),
  )
})

test('WF2Q+ shares a saturated 1 Mbit/s pipe 3:1 between queues of weight 3 and 1', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 1 config bw 1Mbit/s
jexec r ipfw queue 1 config pipe 1 weight 1
jexec r ipfw queue 2 config pipe 1 weight 3
jexec r ipfw -q add 100 queue 1 icmp from 10.0.1.2 to 10.0.2.2 in
jexec r ipfw -q add 110 queue 2 icmp from 10.0.1.2 to 10.0.2.1 in
jexec a ping -q -c 500 -i 0.002 -s 972 10.0.2.2 > /dev/null &
jexec a ping -q -c 500 -i 0.002 -s 972 10.0.2.1 > /dev/null &
sleep 1
jexec r ipfw queue show
jexec r ipfw sched show
wait`,
  )
  const flows = r.out.split('\n').filter((l) => l.startsWith('  0 ip'))
  // Delivered = offered - queued - dropped, per queue.
  const sent = flows.map((l) => {
    const f = l.trim().split(/\s+/)
    return Number(f[4]) - Number(f[6]) - Number(f[8])
  })
  assert.equal(sent.length, 3)
  // About 1 s of a 1 Mbit/s link: 125 packets of 1000 bytes, shared 1:3.
  assert.ok(sent[0]! + sent[1]! >= 120 && sent[0]! + sent[1]! <= 128, `${sent}`)
  const ratio = sent[1]! / sent[0]!
  assert.ok(ratio > 2.7 && ratio < 3.3, `ratio ${ratio} (${sent})`)
  assert.match(r.out, /^q00002 {2}50 sl\. 1 flows \(1 buckets\) sched 1 weight 3 lmax 0 pri 0 droptail$/m)
  assert.match(r.out, /^ sched 1 type WF2Q\+ flags 0x0 0 buckets 1 active\n {3}Children flowsets: 1 2 \n/m)
})

test('a pipe mask gives each destination its own 1 Mbit/s; the flow bound drops and counts', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 2 config bw 1Mbit/s mask dst-ip 0xffffffff
jexec r ipfw -q add 100 pipe 2 icmp from 10.0.1.2 to any in
jexec a ping -c 3 -i 0.004 -s 972 10.0.2.2 | grep round-trip &
jexec a ping -c 3 -i 0.004 -s 972 10.0.2.1 | grep round-trip &
wait
jexec r ipfw pipe show`,
  )
  assert.equal(
    r.out,
    [
      // Not sharing one link: each flow sees 8, 12, 16 ms as if alone.
      'round-trip min/avg/max/stddev = 8.000/12.000/16.000/3.266 ms',
      'round-trip min/avg/max/stddev = 8.000/12.000/16.000/3.266 ms',
      '00002:   1.000 Mbit/s    0 ms burst 0',
      'q131074  50 sl. 0 flows (1 buckets) sched 65538 weight 0 lmax 0 pri 0 droptail',
      ' sched 65538 type FIFO flags 0x1 64 buckets 2 active',
      '    mask:  0x00 0x00000000/0x0000 -> 0xffffffff/0x0000',
      'BKT Prot ___Source IP/port____ ____Dest. IP/port____ Tot_pkt/bytes Pkt/Byte Drp',
      ' 17 ip           0.0.0.0/0            10.0.2.1/0        3     3000  0    0   0',
      ' 52 ip           0.0.0.0/0            10.0.2.2/0        3     3000  0    0   0',
      '',
    ].join('\n'),
  )
  // With room for one flow only, an idle flow's instance is reclaimed for a new one (expire=1);
  // with expire=0 the second destination's packets are dropped and counted.
  const h2 = virtualHost()
  assert.equal((await sh(h2, LAB)).status, 0)
  const rv = h2.prison0.descendants().find((p) => p.name === 'r')!.vnet
  dummynet(rv).maxFlows = 1
  const r2 = await sh(
    h2,
    `jexec r ipfw pipe 2 config bw 1Mbit/s mask dst-ip 0xffffffff
jexec r ipfw -q add 100 pipe 2 icmp from 10.0.1.2 to any in
jexec a ping -c 2 10.0.2.2 | grep transmitted
jexec a ping -c 2 10.0.2.1 | grep transmitted
jexec r sysctl net.inet.ip.dummynet.io_pkt_drop net.inet.ip.dummynet.si_count
jexec r sysctl net.inet.ip.dummynet.expire=0
jexec a ping -c 2 -t 2 10.0.2.2 | grep transmitted
jexec r sysctl net.inet.ip.dummynet.io_pkt_drop net.inet.ip.dummynet.si_count
jexec r ipfw pipe show | tail -1`,
  )
  assert.equal(
    r2.out,
    [
      '2 packets transmitted, 2 packets received, 0.0% packet loss',
      '2 packets transmitted, 2 packets received, 0.0% packet loss',
      'net.inet.ip.dummynet.io_pkt_drop: 0',
      'net.inet.ip.dummynet.si_count: 1',
      'net.inet.ip.dummynet.expire: 1 -> 0',
      '2 packets transmitted, 0 packets received, 100.0% packet loss',
      'net.inet.ip.dummynet.io_pkt_drop: 2',
      'net.inet.ip.dummynet.si_count: 1',
      ' 17 ip           0.0.0.0/0            10.0.2.1/0        2      168  0    0   0',
      '',
    ].join('\n'),
  )
})

test('fq_codel keeps a standing TCP queue short and a ping beside it fast, where a FIFO does not', async () => {
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
    const [flow, rtt] = r.out.split('\n')
    const f = flow!.trim().split(/\s+/)
    return { queued: Number(f[6]), drops: Number(f[8]), avgRtt: Number(rtt!.split('=')[1]!.split('/')[1]) }
  }
  const fifo = await run('fifo')
  const fq = await run('fq_codel')
  // The FIFO holds the TCP window in its queue and the ping waits behind it; FQ-CoDel drops early
  // (RFC 8289) so TCP backs off, and serves the new, sparse ping flow first (RFC 8290 §4.2).
  assert.ok(fifo.queued >= 15 && fifo.drops === 0 && fifo.avgRtt > 200, JSON.stringify(fifo))
  assert.ok(fq.queued <= 8 && fq.drops > 0 && fq.avgRtt < 15, JSON.stringify(fq))
})

test("FreeBSD's netpfil/common/dummynet.sh, ipfw variant: pipe saturation and WF2Q+ queue priority", async () => {
  const host = virtualHost()
  const setup = `kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw dummynet
epair=$(ifconfig epair create)
jail -c name=alcatraz vnet persist > /dev/null
ifconfig \${epair%a}b vnet alcatraz
ifconfig $epair 192.0.2.1/24 up
jexec alcatraz ifconfig \${epair%a}b 192.0.2.2/24 up
`
  const pipe = await sh(
    host,
    `${setup}
ping -i .1 -c 3 -s 1200 192.0.2.2 > /dev/null; echo sanity=$?
jexec alcatraz dnctl pipe 1 config bw 30Byte/s
jexec alcatraz ipfw -q add 1000 pipe 1 ip from any to any
ping -c 1 192.0.2.2 > /dev/null; echo single=$?
ping -i .1 -c 5 -s 1200 192.0.2.2 > /dev/null
ping -c 1 -s 1200 192.0.2.2 > /dev/null; echo saturated=$?
jexec alcatraz dnctl pipe show | head -1`,
  )
  assert.equal(pipe.out, 'sanity=0\nsingle=0\nsaturated=2\n00001: 240.000 bit/s     0 ms burst 0\n')
  // queue: TCP echo at weight 99 gets its 1,988,895 bytes through within 3 s while ICMP floods the
  // 1 MByte/s pipe at weight 1; with the weights swapped it never does. FreeBSD floods with
  // `ping -f`, whose rate follows the RTT; four `ping -i 0.001` saturate the pipe for certain.
  const queue = (tcp: number, icmp: number, flooder: string) => `
jexec alcatraz ipfw -q flush
jexec alcatraz dnctl -q pipe flush
jexec alcatraz dnctl pipe 1 config bw 1MByte/s
jexec alcatraz dnctl sched 1 config pipe 1 type wf2q+
jexec alcatraz dnctl queue 100 config sched 1 weight 99 mask all
jexec alcatraz dnctl queue 200 config sched 1 weight 1 mask all
jexec alcatraz ipfw -q add 1000 queue ${tcp} tcp from 192.0.2.2 to any out
jexec alcatraz ipfw -q add 1001 queue ${icmp} icmp from 192.0.2.2 to any out
jexec alcatraz ipfw -q add 1002 allow ip from any to any
${flooder} > /dev/null &
${flooder} > /dev/null &
${flooder} > /dev/null &
${flooder} > /dev/null &
sleep 1
for i in 1 2 3; do
  seq 1 300000 | jexec alcatraz nc -N -l 7 > /dev/null &
  sleep 0.1
  nc -w 5 192.0.2.2 7 > /tmp/got &
  c=$!
  sleep 3
  kill $c 2> /dev/null
  wc -c < /tmp/got
done
kill %1 %2 %3 %4
wait 2> /dev/null`
  const prio = await sh(host, queue(100, 200, 'ping -i 0.001 -s 1300 192.0.2.2'))
  assert.deepEqual(prio.out.trim().split(/\s+/), ['1988895', '1988895', '1988895'])
  const reversed = await sh(host, queue(200, 100, 'jexec alcatraz ping -i 0.001 -s 1300 192.0.2.1'))
  for (const n of reversed.out.trim().split(/\s+/)) assert.ok(Number(n) < 1988895 / 2, reversed.out)
})

test('commands: FreeBSD output and errors, dnctl, the module, privileges and unloading', async () => {
  const host = virtualHost()
  assert.equal((await sh(host, ROUTED)).status, 0)
  const r = await sh(
    host,
    `kldload ipfw
jexec r ipfw pipe 1 config bw 1Mbit/s; echo nomod=$?
jexec r ipfw pipe show; echo shownomod=$?
kldload dummynet
jexec r ipfw pipe 1 config bw 2Mbit/s delay 20 queue 20KB burst 1000 mask src-ip /8 red 0.002/10/30/0.1
jexec r ipfw pipe show
jexec r dnctl sched 1 config type fq_codel target 10ms interval 200ms quantum 1000 ecn
jexec r dnctl queue 5 config sched 1 weight 10 mask dst-port 0xffff gred 0.5/5/15/0.2
jexec r dnctl sched show
jexec r ipfw queue show
jexec r ipfw sched 2 config type qfq; echo qfq=$?
jexec r ipfw sched 2 config type bogus; echo bogus=$?
jexec r ipfw pipe 3 config frobnicate; echo badopt=$?
jexec r ipfw pipe 3 config bw 1Mbit/s queue 500; echo toolong=$?
jexec r ipfw pipe 3 config delay 20000; echo delay=$?
jexec r ipfw pipe config bw 1; echo nonum=$?
jexec r ipfw queue 4 config bw 1Mbit/s; echo bwq=$?
jexec r ipfw pipe 9 delete; echo del=$?
jexec r ipfw queue 5 delete; echo delq=$?
jexec r dnctl -f pipe flush
jexec r ipfw pipe show; jexec r ipfw sched show; jexec r ipfw queue show
jexec -U nobody r dnctl pipe show; echo nobody=$?
jail -c name=nv persist > /dev/null
jexec nv ipfw pipe 1 config; echo nonvnet=$?
jexec a ipfw pipe 1 config delay 5
jexec a ipfw pipe show | head -1
jexec b ipfw pipe show; echo otherjail=$?
kldunload ipfw; echo busy=$?
kldunload dummynet; echo unload=$?
sysctl net.inet.ip.dummynet.io_pkt; echo sysctl=$?`,
  )
  assert.equal(
    r.out,
    [
      'nomod=1',
      'shownomod=0',
      '00001:   2.000 Mbit/s   20 ms burst 1000',
      'q131073 20 KB 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0 ',
      '\t  RED w_q 0.001999 min_th 10 max_th 30 max_p 0.099991',
      ' sched 65537 type FIFO flags 0x1 64 buckets 0 active',
      '    mask:  0x00 0x000000ff/0x0000 -> 0x00000000/0x0000',
      'BKT Prot ___Source IP/port____ ____Dest. IP/port____ Tot_pkt/bytes Pkt/Byte Drp',
      '00001:   2.000 Mbit/s   20 ms burst 1000',
      'q65537  50 sl. 0 flows (1 buckets) sched 1 weight 0 lmax 0 pri 0 droptail',
      // A sched config without a mask clears the one the pipe config gave it.
      ' sched 1 type FQ_CODEL flags 0x0 0 buckets 0 active',
      ' FQ_CODEL target 10ms interval 200ms quantum 1000 limit 10240 flows 1024 ECN',
      '   Children flowsets: 5 ',
      'q00005  50 sl. 0 flows (64 buckets) sched 1 weight 10 lmax 0 pri 0 ',
      '\t GRED w_q 0.500000 min_th 5 max_th 15 max_p 0.199997',
      '    mask:  0x00 0x00000000/0x0000 -> 0x00000000/0xffff',
      'BKT Prot ___Source IP/port____ ____Dest. IP/port____ Tot_pkt/bytes Pkt/Byte Drp',
      'qfq=0',
      'bogus=1',
      'badopt=65',
      'toolong=65',
      'delay=65',
      'nonum=64',
      'bwq=64',
      'del=1',
      'delq=0',
      'Flushed all pipes.',
      'nobody=69',
      'nonvnet=69',
      '00001: unlimited         5 ms burst 0',
      'otherjail=0',
      'busy=1',
      'unload=0',
      'sysctl=1',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [
      'ipfw: setsockopt(IP_DUMMYNET_CONFIGURE): Protocol not available',
      'ipfw: setsockopt(IP_DUMMYNET_CONFIGURE): Invalid argument',
      "ipfw: unrecognised option ``frobnicate''",
      'ipfw: 2 <= queue size <= 100',
      'ipfw: delay must be < 10000',
      'ipfw: need a pipe/flowset/sched number',
      'ipfw: bw is only for links',
      'ipfw: rule 1: setsockopt(IP_DUMMYNET_DEL): Invalid argument',
      'dnctl: socket: Operation not permitted',
      'ipfw: socket: Operation not permitted',
      "kldunload: can't unload file: Device busy",
      "sysctl: unknown oid 'net.inet.ip.dummynet.io_pkt'",
      '',
    ].join('\n'),
  )
})

test('packets held in a pipe are freed when the jail (and its vnet) goes, or dummynet is unloaded', async () => {
  const host = virtualHost()
  assert.equal((await sh(host, LAB)).status, 0)
  const before = host.env.pool.inUse
  const r = await sh(
    host,
    `jexec r ipfw pipe 1 config delay 5000
jexec r ipfw -q add 100 pipe 1 icmp from 10.0.1.2 to any in
jexec a ping -c 5 -i 0.01 -t 1 10.0.2.2 > /dev/null
jexec r sysctl -n net.inet.ip.dummynet.io_pkt
jail -r r
sleep 6`,
  )
  assert.equal(r.out, '5\n')
  assert.equal(host.env.pool.inUse, before)
  const h2 = virtualHost()
  assert.equal((await sh(h2, LAB)).status, 0)
  const before2 = h2.env.pool.inUse
  const r2 = await sh(
    h2,
    `jexec r ipfw pipe 1 config delay 5000
jexec r ipfw -q add 100 pipe 1 icmp from 10.0.1.2 to any in
jexec a ping -c 5 -i 0.01 -t 1 10.0.2.2 > /dev/null
kldunload dummynet
jexec a ping -c 1 -t 1 10.0.2.2 > /dev/null; echo dropped=$?`,
  )
  assert.equal(r2.out, 'dropped=2\n')
  assert.equal(h2.env.pool.inUse, before2)
})

test('a queue in bytes, and the slot limit ipfw checks against net.inet.ip.dummynet.pipe_slot_limit', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LAB}
jexec r ipfw pipe 1 config bw 1Mbit/s queue 3000B
jexec r ipfw -q add 100 pipe 1 icmp from 10.0.1.2 to any in
jexec a ping -c 20 -i 0.001 -s 1022 10.0.2.2 | grep transmitted
jexec r ipfw pipe show | head -2 | tail -1
jexec r ipfw pipe show | tail -1
jexec r ipfw pipe 2 config queue 150; echo over=$?
jexec r sysctl net.inet.ip.dummynet.pipe_slot_limit=200
jexec r ipfw pipe 2 config queue 150; echo raised=$?
jexec r ipfw pipe 2 show | head -2 | tail -1`,
  )
  assert.equal(
    r.out,
    [
      // 1050-byte packets every 1 ms, one leaving every 8.4 ms: a packet is refused once more than
      // 3000 bytes wait (the check comes before the packet is added, as dn_enqueue does), so the
      // queue holds three; p0 goes on the link, p1-p3 queue, p9 and p17 take the freed places.
      '20 packets transmitted, 6 packets received, 70.0% packet loss',
      'q131073 3000 B 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0 droptail',
      '  0 ip           0.0.0.0/0             0.0.0.0/0       20    21000  0    0  14',
      'over=65',
      'net.inet.ip.dummynet.pipe_slot_limit: 100 -> 200',
      'raised=0',
      'q131074 150 sl. 0 flows (1 buckets) sched 65538 weight 0 lmax 0 pri 0 droptail',
      '',
    ].join('\n'),
  )
  assert.equal(r.err, 'ipfw: 2 <= queue size <= 100\n')
})
