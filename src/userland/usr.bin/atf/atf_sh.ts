/**
 * atf-sh(1) with the atf-sh(3) library: runs a test program written in sh the way kyua drives one.
 * `atf-sh [-l] [-r resfile] [-s srcdir] [-v var=value ...] program [case[:body|:cleanup]]` reads
 * the program from the process's files, lets it define its cases (`atf_test_case`,
 * `atf_init_test_cases`, `atf_add_test_case`), then either lists every case's metadata (`-l`, the
 * heads run; atf-tp format) or runs one part of one case. A body's result (`passed`, `failed: …`,
 * `skipped: …`, `expected_failure: …`) goes to resfile, else to stdout; the first result stands.
 * The library is builtins of this shell only (ShellOptions.builtins): nothing leaks into `sh`.
 */

import { BUILTINS, type Builtin } from '../../bin/sh/bltin/builtins.js'
import type { Interp } from '../../bin/sh/interp.js'
import { runScript } from '../../bin/sh/shell.js'
import { ExitSig } from '../../bin/sh/signals.js'
import type { ShIo } from '../../bin/sh/streams.js'
import { programName } from '../../paths.js'
import type { Command } from '../../types.js'
import { parseCheck, runCheck } from './atf_check.js'

const USAGE = 'usage: atf-sh [-l] [-r resfile] [-s srcdir] [-v var=value] program [case[:body|:cleanup]]'

type Expect = 'pass' | 'fail' | 'death' | 'exit' | 'signal' | 'timeout'

/** One run of a test program: what it declared and what the case did. */
interface State {
  readonly srcdir: string
  readonly config: ReadonlyMap<string, string>
  readonly resfile: string | undefined
  /** Cases declared with atf_test_case, and whether each has a cleanup. */
  readonly declared: Map<string, boolean>
  readonly added: string[]
  /** The current case's metadata (atf_set), in the order set. */
  vars: Map<string, string>
  expect: Expect
  expectReason: string
  expectValue: number
  result: string | undefined
}

/** The directory part of a path, as dirname(1). */
export function dirname(p: string): string {
  const s = p.replace(/\/+$/, '')
  const i = s.lastIndexOf('/')
  if (i < 0) return '.'
  return i === 0 ? '/' : s.slice(0, i)
}

function record(st: State, sh: Interp, io: ShIo, line: string): void {
  if (st.result !== undefined) return
  st.result = line
  if (st.resfile === undefined) io.stdout.write(`${line}\n`)
  else {
    sh.fs.truncate(st.resfile)
    sh.fs.append(st.resfile, `${line}\n`)
  }
}

function fail(st: State, sh: Interp, io: ShIo, reason: string): never {
  if (st.expect === 'fail') {
    record(st, sh, io, `expected_failure: ${st.expectReason}: ${reason}`)
    throw new ExitSig(0)
  }
  record(st, sh, io, `failed: ${reason}`)
  throw new ExitSig(1)
}

function skip(st: State, sh: Interp, io: ShIo, reason: string): never {
  record(st, sh, io, `skipped: ${reason}`)
  throw new ExitSig(0)
}

/** The result of a body that returned without deciding one, given the expectation in force. */
function endOfBody(st: State): string {
  switch (st.expect) {
    case 'pass':
      return 'passed'
    case 'fail':
      return 'failed: Test case was expecting a failure but none were raised'
    case 'exit':
      return st.expectValue === -1 || st.expectValue === 0
        ? `expected_exit: ${st.expectReason}`
        : `failed: Test case was expected to exit with a ${st.expectValue} error code but returned 0`
    case 'death':
      return `expected_death: ${st.expectReason}`
    case 'signal':
      return 'failed: Test case was expected to receive a termination signal but it continued its execution'
    case 'timeout':
      return 'failed: Test case was expected to hang but it continued execution'
  }
}

function library(st: State, has: (name: string) => boolean): Record<string, Builtin> {
  const need = (argv: readonly string[], io: ShIo, sh: Interp, n: number): void => {
    if (argv.length - 1 < n)
      fail(st, sh, io, `${argv[0]}: requires ${n} argument${n === 1 ? '' : 's'}, ${argv.length - 1} given`)
  }
  return {
    atf_test_case: async (argv, io, sh) => {
      need(argv, io, sh, 1)
      st.declared.set(argv[1]!, argv[2] === 'cleanup')
      return 0
    },
    atf_add_test_case: async (argv, io, sh) => {
      need(argv, io, sh, 1)
      if (!st.added.includes(argv[1]!)) st.added.push(argv[1]!)
      return 0
    },
    atf_set: async (argv, io, sh) => {
      need(argv, io, sh, 2)
      st.vars.set(argv[1]!, argv.slice(2).join(' '))
      return 0
    },
    atf_get: async (argv, io, sh) => {
      need(argv, io, sh, 1)
      const v = st.vars.get(argv[1]!)
      if (v === undefined) fail(st, sh, io, `Could not find variable \`${argv[1]}' in test case`)
      io.stdout.write(`${v}\n`)
      return 0
    },
    atf_get_srcdir: async (_argv, io) => {
      io.stdout.write(`${st.srcdir}\n`)
      return 0
    },
    atf_config_has: async (argv) => (st.config.has(argv[1] ?? '') ? 0 : 1),
    atf_config_get: async (argv, io, sh) => {
      need(argv, io, sh, 1)
      const v = st.config.get(argv[1]!) ?? argv[2]
      if (v === undefined) fail(st, sh, io, `Could not find configuration variable \`${argv[1]}'`)
      io.stdout.write(`${v}\n`)
      return 0
    },
    atf_pass: async (_argv, io, sh) => {
      if (st.expect === 'fail') record(st, sh, io, endOfBody(st))
      else record(st, sh, io, 'passed')
      throw new ExitSig(st.expect === 'fail' ? 1 : 0)
    },
    atf_fail: async (argv, io, sh) => fail(st, sh, io, argv.slice(1).join(' ')),
    atf_skip: async (argv, io, sh) => skip(st, sh, io, argv.slice(1).join(' ')),
    atf_expect_pass: async () => {
      st.expect = 'pass'
      return 0
    },
    atf_expect_fail: async (argv) => {
      st.expect = 'fail'
      st.expectReason = argv.slice(1).join(' ')
      return 0
    },
    atf_expect_death: async (argv) => {
      st.expect = 'death'
      st.expectReason = argv.slice(1).join(' ')
      return 0
    },
    atf_expect_timeout: async (argv) => {
      st.expect = 'timeout'
      st.expectReason = argv.slice(1).join(' ')
      return 0
    },
    atf_expect_exit: async (argv) => {
      st.expect = 'exit'
      st.expectValue = Number(argv[1] ?? -1)
      st.expectReason = argv.slice(2).join(' ')
      return 0
    },
    atf_expect_signal: async (argv) => {
      st.expect = 'signal'
      st.expectValue = Number(argv[1] ?? -1)
      st.expectReason = argv.slice(2).join(' ')
      return 0
    },
    atf_require_prog: async (argv, io, sh) => {
      need(argv, io, sh, 1)
      const p = argv[1]!
      if (p.includes('/') && p[0] !== '/')
        fail(st, sh, io, `atf_require_prog does not accept relative path names \`${p}'`)
      const name = programName(p)
      if (name === undefined || !has(name)) skip(st, sh, io, `The required program ${p} could not be found`)
      return 0
    },
    atf_check: async (argv, io, sh) => {
      const spec = parseCheck(argv)
      if (typeof spec === 'string') {
        io.stderr.write(`atf-check: ${spec}\n`)
        fail(st, sh, io, 'atf-check failed; see the output of the test for details')
      }
      if (!(await runCheck(spec, io, sh)))
        fail(st, sh, io, 'atf-check failed; see the output of the test for details')
      return 0
    },
    atf_check_equal: async (argv, io, sh) => {
      need(argv, io, sh, 2)
      if (argv[1] !== argv[2]) fail(st, sh, io, `${argv[1]} != ${argv[2]}`)
      return 0
    },
  }
}

/** Calls the shell function name if the program defined it; status 0 otherwise. */
async function callIfDefined(sh: Interp, name: string, io: ShIo): Promise<number> {
  const fn = sh.funcs.get(name)
  return fn === undefined ? 0 : sh.call(name, fn, [], io, false)
}

/** The metadata a head leaves, in atf-tp's listing form. */
function listing(name: string, vars: ReadonlyMap<string, string>, cleanup: boolean): string {
  let s = `ident: ${name}\n`
  for (const [k, v] of vars) if (k !== 'ident') s += `${k}: ${v}\n`
  if (cleanup) s += 'has.cleanup: true\n'
  return s
}

interface Request {
  list: boolean
  resfile?: string
  srcdir?: string
  config: Map<string, string>
  program: string
  tc?: string
  part: 'body' | 'cleanup'
}

function parseRequest(argv: readonly string[]): Request | string {
  const r: Request = { list: false, config: new Map(), program: '', part: 'body' }
  let i = 1
  for (; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      i++
      break
    }
    if (a[0] !== '-' || a.length < 2) break
    const o = a[1]
    if (o === 'l' && a.length === 2) {
      r.list = true
      continue
    }
    if (o !== 'r' && o !== 's' && o !== 'v') return `illegal option -- ${o}`
    const v = a.length > 2 ? a.slice(2) : argv[++i]
    if (v === undefined) return `option requires an argument -- ${o}`
    if (o === 'r') r.resfile = v
    else if (o === 's') r.srcdir = v
    else {
      const eq = v.indexOf('=')
      if (eq <= 0) return `invalid variable assignment -- ${v}`
      r.config.set(v.slice(0, eq), v.slice(eq + 1))
    }
  }
  const rest = argv.slice(i)
  if (rest.length === 0) return 'missing test program'
  r.program = rest[0]!
  const tc = rest[1]
  if (!r.list && tc === undefined) return 'missing test case name'
  if (tc !== undefined) {
    const colon = tc.lastIndexOf(':')
    const part = colon < 0 ? 'body' : tc.slice(colon + 1)
    if (part !== 'body' && part !== 'cleanup') return `invalid test case part \`${part}'`
    r.part = part
    r.tc = colon < 0 ? tc : tc.slice(0, colon)
  }
  return r
}

/** The atf-sh program. */
export const atfSh: Command = async (argv, io, proc) => {
  const r = parseRequest(argv)
  if (typeof r === 'string') {
    io.stderr.write(`atf-sh: ${r}\n${USAGE}\n`)
    return 1
  }
  const text = proc.fs.read(r.program)
  if (text === undefined) {
    io.stderr.write(`atf-sh: cannot open ${r.program}: No such file or directory\n`)
    return 1
  }
  const st: State = {
    srcdir: r.srcdir ?? dirname(r.program),
    config: r.config,
    resfile: r.resfile,
    declared: new Map(),
    added: [],
    vars: new Map(),
    expect: 'pass',
    expectReason: '',
    expectValue: -1,
    result: undefined,
  }
  const has = (n: string): boolean => proc.has(n) || Object.hasOwn(BUILTINS, n)
  const lib = library(st, has)
  // Runs after the program's text has defined its functions: atf-sh's main.
  const main: Builtin = async (_argv, mio, sh) => {
    if (!sh.funcs.has('atf_init_test_cases')) {
      mio.stderr.write(`atf-sh: ERROR: ${r.program} does not define atf_init_test_cases\n`)
      return 1
    }
    await callIfDefined(sh, 'atf_init_test_cases', mio)
    if (r.list) {
      const parts = ['Content-Type: application/X-atf-tp; version="1"\n']
      for (const name of st.added) {
        st.vars = new Map([['ident', name]])
        await callIfDefined(sh, `${name}_head`, mio)
        parts.push(listing(name, st.vars, st.declared.get(name) ?? false))
      }
      mio.stdout.write(parts.join('\n'))
      return 0
    }
    const tc = r.tc!
    if (!st.added.includes(tc)) {
      mio.stderr.write(`atf-sh: ERROR: Unknown test case \`${tc}'\n`)
      return 1
    }
    st.vars = new Map([['ident', tc]])
    await callIfDefined(sh, `${tc}_head`, mio)
    if (r.part === 'cleanup') return callIfDefined(sh, `${tc}_cleanup`, mio)
    if (!sh.funcs.has(`${tc}_body`)) fail(st, sh, mio, 'Test case body not defined')
    await callIfDefined(sh, `${tc}_body`, mio)
    record(st, sh, mio, endOfBody(st))
    return st.result?.startsWith('failed') ? 1 : 0
  }
  return runScript(`${text}\n_atf_main\n`, io, proc, {
    name: r.program,
    builtins: { ...lib, _atf_main: main },
  })
}
