/**
 * rtadvd, rtsol and rtsold as FreeBSD scripts in virtual time: a router running rtadvd and two hosts
 * on one bridge running rtsol get SLAAC addresses on the router's prefix and a default router, and
 * ping6 each other and the router's other side; `ndp -r` / `ndp -p` and `ifconfig -L` as FreeBSD
 * prints them; rtadvd refusing a router lifetime on a node that does not forward; SIGTERM's final
 * RA taking the default route away; lifetimes from rtadvd.conf expiring once the router is gone;
 * rtsold re-soliciting; a manual duplicate marking an address duplicated; NUD after a cut link
 * (STALE, DELAY, PROBE, gone) and ping6 reporting the loss; usage errors.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'
import { MemFs } from '../../bin/sh/streams.js'

/**
 * r (rtadvd on epair0a) and h1, h2 on one bridge; r also has 2001:db8:99::1 on lo0. h1's IPv6 is
 * left disabled (a new interface's default) for `rtsol -F` to enable; h2's is enabled by hand.
 */
const LAN = `jail -c name=r vnet persist > /dev/null
jail -c name=h1 vnet persist > /dev/null
jail -c name=h2 vnet persist > /dev/null
br=$(ifconfig bridge create)
e1=$(ifconfig epair create); e2=$(ifconfig epair create); e3=$(ifconfig epair create)
ifconfig $br addm epair0b addm epair1b addm epair2b up
ifconfig epair0b up; ifconfig epair1b up; ifconfig epair2b up
ifconfig epair0a vnet r; ifconfig epair1a vnet h1; ifconfig epair2a vnet h2
jexec r sysctl net.inet6.ip6.forwarding=1 > /dev/null
jexec r ifconfig epair0a inet6 2001:db8:1::1/64
jexec r ifconfig lo0 inet6 2001:db8:99::1/128
jexec h1 ifconfig epair1a up
jexec h2 ifconfig epair2a inet6 -ifdisabled up
sleep 3
`

test('rtadvd and rtsol: SLAAC addresses, a default router, ping6 across; ndp -r/-p, ifconfig -L', async () => {
  const r = await sh(
    virtualHost(),
    `${LAN}jexec r rtadvd epair0a
jexec h1 rtsol -F epair1a; echo rtsol=$?
jexec h2 ifconfig epair2a inet6 accept_rtadv
jexec h2 rtsol epair2a
sleep 3
jexec h1 ifconfig -L epair1a inet6 | grep autoconf
jexec h1 ndp -r
jexec h1 ndp -p
jexec h1 netstat -rn -f inet6 | grep default
a2=$(jexec h2 ifconfig epair2a inet6 | grep autoconf | awk '{print $2}')
jexec h1 ping6 -c 2 $a2 > /dev/null; echo peer=$?
jexec h1 ping6 -c 1 2001:db8:99::1 > /dev/null; echo beyond=$?
jexec h2 ping6 -c 1 2001:db8:1::1 > /dev/null; echo router=$?
jexec h1 ifconfig epair1a | grep nd6
pkill rtadvd`,
  )
  assert.equal(r.err, '')
  const out = r.out
  assert.match(out, /^rtsol=0$/m)
  assert.match(out, /^\tinet6 2001:db8:1:0:[0-9a-f:]+ prefixlen 64 autoconf pltime 60479\d vltime 259199\d$/m)
  assert.match(out, /^fe80::[0-9a-f:]+%epair1a if=epair1a, flags=, pref=medium, expire=29m5\ds$/m)
  assert.match(
    out,
    /^2001:db8:1::\/64 if=epair1a\nflags=LAO vltime=2592000, pltime=604800, expire=29d23h59m5\ds, ref=1\n {2}advertised by\n {4}fe80::[0-9a-f:]+%epair1a \(reachable\)$/m,
  )
  assert.match(out, /^default +fe80::[0-9a-f:]+%epair1a +UG +epair1a$/m)
  assert.match(out, /^peer=0\nbeyond=0\nrouter=0$/m)
  assert.match(out, /nd6 options=23<PERFORMNUD,ACCEPT_RTADV,AUTO_LINKLOCAL>/)
})

test('rtadvd on a host refuses a router lifetime; rltime#0 advertises prefixes only', async () => {
  const fs = new MemFs()
  fs.truncate('/etc/rtadvd.conf')
  fs.append(
    '/etc/rtadvd.conf',
    '# hosts may advertise prefixes but not themselves\nepair0a:\\\n\t:rltime#0:maxinterval#4:mininterval#3:\n',
  )
  const r = await sh(
    virtualHost(),
    `${LAN}jexec r sysctl net.inet6.ip6.forwarding=0 > /dev/null
jexec r rtadvd -f epair0a > /dev/null 2>&1 &
jexec r rtadvd -f -c /nonexistent epair0a &
jexec h1 ifconfig epair1a inet6 accept_rtadv -ifdisabled
sleep 20
jexec h1 ifconfig epair1a inet6 | grep -c autoconf
jexec h1 ndp -r | wc -l
pkill rtadvd`,
    fs,
  )
  assert.match(
    r.err,
    /rtadvd\[\d+\]: <getconfig> non zero router lifetime is specified for epair0a, which must not be allowed for hosts. {2}you must change router lifetime or enable IPv6 forwarding.\n/,
  )
  assert.match(r.out, /^1\n +0\n$/m)
})

test('SIGTERM sends a last RA with lifetime 0; short lifetimes from rtadvd.conf expire', async () => {
  const fs = new MemFs()
  fs.truncate('/etc/rtadvd.conf')
  fs.append(
    '/etc/rtadvd.conf',
    'default:\\\n\t:chlim#64:raflags#0:\nepair0a:\\\n\t:addr="2001:db8:7::":prefixlen#64:vltime#40:pltime#20:\\\n\t:maxinterval#10:mininterval#4:rltime#30:mtu#1400:tc=default:\n',
  )
  const r = await sh(
    virtualHost(),
    `${LAN}jexec r rtadvd epair0a
jexec h1 rtsol -F epair1a
jexec h1 netstat -rn -f inet6 | grep -c default
jexec h1 ifconfig epair1a inet6 | grep autoconf
jexec h1 ndp -i epair1a | head -1
pkill -TERM rtadvd
sleep 1
echo after-term
jexec h1 netstat -rn -f inet6 | grep -c default
sleep 21
jexec h1 ifconfig epair1a inet6 | grep autoconf
sleep 20
jexec h1 ifconfig epair1a inet6 | grep -c autoconf
jexec h1 ndp -p | grep -c 2001:db8:7`,
    fs,
  )
  assert.match(r.out, /^1\n\tinet6 2001:db8:7:0:[0-9a-f:]+ prefixlen 64 (tentative )?autoconf\n/m)
  assert.match(
    r.out,
    /^linkmtu=1400, maxmtu=1500, curhlim=64, basereachable=30s0ms, reachable=\d+s, retrans=1s0ms$/m,
  )
  assert.match(
    r.out,
    /after-term\n0\n\tinet6 2001:db8:7:0:[0-9a-f:]+ prefixlen 64 deprecated autoconf\n0\n0\n$/,
  )
})

test('rtsold: re-solicits when the interface comes back; rtsol gives up after 3 RSs', async () => {
  const r = await sh(
    virtualHost(),
    `${LAN}jexec h1 rtsol -d -F epair1a; echo status=$?
jexec h2 rtsold -F epair2a
sleep 10
jexec h2 ifconfig epair2a inet6 | grep -c autoconf
jexec r rtadvd epair0a
jexec h2 ifconfig epair2a down
sleep 6
jexec h2 ifconfig epair2a up
sleep 8
jexec h2 ifconfig epair2a inet6 | grep -c autoconf
jexec h2 ndp -r | wc -l
pkill rtsold; pkill rtadvd`,
  )
  assert.equal(r.err, '<rtsol_check_timer> No answer after sending 3 RSs\n')
  assert.match(r.out, /^status=0\n0\n1\n +1\n$/)
})

test('a manual duplicate of a SLAAC address is marked duplicated; NUD after a cut link', async () => {
  const r = await sh(
    virtualHost(),
    `${LAN}jexec r rtadvd epair0a
jexec h1 rtsol -F epair1a
sleep 2
a1=$(jexec h1 ifconfig epair1a inet6 | grep autoconf | awk '{print $2}')
jexec h2 ifconfig epair2a inet6 $a1/64
sleep 3
jexec h2 ifconfig epair2a inet6 | grep $a1
jexec h1 ping6 -c 1 2001:db8:1::1 > /dev/null; echo up=$?
ifconfig epair1b down
jexec h1 ndp -an | grep 2001:db8:1::1 | awk '{print $5}'
sleep 50
jexec h1 ndp -an | grep 2001:db8:1::1 | awk '{print $5}'
jexec h1 ping6 -c 1 -t 1 2001:db8:1::1 > /dev/null
jexec h1 ndp -an | grep 2001:db8:1::1 | awk '{print $5}'
sleep 5
jexec h1 ndp -an | grep 2001:db8:1::1 | awk '{print $5}'
sleep 4
jexec h1 ndp -an | grep -c 2001:db8:1::1
jexec h1 ping6 -c 2 2001:db8:1::1 > /tmp/p; echo status=$?
tail -1 /tmp/p
pkill rtadvd`,
  )
  assert.match(r.out, /^\tinet6 2001:db8:1:0:[0-9a-f:]+ prefixlen 64 duplicated$/m)
  assert.match(
    r.out,
    /^up=0\nR\nS\nD\nP\n0\nstatus=2\n2 packets transmitted, 0 packets received, 100.0% packet loss$/m,
  )
})

test('usage errors and bad configuration files', async () => {
  const fs = new MemFs()
  fs.truncate('/etc/bad.conf')
  fs.append('/etc/bad.conf', 'epair0a:maxinterval#2:\n')
  const r = await sh(
    virtualHost(),
    `${LAN}rtsol; echo s=$?
rtsold -z epair0b; echo s=$?
rtadvd; echo s=$?
jexec r rtadvd -f -c /etc/bad.conf epair0a &
sleep 1
pkill rtadvd`,
    fs,
  )
  assert.match(r.out, /^s=1\ns=1\ns=1$/m)
  assert.match(r.err, /^usage: rtsol \[-dDF\]/m)
  assert.match(r.err, /^rtsold: illegal option -- z$/m)
  assert.match(r.err, /^usage: rtadvd \[-dDfRs\]/m)
  assert.match(r.err, /<getconfig> maxinterval \(2\) on epair0a is invalid \(must be between 4 and 1800\)/)
})
