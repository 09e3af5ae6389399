/**
 * ipfw fwd and setfib as scripts through the routed lab (a — r — b) in virtual time: `fwd` on input
 * routes a forwarded packet toward its next hop where the routing table has no route, `fwd ... out`
 * overrides the route the table chose, `fwd` to one of the router's own addresses delivers the
 * packet to a local socket, `fwd ADDR,PORT` to a local socket on another port (a transparent proxy);
 * `setfib` is checked against net.fibs (1) as FreeBSD's ipfw does.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED_IPFW, sh, virtualHost } from '../../../testing/net_lab.js'

test('fwd: next hop on input and on output, local delivery; setfib refused past net.fibs as FreeBSD', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec b ifconfig lo0 inet 10.0.3.3/32 alias
jexec a ping -c 1 -t 1 10.0.3.3 > /dev/null; echo noroute=$?
jexec r ipfw add 100 fwd 10.0.2.2 ip from 10.0.1.0/24 to 10.0.3.0/24 in
jexec a ping -c 2 10.0.3.3 > /dev/null; echo fwd_in=$?
jexec r ipfw -q delete 100
jexec r route -q add 10.0.3.0/24 10.0.1.2
jexec a ping -c 1 -t 1 10.0.3.3 > /dev/null; echo wrongroute=$?
jexec r ipfw add 200 fwd 10.0.2.2 icmp from 10.0.1.2 to 10.0.3.3 out
jexec a ping -c 2 10.0.3.3 > /dev/null; echo fwd_out=$?
jexec r ipfw -q delete 200
jexec r nc -u -l 9999 &
nc=$!
sleep 1
echo lost | jexec a nc -u -w 1 10.0.9.9 9999 2> /dev/null
jexec r ipfw add 300 fwd 10.0.1.1 udp from any to 10.0.9.9 9999 in
echo hello | jexec a nc -u -w 1 10.0.9.9 9999
sleep 1
kill $nc
jexec r ipfw show 300
ipfw add setfib 1 ip from any to any; echo fib=$?
ipfw -n add setfib 2 ip from any to any; echo fib_n=$?
ipfw add 400 setfib 0 ip from any to any; echo fib0=$?
sysctl net.fibs
ipfw -n add fwd 10.0.2.2,8080 ip from any to any; echo port=$?`,
  )
  assert.equal(
    r.out,
    [
      'noroute=2',
      '00100 fwd 10.0.2.2 ip from 10.0.1.0/24 to 10.0.3.0/24 in',
      'fwd_in=0',
      // r's route sends 10.0.3.0/24 back toward a; only the fwd rule gets the echo to b.
      'wrongroute=2',
      '00200 fwd 10.0.2.2 icmp from 10.0.1.2 to 10.0.3.3 out',
      'fwd_out=0',
      '00300 fwd 10.0.1.1 udp from any to 10.0.9.9 9999 in',
      // The first datagram had no route at r; the second was delivered to r's wildcard socket.
      'hello',
      '00300 1 34 fwd 10.0.1.1 udp from any to 10.0.9.9 9999 in',
      'fib=65',
      'fib_n=65',
      '00400 setfib 0 ip from any to any',
      'fib0=0',
      'net.fibs: 1',
      '00000 fwd 10.0.2.2,8080 ip from any to any',
      'port=0',
      '',
    ].join('\n'),
  )
  assert.equal(r.err, ['ipfw: fib too large.', '', 'ipfw: fib too large.', '', ''].join('\n'))
})

test('fwd ADDR,PORT: a transparent proxy on the router takes connections and datagrams meant for b', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec r ipfw -q add 100 fwd 10.0.1.1,3128 tcp from 10.0.1.0/24 to any 80 in
jexec r ipfw -q add 110 fwd 10.0.1.1,5353 udp from 10.0.1.0/24 to any 53 in
jexec r nc -l 3128 > /proxied &
jexec r nc -u -l 5353 > /dns &
sleep 1
echo GET | jexec a nc -N 10.0.2.2 80; echo tcp=$?
echo query | jexec a nc -u -w 1 10.0.2.2 53
sleep 1
kill %2
cat /proxied /dns
jexec r ipfw show 100 110
jexec a nc -z -w 1 10.0.2.2 81; echo other=$?`,
  )
  assert.equal(
    r.out,
    [
      'tcp=0',
      'GET',
      'query',
      // SYN, ACK, data, FIN and the last ACK from a (the proxy's segments go out, not in).
      '00100 5 272 fwd 10.0.1.1,3128 tcp from 10.0.1.0/24 to any 80 in',
      '00110 1  34 fwd 10.0.1.1,5353 udp from 10.0.1.0/24 to any 53 in',
      // Port 81 is not forwarded: b itself refuses it.
      'other=1',
      '',
    ].join('\n'),
  )
})
