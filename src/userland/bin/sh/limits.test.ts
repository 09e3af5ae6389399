// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell scripts, where ${...} is shell syntax
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { run } from './testkit.test.js'

/** No JavaScript text may reach the user (RangeError, "Invalid string length", a RegExp's words...). */
const JS_TEXT = /RangeError|TypeError|SyntaxError|Invalid|Maximum call stack|Unterminated|quantifier/

test('limits: deep nesting in the parser is a clean error, not a JavaScript stack overflow', async () => {
  for (const script of [
    `echo ${'$('.repeat(3000)}echo hi${')'.repeat(3000)}`,
    `${'('.repeat(20000)}echo hi${')'.repeat(20000)}`,
    `${'{ '.repeat(20000)}echo hi; ${'}; '.repeat(20000)}`,
    `echo "${'${x:-"'.repeat(3000)}"`,
    `echo before\n${'if true; then '.repeat(5000)}`,
  ]) {
    const r = await run(script)
    assert.doesNotMatch(r.err, JS_TEXT)
    assert.match(r.err, /^(sh: line \d+: Out of space\n)$/)
    assert.equal(r.status, 2)
  }
  // Ordinary nesting is far below the limit.
  const r = await run(
    `echo ${'$(echo '.repeat(50)}deep${')'.repeat(50)}; ${'('.repeat(50)}echo sub${')'.repeat(50)}`,
  )
  assert.deepEqual([r.out, r.err], ['deep\nsub\n', ''])
})

test('limits: arithmetic nesting and edge cases give FreeBSD sh messages', async () => {
  const deep = await run(`echo $((${'('.repeat(20000)}1${')'.repeat(20000)}))`)
  assert.deepEqual([deep.err, deep.status], ['sh: Out of space\n', 2])
  const unary = await run(`echo $((${'- '.repeat(20000)}1))`)
  assert.deepEqual([unary.err, unary.status], ['sh: Out of space\n', 2])
  assert.equal((await run(`echo $((${'('.repeat(60)}7${')'.repeat(60)}))`)).out, '7\n')
  // Constants out of range clamp as strtoimax does; a variable out of range is an error.
  assert.equal((await run('echo $((99999999999999999999))')).out, '9223372036854775807\n')
  const v = await run('x=99999999999999999999; echo $((x + 1))')
  assert.deepEqual([v.err, v.status], ['sh: arithmetic expression: variable conversion error\n', 2])
  const d = await run('echo $(( (-9223372036854775807 - 1) / -1 ))')
  assert.deepEqual([d.err, d.status], ['sh: arithmetic expression: divide error\n', 2])
})

test('limits: a string grown without bound stops the script with "Out of space"', async () => {
  const r = await run('x=a; while :; do x=$x$x; done; echo never')
  assert.deepEqual([r.out, r.err, r.status], ['', 'sh: Out of space\n', 2])
  // Past JavaScript's own string limit (an expansion, not an assignment) it is the same message.
  const big = await run(`x=$(printf '%016777216d' 0); y="${'$x'.repeat(40)}"; echo never`)
  assert.deepEqual([big.out, big.err, big.status], ['', 'sh: Out of space\n', 2])
})

test('limits: printf field widths and precisions are bounded as FreeBSD printf bounds them', async () => {
  const huge = await run('printf \'%999999999d|\' 1; echo " $?"')
  assert.deepEqual([huge.out, huge.err], [' 1\n', 'printf: Cannot allocate memory\n'])
  const star = await run('printf \'%*d|\' 99999999999 1; echo " $?"')
  assert.deepEqual([star.out, star.err], [' 1\n', 'printf: 99999999999: Result too large\n'])
  // Over INT_MAX C's printf fails that conversion (EOVERFLOW): FreeBSD prints nothing for it.
  assert.equal((await run("printf '%99999999999d|\\n' 1")).out, '|\n')
  assert.equal((await run("printf '%.200f' 0.5")).out, `0.5${'0'.repeat(199)}`)
  assert.equal((await run("printf '%.5d|%5.3x|%*d|%-*d|\\n' 42 255 -4 7 3 8")).out, '00042|  0ff|7   |8  |\n')
  const range = await run("printf '%d\\n' 99999999999999999999")
  assert.deepEqual(
    [range.out, range.err],
    ['9223372036854775807\n', 'printf: 99999999999999999999: Result too large\n'],
  )
})

test('limits: bad regular expressions and patterns speak regerror(3), not JavaScript', async () => {
  const r = await run(
    "for re in '(' 'a{2,1}' '*a' '[z-a]'; do echo a | grep -E \"$re\"; done; echo a | grep 'a\\'",
  )
  assert.equal(
    r.err,
    [
      'grep: parentheses not balanced',
      'grep: invalid repetition count(s)',
      'grep: repetition-operator operand invalid',
      'grep: invalid character range',
      'grep: trailing backslash (\\)',
      '',
    ].join('\n'),
  )
  // A reversed range in a shell pattern matches nothing (fnmatch), it is not an error.
  const p = await run(
    'case a in [z-a]) echo m;; *) echo n;; esac; case q in [!z-a]) echo y;; esac; x=abc; echo ${x#[z-a]}',
  )
  assert.deepEqual([p.out, p.err], ['n\ny\nabc\n', ''])
})
