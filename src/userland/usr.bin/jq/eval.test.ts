/**
 * jq's filter language without the command around it: parse.ts's grammar and eval.ts's outputs on
 * a libxo-like document (expected outputs checked against jq 1.6), jq's value order, and the
 * compile-time checks (unknown functions and variables, syntax) that make `jq` exit 3.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { check } from './check.js'
import { Evaluator, type J, JqError } from './eval.js'
import { formatJson, JsonStream } from './json.js'
import { CompileError, parse } from './parse.js'

const DOC =
  '{"arp":{"arp-cache":[{"hostname":"?","ip-address":"192.0.2.2","expires":1199,"permanent":false},' +
  '{"hostname":"?","ip-address":"192.0.2.7","permanent":true}]},"n":[3,1,2],"s":"abc-def","e":{},"z":null}'

function run(filter: string, input = DOC, vars: Record<string, J> = {}): string[] {
  const prog = parse(filter)
  check(prog, new Set(Object.keys(vars)))
  const v = new JsonStream(input).next() as J
  return [...new Evaluator().run(prog, v, new Map(Object.entries(vars)))].map((x) => formatJson(x, true))
}

test('paths: .a.b, ."quoted", .["k"], .a["k"], .[N] (negative, past the end), .[], .[]?, slices', () => {
  assert.deepEqual(run('.arp."arp-cache"[]["ip-address"]'), ['"192.0.2.2"', '"192.0.2.7"'])
  assert.deepEqual(run('.arp."arp-cache"[].["ip-address"]'), ['"192.0.2.2"', '"192.0.2.7"'])
  assert.deepEqual(run('.["s"], .n[0], .n[-1], .n[5], .missing.x, .z'), [
    '"abc-def"',
    '3',
    '2',
    'null',
    'null',
    'null',
  ])
  assert.deepEqual(run('.n[1:], .n[:1], .s[1:3], .[]?'), [
    '[1,2]',
    '[3]',
    '"bc"',
    '{"arp-cache":[{"hostname":"?","ip-address":"192.0.2.2","expires":1199,"permanent":false},{"hostname":"?","ip-address":"192.0.2.7","permanent":true}]}',
    '[3,1,2]',
    '"abc-def"',
    '{}',
    'null',
  ])
  assert.deepEqual(run('.n[]?, (.s[]?), (.s.x?), [.[] | .x?]'), ['3', '1', '2', '[null,null,null]'])
})

test('pipes, commas, parentheses, literals, comparison, and/or/not, // and if', () => {
  assert.deepEqual(run('[.n[] | select(. >= 2)] | length'), ['2'])
  assert.deepEqual(run('[.arp."arp-cache"[] | select(.permanent) | ."ip-address"]'), ['["192.0.2.7"]'])
  assert.deepEqual(run('[.n[] | . > 1 and . < 3], (.z // "dflt"), (false or null), (1 | not)'), [
    '[false,false,true]',
    '"dflt"',
    'false',
    'false',
  ])
  assert.deepEqual(run('(1,2) + (10,20)'), ['11', '12', '21', '22'])
  assert.deepEqual(
    run('null == false, [1,2] < [1,3], {"a":1} == {"a":1}, "a" < "b", ([] > {} | not), 1 != 1.0'),
    ['false', 'true', 'true', 'true', 'true', 'false'],
  )
  assert.deepEqual(run('if .z then 1 elif .n then 2 else 3 end, (.n[] as $x | $x + 1), [.[] | type]'), [
    '2',
    '4',
    '2',
    '3',
    '["object","array","string","object","null"]',
  ])
  assert.deepEqual(run('"a\\tb", -1.5e3, true, [], {}'), ['"a\\tb"', '-1500', 'true', '[]', '{}'])
})

test('builtins: length, keys, map, has, first, last, test, add, sort, join, to_entries, select', () => {
  assert.deepEqual(
    run('.n | map(. * 2), length, (keys|length), sort, first, last, add, first(.[] | select(. < 3))'),
    ['[6,2,4]', '3', '3', '[1,2,3]', '3', '2', '6', '1'],
  )
  assert.deepEqual(
    run('.s | test("c-d"), test("^C"; "i"), test("^A"; "i"), length, startswith("ab"), split("-")'),
    ['true', 'false', 'true', '7', 'true', '["abc","def"]'],
  )
  assert.deepEqual(run('.e | keys, length'), ['[]', '0'])
  assert.deepEqual(run('{"b":1,"a":2} | keys, keys_unsorted, to_entries'), [
    '["a","b"]',
    '["b","a"]',
    '[{"key":"b","value":1},{"key":"a","value":2}]',
  ])
  assert.deepEqual(run('.n | has(0), has(7), (["x","y"] | join("-"))'), ['true', 'false', '"x-y"'])
  assert.deepEqual(run('.z | length'), ['0'])
  assert.deepEqual(run('[limit(2; .n[])], [limit(0; 1, 2)], "ab" * 2, "ab" * 0'), [
    '[3,1]',
    '[]',
    '"abab"',
    'null',
  ])
})

test('construction: {a: f}, {"k": f}, {(f): g}, shorthand {a}, {$v}, arrays, and one object per combination', () => {
  assert.deepEqual(run('{ip: .arp."arp-cache"[0]."ip-address", k: (.e|keys)}'), ['{"ip":"192.0.2.2","k":[]}'])
  assert.deepEqual(run('{a: (1,2), "b": 3}', 'null'), ['{"a":1,"b":3}', '{"a":2,"b":3}'])
  assert.deepEqual(run('{(.s): 1, z, $v}', DOC, { v: 'x' }), ['{"abc-def":1,"z":null,"v":"x"}'])
  assert.deepEqual(run('{a: [1,2,3] | length}, {a: 1, b: 2 | 3}', 'null'), ['{"a":3}', '{"a":1,"b":3}'])
})

test("errors carry jq 1.7's messages; what came before an error is still output", () => {
  const errs: Array<[string, string, string]> = [
    ['.a', '1', 'Cannot index number with "a"'],
    ['.[0]', '{}', 'Cannot index object with number'],
    ['.[]', '"a"', 'Cannot iterate over string ("a")'],
    ['.[]', 'null', 'Cannot iterate over null'],
    ['has(1)', '{}', 'Cannot check whether object has a number key'],
    ['keys', '5', 'number (5) has no keys'],
    ['. + 1', '"a"', 'string ("a") and number (1) cannot be added'],
    ['length', 'true', 'boolean (true) has no length'],
    ['error("boom")', 'null', 'boom'],
  ]
  for (const [f, input, msg] of errs)
    assert.throws(
      () => run(f, input),
      (e: unknown) => e instanceof JqError && e.message === msg,
      f,
    )
  const got: J[] = []
  assert.throws(() => {
    for (const x of new Evaluator().run(
      parse('.[] | .x'),
      new JsonStream('[{"x":1},2]').next() as J,
      new Map(),
    ))
      got.push(x)
  }, JqError)
  assert.deepEqual(got, [1])
})

test('compile errors: syntax, unknown functions and variables, before any input', () => {
  for (const [f, msg] of [
    ['.[', 'syntax error, unexpected $end'],
    ['{a: 1 + 2}', "syntax error, unexpected '+'"],
    ['1 == 2 == 3', "syntax error, unexpected '=='"],
    ['foo', 'foo/0 is not defined'],
    ['map', 'map/0 is not defined'],
    ['$x', '$x is not defined'],
    ['"\\(1"', 'syntax error, unterminated string'],
    ['.a = 1 = 2', "syntax error, unexpected '='"],
    ['def f(x): x; f', 'f/0 is not defined'],
    ['def f: g; 1', 'g/0 is not defined'],
    ['reduce .[] as $x (0; $y)', '$y is not defined'],
    ['@base32', 'base32 is not a valid format'],
  ]) {
    assert.throws(
      () => check(parse(f), new Set()),
      (e: unknown) => e instanceof CompileError && e.message === msg,
      f,
    )
  }
})
