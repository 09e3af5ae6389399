/**
 * The jq builtins written in jq itself (our own definitions, from jq 1.7's manual): the type
 * selectors, while/until/repeat, nth, in/inside, combinations, walk, transpose, pick, the date
 * shorthands, SQL-style INDEX/IN, and the like. Parsed for each run and placed below the filter's
 * own definitions; what needs speed or the outside world is native (core.ts and its neighbours).
 */

import type { Node } from '../ast.js'
import { parse } from '../parse.js'

const PRELUDE = `
def values: select(. != null);
def nulls: select(. == null);
def booleans: select(type == "boolean");
def numbers: select(type == "number");
def strings: select(type == "string");
def arrays: select(type == "array");
def objects: select(type == "object");
def iterables: select(type == "array" or type == "object");
def scalars: select(type != "array" and type != "object");
def isfinite: type == "number" and (isinfinite | not);
def finites: select(isfinite);
def normals: select(isnormal);
def error(msg): msg | error;
def recurse(f; cond): def r: ., (f | select(cond) | r); r;
def while(cond; update): def w: if cond then ., (update | w) else empty end; w;
def until(cond; update): def u: if cond then . else (update | u) end; u;
def repeat(f): def r: f, r; r;
def nth($n): .[$n];
def nth($n; f): if $n < 0 then error("nth doesn't support negative indices") else last(limit($n + 1; f)) end;
def first: .[0];
def last: .[-1];
def in(xs): . as $x | xs | has($x);
def inside(xs): . as $x | xs | contains($x);
def combinations:
  if length == 0 then []
  else .[0][] as $x | (.[1:] | combinations) as $rest | [$x] + $rest end;
def combinations(n): . as $d | [range(n) | $d] | combinations;
def walk(f): def w: if type == "object" then map_values(w) elif type == "array" then map(w) else . end | f; w;
def transpose: (map(length) | max // 0) as $n | [range($n) as $i | [.[][$i]]];
def pick(pathexps): . as $top | reduce path(pathexps) as $p (null; setpath($p; $top | getpath($p)));
def debug(msgs): (msgs | debug | empty), .;
def halt_error: halt_error(5);
def todateiso8601: strftime("%Y-%m-%dT%H:%M:%SZ");
def fromdateiso8601: strptime("%Y-%m-%dT%H:%M:%SZ") | mktime;
def todate: todateiso8601;
def fromdate: fromdateiso8601;
def date: todate;
def dateadd(u; n): . + n;
def datesub(u; n): . - n;
def truncate_stream(stream): . as $n | null | stream | . as $e | if (.[0] | length) > $n then setpath([0]; .[0][$n:]) else empty end;
def INDEX(stream; f): reduce stream as $row ({}; .[$row | f | tostring] |= $row);
def INDEX(f): INDEX(.[]; f);
def IN(s): any(s == .; .);
def IN(src; s): any(src == s; .);
def ascii_downcase: explode | map(if 65 <= . and . <= 90 then . + 32 else . end) | implode;
def ascii_upcase: explode | map(if 97 <= . and . <= 122 then . - 32 else . end) | implode;
.`

/** The prelude's definitions, outermost first: each sees the ones before it. */
export function preludeDefs(): Array<Extract<Node, { t: 'def' }>> {
  const out: Array<Extract<Node, { t: 'def' }>> = []
  for (let n = parse(PRELUDE); n.t === 'def'; n = n.rest) out.push(n)
  return out
}
