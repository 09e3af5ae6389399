/**
 * Proxy NDP as FreeBSD does it: `ndp -s ADDR MAC proxy` publishes an entry (flag `p`), the
 * interface joins ADDR's solicited-node group (`ifmcstat` shows it with its 33:33:ff:… MAC) and a
 * neighbour's solicitation for ADDR is answered with MAC; `ndp -d` leaves the group again. Also
 * `ndp -c` (flush the dynamic entries) and `ndp -i IF [-]flag …` (set and clear ND6_IFF_* options).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const SETUP = `epair=$(ifconfig epair create)
jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
ifconfig \${epair} vnet a
ifconfig \${epair%a}b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64
jexec b ifconfig epair0b inet6 2001:db8::2/64
sleep 3
`

test('ndp -s ... proxy: the group is joined, solicitations are answered, ndp -d leaves the group', async () => {
  const r = await sh(
    virtualHost(),
    `${SETUP}mac=$(jexec a ifconfig epair0a ether | awk '$1~/ether/{print $2}')
echo mac=$mac
jexec a ndp -s 2001:db8::aaaa $mac proxy
jexec a ifmcstat -i epair0a -f inet6 | grep -A1 'group ff02::1:ff00:aaaa'
jexec a ndp -an | grep aaaa
jexec b ping -6 -c 1 -t 1 2001:db8::aaaa > /dev/null
jexec b ndp -an | grep aaaa
jexec a ndp -d 2001:db8::aaaa
jexec a ifmcstat -i epair0a -f inet6 | grep -c ff00:aaaa
jexec b ndp -c | grep aaaa
jexec b ndp -an | grep -c aaaa`,
  )
  const mac = /^mac=([0-9a-f:]{17})\n/.exec(r.out)?.[1]
  assert.ok(mac !== undefined, r.out)
  assert.match(
    r.out,
    /\n\t\tgroup ff02::1:ff00:aaaa%epair0a scopeid 0x2 mode exclude\n\t\t\tmcast-macaddr 33:33:ff:00:aa:aa\n/,
  )
  assert.ok(r.out.includes(`\n2001:db8::aaaa                       ${mac} epair0a permanent R p\n`), r.out)
  // b learnt the proxied address with the published MAC, from a's answer.
  assert.match(r.out, new RegExp(`\\n2001:db8::aaaa {23}${mac} epair0b \\S+ +R \\n`))
  assert.match(
    r.out,
    /\n2001:db8::aaaa \(2001:db8::aaaa\) deleted\n0\n2001:db8::aaaa \(2001:db8::aaaa\) deleted\n0\n$/,
  )
})

test('ndp -i IF [-]flag: sets and clears ND6_IFF_* options, unknown words ignored', async () => {
  const r = await sh(
    virtualHost(),
    `${SETUP}jexec a ndp -i epair0a -- -nud accept_rtadv bogus | tail -1
jexec a ifconfig epair0a inet6 | grep nd6
jexec a ndp -i epair0a nud -accept_rtadv | tail -1`,
  )
  assert.equal(
    r.out,
    'Flags: accept_rtadv auto_linklocal \n\tnd6 options=22<ACCEPT_RTADV,AUTO_LINKLOCAL>\nFlags: nud auto_linklocal \n',
  )
})

test("a vnet jail's root destroys an epair end it was lent, proxy entry and all; both ends go", async () => {
  const r = await sh(
    virtualHost(),
    `${SETUP}mac=$(jexec a ifconfig epair0a ether | awk '$1~/ether/{print $2}')
jexec a ndp -s 2001:db8::2 $mac proxy
jexec a ifconfig epair0a destroy; echo rc=$?
jexec a ifconfig -l
jexec b ifconfig -l
ifconfig -l
jexec a ndp -an | grep -c 2001:db8`,
  )
  assert.equal(r.err, '')
  assert.equal(r.out, 'rc=0\nlo0\nlo0\nlo0\n0\n')
})
