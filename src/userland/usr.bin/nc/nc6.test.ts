/**
 * The socket tools over IPv6 between vnet jails across a router, as a FreeBSD script runs them in
 * virtual time: nc -6 -l and nc to an IPv6 literal (TCP and UDP), sockstat -6 and netstat -an
 * listing tcp6 sockets while the session is up.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { type ShResult, sh } from '../../../testing/net_lab.js'

const SETUP = `
for j in a r b; do jail -c name=$j vnet persist > /dev/null; done
e1=$(ifconfig epair create)
e2=$(ifconfig epair create)
ifconfig $e1 vnet a
ifconfig \${e1%a}b vnet r
ifconfig $e2 vnet r
ifconfig \${e2%a}b vnet b
jexec a ifconfig $e1 inet6 2001:db8:1::1/64 up
jexec r ifconfig \${e1%a}b inet6 2001:db8:1::fe/64 up
jexec r ifconfig $e2 inet6 2001:db8:2::fe/64 up
jexec b ifconfig \${e2%a}b inet6 2001:db8:2::1/64 up
jexec r sysctl net.inet6.ip6.forwarding=1 > /dev/null
jexec a route -6 add default 2001:db8:1::fe > /dev/null
jexec b route -6 add default 2001:db8:2::fe > /dev/null
sleep 2
`

async function run(script: string): Promise<ShResult> {
  return sh(new Host(nodeClockDriver(), { clock: 'virtual', seed: 19 }), SETUP + script)
}

test('nc -6 -l and nc to an IPv6 literal: data both ways; sockstat -6 and netstat -an show tcp6', async () => {
  const r = await run(`
(sleep 3; echo pong) | jexec b nc -6 -v -l 8080 &
sleep 1
jexec b sockstat -6 -l | tail -n +2 | cut -c 31-
(echo ping; sleep 4) | jexec a nc -v -N -p 6000 2001:db8:2::1 8080 &
sleep 1
jexec b netstat -an -f inet6 -p tcp
wait
echo done`)
  assert.equal(
    r.out,
    [
      'tcp6   *:8080                *:*',
      'ping',
      'Active Internet connections (including servers)',
      'Proto Recv-Q Send-Q Local Address          Foreign Address        (state)',
      'tcp6       0      0 *.8080                 *.*                    LISTEN',
      'tcp6       0      0 2001:db8:2::1.8080     2001:db8:1::1.6000     ESTABLISHED',
      'pong',
      'done',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    'Connection to 2001:db8:2::1 8080 port [tcp/*] succeeded!\nConnection from 2001:db8:1::1 6000 received!\n',
  )
})

test('nc -6 -u: a datagram each way; -4 refuses an IPv6 literal', async () => {
  const r = await run(`
(sleep 2; echo pong) | jexec b nc -6 -u -l -w 3 5353 &
sleep 1
(echo ping; sleep 2) | jexec a nc -u -w 3 2001:db8:2::1 5353
wait
jexec a nc -4 2001:db8:2::1 80; echo v4=$?`)
  assert.equal(r.out, 'ping\npong\nv4=1\n')
  assert.match(r.err, /getaddrinfo for host "2001:db8:2::1" port 80: hostname nor servname provided/)
})

test('fetch http://[v6]/ from a server on the other side of the router', async () => {
  const r = await run(`
printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\nConnection: close\\r\\n\\r\\nhello\\n' | jexec b nc -6 -l 80 > /dev/null &
sleep 1
jexec a fetch -o - 'http://[2001:db8:2::1]/'
echo fetch=$?
wait`)
  assert.equal(r.out, 'hello\nfetch=0\n')
})
