/**
 * iperf3 between vnet jails across a router in virtual time: TCP, reverse and parallel tests, UDP
 * at a set bitrate, the -J document, a busy server, its errors — and the wire protocol itself,
 * checked byte for byte against a client written here on the socket API the way a stock iperf3
 * speaks it (cookie, state bytes, length-prefixed JSON), so a Linux iperf3 can be the peer.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AF_INET, SOCK, type SocketFd } from '../../../host/syscalls.js'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import { utf8Decode, utf8Encode } from '../../../util/utf8.js'
import { MemFs } from '../../bin/sh/streams.js'

async function lab() {
  const host = virtualHost()
  const setup = await sh(host, ROUTED)
  assert.equal(setup.status, 0, setup.err)
  return host
}

/** Bytes of a Transfer column (`1.10 GBytes`). */
function bytesOf(s: string): number {
  const m = /([\d.]+) ([KMGT]?)Bytes/.exec(s)
  assert.ok(m, s)
  return Number(m[1]) * 1024 ** ' KMGT'.indexOf(m[2] || ' ')
}

const LINE = (id: string, tail: string): RegExp =>
  new RegExp(`^\\[${id}\\] +[\\d.]+-[\\d.]+ +sec +[\\d.]+ [KMG]?Bytes +[\\d.]+ [KMG]?bits/sec${tail}$`)

test('iperf3 -c: a TCP test through the router, in iperf3’s text on both ends', async () => {
  const host = await lab()
  const fs = new MemFs()
  const r = await sh(
    host,
    `jexec b iperf3 -s -1 > srv.txt &
sleep 1
jexec a iperf3 -c 10.0.2.2 -t 3 -b 10M; echo status=$?
wait`,
    fs,
  )
  assert.equal(r.err, '')
  const c = r.out.split('\n')
  assert.equal(c[0], 'Connecting to host 10.0.2.2, port 5201')
  assert.match(c[1]!, /^\[ {2}4\] local 10\.0\.1\.2 port \d+ connected to 10\.0\.2\.2 port 5201$/)
  assert.equal(c[2], '[ ID] Interval           Transfer     Bitrate         Retr  Cwnd')
  assert.match(
    c[3]!,
    /^\[ {2}4\] {3}0\.00-1\.00 {3}sec {2}.{4} [KMG]?Bytes {2}.{4} [KMG]?bits\/sec {2}.{3} {3}.{4} [KMG]?Bytes {7}$/,
  )
  assert.match(c[4]!, /^\[ {2}4\] {3}1\.00-2\.00 {3}sec/)
  assert.match(c[5]!, /^\[ {2}4\] {3}2\.00-3\.00 {3}sec/)
  assert.equal(c[6], '- - - - - - - - - - - - - - - - - - - - - - - - -')
  assert.equal(c[7], '[ ID] Interval           Transfer     Bitrate         Retr')
  assert.match(c[8]!, LINE(' {2}4', ' {2}[ \\d]{3} {13}sender'))
  assert.match(c[8]!, /^\[ {2}4\] {3}0\.00-3\.00 {3}sec/)
  assert.match(c[9]!, LINE(' {2}4', ' {18}receiver'))
  assert.deepEqual(c.slice(10), ['', 'iperf Done.', 'status=0', ''])
  const sent = bytesOf(c[8]!)
  const received = bytesOf(c[9]!)
  assert.ok(sent > 0 && received > 0 && received <= sent, `${sent} ${received}`)

  const s = fs.read('srv.txt')!.split('\n')
  assert.deepEqual(s.slice(0, 3), [
    '-----------------------------------------------------------',
    'Server listening on 5201',
    '-----------------------------------------------------------',
  ])
  assert.match(s[3]!, /^Accepted connection from 10\.0\.1\.2, port \d+$/)
  assert.match(s[4]!, /^\[ {2}5\] local 10\.0\.2\.2 port 5201 connected to 10\.0\.1\.2 port \d+$/)
  assert.equal(s[5], '[ ID] Interval           Transfer     Bitrate')
  assert.match(s[6]!, LINE(' {2}5', ' {18}'))
  const sep = s.indexOf('- - - - - - - - - - - - - - - - - - - - - - - - -')
  // The client said it counts retransmissions (sender_has_retransmits), so the header has Retr.
  assert.equal(s[sep + 1], '[ ID] Interval           Transfer     Bitrate         Retr')
  assert.match(s[sep + 2]!, LINE(' {2}5', ' {18}receiver'))
  // The server's receiver total is the one the client printed.
  assert.equal(s[sep + 2]!.slice(27, 40), c[9]!.slice(27, 40))
  assert.equal(s[sep + 3], '')
})

test('iperf3 -R -P 2 -n: the server sends a byte count over two streams; [SUM] lines', async () => {
  const host = await lab()
  const r = await sh(
    host,
    `jexec b iperf3 -s -1 > /dev/null &
sleep 1
jexec a iperf3 -c 10.0.2.2 -R -P 2 -n 4M -i 0; echo status=$?
wait`,
  )
  assert.equal(r.err, '')
  const c = r.out.split('\n')
  assert.equal(c[1], 'Reverse mode, remote host 10.0.2.2 is sending')
  assert.match(c[2]!, /^\[ {2}4\] local 10\.0\.1\.2/)
  assert.match(c[3]!, /^\[ {2}5\] local 10\.0\.1\.2/)
  assert.equal(c[4], '- - - - - - - - - - - - - - - - - - - - - - - - -')
  assert.equal(c[5], '[ ID] Interval           Transfer     Bitrate         Retr')
  const sumSent = c.find((l) => l.startsWith('[SUM]') && l.endsWith('sender'))!
  const sumRecv = c.find((l) => l.startsWith('[SUM]') && l.endsWith('receiver'))!
  assert.ok(bytesOf(sumSent) >= 4 * 1024 * 1024, sumSent)
  assert.ok(bytesOf(sumRecv) >= 4 * 1024 * 1024, sumRecv)
  assert.equal(c.filter((l) => /^\[ {2}[45]\].*(sender|receiver)$/.test(l)).length, 4)
  assert.deepEqual(c.slice(-4), ['', 'iperf Done.', 'status=0', ''])
})

test('iperf3 -u -b: UDP at the asked rate, counted, no loss on a clean path', async () => {
  const host = await lab()
  const r = await sh(
    host,
    `jexec b iperf3 -s -1 > /dev/null &
sleep 1
jexec a iperf3 -c 10.0.2.2 -u -b 2M -l 1000 -t 2; echo status=$?
wait`,
  )
  assert.equal(r.err, '')
  const c = r.out.split('\n')
  assert.equal(c[2], '[ ID] Interval           Transfer     Bitrate         Total Datagrams')
  assert.match(c[3]!, /^\[ {2}4\] {3}0\.00-1\.00 {3}sec {2}.{4} KBytes {2}2\.00 Mbits\/sec 250 {2}$/)
  assert.equal(c[6], '[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams')
  const sender = /0\.000 ms {2}0\/(\d+) \(0%\) {2}sender$/.exec(c[7]!)
  const receiver = /[\d.]+ ms {2}0\/(\d+) \(0%\) {2}receiver$/.exec(c[8]!)
  assert.ok(sender && receiver, `${c[7]}\n${c[8]}`)
  assert.equal(sender[1], receiver[1])
  assert.ok(Math.abs(Number(sender[1]) - 500) <= 1, sender[1])
})

test('iperf3 -J: the JSON document, with the server’s totals in it', async () => {
  const host = await lab()
  const fs = new MemFs()
  const r = await sh(
    host,
    `jexec b iperf3 -s -1 -J > srv.json &
sleep 1
jexec a iperf3 -c 10.0.2.2 -t 2 -b 10M -J > cli.json; echo status=$?
wait`,
    fs,
  )
  assert.equal(r.out, 'status=0\n')
  const cli = JSON.parse(fs.read('cli.json')!)
  const srv = JSON.parse(fs.read('srv.json')!)
  assert.equal(cli.start.connected[0].remote_port, 5201)
  assert.equal(cli.start.connecting_to.host, '10.0.2.2')
  assert.equal(cli.start.test_start.protocol, 'TCP')
  assert.equal(cli.intervals.length, 2)
  assert.equal(cli.intervals[0].streams[0].sender, true)
  assert.ok(cli.end.sum_sent.bytes > 0)
  assert.equal(cli.end.sum_received.bytes, srv.end.sum_received.bytes)
})

test('iperf3: a busy server turns a second client away; errors in iperf3’s words', async () => {
  const host = await lab()
  const r = await sh(
    host,
    `jexec b iperf3 -s -1 > /dev/null &
sleep 1
jexec a iperf3 -c 10.0.2.2 -t 5 -b 1M > /dev/null &
sleep 2
jexec a iperf3 -c 10.0.2.2 -t 1 -b 1M; echo busy=$?
wait
jexec a iperf3 -c 10.0.2.2 -t 1 > /dev/null; echo refused=$?
jexec a iperf3 -t 1; echo noRole=$?
jexec b iperf3 -s -t 1; echo clientOnly=$?`,
  )
  assert.match(r.out, /busy=1\n/)
  assert.match(r.out, /refused=1\nnoRole=1\nclientOnly=1\n$/)
  const usage = "Usage: iperf3 [-s|-c host] [options]\nTry `iperf3 --help' for more information.\n"
  assert.equal(
    r.err,
    'iperf3: error - the server is busy running a test. try again later\n' +
      'iperf3: error - unable to connect to server: Connection refused\n' +
      `iperf3: parameter error - must either be a client (-c) or server (-s)\n\n${usage}` +
      `iperf3: parameter error - some option you are trying to set is client only\n\n${usage}`,
  )
})

/** A reader of exact byte counts over a raw socket, for the protocol test. */
function rawReader(fd: SocketFd) {
  let buf = new Uint8Array(0)
  return async (n: number): Promise<Uint8Array> => {
    while (buf.length < n) {
      const b = await fd.recv(65536)
      assert.ok(b.length > 0, 'connection closed early')
      const next = new Uint8Array(buf.length + b.length)
      next.set(buf)
      next.set(b, buf.length)
      buf = next
    }
    const out = buf.slice(0, n)
    buf = buf.slice(n)
    return out
  }
}

async function sendJson(fd: SocketFd, obj: unknown): Promise<void> {
  const body = utf8Encode(JSON.stringify(obj))
  const msg = new Uint8Array(4 + body.length)
  new DataView(msg.buffer).setUint32(0, body.length)
  msg.set(body, 4)
  await fd.send(msg)
}

test('iperf3 -s speaks the protocol a stock iperf3 client does, byte for byte', async () => {
  const host = await lab()
  const fs = new MemFs()
  const server = sh(host, 'jexec b iperf3 -s -1 > srv.txt', fs)
  const a = host.syscalls().attach('a')
  await new Promise<void>((r) => void a.nanosleep(1e9).then(r))
  const cookie = utf8Encode(`${'abcdefghijklmnopqrstuvwxyz234567abcd'}\0`)
  assert.equal(cookie.length, 37)
  const ctrl = a.socket(AF_INET, SOCK.STREAM)
  await ctrl.connect({ addr: 0x0a000202, port: 5201 })
  const read = rawReader(ctrl)
  await ctrl.send(cookie)
  assert.deepEqual([...(await read(1))], [9]) // PARAM_EXCHANGE
  await sendJson(ctrl, {
    tcp: true,
    omit: 0,
    time: 1,
    parallel: 1,
    len: 1000,
    pacing_timer: 1000,
    client_version: '3.16',
  })
  assert.deepEqual([...(await read(1))], [10]) // CREATE_STREAMS
  const data = a.socket(AF_INET, SOCK.STREAM)
  await data.connect({ addr: 0x0a000202, port: 5201 })
  await data.send(cookie)
  assert.deepEqual([...(await read(2))], [1, 2]) // TEST_START, TEST_RUNNING
  await data.send(new Uint8Array(30000))
  await a.nanosleep(1e9)
  await ctrl.send(Uint8Array.of(4)) // TEST_END
  assert.deepEqual([...(await read(1))], [13]) // EXCHANGE_RESULTS
  await sendJson(ctrl, {
    cpu_util_total: 1,
    cpu_util_user: 0.5,
    cpu_util_system: 0.5,
    sender_has_retransmits: 0,
    streams: [
      { id: 1, bytes: 30000, retransmits: 0, jitter: 0, errors: 0, packets: 0, start_time: 0, end_time: 1 },
    ],
  })
  const len = new DataView((await read(4)).buffer).getUint32(0)
  const results = JSON.parse(utf8Decode(await read(len)))
  assert.equal(results.sender_has_retransmits, -1)
  assert.equal(results.streams.length, 1)
  assert.equal(results.streams[0].id, 1)
  assert.equal(results.streams[0].bytes, 30000)
  assert.deepEqual([...(await read(1))], [14]) // DISPLAY_RESULTS
  await ctrl.send(Uint8Array.of(16)) // IPERF_DONE
  ctrl.close()
  data.close()
  const done = await server
  assert.equal(done.status, 0, done.err)
  assert.match(fs.read('srv.txt')!, /\[ {2}5\] {3}0\.00-1\.0\d {3}sec {2}29\.3 KBytes .*receiver\n$/)
})
