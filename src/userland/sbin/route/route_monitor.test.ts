/**
 * `route -n monitor` in virtual time: the lines FreeBSD 14's monitor_nl prints for route changes —
 * an added route, a second path (the group, its paths under the first), one path deleted, a
 * blackhole, a route expiring (the kernel's, PID 0), a whole route deleted, the routes an address
 * brings — each stamped with the time it happened and the pid that asked for it; `-fib` checked.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

test('route -n monitor: one line per change, as monitor_nl prints them', async () => {
  const r = await sh(
    virtualHost(),
    `ifconfig epair create > /dev/null
ifconfig epair0a 192.0.2.1/24 up
route -n monitor > /tmp/mon &
sleep 1
route -q add 10.0.0.0/8 192.0.2.2 -mtu 1400
route -q add 10.0.0.0/8 192.0.2.3
sleep 1
route -q delete 10.0.0.0/8 192.0.2.2
route -q add 10.9.0.0/16 192.0.2.2 -blackhole
route -q add -host 10.6.0.1 192.0.2.2 -expire +2
sleep 3
route -q delete 10.0.0.0/8
ifconfig epair0a 198.51.100.1/24 alias
kill %1
wait
cat /tmp/mon`,
  )
  assert.equal(r.err, '')
  const lines = r.out.split('\n')
  // PIDs are the route(8) processes' (they follow each other); the kernel's own changes are 0.
  const pid = (l: string) => Number(l.slice(17, 21))
  const first = pid(lines[0]!)
  assert.ok(first > 0)
  const p = (n: number) => String(first + n).padStart(4)
  assert.deepEqual(lines, [
    `00:00:01.000 PID ${p(0)} add/repl route 10.0.0.0/8 gw 192.0.2.2 iface epair0a mtu 1400 table inet.0`,
    `00:00:01.000 PID ${p(1)} add/repl route 10.0.0.0/8 gw 192.0.2.2 iface epair0a mtu 1400 table inet.0`,
    `${' '.repeat(48)}gw 192.0.2.3 iface epair0a mtu 1500 `,
    `00:00:02.000 PID ${p(2)} add/repl route 10.0.0.0/8 gw 192.0.2.3 iface epair0a mtu 1500 table inet.0`,
    `00:00:02.000 PID ${p(3)} add/repl route 10.9.0.0/16 blackhole`,
    `00:00:02.000 PID ${p(4)} add/repl route 10.6.0.1/32 gw 192.0.2.2 iface epair0a mtu 1500 table inet.0`,
    '00:00:04.000 PID    0 delete route 10.6.0.1/32 gw 192.0.2.2 iface epair0a mtu 1500 table inet.0',
    `00:00:05.000 PID ${p(5)} delete route 10.0.0.0/8 gw 192.0.2.3 iface epair0a mtu 1500 table inet.0`,
    '00:00:05.000 PID    0 add/repl route 198.51.100.1/32 iface lo0 mtu 16384 table inet.0',
    '00:00:05.000 PID    0 add/repl route 198.51.100.0/24 iface epair0a mtu 1500 table inet.0',
    '',
  ])
})

test('route monitor -fib: a FIB past net.fibs or a stray word is a usage error', async () => {
  const r = await sh(
    virtualHost(),
    'route monitor -fib 3; echo "status $?"; route monitor -frob; echo "status $?"',
  )
  assert.equal(r.out, 'status 64\nstatus 64\n')
  assert.equal(
    r.err,
    'route: invalid fib number: 3\nroute: bad keyword: -frob\nroute: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]\n',
  )
})
