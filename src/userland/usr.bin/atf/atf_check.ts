/**
 * atf-check(1) as the `atf_check` of atf-sh(3): runs a command, then checks its termination
 * (`-s exit:N`, `not-exit:N`, `signal:SIG`, `not-signal:SIG`, `ignore`) and its stdout and stderr
 * (`-o`/`-e` `empty`, `ignore`, `inline:TEXT`, `file:PATH`, `match:RE`, `save:PATH`, each but
 * `ignore` and `save` also as `not-…`; several checks of one stream must all hold). Defaults are
 * `-s exit:0 -o empty -e empty`. `-x` runs the command with `sh -c`. It reports what failed on
 * stderr, as atf-check does, and leaves deciding the test's result to the caller. It never throws
 * for bad input: a malformed check is a usage error.
 */

import { posixRegex } from '../../bin/sh/bltin/utils.js'
import type { Interp } from '../../bin/sh/interp.js'
import { AbortCtl, signalNumber } from '../../bin/sh/signals.js'
import { Capture, type ShIo } from '../../bin/sh/streams.js'

type StatusCheck =
  | { kind: 'exit'; value: number | undefined; negate: boolean }
  | { kind: 'signal'; value: number | undefined; negate: boolean }
  | { kind: 'ignore' }

type OutCheck =
  | { kind: 'empty' | 'ignore'; negate: boolean }
  | { kind: 'inline' | 'file' | 'match' | 'save'; arg: string; negate: boolean }

export interface CheckSpec {
  status: StatusCheck
  out: OutCheck[]
  err: OutCheck[]
  shell: boolean
  argv: string[]
}

/** Escape sequences atf-check decodes in `inline:` text (printf-like, plus octal `\0NNN`). */
const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
}

export function decodeInline(s: string): string {
  return s.replace(/\\(0[0-7]{0,3}|.)/g, (m, c: string) => {
    if (c[0] === '0') return String.fromCharCode(Number.parseInt(c, 8) & 0xff)
    return ESCAPES[c] ?? m
  })
}

function parseStatus(arg: string): StatusCheck | string {
  if (arg === 'ignore') return { kind: 'ignore' }
  const negate = arg.startsWith('not-')
  const body = negate ? arg.slice(4) : arg
  const colon = body.indexOf(':')
  const kind = colon < 0 ? body : body.slice(0, colon)
  const value = colon < 0 ? '' : body.slice(colon + 1)
  if (kind === 'exit') {
    if (value === '') return { kind, value: undefined, negate }
    if (!/^\d+$/.test(value) || Number(value) > 255) return `Invalid exit code: ${value}`
    return { kind, value: Number(value), negate }
  }
  if (kind === 'signal') {
    if (value === '') return { kind, value: undefined, negate }
    const n = /^\d+$/.test(value) ? Number(value) : signalNumber(value.toUpperCase().replace(/^SIG/, ''))
    if (n === undefined) return `Invalid signal name or number in -s option: ${value}`
    return { kind, value: n, negate }
  }
  return `Invalid exit status type: ${kind}`
}

function parseOut(arg: string, opt: string): OutCheck | string {
  const negate = arg.startsWith('not-')
  const body = negate ? arg.slice(4) : arg
  const colon = body.indexOf(':')
  const kind = colon < 0 ? body : body.slice(0, colon)
  if (kind === 'empty' || kind === 'ignore') {
    if (colon >= 0 || (negate && kind === 'ignore')) return `Invalid output checker: ${arg}`
    return { kind, negate }
  }
  if (kind === 'inline' || kind === 'file' || kind === 'match' || kind === 'save') {
    if (colon < 0) return `Invalid -${opt} option argument: ${arg}`
    if (negate && kind === 'save') return `Invalid output checker: ${arg}`
    return { kind, arg: body.slice(colon + 1), negate }
  }
  return `Invalid output checker: ${arg}`
}

/** Parses atf_check's arguments (argv[0] is the command name); a string is a usage error. */
export function parseCheck(argv: readonly string[]): CheckSpec | string {
  let status: StatusCheck | undefined
  const out: OutCheck[] = []
  const err: OutCheck[] = []
  let shell = false
  let i = 1
  for (; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      i++
      break
    }
    if (a[0] !== '-' || a.length < 2) break
    const opt = a[1]
    if (opt === 'x' && a.length === 2) {
      shell = true
      continue
    }
    if (opt !== 's' && opt !== 'o' && opt !== 'e') return `Unknown option -${opt}`
    const v = a.length > 2 ? a.slice(2) : argv[++i]
    if (v === undefined) return `-${opt}: option requires an argument`
    if (opt === 's') {
      const s = parseStatus(v)
      if (typeof s === 'string') return s
      status = s
    } else {
      const c = parseOut(v, opt)
      if (typeof c === 'string') return c
      ;(opt === 'o' ? out : err).push(c)
    }
  }
  const rest = argv.slice(i)
  if (!rest.length) return 'No command specified'
  return {
    status: status ?? { kind: 'exit', value: 0, negate: false },
    out: out.length ? out : [{ kind: 'empty', negate: false }],
    err: err.length ? err : [{ kind: 'empty', negate: false }],
    shell,
    argv: shell ? [rest.join(' ')] : rest,
  }
}

/** The lowest status a killed process reports (128+signal); sh can tell no more than that. */
const SIG_BASE = 128

function statusFailure(c: StatusCheck, status: number): string | undefined {
  if (c.kind === 'ignore') return undefined
  const signalled = status > SIG_BASE && status < SIG_BASE + 64
  if (c.kind === 'exit') {
    const ok = c.value === undefined ? !signalled : status === c.value
    if (ok === !c.negate) return undefined
    if (c.negate) return `Fail: incorrect exit status: ${status}, expected: anything else`
    return c.value === undefined
      ? `Fail: program did not exit cleanly (status ${status})`
      : `Fail: incorrect exit status: ${status}, expected: ${c.value}`
  }
  const sig = status - SIG_BASE
  const ok = signalled && (c.value === undefined || sig === c.value)
  if (ok === !c.negate) return undefined
  if (c.negate) return `Fail: incorrect signal received: ${sig}, expected: anything else`
  return signalled
    ? `Fail: incorrect signal received: ${sig}, expected: ${c.value}`
    : `Fail: program did not receive a signal (exit status ${status})`
}

function regexMatches(re: RegExp, text: string): boolean {
  const lines = text.split('\n')
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  return lines.some((l) => re.test(l))
}

/** Checks one stream; returns the failure messages (empty when all hold). */
function outFailures(checks: readonly OutCheck[], text: string, name: string, sh: Interp): string[] {
  const fails: string[] = []
  for (const c of checks) {
    let ok: boolean
    let what: string
    switch (c.kind) {
      case 'ignore':
        continue
      case 'save':
        sh.fs.truncate(c.arg)
        sh.fs.append(c.arg, text)
        continue
      case 'empty':
        ok = text === ''
        what = c.negate ? `${name} is empty` : `${name} not empty`
        break
      case 'inline': {
        ok = text === decodeInline(c.arg)
        what = c.negate ? `${name} matches inline text` : `${name} does not match golden output`
        break
      }
      case 'file': {
        const want = sh.fs.read(c.arg)
        if (want === undefined) {
          fails.push(`Fail: cannot open ${c.arg}: No such file or directory`)
          continue
        }
        ok = text === want
        what = c.negate ? `${name} matches file ${c.arg}` : `${name} does not match golden output`
        break
      }
      case 'match': {
        let re: RegExp
        try {
          re = new RegExp(posixRegex(c.arg, true))
        } catch {
          fails.push(`Fail: invalid regular expression '${c.arg}'`)
          continue
        }
        ok = regexMatches(re, text)
        what = c.negate ? `regexp ${c.arg} is in ${name}` : `regexp ${c.arg} not in ${name}`
        break
      }
    }
    if (ok === c.negate) fails.push(`Fail: ${what}`)
  }
  return fails
}

/** Shows captured output the way atf-check does under a failure: a header, then the text. */
function dump(name: string, text: string): string {
  if (!text) return ''
  return `${name}:\n${text.endsWith('\n') ? text : `${text}\n`}`
}

/**
 * Runs the command of spec in a subshell of sh (so a function or builtin that calls `exit` ends only
 * itself, as a child process would) and checks it. Returns true when every check held; otherwise the
 * failures and the captured output went to io.stderr.
 */
export async function runCheck(spec: CheckSpec, io: ShIo, sh: Interp): Promise<boolean> {
  const out = new Capture()
  const err = new Capture()
  const sub = sh.clone(new AbortCtl(sh.ctl))
  const argv = spec.shell ? ['sh', '-c', spec.argv[0]] : spec.argv
  let status: number
  try {
    const cio = { stdin: io.stdin, stdout: out, stderr: err }
    status = await sub.boundary(err, () => sub.invoke(argv, [], cio, true))
  } finally {
    sub.ctl.dispose()
  }
  sh.ctl.check()
  const so = out.text()
  const se = err.text()
  const fails: string[] = []
  const s = statusFailure(spec.status, status)
  if (s) fails.push(s)
  fails.push(...outFailures(spec.out, so, 'stdout', sh), ...outFailures(spec.err, se, 'stderr', sh))
  if (!fails.length) return true
  io.stderr.write(`Executing command [ ${argv.join(' ')} ]\n`)
  io.stderr.write(fails.map((f) => `${f}\n`).join('') + dump('stdout', so) + dump('stderr', se))
  return false
}
