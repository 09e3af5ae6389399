/**
 * IPv6 multicast routing (ip6_mroute) through the syscall API, in virtual time, on a chain
 * a (2001:db8:1::1) — r (2001:db8:1::fe | 2001:db8:2::fe) — b (2001:db8:2::1): a test-side daemon
 * on r opens the raw ICMPv6 socket, adds mifs and answers the MRT6MSG_NOCACHE upcall with a cache
 * entry, after which b's member of ff05::1 hears a's datagrams with the hop limit one less. Also the
 * RPF check and MRT6MSG_WRONGMIF, scopes that never leave, MRT6_DONE and socket close, FreeBSD's
 * errno for bad requests, the module, and netstat -g's IPv6 part.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import {
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_JOIN_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  MRT6_ADD_MFC,
  MRT6_ADD_MIF,
  MRT6_DEL_MFC,
  MRT6_DEL_MIF,
  MRT6_DONE,
  MRT6_INIT,
  MRT6_PIM,
  MRT6MSG_NOCACHE,
  MRT6MSG_WRONGMIF,
  MSG,
  type Raw6Socket,
  SOCK,
  type SocketFd,
  type Syscalls,
} from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { netisrGuard } from '../../../testing/fixtures.js'
import { errnoOf, Net } from '../../../testing/net.js'
import { addr6, ip6 } from '../../../testing/net6.js'
import { runCmd } from '../../../userland/testkit.js'
import { netstat } from '../../../userland/usr.bin/netstat/netstat.js'
import { SEC } from '../../../util/clock.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { IFF } from '../../net/ifnet.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const A = ip6('2001:db8:1::1')
const G = ip6('ff05::1')
const PORT = 6000
const MS = 1e6
const text = (s: string) => new TextEncoder().encode(s)

async function world(seed: number, load = true): Promise<Net> {
  const net = guard.track(
    new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed }), {
      jails: ['a', 'r', 'b'],
      links: [
        ['a', '', 'r', ''],
        ['r', '', 'b', ''],
      ],
    }),
  )
  addr6(net.sys('a'), 'epair0a', '2001:db8:1::1/64')
  addr6(net.sys('r'), 'epair0b', '2001:db8:1::fe/64')
  addr6(net.sys('r'), 'epair1a', '2001:db8:2::fe/64')
  addr6(net.sys('b'), 'epair1b', '2001:db8:2::1/64')
  if (load) net.host.kld.preload('ip6_mroute')
  // Past DAD and its announcements.
  await net.sleep(4 * SEC)
  return net
}

class Daemon6 {
  readonly fd: Raw6Socket
  constructor(readonly sys: Syscalls) {
    this.fd = sys.inet6.rawSocket()
    this.fd.setsockopt(IPPROTO_IPV6, MRT6_INIT, 1)
  }
  mifs(): void {
    this.fd.setsockopt(IPPROTO_IPV6, MRT6_ADD_MIF, {
      mifi: 0,
      flags: 0,
      pifi: this.sys.ifGet('epair0b').index,
    })
    this.fd.setsockopt(IPPROTO_IPV6, MRT6_ADD_MIF, {
      mifi: 1,
      flags: 0,
      pifi: this.sys.ifGet('epair1a').index,
    })
  }
  mfc(parent: number, ifset: number[], origin = A): void {
    this.fd.setsockopt(IPPROTO_IPV6, MRT6_ADD_MFC, { origin, group: G, parent, ifset })
  }
  /** The next struct mrt6msg (an IPv6 header's first byte), skipping ICMPv6 messages (MLD ...). */
  async upcall(): Promise<{ type: number; mif: number; src: string; dst: string } | null> {
    for (;;) {
      const d = await this.fd.recv(10 * MS)
      if (d === null) return null
      if (d.data.length !== 40 || d.data[0]! >> 4 !== 6 || d.data[1] !== 0) continue
      return {
        type: d.data[2]!,
        mif: d.data[3]!,
        src: formatIpv6(d.data.subarray(8, 24)),
        dst: formatIpv6(d.data.subarray(24, 40)),
      }
    }
  }
}

function member(sys: Syscalls): SocketFd {
  const fd = sys.socket(AF_INET6, SOCK.DGRAM)
  fd.bind({ addr: 0, port: PORT, addr6: new Uint8Array(16) })
  fd.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: G, ifindex: sys.ifGet('epair1b').index })
  return fd
}

function send(net: Net, msg: string, hops = 8, group = G): void {
  const a = net.sys('a')
  const fd = a.socket(AF_INET6, SOCK.DGRAM)
  fd.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops)
  fd.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF, a.ifGet('epair0a').index)
  fd.sendto(text(msg), { addr: 0, port: PORT, addr6: group })
  fd.close()
}

async function heard(fd: SocketFd): Promise<Array<[string, number]>> {
  const out: Array<[string, number]> = []
  for (;;) {
    try {
      const r = await fd.recvfrom(100, MSG.DONTWAIT)
      out.push([new TextDecoder().decode(r.data), r.hlim ?? -1])
    } catch {
      return out
    }
  }
}

describe('ip6_mroute', () => {
  test('NOCACHE upcall, MRT6_ADD_MFC, held and later packets reach the member with the hop limit one less', async () => {
    const net = await world(1)
    const rx = member(net.sys('b'))
    send(net, 'zero')
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), [], 'no daemon, no forwarding')
    const r = net.sys('r')
    const d = new Daemon6(r)
    d.mifs()
    assert.ok((net.ifp('r', 'epair1a').flags & IFF.ALLMULTI) !== 0)
    send(net, 'one')
    send(net, 'two')
    await net.sleep(10 * MS)
    assert.deepEqual(await d.upcall(), {
      type: MRT6MSG_NOCACHE,
      mif: 0,
      src: '2001:db8:1::1',
      dst: 'ff05::1',
    })
    assert.equal(await d.upcall(), null)
    assert.deepEqual(
      r.mroute6Tables().mfc.map((m) => [m.parent, m.waiting]),
      [[-1, 2]],
    )
    d.mfc(0, [1])
    await net.sleep(10 * MS)
    send(net, 'three')
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), [
      ['one', 7],
      ['two', 7],
      ['three', 7],
    ])
    const t = r.mroute6Tables()
    assert.deepEqual(
      t.mifs.map((m) => [m.mifi, m.ifName, m.pktIn, m.pktOut]),
      [
        [0, 'epair0b', 3, 0],
        [1, 'epair1a', 0, 3],
      ],
    )
    assert.deepEqual(
      t.mfc.map((m) => [m.parent, m.pktCnt, m.ifset, m.waiting]),
      [[0, 3, [1], 0]],
    )
    d.fd.close()
    assert.deepEqual(r.mroute6Tables().mifs, [], 'closing the socket is MRT6_DONE')
    assert.equal(net.ifp('r', 'epair1a').flags & IFF.ALLMULTI, 0)
  })

  test('RPF: another mif than the parent is not forwarded; MRT6_PIM brings WRONGMIF; link-local groups never leave', async () => {
    const net = await world(2)
    const rx = member(net.sys('b'))
    const d = new Daemon6(net.sys('r'))
    d.mifs()
    d.mfc(1, [1])
    send(net, 'x')
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), [])
    assert.equal(await d.upcall(), null)
    d.fd.setsockopt(IPPROTO_IPV6, MRT6_PIM, 1)
    assert.equal(d.fd.getsockopt(IPPROTO_IPV6, MRT6_PIM), 1)
    const other = net.sys('r').inet6.rawSocket()
    assert.equal(
      errnoOf(() => other.getsockopt(IPPROTO_IPV6, MRT6_PIM)),
      'EACCES',
    )
    other.close()
    send(net, 'y')
    await net.sleep(10 * MS)
    assert.deepEqual(await d.upcall(), {
      type: MRT6MSG_WRONGMIF,
      mif: 0,
      src: '2001:db8:1::1',
      dst: 'ff05::1',
    })
    assert.equal(net.sys('r').mroute6Tables().mfc[0]!.wrongIf, 2)
    // Hop limit 1, and a link-scoped group: not even asked about.
    send(net, 'h1', 1)
    send(net, 'll', 8, ip6('ff02::1:2'))
    await net.sleep(10 * MS)
    assert.equal(await d.upcall(), null)
    d.mfc(0, [1])
    send(net, 'z')
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), [['z', 7]])
    d.fd.setsockopt(IPPROTO_IPV6, MRT6_DONE, 0)
    send(net, 'after')
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), [])
    assert.equal(
      errnoOf(() => d.fd.setsockopt(IPPROTO_IPV6, MRT6_DONE, 0)),
      'EPERM',
    )
    d.fd.close()
  })

  test('bad requests: FreeBSD’s errno, nothing changed; the module', async () => {
    const net = await world(3, false)
    const r = net.sys('r')
    const fd = r.inet6.rawSocket()
    assert.equal(
      errnoOf(() => fd.setsockopt(IPPROTO_IPV6, MRT6_INIT, 1)),
      'EOPNOTSUPP',
    )
    assert.equal(
      errnoOf(() => r.mroute6Tables()),
      'ENOENT',
    )
    net.root.kldload('ip6_mroute')
    const ospf = r.inet6.rawSocket(89)
    assert.equal(
      errnoOf(() => ospf.setsockopt(IPPROTO_IPV6, MRT6_INIT, 1)),
      'EOPNOTSUPP',
    )
    ospf.close()
    assert.equal(
      errnoOf(() => fd.setsockopt(IPPROTO_IPV6, MRT6_INIT, 2)),
      'ENOPROTOOPT',
    )
    assert.equal(
      errnoOf(() => fd.setsockopt(IPPROTO_IPV6, MRT6_ADD_MIF, { mifi: 0, flags: 0, pifi: 1 })),
      'EPERM',
    )
    const d = new Daemon6(r)
    assert.equal(
      errnoOf(() => fd.setsockopt(IPPROTO_IPV6, MRT6_INIT, 1)),
      'EADDRINUSE',
    )
    d.mifs()
    const before = JSON.stringify(r.mroute6Tables())
    const set = (name: number, v: unknown) => errnoOf(() => d.fd.setsockopt(IPPROTO_IPV6, name, v as never))
    assert.equal(set(MRT6_ADD_MIF, { mifi: 64, flags: 0, pifi: 1 }), 'EINVAL')
    assert.equal(set(MRT6_ADD_MIF, { mifi: 0, flags: 0, pifi: 1 }), 'EADDRINUSE')
    assert.equal(set(MRT6_ADD_MIF, { mifi: 2, flags: 0, pifi: 0 }), 'ENXIO')
    assert.equal(set(MRT6_ADD_MIF, { mifi: 2, flags: 0, pifi: 999 }), 'ENXIO')
    assert.equal(set(MRT6_ADD_MIF, 'mif'), 'EINVAL')
    assert.equal(set(MRT6_DEL_MIF, 5), 'EINVAL')
    assert.equal(set(MRT6_DEL_MFC, { origin: A, group: G, parent: 0, ifset: [] }), 'EADDRNOTAVAIL')
    assert.equal(set(MRT6_ADD_MFC, { origin: A, group: G, parent: 0, ifset: [64] }), 'EINVAL')
    assert.equal(set(MRT6_PIM, 2), 'EINVAL')
    assert.equal(set(99, 0), 'ENOPROTOOPT')
    assert.equal(JSON.stringify(r.mroute6Tables()), before)
    assert.equal(
      errnoOf(() => net.root.kldunload('ip6_mroute')),
      'EINVAL',
    )
    d.fd.close()
    fd.close()
    net.root.kldunload('ip6_mroute')
  })

  test('privilege: a jail sharing its parent’s stack and a non-root user may not become the router', async () => {
    const net = await world(5)
    const r = net.sys('r')
    r.jailCreate([
      ['name', 'shared'],
      ['persist', true],
      ['allow.raw_sockets', true],
      ['ip6', 'inherit'],
    ])
    const shared = r.attach('shared').inet6.rawSocket()
    assert.equal(
      errnoOf(() => shared.setsockopt(IPPROTO_IPV6, MRT6_INIT, 1)),
      'EPERM',
    )
    shared.close()
    assert.equal(
      errnoOf(() => r.withUid(1001).inet6.rawSocket()),
      'EPERM',
    )
    const d = new Daemon6(r)
    d.mifs()
    assert.equal(r.mroute6Tables().mifs.length, 2)
    d.fd.close()
  })

  test('netstat -g shows the mif table and the forwarding cache; -gs the counters', async () => {
    const net = await world(4)
    const r = net.sys('r')
    const d = new Daemon6(r)
    d.mifs()
    d.mfc(0, [1])
    send(net, 'x')
    await net.sleep(10 * MS)
    const g = await runCmd(netstat, 'netstat -g -f inet6', r)
    assert.equal(
      g.out,
      [
        '',
        'IPv6 Multicast Interface Table',
        ' Mif   Rate   PhyIF   Pkts-In   Pkts-Out',
        '   0      0   epair0b         1          0',
        '   1      0   epair1a         0          1',
        '',
        'IPv6 Multicast Forwarding Cache',
        ' Origin                        Group              Packets Waits In-Mif  Out-Mifs',
        ' 2001:db8:1::1                 ff05::1                  1     0    0    1',
        '',
        '',
      ].join('\n'),
    )
    assert.equal(g.err, '')
    const s = await runCmd(netstat, 'netstat -gss -f inet6', r)
    assert.equal(s.out, 'IPv6 multicast forwarding:\n\t1 multicast forwarding cache lookup\n')
    d.fd.close()
  })
})
