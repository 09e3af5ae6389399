/**
 * jq's language beyond paths and operators: string interpolation (the first `\(…)` varying
 * fastest), `reduce`, `foreach`, `def` with filter and `$` parameters and recursion, `paths`,
 * `leaf_paths`, `path(f)`, the `@format`s, assignment (`=`, `|=`, `+=` … `//=`, with `|= empty`
 * deleting as jq 1.7 does), `del`, `to_entries`/`from_entries`/`with_entries`,
 * `getpath`/`setpath`/`delpaths`, `range`, `recurse`. Every expected output below is what jq
 * (Debian's 1.6, which agrees with 1.7 on all of these) prints for the same filter and input; then
 * jq 1.7's @html entity, the invalid-path error and `-R`.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { jqRun as run } from '../../../testing/jq.js'
import { sh, virtualHost } from '../../../testing/net_lab.js'
import { JqError } from './eval.js'

const CASES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['"\\(.a) and \\(.b)"', '{"a":1,"b":"x"}', ['"1 and x"']],
  ['"x\\(1,2)y\\(3,4)"', 'null', ['"x1y3"', '"x2y3"', '"x1y4"', '"x2y4"']],
  ['reduce .[] as $x (0; . + $x)', '[1,2,3]', ['6']],
  ['[foreach .[] as $x (0; . + $x)]', '[1,2,3]', ['[1,3,6]']],
  ['[foreach .[] as $x (0; . + $x; [$x, .])]', '[1,2,3]', ['[[1,1],[2,3],[3,6]]']],
  ['def f: . * 2; map(f)', '[1,2]', ['[2,4]']],
  ['def f(g): [g, g]; f(.a)', '{"a":3}', ['[3,3]']],
  ['def f($x): $x + .; f(10)', '5', ['15']],
  ['def f(x; $y): x + $y + y; f(.a; 2)', '{"a":1}', ['5']],
  ['def fac: if . <= 1 then 1 else . * (. - 1 | fac) end; fac', '5', ['120']],
  ['[paths]', '{"a":[1,{"b":2}]}', ['[["a"],["a",0],["a",1],["a",1,"b"]]']],
  ['[leaf_paths]', '{"a":[1,{"b":2}]}', ['[["a",0],["a",1,"b"]]']],
  ['[paths(type == "number")]', '{"a":[1,{"b":2}]}', ['[["a",0],["a",1,"b"]]']],
  ['@text', '[1,"a"]', ['"[1,\\"a\\"]"']],
  ['@json', '{"a":"x\\"y"}', ['"{\\"a\\":\\"x\\\\\\"y\\"}"']],
  ['@csv', '[1,"a\\"b",null,true]', ['"1,\\"a\\"\\"b\\",,true"']],
  ['@tsv', '["a\\tb","c\\\\d",1]', ['"a\\\\tb\\tc\\\\\\\\d\\t1"']],
  ['@sh', '["a b","it\'s",3]', ["\"'a b' 'it'\\\\''s' 3\""]],
  ['@sh "echo \\(.)"', '"a\'b"', ["\"echo 'a'\\\\''b'\""]],
  ['@base64', '"hello, world"', ['"aGVsbG8sIHdvcmxk"']],
  ['@base64d', '"aGVsbG8sIHdvcmxk"', ['"hello, world"']],
  ['@uri', '"a b&c=d/\u00e9~"', ['"a%20b%26c%3Dd%2F%C3%A9~"']],
  ['@csv "x,\\(.)"', '[1,2]', ['"x,1,2"']],
  ['.a = 1', '{"a":0,"b":2}', ['{"a":1,"b":2}']],
  ['.a |= . + 1', '{"a":1}', ['{"a":2}']],
  ['.[] += 10', '[1,2]', ['[11,12]']],
  ['.a -= 1', '{"a":5}', ['{"a":4}']],
  ['.a *= 2', '{"a":5}', ['{"a":10}']],
  ['.a /= 2', '{"a":5}', ['{"a":2.5}']],
  ['.a %= 2', '{"a":5}', ['{"a":1}']],
  ['.a //= 7', '{"a":null}', ['{"a":7}']],
  ['.b //= 7', '{"b":3}', ['{"b":3}']],
  ['.a.b.c = 1', 'null', ['{"a":{"b":{"c":1}}}']],
  ['.[2] = 1', '[]', ['[null,null,1]']],
  ['(.a, .b) = (1, 2)', '{}', ['{"a":1,"b":1}', '{"a":2,"b":2}']],
  ['.[] |= empty', '[1,2,3]', ['[2]']],
  ['(.. | select(type == "number")) |= . * 10', '{"a":[1,{"b":2}]}', ['{"a":[10,{"b":20}]}']],
  ['del(.a)', '{"a":1,"b":2}', ['{"b":2}']],
  ['del(.[1, 2])', '[0,1,2,3]', ['[0,3]']],
  ['del(.[] | select(. > 1))', '[1,2,3]', ['[1]']],
  ['to_entries', '{"a":1,"b":2}', ['[{"key":"a","value":1},{"key":"b","value":2}]']],
  ['from_entries', '[{"key":"a","value":1},{"name":"b","value":2}]', ['{"a":1,"b":2}']],
  ['with_entries(.value += 1)', '{"a":1}', ['{"a":2}']],
  ['getpath(["a","b"])', '{"a":{"b":5}}', ['5']],
  ['getpath(["x","y"])', '{}', ['null']],
  ['setpath(["a","b"]; 1)', 'null', ['{"a":{"b":1}}']],
  ['setpath([0]; 1)', '[5]', ['[1]']],
  ['delpaths([["a"],["b",0]])', '{"a":1,"b":[1,2]}', ['{"b":[2]}']],
  ['[path(..)]', '{"a":[1]}', ['[[],["a"],["a",0]]']],
  ['path(.a[0].b)', 'null', ['["a",0,"b"]']],
  ['[path(.a[1:2])]', 'null', ['[["a",{"start":1,"end":2}]]']],
  ['.[1:3] = ["x"]', '[1,2,3,4]', ['[1,"x",4]']],
  ['.a[1:] |= map(.*2)', '{"a":[1,2,3]}', ['{"a":[1,4,6]}']],
  ['[range(3)]', 'null', ['[0,1,2]']],
  ['[range(1;4)]', 'null', ['[1,2,3]']],
  ['[recurse]', '[[1]]', ['[[[1]],[1],1]']],
  ['"\\(.)"', '{"a":[1,2]}', ['"{\\"a\\":[1,2]}"']],
  ['tojson', '[1,"a"]', ['"[1,\\"a\\"]"']],
  ['[.[] | ltrimstr("a")]', '["ab","b"]', ['["b","b"]']],
  ['.a = (1,2)', '{}', ['{"a":1}', '{"a":2}']],
  ['reduce range(5) as $i ([]; . + [$i * 2])', 'null', ['[0,2,4,6,8]']],
]

test('filters give what jq gives, output for output', () => {
  for (const [f, input, want] of CASES) assert.deepEqual(run(f, input), want, `${f} <<< ${input}`)
})

test("@html uses jq 1.7's &#39;; a filter that is not a path cannot be assigned; shadowing and scope", () => {
  assert.deepEqual(run('@html', `"<a href='x'>&\\"</a>"`), [
    '"&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"',
  ])
  assert.throws(
    () => run('path(1)', 'null'),
    (e: unknown) => e instanceof JqError && e.message === 'Invalid path expression with result 1',
  )
  assert.throws(() => run('(.a | tostring) = 1', '{"a":1}'), JqError)
  // An inner def shadows an outer one; a function sees the definitions around it, not its caller's.
  assert.deepEqual(run('def f: 1; def g: f; def f: 2; [f, g]', 'null'), ['[2,1]'])
  assert.deepEqual(run('def f(x): x | x; 2 | f(. * 3)', 'null'), ['18'])
  assert.deepEqual(run('[.[] as $x | $x * 2] | @csv', '[1,2]'), ['"2,4"'])
})

test('jq -R: each line a string; -Rs: the whole text; splits on a raw line', async () => {
  const r = await sh(
    virtualHost(),
    `printf 'a b\\n"c"\\nd' | jq -R .
printf 'x\\ny\\n' | jq -Rs .
printf '1,2\\n3,4\\n' | jq -Rr 'split(",") | map(tonumber) | add'
printf 'k=v\\n' | jq -R -c '[splits("=")]'; echo rc=$?`,
  )
  assert.equal(r.out, '"a b"\n"\\"c\\""\n"d"\n"x\\ny\\n"\n3\n7\n["k","v"]\nrc=0\n')
})
