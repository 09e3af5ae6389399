/**
 * ng_pipe's data path in virtual time: exact timing of serialization and delay (ping RTT through
 * two vnet jails, bursts, constant-rate streams), queue limits and drop policies to the frame, the
 * random impairments against their confidence intervals, disciplines' fairness, reproducibility from
 * the seed, settings changed mid-stream, and teardown that leaves no frame or timer behind. Traffic
 * comes from small probe nodes joined to the pipe (exact timestamps, no stack in between) or from
 * real stacks behind ng_eiface. Every test checks the pipe's books: what came in (plus copies) is
 * forwarded, dropped for a counted reason, or still queued.
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { Mbuf } from '../buf/mbuf.js'
import { Host } from '../host/host.js'
import type { NgSocket, Syscalls } from '../host/syscalls.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { IpProto, icmpEcho, ipv4 } from '../testing/frames.js'
import { ip } from '../testing/net.js'
import { MS, SEC, US } from '../util/clock.js'
import { Rng } from '../util/rng.js'
import { IcmpType } from '../wire/inet/icmp.js'
import { type NgStruct, parseNgValue } from './ascii.js'
import type { NgGraph } from './graph.js'
import { type NgHook, NgNode } from './node.js'
import { netgraph } from './types.js'

interface Seen {
  t: number
  seq: number
  len: number
  src: number
}

/** A test node: sends numbered IPv4 frames out of its one hook and records what arrives. */
class Probe extends NgNode {
  readonly type = 'probe'
  hook: NgHook | null = null
  readonly seen: Seen[] = []

  override hookConnected(h: NgHook): void {
    this.hook = h
  }

  /** An IPv4/UDP-sized frame of `len` bytes carrying seq, from src to dst. */
  sendFrame(seq: number, len = 1000, src = ip('10.0.0.1'), dst = ip('10.0.0.2')): void {
    const d = ipv4({ src, dst, proto: IpProto.UDP, payload: new Uint8Array(len - 20) })
    new DataView(d.buffer).setUint32(20, seq)
    this.send(this.hook!, this.graph.pool.copyIn(d))
  }

  rcvdata(_h: NgHook, m: Mbuf): void {
    const d = m.data
    const o = m.off
    this.seen.push({
      t: this.graph.vnet.env.clock.now(),
      seq: ((d[o + 20]! << 24) | (d[o + 21]! << 16) | (d[o + 22]! << 8) | d[o + 23]!) >>> 0,
      len: m.len,
      src: ((d[o + 12]! << 24) | (d[o + 13]! << 16) | (d[o + 14]! << 8) | d[o + 15]!) >>> 0,
    })
    this.graph.pool.put(m)
  }
}

interface Rig {
  host: Host
  g: NgGraph
  ng: NgSocket
  /** Path of the pipe node. */
  pipe: string
  /** Joined to the pipe's upper hook (sends downstream) and lower hook (sends upstream). */
  a: Probe
  b: Probe
  msg(cmd: string, args?: string): NgStruct
  setcfg(args: string): void
  /** getstats for one direction. */
  stats(dir?: 'downstream' | 'upstream'): Record<string, number>
  run(dir?: 'downstream' | 'upstream'): Record<string, number>
  sleep(ns: number): Promise<void>
  /** Call fn(i) for i < count at start + i·interval (a callout, like a traffic generator). */
  every(start: number, interval: number, count: number, fn: (i: number) => void): void
  /** Call fn(i) for i < count with exponential gaps of the given mean (Poisson arrivals). */
  poisson(mean: number, count: number, fn: (i: number) => void, seed: number): void
}

let current: Rig | null = null

function rig(seed = 1): Rig {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed })
  const g = netgraph(host.vnet0)
  const ng = host.syscalls().ngSocket()
  const a = new Probe(g)
  const b = new Probe(g)
  g.nodes.set(a.id, a)
  g.nodes.set(b.id, b)
  const node = g.create('pipe')
  g.connect(a, 'p', node, 'upper')
  g.connect(node, 'lower', b, 'p')
  const path = `[${node.id.toString(16)}]:`
  const msg = (cmd: string, args = ''): NgStruct => {
    const r = ng.msg(path, cmd, args).response
    return (r === null ? {} : parseNgValue(r)) as NgStruct
  }
  const r: Rig = {
    host,
    g,
    ng,
    pipe: path,
    a,
    b,
    msg,
    setcfg: (args) => void msg('setcfg', args),
    // ngctl leaves out all-zero structures, as ng_unparse does.
    stats: (dir = 'downstream') => (msg('getstats')[dir] ?? {}) as Record<string, number>,
    run: (dir = 'downstream') => (msg('getrun')[dir] ?? {}) as Record<string, number>,
    sleep: (ns) => host.clock.sleep(ns),
    every: (start, interval, count, fn) => {
      let i = 0
      const t = host.clock.timer(() => {
        fn(i++)
        if (i < count) t.armAt(start + i * interval)
      })
      t.armAt(start)
    },
    poisson: (mean, count, fn, seed) => {
      const rng = new Rng(seed, 'arrivals')
      let i = 0
      const t = host.clock.timer(() => {
        fn(i++)
        if (i < count) t.arm(-mean * Math.log(1 - rng.float()))
      })
      t.arm(0)
    },
  }
  current = r
  return r
}

/** A counter of getstats (absent = 0, as ngctl leaves zero fields out). */
function n(s: Record<string, number>, k: string): number {
  return s[k] ?? 0
}

/** The books balance: every frame in (and every copy) is forwarded, dropped or still queued. */
function checkBooks(r: Rig): void {
  for (const dir of ['downstream', 'upstream'] as const) {
    const s = r.stats(dir)
    const q = r.run(dir)
    assert.equal(
      n(s, 'in_frames') + n(s, 'duplicated'),
      n(s, 'FwdFrames') + n(s, 'drop_frames') + n(q, 'queuedFrames') + n(q, 'delayedFrames'),
      `${dir} books: ${JSON.stringify(s)} ${JSON.stringify(q)}`,
    )
    const reasons = Object.entries(s)
      .filter(([k]) => k.startsWith('drop_') && k !== 'drop_frames' && k !== 'drop_octets')
      .reduce((x, [, v]) => x + v, 0)
    assert.equal(reasons, n(s, 'drop_frames'), `${dir}: drops by reason add up`)
  }
}

afterEach(() => {
  if (current === null) return
  const r = current
  current = null
  assert.equal(r.host.env.netisr.errors, 0, String(r.host.env.netisr.lastError))
  checkBooks(r)
})

/** |x - n·p| within the 99.9% normal confidence interval of a binomial count. */
function assertBinomial(x: number, trials: number, p: number, what: string): void {
  const sd = Math.sqrt(trials * p * (1 - p))
  assert.ok(
    Math.abs(x - trials * p) <= 3.29 * sd,
    `${what}: ${x} of ${trials}, expected ${trials * p} ± ${3.29 * sd}`,
  )
}

/** Serialization time of a frame, ns. */
function ser(bytes: number, bandwidth: number): number {
  return (bytes * 8 * SEC) / bandwidth
}

describe('pass-through', () => {
  test('with nothing configured frames pass straight through, both ways, in order', async () => {
    const r = rig()
    for (let i = 0; i < 5; i++) r.a.sendFrame(i)
    for (let i = 0; i < 3; i++) r.b.sendFrame(100 + i)
    assert.deepEqual(
      r.b.seen.map((s) => [s.t, s.seq]),
      [0, 1, 2, 3, 4].map((i) => [0, i]),
    )
    assert.deepEqual(
      r.a.seen.map((s) => s.seq),
      [100, 101, 102],
    )
    assert.equal(n(r.stats(), 'FwdFrames'), 5)
    assert.equal(n(r.stats(), 'FwdOctets'), 5000)
    assert.equal(n(r.stats('upstream'), 'FwdFrames'), 3)
    assert.equal(r.host.clock.pending, 0, 'no timer for an idle pipe')
  })

  test('a frame with nowhere to go is dropped and counted', () => {
    const r = rig()
    r.g.rmhook(r.g.resolve(r.pipe, null), 'lower')
    r.a.sendFrame(1)
    assert.equal(n(r.stats(), 'drop_nohook'), 1)
    assert.equal(n(r.stats(), 'delayDropFrames'), 1)
    assert.equal(r.host.env.pool.inUse, 0)
  })
})

describe('bandwidth and delay', () => {
  test('a burst serializes one frame after another, then travels the delay', async () => {
    const r = rig()
    const bw = 1_000_000
    r.setcfg(`{ delay=5000 downstream={ bandwidth=${bw} } }`)
    for (let i = 0; i < 5; i++) r.a.sendFrame(i, 500)
    await r.sleep(SEC)
    assert.deepEqual(
      r.b.seen.map((s) => s.t),
      [1, 2, 3, 4, 5].map((k) => k * ser(500, bw) + 5 * MS),
    )
  })

  test('the global bandwidth adds ng_pipe overhead (10 bytes below 10 Mbit/s, 24 above)', async () => {
    const r = rig()
    r.setcfg('{ bandwidth=1000000 }')
    assert.equal(r.msg('getcfg').overhead, 10)
    r.a.sendFrame(0, 500)
    await r.sleep(SEC)
    assert.equal(r.b.seen[0]!.t, ser(510, 1_000_000))
    r.setcfg('{ bandwidth=100000000 }')
    assert.equal(r.msg('getcfg').overhead, 24)
    r.setcfg('{ overhead=-1 }')
    assert.equal(r.msg('getcfg').overhead, undefined)
  })

  test('a stream offered at twice the bandwidth arrives at the bandwidth (within 1%)', async () => {
    const r = rig()
    const bw = 2_000_000
    r.setcfg(`{ downstream={ bandwidth=${bw} queuelen=20 } }`)
    const len = 1250 // 5 ms on the link
    r.every(0, 2.5 * MS, 40_000, (i) => r.a.sendFrame(i, len))
    await r.sleep(101 * SEC)
    const from = 10 * SEC
    const to = 90 * SEC
    const bits = r.b.seen.filter((s) => s.t > from && s.t <= to).reduce((x, s) => x + s.len * 8, 0)
    const rate = bits / ((to - from) / SEC)
    assert.ok(Math.abs(rate - bw) / bw < 0.01, `rate ${rate}`)
    const s = r.stats()
    assert.equal(n(s, 'in_frames'), 40_000)
    assert.ok(Math.abs(n(s, 'FwdFrames') - 20_000) <= 21, `forwarded ${n(s, 'FwdFrames')}`)
    assert.equal(n(s, 'drop_queue'), n(s, 'drop_frames'))
  })

  test('ping RTT is twice the delay plus the serialization of request and reply', async () => {
    const t = await jailedPair(3)
    const bw = 1_000_000
    const delayUs = 10_000
    t.ng.msg(t.pipe, 'setcfg', `{ bandwidth=${bw} delay=${delayUs} }`)
    // Frames: Ethernet 14 + IPv4 20 + ICMP 8 + 56 data = 98 bytes, plus ng_pipe's HDLC overhead of 10.
    const echoFrame = 98 + 10
    const arpFrame = 42 + 10
    const first = await pingRtt(t.a, t.bAddr, 1)
    // No ARP entry yet: request and reply cross first (b learns a from the request).
    assert.equal(first, 4 * delayUs * US + 2 * ser(arpFrame, bw) + 2 * ser(echoFrame, bw))
    const second = await pingRtt(t.a, t.bAddr, 2)
    assert.equal(second, 2 * delayUs * US + 2 * ser(echoFrame, bw))
    assert.equal(t.host.env.netisr.errors, 0)
  })

  test('with ARP pre-seeded, the first ping already takes 2·delay + serialization', async () => {
    const t = await jailedPair(4)
    t.a.arpSet(t.bAddr, t.b.ifGet(t.bIf).mac!)
    t.b.arpSet(t.aAddr, t.a.ifGet(t.aIf).mac!)
    t.ng.msg(t.pipe, 'setcfg', '{ delay=2500 downstream={ bandwidth=64000 } upstream={ bandwidth=128000 } }')
    assert.equal(await pingRtt(t.a, t.bAddr, 1), 5 * MS + ser(98, 64_000) + ser(98, 128_000))
  })
})

describe('queue limits and drop policy', () => {
  test('a burst of N into queuelen Q loses exactly N - Q - 1 (one frame is already on the link)', async () => {
    const r = rig()
    const bw = 1_000_000
    r.setcfg(`{ downstream={ bandwidth=${bw} queuelen=10 } }`)
    for (let i = 0; i < 30; i++) r.a.sendFrame(i)
    assert.equal(r.run().queuedFrames, 10)
    assert.equal(r.run().delayedFrames, 1)
    await r.sleep(SEC)
    assert.equal(r.b.seen.length, 11)
    assert.equal(n(r.stats(), 'drop_queue'), 19)
    assert.equal(n(r.stats(), 'queueDropFrames'), 19)
    assert.equal(n(r.stats(), 'queueDropOctets'), 19_000)
    assert.deepEqual(
      r.b.seen.map((s) => s.t),
      r.b.seen.map((_, k) => (k + 1) * ser(1000, bw)),
    )
  })

  test('drop-tail keeps the oldest frames, drop-head the newest', async () => {
    const kept = async (policy: string) => {
      const r = rig()
      r.setcfg(`{ downstream={ bandwidth=1000000 queuelen=5 ${policy}=1 } }`)
      for (let i = 0; i < 20; i++) r.a.sendFrame(i)
      await r.sleep(SEC)
      checkBooks(r)
      return r.b.seen.map((s) => s.seq)
    }
    assert.deepEqual(await kept('droptail'), [0, 1, 2, 3, 4, 5])
    assert.deepEqual(await kept('drophead'), [0, 15, 16, 17, 18, 19])
  })

  test('queue_bytes bounds the inbound queue in bytes', async () => {
    const r = rig()
    r.setcfg('{ downstream={ bandwidth=1000000 queue_bytes=3500 } }')
    for (let i = 0; i < 10; i++) r.a.sendFrame(i)
    assert.equal(r.run().queuedOctets, 3000)
    await r.sleep(SEC)
    assert.equal(r.b.seen.length, 4)
    assert.equal(n(r.stats(), 'drop_queue_bytes'), 6)
  })

  test('delaylen bounds the frames in flight', async () => {
    const r = rig()
    r.setcfg('{ delay=100000 downstream={ delaylen=5 } }')
    for (let i = 0; i < 8; i++) r.a.sendFrame(i)
    assert.equal(r.run().delayedFrames, 5)
    assert.equal(n(r.stats(), 'drop_delayq'), 3)
    assert.equal(n(r.stats(), 'delayDropFrames'), 3)
    await r.sleep(SEC)
    assert.deepEqual(
      r.b.seen.map((s) => s.seq),
      [0, 1, 2, 3, 4],
    )
  })
})

describe('random impairments', () => {
  test('loss p over 100k frames falls within its 99.9% confidence interval', () => {
    const r = rig(11)
    r.setcfg('{ downstream={ loss=1 } }')
    for (let i = 0; i < 100_000; i++) r.a.sendFrame(i, 64)
    const lost = n(r.stats(), 'drop_loss')
    assertBinomial(lost, 100_000, 0.01, 'loss')
    assert.equal(r.b.seen.length, 100_000 - lost)
  })

  test('Gilbert–Elliott losses come in bursts of mean length 1/r', () => {
    const r = rig(12)
    r.setcfg('{ downstream={ ge_p=1 ge_r=20 } }')
    const N = 200_000
    for (let i = 0; i < N; i++) r.a.sendFrame(i, 64)
    const got = new Uint8Array(N)
    for (const s of r.b.seen) got[s.seq] = 1
    const bursts: number[] = []
    let run = 0
    for (let i = 0; i < N; i++) {
      if (got[i] === 0) run++
      else if (run > 0) {
        bursts.push(run)
        run = 0
      }
    }
    const mean = bursts.reduce((x, y) => x + y, 0) / bursts.length
    assert.ok(Math.abs(mean - 5) < 0.5, `mean burst ${mean}`)
    // Stationary share of the bad state: p / (p + r).
    const lost = n(r.stats(), 'drop_gilbert')
    assert.ok(Math.abs(lost / N - 1 / 21) < 0.006, `loss rate ${lost / N}`)
  })

  test('bit errors drop a frame of n bytes with probability 1 - (1 - 1/BER)^(8n)', () => {
    const r = rig(13)
    r.setcfg('{ downstream={ BER=100000 } }')
    for (let i = 0; i < 20_000; i++) r.a.sendFrame(i, 1000)
    assertBinomial(n(r.stats(), 'drop_ber'), 20_000, 1 - (1 - 1e-5) ** 8000, 'ber')
    assert.equal(n(r.stats(), 'delayDropFrames'), n(r.stats(), 'drop_ber'))
    r.setcfg('{ downstream={ BER=1 } }')
    const before = r.b.seen.length
    for (let i = 0; i < 100; i++) r.a.sendFrame(i, 64)
    assert.equal(r.b.seen.length, before, 'BER=1 is a dead link')
  })

  test('duplication sends a copy of the given share of frames', () => {
    const r = rig(14)
    r.setcfg('{ downstream={ duplicate=10 } }')
    for (let i = 0; i < 50_000; i++) r.a.sendFrame(i, 64)
    const dups = n(r.stats(), 'duplicated')
    assertBinomial(dups, 50_000, 0.1, 'duplicate')
    assert.equal(r.b.seen.length, 50_000 + dups)
    // A copy follows its original.
    const seqs = r.b.seen.map((s) => s.seq)
    for (let k = 1; k < seqs.length; k++) assert.ok(seqs[k]! >= seqs[k - 1]!)
  })

  test('reordering: a share of frames skips the delay and overtakes; gap spaces them', async () => {
    for (const gap of [1, 5]) {
      const r = rig(15)
      r.setcfg(`{ delay=10000 downstream={ reorder=25 reorder_gap=${gap} } }`)
      const N = 20_000
      r.every(0, MS, N, (i) => r.a.sendFrame(i, 64))
      await r.sleep(N * MS + SEC)
      const early = r.b.seen.filter((s) => s.t === s.seq * MS).map((s) => s.seq)
      assert.equal(early.length, n(r.stats(), 'reordered'))
      assert.equal(r.b.seen.length, N)
      // Overtaking: a frame that skipped the delay arrives before the 9 sent just before it.
      const at = r.b.seen.map((s) => s.seq)
      const overtook = at.filter((seq, k) => k > 0 && seq < at[k - 1]!).length
      assert.ok(overtook > 0)
      if (gap === 1) assertBinomial(early.length, N, 0.25, 'reorder')
      for (let k = 1; k < early.length; k++) assert.ok(early[k]! - early[k - 1]! >= gap, 'gap respected')
    }
  })

  test('uniform jitter stays within delay ± jitter, with the right mean and spread', async () => {
    const r = rig(16)
    r.setcfg('{ delay=10000 downstream={ jitter=2000 } }')
    const N = 20_000
    r.every(0, 100 * US, N, (i) => r.a.sendFrame(i, 64))
    await r.sleep(N * 100 * US + SEC)
    const d = r.b.seen.map((s) => (s.t - s.seq * 100 * US) / MS)
    assert.equal(d.length, N)
    assert.ok(Math.min(...d) >= 8 && Math.max(...d) < 12)
    const mean = d.reduce((x, y) => x + y, 0) / N
    const sd = Math.sqrt(d.reduce((x, y) => x + (y - mean) ** 2, 0) / N)
    assert.ok(Math.abs(mean - 10) < 0.03, `mean ${mean}`)
    assert.ok(Math.abs(sd - 2 / Math.sqrt(3)) < 0.04, `sd ${sd}`)
  })

  test('normal jitter has σ = jitter, and the total delay never goes below zero', async () => {
    const r = rig(17)
    r.setcfg(
      '{ delay=10000 downstream={ jitter=1000 jitter_dist="normal" } upstream={ delay=500 jitter=1000 jitter_dist="normal" } }',
    )
    const N = 20_000
    r.every(0, 100 * US, N, (i) => {
      r.a.sendFrame(i, 64)
      r.b.sendFrame(i, 64)
    })
    await r.sleep(N * 100 * US + SEC)
    const d = r.b.seen.map((s) => (s.t - s.seq * 100 * US) / MS)
    const mean = d.reduce((x, y) => x + y, 0) / N
    const sd = Math.sqrt(d.reduce((x, y) => x + (y - mean) ** 2, 0) / N)
    assert.ok(Math.abs(mean - 10) < 0.03 && Math.abs(sd - 1) < 0.03, `mean ${mean} sd ${sd}`)
    const up = r.a.seen.map((s) => s.t - s.seq * 100 * US)
    assert.equal(up.length, N)
    assert.ok(Math.min(...up) === 0, 'clamped at zero, not negative')
    // P(0.5 ms + N(0, 1 ms) < 0) = Φ(-0.5) ≈ 0.3085.
    assertBinomial(up.filter((x) => x === 0).length, N, 0.3085, 'clamped share')
  })
})

describe('reproducibility', () => {
  async function trace(seed: number): Promise<string> {
    const r = rig(seed)
    r.setcfg(
      '{ bandwidth=5000000 delay=2000 downstream={ jitter=500 loss=2 duplicate=3 reorder=5 BER=2000000 ge_p=0.5 ge_r=30 } upstream={ jitter=300 jitter_dist="normal" loss=1 } }',
    )
    r.every(0, 700 * US, 5000, (i) => {
      r.a.sendFrame(i, 200 + (i % 7) * 100)
      if (i % 3 === 0) r.b.sendFrame(i, 300)
    })
    await r.sleep(5 * SEC)
    // FNV-1a over (time, seq, length) of every delivered frame, both ways.
    let h = 0x811c9dc5
    for (const s of [...r.b.seen, ...r.a.seen])
      for (const v of [s.t, s.seq, s.len]) {
        h ^= v % 0x7fffffff
        h = Math.imul(h, 0x01000193)
      }
    checkBooks(r)
    return `${r.b.seen.length}/${r.a.seen.length}/${(h >>> 0).toString(16)}`
  }

  test('identical seeds give identical packet traces; different seeds differ', async () => {
    const x = await trace(42)
    assert.equal(await trace(42), x)
    assert.notEqual(await trace(43), x)
  })
})

describe('settings changed while traffic flows', () => {
  test('a new delay applies to new frames; frames in flight keep their schedule', async () => {
    const r = rig()
    r.setcfg('{ delay=10000 }')
    r.every(0, MS, 100, (i) => {
      if (i === 50) r.setcfg('{ delay=30000 }')
      r.a.sendFrame(i, 64)
    })
    await r.sleep(SEC)
    assert.deepEqual(
      r.b.seen.map((s) => [s.seq, s.t]),
      r.b.seen.map((_, k) => [k, k * MS + (k < 50 ? 10 : 30) * MS]),
    )
  })

  test('a new bandwidth applies from the next frame put on the link', async () => {
    const r = rig()
    r.setcfg('{ downstream={ bandwidth=1000000 } }')
    for (let i = 0; i < 6; i++) r.a.sendFrame(i) // 8 ms each
    await r.sleep(12 * MS) // frame 0 done at 8 ms, frame 1 on the link until 16 ms
    r.setcfg('{ downstream={ bandwidth=2000000 } }') // 4 ms each from now on
    await r.sleep(SEC)
    assert.deepEqual(
      r.b.seen.map((s) => s.t / MS),
      [8, 16, 20, 24, 28, 32],
    )
  })

  test('loss switched on and off mid-stream', () => {
    const r = rig(5)
    for (let i = 0; i < 1000; i++) r.a.sendFrame(i, 64)
    r.setcfg('{ downstream={ loss=50 } }')
    for (let i = 0; i < 1000; i++) r.a.sendFrame(i, 64)
    r.setcfg('{ downstream={ loss=-1 } }')
    for (let i = 0; i < 1000; i++) r.a.sendFrame(i, 64)
    assertBinomial(n(r.stats(), 'drop_loss'), 1000, 0.5, 'loss while on')
  })
})

describe('queueing disciplines', () => {
  /** Flow 1 offers 4× the link, flow 2 1×; the share of the link flow 2 gets. */
  async function share(qdisc: string): Promise<number> {
    const r = rig(21)
    r.setcfg(`{ downstream={ bandwidth=1000000 ${qdisc} } }`)
    const len = 500 // 4 ms on the link
    const f1 = ip('10.0.0.1')
    const f2 = ip('10.0.0.9')
    // Poisson arrivals: regular ones would phase-lock with the link and starve one flow at random.
    r.poisson(MS, 20_000, (i) => r.a.sendFrame(i, len, f1), 1)
    r.poisson(4 * MS, 5_000, (i) => r.a.sendFrame(i, len, f2), 2)
    await r.sleep(21 * SEC)
    const win = r.b.seen.filter((s) => s.t > 2 * SEC && s.t <= 18 * SEC)
    checkBooks(r)
    return win.filter((s) => s.src === f2).length / win.length
  }

  test('FIFO shares the link in proportion to what each flow offers', async () => {
    const s = await share('fifo=1')
    assert.ok(s > 0.15 && s < 0.25, `share ${s}`)
  })

  test('DRR shares the link fairly between two flows', async () => {
    const s = await share('drr=1')
    assert.ok(Math.abs(s - 0.5) < 0.05, `share ${s}`)
  })

  test('WFQ shares the link fairly between two flows', async () => {
    const s = await share('wfq=1')
    assert.ok(Math.abs(s - 0.5) < 0.05, `share ${s}`)
  })

  test('DRR and WFQ keep one sub-queue per flow (getrun queues)', () => {
    const r = rig()
    r.setcfg('{ downstream={ bandwidth=1000000 drr=1 } }')
    for (let i = 0; i < 12; i++) r.a.sendFrame(i, 500, ip('10.0.1.1') + (i % 3))
    assert.equal(r.run().queues, 3)
    assert.equal(r.run().queuedFrames, 11)
  })
})

describe('teardown', () => {
  async function loaded(): Promise<{ r: Rig; pending: number }> {
    const r = rig()
    const pending = r.host.clock.pending
    r.setcfg('{ bandwidth=1000000 delay=50000 }')
    for (let i = 0; i < 20; i++) {
      r.a.sendFrame(i)
      r.b.sendFrame(i)
    }
    await r.sleep(30 * MS)
    assert.ok(r.run().queuedFrames > 0 && r.run().delayedFrames > 0 && r.run('upstream').queuedFrames > 0)
    assert.ok(r.host.env.pool.inUse > 0)
    assert.equal(r.host.clock.pending, pending + 2, 'one timer per direction')
    return { r, pending }
  }

  test('shutting the pipe down frees every queued frame and cancels its timers', async () => {
    const { r, pending } = await loaded()
    const stats = r.msg('getstats')
    r.ng.shutdown(r.pipe)
    assert.equal(r.host.env.pool.inUse, 0)
    assert.equal(r.host.clock.pending, pending)
    assert.ok(r.g.nodes.size > 0 && ![...r.g.nodes.values()].some((x) => x.type === 'pipe'))
    assert.ok(stats.downstream !== undefined)
    current = null
  })

  test('shutting down a pipe with both hooks joins its peers directly (ng_bypass, as ngp_shutdown)', () => {
    const r = rig()
    r.ng.shutdown(r.pipe)
    assert.equal(r.a.hook!.peer, r.b.hook)
    r.a.sendFrame(1)
    assert.deepEqual(
      r.b.seen.map((x) => x.seq),
      [1],
    )
    current = null
  })

  test('removing a hook flushes both directions (counted) and stops the timers', async () => {
    const { r, pending } = await loaded()
    r.ng.rmhook(r.pipe, 'lower')
    assert.equal(r.host.env.pool.inUse, 0)
    assert.equal(r.host.clock.pending, pending)
    assert.ok(n(r.stats(), 'drop_flush') > 0 && n(r.stats('upstream'), 'drop_flush') > 0)
    assert.deepEqual(r.run(), {})
  })

  test('shutting down a pipe between two jails frees the frames in flight', async () => {
    const t = await jailedPair(8)
    const pool = t.host.env.pool
    // Pre-seeded, so no echo request waits in a's ARP hold queue instead of the pipe.
    t.a.arpSet(t.bAddr, t.b.ifGet(t.bIf).mac!)
    t.ng.msg(t.pipe, 'setcfg', '{ delay=100000 }')
    const s = t.a.rawSocket(1)
    s.send(t.bAddr, icmpEcho(1, 1))
    s.close()
    assert.ok(pool.inUse > 0)
    t.ng.shutdown(t.pipe)
    assert.equal(pool.inUse, 0)
  })
})

// --- two vnet jails joined by ng_eiface — pipe — ng_eiface ---

interface Jailed {
  host: Host
  ng: NgSocket
  pipe: string
  a: Syscalls
  b: Syscalls
  aAddr: number
  bAddr: number
  aIf: string
  bIf: string
}

async function jailedPair(seed: number): Promise<Jailed> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed })
  const root = host.syscalls()
  for (const j of ['a', 'b'])
    root.jailCreate([
      ['name', j],
      ['vnet', true],
      ['persist', true],
    ])
  const ng = root.ngSocket()
  const eiface = () => {
    // Made directly: mkpeer from the socket would leave it hookless (and reaped) after rmhook.
    const path = `[${netgraph(host.vnet0).create('eiface').id.toString(16)}]:`
    return { path, name: parseNgValue(ng.msg(path, 'getifname', '').response!) as string }
  }
  const ea = eiface()
  const eb = eiface()
  root.ifMoveToJail(ea.name, 'a')
  root.ifMoveToJail(eb.name, 'b')
  const a = root.attach('a')
  const b = root.attach('b')
  // Addresses first: their gratuitous ARPs go nowhere while the ether hooks are unconnected.
  a.ifAddAddr(ea.name, ip('10.0.0.1'), 24)
  b.ifAddAddr(eb.name, ip('10.0.0.2'), 24)
  const info = ng.mkpeer(ea.path, 'pipe', 'ether', 'upper')
  const pipe = `[${info.id.toString(16)}]:`
  ng.connect(pipe, eb.path, 'lower', 'ether')
  return { host, ng, pipe, a, b, aAddr: ip('10.0.0.1'), bAddr: ip('10.0.0.2'), aIf: ea.name, bIf: eb.name }
}

/** One echo exchange from sys to dst: reply arrival (SO_TIMESTAMP) minus send time, ns. */
async function pingRtt(sys: Syscalls, dst: number, seq: number): Promise<number> {
  const s = sys.rawSocket(1)
  try {
    const t0 = sys.now()
    s.send(dst, icmpEcho(7, seq, new Uint8Array(56)))
    for (;;) {
      const r = await s.recv(10 * SEC)
      if (r === null) throw new Error('no reply')
      const o = (r.data[0]! & 0xf) << 2
      if (r.data[o] === IcmpType.ECHO_REPLY) return r.time - t0
    }
  } finally {
    s.close()
  }
}
