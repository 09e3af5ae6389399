/**
 * The IPv6 commands in FreeBSD's syntax, as a script in virtual time: `ifconfig IF inet6 ADDR/LEN`
 * (and `-alias`, `prefixlen`, `-ifdisabled`), the `inet6 ... scopeid` and `nd6 options=` lines,
 * `ping -6` / `ping6` over link-local and global addresses with FreeBSD 14's output, `route -6 add`
 * and `route add -inet6` with `route -6 get`, `netstat -rn -f inet6`, `ndp -an`, `ndp -s`, `ndp -d`,
 * and the errors for bad operands.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../testing/net_lab.js'

const SETUP = `epair=$(ifconfig epair create)
jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
jexec a ifconfig lo0 inet 127.0.0.1/8
jexec b ifconfig lo0 inet 127.0.0.1/8
ifconfig \${epair} vnet a
ifconfig \${epair%a}b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64
jexec b ifconfig epair0b inet6 2001:db8::2 prefixlen 64
`

test('ifconfig inet6: addresses, flags, scope ids and nd6 options as FreeBSD 14 prints them', async () => {
  const r = await sh(
    virtualHost(),
    `${SETUP}jexec a ifconfig epair0a inet6
sleep 3
jexec a ifconfig epair0a inet6
jexec a ifconfig lo0 inet6
jexec a ifconfig epair0a inet6 2001:db8::1 -alias
jexec a ifconfig epair0a inet6 | grep -c 2001
jexec a ifconfig epair0a inet6 2001:db8::zz/64; echo status=$?`,
  )
  const lines = r.out.split('\n')
  // The first address enabled IPv6 on the new interface (IFDISABLED until then), so it skipped
  // DAD (in6if_do_dad); the link-local that came with enabling it is still being checked.
  assert.equal(
    lines[0],
    'epair0a: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500',
  )
  assert.equal(lines[1], '\toptions=8<VLAN_MTU>')
  assert.equal(lines[2], '\tinet6 2001:db8::1 prefixlen 64')
  assert.match(lines[3]!, /^\tinet6 fe80::[0-9a-f:]+%epair0a prefixlen 64 tentative scopeid 0x2$/)
  assert.equal(lines[4], '\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>')
  assert.match(
    r.out,
    /\tinet6 2001:db8::1 prefixlen 64\n\tinet6 fe80::[0-9a-f:]+%epair0a prefixlen 64 scopeid 0x2\n/,
  )
  assert.match(r.out, /\tinet6 ::1 prefixlen 128\n\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x1\n/)
  assert.match(r.out, /\n0\nstatus=1\n$/)
  assert.equal(r.err, 'ifconfig: 2001:db8::zz: bad value\n')
})

test('ping -6 and ping6 over global and link-local addresses', async () => {
  const r = await sh(
    virtualHost(),
    `${SETUP}sleep 3
jexec a ping -6 -c 2 2001:db8::2
set -- $(jexec b ifconfig epair0b inet6 | grep fe80)
jexec a ping6 -c 1 -I epair0a \${2%%%*} > /dev/null; echo ll=$?
jexec a ping -c 1 ::1 | head -2
jexec a ping6 -c 1 -t 2 2001:db8::99; echo lost=$?`,
  )
  assert.equal(r.err, '')
  assert.match(
    r.out,
    /^PING6\(56=40\+8\+8 bytes\) 2001:db8::1 --> 2001:db8::2\n16 bytes from 2001:db8::2, icmp_seq=0 hlim=64 time=\d+\.\d{3} ms\n16 bytes from 2001:db8::2, icmp_seq=1 hlim=64 time=\d+\.\d{3} ms\n\n--- 2001:db8::2 ping6 statistics ---\n2 packets transmitted, 2 packets received, 0\.0% packet loss\nround-trip min\/avg\/max\/std-dev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms\n/,
  )
  assert.match(r.out, /\nll=0\n/)
  assert.match(r.out, /\nPING6\(56=40\+8\+8 bytes\) ::1 --> ::1\n16 bytes from ::1, icmp_seq=0 hlim=64 time=/)
  assert.match(r.out, /1 packets transmitted, 0 packets received, 100\.0% packet loss\nlost=2\n$/)
})

test('ping6 to our own link-local address, and address unreachable for a silent link-local neighbour', async () => {
  const r = await sh(
    virtualHost(),
    `${SETUP}sleep 3
set -- $(jexec a ifconfig epair0a inet6 | grep fe80)
jexec a ping6 -c 1 $2 | head -2
jexec b tcpdump -i epair0b -w /b.pcap 2> /dev/null &
sleep 1
jexec a ping6 -v -c 1 fe80::99%epair0a | head -2
sleep 1
kill %1
wait
tcpdump -nn -t -r /b.pcap 2> /dev/null`,
  )
  const ll =
    /PING6\(56=40\+8\+8 bytes\) (fe80::[0-9a-f:]+%epair0a) --> \1\n16 bytes from \1, icmp_seq=0/.exec(r.out)
  // The source is the destination itself (RFC 6724 rule 1), not lo0's fe80::1, and the reply arrives.
  assert.ok(ll !== null, r.out)
  // Neighbor discovery gives up: the error comes back to ping6 inside the stack (icmp6_error2
  // scopes it by the interface), so the link carries only the three solicitations.
  assert.match(r.out, /Destination Host Unreachable/)
  const frames = r.out.split('\n').filter((l) => l.startsWith('IP6 '))
  assert.equal(frames.length, 3, frames.join('\n'))
  for (const f of frames) assert.match(f, /ICMP6, neighbor solicitation, who has fe80::99, length 32$/)
})

test('route -6, route add -inet6, netstat -rn -f inet6 through a router', async () => {
  const r = await sh(
    virtualHost(),
    `e0=$(ifconfig epair create)
e1=$(ifconfig epair create)
for j in a r b; do jail -c name=$j vnet persist > /dev/null; jexec $j ifconfig lo0 inet 127.0.0.1/8; done
ifconfig \${e0} vnet a; ifconfig \${e0%a}b vnet r
ifconfig \${e1} vnet r; ifconfig \${e1%a}b vnet b
jexec a ifconfig \${e0} inet6 2001:db8:1::2/64
jexec r ifconfig \${e0%a}b inet6 2001:db8:1::1/64
jexec r ifconfig \${e1} inet6 2001:db8:2::1/64
jexec b ifconfig \${e1%a}b inet6 2001:db8:2::2/64
jexec r sysctl net.inet6.ip6.forwarding=1
jexec a route -6 add default 2001:db8:1::1
jexec b route add -inet6 -net 2001:db8:1:: -prefixlen 64 2001:db8:2::1
jexec a route -6 add 2001:db8:99::/48 2001:db8:1::7 > /dev/null; echo status=$?
sleep 3
jexec a ping -6 -c 1 2001:db8:2::2 | grep hlim
jexec a route -6 get 2001:db8:2::2
jexec a netstat -rn -f inet6
jexec a route -6 delete default
jexec a route -6 delete default; echo status=$?`,
  )
  assert.match(
    r.out,
    /^net\.inet6\.ip6\.forwarding: 0 -> 1\nadd net default: gateway 2001:db8:1::1\nadd net 2001:db8:1::: gateway 2001:db8:2::1\nstatus=0\n/,
  )
  assert.match(r.out, /16 bytes from 2001:db8:2::2, icmp_seq=0 hlim=63 time=/)
  assert.match(
    r.out,
    / {3}route to: 2001:db8:2::2\ndestination: ::\n {7}mask: ::\n {4}gateway: 2001:db8:1::1\n {8}fib: 0\n {2}interface: epair0a\n {6}flags: <UP,GATEWAY,DONE,STATIC>\n/,
  )
  assert.match(r.out, /\nInternet6:\nDestination {23}Gateway {23}Flags {5}Netif Expire\n/)
  assert.match(r.out, /\ndefault {27}2001:db8:1::1 {17}UGS {5}epair0a\n/)
  assert.match(r.out, /\n::1 {31}link#1 {24}UHS {9}lo0\n/)
  assert.match(r.out, /\n2001:db8:1::\/64 {19}link#2 {24}U {7}epair0a\n/)
  assert.match(r.out, /\n2001:db8:1::2 {21}link#2 {24}UHS {9}lo0\n/)
  assert.match(r.out, /\nfe80::%lo0\/64 {21}link#1 {24}U {11}lo0\n/)
  assert.match(r.out, /\nfe80::%epair0a\/64 {17}link#2 {24}U {7}epair0a\n/)
  assert.match(r.out, /\ndelete net default\ndelete net default fib 0: not in table\nstatus=1\n$/)
  assert.equal(r.err, 'route: route has not been found\n')
})

test('ndp -an, ndp -s, ndp -d', async () => {
  const r = await sh(
    virtualHost(),
    `${SETUP}sleep 3
jexec a ping -6 -c 1 2001:db8::2 > /dev/null
jexec a ndp -an | grep 2001:db8::2
jexec a ndp -an | grep 'db8::1 '
jexec a ndp -s 2001:db8::9 02:00:00:00:00:99
jexec a ndp -an | grep 2001:db8::9
jexec a ndp -d 2001:db8::9
jexec a ndp -d 2001:db8::9; echo status=$?
jexec a ndp -an | head -1`,
  )
  assert.match(r.out, /^2001:db8::2 {26}02:[0-9a-f:]{14} epair0a [0-9hms]+ +R \n/)
  // Our own address: in6_lltable_alloc makes every LLE_STATIC entry (LLE_IFADDR included)
  // ND6_LLINFO_REACHABLE, so FreeBSD's ndp prints state R and no router flag.
  assert.match(r.out, /\n2001:db8::1 {26}02:[0-9a-f:]{14} epair0a permanent R \n/)
  assert.match(r.out, /\n2001:db8::9 {26}02:00:00:00:00:99 epair0a permanent R \n/)
  // FreeBSD 14's ndp ignores delete()'s result: a missing entry is a warning, exit 0.
  assert.match(r.out, /\n2001:db8::9 \(2001:db8::9\) deleted\nstatus=0\n/)
  assert.match(r.out, /Neighbor {29}Linklayer Address {2}Netif Expire {4}S Flags\n$/)
  assert.equal(r.err, 'ndp: delete 2001:db8::9: No such file or directory\n')
})

test('route add -6 -host / -net through a link-local gateway; a host with link-locals only sources from them', async () => {
  const r = await sh(
    virtualHost(),
    `epair=$(ifconfig epair create)
jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
jexec a ifconfig lo0 inet 127.0.0.1/8
jexec b ifconfig lo0 inet 127.0.0.1/8
ifconfig \${epair} vnet a
ifconfig \${epair%a}b vnet b
jexec a ifconfig epair0a inet6 -ifdisabled up
jexec b ifconfig epair0b inet6 -ifdisabled up
jexec b ifconfig lo0 up
jexec b ifconfig lo0 inet6 2001:db8:2::1/128
jexec b ifconfig lo0 inet6 2001:db8:2::2/128
sleep 2
ll=$(jexec b ifconfig epair0b inet6 | awk '$2~/^fe80:/{print $2}' | cut -d% -f1)
jexec a route add -6 -host 2001:db8:2::1 \${ll}%epair0a
jexec a route add -6 -net 2001:db8:2::/126 \${ll}%epair0a
jexec a route add -6 -frob 2001:db8:3::/64 \${ll}%epair0a; echo status=$?
jexec a ping -6 -c 1 2001:db8:2::2 | head -1
jexec a ping -6 -c 1 2001:db8:2::1 | grep transmitted`,
  )
  // route.c's K_6 keyword after the command word selects AF_INET6 like `-inet6` does.
  assert.match(r.out, /^add host 2001:db8:2::1: gateway fe80::[0-9a-f:]+%epair0a\n/)
  assert.match(r.out, /\nadd net 2001:db8:2::\/126: gateway fe80::[0-9a-f:]+%epair0a\nstatus=64\n/)
  // No global address anywhere in a: in6_selectsrc takes the outgoing link's link-local address.
  assert.match(r.out, /\nPING6\(56=40\+8\+8 bytes\) fe80::[0-9a-f:]+%epair0a --> 2001:db8:2::2\n/)
  assert.match(r.out, /\n1 packets transmitted, 1 packets received, 0\.0% packet loss\n$/)
  assert.match(r.err, /^route: bad keyword: frob\n/)
})

test('ifconfig inet6: an existing address keeps its prefix length (in6_validate_ifa)', async () => {
  const r = await sh(
    virtualHost(),
    `${SETUP}jexec a ifconfig epair0a inet6 2001:db8:9::1/128
jexec a ifconfig epair0a inet6 2001:db8:9::1/127 alias; echo status=$?
jexec a ifconfig epair0a inet6 2001:db8:9::1/128 alias; echo status=$?
jexec a ifconfig epair0a inet6 | grep 2001:db8:9::1`,
  )
  assert.equal(r.out, 'status=1\nstatus=0\n\tinet6 2001:db8:9::1 prefixlen 128 tentative\n')
  assert.equal(r.err, 'ifconfig: ioctl (SIOCAIFADDR): Invalid argument\n')
})
