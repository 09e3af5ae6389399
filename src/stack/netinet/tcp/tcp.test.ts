/**
 * TCP between vnet jails in virtual time, through the syscall boundary as programs use it: the
 * handshake and teardown state sequences (netstat's view), data both ways with verified checksums,
 * recovery across a lossy netgraph pipe, RST for closed ports, the listen backlog bound, TIME_WAIT's
 * 2*MSL, simultaneous open, per-vnet port spaces, reserved ports, shared-stack jails, zero windows,
 * delayed ACKs and the errors FreeBSD returns.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import {
  AF_INET,
  IPPROTO_TCP,
  MSG,
  SHUT,
  SO,
  SOCK,
  SOL_SOCKET,
  type SocketFd,
  type SocketInfo,
  type Syscalls,
  TCP_NODELAY,
} from '../../../host/syscalls.js'
import { chainNet, netisrGuard, pairNet } from '../../../testing/fixtures.js'
import { counter, errnoOf, ip } from '../../../testing/net.js'
import { connectedPair, pattern, pipeLab, readAll, sha256 } from '../../../testing/tcp_lab.js'
import { MS, SEC } from '../../../util/clock.js'
import { TH, tcpFinish, writeTcpHeader } from '../../../wire/inet/tcp.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const A = ip('10.0.0.1')
const B = ip('10.0.0.2')

const tcpSock = (sys: Syscalls): SocketFd => sys.socket(AF_INET, SOCK.STREAM)

async function errnoOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (e) {
    return (e as { code: string }).code
  }
}

/** The TCP rows of a stack as netstat shows them: `lport>fport STATE`. */
function states(sys: Syscalls): string[] {
  return sys
    .socketList()
    .filter((s: SocketInfo) => s.proto === 'tcp4')
    .map((s) => `${s.lport}>${s.fport} ${s.state}`)
    .sort()
}

describe('tcp: handshake and teardown', () => {
  test('the states on both sides, from LISTEN through TIME_WAIT to gone after 2*MSL', async () => {
    // A 1 ms link, so each step of the handshake and teardown can be watched.
    const { a, b } = pipeLab(41, '{ delay=1000 }')
    const lsn = tcpSock(b)
    lsn.bind({ addr: 0, port: 80 })
    lsn.listen(1)
    assert.deepEqual(states(b), ['80>0 LISTEN'])
    const cli = tcpSock(a)
    cli.setNonBlocking(true)
    assert.equal(await errnoOfAsync(cli.connect({ addr: B, port: 80 })), 'EINPROGRESS')
    const port = cli.getsockname().port
    assert.deepEqual(states(a), [`${port}>80 SYN_SENT`])
    assert.equal(await errnoOfAsync(cli.connect({ addr: B, port: 80 })), 'EALREADY')
    // ARP first (2 ms), then the SYN (1 ms): the server holds a SYN_RCVD connection until 5 ms.
    await a.nanosleep(3.5 * MS)
    assert.deepEqual(states(b), [`80>${port} SYN_RCVD`, '80>0 LISTEN'].sort())
    assert.equal(await cli.pollOut(SEC), true)
    assert.equal(cli.getsockopt(SOL_SOCKET, SO.ERROR), 0)
    assert.equal(await errnoOfAsync(cli.connect({ addr: B, port: 80 })), 'EISCONN')
    const { fd: srv, from } = await lsn.accept()
    assert.deepEqual(from, { addr: A, port })
    assert.deepEqual(states(a), [`${port}>80 ESTABLISHED`])
    assert.deepEqual(states(b), [`80>${port} ESTABLISHED`, '80>0 LISTEN'].sort())
    assert.equal(cli.tcpInfo().state, 4)
    // Active close: FIN_WAIT_1, then FIN_WAIT_2 on the client once acknowledged; CLOSE_WAIT on the server.
    cli.close()
    assert.deepEqual(states(a), [`${port}>80 FIN_WAIT_1`])
    await a.nanosleep(5 * MS)
    assert.deepEqual(states(a), [`${port}>80 FIN_WAIT_2`])
    assert.deepEqual(states(b), [`80>${port} CLOSE_WAIT`, '80>0 LISTEN'].sort())
    assert.equal((await srv.recv(10)).length, 0)
    srv.close()
    assert.deepEqual(states(b), [`80>${port} LAST_ACK`, '80>0 LISTEN'].sort())
    await a.nanosleep(5 * MS)
    assert.deepEqual(states(b), ['80>0 LISTEN'])
    assert.deepEqual(states(a), [`${port}>80 TIME_WAIT`])
    // 2 * net.inet.tcp.msl (30 s).
    await a.nanosleep(59 * SEC)
    assert.deepEqual(states(a), [`${port}>80 TIME_WAIT`])
    await a.nanosleep(2 * SEC)
    assert.deepEqual(states(a), [])
    assert.equal(counter(a, 'tcp', 'tcps_connattempt'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_accepts'), 1)
    assert.equal(counter(a, 'tcp', 'tcps_closed'), 1)
  })

  test('TIME_WAIT lasts 2 * net.inet.tcp.msl', async () => {
    const net = guard.track(pairNet(42))
    const a = net.sys('a')
    a.sysctlSet('net.inet.tcp.msl', '1000')
    const { cli, srv } = await connectedPair(a, net.sys('b'), B, 7)
    cli.shutdown(SHUT.WR)
    assert.equal((await srv.recv(1)).length, 0)
    srv.close()
    cli.close()
    await net.sleep(10 * MS)
    assert.equal(states(a).length, 1)
    assert.match(states(a)[0]!, /TIME_WAIT$/)
    await net.sleep(2 * SEC)
    assert.deepEqual(states(a), [])
  })

  test('simultaneous open: two SYNs cross and both ends reach ESTABLISHED', async () => {
    // A 5 ms link, so that each SYN leaves before the other arrives.
    const { a, b } = pipeLab(43, '{ delay=5000 }')
    const s1 = tcpSock(a)
    const s2 = tcpSock(b)
    s1.bind({ addr: A, port: 5001 })
    s2.bind({ addr: B, port: 5002 })
    const p1 = s1.connect({ addr: B, port: 5002 })
    const p2 = s2.connect({ addr: A, port: 5001 })
    assert.deepEqual(states(a), ['5001>5002 SYN_SENT'])
    await Promise.all([p1, p2])
    assert.deepEqual(states(a), ['5001>5002 ESTABLISHED'])
    assert.deepEqual(states(b), ['5002>5001 ESTABLISHED'])
    await s1.send(new TextEncoder().encode('ping'))
    assert.equal(new TextDecoder().decode(await s2.recv(10)), 'ping')
    // Simultaneous close: both FINs cross, both go through CLOSING to TIME_WAIT.
    s1.close()
    s2.close()
    assert.deepEqual(states(a), ['5001>5002 FIN_WAIT_1'])
    await a.nanosleep(7 * MS)
    assert.deepEqual(states(a), ['5001>5002 CLOSING'])
    await a.nanosleep(5 * MS)
    assert.deepEqual(states(a), ['5001>5002 TIME_WAIT'])
    assert.deepEqual(states(b), ['5002>5001 TIME_WAIT'])
  })

  test('a closed port answers with an RST: connect fails ECONNREFUSED; blackhole stays silent', async () => {
    const net = guard.track(pairNet(44))
    const a = net.sys('a')
    const b = net.sys('b')
    assert.equal(await errnoOfAsync(tcpSock(a).connect({ addr: B, port: 81 })), 'ECONNREFUSED')
    assert.equal(counter(b, 'tcp', 'tcps_sndctrl'), 1)
    assert.equal(counter(a, 'tcp', 'tcps_conndrops'), 1)
    // net.inet.tcp.blackhole=1: no RST for a SYN, so the connect times out (keepinit) instead.
    b.sysctlSet('net.inet.tcp.blackhole', '1')
    const s = tcpSock(a)
    s.setsockopt(IPPROTO_TCP, 128, 5)
    assert.equal(await errnoOfAsync(s.connect({ addr: B, port: 81 })), 'ETIMEDOUT')
    assert.equal(counter(b, 'tcp', 'tcps_sndctrl'), 1)
    assert.equal(counter(a, 'tcp', 'tcps_keepdrops'), 1)
  })

  test('a handshake completing beyond the backlog is counted and reset (syncache.rst_on_sock_fail)', async () => {
    const net = guard.track(pairNet(45))
    const a = net.sys('a')
    const b = net.sys('b')
    const lsn = tcpSock(b)
    lsn.bind({ addr: 0, port: 80 })
    lsn.listen(1)
    // Every SYN gets its SYN-ACK from the syncache; the socket is made on the final ACK, and 3/2 of
    // a backlog of 1 is 1: two connections are queued, the third finds no room.
    const c = [tcpSock(a), tcpSock(a), tcpSock(a)]
    await c[0]!.connect({ addr: B, port: 80 })
    await c[1]!.connect({ addr: B, port: 80 })
    // The third is reset as its handshake completes (connect may see it first, or the next recv).
    const third = c[2]!
    assert.equal(
      await errnoOfAsync(third.connect({ addr: B, port: 80 }).then(() => third.recv(10))),
      'ECONNRESET',
    )
    await net.sleep(100 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_sc_added'), 3)
    assert.equal(counter(b, 'tcp', 'tcps_sc_completed'), 2)
    assert.equal(counter(b, 'tcp', 'tcps_sc_aborted'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_listendrop'), 1)
    assert.equal((await lsn.accept()).from.addr, A)
    assert.equal((await lsn.accept()).from.addr, A)
    assert.equal(await errnoOfAsync(lsn.accept(0)), 'EAGAIN')
    // With rst_on_sock_fail=0 the ACK is dropped silently: the client does not learn of it yet.
    b.sysctlSet('net.inet.tcp.syncache.rst_on_sock_fail', '0')
    const drops = counter(a, 'tcp', 'tcps_drops')
    for (let i = 0; i < 3; i++) await tcpSock(a).connect({ addr: B, port: 80 })
    await net.sleep(100 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_listendrop'), 2)
    assert.equal(counter(a, 'tcp', 'tcps_drops'), drops)
    assert.deepEqual(
      states(b).filter((x) => x.includes('SYN_RCVD')),
      [],
    )
  })
})

describe('tcp: data', () => {
  test('across a router, both ways, hash-identical, every checksum verified', async () => {
    const net = guard.track(chainNet(46))
    const a = net.sys('a')
    const b = net.sys('b')
    const { cli, srv } = await connectedPair(a, b, ip('10.0.2.1'), 8080, 5)
    const info = cli.tcpInfo()
    assert.equal(info.sndMss, 1460)
    assert.equal(info.options, 7)
    assert.equal(info.sndWscale, 6)
    const up = pattern(300_000, 1)
    const down = pattern(200_000, 2)
    const [, , gotUp, gotDown] = await Promise.all([
      cli.send(up).then(() => cli.shutdown(SHUT.WR)),
      srv.send(down).then(() => srv.shutdown(SHUT.WR)),
      readAll(srv),
      readAll(cli),
    ])
    assert.equal(sha256(gotUp), sha256(up))
    assert.equal(sha256(gotDown), sha256(down))
    for (const s of [a, b]) {
      assert.equal(counter(s, 'tcp', 'tcps_rcvbadsum'), 0)
      assert.equal(counter(s, 'tcp', 'tcps_sndrexmitpack'), 0)
    }
    assert.equal(counter(b, 'tcp', 'tcps_rcvbyte'), up.length)
    assert.ok(counter(b, 'tcp', 'tcps_delack') + counter(b, 'tcp', 'tcps_sndacks') > 0)
  })

  test('MSG_PEEK, MSG_WAITALL, EOF, and EPIPE after shutdown', async () => {
    const net = guard.track(pairNet(47))
    const { cli, srv } = await connectedPair(net.sys('a'), net.sys('b'), B, 9)
    cli.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)
    assert.equal(cli.getsockopt(IPPROTO_TCP, TCP_NODELAY), 1)
    await cli.send(new TextEncoder().encode('hello'))
    assert.equal(new TextDecoder().decode(await srv.recv(100, MSG.PEEK)), 'hello')
    const all = srv.recv(8, MSG.WAITALL)
    await cli.send(new TextEncoder().encode('abc'))
    assert.equal(new TextDecoder().decode(await all), 'helloabc')
    assert.equal(await errnoOfAsync(srv.recv(10, MSG.DONTWAIT)), 'EAGAIN')
    cli.shutdown(SHUT.WR)
    assert.equal(await errnoOfAsync(cli.send(new Uint8Array(1))), 'EPIPE')
    assert.equal((await srv.recv(10)).length, 0)
    // Half-close: the other direction still works.
    await srv.send(new TextEncoder().encode('still here'))
    assert.equal(new TextDecoder().decode(await cli.recv(100)), 'still here')
  })

  test('a zero window is probed until the reader drains it', async () => {
    const net = guard.track(pairNet(48))
    const a = net.sys('a')
    const { cli, srv } = await connectedPair(a, net.sys('b'), B, 5000)
    const data = pattern(400_000, 3)
    const sending = cli.send(data)
    await net.sleep(30 * SEC)
    assert.ok(counter(a, 'tcp', 'tcps_sndprobe') >= 1, 'window probes sent')
    assert.ok(counter(a, 'tcp', 'tcps_persisttimeo') >= 1)
    const reading = readAll(srv)
    assert.equal(await sending, data.length)
    cli.close()
    assert.equal(sha256(await reading), sha256(data))
  })

  test('an RST is reported once as ECONNRESET, then reads see EOF and writes EPIPE', async () => {
    const net = guard.track(pairNet(49))
    const { cli, srv } = await connectedPair(net.sys('a'), net.sys('b'), B, 5000)
    // SO_LINGER with a zero timeout: close aborts with an RST.
    srv.setsockopt(SOL_SOCKET, SO.LINGER, 0)
    srv.close()
    await net.sleep(MS)
    assert.equal(await errnoOfAsync(cli.recv(10)), 'ECONNRESET')
    assert.equal((await cli.recv(10)).length, 0)
    assert.equal(await errnoOfAsync(cli.send(new Uint8Array(1))), 'EPIPE')
  })
})

describe('tcp: loss recovery', () => {
  test('1 MB each way through a pipe losing 3% each way with 5 ms delay: hash-identical', async () => {
    const { a, b } = pipeLab(50, '{ delay=5000 downstream={ loss=3 } upstream={ loss=3 } }')
    const { cli, srv } = await connectedPair(a, b, B, 80, 5)
    const up = pattern(1_000_000, 4)
    const down = pattern(1_000_000, 5)
    const [, , gotUp, gotDown] = await Promise.all([
      cli.send(up).then(() => cli.shutdown(SHUT.WR)),
      srv.send(down).then(() => srv.shutdown(SHUT.WR)),
      readAll(srv),
      readAll(cli),
    ])
    assert.equal(sha256(gotUp), sha256(up))
    assert.equal(sha256(gotDown), sha256(down))
    for (const s of [a, b]) {
      assert.ok(counter(s, 'tcp', 'tcps_sndrexmitpack') > 0, 'losses were repaired by retransmission')
      assert.equal(counter(s, 'tcp', 'tcps_rcvbadsum'), 0)
    }
    assert.ok(cli.tcpInfo().retransmits > 0)
    // What arrived beyond a hole was kept (reassembly) and reported in SACK blocks.
    for (const s of [a, b]) {
      assert.ok(counter(s, 'tcp', 'tcps_rcvoopack') > 0)
      assert.ok(counter(s, 'tcp', 'tcps_sack_send_blocks') > 0)
      assert.ok(counter(s, 'tcp', 'tcps_sack_rcv_blocks') > 0)
      // The senders recovered from the scoreboard (RFC 6675), not only by timeouts.
      assert.ok(counter(s, 'tcp', 'tcps_sack_recovery_episode') > 0)
      assert.ok(counter(s, 'tcp', 'tcps_sack_rexmits') > 0)
    }
  })

  test('with net.inet.tcp.cc.algorithm=newreno and SACK off, a lossy transfer still completes', async () => {
    const { a, b } = pipeLab(54, '{ delay=2000 downstream={ loss=5 } }')
    for (const s of [a, b]) {
      s.sysctlSet('net.inet.tcp.cc.algorithm', 'newreno')
      s.sysctlSet('net.inet.tcp.sack.enable', '0')
    }
    const { cli, srv } = await connectedPair(a, b, B, 80, 5)
    assert.equal(cli.tcpInfo().options & 2, 0)
    const up = pattern(300_000, 6)
    const [, got] = await Promise.all([cli.send(up).then(() => cli.close()), readAll(srv)])
    assert.equal(sha256(got), sha256(up))
    assert.equal(counter(b, 'tcp', 'tcps_sack_send_blocks'), 0)
  })
})

describe('tcp: sysctls and statistics', () => {
  test("net.inet.tcp.* knobs carry FreeBSD's names and defaults; cc.algorithm refuses unknown modules", () => {
    const net = guard.track(pairNet(55))
    const a = net.sys('a')
    const want: Record<string, number | string> = {
      'net.inet.tcp.mssdflt': 536,
      'net.inet.tcp.sendspace': 32768,
      'net.inet.tcp.recvspace': 65536,
      'net.inet.tcp.rfc1323': 1,
      'net.inet.tcp.sack.enable': 1,
      'net.inet.tcp.delayed_ack': 1,
      'net.inet.tcp.delacktime': 40,
      'net.inet.tcp.msl': 30000,
      'net.inet.tcp.keepidle': 7200000,
      'net.inet.tcp.keepintvl': 75000,
      'net.inet.tcp.keepinit': 75000,
      'net.inet.tcp.rexmit_min': 30,
      'net.inet.tcp.rexmit_slop': 200,
      'net.inet.tcp.rexmit_initial': 1000,
      'net.inet.tcp.blackhole': 0,
      'net.inet.tcp.insecure_rst': 0,
      'net.inet.tcp.insecure_syn': 0,
      'net.inet.tcp.initcwnd_segments': 10,
      'net.inet.tcp.cc.algorithm': 'cubic',
      'kern.ipc.maxsockbuf': 2097152,
    }
    for (const [k, v] of Object.entries(want)) assert.equal(a.sysctlGet(k).value, v, k)
    assert.equal(
      errnoOf(() => a.sysctlSet('net.inet.tcp.cc.algorithm', 'bbr')),
      'ESRCH',
    )
    a.sysctlSet('net.inet.tcp.cc.algorithm', 'newreno')
    assert.equal(net.sys('b').sysctlGet('net.inet.tcp.cc.algorithm').value, 'cubic')
  })

  test('tcps_* counters: connects, bytes, and connections per state', async () => {
    const net = guard.track(pairNet(56))
    const a = net.sys('a')
    const { cli, srv } = await connectedPair(a, net.sys('b'), B, 80)
    await cli.send(pattern(10_000, 7))
    await srv.recv(10_000, MSG.WAITALL)
    assert.equal(counter(a, 'tcp', 'tcps_connects'), 1)
    assert.equal(counter(a, 'tcp', 'tcps_sndbyte'), 10_000)
    assert.equal(counter(a, 'tcp', 'tcps_states[4]'), 1)
    assert.equal(counter(net.sys('b'), 'tcp', 'tcps_states[1]'), 1)
  })
})

describe('tcp: ports, privileges, jails', () => {
  test('two vnet jails both listen on port 80; neither sees the other', async () => {
    const net = guard.track(pairNet(51))
    for (const j of ['a', 'b']) {
      const s = tcpSock(net.sys(j))
      s.bind({ addr: 0, port: 80 })
      s.listen(5)
      const again = tcpSock(net.sys(j))
      assert.equal(
        errnoOf(() => again.bind({ addr: 0, port: 80 })),
        'EADDRINUSE',
      )
      again.close()
    }
    assert.deepEqual(states(net.sys('a')), ['80>0 LISTEN'])
    assert.deepEqual(states(net.sys('b')), ['80>0 LISTEN'])
    assert.deepEqual(states(net.root), [])
    const c = tcpSock(net.sys('a'))
    await c.connect({ addr: B, port: 80 })
    assert.deepEqual(c.getpeername(), { addr: B, port: 80 })
  })

  test('a non-root user may not bind below 1024 (EACCES), root may; listen on a datagram socket fails', () => {
    const net = guard.track(pairNet(52))
    const user = net.sys('a').withUid(1001)
    assert.equal(
      errnoOf(() => tcpSock(user).bind({ addr: 0, port: 80 })),
      'EACCES',
    )
    tcpSock(user).bind({ addr: 0, port: 8080 })
    tcpSock(net.sys('a')).bind({ addr: 0, port: 80 })
    assert.equal(
      errnoOf(() => user.socket(AF_INET, SOCK.DGRAM).listen(1)),
      'EOPNOTSUPP',
    )
    assert.equal(
      errnoOf(() => user.socket(AF_INET, SOCK.STREAM, 17)),
      'EPROTONOSUPPORT',
    )
  })

  test('a jail on a shared stack binds only its own address; its wildcard becomes that address', async () => {
    const net = guard.track(pairNet(53))
    const b = net.sys('b')
    b.jailCreate([
      ['name', 'web'],
      ['ip4.addr', '10.0.0.2'],
      ['persist', true],
    ])
    const web = b.attach('web')
    const s = tcpSock(web)
    assert.equal(
      errnoOf(() => s.bind({ addr: ip('10.0.0.9'), port: 80 })),
      'EADDRNOTAVAIL',
    )
    s.bind({ addr: 0, port: 80 })
    assert.deepEqual(s.getsockname(), { addr: B, port: 80 })
    s.listen(5)
    const c = tcpSock(net.sys('a'))
    await c.connect({ addr: B, port: 80 })
    assert.equal((await s.accept()).from.addr, A)
    // The jail sees its own sockets only; its parent sees them all.
    assert.deepEqual(states(web).length, 2)
    assert.equal(states(b).length, 2)
  })
})

/** Send a bare TCP segment from `sys` (a raw socket, as an attacker would) src:sport -> dst:dport. */
function forge(
  sys: Syscalls,
  src: number,
  sport: number,
  dst: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
): void {
  const raw = sys.rawSocket(6)
  const seg = new Uint8Array(20)
  writeTcpHeader(seg, 0, sport, dport, seq >>> 0, ack >>> 0, flags, 65535, 0, null)
  tcpFinish(seg, 0, 20, src, dst)
  raw.send(dst, seg, { src })
  raw.close()
}

describe('tcp: RFC 5961, ICMP errors, keepalive', () => {
  test('an in-window RST at the wrong sequence number earns a challenge ACK; insecure_rst accepts it', async () => {
    const net = guard.track(pairNet(57))
    const a = net.sys('a')
    const b = net.sys('b')
    const { cli, srv } = await connectedPair(a, b, B, 80, 5)
    const port = cli.getsockname().port
    const nxt = srv.tcpInfo().rcvNxt
    const acksBefore = counter(b, 'tcp', 'tcps_sndacks')
    forge(a, A, port, B, 80, nxt + 100, 0, TH.RST)
    await net.sleep(MS)
    assert.equal(counter(b, 'tcp', 'tcps_badrst'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_sndacks'), acksBefore + 1)
    assert.equal(srv.tcpInfo().state, 4)
    // A SYN on the connection is challenged too (RFC 5961 §4).
    forge(a, A, port, B, 80, nxt + 5, 0, TH.SYN)
    await net.sleep(MS)
    assert.equal(counter(b, 'tcp', 'tcps_badsyn'), 1)
    assert.equal(srv.tcpInfo().state, 4)
    // The exact sequence number resets; so does any in-window one under insecure_rst.
    b.sysctlSet('net.inet.tcp.insecure_rst', '1')
    forge(a, A, port, B, 80, nxt + 100, 0, TH.RST)
    await net.sleep(MS)
    assert.equal(await errnoOfAsync(srv.recv(1)), 'ECONNRESET')
  })

  test('ICMP time exceeded aborts a connect in SYN_SENT; host unreachable is a soft error reported at timeout', async () => {
    const net = guard.track(chainNet(58))
    const a = net.sys('a')
    const s = tcpSock(a)
    s.setsockopt(0, 4, 1) // IP_TTL 1: the router answers with time exceeded
    assert.equal(await errnoOfAsync(s.connect({ addr: ip('10.0.2.1'), port: 80 })), 'EHOSTUNREACH')
    // No route at the router: host unreachable, remembered; the connect times out with it.
    const t = tcpSock(a)
    t.setsockopt(IPPROTO_TCP, 128, 3)
    const t0 = a.now()
    assert.equal(await errnoOfAsync(t.connect({ addr: ip('10.0.9.1'), port: 80 })), 'EHOSTUNREACH')
    assert.ok(a.now() - t0 >= 3 * SEC)
  })

  test('an answered keepalive probe makes the connection idle again: the next probe waits keepidle', async () => {
    const { a, b } = pipeLab(60, '{ delay=1000 }')
    const { cli } = await connectedPair(a, b, B, 80, 5)
    cli.setsockopt(SOL_SOCKET, SO.KEEPALIVE, 1)
    cli.setsockopt(IPPROTO_TCP, 256, 10) // TCP_KEEPIDLE
    cli.setsockopt(IPPROTO_TCP, 512, 2) // TCP_KEEPINTVL
    const probes = counter(a, 'tcp', 'tcps_keepprobe')
    // Probes at 10 s and, the first answered within 2 ms, at about 20 s: not every keepintvl.
    await a.nanosleep(25 * SEC)
    assert.equal(counter(a, 'tcp', 'tcps_keepprobe') - probes, 2)
    assert.equal(cli.tcpInfo().state, 4)
  })

  test('with net.inet.tcp.always_keepalive on both ends, idle connections probe once per keepidle', async () => {
    const { a, b } = pipeLab(61, '{ delay=1000 }')
    a.sysctlSet('net.inet.tcp.always_keepalive', '1')
    b.sysctlSet('net.inet.tcp.always_keepalive', '1')
    const { cli } = await connectedPair(a, b, B, 80, 5)
    const probes = () => counter(a, 'tcp', 'tcps_keepprobe') + counter(b, 'tcp', 'tcps_keepprobe')
    const before = probes()
    await a.nanosleep(4 * 3600 * SEC + SEC)
    // keepidle is 2 h: each end probes at most twice in 4 h, whoever is first resetting the other.
    assert.ok(probes() - before <= 4, `${probes() - before} probes`)
    assert.equal(cli.tcpInfo().state, 4)
  })

  test('keepalive probes an idle peer and drops the connection when it stays silent', async () => {
    const { a, b, setcfg } = pipeLab(59, '{ delay=1000 }')
    const { cli } = await connectedPair(a, b, B, 80, 5)
    cli.setsockopt(SOL_SOCKET, SO.KEEPALIVE, 1)
    cli.setsockopt(IPPROTO_TCP, 256, 10) // TCP_KEEPIDLE
    cli.setsockopt(IPPROTO_TCP, 512, 2) // TCP_KEEPINTVL
    cli.setsockopt(IPPROTO_TCP, 1024, 3) // TCP_KEEPCNT
    const reading = errnoOfAsync(cli.recv(1))
    await a.nanosleep(15 * SEC)
    assert.ok(counter(a, 'tcp', 'tcps_keepprobe') >= 1)
    assert.equal(cli.tcpInfo().state, 4, 'the peer answered the probes')
    // The peer vanishes: every frame is lost from now on.
    setcfg('{ downstream={ loss=100 } upstream={ loss=100 } }')
    await a.nanosleep(30 * SEC)
    assert.equal(await reading, 'ETIMEDOUT')
    assert.equal(counter(a, 'tcp', 'tcps_keepdrops'), 1)
  })
})
