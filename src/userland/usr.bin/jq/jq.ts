/**
 * jq(1), the JSON processor FreeBSD's tests pipe `--libxo json` output into (a port:
 * /usr/local/bin/jq): `jq [-cejnrRsS] [--arg name value] [--argjson name json] filter [file...]`.
 * `-R` reads lines as strings. Our own implementation of the subset parse.ts and eval.ts describe, with jq's output formats,
 * messages and exit statuses (2 usage or input, 3 compile error, 5 runtime error, -e's 1 and 4).
 * Reads its input and prints; changes nothing.
 */

import type { Command } from '../../types.js'
import { MAX_INPUT, readStdin } from '../textproc/text_input.js'
import { check } from './check.js'
import { type Env, Evaluator, type J, JqError } from './eval.js'
import { formatJson, JsonParseError, JsonStream } from './json.js'
import { CompileError, type Node, parse } from './parse.js'

const HELP =
  'Use jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n'
const USAGE = 'Usage:\tjq [OPTIONS] FILTER [FILES...]\n\tjq [OPTIONS] --arg NAME VALUE FILTER [FILES...]\n'

interface Opts {
  raw: boolean
  rawInput: boolean
  join: boolean
  compact: boolean
  exitStatus: boolean
  nullInput: boolean
  slurp: boolean
  sortKeys: boolean
  vars: Map<string, J>
  filter?: string
  files: string[]
}

function sortKeys(v: J): J {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v instanceof Map) return new Map([...v.keys()].sort().map((k) => [k, sortKeys(v.get(k) as J)]))
  return v
}

/** jq's command line: options may come after the filter; short flags combine (`-rc`). */
function parseArgs(args: readonly string[]): Opts | string {
  const o: Opts = {
    raw: false,
    rawInput: false,
    join: false,
    compact: false,
    exitStatus: false,
    nullInput: false,
    slurp: false,
    sortKeys: false,
    vars: new Map(),
    files: [],
  }
  const flags: Record<string, keyof Opts> = {
    r: 'raw',
    R: 'rawInput',
    j: 'join',
    c: 'compact',
    e: 'exitStatus',
    n: 'nullInput',
    s: 'slurp',
    S: 'sortKeys',
  }
  const long: Record<string, string> = {
    'raw-output': 'r',
    'raw-input': 'R',
    'join-output': 'j',
    'compact-output': 'c',
    'exit-status': 'e',
    'null-input': 'n',
    slurp: 's',
    'sort-keys': 'S',
  }
  let operandsOnly = false
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (operandsOnly || !a.startsWith('-') || a === '-') {
      if (o.filter === undefined) o.filter = a
      else o.files.push(a)
    } else if (a === '--') operandsOnly = true
    else if (a === '--arg' || a === '--argjson') {
      if (i + 2 >= args.length)
        return `jq: ${a} takes two parameters (e.g. ${a} varname ${a === '--arg' ? 'value' : 'text'})\n`
      const name = args[i + 1]
      const text = args[i + 2]
      i += 2
      if (a === '--arg') o.vars.set(name, text)
      else {
        try {
          const s = new JsonStream(text)
          const v = s.next()
          if (v === undefined || s.next() !== undefined) throw new JsonParseError('')
          o.vars.set(name, v)
        } catch {
          return `jq: invalid JSON text passed to --argjson\n`
        }
      }
    } else if (a === '--help') return ''
    else if (a.startsWith('--')) {
      const f = long[a.slice(2)]
      if (f === undefined) return `jq: Unknown option: ${a}\n`
      ;(o[flags[f]] as boolean) = true
    } else {
      for (const c of a.slice(1)) {
        if (c === 'h') return ''
        if (flags[c] === undefined) return `jq: Unknown option: ${a}\n`
        ;(o[flags[c]] as boolean) = true
      }
    }
  }
  if (o.join) o.raw = true
  return o
}

export const jq: Command = async (argv, io, proc) => {
  const o = parseArgs(argv.slice(1))
  if (typeof o === 'string') {
    if (o === '') {
      await io.stdout.write(USAGE)
      return 0
    }
    io.stderr.write(`${o}${HELP}`)
    return 2
  }
  let prog: Node
  try {
    prog = parse(o.filter ?? '.')
    check(prog, new Set([...o.vars.keys()]))
  } catch (e) {
    if (!(e instanceof CompileError)) throw e
    io.stderr.write(`jq: error: ${e.message} at <top-level>, line 1:\n${o.filter}\njq: 1 compile error\n`)
    return 3
  }

  const inputs: Array<{ name: string; text: string }> = []
  let status = 0
  if (!o.nullInput || o.files.length > 0) {
    for (const f of o.files.length > 0 ? o.files : ['-']) {
      const text = f === '-' ? await readStdin(io) : proc.fs.read(f)
      if (text === undefined || text.length > MAX_INPUT) {
        io.stderr.write(
          `jq: error: Could not open file ${f === '-' ? '<stdin>' : f}: ${text === undefined && f !== '-' ? 'No such file or directory' : 'File too large'}\n`,
        )
        status = 2
      } else inputs.push({ name: f === '-' ? '<stdin>' : f, text })
    }
  }

  const ev = new Evaluator()
  const out: string[] = []
  let last: J | undefined
  const env: Env = o.vars
  const runOne = (v: J, where: string): boolean => {
    try {
      for (let r of ev.run(prog, v, env)) {
        if (o.sortKeys) r = sortKeys(r)
        last = r
        const s = o.raw && typeof r === 'string' ? r : formatJson(r, o.compact)
        out.push(o.join ? s : `${s}\n`)
      }
      return true
    } catch (e) {
      if (!(e instanceof JqError || e instanceof CompileError)) throw e
      io.stderr.write(`jq: error (at ${where}): ${e.message}\n`)
      status = 5
      return false
    }
  }

  const flush = async (): Promise<void> => {
    if (out.length > 0) await io.stdout.write(out.splice(0).join(''))
  }

  if (o.nullInput) runOne(null, '<unknown>')
  else {
    const slurped: J[] = []
    let where = '<unknown>'
    // -R: each line is a string input (its newline dropped), or with -s all the text is one string.
    if (o.rawInput) {
      const all = inputs.map((i) => i.text).join('')
      if (o.slurp) runOne(all, '<unknown>')
      else
        for (const line of all.split('\n').slice(0, all.endsWith('\n') ? -1 : undefined)) {
          runOne(line, '<unknown>')
          await flush()
        }
      inputs.length = 0
    }
    for (const inp of inputs) {
      const stream = new JsonStream(inp.text)
      try {
        for (let v = stream.next(); v !== undefined; v = stream.next()) {
          where = `${inp.name}:${stream.line}`
          if (o.slurp) slurped.push(v)
          else {
            runOne(v, where)
            await flush()
          }
        }
      } catch (e) {
        if (!(e instanceof JsonParseError)) throw e
        await flush()
        io.stderr.write(`parse error: ${e.message}\n`)
        status = 2
      }
    }
    if (o.slurp && !o.rawInput) runOne(slurped, where)
  }
  await flush()
  if (status !== 0 || !o.exitStatus) return status
  if (last === undefined) return 4
  return last === null || last === false ? 1 : 0
}
