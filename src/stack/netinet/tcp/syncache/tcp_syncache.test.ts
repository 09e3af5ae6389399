/**
 * The syncache in virtual time, between vnet jails: a SYN makes an entry (SYN_RCVD in sockstat's
 * list, no socket), the final ACK the socket; SYN-ACK retransmission on FreeBSD's schedule up to
 * rexmtlimit, then the entry goes stale; duplicate SYNs; RSTs in SYN_RCVD by RFC 5961's rules;
 * SYN cookies (syncookies_only); and a 100k-SYN flood from spoofed addresses that the cache
 * survives bounded while a real client connects and a neighbouring vnet notices nothing.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../../host/host.js'
import { AF_INET, SOCK, type SocketFd, type Syscalls } from '../../../../host/syscalls.js'
import { nodeClockDriver } from '../../../../platform/node/clock_driver.js'
import { netisrGuard } from '../../../../testing/fixtures.js'
import { EtherType, ether, IpProto, ipv4 } from '../../../../testing/frames.js'
import { counter, ip, Net } from '../../../../testing/net.js'
import { formatTcpStats } from '../../../../userland/usr.bin/netstat/tcp.js'
import { MS, SEC } from '../../../../util/clock.js'
import { TcpOptions, TH, TOF, tcpFinish, writeTcpHeader } from '../../../../wire/inet/tcp.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const A = ip('10.0.0.1')
const B = ip('10.0.0.2')
const C = ip('10.0.1.2')
/** A spoofed peer somewhere beyond a (b's default route), which never answers. */
const X = ip('192.0.2.7')

/** a -- b and a -- c; b and c route everything else via a, which does not forward. */
function spoofNet(seed: number): Net {
  return guard.track(
    new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
      jails: ['a', 'b', 'c'],
      links: [
        ['a', '10.0.0.1/24', 'b', '10.0.0.2/24'],
        ['a', '10.0.1.1/24', 'c', '10.0.1.2/24'],
      ],
      routes: { b: [['default', '10.0.0.1']], c: [['default', '10.0.1.1']] },
    }),
  )
}

const tcpSock = (sys: Syscalls): SocketFd => sys.socket(AF_INET, SOCK.STREAM)

function listener(sys: Syscalls, port: number, backlog = 128): SocketFd {
  const s = tcpSock(sys)
  s.bind({ addr: 0, port })
  s.listen(backlog)
  return s
}

const sysctl = (sys: Syscalls, name: string): number => Number(sys.sysctlGet(name).value)

/** Forges segments to b as if they came over a's link from anywhere (a spoofing attacker). */
class Forger {
  private readonly dstMac: number
  private readonly srcMac: number
  private readonly seg = new Uint8Array(40)
  private readonly to = new TcpOptions()
  constructor(private readonly net: Net) {
    this.dstMac = net.sys('b').ifGet('epair0b').mac!
    this.srcMac = net.sys('a').ifGet('epair0a').mac!
  }

  send(src: number, sport: number, dport: number, seq: number, ack: number, flags: number, mss = 0): void {
    const to = this.to
    to.clear()
    if (mss !== 0) {
      to.flags |= TOF.MSS
      to.mss = mss
    }
    const hl = writeTcpHeader(
      this.seg,
      0,
      sport,
      dport,
      seq >>> 0,
      ack >>> 0,
      flags,
      65535,
      0,
      mss !== 0 ? to : null,
    )
    const seg = this.seg.subarray(0, hl)
    tcpFinish(seg, 0, hl, src, B)
    const frame = ether(
      this.dstMac,
      this.srcMac,
      EtherType.IPV4,
      ipv4({ src, dst: B, proto: IpProto.TCP, payload: seg }),
    )
    this.net.inject(this.net.ifp('b', 'epair0b'), frame)
  }
}

describe('syncache: entries, not sockets', () => {
  test('a SYN makes an entry listed as SYN_RCVD with no socket; the final ACK makes the connection', async () => {
    const net = spoofNet(201)
    const b = net.sys('b')
    const lsn = listener(b, 80)
    new Forger(net).send(X, 5555, 80, 1000, 0, TH.SYN, 1460)
    await net.sleep(10 * MS)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.count'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_sc_added'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_accepts'), 0)
    const rows = b.socketList().filter((s) => s.proto === 'tcp4')
    assert.deepEqual(
      rows.map((s) => `${s.fport} ${s.state}`),
      ['5555 SYN_RCVD', '0 LISTEN'],
    )
    assert.equal(
      await lsn.accept(0).then(
        () => 'ok',
        (e: { code: string }) => e.code,
      ),
      'EAGAIN',
    )
    // A real client completes its handshake; the socket exists from then on.
    const a = net.sys('a')
    const cli = tcpSock(a)
    const acc = lsn.accept()
    await cli.connect({ addr: B, port: 80 })
    const { fd, from } = await acc
    assert.equal(from.addr, A)
    await cli.send(new TextEncoder().encode('hello'))
    assert.equal(new TextDecoder().decode(await fd.recv(100)), 'hello')
    assert.equal(counter(b, 'tcp', 'tcps_sc_added'), 2)
    assert.equal(counter(b, 'tcp', 'tcps_sc_completed'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_accepts'), 1)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.count'), 1)
    const text = formatTcpStats(b.protoStats('tcp'), true)
    assert.match(text, /\n\t2 syncache entries added\n/)
    assert.match(text, /\n\t\t1 completed\n/)
    assert.match(text, /\n\t2 cookies sent\n/)
  })

  test('SYN-ACKs go again after 1, 2.2 and 4.2 s (rexmtlimit 3); after 8.2 s more the entry is stale', async () => {
    const net = spoofNet(202)
    const b = net.sys('b')
    listener(b, 80)
    new Forger(net).send(X, 5555, 80, 1000, 0, TH.SYN)
    const at = async (t: number): Promise<[number, number, number]> => {
      await net.sleep(t * MS - net.host.clock.now())
      return [
        counter(b, 'tcp', 'tcps_sc_retransmitted'),
        sysctl(b, 'net.inet.tcp.syncache.count'),
        counter(b, 'tcp', 'tcps_sc_stale'),
      ]
    }
    // tcp_rexmit_initial, then rexmit_initial * tcp_backoff[n] + rexmit_slop (TCPT_RANGESET).
    assert.deepEqual(await at(990), [0, 1, 0])
    assert.deepEqual(await at(1010), [1, 1, 0])
    assert.deepEqual(await at(3190), [1, 1, 0])
    assert.deepEqual(await at(3210), [2, 1, 0])
    assert.deepEqual(await at(7390), [2, 1, 0])
    assert.deepEqual(await at(7410), [3, 1, 0])
    assert.deepEqual(await at(15590), [3, 1, 0])
    assert.deepEqual(await at(15610), [3, 0, 1])
    assert.equal(b.socketList().filter((s) => s.state === 'SYN_RCVD').length, 0)
  })

  test('rexmtlimit is writable up to TCP_MAXRXTSHIFT; the table sizes are read-only', () => {
    const net = spoofNet(203)
    const b = net.sys('b')
    b.sysctlSet('net.inet.tcp.syncache.rexmtlimit', '12')
    assert.throws(() => b.sysctlSet('net.inet.tcp.syncache.rexmtlimit', '13'), { code: 'EINVAL' })
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.hashsize'), 512)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.bucketlimit'), 30)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.cachelimit'), 512 * 30)
    assert.equal(b.sysctlGet('net.inet.tcp.syncache.cachelimit').writable, false)
    assert.equal(b.sysctlGet('net.inet.tcp.syncache.count').writable, false)
  })

  test('a duplicate SYN is answered at once and restarts the retransmission count', async () => {
    const net = spoofNet(204)
    const b = net.sys('b')
    listener(b, 80)
    const f = new Forger(net)
    f.send(X, 5555, 80, 1000, 0, TH.SYN)
    await net.sleep(3500 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_sc_retransmitted'), 2)
    const acks = counter(b, 'tcp', 'tcps_sndacks')
    f.send(X, 5555, 80, 1000, 0, TH.SYN)
    await net.sleep(1 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_sc_dupsyn'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_sndacks'), acks + 1)
    // From here the schedule starts over: 1 s, then 2.2, 4.2, and stale 8.2 s later.
    await net.sleep(14_000 * MS)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.count'), 1)
    await net.sleep(1_700 * MS)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.count'), 0)
    assert.equal(counter(b, 'tcp', 'tcps_sc_retransmitted'), 5)
  })

  test('an ACK for no entry is reset; one with the wrong ACK number is reset and ends the entry', async () => {
    const net = spoofNet(205)
    const b = net.sys('b')
    listener(b, 80)
    const f = new Forger(net)
    f.send(X, 6000, 80, 77, 12345, TH.ACK)
    await net.sleep(1 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_sndctrl'), 1)
    f.send(X, 5555, 80, 1000, 0, TH.SYN)
    await net.sleep(1 * MS)
    f.send(X, 5555, 80, 1001, 12345, TH.ACK)
    await net.sleep(1 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_sndctrl'), 2)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.count'), 0)
    assert.equal(counter(b, 'tcp', 'tcps_sc_completed'), 0)
  })
})

describe('syncache: RSTs in SYN_RCVD (syncache_chkrst, RFC 5961 §3)', () => {
  test('outside the window ignored; in the window a challenge ACK; at RCV.NXT the entry is reset', async () => {
    const net = spoofNet(206)
    const b = net.sys('b')
    listener(b, 80)
    const f = new Forger(net)
    f.send(X, 5555, 80, 1000, 0, TH.SYN)
    await net.sleep(1 * MS)
    const acks = counter(b, 'tcp', 'tcps_sndacks')
    // RCV.NXT = 1001, RCV.WND = 65535 (the listener's 64 KB buffer, as an unscaled SYN-ACK offers it).
    f.send(X, 5555, 80, 1001 + 65535, 0, TH.RST)
    await net.sleep(1 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_badrst'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_sndacks'), acks)
    f.send(X, 5555, 80, 1001 + 65534, 0, TH.RST)
    await net.sleep(1 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_badrst'), 2)
    assert.equal(counter(b, 'tcp', 'tcps_sndacks'), acks + 1)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.count'), 1)
    f.send(X, 5555, 80, 1001, 0, TH.RST)
    await net.sleep(1 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_sc_reset'), 1)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.count'), 0)
  })

  test('net.inet.tcp.insecure_rst accepts any in-window RST', async () => {
    const net = spoofNet(207)
    const b = net.sys('b')
    b.sysctlSet('net.inet.tcp.insecure_rst', '1')
    listener(b, 80)
    const f = new Forger(net)
    f.send(X, 5555, 80, 1000, 0, TH.SYN)
    await net.sleep(1 * MS)
    f.send(X, 5555, 80, 1001 + 4000, 0, TH.RST)
    await net.sleep(1 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_sc_reset'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_badrst'), 0)
  })
})

describe('syncache: SYN cookies', () => {
  test('syncookies_only: no entries, and the ACK alone makes the connection with what the cookie kept', async () => {
    const net = spoofNet(208)
    const a = net.sys('a')
    const b = net.sys('b')
    b.sysctlSet('net.inet.tcp.syncookies_only', '1')
    const lsn = listener(b, 80)
    const cli = tcpSock(a)
    const acc = lsn.accept()
    await cli.connect({ addr: B, port: 80 })
    const { fd } = await acc
    assert.equal(counter(b, 'tcp', 'tcps_sc_added'), 0)
    assert.equal(counter(b, 'tcp', 'tcps_sc_sendcookie'), 1)
    assert.equal(counter(b, 'tcp', 'tcps_sc_recvcookie'), 1)
    const info = fd.tcpInfo()
    // MSS 1460 is in the table; window scale, SACK and timestamps (from the ACK) survive.
    assert.equal(info.sndMss, 1460)
    assert.equal(info.options, 7)
    assert.equal(info.sndWscale, cli.tcpInfo().rcvWscale)
    const sent = cli.send(new Uint8Array(100_000).fill(7))
    let got = 0
    while (got < 100_000) got += (await fd.recv(65536)).length
    await sent
    assert.equal(got, 100_000)
  })

  test('a forged cookie ACK is reset and makes nothing', async () => {
    const net = spoofNet(209)
    const b = net.sys('b')
    b.sysctlSet('net.inet.tcp.syncookies_only', '1')
    listener(b, 80)
    const f = new Forger(net)
    for (let i = 0; i < 200; i++) f.send(X, 7000 + i, 80, 5000, 0x1234567 + i * 7919, TH.ACK)
    await net.sleep(10 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_sc_recvcookie'), 0)
    assert.equal(counter(b, 'tcp', 'tcps_accepts'), 0)
    assert.equal(counter(b, 'tcp', 'tcps_sndctrl'), 200)
  })

  test('with syncookies off and the cache not overflowed, an ACK without an entry is reset', async () => {
    const net = spoofNet(210)
    const a = net.sys('a')
    const b = net.sys('b')
    b.sysctlSet('net.inet.tcp.syncookies', '0')
    const lsn = listener(b, 80)
    const cli = tcpSock(a)
    const acc = lsn.accept()
    await cli.connect({ addr: B, port: 80 })
    await acc
    assert.equal(counter(b, 'tcp', 'tcps_sc_sendcookie'), 0)
    assert.equal(counter(b, 'tcp', 'tcps_sc_completed'), 1)
  })
})

describe('syncache: a SYN flood', () => {
  test('100k spoofed SYNs: the cache stays within cachelimit, cookies answer, a real client gets through, c notices nothing', async () => {
    const net = spoofNet(211)
    const a = net.sys('a')
    const b = net.sys('b')
    const c = net.sys('c')
    const lsn = listener(b, 80)
    const clsn = listener(c, 80)
    const f = new Forger(net)
    const limit = sysctl(b, 'net.inet.tcp.syncache.cachelimit')
    let peak = 0
    const N = 100_000
    const BATCH = 500
    let x = 0x2c1b3c6d
    for (let i = 0; i < N; i += BATCH) {
      for (let j = 0; j < BATCH; j++) {
        // Sources all over 198.18.0.0/15 (RFC 2544's benchmarking range), ports all over.
        x = (Math.imul(x, 1103515245) + 12345) >>> 0
        f.send((0xc6120000 | (x >>> 15)) >>> 0, 1024 + (x & 0x7fff), 80, x, 0, TH.SYN, 1460)
      }
      await net.sleep(1 * MS)
      peak = Math.max(peak, sysctl(b, 'net.inet.tcp.syncache.count'))
    }
    assert.equal(counter(b, 'tcp', 'tcps_rcvtotal'), N)
    assert.ok(peak > 0 && peak <= limit, `peak ${peak} within ${limit}`)
    // Overflow paused the cache: from then on cookies answered, and no socket was made.
    assert.ok(counter(b, 'tcp', 'tcps_sc_bucketoverflow') >= 1)
    assert.equal(counter(b, 'tcp', 'tcps_sc_sendcookie'), N)
    assert.ok(counter(b, 'tcp', 'tcps_sc_added') < N / 2)
    assert.equal(counter(b, 'tcp', 'tcps_accepts'), 0)
    // A real client, during the pause, connects through a cookie and talks.
    const cli = tcpSock(a)
    const acc = lsn.accept()
    await cli.connect({ addr: B, port: 80 })
    const { fd } = await acc
    assert.equal(counter(b, 'tcp', 'tcps_sc_recvcookie'), 1)
    await cli.send(new TextEncoder().encode('GET /'))
    assert.equal(new TextDecoder().decode(await fd.recv(100)), 'GET /')
    await fd.send(new TextEncoder().encode('200 OK'))
    assert.equal(new TextDecoder().decode(await cli.recv(100)), '200 OK')
    // The neighbour: its own syncache, untouched by b's flood.
    const ccli = tcpSock(a)
    const cacc = clsn.accept()
    await ccli.connect({ addr: C, port: 80 })
    await cacc
    assert.equal(counter(c, 'tcp', 'tcps_sc_added'), 1)
    assert.equal(counter(c, 'tcp', 'tcps_sc_completed'), 1)
    assert.equal(counter(c, 'tcp', 'tcps_sc_bucketoverflow'), 0)
    assert.equal(counter(c, 'tcp', 'tcps_sc_recvcookie'), 0)
    // Entries made before the pause are dropped at their next timer while paused; the pause ends.
    await net.sleep(2 * SEC)
    assert.equal(sysctl(b, 'net.inet.tcp.syncache.count'), 0)
    await net.sleep(30 * SEC)
    const added = counter(b, 'tcp', 'tcps_sc_added')
    f.send(X, 5555, 80, 1000, 0, TH.SYN)
    await net.sleep(1 * MS)
    assert.equal(counter(b, 'tcp', 'tcps_sc_added'), added + 1, 'the cache keeps entries again')
  })
})
