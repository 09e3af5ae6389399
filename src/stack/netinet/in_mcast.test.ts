/**
 * IPv4 multicast on UDP sockets through the syscall API, in virtual time: group membership decides
 * who hears a group datagram, IP_MULTICAST_IF / TTL / LOOP, the Ethernet mapping of RFC 1112 §6.4,
 * no forwarding of link-local groups, and FreeBSD's errors for bad requests (which change nothing).
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import {
  AF_INET,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IPPROTO_IP,
  MSG,
  SO,
  SOCK,
  SOL_SOCKET,
  type SocketFd,
  type Syscalls,
} from '../../host/syscalls.js'
import { chainNet, netisrGuard, pairNet } from '../../testing/fixtures.js'
import { errnoOf, ip, type Net } from '../../testing/net.js'
import { ipMulticastMac } from '../../wire/addr.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const GROUP = ip('224.0.0.9')
const A = ip('10.0.0.1')
const B = ip('10.0.0.2')
const text = (s: string) => new TextEncoder().encode(s)
const str = (d: Uint8Array) => new TextDecoder().decode(d)

function udp(sys: Syscalls, port: number): SocketFd {
  const fd = sys.socket(AF_INET, SOCK.DGRAM)
  fd.setsockopt(SOL_SOCKET, SO.REUSEPORT, 1)
  fd.bind({ addr: 0, port })
  return fd
}

async function next(fd: SocketFd): Promise<string | null> {
  try {
    return str((await fd.recvfrom(100, MSG.DONTWAIT)).data)
  } catch {
    return null
  }
}

describe('IPv4 multicast sockets', () => {
  test('only sockets that joined the group on the arrival interface hear it; drop ends it', async () => {
    const net: Net = guard.track(pairNet(5))
    const joined = udp(net.sys('b'), 520)
    const other = udp(net.sys('b'), 520)
    joined.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: GROUP, interface: B })
    const tx = udp(net.sys('a'), 520)
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, A)
    const before = net.ifp('b', net.ifName(0, 'b')).stats.imcasts
    tx.sendto(text('one'), { addr: GROUP, port: 520 })
    await net.sleep(1e6)
    assert.equal(await next(joined), 'one')
    assert.equal(await next(other), null)
    assert.equal(net.ifp('b', net.ifName(0, 'b')).stats.imcasts, before + 1)
    // No ARP for a group: its Ethernet address is computed.
    assert.deepEqual(
      net
        .sys('a')
        .arpList()
        .filter((e) => e.addr === GROUP),
      [],
    )
    joined.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, { multiaddr: GROUP, interface: B })
    tx.sendto(text('two'), { addr: GROUP, port: 520 })
    await net.sleep(1e6)
    assert.equal(await next(joined), null)
  })

  test('the group maps to 01:00:5e plus its low 23 bits', () => {
    assert.equal(ipMulticastMac(GROUP), 0x01005e000009)
    assert.equal(ipMulticastMac(ip('239.128.1.2')), 0x01005e000102)
  })

  test('TTL defaults to 1 and IP_MULTICAST_LOOP to on; loop off keeps our own datagram away', async () => {
    const net: Net = guard.track(pairNet(6))
    const fd = udp(net.sys('a'), 520)
    assert.equal(fd.getsockopt(IPPROTO_IP, IP_MULTICAST_TTL), 1)
    assert.equal(fd.getsockopt(IPPROTO_IP, IP_MULTICAST_LOOP), 1)
    fd.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: GROUP, interface: A })
    fd.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, A)
    fd.sendto(text('self'), { addr: GROUP, port: 520 })
    await net.sleep(1e6)
    assert.equal(await next(fd), 'self')
    fd.setsockopt(IPPROTO_IP, IP_MULTICAST_LOOP, 0)
    assert.equal(fd.getsockopt(IPPROTO_IP, IP_MULTICAST_LOOP), 0)
    fd.sendto(text('again'), { addr: GROUP, port: 520 })
    await net.sleep(1e6)
    assert.equal(await next(fd), null)
    fd.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, 64)
    assert.equal(fd.getsockopt(IPPROTO_IP, IP_MULTICAST_TTL), 64)
    assert.equal(fd.getsockopt(IPPROTO_IP, IP_MULTICAST_IF), A)
  })

  test('a router never forwards a link-local group datagram', async () => {
    const net: Net = guard.track(chainNet(7))
    const rx = udp(net.sys('b'), 520)
    rx.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: GROUP, interface: ip('10.0.2.1') })
    const tx = udp(net.sys('a'), 520)
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, ip('10.0.1.1'))
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, 8)
    tx.sendto(text('x'), { addr: GROUP, port: 520 })
    await net.sleep(1e6)
    assert.equal(await next(rx), null)
  })

  test('bad requests fail with FreeBSD errnos and change nothing', () => {
    const net: Net = guard.track(pairNet(8))
    const sys = net.sys('a')
    const fd = udp(sys, 520)
    const join = (m: object) => errnoOf(() => fd.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, m as never))
    assert.equal(join({ multiaddr: A, interface: A }), 'EINVAL')
    assert.equal(join({ multiaddr: GROUP, interface: B }), 'EADDRNOTAVAIL')
    assert.equal(join({ multiaddr: GROUP, interface: 0, ifindex: 999 }), 'EADDRNOTAVAIL')
    assert.equal(join({ multiaddr: 'x' }), 'EINVAL')
    assert.equal(join({ multiaddr: GROUP, interface: A }), 'ok')
    assert.equal(join({ multiaddr: GROUP, interface: A }), 'EADDRINUSE')
    assert.equal(
      errnoOf(() =>
        fd.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, { multiaddr: ip('224.0.0.5'), interface: A }),
      ),
      'EADDRNOTAVAIL',
    )
    assert.equal(
      errnoOf(() => fd.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, B)),
      'EADDRNOTAVAIL',
    )
    assert.equal(
      errnoOf(() => fd.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, 256)),
      'EINVAL',
    )
    assert.equal(fd.getsockopt(IPPROTO_IP, IP_MULTICAST_TTL), 1)
    const tcp = sys.socket(AF_INET, SOCK.STREAM)
    assert.equal(
      errnoOf(() => tcp.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: GROUP, interface: A })),
      'EOPNOTSUPP',
    )
  })

  test('an interface leaving the vnet takes the memberships of its sockets with it (in_pcbpurgeif0): none is found when it comes back', async () => {
    const net: Net = guard.track(pairNet(9))
    const b = net.sys('b')
    const name = net.ifName(0, 'b')
    const G = ip('239.1.2.3')
    const stale = udp(b, 5000)
    stale.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: G, interface: B })
    stale.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, B)
    assert.ok(b.ifInetGroups(name).includes(G))
    // Out to the host and back into b, configured again.
    net.root.ifReclaimFromJail(name, 'b')
    net.root.ifMoveToJail(name, 'b')
    b.ifAddAddr(name, B, 24)
    b.ifSetUp(name, true)
    assert.ok(!b.ifInetGroups(name).includes(G))
    // The socket sends by route again and is no member anywhere.
    assert.equal(stale.getsockopt(IPPROTO_IP, IP_MULTICAST_IF), 0)
    assert.equal(
      errnoOf(() => stale.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, { multiaddr: G, interface: B })),
      'EADDRNOTAVAIL',
    )
    const fresh = udp(b, 5000)
    fresh.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: G, interface: B })
    const tx = udp(net.sys('a'), 5000)
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, A)
    tx.sendto(text('after'), { addr: G, port: 5000 })
    await net.sleep(1e6)
    assert.equal(await next(fresh), 'after')
    assert.equal(await next(stale), null)
    // Closing the old socket leaves nothing the new one holds.
    stale.close()
    assert.ok(b.ifInetGroups(name).includes(G))
    tx.sendto(text('still'), { addr: G, port: 5000 })
    await net.sleep(1e6)
    assert.equal(await next(fresh), 'still')
  })
})
