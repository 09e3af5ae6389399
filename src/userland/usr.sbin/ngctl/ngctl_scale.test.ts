/**
 * `ngctl list` is linear in the number of nodes and streams its output (issue: 27 s per call with
 * 40,000 interfaces, the host blocked meanwhile). Without clocks: countVisits counts the elements a
 * run walks — doubling the nodes may double it, not quadruple it — and a lookup by name walks the same
 * amount however many nodes exist. The command's whole work is synchronous, so it is counted exactly.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { countVisits } from '../../../testing/visits.js'
import { fakeProc } from '../../testkit.js'
import type { Io } from '../../types.js'
import { ngctl } from './ngctl.js'

/** A kernel with n epairs in the host: 2n Ethernet interfaces, each with its ng_ether node. */
function kernel(n: number): Syscalls {
  const sys = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 }).syscalls()
  for (let i = 0; i < n; i++) sys.ifCreate('epair')
  return sys
}

/** stdout as the chunks written, and the visits of the (synchronous) run. */
async function counted(
  sys: Syscalls,
  args: string[],
): Promise<{ visits: number; chunks: string[]; status: number }> {
  const chunks: string[] = []
  const io: Io = {
    stdin: { read: async () => null },
    stdout: { write: (s) => void chunks.push(s) },
    stderr: {
      write: (s) => {
        throw new Error(`unexpected stderr: ${s}`)
      },
    },
  }
  const { visits, result } = countVisits(() => ngctl(['ngctl', ...args], io, fakeProc(sys)))
  return { visits, chunks, status: await result }
}

describe('ngctl at scale', () => {
  test('list walks linearly in the nodes, the first time (nodes made) and after', async () => {
    const small = kernel(500)
    const big = kernel(1000)
    for (const round of ['first', 'again']) {
      const a = await counted(small, ['list'])
      const b = await counted(big, ['list'])
      assert.equal(a.status, 0)
      assert.ok(
        b.visits <= 2.2 * a.visits,
        `${round}: ${a.visits} visits for 1,000 nodes, ${b.visits} for 2,000`,
      )
    }
    const l = await counted(big, ['list', '-l'])
    assert.ok(l.visits <= 2.2 * (await counted(small, ['list', '-l'])).visits, 'list -l')
  })

  test('a node found by name costs the same among 1,000 nodes as among 2,000', async () => {
    const small = kernel(500)
    const big = kernel(1000)
    await counted(small, ['list'])
    await counted(big, ['list'])
    for (const args of [
      ['show', 'epair400b:'],
      ['name', 'epair400b:', 'x400'],
    ]) {
      const a = await counted(small, args)
      const b = await counted(big, args)
      assert.equal(b.status, 0, args.join(' '))
      assert.ok(b.visits <= a.visits + 8, `${args.join(' ')}: ${a.visits} visits, then ${b.visits}`)
    }
  })

  test('the listing is written in chunks, not as one string', async () => {
    const sys = kernel(1000)
    const r = await counted(sys, ['list'])
    const lines = r.chunks.join('').split('\n')
    assert.equal(lines[0], 'There are 2001 total nodes:')
    assert.equal(lines.length, 2001 + 2, 'header, one line per node, final newline')
    assert.ok(r.chunks.length >= 8, `${r.chunks.length} writes`)
    for (const c of r.chunks) assert.ok(c.split('\n').length <= 257, 'at most 256 lines a write')
    assert.ok(
      r.chunks.every((c) => c.endsWith('\n')),
      'each write ends a line',
    )
  })
})
