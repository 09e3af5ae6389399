// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell scripts, where ${...} is shell syntax
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemFs } from '../streams.js'
import { run } from '../testkit.test.js'
import { parseDuration } from './builtins.js'
import { runTest } from './test_builtin.js'

async function out(script: string, input?: string): Promise<string> {
  const r = await run(script, { input })
  assert.equal(r.err, '', `stderr of: ${script}`)
  return r.out
}

test('echo', async () => {
  assert.equal(await out('echo a  b "c  d"'), 'a b c  d\n')
  assert.equal(await out('echo -n x; echo y'), 'xy\n')
  assert.equal(await out('echo "a\\tb"'), 'a\\tb\n')
  assert.equal(await out('echo -e "a\\tb\\0101\\c"; echo'), 'a\tbA\n')
  assert.equal(await out('echo -x'), '-x\n')
  assert.equal(await out('echo'), '\n')
})

test('printf', async () => {
  assert.equal(await out('printf "%s-%d-%x\\n" a 42 255'), 'a-42-ff\n')
  assert.equal(
    await out('printf "%5s|%-5s|%05d|%+d|%o|%X|%#x\\n" ab cd 42 7 8 255 255'),
    '   ab|cd   |00042|+7|10|FF|0xff\n',
  )
  assert.equal(await out('printf "%s\\n" a b c'), 'a\nb\nc\n')
  assert.equal(await out('printf "%s=%s;" k1 v1 k2'), 'k1=v1;k2=;')
  assert.equal(await out('printf "%%|%c|%.2s|%b\\n" xyz abcdef "1\\t2"'), '%|x|ab|1\t2\n')
  assert.equal(await out("printf '%d %d\\n' -5 \"'A\""), '-5 65\n')
  assert.equal(await out('printf "%.3f %e\\n" 3.14159 1500'), '3.142 1.500000e+03\n')
  assert.equal(await out('printf "\\101\\n"'), 'A\n')
  assert.equal(await out('printf "no newline"'), 'no newline')
  const r = await run('printf "%d\\n" abc; echo $?')
  assert.equal(r.out, '0\n1\n')
  assert.match(r.err, /printf: abc: expected numeric value/)
})

test('test and [', () => {
  const fs = new MemFs()
  fs.append('f', 'data')
  fs.truncate('empty')
  const t = (...args: string[]) => runTest(['test', ...args], fs).status
  assert.equal(t(), 1)
  assert.equal(t(''), 1)
  assert.equal(t('x'), 0)
  assert.equal(t('-n', ''), 1)
  assert.equal(t('-z', ''), 0)
  assert.equal(t('-n'), 0) // one argument: a non-empty string
  assert.equal(t('a', '=', 'a'), 0)
  assert.equal(t('a', '!=', 'a'), 1)
  assert.equal(t('-n', '=', '-n'), 0)
  assert.equal(t('!', 'a', '=', 'b'), 0)
  assert.equal(t('!', ''), 0)
  assert.equal(t(' 3 ', '-eq', '3'), 0)
  assert.equal(t('2', '-lt', '10'), 0)
  assert.equal(t('10', '-le', '9'), 1)
  assert.equal(t('5', '-gt', '-1'), 0)
  assert.equal(t('5', '-ge', '5'), 0)
  assert.equal(t('5', '-ne', '5'), 1)
  assert.equal(t('a', '-a', ''), 1)
  assert.equal(t('a', '-o', ''), 0)
  assert.equal(t('1', '-eq', '1', '-a', '2', '-eq', '3', '-o', 'x', '=', 'x'), 0)
  assert.equal(t('(', 'a', '=', 'b', ')', '-o', '(', '1', '-eq', '1', ')'), 0)
  assert.equal(t('!', '(', 'a', '=', 'a', ')'), 1)
  assert.equal(t('-f', 'f'), 0)
  assert.equal(t('-s', 'f'), 0)
  assert.equal(t('-s', 'empty'), 1)
  assert.equal(t('-e', 'nope'), 1)
  assert.equal(t('-d', '/'), 0)
  assert.deepEqual(runTest(['test', 'x', '-eq', '1'], fs), { status: 2, error: 'x: bad number' })
  assert.deepEqual(runTest(['[', 'a'], fs), { status: 2, error: 'missing ]' })
  assert.deepEqual(runTest(['[', 'a', '=', 'a', ']'], fs), { status: 0 })
  assert.equal(runTest(['test', '-q', 'x'], fs).status, 2)
})

test('test errors go to stderr with status 2', async () => {
  const r = await run('[ 1 -eq ]; echo $?; [ abc -lt 3 ]; echo $?')
  assert.equal(r.out, '2\n2\n')
  assert.equal(r.err, '[: 1: unary operator expected\n[: abc: bad number\n')
})

test('read', async () => {
  assert.equal(await out('read a b; echo "$a|$b"', '  one two three  \nnext\n'), 'one|two three\n')
  assert.equal(await out('read a; read b; echo "$a|$b"', 'l1\nl2\n'), 'l1|l2\n')
  assert.equal(await out('read a; echo "$? $a"; read b; echo "$? [$b]"', 'last'), '1 last\n1 []\n')
  assert.equal(await out('read a; echo "$a"', 'a\\\nb\n'), 'ab\n')
  assert.equal(await out('read -r a; echo "$a"', 'a\\ b\n'), 'a\\ b\n')
  assert.equal(await out('read; echo "$REPLY"', 'r\n'), 'r\n')
  assert.equal(await out('n=0; while read line; do n=$((n+1)); done; echo $n', 'a\nb\nc\n'), '3\n')
  // What `read` did not consume stays for the next command.
  assert.equal(await out('read a; cat', 'first\nrest1\nrest2\n'), 'rest1\nrest2\n')
})

test('sleep advances virtual time exactly', async () => {
  assert.equal(parseDuration('0.1'), 100_000_000)
  assert.equal(parseDuration('1.5'), 1_500_000_000)
  assert.equal(parseDuration('.25'), 250_000_000)
  assert.equal(parseDuration('2m'), 120e9)
  assert.equal(parseDuration('0.000000001'), 1)
  assert.equal(parseDuration('x'), undefined)
  assert.equal(parseDuration('.'), undefined)
  assert.equal(parseDuration('-1'), undefined)
  const r = await run('sleep 0.1; sleep 0.1; sleep 0.1')
  assert.equal(r.world.clock.now, 300_000_000)
  const r2 = await run('sleep abc; echo $?')
  assert.equal(r2.out, '1\n')
  assert.match(r2.err, /sleep: invalid time interval: abc/)
})

test('kill and wait errors', async () => {
  const r = await run('kill; echo $?; kill -s BOGUS 1; echo $?; kill 999; echo $?; kill -l 143')
  assert.equal(r.out, '2\n2\n1\nTERM\n')
  assert.match(r.err, /usage: kill/)
  assert.match(r.err, /unknown signal BOGUS/)
  assert.match(r.err, /kill: 999: No such process/)
})

test('kill sends a pid that is not a job to the kernel (kill(2)): `kill $$` reaches the shell', async () => {
  const r = await run('kill -9 $$; echo not reached')
  assert.equal(r.out, '')
  assert.equal(r.proc.killedBy, 9)
})

test('export, unset, set', async () => {
  assert.equal(await out('export A=1 B; unset A; export -p'), "export B=''\n")
  assert.equal(await out('x=1; unset x; echo "[${x-unset}]"'), '[unset]\n')
  assert.equal(await out('f() { :; }; unset -f f; command -v f; echo $?'), '1\n')
  assert.equal(await out('set -- a "b c"; echo $# "$2"; set --; echo $#'), '2 b c\n0\n')
  assert.equal(await out('set -e -x +x; echo $-'), 'e\n')
  assert.equal(await out('set -o errexit; set -o | grep errexit'), 'errexit         on\n')
  assert.equal(await out('a="x y"; b=z; set | grep -E "^(a|b)="'), "a='x y'\nb=z\n")
  const r = await run('set -q; echo $?')
  assert.equal(r.out, '2\n')
  const r2 = await run('export 1x=2; echo $?')
  assert.equal(r2.out, '1\n')
  assert.match(r2.err, /export: 1x: bad variable name/)
  const r3 = await run('local x=1; echo $?')
  assert.equal(r3.out, '1\n')
  assert.match(r3.err, /sh: local: not in a function/)
})

test('help lists builtins and programs', async () => {
  const r = await run('help', { shell: { programs: () => ['ifconfig', 'jexec'] } })
  assert.match(r.out, /^Shell builtins:\n {2}\. : \[ break cat/)
  assert.match(r.out, /Programs:\n {2}ifconfig jexec\n$/)
})

test('text utilities: cat, grep', async () => {
  assert.equal(await out('cat', 'in\n'), 'in\n')
  assert.equal(await out('echo a > f; echo b > g; cat f - g', 'mid\n'), 'a\nmid\nb\n')
  const text = 'alpha 1\nbeta 2\nAlpha 3\ngamma 4\n'
  assert.equal(await out('grep alp', text), 'alpha 1\n')
  assert.equal(await out('grep -i ALP', text), 'alpha 1\nAlpha 3\n')
  assert.equal(await out('grep -v a', text), '')
  assert.equal(await out('grep -c a', text), '4\n')
  assert.equal(await out('grep -n "^[bg]"', text), '2:beta 2\n4:gamma 4\n')
  assert.equal(await out('grep -E "^(beta|gamma) [0-9]+$"', text), 'beta 2\ngamma 4\n')
  assert.equal(await out('grep "^\\(beta\\|gamma\\) [0-9]\\{1,\\}$"', text), 'beta 2\ngamma 4\n')
  assert.equal(await out('grep "a+"', 'a+\naa\n'), 'a+\n')
  assert.equal(await out('grep -F "a.b"', 'a.b\naxb\n'), 'a.b\n')
  assert.equal(await out('grep -x -e beta -e "gamma 4"', 'beta\nbeta 2\ngamma 4\n'), 'beta\ngamma 4\n')
  assert.equal(await out('grep -w be', 'be x\nbeta\n'), 'be x\n')
  assert.equal(await out('grep "[[:digit:]]"', 'a\n1\n'), '1\n')
  assert.equal(await out('grep -q beta && echo found', text), 'found\n')
  assert.equal(await out('grep zeta; echo $?', text), '1\n')
  assert.equal(await out('echo x > f; echo y > g; grep -H x f g; grep -l y f g'), 'f:x\ng\n')
  const r = await run('grep x nofile; echo $?')
  assert.equal(r.out, '2\n')
  assert.equal(r.err, 'grep: nofile: No such file or directory\n')
})

test('grep -A, -B, -C: context lines, `--` between groups that do not touch', async () => {
  const seq = '1\n2\n3\nx4\n5\n6\n7\n8\nx9\n10\n'
  assert.equal(await out('grep -A1 x', seq), 'x4\n5\n--\nx9\n10\n')
  assert.equal(await out('grep -B 2 x', seq), '2\n3\nx4\n--\n7\n8\nx9\n')
  assert.equal(
    await out('grep -C1 -n x', seq),
    '3-3\nx4\n5-5\n--\n8-8\nx9\n10-10\n'.replace('x4', '4:x4').replace('x9', '9:x9'),
  )
  // Overlapping context joins the groups: no separator.
  assert.equal(await out('grep -A3 x', 'x1\n2\nx3\n4\n'), 'x1\n2\nx3\n4\n')
  assert.equal(await out('grep -c -A1 x', seq), '2\n')
})

test('text utilities: wc, head, tail, seq, sort, tr, tee', async () => {
  assert.equal(await out('wc -l', 'a\nb\n'), '       2\n')
  assert.equal(await out('wc', 'one two\nthree\n'), '       2       3      14\n')
  assert.equal(await out('echo abc > f; wc -c f'), '       4 f\n')
  assert.equal(await out('seq 10 | head -n 3'), '1\n2\n3\n')
  assert.equal(await out('seq 10 | head -2'), '1\n2\n')
  assert.equal(await out('seq 10 | tail -n 2'), '9\n10\n')
  assert.equal(await out('seq 5 | tail -n +4'), '4\n5\n')
  assert.equal(await out('seq 3 | tail -1'), '3\n')
  assert.equal(await out('seq 2 4'), '2\n3\n4\n')
  assert.equal(await out('seq 3 1'), '3\n2\n1\n')
  assert.equal(await out('seq 0 5 12'), '0\n5\n10\n')
  assert.equal(await out('seq 0.5 0.5 1.5'), '0.5\n1\n1.5\n')
  assert.equal(await out('seq -s , 3'), '1,2,3\n')
  assert.equal(await out('seq 1 1000000 | head -n 1'), '1\n')
  assert.equal(await out('sort', 'b\na\nc\n'), 'a\nb\nc\n')
  assert.equal(await out('sort -n', '10\n9\n100\n'), '9\n10\n100\n')
  assert.equal(await out('sort -rn', '10\n9\n100\n'), '100\n10\n9\n')
  assert.equal(await out('sort -u', 'b\na\nb\n'), 'a\nb\n')
  assert.equal(await out('tr a-z A-Z', 'Hello\n'), 'HELLO\n')
  assert.equal(await out('tr -d "l"', 'hello\n'), 'heo\n')
  assert.equal(await out('tr -s " "', 'a   b  c\n'), 'a b c\n')
  assert.equal(await out("tr '[:lower:]' '[:upper:]'", 'abc\n'), 'ABC\n')
  assert.equal(await out('tr "\\n" " "', 'a\nb\n'), 'a b ')
  assert.equal(await out('echo hi | tee f | tr h H; cat f'), 'Hi\nhi\n')
})
