/**
 * route(8)'s modifiers against the kernel, in virtual time: the flags -xresolve, -sticky, -proxy as
 * netstat and `route get` show them, -ifa / -ifp / -prefsrc choosing a route's source address and
 * interface (and what netstat -o shows of it), their refusals, and `route -6 change`.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const LAB = `jail -c name=a vnet persist > /dev/null
ifconfig epair create > /dev/null
ifconfig epair create > /dev/null
ifconfig epair0a vnet a
ifconfig epair1a vnet a
jexec a ifconfig epair0a 192.0.2.1/24 up
jexec a ifconfig epair1a 198.51.100.1/24 up
jexec a ifconfig lo0 203.0.113.7/32 alias
`

test('-xresolve, -sticky and -proxy are kept: netstat letters X and 2, route get names', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a route -q add 10.1.0.0/16 192.0.2.2 -xresolve -sticky
jexec a route -q add 10.2.0.0/16 192.0.2.2 -proxy -sticky -nostick
jexec a netstat -rn -f inet | grep -E '^10\\.'
jexec a route -n get 10.1.0.1 | grep flags
jexec a route -n get 10.2.0.1 | grep flags`,
  )
  assert.equal(r.err, '')
  assert.deepEqual(r.out.split('\n'), [
    '10.1.0.0/16        192.0.2.2          UGXS    epair0a',
    '10.2.0.0/16        192.0.2.2          UGS2    epair0a',
    '      flags: <UP,GATEWAY,DONE,XRESOLVE,STATIC,STICKY>',
    '      flags: <UP,GATEWAY,DONE,STATIC,PROTO2>',
    '',
  ])
})

test('-ifp sends through another interface with its address; -ifa takes one of ours; -prefsrc only the source', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a route -q add -host 10.3.0.1 192.0.2.2 -ifp epair1a
jexec a route -n get 10.3.0.1 | grep interface
jexec a route -q add -host 10.4.0.1 192.0.2.2 -ifa 198.51.100.1
jexec a route -n get 10.4.0.1 | grep interface
jexec a route -q add -host 10.5.0.1 192.0.2.2 -prefsrc 203.0.113.7
jexec a route -n get 10.5.0.1 | grep interface
jexec a netstat -4onW | grep 'v4/gw 203.0.113.7'
jexec a route add -host 10.6.0.1 192.0.2.2 -ifa 192.0.2.99; echo "status $?"
jexec a route add -host 10.6.0.1 192.0.2.2 -prefsrc 192.0.2.99; echo "status $?"`,
  )
  const lines = r.out.split('\n')
  assert.deepEqual(lines.slice(0, 3), [
    '  interface: epair1a',
    '  interface: epair1a',
    '  interface: epair0a',
  ])
  // The nexthop of the -prefsrc route: source 203.0.113.7, whose interface (lo0) is its Addrif.
  assert.match(lines[3]!, /^\d+ +v4\/gw 203\.0\.113\.7 +192\.0\.2\.2 +GHS +0 +1500 +epair0a +lo0 +\d+ $/)
  assert.deepEqual(lines.slice(4), [
    'add host 10.6.0.1: gateway 192.0.2.2 fib 0: Network is unreachable',
    'status 1',
    'add host 10.6.0.1: gateway 192.0.2.2 fib 0: Invalid argument',
    'status 1',
    '',
  ])
  assert.equal(
    r.err,
    'route: writing to routing socket: Network is unreachable\nroute: writing to routing socket: Invalid argument\n',
  )
})

test('route -6 change replaces the route; one that is not there is ESRCH', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a ifconfig epair0a inet6 2001:db8::1/64 no_dad
jexec a route -6 add 2001:db8:1::/48 2001:db8::2
jexec a route -6 change 2001:db8:1::/48 2001:db8::3
jexec a route -6n get 2001:db8:1::1 | grep gateway
jexec a route -6 change 2001:db8:2::/48 2001:db8::3; echo "status $?"`,
  )
  assert.deepEqual(r.out.split('\n'), [
    'add net 2001:db8:1::/48: gateway 2001:db8::2',
    'change net 2001:db8:1::/48: gateway 2001:db8::3',
    '    gateway: 2001:db8::3',
    'change net 2001:db8:2::/48: gateway 2001:db8::3 fib 0: not in table',
    'status 1',
    '',
  ])
  assert.equal(r.err, 'route: route has not been found\n')
})

test('route -6: -expire deletes the route in time, -mtu and the flags are kept, bad metrics refused', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a ifconfig epair0a inet6 2001:db8::1/64 no_dad
jexec a route -6q add 2001:db8:5::/48 2001:db8::2 -expire +10 -mtu 1400 -xresolve -hopcount 4
jexec a route -6n get 2001:db8:5::1 | tail -n 3
jexec a netstat -rn -f inet6 | grep 2001:db8:5
sleep 11
jexec a route -6n get 2001:db8:5::1 > /dev/null 2>&1; echo "after $?"
jexec a route -6 add 2001:db8:6::/48 2001:db8::2 -rtt 1x; echo "status $?"`,
  )
  const lines = r.out.split('\n')
  assert.equal(lines[0], '      flags: <UP,GATEWAY,DONE,XRESOLVE,STATIC,FIXEDMTU>')
  assert.match(lines[2]!, /^ +0 +0 +0 +0 +1400 +1 +10 $/)
  assert.match(lines[3]!, /^2001:db8:5::\/48 +2001:db8::2 +UGXS +epair0a +10$/)
  assert.deepEqual(lines.slice(4), ['after 1', 'status 64', ''])
  assert.equal(r.err, 'route: 1x: Invalid argument\n')
})
