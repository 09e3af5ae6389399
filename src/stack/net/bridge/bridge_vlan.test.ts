/**
 * if_bridge's VLANs in virtual time, driven with ifconfig as a user would: an access port (`untagged
 * 10`) and a trunk (`tagged 10,20`) reach each other through a `vlanfilter` bridge, the tag added
 * and removed on the way; another VLAN's access port is not reached; the table keys on (MAC, VLAN);
 * `ifconfig` shows the flags and the member VLANs; bad VLAN words fail and change nothing.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { shellWorld, wiretap } from '../../../testing/shell.js'

const SETUP = `
jail -c name=a vnet persist
jail -c name=b vnet persist
jail -c name=c vnet persist
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0b vnet a
ifconfig epair1b vnet b
ifconfig epair2b vnet c
jexec a ifconfig epair0b 10.0.0.1/24 up
jexec b ifconfig epair1b up
jexec b ifconfig epair1b.10 create 10.0.0.2/24 up
jexec c ifconfig epair2b 10.0.0.3/24 up
ifconfig bridge create >/dev/null
ifconfig bridge0 vlanfilter up
ifconfig bridge0 addm epair0a untagged 10 addm epair1a tagged 10,20 addm epair2a untagged 20
ifconfig epair0a up
ifconfig epair1a up
ifconfig epair2a up
`

describe('if_bridge VLANs', () => {
  test('access port to trunk through a vlanfilter bridge; another VLAN is not reached', async () => {
    const w = shellWorld(3)
    let r = await w.run(SETUP)
    assert.equal(r.status, 0, r.err)
    // What the bridge sends out of its trunk and access members.
    const trunk = wiretap(w.ifp('', 'epair1a'))
    const access = wiretap(w.ifp('', 'epair0a'))
    r = await w.run('jexec a ping -c 2 10.0.0.2')
    assert.equal(r.status, 0, r.out + r.err)
    assert.match(r.out, /2 packets received/)
    const ipOn = (fs: Uint8Array[], at: number) => fs.filter((f) => f[at] === 0x08 && f[at + 1] === 0x00)
    // On the trunk the frames carry tag 10; on the access port none.
    assert.equal(ipOn(trunk, 16).length, 2, 'tagged IPv4 frames on the trunk')
    for (const f of ipOn(trunk, 16)) assert.deepEqual([...f.subarray(12, 16)], [0x81, 0x00, 0x00, 10])
    assert.equal(ipOn(access, 12).length, 2, 'untagged IPv4 frames on the access port')
    // VLAN 20's access port hears nothing of VLAN 10.
    r = await w.run('jexec a ping -c 1 -t 2 10.0.0.3')
    assert.equal(r.status, 2)
    // The table keys on (MAC, VLAN).
    r = await w.run('ifconfig bridge0 addr')
    assert.match(r.out, / Vlan10 epair0a \d+ flags=0<>\n/)
    assert.match(r.out, / Vlan10 epair1a \d+ flags=0<>\n/)
    r = await w.run('ifconfig bridge0')
    assert.match(r.out, /\tbridge flags=1<VLANFILTER>\n\tmember: epair0a /)
    assert.match(r.out, /path cost \d+ untagged 10\n/)
    assert.match(r.out, /path cost \d+ tagged 10,20\n/)
  })

  test('without vlanfilter, untagged VLANs still separate ports; vlan words validate first', async () => {
    const w = shellWorld(4)
    let r = await w.run(SETUP.replace('bridge0 vlanfilter up', 'bridge0 up'))
    assert.equal(r.status, 0, r.err)
    // a's frames are on VLAN 10, c's on VLAN 20: each reaches the other tagged and is dropped.
    r = await w.run('jexec a ping -c 1 -t 2 10.0.0.3')
    assert.equal(r.status, 2)
    r = await w.run('ifconfig bridge0 ifuntagged epair2a 10 && jexec a ping -c 1 -t 2 10.0.0.3')
    assert.equal(r.status, 0, r.out + r.err)
    for (const bad of ['0-10', '4000-5000', 'foo', '40-foo']) {
      r = await w.run(`ifconfig bridge0 +iftagged epair1a ${bad}`)
      assert.equal(r.status, 1)
      assert.equal(r.err, `ifconfig: invalid vlan set: ${bad}\n`)
    }
    r = await w.run('ifconfig bridge0 defuntagged 4095')
    assert.equal(r.err, 'ifconfig: invalid vlan id: 4095\n')
    r = await w.run('ifconfig bridge0 -iftagged epair1a 11-20 && ifconfig bridge0')
    assert.match(r.out, /path cost \d+ tagged 10\n/)
    assert.doesNotMatch(r.out, /bridge flags/)
    r = await w.run('ifconfig bridge0 defuntagged 7 && ifconfig bridge0')
    assert.match(r.out, /\tbridge flags=0<> defuntagged=7\n/)
  })
})
