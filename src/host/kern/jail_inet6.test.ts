/**
 * IPv6 in jails that share their parent's stack (FreeBSD's prison_ip6 rules, netinet6/in6_jail.c),
 * in virtual time: ip6.addr / ip6=new|inherit|disable as jail_set takes them, sockets binding,
 * connecting and hearing only the jail's addresses (the wildcard and ::1 standing for them), the
 * source chosen among them (or the primary one under ip6.nosaddrsel), raw ICMPv6 sockets limited
 * the same way, and what such a jail sees of the stack (addresses, routes, sockets).
 *
 * The world: the host (vnet0) has epair0a 2001:db8::1/64 with aliases ::5 and ::6, and epair1a
 * 2001:db8:1::1/64 with alias 2001:db8:1::5; vnet jail b owns epair0b 2001:db8::2/64 (default route
 * via the host, which forwards). Jails sharing vnet0: p (ip6.addr=2001:db8:1::5,2001:db8::5),
 * d (nothing said: IPv6 disabled), i (ip6=inherit: unrestricted).
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { errnoOf, Net } from '../../testing/net.js'
import { sh } from '../../testing/net_lab.js'
import { addr6, echo6, ip6 } from '../../testing/net6.js'
import { SEC } from '../../util/clock.js'
import { Icmp6Type } from '../../wire/inet6/icmpv6.js'
import { formatIpv6 } from '../../wire/inet6/in6_addr.js'
import { Host } from '../host.js'
import { AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, SOCK, type SocketFd, type Syscalls } from '../syscalls.js'

let current: Net | null = null

afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

async function world(seed = 3): Promise<{ n: Net; root: Syscalls; b: Syscalls; p: Syscalls }> {
  const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
    jails: ['b'],
    links: [
      ['', '', 'b', ''],
      ['', '', '', ''],
    ],
  })
  current = n
  const root = n.root
  const b = n.sys('b')
  addr6(root, 'epair0a', '2001:db8::1/64')
  addr6(root, 'epair0a', '2001:db8::5/64')
  addr6(root, 'epair0a', '2001:db8::6/64')
  addr6(root, 'epair1a', '2001:db8:1::1/64')
  addr6(root, 'epair1a', '2001:db8:1::5/64')
  addr6(b, 'epair0b', '2001:db8::2/64')
  b.inet6.routeAdd({ dst: ip6('::'), prefixLen: 0, gateway: ip6('2001:db8::1') })
  root.jailCreate([
    ['name', 'p'],
    ['persist', true],
    ['allow.raw_sockets', '1'],
    ['ip6.addr', '2001:db8:1::5,2001:db8::5'],
  ])
  root.jailCreate([
    ['name', 'd'],
    ['persist', true],
  ])
  root.jailCreate([
    ['name', 'i'],
    ['persist', true],
    ['ip6', 'inherit'],
  ])
  // DAD on every new address takes about a second.
  await n.sleep(3 * SEC)
  return { n, root, b, p: root.attach('p') }
}

const sa6 = (s: string, port: number) => ({ addr: 0, port, addr6: ip6(s), scopeId: 0 })
const name6 = (fd: SocketFd, peer = false): string => {
  const sa = peer ? fd.getpeername() : fd.getsockname()
  return `[${formatIpv6(sa.addr6!)}]:${sa.port}`
}
const text = (s: string) => new TextEncoder().encode(s)
const str = (d: Uint8Array) => new TextDecoder().decode(d)

async function errnoOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (e) {
    return (e as { code: string }).code
  }
}

describe('jail_set: ip6.addr and ip6=new|inherit|disable', () => {
  test('the kernel keeps the primary address first and sorts the rest; jls -n shows them', async () => {
    const { root } = await world()
    root.jailCreate([
      ['name', 'q'],
      ['persist', true],
      ['ip6.addr', '2001:db8::6,2001:db8:1::5,2001:db8::5'],
    ])
    const param = (j: string, k: string) => root.jailGet(j).params.find(([n]) => n === k)?.[1]
    assert.equal(param('q', 'ip6.addr'), '2001:db8::6,2001:db8::5,2001:db8:1::5')
    assert.equal(param('q', 'ip6'), 'new')
    assert.equal(param('d', 'ip6'), 'disable')
    assert.equal(param('d', 'ip6.addr'), '')
    assert.equal(param('i', 'ip6'), 'inherit')
    assert.equal(param('b', 'ip6'), 'inherit')
    assert.ok(root.jailGet('p').params.some(([n]) => n === 'ip6.saddrsel'))
  })

  test('bad lists, vnet jails, ip6 after creation and addresses the parent lacks are refused', async () => {
    const { root, p } = await world()
    const mk = (...kv: Array<[string, string | true]>) =>
      errnoOf(() => root.jailCreate([['name', 'x'], ['persist', true], ...kv]))
    assert.equal(mk(['ip6.addr', '2001:db8::5,2001:db8::5']), 'EINVAL')
    assert.equal(mk(['ip6.addr', '::']), 'EINVAL')
    assert.equal(mk(['ip6.addr', 'nonsense']), 'EINVAL')
    assert.equal(mk(['ip6', 'sometimes']), 'EINVAL')
    assert.equal(mk(['ip6', 'disable'], ['ip6.addr', '2001:db8::5']), 'EINVAL')
    assert.equal(mk(['vnet', true], ['ip6.addr', '2001:db8::5']), 'EINVAL')
    assert.equal(
      errnoOf(() => root.jailModify('p', [['ip6', 'disable']])),
      'EINVAL',
    )
    // A restricted jail hands its children a subset of its own addresses, or inherits its list.
    root.jailModify('p', [['children.max', '2']])
    const p2 = root.attach('p')
    assert.equal(
      errnoOf(() =>
        p2.jailCreate([
          ['name', 'c'],
          ['persist', true],
          ['ip6.addr', '2001:db8::6'],
        ]),
      ),
      'EPERM',
    )
    p2.jailCreate([
      ['name', 'c'],
      ['persist', true],
      ['ip6', 'inherit'],
    ])
    assert.equal(p2.jailGet('c').params.find(([n]) => n === 'ip6.addr')?.[1], '2001:db8:1::5,2001:db8::5')
    // Modifying the list is allowed (only the ip6 mode is fixed at creation).
    root.jailModify('p', [['ip6.addr', '2001:db8::5']])
    assert.equal(root.jailGet('p').params.find(([n]) => n === 'ip6.addr')?.[1], '2001:db8::5')
    void p
  })
})

describe('sockets of a jail sharing its parent’s stack', () => {
  test('ip6=disable: no AF_INET6 sockets (EPROTONOSUPPORT, as socreate’s prison_check_af)', async () => {
    const { root } = await world()
    const d = root.attach('d')
    assert.equal(
      errnoOf(() => d.socket(AF_INET6, SOCK.DGRAM)),
      'EPROTONOSUPPORT',
    )
    assert.equal(
      errnoOf(() => d.socket(AF_INET6, SOCK.STREAM)),
      'EPROTONOSUPPORT',
    )
    root.jailModify('d', [['allow.raw_sockets', '1']])
    assert.equal(
      errnoOf(() => root.attach('d').inet6.rawSocket()),
      'EPROTONOSUPPORT',
    )
  })

  test('bind: only the jail’s addresses; ::1 is its primary address; the wildcard stays a wildcard', async () => {
    const { root, p } = await world()
    const s = () => p.socket(AF_INET6, SOCK.DGRAM)
    assert.equal(
      errnoOf(() => s().bind(sa6('2001:db8::1', 7000))),
      'EADDRNOTAVAIL',
    )
    assert.equal(
      errnoOf(() => s().bind(sa6('2001:db8::6', 7000))),
      'EADDRNOTAVAIL',
    )
    const own = s()
    own.bind(sa6('2001:db8::5', 7000))
    assert.equal(name6(own), '[2001:db8::5]:7000')
    const lo = s()
    lo.bind(sa6('::1', 7001))
    assert.equal(name6(lo), '[2001:db8:1::5]:7001')
    const any = s()
    any.bind(sa6('::', 7002))
    assert.equal(name6(any), '[::]:7002')
    // V6ONLY with a single address binds that address (prison_local_ip6).
    root.jailCreate([
      ['name', 'one'],
      ['persist', true],
      ['ip6.addr', '2001:db8::6'],
    ])
    const one = root.attach('one').socket(AF_INET6, SOCK.DGRAM)
    one.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1)
    one.bind(sa6('::', 7003))
    assert.equal(name6(one), '[2001:db8::6]:7003')
    // An unrestricted jail (ip6=inherit from the host) binds any address of the stack.
    const inh = root.attach('i').socket(AF_INET6, SOCK.DGRAM)
    inh.bind(sa6('2001:db8::1', 7004))
    assert.equal(name6(inh), '[2001:db8::1]:7004')
  })

  test('connect: the source is one of the jail’s (RFC 6724 among them, or the primary under ip6.nosaddrsel)', async () => {
    const { root, b, p } = await world()
    const ls = b.socket(AF_INET6, SOCK.STREAM)
    ls.bind(sa6('::', 80))
    ls.listen(8)
    const c = p.socket(AF_INET6, SOCK.STREAM)
    await c.connect(sa6('2001:db8::2', 80))
    const { fd, from } = await ls.accept()
    // The outgoing interface's address of the jail (rule 5), not the primary 2001:db8:1::5 and
    // not the host's 2001:db8::1 that the route alone would give.
    assert.equal(formatIpv6(from.addr6!), '2001:db8::5')
    assert.equal(name6(c), `[2001:db8::5]:${c.getsockname().port}`)
    fd.close()
    c.close()
    root.jailModify('p', [['ip6.nosaddrsel', true]])
    const c2 = root.attach('p').socket(AF_INET6, SOCK.STREAM)
    await c2.connect(sa6('2001:db8::2', 80))
    const got = await ls.accept()
    assert.equal(formatIpv6(got.from.addr6!), '2001:db8:1::5')
    got.fd.close()
    c2.close()
    // UDP takes the same source (the primary one, still under ip6.nosaddrsel).
    const u = b.socket(AF_INET6, SOCK.DGRAM)
    u.bind(sa6('::', 9000))
    const pu = p.socket(AF_INET6, SOCK.DGRAM)
    pu.sendto(text('hi'), sa6('2001:db8::2', 9000))
    const r = await u.recvfrom(100, 0, SEC)
    assert.equal(str(r.data), 'hi')
    assert.equal(formatIpv6(r.from.addr6!), '2001:db8:1::5')
  })

  test('the jail’s wildcard hears only its own addresses; ::1 reaches the jail itself', async () => {
    const { b, p, n } = await world()
    const ls = p.socket(AF_INET6, SOCK.STREAM)
    ls.bind(sa6('::', 8080))
    ls.listen(8)
    // The host's own address is not the jail's: nobody listens there.
    const refused = b.socket(AF_INET6, SOCK.STREAM)
    assert.equal(await errnoOfAsync(refused.connect(sa6('2001:db8::1', 8080))), 'ECONNREFUSED')
    const ok = b.socket(AF_INET6, SOCK.STREAM)
    await ok.connect(sa6('2001:db8::5', 8080))
    const a = await ls.accept()
    assert.equal(name6(a.fd), '[2001:db8::5]:8080')
    a.fd.close()
    ok.close()
    // UDP: a datagram to ::1 from inside the jail goes to its primary address, and its wildcard
    // socket hears it; one to the host's address does not reach the jail's socket.
    const rx = p.socket(AF_INET6, SOCK.DGRAM)
    rx.bind(sa6('::', 5300))
    const tx = p.socket(AF_INET6, SOCK.DGRAM)
    tx.sendto(text('loop'), sa6('::1', 5300))
    const got = await rx.recvfrom(100, 0, SEC)
    assert.equal(str(got.data), 'loop')
    assert.equal(formatIpv6(got.from.addr6!), '2001:db8:1::5')
    b.socket(AF_INET6, SOCK.DGRAM).sendto(text('not yours'), sa6('2001:db8::1', 5300))
    await n.sleep(SEC / 10)
    assert.equal(await errnoOfAsync(rx.recvfrom(100, 0, SEC / 10)), 'EAGAIN')
  })

  test('sockets and stack state: the jail sees only its own', async () => {
    const { root, p } = await world()
    const mine = p.socket(AF_INET6, SOCK.DGRAM)
    mine.bind(sa6('::', 6000))
    const hosts = root.socket(AF_INET6, SOCK.DGRAM)
    hosts.bind(sa6('2001:db8::1', 6001))
    assert.deepEqual(
      p.socketList().map((s) => s.lport),
      [6000],
    )
    assert.deepEqual(
      root
        .socketList()
        .map((s) => s.lport)
        .sort(),
      [6000, 6001],
    )
    const v6 = (s: Syscalls) =>
      s
        .ifList()
        .flatMap((i) => (i.inet6 ?? []).map((a) => `${i.name} ${formatIpv6(a.addr)}`))
        .sort()
    assert.deepEqual(v6(p), ['epair0a 2001:db8::5', 'epair1a 2001:db8:1::5'])
    assert.deepEqual(v6(root.attach('d')), [])
    assert.deepEqual(v6(root.attach('i')), v6(root))
    // No network routes; host routes only to its own addresses (can_export_rte).
    for (const r of p.inet6.routeList()) {
      assert.equal(r.prefixLen, 128)
      assert.ok(['2001:db8::5', '2001:db8:1::5'].includes(formatIpv6(r.dst)), formatIpv6(r.dst))
    }
    assert.equal(
      errnoOf(() => p.inet6.routeGet(ip6('2001:db8::2'))),
      'ESRCH',
    )
  })

  test('raw ICMPv6: sent from the jail’s address, hearing only replies to it', async () => {
    const { root, p, n } = await world()
    const jailed = p.inet6.rawSocket()
    const host = root.inet6.rawSocket()
    assert.equal(
      formatIpv6(host.send(ip6('2001:db8::2'), echo6(1, 1), { src: ip6('2001:db8::1') })),
      '2001:db8::1',
    )
    await n.sleep(SEC / 10)
    assert.equal((await host.recv(0))?.data[0], Icmp6Type.ECHO_REPLY)
    assert.equal(await jailed.recv(0), null)
    assert.equal(
      errnoOf(() => jailed.send(ip6('2001:db8::2'), echo6(2, 1), { src: ip6('2001:db8::1') })),
      'EADDRNOTAVAIL',
    )
    assert.equal(formatIpv6(jailed.send(ip6('2001:db8::2'), echo6(2, 1))), '2001:db8::5')
    await n.sleep(SEC / 10)
    const got = await jailed.recv(0)
    assert.ok(got !== null)
    assert.equal(got.data[0], Icmp6Type.ECHO_REPLY)
    assert.equal(formatIpv6(got.dst), '2001:db8::5')
    jailed.close()
    host.close()
  })
})

describe('the commands in such a jail', () => {
  test('jls, ifconfig, sockstat and nc -6 as FreeBSD prints them', async () => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 9 })
    const r = await sh(
      host,
      `
e=$(ifconfig epair create)
ifconfig $e inet6 2001:db8::1/64 up
ifconfig $e inet6 2001:db8::5/64 alias
jail -c name=w persist ip6.addr=2001:db8::5 > /dev/null
jail -c name=z persist > /dev/null
sleep 3
jls -v
jls -j w ip6 ip6.addr
jls -n -j z ip6 ip6.addr
jexec w ifconfig $e | grep inet6
jexec w nc -6 -u -l 5000 &
sleep 1
jexec w sockstat -6 -q
jexec z nc -6 -u -l 5001
jexec w ifconfig $e inet6 2001:db8::9/64 alias
kill %1; wait`,
    )
    assert.equal(
      r.out,
      [
        '   JID  Hostname                      Path',
        '        Name                          State',
        '        CPUSetID',
        '        IP Address(es)',
        `     1  ${'virtnet'.padEnd(29)} /`,
        `        ${'w'.padEnd(29)} ACTIVE`,
        '        3',
        '        2001:db8::5',
        `     2  ${'virtnet'.padEnd(29)} /`,
        `        ${'z'.padEnd(29)} ACTIVE`,
        '        4',
        'new 2001:db8::5',
        'ip6=disable ip6.addr=',
        '\tinet6 2001:db8::5 prefixlen 64',
        'root     nc           115 3   udp6   2001:db8::5:5000      *:*',
        '',
      ].join('\n'),
    )
    assert.match(r.err, /^nc: Protocol not supported$/m)
    assert.match(r.err, /ifconfig: ioctl \(SIOCAIFADDR\): Operation not permitted/)
  })
})
