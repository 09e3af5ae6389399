/**
 * Raw IPv6 sockets for a protocol other than ICMPv6 (what ospf6d opens for 89), in virtual time: a
 * datagram of that protocol reaches the socket (from its upper-layer header, with addresses and hop
 * limit) instead of a Parameter Problem; IPV6_CHECKSUM makes the kernel fill in the pseudo-header
 * checksum at the offset given; IPV6_JOIN_GROUP lets a link-scoped group in; options a socket of its
 * protocol cannot take are refused with EINVAL and change nothing; a socket with IPV6_CHECKSUM hears
 * only packets whose checksum verifies, the rest counted once in rip6s_badsum (rip6_input).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { IPPROTO_IPV6, IPV6_JOIN_GROUP } from '../../host/syscalls.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { Net } from '../../testing/net.js'
import { ip6 as a6, addr6 } from '../../testing/net6.js'
import { SEC } from '../../util/clock.js'
import { isSysError } from '../../util/errno.js'
import { fold, sum16 } from '../../wire/checksum.js'
import { ipv6PseudoSum } from '../../wire/inet6/ipv6.js'
import { rip6Stats } from './raw_ip6.js'

const IPV6_CHECKSUM = 26
const PROTO = 89

async function pair(): Promise<Net> {
  const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 9 }), {
    jails: ['a', 'b'],
    links: [['a', '', 'b', '']],
  })
  addr6(n.sys('a'), 'epair0a', '2001:db8::1/64')
  addr6(n.sys('b'), 'epair0b', '2001:db8::2/64')
  await n.sleep(3 * SEC)
  return n
}

test('protocol 89: delivered to its raw socket with the checksum the kernel filled in, groups joined', async () => {
  const n = await pair()
  const tx = n.sys('a').inet6.rawSocket(PROTO)
  const rx = n.sys('b').inet6.rawSocket(PROTO)
  const icmp = n.sys('b').inet6.rawSocket()
  tx.setsockopt(IPPROTO_IPV6, IPV6_CHECKSUM, 12)
  const msg = new Uint8Array(24).fill(7)
  const src = tx.send(a6('2001:db8::2'), msg)
  const got = await rx.recv(SEC)
  assert.ok(got !== null)
  assert.equal(got.data.length, 24)
  assert.equal(got.ifName, 'epair0b')
  // The pseudo-header sum over what arrived is zero: the kernel put the checksum at offset 12.
  const sum = ~fold(sum16(got.data, 0, 24, ipv6PseudoSum(src, 0, got.dst, 0, 24, PROTO))) & 0xffff
  assert.equal(sum, 0)
  assert.notDeepEqual([got.data[12], got.data[13]], [7, 7])
  assert.equal(await icmp.recv(SEC / 10), null, 'no Parameter Problem for a protocol with a socket')
  // ff02::5 on b's link: refused by the interface until joined.
  const group = a6('ff02::5')
  const ifindex = n.sys('a').ifGet('epair0a').index
  tx.send(group, msg, { hlim: 1, scopeId: ifindex })
  assert.equal(await rx.recv(SEC / 10), null)
  rx.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, {
    multiaddr6: group,
    ifindex: n.sys('b').ifGet('epair0b').index,
  })
  tx.send(group, msg, { hlim: 1, scopeId: ifindex })
  const m = await rx.recv(SEC)
  assert.ok(m !== null)
  assert.equal(m.hlim, 1)
  assert.equal(m.dst[0], 0xff)
  for (const s of [tx, rx, icmp]) s.close()
})

test('IPV6_CHECKSUM: EINVAL on an ICMPv6 socket and for an odd offset; a message too short for it', async () => {
  const n = await pair()
  const einval = (f: () => unknown) => assert.throws(f, (e: unknown) => isSysError(e) && e.code === 'EINVAL')
  const icmp = n.sys('a').inet6.rawSocket()
  einval(() => icmp.setsockopt(IPPROTO_IPV6, IPV6_CHECKSUM, 2))
  const s = n.sys('a').inet6.rawSocket(PROTO)
  einval(() => s.setsockopt(IPPROTO_IPV6, IPV6_CHECKSUM, 3))
  s.setsockopt(IPPROTO_IPV6, IPV6_CHECKSUM, 12)
  einval(() => s.send(a6('2001:db8::2'), new Uint8Array(8)))
  einval(() => n.sys('a').inet6.rawSocket(256))
  s.close()
  icmp.close()
})

test('IPV6_CHECKSUM on the receiver: a bad checksum is dropped and counted once, a good one delivered', async () => {
  const n = await pair()
  const raw = n.sys('a').inet6.rawSocket(PROTO)
  const good = n.sys('a').inet6.rawSocket(PROTO)
  good.setsockopt(IPPROTO_IPV6, IPV6_CHECKSUM, 12)
  const checked = n.sys('b').inet6.rawSocket(PROTO)
  const plain = n.sys('b').inet6.rawSocket(PROTO)
  checked.setsockopt(IPPROTO_IPV6, IPV6_CHECKSUM, 12)
  const st = rip6Stats(n.vnet('b'))
  // No checksum filled in: the bytes at 12 are whatever the sender wrote.
  raw.send(a6('2001:db8::2'), new Uint8Array(24).fill(7))
  const p = await plain.recv(SEC)
  assert.ok(p !== null, 'a socket without IPV6_CHECKSUM takes it as it is')
  assert.equal(await checked.recv(SEC / 10), null, 'the checking socket never sees it')
  assert.equal(st.rip6s_badsum, 1)
  assert.equal(st.rip6s_isum, 1)
  good.send(a6('2001:db8::2'), new Uint8Array(24).fill(7))
  assert.ok((await checked.recv(SEC)) !== null)
  assert.ok((await plain.recv(SEC)) !== null)
  assert.equal(st.rip6s_badsum, 1)
  assert.equal(st.rip6s_isum, 2)
  assert.equal(st.rip6s_ipackets, 2)
  assert.equal(rip6Stats(n.vnet('a')).rip6s_opackets, 2)
  for (const s of [raw, good, checked, plain]) s.close()
})
