/**
 * Routes learned from Router Advertisements go into the FIB of the interface that heard them
 * (defrouter_addreq and nd6_prefix_onlink_rtrequest use ifp->if_fib), as FreeBSD's fibs_test.sh
 * slaac_on_nondefault_fib6 checks: a default router and an on-link prefix in FIB 2, nothing of
 * them in FIB 0 or 1.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { shellWorld } from '../../../testing/shell.js'

describe('RA-learnt routes and FIBs', () => {
  test('the default router and the prefix go into the receiving interface FIB only', async () => {
    const w = shellWorld(5)
    let r = await w.run(`
sysctl net.fibs=3 >/dev/null
sysctl net.inet6.ip6.forwarding=1 >/dev/null
sysctl net.inet6.ip6.rfc6204w3=1 >/dev/null
ifconfig epair create >/dev/null
setfib 1 ifconfig epair0a inet6 2001:db8:1:2::1/64 fib 1
setfib 2 ifconfig epair0b inet6 -ifdisabled accept_rtadv fib 2 up
rtadvd -p rtadvd.pid -c /dev/null epair0a
rtsol epair0b`)
    assert.equal(r.status, 0, r.err)
    r = await w.run('netstat -rnf inet6 -F 2')
    assert.match(r.out, /^default +fe80::[0-9a-f:]+%epair0b +UG +epair0b/m)
    assert.match(r.out, /^2001:db8:1:2::\/64 +link#\d+ +U +epair0b/m)
    for (const fib of [0, 1]) {
      r = await w.run(`netstat -rnf inet6 -F ${fib}`)
      assert.doesNotMatch(r.out, /^default/m)
      assert.doesNotMatch(r.out, /epair0b/)
    }
    w.host.clock.stop()
  })
})
