/**
 * Gratuitous Neighbor Discovery in virtual time: a router learns a host's new address from the
 * host's unsolicited advertisement after DAD (not for a `no_dad` address, not on a plain host),
 * and a link-layer address change reaches a neighbor's cache, the link-local address at once and
 * the next address one RetransTimer later.
 */

import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { Net } from '../../../testing/net.js'
import { ip6 as a6, addr6, ping6 } from '../../../testing/net6.js'
import { MS, SEC } from '../../../util/clock.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { ND6_IFF } from '../in6_var.js'
import { in6if, ip6 } from '../ip6/ip6.js'
import { NdState, nd6Lookup } from './nd6.js'

let current: Net | null = null
afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

/** r on epair0a, h on epair0b, both with IPv6 on and their link-local addresses through DAD. */
async function pair(rForwarding: boolean): Promise<Net> {
  const n = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 }), {
    jails: ['r', 'h'],
    links: [['r', '', 'h', '']],
  })
  current = n
  if (rForwarding) ip6(n.vnet('r')).forwarding = 1
  for (const [j, i] of [
    ['r', 'epair0a'],
    ['h', 'epair0b'],
  ] as const) {
    n.sys(j).ifSetUp(i, true)
    n.sys(j).inet6.setNdFlags(i, 0, ND6_IFF.IFDISABLED)
  }
  await n.sleep(3 * SEC)
  return n
}

function entry(n: Net, j: string, ifName: string, a: string) {
  return nd6Lookup(n.ifp(j, ifName), a6(a), 0)
}

test('a router learns a host address from its advertisement after DAD, as a STALE entry (RFC 9131)', async () => {
  const n = await pair(true)
  addr6(n.sys('h'), 'epair0b', '2001:db8::5/64')
  assert.equal(entry(n, 'r', 'epair0a', '2001:db8::5'), null)
  await n.sleep(3 * SEC)
  const e = entry(n, 'r', 'epair0a', '2001:db8::5')
  assert.ok(e !== null, 'the router has an entry for the new address')
  assert.equal(e.state, NdState.STALE)
  assert.equal(e.mac, n.ifp('h', 'epair0b').mac)
  assert.equal(e.isRouter, false)
})

test('an address configured without DAD is not announced, and a host does not learn from the advertisement', async () => {
  const n = await pair(true)
  n.sys('h').inet6.setNdFlags('epair0b', ND6_IFF.NO_DAD, 0)
  addr6(n.sys('h'), 'epair0b', '2001:db8::6/64')
  await n.sleep(3 * SEC)
  assert.equal(entry(n, 'r', 'epair0a', '2001:db8::6'), null)

  const m = await pair(false)
  addr6(m.sys('h'), 'epair0b', '2001:db8::7/64')
  await m.sleep(3 * SEC)
  // Sent to all-routers: a node that does not forward neither hears nor keeps it (RFC 4861 §7.2.5).
  assert.equal(entry(m, 'r', 'epair0a', '2001:db8::7'), null)
})

test('a new link-layer address reaches the neighbors: the link-local at once, the next address a RetransTimer later', async () => {
  const n = await pair(false)
  n.sys('h').inet6.setNdFlags('epair0b', ND6_IFF.NO_DAD, 0)
  n.sys('r').inet6.setNdFlags('epair0a', ND6_IFF.NO_DAD, 0)
  addr6(n.sys('h'), 'epair0b', '2001:db8::1/64')
  addr6(n.sys('r'), 'epair0a', '2001:db8::2/64')
  assert.ok((await ping6(n.sys('r'), '2001:db8::1')) !== null)
  const hLl = in6if(n.ifp('h', 'epair0b')).addrs[0]!.addr
  // r learns h's link-local from a solicitation for it.
  assert.ok((await ping6(n.sys('r'), formatIpv6(hLl), { via: 'epair0a' })) !== null)
  const newMac = 0x901000010203
  n.sys('h').ifSetMac('epair0b', newMac)
  await n.sleep(100 * MS)
  assert.equal(nd6Lookup(n.ifp('r', 'epair0a'), hLl, 0)!.mac, newMac)
  const g = entry(n, 'r', 'epair0a', '2001:db8::1')!
  assert.notEqual(g.mac, newMac)
  await n.sleep(1 * SEC)
  assert.equal(g.mac, newMac)
  assert.equal(g.state, NdState.STALE)
  // Traffic flows to the new address.
  assert.ok((await ping6(n.sys('r'), '2001:db8::1')) !== null)
})
