/**
 * TCP and UDP over IPv6 between vnets, in virtual time: a connection and datagrams across a router,
 * a dual-stack listener taking IPv4 and IPv6 clients (and IPV6_V6ONLY refusing the IPv4 one), an
 * ICMPv6 port unreachable reaching a connected UDP socket, and TCP shrinking its segments after the
 * router's Packet Too Big. Every test checks that no exception reached the run-queue.
 */

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../host/host.js'
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_UNICAST_HOPS,
  IPV6_V6ONLY,
  SOCK,
  type SocketFd,
  type Syscalls,
} from '../../host/syscalls.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { counter, ip, Net } from '../../testing/net.js'
import { addr6, ip6 } from '../../testing/net6.js'
import { SEC } from '../../util/clock.js'
import { formatIpv6 } from '../../wire/inet6/in6_addr.js'

let current: Net | null = null

afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

/** a — r — b, IPv6 only: 2001:db8:1::/64 and 2001:db8:2::/64, r forwarding, defaults both ways. */
async function routed(seed: number): Promise<{ n: Net; a: Syscalls; r: Syscalls; b: Syscalls }> {
  const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
    jails: ['a', 'r', 'b'],
    links: [
      ['a', '', 'r', ''],
      ['r', '', 'b', ''],
    ],
  })
  current = n
  const [a, r, b] = [n.sys('a'), n.sys('r'), n.sys('b')]
  addr6(a, 'epair0a', '2001:db8:1::2/64')
  addr6(r, 'epair0b', '2001:db8:1::1/64')
  addr6(r, 'epair1a', '2001:db8:2::1/64')
  addr6(b, 'epair1b', '2001:db8:2::2/64')
  a.inet6.routeAdd({ dst: ip6('::'), prefixLen: 0, gateway: ip6('2001:db8:1::1') })
  b.inet6.routeAdd({ dst: ip6('::'), prefixLen: 0, gateway: ip6('2001:db8:2::1') })
  r.sysctlSet('net.inet6.ip6.forwarding', '1')
  await n.sleep(2 * SEC)
  return { n, a, r, b }
}

const sa6 = (s: string, port: number) => ({ addr: 0, port, addr6: ip6(s), scopeId: 0 })

function pattern(n: number): Uint8Array {
  const d = new Uint8Array(n)
  for (let i = 0; i < n; i++) d[i] = (i * 7 + (i >>> 8)) & 0xff
  return d
}

const sha = (d: Uint8Array): string => createHash('sha256').update(d).digest('hex')

async function readAll(fd: SocketFd): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for (;;) {
    const c = await fd.recv(65536)
    if (c.length === 0) break
    parts.push(c)
  }
  return Buffer.concat(parts)
}

async function errnoOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (e) {
    return (e as { code: string }).code
  }
}

/** Send `data` from cli to the accepted end of lsn and return what arrived. */
async function transfer(lsn: SocketFd, cli: SocketFd, data: Uint8Array): Promise<Uint8Array> {
  const accepted = lsn.accept()
  const { fd: srv } = await accepted
  const got = readAll(srv)
  await cli.send(data)
  cli.shutdown(1)
  const r = await got
  srv.close()
  return r
}

describe('TCP over IPv6', () => {
  test('a connection across a router: names, 200 kB intact, tcp6 in the socket list', async () => {
    const { a, b } = await routed(61)
    const lsn = b.socket(AF_INET6, SOCK.STREAM)
    lsn.bind(sa6('::', 80))
    lsn.listen(5)
    const cli = a.socket(AF_INET6, SOCK.STREAM)
    await cli.connect(sa6('2001:db8:2::2', 80))
    const me = cli.getsockname()
    assert.equal(formatIpv6(me.addr6!), '2001:db8:1::2', 'source chosen toward the peer')
    assert.equal(formatIpv6(cli.getpeername().addr6!), '2001:db8:2::2')
    const data = pattern(200_000)
    const accepted = lsn.accept()
    const { fd: srv, from } = await accepted
    assert.equal(formatIpv6(from.addr6!), '2001:db8:1::2')
    assert.equal(from.port, me.port)
    const rows = b.socketList().filter((s) => s.proto === 'tcp6')
    assert.deepEqual(rows.map((s) => `${s.lport}>${s.fport} ${s.state}`).sort(), [
      '80>0 LISTEN',
      `80>${me.port} ESTABLISHED`,
    ])
    const got = readAll(srv)
    await cli.send(data)
    cli.shutdown(1)
    assert.equal(sha(await got), sha(data))
    // 1500-byte links: segments of 1440 bytes (the MTU less 60), as offered in the SYN.
    assert.equal(cli.tcpInfo().sndMss, 1440)
    srv.close()
    cli.close()
    lsn.close()
  })

  test('Packet Too Big from the router shrinks the segments; the data still arrives', async () => {
    const { a, r, b } = await routed(62)
    // Only the router's link toward b is narrow: neither end can know it before the error.
    r.ifSetMtu('epair1a', 1280)
    const lsn = b.socket(AF_INET6, SOCK.STREAM)
    lsn.bind(sa6('::', 80))
    lsn.listen(5)
    const cli = a.socket(AF_INET6, SOCK.STREAM)
    await cli.connect(sa6('2001:db8:2::2', 80))
    assert.equal(cli.tcpInfo().sndMss, 1440, 'both ends see 1500-byte links')
    const data = pattern(50_000)
    assert.equal(sha(await transfer(lsn, cli, data)), sha(data))
    assert.equal(cli.tcpInfo().sndMss, 1220, '1280 less 60')
    assert.ok(counter(a, 'tcp', 'tcps_mturesent') >= 1)
    cli.close()
    lsn.close()
  })

  test('IPV6_UNICAST_HOPS sets the hop limit; getsockopt reads it back', async () => {
    const { a } = await routed(63)
    const s = a.socket(AF_INET6, SOCK.STREAM)
    assert.equal(s.getsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS), 64)
    s.setsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 7)
    assert.equal(s.getsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS), 7)
    assert.throws(() => s.setsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 256), { code: 'EINVAL' })
    s.close()
  })
})

describe('dual stack', () => {
  async function both(seed: number) {
    const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
      jails: ['a', 'b'],
      links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']],
    })
    current = n
    const [a, b] = [n.sys('a'), n.sys('b')]
    addr6(a, 'epair0a', '2001:db8::1/64')
    addr6(b, 'epair0b', '2001:db8::2/64')
    await n.sleep(2 * SEC)
    return { n, a, b }
  }

  test('without IPV6_V6ONLY a [::] listener takes IPv4 clients as ::ffff:a.b.c.d, and IPv6 ones', async () => {
    const { a, b } = await both(64)
    const lsn = b.socket(AF_INET6, SOCK.STREAM)
    assert.equal(lsn.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY), 1, 'net.inet6.ip6.v6only=1 by default')
    lsn.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0)
    lsn.bind(sa6('::', 80))
    lsn.listen(5)
    assert.deepEqual(
      b.socketList().map((s) => `${s.proto} ${s.lport}`),
      ['tcp46 80'],
    )
    const c4 = a.socket(AF_INET, SOCK.STREAM)
    await c4.connect({ addr: ip('10.0.0.2'), port: 80 })
    const { fd: s4, from: f4 } = await lsn.accept()
    assert.equal(formatIpv6(f4.addr6!), '::ffff:10.0.0.1')
    assert.equal(formatIpv6(s4.getsockname().addr6!), '::ffff:10.0.0.2')
    const c6 = a.socket(AF_INET6, SOCK.STREAM)
    await c6.connect(sa6('2001:db8::2', 80))
    const { fd: s6, from: f6 } = await lsn.accept()
    assert.equal(formatIpv6(f6.addr6!), '2001:db8::1')
    const procs = b
      .socketList()
      .map((s) => s.proto)
      .sort()
    assert.deepEqual(procs, ['tcp4', 'tcp46', 'tcp6'])
    const d = pattern(3000)
    const got = s4.recv(1000, 0x40)
    await c4.send(d.subarray(0, 1000))
    assert.equal((await got).length, 1000)
    for (const f of [c4, c6, s4, s6, lsn]) f.close()
  })

  test('with IPV6_V6ONLY an IPv4 client is refused, and an AF_INET socket may share the port', async () => {
    const { a, b } = await both(65)
    const lsn = b.socket(AF_INET6, SOCK.STREAM)
    lsn.bind(sa6('::', 80))
    lsn.listen(5)
    const c4 = a.socket(AF_INET, SOCK.STREAM)
    assert.equal(await errnoOf(c4.connect({ addr: ip('10.0.0.2'), port: 80 })), 'ECONNREFUSED')
    c4.close()
    const l4 = b.socket(AF_INET, SOCK.STREAM)
    l4.bind({ addr: 0, port: 80 })
    l4.listen(5)
    const c = a.socket(AF_INET, SOCK.STREAM)
    await c.connect({ addr: ip('10.0.0.2'), port: 80 })
    const { from } = await l4.accept()
    assert.equal(from.addr6, undefined)
    // A v4-mapped peer is refused on a V6ONLY socket.
    const m = a.socket(AF_INET6, SOCK.STREAM)
    assert.equal(await errnoOf(m.connect(sa6('::ffff:10.0.0.2', 80))), 'EINVAL')
    // Without V6ONLY the same port cannot be bound twice (the IPv4 listener holds it).
    const dual = b.socket(AF_INET6, SOCK.STREAM)
    dual.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0)
    assert.throws(() => dual.bind(sa6('::', 80)), { code: 'EADDRINUSE' })
    for (const f of [c, m, dual, l4, lsn]) f.close()
  })
})

describe('UDP over IPv6', () => {
  test('datagrams across a router, with the sender as recvfrom reports it', async () => {
    const { a, b } = await routed(66)
    const srv = b.socket(AF_INET6, SOCK.DGRAM)
    srv.bind(sa6('::', 5353))
    const cli = a.socket(AF_INET6, SOCK.DGRAM)
    cli.sendto(new TextEncoder().encode('hello'), sa6('2001:db8:2::2', 5353))
    const r = await srv.recvfrom(100, 0, 5 * SEC)
    assert.equal(new TextDecoder().decode(r.data), 'hello')
    assert.equal(formatIpv6(r.from.addr6!), '2001:db8:1::2')
    assert.equal(r.from.port, cli.getsockname().port)
    srv.sendto(new TextEncoder().encode('back'), r.from)
    const r2 = await cli.recvfrom(100, 0, 5 * SEC)
    assert.equal(new TextDecoder().decode(r2.data), 'back')
    assert.equal(counter(b, 'udp', 'udps_ipackets'), 1)
    assert.deepEqual(
      b.socketList().map((s) => `${s.proto} ${s.lport}`),
      ['udp6 5353'],
    )
  })

  test('ICMPv6 port unreachable reaches a connected socket as ECONNREFUSED', async () => {
    const { a, b } = await routed(67)
    const cli = a.socket(AF_INET6, SOCK.DGRAM)
    await cli.connect(sa6('2001:db8:2::2', 9999))
    cli.sendto(new Uint8Array(10))
    assert.equal(await errnoOf(cli.recvfrom(100, 0, 5 * SEC)), 'ECONNREFUSED')
    assert.equal(counter(b, 'udp', 'udps_noport'), 1)
    // An unconnected socket hears nothing of it.
    const u = a.socket(AF_INET6, SOCK.DGRAM)
    u.sendto(new Uint8Array(10), sa6('2001:db8:2::2', 9999))
    assert.equal(await errnoOf(u.recvfrom(100, 0, 2 * SEC)), 'EAGAIN')
  })
})
