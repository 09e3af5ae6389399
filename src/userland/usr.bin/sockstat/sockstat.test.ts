/**
 * sockstat between vnet jails in virtual time: each stack's sockets with the process holding each
 * one (USER COMMAND PID FD from the kernel's descriptor tables), FreeBSD 14's columns, its filters
 * (-4 -c -l -L -p -P -q -s -n), -j into vnet and shared-stack jails, and its errors.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { AF_INET, SOCK } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import { ip4 } from '../../testkit.js'

const SETUP = `
jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
e=$(ifconfig epair create)
ifconfig $e vnet a
ifconfig \${e%a}b vnet b
jexec a ifconfig $e 10.0.0.1/24 up
jexec b ifconfig \${e%a}b 10.0.0.2/24 up
jexec b nc -u -l 5000 &
jexec a nc -u -l -s 10.0.0.1 -w 5 6000 &
sleep 5 | jexec -U nobody a nc -u -w 5 10.0.0.2 5000 &
sleep 1
`

async function run(script: string, host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })) {
  return { host, ...(await sh(host, script)) }
}

const HEAD = 'USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS      '

test('sockstat: each vnet jail sees its own stack, every socket with its owner', async () => {
  const r = await run(`${SETUP}
echo b:; jexec b sockstat
echo a:; jexec a sockstat
echo host:; sockstat
kill %1 %2 %3; wait`)
  assert.equal(r.err, '')
  assert.equal(
    r.out,
    [
      'b:',
      HEAD,
      'root     nc           112 3   udp4   *:5000                *:*',
      'a:',
      HEAD,
      'nobody   nc           120 3   udp4   10.0.0.1:62694        10.0.0.2:5000',
      'root     nc           115 3   udp4   10.0.0.1:6000         *:*',
      'host:',
      HEAD,
      '',
    ].join('\n'),
  )
})

test('sockstat: -c, -l, -n, -q, -s, -p and -P choose rows and columns as FreeBSD 14 does', async () => {
  const r = await run(`${SETUP}
echo c:; jexec a sockstat -4 -c -n
echo l:; jexec a sockstat -lq
echo s:; jexec a sockstat -s -p 6000
echo P:; jexec a sockstat -P tcp
echo P2:; jexec a sockstat -q -P sctp,udp -p 5000,7000-7010
kill %1 %2 %3; wait`)
  assert.equal(r.err, '')
  assert.equal(
    r.out,
    [
      'c:',
      HEAD,
      '65534    nc           120 3   udp4   10.0.0.1:62694        10.0.0.2:5000',
      'l:',
      'root     nc           115 3   udp4   10.0.0.1:6000         *:*',
      's:',
      `${HEAD} PATH STATE   CONN STATE  `,
      'root     nc           115 3   udp4   10.0.0.1:6000         *:*',
      'P:',
      HEAD,
      'P2:',
      'nobody   nc           120 3   udp4   10.0.0.1:62694        10.0.0.2:5000',
      '',
    ].join('\n'),
  )
})

test('sockstat -j: a vnet jail is looked at from inside, a shared-stack jail by its processes; -L', async () => {
  const r = await run(`${SETUP}
ifconfig lo0 inet 10.1.0.1/32 alias
jail -c name=c ip4.addr=10.1.0.1 persist > /dev/null
jexec c nc -u -l 7000 &
nc -u -l -s 127.0.0.1 7001 &
sleep 1
echo ja:; sockstat -q -j a -p 5000
echo host:; sockstat -q
echo L:; sockstat -qL
echo jc:; sockstat -q -j c
echo in:; jexec c sockstat -q
kill %1 %2 %3 %4 %5; wait`)
  assert.equal(r.err, '')
  assert.equal(
    r.out,
    [
      'ja:',
      'nobody   nc           120 3   udp4   10.0.0.1:62694        10.0.0.2:5000',
      'host:',
      'root     nc           127 3   udp4   127.0.0.1:7001        *:*',
      'root     nc           125 3   udp4   10.1.0.1:7000         *:*',
      'L:',
      'root     nc           125 3   udp4   10.1.0.1:7000         *:*',
      'jc:',
      'root     nc           125 3   udp4   10.1.0.1:7000         *:*',
      'in:',
      'root     nc           125 3   udp4   10.1.0.1:7000         *:*',
      '',
    ].join('\n'),
  )
})

test('sockstat: descriptors are the lowest free from 3, closed at exit; a socket no process holds shows ?', async () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
  const root = host.syscalls()
  // Library code calling the kernel directly is no process: its socket has no owner.
  root.socket(AF_INET, SOCK.DGRAM).bind({ addr: 0, port: 9 })
  const pid = root.procStart(() => {}, 'daemon-with-a-long-name')
  const me = root.asProcess(pid)
  const s3 = me.socket(AF_INET, SOCK.DGRAM)
  const s4 = me.socket(AF_INET, SOCK.DGRAM)
  s3.bind({ addr: ip4('127.0.0.1'), port: 53 })
  s4.connect({ addr: ip4('127.0.0.1'), port: 53 })
  s3.close()
  me.socket(AF_INET, SOCK.DGRAM).bind({ addr: 0, port: 69 })
  assert.throws(() => root.withUid(65534).asProcess(pid), /No such process/)
  const r = await run('sockstat -4', host)
  assert.equal(r.err, '')
  const lines = r.out.split('\n')
  assert.deepEqual(lines.slice(1), [
    `root     daemon-wit   ${String(pid).padStart(3)} 3   udp4   *:69                  *:*`,
    `root     daemon-wit   ${String(pid).padStart(3)} 4   udp4   127.0.0.1:${s4.getsockname().port}       127.0.0.1:53`,
    '?        ?          ?     ?   udp4   *:9                   *:*',
    '',
  ])
  // Exit closes what the process still holds.
  root.procExit(pid)
  const after = await run('sockstat -4q', host)
  assert.equal(after.out, '?        ?          ?     ?   udp4   *:9                   *:*\n')
})

test("sockstat: errors in sockstat's words", async () => {
  const r = await run(`${SETUP}
jexec a sockstat -j nosuch; echo $?
sockstat -j 77; echo $?
sockstat -p 5-1; echo $?
sockstat -p x; echo $?
sockstat -P icmp; echo $?
jexec a sockstat -q -P foo,udp -p 6000; echo $?
sockstat -x; echo $?
sockstat extra; echo $?
kill %1 %2 %3; wait`)
  assert.equal(
    r.out,
    [
      '1',
      '1',
      '1',
      '1',
      '1',
      'root     nc           115 3   udp4   10.0.0.1:6000         *:*',
      '0',
      '1',
      '1',
      '',
    ].join('\n'),
  )
  const usage = 'usage: sockstat [-46CcfIiLlnqSsUuvw] [-j jid] [-p ports] [-P protocols]'
  assert.equal(
    r.err,
    [
      'sockstat: jail_getid: jail "nosuch" not found',
      'sockstat: jail_getid: jail 77 not found',
      'sockstat: invalid port number',
      'sockstat: syntax error in port range',
      'sockstat: protocol 1 not supported',
      'sockstat: cap_getprotobyname: Undefined error: 0',
      'sockstat: illegal option -- x',
      usage,
      usage,
      '',
    ].join('\n'),
  )
})

test('sockstat -s over TCP: a server owns its listener and the connections it accepted', async () => {
  const host = virtualHost()
  assert.equal((await sh(host, ROUTED)).status, 0)
  const r = await sh(
    host,
    `jexec b iperf3 -s -1 > /dev/null &
sleep 1
jexec a iperf3 -c 10.0.2.2 -t 3 -b 1M > /dev/null &
sleep 2
jexec b sockstat -q -s -P tcp
jexec a sockstat -q -c
wait`,
  )
  assert.equal(r.err, '')
  const lines = r.out.split('\n')
  const srv = /^root {5}iperf3 +(\d+) 3 {3}tcp4 {3}\*:5201 {16}\*:\* {32}LISTEN$/.exec(lines[0]!)
  assert.ok(srv, lines[0])
  const pid = srv[1]!.padStart(5)
  const row = (fd: number): RegExp =>
    new RegExp(
      `^root {5}iperf3 {5}${pid} ${fd} {3}tcp4 {3}10\\.0\\.2\\.2:5201 {9}10\\.0\\.1\\.2:\\d+ +ESTABLISHED$`,
    )
  assert.match(lines[1]!, row(4))
  assert.match(lines[2]!, row(5))
  const cli = /^root {5}iperf3 +(\d+) 3 {3}tcp4 {3}10\.0\.1\.2:\d+ +10\.0\.2\.2:5201$/.exec(lines[3]!)
  assert.ok(cli, lines[3])
  assert.notEqual(cli[1], srv[1])
  assert.match(
    lines[4]!,
    new RegExp(
      `^root {5}iperf3 {5}${cli[1]!.padStart(5)} 4 {3}tcp4 {3}10\\.0\\.1\\.2:\\d+ +10\\.0\\.2\\.2:5201$`,
    ),
  )
  assert.equal(lines.length, 6)
})

test('sockstat and netstat: a link-local IPv6 socket shows its zone (fe80::1%lo0), as getnameinfo does', async () => {
  const r = await run(`nc -6 -u -l fe80::1%lo0 5000 &
sleep 1
sockstat -6 -q
netstat -an -f inet6
kill %1; wait`)
  assert.equal(r.err, '')
  assert.equal(
    r.out,
    [
      'root     nc           102 3   udp6   fe80::1%lo0:5000      *:*',
      'Active Internet connections (including servers)',
      'Proto Recv-Q Send-Q Local Address          Foreign Address        (state)',
      'udp6       0      0 fe80::1%lo0.5000       *.*                    ',
      '',
    ].join('\n'),
  )
})
