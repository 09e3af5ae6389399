/**
 * IPv6 on a point-to-point tunnel, as IMUNES's gif example configures it: `ifconfig gifN inet6 A B
 * prefixlen 128` gives the interface a peer (printed `A --> B`, a host route to B through it),
 * an address brings the tunnel up (gif_ioctl's SIOCSIFADDR), and a peer is refused on a
 * broadcast interface or with another prefix length (in6_update_ifa).
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shellWorld } from '../../../testing/shell.js'

test('ifconfig gif inet6 A B prefixlen 128: the peer, its host route, the tunnel up', async () => {
  const w = shellWorld(4)
  const r = await w.run(`jail -c name=r vnet persist > /dev/null
ifconfig epair create > /dev/null
ifconfig epair0a vnet r
jexec r ifconfig epair0a 10.0.0.1/24 up
g=$(jexec r ifconfig gif create)
jexec r ifconfig $g tunnel 10.0.0.1 10.0.0.2
jexec r ifconfig $g inet6 fc00:1::100 fc00:3::100 prefixlen 128
jexec r ifconfig $g | grep -E 'flags|-->'
jexec r netstat -rn -f inet6 | grep fc00:3::100
jexec r ifconfig $g inet6 fc00:5::1 fc00:6::1 prefixlen 64; echo rc=$?
jexec r ifconfig epair0a inet6 fc00:7::1 fc00:8::1 prefixlen 128; echo rc=$?
jexec r ifconfig $g inet6 fc00:1::100 delete
jexec r netstat -rn -f inet6 | grep -c fc00:3::100`)
  assert.equal(
    r.out,
    [
      'gif0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1280',
      '\ttunnel inet 10.0.0.1 --> 10.0.0.2',
      '\tinet6 fc00:1::100 --> fc00:3::100 prefixlen 128',
      'fc00:3::100                       link#3                        UH         gif0',
      'rc=1',
      'rc=1',
      '0',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    'ifconfig: ioctl (SIOCAIFADDR): Invalid argument\nifconfig: ioctl (SIOCAIFADDR): Invalid argument\n',
  )
  w.host.clock.stop()
})
