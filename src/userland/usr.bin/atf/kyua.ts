/**
 * Runs an atf-sh test program as kyua(1) does: lists its cases with `atf-sh -l`, answers each
 * case's requirements (require.user, .progs, .kmods, .config, .files) truthfully, then runs the
 * body and the cleanup of each case on a machine of its own, with the case's timeout (300 s by
 * default, on that machine's clock), and reads the result atf-sh left. Prints one line per case
 * (`prog:case  ->  passed  [0.012s]`, `failed: reason`, `skipped: reason`, `expected_failure: …`,
 * `broken: …`) and a summary like `kyua report`. It makes no machines itself: the caller passes a
 * factory, so the platform decides the clock; it reads no files but the ones it is given.
 */

import type { Syscalls } from '../../../host/syscalls.js'
import { BUILTINS } from '../../bin/sh/bltin/builtins.js'
import { Capture, MemFs } from '../../bin/sh/streams.js'
import { programName } from '../../paths.js'
import { startProcess } from '../../process.js'
import type { Programs } from '../../programs.js'
import type { FileSystem, OutStream } from '../../types.js'

/** A fresh machine for one case: its root's syscalls, and how to shut it down. */
export interface AtfMachine {
  readonly sys: Syscalls
  close(): void
}

export interface KyuaOptions {
  /** The test program's path (also where atf_get_srcdir points) and text. */
  readonly program: string
  readonly text: string
  /** Other files every case sees (helper scripts such as ../common/vnet.subr), by path. */
  readonly files?: ReadonlyMap<string, string>
  /** Only these cases (default: all, in the program's order). */
  readonly cases?: readonly string[]
  /** Configuration variables (`-v name=value`). */
  readonly config?: ReadonlyMap<string, string>
  readonly newMachine: () => AtfMachine
  readonly programs: Programs
  /** Result lines and the summary. */
  readonly out: OutStream
  /** Also print the output of each case that did not pass. */
  readonly verbose?: boolean
}

export type Outcome = 'passed' | 'failed' | 'skipped' | 'expected_failure' | 'broken'

export interface CaseResult {
  readonly name: string
  readonly outcome: Outcome
  /** The result as kyua shows it: `passed`, `failed: reason`... */
  readonly text: string
  /** Time the case took on its machine's clock, ns. */
  readonly ns: number
  /** What the case printed on stdout and stderr. */
  readonly output: string
}

const RESFILE = '/tmp/atf.result'
const DEFAULT_TIMEOUT_S = 300
const SIGKILL = 9

/** Parses `atf-sh -l` output: the cases and their metadata, in order. */
export function parseListing(text: string): Array<Map<string, string>> | string {
  const blocks = text.split(/\n\n+/)
  const header = blocks.shift() ?? ''
  if (!header.startsWith('Content-Type: application/X-atf-tp')) return 'Invalid header in test case list'
  const cases: Array<Map<string, string>> = []
  for (const b of blocks) {
    if (!b.trim()) continue
    const m = new Map<string, string>()
    for (const line of b.split('\n')) {
      const c = line.indexOf(': ')
      if (c > 0) m.set(line.slice(0, c), line.slice(c + 2))
    }
    if (!m.has('ident')) return 'Test case list entry without ident'
    cases.push(m)
  }
  return cases
}

function words(s: string | undefined): string[] {
  return s?.split(/\s+/).filter(Boolean) ?? []
}

/** Why a case cannot run here, kyua's way; undefined when it can. */
export function unmetRequirement(
  md: ReadonlyMap<string, string>,
  sys: Syscalls,
  has: (name: string) => boolean,
  config: ReadonlyMap<string, string>,
  fs: FileSystem,
): string | undefined {
  const user = md.get('require.user')
  if (user === 'unprivileged' && sys.uid === 0 && !config.has('unprivileged_user'))
    return 'Requires an unprivileged user and the unprivileged-user configuration variable is not set'
  if (user === 'root' && sys.uid !== 0) return 'Requires root privileges'
  for (const v of words(md.get('require.config')))
    if (!config.has(v)) return `Required configuration property '${v}' not defined`
  for (const p of words(md.get('require.progs'))) {
    const name = programName(p)
    if (name === undefined || !has(name))
      return p.includes('/')
        ? `Required program '${p}' not found`
        : `Required program '${p}' not found in PATH`
  }
  const loaded = new Set(
    sys.kldstat().flatMap((k) => [...(k.module === undefined ? [] : [k.module]), ...(k.contains ?? [])]),
  )
  for (const m of words(md.get('require.kmods')))
    if (!loaded.has(m)) return `Required kernel module '${m}' not loaded`
  for (const f of words(md.get('require.files'))) {
    const name = programName(f)
    if (!fs.has(f) && !(name !== undefined && name !== f && has(name)))
      return `Required file '${f}' not found`
  }
  return undefined
}

function classify(line: string): Outcome {
  const kind = line.split(':', 1)[0]
  if (kind === 'passed' || kind === 'failed' || kind === 'skipped') return kind
  if (kind === 'expected_failure' || kind.startsWith('expected_')) return 'expected_failure'
  return 'broken'
}

/** `1.5` seconds as kyua prints a duration: three decimals. */
function secs(ns: number): string {
  return `${(ns / 1e9).toFixed(3)}s`
}

/** Runs one part of a case as root of machine, with a timeout; its status, or undefined on timeout. */
async function runPart(
  m: AtfMachine,
  argv: readonly string[],
  fs: FileSystem,
  programs: Programs,
  timeoutNs: number,
  log: Capture,
): Promise<number | undefined> {
  const job = startProcess(
    m.sys,
    argv,
    { stdin: { read: async () => null }, stdout: log, stderr: log },
    {
      programs,
      fs,
    },
  )
  let timedOut = false
  void m.sys.nanosleep(timeoutNs, job.done).then(() => {
    timedOut = true
    job.kill(SIGKILL)
  })
  const status = await job.done
  return timedOut && status === 128 + SIGKILL ? undefined : status
}

function seed(files: ReadonlyMap<string, string>): MemFs {
  const fs = new MemFs()
  for (const [p, t] of files) {
    fs.truncate(p)
    fs.append(p, t)
  }
  return fs
}

/** The program's cases and their metadata (`atf-sh -l` on a machine of its own), or why not. */
export async function listCases(
  o: Pick<KyuaOptions, 'program' | 'text' | 'files' | 'newMachine' | 'programs'>,
  files: ReadonlyMap<string, string> = new Map([...(o.files ?? []), [o.program, o.text]]),
): Promise<{ listed: Array<Map<string, string>> | string; log: string }> {
  const m = o.newMachine()
  const out = new Capture()
  const log = new Capture()
  try {
    const io = { stdin: { read: async () => null }, stdout: out, stderr: log }
    const job = startProcess(m.sys, ['atf-sh', '-l', o.program], io, {
      programs: o.programs,
      fs: seed(files),
    })
    const status = await job.done
    return {
      listed: status === 0 ? parseListing(out.text()) : `atf-sh -l exited with code ${status}`,
      log: log.text(),
    }
  } finally {
    m.close()
  }
}

/** Runs the cases; resolves with their results (lines and summary already written to out). */
export async function runKyua(o: KyuaOptions): Promise<CaseResult[]> {
  const files = new Map(o.files ?? [])
  files.set(o.program, o.text)
  const config = o.config ?? new Map<string, string>()
  const has = (n: string): boolean => o.programs.has(n) || Object.hasOwn(BUILTINS, n)
  const base = o.program.replace(/^.*\//, '').replace(/\.sh$/, '')
  const results: CaseResult[] = []
  const report = (r: CaseResult): void => {
    results.push(r)
    o.out.write(`${base}:${r.name}  ->  ${r.text}  [${secs(r.ns)}]\n`)
    if (o.verbose && r.outcome !== 'passed' && r.output)
      o.out.write(r.output.replace(/\n?$/, '\n').replace(/^(?=.)/gm, '    '))
  }

  const { listed, log } = await listCases(o, files)
  if (typeof listed === 'string') {
    report({ name: '__test_cases_list__', outcome: 'broken', text: `broken: ${listed}`, ns: 0, output: log })
  } else {
    const wanted = o.cases ?? listed.map((m) => m.get('ident')!)
    for (const name of wanted) {
      const md = listed.find((m) => m.get('ident') === name)
      if (md === undefined) {
        report({ name, outcome: 'broken', text: 'broken: Test case not found', ns: 0, output: '' })
        continue
      }
      report(await runCase(o, name, md, files, config, has))
    }
  }
  const count = (k: Outcome) => results.filter((r) => r.outcome === k).length
  const total = results.reduce((a, r) => a + r.ns, 0)
  o.out.write(
    '===> Summary\n' +
      `Test cases: ${results.length} total, ${count('skipped')} skipped, ${count('expected_failure')} expected failures, ` +
      `${count('broken')} broken, ${count('failed')} failed\n` +
      `Total time: ${secs(total)}\n`,
  )
  return results
}

async function runCase(
  o: KyuaOptions,
  name: string,
  md: ReadonlyMap<string, string>,
  files: ReadonlyMap<string, string>,
  config: ReadonlyMap<string, string>,
  has: (name: string) => boolean,
): Promise<CaseResult> {
  const m = o.newMachine()
  try {
    const fs = seed(files)
    const start = m.sys.now()
    const why = unmetRequirement(md, m.sys, has, config, fs)
    if (why !== undefined) return { name, outcome: 'skipped', text: `skipped: ${why}`, ns: 0, output: '' }
    const t = Number(md.get('timeout') ?? DEFAULT_TIMEOUT_S)
    const timeoutNs = (Number.isFinite(t) && t > 0 ? t : DEFAULT_TIMEOUT_S) * 1e9
    const vars = [...config].flatMap(([k, v]) => ['-v', `${k}=${v}`])
    const argv = (part: string) => ['atf-sh', '-r', RESFILE, ...vars, o.program, `${name}:${part}`]
    const log = new Capture()
    const status = await runPart(m, argv('body'), fs, o.programs, timeoutNs, log)
    let text: string
    if (status === undefined) text = 'broken: Test case body timed out'
    else {
      const line = fs.read(RESFILE)?.split('\n')[0]
      text = line || `broken: Premature exit; test case exited with code ${status}`
    }
    if (md.get('has.cleanup') === 'true') {
      const c = await runPart(m, argv('cleanup'), fs, o.programs, timeoutNs, log)
      if (c !== 0 && classify(text) === 'passed')
        text =
          c === undefined
            ? 'broken: Test case cleanup timed out'
            : 'broken: Test case cleanup did not terminate successfully'
    }
    return { name, outcome: classify(text), text, ns: m.sys.now() - start, output: log.text() }
  } finally {
    m.close()
  }
}
