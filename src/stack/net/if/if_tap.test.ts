/**
 * tap(4)'s cloners: `tap` and if_tuntap's `vmnet` make the same Ethernet interface under their own
 * name and group; create by unit, a unit taken twice refused, destroy, and a vmnet in a vlan.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { shellWorld } from '../../../testing/shell.js'

describe('tap(4) and vmnet', () => {
  test('vmnet0 is a tap-like Ethernet interface with its own group', async () => {
    const w = shellWorld(5)
    let r = await w.run('ifconfig vmnet0 create; ifconfig vmnet create; ifconfig vmnet0 up; ifconfig vmnet0')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /^vmnet1\n/)
    assert.match(
      r.out,
      /vmnet0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n\toptions=80000<LINKSTATE>\n\tether ([0-9a-f]{2}:){5}[0-9a-f]{2}\n/,
    )
    assert.match(r.out, /\tgroups: vmnet\n\tmedia: Ethernet autoselect\n/)
    r = await w.run('ifconfig vmnet0 create')
    assert.equal(r.status, 1)
    assert.match(r.err, /^ifconfig: interface vmnet0 already exists\n/)
    r = await w.run('ifconfig -C')
    assert.match(r.out, /\bvmnet\b/)
    r = await w.run(
      'ifconfig vmnet0.5 create vlan 5 vlandev vmnet0 && ifconfig vmnet0.5 destroy && ifconfig vmnet0 destroy; ifconfig -l',
    )
    assert.equal(r.status, 0, r.err)
    assert.doesNotMatch(r.out, /vmnet0/)
    assert.match(r.out, /vmnet1/)
  })
})
