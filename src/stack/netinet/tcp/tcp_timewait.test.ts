/**
 * Compact TIME_WAIT (tcp_timewait.ts) between vnet jails in virtual time: a closed connection
 * keeps only its TcpTw, netstat still lists it, it answers a retransmitted FIN exactly as the whole
 * tcpcb does (the same bytes on the wire, captured), restarts 2*MSL, ignores RSTs, gives way to a
 * new SYN, ends after 2*MSL, and is bounded by net.inet.tcp.maxtcptw.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { AF_INET, SHUT, SOCK, type SocketFd, type SocketInfo, type Syscalls } from '../../../host/syscalls.js'
import { netisrGuard, pairNet } from '../../../testing/fixtures.js'
import { counter, type Net } from '../../../testing/net.js'
import { A, B, connectedPair, forgeSegment } from '../../../testing/tcp_lab.js'
import { MS, SEC } from '../../../util/clock.js'
import { TH } from '../../../wire/inet/tcp.js'
import { intotw, tcp } from './tcp_var.js'

const guard = netisrGuard()
afterEach(() => guard.check())

/** The TCP rows of a stack as netstat shows them: `lport>fport STATE`. */
function states(sys: Syscalls): string[] {
  return sys
    .socketList()
    .filter((s: SocketInfo) => s.proto === 'tcp4')
    .map((s) => `${s.lport}>${s.fport} ${s.state}`)
    .sort()
}

interface Tw {
  net: Net
  a: Syscalls
  b: Syscalls
  srv: SocketFd
  port: number
  /** The client's FIN (the server's rcv_nxt - 1) and the server's snd_nxt after its own FIN. */
  finSeq: number
  srvNxt: number
}

/**
 * The server (b:80) closes first (`close`, or only `shutdown` so its socket stays open) and the
 * client then closes, which leaves the server in TIME_WAIT.
 */
async function serverTimeWait(seed: number, close: boolean): Promise<Tw> {
  const net = guard.track(pairNet(seed))
  const a = net.sys('a')
  const b = net.sys('b')
  b.sysctlSet('net.inet.tcp.msl', '1000')
  const { cli, srv, lsn } = await connectedPair(a, b, B, 80)
  void lsn
  const port = cli.getsockname().port
  const info = srv.tcpInfo()
  if (close) srv.close()
  else srv.shutdown(SHUT.WR)
  assert.equal((await cli.recv(1)).length, 0)
  cli.close()
  await net.sleep(MS)
  return { net, a, b, srv, port, finSeq: info.rcvNxt, srvNxt: (info.sndNxt + 1) >>> 0 }
}

/** The TCP segments b sends to a while `f` runs, as bytes of their TCP headers. */
async function sentByB(t: Tw, f: () => void): Promise<string[]> {
  const cap = t.a.bpfOpen(t.net.ifName(0, 'a'), { direction: 'in' })
  f()
  await t.net.sleep(MS)
  const out: string[] = []
  await cap.read((r) => {
    const ip = r.off + 14
    if (r.buf[ip + 9] !== 6) return
    const th = ip + ((r.buf[ip]! & 0xf) << 2)
    const hl = (r.buf[th + 12]! >> 4) << 2
    // The checksum (bytes 16-17) follows from the rest.
    out.push(
      Buffer.from(r.buf.subarray(th, th + 16)).toString('hex') +
        Buffer.from(r.buf.subarray(th + 18, th + hl)).toString('hex'),
    )
  }, 0)
  cap.close()
  return out
}

describe('tcp: compact TIME_WAIT', () => {
  test('a closed connection keeps only its TcpTw; netstat still lists it; 2*MSL ends it', async () => {
    const t = await serverTimeWait(81, true)
    const tv = tcp(t.net.vnet('b'))
    assert.deepEqual(states(t.b), ['80>0 LISTEN', `80>${t.port} TIME_WAIT`])
    assert.equal(tv.twCount, 1)
    assert.equal(tv.states[10], 1)
    const inp = tv.pcbs.all().find((p) => p.fport === t.port)!
    const tw = intotw(inp)
    assert.notEqual(tw, null)
    assert.equal(tw!.rcvNxt >>> 0, (t.finSeq + 1) >>> 0)
    assert.equal(tw!.sndNxt >>> 0, t.srvNxt)
    // The socket is gone from the connection: the inpcb holds the vnet's closed stand-in.
    assert.equal(inp.so, tv.twSo)
    assert.equal(tv.twSo!.closed, true)
    const closed = counter(t.b, 'tcp', 'tcps_closed')
    await t.net.sleep(1990 * MS)
    assert.equal(tv.twCount, 1)
    await t.net.sleep(20 * MS)
    assert.deepEqual(states(t.b), ['80>0 LISTEN'])
    assert.equal(tv.twCount, 0)
    assert.equal(tv.states[10], 0)
    assert.equal(counter(t.b, 'tcp', 'tcps_closed'), closed + 1)
  })

  test('a retransmitted FIN gets the same ACK from the TcpTw as from the whole tcpcb, and restarts 2*MSL', async () => {
    const answers: string[][] = []
    for (const close of [false, true]) {
      const t = await serverTimeWait(82, close)
      const tv = tcp(t.net.vnet('b'))
      assert.equal(tv.twCount, close ? 1 : 0)
      await t.net.sleep(1000 * MS)
      const fin = () => forgeSegment(t.a, A, t.port, B, 80, t.finSeq, t.srvNxt, TH.FIN | TH.ACK)
      answers.push(await sentByB(t, fin))
      assert.equal(counter(t.b, 'tcp', 'tcps_tw_responds'), 1)
      // 2*MSL from the retransmitted FIN, not from the first.
      await t.net.sleep(1500 * MS)
      assert.deepEqual(states(t.b), ['80>0 LISTEN', `80>${t.port} TIME_WAIT`])
      await t.net.sleep(600 * MS)
      assert.deepEqual(states(t.b), ['80>0 LISTEN'])
    }
    assert.equal(answers[0]!.length, 1)
    assert.deepEqual(answers[1], answers[0])
  })

  test('a duplicate ACK and an RST get nothing; data gets an ACK', async () => {
    const t = await serverTimeWait(83, true)
    const rcvNxt = (t.finSeq + 1) >>> 0
    assert.deepEqual(
      await sentByB(t, () => forgeSegment(t.a, A, t.port, B, 80, rcvNxt, t.srvNxt, TH.ACK)),
      [],
    )
    assert.deepEqual(await sentByB(t, () => forgeSegment(t.a, A, t.port, B, 80, rcvNxt, 0, TH.RST)), [])
    assert.deepEqual(states(t.b), ['80>0 LISTEN', `80>${t.port} TIME_WAIT`])
    const acks = await sentByB(t, () =>
      forgeSegment(t.a, A, t.port, B, 80, rcvNxt, t.srvNxt, TH.ACK | TH.PUSH, new Uint8Array([1])),
    )
    assert.equal(acks.length, 1)
    assert.equal(counter(t.b, 'tcp', 'tcps_tw_responds'), 1)
  })

  test('a SYN beyond the old sequence space ends TIME_WAIT and reaches the listener', async () => {
    const t = await serverTimeWait(84, true)
    const added = counter(t.b, 'tcp', 'tcps_sc_added')
    const out = await sentByB(t, () => forgeSegment(t.a, A, t.port, B, 80, t.finSeq + 100_000, 0, TH.SYN))
    assert.equal(out.length, 1)
    // A SYN-ACK from the syncache.
    assert.equal(Number.parseInt(out[0]!.slice(26, 28), 16) & 0x3f, TH.SYN | TH.ACK)
    assert.equal(counter(t.b, 'tcp', 'tcps_tw_recycles'), 1)
    assert.equal(counter(t.b, 'tcp', 'tcps_sc_added'), added + 1)
    assert.equal(tcp(t.net.vnet('b')).twCount, 0)
  })

  test('closing a socket already in TIME_WAIT (after shutdown) compacts it for what is left of 2*MSL', async () => {
    const t = await serverTimeWait(85, false)
    const tv = tcp(t.net.vnet('b'))
    assert.equal(tv.twCount, 0)
    assert.deepEqual(states(t.b), ['80>0 LISTEN', `80>${t.port} TIME_WAIT`])
    await t.net.sleep(1500 * MS)
    t.srv.close()
    assert.equal(tv.twCount, 1)
    assert.deepEqual(states(t.b), ['80>0 LISTEN', `80>${t.port} TIME_WAIT`])
    await t.net.sleep(510 * MS)
    assert.deepEqual(states(t.b), ['80>0 LISTEN'])
  })

  test('net.inet.tcp.maxtcptw bounds the entries: the oldest makes room', async () => {
    const net = guard.track(pairNet(86))
    const a = net.sys('a')
    const b = net.sys('b')
    // tcptw_auto_size: half the ephemeral range (27767), within a fifth of the endpoints (13107).
    assert.equal(b.sysctlGet('net.inet.tcp.maxtcptw').value, 13107)
    b.sysctlSet('net.inet.tcp.maxtcptw', '10')
    assert.equal(b.sysctlGet('net.inet.tcp.maxtcptw').value, 13107)
    b.sysctlSet('net.inet.tcp.maxtcptw', '32')
    assert.equal(b.sysctlGet('net.inet.tcp.maxtcptw').value, 32)
    const { lsn } = await connectedPair(a, b, B, 80)
    const ports: number[] = []
    for (let i = 0; i < 40; i++) {
      const cli = a.socket(AF_INET, SOCK.STREAM)
      await cli.connect({ addr: B, port: 80 })
      ports.push(cli.getsockname().port)
      const { fd } = await lsn.accept()
      fd.close()
      assert.equal((await cli.recv(1)).length, 0)
      cli.close()
      await net.sleep(MS)
    }
    const tw = states(b).filter((s) => s.endsWith('TIME_WAIT'))
    assert.equal(tw.length, 32)
    assert.equal(tcp(net.vnet('b')).twCount, 32)
    // The 32 newest remain.
    assert.deepEqual(
      tw,
      ports
        .slice(8)
        .map((p) => `80>${p} TIME_WAIT`)
        .sort(),
    )
    await net.sleep(61 * SEC)
    assert.equal(tcp(net.vnet('b')).twCount, 0)
  })
})
