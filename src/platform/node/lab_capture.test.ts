/**
 * lab.capture(): packets as an async iterator and a pcapng file (one interface block per target),
 * stop() completing the file, close() stopping captures, and a bad target as a LabError.
 */

import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { openCapture } from '../../wire/pcap/pcap_read.js'
import { createLab, LabError } from './index.js'

const TEXT = `name: two
nodes:
  a: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  b: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
links:
  - { a: a, b: b }
`

test('lab.capture: an async iterator of packets and a pcapng file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-labcap-'))
  const lab = await createLab({ text: TEXT })
  try {
    const file = join(dir, 'c.pcapng')
    const c = lab.capture(['a~b', 'b:eth0'], { filter: 'icmp', file })
    assert.equal((await lab.node('a').sh('ping -c 2 10.0.0.2')).status, 0)
    await c.stop()
    const got: string[] = []
    for await (const p of c)
      got.push(`${p.target} ${p.out ? 'out' : 'in'} ${p.data[34] === 8 ? 'req' : 'rep'} ${p.length}`)
    assert.deepEqual(got.sort(), [
      'a~b in rep 98',
      'a~b in rep 98',
      'a~b out req 98',
      'a~b out req 98',
      'b:eth0 in req 98',
      'b:eth0 in req 98',
      'b:eth0 out rep 98',
      'b:eth0 out rep 98',
    ])
    assert.equal(c.packets, 8)
    const f = openCapture(readFileSync(file))
    let n = 0
    while (f.next() !== null) n++
    assert.equal(n, 8)
    assert.deepEqual(
      f.interfaces.map((i) => i.name),
      ['a~b', 'b:eth0'],
    )
    assert.throws(() => lab.capture('a:eth7'), LabError)
    assert.throws(() => lab.capture('a~zz'), LabError)
    // close() stops what is still running.
    const d = lab.capture('a:eth0')
    lab.close()
    await d.done
  } finally {
    lab.close()
    rmSync(dir, { recursive: true })
  }
})
