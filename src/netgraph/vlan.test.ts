/**
 * ng_vlan(4): a filter hook's frames go downstream tagged with its VLAN id (and pcp, and 802.1ad's
 * TPID when asked), tagged frames from downstream leave untagged on the hook of their id, anything
 * else on nomatch; short and unknown frames never reach a filter hook; bad messages fail with EINVAL
 * or EEXIST and change nothing.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Mbuf } from '../buf/mbuf.js'
import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { ether } from '../testing/frames.js'
import { errnoOf } from '../testing/net.js'
import { formatNgValue, parseNgValue } from './ascii.js'
import { type NgHook, NgNode } from './node.js'
import { netgraph } from './types.js'

class Probe extends NgNode {
  readonly type = 'probe'
  readonly got = new Map<string, Uint8Array[]>()
  rcvdata(hook: NgHook, m: Mbuf): void {
    const l = this.got.get(hook.name) ?? []
    l.push(m.data.slice(m.off, m.off + m.len))
    this.got.set(hook.name, l)
    this.graph.pool.put(m)
  }
  inject(hook: string, frame: Uint8Array): void {
    this.send(this.hooks.get(hook)!, this.graph.pool.copyIn(frame))
  }
}

function setup() {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const g = netgraph(host.vnet0)
  const vlan = g.create('vlan')
  const p = new Probe(g)
  g.nodes.set(p.id, p)
  g.connect(p, 'wire', vlan, 'downstream')
  g.connect(p, 'v4', vlan, 'v4')
  g.connect(p, 'other', vlan, 'nomatch')
  const msg = (cmd: string, args = '') => {
    const r = g.msg(vlan, cmd, args === '' ? undefined : parseNgValue(args))
    return r === undefined ? null : formatNgValue(r)
  }
  const drain = () => host.syscalls().nanosleep(1000)
  return { host, g, vlan, p, msg, drain }
}

const PAYLOAD = new Uint8Array(46).fill(7)

test('ng_vlan tags, untags and sorts frames by VLAN id', async () => {
  const { host, p, msg, drain } = setup()
  msg('addfilter', '{ hook="v4" vid=4 pcp=5 }')
  p.inject('v4', ether(0x020000000001, 0x020000000002, 0x0800, PAYLOAD))
  await drain()
  const tagged = p.got.get('wire')![0]!
  assert.deepEqual([...tagged.subarray(12, 18)], [0x81, 0x00, 0xa0, 4, 0x08, 0x00])
  assert.equal(tagged.length, 14 + 4 + 46)
  // Back from the wire: VLAN 4 untagged on v4; VLAN 9 and untagged frames on nomatch.
  p.inject('wire', tagged)
  const nine = tagged.slice()
  nine[15] = 9
  p.inject('wire', nine)
  p.inject('wire', ether(0x020000000002, 0x020000000001, 0x0800, PAYLOAD))
  p.inject('wire', tagged.subarray(0, 16)) // cut inside the tag
  await drain()
  const back = p.got.get('v4')!
  assert.equal(back.length, 1)
  assert.deepEqual([...back[0]!.subarray(12, 14)], [0x08, 0x00])
  assert.equal(back[0]!.length, 14 + 46)
  assert.equal(p.got.get('other')!.length, 3)
  assert.match(msg('gettable')!, /hook_name="v4"/)
  assert.equal(host.env.netisr.errors, 0)
})

test('ng_vlan refuses bad filters and changes nothing', () => {
  const { msg } = setup()
  msg('addfilter', '{ hook="v4" vid=4 }')
  assert.equal(
    errnoOf(() => msg('addfilter', '{ hook="v5" vid=4 }')),
    'EEXIST',
  )
  assert.equal(
    errnoOf(() => msg('addfilter', '{ hook="v4" vid=5 }')),
    'EEXIST',
  )
  assert.equal(
    errnoOf(() => msg('addfilter', '{ hook="v6" vid=4096 }')),
    'EINVAL',
  )
  assert.equal(
    errnoOf(() => msg('addfilter', '{ hook="downstream" vid=6 }')),
    'EINVAL',
  )
  assert.equal(
    errnoOf(() => msg('addfilter', '{ hook="v6" vid=6 ethertype=0x800 }')),
    'EINVAL',
  )
  assert.equal(
    errnoOf(() => msg('delfilter', '"nosuch"')),
    'ENOENT',
  )
  assert.equal(msg('gettable'), '{ n=1 filter=[ { hook_name="v4" vid=4 ethertype=33024 } ] }')
  msg('delvidflt', '4')
  assert.equal(msg('gettable'), '{}')
})
