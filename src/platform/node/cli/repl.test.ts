import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { ShellSession } from '../../../userland/bin/sh/shell.js'
import { captureIo, FakeProc, fakePrograms, World } from '../../../userland/bin/sh/testkit.test.js'
import { completer, runRepl } from './repl.js'

function setup() {
  const w = new World(fakePrograms())
  const io = captureIo()
  const session = new ShellSession(io, new FakeProc(w, 1), {
    programs: () => ['ifconfig', 'jexec', 'jls', 'ping'],
  })
  const input = new PassThrough()
  const output = new PassThrough()
  let shown = ''
  output.on('data', (d) => {
    shown += String(d)
  })
  return { session, io, input, output, shown: () => shown }
}

test('repl: runs lines, joins continuation lines, ends on exit', async () => {
  const { session, io, input, output, shown } = setup()
  const done = runRepl(session, { prompt: 'virtnet# ', input, output, terminal: false })
  // Typed one line at a time: the REPL prompts again after each (`> ` inside a command).
  for (const line of [
    'echo hi',
    'if true',
    'then echo yes',
    'fi',
    'x=3',
    'echo "a',
    'b$x"',
    'exit 3',
    'echo never',
  ]) {
    input.write(line + '\n')
    await new Promise((r) => setImmediate(r))
  }
  assert.equal(await done, 3)
  assert.equal(io.out(), 'hi\nyes\na\nb3\n')
  assert.equal(shown(), 'virtnet# virtnet# > > virtnet# virtnet# > virtnet# ')
})

test('repl: end of input ends with the last status', async () => {
  const { session, io, input, output } = setup()
  const done = runRepl(session, { prompt: '$ ', input, output, terminal: false })
  input.end('echo one\nfalse\n')
  assert.equal(await done, 1)
  assert.equal(io.out(), 'one\n')
})

test('repl: completion of commands, jails after jexec, and arguments via the hook', () => {
  const { session } = setup()
  const c = completer(session, {
    jails: () => ['alpha', 'beta'],
    complete: (line) => (line.startsWith('ifconfig') ? ['epair0a', 'lo0'] : []),
  })
  assert.deepEqual(c('if'), [['ifconfig'], 'if'])
  assert.deepEqual(c('echo a; j'), [['jexec', 'jls', 'jobs'], 'j'])
  assert.deepEqual(c('jexec '), [['alpha', 'beta'], ''])
  assert.deepEqual(c('jexec -U root b'), [['beta'], 'b'])
  assert.deepEqual(c('jexec alpha pi'), [['ping'], 'pi'])
  assert.deepEqual(c('jexec alpha ping 1'), [[], '1'])
  assert.deepEqual(c('ifconfig e'), [['epair0a'], 'e'])
  assert.deepEqual(c('X=1 ec'), [['echo'], 'ec'])
  assert.deepEqual(c('if tr'), [['tr', 'true'], 'tr'])
})
