// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell scripts, where ${...} is shell syntax
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SysError } from '../../../util/errno.js'
import { runScript } from './shell.js'
import { captureIo, FakeProc, fakePrograms, run, World } from './testkit.test.js'

/** Runs a script and returns its stdout, asserting it succeeded and wrote nothing to stderr. */
async function out(script: string, input?: string): Promise<string> {
  const r = await run(script, { input })
  assert.equal(r.err, '', `stderr of: ${script}`)
  assert.equal(r.status, 0, `status of: ${script}`)
  return r.out
}

test('interp: echo, variables, $?', async () => {
  assert.equal(await out('x=hello; echo $x world'), 'hello world\n')
  assert.equal(await out('false; echo $?; true; echo $?'), '1\n0\n')
  assert.equal(await out('echo $$'), '1\n')
  assert.equal(await out('a=1 b=$a; echo $b'), '1\n')
  assert.equal(await out('x=$(exitwith 3); echo $?'), '3\n')
})

test('interp: and-or lists and !', async () => {
  assert.equal(await out('true && echo a || echo b; false && echo c || echo d'), 'a\nd\n')
  assert.equal(await out('false || false || echo e'), 'e\n')
  assert.equal(await out('! false && echo f; ! true; echo $?'), 'f\n1\n')
})

test('interp: if/elif/else, while, until, for, case', async () => {
  assert.equal(await out('if false; then echo 1; elif true; then echo 2; else echo 3; fi'), '2\n')
  assert.equal(await out('if false; then echo 1; fi; echo $?'), '0\n')
  assert.equal(await out('i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done'), '0\n1\n2\n')
  assert.equal(await out('i=0; until [ $i = 2 ]; do i=$((i+1)); done; echo $i'), '2\n')
  assert.equal(await out('for x in a "b c" d; do echo "<$x>"; done'), '<a>\n<b c>\n<d>\n')
  assert.equal(await out('set -- p q; for x; do echo $x; done'), 'p\nq\n')
  assert.equal(await out('for x in; do echo no; done; echo $?'), '0\n')
  const c =
    'for v in epair0a lo0 x.y "*"; do case $v in epair*a) echo e;; lo[0-9]) echo l;; *.*|"*") echo o;; esac; done'
  assert.equal(await out(c), 'e\nl\no\no\n')
  assert.equal(await out('case abc in *) ;; esac; echo $?'), '0\n')
  assert.equal(
    await out('p="a*"; case abc in $p) echo glob;; esac; case abc in "$p") echo lit;; esac'),
    'glob\n',
  )
})

test('interp: break and continue, including nested loops', async () => {
  assert.equal(
    await out('for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done'),
    '1\n3\n',
  )
  assert.equal(
    await out('for i in 1 2; do for j in a b; do [ $j = b ] && continue 2; echo $i$j; done; done'),
    '1a\n2a\n',
  )
  assert.equal(await out('for i in 1 2; do while true; do break 2; done; echo no; done; echo end'), 'end\n')
  assert.equal(await out('break; echo still'), 'still\n')
})

test('interp: functions, positional parameters, return, local', async () => {
  assert.equal(await out('f() { echo "$# $1 $2"; }; f a "b c"; echo $#'), '2 a b c\n0\n')
  assert.equal(await out('f() { return 3; echo no; }; f; echo $?'), '3\n')
  assert.equal(await out('f() { false; }; f || echo failed'), 'failed\n')
  assert.equal(await out('x=1; f() { local x=2; echo $x; }; f; echo $x'), '2\n1\n')
  assert.equal(await out('f() { x=inner; }; f; echo $x'), 'inner\n')
  assert.equal(
    await out(
      'fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(($1-1))) )); fi; }; fact 10',
    ),
    '3628800\n',
  )
  assert.equal(await out('set -- a b c; shift; echo $@; shift 2; echo $#'), 'b c\n0\n')
  assert.equal(await out('f() { for a; do echo $a; break; done; }; f 1 2'), '1\n')
})

test('interp: runaway recursion is stopped, not a stack overflow', async () => {
  const r = await run('f() { f; }; f; echo not reached')
  assert.equal(r.status, 2)
  assert.match(r.err, /sh: f: function nesting too deep/)
  assert.equal(r.out, '')
})

test('interp: subshells and groups', async () => {
  assert.equal(await out('x=1; (x=2; echo $x); echo $x'), '2\n1\n')
  assert.equal(await out('x=1; { x=2; echo $x; }; echo $x'), '2\n2\n')
  assert.equal(await out('(exit 3); echo $?'), '3\n')
  assert.equal(await out('{ echo a; echo b; } | tr a-z A-Z'), 'A\nB\n')
  assert.equal(await out('f() { echo inner; }; (f)'), 'inner\n')
})

test('interp: prefix assignments', async () => {
  const r = await run('A=1 env; echo "A=$A"; export B=2; env; C=3; env')
  assert.equal(r.out, 'A=1\nA=\nB=2\nB=2\n')
  assert.equal(await out('x=0; f() { echo $x; }; x=5 f; echo $x'), '5\n0\n')
  assert.equal(await out('IFS=: read a b; echo "$a|$b"', 'p:q r\n'), 'p|q r\n')
  assert.equal(await out('x=1 : ; echo $x'), '1\n') // before a special builtin it stays
})

test('interp: the environment from proc.env is exported', async () => {
  const r = await run('echo $HOME; HOME=/x; env', { env: { HOME: '/root' } })
  assert.equal(r.out, '/root\nHOME=/x\n')
})

test('interp: IFS starts set to space, tab, newline, and is not exported', async () => {
  // fwbuilder's scripts save and restore IFS around `set`; splitting must still work afterwards.
  const r = await run(
    'echo "[${IFS+set}]"; v=a@b; o=$IFS; IFS=@; set $v; echo $2; IFS=$o; x="1 2"; for w in $x; do echo $w; done; env',
  )
  assert.equal(r.out, '[set]\nb\n1\n2\n')
})

test('interp: pipelines connect stages and run them concurrently', async () => {
  assert.equal(await out('echo hello | upper'), 'HELLO\n')
  assert.equal(await out('seq 5 | grep -v 3 | wc -l'), '       4\n')
  assert.equal(await out('printf "b\\na\\nc\\n" | sort | head -n 2'), 'a\nb\n')
  assert.equal(await out('echo a | false | true; echo $?'), '0\n')
  assert.equal(await out('echo a | exitwith 4; echo $?'), '4\n')
  assert.equal(await out('x=1; echo | x=2; echo $x'), '1\n')
  // Interleaving: the reader sees data as the writer produces it, while time passes.
  const r = await run('jexec a ping -c 3 192.0.2.1 | grep -c bytes')
  assert.equal(r.out, '4\n')
  assert.equal(r.world.clock.now, 2e9)
})

test('interp: a writer whose reader has gone gets SIGPIPE', async () => {
  const r = await run('yes | head -n 2; echo "${?}"')
  assert.equal(r.out, 'y\ny\n0\n')
  const r2 = await run('yes | { read a; echo got $a; }; echo done')
  assert.equal(r2.out, 'got y\ndone\n')
})

test('interp: redirections to in-memory files', async () => {
  assert.equal(await out('echo x > f; echo y >> f; cat f; cat < f | wc -l'), 'x\ny\n       2\n')
  assert.equal(await out('echo x > f; echo z > f; cat f'), 'z\n')
  assert.equal(await out('echo hidden > /dev/null; cat /dev/null; echo ok'), 'ok\n')
  assert.equal(await out('{ echo a; echo b; } > f; wc -l < f'), '       2\n')
  assert.equal(await out('> empty; test -f empty && test ! -s empty && echo yes'), 'yes\n')
  assert.equal(await out('printf "1\\n2\\n" > f; while read l; do echo "[$l]"; done < f'), '[1]\n[2]\n')
  const r = await run('cat < missing; echo $?')
  assert.equal(r.out, '1\n')
  assert.equal(r.err, 'sh: missing: No such file or directory\n')
})

test('interp: redirections of stderr', async () => {
  const r = await run(
    'ifconfig bogus 2>&1 | tr a-z A-Z; ifconfig bogus 2>/dev/null; echo $?; nope 2>&1 >/dev/null',
  )
  assert.equal(r.out, 'IFCONFIG: BAD ARGUMENTS\n1\nsh: nope: not found\n')
  assert.equal(r.err, '')
  const r2 = await run('echo to-err >&2; echo out 1>&2 2>/dev/null')
  assert.equal(r2.err, 'to-err\nout\n')
  const r3 = await run('ifconfig bogus 2> errs; cat errs')
  assert.equal(r3.out, 'ifconfig: bad arguments\n')
})

test('interp: here-documents', async () => {
  assert.equal(
    await out('x=world; cat <<EOF\nhello $x\n$(echo sub)\nEOF\necho after'),
    'hello world\nsub\nafter\n',
  )
  assert.equal(await out("cat <<'EOF'\n$x `y`\nEOF"), '$x `y`\n')
  assert.equal(await out('cat <<-EOF\n\tindented\n\tEOF'), 'indented\n')
})

test('interp: external programs, not found, failures', async () => {
  const r = await run('nosuch a b; echo $?')
  assert.equal(r.err, 'sh: nosuch: not found\n')
  assert.equal(r.out, '127\n')
  const r2 = await run('crash; echo $?')
  assert.equal(r2.out, '1\n')
  assert.match(r2.err, /crash: boom/)
})

test('interp: a SysError thrown by spawn is reported with its strerror', async () => {
  const w = new World({ ifconfig: async () => 0 })
  w.spawnErrors.set('ifconfig', new SysError('EPERM', 'execve'))
  const io = captureIo()
  const status = await w.clock.run(runScript('ifconfig lo0 up; echo $?', io, new FakeProc(w, 1)))
  assert.equal(status, 0)
  assert.equal(io.err(), 'sh: ifconfig: Operation not permitted\n')
  assert.equal(io.out(), '1\n')
})

test('interp: set -e', async () => {
  const r = await run('set -e; echo a; false; echo b')
  assert.deepEqual([r.out, r.status], ['a\n', 1])
  // Not in conditions, not before && / ||, not after !.
  const ok = `set -e
if false; then :; fi
while false; do :; done
false && true
false || true
! true
f() { false; echo in-f; }
f || true
echo survived`
  assert.equal((await run(ok)).out, 'in-f\nsurvived\n')
  assert.equal((await run('set -e; true && false; echo no')).status, 1)
  assert.equal((await run('set -e; x=$(exitwith 5); echo no')).status, 5)
  assert.equal((await run('set -e; (exit 4); echo no')).status, 4)
  assert.equal((await run('set -e; echo | exitwith 6; echo no')).status, 6)
  assert.equal((await run('set -e; exitwith 6 | true; echo yes')).out, 'yes\n')
  assert.equal((await run('set -e; set +e; false; echo yes')).out, 'yes\n')
  assert.equal((await run('echo a; false; echo b', { shell: { errexit: true } })).out, 'a\n')
})

test('interp: set -x traces commands to stderr', async () => {
  const r = await run('set -x; a=1; echo "$a b" c; set +x; echo quiet')
  assert.equal(r.err, "+ a=1\n+ echo '1 b' c\n+ set +x\n")
  assert.equal(r.out, '1 b c\nquiet\n')
})

test('interp: set -u', async () => {
  const r = await run('set -u; echo ${x:-ok}; echo $x; echo no')
  assert.equal(r.out, 'ok\n')
  assert.equal(r.status, 2)
  assert.match(r.err, /x: parameter not set/)
})

test('interp: exit', async () => {
  assert.equal((await run('exit 3; echo no')).status, 3)
  assert.equal((await run('false; exit')).status, 1)
  assert.equal((await run('f() { exit 4; }; f; echo no')).status, 4)
  assert.equal((await run('echo $(exit 5; echo no)$?')).out, '5\n')
  assert.equal((await run('exit 256')).status, 0)
})

test('interp: expansion errors end the script (POSIX non-interactive shell)', async () => {
  const r = await run('echo $((1/0)); echo no')
  assert.equal(r.status, 2)
  assert.match(r.err, /division by zero/)
  const r2 = await run('(echo ${x:?unset here}); echo after $?')
  assert.equal(r2.out, 'after 2\n')
  assert.match(r2.err, /sh: x: unset here/)
})

test('interp: a syntax error stops the script there, after the commands before it ran', async () => {
  // FreeBSD's sh parses one complete command (a line at top level) and runs it before reading on.
  const r = await run('echo first\nif true; then\necho x\nfi fi\necho never\n')
  assert.equal(r.out, 'first\n')
  assert.equal(r.status, 2)
  assert.equal(r.err, "sh: line 4: syntax error: unexpected token `fi'\n")
  const r2 = await run('echo "unterminated')
  assert.match(r2.err, /^sh: line 1: unterminated quoted string/)
  // One line is one command: an error later on the same line stops it before anything runs.
  const r3 = await run('echo a; fi')
  assert.equal(r3.out, '')
  assert.equal(r3.status, 2)
})

test('interp: background jobs, $!, wait, kill', async () => {
  const r = await run(`
server &
pid=$!
sleep 5
kill $pid
wait $pid
echo "status $?"
jexec a ping -c 2 192.0.2.1 > out &
wait
cat out | head -n 1
`)
  assert.equal(r.err, '')
  assert.equal(r.out, 'listening\nstatus 143\nPING 192.0.2.1 (192.0.2.1): 56 data bytes\n')
  const server = r.world.calls.find((c) => c.argv[0] === 'server')!
  assert.equal(server.at, 0)
  assert.match(r.out, /status 143/)
  // $! is the real pid of the program.
  const r2 = await run('server & echo $!; kill -9 $!; wait $!; echo $?')
  assert.equal(r2.out, `listening\n${r2.world.calls[0].pid}\n137\n`)
})

test('interp: background builtins, functions and compound commands', async () => {
  const r = await run(`
{ sleep 2; echo late; } &
p=$!
echo early
wait $p
echo "waited $?"
f() { sleep 10; echo never; }
f &
kill -s INT $!
wait $!
echo "killed $?"
(sleep 1; exit 7) &
wait %3
echo "job3 $?"
wait 12345
echo "unknown $?"
`)
  assert.equal(r.err, '')
  assert.equal(r.out, 'early\nlate\nwaited 0\nkilled 130\njob3 7\nunknown 127\n')
  assert.equal(r.world.clock.now, 3e9)
})

test('interp: background jobs run concurrently on the virtual clock', async () => {
  const r = await run('sleep 3 & sleep 1 & sleep 2 & wait; echo done')
  assert.equal(r.out, 'done\n')
  assert.equal(r.world.clock.now, 3e9)
})

test('interp: killing the shell stops the script and its foreground child', async () => {
  const w = new World(fakePrograms())
  const proc = new FakeProc(w, 1)
  const io = captureIo()
  const p = runScript('echo start; server; echo never', io, proc)
  const done = w.clock.run(p)
  await new Promise((r) => setImmediate(r))
  proc.kill(15)
  assert.equal(await done, 143)
  assert.equal(io.out(), 'start\nlistening\n')
})

test('interp: eval, ., command', async () => {
  assert.equal(await out('cmd="echo a; echo b"; eval $cmd'), 'a\nb\n')
  assert.equal(await out('echo "x=42" > lib; . lib; echo $x'), '42\n')
  assert.equal(
    await out('echo() { :; }; command echo real; command -v echo cat ifconfig'),
    'real\necho\ncat\nifconfig\n',
  )
  const r = await run('eval "if"; echo $?')
  assert.equal(r.out, '2\n')
  assert.match(r.err, /eval: line 1: syntax error/)
  // eval runs its text a command at a time too (FreeBSD's evalstring).
  const r2 = await run("eval 'echo a\nfi'; echo $?")
  assert.equal(r2.out, 'a\n2\n')
  assert.match(r2.err, /eval: line 2: syntax error: unexpected token `fi'/)
})

test('interp: bounded resources', async () => {
  // In-memory files are bounded: the write stops at the cap and the shell says so.
  const r = await run(
    'x=0123456789abcdef; x=$x$x$x$x$x$x$x$x; x=$x$x$x$x$x$x$x$x; x=$x$x$x$x$x$x$x$x; x=$x$x$x$x; i=0; while [ $i -lt 600 ]; do echo $x; i=$((i+1)); done > big; echo $?',
  )
  assert.match(r.err, /big: No space left on device/)
  assert.equal(r.out, '0\n')
})

test('interp: a here-document opened inside $( ) takes the lines after the closing line', async () => {
  const s = 'v=$(cat <<__EOF__ | tr a-z A-Z)\nline $((1+1))\n__EOF__\necho "[$v]"'
  assert.equal(await out(s), '[LINE 2]\n')
  // Two on one line take their bodies in order; the outer script goes on after them.
  assert.equal(
    await out('a=$(cat <<A) b=$(cat <<-B)\naa\nA\n\tbb\n\tB\necho "$a $b"; echo after'),
    'aa bb\nafter\n',
  )
  // In a loop body, the body is read once per parse and the loop runs it each time.
  assert.equal(await out("for i in 1 2; do\nx=$(cat <<'E')\n$i\nE\necho $x\ndone"), '$i\n$i\n')
  const r = await run('v=$(cat <<E)\nno end')
  assert.match(r.err, /here-document/)
})

test('interp: function names as FreeBSD sh takes them (plain words; not /, not a special builtin)', async () => {
  assert.equal(await out('235704_head() { echo ok; }; 235704_head'), 'ok\n')
  assert.equal(await out('my-func.x() { echo dash; }; my-func.x'), 'dash\n')
  for (const bad of ['a/b() { :; }', 'f=() { :; }', 'exit() { :; }']) {
    const r = await run(bad)
    assert.equal(r.status, 2, bad)
    assert.match(r.err, /Bad function name/, bad)
  }
})
