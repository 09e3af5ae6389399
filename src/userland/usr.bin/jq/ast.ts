/**
 * The tree parse.ts builds from a jq filter and eval.ts runs: one node kind per construct of jq's
 * grammar, and the destructuring patterns of `as`, `reduce` and `foreach`. Types only, and the
 * CompileError every stage before running reports with; no behaviour.
 */

/** A destructuring pattern: `$x`, `[p, …]`, `{key: p, $x, $x: p, "k": p, (f): p}`. */
export type Pattern =
  | { p: 'var'; name: string }
  | { p: 'array'; elems: readonly Pattern[] }
  /** bind: the `$name` of `{$name}` / `{$name: p}`, bound to the whole value at key. */
  | { p: 'object'; entries: ReadonlyArray<{ key: Node; bind: string | null; pat: Pattern | null }> }

export type Node =
  | { t: 'identity' }
  | { t: 'recurse' }
  | { t: 'lit'; v: null | boolean | number | string }
  | { t: 'var'; name: string }
  /** `$__loc__`: the line of the filter it is on. */
  | { t: 'loc'; line: number }
  /** `.k`, `.[f]`: opt is the `?` form (errors become no output). */
  | { t: 'index'; of: Node; key: Node; opt: boolean }
  | { t: 'slice'; of: Node; from: Node | null; to: Node | null; opt: boolean }
  | { t: 'iter'; of: Node; opt: boolean }
  /** `try body catch handler`, and `f?` (handler null: errors end the outputs quietly). */
  | { t: 'try'; body: Node; handler: Node | null }
  | { t: 'pipe'; l: Node; r: Node }
  | { t: 'comma'; l: Node; r: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'neg'; of: Node }
  | { t: 'array'; of: Node | null }
  | { t: 'object'; entries: ReadonlyArray<{ key: Node; value: Node }> }
  | { t: 'call'; name: string; args: Node[] }
  /** `source as p1 ?// p2 … | body`: more than one pattern is the destructuring alternative. */
  | { t: 'as'; source: Node; pats: readonly Pattern[]; body: Node }
  | { t: 'if'; cond: Node; then: Node; else: Node | null }
  /** `label $name | body` and `break $name`. */
  | { t: 'label'; name: string; body: Node }
  | { t: 'break'; name: string }
  /** `"a\(f)b"`, or with a format `@csv "…"`: the literal parts and the filters between them. */
  | { t: 'interp'; parts: ReadonlyArray<string | Node>; fmt: string | null }
  /** `@base64` alone: the format applied to `.`. */
  | { t: 'format'; name: string }
  | { t: 'reduce'; source: Node; pats: readonly Pattern[]; init: Node; update: Node }
  | {
      t: 'foreach'
      source: Node
      pats: readonly Pattern[]
      init: Node
      update: Node
      extract: Node | null
    }
  /** `def name(params): body; rest`: a `$p` param is a value, any other a filter. */
  | { t: 'def'; name: string; params: readonly string[]; body: Node; rest: Node }
  /** `=`, `|=`, `+=`, `-=`, `*=`, `/=`, `%=`, `//=`. */
  | { t: 'assign'; op: string; l: Node; r: Node }

export class CompileError extends Error {}

/** Every variable a pattern binds, in order of first appearance. */
export function patternVars(p: Pattern, out: string[] = []): string[] {
  if (p.p === 'var') {
    if (!out.includes(p.name)) out.push(p.name)
  } else if (p.p === 'array') for (const e of p.elems) patternVars(e, out)
  else
    for (const e of p.entries) {
      if (e.bind !== null && !out.includes(e.bind)) out.push(e.bind)
      if (e.pat !== null) patternVars(e.pat, out)
    }
  return out
}
