/**
 * The reassembly queue inside a connection, driven segment by segment through the packetdrill
 * interpreter (scripts written here): segments beyond a hole wait and are SACKed, the segment that
 * fills the hole goes to the socket directly (it is never copied into the queue) and brings every
 * held segment that became contiguous with it in one ACK, and the queue holds at most
 * net.inet.tcp.reass.maxqueuelen segments, dropping and counting the rest (tcps_rcvreassfull).
 */

import assert from 'node:assert/strict'
import { afterEach, beforeEach, test } from 'node:test'
import { counter } from '../../../../testing/net.js'
import { runPkt as run } from '../../../../testing/pkt_run.js'
import { ReassQueue } from './tcp_reass.js'

/**
 * What goes through ReassQueue.insert (each call copies the segment's payload): how far ahead of
 * rcv_nxt each segment started.
 */
let inserted: number[] = []
const realInsert = ReassQueue.prototype.insert
beforeEach(() => {
  inserted = []
  ReassQueue.prototype.insert = function (this: ReassQueue, ...a: Parameters<ReassQueue['insert']>) {
    inserted.push((a[1] - a[0]) >>> 0)
    return realInsert.apply(this, a)
  }
})
afterEach(() => {
  ReassQueue.prototype.insert = realInsert
})

const OPEN = `--tolerance_usecs=10000
0 \`sysctl -w net.inet.tcp.reass.maxqueuelen=3\`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1000,sackOK,eol,eol>
+0 > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>
+.01 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 < . 1:1001(1000) ack 1 win 65535
+0 recv(4, ..., 10000, MSG_PEEK) = 1000
`

test('a filled hole delivers every contiguous byte at once; beyond maxqueuelen segments are dropped and counted', async () => {
  // The receive buffer is 66000 (65536 rounded up to whole segments), so the automatic limit is
  // 67 segments and the sysctl's 3 is the one that applies.
  const { r, sys } = await run(`${OPEN}
// A hole at 1001: what comes after waits in the queue, each segment SACKed at once.
+0 < . 2001:3001(1000) ack 1 win 65535
+0 > . 1:1(0) ack 1001 win 65000 <nop,nop,sack 2001:3001>
+0 < . 3001:4001(1000) ack 1 win 65535
+0 > . 1:1(0) ack 1001 win 65000 <nop,nop,sack 2001:4001>
+0 < . 5001:6001(1000) ack 1 win 65535
+0 > . 1:1(0) ack 1001 win 65000 <nop,nop,sack 5001:6001 2001:4001>
// Three segments held: the fourth is dropped, so no SACK block for it.
+0 < . 7001:8001(1000) ack 1 win 65535
+0 > . 1:1(0) ack 1001 win 65000 <nop,nop,sack 5001:6001 2001:4001>
+0 recv(4, ..., 10000, MSG_PEEK) = 1000
// The hole is filled: 1001..4001 is readable at once and acknowledged in one ACK.
+0 < . 1001:2001(1000) ack 1 win 65535
+0 > . 1:1(0) ack 4001 win 62000 <nop,nop,sack 5001:6001>
+0 recv(4, ..., 10000, MSG_PEEK) = 4000
+0 < . 4001:5001(1000) ack 1 win 65535
+0 > . 1:1(0) ack 6001 win 60000
+0 recv(4, ..., 10000, 0) = 6000
// The dropped segment was never held: the sender has to send it again.
+0 < . 6001:7001(1000) ack 1 win 65535
+.04 > . 1:1(0) ack 7001 win 65000
`)
  assert.deepEqual(r, { ok: true, line: 0, message: '' })
  assert.equal(counter(sys, 'tcp', 'tcps_rcvreassfull'), 1)
  assert.equal(counter(sys, 'tcp', 'tcps_rcvoopack'), 4)
  assert.equal(counter(sys, 'tcp', 'tcps_rcvoobyte'), 4000)
  // Only the out-of-order segments (2001, 3001, 5001, 7001, all while rcv_nxt was 1001) went into
  // the queue and were copied; the in-order ones that filled holes went straight to the socket.
  assert.deepEqual(inserted, [1000, 2000, 4000, 6000])
})

test('a hole-filling segment that overlaps held data wins over it and reports the overlap (D-SACK)', async () => {
  const { r } = await run(`${OPEN}
+0 < . 2001:3001(1000) ack 1 win 65535
+0 > . 1:1(0) ack 1001 win 65000 <nop,nop,sack 2001:3001>
// 1001..2501 fills the hole and covers half of the held segment.
+0 < . 1001:2501(1500) ack 1 win 65535
+0 > . 1:1(0) ack 3001 win 63000 <nop,nop,sack 2001:2501>
+0 recv(4, ..., 10000, 0) = 3000
`)
  assert.deepEqual(r, { ok: true, line: 0, message: '' })
  assert.deepEqual(inserted, [1000])
})
