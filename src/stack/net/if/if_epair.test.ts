/**
 * epair(4) and IPv4 addresses as FreeBSD 14's ifconfig shows them: an epair runs with its link up
 * from creation and whatever IFF_UP says (if_epair.c's epair_set_state, epair_ioctl); a /31 (RFC 3021)
 * gets the limited broadcast and a /32 its own address as `broadcast` (in_ifinit), neither treated
 * as a broadcast on the wire.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shOnHost } from '../../../testing/shell.js'

async function sh(script: string): Promise<string> {
  const r = await shOnHost(script)
  assert.equal(r.err, '')
  assert.equal(r.status, 0)
  return r.out
}

test('a new epair is RUNNING with media active, and stays so when brought down', async () => {
  const out = await sh(`ifconfig epair create >/dev/null
ifconfig epair0a | head -1; ifconfig epair0a | grep status
ifconfig epair0a up; ifconfig epair0a down
ifconfig epair0a | head -1; ifconfig epair0a | grep status`)
  assert.equal(
    out,
    [
      'epair0a: flags=1008842<BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500',
      '\tstatus: active',
      'epair0a: flags=1008842<BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500',
      '\tstatus: active',
      '',
    ].join('\n'),
  )
})

test('/31 and /32 addresses print a broadcast address, yet a /31 peer is reached by unicast', async () => {
  const out = await sh(`ifconfig epair create >/dev/null
jail -c name=b vnet persist vnet.interface=epair0b >/dev/null
ifconfig epair0a inet 10.0.0.0/31 up
ifconfig epair0a inet 192.0.2.9/32 alias
jexec b ifconfig epair0b inet 10.0.0.1/31 up
ifconfig epair0a | grep 'inet '
ping -c 1 10.0.0.1 | grep 'bytes from'`)
  assert.equal(
    out,
    [
      '\tinet 10.0.0.0 netmask 0xfffffffe broadcast 255.255.255.255',
      '\tinet 192.0.2.9 netmask 0xffffffff broadcast 192.0.2.9',
      '64 bytes from 10.0.0.1: icmp_seq=0 ttl=64 time=0.000 ms',
      '',
    ].join('\n'),
  )
})
