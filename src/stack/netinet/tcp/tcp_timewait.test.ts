/**
 * Compact TIME_WAIT (tcp_timewait.ts) between vnet jails in virtual time: a closed connection
 * keeps only its TcpTw, netstat still lists it, it answers a retransmitted FIN exactly as the whole
 * tcpcb does (the same bytes on the wire, captured), restarts 2*MSL, ignores RSTs, gives way to a
 * new SYN, ends after 2*MSL, and is bounded by net.inet.tcp.maxtcptw. tcp_twcheck's rules, from
 * the tcpcb and from the TcpTw alike: no timestamp is taken in TIME_WAIT, a new SYN is let through
 * before the tunnel check, and a segment missing its timestamp is dropped unless tolerated.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  SHUT,
  SOCK,
  type SockAddrIn,
  type SocketFd,
  type SocketInfo,
  type Syscalls,
  TCP_MD5SIG,
} from '../../../host/syscalls.js'
import { netisrGuard, pairNet } from '../../../testing/fixtures.js'
import { counter, type Net } from '../../../testing/net.js'
import { addr6, ip6 } from '../../../testing/net6.js'
import { A, B, connectedPair, forgeSegment } from '../../../testing/tcp_lab.js'
import { MS, SEC } from '../../../util/clock.js'
import { TCP_HDR_LEN, TcpOptions, TH, TOF, writeTcpHeader } from '../../../wire/inet/tcp.js'
import type { Inpcb } from '../in_pcb.js'
import { intotcpcb, intotw, TCPS, tcp } from './tcp_var.js'

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

  test('TIME_WAIT takes no timestamp: every answer echoes the ts_recent it had when it began', async () => {
    for (const close of [false, true]) {
      const t = await serverTimeWait(87, close)
      const inp = serverPcb(t)
      const before = close ? intotw(inp)!.tsRecent >>> 0 : intotcpcb(inp)!.ts_recent >>> 0
      assert.notEqual(before, 0)
      const rcvNxt = (t.finSeq + 1) >>> 0
      for (const tsval of [before + 5000, before + 9000]) {
        const to = new TcpOptions()
        to.flags = TOF.TS
        to.tsval = tsval >>> 0
        to.tsecr = 0
        const out = await sentByB(t, () =>
          forgeSegment(t.a, A, t.port, B, 80, rcvNxt, t.srvNxt, TH.ACK | TH.PUSH, new Uint8Array([1]), to),
        )
        assert.equal(out.length, 1)
        assert.equal(tsecrOf(out[0]!), before, `answer from the ${close ? 'TcpTw' : 'tcpcb'}`)
      }
      assert.equal(close ? intotw(inp)!.tsRecent >>> 0 : intotcpcb(inp)!.ts_recent >>> 0, before)
    }
  })

  test('a new SYN ends TIME_WAIT whatever tunnel it comes through; anything else from the wrong tunnel gets an RST', async () => {
    for (const close of [false, true]) {
      const t = await serverTimeWait(88, close)
      t.b.sysctlSet('net.inet.tcp.udp_tunneling_port', '9811')
      const udp = t.a.socket(AF_INET, SOCK.DGRAM)
      udp.bind({ addr: 0, port: 7000 })
      const rcvNxt = (t.finSeq + 1) >>> 0
      // The connection is plain TCP: an ACK through the tunnel is refused and TIME_WAIT stays.
      udp.sendto(tunnelled(t.port, rcvNxt, t.srvNxt, TH.ACK), { addr: B, port: 9811 })
      await t.net.sleep(MS)
      assert.equal(counter(t.b, 'tcp', 'tcps_tw_resets'), 1)
      assert.deepEqual(states(t.b), ['80>0 LISTEN', `80>${t.port} TIME_WAIT`])
      // The RST went back through the tunnel.
      assert.equal((await udp.recvfrom(100, 0, 0)).data[13]! & 0x3f, TH.RST)
      // A SYN beyond the old sequence space is checked first: TIME_WAIT gives way to the listener.
      const added = counter(t.b, 'tcp', 'tcps_sc_added')
      udp.sendto(tunnelled(t.port, t.finSeq + 100_000, 0, TH.SYN), { addr: B, port: 9811 })
      await t.net.sleep(MS)
      assert.equal(counter(t.b, 'tcp', 'tcps_tw_recycles'), 1, close ? 'TcpTw' : 'tcpcb')
      assert.equal(counter(t.b, 'tcp', 'tcps_tw_resets'), 1)
      assert.equal(counter(t.b, 'tcp', 'tcps_sc_added'), added + 1)
      // The SYN-ACK goes back through the tunnel it came by.
      const got = await udp.recvfrom(100, 0, 0)
      assert.equal(got.data[13]! & 0x3f, TH.SYN | TH.ACK)
      udp.close()
    }
  })

  test('with net.inet.tcp.tolerate_missing_ts=0, a segment without the negotiated timestamp is dropped', async () => {
    for (const close of [false, true]) {
      const t = await serverTimeWait(89, close)
      t.b.sysctlSet('net.inet.tcp.tolerate_missing_ts', '0')
      const rcvNxt = (t.finSeq + 1) >>> 0
      const data = () =>
        forgeSegment(t.a, A, t.port, B, 80, rcvNxt, t.srvNxt, TH.ACK | TH.PUSH, new Uint8Array([1]))
      assert.deepEqual(await sentByB(t, data), [])
      t.b.sysctlSet('net.inet.tcp.tolerate_missing_ts', '1')
      assert.equal((await sentByB(t, data)).length, 1)
    }
  })

  test('TIME_WAIT of a signed (TCP-MD5) connection answers before any signature check, as tcp_twcheck does', async () => {
    const net = guard.track(pairNet(90))
    const a = net.sys('a')
    const b = net.sys('b')
    b.sysctlSet('net.inet.tcp.msl', '1000')
    net.root.kldload('tcpmd5')
    const key = new TextEncoder().encode('swordfish')
    for (const s of [a, b]) {
      s.keyCtl({ op: 'add', sa: { src: A, dst: B, spi: 0x1000, key } })
      s.keyCtl({ op: 'add', sa: { src: B, dst: A, spi: 0x1001, key } })
    }
    const lsn = b.socket(AF_INET, SOCK.STREAM)
    lsn.setsockopt(IPPROTO_TCP, TCP_MD5SIG, 1)
    lsn.bind({ addr: 0, port: 80 })
    lsn.listen(4)
    const cli = a.socket(AF_INET, SOCK.STREAM)
    cli.setsockopt(IPPROTO_TCP, TCP_MD5SIG, 1)
    const acc = lsn.accept()
    await cli.connect({ addr: B, port: 80 })
    const srv = (await acc).fd
    const info = srv.tcpInfo()
    const port = cli.getsockname().port
    srv.close()
    assert.equal((await cli.recv(1)).length, 0)
    cli.close()
    await net.sleep(MS)
    const t: Tw = { net, a, b, srv, port, finSeq: info.rcvNxt, srvNxt: (info.sndNxt + 1) >>> 0 }
    assert.equal(tcp(net.vnet('b')).twCount, 1)
    // An unsigned retransmitted FIN is answered (signed, from the TcpTw) and counted as such.
    const fin = () => forgeSegment(a, A, port, B, 80, t.finSeq, t.srvNxt, TH.FIN | TH.ACK)
    assert.equal((await sentByB(t, fin)).length, 1)
    assert.equal(counter(b, 'tcp', 'tcps_tw_responds'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_sig_err_nosigopt'), 0)
  })
})

describe('tcp: net.inet.tcp.nolocaltimewait', () => {
  /**
   * A connection from cli to srv:port at `to` that the server closes first: the states of the
   * server stack's rows of that port afterwards, less the listener.
   */
  async function afterClose(
    net: Net,
    cli: Syscalls,
    srv: Syscalls,
    to: SockAddrIn,
    v6: boolean,
  ): Promise<string[]> {
    const lsn = srv.socket(v6 ? AF_INET6 : AF_INET, SOCK.STREAM)
    lsn.bind(v6 ? { addr: 0, port: to.port, addr6: ip6('::'), scopeId: 0 } : { addr: 0, port: to.port })
    lsn.listen(4)
    const c = cli.socket(v6 ? AF_INET6 : AF_INET, SOCK.STREAM)
    const acc = lsn.accept()
    await c.connect(to)
    const { fd } = await acc
    fd.close()
    assert.equal((await c.recv(1)).length, 0)
    c.close()
    await net.sleep(MS)
    lsn.close()
    return srv
      .socketList()
      .filter((s: SocketInfo) => s.proto.startsWith('tcp') && (s.lport === to.port || s.fport === to.port))
      .map((s) => s.state)
  }

  test("IPv4: a peer at one of the vnet's own addresses skips TIME_WAIT (on by default), a peer elsewhere does not", async () => {
    const net = guard.track(pairNet(91))
    const a = net.sys('a')
    const b = net.sys('b')
    assert.equal(a.sysctlGet('net.inet.tcp.nolocaltimewait').value, 1)
    const closed = counter(a, 'tcp', 'tcps_closed')
    assert.deepEqual(await afterClose(net, a, a, { addr: A, port: 80 }, false), [])
    assert.equal(tcp(net.vnet('a')).states[TCPS.TIME_WAIT], 0)
    // Both ends of the connection closed, and the listener.
    assert.equal(counter(a, 'tcp', 'tcps_closed'), closed + 3)
    assert.deepEqual(await afterClose(net, b, a, { addr: A, port: 81 }, false), ['TIME_WAIT'])
    a.sysctlSet('net.inet.tcp.nolocaltimewait', '0')
    assert.deepEqual(await afterClose(net, a, a, { addr: A, port: 82 }, false), ['TIME_WAIT'])
  })

  test("IPv6: a peer on one of the vnet's prefixes (in6_localaddr) skips TIME_WAIT, not only its own addresses", async () => {
    const net = guard.track(pairNet(92))
    const a = net.sys('a')
    const b = net.sys('b')
    addr6(a, net.ifName(0, 'a'), '2001:db8::1/64')
    addr6(b, net.ifName(0, 'b'), '2001:db8::2/64')
    await net.sleep(3 * SEC)
    const to = (port: number): SockAddrIn => ({ addr: 0, port, addr6: ip6('2001:db8::1'), scopeId: 0 })
    // b is another vnet, but on a's 2001:db8::/64.
    assert.deepEqual(await afterClose(net, b, a, to(80), true), [])
    assert.equal(tcp(net.vnet('a')).states[TCPS.TIME_WAIT], 0)
    a.sysctlSet('net.inet.tcp.nolocaltimewait', '0')
    assert.deepEqual(await afterClose(net, b, a, to(81), true), ['TIME_WAIT'])
  })
})

/** The server's end of the connection in TIME_WAIT. */
function serverPcb(t: Tw): Inpcb {
  return tcp(t.net.vnet('b'))
    .pcbs.all()
    .find((p) => p.fport === t.port)!
}

/** The TSecr of a captured header (as sentByB gives it: options from hex offset 36). */
function tsecrOf(hex: string): number {
  const b = Buffer.from(hex.slice(36), 'hex')
  for (let i = 0; i < b.length; ) {
    const kind = b[i]!
    if (kind === 0) break
    if (kind === 1) {
      i++
      continue
    }
    if (kind === 8) return b.readUInt32BE(i + 6)
    i += b[i + 1]!
  }
  return -1
}

/** A TCP segment A:sport -> B:80 as the payload of a tunnel datagram (its own checksum zero). */
function tunnelled(sport: number, seq: number, ack: number, flags: number): Uint8Array {
  const seg = new Uint8Array(TCP_HDR_LEN)
  writeTcpHeader(seg, 0, sport, 80, seq >>> 0, ack >>> 0, flags, 65535, 0, null)
  return seg
}
