/**
 * ng_pipe's control messages through an ng_socket, in netgraph ASCII: `setcfg` / `getcfg` with
 * FreeBSD's field names and rules (0 leaves a value, -1 clears it, global bandwidth and delay apply
 * to both directions and show globally when equal), our extensions, the statistics messages, and
 * validation — every bad argument fails with EINVAL and changes nothing. A fuzzer throws random
 * ASCII at every message and pushes traffic through whatever configuration results.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Mbuf } from '../buf/mbuf.js'
import { Host } from '../host/host.js'
import type { NgSocket } from '../host/syscalls.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { errnoOf } from '../testing/net.js'
import { MS } from '../util/clock.js'
import { isSysError } from '../util/errno.js'
import { Rng } from '../util/rng.js'
import { type NgStruct, parseNgValue } from './ascii.js'
import { type NgHook, NgNode } from './node.js'
import { netgraph } from './types.js'

/** Counts what reaches it and sends raw frames when asked. */
class Endpoint extends NgNode {
  readonly type = 'endpoint'
  hook: NgHook | null = null
  got = 0

  override hookConnected(h: NgHook): void {
    this.hook = h
  }

  rcvdata(_h: NgHook, m: Mbuf): void {
    this.got++
    this.graph.pool.put(m)
  }

  emit(len: number, fill: number): void {
    const m = this.graph.pool.get(len)
    m.data.fill(fill, m.off, m.off + len)
    // An IPv4 header without options from time to time, for the DRR/WFQ flow hash.
    if (fill % 2 === 0 && len >= 20) m.data[m.off] = 0x45
    m.len = len
    this.send(this.hook!, m)
  }
}

function setup(seed = 1) {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed })
  const g = netgraph(host.vnet0)
  const ng: NgSocket = host.syscalls().ngSocket()
  const a = new Endpoint(g)
  const b = new Endpoint(g)
  g.nodes.set(a.id, a)
  g.nodes.set(b.id, b)
  const pipe = g.create('pipe')
  g.connect(a, 'p', pipe, 'upper')
  g.connect(pipe, 'lower', b, 'p')
  const path = `[${pipe.id.toString(16)}]:`
  const msg = (cmd: string, args = ''): string | null => ng.msg(path, cmd, args).response
  const get = (cmd: string): NgStruct => {
    const r = msg(cmd)
    return (r === null ? {} : parseNgValue(r)) as NgStruct
  }
  return { host, g, ng, a, b, path, msg, get, cfg: () => msg('getcfg') }
}

describe('getcfg and setcfg', () => {
  test('a new pipe shows ng_pipe defaults: queuelen 50, FIFO, drop-tail', () => {
    const p = setup()
    assert.equal(
      p.cfg(),
      '{ downstream={ queuelen=50 fifo=1 droptail=1 } upstream={ queuelen=50 fifo=1 droptail=1 } }',
    )
  })

  test('global bandwidth and delay apply to both directions and show globally when equal', () => {
    const p = setup()
    p.msg('setcfg', '{ bandwidth=2000000 delay=1500 }')
    assert.equal(
      p.cfg(),
      '{ bandwidth=2000000 delay=1500 overhead=10 downstream={ queuelen=50 fifo=1 droptail=1 } upstream={ queuelen=50 fifo=1 droptail=1 } }',
    )
    p.msg('setcfg', '{ upstream={ bandwidth=64000 delay=700 } }')
    assert.equal(
      p.cfg(),
      '{ overhead=10 downstream={ bandwidth=2000000 queuelen=50 fifo=1 droptail=1 delay=1500 } upstream={ bandwidth=64000 queuelen=50 fifo=1 droptail=1 delay=700 } }',
    )
  })

  test('0 leaves a value unchanged and -1 clears it, as in ng_pipe(4)', () => {
    const p = setup()
    p.msg('setcfg', '{ header_offset=14 downstream={ BER=1000000 queuelen=80 duplicate=5 loss=0.5 } }')
    p.msg('setcfg', '{ header_offset=0 downstream={ BER=0 queuelen=0 duplicate=0 loss=0 } }')
    assert.equal(
      p.cfg(),
      '{ header_offset=14 downstream={ BER=1000000 queuelen=80 duplicate=5 fifo=1 droptail=1 loss=0.5 } upstream={ queuelen=50 fifo=1 droptail=1 } }',
    )
    p.msg('setcfg', '{ header_offset=-1 downstream={ BER=-1 queuelen=-1 duplicate=-1 loss=-1 } }')
    assert.equal(p.cfg(), setup().cfg())
  })

  test('per-direction bandwidth=-1 also falls back to FIFO; global -1 clears the overhead', () => {
    const p = setup()
    p.msg('setcfg', '{ bandwidth=1000000 downstream={ wfq=1 } }')
    p.msg('setcfg', '{ downstream={ bandwidth=-1 } }')
    assert.match(p.cfg()!, /downstream=\{ queuelen=50 fifo=1 droptail=1 \}/)
    p.msg('setcfg', '{ bandwidth=-1 }')
    assert.equal(p.cfg(), setup().cfg())
  })

  test('disciplines and drop policies select one of each; drr takes a quantum', () => {
    const p = setup()
    const down = () => (p.get('getcfg').downstream ?? {}) as NgStruct
    p.msg('setcfg', '{ downstream={ drr=1 drophead=1 } }')
    assert.deepEqual(
      [down().drr, down().fifo, down().drophead, down().droptail],
      [2048, undefined, 1, undefined],
    )
    p.msg('setcfg', '{ downstream={ drr=31 } }')
    assert.equal(down().drr, 2048)
    p.msg('setcfg', '{ downstream={ drr=600 } }')
    assert.equal(down().drr, 600)
    p.msg('setcfg', '{ downstream={ wfq=1 droptail=1 } }')
    assert.deepEqual([down().wfq, down().drr, down().droptail], [1, undefined, 1])
    // In one message, ng_pipe's order decides: fifo, then wfq, then drr; droptail, then drophead.
    p.msg('setcfg', '{ downstream={ drr=1 fifo=1 droptail=1 drophead=1 } }')
    assert.deepEqual([down().drr, down().drophead], [2048, 1])
  })

  test('C member names are accepted as aliases of the ASCII ones', () => {
    const p = setup()
    p.msg('setcfg', '{ upstream={ ber=5000 qin_size_limit=7 qout_size_limit=9 } }')
    assert.deepEqual(p.get('getcfg').upstream, { BER: 5000, queuelen: 7, delaylen: 9, fifo: 1, droptail: 1 })
  })

  test('netem extensions round-trip through getcfg', () => {
    const p = setup()
    const ext =
      'delay=100 jitter=30 jitter_dist="normal" loss=0.25 ge_p=1.5 ge_r=30 ge_h=90 ge_k=0.1 reorder=2 reorder_gap=4 queue_bytes=90000'
    p.msg('setcfg', `{ downstream={ ${ext} } }`)
    const text = p.cfg()!
    assert.match(text, new RegExp(ext))
    const q = setup()
    q.msg('setcfg', text)
    assert.equal(q.cfg(), text)
  })

  test('getcfg output fed back to setcfg changes nothing', () => {
    const p = setup()
    p.msg(
      'setcfg',
      '{ bandwidth=50000000 delay=20 overhead=30 header_offset=14 downstream={ drr=900 drophead=1 delaylen=100 } upstream={ wfq=1 duplicate=1.5 } }',
    )
    const text = p.cfg()!
    p.msg('setcfg', text)
    assert.equal(p.cfg(), text)
  })
})

describe('bad setcfg arguments', () => {
  const bad = [
    '',
    '5',
    '"x"',
    '[ 1 2 ]',
    '{ bogus=1 }',
    '{ bandwidth="fast" }',
    '{ bandwidth=50 }',
    '{ bandwidth=-5 }',
    '{ bandwidth=1000.5 }',
    '{ bandwidth=2000000000000 }',
    '{ delay=10000000 }',
    '{ delay=-2 }',
    '{ overhead=256 }',
    '{ header_offset=64 }',
    '{ downstream=5 }',
    '{ downstream={ nope=1 } }',
    '{ downstream={ loss=101 } }',
    '{ downstream={ loss=-0.5 } }',
    '{ downstream={ loss="1%" } }',
    '{ downstream={ duplicate=100.1 } }',
    '{ downstream={ ge_p=200 } }',
    '{ downstream={ queuelen=4 } }',
    '{ downstream={ queuelen=70000 } }',
    '{ downstream={ delaylen=3 } }',
    '{ downstream={ BER=-7 } }',
    '{ downstream={ jitter_dist="pareto" } }',
    '{ downstream={ jitter_dist=1 } }',
    '{ downstream={ fifo=-1 } }',
    '{ downstream={ drr=2.5 } }',
    '{ downstream={ drr=99999999 } }',
    '{ downstream={ reorder_gap=0.5 } }',
    '{ downstream={ queue_bytes=10 } }',
    '{ upstream={ delay=[ 1 ] } }',
    '{ constructor=1 }',
    '{ downstream={ toString=1 } }',
    '{ downstream={ __proto__={ bandwidth=1000 } } }',
    // A good first half does not survive a bad second half.
    '{ bandwidth=1000000 upstream={ loss=1000 } }',
    '{ downstream={ loss=5 } upstream={ loss=-3 } }',
  ]
  for (const arg of bad)
    test(`setcfg ${arg || '(nothing)'} fails with EINVAL and changes nothing`, () => {
      const p = setup()
      p.msg('setcfg', '{ delay=10 downstream={ loss=2 } }')
      const before = p.cfg()
      assert.equal(
        errnoOf(() => p.msg('setcfg', arg)),
        'EINVAL',
      )
      assert.equal(p.cfg(), before)
    })
})

describe('statistics and other messages', () => {
  test('getclrstats returns the counters and clears them; clrstats just clears', () => {
    const p = setup()
    for (let i = 0; i < 3; i++) p.a.emit(100, 1)
    p.b.emit(60, 1)
    assert.deepEqual(p.get('getclrstats'), {
      downstream: { FwdOctets: 300, FwdFrames: 3, in_octets: 300, in_frames: 3 },
      upstream: { FwdOctets: 60, FwdFrames: 1, in_octets: 60, in_frames: 1 },
    })
    assert.deepEqual(p.get('getstats'), {})
    p.a.emit(100, 1)
    p.msg('clrstats')
    assert.deepEqual(p.get('getstats'), {})
  })

  test('getrun (alias getrunstats) shows what is queued and in flight now', async () => {
    const p = setup()
    p.msg('setcfg', '{ bandwidth=1000000 delay=10000 }')
    for (let i = 0; i < 4; i++) p.a.emit(125, 1) // 1 ms on the link plus 10 bytes of overhead
    assert.deepEqual(p.get('getrun'), {
      downstream: { queues: 1, queuedOctets: 375, queuedFrames: 3, delayedOctets: 125, delayedFrames: 1 },
    })
    assert.deepEqual(p.get('getrunstats'), p.get('getrun'))
    await p.host.clock.sleep(20 * MS)
    assert.deepEqual(p.get('getrun'), {})
    assert.equal(p.b.got, 4)
  })

  test('unknown messages and hooks are refused', () => {
    const p = setup()
    assert.equal(
      errnoOf(() => p.msg('frobnicate')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => p.ng.connect(p.path, '.', 'middle', 'x')),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => p.ng.mkpeer('.', 'pipe', 'x', 'sideways')),
      'EINVAL',
    )
    const node = p.g.resolve(p.path, null)
    assert.deepEqual(node.messages(), [
      'setcfg',
      'getcfg',
      'getstats',
      'clrstats',
      'getclrstats',
      'getrun',
      'getrunstats',
    ])
  })
})

describe('fuzzing', () => {
  /** A random ASCII value: mostly plausible pipe configurations, with junk mixed in. */
  function randomValue(r: Rng, depth: number): string {
    const names = [
      'bandwidth',
      'delay',
      'header_offset',
      'overhead',
      'downstream',
      'upstream',
      'BER',
      'ber',
      'queuelen',
      'delaylen',
      'duplicate',
      'fifo',
      'drr',
      'wfq',
      'droptail',
      'drophead',
      'jitter',
      'jitter_dist',
      'loss',
      'ge_p',
      'ge_r',
      'ge_h',
      'ge_k',
      'reorder',
      'reorder_gap',
      'queue_bytes',
      'qin_size_limit',
      '__proto__',
      'x',
    ]
    const k = r.int(12)
    if (k < 5 && depth < 3) {
      const fields: string[] = []
      for (let i = r.int(5); i > 0; i--)
        fields.push(`${names[r.int(names.length)]}=${randomValue(r, depth + 1)}`)
      return `{ ${fields.join(' ')} }`
    }
    if (k === 5 && depth < 3) return `[ ${randomValue(r, depth + 1)} ${randomValue(r, depth + 1)} ]`
    if (k === 6) return ['"uniform"', '"normal"', '"x"', '""', 'word', '0x1f'][r.int(6)]!
    if (k === 7) {
      const junk = '{}[]="\\ -.0123456789abcxyz'
      let s = ''
      for (let i = r.int(12); i > 0; i--) s += junk[r.int(junk.length)]
      return s
    }
    const nums = [0, -1, 1, 5, 31, 32, 50, 100, 2048, 1e6, 1e9, 1e13, -7]
    return r.int(3) === 0 ? (r.float() * 200 - 50).toFixed(r.int(4)) : String(nums[r.int(nums.length)])
  }

  /** Sensible values per field (with -1 and edge cases), so many random setcfg are accepted. */
  const PLAUSIBLE: Record<string, string[]> = {
    bandwidth: ['-1', '0', '64000', '1000000', '100000000'],
    delay: ['-1', '0', '10', '1000', '30000'],
    jitter: ['-1', '0', '10', '1000', '30000'],
    jitter_dist: ['"uniform"', '"normal"'],
    BER: ['-1', '1', '20000', '1000000'],
    queuelen: ['-1', '5', '50', '200'],
    delaylen: ['-1', '5', '1000'],
    queue_bytes: ['-1', '1000', '100000'],
    duplicate: ['-1', '1', '50'],
    fifo: ['0', '1'],
    wfq: ['0', '1'],
    drr: ['0', '1', '500'],
    droptail: ['0', '1'],
    drophead: ['0', '1'],
    loss: ['-1', '0.5', '10', '100'],
    ge_p: ['-1', '0.5', '10', '100'],
    ge_r: ['-1', '0.5', '10', '100'],
    ge_h: ['-1', '0.5', '10', '100'],
    ge_k: ['-1', '0.5', '10', '100'],
    reorder: ['-1', '0.5', '10', '100'],
    reorder_gap: ['-1', '1', '3'],
  }

  function plausibleCfg(r: Rng): string {
    const dir = () => {
      const keys = Object.keys(PLAUSIBLE)
      const fields: string[] = []
      for (let i = r.int(6); i > 0; i--) {
        const k = keys[r.int(keys.length)]!
        fields.push(`${k}=${PLAUSIBLE[k]![r.int(PLAUSIBLE[k]!.length)]}`)
      }
      return `{ ${fields.join(' ')} }`
    }
    const g = [
      ['bandwidth', '-1', '0', '128000', '10000000'],
      ['delay', '-1', '0', '500'],
      ['overhead', '-1', '24'],
      ['header_offset', '-1', '14'],
    ]
    const fields: string[] = []
    for (const [k, ...vs] of g) if (r.int(3) === 0) fields.push(`${k}=${vs[r.int(vs.length)]}`)
    if (r.int(2) === 0) fields.push(`downstream=${dir()}`)
    if (r.int(2) === 0) fields.push(`upstream=${dir()}`)
    return `{ ${fields.join(' ')} }`
  }

  test('random ASCII arguments raise nothing but SysError; traffic flows through whatever results', async () => {
    const p = setup(9)
    const r = new Rng(2024, 'fuzz')
    const cmds = [...p.g.resolve(p.path, null).messages(), 'bogus', '']
    let accepted = 0
    for (let i = 0; i < 4000; i++) {
      const cmd = cmds[r.int(cmds.length)]!
      const arg = r.int(8) === 0 ? '' : cmd === 'setcfg' && r.int(3) > 0 ? plausibleCfg(r) : randomValue(r, 0)
      try {
        p.msg(cmd, arg)
        if (cmd === 'setcfg') accepted++
      } catch (e) {
        if (!isSysError(e)) throw new Error(`${cmd} ${arg}: ${String(e)}`)
      }
      // Keep links short enough that traffic moves within the test.
      if (i % 50 === 0) p.msg('setcfg', '{ delay=-1 downstream={ jitter=-1 } upstream={ jitter=-1 } }')
      for (let j = r.int(4); j > 0; j--) p.a.emit(20 + r.int(1500), r.int(256))
      p.b.emit(64, 2)
      if (i % 100 === 0) await p.host.clock.sleep(r.int(50) * MS)
    }
    assert.ok(accepted > 100, `only ${accepted} setcfg accepted`)
    assert.equal(p.host.env.netisr.errors, 0, String(p.host.env.netisr.lastError))
    // The pipe drains to empty and still keeps exact books (from a clean slate: clrstats above may
    // have run while frames were queued).
    p.msg('setcfg', '{ bandwidth=-1 delay=-1 downstream={ jitter=-1 } upstream={ jitter=-1 } }')
    await p.host.clock.sleep(200_000 * MS) // a 100 bit/s link holds a full-size frame for two minutes
    assert.deepEqual(p.get('getrun'), {})
    p.msg('clrstats')
    for (let j = 0; j < 100; j++) {
      p.a.emit(100, j)
      p.b.emit(100, j)
    }
    await p.host.clock.sleep(200_000 * MS)
    const stats = p.get('getstats')
    for (const dir of ['downstream', 'upstream']) {
      const s = (stats[dir] ?? {}) as Record<string, number>
      const v = (k: string) => s[k] ?? 0
      assert.equal(v('in_frames'), 100)
      assert.equal(v('in_frames') + v('duplicated'), v('FwdFrames') + v('drop_frames'), dir)
    }
    assert.deepEqual(p.get('getrun'), {})
    p.ng.shutdown(p.path)
    assert.equal(p.host.env.pool.inUse, 0)
  })
})
