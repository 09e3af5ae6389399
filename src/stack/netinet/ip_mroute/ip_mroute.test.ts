/**
 * IPv4 multicast routing (ip_mroute, multicast(4)) through the syscall API, in virtual time, on a
 * chain a (source, 10.0.1.1) — r (router, 10.0.1.254 | 10.0.2.254) — b (receiver, 10.0.2.1): a
 * test-side daemon on r opens the raw IGMP socket, installs vifs and answers the kernel's
 * IGMPMSG_NOCACHE upcall with a cache entry, after which b's group member hears a's datagrams one
 * hop older. Also: the RPF check and WRONGVIF upcalls, per-vif TTL thresholds, MRT_DONE and socket
 * close undoing everything, FreeBSD's errno for bad requests (which change nothing), the module and
 * privilege rules, raw sockets' group memberships, and netstat -g / -gs.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import {
  AF_INET,
  IGMPMSG_NOCACHE,
  IGMPMSG_WRONGVIF,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_TTL,
  IPPROTO_IP,
  type MfcCtl,
  MRT_ADD_BW_UPCALL,
  MRT_ADD_MFC,
  MRT_ADD_VIF,
  MRT_API_CONFIG,
  MRT_API_SUPPORT,
  MRT_ASSERT,
  MRT_DEL_MFC,
  MRT_DEL_VIF,
  MRT_DONE,
  MRT_INIT,
  MRT_VERSION,
  MSG,
  type RawSocket,
  SOCK,
  type SocketFd,
  type Syscalls,
  VIFF_TUNNEL,
} from '../../../host/syscalls.js'
import { chainNet, netisrGuard } from '../../../testing/fixtures.js'
import { errnoOf, ip, type Net } from '../../../testing/net.js'
import { runCmd } from '../../../userland/testkit.js'
import { netstat } from '../../../userland/usr.bin/netstat/netstat.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { IFF } from '../../net/ifnet.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const A = ip('10.0.1.1')
const R0 = ip('10.0.1.254')
const R1 = ip('10.0.2.254')
const B = ip('10.0.2.1')
const G = ip('239.1.2.3')
const PORT = 5000
const MS = 1e6
const text = (s: string) => new TextEncoder().encode(s)

function world(seed: number, load = true): Net {
  const net = guard.track(chainNet(seed))
  if (load) net.host.kld.preload('ip_mroute')
  return net
}

/** The daemon side of multicast(4): what mrouted or pimd does with its raw IGMP socket. */
class Daemon {
  readonly fd: RawSocket
  constructor(sys: Syscalls) {
    this.fd = sys.rawSocket(IpProto.IGMP)
    this.fd.setsockopt(IPPROTO_IP, MRT_INIT, 1)
  }
  vifs(): void {
    this.fd.setsockopt(IPPROTO_IP, MRT_ADD_VIF, { vifi: 0, flags: 0, threshold: 1, lclAddr: R0 })
    this.fd.setsockopt(IPPROTO_IP, MRT_ADD_VIF, { vifi: 1, flags: 0, threshold: 1, lclAddr: R1 })
  }
  mfc(c: MfcCtl): void {
    this.fd.setsockopt(IPPROTO_IP, MRT_ADD_MFC, c)
  }
  /** The next kernel upcall (struct igmpmsg: a zero protocol byte), skipping real IGMP messages. */
  async upcall(waitNs = 10 * MS): Promise<{ type: number; vif: number; src: number; dst: number } | null> {
    for (;;) {
      const d = await this.fd.recv(waitNs)
      if (d === null) return null
      if (d.data[9] !== 0) continue
      const u32 = (o: number) =>
        ((d.data[o]! << 24) | (d.data[o + 1]! << 16) | (d.data[o + 2]! << 8) | d.data[o + 3]!) >>> 0
      return { type: d.data[8]!, vif: d.data[10]!, src: u32(12), dst: u32(16) }
    }
  }
}

function member(sys: Syscalls, addr: number): SocketFd {
  const fd = sys.socket(AF_INET, SOCK.DGRAM)
  fd.bind({ addr: 0, port: PORT })
  fd.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: G, interface: addr })
  return fd
}

function sender(sys: Syscalls, ttl: number): SocketFd {
  const fd = sys.socket(AF_INET, SOCK.DGRAM)
  fd.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, ttl)
  return fd
}

async function heard(fd: SocketFd): Promise<string[]> {
  const out: string[] = []
  for (;;) {
    try {
      out.push(new TextDecoder().decode((await fd.recvfrom(100, MSG.DONTWAIT)).data))
    } catch {
      return out
    }
  }
}

/** TTLs of the IPv4 datagrams to G that reached b's interface. */
async function ttlsAtB(net: Net, fd: ReturnType<Syscalls['bpfOpen']>): Promise<number[]> {
  const out: number[] = []
  await fd.read((r) => {
    const b = r.buf
    const o = r.off
    const dst = ((b[o + 30]! << 24) | (b[o + 31]! << 16) | (b[o + 32]! << 8) | b[o + 33]!) >>> 0
    if (((b[o + 12]! << 8) | b[o + 13]!) === 0x0800 && dst === G && b[o + 23] === IpProto.UDP)
      out.push(b[o + 22]!)
  }, 0)
  void net
  return out
}

describe('ip_mroute: forwarding', () => {
  test('a NOCACHE upcall, the daemon installs the entry, held and later datagrams reach the member one hop older', async () => {
    const net = world(1)
    const rx = member(net.sys('b'), B)
    const cap = net.sys('b').bpfOpen(net.ifName(1, 'b'), { direction: 'in' })
    const tx = sender(net.sys('a'), 8)
    // No daemon: a router does not forward group datagrams.
    tx.sendto(text('zero'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), [])

    const d = new Daemon(net.sys('r'))
    d.vifs()
    const r0 = net.ifp('r', net.ifName(0, 'b'))
    const r1 = net.ifp('r', net.ifName(1, 'a'))
    assert.ok((r0.flags & IFF.ALLMULTI) !== 0 && (r1.flags & IFF.ALLMULTI) !== 0, 'vifs set ALLMULTI')
    tx.sendto(text('one'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await d.upcall(), { type: IGMPMSG_NOCACHE, vif: 0, src: A, dst: G })
    tx.sendto(text('two'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.equal(await d.upcall(), null, 'one upcall per flow while it is pending')
    assert.deepEqual(await heard(rx), [])
    const pending = net.sys('r').mrouteTables().mfc
    assert.deepEqual(
      pending.map((m) => [m.origin, m.group, m.parent, m.pending]),
      [[A, G, -1, true]],
    )

    d.mfc({ origin: A, group: G, parent: 0, ttls: [0, 1] })
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), ['one', 'two'])
    tx.sendto(text('three'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), ['three'])
    assert.equal(await d.upcall(), null)
    assert.deepEqual(await ttlsAtB(net, cap), [7, 7, 7])

    const t = net.sys('r').mrouteTables()
    assert.deepEqual(
      t.vifs.map((v) => [v.vifi, v.ifName, v.pktIn, v.pktOut]),
      [
        [0, net.ifName(0, 'b'), 3, 0],
        [1, net.ifName(1, 'a'), 0, 3],
      ],
    )
    assert.deepEqual(
      t.mfc.map((m) => [m.parent, m.pktCnt, m.ttls.slice(0, 2), m.pending]),
      [[0, 3, [0, 1], false]],
    )
    const st = new Map(net.sys('r').protoStats('mroute'))
    assert.equal(st.get('mrts_upcalls'), 1)
    assert.equal(st.get('mrts_mfc_misses'), 2)
    cap.close()
    d.fd.close()
  })

  test('an unanswered upcall expires after 1.5 s with what it held', async () => {
    const net = world(2)
    const d = new Daemon(net.sys('r'))
    d.vifs()
    sender(net.sys('a'), 8).sendto(text('x'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.equal(net.sys('r').mrouteTables().mfc.length, 1)
    await net.sleep(2000 * MS)
    assert.equal(net.sys('r').mrouteTables().mfc.length, 0)
    assert.equal(new Map(net.sys('r').protoStats('mroute')).get('mrts_cache_cleanups'), 1)
    d.fd.close()
  })

  test('RPF: arriving on another vif than the parent is not forwarded; WRONGVIF only with MRT_ASSERT, rate limited', async () => {
    const net = world(3)
    const rx = member(net.sys('b'), B)
    const d = new Daemon(net.sys('r'))
    d.vifs()
    d.mfc({ origin: A, group: G, parent: 1, ttls: [0, 1] })
    const tx = sender(net.sys('a'), 8)
    tx.sendto(text('a'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), [])
    assert.equal(await d.upcall(), null, 'no WRONGVIF without MRT_ASSERT')
    d.fd.setsockopt(IPPROTO_IP, MRT_ASSERT, 1)
    assert.equal(d.fd.getsockopt(IPPROTO_IP, MRT_ASSERT), 1)
    tx.sendto(text('b'), { addr: G, port: PORT })
    tx.sendto(text('c'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await d.upcall(), { type: IGMPMSG_WRONGVIF, vif: 0, src: A, dst: G })
    assert.equal(await d.upcall(), null, 'one WRONGVIF per 3 s')
    await net.sleep(3000 * MS)
    tx.sendto(text('d'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await d.upcall(), { type: IGMPMSG_WRONGVIF, vif: 0, src: A, dst: G })
    assert.deepEqual(await heard(rx), [])
    assert.equal(net.sys('r').mrouteTables().mfc[0]!.wrongIf, 4)
    assert.equal(new Map(net.sys('r').protoStats('mroute')).get('mrts_wrong_if'), 4)
    // The right parent: forwarded.
    d.mfc({ origin: A, group: G, parent: 0, ttls: [0, 1] })
    tx.sendto(text('e'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), ['e'])
    d.fd.close()
  })

  test('a vif takes a datagram only when its TTL exceeds the entry’s TTL for that vif', async () => {
    const net = world(4)
    const rx = member(net.sys('b'), B)
    const cap = net.sys('b').bpfOpen(net.ifName(1, 'b'), { direction: 'in' })
    const d = new Daemon(net.sys('r'))
    d.vifs()
    d.mfc({ origin: A, group: G, parent: 0, ttls: [0, 5] })
    sender(net.sys('a'), 5).sendto(text('ttl5'), { addr: G, port: PORT })
    sender(net.sys('a'), 6).sendto(text('ttl6'), { addr: G, port: PORT })
    sender(net.sys('a'), 1).sendto(text('ttl1'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), ['ttl6'])
    assert.deepEqual(await ttlsAtB(net, cap), [5])
    // TTL 1 is never even looked up.
    assert.equal(new Map(net.sys('r').protoStats('mroute')).get('mrts_mfc_lookups'), 2)
    cap.close()
    d.fd.close()
  })

  test('MRT_DONE removes every vif and entry; closing the socket does the same', async () => {
    const net = world(5)
    const rx = member(net.sys('b'), B)
    const r = net.sys('r')
    const d = new Daemon(r)
    d.vifs()
    d.mfc({ origin: A, group: G, parent: 0, ttls: [0, 1] })
    const tx = sender(net.sys('a'), 8)
    tx.sendto(text('before'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), ['before'])
    d.fd.setsockopt(IPPROTO_IP, MRT_DONE, 0)
    assert.deepEqual(r.mrouteTables(), { vifs: [], mfc: [] })
    assert.equal(net.ifp('r', net.ifName(0, 'b')).flags & IFF.ALLMULTI, 0)
    tx.sendto(text('after'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    assert.deepEqual(await heard(rx), [])
    assert.equal(await d.upcall(), null)
    // No longer the multicast router: everything but MRT_INIT is EPERM.
    assert.equal(
      errnoOf(() => d.fd.setsockopt(IPPROTO_IP, MRT_DONE, 0)),
      'EPERM',
    )
    d.fd.setsockopt(IPPROTO_IP, MRT_INIT, 1)
    d.vifs()
    const other = r.rawSocket(IpProto.IGMP)
    assert.equal(
      errnoOf(() => other.setsockopt(IPPROTO_IP, MRT_INIT, 1)),
      'EADDRINUSE',
    )
    d.fd.close()
    assert.deepEqual(r.mrouteTables(), { vifs: [], mfc: [] })
    other.setsockopt(IPPROTO_IP, MRT_INIT, 1)
    other.close()
  })
})

describe('ip_mroute: the router as a source', () => {
  test('what the router sends itself is forwarded once, counted as output on its vif', async () => {
    const net = world(12)
    const rx = member(net.sys('b'), B)
    const r = net.sys('r')
    const d = new Daemon(r)
    d.vifs()
    d.mfc({ origin: R0, group: G, parent: 0, ttls: [0, 1] })
    const tx = sender(r, 8)
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, R0)
    tx.sendto(text('own'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    // Its looped-back copy (IP_MULTICAST_LOOP) is not forwarded a second time.
    assert.deepEqual(await heard(rx), ['own'])
    assert.deepEqual(
      r.mrouteTables().vifs.map((v) => [v.pktIn, v.pktOut]),
      [
        [0, 1],
        [0, 1],
      ],
    )
    d.fd.close()
  })
})

describe('ip_mroute: requests', () => {
  test('bad requests fail with FreeBSD’s errno and change nothing', () => {
    const net = world(6)
    const r = net.sys('r')
    const icmp = r.rawSocket(IpProto.ICMP)
    assert.equal(
      errnoOf(() => icmp.setsockopt(IPPROTO_IP, MRT_INIT, 1)),
      'EOPNOTSUPP',
    )
    icmp.close()
    const d = new Daemon(r)
    const set = (name: number, v: unknown) => errnoOf(() => d.fd.setsockopt(IPPROTO_IP, name, v as never))
    const other = r.rawSocket(IpProto.IGMP)
    assert.equal(
      errnoOf(() => other.setsockopt(IPPROTO_IP, MRT_INIT, 2)),
      'ENOPROTOOPT',
    )
    assert.equal(
      errnoOf(() =>
        other.setsockopt(IPPROTO_IP, MRT_ADD_VIF, { vifi: 0, flags: 0, threshold: 1, lclAddr: R0 }),
      ),
      'EPERM',
    )
    other.close()
    d.vifs()
    const before = JSON.stringify(r.mrouteTables())
    assert.equal(set(MRT_ADD_VIF, { vifi: 32, flags: 0, threshold: 1, lclAddr: R0 }), 'EINVAL')
    assert.equal(set(MRT_ADD_VIF, { vifi: 2, flags: 0, threshold: 1, rateLimit: 100, lclAddr: R0 }), 'EINVAL')
    assert.equal(set(MRT_ADD_VIF, { vifi: 0, flags: 0, threshold: 1, lclAddr: R1 }), 'EADDRINUSE')
    assert.equal(set(MRT_ADD_VIF, { vifi: 2, flags: 0, threshold: 1, lclAddr: 0 }), 'EADDRNOTAVAIL')
    assert.equal(set(MRT_ADD_VIF, { vifi: 2, flags: 0, threshold: 1, lclAddr: B }), 'EADDRNOTAVAIL')
    assert.equal(set(MRT_ADD_VIF, { vifi: 2, flags: VIFF_TUNNEL, threshold: 1, lclAddr: R0 }), 'EOPNOTSUPP')
    assert.equal(set(MRT_ADD_VIF, 'vif'), 'EINVAL')
    assert.equal(set(MRT_DEL_VIF, 2), 'EINVAL')
    assert.equal(set(MRT_ADD_MFC, { origin: A, group: G, parent: 0, ttls: [0, 256] }), 'EINVAL')
    assert.equal(set(MRT_DEL_MFC, { origin: A, group: G, parent: 0, ttls: [] }), 'EADDRNOTAVAIL')
    assert.equal(set(MRT_API_CONFIG, 0x303), 'EPERM')
    assert.equal(set(MRT_ADD_BW_UPCALL, 0), 'EOPNOTSUPP')
    assert.equal(set(108, 0), 'ENOPROTOOPT')
    // set_assert's EINVAL is lost by its caller: success, and nothing changes.
    assert.equal(set(MRT_ASSERT, 7), 'ok')
    assert.equal(d.fd.getsockopt(IPPROTO_IP, MRT_ASSERT), 0)
    assert.equal(JSON.stringify(r.mrouteTables()), before)
    // A hole below the highest vif: EADDRNOTAVAIL there, numvifs shrinks to the last used one.
    assert.equal(set(MRT_DEL_VIF, 0), 'ok')
    assert.equal(set(MRT_DEL_VIF, 0), 'EADDRNOTAVAIL')
    assert.equal(set(MRT_DEL_VIF, 1), 'ok')
    assert.equal(set(MRT_DEL_VIF, 0), 'EINVAL')
    assert.equal(d.fd.getsockopt(IPPROTO_IP, MRT_VERSION), 0x0305)
    assert.equal(d.fd.getsockopt(IPPROTO_IP, MRT_API_SUPPORT), 0x103)
    // Now first again: MRT_API_CONFIG grants what is supported of what was asked.
    assert.equal(set(MRT_API_CONFIG, 0x303), 'ok')
    assert.equal(d.fd.getsockopt(IPPROTO_IP, MRT_API_CONFIG), 0x103)
    d.fd.close()
  })

  test('the module: EOPNOTSUPP and no tables without it; kldstat finds it once loaded; no unload while a daemon runs', () => {
    const net = world(7, false)
    const r = net.sys('r')
    const fd = r.rawSocket(IpProto.IGMP)
    assert.equal(
      errnoOf(() => fd.setsockopt(IPPROTO_IP, MRT_INIT, 1)),
      'EOPNOTSUPP',
    )
    assert.equal(
      errnoOf(() => fd.getsockopt(IPPROTO_IP, MRT_VERSION)),
      'EOPNOTSUPP',
    )
    assert.equal(
      errnoOf(() => r.mrouteTables()),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => r.kldload('ip_mroute')),
      'EPERM',
      'a jail may not load modules',
    )
    const root = net.root
    assert.ok(!root.kldstat().some((k) => k.module === 'ip_mroute'))
    root.kldload('ip_mroute')
    assert.equal(root.kldstat().find((k) => k.module === 'ip_mroute')?.name, 'ip_mroute.ko')
    fd.setsockopt(IPPROTO_IP, MRT_INIT, 1)
    assert.equal(
      errnoOf(() => root.kldunload('ip_mroute')),
      'EINVAL',
    )
    fd.close()
    root.kldunload('ip_mroute')
    assert.equal(
      errnoOf(() => r.mrouteTables()),
      'ENOENT',
    )
  })

  test('privilege: a vnet jail’s root may; a jail sharing its parent’s stack and a non-root user may not', () => {
    const net = world(8)
    const r = net.sys('r')
    r.jailCreate([
      ['name', 'shared'],
      ['persist', true],
      ['allow.raw_sockets', true],
    ])
    const shared = r.attach('shared').rawSocket(IpProto.IGMP)
    assert.equal(
      errnoOf(() => shared.setsockopt(IPPROTO_IP, MRT_INIT, 1)),
      'EPERM',
    )
    assert.equal(
      errnoOf(() => shared.getsockopt(IPPROTO_IP, MRT_VERSION)),
      'EPERM',
    )
    shared.close()
    assert.equal(
      errnoOf(() => r.withUid(1001).rawSocket(IpProto.IGMP)),
      'EPERM',
    )
    assert.equal(net.sys('r').mrouteTables().vifs.length, 0)
    const d = new Daemon(r)
    d.vifs()
    assert.equal(r.mrouteTables().vifs.length, 2)
    d.fd.close()
  })

  test('an interface leaving the vnet takes its vif and the entries it was parent of', () => {
    const net = world(9)
    const r = net.sys('r')
    const d = new Daemon(r)
    d.vifs()
    d.mfc({ origin: A, group: G, parent: 0, ttls: [0, 1] })
    d.mfc({ origin: B, group: G, parent: 1, ttls: [1, 0] })
    // ifconfig IF -vnet r, from the host.
    net.root.ifReclaimFromJail(net.ifName(0, 'b'), 'r')
    const t = r.mrouteTables()
    assert.deepEqual(
      t.vifs.map((v) => v.vifi),
      [1],
    )
    assert.deepEqual(
      t.mfc.map((m) => m.origin),
      [B],
    )
    d.fd.close()
  })
})

describe('raw sockets and group membership', () => {
  test('IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP filter group datagrams; IP_MULTICAST_TTL and IF apply to sends', async () => {
    const net = world(10)
    const proto = 253
    const rx = net.sys('r').rawSocket(proto)
    const tx = net.sys('a').rawSocket(proto)
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, 3)
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, A)
    assert.equal(tx.getsockopt(IPPROTO_IP, IP_MULTICAST_TTL), 3)
    assert.equal(tx.getsockopt(IPPROTO_IP, IP_MULTICAST_IF), A)
    const got = async () => {
      const out: number[] = []
      for (;;) {
        const d = await rx.recv(MS)
        if (d === null) return out
        out.push(d.ttl)
      }
    }
    // Without multicast options a raw socket hears every datagram of its protocol.
    tx.send(G, text('1'))
    await net.sleep(MS)
    assert.deepEqual(await got(), [3])
    // Joined to another group only: this one is not for it.
    rx.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: ip('239.9.9.9'), interface: R0 })
    tx.send(G, text('2'))
    await net.sleep(MS)
    assert.deepEqual(await got(), [])
    rx.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: G, interface: R0 })
    assert.equal(
      errnoOf(() => rx.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: G, interface: R0 })),
      'EADDRINUSE',
    )
    assert.equal(
      errnoOf(() => rx.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: A, interface: R0 })),
      'EINVAL',
    )
    tx.send(G, text('3'))
    await net.sleep(MS)
    assert.deepEqual(await got(), [3])
    rx.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, { multiaddr: G, interface: R0 })
    tx.send(G, text('4'))
    await net.sleep(MS)
    assert.deepEqual(await got(), [])
    rx.close()
    tx.close()
  })
})

describe('netstat -g', () => {
  test('the vif table, the forwarding table and mrtstat as FreeBSD prints them', async () => {
    const net = world(11)
    const r = net.sys('r')
    const empty = await runCmd(netstat, 'netstat -g', r)
    assert.equal(
      empty.out,
      '\nIPv4 Virtual Interface Table is empty\n\nIPv4 Multicast Forwarding Table is empty\n\n',
    )
    assert.equal(empty.err, 'netstat: sysctl: net.inet6.ip6.mif6table: No such file or directory\n')
    assert.equal(empty.status, 0)
    const d = new Daemon(r)
    d.vifs()
    d.mfc({ origin: A, group: G, parent: 0, ttls: [0, 1] })
    sender(net.sys('a'), 8).sendto(text('x'), { addr: G, port: PORT })
    await net.sleep(10 * MS)
    const g = await runCmd(netstat, 'netstat -g -f inet', r)
    assert.equal(
      g.out,
      [
        '',
        'IPv4 Virtual Interface Table',
        ' Vif   Thresh   Local-Address   Remote-Address    Pkts-In   Pkts-Out',
        '  0         1   10.0.1.254                              1          0',
        '  1         1   10.0.2.254                              0          1',
        '',
        'IPv4 Multicast Forwarding Table',
        ' Origin          Group             Packets In-Vif  Out-Vifs:Ttls',
        ' 10.0.1.1        239.1.2.3               1    0    1:1',
        '',
        '',
      ].join('\n'),
    )
    assert.equal(g.err, '')
    const s = await runCmd(netstat, 'netstat -gss -f inet', r)
    assert.equal(
      s.out,
      ['IPv4 multicast forwarding:', '\t1 multicast forwarding cache lookup', ''].join('\n'),
    )
    d.fd.close()
    net.root.kldunload('ip_mroute')
    const gone = await runCmd(netstat, 'netstat -gs -f inet', r)
    assert.equal(gone.out, '')
    assert.equal(gone.err, 'No IPv4 MROUTING kernel support.\n')
  })
})
