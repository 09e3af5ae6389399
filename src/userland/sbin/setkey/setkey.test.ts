/**
 * setkey(8) and TCP-MD5 (RFC 2385) between two vnet jails in virtual time: associations per vnet,
 * `nc -S` connections that sign and check every segment, and the ones that cannot connect — a
 * wrong key, an unsigned client, no module.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const LINK = `
jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
e=$(ifconfig epair create)
ifconfig $e vnet a
ifconfig \${e%a}b vnet b
jexec a ifconfig $e 10.0.0.1/24 up
jexec b ifconfig \${e%a}b 10.0.0.2/24 up
`

const keys = (k: string) =>
  `echo 'add 10.0.0.1 10.0.0.2 tcp 0x1000 -A tcp-md5 "${k}" ; add 10.0.0.2 10.0.0.1 tcp 0x1001 -A tcp-md5 "${k}" ;'`

test('TCP-MD5: signed connections with matching keys; wrong keys, unsigned peers and no module fail', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${LINK}
echo x | jexec a nc -S 10.0.0.2 7; echo nomodule=$?
kldload tcpmd5
${keys('swordfish')} | jexec a setkey -c; echo seta=$?
${keys('swordfish')} | jexec b setkey -c
jexec a setkey -D
setkey -D
jexec b nc -S -l 7777 &
sleep 1
echo signed | jexec a nc -S -N 10.0.0.2 7777; echo signed=$?
wait
jexec b nc -S -l 7778 &
l=$!
sleep 1
echo unsigned | jexec a nc -w 3 10.0.0.2 7778; echo unsigned=$?
jexec b setkey -F
${keys('other')} | jexec b setkey -c
echo wrongkey | jexec a nc -S -w 3 10.0.0.2 7778; echo wrongkey=$?
kill $l
echo 'delete 10.0.0.1 10.0.0.2 tcp 0x1000 ; delete 10.0.0.1 10.0.0.2 tcp 0x1000 ;' | jexec a setkey -c; echo delete=$?
echo 'add 10.0.0.1 10.0.0.2 esp 0x2000 -E des-cbc "12345678" ;' | jexec a setkey -c; echo esp=$?
echo 'add 10.0.0.1 10.0.0.2 tcp 0x1000 -A tcp-md5 "k"' | jexec a setkey -c; echo nosemi=$?
echo 'flush ;' | jexec -U nobody a setkey -c; echo nobody=$?`,
  )
  assert.equal(
    r.out,
    [
      'nomodule=1',
      'seta=0',
      '10.0.0.1 10.0.0.2 ',
      '\ttcp mode=any spi=4096(0x00001000) reqid=0(0x00000000)',
      '\tA: tcp-md5  73776f72 64666973 68',
      '\tstate=mature ',
      '10.0.0.2 10.0.0.1 ',
      '\ttcp mode=any spi=4097(0x00001001) reqid=0(0x00000000)',
      '\tA: tcp-md5  73776f72 64666973 68',
      '\tstate=mature ',
      // The host's own vnet has none: associations are per vnet.
      'No SAD entries.',
      'signed',
      'signed=0',
      // The listener drops a SYN without a signature, or with one made under another key.
      'unsigned=1',
      'wrongkey=1',
      'delete=1',
      'esp=1',
      'nosemi=1',
      'nobody=1',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [
      'nc: Protocol not available',
      'nc: connect to 10.0.0.2 port 7778 (tcp) failed: Operation timed out',
      'nc: connect to 10.0.0.2 port 7778 (tcp) failed: Operation timed out',
      'setkey: send: No such process',
      'setkey: esp: only tcp (TCP-MD5) associations are supported',
      'setkey: syntax error: missing ;',
      'setkey: socket: Operation not permitted',
      '',
    ].join('\n'),
  )
})

test('TCP-MD5 over IPv6: IPv6 pairs in setkey, signed connections, a wrong key or mixed families refused', async () => {
  const host = virtualHost()
  const keys6 = (k: string) =>
    `echo 'add 2001:db8::1 2001:DB8::2 tcp 0x1000 -A tcp-md5 "${k}" ; add 2001:db8::2[179] 2001:db8::1 tcp 0x1001 -A tcp-md5 "${k}" ;'`
  const r = await sh(
    host,
    `${LINK}
jexec a ifconfig epair0a inet6 2001:db8::1/64
jexec b ifconfig epair0b inet6 2001:db8::2/64
sleep 3
kldload tcpmd5
${keys6('swordfish')} | jexec a setkey -c
${keys6('swordfish')} | jexec b setkey -c
jexec a setkey -D
jexec b nc -6 -S -l 7777 &
sleep 1
echo signed6 | jexec a nc -S -N 2001:db8::2 7777; echo signed=$?
wait
jexec b nc -6 -S -l 7778 &
l=$!
sleep 1
echo unsigned | jexec a nc -w 3 2001:db8::2 7778; echo unsigned=$?
jexec b setkey -F
${keys6('other')} | jexec b setkey -c
echo wrongkey | jexec a nc -S -w 3 2001:db8::2 7778; echo wrongkey=$?
kill $l
echo 'add 2001:db8::1 10.0.0.2 tcp 0x1002 -A tcp-md5 "k" ;' | jexec a setkey -c; echo mixed=$?
echo 'delete 2001:db8::1 2001:db8::2 tcp 0x1000 ;' | jexec a setkey -c; echo delete=$?
jexec b netstat -s -p tcp | grep signature`,
  )
  assert.equal(
    r.out,
    [
      '2001:db8::1 2001:db8::2 ',
      '\ttcp mode=any spi=4096(0x00001000) reqid=0(0x00000000)',
      '\tA: tcp-md5  73776f72 64666973 68',
      '\tstate=mature ',
      '2001:db8::2 2001:db8::1 ',
      '\ttcp mode=any spi=4097(0x00001001) reqid=0(0x00000000)',
      '\tA: tcp-md5  73776f72 64666973 68',
      '\tstate=mature ',
      'signed6',
      'signed=0',
      'unsigned=1',
      'wrongkey=1',
      'mixed=1',
      'delete=0',
      // b checked the signed connection's segments and dropped the SYNs signed under another key
      // and the unsigned ones (a first try and one retransmission each within nc -w 3).
      '\t5 packets with matching signature received',
      '\t2 packets with bad signature received',
      '\t0 times failed to make signature due to no SA',
      '\t0 times unexpected signature received',
      '\t2 times no signature provided by segment',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [
      'nc: connect to 2001:db8::2 port 7778 (tcp) failed: Operation timed out',
      'nc: connect to 2001:db8::2 port 7778 (tcp) failed: Operation timed out',
      'setkey: syntax error: the two addresses are of different families',
      '',
    ].join('\n'),
  )
})
