// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell scripts, where ${...} is shell syntax
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evalArith, parseInteger } from './arith.js'
import { type ExpandHost, expandFields, expandPattern, expandString, splitForRead } from './expand.js'
import { parse, type Word } from './parser.js'
import { matchPattern, trimPattern } from './pattern.js'
import { FatalError } from './signals.js'

/** A host with plain variables; command substitution returns the body's first word plus a newline. */
function host(vars: Record<string, string>, params: string[] = [], nounset = false): ExpandHost {
  const v = new Map(Object.entries(vars))
  return {
    param: (n) => (/^[1-9]$/.test(n) ? params[Number(n) - 1] : n === '#' ? String(params.length) : v.get(n)),
    params: () => params,
    assign: (n, x) => void v.set(n, x),
    commandSubst: async (body) => {
      const s = body.items[0]?.node
      return s?.type === 'simple'
        ? s.words.map((w) => (w.parts[0].type === 'lit' ? w.parts[0].text : '')).join(' ') + '\n\n'
        : ''
    },
    nounset,
  }
}

/** The words of `: WORDS` as the parser sees them. */
function words(src: string): Word[] {
  const n = parse(': ' + src).items[0].node
  assert.ok(n.type === 'simple')
  return n.words.slice(1) as Word[]
}

const fields = (src: string, h: ExpandHost) => expandFields(words(src), h)

test('expand: parameters and quoting', async () => {
  const h = host({ a: 'x y', e: '', s: ' lead  trail ' })
  assert.deepEqual(await fields('$a "$a" ${a}z "${a}"z \'$a\' \\$a', h), [
    'x',
    'y',
    'x y',
    'x',
    'yz',
    'x yz',
    '$a',
    '$a',
  ])
  assert.deepEqual(await fields('$e "$e" $unset "" x$e', h), ['', '', 'x'])
  assert.deepEqual(await fields('$s', h), ['lead', 'trail'])
  assert.deepEqual(await fields('"$s"', h), [' lead  trail '])
})

test('expand: ${...} operators', async () => {
  const h = host({ ea: 'epair0a', path: '/usr/local/bin', e: '', n: 'abcabc' })
  const one = async (src: string) => (await fields(src, h)).join('|')
  assert.equal(await one('${ea%a}b'), 'epair0b')
  assert.equal(await one('${path%/*} ${path%%/*}x ${path#*/} ${path##*/}'), '/usr/local|x|usr/local/bin|bin')
  assert.equal(await one('${n%b*} ${n%%b*} ${n#*b} ${n##*b}'), 'abca|a|cabc|c')
  assert.equal(await one('${n%[bc]} ${n#?} ${n%"c"} ${n%\\*}'), 'abcab|bcabc|abcab|abcabc')
  assert.equal(await one('${u:-def} ${e:-def} ${e-def}x ${u-def}'), 'def|def|x|def')
  assert.equal(await one('${u:-a b} "${u:-a b}" ${u:-"a b"}'), 'a|b|a b|a b')
  assert.equal(await one('${ea:+alt} ${e:+alt}x ${e+alt} ${u+alt}y'), 'alt|x|alt|y')
  assert.equal(await one('${#ea} ${#u} ${#}'), '7|0|0')
  assert.equal(await one('${v:=set} $v'), 'set|set')
  await assert.rejects(
    one('${u:?is missing}'),
    (e: unknown) => e instanceof FatalError && /u: is missing/.test(e.message),
  )
  await assert.rejects(one('${e:?}'), /e: parameter null or not set/)
  assert.equal(await one('${e?}x'), 'x')
})

test('expand: positional parameters, $@ and $*', async () => {
  const h = host({}, ['a b', '', 'c'])
  assert.deepEqual(await fields('"$@"', h), ['a b', '', 'c'])
  assert.deepEqual(await fields('x"$@"y', h), ['xa b', '', 'cy'])
  assert.deepEqual(await fields('$@', h), ['a', 'b', 'c'])
  assert.deepEqual(await fields('"$*"', h), ['a b  c'])
  assert.deepEqual(await fields('$1 $3 $# ${#}', h), ['a', 'b', 'c', '3', '3'])
  assert.deepEqual(await fields('"$@"', host({}, [])), [])
  assert.deepEqual(await fields('"$*"', host({ IFS: ':' }, ['a', 'b'])), ['a:b'])
})

test('expand: field splitting follows IFS', async () => {
  const split = async (ifs: string | undefined, v: string) =>
    fields('$v', host(ifs === undefined ? { v } : { IFS: ifs, v }))
  assert.deepEqual(await split(undefined, '  a \t b\nc  '), ['a', 'b', 'c'])
  assert.deepEqual(await split(':', 'a::b:'), ['a', '', 'b'])
  assert.deepEqual(await split(':', ':a'), ['', 'a'])
  assert.deepEqual(await split(' :', 'a : b'), ['a', 'b'])
  assert.deepEqual(await split(' :', 'a :  : b'), ['a', '', 'b'])
  assert.deepEqual(await split('', 'a b'), ['a b'])
  // Literal text in the word is never split; only expansion results are.
  assert.deepEqual(await fields('a:b$v', host({ IFS: ':', v: 'c:d' })), ['a:bc', 'd'])
})

test('expand: command substitution strips trailing newlines and splits unquoted', async () => {
  const h = host({})
  assert.deepEqual(await fields('$(echo a b) "$(echo a b)" `x`', h), ['echo', 'a', 'b', 'echo a b', 'x'])
})

test('expand: arithmetic', async () => {
  const h = host({ i: '5', big: '0x10' })
  assert.deepEqual(await fields('$((i + 1)) $(( (1+2)*3 )) $(($i*2)) $((big+010)) $((-7/2)) $((-7%2))', h), [
    '6',
    '9',
    '10',
    '24',
    '-3',
    '-1',
  ])
  await assert.rejects(
    fields('$((j=3, 1))', h),
    (e: unknown) => e instanceof FatalError && /unexpected ','/.test(e.message),
  )
  assert.deepEqual(await fields('$((i+=2)) $i', host({ i: '1' })), ['3', '3'])
})

test('arith: operators, precedence, short-circuit and errors', () => {
  const vars = new Map<string, string>([['x', '3']])
  const v = { get: (n: string) => vars.get(n), set: (n: string, s: string) => void vars.set(n, s) }
  const ev = (s: string) => Number(evalArith(s, v))
  assert.equal(ev('1 + 2 * 3'), 7)
  assert.equal(ev('(1 + 2) * 3'), 9)
  assert.equal(ev('7 % 3 + 10 / 4'), 3)
  assert.equal(ev('1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 4 || 5 == 5'), 1)
  assert.equal(ev('1 != 1'), 0)
  assert.equal(ev('!0 + ~0 + -x'), -3)
  assert.equal(ev('1 << 4 | 1 & 3 ^ 2'), 19)
  assert.equal(ev('x > 2 ? 10 : 20'), 10)
  assert.equal(ev('0 && (y = 1)'), 0)
  assert.equal(vars.has('y'), false, 'short-circuit skips assignments')
  assert.equal(ev('0 && 1 / 0'), 0, 'and division by zero')
  assert.equal(ev('x *= 2'), 6)
  assert.equal(vars.get('x'), '6')
  assert.equal(ev('unset_var + 1'), 1)
  assert.equal(ev(''), 0)
  assert.equal(evalArith('9223372036854775807 + 1', v), -9223372036854775808n)
  for (const bad of ['1 / 0', '1 +', '(1', '1 2', '08', '3x', '$', 'x = = 1']) {
    assert.throws(() => evalArith(bad, v), FatalError, bad)
  }
  vars.set('s', 'abc')
  assert.throws(() => evalArith('s + 1', v), /bad number/)
  assert.equal(parseInteger(' -0x1f '), -31n)
  assert.equal(parseInteger('1.5'), undefined)
})

test('expand: expandString and expandPattern', async () => {
  const h = host({ a: 'x  y', p: '*.c' }, ['1', '2'])
  const [w1, w2, w3] = words('$a"$@" $p "$p"')
  assert.equal(await expandString(w1, h), 'x  y1 2')
  assert.equal(await expandPattern(w2, h), '*.c')
  assert.equal(await expandPattern(w3, h), '\\*.c')
})

test('expand: set -u', async () => {
  const h = host({ a: '1' }, [], true)
  await assert.rejects(fields('$nope', h), /nope: parameter not set/)
  await assert.rejects(fields('$1', h), /1: parameter not set/)
  assert.deepEqual(await fields('${nope:-ok} ${nope-ok} $a $# $@', h), ['ok', 'ok', '1', '0'])
})

test('pattern: matching and trimming', () => {
  assert.ok(matchPattern('*', ''))
  assert.ok(matchPattern('a?c', 'abc'))
  assert.ok(!matchPattern('a?c', 'ac'))
  assert.ok(matchPattern('[a-c]x', 'bx'))
  assert.ok(matchPattern('[!a-c]x', 'dx'))
  assert.ok(!matchPattern('[!a-c]x', 'ax'))
  assert.ok(matchPattern('[[:digit:]]*', '1abc'))
  assert.ok(matchPattern('[]]', ']'))
  assert.ok(matchPattern('a\\*', 'a*'))
  assert.ok(!matchPattern('a\\*', 'ab'))
  assert.ok(matchPattern('a.b', 'a.b'))
  assert.ok(!matchPattern('a.b', 'axb'))
  assert.ok(matchPattern('[', '['))
  assert.ok(matchPattern('(x|y)', '(x|y)'))
  assert.equal(trimPattern('a.b.c', '.*', '%'), 'a.b')
  assert.equal(trimPattern('a.b.c', '.*', '%%'), 'a')
  assert.equal(trimPattern('a.b.c', '*.', '#'), 'b.c')
  assert.equal(trimPattern('a.b.c', '*.', '##'), 'c')
  assert.equal(trimPattern('abc', 'x', '%'), 'abc')
})

test('splitForRead: POSIX read splitting', () => {
  assert.deepEqual(splitForRead('  a b  c d  ', 2, undefined, false), ['a', 'b  c d'])
  assert.deepEqual(splitForRead('a', 3, undefined, false), ['a', '', ''])
  assert.deepEqual(splitForRead('a:b:c', 2, ':', false), ['a', 'b:c'])
  assert.deepEqual(splitForRead('a\\ b c', 2, undefined, false), ['a b', 'c'])
  assert.deepEqual(splitForRead('a\\ b c', 2, undefined, true), ['a\\', 'b c'])
  assert.deepEqual(splitForRead('  all of it  ', 1, undefined, false), ['all of it'])
})
