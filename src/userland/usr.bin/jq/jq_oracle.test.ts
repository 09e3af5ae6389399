/**
 * Differential test against the real jq when the machine has one (Debian's is 1.6; .ci/run
 * installs it): each program below, chosen where jq 1.6 and 1.7 agree, must print exactly what
 * `jq -c` prints for the same input, errors included (jq 1.6's `Cannot index T with string "k"`
 * read as 1.7's `with "k"`). Skips, saying so, without a jq on PATH.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'
import { check } from './check.js'
import { Evaluator, type J, JqError } from './eval.js'
import { formatJson, JsonStream } from './json.js'
import { parse } from './parse.js'

function realJq(program: string, input: string): string[] | undefined {
  try {
    return execFileSync('jq', ['-c', program], { input, stdio: ['pipe', 'pipe', 'pipe'] })
      .toString()
      .split('\n')
      .filter((l) => l !== '')
  } catch (e) {
    const err = e as { code?: string; stdout?: Buffer; stderr?: Buffer }
    if (err.code === 'ENOENT') return undefined
    const out = (err.stdout?.toString() ?? '').split('\n').filter((l) => l !== '')
    return [
      ...out,
      `error: ${(err.stderr?.toString() ?? '')
        .trim()
        .replace(/^jq: error \(at <stdin>:\d+\): /, '')
        .replace(' with string "', ' with "')}`,
    ]
  }
}

function ours(program: string, input: string): string[] {
  const out: string[] = []
  try {
    const prog = parse(program)
    check(prog, new Set())
    for (const x of new Evaluator().run(prog, new JsonStream(input).next() as J, new Map()))
      out.push(formatJson(x, true))
  } catch (e) {
    if (!(e instanceof JqError)) throw e
    out.push(`error: ${e.message}`)
  }
  return out
}

const PROGRAMS: ReadonlyArray<readonly [string, string]> = [
  [
    '.interfaces[] | select(.name | test("^epair[0-9]+a$")) | .mtu',
    '{"interfaces":[{"name":"epair0a","mtu":1500},{"name":"lo0","mtu":16384}]}',
  ],
  [
    '[.statistics.ip | to_entries[] | select(.value > 0) | .key]',
    '{"statistics":{"ip":{"received-packets":3,"bad-checksum":0}}}',
  ],
  [
    '.route[] | select(.destination == "default") | .gateway',
    '{"route":[{"destination":"default","gateway":"192.0.2.1"}]}',
  ],
  ['[.[] | capture("(?<if>[a-z]+)(?<n>[0-9]+)")]', '["em0","vtnet12"]'],
  ['[.[] | sub("(?<a>[a-z]+)"; "<\\(.a)>")]', '["ab12","x"]'],
  ['gsub("\\\\s+"; " ")', '"a   b \\t c"'],
  ['[scan("\\\\d+") | tonumber] | add', '"a1b22c333"'],
  ['[match("(a)(x)?"; "g") | .captures | map(.offset)]', '"aba"'],
  ['[splits(", *")]', '"a, b,c"'],
  ['[test("A"; "i"), test("a.c"), test("a.c"; "m"), test("b$"), test("^b")]', '"a\\nc\\nb\\n"'],
  ['test("a b c # spaces"; "x")', '"abc"'],
  ['[.[] as [$a, {b: $c}] | [$a, $c]]', '[[1, {"b": 2}], [3]]'],
  ['. as {a: $x, $b} | [$x, $b]', '{"a": 1, "b": 2}'],
  ['[.[] as [$a] ?// $a | $a]', '[[1], 2]'],
  ['[.[] | try error("x\\(.)") catch .]', '[1, 2]'],
  ['try error({"a": 1}) catch .a', 'null'],
  ['[label $out | .[] | if . > 2 then break $out else . end]', '[1, 2, 3, 4]'],
  ['[limit(3; .[])], first(.[]), [.[] | select(. > 1)] | length', '[1, 2, 3, 4]'],
  ['[.[] | until(. > 100; . * 2)], [while(length > 0; .[1:])] | length', '[1, 3]'],
  ['getpath(["a", "b"]), [paths], [leaf_paths], (delpaths([["a"]]) | keys)', '{"a": {"b": 1}, "c": [2]}'],
  ['with_entries(.value += 1), to_entries, (to_entries | from_entries)', '{"a": 1}'],
  ['indices(", "), index(","), rindex(",")', '"a, b, c"'],
  ['[explode, (explode | implode)], utf8bytelength', '"aé"'],
  ['tojson, (tojson | fromjson), @base64, (@base64 | @base64d), @uri, @sh, @csv, @tsv', '["a b", 1]'],
  [
    'todate, (todate | fromdate), gmtime, (gmtime | mktime), strftime("%Y-%m-%d %H:%M:%S %a %b %j")',
    '1425599621',
  ],
  ['strptime("%Y-%m-%dT%H:%M:%SZ")', '"2015-03-05T23:51:47Z"'],
  [
    '(group_by(.a) | map(length)), (min_by(.a) | .a), (max_by(.a) | .a), (unique_by(.a) | length)',
    '[{"a": 2}, {"a": 1}, {"a": 2}]',
  ],
  ['flatten, flatten(1), (map(numbers) | add)', '[1, [2, [3]]]'],
  ['[tostream], fromstream(tostream)', '{"a": [1, {"b": 2}]}'],
  ['contains({a: [1]}), inside({a: [1, 2], b: 3}), ([.[]] | length)', '{"a": [1, 2]}'],
  ['[combinations], transpose', '[[1, 2], [3]]'],
  ['walk(if type == "number" then . + 1 else . end)', '[1, {"a": 2}]'],
  ['.a.b |= . + 1, .c += 1, del(.a), (.. |= .)', '{"a": {"b": 1}, "c": 2}'],
  ['[.[] | tostring], [.[] | ascii_downcase?], (map(tojson) | join(","))', '["A", 1, [1]]'],
  ['.[] | .a', '[{"a": 1}, 2]'],
  ['{} | .a.b.c', 'null'],
  ['"\\(.a) is \\(.b)"', '{"a": "x", "b": [1]}'],
  ['reduce .[] as [$k, $v] ({}; .[$k] = $v)', '[["a", 1], ["b", 2]]'],
  ['[foreach .[] as $x (0; . + $x; [$x, .])]', '[1, 2, 3]'],
  ['input_line_number, $__loc__', 'null'],
]

test('differential: our jq prints what the real jq prints', (t) => {
  if (realJq('.', '1') === undefined) {
    t.skip('no jq on PATH (apt-get install jq): the differential test needs it')
    return
  }
  for (const [program, input] of PROGRAMS)
    assert.deepEqual(ours(program, input), realJq(program, input), `${program} <<< ${input}`)
})
