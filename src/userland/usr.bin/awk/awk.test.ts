/** awk(1): the language features scripts use, and FreeBSD's error behaviour. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Syscalls } from '../../../host/syscalls.js'
import { MemFs } from '../../bin/sh/streams.js'
import { capture, fakeProc } from '../../testkit.js'
import { awk } from './awk.js'

async function run(args: string[], input = '', files: Record<string, string> = {}) {
  const io = capture(input)
  const fs = new MemFs()
  for (const [p, t] of Object.entries(files)) {
    fs.truncate(p)
    fs.append(p, t)
  }
  const status = await awk(['awk', ...args], io, { ...fakeProc({} as Syscalls), fs })
  return { status, out: io.out(), err: io.err(), fs }
}

test('fields, patterns and the idioms of network test scripts', async () => {
  assert.equal(
    (await run(['$1~/ether/{print$2}'], '\tether 02:00:00:00:00:0a\n\tinet 1.2.3.4\n')).out,
    '02:00:00:00:00:0a\n',
  )
  assert.equal(
    (await run(['$1 == "Args:" {print substr($2, 2, length($2)-2)}'], 'Args:\t"ngeth0"\n')).out,
    'ngeth0\n',
  )
  assert.equal(
    (await run(['$1!~/^Name/{print$8}'], 'Name Mtu\nepair0a 1500 <Link#2> 02:00 0 0 0 21 0 0\n')).out,
    '21\n',
  )
  assert.equal(
    (await run(['-F:', '-v', 'p=>', '{ print p $2 } END { print NR }'], 'a:b\nc:d\n')).out,
    '>b\n>d\n2\n',
  )
  assert.equal((await run(['NR==2,NR==3'], '1\n2\n3\n4\n')).out, '2\n3\n')
  assert.equal(
    (await run(['{ $2 = "X"; print; print NF; NF = 2; print }'], 'a b c\n')).out,
    'a X c\n3\na X\n',
  )
  assert.equal((await run(['-F', '\\t', '{ print $2 }'], 'a b\tc\n')).out, 'c\n')
})

test('numbers and strings compare as POSIX says', async () => {
  assert.equal((await run(['$1 < $2 { print "num" } "3" < "10" { print "str" }'], '3 10\n')).out, 'num\n')
  assert.equal(
    (await run(['BEGIN { print 1e6, 0.1+0.2, 2^10, -2^2, 7%3, 1/4, "3x"+1 }'])).out,
    '1000000 0.3 1024 -4 1 0.25 4\n',
  )
  assert.equal((await run(['{ print ($1 == 1.0) }'], '1.0\n')).out, '1\n')
})

test('arrays, loops, functions and builtins', async () => {
  const prog = `
function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) }
BEGIN {
  x["a"] = 1; x["b"] = 2; for (k in x) s += x[k]
  n = split("p,q,r", arr, ","); delete arr[2]
  i = 0; while (i < 3) i++; do { i-- } while (i > 1)
  for (j = 0; j < 3; j++) { if (j == 1) continue; t = t j }
  str = "aaa bab"; c = gsub(/a/, "[&]", str)
  printf "%d %d %d %d %s %d %s\\n", s, n, (2 in arr), i, t, c, str
  print fact(5), index("hello", "ll"), match("foobar", /ob/), RSTART, RLENGTH, toupper("x"), int(-3.7)
  printf "%5.2f|%-4s|%x|%c|%03d|%e|%g\\n", 3.14159, "ab", 255, 65, 7, 1234.5, 0.0001
  print length("abc"), length(x), sprintf("%s-%s", "a", 1)
}`
  const r = await run([prog])
  assert.equal(r.err, '')
  assert.equal(
    r.out,
    '3 3 0 1 02 4 [a][a][a] b[a]b\n120 3 3 3 2 X -3\n 3.14|ab  |ff|A|007|1.234500e+03|0.0001\n3 2 a-1\n',
  )
})

test('exit status, output to files and stderr, getline from a file', async () => {
  assert.equal((await run(['BEGIN { exit 3 }'])).status, 3)
  const r = await run(
    ['{ print $1 > "out"; print "e" > "/dev/stderr" } END { while ((getline l < "in") > 0) print "in:" l }'],
    'a\nb\n',
    {
      in: 'x\ny\n',
    },
  )
  assert.equal(r.out, 'in:x\nin:y\n')
  assert.equal(r.err, 'e\ne\n')
  assert.equal(r.fs.read('out'), 'a\nb\n')
  assert.equal((await run(['{ print FILENAME ": " $0 }', 'f'], '', { f: 'one\n' })).out, 'f: one\n')
})

test('errors: syntax, missing file, runaway loops stop with status 2', async () => {
  const syn = await run(['BEGIN { print 1'])
  assert.equal(syn.status, 2)
  assert.match(syn.err, /^awk: syntax error/)
  const nf = await run(['{ print }', 'nope'])
  assert.deepEqual([nf.status, nf.err], [2, "awk: can't open file nope\n source line number 1\n"])
  const loop = await run(['BEGIN { while (1) x++ }'])
  assert.equal(loop.status, 2)
  assert.equal((await run(['BEGIN { print 1/0 }'])).err, 'awk: division by zero\n')
})
