/**
 * traceroute6 across a routed IPv6 chain in virtual time (a — r1 — r2 — b): UDP probes and -I
 * echoes reaching the target, -f and -q, ` *` for a hop that drops the probe silently (a blackhole
 * route), ` !N` from a router without a route and ` !A` from one whose neighbour never answers,
 * FreeBSD's option errors, and an unprivileged user (traceroute6 is setuid root).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const CHAIN = `
for j in a r1 r2 b; do jail -c name=$j vnet persist > /dev/null; done
e1=$(ifconfig epair create); e2=$(ifconfig epair create); e3=$(ifconfig epair create)
ifconfig $e1 vnet a; ifconfig \${e1%a}b vnet r1
ifconfig $e2 vnet r1; ifconfig \${e2%a}b vnet r2
ifconfig $e3 vnet r2; ifconfig \${e3%a}b vnet b
jexec a ifconfig $e1 inet6 2001:db8:1::2/64 up
jexec r1 ifconfig \${e1%a}b inet6 2001:db8:1::1/64 up
jexec r1 ifconfig $e2 inet6 2001:db8:2::1/64 up
jexec r2 ifconfig \${e2%a}b inet6 2001:db8:2::2/64 up
jexec r2 ifconfig $e3 inet6 2001:db8:3::1/64 up
jexec b ifconfig \${e3%a}b inet6 2001:db8:3::2/64 up
jexec a route -6 add default 2001:db8:1::1 > /dev/null
jexec r1 route -6 add default 2001:db8:2::2 > /dev/null
jexec r2 route -6 add 2001:db8:1::/64 2001:db8:2::1 > /dev/null
jexec r2 route -6 add 2001:db8:8::/64 -blackhole > /dev/null
jexec b route -6 add default 2001:db8:3::1 > /dev/null
jexec r1 sysctl net.inet6.ip6.forwarding=1 > /dev/null
jexec r2 sysctl net.inet6.ip6.forwarding=1 > /dev/null
sleep 3
`

async function run(script: string) {
  return sh(virtualHost(11), CHAIN + script)
}

const HEAD = (dst: string, max = 64, from = '2001:db8:1::2') =>
  `traceroute6 to ${dst} (${dst}) from ${from}, ${max} hops max, 20 byte packets\n`

test('traceroute6: UDP probes hop by hop to the target, and ICMPv6 echoes with -I', async () => {
  const r = await run(`
jexec a traceroute6 -n 2001:db8:3::2
echo I; jexec a traceroute6 -I -q 2 2001:db8:3::2
echo f; jexec -U nobody a traceroute6 -f 2 -q 1 -l 2001:db8:3::2`)
  assert.equal(
    r.out,
    [
      ' 1  2001:db8:1::1  0.000 ms  0.000 ms  0.000 ms',
      ' 2  2001:db8:2::2  0.000 ms  0.000 ms  0.000 ms',
      ' 3  2001:db8:3::2  0.000 ms  0.000 ms  0.000 ms',
      'I',
      ' 1  2001:db8:1::1  0.000 ms  0.000 ms',
      ' 2  2001:db8:2::2  0.000 ms  0.000 ms',
      ' 3  2001:db8:3::2  0.000 ms  0.000 ms',
      'f',
      'Skipping 1 intermediate hops',
      ' 2  2001:db8:2::2 (2001:db8:2::2)  0.000 ms',
      ' 3  2001:db8:3::2 (2001:db8:3::2)  0.000 ms',
      '',
    ].join('\n'),
  )
  assert.equal(r.err, HEAD('2001:db8:3::2').repeat(3))
  assert.equal(r.status, 0)
})

test('traceroute6: * for silence, !N without a route, !A when the last neighbour never answers', async () => {
  const r = await run(`
jexec a traceroute6 -n -w 1 -q 1 -m 4 2001:db8:8::1
echo N; jexec a traceroute6 -n 2001:db8:9::1
echo A; jexec a traceroute6 -n -q 1 2001:db8:3::99`)
  assert.equal(
    r.out,
    [
      ' 1  2001:db8:1::1  0.000 ms',
      ' 2  2001:db8:2::2  0.000 ms',
      ' 3  *',
      ' 4  *',
      'N',
      ' 1  2001:db8:1::1  0.000 ms  0.000 ms  0.000 ms',
      ' 2  2001:db8:2::2  0.000 ms  0.000 ms  0.000 ms',
      // A hop's probes all go out; two unreachables of three ((3+1)/2) end the trace after it.
      ' 3  2001:db8:2::2  0.000 ms !N  0.000 ms !N  0.000 ms !N',
      'A',
      ' 1  2001:db8:1::1  0.000 ms',
      ' 2  2001:db8:2::2  0.000 ms',
      ' 3  2001:db8:2::2  3000.000 ms !A',
      '',
    ].join('\n'),
  )
  assert.equal(r.status, 0)
})

test('traceroute6: option errors as FreeBSD words them, exit 1', async () => {
  const r = await run(`
jexec a traceroute6 -m 300 2001:db8:3::2; echo "m $?"
jexec a traceroute6 -f 9 -m 3 2001:db8:3::2; echo "f $?"
jexec a traceroute6 -q 0 2001:db8:3::2; echo "q $?"
jexec a traceroute6 -w 0 2001:db8:3::2; echo "w $?"
jexec a traceroute6 -p 70000 2001:db8:3::2; echo "p $?"
jexec a traceroute6 no.such.host; echo "h $?"
jexec a traceroute6; echo "u $?"`)
  assert.equal(r.out, ['m 1', 'f 1', 'q 1', 'w 1', 'p 1', 'h 1', 'u 1', ''].join('\n'))
  assert.equal(
    r.err,
    [
      'traceroute6: invalid max hoplimit.',
      'traceroute6: max hoplimit must be larger than first hoplimit.',
      'traceroute6: nprobes must be >0.',
      'traceroute6: wait must be >= 1 sec.',
      'traceroute6: port out of range.',
      'traceroute6: hostname nor servname provided, or not known',
      'usage: traceroute6 [-adIlnNrSTUv] [-A as_server] [-f firsthop] [-g gateway]',
      '       [-m hoplimit] [-p port] [-q probes] [-s src] [-w waittime] target',
      '       [datalen]',
      '',
    ].join('\n'),
  )
})
