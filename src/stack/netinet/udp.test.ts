/**
 * UDP sockets in virtual time, through the syscall boundary as programs use them: datagrams between
 * jails, each vnet's own port space, in_pcbbind's rules (reserved ports, SO_REUSEADDR/REUSEPORT,
 * ephemeral ports from net.inet.ip.portrange), connected sockets and ICMP errors, broadcast,
 * bounded receive buffers, shared-stack jails, and the errors FreeBSD returns.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { AF_INET, MSG, SO, SOCK, SOL_SOCKET, type SocketFd, type Syscalls } from '../../host/syscalls.js'
import { chainNet, netisrGuard, pairNet } from '../../testing/fixtures.js'
import { counter, errnoOf, ip, type Net } from '../../testing/net.js'
import { SEC } from '../../util/clock.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const SOCK_DGRAM = SOCK.DGRAM
const SOCK_STREAM = SOCK.STREAM
const A = ip('10.0.0.1')
const B = ip('10.0.0.2')
const text = (s: string) => new TextEncoder().encode(s)
const str = (d: Uint8Array) => new TextDecoder().decode(d)

const pair = (): Net => guard.track(pairNet(31))
const udpSock = (sys: Syscalls): SocketFd => sys.socket(AF_INET, SOCK_DGRAM)

/** An async call's SysError code, or 'ok'. */
async function errnoOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (e) {
    return (e as { code: string }).code
  }
}

describe('udp: datagrams between stacks', () => {
  test('sendto/recvfrom carry data and addresses; an unbound sender gets an ephemeral port', async () => {
    const net = pair()
    const srv = udpSock(net.sys('b'))
    srv.bind({ addr: 0, port: 5000 })
    const cli = udpSock(net.sys('a'))
    assert.equal(cli.sendto(text('hello'), { addr: B, port: 5000 }), 5)
    const got = await srv.recvfrom(100)
    assert.equal(str(got.data), 'hello')
    assert.equal(got.from.addr, A)
    const local = cli.getsockname()
    assert.equal(local.port, got.from.port)
    assert.ok(local.port >= 10000 && local.port <= 65535, `ephemeral port ${local.port}`)
    // The reply reaches the client's port.
    srv.sendto(text('world'), got.from)
    const back = await cli.recvfrom(100)
    assert.equal(str(back.data), 'world')
    assert.deepEqual(back.from, { addr: B, port: 5000 })
    assert.equal(counter(net.sys('a'), 'udp', 'udps_opackets'), 1)
    assert.equal(counter(net.sys('b'), 'udp', 'udps_ipackets'), 1)
  })

  test('across a router, and the checksum the sender computed is verified', async () => {
    const net = guard.track(chainNet(32))
    const srv = udpSock(net.sys('b'))
    srv.bind({ addr: ip('10.0.2.1'), port: 53 })
    udpSock(net.sys('a')).sendto(text('q'), { addr: ip('10.0.2.1'), port: 53 })
    assert.equal(str((await srv.recvfrom(10)).data), 'q')
    assert.equal(counter(net.sys('b'), 'udp', 'udps_badsum'), 0)
    assert.equal(counter(net.sys('b'), 'udp', 'udps_nosum'), 0)
  })

  test('MSG_PEEK leaves the datagram; a short buffer truncates with MSG_TRUNC', async () => {
    const net = pair()
    const srv = udpSock(net.sys('b'))
    srv.bind({ addr: B, port: 7 })
    udpSock(net.sys('a')).sendto(text('abcdef'), { addr: B, port: 7 })
    const peek = await srv.recvfrom(100, MSG.PEEK)
    assert.equal(str(peek.data), 'abcdef')
    const cut = await srv.recvfrom(3)
    assert.equal(str(cut.data), 'abc')
    assert.equal(cut.flags, MSG.TRUNC)
    assert.equal(await errnoOfAsync(srv.recvfrom(100, MSG.DONTWAIT)), 'EAGAIN')
  })

  test('a receive timeout passes in virtual time and reports EAGAIN', async () => {
    const net = pair()
    const s = udpSock(net.sys('b'))
    s.bind({ addr: 0, port: 9 })
    const t0 = net.root.now()
    assert.equal(await errnoOfAsync(s.recvfrom(10, 0, 2 * SEC)), 'EAGAIN')
    assert.equal(net.root.now() - t0, 2 * SEC)
    s.setNonBlocking(true)
    assert.equal(await errnoOfAsync(s.recvfrom(10)), 'EAGAIN')
  })
})

describe('udp: binding (in_pcbbind)', () => {
  test('each vnet has its own port space', () => {
    const net = pair()
    udpSock(net.sys('a')).bind({ addr: 0, port: 80 })
    udpSock(net.sys('b')).bind({ addr: 0, port: 80 })
    udpSock(net.sys('')).bind({ addr: 0, port: 80 })
    assert.equal(
      errnoOf(() => udpSock(net.sys('a')).bind({ addr: 0, port: 80 })),
      'EADDRINUSE',
    )
  })

  test('reserved ports need privilege; a jail root has it, nobody does not', () => {
    const net = pair()
    const nobody = net.root.attach('a', 65534)
    assert.equal(
      errnoOf(() => udpSock(nobody).bind({ addr: 0, port: 1023 })),
      'EACCES',
    )
    assert.equal(
      errnoOf(() => udpSock(nobody).bind({ addr: 0, port: 1024 })),
      'ok',
    )
    assert.equal(
      errnoOf(() => udpSock(net.sys('a')).bind({ addr: 0, port: 53 })),
      'ok',
    )
  })

  test('SO_REUSEADDR allows a specific address beside the wildcard; SO_REUSEPORT lets both share', () => {
    const net = pair()
    const sys = net.sys('a')
    udpSock(sys).bind({ addr: 0, port: 6000 })
    assert.equal(
      errnoOf(() => udpSock(sys).bind({ addr: A, port: 6000 })),
      'EADDRINUSE',
    )
    const s = udpSock(sys)
    s.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
    assert.equal(
      errnoOf(() => s.bind({ addr: A, port: 6000 })),
      'ok',
    )
    // The exact same address twice needs SO_REUSEPORT on both.
    const p1 = udpSock(sys)
    p1.setsockopt(SOL_SOCKET, SO.REUSEPORT, 1)
    p1.bind({ addr: A, port: 7000 })
    const p2 = udpSock(sys)
    p2.setsockopt(SOL_SOCKET, SO.REUSEPORT, 1)
    assert.equal(
      errnoOf(() => p2.bind({ addr: A, port: 7000 })),
      'ok',
    )
    const p3 = udpSock(sys)
    p3.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
    assert.equal(
      errnoOf(() => p3.bind({ addr: A, port: 7000 })),
      'EADDRINUSE',
    )
  })

  test('an address the stack does not have cannot be bound; binding twice is EINVAL', () => {
    const net = pair()
    const s = udpSock(net.sys('a'))
    assert.equal(
      errnoOf(() => s.bind({ addr: B, port: 1 + 5000 })),
      'EADDRNOTAVAIL',
    )
    s.bind({ addr: A, port: 5001 })
    assert.equal(
      errnoOf(() => s.bind({ addr: A, port: 5002 })),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => s.bind({ addr: -1, port: 5 })),
      'EINVAL',
    )
  })

  test('ephemeral ports come from net.inet.ip.portrange and run out with EADDRNOTAVAIL', () => {
    const net = pair()
    const sys = net.sys('a')
    sys.sysctlSet('net.inet.ip.portrange.first', '40000')
    sys.sysctlSet('net.inet.ip.portrange.last', '40002')
    const ports = [0, 1, 2].map(() => {
      const s = udpSock(sys)
      s.bind({ addr: 0, port: 0 })
      return s.getsockname().port
    })
    assert.deepEqual([...ports].sort(), [40000, 40001, 40002])
    assert.equal(
      errnoOf(() => udpSock(sys).bind({ addr: 0, port: 0 })),
      'EADDRNOTAVAIL',
    )
  })

  test('only inet and inet6 datagram and stream sockets exist; other families, types and protocols are refused', () => {
    const net = pair()
    // AF_UNIX (1) and AF_ROUTE (17) are no Internet families; AF_INET6 (28) is one.
    for (const af of [1, 17])
      assert.equal(
        errnoOf(() => net.root.socket(af, SOCK_DGRAM)),
        'EAFNOSUPPORT',
      )
    net.root.socket(28, SOCK_DGRAM).close()
    assert.equal(
      errnoOf(() => net.root.socket(28, SOCK_DGRAM, 6)),
      'EPROTONOSUPPORT',
    )
    assert.equal(
      errnoOf(() => net.root.socket(AF_INET, SOCK_STREAM, 17)),
      'EPROTONOSUPPORT',
    )
    assert.equal(
      errnoOf(() => net.root.socket(AF_INET, SOCK_DGRAM, 6)),
      'EPROTONOSUPPORT',
    )
  })
})

describe('udp: connected sockets and ICMP errors', () => {
  test('a connected socket hears only its peer and gets ECONNREFUSED from a port unreachable', async () => {
    const net = pair()
    const c = udpSock(net.sys('a'))
    await c.connect({ addr: B, port: 4444 })
    assert.deepEqual(c.getpeername(), { addr: B, port: 4444 })
    assert.equal(c.getsockname().addr, A)
    assert.equal(
      errnoOf(() => c.sendto(text('x'), { addr: B, port: 4444 })),
      'EISCONN',
    )
    c.sendto(text('x'))
    // Nobody listens on b: its ICMP port unreachable comes back as so_error, reported once.
    assert.equal(await errnoOfAsync(c.recvfrom(10)), 'ECONNREFUSED')
    assert.equal(counter(net.sys('b'), 'udp', 'udps_noport'), 1)
    assert.equal(c.getsockopt(SOL_SOCKET, SO.ERROR), 0)
    // Datagrams from anyone but the peer are not delivered to it.
    const other = udpSock(net.sys('b'))
    other.bind({ addr: B, port: 5555 })
    other.sendto(text('spam'), c.getsockname())
    assert.equal(await errnoOfAsync(c.recvfrom(10, 0, SEC)), 'EAGAIN')
    c.disconnect()
    assert.equal(
      errnoOf(() => c.getpeername()),
      'ENOTCONN',
    )
  })

  test('an unconnected socket is not told of ICMP errors, and blackhole sends none', async () => {
    const net = pair()
    const s = udpSock(net.sys('a'))
    s.sendto(text('x'), { addr: B, port: 4444 })
    assert.equal(await errnoOfAsync(s.recvfrom(10, 0, SEC)), 'EAGAIN')
    assert.equal(counter(net.sys('a'), 'icmp', 'icps_inhist[3]'), 1)
    net.sys('b').sysctlSet('net.inet.udp.blackhole', '1')
    s.sendto(text('x'), { addr: B, port: 4444 })
    await net.sleep(SEC)
    assert.equal(counter(net.sys('a'), 'icmp', 'icps_inhist[3]'), 1)
    assert.equal(counter(net.sys('b'), 'udp', 'udps_noport'), 2)
  })

  test('sends after shutdown(SHUT_WR) fail with EPIPE', () => {
    const net = pair()
    const s = udpSock(net.sys('a'))
    s.shutdown(1)
    assert.equal(
      errnoOf(() => s.sendto(text('x'), { addr: B, port: 1 })),
      'EPIPE',
    )
  })
})

describe('udp: broadcast, bounds, jails', () => {
  test('broadcast needs SO_BROADCAST and reaches every socket sharing the port', async () => {
    const net = pair()
    const bcast = ip('10.0.0.255')
    const tx = udpSock(net.sys('a'))
    assert.equal(
      errnoOf(() => tx.sendto(text('all'), { addr: bcast, port: 520 })),
      'EACCES',
    )
    tx.setsockopt(SOL_SOCKET, SO.BROADCAST, 1)
    const rx = [0, 1].map(() => {
      const s = udpSock(net.sys('b'))
      s.setsockopt(SOL_SOCKET, SO.REUSEPORT, 1)
      s.bind({ addr: 0, port: 520 })
      return s
    })
    const bound = udpSock(net.sys('b'))
    bound.setsockopt(SOL_SOCKET, SO.REUSEPORT, 1)
    bound.bind({ addr: B, port: 520 })
    tx.sendto(text('all'), { addr: bcast, port: 520 })
    for (const s of rx) assert.equal(str((await s.recvfrom(10)).data), 'all')
    // A socket bound to a unicast address does not hear broadcasts (udp_multi_input).
    assert.equal(await errnoOfAsync(bound.recvfrom(10, MSG.DONTWAIT)), 'EAGAIN')
  })

  test('the sender hears its own broadcast, looped back by its simplex interface (if_simloop)', async () => {
    const net = pair()
    const a = net.sys('a')
    const rx = udpSock(a)
    rx.bind({ addr: 0, port: 5353 })
    const tx = udpSock(a)
    tx.setsockopt(SOL_SOCKET, SO.BROADCAST, 1)
    tx.sendto(text('me too'), { addr: ip('10.0.0.255'), port: 5353 })
    const got = await rx.recvfrom(10)
    assert.equal(str(got.data), 'me too')
    assert.equal(got.from.addr, A)
    // Once, not twice.
    assert.equal(await errnoOfAsync(rx.recvfrom(10, MSG.DONTWAIT)), 'EAGAIN')
  })

  test('a full receive buffer drops and counts (udps_fullsock); it never grows', async () => {
    const net = pair()
    const rx = udpSock(net.sys('b'))
    rx.setsockopt(SOL_SOCKET, SO.RCVBUF, 1000)
    rx.bind({ addr: 0, port: 9999 })
    const tx = udpSock(net.sys('a'))
    for (let i = 0; i < 20; i++) tx.sendto(new Uint8Array(100), { addr: B, port: 9999 })
    // Each queued datagram costs its data and its address (16 bytes): 8 fit in 1000 bytes.
    let n = 0
    while ((await errnoOfAsync(rx.recvfrom(200, MSG.DONTWAIT))) === 'ok') n++
    assert.equal(n, 8)
    assert.equal(counter(net.sys('b'), 'udp', 'udps_fullsock'), 12)
    assert.equal(
      errnoOf(() => rx.setsockopt(SOL_SOCKET, SO.RCVBUF, 1 << 30)),
      'ENOBUFS',
    )
  })

  test('a jail on a shared stack binds only its own address, and sees only its own sockets', async () => {
    const net = pair()
    const a = net.sys('a')
    a.ifAddAddr(net.ifName(0, 'a'), ip('10.0.0.3'), 24, { alias: true })
    a.jailCreate([
      ['name', 'n'],
      ['persist', true],
      ['ip4.addr', '10.0.0.3'],
    ])
    const n = net.root.attach('a.n')
    const s = udpSock(n)
    s.bind({ addr: 0, port: 8000 })
    // The wildcard becomes the jail's one address (prison_local_ip4).
    assert.deepEqual(s.getsockname(), { addr: ip('10.0.0.3'), port: 8000 })
    const refused = udpSock(n)
    assert.equal(
      errnoOf(() => refused.bind({ addr: A, port: 8001 })),
      'EADDRNOTAVAIL',
    )
    refused.close()
    udpSock(a).bind({ addr: A, port: 8002 })
    assert.deepEqual(
      n.socketList().map((i) => i.lport),
      [8000],
    )
    assert.deepEqual(
      a
        .socketList()
        .map((i) => i.lport)
        .sort(),
      [8000, 8002],
    )
    // A datagram to the jail's address reaches it.
    udpSock(net.sys('b')).sendto(text('in'), { addr: ip('10.0.0.3'), port: 8000 })
    assert.equal(str((await s.recvfrom(10)).data), 'in')
    // A jail without IPv4 addresses has no IPv4 sockets (socreate: prison_check_af → EPROTONOSUPPORT).
    a.jailCreate([
      ['name', 'none'],
      ['persist', true],
    ])
    assert.equal(
      errnoOf(() => udpSock(net.root.attach('a.none'))),
      'EPROTONOSUPPORT',
    )
  })

  test('removing a jail wakes its blocked readers with an error', async () => {
    const net = pair()
    const s = udpSock(net.sys('b'))
    s.bind({ addr: 0, port: 1234 })
    const pending = errnoOfAsync(s.recvfrom(10))
    net.root.jailRemove('b')
    assert.equal(await pending, 'ENETDOWN')
  })

  test('closing frees the port and makes every call EBADF', async () => {
    const net = pair()
    const sys = net.sys('a')
    const s = udpSock(sys)
    s.bind({ addr: 0, port: 3000 })
    s.close()
    assert.equal(
      errnoOf(() => s.bind({ addr: 0, port: 3001 })),
      'EBADF',
    )
    assert.equal(await errnoOfAsync(s.recvfrom(1)), 'EBADF')
    assert.equal(
      errnoOf(() => udpSock(sys).bind({ addr: 0, port: 3000 })),
      'ok',
    )
    assert.deepEqual(
      sys.socketList().map((i) => i.lport),
      [3000],
    )
  })
})
