/**
 * jq's control flow and the builtins scripts use beyond the basics: try/catch and error values,
 * label/break, destructuring and `?//`, `$__loc__`, limit/first/last/nth/until/while/repeat,
 * paths, entries, strings, containment, streams, dates. Every expected output of the table is what
 * jq 1.6 prints for the same program and input where jq 1.7 agrees; the tests after it are jq
 * 1.7's own behaviour (from its manual) where 1.6 differed or lacked the builtin.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { jqRun as run } from '../../../testing/jq.js'
import { check } from './check.js'
import { JqError } from './eval.js'
import { CompileError, parse } from './parse.js'

/** [program, input, outputs (compact JSON)]. */
const CASES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['ascii_downcase, ascii_upcase', '"aBc\u00c9"', ['"abc\u00c9"', '"ABC\u00c9"']],
  [
    '[.[] as [$a, $b] | {a: $a, b: $b}]',
    '[[0], [0, 1], [2, 1, 0]]',
    ['[{"a":0,"b":null},{"a":0,"b":1},{"a":2,"b":1}]'],
  ],
  ['. as {a: $x, b: [$y, $z]} | [$x, $y, $z]', '{"a":1,"b":[2,3]}', ['[1,2,3]']],
  ['. as {$a, b: {$c}} | [$a, $c]', '{"a":1,"b":{"c":4}}', ['[1,4]']],
  ['. as {"a": $x} | $x', '{"a":5}', ['5']],
  ['. as {("a","b"): $x} | $x', '{"a":5,"b":6}', ['5', '6']],
  ['.[] as [$a] ?// $a | $a', '[[1], 2]', ['1', '2']],
  ['try error catch .', '{"a":1}', ['{"a":1}']],
  ['try error("x") catch .', 'null', ['"x"']],
  ['[.[] | try if . == 2 then error("no") else . end catch "caught"]', '[1,2,3]', ['[1,"caught",3]']],
  ['try (1, error("x"), 3) catch .', 'null', ['1', '"x"']],
  ['[label $f | range(10) | ., (select(. == 3) | break $f)]', 'null', ['[0,1,2,3]']],
  ['label $out | reduce .[] as $x (0; if $x > 2 then ., break $out else . + $x end)', '[1,2,3,4]', []],
  ['[limit(3; repeat(1))]', 'null', ['[1,1,1]']],
  ['[range(0; 10; 3)], [range(5; 0; -2)]', 'null', ['[0,3,6,9]', '[5,3,1]']],
  ['[.[] | tostring]', '[1,"1",[1],{"a":1}]', ['["1","1","[1]","{\\"a\\":1}"]']],
  [
    '[tostream]',
    '{"a":[1,{"b":2}],"c":[]}',
    ['[[["a",0],1],[["a",1,"b"],2],[["a",1,"b"]],[["a",1]],[["c"],[]],[["c"]]]'],
  ],
  ['fromstream(tostream)', '{"a":[1,{"b":2}]}', ['{"a":[1,{"b":2}]}']],
  ['[1|truncate_stream([[0],1],[[1,0],2],[[1,0]],[[1]])]', 'null', ['[[[0],2],[[0]]]']],
  ['todate', '1425599621', ['"2015-03-05T23:53:41Z"']],
  ['"2015-03-05T23:51:47Z" | fromdate', 'null', ['1425599507']],
  ['gmtime', '1425599621', ['[2015,2,5,23,53,41,4,63]']],
  ['gmtime | mktime', '1425599621', ['1425599621']],
  [
    'strftime("%A, %B %d, %Y %j %e %I %p %a %b %H:%M:%S %Z")',
    '1425599621',
    ['"Thursday, March 05, 2015 064  5 11 PM Thu Mar 23:53:41 UTC"'],
  ],
  ['strptime("%Y-%m-%dT%H:%M:%SZ")', '"2015-03-05T23:51:47Z"', ['[2015,2,5,23,51,47,4,63]']],
  ['indices(", ")', '"a, b, c"', ['[1,4]']],
  ['indices(1), indices([1,2])', '[0,1,2,1,3,1,2]', ['[1,3,5]', '[1,5]']],
  ['index(","), rindex(",")', '"a,b, cd, efg"', ['1', '7']],
  ['explode', '"a\u00e9"', ['[97,233]']],
  ['[.[] | tojson | fromjson]', '[1,"a",{"b":null}]', ['[1,"a",{"b":null}]']],
  ['try ("{" | fromjson) catch "bad"', 'null', ['"bad"']],
  ['flatten, flatten(1)', '[1,[2,[3,[4]]]]', ['[1,2,3,4]', '[1,2,[3,[4]]]']],
  ['group_by(.a) | map(length)', '[{"a":1},{"a":2},{"a":1}]', ['[2,1]']],
  ['unique_by(length)', '["a","bb","c","dd"]', ['["a","bb"]']],
  ['min_by(.x), max_by(.x)', '[{"x":3},{"x":1},{"x":3}]', ['{"x":1}', '{"x":3}']],
  ['min, max', '[3,1,2]', ['1', '3']],
  ['[.[] | [isinfinite, isnan, isnormal]]', '[1, 0]', ['[[false,false,true],[false,false,false]]']],
  ['[infinite, -infinite] | map(isinfinite)', 'null', ['[true,true]']],
  ['with_entries(.value += 1)', '{"a":1,"b":2}', ['{"a":2,"b":3}']],
  ['to_entries', '{"a":1}', ['[{"key":"a","value":1}]']],
  ['paths(type == "number")', '{"a":[1]}', ['["a",0]']],
  ['[paths]', '[[1]]', ['[[0],[0,0]]']],
  ['getpath(["a","b"])', '{"a":{"b":5}}', ['5']],
  ['[getpath(["a","b"], ["x"])]', '{"a":{"b":5}}', ['[5,null]']],
  ['delpaths([["a"],["b",0]])', '{"a":1,"b":[1,2]}', ['{"b":[2]}']],
  ['setpath(["a",1]; 5)', 'null', ['{"a":[null,5]}']],
  ['to_entries', '[5]', ['[{"key":0,"value":5}]']],
  ['ltrimstr("a"), rtrimstr("c")', '"abc"', ['"bc"', '"ab"']],
  ['ltrimstr(1)', '"abc"', ['"abc"']],
  ['@base64d', '"YWJj"', ['"abc"']],
  ['@sh', '"it\'s"', ["\"'it'\\\\''s'\""]],
  ['@uri', '"\u00fc x"', ['"%C3%BC%20x"']],
  ['input_line_number', '1', ['0']],
  ['$__loc__', 'null', ['{"file":"<top-level>","line":1}']],
  ['env | type', 'null', ['"object"']],
  ['[first(range(10)), last(range(10)), nth(5; range(10))]', 'null', ['[0,9,5]']],
  ['[.[] | until(. > 100; . * 2)]', '[1, 3]', ['[128,192]']],
  ['[while(. < 10; . + 3)]', '1', ['[1,4,7]']],
  ['isempty(empty), isempty(1,error("x"))', 'null', ['true', 'false']],
  ['[combinations]', '[[1,2],[3,4]]', ['[[1,3],[1,4],[2,3],[2,4]]']],
  ['[combinations(2)]', '[0,1]', ['[[0,0],[0,1],[1,0],[1,1]]']],
  ['walk(if type == "number" then . + 1 else . end)', '[1,{"a":2}]', ['[2,{"a":3}]']],
  ['transpose', '[[1,2],[3]]', ['[[1,3],[2,null]]']],
  ['[.[] | in({"a":1})]', '["a","b"]', ['[true,false]']],
  ['inside("foobar")', '"bar"', ['true']],
  ['any(.[]; . > 2), all(.[]; . > 0)', '[1,2,3]', ['true', 'true']],
  ['any, all', '[]', ['false', 'true']],
  ['add', '[]', ['null']],
  ['join(",")', '["a",1,null,true]', ['"a,1,,true"']],
  ['try join(",") catch .', '[[1]]', ['"string (\\"\\") and array ([1]) cannot be added"']],
  ['ascii_downcase', '"\u00c0B"', ['"\u00c0b"']],
  ['[.[] | numbers]', '[1,"a",null]', ['[1]']],
  ['[.[] | scalars]', '[1,"a",null,[1],{}]', ['[1,"a",null]']],
  ['getpath(["a",0,"b"])', 'null', ['null']],
  ['. as [$a, [$b]] | [$a,$b]', '[1]', ['[1,null]']],
  ['[.[] as {a: $x} ?// [$x] | $x]', '[{"a":1},[2]]', ['[1,2]']],
  ['.. |= (if type == "number" then . + 1 else . end)', '[1,[2]]', ['[2,[3]]']],
  ['[..]', '[[1]]', ['[[[1]],[1],1]']],
  ['limit(-1; 1, 2)', 'null', ['1', '2']],
  ['first(empty)', 'null', []],
  ['try error({"a":1}) catch .a', 'null', ['1']],
  ['"abc" | .[1:]', 'null', ['"bc"']],
  ['tojson', '1.5', ['"1.5"']],
  ['@text "v=\\(.)"', '[1]', ['"v=[1]"']],
  ['@json "v=\\(.)"', '"x"', ['"v=\\"x\\""']],
  ['{"a":{"b":1}} * {"a":{"c":2}}', 'null', ['{"a":{"b":1,"c":2}}']],
  ['[bsearch(2), bsearch(5)]', '[1,2,3]', ['[1,-4]']],
  ['getpath(["a"]) = 5', '{}', ['{"a":5}']],
  ['[paths(..)]', '[[1]]', ['[[0],[0],[0,0]]']],
  ['pick(.a.b)', '{"a":{"b":1,"c":2},"d":3}', ['{"a":{"b":1}}']],
  ['abs', '-5', ['5']],
  ['significand', '8', ['1']],
]

test(`control flow and builtins: ${CASES.length} programs give jq's outputs`, () => {
  for (const [f, input, want] of CASES) assert.deepEqual(run(f, input), want, `${f} <<< ${input}`)
})

test('try/catch: the error value reaches catch; errors after the try, and break, are not caught', () => {
  assert.deepEqual(run('try error({"a":1}) catch .a, (try error(null) catch type)', 'null'), ['1', '"null"'])
  assert.deepEqual(run('[.[] | try error catch .]', '[1,"x",null]'), ['[1,"x",null]'])
  assert.throws(
    () => run('(try (1,2) catch 0) | error("after")', 'null'),
    (e: unknown) => e instanceof JqError && e.message === 'after',
  )
  assert.throws(
    () => run('error({"a":1})', 'null'),
    (e: unknown) => e instanceof JqError && e.message === '{"a":1} (not a string)',
  )
  assert.deepEqual(run('[label $out | 1, (try break $out catch 9), 2]', 'null'), ['[1]'])
  assert.deepEqual(
    run(
      '[label $a | label $b | 1, break $a, 2], [.[] | label $x | if . > 1 then break $x else . end]',
      '[1,2,3]',
    ),
    ['[1]', '[1]'],
  )
  assert.deepEqual(run('try (1/0) catch "div"', '1'), ['"div"'])
  assert.deepEqual(run('[.[] | (.a)?]', '[1,{"a":2}]'), ['[2]'])
})

test('compile errors: break without its label, patterns, try', () => {
  for (const [f, msg] of [
    ['break $x', '$*label-x is not defined'],
    ['label $x | 1 | break $y', '$*label-y is not defined'],
    ['. as [$a | $a', "syntax error, unexpected '|'"],
    ['. as {a} | 1', "syntax error, unexpected '}'"],
    ['. as [$a] | $b', '$b is not defined'],
    ['. as [$a] ?// {$b} | $a, $b', ''],
    ['try', 'syntax error, unexpected $end'],
  ]) {
    if (msg === '') {
      check(parse(f), new Set())
      continue
    }
    assert.throws(
      () => check(parse(f), new Set()),
      (e: unknown) => e instanceof CompileError && e.message === msg,
      f,
    )
  }
})

test('jq 1.7 where 1.6 differs or lacks: limit(-1), abs, pick, splits, $__loc__ lines, dates, ascii_downcase', () => {
  assert.deepEqual(run('[limit(-1; 1, 2)]', 'null'), ['[1,2]'])
  assert.deepEqual(run('.a | abs', '{"a":-5}'), ['5'])
  assert.deepEqual(run('pick(.a.b, .c[1])', '{"a":{"b":1,"x":2},"c":[5,6,7]}'), [
    '{"a":{"b":1},"c":[null,6]}',
  ])
  assert.deepEqual(run('1 as $x |\n$__loc__', 'null'), ['{"file":"<top-level>","line":2}'])
  assert.deepEqual(run('todate, (todate | fromdate), (gmtime | todate)', '1700000000'), [
    '"2023-11-14T22:13:20Z"',
    '1700000000',
    '"2023-11-14T22:13:20Z"',
  ])
  assert.deepEqual(run('strptime("%d %b %Y %H:%M") | mktime', '"05 Mar 2015 23:51"'), ['1425599460'])
  assert.deepEqual(run('[.[] | ascii_downcase]', '["ÀBc"]'), ['["Àbc"]'])
  assert.deepEqual(run('[splits(", *"; null)], ([.[]?] | length)', '"a, b,c"'), ['["a","b","c"]', '0'])
  assert.deepEqual(run('getpath(["a",0,"b"]), ([paths(..)] | length)', '{"a":[{"b":1}]}'), ['1', '6'])
})
