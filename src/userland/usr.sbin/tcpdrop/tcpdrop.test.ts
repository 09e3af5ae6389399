/**
 * tcpdrop between vnet jails across a router in virtual time: -l -a lists the connections as
 * commands, dropping one resets its peer and leaves listeners alone, only root of the jail that
 * owns the stack may drop, a stack never sees another's connections, and the errors and usage are
 * FreeBSD's. sockstat -s shows the states around it. Syncache entries (SYN_RCVD, no socket) are
 * listed and tried as FreeBSD 14's tcpdrop does, fail with ESRCH, and are never on a named stack.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Host } from '../../../host/host.js'
import { AF_INET, SOCK, type SocketFd, type Syscalls } from '../../../host/syscalls.js'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import { isSysError } from '../../../util/errno.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import { TcpOptions, TH, TOF, tcpFinish, writeTcpHeader } from '../../../wire/inet/tcp.js'

/** The routed lab (a -- r -- b) with b listening on port 80. */
async function routedListener(): Promise<{ host: Host; a: Syscalls; b: Syscalls; ls: SocketFd }> {
  const host = virtualHost()
  assert.equal((await sh(host, ROUTED)).status, 0)
  const a = host.syscalls().attach('a')
  const b = host.syscalls().attach('b')
  const ls = b.socket(AF_INET, SOCK.STREAM)
  ls.bind({ addr: 0, port: 80 })
  ls.listen(8)
  return { host, a, b, ls }
}

test('tcpdrop: list, drop one connection (its peer sees a reset), leave the listener', async () => {
  const { host, a, ls } = await routedListener()
  const c = a.socket(AF_INET, SOCK.STREAM)
  await c.connect({ addr: 0x0a000202, port: 80 })
  const { fd: srv } = await ls.accept()
  const port = c.getsockname().port
  const conn = `10.0.2.2 80 10.0.1.2 ${port}`
  const r = await sh(
    host,
    `jexec b tcpdrop -l -a
jexec b sockstat -q -s -P tcp
tcpdrop ${conn}; echo host=$?
jexec -U nobody b tcpdrop ${conn}; echo nobody=$?
jexec b tcpdrop ${conn}; echo root=$?
jexec b tcpdrop ${conn}; echo again=$?
jexec b sockstat -q -s -P tcp
jexec b tcpdrop -a; echo all=$?
jexec b tcpdrop 10.0.2.2 80 10.0.1.2; echo usage=$?
jexec b tcpdrop 10.0.2.2 eighty 10.0.1.2 1; echo badport=$?`,
  )
  const q = '?        ?          ?     ?   tcp4   '
  assert.equal(
    r.out,
    [
      `tcpdrop ${conn}`,
      `${q}*:80                  *:*                                LISTEN`,
      // CONN STATE starts at column 94, after the 13 of PATH STATE (SCTP's alone).
      `${q}${'10.0.2.2:80'.padEnd(22)}${`10.0.1.2:${port}`.padEnd(35)}ESTABLISHED`,
      'host=1',
      'nobody=1',
      `${conn}: dropped`,
      'root=0',
      'again=1',
      `${q}*:80                  *:*                                LISTEN`,
      'all=0',
      'usage=1',
      'badport=1',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [
      `tcpdrop: ${conn}: No such process`,
      `tcpdrop: ${conn}: Operation not permitted`,
      `tcpdrop: ${conn}: No such process`,
      'usage: tcpdrop local-address local-port foreign-address foreign-port',
      '       tcpdrop [-l] -a',
      '       tcpdrop [-l] [-S stack] -s state',
      '       tcpdrop [-l] -S stack [-s state]',
      'tcpdrop: getaddrinfo: 10.0.2.2 port eighty: Name does not resolve',
      '',
    ].join('\n'),
  )
  await assert.rejects(c.recv(100), (e) => isSysError(e) && e.code === 'ECONNRESET')
  await assert.rejects(srv.recv(100), (e) => isSysError(e) && e.code === 'ECONNABORTED')
  c.close()
  srv.close()
  ls.close()
})

test('tcpdrop -s STATE drops only the connections in that state; -S names the stack', async () => {
  const { host, a, b, ls } = await routedListener()
  // One connection closed by b first (b ends in TIME_WAIT), one left established.
  const c1 = a.socket(AF_INET, SOCK.STREAM)
  await c1.connect({ addr: 0x0a000202, port: 80 })
  const { fd: s1 } = await ls.accept()
  s1.close()
  assert.deepEqual(await c1.recv(10), new Uint8Array(0))
  c1.close()
  const c2 = a.socket(AF_INET, SOCK.STREAM)
  await c2.connect({ addr: 0x0a000202, port: 80 })
  await ls.accept()
  await host.syscalls().nanosleep(1e9)
  const states = () =>
    b
      .socketList()
      .map((s) => s.state)
      .sort()
  assert.deepEqual(states(), ['ESTABLISHED', 'LISTEN', 'TIME_WAIT'])
  const r = await sh(
    host,
    `jexec b tcpdrop -S rack -s ESTABLISHED; echo rack=$?
jexec b tcpdrop -s TIME_WAIT; echo tw=$?
jexec b tcpdrop -a -s TIME_WAIT; echo usage=$?`,
  )
  assert.match(r.out, /^rack=0\n10\.0\.2\.2 80 10\.0\.1\.2 \d+: dropped\ntw=0\n/)
  assert.match(r.out, /usage=1\n$/)
  assert.deepEqual(states(), ['ESTABLISHED', 'LISTEN'])
})

test('tcpdrop and syncache entries: listed and tried as FreeBSD 14 does, ESRCH, never on a stack', async () => {
  const { host, a, b, ls } = await routedListener()
  // One real connection, to show what -a does drop next to the entry it cannot.
  const c = a.socket(AF_INET, SOCK.STREAM)
  await c.connect({ addr: 0x0a000202, port: 80 })
  await ls.accept()
  const cport = c.getsockname().port
  // A bare SYN from a raw socket; a's stack ignores the SYN-ACK (blackhole 2: no RST for it), so
  // b keeps a syncache entry for 10.0.1.2:4444 while it retransmits the SYN-ACK.
  a.sysctlSet('net.inet.tcp.blackhole', '2')
  const to = new TcpOptions()
  to.flags = TOF.MSS
  to.mss = 1460
  const syn = new Uint8Array(24)
  const hl = writeTcpHeader(syn, 0, 4444, 80, 1000, 0, TH.SYN, 65535, 0, to)
  tcpFinish(syn, 0, hl, 0x0a000102, 0x0a000202)
  a.rawSocket(IpProto.TCP).send(0x0a000202, syn.subarray(0, hl))
  await host.syscalls().nanosleep(100e6)
  assert.equal(b.sysctlGet('net.inet.tcp.syncache.count').value, 1)
  const entry = '10.0.2.2 80 10.0.1.2 4444'
  const conn = `10.0.2.2 80 10.0.1.2 ${cport}`
  const r = await sh(
    host,
    `jexec b tcpdrop -l -a | sort
jexec b tcpdrop -l -s SYN_RCVD
jexec b tcpdrop -l -S freebsd -s SYN_RCVD; echo stack=$?
jexec b tcpdrop ${entry}; echo tuple=$?
jexec b sockstat -q -s -P tcp | grep -c SYN_RCVD
jexec b tcpdrop -a; echo all=$?
jexec b sockstat -q -s -P tcp | grep -c SYN_RCVD`,
  )
  assert.equal(
    r.out,
    [
      ...[`tcpdrop ${conn}`, `tcpdrop ${entry}`].sort(),
      `tcpdrop ${entry}`,
      // -S selects by xt_stack, which syncache_pcblist leaves empty: nothing, and success.
      'stack=0',
      'tuple=1',
      // The entry is still there: net.inet.tcp.drop finds no PCB for it.
      '1',
      `${conn}: dropped`,
      'all=1',
      '1',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [`tcpdrop: ${entry}: No such process`, `tcpdrop: ${entry}: No such process`, ''].join('\n'),
  )
  assert.equal(b.sysctlGet('net.inet.tcp.syncache.count').value, 1)
  await assert.rejects(c.recv(100), (e) => isSysError(e) && e.code === 'ECONNRESET')
  c.close()
  ls.close()
})

test('tcpdrop of IPv6 connections: global and link-local (with the zone), a v4-mapped pair names the IPv4 one, families', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED}
jexec a ifconfig epair0a inet6 2001:db8:1::2/64
jexec r ifconfig epair0b inet6 2001:db8:1::1/64
sleep 3
ll=$(jexec r ifconfig epair0b inet6 | sed -n 's/.*inet6 \\(fe80::[0-9a-f:]*\\)%.*/\\1/p')
jexec r nc -6 -l 80 > /dev/null &
jexec r nc -6 -l 81 > /dev/null &
jexec r nc -4 -l 82 > /dev/null &
sleep 1
jexec a nc 10.0.1.1 82 < /dev/null &
jexec a nc 2001:db8:1::1 80 < /dev/null &
jexec a nc $ll%epair0a 81 < /dev/null &
sleep 1
jexec r tcpdrop -l -a | sed "s/$ll/LL/; s/fe80::[0-9a-f:]*%/PEER%/; s/ [0-9]*$/ PORT/" | sort
linklocal=$(jexec r tcpdrop -l -a | grep fe80)
jexec r $linklocal | sed "s/fe80::[0-9a-f:]*%/LL%/g; s/ [0-9]*: dropped$/ PORT: dropped/"
jexec r $linklocal; echo again=$?
v4port=$(jexec r tcpdrop -l -a | grep ' 82 ' | sed 's/.* //')
jexec r tcpdrop ::ffff:10.0.1.1 82 ::ffff:10.0.1.2 $v4port | sed 's/ [0-9]*: dropped$/ PORT: dropped/'
jexec r tcpdrop -a | sed 's/ [0-9]*: dropped$/ PORT: dropped/'
jexec r tcpdrop -a; echo none=$?
jexec r tcpdrop 2001:db8:1::1 80 10.0.1.2 1; echo family=$?
jexec r tcpdrop ::ffff:10.0.1.1 80 ::ffff:10.0.1.2 1; echo mapped=$?`,
  )
  assert.equal(
    r.out,
    [
      'tcpdrop 10.0.1.1 82 10.0.1.2 PORT',
      'tcpdrop 2001:db8:1::1 80 2001:db8:1::2 PORT',
      'tcpdrop LL%epair0b 81 PEER%epair0b PORT',
      'LL%epair0b 81 LL%epair0b PORT: dropped',
      'again=1',
      '::ffff:10.0.1.1 82 ::ffff:10.0.1.2 PORT: dropped',
      '2001:db8:1::1 80 2001:db8:1::2 PORT: dropped',
      'none=0',
      'family=1',
      'mapped=1',
      '',
    ].join('\n'),
  )
  assert.match(r.err, /^tcpdrop: fe80::[0-9a-f:]+%epair0b 81 fe80::[0-9a-f:]+%epair0b \d+: No such process$/m)
  assert.match(r.err, /^tcpdrop: 2001:db8:1::1 80 10\.0\.1\.2 1: different address families$/m)
  // A v4-mapped pair names the IPv4 connection (sysctl_drop converts it); messages show the addresses as given, as getnameinfo(3) prints them.
  assert.match(r.err, /^tcpdrop: ::ffff:10\.0\.1\.1 80 ::ffff:10\.0\.1\.2 1: No such process$/m)
})
