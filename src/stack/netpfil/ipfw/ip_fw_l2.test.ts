/**
 * ipfw on a bridge (bridge_pfil) in virtual time: two vnet jails joined by bridge0 in a third.
 * Bridged IPv4 meets the layer-3 rules on the member interfaces (pfil_member, FreeBSD's default)
 * while ARP passes; `layer2` rules see frames only once net.link.bridge.ipfw=1, where `mac-type`
 * and `MAC` match the Ethernet header.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'

const BRIDGED = `
jail -c name=a vnet persist > /dev/null
jail -c name=b vnet persist > /dev/null
jail -c name=s vnet persist > /dev/null
e1=$(ifconfig epair create)
e2=$(ifconfig epair create)
ifconfig $e1 vnet a
ifconfig \${e1%a}b vnet s
ifconfig $e2 vnet b
ifconfig \${e2%a}b vnet s
jexec a ifconfig $e1 10.0.0.1/24 up
jexec b ifconfig $e2 10.0.0.2/24 up
jexec s ifconfig bridge create > /dev/null
jexec s ifconfig \${e1%a}b up
jexec s ifconfig \${e2%a}b up
jexec s ifconfig bridge0 addm \${e1%a}b addm \${e2%a}b up
`

test('bridge: layer-3 rules on members by default, layer2/mac-type/MAC with net.link.bridge.ipfw=1', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${BRIDGED}
kenv net.inet.ip.fw.default_to_accept=1 > /dev/null
kldload ipfw
jexec a ping -c 1 10.0.0.2 > /dev/null; echo open=$?
jexec s ipfw -q add 100 deny icmp from 10.0.0.1 to any
jexec a ping -c 1 -t 1 10.0.0.2 > /dev/null; echo member=$?
jexec s ipfw -q delete 100
jexec s ipfw -q add 200 count ip from any to any layer2 mac-type ip
jexec s ipfw -q add 205 deny icmp from any to any layer2 MAC any 00:00:00:00:00:00/8
jexec s ipfw -q add 210 deny icmp from any to any layer2 MAC any '02:00:00:00:00:00&02:00:00:00:00:00'
jexec s ipfw -q add 220 count ip from any to any layer2 mac-type arp,ipv6
jexec a ping -c 1 10.0.0.2 > /dev/null; echo l2off=$?
jexec s sysctl net.link.bridge.ipfw=1
jexec a ping -c 1 -t 1 10.0.0.2 > /dev/null; echo l2on=$?
jexec s ipfw -q delete 210
jexec a ping -c 2 10.0.0.2 > /dev/null; echo l2pass=$?
jexec s ipfw show 200-220
jexec s ipfw -n add count layer2 mac-type 0x0800-0x0806 MAC '02:00:00:00:00:01&ff:00:00:00:00:ff' any
jexec s ipfw -n add count layer2 mac-type bogus; echo bad=$?`,
  )
  assert.equal(
    r.out,
    [
      'open=0',
      'member=2',
      'l2off=0',
      'net.link.bridge.ipfw: 0 -> 1',
      // Every MAC here is locally administered (02:...): rule 205's 00/8 source never matches,
      // rule 210's &02:00:00:00:00:00 always does.
      'l2on=2',
      'l2pass=0',
      // Once per frame, on its way out of the bridge: the dropped request, then two echoes and
      // their replies. ARP never reaches the chain (net.link.bridge.ipfw_arp=0).
      '00200 5 420 count ip from any to any layer2 mac-type 0x0800',
      '00205 0   0 deny icmp from any to any layer2 MAC any 00:00:00:00:00:00/8',
      '00220 0   0 count ip from any to any layer2 mac-type 0x0806,0x86dd',
      '00000 count layer2 mac-type 0x0800-0x0806 MAC 02:00:00:00:00:01&ff:00:00:00:00:ff any',
      'bad=65',
      '',
    ].join('\n'),
  )
})
