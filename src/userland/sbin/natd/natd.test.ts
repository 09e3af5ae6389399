/**
 * natd(8) over divert(4) in virtual time: h1 (10.1.0.2) behind r, which runs natd and the classic
 * `divert natd` rules on its outside interface, reaches s (203.0.113.2, no route to 10/8) by ping
 * and TCP; a -redirect_port from the configuration file exposes h1's port 80 as r's 8080; s's
 * counters show it never received a private source. And natd's refusals: no ipdivert module, a
 * port taken, a bad option.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'
import { MemFs } from '../../bin/sh/streams.js'

const LAB = `
jail -c name=h1 vnet persist > /dev/null
jail -c name=r vnet persist > /dev/null
jail -c name=s vnet persist > /dev/null
e1=$(ifconfig epair create)
e3=$(ifconfig epair create)
ifconfig $e1 vnet h1
ifconfig \${e1%a}b vnet r
ifconfig $e3 vnet r
ifconfig \${e3%a}b vnet s
jexec h1 ifconfig $e1 10.1.0.2/16 up
jexec r ifconfig \${e1%a}b 10.1.0.1/16 up
jexec r ifconfig $e3 203.0.113.1/24 up
jexec s ifconfig \${e3%a}b 203.0.113.2/24 up
jexec h1 route -q add default 10.1.0.1
jexec r sysctl net.inet.ip.forwarding=1 > /dev/null
kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw
kldload ipdivert
jexec s ipfw -q add 100 count ip from 10.0.0.0/8 to any in
jexec s ipfw -q add 200 count ip from 203.0.113.1 to any in
`

test('natd: the inside reaches the outside through one address; redirect_port from -f; s never sees 10/8', async () => {
  const host = virtualHost()
  const fs = new MemFs()
  const r = await sh(
    host,
    `${LAB}
echo "# natd.conf
interface $e3
same_ports yes
redirect_port tcp 10.1.0.2:80 8080" > /natd.conf
jexec r natd -f /natd.conf; echo natd=$?
jexec r ipfw -q add 100 divert natd ip from any to any via $e3
jexec r ipfw show 100
jexec h1 ping -c 2 203.0.113.2 > /dev/null; echo ping=$?
jexec s nc -l 9000 &
sleep 1
echo tcp-from-h1 | jexec h1 nc -N -w 2 203.0.113.2 9000; echo nc=$?
echo served-by-h1 | jexec h1 nc -N -l 80 &
sleep 1
jexec s nc -N -w 2 203.0.113.1 8080; echo redirect=$?
jexec s ipfw show 100 200
jail -r r`,
    fs,
  )
  assert.equal(r.err, '')
  const out = r.out.split('\n')
  assert.deepEqual(out.slice(0, 4), [
    'natd=0',
    '00100 0 0 divert 8668 ip from any to any via epair1a',
    'ping=0',
    'tcp-from-h1',
  ])
  assert.ok(out.includes('nc=0'), r.out)
  assert.ok(out.includes('served-by-h1'), r.out)
  assert.ok(out.includes('redirect=0'), r.out)
  // Nothing from 10/8 reached s: every packet it got came from r's address.
  assert.match(r.out, /00100 +0 +0 count ip from 10\.0\.0\.0\/8 to any in/)
  assert.match(r.out, /00200 +[1-9]\d* +\d+ count ip from 203\.0\.113\.1 to any in/)
})

test('natd refuses: no ipdivert, the port taken, a bad option, no alias address', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `jail -c name=r vnet persist > /dev/null
jexec r ifconfig lo0 127.0.0.1/8 up
jexec r natd -v -a 192.0.2.1; echo nomod=$?
kldload ipdivert
jexec r natd -a 192.0.2.1; echo first=$?
jexec r natd -a 192.0.2.1; echo taken=$?
jexec r natd -p 8669 -bogus; echo bogus=$?
jexec r natd -p 8669; echo noaddr=$?
jexec r natd -p 8669 -redirect_port tcp 10.0.0.1:80-81 8080 -a 192.0.2.1; echo ranges=$?
kldunload ipdivert; echo unload=$?
jail -r r`,
  )
  assert.equal(r.out, 'nomod=1\nfirst=0\ntaken=1\nbogus=1\nnoaddr=1\nranges=1\nunload=1\n', r.err)
  assert.equal(
    r.err,
    [
      'natd: Unable to create divert socket.: Address family not supported by protocol family',
      'natd: Unable to bind divert socket.: Address already in use',
      'natd: unknown option bogus.',
      'natd: aliasing address not given',
      'natd: redirect_port: port ranges must be equal in size',
      "kldunload: can't unload file: Device busy",
      '',
    ].join('\n'),
  )
})
