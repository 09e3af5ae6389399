/**
 * jq's command line: `jq [OPTIONS] FILTER [FILES...]`, options before or after the filter, short
 * flags combined (`-rc`), and the ones taking parameters (--arg, --argjson, --slurpfile,
 * --rawfile, --indent, -f). `--args`/`--jsonargs` make the remaining operands `$ARGS.positional`.
 * Reads the files --slurpfile/--rawfile/-f name; returns what to run or jq's usage message.
 */

import type { FileSystem } from '../../types.js'
import type { J } from './eval.js'
import { JsonParseError, JsonStream } from './json.js'

export interface Opts {
  raw: boolean
  rawInput: boolean
  join: boolean
  compact: boolean
  tab: boolean
  indent: number
  ascii: boolean
  seq: boolean
  exitStatus: boolean
  nullInput: boolean
  slurp: boolean
  sortKeys: boolean
  /** `$name`s: --arg and the like; ENV and ARGS are added by the caller. */
  named: Map<string, J>
  positional: J[]
  filter?: string
  files: string[]
}

const FLAGS: Readonly<Record<string, keyof Opts>> = {
  r: 'raw',
  R: 'rawInput',
  j: 'join',
  c: 'compact',
  a: 'ascii',
  e: 'exitStatus',
  n: 'nullInput',
  s: 'slurp',
  S: 'sortKeys',
}

const LONG: Readonly<Record<string, string>> = {
  'raw-output': 'r',
  'raw-input': 'R',
  'join-output': 'j',
  'compact-output': 'c',
  'ascii-output': 'a',
  'exit-status': 'e',
  'null-input': 'n',
  slurp: 's',
  'sort-keys': 'S',
}

/** All the JSON values of a text, or a message. */
function jsonValues(text: string): J[] | string {
  try {
    const s = new JsonStream(text)
    const out: J[] = []
    for (let v = s.next(); v !== undefined; v = s.next()) out.push(v)
    return out
  } catch (e) {
    if (!(e instanceof JsonParseError)) throw e
    return e.message
  }
}

/** The options, or a message for stderr ('' for --help: usage to stdout, status 0). */
export function parseArgs(args: readonly string[], fs: FileSystem): Opts | string {
  const o: Opts = {
    raw: false,
    rawInput: false,
    join: false,
    compact: false,
    tab: false,
    indent: 2,
    ascii: false,
    seq: false,
    exitStatus: false,
    nullInput: false,
    slurp: false,
    sortKeys: false,
    named: new Map(),
    positional: [],
    files: [],
  }
  let operandsOnly = false
  let rest: 'files' | 'args' | 'jsonargs' = 'files'
  let fromFile = false
  const two = (a: string, i: number, what: string): string | undefined =>
    i + 2 >= args.length ? `jq: ${a} takes two parameters (e.g. ${a} varname ${what})\n` : undefined
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (operandsOnly || !a.startsWith('-') || a === '-') {
      if (o.filter === undefined && !fromFile) o.filter = a
      else if (rest === 'files') o.files.push(a)
      else if (rest === 'args') o.positional.push(a)
      else {
        const v = jsonValues(a)
        if (typeof v === 'string' || v.length !== 1) return `jq: Invalid JSON text passed to --jsonargs\n`
        o.positional.push(v[0]!)
      }
    } else if (a === '--') operandsOnly = true
    else if (a === '--args' || a === '--jsonargs') rest = a === '--args' ? 'args' : 'jsonargs'
    else if (a === '--arg' || a === '--argjson' || a === '--slurpfile' || a === '--rawfile') {
      const bad = two(a, i, a === '--arg' ? 'value' : a === '--argjson' ? 'text' : 'filename')
      if (bad !== undefined) return bad
      const name = args[i + 1]!
      const p = args[i + 2]!
      i += 2
      if (a === '--arg') o.named.set(name, p)
      else if (a === '--argjson') {
        const v = jsonValues(p)
        if (typeof v === 'string' || v.length !== 1) return `jq: invalid JSON text passed to --argjson\n`
        o.named.set(name, v[0]!)
      } else {
        const text = fs.read(p)
        if (text === undefined)
          return `jq: Bad JSON in ${a} ${name} ${p}: Could not open ${p}: No such file or directory\n`
        if (a === '--rawfile') o.named.set(name, text)
        else {
          const v = jsonValues(text)
          if (typeof v === 'string') return `jq: Bad JSON in --slurpfile ${name} ${p}: ${v}\n`
          o.named.set(name, v)
        }
      }
    } else if (a === '--indent') {
      const n = Number(args[++i])
      if (!Number.isInteger(n) || n < -1) return 'jq: --indent takes one parameter\n'
      if (n > 7) return 'jq: Cannot indent more than 7 characters\n'
      o.indent = n
    } else if (a === '--tab') o.tab = true
    else if (a === '--seq') o.seq = true
    else if (a === '-M' || a === '--monochrome-output') {
      // Our output has no colour to turn off.
    } else if (a === '-f' || a === '--from-file') {
      const path = args[++i]
      const text = path === undefined ? undefined : fs.read(path)
      if (text === undefined) return `jq: error: Could not open ${path ?? ''}: No such file or directory\n`
      if (o.filter !== undefined) o.files.push(o.filter)
      o.filter = text
      fromFile = true
    } else if (a === '--help' || a === '-h') return ''
    else if (a.startsWith('--')) {
      const f = LONG[a.slice(2)]
      if (f === undefined) return `jq: Unknown option: ${a}\n`
      ;(o[FLAGS[f]!] as boolean) = true
    } else {
      for (const c of a.slice(1)) {
        if (c === 'h') return ''
        if (c === 'M') continue
        if (FLAGS[c] === undefined) return `jq: Unknown option: ${a}\n`
        ;(o[FLAGS[c]!] as boolean) = true
      }
    }
  }
  if (o.join) o.raw = true
  return o
}
