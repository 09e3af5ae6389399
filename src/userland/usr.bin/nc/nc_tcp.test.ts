/**
 * nc over TCP between two vnet jails across a router, run as a FreeBSD script would in virtual
 * time: data both ways with -N, -z probes of open and closed ports with -v's reports, -k serving
 * one client after another, -p/-s for the local end, and the connect timeout of -w.
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
jexec a ifconfig $e1 10.0.1.1/24 up
jexec r ifconfig \${e1%a}b 10.0.1.254/24 up
jexec r ifconfig $e2 10.0.2.254/24 up
jexec b ifconfig \${e2%a}b 10.0.2.1/24 up
jexec r sysctl net.inet.ip.forwarding=1 > /dev/null
jexec a route add default 10.0.1.254 > /dev/null
jexec b route add default 10.0.2.254 > /dev/null
`

async function run(script: string): Promise<ShResult> {
  return sh(new Host(nodeClockDriver(), { clock: 'virtual', seed: 9 }), SETUP + script)
}

test('nc -l and nc across a router: data both ways, -N ends the session, -v reports both ends', async () => {
  const r = await run(`
(sleep 2; echo pong) | jexec b nc -v -l 8080 &
sleep 1
(echo ping; sleep 3) | jexec a nc -v -N -p 6000 10.0.2.1 8080
echo client=$?
wait $!
echo listener=$?`)
  assert.equal(r.out, 'ping\npong\nclient=0\nlistener=0\n')
  assert.equal(
    r.err,
    'Connection to 10.0.2.1 8080 port [tcp/*] succeeded!\nConnection from 10.0.1.1 6000 received!\n',
  )
})

test('nc -z: an open port succeeds, a closed one is refused by an RST', async () => {
  const r = await run(`
jexec b nc -l 80 > /dev/null &
sleep 1
jexec a nc -zv 10.0.2.1 80; echo open=$?
jexec a nc -zv 10.0.2.1 81; echo closed=$?
wait`)
  assert.equal(r.out, 'open=0\nclosed=1\n')
  assert.equal(
    r.err,
    'Connection to 10.0.2.1 80 port [tcp/http] succeeded!\nnc: connect to 10.0.2.1 port 81 (tcp) failed: Connection refused\n',
  )
})

test('nc -lk serves one client after another; -s binds the source address', async () => {
  const r = await run(`
jexec b nc -lk -s 10.0.2.1 9000 &
pid=$!
sleep 1
echo one | jexec a nc -N -s 10.0.1.1 10.0.2.1 9000
echo two | jexec a nc -N 10.0.2.1 9000
kill $pid
wait
jexec b netstat -an -p tcp | grep -c TIME_WAIT`)
  assert.equal(r.out, 'one\ntwo\n0\n')
})

test('nc -w bounds the connect: a silent host times out', async () => {
  const r = await run(`
jexec b sysctl net.inet.tcp.blackhole=1 > /dev/null
jexec a nc -w 2 10.0.2.1 80; echo status=$?`)
  assert.equal(r.out, 'status=1\n')
  assert.equal(r.err, 'nc: connect to 10.0.2.1 port 80 (tcp) failed: Operation timed out\n')
})

test('nc -w to a closed port reports the connect error, not the second connect', async () => {
  const r = await run(`jexec a nc -w 2 10.0.2.1 81; echo status=$?`)
  assert.equal(r.out, 'status=1\n')
  assert.equal(r.err, 'nc: connect to 10.0.2.1 port 81 (tcp) failed: Connection refused\n')
})
