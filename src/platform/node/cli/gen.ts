/**
 * `virtnet gen SHAPE ARGS... [options]`: writes a generated topology (src/topology/gen/gen.ts) as YAML to
 * `-o FILE` or stdout. Arguments are checked with the topology format's own parsers, so what is
 * written always loads. Exit status: 0, 64 for usage errors, 73 (EX_CANTCREAT) when FILE cannot be
 * written.
 */

import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseBandwidth, parseDuration, parseProbability } from '../../../topology/file/units.js'
import {
  formatLabJson,
  formatLabYaml,
  GenError,
  type GenKind,
  generate,
  SHAPE_ARGS,
  SHAPES,
  type Shape,
} from '../../../topology/gen/gen.js'
import { fileError } from '../errors.js'

/** Continuation lines are indented to sit under `gen` in cli.ts's usage block. */
export const GEN_USAGE = `virtnet gen chain N | star N | ring N | grid ROWS COLS | tree DEPTH FANOUT | clique N | random N P
                  [--kind switch|router] [--hosts H] [--seed S] [--name NAME]
                  [--bw BANDWIDTH] [--delay DELAY] [--loss LOSS] [-o FILE]`

const EX_CANTCREAT = 73

/** The arguments without `-o FILE` (for the header comment: the file name says nothing about the lab). */
function withoutOutput(args: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-o') i++
    else if (!args[i]!.startsWith('-o')) out.push(args[i]!)
  }
  return out
}

/** Resolves with the exit status; `fail` prints a usage error and exits. */
export function mainGen(args: string[], fail: (msg: string) => never): number {
  const { values, positionals } = parseArgs({
    args,
    options: {
      kind: { type: 'string' },
      hosts: { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      bw: { type: 'string' },
      delay: { type: 'string' },
      loss: { type: 'string' },
      o: { type: 'string', short: 'o' },
    },
    allowPositionals: true,
  })
  const [shapeWord, ...rest] = positionals
  if (shapeWord === undefined) fail('gen: SHAPE expected')
  if (!(SHAPES as readonly string[]).includes(shapeWord)) fail(`gen: unknown shape '${shapeWord}'`)
  const shape = shapeWord as Shape
  const want = SHAPE_ARGS[shape].split(' ').length
  if (rest.length !== want) fail(`gen: ${shape} takes ${SHAPE_ARGS[shape]}`)
  const nums = rest.map((a) => (/^\d+(\.\d+)?$/.test(a) ? Number(a) : Number.NaN))
  if (nums.some((n) => Number.isNaN(n))) fail(`gen: ${shape} ${SHAPE_ARGS[shape]}: numbers expected`)
  const kind = values.kind
  if (kind !== undefined && kind !== 'switch' && kind !== 'router')
    fail(`gen: --kind: switch or router, not '${kind}'`)
  const int = (v: string | undefined, what: string): number | undefined => {
    if (v === undefined) return undefined
    if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) fail(`gen: ${what}: a non-negative integer expected`)
    return Number(v)
  }
  const impair: { bandwidth?: string; delay?: string; loss?: string } = {}
  if (values.bw !== undefined) {
    const bps = parseBandwidth(/^\d+$/.test(values.bw) ? Number(values.bw) : values.bw)
    if (bps === null || (bps !== 0 && (bps < 100 || bps > 1e12)))
      fail(`gen: --bw: '${values.bw}' is not a bandwidth (100 bit/s .. 1 Tbit/s)`)
    impair.bandwidth = values.bw
  }
  if (values.delay !== undefined) {
    const ns = parseDuration(/^\d+(\.\d+)?$/.test(values.delay) ? Number(values.delay) : values.delay)
    if (ns === null || ns >= 10e9) fail(`gen: --delay: '${values.delay}' is not a delay below 10 s`)
    impair.delay = values.delay
  }
  if (values.loss !== undefined) {
    const l = values.loss
    const p = l.endsWith('%')
      ? parseProbability(l)
      : /^\d+(\.\d+)?$/.test(l)
        ? parseProbability(Number(l))
        : null
    if (p === null) fail(`gen: --loss: '${l}' is not a percentage (1%) or probability (0..1)`)
    impair.loss = l
  }
  if (values.name !== undefined && !/^[A-Za-z][A-Za-z0-9_-]{0,62}$/.test(values.name))
    fail(`gen: --name: '${values.name}' is not a node-style name`)
  let text: string
  try {
    // `-o lab.json` writes JSON (JSON.parse is the fastest way in for big labs), anything else YAML.
    const format = values.o?.toLowerCase().endsWith('.json') ? formatLabJson : formatLabYaml
    text = format(
      generate({
        shape,
        args: nums,
        kind: kind as GenKind | undefined,
        hosts: int(values.hosts, '--hosts'),
        seed: int(values.seed, '--seed'),
        name: values.name,
        impair,
        command: ['virtnet gen', ...withoutOutput(args)].join(' '),
      }),
    )
  } catch (e) {
    if (e instanceof GenError) fail(`gen: ${e.message}`)
    throw e
  }
  if (values.o === undefined) {
    process.stdout.write(text)
    return 0
  }
  try {
    writeFileSync(values.o, text)
  } catch (e) {
    process.stderr.write(`virtnet: ${fileError(values.o, e)}\n`)
    return EX_CANTCREAT
  }
  return 0
}
