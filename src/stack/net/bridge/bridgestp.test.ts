/**
 * bridgestp(4) in virtual time: three bridges in a triangle (vnet jails x, y, z) elect a root and
 * block exactly one port, and a ping crosses; cutting a root link reconverges in under a second with
 * RSTP's proposal/agreement and in about 30 s (twice the forward delay) with legacy STP; an edge
 * port forwards at once, an automatic edge after the 3 s edge delay; malformed BPDUs are dropped and
 * counted, never forwarded; without STP the looped triangle storms, but the storm stays bounded
 * (virtual time moves on, buffers stay within the run-queue) and enabling STP ends it.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { BridgeMemberInfo, Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { ip, Net, ping } from '../../../testing/net.js'
import { MS, SEC } from '../../../util/clock.js'
import { IcmpType } from '../../../wire/inet/icmp.js'
import { IFBIF } from './bridge_member.js'
import { bridgeOf } from './if_bridge.js'

let current: Net | null = null

afterEach(() => {
  if (current === null) return
  assert.equal(current.host.env.netisr.errors, 0, String(current.host.env.netisr.lastError))
  current = null
})

/** Members of bridge0 in each jail of the triangle: x–y on epair0, y–z on epair1, z–x on epair2. */
const MEMBERS: Record<string, [string, string]> = {
  x: ['epair0a', 'epair2b'],
  y: ['epair0b', 'epair1a'],
  z: ['epair1b', 'epair2a'],
}
const ADDR: Record<string, string> = { x: '10.0.0.1', y: '10.0.0.2', z: '10.0.0.3' }

function stpOn(sys: Syscalls, m: string): void {
  sys.ifBridgeCmd('bridge0', { op: 'BRDGSIFFLGS', member: m, set: IFBIF.STP, clear: 0 })
}

/** The triangle, each bridge with its address (which brings it up); STP on every port unless `stp` is null. */
function triangle(stp: 'rstp' | 'stp' | null): Net {
  const net = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 }), {
    jails: ['x', 'y', 'z'],
    links: [
      ['x', '', 'y', ''],
      ['y', '', 'z', ''],
      ['z', '', 'x', ''],
    ],
  })
  current = net
  for (const j of ['x', 'y', 'z']) {
    const sys = net.sys(j)
    assert.equal(sys.ifCreate('bridge'), 'bridge0')
    if (stp === 'stp') sys.ifBridgeCmd('bridge0', { op: 'BRDGSPROTO', value: 0 })
    for (const m of MEMBERS[j]!) {
      sys.ifSetUp(m, true)
      sys.ifBridgeAdd('bridge0', m)
      if (stp !== null) stpOn(sys, m)
    }
  }
  for (const j of ['x', 'y', 'z']) net.sys(j).ifAddAddr('bridge0', ip(ADDR[j]!), 24)
  return net
}

function members(net: Net, j: string): BridgeMemberInfo[] {
  return net.sys(j).ifGet('bridge0').members ?? []
}

function allPorts(net: Net): Array<BridgeMemberInfo & { jail: string }> {
  return ['x', 'y', 'z'].flatMap((j) => members(net, j).map((m) => ({ ...m, jail: j })))
}

/** One blocked (alternate, discarding) port and five forwarding ones. */
function converged(net: Net): boolean {
  const ports = allPorts(net)
  const blocked = ports.filter((p) => p.state === 'discarding')
  return (
    blocked.length === 1 &&
    blocked[0]!.role === 'alternate' &&
    ports.filter((p) => p.state === 'forwarding').length === 5
  )
}

/** Virtual ns until `cond` holds, polling every `step`; -1 when it does not within `limit`. */
async function until(net: Net, cond: () => boolean, limit: number, step = 10 * MS): Promise<number> {
  const t0 = net.root.now()
  for (;;) {
    if (cond()) return net.root.now() - t0
    if (net.root.now() - t0 >= limit) return -1
    await net.sleep(step)
  }
}

const replied = async (p: ReturnType<typeof ping>) => (await p)?.type === IcmpType.ECHO_REPLY

/** The jail of the root bridge: the one whose root port is 0. */
function rootJail(net: Net): string {
  const r = ['x', 'y', 'z'].filter((j) => net.sys(j).ifGet('bridge0').bridge?.rootPort === 0)
  assert.equal(r.length, 1, 'one root')
  return r[0]!
}

/** Take both ends of the link between root jail and `other` down, as a cable pulled out. */
function cut(net: Net, a: string, b: string): void {
  const shared = MEMBERS[a]!.find((m) => MEMBERS[b]!.some((n) => n.slice(0, -1) === m.slice(0, -1)))!
  const peer = MEMBERS[b]!.find((n) => n.slice(0, -1) === shared.slice(0, -1))!
  net.sys(a).ifSetUp(shared, false)
  net.sys(b).ifSetUp(peer, false)
}

describe('bridgestp', () => {
  test('RSTP: the triangle converges to one blocked port within a few hellos; pings cross; one root', async () => {
    const net = triangle('rstp')
    // Bridges come up one after the other; the last learns of the root from the next hello (2 s).
    const t = await until(net, () => converged(net), 10 * SEC)
    assert.ok(t >= 0 && t < 5 * SEC, `converged after ${t / MS} ms`)
    const root = rootJail(net)
    const b = net.sys(root).ifGet('bridge0').bridge!
    // The root is the bridge with the lowest member address; its id is its root id.
    assert.equal(b.id, b.rootId)
    for (const j of ['x', 'y', 'z']) {
      assert.equal(net.sys(j).ifGet('bridge0').bridge?.rootId, b.id)
      if (j !== root) assert.equal(net.sys(j).ifGet('bridge0').bridge?.rootCost, 2000)
    }
    // The blocked port is on a non-root bridge; the root's ports are designated.
    assert.ok(allPorts(net).every((p) => p.jail !== root || p.role === 'designated'))
    assert.ok(await replied(ping(net.sys('x'), ip('10.0.0.2'))))
    assert.ok(await replied(ping(net.sys('y'), ip('10.0.0.3'))))
    assert.ok(await replied(ping(net.sys('z'), ip('10.0.0.1'))))
    // Nothing loops: a few seconds of hellos, not a storm.
    const before = net.host.env.netisr.processed
    await net.sleep(10 * SEC)
    assert.ok(net.host.env.netisr.processed - before < 200, String(net.host.env.netisr.processed - before))
  })

  test('RSTP: cutting a root link reconverges in under a second of virtual time', async () => {
    const net = triangle('rstp')
    assert.ok((await until(net, () => converged(net), 10 * SEC)) >= 0)
    await net.sleep(3 * SEC)
    assert.ok(converged(net))
    const root = rootJail(net)
    // Cut the root's link to the bridge that does not hold the blocked port: its only way to the
    // root is then through the blocked port.
    const blocked = allPorts(net).find((p) => p.state === 'discarding')!
    const far = ['x', 'y', 'z'].find((j) => j !== root && j !== blocked.jail)!
    cut(net, root, far)
    const healed = () => {
      const up = allPorts(net).filter((p) => p.state !== 'disabled' && p.role !== 'disabled')
      return up.length === 4 && up.every((p) => p.state === 'forwarding')
    }
    const t = await until(net, healed, 60 * SEC)
    assert.ok(t >= 0 && t < 1 * SEC, `reconverged after ${t / MS} ms`)
    assert.ok(await replied(ping(net.sys(far), ip(ADDR[root]!))))
  })

  test('STP: the triangle converges after two forward delays; a root link cut heals in about 30 s', async () => {
    const net = triangle('stp')
    assert.ok(members(net, 'x').every((m) => m.proto === 'stp'))
    // Listening/learning: nothing forwards before one forward delay has passed.
    await net.sleep(10 * SEC)
    assert.equal(
      allPorts(net).filter((p) => p.state === 'forwarding').length,
      0,
      JSON.stringify(allPorts(net)),
    )
    const t = await until(net, () => converged(net), 60 * SEC, 500 * MS)
    assert.ok(t >= 0, 'STP converged')
    const root = rootJail(net)
    const blocked = allPorts(net).find((p) => p.state === 'discarding')!
    const far = ['x', 'y', 'z'].find((j) => j !== root && j !== blocked.jail)!
    cut(net, root, far)
    const healed = () => {
      const up = allPorts(net).filter((p) => p.role !== 'disabled')
      return up.length === 4 && up.every((p) => p.state === 'forwarding')
    }
    const h = await until(net, healed, 120 * SEC, 500 * MS)
    assert.ok(h >= 25 * SEC && h <= 35 * SEC, `healed after ${h / SEC} s`)
    assert.ok(await replied(ping(net.sys(far), ip(ADDR[root]!))))
  })

  test('an edge port forwards at once; an automatic edge after the edge delay', async () => {
    const net = new Net(new Host(nodeClockDriver(), { clock: 'virtual', seed: 6 }), {
      jails: ['h1', 'h2', 'b'],
      links: [
        ['h1', '10.0.0.1/24', 'b', ''],
        ['h2', '10.0.0.2/24', 'b', ''],
      ],
    })
    current = net
    const sys = net.sys('b')
    sys.ifCreate('bridge')
    for (const m of ['epair0b', 'epair1b']) {
      sys.ifSetUp(m, true)
      sys.ifBridgeAdd('bridge0', m)
    }
    sys.ifBridgeCmd('bridge0', { op: 'BRDGSIFFLGS', member: 'epair0b', set: IFBIF.BSTP_EDGE, clear: 0 })
    stpOn(sys, 'epair0b')
    stpOn(sys, 'epair1b')
    sys.ifSetUp('bridge0', true)
    const state = (m: string) => members(net, 'b').find((x) => x.name === m)!
    assert.equal(state('epair0b').state, 'forwarding')
    assert.ok((state('epair0b').flags & IFBIF.BSTP_EDGE) !== 0)
    assert.equal(state('epair1b').state, 'discarding')
    assert.equal(state('epair1b').role, 'designated')
    // No BPDU comes back from a host: after the 3 s edge delay the port is an edge and forwards.
    const t = await until(net, () => state('epair1b').state === 'forwarding', 30 * SEC, 100 * MS)
    assert.ok(t >= 2 * SEC && t <= 5 * SEC, `auto edge after ${t / MS} ms`)
    assert.ok((state('epair1b').flags & IFBIF.BSTP_EDGE) !== 0)
    assert.ok(await replied(ping(net.sys('h1'), ip('10.0.0.2'))))
    // BPDUs went out of both ports; the hosts' stacks ignore them.
    assert.ok(bridgeOf(net.ifp('b', 'bridge0'))!.bstp.stats.txBpdu > 0)
  })

  test('malformed BPDUs are dropped and counted, never forwarded; ports without STP drop BPDUs too', async () => {
    const net = triangle('rstp')
    assert.ok((await until(net, () => converged(net), 10 * SEC)) >= 0)
    const root = rootJail(net)
    const [inPort, outPort] = MEMBERS[root]!
    const sc = bridgeOf(net.ifp(root, 'bridge0'))!
    const ifIn = net.ifp(root, inPort)
    const out0 = net.ifp(root, outPort).stats.opackets
    const bad0 = sc.bstp.stats.rxBad
    const rx0 = sc.bstp.stats.rxBpdu
    const frame = (llc: number[], body: number[]) => {
      const f = new Uint8Array(60)
      f.set([0x01, 0x80, 0xc2, 0, 0, 0, 0x02, 0, 0, 0, 0, 0x99], 0)
      const len = llc.length + body.length
      f[12] = len >> 8
      f[13] = len & 0xff
      f.set(llc, 14)
      f.set(body, 14 + llc.length)
      return f
    }
    net.inject(ifIn, frame([0x42, 0x42, 0x03], [0, 0, 2])) // too short for anything
    net.inject(ifIn, frame([0xaa, 0xaa, 0x03], [0, 0, 2, 2])) // SNAP, not 802.1D's LLC
    net.inject(ifIn, frame([0x42, 0x42, 0x03], [0, 1, 2, 2])) // protocol id 1
    net.inject(ifIn, frame([0x42, 0x42, 0x03], [0, 0, 2, 0x33])) // unknown type
    net.inject(ifIn, frame([0x42, 0x42, 0x03], [0, 0, 2, 2, 0, 0x80])) // RST BPDU cut short
    await net.sleep(10 * MS)
    assert.equal(sc.bstp.stats.rxBad - bad0, 5)
    assert.equal(sc.bstp.stats.rxBpdu, rx0)
    assert.equal(net.ifp(root, outPort).stats.opackets, out0)
    assert.ok(converged(net))
    // A port without STP: the BPDU is not bridged either.
    net.sys(root).ifBridgeCmd('bridge0', { op: 'BRDGSIFFLGS', member: inPort, set: 0, clear: IFBIF.STP })
    const out1 = net.ifp(root, outPort).stats.opackets
    net.inject(ifIn, frame([0x42, 0x42, 0x03], [0, 0, 0, 0x80]))
    await net.sleep(10 * MS)
    assert.equal(net.ifp(root, outPort).stats.opackets, out1)
  })

  test('a loop without STP storms within bounds, and enabling STP ends the storm', async () => {
    const net = triangle(null)
    const wall0 = performance.now()
    // Each bridge's address announcement circulates the triangle for ever; virtual time still moves.
    await net.sleep(2 * SEC)
    const env = net.host.env
    const stormed = env.netisr.processed
    assert.ok(stormed > 100_000, `storm: ${stormed} frames`)
    assert.ok(env.netisr.queued < 65536)
    // Buffers in flight are what the run-queue holds, not more.
    assert.ok(env.pool.inUse <= 65536 + 16, `mbufs in use: ${env.pool.inUse}`)
    for (const j of ['x', 'y', 'z']) for (const m of MEMBERS[j]!) stpOn(net.sys(j), m)
    const t = await until(net, () => converged(net), 30 * SEC, 100 * MS)
    assert.ok(t >= 0, 'converged despite the storm')
    await net.sleep(1 * SEC)
    const quiet = env.netisr.processed
    await net.sleep(5 * SEC)
    assert.ok(env.netisr.processed - quiet < 100, 'the storm is over')
    assert.ok(await replied(ping(net.sys('x'), ip('10.0.0.3'))))
    assert.ok(performance.now() - wall0 < 60_000)
  })
})
