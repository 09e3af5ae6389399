import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { InStream } from '../../types.js'
import { SCRIPT_CHUNK } from './script.js'
import { createSh, runScript } from './shell.js'
import { captureIo, FakeProc, fakePrograms, run, World } from './testkit.test.js'

/** A script served in chunks of `size` characters; `served` counts what has been handed out. */
function chunked(text: string, size: number): InStream & { served: number } {
  const s = {
    served: 0,
    read: async () => {
      if (s.served >= text.length) return null
      const c = text.slice(s.served, s.served + size)
      s.served += c.length
      return c
    },
  }
  return s
}

async function runStream(text: string, size: number) {
  const w = new World(fakePrograms())
  const io = captureIo()
  const src = chunked(text, size)
  const status = await w.clock.run(runScript(src, io, new FakeProc(w, 1)))
  return { status, out: io.out(), err: io.err() }
}

test('script: a script is run as it is read, with a bounded read-ahead', async () => {
  // 20000 commands, ~1.2 MB: each command must run long before the end of the input is read.
  const lines = Array.from({ length: 20000 }, (_, k) => `echo ${k} # ${'x'.repeat(50)}\n`)
  const text = lines.join('')
  const w = new World(fakePrograms())
  const src = chunked(text, 1024)
  let out = 0
  let consumed = 0
  let maxAhead = 0
  const io = {
    stdin: { read: async () => null },
    stdout: {
      write: (s: string) => {
        assert.equal(s, `${out}\n`)
        consumed += lines[out++].length
        maxAhead = Math.max(maxAhead, src.served - consumed)
      },
    },
    stderr: { write: (s: string) => assert.fail(s) },
  }
  const status = await w.clock.run(runScript(src, io, new FakeProc(w, 1)), 1e6)
  assert.equal(status, 0)
  assert.equal(out, lines.length)
  // Never more than about one refill beyond the command running, whatever the script's size.
  assert.ok(maxAhead <= SCRIPT_CHUNK + 1024 + 100, `read ${maxAhead} characters ahead`)
})

test('script: commands before a late syntax error have run, from a stream too', async () => {
  const text = `${'true\n'.repeat(30000)}echo reached\nif then\necho never\n`
  const r = await runStream(text, 4096)
  assert.equal(r.out, 'reached\n')
  assert.equal(r.err, "sh: line 30002: syntax error: unexpected token `then'\n")
  assert.equal(r.status, 2)
})

test('script: any chunking of the input runs the same commands', async () => {
  const script = [
    'x=1; echo "a $x" \\',
    '  continued',
    'cat <<EOF; echo after-heredoc',
    'body $x',
    'EOF',
    'f() {',
    '  echo "in f: $1"',
    '}',
    'f one; f two',
    'case $x in',
    '  1) echo one ;;',
    '  *) echo other ;;',
    'esac',
    "echo 'multi",
    "line' $(echo sub",
    ')',
    'if true; then echo then; else echo else; fi # comment',
    'echo last-without-newline',
  ].join('\n')
  const whole = await run(script)
  assert.equal(whole.err, '')
  assert.equal(
    whole.out,
    'a 1 continued\nbody 1\nafter-heredoc\nin f: one\nin f: two\none\nmulti\nline sub\nthen\nlast-without-newline\n',
  )
  for (const size of [1, 2, 3, 7, 64]) {
    const r = await runStream(script, size)
    assert.deepEqual(r, { status: 0, out: whole.out, err: '' }, `chunks of ${size}`)
  }
})

test('script: a long compound command spanning many refills is read whole', async () => {
  const body = Array.from({ length: 30000 }, (_, k) => `  n=${k}`).join('\n')
  const r = await runStream(`{\n${body}\n}\necho $n\n`, 4096)
  assert.deepEqual(r, { status: 0, out: '29999\n', err: '' })
})

test('script: sh reading its script from stdin leaves the rest of it to the commands it runs', async () => {
  const w = new World(fakePrograms())
  const io = captureIo('read x\nhello\necho "got $x"\n')
  const status = await w.clock.run(createSh()(['sh'], io, new FakeProc(w, 1)))
  assert.equal(io.out(), 'got hello\n')
  assert.equal(status, 0)
  const io2 = captureIo()
  await w.clock.run(createSh()(['sh', '-c', 'echo a\nfi\necho b'], io2, new FakeProc(w, 1)))
  assert.equal(io2.out(), 'a\n')
  assert.match(io2.err(), /sh: line 2: syntax error/)
})
