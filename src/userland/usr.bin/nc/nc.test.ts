/**
 * nc over UDP between two vnet jails, run as a FreeBSD script would in virtual time: a listener and a
 * client exchanging text, `-z` probes answered or refused by ICMP, `-w` idle timeouts, reserved
 * ports, kills, and the errors nc prints.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { type ShResult, sh } from '../../../testing/net_lab.js'

const SETUP = `
jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
e=$(ifconfig epair create)
ifconfig $e vnet a
ifconfig \${e%a}b vnet b
jexec a ifconfig $e 10.0.0.1/24 up
jexec b ifconfig \${e%a}b 10.0.0.2/24 up
`

async function run(script: string): Promise<{ host: Host } & ShResult> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
  return { host, ...(await sh(host, SETUP + script)) }
}

test('nc -u: a client sends its input to a listener, which ends when idle for -w', async () => {
  const r = await run(`
jexec b nc -u -l -w 2 5000 &
sleep 1
echo hello | jexec a nc -u -w 1 10.0.0.2 5000
echo client=$?
wait $!
echo listener=$?`)
  assert.equal(r.err, '')
  assert.equal(r.out, 'hello\nclient=0\nlistener=0\n')
  assert.equal(r.status, 0)
})

test('nc -l answers its first sender only; -v reports both ends', async () => {
  const r = await run(`
(sleep 2; echo pong) | jexec b nc -uv -l -w 3 5000 &
sleep 1
echo ping | jexec a nc -uv -p 6000 -w 3 10.0.0.2 5000
wait`)
  assert.equal(r.out, 'ping\npong\n')
  assert.equal(
    r.err,
    'Connection to 10.0.0.2 5000 port [udp/*] succeeded!\nConnection from 10.0.0.1 6000 received!\n',
  )
})

test('nc -uz: an answered probe succeeds, a refused one fails through ICMP port unreachable', async () => {
  const r = await run(`
jexec b nc -u -l -w 3 53 > /dev/null &
sleep 1
jexec a nc -uz -v 10.0.0.2 53; echo open=$?
jexec a nc -uz -v 10.0.0.2 54; echo closed=$?
wait`)
  assert.equal(r.out, 'open=0\nclosed=1\n')
  assert.equal(
    r.err,
    'Connection to 10.0.0.2 53 port [udp/domain] succeeded!\nnc: connect to 10.0.0.2 port 54 (udp) failed: Connection refused\n',
  )
})

test("nc: reserved ports need root, and errors are nc's own", async () => {
  const r = await run(`
jexec -U nobody a nc -u -l 53; echo $?
jexec a nc -u 10.0.0.2 99999; echo $?
jexec a nc -u 10.0.0.2; echo $?
jexec a nc 10.0.0.2 80; echo $?
jexec a nc -k 10.0.0.2 80; echo $?`)
  assert.equal(r.out, '1\n1\n1\n1\n1\n')
  const lines = r.err.split('\n')
  assert.equal(lines[0], 'nc: bind failed: Permission denied')
  assert.equal(lines[1], 'nc: port number invalid: 99999')
  assert.match(lines[2]!, /^usage: nc /)
  assert.ok(r.err.includes('nc: connect to 10.0.0.2 port 80 (tcp) failed: Connection refused\n'))
  assert.ok(r.err.endsWith('nc: must use -l with -k\n'))
})

test('netstat -an lists the sockets of its own stack; a killed listener closes its socket', async () => {
  const r = await run(`
jexec b nc -u -l 5000 &
jexec a nc -u -l -s 10.0.0.1 -w 5 6000 &
sleep 1
echo b:; jexec b netstat -an
echo a:; jexec a netstat -n -p udp
echo host:; netstat -an
kill %1
wait %1
echo after:; jexec b netstat -an -p udp
wait`)
  assert.equal(r.status, 0, r.err)
  assert.equal(
    r.out,
    [
      'b:',
      'Active Internet connections (including servers)',
      'Proto Recv-Q Send-Q Local Address          Foreign Address        (state)',
      'udp4       0      0 *.5000                 *.*                    ',
      'a:',
      'Active Internet connections',
      'Proto Recv-Q Send-Q Local Address          Foreign Address        (state)',
      'udp4       0      0 10.0.0.1.6000          *.*                    ',
      'host:',
      'after:',
      '',
    ].join('\n'),
  )
  assert.equal(r.host.clock.pending, 0)
})
