/**
 * Path MTU discovery between vnet jails in virtual time: a (10.0.1.1) — r — b (10.0.2.1), where r's
 * link toward b has MTU 1280 while both hosts' own links are 1500, so only r knows the path is narrow.
 * TCP sends with DF, r answers "fragmentation needed" with the next-hop MTU (RFC 1191), a's host cache
 * learns it, the connection's MSS drops and the data is resent smaller; forged errors outside the
 * window change nothing (RFC 5927), and a router that leaves the MTU zero gets the RFC 1191 plateau.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import {
  AF_INET,
  SHUT,
  SO,
  SOCK,
  SOL_SOCKET,
  type SocketFd,
  type Syscalls,
} from '../../../../host/syscalls.js'
import { chainNet, netisrGuard } from '../../../../testing/fixtures.js'
import { pattern } from '../../../../testing/frames.js'
import { counter, ip } from '../../../../testing/net.js'
import { sh } from '../../../../testing/net_lab.js'
import { readAll, sha256 } from '../../../../testing/tcp_lab.js'
import { writeU16, writeU32 } from '../../../../wire/addr.js'
import {
  ICMP_HDR_LEN,
  IcmpType,
  icmpFinish,
  UnreachCode,
  writeIcmpHeader,
} from '../../../../wire/inet/icmp.js'
import { IpProto } from '../../../../wire/inet/ipv4.js'
import { ipNextMtu } from '../../ip/ip_mtu.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const A = ip('10.0.1.1')
const B = ip('10.0.2.1')
/** The chain with r's link toward b narrowed to `mtu`; a listener on b:80 and a connection to it. */
async function narrowChain(seed: number, mtu = 1280) {
  const net = guard.track(chainNet(seed))
  net.sys('r').ifSetMtu(net.ifName(1, 'a'), mtu)
  const a = net.sys('a')
  const b = net.sys('b')
  const lsn = b.socket(AF_INET, SOCK.STREAM)
  lsn.bind({ addr: 0, port: 80 })
  lsn.listen(8)
  return { net, a, b, r: net.sys('r'), lsn }
}

async function connect(a: Syscalls, lsn: SocketFd): Promise<{ cli: SocketFd; srv: SocketFd }> {
  const cli = a.socket(AF_INET, SOCK.STREAM)
  const acc = lsn.accept()
  await cli.connect({ addr: B, port: 80 })
  return { cli, srv: (await acc).fd }
}

/**
 * A forged "fragmentation needed" from r to a about a's connection cli, quoting a segment with
 * sequence number `seq` and total length `quotedLen`, advertising `nextMtu`.
 */
function fragNeeded(r: Syscalls, cli: SocketFd, seq: number, nextMtu: number, quotedLen = 1500): void {
  const quote = new Uint8Array(28)
  quote[0] = 0x45
  writeU16(quote, 2, quotedLen)
  writeU16(quote, 6, 0x4000)
  quote[8] = 63
  quote[9] = IpProto.TCP
  writeU32(quote, 12, A)
  writeU32(quote, 16, B)
  writeU16(quote, 20, cli.getsockname().port)
  writeU16(quote, 22, 80)
  writeU32(quote, 24, seq >>> 0)
  const msg = new Uint8Array(ICMP_HDR_LEN + quote.length)
  writeIcmpHeader(msg, 0, IcmpType.UNREACH, UnreachCode.NEEDFRAG, nextMtu & 0xffff)
  msg.set(quote, ICMP_HDR_LEN)
  icmpFinish(msg, 0, msg.length)
  const raw = r.rawSocket(IpProto.ICMP)
  raw.send(A, msg)
  raw.close()
}

describe('tcp: path MTU discovery (RFC 1191)', () => {
  test('1 MB through a 1280-byte hop: frag-needed lowers the MSS, data resent, hash-identical', async () => {
    const { net, a, b, r, lsn } = await narrowChain(71)
    const { cli, srv } = await connect(a, lsn)
    // Both ends offered 1460: neither host can see the narrow hop.
    assert.equal(cli.tcpInfo().sndMss, 1460)
    const icmpBefore = counter(r, 'icmp', 'icps_error')
    const data = pattern(1_000_000, 3)
    const [, got] = await Promise.all([cli.send(data).then(() => cli.shutdown(SHUT.WR)), readAll(srv)])
    assert.equal(sha256(got), sha256(data))
    // r refused the DF datagrams it could not forward and said why.
    assert.ok(counter(r, 'icmp', 'icps_error') > icmpBefore)
    assert.ok(counter(r, 'ip', 'ips_cantfrag') > 0)
    // a believed it: one resend at the smaller size, the MSS now fits 1280.
    assert.equal(counter(a, 'tcp', 'tcps_mturesent'), 1)
    assert.equal(cli.tcpInfo().sndMss, 1240)
    assert.equal(counter(a, 'tcp', 'tcps_hc_added'), 1)
    assert.equal(a.sysctlGet('net.inet.tcp.hostcache.count').value, 1)
    // b never sent anything large toward a, and the return path is wide: it learned nothing.
    assert.equal(counter(b, 'tcp', 'tcps_mturesent'), 0)
    assert.equal(b.sysctlGet('net.inet.tcp.hostcache.count').value, 0)
    const r2 = await sh(
      net.host,
      'jexec a sysctl -n net.inet.tcp.hostcache.list; jexec a netstat -s -p tcp | grep MTU',
    )
    assert.equal(r2.status, 0, r2.err)
    // EXP counts down from net.inet.tcp.hostcache.expire (3600 s) since the entry was last used.
    assert.match(
      r2.out,
      /^\nIP address {8}MTU {2}SSTRESH {6}RTT {3}RTTVAR {5}CWND SENDPIPE RECVPIPE EXP\n10\.0\.2\.1 {9}1280 {8}0 {6}0ms {6}0ms {8}0 {8}0 {8}0 (3600|35\d\d)\n\n\t\t1 resend initiated by MTU discovery\n$/,
    )
    // A new connection to b starts at the learned size, with nothing more to discover.
    const again = await connect(a, lsn)
    assert.equal(again.cli.tcpInfo().sndMss, 1240)
    const [, got2] = await Promise.all([
      again.cli.send(pattern(100_000, 4)).then(() => again.cli.close()),
      readAll(again.srv),
    ])
    assert.equal(got2.length, 100_000)
    assert.equal(counter(a, 'tcp', 'tcps_mturesent'), 1)
    // The entry expires after net.inet.tcp.hostcache.expire seconds unused; purgenow empties it at once.
    a.sysctlSet('net.inet.tcp.hostcache.purgenow', '1')
    assert.equal(a.sysctlGet('net.inet.tcp.hostcache.count').value, 0)
  })

  test('with net.inet.tcp.path_mtu_discovery=0 segments go without DF and r fragments them', async () => {
    const { a, r, lsn } = await narrowChain(72)
    a.sysctlSet('net.inet.tcp.path_mtu_discovery', '0')
    const { cli, srv } = await connect(a, lsn)
    const data = pattern(200_000, 5)
    const [, got] = await Promise.all([cli.send(data).then(() => cli.shutdown(SHUT.WR)), readAll(srv)])
    assert.equal(sha256(got), sha256(data))
    assert.ok(counter(r, 'ip', 'ips_fragmented') > 0)
    assert.equal(counter(r, 'ip', 'ips_cantfrag'), 0)
    assert.equal(counter(a, 'tcp', 'tcps_mturesent'), 0)
    assert.equal(cli.tcpInfo().sndMss, 1460)
  })

  test('a frag-needed quoting a sequence number outside [snd_una, snd_max) is ignored (RFC 5927)', async () => {
    const { net, a, r, lsn } = await narrowChain(73, 1500)
    const { cli } = await connect(a, lsn)
    await cli.send(pattern(10_000, 6))
    await net.sleep(100_000_000)
    const una = cli.tcpInfo().sndNxt
    // Everything was acknowledged: no sequence number is in flight, so none may be quoted.
    for (const seq of [una, una - 5000, una + 100_000]) fragNeeded(r, cli, seq, 576)
    await net.sleep(10_000_000)
    assert.equal(cli.tcpInfo().sndMss, 1460)
    assert.equal(counter(a, 'tcp', 'tcps_mturesent'), 0)
    assert.equal(a.sysctlGet('net.inet.tcp.hostcache.count').value, 0)
  })

  test('a next-hop MTU of 0 (a pre-RFC 1191 router) takes the plateau below the quoted length', async () => {
    const { net, a, r, lsn } = await narrowChain(74, 1500)
    /**
     * A fresh connection with one segment in flight (the peer delays its ACK 40 ms); the forged
     * error quotes it.
     */
    const squeeze = async (nextMtu: number): Promise<number> => {
      const { cli } = await connect(a, lsn)
      void cli.send(pattern(1_000, 7)).catch(() => undefined)
      await net.sleep(1_000_000)
      fragNeeded(r, cli, cli.tcpInfo().sndNxt - 1, nextMtu, 1500)
      await net.sleep(1_000_000)
      const mss = cli.tcpInfo().sndMss
      cli.setsockopt(SOL_SOCKET, SO.LINGER, 0)
      cli.close()
      return mss
    }
    assert.equal(await squeeze(0), 1492 - 40)
    assert.equal(counter(a, 'tcp', 'tcps_mturesent'), 1)
    // An MTU below net.inet.tcp.minmss + 40 is raised to it.
    assert.equal(await squeeze(100), 216)
    assert.equal(counter(a, 'tcp', 'tcps_mturesent'), 2)
  })

  test('ip_next_mtu walks the RFC 1191 plateaus (with FreeBSD’s 1280)', () => {
    assert.equal(ipNextMtu(1500, 1), 1492)
    assert.equal(ipNextMtu(1492, 1), 1280)
    assert.equal(ipNextMtu(1280, 1), 1006)
    assert.equal(ipNextMtu(65535, 1), 32000)
    assert.equal(ipNextMtu(68, 1), 0)
    assert.equal(ipNextMtu(1500, -1), 2002)
    assert.equal(ipNextMtu(70000, -1), 0)
  })
})
