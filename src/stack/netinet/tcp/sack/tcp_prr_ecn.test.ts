/**
 * PRR (RFC 6937, net.inet.tcp.do_prr) pacing the response to an ECN-Echo, as FreeBSD 14's
 * tcp_do_prr_ack does in congestion recovery: packetdrill scripts written for these tests (not the
 * FreeBSD suite's). With PRR the ECE halves ssthresh and the flight glides down, one new segment
 * for every two acknowledged (the first with CWR); without it the window drops to ssthresh at once
 * and nothing is sent until the flight is below it.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runInFreshHost } from '../../../../platform/node/cli/packetdrill.js'

const PRR = `--tolerance_usecs=10000
 0.00 \`sysctl -w net.inet.tcp.ecn.enable=1\`
+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > SEW 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
+0.05 < SE. 0:0(0) ack 1 win 65535 <mss 1000,nop,wscale 0>
+0.00 > . 1:1(0) ack 1 win 1032
+0.00 write(3, ..., 20000) = 20000
+0.00 > [ect0] . 1:1001(1000) ack 1 win 1032
+0.00 > [ect0] . 1001:2001(1000) ack 1 win 1032
+0.00 > [ect0] . 2001:3001(1000) ack 1 win 1032
+0.00 > [ect0] . 3001:4001(1000) ack 1 win 1032
+0.00 > [ect0] . 4001:5001(1000) ack 1 win 1032
+0.00 > [ect0] . 5001:6001(1000) ack 1 win 1032
+0.00 > [ect0] . 6001:7001(1000) ack 1 win 1032
+0.00 > [ect0] . 7001:8001(1000) ack 1 win 1032
+0.00 > [ect0] . 8001:9001(1000) ack 1 win 1032
+0.00 > [ect0] . 9001:10001(1000) ack 1 win 1032
// The first ACK echoes a CE mark: ssthresh halves to 5000, and PRR lets one segment out now,
// the first new data after the reduction, with CWR.
+0.05 < E. 1:1(0) ack 1001 win 65535
+0.00 > [ect0] W. 10001:11001(1000) ack 1 win 1032
// Then one segment for every two acknowledged: the flight glides from 10 to 5 segments.
+0.00 < . 1:1(0) ack 2001 win 65535
+0.00 < . 1:1(0) ack 3001 win 65535
+0.00 > [ect0] . 11001:12001(1000) ack 1 win 1032
+0.00 < . 1:1(0) ack 4001 win 65535
+0.00 < . 1:1(0) ack 5001 win 65535
+0.00 > [ect0] . 12001:13001(1000) ack 1 win 1032
+0.00 < . 1:1(0) ack 6001 win 65535
+0.00 < . 1:1(0) ack 7001 win 65535
+0.00 > [ect0] . 13001:14001(1000) ack 1 win 1032
`

const NO_PRR = `--tolerance_usecs=10000
 0.00 \`sysctl -w net.inet.tcp.ecn.enable=1 net.inet.tcp.do_prr=0\`
+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > SEW 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
+0.05 < SE. 0:0(0) ack 1 win 65535 <mss 1000,nop,wscale 0>
+0.00 > . 1:1(0) ack 1 win 1032
+0.00 write(3, ..., 20000) = 20000
+0.00 > [ect0] . 1:1001(1000) ack 1 win 1032
+0.00 > [ect0] . 1001:2001(1000) ack 1 win 1032
+0.00 > [ect0] . 2001:3001(1000) ack 1 win 1032
+0.00 > [ect0] . 3001:4001(1000) ack 1 win 1032
+0.00 > [ect0] . 4001:5001(1000) ack 1 win 1032
+0.00 > [ect0] . 5001:6001(1000) ack 1 win 1032
+0.00 > [ect0] . 6001:7001(1000) ack 1 win 1032
+0.00 > [ect0] . 7001:8001(1000) ack 1 win 1032
+0.00 > [ect0] . 8001:9001(1000) ack 1 win 1032
+0.00 > [ect0] . 9001:10001(1000) ack 1 win 1032
// Without PRR the window drops to ssthresh (5000) at once: silence until the flight is below it.
+0.05 < E. 1:1(0) ack 1001 win 65535
+0.00 < . 1:1(0) ack 2001 win 65535
+0.00 < . 1:1(0) ack 3001 win 65535
+0.00 < . 1:1(0) ack 4001 win 65535
+0.00 < . 1:1(0) ack 5001 win 65535
+0.00 < . 1:1(0) ack 6001 win 65535
+0.00 > [ect0] W. 10001:11001(1000) ack 1 win 1032
`

test('ECE with do_prr=1: one segment per two ACKs from the first ACK on, CWR on the first', async () => {
  assert.deepEqual(await runInFreshHost('ecn-prr.pkt', PRR, {}), { ok: true, line: 0, message: '' })
})

test('ECE with do_prr=0: cwnd = ssthresh at once, silence until the flight is below it', async () => {
  assert.deepEqual(await runInFreshHost('ecn-noprr.pkt', NO_PRR, {}), { ok: true, line: 0, message: '' })
  // The PRR script's early segment is exactly what do_prr=0 withholds.
  const r = await runInFreshHost(
    'ecn-prr-off.pkt',
    PRR.replace('ecn.enable=1', 'ecn.enable=1 net.inet.tcp.do_prr=0'),
    {},
  )
  assert.equal(r.ok, false)
  assert.match(r.message, /expected > \[ect0\] W\. 10001:11001\(1000\) ack 1 win 1032/)
})
