/**
 * IPv6 multipath routes (net.route.multipath, as for IPv4): `route -6 add X GW2` joins X's route as
 * another path, the same gateway again is EEXIST, multipath=0 restores EEXIST; flows spread over the
 * paths by IPv4's flow hash while one flow keeps to one path, forwarded packets too; `route -6
 * delete X GW` removes that path alone, and without a gateway the whole route goes.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shellWorld } from '../../../testing/shell.js'
import { Icmp6Type } from '../../../wire/inet6/icmpv6.js'
import { parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { flowHash } from '../../net/route/route.js'
import { icmp6Stats } from '../icmp6.js'
import { ip6 } from '../ip6/ip6.js'
import { in6Fold, mpathSelect6 } from './in6_rtable.js'

const a6 = (s: string): Uint8Array => parseIpv6(s)!

/** Router r between h (left) and two next hops n1, n2 that both reach 2001:db8:9::/64. */
const SETUP = `for j in h r n1 n2; do jail -c name=$j vnet persist > /dev/null; done
ifconfig epair create > /dev/null
ifconfig epair create > /dev/null
ifconfig epair create > /dev/null
ifconfig epair0a vnet h
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair1b vnet n1
ifconfig epair2a vnet r
ifconfig epair2b vnet n2
jexec h ifconfig epair0a inet6 2001:db8:a::2/64 no_dad up
jexec r ifconfig epair0b inet6 2001:db8:a::1/64 no_dad up
jexec r ifconfig epair1a inet6 2001:db8:1::1/64 no_dad up
jexec r ifconfig epair2a inet6 2001:db8:2::1/64 no_dad up
jexec n1 ifconfig epair1b inet6 2001:db8:1::2/64 no_dad up
jexec n2 ifconfig epair2b inet6 2001:db8:2::2/64 no_dad up
jexec r sysctl net.inet6.ip6.forwarding=1 > /dev/null
jexec h route -6 add default 2001:db8:a::1 > /dev/null
jexec n1 route -6 add default 2001:db8:1::1 > /dev/null
jexec n2 route -6 add default 2001:db8:2::1 > /dev/null
jexec n1 ifconfig lo0 inet6 2001:db8:9::1/128
jexec n2 ifconfig lo0 inet6 2001:db8:9::1/128
`

test('route -6 add joins a multipath route; netstat lists both paths; same gateway is EEXIST', async () => {
  const w = shellWorld(5)
  const r = await w.run(`${SETUP}jexec r route -6 add -net 2001:db8:9::/64 2001:db8:1::2
jexec r route -6 add -net 2001:db8:9::/64 2001:db8:2::2
jexec r route -6 add -net 2001:db8:9::/64 2001:db8:2::2; echo rc=$?
jexec r netstat -rn -f inet6 | grep 2001:db8:9::
jexec r sysctl net.route.multipath=0 > /dev/null
jexec r route -6 add -net 2001:db8:9::/64 2001:db8:a::2; echo rc=$?`)
  assert.equal(
    r.out,
    [
      'add net 2001:db8:9::/64: gateway 2001:db8:1::2',
      'add net 2001:db8:9::/64: gateway 2001:db8:2::2',
      'add net 2001:db8:9::/64: gateway 2001:db8:2::2 fib 0: route already in table',
      'rc=1',
      '2001:db8:9::/64                   2001:db8:1::2                 UGS     epair1a',
      '2001:db8:9::/64                   2001:db8:2::2                 UGS     epair2a',
      'add net 2001:db8:9::/64: gateway 2001:db8:a::2 fib 0: route already in table',
      'rc=1',
      '',
    ].join('\n'),
  )
  w.host.clock.stop()
})

test('flows spread over the paths, one flow keeps to one; forwarded pings reach both next hops', async () => {
  const w = shellWorld(6)
  await w.run(`${SETUP}jexec r route -6 add -net 2001:db8:9::/64 2001:db8:1::2 > /dev/null
jexec r route -6 add -net 2001:db8:9::/64 2001:db8:2::2 > /dev/null`)
  const rib = ip6(w.ifp('r', 'epair0b').vnet).rib
  const dst = a6('2001:db8:9::1')
  const counts = new Map<string, number>()
  for (let i = 0; i < 1000; i++) {
    const p = mpathSelect6(
      rib.lookup(dst)!,
      flowHash(in6Fold(a6('2001:db8:a::2'), 0), in6Fold(dst, 0), (10000 + i) << 16),
    )
    counts.set(p.ifp.name, (counts.get(p.ifp.name) ?? 0) + 1)
  }
  assert.equal(counts.size, 2)
  for (const n of counts.values()) assert.ok(n > 350, `uneven spread ${[...counts.values()]}`)
  const h = flowHash(1, in6Fold(dst, 0), 7)
  const first = mpathSelect6(rib.lookup(dst)!, h)
  for (let i = 0; i < 50; i++) assert.equal(mpathSelect6(rib.lookup(dst)!, h), first)
  // Echo requests from many sources: each next hop sees some (ICMPv6 hashes on addresses alone).
  let script = ''
  for (let i = 10; i < 40; i++) script += `jexec h ifconfig epair0a inet6 2001:db8:a::${i}/64 no_dad alias\n`
  for (let i = 10; i < 40; i++)
    script += `jexec h ping -6 -c 1 -S 2001:db8:a::${i} 2001:db8:9::1 > /dev/null\n`
  const r = await w.run(script)
  const echoes = (j: string, i: string) => icmp6Stats(w.ifp(j, i).vnet).icp6s_inhist[Icmp6Type.ECHO_REQUEST]!
  const n1 = echoes('n1', 'epair1b')
  const n2 = echoes('n2', 'epair2b')
  assert.equal(n1 + n2, 30, `every echo request arrives once: ${n1} ${n2}\n${r.out}${r.err}`)
  assert.ok(n1 >= 5 && n2 >= 5, `both next hops carry traffic: ${n1} ${n2}`)
  w.host.clock.stop()
})

test('route -6 delete X GW removes that path; without a gateway the whole route goes', async () => {
  const w = shellWorld(7)
  const r = await w.run(`${SETUP}jexec r route -6 add -net 2001:db8:9::/64 2001:db8:1::2 > /dev/null
jexec r route -6 add -net 2001:db8:9::/64 2001:db8:2::2 > /dev/null
jexec r route -6 delete -net 2001:db8:9::/64 2001:db8:1::2
jexec r netstat -rn -f inet6 | grep 2001:db8:9::
jexec h ping -6 -c 1 2001:db8:9::1 | grep -c 'bytes from'
jexec r route -6 add -net 2001:db8:9::/64 2001:db8:1::2 > /dev/null
jexec r route -6 delete -net 2001:db8:9::/64
jexec r netstat -rn -f inet6 | grep -c 2001:db8:9::`)
  assert.equal(
    r.out,
    [
      'delete net 2001:db8:9::/64: gateway 2001:db8:1::2',
      '2001:db8:9::/64                   2001:db8:2::2                 UGS     epair2a',
      '1',
      'delete net 2001:db8:9::/64',
      '0',
      '',
    ].join('\n'),
  )
  w.host.clock.stop()
})
