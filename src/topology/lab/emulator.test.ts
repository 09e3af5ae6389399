/**
 * The emulator on small labs in virtual time: what a built lab looks like through the syscall API
 * (jails, interfaces, routes, netgraph), startup scripts, link up/down and live reconfiguration,
 * timing fidelity (a ping's round trip over a pipe is exactly twice the delay plus serialization),
 * reproducibility (same seed, same packets; another seed, other losses), and teardown while frames
 * sit in pipe queues leaving no timer or buffer behind.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { IcmpType, icmpFinish, writeIcmpHeader } from '../../wire/inet/icmp.js'
import { LabConsole } from '../console/console.js'
import { loadTopology } from '../file/load.js'
import { Lab } from './emulator.js'
import { LabError } from './lab_var.js'

interface Captured {
  out: string
  err: string
}

function sink(): { io: ConstructorParameters<typeof LabConsole>[1]; cap: Captured } {
  const cap = { out: '', err: '' }
  return {
    cap,
    io: {
      stdin: { read: async () => null },
      stdout: { write: (s) => void (cap.out += s) },
      stderr: { write: (s) => void (cap.err += s) },
    },
  }
}

function build(yaml: string, seed = 1): { host: Host; lab: Lab } {
  const { topology } = loadTopology(yaml, 'lab.yaml')
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed })
  return { host, lab: Lab.build(host, topology) }
}

/** Runs console lines; returns stdout, stderr and the statuses. */
async function run(lab: Lab, ...lines: string[]): Promise<Captured & { statuses: number[] }> {
  const { io, cap } = sink()
  const c = new LabConsole(lab, io)
  const statuses: number[] = []
  for (const l of lines) statuses.push(await c.runLine(l))
  return { ...cap, statuses }
}

/** Two pcs on one cable with the given impairments. */
function pair(impair: string): string {
  return `nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  b: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
links:
  - { a: a, b: b${impair === '' ? '' : `, impair: ${impair}`} }
`
}

/** One echo request from a's raw socket; the exact round trip in ns, or null. */
async function rtt(lab: Lab, from: string, to: number, seq: number): Promise<number | null> {
  const sys = lab.sys(from)
  const sock = sys.rawSocket(1)
  const p = new Uint8Array(64)
  writeIcmpHeader(p, 0, IcmpType.ECHO, 0, (0x4242 << 16) | seq)
  icmpFinish(p, 0, p.length)
  const t0 = sys.now()
  sock.send(to, p)
  try {
    for (;;) {
      const r = await sock.recv(5e9)
      if (r === null) return null
      const o = (r.data[0]! & 15) << 2
      if (r.data[o] === IcmpType.ECHO_REPLY && r.data[o + 7] === seq) return r.time - t0
    }
  } finally {
    sock.close()
  }
}

const B = 0x0a000002

describe('building', () => {
  test('one vnet jail per pc/host/router, interfaces moved in, renamed and configured', () => {
    const { host, lab } = build(`name: t
nodes:
  pc1:
    kind: pc
    interfaces:
      - { name: eth0, address: 10.0.1.10/24, addresses: [ 10.0.1.11/24 ], mac: 42:00:aa:00:00:01, mtu: 1400 }
    routes: [ { to: default, via: 10.0.1.1 } ]
  r1:
    kind: router
    interfaces: [ { name: eth0, address: 10.0.1.1/24 }, { name: wan0 } ]
  sw1: { kind: switch }
  h1: { kind: hub }
links:
  - { a: pc1, b: sw1 }
  - { a: sw1, b: h1 }
  - { a: h1, b: r1:eth0 }
`)
    const root = host.syscalls()
    assert.deepEqual(
      root.jailList().map((j) => [j.name, j.hostname, j.vnet, j.persist]),
      [
        ['pc1', 'pc1', true, true],
        ['r1', 'r1', true, true],
      ],
    )
    const pc1 = lab.sys('pc1')
    const eth0 = pc1.ifGet('eth0')
    assert.deepEqual(
      eth0.addrs.map((a) => [a.addr, a.prefixLen]),
      [
        [0x0a00010a, 24],
        [0x0a00010b, 24],
      ],
    )
    assert.equal(eth0.mac, 0x4200aa000001)
    assert.equal(eth0.mtu, 1400)
    assert.ok(eth0.flags & 1, 'up')
    assert.ok(pc1.routeList().some((r) => r.prefixLen === 0 && r.gateway === 0x0a000101))
    assert.equal(pc1.sysctlGet('net.inet.ip.forwarding').value, 0)
    const r1 = lab.sys('r1')
    assert.equal(r1.sysctlGet('net.inet.ip.forwarding').value, 1)
    assert.deepEqual(
      r1.ifList().map((i) => i.name),
      ['lo0', 'eth0', 'wan0'],
    )
    assert.ok(r1.ifGet('wan0').flags & 1, 'an interface without address is up too')
    // The host's vnet0 holds the netgraph: eifaces, a bridge and a hub, no pipes (nothing impaired),
    // and none of the interfaces (they live in the jails).
    const ng = root.ngSocket()
    const types = ng.list().map((n) => n.type)
    ng.close()
    assert.deepEqual(types.filter((t) => t === 'eiface').length, 3)
    assert.ok(types.includes('bridge') && types.includes('hub') && !types.includes('pipe'))
    assert.deepEqual(
      root.ifList().map((i) => i.name),
      ['lo0'],
    )
    lab.destroy()
  })

  test('a link with impairments gets a pipe configured per direction; direct links never do', async () => {
    const { lab } = build(`nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  b: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
  c: { kind: pc, interfaces: [ { name: eth1, address: 10.0.1.1/24 } ] }
  d: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.2/24 } ] }
links:
  - { a: a, b: b, impair: { delay: 5ms, ab: { bandwidth: 2Mbit }, ba: { loss: 1% } } }
  - { a: c, b: d, direct: true }
`)
    const [ab, cd] = lab.links()
    assert.ok(ab!.pipe !== null)
    assert.equal(cd!.pipe, null)
    const r = await run(lab, 'links')
    assert.equal(
      r.out,
      `a:eth0  b:eth0  up  ab: bw=2Mbit delay=5ms; ba: delay=5ms loss=1%  pipe [${ab!.pipe!.toString(16)}]\n` +
        'c:eth1  d:eth0  up  direct\n',
    )
    lab.destroy()
  })

  test('a step that fails names the node and leaves the host as it was', () => {
    const { topology } = loadTopology(
      `nodes:
  ok: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  bad: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24, mtu: 70 } ] }
  sw: { kind: switch }
links: [ { a: ok, b: sw }, { a: bad, b: sw } ]
`,
      'lab.yaml',
    )
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
    assert.throws(
      () => Lab.build(host, topology),
      (e: unknown) => e instanceof LabError && /^bad: eth0: /.test(e.message),
    )
    const root = host.syscalls()
    assert.deepEqual(root.jailList(), [])
    const ng = root.ngSocket()
    assert.deepEqual(
      ng.list().map((n) => n.type),
      ['socket'],
    )
    ng.close()
    assert.equal(host.clock.pending, 0)
    assert.equal(host.env.pool.inUse, 0)
  })

  test('startup lines run in each node as one script; a failing one is a warning naming it', async () => {
    const { lab } = build(`nodes:
  a:
    kind: pc
    interfaces: [ { name: eth0, address: 10.0.0.1/24 } ]
    startup: |
      echo "$0 is $(hostname)"
      ifconfig lo1 create > /dev/null
      false
  b:
    kind: pc
    interfaces: [ { name: eth0, address: 10.0.0.2/24 } ]
    startup: [ 'ping -c 1 10.0.0.1 > /dev/null && echo reached a' ]
links: [ { a: a, b: b } ]
`)
    const outs = new Map<string, Captured>()
    const warnings = await lab.start((node) => {
      const s = sink()
      outs.set(node, s.cap)
      return s.io
    })
    assert.deepEqual(warnings, ['a: startup commands exited with status 1'])
    assert.equal(outs.get('a')!.out, 'a is a\n')
    assert.equal(outs.get('b')!.out, 'reached a\n')
    assert.ok(
      lab
        .sys('a')
        .ifList()
        .some((i) => i.name === 'lo1'),
    )
    lab.destroy()
  })
})

describe('fidelity in virtual time', () => {
  test('round trip = 2 × delay + serialization of both frames, to the nanosecond', async () => {
    // 1 Mbit/s: ng_pipe adds 10 bytes per frame below 10 Mbit/s; 98-byte frames (64-byte ICMP).
    const { lab } = build(pair('{ bandwidth: 1Mbit, delay: 10ms }'))
    assert.ok((await rtt(lab, 'a', B, 1)) !== null) // resolves ARP
    assert.equal(await rtt(lab, 'a', B, 2), 2 * (10e6 + ((98 + 10) * 8 * 1e9) / 1e6))
    const r = await run(lab, 'a ping -c 2 10.0.0.2')
    assert.match(r.out, /icmp_seq=1 ttl=64 time=21\.728 ms/)
    lab.destroy()
  })

  test('at 10 Mbit/s and above the pipe counts 24 bytes of Ethernet framing; asymmetric bandwidth', async () => {
    const { lab } = build(pair('{ delay: 1ms, ab: { bandwidth: 100Mbit }, ba: { bandwidth: 10Mbit } }'))
    await rtt(lab, 'a', B, 1)
    assert.equal(await rtt(lab, 'a', B, 2), 2e6 + (122 * 8 * 1e9) / 100e6 + (122 * 8 * 1e9) / 10e6)
    lab.destroy()
  })

  /** Console output, then every interface's counters and every pipe's statistics. */
  async function transcript(seed: number): Promise<{ out: string; counters: string }> {
    const { lab } = build(
      `nodes:
  sw: { kind: switch }
  p1: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  p2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
  p3: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.3/24 } ] }
links:
  - { a: p1, b: sw, impair: { loss: 15%, delay: 3ms, jitter: 2ms, duplicate: 5% } }
  - { a: p2, b: sw, impair: { gilbert: { p: 10%, r: 40% }, delay: 1ms } }
  - { a: p3, b: sw, impair: { bandwidth: 1Mbit, reorder: 10%, delay: 2ms, ber: 1e-5 } }
`,
      seed,
    )
    const r = await run(
      lab,
      'pingall 0.5',
      'p1 ping -c 30 -i 0.05 10.0.0.3',
      'p2 ping -q -c 30 -i 0.02 10.0.0.1',
    )
    let counters = ''
    for (const n of ['p1', 'p2', 'p3'])
      for (const i of lab.interfaces(n)) counters += `${n} ${i.name} ${JSON.stringify(i.stats)}\n`
    for (const l of lab.links()) counters += `${lab.pipeStats(l)}\n`
    lab.destroy()
    return { out: r.out, counters }
  }

  test('the same seed gives the same packets; another seed other ones', async () => {
    const a = await transcript(7)
    assert.match(a.out, /30 packets transmitted, \d+ packets received, .*% packet loss/)
    assert.match(a.counters, /drop_loss=\d+/)
    assert.deepEqual(await transcript(7), a)
    const b = await transcript(8)
    // Not only the MAC addresses (also drawn from the seed): the losses differ.
    assert.notEqual(b.out, a.out)
    assert.notEqual(b.counters, a.counters)
  })
})

describe('control while running', () => {
  test('link down unplugs the cable (ping fails), up plugs it back with the pipe as it was', async () => {
    const { lab } = build(pair('{ delay: 5ms }'))
    const l = lab.links()[0]!
    const before = await rtt(lab, 'a', B, 1)
    const carrier = async () =>
      (await run(lab, 'a ifconfig eth0', 'b ifconfig eth0')).out.match(/status: .*/g)
    assert.deepEqual(await carrier(), ['status: active', 'status: active'])
    let r = await run(lab, 'link a b down', 'a ping -c 1 -t 1 10.0.0.2', 'links')
    assert.deepEqual(r.statuses, [0, 2, 0])
    assert.match(r.out, /^a:eth0 {2}b:eth0 {2}down {2}delay=5ms/m)
    // Both ends lose carrier: b's eiface lost its hook, a's was told (NGM_LINK_IS_DOWN).
    assert.deepEqual(await carrier(), ['status: no carrier', 'status: no carrier'])
    // The ping, sent while unplugged (no IPv6: the lab gives the link no inet6 address).
    assert.match(lab.pipeStats(l)!, /drop_nohook=1/)
    r = await run(lab, 'link b a up')
    assert.deepEqual(r.statuses, [0])
    assert.ok(l.up)
    assert.deepEqual(await carrier(), ['status: active', 'status: active'])
    assert.equal(await rtt(lab, 'a', B, 2), 10e6)
    assert.ok(before !== null && before >= 10e6)
    lab.destroy()
  })

  test('link set changes a pipe while traffic flows; an unshaped link gets a pipe; direct refuses', async () => {
    const { lab } = build(`nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  b: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
  c: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.1/24 } ] }
  d: { kind: pc, interfaces: [ { name: eth0, address: 10.0.1.2/24 } ] }
links:
  - { a: a, b: b }
  - { a: c, b: d, direct: true }
`)
    const l = lab.links()[0]!
    assert.equal(l.pipe, null)
    assert.equal(await rtt(lab, 'a', B, 1), 0)
    let r = await run(lab, 'link a b set delay=3ms bw=10Mbit')
    assert.deepEqual(r.statuses, [0])
    assert.ok(l.pipe !== null)
    assert.equal(await rtt(lab, 'a', B, 2), 6e6 + 2 * ((122 * 8 * 1e9) / 10e6))
    // Change it while a ping is in flight: the frame on its way keeps its schedule.
    const inFlight = rtt(lab, 'a', B, 3)
    r = await run(lab, 'link a:eth0 b set delay=1000 bw=0')
    assert.deepEqual(r.statuses, [0])
    assert.equal(await inFlight, 3e6 + (122 * 8 * 1e9) / 10e6 + 1e6)
    assert.equal(await rtt(lab, 'a', B, 4), 2e6)
    r = await run(lab, 'link c d set delay=1ms', 'link a b set loss=200%', 'link a b set speed=1', 'link a b')
    assert.deepEqual(r.statuses, [1, 64, 64, 0])
    assert.match(r.err, /virtnet: link c:eth0 d:eth0: a direct link has no shaping element\n/)
    assert.match(r.err, /virtnet: link: loss=200%: expected a percentage/)
    assert.match(r.err, /virtnet: link: speed=1: expected one of bw= bandwidth=/)
    assert.match(
      r.out,
      /^a:eth0 {2}b:eth0 {2}up {2}delay=1ms {2}pipe \[[0-9a-f]+\]\n\{ downstream=\{ FwdOctets=/,
    )
    lab.destroy()
  })
})

describe('teardown', () => {
  /** A slow link with ARP resolved, then `n` echo requests sent at once: most wait in the pipe. */
  async function queued(n: number) {
    const { host, lab } = build(pair('{ bandwidth: 100kbit, delay: 100ms, queue: 100 }'))
    await rtt(lab, 'a', B, 1)
    const arpTimers = host.clock.pending
    const sock = lab.sys('a').rawSocket(1)
    const p = new Uint8Array(1000)
    for (let i = 0; i < n; i++) {
      writeIcmpHeader(p, 0, IcmpType.ECHO, 0, (7 << 16) | i)
      icmpFinish(p, 0, p.length)
      sock.send(B, p)
    }
    sock.close()
    assert.ok(host.env.pool.inUse >= n - 1, `frames queued: ${host.env.pool.inUse}`)
    assert.ok(host.clock.pending > arpTimers, 'the pipe has a timer armed')
    return { host, lab, arpTimers }
  }

  test('destroying the lab frees queued frames and stops every timer', async () => {
    const { host, lab } = await queued(40)
    lab.destroy()
    assert.equal(host.clock.pending, 0)
    assert.equal(host.env.pool.inUse, 0)
    assert.deepEqual(host.syscalls().jailList(), [])
    lab.destroy() // idempotent
  })

  test('removing a link frees its queue; the interfaces stay', async () => {
    const { host, lab, arpTimers } = await queued(40)
    lab.removeLink(lab.links()[0]!)
    assert.equal(host.env.pool.inUse, 0)
    assert.equal(host.clock.pending, arpTimers)
    assert.deepEqual(lab.links(), [])
    assert.equal(lab.sys('a').ifGet('eth0').name, 'eth0')
    lab.destroy()
    assert.equal(host.clock.pending, 0)
  })

  test('removing a node takes its links, interfaces and jail', async () => {
    const { host, lab } = await queued(40)
    lab.removeNode('b')
    assert.equal(host.env.pool.inUse, 0)
    assert.deepEqual(
      host
        .syscalls()
        .jailList()
        .map((j) => j.name),
      ['a'],
    )
    assert.equal(lab.node('b'), undefined)
    const r = await run(lab, 'b ifconfig', 'nodes')
    assert.deepEqual(r.statuses, [1, 0])
    assert.equal(r.err, 'virtnet: b: no such node\n')
    assert.equal(r.out, 'a  pc  eth0 10.0.0.1/24\n')
    lab.destroy()
    assert.equal(host.clock.pending, 0)
    assert.equal(host.env.pool.inUse, 0)
  })
})
