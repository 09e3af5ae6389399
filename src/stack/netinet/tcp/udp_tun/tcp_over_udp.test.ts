/**
 * TCP over UDP's kernel sockets and ICMP through the tunnel, between vnet jails in virtual time:
 * net.inet.tcp.udp_tunneling_port binds UDP sockets of its own (an application then cannot bind the
 * port, and the sysctl fails with EADDRINUSE, as FreeBSD's sysctl(8) prints it, while one holds
 * it); netstat and sockstat list them as kernel sockets; an ICMP "fragmentation needed" or ICMPv6
 * Packet Too Big about a tunnelled segment shrinks the MSS with the UDP header's room kept, and a
 * port unreachable for a tunnelled SYN refuses the connect — when the error quotes the TCP header
 * behind the UDP one (FreeBSD's routers quote 8 bytes by default: then the error is ignored).
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../../host/host.js'
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  SHUT,
  SOCK,
  type SocketFd,
  type Syscalls,
  TCP_REMOTE_UDP_ENCAPS_PORT,
} from '../../../../host/syscalls.js'
import { nodeClockDriver } from '../../../../platform/node/clock_driver.js'
import { chainNet, netisrGuard, pairNet } from '../../../../testing/fixtures.js'
import { counter, errnoOf, ip, Net } from '../../../../testing/net.js'
import { sh } from '../../../../testing/net_lab.js'
import { addr6, ip6 } from '../../../../testing/net6.js'
import { pattern, readAll, sha256 } from '../../../../testing/tcp_lab.js'
import { SEC } from '../../../../util/clock.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const PORT = 'net.inet.tcp.udp_tunneling_port'

/** The errno a promise rejects with, or 'ok'. */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (e) {
    return (e as { code: string }).code
  }
}
const any6 = (port: number) => ({ addr: 0, port, addr6: ip6('::'), scopeId: 0 })

describe('the tunnel sockets (tcp_over_udp_start)', () => {
  test('the port is bound while set: an application bind fails (IPv4 and IPv6), a new port frees the old', () => {
    const a = guard.track(pairNet(81)).sys('a')
    a.sysctlSet(PORT, '9811')
    const u4 = a.socket(AF_INET, SOCK.DGRAM)
    const u6 = a.socket(AF_INET6, SOCK.DGRAM)
    assert.equal(
      errnoOf(() => u4.bind({ addr: 0, port: 9811 })),
      'EADDRINUSE',
    )
    assert.equal(
      errnoOf(() => u6.bind(any6(9811))),
      'EADDRINUSE',
    )
    // TCP's own port space is another: a TCP listener on 9811 is fine.
    a.socket(AF_INET, SOCK.STREAM).bind({ addr: 0, port: 9811 })
    // Moving the tunnel frees the old port and takes the new one.
    a.sysctlSet(PORT, '9812')
    u4.bind({ addr: 0, port: 9811 })
    assert.equal(
      errnoOf(() => u6.bind(any6(9812))),
      'EADDRINUSE',
    )
    // 0 closes the sockets.
    a.sysctlSet(PORT, '0')
    u6.bind(any6(9812))
    // Setting the same port again reopens them (the handler stops and starts).
    a.sysctlSet(PORT, '9813')
    a.sysctlSet(PORT, '9813')
    assert.equal(
      errnoOf(() => a.socket(AF_INET, SOCK.DGRAM).bind({ addr: 0, port: 9813 })),
      'EADDRINUSE',
    )
  })

  test('an application holding the port: the sysctl fails with EADDRINUSE and the port stays 0', async () => {
    const net = guard.track(pairNet(82))
    const a = net.sys('a')
    const held = a.socket(AF_INET, SOCK.DGRAM)
    held.bind({ addr: 0, port: 9811 })
    assert.equal(
      errnoOf(() => a.sysctlSet(PORT, '9811')),
      'EADDRINUSE',
    )
    assert.equal(a.sysctlGet(PORT).value, 0)
    // sysctl(8): the old value on stdout, then warn(3) naming the operand, exit 1.
    const r = await sh(net.host, `jexec a sysctl ${PORT}=9811; echo "exit $?"`)
    assert.equal(r.out, `${PORT}: 0\nexit 1\n`)
    assert.equal(r.err, `sysctl: ${PORT}=9811: Address already in use\n`)
    // An IPv6 holder too: the IPv4 socket opened first is closed again, its port free.
    held.close()
    const held6 = a.socket(AF_INET6, SOCK.DGRAM)
    held6.bind(any6(9811))
    assert.equal(
      errnoOf(() => a.sysctlSet(PORT, '9811')),
      'EADDRINUSE',
    )
    assert.equal(a.sysctlGet(PORT).value, 0)
    const free4 = a.socket(AF_INET, SOCK.DGRAM)
    free4.bind({ addr: 0, port: 9811 })
    free4.close()
    // Without a tunnel, a tunnelled connection cannot be asked for.
    assert.equal(
      errnoOf(() => a.socket(AF_INET, SOCK.STREAM).setsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, 9811)),
      'EINVAL',
    )
    // Out of range is EINVAL, and changes nothing.
    held6.close()
    a.sysctlSet(PORT, '9811')
    assert.equal(
      errnoOf(() => a.sysctlSet(PORT, '65536')),
      'EINVAL',
    )
    assert.equal(a.sysctlGet(PORT).value, 9811)
  })

  test('netstat -an lists the sockets; sockstat shows them with ? for user, command, pid and fd', async () => {
    const net = guard.track(pairNet(83))
    net.sys('a').sysctlSet(PORT, '9811')
    const r = await sh(net.host, 'jexec a netstat -an -p udp; jexec a sockstat -46')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /^udp4 +0 +0 +\*\.9811 +\*\.\* *$/m)
    assert.match(r.out, /^udp6 +0 +0 +\*\.9811 +\*\.\* *$/m)
    assert.match(r.out, /^\? +\? +\? +\? +udp4 +\*:9811 +\*:\* *$/m)
    assert.match(r.out, /^\? +\? +\? +\? +udp6 +\*:9811 +\*:\* *$/m)
    // Switched off, they are gone.
    net.sys('a').sysctlSet(PORT, '0')
    const off = await sh(net.host, 'jexec a netstat -an -p udp; jexec a sockstat -46')
    assert.doesNotMatch(off.out, /9811/)
  })
})

/** Send `data` over cli to the accepted end of lsn; what arrived. */
async function transfer(lsn: SocketFd, cli: SocketFd, data: Uint8Array): Promise<Uint8Array> {
  const { fd: srv } = await lsn.accept()
  const got = readAll(srv)
  await cli.send(data)
  cli.shutdown(SHUT.WR)
  const r = await got
  srv.close()
  return r
}

/** A tunnelled client socket of a toward port 80. */
function tunnelled(a: Syscalls, fam: number): SocketFd {
  const cli = a.socket(fam, SOCK.STREAM)
  cli.setsockopt(IPPROTO_TCP, TCP_REMOTE_UDP_ENCAPS_PORT, 9811)
  return cli
}

describe('ICMP about tunnelled segments (tcp_ctlinput_viaudp)', () => {
  test('IPv4: fragmentation needed across a 1280-byte hop shrinks the MSS to 1280 - 40 - 8', async () => {
    const net = guard.track(chainNet(84))
    const [a, r, b] = [net.sys('a'), net.sys('r'), net.sys('b')]
    r.ifSetMtu(net.ifName(1, 'a'), 1280)
    // A router quoting the TCP header behind the UDP one (FreeBSD's default quotes only 8 bytes).
    r.sysctlSet('net.inet.icmp.quotelen', '548')
    for (const s of [a, b]) s.sysctlSet(PORT, '9811')
    const lsn = b.socket(AF_INET, SOCK.STREAM)
    lsn.bind({ addr: 0, port: 80 })
    lsn.listen(4)
    const cli = tunnelled(a, AF_INET)
    await cli.connect({ addr: ip('10.0.2.1'), port: 80 })
    assert.equal(cli.tcpInfo().sndMss, 1452)
    const data = pattern(200_000, 5)
    assert.equal(sha256(await transfer(lsn, cli, data)), sha256(data))
    assert.equal(cli.tcpInfo().sndMss, 1232)
    assert.ok(counter(a, 'tcp', 'tcps_mturesent') >= 1)
    assert.ok(counter(r, 'ip', 'ips_cantfrag') > 0)
    cli.close()
  })

  test('IPv4: a router quoting only the UDP header (quotelen 8) is not believed', async () => {
    const net = guard.track(chainNet(85))
    const [a, r, b] = [net.sys('a'), net.sys('r'), net.sys('b')]
    r.ifSetMtu(net.ifName(1, 'a'), 1280)
    for (const s of [a, b]) s.sysctlSet(PORT, '9811')
    const lsn = b.socket(AF_INET, SOCK.STREAM)
    lsn.bind({ addr: 0, port: 80 })
    lsn.listen(4)
    const cli = tunnelled(a, AF_INET)
    await cli.connect({ addr: ip('10.0.2.1'), port: 80 })
    void cli.send(pattern(20_000, 6)).catch(() => {})
    await net.sleep(3 * SEC)
    assert.ok(counter(r, 'icmp', 'icps_error') > 0)
    assert.equal(counter(a, 'tcp', 'tcps_mturesent'), 0)
    assert.equal(cli.tcpInfo().sndMss, 1452)
    cli.close()
  })

  test('IPv4: port unreachable for a tunnelled SYN refuses the connect (net.inet.tcp.icmp_may_rst)', async () => {
    const net = guard.track(pairNet(86))
    const [a, b] = [net.sys('a'), net.sys('b')]
    a.sysctlSet(PORT, '9811')
    // b has no tunnel: UDP answers port unreachable, quoting enough to name the connection.
    b.sysctlSet('net.inet.icmp.quotelen', '548')
    const cli = tunnelled(a, AF_INET)
    const t0 = net.host.clock.now()
    assert.equal(await refusal(cli.connect({ addr: ip('10.0.0.2'), port: 80 })), 'ECONNREFUSED')
    assert.ok(net.host.clock.now() - t0 < SEC)
    assert.equal(counter(b, 'udp', 'udps_noport'), 1)
    // The same error quoting only the UDP header names no connection: the SYN is retried.
    b.sysctlSet('net.inet.icmp.quotelen', '8')
    const again = tunnelled(a, AF_INET)
    let outcome = 'pending'
    void again.connect({ addr: ip('10.0.0.2'), port: 80 }).then(
      () => {
        outcome = 'ok'
      },
      (e: { code: string }) => {
        outcome = e.code
      },
    )
    await net.sleep(4 * SEC)
    assert.equal(outcome, 'pending')
    assert.ok(counter(b, 'udp', 'udps_noport') >= 3)
    again.close()
  })
})

/** a — r — b over IPv6 (2001:db8:1::/64, 2001:db8:2::/64), r's link toward b 1280 bytes. */
async function routed6(seed: number): Promise<{ net: Net; a: Syscalls; r: Syscalls; b: Syscalls }> {
  const net = guard.track(
    new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
      jails: ['a', 'r', 'b'],
      links: [
        ['a', '', 'r', ''],
        ['r', '', 'b', ''],
      ],
    }),
  )
  const [a, r, b] = [net.sys('a'), net.sys('r'), net.sys('b')]
  addr6(a, 'epair0a', '2001:db8:1::2/64')
  addr6(r, 'epair0b', '2001:db8:1::1/64')
  addr6(r, 'epair1a', '2001:db8:2::1/64')
  addr6(b, 'epair1b', '2001:db8:2::2/64')
  a.inet6.routeAdd({ dst: ip6('::'), prefixLen: 0, gateway: ip6('2001:db8:1::1') })
  b.inet6.routeAdd({ dst: ip6('::'), prefixLen: 0, gateway: ip6('2001:db8:2::1') })
  r.sysctlSet('net.inet6.ip6.forwarding', '1')
  r.ifSetMtu('epair1a', 1280)
  await net.sleep(2 * SEC)
  return { net, a, r, b }
}

describe('ICMPv6 about tunnelled segments (tcp6_ctlinput_viaudp)', () => {
  test('Packet Too Big shrinks the MSS to 1280 - 60 - 8; the data arrives', async () => {
    const { a, b } = await routed6(87)
    for (const s of [a, b]) s.sysctlSet(PORT, '9811')
    const lsn = b.socket(AF_INET6, SOCK.STREAM)
    lsn.bind(any6(80))
    lsn.listen(4)
    const cli = tunnelled(a, AF_INET6)
    await cli.connect({ addr: 0, port: 80, addr6: ip6('2001:db8:2::2'), scopeId: 0 })
    assert.equal(cli.tcpInfo().sndMss, 1432)
    const data = pattern(100_000, 8)
    assert.equal(sha256(await transfer(lsn, cli, data)), sha256(data))
    assert.equal(cli.tcpInfo().sndMss, 1212)
    assert.ok(counter(a, 'tcp', 'tcps_mturesent') >= 1)
    cli.close()
  })

  test('port unreachable for a tunnelled SYN refuses the connect', async () => {
    const { a } = await routed6(88)
    a.sysctlSet(PORT, '9811')
    const cli = tunnelled(a, AF_INET6)
    assert.equal(
      await refusal(cli.connect({ addr: 0, port: 80, addr6: ip6('2001:db8:2::2'), scopeId: 0 })),
      'ECONNREFUSED',
    )
  })
})
