/**
 * ICMPv6 redirects (RFC 4861 §8) in virtual time: host h on a LAN with routers r1 and r2 (each
 * with one link-local address, fe80::1 and fe80::2) takes r1 as its default router, but only r2
 * reaches t's network. r1 forwards h's first packet back out of the LAN and redirects h to fe80::2;
 * h installs a `UGHD` host route that expires after net.inet6.icmp6.redirtimeout, and its next
 * packets go straight to r2. Knobs turn either side off; redirects with the wrong hop limit, from a
 * router that is not the first hop, or naming a global target are refused and counted.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Host } from '../../../host/host.js'
import { sh, virtualHost } from '../../../testing/net_lab.js'
import { ip6 } from '../../../testing/net6.js'
import { SEC } from '../../../util/clock.js'
import { Icmp6Type } from '../../../wire/inet6/icmpv6.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'

const LAN = `
for j in h r1 r2 t; do jail -c name=$j vnet persist > /dev/null; done
br=$(ifconfig bridge create)
for j in h r1 r2; do e=$(ifconfig epair create); ifconfig $br addm $e; ifconfig $e up; ifconfig \${e%a}b vnet $j; done
ifconfig $br up
e=$(ifconfig epair create); ifconfig $e vnet r2; ifconfig \${e%a}b vnet t
jexec h ifconfig epair0b inet6 2001:db8:1::10/64 up
jexec r1 ifconfig epair1b inet6 -auto_linklocal
jexec r1 ifconfig epair1b inet6 2001:db8:1::1/64 up
jexec r1 ifconfig epair1b inet6 fe80::1%epair1b/64 alias
jexec r2 ifconfig epair2b inet6 -auto_linklocal
jexec r2 ifconfig epair2b inet6 2001:db8:1::2/64 up
jexec r2 ifconfig epair2b inet6 fe80::2%epair2b/64 alias
jexec r2 ifconfig epair3a inet6 2001:db8:2::1/64 up
jexec t ifconfig epair3b inet6 2001:db8:2::10/64 up
jexec t route -6 add default 2001:db8:2::1 > /dev/null
jexec h route -6 add default fe80::1%epair0b > /dev/null
jexec r1 route -6 add 2001:db8:2::/64 fe80::2%epair1b > /dev/null
jexec r1 sysctl net.inet6.ip6.forwarding=1 > /dev/null
jexec r2 sysctl net.inet6.ip6.forwarding=1 > /dev/null
sleep 3
`

const stat = (host: Host, jail: string, proto: 'ip6' | 'icmp6', name: string): number =>
  host
    .syscalls()
    .attach(jail)
    .inet6.protoStats(proto)
    .find(([n]) => n === name)?.[1] ?? 0

test('a router redirects a host to the better first hop; the host route is UGHD and expires', async () => {
  const host = virtualHost(21)
  const r = await sh(
    host,
    `${LAN}
jexec h sysctl net.inet6.icmp6.redirtimeout=30 > /dev/null
jexec h ping6 -q -c 1 2001:db8:2::10 > /dev/null
jexec h netstat -rn -f inet6 | grep -e Destination -e 2001:db8:2::10
jexec h ping6 -q -c 3 2001:db8:2::10 > /dev/null
jexec h traceroute6 -n -q 1 2001:db8:2::10
sleep 31
echo after; jexec h netstat -rn -f inet6 | grep 2001:db8:2::10
jexec h traceroute6 -n -q 1 2001:db8:2::10`,
  )
  assert.equal(r.err.replace(/traceroute6 to .*\n/g, ''), '')
  assert.equal(
    r.out,
    [
      'Destination                       Gateway                       Flags     Netif Expire',
      '2001:db8:2::10                    fe80::2%epair0b               UGHD    epair0b     30',
      ' 1  2001:db8:1::2  0.000 ms',
      ' 2  2001:db8:2::10  0.000 ms',
      'after',
      ' 1  2001:db8:1::1  0.000 ms',
      ' 2  2001:db8:1::2  0.000 ms',
      ' 3  2001:db8:2::10  0.000 ms',
      '',
    ].join('\n'),
  )
  // One redirect for the first packet, none while h used r2 directly; one more after expiry.
  assert.equal(stat(host, 'r1', 'ip6', 'ip6s_redirectsent'), 2)
  assert.equal(stat(host, 'r1', 'icmp6', `icp6s_outhist[${Icmp6Type.REDIRECT}]`), 2)
  assert.equal(stat(host, 'h', 'icmp6', `icp6s_inhist[${Icmp6Type.REDIRECT}]`), 2)
  assert.equal(stat(host, 'h', 'icmp6', 'icp6s_badredirect'), 0)
})

test('net.inet6.ip6.redirect=0 sends none; net.inet6.icmp6.rediraccept=0 takes none', async () => {
  const host = virtualHost(22)
  const r = await sh(
    host,
    `${LAN}
jexec r1 sysctl net.inet6.ip6.redirect=0 > /dev/null
jexec h ping6 -q -c 2 2001:db8:2::10 > /dev/null
jexec h netstat -rn -f inet6 | grep -c 2001:db8:2::10
jexec r1 sysctl net.inet6.ip6.redirect=1 > /dev/null
jexec h sysctl net.inet6.icmp6.rediraccept=0 > /dev/null
jexec h ping6 -q -c 2 2001:db8:2::10 > /dev/null
jexec h netstat -rn -f inet6 | grep -c 2001:db8:2::10
jexec h sysctl net.inet6.icmp6.rediraccept net.inet6.icmp6.redirtimeout net.inet6.ip6.redirect`,
  )
  assert.equal(
    r.out,
    [
      '0',
      '0',
      'net.inet6.icmp6.rediraccept: 0',
      'net.inet6.icmp6.redirtimeout: 600',
      'net.inet6.ip6.redirect: 1',
      '',
    ].join('\n'),
  )
  // Both pings of the second round earned a redirect (h never took one), rate limits aside.
  assert.equal(stat(host, 'r1', 'ip6', 'ip6s_redirectsent'), 2)
  assert.equal(stat(host, 'h', 'icmp6', 'icp6s_badredirect'), 0)
})

/** A Redirect message: target, destination, no options. */
function redirect(target: string, dst: string): Uint8Array {
  const m = new Uint8Array(40)
  m[0] = Icmp6Type.REDIRECT
  m.set(ip6(target), 8)
  m.set(ip6(dst), 24)
  return m
}

test('redirects are refused unless from the current first hop, with hop limit 255, to a link-local router', async () => {
  const host = virtualHost(23)
  const r = await sh(host, LAN)
  assert.equal(r.status, 0)
  const root = host.syscalls()
  const h = root.attach('h')
  const hIf = h.ifGet('epair0b').index
  const hAddr = ip6('2001:db8:1::10')
  const send = (jail: string, msg: Uint8Array, src: string, hlim: number) => {
    const s = root.attach(jail).inet6.rawSocket()
    const zone = root.attach(jail).ifGet(jail === 'r1' ? 'epair1b' : 'epair2b').index
    s.send(hAddr, msg, { src: ip6(src), scopeId: zone, hlim })
    s.close()
  }
  const wait = () => h.nanosleep(SEC / 10)
  // From r2, which is not h's first hop toward t (r1 is).
  send('r2', redirect('fe80::2', '2001:db8:2::10'), 'fe80::2', 255)
  await wait()
  assert.equal(stat(host, 'h', 'icmp6', 'icp6s_badredirect'), 1)
  // From r1 but with a hop limit that proves it crossed a router.
  send('r1', redirect('fe80::2', '2001:db8:2::10'), 'fe80::1', 64)
  await wait()
  assert.equal(stat(host, 'h', 'icmp6', 'icp6s_badredirect'), 2)
  // From r1 from a global address.
  send('r1', redirect('fe80::2', '2001:db8:2::10'), '2001:db8:1::1', 255)
  await wait()
  assert.equal(stat(host, 'h', 'icmp6', 'icp6s_badredirect'), 3)
  // A global target that is not the destination itself.
  send('r1', redirect('2001:db8:1::2', '2001:db8:2::10'), 'fe80::1', 255)
  await wait()
  assert.equal(stat(host, 'h', 'icmp6', 'icp6s_badredirect'), 4)
  const toT = () => h.inet6.routeList().find((x) => formatIpv6(x.dst) === '2001:db8:2::10')
  assert.equal(toT(), undefined)
  // The real thing: from r1's link-local address, hop limit 255.
  send('r1', redirect('fe80::2', '2001:db8:2::10'), 'fe80::1', 255)
  await wait()
  const rt = toT()
  assert.ok(rt !== undefined && rt.gateway !== null)
  assert.equal(formatIpv6(rt.gateway), 'fe80::2')
  assert.equal(rt.ifName, 'epair0b')
  assert.equal(rt.scopeId, hIf)
  assert.equal(stat(host, 'h', 'icmp6', 'icp6s_badredirect'), 4)
})
