/**
 * jq's regex builtins (test, match, capture, scan, split/2, splits, sub, gsub) with Oniguruma's
 * Perl NT syntax as jq reads it: every expected output below is what jq 1.6 (Debian's, the same
 * Oniguruma 6.9 that jq 1.7.1 bundles) prints for the same program and input, except where jq 1.7
 * changed it (empty matches at the end, `gsub("";"-")`, scan's flags — marked). Then the
 * constructs JavaScript cannot match the same way, refused with jq's "is not a valid regex".
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { jqRun as run } from '../../../testing/jq.js'
import { JqError } from './eval.js'

/** [program, input, outputs (compact JSON)]. */
const CASES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['[match("a";"g").offset]', '"aXaXa"', ['[0,2,4]']],
  ['[match("";"g").offset]', '"abc"', ['[0,1,2,3]']],
  ['[match("x*";"gn").offset]', '"axxb"', ['[1]']],
  ['[scan("\\\\d+")]', '"a1b22c333"', ['["1","22","333"]']],
  ['[scan("(\\\\w)(\\\\d)")]', '"a1b2"', ['[["a","1"],["b","2"]]']],
  ['[splits(", *")]', '"a, b,c"', ['["a","b","c"]']],
  ['split(", *"; null)', '"a, b,c"', ['["a","b","c"]']],
  ['sub("a";"X")', '"banana"', ['"bXnana"']],
  ['gsub("a";"X")', '"banana"', ['"bXnXnX"']],
  ['gsub("(?<l>[a-z])"; "<\\(.l)>")', '"ab1c"', ['"<a><b>1<c>"']],
  ['gsub("^";">")', '"abc"', ['">abc"']],
  ['gsub("";"-")', '"abc"', ['"-a-b-c-"']],
  ['gsub("\\\\s+";" ")', '"a   b \\t c"', ['"a b c"']],
  ['sub("(?<x>b)";"\\(.x|ascii_upcase)";"g")', '"abcb"', ['"aBcB"']],
  ['[test("A"), test("A";"i"), test("a.c"), test("a.c";"s")]', '"a\\nc"', ['[false,true,false,false]']],
  ['capture("(?<y>\\\\d{4})-(?<m>\\\\d\\\\d)")', '"on 2024-05-01"', ['{"y":"2024","m":"05"}']],
  ['capture("(?<a>x)?(?<b>y)")', '"y"', ['{"a":null,"b":"y"}']],
  ['[match("(?<n>\u00e9)";"g") | .offset, .captures[0].offset]', '"a\u00e9b\u00e9"', ['[1,1,3,3]']],
  ['test("\\\\h+$")', '"dead"', ['false']],
  ['[match("[[:digit:]]+";"g").string]', '"a12b3"', ['["12","3"]']],
  ['test("a b c # comment";"x")', '"abc"', ['true']],
  ['test("(?i)abc")', '"ABC"', ['true']],
  ['[.[] | test("^[0-9.]+$")]', '["1.2","x"]', ['[true,false]']],
  ['test("a{2}")', '"aa"', ['true']],
  ['test("{")', '"{"', ['true']],
  ['test("a{,2}b")', '"aab"', ['false']],
  ['try test("(") catch "bad"', '"x"', ['"bad"']],
  ['try test("a";"q") catch .', '"x"', ['"q is not a valid modifier string"']],
  ['try (1|test("a")) catch .', 'null', ['"number (1) cannot be matched, as it is not a string"']],
  ['[match("(a)|(b)";"g") | .captures | map(.string)]', '"ab"', ['[["a",null],[null,"b"]]']],
  ['"x" | test("\\\\Ax\\\\z")', 'null', ['true']],
  ['[splits("a")]', '"banana"', ['["b","n","n",""]']],
  ['[splits("\\\\|")]', '"a|b"', ['["a","b"]']],
  ['splits("a";"g")', '"bab"', ['"b"', '"b"']],
  ['test(["B","i"])', '"abc"', ['true']],
  ['[match(["a","g"]).offset]', '"aba"', ['[0,2]']],
  ['sub("(?<a>.)"; "\\(.a)\\(.a)"; "g")', '"ab"', ['"aabb"']],
  ['[sub("a"; "x","y")]', '"aa"', ['["xa","ya"]']],
  ['"a,b" | split(",";"g")', 'null', ['["a","b"]']],
  ['test("\\\\h")', '"h"', ['true']],
  ['test("\\\\h")', '"a"', ['false']],
  ['test("a{,2}b")', '"a{,2}b"', ['true']],
  ['test("a{,2}b")', '"aab"', ['false']],
  ['test("a\\\\Rb")', '"a\\nb"', ['true']],
  ['test("\\\\p{Lu}")', '"A"', ['true']],
  ['test("\\\\x78")', '"x"', ['true']],
  ['test("\\\\u00e9")', '"\u00e9"', ['false']],
  ['test("(?i:A)")', '"a"', ['true']],
  ['test("a(?i)a")', '"aA"', ['true']],
  ['test("a(?i)a")', '"AA"', ['false']],
  ['test("\\\\Qa.\\\\E")', '"a."', ['true']],
  ['test("\\\\Qa.\\\\E")', '"ab"', ['false']],
  ['[test("(?s)b.c"), test("(?m)^c"), test("(?m)b.c")]', '"ab\\nc"', ['[true,true,false]']],
  ['[match("(?i)b";"g").offset]', '"aBb"', ['[1,2]']],
  ['[test("[a-c]";"i"), test("[^a-c]";"i")]', '"B"', ['[true,false]']],
  ['test("(?i)[a-c]x")', '"BX"', ['true']],
  ['test("(?i)\u00e9")', '"\u00c9"', ['true']],
  ['[match("(a)(?:b)(?<n>c)").captures[] | .name]', '"abc"', ['[null,"n"]']],
  ['[match("a|b";"g").string]', '"cab"', ['["a","b"]']],
  ['test("^$")', '""', ['true']],
  ['[test("^b"; "x"), test("a$")]', '"a\\nb"', ['[false,false]']],
  ['test("[[:alpha:]]+")', '"abc"', ['true']],
  ['test("[[:upper:]]")', '"abc"', ['false']],
  ['test("\\\\d{2,}")', '"a12"', ['true']],
  ['test("a.c";"p")', '"a\\nc"', ['true']],
  ['test("\\\\bfoo\\\\b")', '"a foo b"', ['true']],
  ['[scan("[aeiou]";"g")]', '"education"', ['["e","u","a","i","o"]']],
  ['[match("(\\\\d+)-(\\\\d+)";"g") | .captures | map(.offset)]', '"1-22 333-4"', ['[[0,2],[5,9]]']],
  ['sub("(?<x>\\\\d+)"; "<\\(.x | tonumber + 1)>")', '"a9b"', ['"a<10>b"']],
  ['gsub("[aeiou]"; "")', '"education"', ['"dctn"']],
  ['gsub("(?<c>[A-Z])"; "_\\(.c | ascii_downcase)")', '"camelCaseWord"', ['"camel_case_word"']],
  ['[.[] | select(test("^eth|^em"))]', '["em0","lo0","eth1"]', ['["em0","eth1"]']],
  ['test("a#b";"x")', '"a"', ['true']],
  ['test("a\\\\ b";"x")', '"a b"', ['true']],
  ['test("[ ]";"x")', '" "', ['true']],
  ['test("\\\\/")', '"/"', ['true']],
  ['test("\\\\-")', '"-"', ['true']],
  ['test("[\\\\]]")', '"]"', ['true']],
  ['test("[]a]")', '"]"', ['true']],
  ['test("]")', '"]"', ['true']],
  ['test("}")', '"}"', ['true']],
  ['test("\\\\.")', '"."', ['true']],
  ['test("\\\\s\\\\S\\\\w\\\\W\\\\d\\\\D")', '" xa-1b"', ['true']],
  ['test("\\\\v")', '"v"', ['true']],
  ['test("\\\\t")', '"\\t"', ['true']],
  ['test("\\\\101")', '"A"', ['true']],
  ['test("(a)\\\\1")', '"aa"', ['true']],
  ['test("(?<q>a)\\\\k<q>")', '"aa"', ['true']],
]

test(`regex builtins: ${CASES.length} programs give jq's outputs`, () => {
  for (const [f, input, want] of CASES) assert.deepEqual(run(f, input), want, `${f} <<< ${input}`)
})

test('jq 1.7: an empty match at the end counts, so gsub("") and gsub("^") end; scan takes flags', () => {
  // jq 1.6 ran out of memory on the gsubs; 1.7 fixed the empty-match loop.
  assert.deepEqual(run('[match("";"g").offset]', '"abc"'), ['[0,1,2,3]'])
  assert.deepEqual(run('gsub("";"-"), gsub("^";">"), gsub("$";"<")', '"abc"'), [
    '"-a-b-c-"',
    '">abc"',
    '"abc<"',
  ])
  assert.deepEqual(run('[scan("[aeiou]";"g")], [scan("A";"i")]', '"education"'), [
    '["e","u","a","i","o"]',
    '["a"]',
  ])
  assert.deepEqual(run('[match("a*";"gn").offset]', '"baab"'), ['[1]'])
  // A stream of replacements: the k-th output of every match makes the k-th string (jq 1.6 gave
  // every combination).
  assert.deepEqual(run('[gsub("a"; "x","y")]', '"aba"'), ['["xbx","yby"]'])
})

test("errors: jq's messages for a bad flag, pattern or input; what cannot be mapped is refused", () => {
  const errs: ReadonlyArray<readonly [string, string, string]> = [
    ['test("a";"q")', '"x"', 'q is not a valid modifier string'],
    ['test("(")', '"x"', '( (at offset 0) is not a valid regex: end pattern with unmatched parenthesis'],
    ['test(")")', '"x"', ') (at offset 0) is not a valid regex: unmatched close parenthesis'],
    ['test("[a")', '"x"', '[a (at offset 0) is not a valid regex: premature end of char-class'],
    [
      'test("[\\\\d-x]")',
      '"-"',
      '[\\d-x] (at offset 0) is not a valid regex: unmatched range specifier in char-class',
    ],
    ['test("a")', '1', 'number (1) cannot be matched, as it is not a string'],
    ['test(1)', '"a"', 'number not a string or array'],
    ['test("a"; 1)', '"a"', 'number (1) is not a string'],
    [
      'test("a++")',
      '"aa"',
      'a++ (at offset 0) is not a valid regex: possessive quantifiers are not supported',
    ],
    [
      'test("a{2}+")',
      '"aa"',
      'a{2}+ (at offset 0) is not a valid regex: possessive quantifiers are not supported',
    ],
    ['test("(?>a)")', '"a"', '(?>a) (at offset 0) is not a valid regex: atomic groups are not supported'],
    ['test("a\\\\Kb")', '"ab"', 'a\\Kb (at offset 0) is not a valid regex: \\K (keep) is not supported'],
    [
      'test("[a&&b]")',
      '"a"',
      '[a&&b] (at offset 0) is not a valid regex: character class intersection is not supported',
    ],
    [
      'test("(?<n>a)\\\\g<n>")',
      '"aa"',
      '(?<n>a)\\g<n> (at offset 0) is not a valid regex: subexpression calls are not supported',
    ],
    [
      'test("x";"l")',
      '"x"',
      'x (at offset 0) is not a valid regex: the l flag (longest match) is not supported',
    ],
  ]
  for (const [f, input, msg] of errs)
    assert.throws(
      () => run(f, input),
      (e: unknown) => e instanceof JqError && e.message === msg,
      `${f}: ${msg}`,
    )
  assert.deepEqual(run('[.[] | try test("(") catch "bad"]', '["a"]'), ['["bad"]'])
})
