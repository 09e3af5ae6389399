/**
 * ipfw divert and tee with divert(4) sockets, in virtual time: a diverted echo request reaches the
 * socket bound to the rule's port with the receiving interface's address and name and the rule's
 * number, and answers only once written back, when ipfw resumes after the divert rule (one_pass
 * or not); an outgoing packet comes with sin_addr 0 and goes back to output; tee gives a copy and
 * the packet goes on; with no socket on the port, or without ipdivert, the packet is dropped.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'
import { formatIpv4 } from '../../../wire/addr.js'

const PAIR = `
jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
e=$(ifconfig epair create)
ifconfig $e vnet a
ifconfig \${e%a}b vnet b
jexec a ifconfig $e 192.0.2.1/24 up
jexec b ifconfig \${e%a}b 192.0.2.2/24 up
kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw
`

test('divert: in with the interface address, name and rule number; written back, ipfw goes on after the rule', async () => {
  const host = virtualHost()
  const setup = await sh(
    host,
    `${PAIR}
kldload ipdivert
jexec b ipfw -q add 100 divert 7000 icmp from any to any in
jexec b ipfw -q add 200 count icmp from any to any in
jexec b ipfw -q add 300 divert 7001 icmp from any to any out
jexec b ipfw -q add 400 count icmp from any to any out`,
  )
  assert.equal(setup.status, 0, setup.err)
  const b = host.syscalls().attach('b')
  const sin = b.divertSocket()
  sin.bind(7000)
  const sout = b.divertSocket()
  sout.bind(7001)
  assert.throws(() => b.divertSocket().bind(7000), /EADDRINUSE|Address already in use/)
  const ping = sh(host, 'jexec a ping -c 1 192.0.2.2 > /dev/null; echo ping=$?')
  const p = await sin.recv(1e9)
  assert.ok(p !== null)
  assert.equal(formatIpv4(p.addr), '192.0.2.2')
  assert.equal(p.port, 100)
  assert.equal(p.ifName, 'epair0b')
  assert.equal(p.data[9], 1)
  sin.send(p.data, p)
  // The reply leaves through rule 300: an outgoing packet has no address and no interface.
  const q = await sout.recv(1e9)
  assert.ok(q !== null)
  assert.deepEqual([q.addr, q.port, q.ifName], [0, 300, ''])
  sout.send(q.data, q)
  assert.equal((await ping).out, 'ping=0\n')
  const shown = await sh(host, 'jexec b ipfw show 100 200 300 400')
  assert.match(shown.out, /00100 1 84 divert 7000 icmp from any to any in\n00200 1 84 count icmp/)
  assert.match(shown.out, /00300 1 84 divert 7001 icmp from any to any out\n00400 1 84 count icmp/)
  // one_pass does not stop a re-injected packet: rule 200 counts it again.
  await sh(host, 'jexec b sysctl net.inet.ip.fw.one_pass=1 > /dev/null')
  const ping2 = sh(host, 'jexec a ping -c 1 192.0.2.2 > /dev/null; echo ping=$?')
  const p2 = await sin.recv(1e9)
  sin.send(p2!.data, p2)
  const q2 = await sout.recv(1e9)
  sout.send(q2!.data, q2)
  assert.equal((await ping2).out, 'ping=0\n')
  assert.match((await sh(host, 'jexec b ipfw show 200')).out, /00200 2 168 count/)
  sin.close()
  sout.close()
})

test('tee copies and the packet goes on; no socket on the port or no ipdivert: dropped', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${PAIR}
jexec b ipfw -q add 100 divert 7000 icmp from any to any in
jexec a ping -c 1 -t 1 192.0.2.2 > /dev/null; echo nomodule=$?
kldload ipdivert
jexec a ping -c 1 -t 1 192.0.2.2 > /dev/null; echo nosocket=$?
jexec b ipfw -q delete 100
jexec b ipfw -q add 100 tee 7002 icmp from any to any in
jexec b ipfw -q add 200 count icmp from any to any in`,
  )
  assert.equal(r.out, 'nomodule=2\nnosocket=2\n', r.err)
  const b = host.syscalls().attach('b')
  const s = b.divertSocket()
  s.bind(7002)
  const r2 = await sh(host, 'jexec a ping -c 1 192.0.2.2 > /dev/null; echo tee=$?; jexec b ipfw show 100 200')
  assert.match(r2.out, /^tee=0\n00100 1 84 tee 7002 icmp from any to any in\n00200 1 84 count/)
  const copy = await s.recv(0)
  assert.ok(copy !== null)
  assert.equal(copy.port, 100)
  assert.equal(
    formatIpv4((copy.data[12]! << 24) | (copy.data[13]! << 16) | (copy.data[14]! << 8) | copy.data[15]!),
    '192.0.2.1',
  )
  assert.equal(await s.recv(0), null)
  s.close()
})

test('ipfw parses divert and tee ports by number and by /etc/services name; bad ones as ipfw2.c', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `kldload ipfw
ipfw add 100 divert natd ip from any to any via em0
ipfw add 200 tee 9 ip from any to any
ipfw add 300 divert nosuch ip from any to any; echo bad=$?
ipfw add 300 divert; echo missing=$?`,
  )
  assert.equal(
    r.out,
    '00100 divert 8668 ip from any to any via em0\n00200 tee 9 ip from any to any\nbad=65\nmissing=64\n',
  )
  assert.equal(r.err, 'ipfw: illegal divert/tee port\nipfw: missing port\n')
})
