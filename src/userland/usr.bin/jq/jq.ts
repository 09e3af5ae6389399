/**
 * jq(1), the JSON processor FreeBSD's tests pipe `--libxo json` output into (a port:
 * /usr/local/bin/jq): `jq [OPTIONS] FILTER [FILES...]` (options.ts). Our own implementation of
 * jq 1.7's language (parse.ts, eval.ts, builtins/), with jq's output formats, messages and
 * exit statuses (2 usage or input, 3 compile error, 5 runtime error, -e's 1 and 4, halt_error's).
 * Inputs are read as the filter asks for them (`input`/`inputs`). Reads its input and prints;
 * changes nothing.
 */

import type { Command, Io, Proc } from '../../types.js'
import { MAX_INPUT, readStdin } from '../textproc/text_input.js'
import { check } from './check.js'
import { Break, Evaluator, Halt, type J, JqError } from './eval.js'
import { formatJson, JsonParseError, JsonStream } from './json.js'
import { type Opts, parseArgs } from './options.js'
import { CompileError, type Node, parse } from './parse.js'

const HELP =
  'Use jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n'
const USAGE = 'Usage:\tjq [OPTIONS] FILTER [FILES...]\n\tjq [OPTIONS] --arg NAME VALUE FILTER [FILES...]\n'

function sortKeys(v: J): J {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v instanceof Map) return new Map([...v.keys()].sort().map((k) => [k, sortKeys(v.get(k) as J)]))
  return v
}

/**
 * The inputs, one value at a time as the main loop or `input` asks: each file's JSON values (or
 * lines with -R), all of them as one array (or one string with -R) with -s.
 */
class Inputs {
  private file = 0
  private stream: JsonStream | null = null
  private lines: string[] | null = null
  private slurped = false
  name = '<unknown>'
  line = 0

  constructor(
    private readonly texts: ReadonlyArray<{ name: string; text: string }>,
    private readonly o: Opts,
  ) {}

  /** The next input, undefined at the end; a JSON error is JsonParseError (that file is done). */
  next(): J | undefined {
    if (this.o.slurp) {
      if (this.slurped) return undefined
      this.slurped = true
      if (this.o.rawInput) return this.texts.map((t) => t.text).join('')
      const all: J[] = []
      for (let v = this.one(); v !== undefined; v = this.one()) all.push(v)
      return all
    }
    return this.one()
  }

  private one(): J | undefined {
    if (this.o.rawInput) {
      if (this.lines === null) {
        const all = this.texts.map((t) => t.text).join('')
        this.lines = all.split('\n').slice(0, all.endsWith('\n') ? -1 : undefined)
      }
      return this.lines.shift()
    }
    for (;;) {
      if (this.stream === null) {
        const t = this.texts[this.file]
        if (t === undefined) return undefined
        this.stream = new JsonStream(t.text)
        this.name = t.name
      }
      try {
        const v = this.stream.next()
        this.line = this.stream.line
        if (v !== undefined) return v
      } catch (e) {
        this.stream = null
        this.file++
        throw e
      }
      this.stream = null
      this.file++
    }
  }
}

async function readInputs(
  o: Opts,
  io: Io,
  proc: Proc,
): Promise<{ texts: Array<{ name: string; text: string }>; ok: boolean }> {
  const texts: Array<{ name: string; text: string }> = []
  let ok = true
  for (const f of o.files.length > 0 ? o.files : ['-']) {
    const text = f === '-' ? await readStdin(io) : proc.fs.read(f)
    if (text === undefined || text.length > MAX_INPUT) {
      io.stderr.write(
        `jq: error: Could not open file ${f === '-' ? '<stdin>' : f}: ${text === undefined && f !== '-' ? 'No such file or directory' : 'File too large'}\n`,
      )
      ok = false
    } else texts.push({ name: f === '-' ? '<stdin>' : f, text })
  }
  return { texts, ok }
}

export const jq: Command = async (argv, io, proc) => {
  const o = parseArgs(argv.slice(1), proc.fs)
  if (typeof o === 'string') {
    if (o === '') {
      await io.stdout.write(USAGE)
      return 0
    }
    io.stderr.write(`${o}${o.startsWith('jq: error') || o.startsWith('jq: Bad JSON') ? '' : HELP}`)
    return 2
  }
  const vars = new Map(o.named)
  vars.set('ENV', new Map<string, J>(proc.env))
  vars.set(
    'ARGS',
    new Map<string, J>([
      ['positional', o.positional],
      ['named', new Map(o.named)],
    ]),
  )
  let prog: Node
  try {
    prog = parse(o.filter ?? '.')
    check(prog, new Set(vars.keys()))
  } catch (e) {
    if (!(e instanceof CompileError)) throw e
    io.stderr.write(`jq: error: ${e.message} at <top-level>, line 1:\n${o.filter}\njq: 1 compile error\n`)
    return 3
  }

  const { texts, ok } = await readInputs(o, io, proc)
  let status = ok ? 0 : 2
  const inputs = new Inputs(texts, o)
  const ev = new Evaluator({
    input: () => inputs.next(),
    inputFilename: () => (inputs.name === '<stdin>' || inputs.name === '<unknown>' ? null : inputs.name),
    inputLine: () => inputs.line,
    stderr: (s) => io.stderr.write(s),
    now: () => proc.sys.now() / 1e9,
    environ: () => proc.env,
  })
  const unit = o.tab ? '\t' : ' '.repeat(o.indent)
  const out: string[] = []
  let last: J | undefined
  let halted: number | undefined
  const where = (): string =>
    o.nullInput && inputs.line === 0 ? '<unknown>' : `${inputs.name}:${inputs.line}`

  const runOne = (v: J): void => {
    try {
      for (let r of ev.run(prog, v, vars)) {
        if (o.sortKeys) r = sortKeys(r)
        last = r
        let s = o.raw && typeof r === 'string' ? r : formatJson(r, o.compact || o.indent === 0, '', unit)
        if (o.ascii)
          s = s.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
        out.push(`${o.seq ? '\x1e' : ''}${s}${o.join ? '' : '\n'}`)
      }
    } catch (e) {
      if (e instanceof Halt) {
        if (e.message !== null) io.stderr.write(e.message)
        halted = e.status
      } else if (e instanceof JsonParseError) {
        io.stderr.write(`parse error: ${e.message}\n`)
        status = 2
      } else if (e instanceof JqError || e instanceof CompileError) {
        const v = e instanceof JqError ? e.value : e.message
        io.stderr.write(
          typeof v === 'string'
            ? `jq: error (at ${where()}): ${e.message}\n`
            : `jq: error (at ${where()}) (not a string): ${formatJson(v, true)}\n`,
        )
        status = 5
      } else if (e instanceof RangeError) {
        // Recursion deeper than the JavaScript stack: jq would go on; we stop this input.
        io.stderr.write(`jq: error (at ${where()}): recursion too deep\n`)
        status = 5
      } else if (!(e instanceof Break)) throw e
    }
  }

  const flush = async (): Promise<void> => {
    if (out.length > 0) await io.stdout.write(out.splice(0).join(''))
  }

  if (o.nullInput) runOne(null)
  else
    for (;;) {
      let v: J | undefined
      try {
        v = inputs.next()
      } catch (e) {
        if (!(e instanceof JsonParseError)) throw e
        await flush()
        io.stderr.write(`parse error: ${e.message}\n`)
        status = 2
        continue
      }
      if (v === undefined || halted !== undefined) break
      runOne(v)
      await flush()
    }
  await flush()
  if (halted !== undefined) return halted
  if (status !== 0 || !o.exitStatus) return status
  if (last === undefined) return 4
  return last === null || last === false ? 1 : 0
}
