/**
 * Routes with an expiry and an MTU, end to end in virtual time: `route add … -expire` deletes the
 * route within the second after the one it names (relative `+N`, absolute, already past, moved by
 * `route change`), the callout re-arms for the next route, and `-mtu` limits what leaves through
 * the route (ping -D gets EMSGSIZE above it) and shows as FIXEDMTU.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const LAB = `jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
ifconfig epair create > /dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 192.0.2.1/24 up
jexec b ifconfig epair0b 192.0.2.2/24 up
jexec b ifconfig lo0 198.51.100.9/32 alias
`

/** Whether a has a route to dst (route get's exit status). */
const has = (dst: string) => `jexec a route -n get ${dst} > /dev/null 2>&1 && echo yes || echo no`

test('-expire +N: the route is there at N-1 seconds and gone after N', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a route add -net 10.9.0.0/24 192.0.2.2 -expire +30
${has('10.9.0.1')}
sleep 29
${has('10.9.0.1')}
sleep 2
${has('10.9.0.1')}
jexec a netstat -rn | grep -c 10.9.0.0 || true`,
  )
  assert.equal(r.err, '')
  assert.deepEqual(r.out.split('\n'), ['add net 10.9.0.0/24: gateway 192.0.2.2', 'yes', 'yes', 'no', '0', ''])
})

test('absolute -expire, one already past, and the callout re-armed for the later route', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}sleep 100
now=$(date +%s)
jexec a route -q add -net 10.1.0.0/16 192.0.2.2 -expire $((now + 10))
jexec a route -q add -net 10.2.0.0/16 192.0.2.2 -expire $((now + 40))
jexec a route -q add -net 10.3.0.0/16 192.0.2.2 -expire -5
sleep 1
echo "$(${has('10.1.0.1')}) $(${has('10.2.0.1')}) $(${has('10.3.0.1')})"
sleep 10
echo "$(${has('10.1.0.1')}) $(${has('10.2.0.1')})"
sleep 30
${has('10.2.0.1')}`,
  )
  assert.equal(r.err, '')
  assert.deepEqual(r.out.split('\n'), ['yes yes no', 'no yes', 'no', ''])
})

test('route change moves the expiry; a route without one never goes', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a route -q add -net 10.4.0.0/16 192.0.2.2 -expire +100
jexec a route -q add -net 10.5.0.0/16 192.0.2.2
jexec a route -q change -net 10.4.0.0/16 192.0.2.2 -expire +5
sleep 6
echo "$(${has('10.4.0.1')}) $(${has('10.5.0.1')})"
sleep 1000
${has('10.5.0.1')}`,
  )
  assert.equal(r.err, '')
  assert.deepEqual(r.out.split('\n'), ['no yes', 'yes', ''])
})

test('route get and netstat -rn count the seconds left', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec a route -q add -host 10.6.0.1 192.0.2.2 -expire +60
sleep 20
jexec a route -n get 10.6.0.1 | tail -n 1
jexec a netstat -rn -f inet | grep 10.6.0.1`,
  )
  assert.equal(r.err, '')
  const [metrics, row] = r.out.split('\n')
  assert.equal(
    metrics,
    `${'0'.padStart(8)}  ${'0'.padStart(8)}  ${'0'.padStart(8)}  ${'0'.padStart(8)}  ${'1500'.padStart(8)}  ${'1'.padStart(8)}  ${'40'.padStart(8)} `,
  )
  assert.match(row!, /^10\.6\.0\.1 +192\.0\.2\.2 +UGHS +epair0a +40$/)
})

test('-mtu: a DF datagram above the route MTU is refused, one below goes', async () => {
  const r = await sh(
    virtualHost(),
    `${LAB}jexec b sysctl net.inet.ip.forwarding=0 > /dev/null
jexec a route -q add -host 198.51.100.9 192.0.2.2 -mtu 1280
jexec a ping -D -c 1 -s 1300 198.51.100.9 > /dev/null; echo "big $?"
jexec a ping -D -c 1 -s 1200 198.51.100.9 > /dev/null; echo "small $?"
jexec a ping -D -c 1 -s 1300 192.0.2.2 > /dev/null; echo "on-link $?"
jexec a route -n get 198.51.100.9 | grep -E 'flags|^ *[0-9]'`,
  )
  const lines = r.out.split('\n')
  assert.deepEqual(lines.slice(0, 3), ['big 2', 'small 0', 'on-link 0'])
  assert.match(r.err, /ping: sendto: Message too long/)
  assert.equal(lines[3], '      flags: <UP,GATEWAY,HOST,DONE,STATIC,FIXEDMTU>')
  assert.match(lines[4]!, /^ +0 +0 +0 +0 +1280 +1 +0 $/)
})
