/**
 * `limit` through the routed lab: a parent per masked flow counts its children, flows past the
 * limit are denied and counted, `ipfw -d list` shows LIMIT children and their PARENT, children that
 * expire give their places back (and the childless parent goes), dyn_parent_max bounds parents,
 * and deleting the rule clears both.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED_IPFW, sh, virtualHost } from '../../../testing/net_lab.js'
import { ipfw } from './ip_fw_chain.js'

test('limit src-addr 2: two flows pass, the third is denied; expiry and delete give places back', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec r ipfw add 100 allow udp from any to 10.0.2.2 limit src-addr 2
jexec r ipfw -n add allow tcp from any to any limit src-addr dst-port 10 :default
jexec r ipfw -n add allow tcp from any to any limit all 3
jexec r ipfw -n add allow tcp from any to any limit 3; echo nomask=$?
jexec r ipfw -n add allow tcp from any to any limit src-addr 0; echo range=$?
jexec r ipfw -n add allow tcp from any to any keep-state limit src-addr 1; echo two=$?
for p in 5001 5002 5003 5004; do echo x | jexec a nc -u -w 1 10.0.2.2 $p; done
jexec r ipfw -d show
jexec r sysctl net.inet.ip.fw.dyn_parent_count net.inet.ip.fw.dyn_count
sleep 11
jexec r sysctl net.inet.ip.fw.dyn_parent_count net.inet.ip.fw.dyn_count
echo x | jexec a nc -u -w 1 10.0.2.2 5005
jexec r sysctl net.inet.ip.fw.dyn_parent_max=0 > /dev/null
echo x | jexec r nc -u -w 1 10.0.2.2 5006 2> /dev/null; echo parentmax=$?
jexec r ipfw show 100
jexec r ipfw -q delete 100
jexec r sysctl net.inet.ip.fw.dyn_parent_count net.inet.ip.fw.dyn_count`,
  )
  const rv = host.prison0.children.find((p) => p.name === 'r')!.vnet
  assert.equal(
    r.out,
    [
      '00100 allow udp from any to 10.0.2.2 limit src-addr 2 :default',
      '00000 allow tcp from any to any limit src-addr,dst-port 10 :default',
      '00000 allow tcp from any to any limit all 3 :default',
      'nomask=64',
      'range=65',
      'two=65',
      // Each flow passes r twice (in, out): the third and fourth flows are denied on the way in.
      '00100 4 120 allow udp from any to 10.0.2.2 limit src-addr 2 :default',
      // b's port unreachables for the two flows that got through, in and out of r (56 bytes each);
      // no IPv6: the interfaces have only IPv4 addresses, so nd6 left them IFDISABLED.
      '65535 4 224 allow ip from any to any',
      '## Dynamic rules (3):',
      '00100 2  60 (8s) LIMIT udp 10.0.1.2 58577 <-> 10.0.2.2 5001 :default',
      '00100 2  60 (8s) LIMIT udp 10.0.1.2 50277 <-> 10.0.2.2 5002 :default',
      '00100 0   0 (8s) PARENT 2 udp 10.0.1.2 0 <-> 0.0.0.0 0 :default',
      'net.inet.ip.fw.dyn_parent_count: 1',
      'net.inet.ip.fw.dyn_count: 2',
      'net.inet.ip.fw.dyn_parent_count: 0',
      'net.inet.ip.fw.dyn_count: 0',
      // r's own datagram needs a second parent, which dyn_parent_max=0 refuses (counted below).
      'parentmax=0',
      '00100 6 180 allow udp from any to 10.0.2.2 limit src-addr 2 :default',
      'net.inet.ip.fw.dyn_parent_count: 0',
      'net.inet.ip.fw.dyn_count: 0',
      '',
    ].join('\n'),
  )
  const lim = ipfw(rv).limits
  assert.equal(lim.refused, 2)
  assert.equal(lim.parentOverflows, 1)
})
