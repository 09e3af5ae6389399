/**
 * RFC 7217 stable addresses with net.inet6.ip6.use_stableaddr=1, in virtual time: SLAAC from
 * rtadvd gives an address whose identifier is not the MAC's EUI-64 but the one stableIfid computes
 * (same prefix and interface, same address; another prefix or interface, another identifier); with
 * the sysctl at 0 the EUI-64 one as before; and when DAD finds the stable address taken, the next
 * DAD_Counter's address appears beside the duplicated one.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shellWorld } from '../../testing/shell.js'
import { formatIpv6, parseIpv6 } from '../../wire/inet6/in6_addr.js'
import { stableIfid } from './in6_stableaddr.js'

const SETUP = `jail -c name=r vnet persist > /dev/null
jail -c name=h vnet persist > /dev/null
ifconfig epair create > /dev/null
ifconfig epair0a vnet r; ifconfig epair0b vnet h
jexec r sysctl net.inet6.ip6.forwarding=1 > /dev/null
jexec r ifconfig epair0a inet6 2001:db8:1::1/64
jexec h ifconfig epair0b inet6 -ifdisabled up
sleep 3
`

const PREFIX = parseIpv6('2001:db8:1::')!

function addrWith(iid: Uint8Array): string {
  const a = PREFIX.slice()
  a.set(iid, 8)
  return formatIpv6(a)
}

test('use_stableaddr: the SLAAC address has the RFC 7217 identifier, not the EUI-64', async () => {
  const w = shellWorld(21)
  const r = await w.run(`${SETUP}jexec h sysctl net.inet6.ip6.use_stableaddr=1
jexec r rtadvd epair0a
jexec h rtsol -F epair0b
sleep 2
jexec h ifconfig epair0b inet6 | grep autoconf
jexec h ifconfig epair0b inet6 | grep fe80
pkill rtadvd`)
  const ifp = w.ifp('h', 'epair0b')
  const [iid, n] = stableIfid(ifp, PREFIX, 0)
  assert.equal(n, 0)
  const want = addrWith(iid)
  assert.match(r.out, /^net.inet6.ip6.use_stableaddr: 0 -> 1$/m)
  assert.match(r.out, new RegExp(`^\\tinet6 ${want} prefixlen 64 autoconf\\b`, 'm'), r.out)
  // Not derived from the MAC: the link-local's identifier differs.
  const ll = /inet6 fe80::([0-9a-f:]+)%/.exec(r.out)![1]!
  assert.ok(!want.endsWith(`:${ll}`), `${want} vs fe80::${ll}`)
  // Stable: the same inputs give the same identifier; another prefix or interface another one.
  assert.deepEqual(stableIfid(ifp, PREFIX, 0)[0], iid)
  assert.notDeepEqual(stableIfid(ifp, parseIpv6('2001:db8:2::')!, 0)[0], iid)
  assert.notDeepEqual(stableIfid(w.ifp('r', 'epair0a'), PREFIX, 0)[0], iid)
  assert.notDeepEqual(stableIfid(ifp, PREFIX, 1)[0], iid)
  w.host.clock.stop()
})

test('use_stableaddr=0 keeps the EUI-64 identifier', async () => {
  const w = shellWorld(22)
  const r = await w.run(`${SETUP}jexec r rtadvd epair0a
jexec h rtsol -F epair0b
sleep 2
jexec h ifconfig epair0b inet6 | grep -E 'autoconf|fe80'
pkill rtadvd`)
  const ll = /inet6 fe80::([0-9a-f:]+)%/.exec(r.out)![1]!
  assert.match(r.out, new RegExp(`inet6 2001:db8:1:0:${ll} prefixlen 64 autoconf`))
  w.host.clock.stop()
})

test('a duplicate stable address: the next DAD_Counter address is made beside it', async () => {
  const w = shellWorld(23)
  await w.run(SETUP)
  const ifp = w.ifp('h', 'epair0b')
  const first = addrWith(stableIfid(ifp, PREFIX, 0)[0])
  const second = addrWith(stableIfid(ifp, PREFIX, 1)[0])
  const r = await w.run(`jexec r ifconfig epair0a inet6 ${first}/64 alias
sleep 2
jexec h sysctl net.inet6.ip6.use_stableaddr=1 > /dev/null
jexec r rtadvd epair0a
jexec h rtsol -F epair0b
sleep 3
jexec h ifconfig epair0b inet6 | grep 2001:db8:1:
pkill rtadvd`)
  assert.match(r.out, new RegExp(`^\\tinet6 ${first} prefixlen 64 duplicated autoconf`, 'm'), r.out)
  assert.match(r.out, new RegExp(`^\\tinet6 ${second} prefixlen 64 autoconf`, 'm'), r.out)
  w.host.clock.stop()
})
