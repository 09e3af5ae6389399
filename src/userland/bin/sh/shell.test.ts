import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Proc } from '../../types.js'
import { createSh, runScript, ShellSession, sh } from './shell.js'
import { captureIo, FakeProc, fakePrograms, run, World } from './testkit.test.js'

test('end to end: the FreeBSD vnet test idiom against fake programs', async () => {
  const script = `
ea=$(ifconfig epair create); eb=$(ifconfig epair create)
ifconfig \${ea} vnet a; ifconfig \${ea%a}b vnet r
jexec a ping -c 3 198.51.100.1
`
  const r = await run(script)
  assert.equal(r.err, '')
  assert.equal(r.status, 0)
  assert.deepEqual(r.world.argvs(), [
    ['ifconfig', 'epair', 'create'],
    ['ifconfig', 'epair', 'create'],
    ['ifconfig', 'epair0a', 'vnet', 'a'],
    ['ifconfig', 'epair0b', 'vnet', 'r'],
    ['jexec', 'a', 'ping', '-c', '3', '198.51.100.1'],
  ])
  assert.match(r.out, /3 packets transmitted, 3 packets received, 0.0% packet loss\n$/)
  assert.equal(r.world.clock.now, 2e9) // two one-second waits between three pings, in virtual time
})

test('end to end: a server in one jail, a client in another', async () => {
  const r = await run(`
set -e
epair=$(ifconfig epair create)
ifconfig $epair vnet srv
ifconfig \${epair%a}b vnet cli
jexec srv server > srv.log &
spid=$!
sleep 0.5
out=$(jexec cli ping -c 2 192.0.2.1)
echo "$out" | grep -q "2 packets received" || { echo FAIL; exit 1; }
kill $spid
wait $spid || echo "server ended with $?"
cat srv.log
`)
  assert.equal(r.err, '')
  assert.equal(r.out, 'server ended with 143\nlistening\n')
  assert.equal(r.status, 0)
  assert.equal(r.world.clock.now, 1.5e9)
})

test('runScript: options, $0 and positional parameters', async () => {
  const r = await run('echo "$0 $# $1 $2"; false; echo after', {
    shell: { name: 'test.sh', args: ['x', 'y z'], errexit: false },
  })
  assert.equal(r.out, 'test.sh 2 x y z\nafter\n')
  const r2 = await run('echo a', { shell: { xtrace: true } })
  assert.equal(r2.err, '+ echo a\n')
})

test('runScript never rejects, even if a stream throws', async () => {
  const w = new World(fakePrograms())
  const io = captureIo()
  const throwing = {
    ...io,
    stdout: {
      write: () => {
        throw new Error('stdout broke')
      },
    },
  }
  const status = await w.clock.run(runScript('echo a; echo b', throwing, new FakeProc(w, 1)))
  assert.equal(status, 1)
  assert.match(io.err(), /sh: echo: stdout broke/)
})

test('ShellSession keeps state between lines', async () => {
  const w = new World(fakePrograms())
  const io = captureIo()
  const s = new ShellSession(io, new FakeProc(w, 1), { programs: () => ['ifconfig', 'jexec', 'jls'] })
  const line = (l: string) => w.clock.run(s.runLine(l))
  assert.equal(await line('x=5; f() { echo "f:$1:$x"; }'), 0)
  assert.equal(await line('f arg'), 0)
  assert.equal(await line('false'), 1)
  assert.equal(await line('echo $?'), 0)
  assert.equal(await line('echo data > file'), 0)
  assert.equal(await line('cat file'), 0)
  assert.equal(await line('server &'), 0)
  assert.equal(await line('kill $!; wait $!; echo $?'), 0)
  assert.equal(await line('echo $((1/0)); echo not-reached'), 2)
  assert.equal(await line('if true'), 2) // a syntax error is reported; the session goes on
  assert.equal(await line('echo still here'), 0)
  assert.equal(io.out(), 'f:arg:5\n1\ndata\nlistening\n143\nstill here\n')
  assert.match(io.err(), /division by zero/)
  assert.match(io.err(), /syntax error: unexpected end of file/)
  assert.equal(s.exited, undefined)
  assert.equal(await line('exit 7'), 7)
  assert.equal(s.exited, 7)
  assert.equal(await line('echo after exit'), 7)
})

test('ShellSession: `kill $$` is ignored at the prompt, as FreeBSD does; `kill -9 $$` ends it', async () => {
  const w = new World(fakePrograms())
  const io = captureIo()
  const proc = new FakeProc(w, 1)
  const s = new ShellSession(io, proc)
  const line = (l: string) => w.clock.run(s.runLine(l))
  assert.equal(await line('kill $$; kill -INT $$; kill -s QUIT $$; echo alive'), 0)
  assert.equal(io.out(), 'alive\n')
  assert.equal(proc.killed, false)
  await line('kill -9 $$; echo not reached')
  assert.equal(proc.killedBy, 9)
  assert.notEqual(s.exited, undefined)
  assert.equal(io.out(), 'alive\n')
})

test('ShellSession: needsMore, completions, interrupt', async () => {
  const w = new World(fakePrograms())
  const io = captureIo()
  const s = new ShellSession(io, new FakeProc(w, 1), { programs: () => ['ifconfig', 'jexec', 'jls'] })
  assert.equal(s.needsMore('if true'), true)
  assert.equal(s.needsMore('if true; then echo; fi'), false)
  assert.equal(s.needsMore('echo "abc'), true)
  assert.equal(s.needsMore('echo fi fi; fi'), false) // an error, but more input will not help
  assert.equal(s.needsMore('echo a |'), true)
  await s.runLine('jfunc() { :; }')
  assert.deepEqual(s.completions('j'), ['jexec', 'jfunc', 'jls', 'jobs'])
  assert.deepEqual(s.completions('ec'), ['echo'])

  // Ctrl-C stops the running line and its foreground program, not the session.
  const running = s.runLine('server; echo not-reached')
  await new Promise((r) => setImmediate(r))
  s.interrupt()
  assert.equal(await running, 130)
  assert.equal(s.exited, undefined)
  assert.equal(await s.runLine('echo ok'), 0)
  assert.equal(io.out(), 'listening\nok\n')
})

test('ShellSession: with a pause hook, even a busy loop can be interrupted', async () => {
  const w = new World(fakePrograms())
  const s = new ShellSession(captureIo(), new FakeProc(w, 1), {
    pause: () => new Promise((r) => setImmediate(r)),
  })
  const running = s.runLine('while :; do :; done')
  await new Promise((r) => setImmediate(r))
  s.interrupt()
  assert.equal(await running, 130)
})

test('ShellSession: killing the shell process ends the session', async () => {
  const w = new World(fakePrograms())
  const proc = new FakeProc(w, 1)
  const s = new ShellSession(captureIo(), proc)
  proc.kill(15)
  assert.equal(await s.runLine('echo no'), 143)
  assert.equal(s.exited, 143)
})

test('ShellSession: set -e in an interactive shell ends the session', async () => {
  const w = new World(fakePrograms())
  const s = new ShellSession(captureIo(), new FakeProc(w, 1))
  await s.runLine('set -e')
  assert.equal(await s.runLine('exitwith 3'), 3)
  assert.equal(s.exited, 3)
})

test('the sh program: -c, stdin, options, errors', async () => {
  const w = new World(fakePrograms())
  const proc: Proc = new FakeProc(w, 1)
  const go = async (argv: string[], input?: string) => {
    const io = captureIo(input)
    const status = await w.clock.run(sh(argv, io, proc))
    return { status, out: io.out(), err: io.err() }
  }
  assert.deepEqual(await go(['sh', '-c', 'echo $0 $1 $#', 'me', 'a']), {
    status: 0,
    out: 'me a 1\n',
    err: '',
  })
  assert.deepEqual(await go(['sh', '-c', 'exit 4']), { status: 4, out: '', err: '' })
  assert.deepEqual(await go(['sh', '-ec', 'false; echo no']), { status: 1, out: '', err: '' })
  assert.deepEqual(await go(['sh', '-x', '-c', 'echo t']), { status: 0, out: 't\n', err: '+ echo t\n' })
  assert.deepEqual(await go(['sh'], 'echo from stdin\n'), { status: 0, out: 'from stdin\n', err: '' })
  assert.equal((await go(['sh', '-c'])).status, 2)
  assert.equal((await go(['sh', '-q'])).status, 2)
  assert.equal((await go(['sh', 'script.sh'])).status, 127)
  const syn = await go(['sh', '-c', 'echo a; (('])
  assert.equal(syn.status, 2)
  assert.equal(syn.out, '')
  const withHelp = createSh({ programs: () => ['ping'] })
  const io = captureIo()
  await withHelp(['sh', '-c', 'help'], io, proc)
  assert.match(io.out(), /Programs:\n {2}ping\n/)
})
