/**
 * Netgraph node types bridge, tee and one2many (and the message surface of every type): frames are
 * injected and observed through a test-only `probe` node joined to the hooks under test, in virtual
 * time. Covered: ng_bridge learning, flooding, uplinks, aging, loop detection between two bridges
 * joined twice (settled by the bridges, not by the run-queue budget), the bounded table, gettable and
 * stats; ng_tee's copies, stats and bypass on shutdown; ng_one2many's round robin, all and failover;
 * that bad message arguments fail with EINVAL and change nothing; random messages to every type never
 * throw anything but SysError; and that shut-down nodes leave no buffers or timers behind.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import fc from 'fast-check'
import type { Mbuf } from '../buf/mbuf.js'
import { Host } from '../host/host.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { BROADCAST_MAC, ether } from '../testing/frames.js'
import { errnoOf } from '../testing/net.js'
import { SEC } from '../util/clock.js'
import { isSysError } from '../util/errno.js'
import { formatNgValue, type NgStruct, type NgValue, parseNgValue } from './ascii.js'
import { type BridgeNode, NG_BRIDGE_MAX_HOSTS } from './bridge.js'
import { EtherNode } from './ether.js'
import type { NgGraph } from './graph.js'
import { type NgHook, NgNode } from './node.js'
import { NG_TYPES, netgraph } from './types.js'

/** Records what reaches each of its hooks and sends frames out of them. */
class Probe extends NgNode {
  readonly type = 'probe'
  readonly got = new Map<string, Uint8Array[]>()

  rcvdata(hook: NgHook, m: Mbuf): void {
    let l = this.got.get(hook.name)
    if (l === undefined) this.got.set(hook.name, (l = []))
    l.push(m.data.slice(m.off, m.off + m.len))
    this.graph.pool.put(m)
  }

  inject(hook: string, frame: Uint8Array): void {
    this.send(this.hooks.get(hook)!, this.graph.pool.copyIn(frame))
  }

  count(hook: string): number {
    return this.got.get(hook)?.length ?? 0
  }

  clear(): void {
    this.got.clear()
  }
}

let host: Host | null = null

function setup(): { host: Host; g: NgGraph; probe: () => Probe } {
  host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const g = netgraph(host.vnet0)
  const probe = () => {
    const p = new Probe(g)
    g.nodes.set(p.id, p)
    return p
  }
  return { host, g, probe }
}

afterEach(() => {
  if (host === null) return
  assert.equal(host.env.netisr.errors, 0, String(host.env.netisr.lastError))
  host = null
})

function msg(g: NgGraph, node: NgNode, cmd: string, args = ''): string | null {
  const r = g.msg(node, cmd, parseNgValue(args))
  return r === undefined ? null : formatNgValue(r)
}

function stats(g: NgGraph, node: NgNode, n: number): Record<string, number> {
  return g.msg(node, 'getstats', n) as Record<string, number>
}

const MAC = (n: number) => 0x020000000000 + n
const PAYLOAD = new Uint8Array(46)
const frame = (dst: number, src: number) => ether(dst, src, 0x0800, PAYLOAD)

describe('ng_bridge', () => {
  /** A bridge with probe hooks p0..p{n-1} on link0..link{n-1}. */
  function star(n: number) {
    const s = setup()
    const br = s.g.create('bridge') as BridgeNode
    const p = s.probe()
    for (let i = 0; i < n; i++) s.g.connect(p, `p${i}`, br, `link${i}`)
    return { ...s, br, p }
  }

  test('floods broadcast and unknown unicast, then forwards learned unicast to one link only', () => {
    const { g, br, p } = star(3)
    p.inject('p0', frame(BROADCAST_MAC, MAC(1)))
    assert.deepEqual([p.count('p0'), p.count('p1'), p.count('p2')], [0, 1, 1])
    assert.equal(stats(g, br, 1).xmitBroadcasts, 1)
    assert.equal(stats(g, br, 0).recvBroadcast, 1)
    p.clear()
    // MAC(2) answers MAC(1): known destination, so only link0 gets it; MAC(2) is learned on link1.
    p.inject('p1', frame(MAC(1), MAC(2)))
    assert.deepEqual([p.count('p0'), p.count('p1'), p.count('p2')], [1, 0, 0])
    p.clear()
    p.inject('p0', frame(MAC(2), MAC(1)))
    assert.deepEqual([p.count('p0'), p.count('p1'), p.count('p2')], [0, 1, 0])
    assert.equal(stats(g, br, 2).xmitPackets, 1, 'link2 saw only the first broadcast')
    // Unknown destination: flooded and counted as recvUnknown on the incoming link.
    p.clear()
    p.inject('p0', frame(MAC(9), MAC(1)))
    assert.deepEqual([p.count('p0'), p.count('p1'), p.count('p2')], [0, 1, 1])
    assert.equal(stats(g, br, 0).recvUnknown, 1)
    // A frame for a host on the link it came from goes nowhere.
    p.clear()
    p.inject('p0', frame(MAC(1), MAC(3)))
    assert.deepEqual([p.count('p0'), p.count('p1'), p.count('p2')], [0, 0, 0])
    // Multicast is flooded and counted as such.
    p.inject('p1', frame(0x01005e000001, MAC(2)))
    assert.equal(stats(g, br, 1).recvMulticast, 1)
    assert.equal(stats(g, br, 0).xmitMulticasts, 1)
  })

  test('gettable lists hosts with FreeBSD 13 fields; reset forgets them', async () => {
    const { host, g, br, p } = star(2)
    assert.equal(msg(g, br, 'gettable'), '{}')
    p.inject('p0', frame(BROADCAST_MAC, MAC(1)))
    await host.syscalls().nanosleep(3 * SEC)
    p.inject('p1', frame(MAC(1), MAC(0xab)))
    assert.equal(
      msg(g, br, 'gettable'),
      '{ numHosts=2 hosts=[ { addr=02:00:00:00:00:01 age=3 staleness=3 hook="link0" } { addr=02:00:00:00:00:ab hook="link1" } ] }',
    )
    assert.equal(msg(g, br, 'reset'), null)
    assert.equal(br.numHosts, 0)
    assert.equal(stats(g, br, 0).recvPackets, 0)
  })

  test('hosts age out after maxStaleness; the aging timer stops with an empty table', async () => {
    const { host, g, br, p } = star(2)
    const base = host.clock.pending
    assert.equal(msg(g, br, 'getconfig'), '{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }')
    msg(g, br, 'setconfig', '{ debugLevel=1 loopTimeout=60 maxStaleness=10 minStableAge=1 }')
    p.inject('p0', frame(BROADCAST_MAC, MAC(1)))
    assert.equal(host.clock.pending, base + 1)
    await host.syscalls().nanosleep(6 * SEC)
    p.inject('p1', frame(BROADCAST_MAC, MAC(2)))
    await host.syscalls().nanosleep(5 * SEC)
    assert.equal(br.numHosts, 1, 'MAC(1) is stale, MAC(2) is not yet')
    await host.syscalls().nanosleep(6 * SEC)
    assert.equal(br.numHosts, 0)
    assert.equal(host.clock.pending, base)
  })

  test('setconfig replaces the whole configuration; fields left out become 0 (ng_parse defaults)', () => {
    const { g, br } = star(1)
    msg(g, br, 'setconfig', '{ loopTimeout=5 }')
    assert.equal(msg(g, br, 'getconfig'), '{ loopTimeout=5 }')
  })

  test('two bridges joined by two links: a broadcast is detected as a loop and settles at once', () => {
    const { host, g, probe } = setup()
    const x = g.create('bridge') as BridgeNode
    const y = g.create('bridge') as BridgeNode
    g.connect(x, 'link1', y, 'link1')
    g.connect(x, 'link2', y, 'link2')
    const p = probe()
    g.connect(p, 'px', x, 'link0')
    g.connect(p, 'py', y, 'link0')
    const before = host.env.netisr.processed
    p.inject('px', frame(BROADCAST_MAC, MAC(1)))
    const used = host.env.netisr.processed - before
    assert.ok(used < 20, `the loop was stopped by the bridges (${used} frames processed)`)
    assert.equal(host.env.netisr.queued, 0)
    assert.equal(p.count('py'), 1)
    assert.equal(p.count('px'), 0)
    const detects = (b: BridgeNode) => stats(g, b, 1).loopDetects! + stats(g, b, 2).loopDetects!
    assert.equal(detects(x), 1)
    assert.equal(detects(y), 1)
    // Another broadcast while muted: dropped on the muted links, still no storm.
    p.inject('px', frame(BROADCAST_MAC, MAC(1)))
    assert.equal(p.count('py'), 2)
    assert.ok(host.env.netisr.processed - before < 40)
    const drops = (b: BridgeNode) => stats(g, b, 1).loopDrops! + stats(g, b, 2).loopDrops!
    assert.ok(drops(x) >= 1 && drops(y) >= 2)
    // Unicast back from y's side reaches x's side over the link that is not muted.
    p.clear()
    p.inject('py', frame(MAC(1), MAC(2)))
    assert.equal(p.count('px'), 1)
  })

  test('a muted link comes back after loopTimeout', async () => {
    const { host, g, br, p } = star(2)
    msg(g, br, 'setconfig', '{ debugLevel=1 loopTimeout=5 maxStaleness=900 minStableAge=1 }')
    p.inject('p0', frame(BROADCAST_MAC, MAC(1)))
    p.inject('p1', frame(BROADCAST_MAC, MAC(1)))
    assert.equal(stats(g, br, 1).loopDetects, 1)
    p.clear()
    p.inject('p1', frame(BROADCAST_MAC, MAC(2)))
    assert.equal(p.count('p0'), 0, 'muted')
    await host.syscalls().nanosleep(6 * SEC)
    p.inject('p1', frame(BROADCAST_MAC, MAC(2)))
    assert.equal(p.count('p0'), 1, 'unmuted')
  })

  test('a host that moves after minStableAge is moved, not a loop', async () => {
    const { host, g, br, p } = star(2)
    p.inject('p0', frame(BROADCAST_MAC, MAC(1)))
    await host.syscalls().nanosleep(2 * SEC)
    p.inject('p1', frame(BROADCAST_MAC, MAC(1)))
    assert.equal(stats(g, br, 1).loopDetects, 0)
    assert.match(msg(g, br, 'gettable')!, /hook="link1"/)
  })

  test('uplinks: no learning there, and unknown unicast goes to uplinks only when one came first', () => {
    const { g, probe } = setup()
    const br = g.create('bridge') as BridgeNode
    const p = probe()
    g.connect(p, 'u', br, 'uplink1')
    g.connect(p, 'a', br, 'link0')
    g.connect(p, 'b', br, 'link1')
    p.inject('u', frame(BROADCAST_MAC, MAC(7)))
    assert.equal(br.numHosts, 0)
    assert.deepEqual([p.count('a'), p.count('b')], [1, 1])
    p.clear()
    p.inject('a', frame(MAC(9), MAC(1)))
    assert.deepEqual([p.count('u'), p.count('b')], [1, 0])
    assert.equal(stats(g, br, -1).recvPackets, 1)
    assert.equal(stats(g, br, -1).xmitPackets, 1)
  })

  test('hook names follow FreeBSD: linkN and uplinkN (N > 0), no leading zeros', () => {
    const { g, probe } = setup()
    const br = g.create('bridge')
    const p = probe()
    g.connect(p, 'keep', br, 'link0')
    for (const bad of ['link', 'link01', 'uplink0', 'lnk1', 'link-1', 'uplink', 'linkx'])
      assert.throws(() => g.connect(p, 'x', br, bad), { code: 'EINVAL' }, bad)
    g.connect(p, 'y', br, 'link4294967295')
    g.connect(p, 'z', br, 'uplink12')
  })

  test('stats: getclrstats clears, clrstats returns nothing, unconnected links are ENOTCONN', () => {
    const { g, br, p } = star(2)
    p.inject('p0', frame(BROADCAST_MAC, MAC(1)))
    assert.equal(msg(g, br, 'getclrstats', '0'), '{ recvOctets=60 recvPackets=1 recvBroadcast=1 }')
    assert.equal(msg(g, br, 'getstats', '0'), '{}')
    p.inject('p0', frame(BROADCAST_MAC, MAC(1)))
    assert.equal(msg(g, br, 'clrstats', '1'), null)
    assert.equal(msg(g, br, 'getstats', '1'), '{}')
    assert.throws(() => msg(g, br, 'getstats', '5'), { code: 'ENOTCONN' })
    assert.throws(() => msg(g, br, 'getstats', '-1'), { code: 'ENOTCONN' })
  })

  test('runts and group source addresses are dropped and counted', () => {
    const { g, br, p } = star(2)
    p.inject('p0', new Uint8Array(10))
    p.inject('p0', frame(BROADCAST_MAC, 0x010000000001))
    assert.deepEqual([p.count('p1'), br.numHosts], [0, 0])
    assert.equal(msg(g, br, 'getstats', '0'), '{ recvRunts=1 recvInvalid=1 }')
  })

  test('the table is bounded: the oldest host is evicted and counted', () => {
    const { host, g, br, p } = star(2)
    const n = NG_BRIDGE_MAX_HOSTS + 5
    for (let i = 0; i < n; i++) p.inject('p0', frame(BROADCAST_MAC, MAC(0x10000 + i)))
    assert.equal(br.numHosts, NG_BRIDGE_MAX_HOSTS)
    assert.equal(br.evictions, 5)
    assert.equal(stats(g, br, 0).memoryFailures, 5)
    assert.doesNotMatch(msg(g, br, 'gettable')!, /addr=02:00:00:01:00:00 /)
    assert.equal(host.env.pool.inUse, 0)
  })

  test('a bridge shuts down with its last hook unless persistent', () => {
    const { g, probe } = setup()
    const p = probe()
    const keep = g.create('bridge')
    g.connect(p, 'a', keep, 'link0')
    msg(g, keep, 'setpersistent')
    const gone = g.create('bridge')
    g.connect(p, 'b', gone, 'link0')
    g.connect(p, 'c', keep, 'link1')
    g.rmhook(p, 'a')
    g.rmhook(p, 'b')
    assert.ok(!keep.dead)
    assert.ok(gone.dead)
    g.rmhook(p, 'c')
    assert.ok(!keep.dead)
  })
})

describe('ng_tee', () => {
  function tee(hooks: readonly string[]) {
    const s = setup()
    const t = s.g.create('tee')
    const p = s.probe()
    for (const h of hooks) s.g.connect(p, h, t, h)
    return { ...s, t, p }
  }

  test('right to left with a copy on right2left, left to right with a copy on left2right', () => {
    const { g, t, p } = tee(['right', 'left', 'right2left', 'left2right'])
    p.inject('right', frame(MAC(2), MAC(1)))
    assert.deepEqual(
      ['right', 'left', 'right2left', 'left2right'].map((h) => p.count(h)),
      [0, 1, 1, 0],
    )
    assert.deepEqual(p.got.get('left')![0], p.got.get('right2left')![0])
    p.clear()
    p.inject('left', frame(MAC(1), MAC(2)))
    assert.deepEqual(
      ['right', 'left', 'right2left', 'left2right'].map((h) => p.count(h)),
      [1, 0, 0, 1],
    )
    // Frames written into the taps go out of the side they are named after (FreeBSD's wiring).
    p.clear()
    p.inject('right2left', frame(MAC(1), MAC(2)))
    p.inject('left2right', frame(MAC(1), MAC(2)))
    assert.deepEqual([p.count('right'), p.count('left')], [1, 1])
    assert.equal(
      msg(g, t, 'getclrstats'),
      '{ right={ inOctets=60 inFrames=1 outOctets=120 outFrames=2 } left={ inOctets=60 inFrames=1 outOctets=120 outFrames=2 } ' +
        'right2left={ inOctets=60 inFrames=1 outOctets=60 outFrames=1 } left2right={ inOctets=60 inFrames=1 outOctets=60 outFrames=1 } }',
    )
    assert.equal(msg(g, t, 'getstats'), '{}')
  })

  test('with the far side unconnected the tap gets the original', () => {
    const { p } = tee(['right', 'right2left'])
    p.inject('right', frame(MAC(2), MAC(1)))
    assert.equal(p.count('right2left'), 1)
  })

  test('shutting a tee down joins its left and right peers directly (ng_bypass)', () => {
    const { g, t, p } = tee(['right', 'left', 'right2left'])
    g.shutdown(t)
    assert.ok(t.dead)
    assert.equal(p.hooks.get('right')!.peer, p.hooks.get('left'))
    assert.ok(!p.hooks.has('right2left'))
    p.inject('right', frame(MAC(2), MAC(1)))
    assert.equal(p.count('left'), 1)
  })
})

describe('ng_one2many', () => {
  function o2m(n: number) {
    const s = setup()
    const o = s.g.create('one2many')
    const p = s.probe()
    s.g.connect(p, 'one', o, 'one')
    for (let i = 0; i < n; i++) s.g.connect(p, `m${i}`, o, `many${i}`)
    return { ...s, o, p }
  }
  const counts = (p: Probe, n: number) => Array.from({ length: n }, (_, i) => p.count(`m${i}`))

  test('round robin over the active links; many to one', () => {
    const { g, o, p } = o2m(3)
    assert.equal(msg(g, o, 'getconfig'), '{ xmitAlg=1 failAlg=1 enabledLinks=[ 1 1 1 ] }')
    for (let i = 0; i < 7; i++) p.inject('one', frame(MAC(2), MAC(1)))
    assert.deepEqual(counts(p, 3), [3, 2, 2])
    p.inject('m2', frame(MAC(1), MAC(2)))
    assert.equal(p.count('one'), 1)
    assert.equal(msg(g, o, 'getstats', '-1'), '{ recvOctets=420 recvPackets=7 xmitOctets=60 xmitPackets=1 }')
    assert.equal(msg(g, o, 'getstats', '2'), '{ recvOctets=60 recvPackets=1 xmitOctets=120 xmitPackets=2 }')
  })

  test('xmitAlg 2 sends to all; enabledLinks picks the active links; failover uses the first', () => {
    const { g, o, p } = o2m(3)
    msg(g, o, 'setconfig', '{ xmitAlg=2 failAlg=1 enabledLinks=[ 1 0 1 ] }')
    assert.equal(msg(g, o, 'getconfig'), '{ xmitAlg=2 failAlg=1 enabledLinks=[ 1 2=1 ] }')
    p.inject('one', frame(MAC(2), MAC(1)))
    p.inject('one', frame(MAC(2), MAC(1)))
    assert.deepEqual(counts(p, 3), [2, 0, 2])
    p.clear()
    msg(g, o, 'setconfig', '{ xmitAlg=3 failAlg=1 enabledLinks=[ 0 1 1 ] }')
    p.inject('one', frame(MAC(2), MAC(1)))
    assert.deepEqual(counts(p, 3), [0, 1, 0])
    // Disconnecting a link disables it; reconnecting enables it again.
    g.rmhook(p, 'm1')
    p.inject('one', frame(MAC(2), MAC(1)))
    assert.deepEqual(counts(p, 3), [0, 1, 1])
  })

  test('no active link: frames from one are dropped', () => {
    const { host, p } = o2m(0)
    p.inject('one', frame(MAC(2), MAC(1)))
    assert.equal(host.env.pool.inUse, 0)
  })

  test('hook names: one and many0..many63', () => {
    const { g, probe } = setup()
    const o = g.create('one2many')
    const p = probe()
    g.connect(p, 'k', o, 'many63')
    for (const bad of ['many64', 'many01', 'many', 'two', 'many-1'])
      assert.throws(() => g.connect(p, 'x', o, bad), { code: 'EINVAL' }, bad)
  })
})

/** Every node type, made in a fresh graph, with a probe on some of its hooks. */
function everyType(): { g: NgGraph; nodes: NgNode[] } {
  const { host: h, g, probe } = setup()
  const sys = h.syscalls()
  sys.ifCreate('epair')
  const p = probe()
  const nodes: NgNode[] = []
  for (const type of NG_TYPES.names()) {
    if (type === 'ether') {
      nodes.push(g.resolve('epair0a:', null))
      continue
    }
    const n = g.create(type)
    nodes.push(n)
    // Give hook-dependent messages (stats of link 0, of `one`) something to look at where possible.
    for (const hook of ['link0', 'one', 'many0', 'right', 'ether'])
      try {
        g.connect(p, `${n.id}-${hook}`, n, hook)
      } catch {}
  }
  return { g, nodes }
}

/** What a bad message must not change: everything the node reports, and its persistence. */
function observe(g: NgGraph, n: NgNode): string {
  const out: string[] = [String(n.persistent), String(n.dead), String(n.hooks.size)]
  for (const m of n.messages()) {
    if (!m.startsWith('get') || m.startsWith('getclr')) continue
    for (const arg of [undefined, -1, 0, 1])
      try {
        const r = g.msg(n, m, arg)
        out.push(`${m} ${arg} ${r === undefined ? '-' : formatNgValue(r)}`)
      } catch (e) {
        if (!isSysError(e)) throw e
        out.push(`${m} ${arg} ${e.code}`)
      }
  }
  return out.join('\n')
}

describe('messages of every node type', () => {
  const BAD = ['x', '[ 1 ]', '{ bogus=1 }', '1.5', '"a b"', '{ xmitAlg="1" }', '-99999999999']
  /** Types whose message checks this suite vouches for (others, like pipe, have their own tests). */
  const CHECKED = new Set(['bridge', 'eiface', 'ether', 'hub', 'one2many', 'socket', 'tee'])
  const takesNoArg = (n: NgNode, m: string) =>
    n.type === 'tee' || /^(getconfig|gettable|reset|setpersistent|getifname|getifindex|getenaddr)$/.test(m)

  test('bad arguments fail with EINVAL and change nothing', () => {
    const { g, nodes } = everyType()
    for (const n of nodes.filter((x) => CHECKED.has(x.type)))
      for (const m of n.messages())
        for (const text of [...BAD, ...(takesNoArg(n, m) ? ['1', '{}', '[]'] : [])]) {
          const before = observe(g, n)
          assert.throws(() => g.msg(n, m, parseNgValue(text)), { code: 'EINVAL' }, `${n.type} ${m} ${text}`)
          assert.equal(observe(g, n), before, `${n.type} ${m} ${text}`)
        }
  })

  test('messages needing an argument reject a missing one', () => {
    const { g, nodes } = everyType()
    for (const n of nodes.filter((x) => CHECKED.has(x.type)))
      for (const m of n.messages())
        if (!takesNoArg(n, m))
          assert.throws(() => g.msg(n, m, undefined), { code: 'EINVAL' }, `${n.type} ${m}`)
  })

  test('random commands and arguments never throw anything but SysError', () => {
    const { g, nodes } = everyType()
    const word = fc.stringMatching(/^[a-zA-Z0-9_:.\-"{}[\]= ]{0,24}$/)
    const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.integer({ min: -5, max: 70 }).map(String),
        fc.constantFrom('0x10', '1e3', '-0', '4294967296', '02:00:00:00:00:01', '"s"', 'link0'),
        fc.array(tie('v'), { maxLength: 4 }).map((a) => `[ ${a.join(' ')} ]`),
        fc
          .array(
            fc.tuple(
              fc.constantFrom(
                'debugLevel',
                'loopTimeout',
                'maxStaleness',
                'minStableAge',
                'xmitAlg',
                'failAlg',
                'enabledLinks',
                'x',
              ),
              tie('v'),
            ),
            { maxLength: 4 },
          )
          .map((a) => `{ ${a.map(([k, v]) => `${k}=${v}`).join(' ')} }`),
      ),
    })).v
    const cmds = [...new Set(nodes.flatMap((n) => n.messages()))]
    fc.assert(
      fc.property(
        fc.nat(nodes.length - 1),
        fc.oneof(fc.constantFrom(...cmds), word),
        fc.oneof(value, word),
        (i, cmd, text) => {
          const n = nodes[i]!
          try {
            const r = g.msg(n, cmd, parseNgValue(text))
            if (r !== undefined) formatNgValue(r)
          } catch (e) {
            if (!isSysError(e)) throw e
          }
        },
      ),
      { numRuns: 3000, seed: 42 },
    )
  })
})

describe('node lifetime', () => {
  test('shut-down nodes release every buffer and timer', async () => {
    const { host: h, g, probe } = setup()
    const sys = h.syscalls()
    const basePending = h.clock.pending
    const p = probe()
    const br = g.create('bridge')
    const t = g.create('tee')
    const o = g.create('one2many')
    g.connect(p, 'a', br, 'link0')
    g.connect(p, 'b', br, 'link1')
    g.connect(br, 'link2', t, 'left')
    g.connect(t, 'right', o, 'one')
    g.connect(o, 'many0', p, 'c')
    g.connect(o, 'many1', p, 'd')
    for (let i = 0; i < 50; i++)
      p.inject(i % 2 === 0 ? 'a' : 'c', frame(i % 3 === 0 ? BROADCAST_MAC : MAC(1), MAC(2 + (i % 5))))
    assert.ok(h.clock.pending > basePending, 'the bridge is aging hosts')
    await sys.nanosleep(SEC)
    for (const n of [br, t, o, p]) g.shutdown(n)
    assert.equal(h.env.pool.inUse, 0)
    assert.equal(h.clock.pending, basePending)
    assert.deepEqual(
      [...g.nodes.values()].map((n) => n.type),
      [],
    )
  })
})

describe('ng_ether and vnets', () => {
  test('an interface moved to a jail takes no ng_ether node of the old vnet with it', async () => {
    const { host: h, g } = setup()
    const sys = h.syscalls()
    sys.jailCreate([
      ['name', 'j'],
      ['vnet', true],
      ['persist', true],
    ])
    sys.ifCreate('epair')
    const ep = g.resolve('epair0a:', null)
    const br = g.mkpeer(ep, 'bridge', 'lower', 'link0')
    msg(g, br, 'setpersistent')
    sys.ifMoveToJail('epair0a', 'j')
    assert.ok(ep.dead)
    assert.equal(h.vnet0.ifByName('epair0b')!.tap, null)
    const moved = h.prison0.findDescendant('j')!.vnet.ifByName('epair0a')!
    assert.equal(moved.tap, null)
    assert.deepEqual(
      g.list().map((n) => n.name),
      ['', 'epair0b'],
    )
  })

  test('an ng_ether node left behind by a moved interface cannot reach it from the old vnet', () => {
    const { host: h, g } = setup()
    const sys = h.syscalls()
    sys.jailCreate([
      ['name', 'j'],
      ['vnet', true],
      ['persist', true],
    ])
    sys.ifCreate('epair')
    // The node appears (without hooks) when the parent first names it, then the interface leaves.
    const ep = g.resolve('epair0a:', null)
    const mac = ep instanceof EtherNode ? ep.ifp.mac : -1
    sys.ifMoveToJail('epair0a', 'j')
    const moved = h.prison0.findDescendant('j')!.vnet.ifByName('epair0a')!
    const ng = sys.ngSocket()
    assert.equal(
      errnoOf(() => ng.msg('epair0a:', 'setenaddr', '"02:00:00:00:00:99"')),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => ng.msg(`[${ep.id.toString(16)}]:`, 'getifname', '')),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => ng.mkpeer('epair0a:', 'hub', 'lower', 'x')),
      'ENOENT',
    )
    assert.equal(moved.mac, mac)
    assert.equal(moved.tap, null)
    ng.close()
  })
})

describe('ASCII form of responses', () => {
  test('defaults are left out, skipped array elements give the next one its index, MACs print bare', () => {
    const v: NgValue = { a: 0, b: [0, 0, 3, 0, 5], c: { d: 0 }, e: '02:00:00:00:00:0a', f: 'x' }
    assert.equal(formatNgValue(v), '{ b=[ 2=3 4=5 ] e=02:00:00:00:00:0a f="x" }')
    assert.deepEqual(parseNgValue('[ 2=3 4=5 ]'), [0, 0, 3, 0, 5])
    assert.equal((parseNgValue('{ e=02:00:00:00:00:0a }') as NgStruct).e, '02:00:00:00:00:0a')
  })
})
