/**
 * IPv6 multicast socket options between two vnets on one link, in virtual time: a datagram to
 * ff02::9 reaches only a socket that joined the group on that interface, with the hop limit
 * IPV6_MULTICAST_HOPS gave it; leaving the group (or closing the socket) stops it at the stack
 * (ip6s_notmember); bad requests fail with FreeBSD's errno and change nothing. An interface moved to
 * another vnet leaves its old sockets' groups behind (in6_pcbpurgeif0).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  SOCK,
  type SocketFd,
} from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { Net } from '../../../testing/net.js'
import { addr6, ip6 } from '../../../testing/net6.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { in6IfJoined } from './in6_mcast.js'

const GROUP = ip6('ff02::9')

function errno(f: () => void): string {
  try {
    f()
  } catch (e) {
    if (isSysError(e)) return e.code
    throw e
  }
  return 'none'
}

async function recv(fd: SocketFd): Promise<{ data: Uint8Array; hlim?: number } | null> {
  try {
    return await fd.recvfrom(100, 0, SEC)
  } catch {
    return null
  }
}

test('a group datagram reaches the sockets that joined it on the interface, and only those', async () => {
  const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 2 }), {
    jails: ['a', 'b'],
    links: [['a', '', 'b', '']],
  })
  const [a, b] = [n.sys('a'), n.sys('b')]
  addr6(a, 'epair0a', '2001:db8::1/64')
  addr6(b, 'epair0b', '2001:db8::2/64')
  // Past DAD and the unsolicited advertisements to all-routers that end it (GRAND), which b, not a
  // router, counts as ip6s_notmember like the datagrams below.
  await n.sleep(4 * SEC)
  const ifB = b.ifGet('epair0b').index
  const ifA = a.ifGet('epair0a').index
  const joined = b.socket(AF_INET6, SOCK.DGRAM)
  joined.bind({ addr: 0, port: 521, addr6: new Uint8Array(16) })
  const mreq = { multiaddr6: GROUP, ifindex: ifB }
  joined.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq)
  assert.equal(
    errno(() => joined.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq)),
    'EADDRINUSE',
  )
  assert.equal(
    errno(() =>
      joined.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: ip6('2001:db8::9'), ifindex: ifB }),
    ),
    'EINVAL',
  )
  assert.equal(
    errno(() => joined.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: GROUP, ifindex: 99 })),
    'ENXIO',
  )
  const v4 = b.socket(AF_INET, SOCK.DGRAM)
  assert.equal(
    errno(() => v4.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq)),
    'EINVAL',
  )
  v4.close()

  const tx = a.socket(AF_INET6, SOCK.DGRAM)
  tx.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255)
  assert.equal(tx.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS), 255)
  tx.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF, ifA)
  // Without a zone: IPV6_MULTICAST_IF names the interface.
  tx.sendto(new Uint8Array([1, 2, 3]), { addr: 0, port: 521, addr6: GROUP })
  const got = await recv(joined)
  assert.ok(got !== null, 'the member hears it')
  assert.deepEqual([...got.data], [1, 2, 3])
  assert.equal(got.hlim, 255)

  // After leaving, the stack no longer accepts the group on that interface.
  joined.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, mreq)
  assert.equal(
    errno(() => joined.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, mreq)),
    'EADDRNOTAVAIL',
  )
  const notMember = () => Number(b.inet6.protoStats('ip6').find(([k]) => k === 'ip6s_notmember')?.[1] ?? 0)
  const before = notMember()
  tx.sendto(new Uint8Array([4]), { addr: 0, port: 521, addr6: GROUP, scopeId: ifA })
  assert.equal(await recv(joined), null)
  assert.equal(notMember(), before + 1)

  // Joined again then closed: the membership goes with the socket.
  joined.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq)
  joined.close()
  const other = b.socket(AF_INET6, SOCK.DGRAM)
  other.bind({ addr: 0, port: 521, addr6: new Uint8Array(16) })
  tx.sendto(new Uint8Array([5]), { addr: 0, port: 521, addr6: GROUP, scopeId: ifA })
  assert.equal(await recv(other), null, 'a socket that did not join hears nothing')
  assert.equal(notMember(), before + 2)
  other.close()
  tx.close()
  assert.equal(n.host.env.netisr.errors, 0)
})

test('an interface moved to another vnet takes the memberships of its old sockets with it (in6_pcbpurgeif0)', async () => {
  const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 3 }), {
    jails: ['a', 'b'],
    links: [['a', '', 'b', '']],
  })
  const [a, b, host] = [n.sys('a'), n.sys('b'), n.sys('')]
  addr6(a, 'epair0a', '2001:db8::1/64')
  addr6(b, 'epair0b', '2001:db8::2/64')
  await n.sleep(4 * SEC)
  const stale = b.socket(AF_INET6, SOCK.DGRAM)
  stale.bind({ addr: 0, port: 521, addr6: new Uint8Array(16) })
  stale.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: GROUP, ifindex: b.ifGet('epair0b').index })
  stale.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF, b.ifGet('epair0b').index)
  // epair0b goes back to the host, whose own socket joins the same group there.
  host.ifReclaimFromJail('epair0b', 'b')
  assert.equal(stale.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF), 0)
  host.ifSetUp('epair0b', true)
  addr6(host, 'epair0b', '2001:db8::3/64')
  await n.sleep(4 * SEC)
  const ifp = n.ifp('', 'epair0b')
  assert.equal(in6IfJoined(ifp, GROUP, 0), false)
  const mine = host.socket(AF_INET6, SOCK.DGRAM)
  mine.bind({ addr: 0, port: 521, addr6: new Uint8Array(16) })
  mine.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr6: GROUP, ifindex: ifp.index })
  // Closing b's socket takes nothing from the host's membership.
  stale.close()
  assert.equal(in6IfJoined(ifp, GROUP, 0), true)
  const tx = a.socket(AF_INET6, SOCK.DGRAM)
  tx.sendto(new Uint8Array([7]), { addr: 0, port: 521, addr6: GROUP, scopeId: a.ifGet('epair0a').index })
  const got = await recv(mine)
  assert.ok(got !== null, 'the host socket still hears the group')
  assert.deepEqual([...got.data], [7])
  mine.close()
  tx.close()
  assert.equal(n.host.env.netisr.errors, 0)
})
