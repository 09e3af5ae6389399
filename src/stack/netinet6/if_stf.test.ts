/**
 * stf(4) in virtual time: a 6to4 client reaches its relay's 6to4 address directly and the IPv6
 * internet behind it through the relay as default router; a next hop that is no 6to4 address is
 * unreachable; the interface has no link-local address and runs no DAD; an outer source outside
 * the prefix's IPv4 mask is refused (protocol unreachable) until the prefix is /16.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { shellWorld } from '../../testing/shell.js'

/** relay (relay4 on the wire, its 6to4 address relay6 on a gif) and client (192.0.2.2, stf0). */
const SETUP = (relay4: string, relay6: string, prefixlen: number) => `
jail -c name=relay vnet persist
jail -c name=client vnet persist
ifconfig epair create >/dev/null
ifconfig epair0a vnet relay
ifconfig epair0b vnet client
jexec relay ifconfig lo0 inet6 2001:db8::1/64 up
jexec relay ifconfig epair0a ${relay4}/8 up
jexec relay ifconfig gif0 create
jexec relay ifconfig gif0 inet6 ${relay6}/64 up
jexec relay ifconfig gif0 tunnel ${relay4} 192.0.2.2
jexec relay route -6 add default -interface gif0 >/dev/null
jexec client ifconfig epair0b 192.0.2.2/8 up
jexec client ifconfig stf create >/dev/null
jexec client ifconfig stf0 inet6 2002:c000:202::1/${prefixlen} up
`

describe('stf(4)', () => {
  test('6to4 to the relay and through it; no link-local; a non-6to4 next hop is unreachable', async () => {
    const w = shellWorld(4)
    let r = await w.run(SETUP('192.0.2.1', '2002:c000:201::1', 32))
    assert.equal(r.status, 0, r.err)
    r = await w.run('jexec client ifconfig stf0')
    assert.equal(
      r.out,
      'stf0: flags=41<UP,RUNNING> metric 0 mtu 1280\n\tinet6 2002:c000:202::1 prefixlen 32\n' +
        '\tgroups: stf\n\tnd6 options=101<PERFORMNUD,NO_DAD>\n',
    )
    r = await w.run('jexec client ping6 -c 1 2002:c000:201::1')
    assert.equal(r.status, 0, r.out + r.err)
    r = await w.run(
      'jexec client route -6 add default 2002:c000:201::1 >/dev/null; jexec client ping6 -c 1 2001:db8::1',
    )
    assert.equal(r.status, 0, r.out + r.err)
    assert.match(r.out, /^PING6\(56=40\+8\+8 bytes\) 2002:c000:202::1 --> 2001:db8::1\n/)
    r = await w.run('jexec client netstat -I stf0 -n')
    assert.match(r.out, /^stf0 +1280 <Link#\d+> +stf0 +2 +0 +0 +2 +0 +0\n/m)
    r = await w.run(
      'jexec client route -6 delete default >/dev/null; jexec client route -6 add default -interface stf0 >/dev/null; jexec client ping6 -c 1 2001:db8::1',
    )
    assert.equal(r.status, 2)
    assert.match(r.err, /ping6: sendmsg: Network is unreachable/)
  })

  test('the outer source must lie in the prefix mapped to IPv4: /32 takes 192.0/16 only, /16 any', async () => {
    const w = shellWorld(4)
    let r = await w.run(SETUP('192.1.0.1', '2002:c001:1::1', 32))
    assert.equal(r.status, 0, r.err)
    r = await w.run(
      'jexec relay ping6 -c 1 -t 2 2002:c000:202::1; jexec client netstat -s -p ip | grep "unknown/unsupported protocol"',
    )
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /1 packet for unknown\/unsupported protocol/)
    assert.match(r.out, /1 packets transmitted, 0 packets received/)
    r = await w.run(
      'jexec client ifconfig stf0 inet6 2002:c000:202::1/16 -alias 2>/dev/null; jexec client ifconfig stf0 inet6 2002:c000:202::1 prefixlen 16',
    )
    assert.equal(r.status, 0, r.err)
    r = await w.run('jexec relay ping6 -c 1 -t 2 2002:c000:202::1')
    assert.equal(r.status, 0, r.out + r.err)
  })
})
