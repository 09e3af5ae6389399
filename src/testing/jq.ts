/**
 * What the jq tests share: a program run on one JSON input in-process, each output as compact JSON
 * (jq -c). Errors are thrown as the evaluator throws them. Test code only.
 */

import { check } from '../userland/usr.bin/jq/check.js'
import { Evaluator, type J } from '../userland/usr.bin/jq/eval.js'
import { formatJson, JsonStream } from '../userland/usr.bin/jq/json.js'
import { parse } from '../userland/usr.bin/jq/parse.js'

export function jqRun(filter: string, input: string): string[] {
  const prog = parse(filter)
  check(prog, new Set())
  const v = new JsonStream(input).next() as J
  return [...new Evaluator().run(prog, v, new Map())].map((x) => formatJson(x, true))
}
