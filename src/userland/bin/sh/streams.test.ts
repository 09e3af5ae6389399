import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PIPE_SIZE, Pipe } from './streams.js'
import { type FakeCmd, run } from './testkit.test.js'

test('pipe: past PIPE_SIZE a write takes the data and asks the writer to wait for the reader', async () => {
  const p = new Pipe()
  const kib = 'x'.repeat(1024)
  let waits = 0
  for (let i = 0; i < 100; i++) if (p.write(kib)) waits++
  assert.equal(waits, 100 - PIPE_SIZE / 1024 + 1) // every write from the one that filled it
  const blocked = p.write('y')
  assert.ok(blocked)
  let released = false
  void blocked.then(() => {
    released = true
  })
  // Reads hand out one pipe's worth; the writer is released once the pipe is below PIPE_SIZE.
  let total = 0
  for (let s = await p.read(); ; s = await p.read()) {
    assert.ok(s !== null && s.length <= PIPE_SIZE)
    total += s.length
    if (total === 100 * 1024 + 1) break
  }
  await Promise.resolve()
  assert.ok(released)
  p.close()
  assert.equal(await p.read(), null)
})

test('pipe: a reader that goes away releases a waiting writer, whose next write is SIGPIPE', async () => {
  const p = new Pipe()
  let broken = 0
  p.onBroken = () => broken++
  const w = p.write('x'.repeat(PIPE_SIZE))
  assert.ok(w)
  p.closeRead()
  await w
  assert.equal(p.write('more'), undefined)
  assert.equal(broken, 1)
})

test('pipe: big output reaches its reader whole, and a slow reader holds its writer back', async () => {
  let firstRead = 0
  let total = 0
  const cmds: Record<string, FakeCmd> = {
    /** 17 MiB in 1 KiB writes that never wait: nothing may be lost (the pipe used to stop at 16 MiB). */
    flood: async (_argv, io) => {
      const kib = `${'z'.repeat(1023)}\n`
      for (let i = 0; i < 17 * 1024; i++) io.stdout.write(kib)
      return 0
    },
    /** Sleeps before reading, then counts what it reads. */
    slow: async (_argv, io, proc) => {
      await proc.sleep(1e9)
      for (let c = await io.stdin.read(); c !== null; c = await io.stdin.read()) {
        firstRead ||= c.length
        total += c.length
      }
      return 0
    },
  }
  const r = await run('flood | wc -lc', { cmds })
  assert.equal(r.out, `   17408 ${String(17 * 1024 * 1024).padStart(7)}\n`)
  // seq waits on the full pipe while its reader sleeps: one pipe's worth was buffered, not all.
  const r2 = await run('seq 1 200000 | slow; echo $?', { cmds })
  assert.equal(r2.out, '0\n')
  assert.ok(firstRead > 0 && firstRead <= PIPE_SIZE, `first read ${firstRead}`)
  assert.equal(total, 1288895)
})
