/**
 * `ifconfig IF inet6 ADDR pltime N vltime N`, `[-]deprecated` and `[-]autoconf` (af_inet6.c's
 * setip6lifetime and setip6flags, in6_update_ifa in the kernel): the lifetimes count down under
 * `ifconfig -L`, the address turns `deprecated` when its preferred lifetime ends and goes when its
 * valid one does; on an existing address the words update it in place without a new DAD.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shellWorld } from '../../../testing/shell.js'

const SETUP = `ifconfig epair create > /dev/null
ifconfig epair0a up
ifconfig epair0a inet6 2001:db8::1/64 no_dad
`

test('ifconfig inet6 pltime/vltime: counting down in -L, deprecated, then gone', async () => {
  const w = shellWorld(3)
  const r = await w.run(`${SETUP}ifconfig epair0a inet6 2001:db8::5/64 pltime 10 vltime 20
ifconfig -L epair0a | grep 2001:db8::5
sleep 4
ifconfig -L epair0a | grep 2001:db8::5
sleep 8
ifconfig -L epair0a | grep 2001:db8::5
sleep 10
ifconfig epair0a | grep -c 2001:db8::5`)
  const lines = r.out.split('\n')
  assert.match(lines[0]!, /^\tinet6 2001:db8::5 prefixlen 64 pltime 10 vltime 20$/)
  assert.match(lines[1]!, /^\tinet6 2001:db8::5 prefixlen 64 pltime [56] vltime 1[56]$/)
  assert.match(lines[2]!, /^\tinet6 2001:db8::5 prefixlen 64 deprecated pltime 0 vltime [78]$/)
  assert.equal(lines[3], '0')
  w.host.clock.stop()
})

test('ifconfig inet6 deprecated / -deprecated / autoconf on an existing address: in place, no DAD', async () => {
  const w = shellWorld(4)
  const r = await w.run(`${SETUP}ifconfig epair0a inet6 2001:db8::1 prefixlen 64 deprecated autoconf
ifconfig epair0a | grep 2001:db8::1
ifconfig epair0a inet6 2001:db8::1 prefixlen 64 -deprecated
ifconfig epair0a | grep 2001:db8::1
ifconfig epair0a inet6 2001:db8::7/64 pltime 30 vltime 20; echo rc=$?
ifconfig epair0a inet6 2001:db8::7/64 pltime x; echo rc=$?
ifconfig epair0a inet6 2001:db8::8/64 pltime 0 vltime 0
ifconfig epair0a | grep -c 2001:db8::8`)
  assert.equal(
    r.out,
    [
      '\tinet6 2001:db8::1 prefixlen 64 deprecated autoconf',
      '\tinet6 2001:db8::1 prefixlen 64',
      'rc=1',
      'rc=1',
      '0',
      '',
    ].join('\n'),
  )
  assert.equal(r.err, 'ifconfig: ioctl (SIOCAIFADDR): Invalid argument\nifconfig: invalid pltime\n')
  w.host.clock.stop()
})
